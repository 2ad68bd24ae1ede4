"""Three Enterprise Managers (three simulators with different data) in one play, in parallel with forks."""

import datetime
import json
import os
import re
import shutil

import pytest

import report_checks as checks
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _reports
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._untrusted import inert, printable
from conftest import utc_iso

from emsim.dataset import generate, healthy  # pylint: disable=import-error
from emsim.server import DEFAULT_USERS, Simulator  # pylint: disable=import-error

NOW = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
WINDOW_FROM = NOW - datetime.timedelta(days=2)
DATA = {
    # Different seeds, sizes and rates: three EMs that each have their own jobs, policies, VMs and failures.
    'em-a': lambda: generate(seed=11, sessions=60, days=3, failure_rate=0.2, warning_rate=0.1, now=NOW),
    'em-b': lambda: generate(seed=29, sessions=40, days=3, failure_rate=0.08, warning_rate=0.2, now=NOW),
    'em-c': lambda: healthy(seed=5, sessions=30, days=3, now=NOW),
}


@pytest.fixture(scope='module')
def simulators(tmp_path_factory):
    started = {}
    try:
        for name, make in DATA.items():
            sim = Simulator(dataset=make(), tls=True, cert_dir=str(tmp_path_factory.mktemp('sim-' + name)))
            sim.start()
            started[name] = sim
        yield started
    finally:
        for sim in started.values():
            sim.stop()


def failed_in_window(dataset):
    """What the report of an EM must count as violations (every Failed session created in the window), from the
    simulator's own data rather than from what the modules returned."""
    count = 0
    # The role's default checks: backup jobs and their VMs, replication jobs, CDP policies and their VMs.
    for items in (dataset.backup_job_sessions, dataset.backup_task_sessions, dataset.replica_job_sessions,
                  dataset.cdp_replica_sessions, dataset.cdp_replica_task_sessions):
        count += sum(1 for item in items if item['result'] == 'Failed' and item['creation_time'] >= WINDOW_FROM)
    return count


def cases_expected(report):
    """Test cases a report gives without the exclusion markers: one per violation when it has no subjects (the
    compliance_report filter); with subjects (the engine), report_checks.junit checks that each has its case."""
    return None if 'subjects' in report else len(report['violations'])


@pytest.fixture
def three_em_run(simulators, run_playbook, outputs):
    username = 'Administrator'
    hosts = {}
    for name, sim in simulators.items():
        hosts[name] = {
            'report_source': os.environ.get('REPORTS_SOURCE', 'role'),
            'em_host': '127.0.0.1', 'em_port': sim.port, 'em_username': username,
            'em_password': DEFAULT_USERS[username][0], 'em_ca_path': sim.ca_path,
            'em_lookback': utc_iso(WINDOW_FROM), 'em_window_from': utc_iso(WINDOW_FROM),
            # The three simulators all listen on 127.0.0.1: each host names its EM.
            'session_compliance_report_name': name,
        }
    run = run_playbook(hosts, {'session_compliance_report_formats': ['json', 'junit', 'html', 'prometheus']},
                       forks=3)
    kept = os.path.join(outputs, 'fleet')
    if os.path.isdir(run.report_dir):
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(run.report_dir, kept)
    with open(os.path.join(outputs, 'fleet-playbook.log'), 'w', encoding='utf-8') as handle:
        handle.write(run.stdout + '\n' + run.stderr)
    return run


