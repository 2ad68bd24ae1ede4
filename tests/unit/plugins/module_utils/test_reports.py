# -*- coding: utf-8 -*-
"""The report renderers on hand-made reports that follow the compliance engine's schema (issue 8)."""

import copy
import json
import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _reports as reports

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        'fixtures', 'reports')


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding='utf-8') as handle:
        return json.load(handle)


@pytest.fixture
def failing():
    return fixture('em01_every_verdict.json')


@pytest.fixture
def passing():
    return fixture('em02_passed.json')


def every_judged(report):
    """The same EM judged with judge=every: the VM exch01 failed twice in the window."""
    report = copy.deepcopy(report)
    report['judge'] = 'every'
    report['violations'].append({
        'kind': 'cdp_replica_task_session', 'id': 'c3f5e4a2-0000-4000-8000-000000000012', 'name': 'exch01 <primary>',
        'parent': 'CDP SQL Tier-1', 'result': 'Failed', 'state': 'Completed',
        'creation_time_utc': '2026-11-20T08:15:00Z', 'message': 'Failed exch01 <primary>: an older failure'})
    return report


# ------------------------------------------------------------------------------------------ JUnit

def suites_of(text):
    root = ET.fromstring(text.encode('utf-8'))
    assert root.tag == 'testsuites'
    return root, dict((suite.get('properties') or suite.find('properties').find("property[@name='check']").get('value'),
                       suite) for suite in root.findall('testsuite'))


def test_junit_has_a_suite_per_check_a_case_per_subject_and_a_failure_per_violation(failing):
    root, suites = suites_of(reports.junit_xml(failing))
    assert sorted(suites) == ['cdp_replica_sessions', 'cdp_replica_task_sessions', 'replica_sessions']
    replica = suites['replica_sessions']
    assert replica.get('name') == 'em01.example.com: Replication jobs'
    assert replica.get('hostname') == 'em01.example.com'
    assert replica.get('timestamp') == '2026-11-20T12:00:00'
    cases = replica.findall('testcase')
    # six jobs and the skipped case that counts the excluded sessions
    assert [case.get('name') for case in cases] == [
        'Replication job Exchange <Prod> & "DR"', u'Replication job Fileserver Zürich – tägliche Replik',
        'Replication job Weekly SQL', "Replication job Legacy {{ lookup('env', 'HOME') }}", 'Replication job Archive job',
        'Replication job Web farm', 'Sessions left out by exclude (2)']
    assert set(case.get('classname') for case in cases) == {'em01.example.com.replica_sessions'}
    assert (replica.get('tests'), replica.get('failures'), replica.get('skipped'), replica.get('errors')) == (
        '7', '2', '2', '0')
    failed = cases[0].find('failure')
    assert failed.get('type') == 'Failed'
    assert failed.get('message') == (u"Error: Cannot connect to host <esx01.example.com> & retry 'failed'\n"
                                     u"Processing finished with errors\ufffd")
    stale = cases[2].find('failure')
    assert stale.get('type') == 'Stale' and stale.get('message').startswith('no successful session within max_age 26h')
    assert cases[3].find('skipped').get('message') == 'schedule disabled or not configured: not judged'
    assert cases[4].find('failure') is None and cases[4].find('skipped') is None  # no_sessions is judged: it passes
    assert 'recovered: ' in cases[1].find('system-out').text
    vms = suites['cdp_replica_task_sessions'].findall('testcase')
    assert [case.get('name') for case in vms] == [
        'VM exch01 <primary> of CDP policy CDP SQL Tier-1', u'VM 日本語-vm of CDP policy CDP SQL Tier-1',
        u"VM sql02 of CDP policy CDP Ünïcode <α> 'quoted'"]
    assert vms[0].find('failure') is not None
    assert (root.get('tests'), root.get('failures'), root.get('skipped')) == ('12', '4', '2')


def test_junit_counts_every_violation_when_judging_every_session(failing):
    report = every_judged(failing)
    dummy, suites = suites_of(reports.junit_xml(report))
    vms = suites['cdp_replica_task_sessions']
    names = [case.get('name') for case in vms.findall('testcase')]
    assert names[:2] == ['VM exch01 <primary> of CDP policy CDP SQL Tier-1, session exch01 <primary>'] * 2
    assert vms.get('failures') == '2' and vms.get('tests') == '4'
    assert sum(int(suite.get('failures')) for suite in suites.values()) == len(report['violations']) == 5


