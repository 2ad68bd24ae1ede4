"""The checks judged from points (vm_restore_points, vm_replica_points) through the whole role, on a simulator whose
points follow its task sessions: some VMs' newest points are older than their RPO, one VM was removed from its job
5 days ago, one VM moved to another job, and overrides match a VM and a job. Each verdict and reason is checked in
every report format, each read by its real consumer (json, junitparser, prometheus_client's parser, html5lib)."""

import datetime
import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest

import report_checks as checks
from conftest import collections_path, utc_iso

from emsim.dataset import Dataset, hierarchy_ref  # pylint: disable=import-error
from emsim.server import DEFAULT_USERS, Simulator  # pylint: disable=import-error

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
SERVER = '0d9b5b8c-1111-4a6e-9a59-000000000001'
JOBS = {
    # name: (uuid, type)
    'Nightly Backup': ('0d9b5b8c-2222-4a6e-9a59-000000000001', 'Backup'),
    'Other Backup': ('0d9b5b8c-2222-4a6e-9a59-000000000002', 'Backup'),
    'Weekly Archive': ('0d9b5b8c-2222-4a6e-9a59-000000000003', 'Backup'),
    'DR Replication': ('0d9b5b8c-2222-4a6e-9a59-000000000004', 'Replica'),
}
# Each VM's successful runs, hours before the data set is loaded, per job. A failed run leaves no point.
RUNS = [
    # The first two VMs: a daily backup, the newest 10 h ago.
    ('Nightly Backup', 'app01', [10, 34, 58, 82], 'Success'),
    ('Nightly Backup', 'web01', [10, 34, 58], 'Success'),
    # The job failed for db01 for three nights: its newest point is 3 days 4 hours old.
    ('Nightly Backup', 'db01', [76, 100, 124], 'Success'),
    ('Nightly Backup', 'db01', [4, 28, 52], 'Failed'),
    # Removed from its job 5 days ago: its last point is 5 days 2 hours old, no session since.
    ('Nightly Backup', 'old01', [122, 146, 170], 'Success'),
    # Moved to another job 2 days ago: one VM (its hierarchy reference), newest point 10 h ago in Other Backup.
    ('Nightly Backup', 'moved01', [58, 82, 106], 'Success'),
    ('Other Backup', 'moved01', [10, 34], 'Success'),
    # Weekly, with the job's override of 8 days: 4 days old is fine.
    ('Weekly Archive', 'archive01', [96, 264], 'Success'),
    # The VM's own override of 4 days wins over the default 26 h: 3 days old is fine.
    ('Nightly Backup', 'db02', [72, 96], 'Success'),
    # Replicas: one fresh, one 30 hours old (stale against 26 h).
    ('DR Replication', 'web01', [2, 26], 'Success'),
    ('DR Replication', 'app01', [30, 54], 'Success'),
]
OVERRIDES = {'Weekly *': '8d', 'db02': '4d'}
EXPECTED = {
    # (check, VM): (verdict, parent, reason or None)
    ('vm_restore_points', 'app01'): ('ok', 'Nightly Backup', None),
    ('vm_restore_points', 'web01'): ('ok', 'Nightly Backup', None),
    ('vm_restore_points', 'db01'): ('stale', 'Nightly Backup', 'newest restore point 3 days 4 hours ago, RPO 26 hours'),
    ('vm_restore_points', 'old01'): ('stale', 'Nightly Backup', 'newest restore point 5 days 2 hours ago, RPO 26 hours'),
    ('vm_restore_points', 'moved01'): ('ok', 'Other Backup', None),
    ('vm_restore_points', 'archive01'): ('ok', 'Weekly Archive', None),
    ('vm_restore_points', 'db02'): ('ok', 'Nightly Backup', None),
    ('vm_replica_points', 'web01'): ('ok', 'DR Replication', None),
    ('vm_replica_points', 'app01'): ('stale', 'DR Replication', 'newest replica point 30 hours ago, RPO 26 hours'),
}
RPO = {'archive01': 8 * 86400, 'db02': 4 * 86400}


