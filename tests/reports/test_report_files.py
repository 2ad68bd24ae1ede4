"""One Enterprise Manager, its report read from a fixture that covers every verdict and awkward names."""

import calendar
import datetime
import json
import os
import shutil

import pytest

import report_checks as checks
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _reports as reports
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._untrusted import inert, printable
from conftest import FIXTURES, load_fixture

EM = 'em01.example.com'
FIXTURE = os.path.join(FIXTURES, 'em01_every_verdict.json')
SUFFIXES = {'json': '.json', 'junit': '.junit.xml', 'html': '.html', 'prometheus': '.prom'}


def host(**variables):
    return {'em01': dict({'report_source': 'fixture', 'report_fixture': FIXTURE}, **variables)}


@pytest.fixture(scope='module')
def report():
    data = load_fixture('em01_every_verdict.json')
    data['_name'] = EM
    return data


def test_default_formats_are_written_and_the_run_fails_with_the_violations(run_playbook, report):
    run = run_playbook(host())
    assert run.rc == 2, run
    assert run.files() == [EM + '.html', EM + '.json', EM + '.junit.xml'], run
    with open(run.path(EM + '.json'), encoding='utf-8') as handle:
        assert json.load(handle) == load_fixture('em01_every_verdict.json')
    # One EM in the play: its block, a line per incident as plain text, then one short failure; no fleet.
    block = reports.terminal_block(report, EM).splitlines()
    assert block[0] == 'Enterprise Manager %s: FAILED, 4 incident(s) (4 failed or stale job(s), policy(ies) and ' \
        'VM(s) counted one by one):' % EM
    shown = run.stdout.splitlines()
    start = shown.index(block[0])
    assert shown[start:start + len(block)] == block, run
    assert '"msg": "Enterprise Manager %s did not pass, 4 incident(s): listed above.' % EM in run.stdout
    assert 'Enterprise Manager(s) did not pass' not in run.stdout
    stats = run.custom_stats
    assert stats == {'session_compliance': {EM: {
        'passed': False, 'violation_count': 4, 'totals': report['totals'], 'violations': [inert(printable(line)) for line in report['lines'][1:]]}}}, run


@pytest.mark.parametrize('formats', [['json'], ['junit'], ['html'], ['prometheus'], ['prometheus', 'html'],
                                     ['json', 'junit', 'html', 'prometheus']])
def test_only_the_formats_asked_for_are_written(run_playbook, formats):
    run = run_playbook(host(session_compliance_fail=False), {'session_compliance_report_formats': formats})
    assert run.rc == 0, run
    assert run.files() == sorted(EM + SUFFIXES[fmt] for fmt in formats), run


def test_no_directory_no_file_but_the_summary_is_published(run_playbook, tmp_path):
    run = run_playbook(host(session_compliance_fail=False), {'session_compliance_report_dir': None},
                       report_dir=str(tmp_path / 'never'))
    assert run.rc == 0, run
    assert not os.path.exists(str(tmp_path / 'never'))
    assert run.custom_stats['session_compliance'][EM]['violation_count'] == 4


@pytest.mark.parametrize('formats', [['json', 'pdf'], 'json'])
def test_bad_formats_are_refused_naming_the_variable(run_playbook, formats):
    run = run_playbook(host(), {'session_compliance_report_formats': formats})
    assert run.rc == 2, run
    assert 'session_compliance_report_formats' in run.stdout
    assert run.files() == []


def test_files_are_written_under_check_mode(run_playbook):
    run = run_playbook(host(session_compliance_fail=False), args=['--check'])
    assert run.rc == 0, run
    assert len(run.files()) == 3


def test_junit_parses_and_its_counts_match_the_report(run_playbook, report, outputs):
    run = run_playbook(host(session_compliance_fail=False), {'session_compliance_report_formats': ['junit']})
    assert run.rc == 0, run
    path = run.path(EM + '.junit.xml')
    shutil.copy(path, os.path.join(outputs, EM + '.junit.xml'))
    xml = checks.junit(path, [report], expected_tests=len(report['subjects']))
    names = [case.name for suite in xml for case in suite]
    for subject in report['subjects']:
        assert any(subject['name'] in name for name in names), subject['name']
    assert 'Replication job Exchange <Prod> & "DR"' in names
    assert 'VM exch01 <primary> of CDP policy CDP SQL Tier-1' in names