def test_junit_of_a_report_without_subjects_gives_each_violation_a_case(failing):
    report = dict(failing)
    report.pop('subjects')
    dummy, suites = suites_of(reports.junit_xml(report))
    assert [case.get('name') for case in suites['replica_sessions'].findall('testcase')] == [
        'Replication session Exchange <Prod> & "DR" of Exchange <Prod> & "DR"', 'Replication job Weekly SQL',
        u'Replication session Fileserver Zürich – tägliche Replik of Fileserver Zürich – tägliche Replik',
        'Sessions left out by exclude (2)']
    assert sum(int(suite.get('failures')) for suite in suites.values()) == 4


def test_junit_of_a_passing_report_has_no_failure(passing):
    root, suites = suites_of(reports.junit_xml(passing))
    assert (root.get('tests'), root.get('failures'), root.get('skipped')) == ('1', '0', '0')
    assert suites['replica_sessions'].find('testcase').get('name') == 'Replication job Branch office'


def test_junit_is_well_formed_whatever_the_names():
    report = {'passed': False, 'em': 'em"<&>', 'totals': {'replica_sessions': {}},
              'violations': [{'kind': 'replica_session', 'id': '1', 'name': u'a\x00b\x1b]]>', 'parent': u'p\ud800',
                              'result': 'Failed', 'state': 'Stopped', 'creation_time_utc': 'not a time',
                              'message': u'\x08<![CDATA[x]]>'}], 'lines': []}
    text = reports.junit_xml(report)
    root = ET.fromstring(text.encode('utf-8'))
    failure = root.find('.//failure')
    assert failure.get('message') == u'\ufffd<![CDATA[x]]>'
    assert root.find('testsuite').get('timestamp') is None


# ------------------------------------------------------------------------------------------ HTML

class Page(HTMLParser):
    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.tags, self.text, self.attributes = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def parse(text):
    page = Page()
    page.feed(text)
    page.close()
    return page, ' '.join(' '.join(page.text).split())


def test_html_puts_the_verdict_first_and_escapes_every_name(failing):
    text = reports.html_page(failing)
    assert text.startswith('<!DOCTYPE html>')
    page, shown = parse(text)
    assert not set(page.tags) & {'script', 'img', 'link', 'iframe', 'object', 'style'}
    assert all('://' not in (value or '') for dummy, value in page.attributes)
    assert shown.index('FAILED: 4 incident(s) (4 failed or stale') < shown.index('Incidents (4)') \
        < shown.index('Counts per check') < shown.index('Jobs, policies and VMs (11)') < shown.index('Recovered runs (2)')
    assert 'em01.example.com' in shown and '2026-11-19 12:00:00 to 2026-11-20 12:00:00' in shown
    assert 'Generated 2026-11-20 12:00:00 UTC' in shown
    for violation in failing['violations'] + failing['recovered']:
        assert ' '.join(violation['message'].replace(u'\x07', u'').split()) in shown
    # names reach the page as text: the markup they contain is escaped
    assert '<Prod>' not in text and '<primary>' not in text and '<px01>' not in text
    assert '&lt;Prod&gt; &amp; &quot;DR&quot;' in text
    assert "Legacy {{ lookup(&#x27;env&#x27;, &#x27;HOME&#x27;) }}" in text
    assert u'日本語-vm' in shown and u'CDP Ünïcode <α> \'quoted\'' in shown


def test_html_of_a_passing_report_and_a_named_em(passing):
    page, shown = parse(reports.html_page(passing, name='branch-em'))
    assert shown.index('PASSED: no violation') < shown.index('Counts per check')
    assert 'Enterprise Manager branch-em (em02.example.org)' in shown
    assert 'Incidents (0) None.' in shown


# ------------------------------------------------------------------------------------------ Prometheus