def dataset():
    """The data set in the simulator's JSON form, times relative to its loading."""
    jobs, sessions, tasks = {'backup_jobs': [], 'replica_jobs': []}, {}, []
    for name, (job_uuid, job_type) in JOBS.items():
        jobs['replica_jobs' if job_type == 'Replica' else 'backup_jobs'].append(
            {'uuid': job_uuid, 'name': name, 'job_type': job_type, 'backup_server': SERVER})
    for job, vm, hours, result in RUNS:
        kind = 'replica' if JOBS[job][1] == 'Replica' else 'backup'
        for hour in hours:
            session_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, 'points-test:%s:%d' % (job, hour)))
            sessions.setdefault(kind, {})[session_uuid] = {
                'uuid': session_uuid, 'job_uuid': JOBS[job][0], 'backup_server_uuid': SERVER,
                'creation_time': 'now-%dh' % hour, 'end_time': 'now-%dh' % (hour - 1), 'result': result}
            tasks.append((kind, {
                'uuid': str(uuid.uuid5(uuid.NAMESPACE_URL, 'points-test:%s:%s:%d' % (job, vm, hour))), 'session_uuid': session_uuid, 'vm_display_name': vm,
                'backup_server_uuid': SERVER, 'creation_time': 'now-%dh' % hour, 'end_time': 'now-%dh' % (hour - 1),
                'state': 'Completed', 'result': result,
                # A VM keeps its hierarchy reference whatever job backs it up.
                'hierarchy_obj_ref': hierarchy_ref(SERVER, vm) if kind == 'backup' else None}))
    return {
        'backup_servers': [{'uuid': SERVER, 'name': 'vbr01.example.com'}],
        'backup_jobs': jobs['backup_jobs'], 'replica_jobs': jobs['replica_jobs'],
        'backup_job_sessions': list(sessions['backup'].values()),
        'replica_job_sessions': list(sessions['replica'].values()),
        'backup_task_sessions': [task for kind, task in tasks if kind == 'backup'],
        'replica_task_sessions': [task for kind, task in tasks if kind == 'replica'],
    }


@pytest.fixture(scope='module')
def simulator(tmp_path_factory):
    sim = Simulator(dataset=Dataset.from_json(dataset(), now=NOW), tls=True,
                    cert_dir=str(tmp_path_factory.mktemp('sim-points')))
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture(scope='module')
def points_run(simulator, tmp_path_factory):
    """The role with both points checks and every report format, run once for the module's tests."""
    return run_role(simulator, tmp_path_factory)


def run_role(sim, tmp_path_factory):
    """Like conftest's run_playbook (which is per test): reports.yml with report_source role, for one EM."""
    tmp = tmp_path_factory.mktemp('points-run')
    path = collections_path()
    if not path:
        pytest.skip('run from build/ansible_collections/veeam/enterprise_manager (make reports)')
    report_dir = str(tmp / 'reports')
    host = {'report_source': 'role', 'em_host': '127.0.0.1', 'em_port': sim.port, 'em_username': 'Administrator',
            'em_password': DEFAULT_USERS['Administrator'][0], 'em_ca_path': sim.ca_path,
            'em_lookback': utc_iso(NOW - datetime.timedelta(days=1)), 'session_compliance_report_name': 'em-points'}
    common = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
              'session_compliance_report_dir': report_dir,
              'session_compliance_report_formats': ['json', 'junit', 'html', 'prometheus'],
              'session_compliance_checks': ['vm_restore_points', 'vm_replica_points'],
              'session_compliance_max_age_overrides': OVERRIDES,
              'session_compliance_protection_horizon': '30d'}
    (tmp / 'inventory.json').write_text(json.dumps({'ems': {'hosts': {'em-points': host}, 'vars': common}}),
                                        encoding='utf-8')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=path, ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_RETRY_FILES_ENABLED='false',
               ANSIBLE_LOCAL_TEMP=str(tmp / 'ansible-tmp'))
    env.pop('ANSIBLE_STDOUT_CALLBACK', None)
    playbook = shutil.which('ansible-playbook') or os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    completed = subprocess.run([playbook, '-i', str(tmp / 'inventory.json'),
                                os.path.join(os.path.dirname(__file__), 'playbooks', 'reports.yml')],
                               env=env, cwd=str(tmp), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=600, check=False)
    return completed, report_dir


def read_report(report_dir):
    with open(os.path.join(report_dir, 'em-points.json'), encoding='utf-8') as handle:
        return dict(json.load(handle), _name='em-points')


