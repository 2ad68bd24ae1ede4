# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Compliance reports as files people and tools read: JUnit XML, HTML, Prometheus text format and JSON.

Private to this collection: not a public API; names and signatures may change in any release.

Pure Python, no ``ansible`` import (the filters in ``plugins/filter/compliance_render.py`` wrap it). The
input is the report of the ``session_compliance`` role (``session_compliance_info``'s ``report``: ``passed``,
``em``, ``generated_at``, ``window``, ``judge``, ``totals``, ``excluded``, ``violations``, ``recovered``,
``subjects``, ``lines``), or a fleet roll-up of several such reports made by ``fleet()``. Reports from before
the compliance engine (no ``subjects``) are rendered too: each violation is then its own test case and row.

Every string that comes from Enterprise Manager (names, messages) is escaped for the format it goes into,
and characters XML cannot carry are replaced, so a job called ``<Prod> & "Test"`` cannot break a file.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import calendar
import html
import json
import re
import xml.etree.ElementTree as ET

from . import _checks as registry
from ._query import format_time, parse_time
from ._report_files import file_stem
from ._untrusted import printable

# What the checks, results and verdicts are and how they read: described once, in _checks (``registry``).
CHECKS = tuple(registry.CHECKS)
CHECK_TITLES = dict((name, check.title) for name, check in registry.CHECKS.items())
# A violation's kind (a session kind, or a subject kind for a stale subject) -> its check.
KIND_CHECK = dict((kind, check.name) for kind, check in registry.KIND_CHECK.items())
SUBJECT_KINDS = registry.SUBJECT_KINDS
# A session kind -> what its parent (a violation's parent) is.
_PARENT_TITLES = dict((check.session_kind, check.parent_title) for check in registry.CHECKS.values())
KIND_TITLES = registry.KIND_TITLES
VERDICTS = tuple(registry.VERDICTS)
RESULTS = tuple(registry.RESULTS)
# Verdicts that are violations; and those of subjects that were not judged (JUnit "skipped").
VIOLATING = tuple(name for name, verdict in registry.VERDICTS.items() if verdict.violation)
NOT_JUDGED = tuple(name for name, verdict in registry.VERDICTS.items() if not verdict.judged)
METRIC_PREFIX = 'veeam_em_compliance_'

# Characters XML 1.0 cannot carry (and HTML parsers flag): C0 controls but tab/LF/CR, surrogates, U+FFFE/F.
_NOT_XML = re.compile(u'[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')
# Controls that are legal in XML but flagged by HTML parsers.
_NOT_HTML = re.compile(u'[\u007f-\u009f]')

_COLOURS = dict([(name, verdict.colour) for name, verdict in registry.VERDICTS.items()] + [('passed', '#1e7d34')])
_FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"


class ReportError(ValueError):
    """The input is not a compliance report (or fleet) the renderers can use."""


# ------------------------------------------------------------------------------------------ helpers

def _text(value):
    """A value as text, with the characters XML cannot carry replaced; None stays ''."""
    if value is None:
        return u''
    if isinstance(value, bool):
        value = 'true' if value else 'false'
    return _NOT_XML.sub(u'\ufffd', u'%s' % (value,))


def _shown(value):
    """Text shown to people (the HTML page, Prometheus labels): terminal escapes, control characters and bidi
    controls removed (``_untrusted.printable``), line breaks kept. Non-strings are left to ``_text``."""
    return printable(value, keep_lines=True) if isinstance(value, str) else value


def _h(value):
    """Escape for HTML text and attribute values, EM's text stripped of control characters and bidi controls."""
    return html.escape(_NOT_HTML.sub(u'\ufffd', _text(_shown(value))), quote=True)


def _epoch(value):
    """Seconds since the epoch of an ISO 8601 time, or None."""
    try:
        parsed = parse_time(value)
    except (TypeError, ValueError):
        return None
    if parsed is None:
        return None
    return calendar.timegm(parsed.utctimetuple()) + parsed.microsecond / 1e6


def _shown_time(value):
    """A time for people: ``2026-11-20 12:00:05`` (UTC), or the text as given when it does not parse."""
    try:
        parsed = parse_time(value)
    except (TypeError, ValueError):
        return _text(value)
    return parsed.strftime('%Y-%m-%d %H:%M:%S') if parsed else u''


def _number(value):
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, int):
        return '%d' % value
    if float(value).is_integer():
        return '%d' % int(value)
    return repr(float(value))


def check_report(report, what='report'):
    """Raise ReportError unless ``report`` looks like a compliance report."""
    if not isinstance(report, dict):
        raise ReportError('%s must be a compliance report (a dict), not %s' % (what, type(report).__name__))
    missing = [key for key in ('passed', 'violations') if key not in report]
    if missing:
        raise ReportError('%s is not a compliance report: it has no %s' % (what, ' and no '.join(missing)))
    for key in ('violations', 'recovered', 'subjects'):
        if report.get(key) is not None and not isinstance(report.get(key), list):
            raise ReportError('%s: %s must be a list' % (what, key))
    return report


def is_fleet(data):
    return isinstance(data, dict) and isinstance(data.get('reports'), dict) and 'ems' in data


def em_of(report, default=None):
    return report.get('em') or default or 'enterprise_manager'


def _checks(report):
    """The report's checks in a stable order: those it totals, then any that only its entries name."""
    found = set(report.get('totals') or {})
    found.update(subject.get('check') for subject in report.get('subjects') or [] if subject.get('check'))
    found.update(KIND_CHECK.get(item.get('kind')) for item in report.get('violations') or []
                 if KIND_CHECK.get(item.get('kind')))
    return [check for check in CHECKS if check in found] + sorted(check for check in found if check not in CHECKS)


def _check_of(entry):
    return entry.get('check') or KIND_CHECK.get(entry.get('kind')) or 'unknown'


def subject_title(subject):
    """How a subject reads on a CI page or in a table."""
    kind = subject.get('kind')
    name = _text(subject.get('name')) or '(no name)'
    check = registry.CHECKS.get(subject.get('check')) or registry.KIND_CHECK.get(kind)
    if check is not None and check.vm_subjects:
        return u'VM %s of %s %s' % (name, check.listing.noun, _text(subject.get('parent')) or '(unknown)')
    return u'%s %s' % (KIND_TITLES.get(kind, 'Subject'), name)


def _violation_title(violation):
    kind = violation.get('kind')
    if kind in SUBJECT_KINDS:
        return subject_title({'kind': kind, 'name': violation.get('name'), 'parent': violation.get('parent')})
    parent = _text(violation.get('parent'))
    return u'%s %s%s' % (KIND_TITLES.get(kind, 'Session'), _text(violation.get('name')),
                         (u' of %s' % parent) if parent else u'')


class _Case:
    """One subject with the violations and recovered sessions that belong to it (subject None: unmatched)."""

    def __init__(self, check, subject=None):
        self.check = check
        self.subject = subject
        self.violations = []
        self.recovered = []

    @property
    def verdict(self):
        if self.subject is not None:
            return self.subject.get('verdict') or 'ok'
        return 'failed' if self.violations else 'recovered'