SAMPLE = re.compile(r'^([a-z_]+)\{((?:[a-z_]+="(?:[^"\\]|\\.)*",?)*)\} (-?[0-9.e+]+)$')
LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')


def samples_of(text):
    """A strict reading of the text format: HELP and TYPE before each family, one sample per line, no timestamps."""
    assert text.endswith('\n')
    seen, current, result = set(), None, []
    for line in text.splitlines():
        if line.startswith('# HELP '):
            current = line.split(' ')[2]
            assert current not in seen
            seen.add(current)
            continue
        if line.startswith('# TYPE '):
            assert line == '# TYPE %s gauge' % current
            continue
        match = SAMPLE.match(line)
        assert match, line
        assert match.group(1) == current
        labels = dict((key, value.replace('\\n', '\n').replace('\\"', '"').replace('\\\\', '\\'))
                      for key, value in LABEL.findall(match.group(2)))
        result.append((match.group(1), labels, float(match.group(3))))
    keys = [(name, tuple(sorted(labels.items()))) for name, labels, dummy in result]
    assert len(keys) == len(set(keys)), 'duplicate series'
    return result


def test_prometheus_gives_verdicts_last_successes_and_violations_per_check(failing):
    samples = samples_of(reports.prometheus_text(failing))

    def values(metric, **labels):
        return [value for name, have, value in samples if name == 'veeam_em_compliance_' + metric
                and all(have.get(key) == wanted for key, wanted in labels.items())]

    assert values('passed') == [0]
    assert values('report_timestamp_seconds') == [1795176000]
    assert values('violations', check='replica_sessions') == [2]
    assert values('violations', check='cdp_replica_task_sessions') == [1]
    assert values('subject_verdict', name='Exchange <Prod> & "DR"', verdict='failed') == [1]
    assert sum(values('subject_verdict', name='Exchange <Prod> & "DR"')) == 1
    assert values('subject_verdict', name=u'日本語-vm', parent='CDP SQL Tier-1', verdict='recovered') == [1]
    assert values('subject_ok', name='Weekly SQL') == [0]
    assert values('subject_ok', name="Legacy {{ lookup('env', 'HOME') }}") == [1]
    assert values('subject_last_success_timestamp_seconds', name='Web farm') == [1795172670.5]
    assert values('subject_last_success_timestamp_seconds', name='Archive job') == []
    assert values('subjects', check='replica_sessions', verdict='no_sessions') == [1]
    assert values('sessions', check='cdp_replica_task_sessions', result='Success') == [14]


def test_prometheus_escapes_labels_and_writes_a_repeated_subject_once(passing):
    report = copy.deepcopy(passing)
    subject = report['subjects'][0]
    subject['name'] = 'back\\slash "quoted"\nnew line'
    report['subjects'].append(copy.deepcopy(subject))
    text = reports.prometheus_text(report)
    assert 'name="back\\\\slash \\"quoted\\"\\nnew line"' in text
    samples = samples_of(text)
    assert len([1 for name, labels, dummy in samples if name.endswith('subject_ok')]) == 1
    assert [labels['name'] for name, labels, dummy in samples if name.endswith('subject_ok')] == [subject['name']]


# ------------------------------------------------------------------------------------------ JSON, fleet, summary

def test_json_keeps_the_report_and_its_names(failing):
    text = reports.to_json(failing)
    assert json.loads(text) == failing and text.endswith('}\n') and u'Zürich' in text