def test_each_vm_gets_its_verdict_and_reason_in_the_json_report(points_run, simulator, outputs):
    completed, report_dir = points_run
    kept = os.path.join(outputs, 'points')
    shutil.rmtree(kept, ignore_errors=True)
    if os.path.isdir(report_dir):
        shutil.copytree(report_dir, kept)
    assert completed.returncode == 2, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert sorted(os.listdir(report_dir)) == ['em-points.html', 'em-points.json', 'em-points.junit.xml',
                                              'em-points.prom']
    report = read_report(report_dir)
    got = dict(((subject['check'], subject['name']), subject) for subject in report['subjects'])
    # One subject per VM and check: moved01 is one VM, not a stale one in its old job and a fresh one in its new.
    assert len(got) == len(report['subjects']) == len(EXPECTED)
    assert sorted(got) == sorted(EXPECTED)
    violations = dict(((checks.kind_check(item['kind']), item['name']), item) for item in report['violations'])
    assert len(violations) == len(report['violations'])
    for key, (verdict, parent, reason) in EXPECTED.items():
        subject = got[key]
        assert (subject['verdict'], subject['parent']) == (verdict, parent), key
        assert subject['rpo_seconds'] == RPO.get(key[1], 26 * 3600), key
        assert subject['newest_point']['creation_time_utc'] and subject['newest_point_age_seconds'] >= 0
        if reason is None:
            assert key not in violations
        else:
            assert violations[key]['message'] == reason
            assert violations[key]['result'] == 'Stale'
            assert violations[key]['creation_time_utc'] == subject['newest_point']['creation_time_utc']
    # The newest point is the simulator's: the VM's newest successful task session.
    assert got[('vm_restore_points', 'old01')]['newest_point_age_seconds'] // 3600 == 122
    assert got[('vm_restore_points', 'moved01')]['points'] == 5
    assert report['verdicts']['stale'] == 3 and report['verdicts']['ok'] == 6
    # One logon for the whole run; each check read its points with one query (the data set fits in a page).
    log = [entry for entry in simulator.request_log() if entry['path'].startswith('/api')]
    assert sum(1 for entry in log if entry['method'] == 'POST' and 'sessionMngr' in entry['path']) == 1
    point_queries = [entry['query'] for entry in log if (entry.get('query') or {}).get('type') in (
        'VmRestorePoint', 'VmReplicaPoint')]
    assert sorted(query['type'] for query in point_queries) == ['VmReplicaPoint', 'VmRestorePoint'], point_queries
    # And one query names the backups of the VM restore points: their backups' restore points.
    assert [entry['query']['type'] for entry in log if (entry.get('query') or {}).get('type') == 'RestorePoint'] == [
        'RestorePoint']
    assert all(query['filter'].startswith('CreationTime>=') and query['sortDesc'] == 'CreationTime'
               for query in point_queries)


def test_junit_has_one_testcase_per_vm(points_run):
    dummy, report_dir = points_run
    report = read_report(report_dir)
    xml = checks.junit(os.path.join(report_dir, 'em-points.junit.xml'), [report], expected_tests=len(EXPECTED))
    cases = dict((case.name, case) for suite in xml for case in suite)
    assert len(cases) == len(EXPECTED)
    assert cases['VM db01 of backup job Nightly Backup'].result[0].message == EXPECTED[
        ('vm_restore_points', 'db01')][2]
    assert cases['VM app01 of replication job DR Replication'].result[0].message == EXPECTED[
        ('vm_replica_points', 'app01')][2]
    assert not cases['VM moved01 of backup job Other Backup'].result
    assert 'RPO: 8 days' in cases['VM archive01 of backup job Weekly Archive'].system_out


def test_prometheus_gives_each_vm_its_newest_point_time(points_run):
    dummy, report_dir = points_run
    report = read_report(report_dir)
    samples = checks.prometheus(os.path.join(report_dir, 'em-points.prom'), [report])
    newest = dict(((s.labels['check'], s.labels['name']), s.value)
                  for s in samples['veeam_em_compliance_subject_newest_point_timestamp_seconds'])
    assert sorted(newest) == sorted(EXPECTED)
    for subject in report['subjects']:
        when = datetime.datetime.strptime(subject['newest_point']['creation_time_utc'], '%Y-%m-%dT%H:%M:%S.%fZ')
        assert newest[(subject['check'], subject['name'])] == when.replace(tzinfo=datetime.timezone.utc).timestamp()
    rpo = dict(((s.labels['check'], s.labels['name']), s.value) for s in samples['veeam_em_compliance_subject_rpo_seconds'])
    assert rpo[('vm_restore_points', 'archive01')] == 8 * 86400


def test_html_shows_the_histogram_and_the_stale_vms_first(points_run):
    dummy, report_dir = points_run
    report = read_report(report_dir)
    document = checks.html_file(os.path.join(report_dir, 'em-points.html'))
    text = checks.squeeze(''.join(document.itertext()))
    for item in report['violations']:
        assert checks.squeeze(item['message']) in text
    tables = list(document.iter(checks.NS + 'table'))

    def rows(table):
        return [[checks.squeeze(''.join(cell.itertext())) for cell in row] for row in table.iter(checks.NS + 'tr')]
    histograms = [rows(table) for table in tables if rows(table) and rows(table)[0][:2] == ['Newestpoint', 'VMs']]
    assert [[row[:2] for row in histogram[1:]] for histogram in histograms] == [
        # Restore points: app01, web01, moved01 within 24 h; db01, old01, archive01, db02 of 2 to 7 days.
        [['within24h', '3'], ['24to48h', '0'], ['2to7days', '4'], ['older', '0']],
        [['within24h', '1'], ['24to48h', '1'], ['2to7days', '0'], ['older', '0']],
    ]
    vm_tables = [rows(table) for table in tables if rows(table) and rows(table)[0][:2] == ['Verdict', 'VM']]
    # The stale VMs' own table comes first for each check, oldest first.
    assert [row[:2] for row in vm_tables[0][1:]] == [['stale', 'old01'], ['stale', 'db01']]
    assert [row[1] for row in vm_tables[2][1:]] == ['app01']