def test_html_parses_and_chromium_shows_the_verdict_and_every_violation(run_playbook, report, browser, outputs):
    run = run_playbook(host(session_compliance_fail=False), {'session_compliance_report_formats': ['html']})
    assert run.rc == 0, run
    path = run.path(EM + '.html')
    checks.html_file(path)
    kept = os.path.join(outputs, EM + '.html')
    shutil.copy(path, kept)
    dom = browser.dump_dom(kept)
    with open(os.path.join(outputs, EM + '.dom.html'), 'w', encoding='utf-8') as handle:
        handle.write(dom)
    text = checks.check_rendered(dom, 'FAILED: 4 incident(s)', [report])
    # The verdict comes first, and names from EM are shown as text, never as markup.
    assert text.index(checks.squeeze('FAILED: 4 incident(s)')) < text.index(checks.squeeze('Counts per check'))
    assert checks.squeeze("Legacy {{ lookup('env', 'HOME') }}") in text
    assert '<primary>' not in dom.replace('&lt;primary&gt;', '')
    png = browser.screenshot(kept, os.path.join(outputs, EM + '.png'))
    with open(png, 'rb') as handle:
        assert handle.read(8) == b'\x89PNG\r\n\x1a\n'
    assert os.path.getsize(png) > 20000


def test_prometheus_parses_and_matches_the_report(run_playbook, report, outputs):
    run = run_playbook(host(session_compliance_fail=False), {'session_compliance_report_formats': ['prometheus']})
    assert run.rc == 0, run
    path = run.path(EM + '.prom')
    shutil.copy(path, os.path.join(outputs, EM + '.prom'))
    samples = checks.prometheus(path, [report])
    names = set(s.labels['name'] for s in samples['veeam_em_compliance_subject_verdict'])
    assert names == set(subject['name'] for subject in report['subjects'])
    last = dict((s.labels['name'], s.value) for s in samples['veeam_em_compliance_subject_last_success_timestamp_seconds'])
    when = datetime.datetime(2026, 11, 20, 11, 4, 30, 500000, tzinfo=datetime.timezone.utc)
    assert last['Web farm'] == calendar.timegm(when.utctimetuple()) + 0.5
    assert 'Archive job' not in last  # no success known: no series rather than a made-up time
    report_time = [s.value for s in samples['veeam_em_compliance_report_timestamp_seconds']]
    assert report_time == [calendar.timegm((2026, 11, 20, 12, 0, 0))]


def test_a_fleet_lists_the_host_whose_run_failed_before_its_report(run_playbook, outputs):
    hosts = host(session_compliance_fail=False)
    hosts['em02'] = {'report_source': 'fixture', 'report_fixture': os.path.join(FIXTURES, 'em02_passed.json')}
    hosts['em03'] = {'report_source': 'fixture', 'report_fixture': os.path.join(FIXTURES, 'no-such-report.json')}
    run = run_playbook(hosts)
    assert run.rc == 2, run  # em03 failed reading its report
    assert run.files() == sorted(name + suffix for name in (EM, 'em02.example.org', 'fleet')
                                 for suffix in ('.html', '.json', '.junit.xml')), run
    with open(run.path('fleet.json'), encoding='utf-8') as handle:
        fleet = json.load(handle)
    assert (fleet['passed'], fleet['em_count'], fleet['missing']) == (False, 2, ['em03'])
    assert sorted(fleet['reports']) == [EM, 'em02.example.org']
    assert fleet['lines'][0] == '2 of 3 Enterprise Manager(s) did not pass (4 incident(s) in all):'
    assert fleet['lines'][-1].startswith('em03: no report')
    assert sorted(run.custom_stats['session_compliance']) == [EM, 'em02.example.org']
    reports = [dict(load_fixture('em01_every_verdict.json'), _name=EM),
               dict(load_fixture('em02_passed.json'), _name='em02.example.org')]
    checks.junit(run.path('fleet.junit.xml'), reports, expected_tests=len(reports[0]['subjects']) + 1, missing=1)
    checks.html_file(run.path('fleet.html'))
    shutil.copy(run.path('fleet.html'), os.path.join(outputs, 'fleet-with-missing.html'))


def test_two_hosts_on_one_em_are_refused_before_any_file(run_playbook):
    hosts = host()
    hosts['em01-again'] = dict(hosts['em01'])
    run = run_playbook(hosts)
    assert run.rc == 2, run
    assert 'Several hosts of the play report on the same Enterprise Manager' in run.stdout
    assert run.files() == []
    # Named apart, they are two EMs.
    hosts['em01-again']['session_compliance_report_name'] = 'em01-second-account'
    run = run_playbook(hosts, {'session_compliance_fail': False})
    assert run.rc == 0, run
    assert 'em01-second-account.json' in run.files() and 'fleet.json' in run.files()


def test_a_relative_directory_is_taken_from_the_playbook_directory(run_playbook):
    target = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'playbooks', 'relative-reports-test')
    shutil.rmtree(target, ignore_errors=True)
    try:
        run = run_playbook(host(session_compliance_fail=False), {'session_compliance_report_dir': 'relative-reports-test',
                                                                 'session_compliance_report_formats': ['json']})
        assert run.rc == 0, run
        assert sorted(os.listdir(target)) == [EM + '.json']
    finally:
        shutil.rmtree(target, ignore_errors=True)