def test_fleet_rolls_up_and_groups_the_failure_by_em(failing, passing):
    fleet = reports.fleet([failing, passing], missing=['em03'])
    assert fleet['passed'] is False and fleet['em_count'] == 2 and fleet['missing'] == ['em03']
    assert fleet['violation_count'] == 4 and fleet['recovered_count'] == 2
    assert fleet['generated_at'] == '2026-11-20T12:00:03.25Z'
    assert sorted(fleet['ems']) == ['em01.example.com', 'em02.example.org']
    assert fleet['ems']['em01.example.com']['verdicts'] == {
        'failed': 3, 'stale': 1, 'recovered': 2, 'no_sessions': 1, 'disabled': 1, 'ok': 3}
    assert set(item['em'] for item in fleet['violations']) == {'em01.example.com'}
    assert fleet['lines'][0] == '2 of 3 Enterprise Manager(s) did not pass (4 incident(s) in all):'
    assert fleet['lines'][1].startswith('em01.example.com: 4 violation(s) (judge latest')
    assert fleet['lines'][2].startswith('  cdp_replica_task_session | CDP SQL Tier-1 |')
    assert fleet['lines'][-1].startswith('em03: no report')
    junit = ET.fromstring(reports.junit_xml(fleet).encode('utf-8'))
    assert (junit.get('tests'), junit.get('failures'), junit.get('errors')) == ('14', '4', '1')
    assert len(junit.findall('testsuite')) == 3 + 1 + 1
    page, shown = parse(reports.html_page(fleet))
    assert shown.index('FAILED: 2 of 3 Enterprise Manager(s), 4 incident(s) (4 violation(s))') < shown.index('em02.example.org')
    assert 'no report: the run failed for this EM' in shown
    assert 'em="em02.example.org"' in reports.prometheus_text(fleet)


def test_fleet_of_passing_reports_passes(passing):
    other = dict(passing, em='em04.example.org')
    fleet = reports.fleet({'b': other, 'a': passing})
    assert fleet['passed'] is True and fleet['lines'] == [] and list(fleet['reports']) == ['a', 'b']
    assert 'PASSED: 2 Enterprise Manager(s), no violation' in parse(reports.html_page(fleet))[1]


@pytest.mark.parametrize('given, message', [
    ('text', 'fleet expects a dict of EM name to report, or a list of reports'),
    ([{'passed': True, 'violations': []}], 'report 1 names no em'),
    ({'a': {'passed': True}}, 'the report of a is not a compliance report: it has no violations'),
])
def test_fleet_refuses_what_it_cannot_roll_up(given, message):
    with pytest.raises(reports.ReportError, match=re.escape(message)):
        reports.fleet(given)


def test_fleet_refuses_two_reports_of_one_em(passing):
    with pytest.raises(reports.ReportError, match='two reports are named em02.example.org'):
        reports.fleet([passing, passing])


def test_summary_is_what_set_stats_publishes(failing):
    assert reports.summary(failing) == {'passed': False, 'violation_count': 4, 'totals': failing['totals'],
                                        'violations': failing['lines'][1:]}


@pytest.mark.parametrize('given, message', [
    (None, 'report must be a compliance report (a dict), not NoneType'),
    ({'passed': True}, 'report is not a compliance report: it has no violations'),
    ({'passed': True, 'violations': 'x'}, 'report: violations must be a list'),
])
def test_renderers_refuse_what_is_not_a_report(given, message):
    for fmt in reports.FORMATS:
        with pytest.raises(reports.ReportError, match=re.escape(message)):
            reports.render(given, fmt)
    with pytest.raises(reports.ReportError, match='unknown report format'):
        reports.render({'passed': True, 'violations': []}, 'pdf')


# ------------------------------------------------------------------------------------------ real engine output

@pytest.mark.parametrize('name', ['engine_latest_simulator.json', 'engine_every_simulator.json'])
def test_reports_of_the_compliance_engine_render_with_every_entry_on_its_subject(name):
    """Reports that session_compliance_info (issue 8's engine, at commit 3703750 of its branch) returned for the
    simulator (seed 42, 300 sessions over 7 days, lookback 2d, max_age 26h): every violation and recovered session
    finds its job, policy or VM, so no test case or row stands on its own."""
    report = fixture(name)
    found = reports.cases(report)
    assert not [case for check in found.values() for case in check if case.subject is None]
    assert sum(len(case.violations) for check in found.values() for case in check) == len(report['violations'])
    assert sum(len(case.recovered) for check in found.values() for case in check) == len(report['recovered'])
    root = ET.fromstring(reports.junit_xml(report).encode('utf-8'))
    assert int(root.get('failures')) == len(report['violations'])
    extra = sum(max(0, len(case.violations) - 1) for check in found.values() for case in check)
    markers = sum(1 for count in report['excluded'].values() if count)
    assert int(root.get('tests')) == len(report['subjects']) + extra + markers
    disabled = sum(1 for subject in report['subjects'] if subject['verdict'] == 'disabled')
    assert int(root.get('skipped')) == disabled + markers
    page, shown = parse(reports.html_page(report))
    assert 'Veeam compliance of %s: 127.0.0.1 FAILED: %d incident(s) (%d failed or stale' % (
        reports.checked_text(report), len(reports.incidents(report)), len(report['violations'])) in shown
    samples = samples_of(reports.prometheus_text(report))
    verdicts = [(labels['name'], labels['parent'], labels['verdict']) for metric, labels, value in samples
                if metric.endswith('subject_verdict') and value == 1]
    assert sorted(verdicts) == sorted((subject['name'], subject['parent'] or '', subject['verdict'])
                                      for subject in report['subjects'])