def cases(report):
    """The report's subjects, each with its violations and recovered sessions, per check (dict check -> list).

    A violation belongs to the subject whose newest session it is, or (stale) the subject itself, or (judge
    ``every``, older sessions) the job or policy it names as parent, or the VM its task session is named after.
    A violation no subject claims gets a case of its own, so nothing is lost.
    """
    by_check = dict((check, []) for check in _checks(report))
    by_latest, by_name, by_vm = {}, {}, {}
    for subject in report.get('subjects') or []:
        case = _Case(_check_of(subject), subject)
        by_check.setdefault(case.check, []).append(case)
        latest = subject.get('latest') or {}
        if latest.get('id'):
            by_latest.setdefault((case.check, latest.get('id')), case)
        by_name.setdefault((case.check, subject.get('kind'), subject.get('name')), case)
        by_name.setdefault((case.check, None, subject.get('name')), case)
        if _is_vm_check(case.check):
            by_vm.setdefault((subject.get('parent'), subject.get('name')), case)

    def find(entry):
        check = KIND_CHECK.get(entry.get('kind'), 'unknown')
        if entry.get('kind') in SUBJECT_KINDS:
            return by_name.get((check, entry.get('kind'), entry.get('name')))
        if entry.get('id') and (check, entry.get('id')) in by_latest:
            return by_latest[(check, entry.get('id'))]
        if _is_vm_check(check):
            name = entry.get('name') or ''
            return by_vm.get((entry.get('parent'), name)) or by_vm.get((entry.get('parent'), name.rsplit('@', 1)[0]))
        return by_name.get((check, None, entry.get('parent')))

    for key, attribute in (('violations', 'violations'), ('recovered', 'recovered')):
        for entry in report.get(key) or []:
            case = find(entry)
            if case is None:
                case = _Case(KIND_CHECK.get(entry.get('kind'), 'unknown'))
                by_check.setdefault(case.check, []).append(case)
            getattr(case, attribute).append(entry)
    return by_check


def _is_vm_check(name):
    return name in registry.CHECKS and registry.CHECKS[name].vm_subjects


def _verdict_counts(report):
    counts = dict((verdict, 0) for verdict in VERDICTS)
    for subject in report.get('subjects') or []:
        verdict = subject.get('verdict') or 'ok'
        counts[verdict] = counts.get(verdict, 0) + 1
    return counts


# ------------------------------------------------------------------------------------------ fleet

def _reports_of(data, name=None):
    """[(name, report)] of a report (named ``name``, else by its ``em``) or a fleet."""
    if is_fleet(data):
        return [(key, check_report(report, 'the report of %s' % key)) for key, report in data['reports'].items()]
    check_report(data)
    return [(name or em_of(data), data)]


def summary(report):
    """What the role publishes per EM with set_stats: passed, violation_count, totals, and the violation lines."""
    check_report(report)
    lines = list(report.get('lines') or [])
    return {
        'passed': bool(report.get('passed')),
        'violation_count': len(report.get('violations') or []),
        'totals': report.get('totals') or {},
        'violations': lines[1:],
    }


def fleet(reports, missing=None, now=None):
    """Roll up several EMs' reports.

    :param reports: a dict EM name -> report, or a list of reports (named by their ``em``).
    :param missing: names of EMs that produced no report (their run failed before it was built).
    :param now: an aware datetime used as ``generated_at`` when no report has one.
    """
    named = []
    if isinstance(reports, dict) and not is_fleet(reports) and 'passed' not in reports:
        named = list(reports.items())
    elif isinstance(reports, (list, tuple)):
        for index, report in enumerate(reports):
            check_report(report, 'report %d' % (index + 1))
            if not report.get('em'):
                raise ReportError('report %d names no em: give the reports as a dict of EM name to report' % (index + 1))
            named.append((report['em'], report))
    else:
        raise ReportError('fleet expects a dict of EM name to report, or a list of reports')
    seen = set()
    for name, report in named:
        check_report(report, 'the report of %s' % name)
        if name in seen:
            raise ReportError('two reports are named %s: each EM must appear once in a fleet' % name)
        seen.add(name)
    named.sort(key=lambda pair: _text(pair[0]))
    missing = sorted(set(_text(name) for name in missing or []) - seen)

    ems, violations, recovered, lines = {}, [], [], []
    failing = 0
    for name, report in named:
        entry = summary(report)
        entry.update({
            'recovered_count': len(report.get('recovered') or []),
            'subject_count': len(report.get('subjects') or []),
            'verdicts': _verdict_counts(report),
            'judge': report.get('judge'),
            'window': report.get('window'),
            'generated_at': report.get('generated_at'),
            'lines': list(report.get('lines') or []),
        })
        ems[name] = entry
        violations.extend(dict(item, em=name) for item in report.get('violations') or [])
        recovered.extend(dict(item, em=name) for item in report.get('recovered') or [])
        if not entry['passed']:
            failing += 1
            own = list(report.get('lines') or []) or ['%d incident(s)' % len(incidents(report))]
            lines.append(u'%s: %s' % (name, own[0]))
            lines.extend(u'  %s' % line for line in own[1:])
    for name in missing:
        lines.append(u'%s: no report (the run failed for this Enterprise Manager before its report was built)' % name)
    passed = not failing and not missing
    if not passed:
        lines.insert(0, u'%d of %d Enterprise Manager(s) did not pass (%d incident(s) in all):' % (
            failing + len(missing), len(named) + len(missing),
            sum(len(incidents(report)) for dummy, report in named)))
    times = [report.get('generated_at') for dummy, report in named if _epoch(report.get('generated_at')) is not None]
    generated_at = max(times, key=_epoch) if times else (format_time(now) if now else None)
    return {
        'passed': passed,
        'generated_at': generated_at,
        'em_count': len(named),
        'violation_count': len(violations),
        'recovered_count': len(recovered),
        'ems': ems,
        'missing': missing,
        'violations': violations,
        'recovered': recovered,
        'lines': lines,
        'reports': dict(named),
    }


def failure_lines(report, name=None):
    """A report's lines under a header naming its EM, for a failure message in a play with several EMs."""
    check_report(report)
    own = list(report.get('lines') or [])
    if not own:
        return []
    return [u'%s: %s' % (name or em_of(report), own[0])] + [u'  %s' % line for line in own[1:]]


# ------------------------------------------------------------------------------------------ incidents

