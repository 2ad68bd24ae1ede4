# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Judging backup jobs, replication jobs, CDP policies and their VMs from their sessions: the compliance report.

Private to this collection: not a public API; names and signatures may change in any release.

Pure Python, no ``ansible`` import: the ``session_compliance_info`` module and the ``compliance_report``
filter both call ``build_report``, so they agree. The input is what the info modules return (jobs,
policies, sessions and task sessions as dicts); the output is the report the role publishes.

What a check is (its subjects, sessions, titles) is described once, in ``_checks.CHECKS``; this file only
judges. A *subject* is what one check judges (a job, a policy, or a VM of either). Each gets one verdict:

* ``failed``: its newest finished session in the window has a result in ``fail_on`` (``judge: latest``),
  or any finished session in the window has one (``judge: every``);
* ``recovered``: sessions in ``fail_on`` were followed by a newer finished session outside it (latest only);
* ``stale``: its schedule is enabled and no finished session outside ``fail_on`` ended within ``max_age``;
* ``disabled``: its schedule is disabled or not configured, and it is neither failed nor recovered;
* ``no_sessions``: no finished session in the window;
* ``ok``: otherwise.

A check that EM has nothing for (no job or policy of its kind listed, no session read) is *not in use*: it
is reported as such and is no violation.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import fnmatch
import re

from . import _checks
from . import _reports
from ._query import format_time, parse_age, parse_time, parse_time_option

UTC = datetime.timezone.utc

CHECKS = tuple(_checks.CHECKS)
DEFAULT_CHECKS = _checks.DEFAULT_CHECKS
JUDGES = ('latest', 'every')
RESULTS = tuple(_checks.RESULTS)
VERDICTS = tuple(_checks.VERDICTS)
NO_REASON = 'Enterprise Manager gives no reason'
# How far back the checks judged from points look for the VMs they expect (session_compliance_protection_horizon).
DEFAULT_PROTECTION_HORIZON = '30d'
#: The history period of jobs and policies when none is given, and how many runs a subject's history keeps.
DEFAULT_HISTORY = '7d'
HISTORY_RUNS = 14


class NoDataError(ValueError):
    """EM returned nothing at all for the enabled checks: no data is not health."""


# ------------------------------------------------------------------------------------------ options

def _is_none(value):
    return value is None or (isinstance(value, str) and value.strip().lower() in ('none', 'null', ''))