def test_backup_subjects_and_violations_read_as_backup_jobs_and_their_vms():
    import datetime
    from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _compliance as compliance
    now = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.timezone.utc)
    session = {'id': 'b1', 'uid': 'urn:veeam:BackupJobSession:b1', 'name': 'Nightly@2026-11-20 02:00:00',
               'job_uid': 'urn:veeam:Job:j1', 'job_name': 'Nightly', 'creation_time_utc': '2026-11-20T02:00:00Z',
               'end_time_utc': '2026-11-20T02:30:00Z', 'state': 'Stopped', 'result': 'Failed', 'failure_message': None}
    task = {'id': 't1', 'uid': 'urn:veeam:BackupTaskSession:t1', 'name': 'sql02@2026-11-20 02:01:00',
            'vm_display_name': 'sql02', 'job_session_uid': session['uid'], 'creation_time_utc': '2026-11-20T02:01:00Z',
            'end_time_utc': '2026-11-20T02:20:00Z', 'state': 'Completed', 'result': 'Failed', 'reason': 'Snapshot failed'}
    options = compliance.Options.from_params({'checks': ['backup_sessions', 'backup_task_sessions']}, now=now)
    report = compliance.build_report({'backup_sessions': [session], 'backup_task_sessions': [task],
                                      'task_sessions': [task]}, options, em='em01')
    root, suites = suites_of(reports.junit_xml(report))
    assert suites['backup_sessions'].get('name') == 'em01: Backup jobs'
    assert suites['backup_task_sessions'].get('name') == 'em01: VMs of backup jobs'
    assert [case.get('name') for case in suites['backup_sessions'].findall('testcase')] == ['Backup job Nightly']
    assert [case.get('name') for case in suites['backup_task_sessions'].findall('testcase')] == [
        'VM sql02 of backup job Nightly']
    assert root.get('failures') == '2'
    page = reports.html_page(report)
    assert 'Backup job Nightly' in page and 'Backup jobs' in page and 'VMs of backup jobs' in page


HOSTILE_TEXT = u'vm\r\nname \u202eexe.gpj\u202c \x1b[31mred\x1b[0m \u2066iso\u2069\x07'


def test_prometheus_labels_never_hold_a_raw_cr_or_bidi_controls(passing):
    report = copy.deepcopy(passing)
    report['subjects'][0]['name'] = HOSTILE_TEXT
    report['subjects'][0]['parent'] = u'a\rb'
    text = reports.prometheus_text(report)
    assert '\r' not in text and u'\u202e' not in text and '\x1b' not in text and u'\u2066' not in text
    names = set(labels.get('name') for dummy, labels, dummy in samples_of(text))
    assert u'vm\nname exe.gpj red iso' in names
    assert 'ab' in set(labels.get('parent') for dummy, labels, dummy in samples_of(text))


def test_html_never_holds_bidi_controls_or_control_characters(failing):
    report = copy.deepcopy(failing)
    report['violations'][0]['message'] = HOSTILE_TEXT
    report['violations'][0]['name'] = u'\u202evm'
    report['subjects'][0]['name'] = u'job \u202e\x1b]0;title\x07'
    text = reports.html_page(report)
    for char in (u'\u202e', u'\u202c', u'\u2066', u'\u2069', u'\x1b', u'\x07', u'\r'):
        assert char not in text, repr(char)
    page, shown = parse(text)
    assert u'vm<br>name exe.gpj red iso' in text
    assert u'job' in shown