def ago(now, when):
    """How long before ``now`` (aware datetimes) ``when`` was, for people: "35 min ago", "35 h ago", "9 days ago"."""
    seconds = int((now - when).total_seconds())
    if seconds < 2 * 3600:
        return '%d min ago' % max(0, seconds // 60)
    if seconds < 3 * 86400:
        return '%d h ago' % (seconds // 3600)
    return '%d days ago' % (seconds // 86400)


def duration_words(seconds):
    """An age as people say it: "45 minutes", "26 hours", "3 days 4 hours"."""
    seconds = max(0, int(seconds))
    if seconds < 3600:
        minutes = seconds // 60
        return '%d minute%s' % (minutes, '' if minutes == 1 else 's')
    if seconds < 2 * 86400:
        hours = seconds // 3600
        return '%d hour%s' % (hours, '' if hours == 1 else 's')
    days, hours = seconds // 86400, (seconds % 86400) // 3600
    return '%d days' % days + (' %d hour%s' % (hours, '' if hours == 1 else 's') if hours else '')


def _when(value, now_text):
    """A time for people with its age: "2026-11-20 09:00:15 UTC (3 h ago)"; '' for no time."""
    shown = _shown_time(value)
    if not shown:
        return u''
    try:
        when, now = parse_time(value), parse_time(now_text)
    except (TypeError, ValueError):
        when = now = None
    return u'%s UTC (%s)' % (shown, ago(now, when)) if when and now else u'%s UTC' % shown


def incidents(report):
    """The report's violations as incidents, newest first: ``[(violation, [violations of its VMs])]``.

    A VM whose session failed under a session of its job or policy that is itself a violation is part of that
    incident, not one of its own; every other violation is an incident. The report's ``violations`` keep one entry
    per job, policy and VM (as JUnit's test cases do): ``incidents`` only groups them.
    """
    violations = report.get('violations') or []
    parents = dict((item.get('uid'), []) for item in violations
                   if item.get('uid') and not _is_vm_check(KIND_CHECK.get(item.get('kind'))))
    for item in violations:
        if item.get('parent_session_uid') in parents:
            parents[item['parent_session_uid']].append(item)
    return [(item, parents.get(item.get('uid'), []) if item.get('uid') in parents else [])
            for item in violations if item.get('parent_session_uid') not in parents]


def _result_words(result):
    outcome = registry.RESULTS.get(result)
    return outcome.words if outcome is not None else _text(result).lower()


def _incident_subject(item):
    kind = item.get('kind')
    if kind in SUBJECT_KINDS:
        return subject_title(item)
    check = registry.KIND_CHECK.get(kind)
    if check is not None and check.vm_subjects:
        return subject_title({'kind': check.subject_kind, 'name': item.get('subject') or item.get('name'),
                              'parent': item.get('parent')})
    name = item.get('subject') or item.get('parent') or item.get('name')
    return u'%s %s' % (_PARENT_TITLES.get(kind, 'Job or policy'), _text(name) or '(no name)')


def _printable_entry(item):
    """A violation with EM's text made printable first (escape sequences go whole, before _text marks what is left)."""
    return dict((key, printable(value) if isinstance(value, str) else value) for key, value in item.items())


def incident_line(item, now_text):
    """One incident (or a violation) as a line: subject, result, time and reason, EM's text made printable."""
    item = _printable_entry(item)
    when = u'' if item.get('kind') in SUBJECT_KINDS else _when(item.get('creation_time_utc'), now_text)
    return printable(u'%s: %s%s: %s' % (_incident_subject(item), _result_words(item.get('result')),
                                        (u' at ' + when) if when else u'', _text(item.get('message')) or '-'))


def incident_lines(report):
    """The report's ``lines``: a count of incidents, then per check its title and one line per incident, the VMs that
    failed with a job or policy each on a line under it. Empty when the report passed."""
    found = incidents(report)
    if not found:
        return []
    count = len(report.get('violations') or [])
    lines = [u'%d incident(s) (%d failed or stale job(s), policy(ies) and VM(s) counted one by one):' % (
        len(found), count)]
    by_check = {}
    for item, children in found:
        by_check.setdefault(_check_of(item), []).append((item, children))
    now_text = report.get('generated_at')
    for check in [name for name in CHECKS if name in by_check] + sorted(set(by_check) - set(CHECKS)):
        lines.append(u'%s:' % CHECK_TITLES.get(check, check))
        for item, children in by_check[check]:
            lines.append(u'  ' + incident_line(item, now_text))
            for child in children:
                child = _printable_entry(child)
                lines.append(u'    VM %s: %s: %s' % (_text(child.get('subject') or child.get('name')),
                                                     _result_words(child.get('result')), _text(child.get('message'))))
    return lines


def failure_summary(data, name=None):
    """One short line for the failed task's message (the block printed before it lists the incidents)."""
    if data.get('passed'):
        return u''
    if is_fleet(data):
        return u'%d of %d Enterprise Manager(s) did not pass: listed above.' % (
            sum(1 for report in data['reports'].values() if not report.get('passed')) + len(data.get('missing') or []),
            len(data['reports']) + len(data.get('missing') or []))
    em, report = _reports_of(data, name)[0]
    return u'Enterprise Manager %s did not pass, %d incident(s): listed above.' % (
        printable(_text(em)), len(incidents(report)))


def terminal_block(data, name=None):
    """The failure block people read in the terminal: one per EM, or the fleet's (a line per EM); plain text."""
    if is_fleet(data):
        pairs = _reports_of(data)
        missing = data.get('missing') or []
        failing = [pair for pair in pairs if not pair[1].get('passed')]
        total = sum(len(incidents(report)) for dummy, report in pairs)
        lines = [u'Fleet of %d Enterprise Manager(s): %s' % (
            len(pairs) + len(missing), u'passed' if data.get('passed') else u'%d did not pass, %d incident(s) in all' % (
                len(failing) + len(missing), total))]
        for em, report in pairs:
            count = len(incidents(report))
            lines.append(u'  %s: %s' % (printable(_text(em)), u'passed' if report.get('passed') else
                                        u'FAILED, %d incident(s) (listed in its own block)' % count))
        lines.extend(u'  %s: FAILED, no report (the run failed before its report was built)' % printable(_text(em))
                     for em in missing)
        return u'\n'.join(lines)
    em, report = _reports_of(data, name)[0]
    own = incident_lines(report)
    head = u'Enterprise Manager %s: ' % printable(_text(em))
    if not own:
        return head + (u'passed, no incident' if report.get('passed') else u'did not pass')
    return u'\n'.join([head + u'FAILED, ' + own[0]] + [u'  ' + line for line in own[1:]])


# ------------------------------------------------------------------------------------------ JSON

def to_json(data):
    """The report (or fleet) as indented JSON, non-ASCII kept, with a final newline."""
    if is_fleet(data):
        _reports_of(data)
    else:
        check_report(data)
    return json.dumps(data, indent=2, ensure_ascii=False, default=_text) + '\n'


# ------------------------------------------------------------------------------------------ JUnit

def _junit_time(value):
    try:
        parsed = parse_time(value)
    except (TypeError, ValueError):
        return None
    return parsed.strftime('%Y-%m-%dT%H:%M:%S') if parsed else None


def _session_text(entry):
    if entry.get('kind') in SUBJECT_KINDS:
        labels = (('subject', 'name'),)
    else:
        labels = (('session', 'name'), ('parent', 'parent'))
    return u'\n'.join(u'%s: %s' % (label, _text(entry.get(key))) for label, key in labels + (
        ('result', 'result'), ('state', 'state'), ('created (UTC)', 'creation_time_utc'), ('reason', 'message')) if entry.get(key) is not None)


def _case_out(case):
    subject = case.subject or {}
    lines = [u'verdict: %s' % case.verdict]
    if subject.get('backup_server_name'):
        lines.append(u'backup server: %s' % _text(subject['backup_server_name']))
    if subject.get('newest_point') is not None:  # a VM judged from its points
        return u'\n'.join(lines + _point_lines(subject))
    latest = subject.get('latest')
    if latest:
        lines.append(u'newest finished session: %s, %s, ended %s' % (
            _text(latest.get('name')), _text(latest.get('result')), _text(latest.get('end_time_utc')) or '-'))
    elif case.subject is not None:
        lines.append(u'newest finished session: none in the window')
    if case.subject is not None:
        lines.append(u'last success ended: %s' % (_text(subject.get('last_success_end_time_utc')) or 'none read'))
    counts = subject.get('counts')
    if counts:
        lines.append(u'sessions in the window: %s' % ', '.join(
            u'%s %s' % (counts.get(result, 0), result) for result in RESULTS))
    for item in case.recovered:
        lines.append(u'recovered: %s (%s at %s): %s' % (
            _text(item.get('name')), _text(item.get('result')), _text(item.get('creation_time_utc')),
            _text(item.get('message'))))
    return u'\n'.join(lines)


def _add_suite(root, name, report, check):
    cases_of_check = cases(report).get(check, [])
    em = name or em_of(report)
    suite = ET.SubElement(root, 'testsuite', name=_text(u'%s: %s' % (em, CHECK_TITLES.get(check, check))))
    stamp = _junit_time(report.get('generated_at'))
    if stamp:
        suite.set('timestamp', stamp)
    suite.set('hostname', _text(em))
    properties = ET.SubElement(suite, 'properties')
    window = report.get('window') or {}
    for key, value in (('em', em), ('check', check), ('judge', report.get('judge')),
                       ('window_from', window.get('from')), ('window_to', window.get('to')),
                       ('generated_at', report.get('generated_at')),
                       ('fail_on', ', '.join(report.get('fail_on') or []) or None),
                       ('excluded_sessions', (report.get('excluded') or {}).get(check))):
        if value is not None:
            ET.SubElement(properties, 'property', name=key, value=_text(value))
    classname = _text(u'%s.%s' % (em, check))
    tests = failures = skipped = 0
    for case in cases_of_check:
        if case.subject is not None:
            title = subject_title(case.subject)
        elif case.violations:
            title = None  # each violation names its own test case
        else:
            title = _violation_title(case.recovered[0])
        entries = case.violations or [None]
        for violation in entries:
            if title is None:
                name_text = _violation_title(violation)
            elif len(entries) > 1:
                name_text = u'%s, session %s' % (title, _text(violation.get('name')))
            else:
                name_text = title
            testcase = ET.SubElement(suite, 'testcase', classname=classname, name=_text(name_text), time='0')
            tests += 1
            if violation is not None:
                failures += 1
                failure = ET.SubElement(testcase, 'failure', message=_text(violation.get('message')),
                                        type=_text(violation.get('result') or 'Failed'))
                failure.text = _session_text(violation)
            elif case.verdict in NOT_JUDGED:
                skipped += 1
                ET.SubElement(testcase, 'skipped', message='schedule disabled or not configured: not judged')
            ET.SubElement(testcase, 'system-out').text = _case_out(case)
    if check in (report.get('checks_not_in_use') or []):
        testcase = ET.SubElement(suite, 'testcase', classname=classname, time='0',
                                 name=u'%s: %s' % (CHECK_TITLES.get(check, check), registry.NOT_IN_USE))
        ET.SubElement(testcase, 'skipped', message=u'no job, policy or session of this kind on this Enterprise Manager')
        tests += 1
        skipped += 1
    excluded = (report.get('excluded') or {}).get(check) or 0
    if excluded:
        testcase = ET.SubElement(suite, 'testcase', classname=classname, time='0',
                                 name=u'Sessions left out by exclude (%d)' % excluded)
        ET.SubElement(testcase, 'skipped', message=u'%d session(s) matched session_compliance_exclude' % excluded)
        tests += 1
        skipped += 1
    for key, value in (('tests', tests), ('failures', failures), ('errors', 0), ('skipped', skipped), ('time', 0)):
        suite.set(key, '%d' % value)
    return tests, failures, skipped


def junit_xml(data, name=None):
    """JUnit XML: a testsuite per EM and check, a testcase per subject, a failure per violation."""
    pairs = _reports_of(data, name)
    root = ET.Element('testsuites')
    if is_fleet(data):
        title = u'Veeam compliance: fleet of %d Enterprise Managers' % len(pairs)
    else:
        title = u'Veeam compliance: %s' % _text(pairs[0][0])
    root.set('name', title)
    tests = failures = skipped = 0
    for name, report in pairs:
        for check in _checks(report):
            counted = _add_suite(root, name, report, check)
            tests, failures, skipped = tests + counted[0], failures + counted[1], skipped + counted[2]
    if is_fleet(data):
        for name in data.get('missing') or []:
            suite = ET.SubElement(root, 'testsuite', name=_text(u'%s: report' % name), tests='1', failures='0',
                                  errors='1', skipped='0', time='0', hostname=_text(name))
            testcase = ET.SubElement(suite, 'testcase', classname=_text(u'%s.report' % name), name='Report built', time='0')
            ET.SubElement(testcase, 'error', message='no report: the run failed for this Enterprise Manager',
                          type='NoReport')
            tests += 1
    errors = len(data.get('missing') or []) if is_fleet(data) else 0
    for key, value in (('tests', tests), ('failures', failures), ('errors', errors), ('skipped', skipped), ('time', 0)):
        root.set(key, '%d' % value)
    if hasattr(ET, 'indent'):
        ET.indent(root)
    return u'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding='unicode') + u'\n'


# ------------------------------------------------------------------------------------------ HTML

def _style(**css):
    return '; '.join('%s:%s' % (key.replace('_', '-'), value) for key, value in css.items())


_TH = _style(text_align='left', padding='6px 8px', border_bottom='2px solid #d0d7de', background='#f6f8fa',
             font_size='13px', vertical_align='bottom')
_TH_GROUP = _style(text_align='left', padding='4px 8px 0 8px', background='#f6f8fa', font_size='12px',
                   color='#57606a', font_weight='normal')
_TD = _style(padding='6px 8px', border_bottom='1px solid #e5e7eb', font_size='13px', vertical_align='top')
_TD_NUM = _TD + '; text-align:right; white-space:nowrap'
_TABLE = _style(border_collapse='collapse', width='100%', margin='4px 0 18px 0')
_H2 = _style(font_size='17px', margin='22px 0 6px 0', color='#1f2328')
_MUTED = _style(color='#57606a', font_size='13px', margin='4px 0 10px 0')


def _badge(verdict):
    colour = _COLOURS.get(verdict, '#5f6368')
    return u'<span style="%s">%s</span>' % (_style(
        color='#ffffff', background=colour, padding='1px 7px', border_radius='9px', font_size='12px',
        font_weight='bold', white_space='nowrap'), _h(verdict.replace('_', ' ')))


def _result_badge(result, calm=False):
    colour = {'Failed': _COLOURS['failed'], 'Stale': _COLOURS['stale'], 'Warning': _COLOURS['stale']}.get(result)
    if calm and colour is not None:
        colour = _COLOURS['recovered']
    if colour is None:
        return _h(result)
    return u'<span style="%s">%s</span>' % (_style(
        color=colour, border='1px solid ' + colour, padding='0 6px', border_radius='9px', font_size='12px',
        font_weight='bold', white_space='nowrap'), _h(result))


def _table(headers, rows, numeric=(), groups=None):
    out = [u'<table cellspacing="0" cellpadding="0" style="%s"><thead>' % _TABLE]
    if groups:
        out.append(u'<tr>')
        out.extend(u'<th colspan="%d" style="%s">%s</th>' % (span, _TH_GROUP, _h(label)) for label, span in groups)
        out.append(u'</tr>')
    out.append(u'<tr>')
    out.extend(u'<th style="%s">%s</th>' % (_TH, _h(header)) for header in headers)
    out.append(u'</tr></thead><tbody>')
    for row in rows:
        out.append(u'<tr>')
        out.extend(u'<td style="%s">%s</td>' % (_TD_NUM if index in numeric else _TD, cell)
                   for index, cell in enumerate(row))
        out.append(u'</tr>')
    out.append(u'</tbody></table>')
    return u''.join(out)


def _banner(passed, headline, details):
    colour = _COLOURS['passed' if passed else 'failed']
    return (u'<table role="presentation" cellspacing="0" cellpadding="0" style="%s"><tr><td style="%s">'
            u'<div style="%s">%s</div><div style="%s">%s</div></td></tr></table>') % (
        _style(border_collapse='collapse', width='100%'),
        _style(background=colour, color='#ffffff', padding='16px 18px', border_radius='6px'),
        _style(font_size='24px', font_weight='bold', letter_spacing='0.5px'), headline,
        _style(font_size='14px', margin_top='6px'), details)


def _session_rows(entries, with_em=False, calm=False):
    rows = []
    for item in entries:
        kind = item.get('kind')
        if kind in SUBJECT_KINDS:
            subject, session = _h(subject_title(item)), u'<em>none</em>' if item.get('result') == 'Stale' else u''
        else:
            subject = _h(u'%s %s' % (_PARENT_TITLES.get(kind, 'Job or policy'), _text(item.get('parent')) or '-'))
            session = _h(item.get('name'))
        row = [subject, session, _h(_shown_time(item.get('creation_time_utc')) or '-'),
               _result_badge(item.get('result'), calm), _h(item.get('message')).replace('\n', '<br>')]
        if with_em:
            row.insert(0, _h(item.get('em')))
        rows.append(row)
    return rows


_SESSION_HEADERS = ['Job or policy', 'Session', 'Created (UTC)', 'Result', 'Reason']


def _check_rows(report):
    rows = []
    subjects_by_check = {}
    for subject in report.get('subjects') or []:
        subjects_by_check.setdefault(_check_of(subject), []).append(subject)
    violations_by_check = {}
    for item in report.get('violations') or []:
        check = KIND_CHECK.get(item.get('kind'), 'unknown')
        violations_by_check[check] = violations_by_check.get(check, 0) + 1
    for check in _checks(report):
        verdicts = dict((verdict, 0) for verdict in VERDICTS)
        for subject in subjects_by_check.get(check, []):
            verdicts[subject.get('verdict') or 'ok'] = verdicts.get(subject.get('verdict') or 'ok', 0) + 1
        totals = (report.get('totals') or {}).get(check) or {}
        if report.get('subjects') is None:  # a report from before the compliance engine: no verdicts
            row = [_h(CHECK_TITLES.get(check, check))] + [u'-'] * (1 + len(VERDICTS))
        elif check in (report.get('checks_not_in_use') or []):
            row = [_h(u'%s (%s)' % (CHECK_TITLES.get(check, check), registry.NOT_IN_USE))] + [u'-'] * (1 + len(VERDICTS))
        else:
            row = [_h(CHECK_TITLES.get(check, check)), _h(len(subjects_by_check.get(check, [])))]
            row.extend(_h(verdicts.get(verdict, 0)) for verdict in VERDICTS)
        row.append(_h(totals.get('total', 0)))
        row.extend(_h(totals.get(result, 0)) for result in RESULTS)
        row.append(_h((report.get('excluded') or {}).get(check, 0)))
        count = violations_by_check.get(check, 0)
        row.append(u'<strong style="color:%s">%d</strong>' % (_COLOURS['failed'], count) if count else u'0')
        rows.append(row)
    return rows


_CHECK_HEADERS = (['Check', 'All'] + [verdict.words for verdict in registry.VERDICTS.values()]
                  + ['All'] + [result.words for result in registry.RESULTS.values()] + ['Excluded', 'Violations'])
_CHECK_GROUPS = [('', 1), ('Jobs, policies or VMs by verdict', 1 + len(VERDICTS)),
                 ('Sessions in the window by result', 1 + len(RESULTS)), ('', 2)]
_CHECK_NUMERIC = range(1, len(_CHECK_HEADERS))


def checked_text(report):
    """What a report judged, for titles: "backup jobs, replication jobs and CDP policies" (the checks that ran)."""
    ran = report.get('checks_run')
    if ran is None:
        ran = _checks(report)
    return registry.titles(ran) or u'nothing in use'


#: The order subjects are listed in: violations first, then subjects without data, then the rest.
_SUBJECT_ORDER = ('failed', 'stale', 'no_sessions', 'recovered', 'disabled', 'ok')


def _sorted_subjects(subjects):
    order = dict((verdict, index) for index, verdict in enumerate(_SUBJECT_ORDER))
    return sorted(subjects, key=lambda subject: (
        order.get(subject.get('verdict'), len(order)), CHECKS.index(_check_of(subject)) if _check_of(subject) in CHECKS else 99,
        _text(subject.get('parent')), _text(subject.get('name'))))


def _strip(subject, now_text):
    """A subject's history as a row of coloured table cells, oldest left, newest right, each with its time and result
    on hover (mail clients keep table cells and their background colours; they drop scripts and most CSS)."""
    runs = subject.get('history') or []
    if not runs:
        return u'<span style="%s">no run</span>' % _style(color='#57606a')
    cells = []
    for run in runs:
        outcome = registry.RESULTS.get(run.get('result'))
        colour = outcome.colour if outcome is not None else '#5f6368'
        words = outcome.words if outcome is not None else _text(run.get('result'))
        cells.append(u'<td class="run" title="%s" style="%s">&nbsp;</td>' % (
            _h(u'%s: %s' % (_when(run.get('creation_time_utc'), now_text) or '-', words)),
            _style(background=colour, width='10px', height='14px', padding='0', border='1px solid #ffffff')))
    rate = subject.get('success_rate')
    return (u'<table role="presentation" cellspacing="0" cellpadding="0" style="%s"><tr>%s'
            u'<td style="%s">%s</td></tr></table>') % (
        _style(border_collapse='collapse'), u''.join(cells),
        _style(padding='0 0 0 6px', font_size='12px', color='#57606a', white_space='nowrap', border='0'),
        _h(u'%d%% success' % round(rate * 100)) if rate is not None else u'')


def _subject_rows(subjects, now_text):
    rows = []
    for subject in subjects:
        latest = subject.get('latest') or {}
        counts = subject.get('counts') or {}
        if latest:
            newest = u'%s, started %s, ended %s' % (
                _result_words(latest.get('result')), _when(latest.get('creation_time_utc'), now_text) or '-',
                _shown_time(latest.get('end_time_utc')) or '-')
        rows.append([
            _badge(subject.get('verdict') or 'ok'),
            _h(KIND_TITLES.get(subject.get('kind'), subject.get('kind'))),
            _h(subject.get('name')),
            _h(subject.get('parent') or ''),
            _strip(subject, now_text),
            _newest_cell(subject, newest if latest else None, now_text),
            _h(_when(subject.get('last_success_end_time_utc'), now_text) or '-'),
            _h(u' / '.join('%d' % (counts.get(result) or 0) for result in RESULTS)),
        ])
    return rows


def _newest_cell(subject, newest, now_text):
    """The newest finished run of a subject judged from sessions, or the newest point of a VM judged from points."""
    point = subject.get('newest_point')
    if point is not None:
        return _h(u'newest point created %s' % (_when(point.get('creation_time_utc'), now_text) or '-'))
    return _h(newest) if newest else u'<em>none in the window</em>'


_SUBJECT_HEADERS = ['Verdict', 'Kind', 'Name', 'Job or policy', 'Runs in the history (oldest to newest)',
                    'Newest finished run (by start)', 'Last success ended', 'Runs in the window S / W / F / running']


def _details(summary, body, open_=False):
    """A folded section (open for problems): mail clients without <details> show it unfolded."""
    return u'<details%s style="%s"><summary style="%s">%s</summary>%s</details>' % (
        u' open' if open_ else u'', _style(margin='4px 0 12px 0'),
        _style(cursor='pointer', font_size='14px', font_weight='bold', margin='6px 0'), summary, body)


def _legend(report):
    """Each verdict the page shows, explained in one line (registry.VERDICTS' meaning)."""
    shown = [verdict for verdict in VERDICTS if any((subject.get('verdict') or 'ok') == verdict
                                                    for subject in report.get('subjects') or [])]
    if not shown:
        return u''
    items = u''.join(u'<li style="%s">%s %s</li>' % (_style(margin='2px 0'), _badge(verdict),
                                                     _h(registry.VERDICTS[verdict].meaning or ''))
                     for verdict in shown)
    return u'<ul style="%s">%s</ul>' % (_style(list_style='none', padding='0', margin='4px 0 12px 0',
                                               font_size='13px'), items)


def _child_title(child):
    """A VM under its job's or policy's incident on the page: its name, and its run's when EM names the run apart."""
    vm, run = _text(child.get('subject')), _text(child.get('name'))
    if vm and run and run != vm:
        return u'VM %s (run %s)' % (vm, run)
    return u'VM %s' % (vm or run)


def _incident_rows(report):
    rows = []
    now_text = report.get('generated_at')
    for item, children in incidents(report):
        reason = _h(item.get('message')).replace('\n', '<br>')
        if children:
            reason += u'<ul style="%s">%s</ul>' % (_style(margin='4px 0 0 0', padding_left='18px'), u''.join(
                u'<li>%s %s: %s</li>' % (_h(_child_title(child)), _result_badge(child.get('result')),
                                         _h(child.get('message')))
                for child in children))
        when = _when(item.get('creation_time_utc'), now_text)
        rows.append([_h(CHECK_TITLES.get(_check_of(item), _check_of(item))), _h(_incident_subject(item)),
                     _h(item.get('name')) if item.get('kind') not in SUBJECT_KINDS else u'<em>no successful run</em>',
                     _h(when or '-'), _result_badge(item.get('result')), reason])
    return rows


_INCIDENT_HEADERS = ['Check', 'Job, policy or VM', 'Run', 'Started', 'Result', 'Reason (and the VMs that failed with it)']


def _trend_section(report):
    """Per day of the history period, successes, warnings and failures per check: an inline SVG chart of stacked
    bars (each bar with its numbers on hover) and the same numbers as a table, for mail clients that drop SVG."""
    trend = report.get('trend') or {}
    days = trend.get('days') or []
    per_check = trend.get('checks') or {}
    checks = [check for check in _checks(report) if check in per_check
              and check not in (report.get('checks_not_in_use') or [])]
    if not days or not checks:
        return u''
    results = [result for result in RESULTS if result != 'None']
    out = [u'<h2 style="%s">Trend: finished runs per day in the last %s</h2>' % (_H2, _h(_age_words(report.get('history'))))]
    for check in checks:
        counts = per_check[check]
        totals = [sum((counts.get(result) or [0] * len(days))[index] for result in results) for index in range(len(days))]
        top = max(totals + [1])
        width, height, bar_width = 40 * len(days) + 10, 120, 24
        shapes = []
        for index, day in enumerate(days):
            y = height - 16
            for result in results:
                value = (counts.get(result) or [0] * len(days))[index]
                if not value:
                    continue
                size = max(1, int(round(value * (height - 26) / float(top))))
                y -= size
                shapes.append(u'<rect class="bar" data-day="%s" data-result="%s" data-count="%d" x="%d" y="%d" '
                              u'width="%d" height="%d" fill="%s"><title>%s</title></rect>' % (
                                  _h(day), _h(result), value, 10 + 40 * index, y, bar_width, size,
                                  registry.RESULTS[result].colour, _h(u'%s: %d %s' % (day, value, registry.RESULTS[result].words))))
            shapes.append(u'<text x="%d" y="%d" font-size="10" fill="#57606a">%s</text>' % (
                10 + 40 * index, height - 3, _h(day[5:])))
        svg = (u'<svg role="img" width="%d" height="%d" viewBox="0 0 %d %d" '
               u'aria-label="%s">%s</svg>') % (width, height, width, height,
                                               _h(u'%s: runs per day' % CHECK_TITLES.get(check, check)), u''.join(shapes))
        rows = [[_h(day)] + [_h((counts.get(result) or [0] * len(days))[index]) for result in results]
                for index, day in enumerate(days)]
        table = _table([u'Day (UTC)'] + [registry.RESULTS[result].words for result in results], rows,
                       numeric=range(1, 1 + len(results)))
        out.append(u'<h3 style="%s">%s</h3>' % (_style(font_size='15px', margin='12px 0 4px 0'),
                                                _h(CHECK_TITLES.get(check, check))))
        out.append(u'<table role="presentation" cellspacing="0" cellpadding="0" style="%s"><tr>'
                   u'<td style="%s">%s</td><td style="%s">%s</td></tr></table>' % (
                       _style(border_collapse='collapse'), _style(vertical_align='top', padding_right='16px'), svg,
                       _style(vertical_align='top', min_width='260px'), _details(u'The numbers', table)))
    return u''.join(out)


def _page(title, body):
    return (u'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            u'<meta name="viewport" content="width=device-width, initial-scale=1">'
            u'<meta name="color-scheme" content="light">'
            u'<title>%s</title></head>\n<body style="%s">'
            u'<div style="%s">%s</div></body></html>\n') % (
        _h(title), _style(margin='0', padding='16px', background='#ffffff', color='#1f2328') + '; ' + _FONT,
        _style(max_width='1100px', margin='0 auto'), body)


def _window_text(report):
    window = report.get('window') or {}
    return u'%s to %s' % (_shown_time(window.get('from')) or 'the beginning', _shown_time(window.get('to')) or 'now')


def _age_words(age):
    """An age as the report gives it (``1w``, ``26h``) in words: "7 days", "26 hours"."""
    text = _text(age)
    units = {'s': ('second', 1), 'm': ('minute', 1), 'h': ('hour', 1), 'd': ('day', 1), 'w': ('day', 7)}
    if len(text) > 1 and text[:-1].isdigit() and text[-1] in units:
        word, factor = units[text[-1]]
        amount = int(text[:-1]) * factor
        return u'%d %s%s' % (amount, word, '' if amount == 1 else 's')
    return text


def _rule_text(report):
    """What counts as a violation, in plain words."""
    results = [_result_words(result) for result in report.get('fail_on') or ['Failed']]
    judged = (u'each job, policy and VM is judged on its newest finished run' if report.get('judge') != 'every'
              else u'every run of the window counts')
    text = u'%s; a run that %s is a violation' % (judged, u' or '.join(
        u'failed' if words == 'failed' else u'ended with %s' % words for words in results))
    if report.get('max_age'):
        text += u', and so is a scheduled job or policy without a successful run within %s' % _age_words(report['max_age'])
    return text


def _report_body(name, report, heading='h1'):
    violations = report.get('violations') or []
    recovered = report.get('recovered') or []
    found = incidents(report)
    passed = bool(report.get('passed'))
    headline = (u'PASSED: no violation' if passed else u'FAILED: %d incident(s) (%d failed or stale job(s), '
                u'policy(ies) and VM(s))' % (len(found), len(violations)))
    shown = _h(name)
    if report.get('em') and report.get('em') != name:
        shown += u' (%s)' % _h(report['em'])
    details = u'Enterprise Manager <strong>%s</strong> &middot; runs started %s (UTC) &middot; %s' % (
        shown, _h(_window_text(report)), _h(_rule_text(report)))
    if report.get('checks_not_in_use'):
        details += u' &middot; not in use on this Enterprise Manager: %s' % _h(registry.titles(report['checks_not_in_use']))
    out = [u'<%s style="%s">Veeam compliance of %s: %s</%s>' % (
        heading, _style(font_size='20px', margin='8px 0 10px 0'), _h(checked_text(report)), _h(name), heading)]
    out.append(_banner(passed, _h(headline), details))
    out.append(_legend(report))
    out.append(u'<h2 style="%s">Incidents (%d)</h2>' % (_H2, len(found)))
    if found:
        out.append(u'<p style="%s">A VM that failed in a run of its job or policy that failed too is part of that '
                   u'incident; the JSON and JUnit files keep one entry per job, policy and VM (%d).</p>' % (
                       _MUTED, len(violations)))
        out.append(_table(_INCIDENT_HEADERS, _incident_rows(report)))
    else:
        out.append(u'<p style="%s">None.</p>' % _MUTED)
    out.append(u'<h2 style="%s">Counts per check</h2>' % _H2)
    out.append(_table(_CHECK_HEADERS, _check_rows(report), numeric=_CHECK_NUMERIC, groups=_CHECK_GROUPS))
    # Sections of their own, one call each (a check judged from something else adds its section here).
    out.append(_trend_section(report))
    out.append(_points_section(report))
    subjects = report.get('subjects')
    if subjects is not None:
        ordered = _sorted_subjects(subjects)
        problems = [subject for subject in ordered if (subject.get('verdict') or 'ok') in VIOLATING + ('no_sessions',)]
        rest = [subject for subject in ordered if subject not in problems]
        now_text = report.get('generated_at')
        out.append(u'<h2 style="%s">Jobs, policies and VMs (%d)</h2>' % (_H2, len(subjects)))
        out.append(u'<p style="%s">Runs in the last %s for jobs and policies, in the window for VMs; hover a cell for '
                   u'its time and result.</p>' % (_MUTED, _h(_age_words(report.get('history')) or 'period read')))
        if problems:
            out.append(_details(_h(u'Violations and subjects without runs (%d)' % len(problems)),
                                _table(_SUBJECT_HEADERS, _subject_rows(problems, now_text), numeric=(7,)), open_=True))
        if rest:
            out.append(_details(_h(u'The others (%d)' % len(rest)),
                                _table(_SUBJECT_HEADERS, _subject_rows(rest, now_text), numeric=(7,))))
    out.append(u'<h2 style="%s">Recovered runs (%d)</h2>' % (_H2, len(recovered)))
    out.append(u'<p style="%s">Runs that failed but that a newer run of the same job, policy or VM made good: not '
               u'violations.</p>' % _MUTED)
    if recovered:
        out.append(_details(_h(u'Recovered runs (%d)' % len(recovered)),
                            _table(_SESSION_HEADERS, _session_rows(recovered, calm=True))))
    return u''.join(out)


def _footer(generated_at):
    style = _style(color='#57606a', font_size='12px', margin_top='24px', border_top='1px solid #d0d7de',
                   padding_top='8px')
    return (u'<p style="%s">Generated %s UTC by the veeam.enterprise_manager session_compliance role. Times are UTC '
            u'(offset +00:00); ages are counted from when the report was generated.</p>') % (
        style, _h(_shown_time(generated_at) or 'at an unknown time'))


def html_page(data, name=None):
    """One self-contained HTML page: inline CSS only, no script, no remote asset."""
    if not is_fleet(data):
        name, report = _reports_of(data, name)[0]
        verdict = 'PASSED' if report.get('passed') else 'FAILED'
        title = u'%s: Veeam compliance of %s: %s' % (verdict, checked_text(report), _text(name))
        return _page(title, _report_body(name, report) + _footer(report.get('generated_at')))
    pairs = _reports_of(data)
    passed = bool(data.get('passed'))
    failing = [name for name, report in pairs if not report.get('passed')]
    missing = data.get('missing') or []
    headline = (u'PASSED: %d Enterprise Manager(s), no violation' % len(pairs) if passed else
                u'FAILED: %d of %d Enterprise Manager(s), %d incident(s) (%d violation(s))' % (
                    len(failing) + len(missing), len(pairs) + len(missing),
                    sum(len(incidents(report)) for dummy, report in pairs), len(data.get('violations') or [])))
    out = [u'<h1 style="%s">Veeam compliance: fleet of %d Enterprise Manager(s)</h1>' % (
        _style(font_size='20px', margin='8px 0 10px 0'), len(pairs) + len(missing))]
    out.append(_banner(passed, _h(headline), u'Generated %s UTC' % _h(_shown_time(data.get('generated_at')) or '-')))
    out.append(u'<h2 style="%s">Enterprise Managers</h2>' % _H2)
    rows = []
    for name, report in pairs:
        entry = (data.get('ems') or {}).get(name) or {}
        verdicts = entry.get('verdicts') or _verdict_counts(report)
        # Each EM's own page sits beside the fleet's (compliance_files writes both into one directory).
        link = u'<a href="%s" style="%s">%s</a>' % (
            _h(file_stem(_text(name)) + SUFFIXES['html']), _style(color='#0b62b8'), _h(name))
        rows.append([link, _badge('ok' if report.get('passed') else 'failed'),
                     _h(len(report.get('violations') or [])), _h(len(report.get('recovered') or [])),
                     _h(u', '.join(u'%d %s' % (verdicts[verdict], verdict.replace('_', ' '))
                                   for verdict in VERDICTS if verdicts.get(verdict))) or u'-',
                     _h(_window_text(report)), _h(_shown_time(report.get('generated_at')) or '-')])
    for name in missing:
        rows.append([_h(name), _badge('failed'), u'-', u'-', u'<em>no report: the run failed for this EM</em>', u'-',
                     u'-'])
    out.append(_table(['Enterprise Manager', 'Verdict', 'Violations', 'Recovered', 'Subjects', 'Window (UTC)',
                       'Generated (UTC)'], rows, numeric=(2, 3)))
    out.append(u'<h2 style="%s">Incidents by Enterprise Manager (%d)</h2>' % (
        _H2, sum(len(incidents(report)) for dummy, report in pairs)))
    any_violation = False
    for name, report in pairs:
        if report.get('violations'):
            any_violation = True
            out.append(u'<h3 style="%s">%s: %d incident(s)</h3>' % (
                _style(font_size='15px', margin='14px 0 4px 0'), _h(name), len(incidents(report))))
            out.append(_table(_INCIDENT_HEADERS, _incident_rows(report)))
    if not any_violation:
        out.append(u'<p style="%s">None.</p>' % _MUTED)
    recovered = data.get('recovered') or []
    out.append(u'<h2 style="%s">Recovered sessions (%d)</h2>' % (_H2, len(recovered)))
    if recovered:
        out.append(_table(['Enterprise Manager'] + _SESSION_HEADERS, _session_rows(recovered, with_em=True)))
    out.append(u'<h2 style="%s">Counts per Enterprise Manager and check</h2>' % _H2)
    for name, report in pairs:
        out.append(u'<h3 style="%s">%s</h3>' % (_style(font_size='15px', margin='14px 0 4px 0'), _h(name)))
        out.append(_table(_CHECK_HEADERS, _check_rows(report), numeric=_CHECK_NUMERIC, groups=_CHECK_GROUPS))
    out.append(_footer(data.get('generated_at')))
    title = u'%s: Veeam compliance of %d Enterprise Manager(s)' % (
        'PASSED' if passed else 'FAILED', len(pairs) + len(missing))
    return _page(title, u''.join(out))


# ------------------------------------------------------------------------------------------ VMs judged from points

# The age classes of the points histogram: (words, upper bound in seconds or None).
_POINT_AGES = ((u'within 24 h', 86400), (u'24 to 48 h', 2 * 86400), (u'2 to 7 days', 7 * 86400), (u'older', None))


def _point_subjects(report):
    """The subjects judged from points, by check, in the registry's order."""
    found = {}
    for subject in report.get('subjects') or []:
        if subject.get('newest_point') is not None:
            found.setdefault(_check_of(subject), []).append(subject)
    return [(check, found[check]) for check in CHECKS if check in found] + sorted(
        (check, subjects) for check, subjects in found.items() if check not in CHECKS)


def _point_lines(subject):
    """A VM judged from its points, in words (JUnit system-out)."""
    point = subject.get('newest_point') or {}
    age = subject.get('newest_point_age_seconds')
    rpo = subject.get('rpo_seconds')
    newest = u'newest point: %s (%s), created %s UTC, %s ago' % (
        _text(point.get('name')), _text(point.get('point_type')) or u'-',
        _shown_time(point.get('creation_time_utc')) or u'-',
        duration_words(age) if age is not None else u'an unknown time')
    return [newest,
            u'RPO: %s' % (duration_words(rpo) if rpo is not None else u'none (never stale)'),
            u'points in the protection horizon: %s' % _text(subject.get('points'))]


def _point_metrics(metrics, labels, subject):
    """The newest point's time and the RPO of a VM judged from its points (nothing for other subjects)."""
    newest = _epoch((subject.get('newest_point') or {}).get('creation_time_utc'))
    if newest is not None:
        metrics.add('subject_newest_point_timestamp_seconds', 'When the newest restore or replica point of the VM was '
                    'created, in seconds since the epoch.', labels, newest)
    if subject.get('newest_point') is not None and subject.get('rpo_seconds') is not None:
        metrics.add('subject_rpo_seconds', 'The RPO the VM is judged against, in seconds.', labels,
                    subject['rpo_seconds'])


def _points_section(report):
    """The HTML section of the VMs judged from their points: per check, a histogram of the newest points' ages and
    the VMs, stale first (all of them folded when there are many). Empty when no check judged from points ran."""
    out = []
    for check, subjects in _point_subjects(report):
        title = CHECK_TITLES.get(check, check)
        stale = [subject for subject in subjects if subject.get('verdict') in VIOLATING]
        violating = set(id(subject) for subject in stale)
        out.append(u'<h2 style="%s">%s: %d VM(s), %d stale</h2>' % (_H2, _h(title), len(subjects), len(stale)))
        out.append(u'<p style="%s">Each VM with a point in the protection horizon, judged on its newest point against '
                   u'its RPO. A VM never backed up has no point and is not listed here.</p>' % _MUTED)
        counts = [0] * len(_POINT_AGES)
        for subject in subjects:
            age = subject.get('newest_point_age_seconds')
            for index, (dummy, bound) in enumerate(_POINT_AGES):
                if bound is None or (age is not None and age <= bound):
                    counts[index] += 1
                    break
        rows = []
        for (words, dummy), count in zip(_POINT_AGES, counts):
            width = int(round(100.0 * count / len(subjects))) if subjects else 0
            graph = u'<div style="%s"><div style="%s">&nbsp;</div></div>' % (_style(width='320px'), _style(
                background=_COLOURS['ok'] if words == _POINT_AGES[0][0] else _COLOURS['stale'],
                width='%d%%' % max(width, 1), height='12px', line_height='12px')) if count else u''
            rows.append([_h(words), _h(count), graph])
        out.append(_table(['Newest point', 'VMs', ''], rows, numeric=(1,)))

        def row(subject):
            point = subject.get('newest_point') or {}
            age, rpo = subject.get('newest_point_age_seconds'), subject.get('rpo_seconds')
            return [_badge(subject.get('verdict') or 'ok'), _h(subject.get('name')), _h(subject.get('parent') or u'-'),
                    _h(_shown_time(point.get('creation_time_utc')) or u'-'),
                    _h(duration_words(age) if age is not None else u'-'),
                    _h(duration_words(rpo) if rpo is not None else u'none'), _h(subject.get('points'))]
        order = dict((verdict, index) for index, verdict in enumerate(VERDICTS))
        ranked = sorted(subjects, key=lambda subject: (order.get(subject.get('verdict'), len(order)),
                                                       -(subject.get('newest_point_age_seconds') or 0),
                                                       _text(subject.get('name'))))
        headers = ['Verdict', 'VM', registry.CHECKS[check].parent_title if check in registry.CHECKS else 'Parent',
                   'Newest point (UTC)', 'Age', 'RPO', 'Points']
        if stale:
            out.append(_table(headers, [row(subject) for subject in ranked if id(subject) in violating], numeric=(6,)))
        others = [subject for subject in ranked if id(subject) not in violating]
        if others:
            out.append(u'<details%s><summary style="%s">%d VM(s) within their RPO</summary>%s</details>' % (
                u'' if len(others) > 20 else u' open', _MUTED, len(others),
                _table(headers, [row(subject) for subject in others], numeric=(6,))))
    return u''.join(out)


# ------------------------------------------------------------------------------------------ Prometheus

def _label_value(value):
    """A label value: control characters (a raw CR breaks the line-based format) and bidi controls removed, then
    backslash, double quote and line feed escaped as the text format defines."""
    return _text(_shown(value)).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


class _Metrics:
    def __init__(self):
        self.order, self.meta, self.samples, self.seen = [], {}, {}, set()

    def add(self, name, help_text, labels, value, kind='gauge'):
        name = METRIC_PREFIX + name
        if name not in self.meta:
            self.order.append(name)
            self.meta[name] = (help_text, kind)
            self.samples[name] = []
        key = (name, tuple(labels))
        if key in self.seen:
            return False
        self.seen.add(key)
        self.samples[name].append((labels, value))
        return True

    def render(self):
        out = []
        for name in self.order:
            help_text, kind = self.meta[name]
            out.append(u'# HELP %s %s' % (name, help_text.replace('\\', '\\\\').replace('\n', '\\n')))
            out.append(u'# TYPE %s %s' % (name, kind))
            for labels, value in self.samples[name]:
                text = u','.join(u'%s="%s"' % (label, _label_value(val)) for label, val in labels)
                out.append(u'%s{%s} %s' % (name, text, _number(value)))
        return u'\n'.join(out) + u'\n'


def prometheus_text(data, name=None):
    """Prometheus text exposition format for node_exporter's textfile collector (no sample timestamps)."""
    metrics = _Metrics()
    for name, report in _reports_of(data, name):
        em = (('em', name),)
        metrics.add('passed', 'Whether the last compliance report of the Enterprise Manager passed (1) or not (0).',
                    em, bool(report.get('passed')))
        generated = _epoch(report.get('generated_at'))
        if generated is not None:
            metrics.add('report_timestamp_seconds', 'When the compliance report was generated, in seconds since '
                        'the epoch.', em, generated)
        window_from = _epoch((report.get('window') or {}).get('from'))
        if window_from is not None:
            metrics.add('window_start_timestamp_seconds', 'Start of the lookback window the report judged, in '
                        'seconds since the epoch.', em, window_from)
        violations, recovered = {}, {}
        for key, counter in (('violations', violations), ('recovered', recovered)):
            for item in report.get(key) or []:
                check = KIND_CHECK.get(item.get('kind'), 'unknown')
                counter[check] = counter.get(check, 0) + 1
        for check in _checks(report):
            labels = em + (('check', check),)
            metrics.add('violations', 'Violations in the last compliance report, per check.', labels,
                        violations.get(check, 0))
            metrics.add('recovered_sessions', 'Sessions with a result in fail_on that a newer session made good, '
                        'per check.', labels, recovered.get(check, 0))
            totals = (report.get('totals') or {}).get(check) or {}
            for result in RESULTS:
                metrics.add('sessions', 'Sessions created in the lookback window, per check and result.',
                            labels + (('result', result),), totals.get(result, 0))
            metrics.add('excluded_sessions', 'Sessions left out by exclude, per check.', labels,
                        (report.get('excluded') or {}).get(check, 0))
            if report.get('subjects') is None:
                continue
            counts = dict((verdict, 0) for verdict in VERDICTS)
            for subject in report.get('subjects') or []:
                if _check_of(subject) == check:
                    counts[subject.get('verdict') or 'ok'] = counts.get(subject.get('verdict') or 'ok', 0) + 1
            for verdict in VERDICTS:
                metrics.add('subjects', 'Jobs, policies or VMs per check and verdict.',
                            labels + (('verdict', verdict),), counts.get(verdict, 0))
        for subject in report.get('subjects') or []:
            labels = em + (('check', _check_of(subject)), ('kind', subject.get('kind')), ('id', subject.get('id')),
                           ('name', subject.get('name')), ('parent', subject.get('parent')),
                           ('backup_server', subject.get('backup_server_name')))
            if not metrics.add('subject_ok', 'Whether the job, policy or VM is compliant: 1 unless its verdict is '
                               'failed or stale.', labels, (subject.get('verdict') or 'ok') not in VIOLATING):
                continue  # the same subject twice: keep the first, a duplicate series breaks the whole file
            for verdict in VERDICTS:
                metrics.add('subject_verdict', 'The verdict of the job, policy or VM (1 for its verdict, 0 for the '
                            'others).', labels + (('verdict', verdict),), (subject.get('verdict') or 'ok') == verdict)
            last = _epoch(subject.get('last_success_end_time_utc'))
            if last is not None:
                metrics.add('subject_last_success_timestamp_seconds', 'When the newest successful session of the '
                            'job, policy or VM ended, in seconds since the epoch.', labels, last)
            _point_metrics(metrics, labels, subject)
            if subject.get('success_rate') is not None:
                metrics.add('subject_success_ratio', 'The share of the finished runs of the job, policy or VM in its '
                            'history (up to 14) that succeeded, 0 to 1.', labels, subject['success_rate'])
            runs = [run for run in subject.get('history') or [] if _epoch(run.get('creation_time_utc')) is not None]
            if runs:
                metrics.add('subject_last_run_timestamp_seconds', 'When the newest run of the job, policy or VM '
                            'started, in seconds since the epoch.', labels, _epoch(runs[-1]['creation_time_utc']))
    return metrics.render()


# Each report format, once: its renderer (data, name) and the suffix of its file (<name><suffix>). The role's
# report files, the filters and the tests read this table.
FORMATS = {
    'json': (lambda data, name=None: to_json(data), '.json'),
    'junit': (junit_xml, '.junit.xml'),
    'html': (html_page, '.html'),
    'prometheus': (prometheus_text, '.prom'),
}
RENDERERS = dict((fmt, renderer) for fmt, (renderer, suffix) in FORMATS.items())
SUFFIXES = dict((fmt, suffix) for fmt, (renderer, suffix) in FORMATS.items())


def render(data, fmt, name=None):
    if fmt not in FORMATS:
        raise ReportError('unknown report format %r; known: %s' % (fmt, ', '.join(FORMATS)))
    return FORMATS[fmt][0](data, name)