class Options:
    """The checked options of one run. Build it with ``Options.from_params``; errors name the option."""

    def __init__(self, checks, lookback_from, now, fail_on, judge, exclude, max_age, max_age_overrides, allow_empty,
                 protection_horizon=None, history=None):
        self.checks = checks
        self.lookback_from = lookback_from
        self.now = now
        self.fail_on = fail_on
        self.judge = judge
        self.exclude = exclude
        self.max_age = max_age
        self.max_age_overrides = max_age_overrides
        self.allow_empty = allow_empty
        # The checks judged from points expect the VMs with a point within this age (a timedelta) before now.
        self.protection_horizon = protection_horizon if protection_horizon is not None else datetime.timedelta(days=30)
        # How far back a job's or policy's history (its newest runs, the trend per day) reaches: a timedelta.
        self.history = history if history is not None else parse_age(DEFAULT_HISTORY, 'history')

    @property
    def protection_from(self):
        """The oldest point read by the checks judged from points: now minus the protection horizon."""
        return self.now - self.protection_horizon

    @property
    def history_from(self):
        """The start of the history period: ``history`` before now."""
        return self.now - self.history

    @property
    def jobs_from(self):
        """Where the sessions of jobs and policies are read from (by creation): the earlier of the lookback window
        and the history period (None: every session)."""
        if self.lookback_from is None:
            return None
        return min(self.lookback_from, self.history_from)

    @property
    def read_from(self):
        """Sessions are read over the longest of the lookback window, the history period and the longest max_age."""
        starts = [self.jobs_from] if self.jobs_from is not None else []
        ages = [self.max_age] + [age for age in self.max_age_overrides.values() if age is not None]
        starts += [self.now - age for age in ages if age is not None]
        return min(starts) if starts else None

    @property
    def stale_from(self):
        """The earliest end a success may have and still count against the longest max_age (None: no max_age)."""
        ages = [self.max_age] + [age for age in self.max_age_overrides.values() if age is not None]
        ages = [age for age in ages if age is not None]
        return self.now - max(ages) if ages else None

    @classmethod
    def from_params(cls, params, prefix='', now=None):
        """Check the options (``checks``, ``lookback``, ``fail_on``, ``judge``, ``exclude``, ``max_age``,
        ``max_age_overrides``, ``allow_empty``, ``protection_horizon``, ``history``); raise ValueError naming
        ``prefix`` + the option."""
        now = now or datetime.datetime.now(UTC).replace(microsecond=0)

        def name(option):
            return prefix + option

        checks = _list_of_text(params.get('checks', list(DEFAULT_CHECKS)), name('checks'))
        unknown = [check for check in checks if check not in CHECKS]
        if unknown or not checks:
            raise ValueError('%s: %s; choose from %s.' % (
                name('checks'), 'unknown check(s) %s' % ', '.join(unknown) if unknown else 'no check given',
                ', '.join(CHECKS)))
        lookback = params.get('lookback', '24h')
        lookback_from = None if lookback is None else parse_time_option(lookback, name('lookback'), now=now)
        if lookback_from is not None and lookback_from > now:
            raise ValueError('%s: %r is in the future.' % (name('lookback'), lookback))
        fail_on = _list_of_text(params.get('fail_on', ['Failed']), name('fail_on'))
        bad = [result for result in fail_on if result not in RESULTS]
        if bad or not fail_on:
            raise ValueError('%s: %s; choose from %s.' % (
                name('fail_on'), 'unknown result(s) %s' % ', '.join(bad) if bad else 'no result given',
                ', '.join(RESULTS)))
        judge = params.get('judge', 'latest')
        if judge not in JUDGES:
            raise ValueError('%s: %r is not one of %s.' % (name('judge'), judge, ', '.join(JUDGES)))
        exclude = _list_of_text(params.get('exclude') or [], name('exclude'))
        max_age = params.get('max_age')
        max_age = None if _is_none(max_age) else parse_age(max_age, name('max_age'))
        overrides = params.get('max_age_overrides') or {}
        if not isinstance(overrides, dict):
            raise ValueError('%s: must be a mapping of job or policy names (or glob patterns) to an age or none, '
                             'got %s.' % (name('max_age_overrides'), type(overrides).__name__))
        checked = {}
        for pattern, age in overrides.items():
            where = '%s[%r]' % (name('max_age_overrides'), pattern)
            checked[u'%s' % (pattern,)] = None if _is_none(age) else parse_age(age, where)
        allow_empty = params.get('allow_empty', False)
        if isinstance(allow_empty, str) and allow_empty.strip().lower() in ('true', 'yes', 'on', 'false', 'no', 'off'):
            allow_empty = allow_empty.strip().lower() in ('true', 'yes', 'on')
        if not isinstance(allow_empty, bool):
            raise ValueError('%s: must be true or false, got %r.' % (name('allow_empty'), allow_empty))
        horizon = params.get('protection_horizon')
        horizon = parse_age(DEFAULT_PROTECTION_HORIZON if horizon is None else horizon, name('protection_horizon'))
        history = params.get('history')
        history = parse_age(DEFAULT_HISTORY if _is_none(history) else history, name('history'))
        return cls(checks, lookback_from, now, fail_on, judge, exclude, max_age, checked, allow_empty, horizon, history)

    def age_for(self, name):
        """The max_age that applies to a job or policy: an exact override, else the first matching pattern."""
        if name in self.max_age_overrides:
            return self.max_age_overrides[name]
        for pattern, age in self.max_age_overrides.items():
            if name is not None and fnmatch.fnmatchcase(name, pattern):
                return age
        return self.max_age


def _list_of_text(value, option):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise ValueError('%s: must be a list of strings, got %r.' % (option, value))
    return list(value)


# ------------------------------------------------------------------------------------------ helpers

def _time(text):
    try:
        return parse_time(text)
    except ValueError:
        return None