# ------------------------------------------------------------------------------------------ terminal block

def test_the_terminal_block_is_plain_text_one_line_per_incident_vms_under_their_job():
    report = {
        'passed': False, 'em': 'em01', 'generated_at': '2026-11-20T12:00:00Z', 'violations': [
            {'kind': 'backup_session', 'id': 'j1', 'uid': 'urn:j1', 'name': 'SQL@x', 'parent': 'SQL', 'subject': 'SQL',
             'result': 'Failed', 'creation_time_utc': '2026-11-20T09:00:00Z', 'message': u'Failed TECH\\sql: disk \x1b[31mfull'},
            {'kind': 'backup_task_session', 'id': 't1', 'uid': 'urn:t1', 'name': u'TECH\\sql', 'parent': 'SQL',
             'subject': u'TECH\\sql', 'parent_session_uid': 'urn:j1', 'result': 'Failed',
             'creation_time_utc': '2026-11-20T09:01:00Z', 'message': u'disk \u202efull'},
            {'kind': 'cdp_replica_task_session', 'id': 't2', 'uid': 'urn:t2', 'name': 'vm1', 'parent': 'Pol',
             'subject': 'vm1', 'parent_session_uid': 'urn:other', 'result': 'Warning',
             'creation_time_utc': '2026-11-18T09:00:00Z', 'message': 'lag'},
        ]}
    assert len(reports.incidents(report)) == 2
    lines = reports.incident_lines(report)
    assert lines == [
        '2 incident(s) (3 failed or stale job(s), policy(ies) and VM(s) counted one by one):',
        'Backup jobs:',
        u'  Backup job SQL: failed at 2026-11-20 09:00:00 UTC (3 h ago): Failed TECH\\sql: disk full',
        u'    VM TECH\\sql: failed: disk full',
        'VMs of CDP policies:',
        '  VM vm1 of CDP policy Pol: warning at 2026-11-18 09:00:00 UTC (51 h ago): lag']
    block = reports.terminal_block(report, 'em01')
    assert block.splitlines() == ['Enterprise Manager em01: FAILED, ' + lines[0]] + ['  ' + line for line in lines[1:]]
    assert '\\\\' not in block and '\x1b' not in block and u'\u202e' not in block
    assert reports.failure_summary(report, 'em01') == 'Enterprise Manager em01 did not pass, 2 incident(s): listed above.'
    fleet = reports.fleet({'em01': report, 'em02': {'passed': True, 'violations': []}}, missing=['em03'])
    assert reports.terminal_block(fleet).splitlines() == [
        'Fleet of 3 Enterprise Manager(s): 2 did not pass, 2 incident(s) in all',
        '  em01: FAILED, 2 incident(s) (listed in its own block)', '  em02: passed',
        '  em03: FAILED, no report (the run failed before its report was built)']


# ------------------------------------------------------------------------------------------ history and trend

def _engine_report(results):
    """A report of the compliance engine for one replication job whose runs had ``results``, oldest first, a day
    apart, the newest 2 hours before the report; and a running session."""
    import datetime
    from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _compliance as compliance
    now = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.timezone.utc)
    sessions = []
    for index, result in enumerate(results + [None]):
        start = now - datetime.timedelta(hours=2 + 24 * (len(results) - 1 - index)) if result else now
        start -= datetime.timedelta(minutes=30) if result is None else datetime.timedelta(0)
        sessions.append({'id': 's%d' % index, 'uid': 'urn:s%d' % index, 'name': 'Job@%d' % index, 'job_name': 'Job',
                         'job_uid': 'urn:veeam:Job:j1', 'result': result or 'None',
                         'state': 'Working' if result is None else 'Stopped',
                         'creation_time_utc': start.strftime('%Y-%m-%dT%H:%M:%SZ'),
                         'end_time_utc': None if result is None else (start + datetime.timedelta(minutes=10)).strftime(
                             '%Y-%m-%dT%H:%M:%SZ')})
    options = compliance.Options.from_params({'checks': ['replica_sessions'], 'lookback': '24h', 'history': '7d'},
                                             now=now)
    return compliance.build_report({'jobs': [{'id': 'j1', 'uid': 'urn:veeam:Job:j1', 'name': 'Job', 'job_type': 'Replica',
                                              'schedule_enabled': True}], 'replica_sessions': sessions}, options)