def test_three_ems_give_three_reports_a_fleet_roll_up_and_stats_keyed_per_em(
        three_em_run, simulators, browser, outputs):
    run = three_em_run
    assert run.rc == 2, run  # em-a and em-b have failed sessions
    names = ['em-a', 'em-b', 'em-c']
    expected = [name + suffix for name in names for suffix in ('.html', '.json', '.junit.xml', '.prom')]
    assert run.files() == sorted(expected + ['fleet.html', 'fleet.json', 'fleet.junit.xml']), run

    reports = {}
    for name in names:
        with open(run.path(name + '.json'), encoding='utf-8') as handle:
            reports[name] = dict(json.load(handle), _name=name)
        # Each report is its own EM's: its violations are exactly the Failed sessions of that simulator's window.
        assert len(reports[name]['violations']) == failed_in_window(simulators[name].dataset), name
        checks.junit(run.path(name + '.junit.xml'), [reports[name]], expected_tests=cases_expected(reports[name]))
        checks.prometheus(run.path(name + '.prom'), [reports[name]])
    assert reports['em-a']['violations'] and reports['em-b']['violations'] and reports['em-c']['passed']
    assert len(set(json.dumps(reports[name]['totals'], sort_keys=True) for name in names)) == 3

    with open(run.path('fleet.json'), encoding='utf-8') as handle:
        fleet = json.load(handle)
    assert fleet['passed'] is False and fleet['em_count'] == 3 and fleet['missing'] == []
    assert sorted(fleet['ems']) == names
    assert fleet['violation_count'] == sum(len(reports[name]['violations']) for name in names)
    for name in names:
        mine = dict(reports[name])
        mine.pop('_name')
        assert fleet['reports'][name] == mine
        assert fleet['ems'][name]['passed'] == mine['passed']
        assert fleet['ems'][name]['violation_count'] == len(mine['violations'])
        assert [item for item in fleet['violations'] if item['em'] == name] == [
            dict(item, em=name) for item in mine['violations']]
    checks.junit(run.path('fleet.junit.xml'), [reports[name] for name in names],
                 expected_tests=None if 'subjects' in reports['em-a'] else fleet['violation_count'])

    # The custom stats, as ansible-playbook printed them: one entry per EM, nothing else at the top level.
    stats = run.custom_stats
    assert list(stats) == ['session_compliance'], run
    assert sorted(stats['session_compliance']) == names
    for name in names:
        assert stats['session_compliance'][name] == {
            'passed': reports[name]['passed'], 'violation_count': len(reports[name]['violations']),
            'totals': reports[name]['totals'], 'violations': [inert(printable(line)) for line in reports[name]['lines'][1:]]}

    # One block per EM as plain text, one for the fleet (a line per EM), and one short failure per EM.
    assert 'Fleet of 3 Enterprise Manager(s): 2 did not pass, %d incident(s) in all' % sum(
        len(_reports.incidents(reports[name])) for name in names) in run.stdout, run
    shown = run.stdout.splitlines()
    failures = {}
    for line in shown:
        for name in names:
            prefix = 'fatal: [%s]: FAILED! => ' % name
            if line.startswith(prefix):
                failures[name] = json.loads(line[len(prefix):])['msg']
    assert sorted(failures) == ['em-a', 'em-b'], run
    for name in ('em-a', 'em-b'):
        assert failures[name].startswith('Enterprise Manager %s did not pass, %d incident(s): listed above.' % (
            name, len(_reports.incidents(reports[name])))), failures[name]
        block = _reports.terminal_block(reports[name], name).splitlines()
        start = shown.index(block[0])
        assert shown[start:start + len(block)] == block
    assert 'Enterprise Manager em-c: FAILED' not in run.stdout

    # Each EM's page shows its history strips and its trend chart; the chart's bars are the per-day counts.
    for name in ('em-a', 'em-b'):
        path = os.path.join(outputs, 'fleet', name + '.html')
        checks.html_file(path)
        dom = browser.dump_dom(path)
        assert dom.count('class="run"') == sum(len(subject['history']) for subject in reports[name]['subjects'])
        trend = reports[name]['trend']
        bars = re.findall(r'<rect class="bar" data-day="([^"]+)" data-result="([^"]+)" data-count="([0-9]+)"', dom)
        expected = [(day, result, str(counts[result][index])) for check, counts in trend['checks'].items()
                    if check in reports[name]['checks_run'] for index, day in enumerate(trend['days'])
                    for result in ('Success', 'Warning', 'Failed') if counts[result][index]]
        assert sorted(bars) == sorted(expected) and bars
        assert 'FAILED: %d incident(s)' % len(_reports.incidents(reports[name])) in checks.rendered_text(dom)

    # The fleet page parses, and Chromium shows the verdict, every EM and every violation.
    path = os.path.join(outputs, 'fleet', 'fleet.html')
    checks.html_file(path)
    dom = browser.dump_dom(path)
    headline = '2 of 3 Enterprise Manager(s), %d incident(s) (%d violation(s))' % (
        sum(len(_reports.incidents(reports[name])) for name in names), fleet['violation_count'])
    text = checks.check_rendered(dom, headline, [reports[name] for name in names])
    for name in names:
        assert checks.squeeze(name) in text
        # The fleet links to each EM's page, written beside it.
        assert 'href="%s.html"' % name in dom and os.path.exists(os.path.join(outputs, 'fleet', name + '.html'))
    browser.screenshot(path, os.path.join(outputs, 'fleet.png'), size='1280,3000')