def _excluded(patterns, *names):
    return any(candidate is not None and fnmatch.fnmatchcase(candidate, pattern)
               for pattern in patterns for candidate in names)


def _ago(now, when):
    return _reports.ago(now, when)


def _age_words(age):
    """An age for people: "26 hours", "8 days", "90 minutes"."""
    seconds = int(age.total_seconds())
    for unit, size in (('day', 86400), ('hour', 3600), ('minute', 60)):
        if seconds % size == 0:
            amount = seconds // size
            return '%d %s%s' % (amount, unit, '' if amount == 1 else 's')
    return '%d seconds' % seconds


def _people_time(when):
    """A time for people, as the report files show it: "2026-11-18 21:00:00 UTC"."""
    return when.strftime('%Y-%m-%d %H:%M:%S UTC')


def _age_text(age):
    seconds = int(age.total_seconds())
    for unit, size in (('w', 604800), ('d', 86400), ('h', 3600), ('m', 60)):
        if seconds % size == 0:
            return '%d%s' % (seconds // size, unit)
    return '%ds' % seconds


def _session_brief(item):
    if item is None:
        return None
    return dict((key, item.get(key)) for key in ('id', 'name', 'result', 'state', 'creation_time_utc', 'end_time_utc'))


def _newest_first(items):
    return sorted(items, key=lambda item: (item.get('creation_time_utc') or '', item.get('end_time_utc') or ''),
                  reverse=True)


def explain(tasks):
    """The reasons of a session's task sessions, VM by VM: failed VMs first, each labelled with its result."""
    order = {'Failed': 0, 'Warning': 1}
    seen, parts = set(), []

    def rank(task):
        return order.get(task.get('result'), 2), task.get('vm_display_name') or task.get('name') or ''
    for task in sorted(tasks, key=rank):
        result = task.get('result')
        if result not in order:
            continue
        vm = task.get('vm_display_name') or task.get('name')
        text = '%s %s: %s' % (result, vm, task.get('reason') or 'no reason given')
        if text not in seen:
            seen.add(text)
            parts.append(text)
    return '; '.join(parts)


def _parent_of_session(check, item, parent_names):
    """The name of the job or policy a session (or task session) belongs to."""
    if check.parent_check is None:
        return item.get(check.subject_name_field)
    # A task session: its session's job or policy when that session was read, else the name before the last @.
    parent = parent_names.get(item.get(check.parent_session_uid_field))
    if parent:
        return parent
    session_name = (item.get(check.parent_session_name_field) or '') if check.parent_session_name_field else ''
    return session_name.rsplit('@', 1)[0] if '@' in session_name else None


class _Subject:
    def __init__(self, check, subject_id, name, parent=None, backup_server_name=None, schedule=None):
        self.check = check
        self.id = subject_id
        self.name = name
        self.parent = parent
        self.backup_server_name = backup_server_name
        # True: schedule enabled; False: disabled or not configured; None: unknown (not in EM's list).
        self.schedule = schedule
        self.sessions = []


def _schedule_of(item):
    return bool(item.get('schedule_enabled')) and item.get('schedule_configured') is not False


# ------------------------------------------------------------------------------------------ the report

def build_report(data, options, em=None):
    """The compliance report of one EM.

    :param data: the lists of subjects (keys of ``_checks.LISTINGS``: ``jobs``, ``backup_jobs``, ``policies``),
        one list of sessions per check (keys as in ``CHECKS``) and ``task_sessions``: task sessions read to
        explain failed sessions. A VM's task session is named after the job or policy of its session, found in
        the parent check's sessions or in ``parent_sessions`` (older ones, read only to name VMs, not judged).
        ``point_parents``: the backups' restore points (``RestorePoint``) that name the backup of each VM restore
        point. Missing keys are empty lists.
    :param options: an ``Options``.
    :param em: the EM host, reported as ``em``.
    :raises NoDataError: when EM returned nothing at all for the enabled checks and ``allow_empty`` is false.
    """
    now = options.now
    window_from = options.lookback_from
    patterns = options.exclude
    fail_on = options.fail_on
    checks = [_checks.CHECKS[name] for name in options.checks]
    listed = {}
    for check in checks:
        listing = check.listing
        if listing.key not in listed:
            listed[listing.key] = [item for item in data.get(listing.key) or [] if listing.accepts(item)]
    gathered = dict((check.name, list(data.get(check.name) or [])) for check in checks)

    if not options.allow_empty and not any(listed.values()) and not any(gathered.values()):
        raise NoDataError(
            'Enterprise Manager returned no job, no CDP policy and no session for the checks %s since %s. No data '
            'is not health: check that the account has the Portal Administrator role in Enterprise Manager (other '
            'roles see no jobs), that Enterprise Manager still collects data from its backup servers, and that the '
            'checks asked for are the ones in use. Set allow_empty to true to pass on an empty Enterprise Manager.'
            % (', '.join(options.checks), format_time(options.read_from) if options.read_from else 'ever'))

    tasks_by_session = {}
    for task in data.get('task_sessions') or []:
        parent_uid = task.get('policy_session_uid') or task.get('job_session_uid')
        tasks_by_session.setdefault(parent_uid, []).append(task)
    # The parent of a task session: its session's job or policy, by the session's UID.
    parent_names = {}
    for check in _checks.CHECKS.values():
        if check.parent_check is None:
            for item in list(data.get('parent_sessions') or []) + list(data.get(check.name) or []):
                if item.get(check.subject_name_field) is not None:
                    parent_names[item.get('uid')] = item.get(check.subject_name_field)

    # The backups' restore points read to name the backup of each VM restore point: id -> backup name.
    point_parents = dict((item.get('id'), item.get('backup_name')) for item in data.get('point_parents') or []
                         if item.get('id') and item.get('backup_name'))

    def in_window(item):
        if window_from is None:
            return True
        created = _time(item.get('creation_time_utc'))
        return created is not None and created >= window_from

    subjects, order = {}, []

    def subject(check, key, **kwargs):
        if (check.name, key) not in subjects:
            subjects[(check.name, key)] = _Subject(check.name, **kwargs)
            order.append((check.name, key))
        return subjects[(check.name, key)]

    # Subjects from EM's lists first (they exist even without a session), then from the sessions read.
    for check in checks:
        if check.vm_subjects:
            continue
        for item in listed[check.listing.key]:
            if _excluded(patterns, item.get('name')):
                continue
            subject(check, _key(item.get('uid')) or item.get('name'), subject_id=item.get('id'), name=item.get('name'),
                    backup_server_name=item.get('backup_server_name'), schedule=_schedule_of(item))

    totals, excluded, not_in_use = {}, {}, []
    days = _days(options.history_from, now)
    trend = {}
    for check in checks:
        # The trend counts runs per day: a check judged from something else (points) has none to count.
        per_day = (trend.setdefault(check.name, dict((result, [0] * len(days)) for result in TREND_RESULTS))
                   if check.judged_from == 'sessions' else None)
        if not listed[check.listing.key] and not gathered[check.name]:
            not_in_use.append(check.name)
        counts = dict((result, 0) for result in RESULTS)
        counts['total'] = 0
        excluded[check.name] = 0
        if check.judged_from == 'points':
            _point_subjects(check, gathered[check.name], patterns, subject, counts, excluded, point_parents)
            totals[check.name] = counts
            continue
        for item in gathered[check.name]:
            parent = _parent_of_session(check, item, parent_names)
            if _excluded(patterns, parent, item.get('name'), item.get('vm_display_name')):
                excluded[check.name] += 1
                continue
            if in_window(item):
                result = item.get('result') or 'None'
                counts['total'] += 1
                counts[result] = counts.get(result, 0) + 1
            day = _day_index(days, item, options.history_from)
            if day is not None and item.get('state') == check.finished_state and item.get('result') in per_day:
                per_day[item['result']][day] += 1
            if check.vm_subjects:
                vm = item.get(check.subject_name_field) or item.get('name')
                key, subject_id, name, subject_parent = (parent, vm), None, vm, parent
            else:
                uid = item.get(check.subject_uid_field)
                key, subject_id, name, subject_parent = _key(uid) or parent, _uuid(uid), parent, None
            found = subject(check, key, subject_id=subject_id, name=name, parent=subject_parent,
                            backup_server_name=item.get('backup_server_name'))
            found.sessions.append(item)
        totals[check.name] = counts

    violations, recovered, reported = [], [], []
    for name, key in order:
        found = subjects[(name, key)]
        judge = _JUDGED_FROM[_checks.CHECKS[name].judged_from]
        reported.append(judge(found, options, in_window, tasks_by_session, parent_names, violations, recovered))

    violations.sort(key=lambda v: (v['creation_time_utc'] or ''), reverse=True)
    recovered.sort(key=lambda v: (v['creation_time_utc'] or ''), reverse=True)
    report = {
        'passed': not violations,
        'em': em,
        'generated_at': format_time(now),
        'window': {'from': format_time(window_from) if window_from else None, 'to': format_time(now)},
        'judge': options.judge,
        'fail_on': list(fail_on),
        'max_age': _age_text(options.max_age) if options.max_age else None,
        'checks_run': [check.name for check in checks if check.name not in not_in_use],
        'checks_not_in_use': not_in_use,
        'totals': totals,
        'excluded': excluded,
        'violations': violations,
        'recovered': recovered,
        'subjects': reported,
        'verdicts': dict((verdict, sum(1 for entry in reported if entry['verdict'] == verdict)) for verdict in VERDICTS),
        'history': _age_text(options.history),
        'history_from': format_time(options.history_from),
        'trend': {'days': days, 'checks': trend},
    }
    # The violations as people read them: one line per incident, grouped by check (_reports.incident_lines).
    report['lines'] = _reports.incident_lines(report)
    return report


#: The results the trend counts per day (finished sessions only).
TREND_RESULTS = ('Success', 'Warning', 'Failed')


def _days(since, now):
    """The UTC dates (``YYYY-MM-DD``) from ``since`` to ``now``, both included."""
    first, last = since.date(), now.date()
    return [(first + datetime.timedelta(days=offset)).isoformat() for offset in range((last - first).days + 1)]


def _day_index(days, item, since):
    """The index in ``days`` of the day a session was created, or None (outside the history period)."""
    created = _time(item.get('creation_time_utc'))
    if created is None or created < since:
        return None
    index = (created.date() - since.date()).days
    return index if 0 <= index < len(days) else None


def _history(check, sessions, options):
    """A subject's newest runs in the history period (up to HISTORY_RUNS, oldest first) and the share of the
    finished ones among them that succeeded (None when none finished)."""
    since = options.history_from if not check.vm_subjects else None
    runs = []
    for item in sessions:  # newest first
        created = _time(item.get('creation_time_utc'))
        if since is not None and (created is None or created < since):
            continue
        runs.append({'result': item.get('result') or 'None', 'finished': item.get('state') == check.finished_state,
                     'creation_time_utc': item.get('creation_time_utc'), 'end_time_utc': item.get('end_time_utc')})
        if len(runs) == HISTORY_RUNS:
            break
    runs.reverse()
    finished = [run for run in runs if run['finished']]
    rate = round(sum(1 for run in finished if run['result'] == 'Success') / float(len(finished)), 3) if finished else None
    return runs, rate


def _key(uid):
    return uid.strip().lower() if uid else None


def _uuid(uid):
    if not uid:
        return None
    return uid.rsplit(':', 1)[-1].lower()


def _violation(check, item, parent, tasks_by_session):
    message = item.get('failure_message') or item.get('reason')
    if not message:
        message = explain(tasks_by_session.get(item.get('uid'), []))
    found = {
        'kind': check.session_kind,
        'id': item.get('id'),
        'name': item.get('name'),
        'parent': parent,
        'subject': item.get(check.subject_name_field) if check.vm_subjects else parent,
        'result': item.get('result') or 'None',
        'state': item.get('state'),
        'creation_time_utc': item.get('creation_time_utc'),
        'message': message or NO_REASON,
        'uid': item.get('uid'),
    }
    if check.parent_session_uid_field:
        # A VM's task session: the session of its job or policy, so that a VM failing under its failed job or policy
        # is one incident with it (_reports.incidents).
        found['parent_session_uid'] = item.get(check.parent_session_uid_field)
    return found


def _judge_sessions(found, options, in_window, tasks_by_session, parent_names, violations, recovered):
    """Decide one subject's verdict from its sessions; append its violations and recovered sessions; return its
    report entry."""
    check = _checks.CHECKS[found.check]
    fail_on = options.fail_on
    finished_state = check.finished_state
    sessions = _newest_first(found.sessions)
    finished = [item for item in sessions if item.get('state') == finished_state]
    window_finished = [item for item in finished if in_window(item)]
    latest = window_finished[0] if window_finished else None

    def parent_of(item):
        return _parent_of_session(check, item, parent_names)

    verdict = 'ok'
    if options.judge == 'latest':
        # A failure that a newer finished session outside fail_on followed is recovered, whatever came after;
        # failures after the newest success are the current failure, reported once, by the newest of them.
        healed, seen_success = [], False
        for item in window_finished:
            if (item.get('result') or 'None') not in fail_on:
                seen_success = True
            elif seen_success:
                healed.append(item)
        recovered.extend(_violation(check, item, parent_of(item), tasks_by_session) for item in healed)
        if latest is None:
            verdict = 'no_sessions'
        elif (latest.get('result') or 'None') in fail_on:
            verdict = 'failed'
            violations.append(_violation(check, latest, parent_of(latest), tasks_by_session))
        elif healed:
            verdict = 'recovered'
    else:
        bad = [item for item in window_finished if (item.get('result') or 'None') in fail_on]
        if bad:
            verdict = 'failed'
            violations.extend(_violation(check, item, parent_of(item), tasks_by_session) for item in bad)
        elif latest is None:
            verdict = 'no_sessions'

    successes = [item for item in finished if (item.get('result') or 'None') not in fail_on and item.get('end_time_utc')]
    last_success = max((item['end_time_utc'] for item in successes), default=None)
    if not check.vm_subjects and verdict not in ('failed', 'recovered') and found.schedule is False:
        verdict = 'disabled'
    elif not check.vm_subjects and found.schedule and verdict != 'failed':
        age = options.age_for(found.name)
        if age is not None:
            since = options.now - age
            last = _time(last_success)
            if last is None or last < since:
                verdict = 'stale'
                if last is None:
                    read_from = options.read_from
                    message = 'no successful run within %s, nor %s (as far back as was read)' % (
                        _age_words(age), ('since ' + _people_time(read_from)) if read_from else 'ever')
                else:
                    message = 'no successful run within %s; the last one ended %s (%s)' % (
                        _age_words(age), _people_time(last), _ago(options.now, last))
                last_created = None
                if last is not None:
                    last_created = max(item.get('creation_time_utc') for item in successes
                                       if item['end_time_utc'] == last_success)
                violations.append({
                    'kind': check.subject_kind, 'id': found.id, 'name': found.name, 'parent': found.name,
                    'result': 'Stale', 'state': None, 'creation_time_utc': last_created, 'message': message,
                })

    counts = dict((result, 0) for result in RESULTS)
    for item in sessions:
        if in_window(item):
            result = item.get('result') or 'None'
            counts[result] = counts.get(result, 0) + 1
    history, success_rate = _history(check, sessions, options)
    return {
        'check': check.name,
        'kind': check.subject_kind,
        'id': found.id,
        'name': found.name,
        'parent': found.parent,
        'backup_server_name': found.backup_server_name,
        'verdict': verdict,
        'latest': _session_brief(latest),
        'last_success_end_time_utc': last_success,
        'counts': counts,
        'history': history,
        'success_rate': success_rate,
    }


# ------------------------------------------------------------------------------------------ judged from points

# A backup file is named after its backup (the job): "<backup>D2025-06-16T060031_8B0A.vib", "<backup>D2016-10-06T165918.vbk".
_BACKUP_FILE = re.compile(r'^(.+?)D\d{4}-\d{2}-\d{2}T\d{6}(?:_[0-9A-Fa-f]+)?\.\w+$')


def point_parent(point):
    """The backup or replica a VM's point belongs to, from the point alone: the replica's name, or the backup's read
    from the name of the backup file (EM links a VM restore point to its backup's restore point and its backup file,
    not to the backup; the restore points read, ``point_parents``, name the backup first)."""
    if point.get('replica_name'):
        return point['replica_name']
    match = _BACKUP_FILE.match(point.get('backup_file_name') or '')
    return match.group(1).strip() if match else None


def point_vm_key(point):
    """A VM's key: its hierarchy reference where EM gives one (it survives a move to another job), else its name on
    its backup server."""
    reference = (point.get('hierarchy_obj_ref') or '').strip().lower()
    if reference:
        return reference
    return (point.get('backup_server_name') or '', point.get('vm_display_name') or point.get('name'))


def _point_subjects(check, points, patterns, subject, counts, excluded, point_parents):
    """The subjects of a check judged from points: one per VM with a point in the horizon (all points read are)."""
    for point in points:
        parent = point_parents.get(point.get('restore_point_id')) or point_parent(point)
        vm = point.get('vm_display_name') or (point.get('name') or '').rsplit('@', 1)[0] or None
        if _excluded(patterns, parent, vm, point.get('name')):
            excluded[check.name] += 1
            continue
        # A point is what a successful run leaves: counted as a success.
        counts['total'] += 1
        counts['Success'] += 1
        found = subject(check, point_vm_key(point), subject_id=None, name=vm, parent=parent,
                        backup_server_name=point.get('backup_server_name'))
        found.sessions.append(point)


def _override(options, name):
    """(matched, age) of max_age_overrides for a name: an exact key, else the first matching pattern."""
    if name is None:
        return False, None
    if name in options.max_age_overrides:
        return True, options.max_age_overrides[name]
    for pattern, age in options.max_age_overrides.items():
        if fnmatch.fnmatchcase(name, pattern):
            return True, age
    return False, None


def point_rpo(check, options, vm, parent):
    """A VM's RPO: its max_age override, else its backup's or replica's, else max_age, else the check's default.
    None: an override of none, never stale."""
    for name in (vm, parent):
        matched, age = _override(options, name)
        if matched:
            return age
    if options.max_age is not None:
        return options.max_age
    return parse_age(check.default_max_age, check.name) if check.default_max_age else None


def _judge_points(found, options, in_window, tasks_by_session, parent_names, violations, recovered):
    """A VM judged from its points: ``ok`` when its newest point is within its RPO, ``stale`` otherwise."""
    check = _checks.CHECKS[found.check]
    points = _newest_first(found.sessions)
    newest = points[0]
    created = _time(newest.get('creation_time_utc'))
    rpo = point_rpo(check, options, found.name, found.parent)
    age = int((options.now - created).total_seconds()) if created is not None else None
    noun = check.session_title[0].lower() + check.session_title[1:]
    verdict = 'ok'
    if rpo is not None and (age is None or age > rpo.total_seconds()):
        verdict = 'stale'
        violations.append({
            'kind': check.subject_kind, 'id': newest.get('id'), 'name': found.name, 'parent': found.parent,
            'result': 'Stale', 'state': None, 'creation_time_utc': newest.get('creation_time_utc'),
            'message': 'newest %s %s ago, RPO %s' % (
                noun, _reports.duration_words(age) if age is not None else 'at an unknown time', _reports.duration_words(rpo.total_seconds())),
        })
    return {
        'check': check.name,
        'kind': check.subject_kind,
        'id': None,
        'name': found.name,
        'parent': found.parent,
        'backup_server_name': found.backup_server_name,
        'verdict': verdict,
        'latest': None,
        'last_success_end_time_utc': None,
        'counts': dict((result, len(points) if result == 'Success' else 0) for result in RESULTS),
        'hierarchy_obj_ref': newest.get('hierarchy_obj_ref'),
        'newest_point': dict((key, newest.get(key)) for key in ('id', 'name', 'creation_time_utc', 'point_type')),
        'newest_point_age_seconds': age,
        'rpo_seconds': int(rpo.total_seconds()) if rpo is not None else None,
        'points': len(points),
    }


# How a check is judged (``_checks.Check.judged_from``) -> the function that judges one of its subjects.
_JUDGED_FROM = {
    'sessions': _judge_sessions,
    'points': _judge_points,
}