def test_the_history_strip_shows_the_runs_in_order_and_the_chart_the_counts_per_day():
    results = ['Success', 'Failed', 'Warning', 'Success', 'Failed', 'Success']
    report = _engine_report(results)
    text = reports.html_page(report)
    page, shown = parse(text)
    titles = re.findall(r'<td class="run" title="([^"]+)"', text)
    assert [title.rsplit(': ', 1)[1] for title in titles] == [
        'success', 'failed', 'warning', 'success', 'failed', 'success', 'no result (running)']
    assert titles[-2].startswith('2026-11-20 10:00:00 UTC (120 min ago)') or titles[-2].startswith('2026-11-20 10:00:00 UTC (2 h ago)')
    assert '50% success' in shown
    bars = re.findall(r'data-day="([^"]+)" data-result="([^"]+)" data-count="([0-9]+)"', text)
    trend = report['trend']
    expected = [(day, result, str(trend['checks']['replica_sessions'][result][index]))
                for index, day in enumerate(trend['days']) for result in ('Success', 'Warning', 'Failed')
                if trend['checks']['replica_sessions'][result][index]]
    assert bars == expected and len(bars) == len(results)
    # Counts add up: the window's runs (the newest success and the running one) by result, running included.
    assert report['totals']['replica_sessions'] == {'total': 2, 'Success': 1, 'Warning': 0, 'Failed': 0, 'None': 1}
    row = re.search(r'<td[^>]*>Replication jobs</td>(.*?)</tr>', text).group(1)
    cells = [int(cell) for cell in re.findall(r'>([0-9]+)</(?:td|strong)>', row)]
    verdicts, sessions = cells[1:1 + len(reports.VERDICTS)], cells[2 + len(reports.VERDICTS):2 + len(reports.VERDICTS) + len(reports.RESULTS)]
    assert cells[0] == sum(verdicts) and cells[1 + len(reports.VERDICTS)] == sum(sessions) == 2
    # The history's success rate and newest run are metrics.
    samples = samples_of(reports.prometheus_text(report))
    assert [value for metric, labels, value in samples if metric.endswith('subject_success_ratio')] == [0.5]
    assert [value for metric, labels, value in samples if metric.endswith('subject_last_run_timestamp_seconds')] == [
        reports._epoch(report['subjects'][0]['history'][-1]['creation_time_utc'])]


def test_recovered_runs_are_calm_and_not_counted_as_violations():
    assert _engine_report(['Success', 'Success', 'Success'])['passed']
    # A failure the newer success made good, inside the window: recovered, not a violation, in the calm colour.
    import datetime
    from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _compliance as compliance
    now = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.timezone.utc)
    sessions = [{'id': 'a', 'uid': 'urn:a', 'name': 'Job@a', 'job_name': 'Job', 'job_uid': 'urn:veeam:Job:j1',
                 'result': 'Failed', 'state': 'Stopped', 'creation_time_utc': '2026-11-20T06:00:00Z',
                 'end_time_utc': '2026-11-20T06:10:00Z', 'failure_message': 'disk'},
                {'id': 'b', 'uid': 'urn:b', 'name': 'Job@b', 'job_name': 'Job', 'job_uid': 'urn:veeam:Job:j1',
                 'result': 'Success', 'state': 'Stopped', 'creation_time_utc': '2026-11-20T08:00:00Z',
                 'end_time_utc': '2026-11-20T08:10:00Z'}]
    options = compliance.Options.from_params({'checks': ['replica_sessions']}, now=now)
    report = compliance.build_report({'replica_sessions': sessions}, options)
    assert report['passed'] and len(report['recovered']) == 1 and report['lines'] == []
    text = reports.html_page(report)
    assert 'PASSED: no violation' in text and 'Incidents (0)' in text
    recovered = text[text.index('Recovered runs (1)'):]
    assert reports._COLOURS['recovered'] in recovered and reports._COLOURS['failed'] not in recovered
