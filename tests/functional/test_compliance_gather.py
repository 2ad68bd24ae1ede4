"""The compliance engine against the simulator: one logon, a few filtered queries in parallel, a report."""

import threading

import pytest
from ansible.errors import AnsibleFilterError

from emsim.dataset import generate

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _compliance as compliance
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._gather import gather

from conftest import NOW


def options(**params):
    params.setdefault('lookback', '24h')
    return compliance.Options.from_params(params, now=NOW)


def test_one_logon_few_queries_and_a_consistent_report(sim, make_client):
    opts = options(max_age='26h')
    with make_client() as em:
        data = gather(em, opts, page_size=500)
    log = sim.request_log()
    assert [entry['method'] for entry in log].count('POST') == 1
    assert [entry['method'] for entry in log].count('DELETE') == 1
    queries = [entry['query']['type'] for entry in log if entry['path'].endswith('/query')]
    # Jobs (one query for backup and replication jobs), policies, five session kinds and, when a replication
    # session failed without a message, one query for the reasons of them all; never a request per session.
    unexplained = [item for item in data['replica_sessions'] if item['result'] == 'Failed'
                   and not item.get('failure_message') and item['creation_time_utc'] >= '2026-11-19T12:00:00']
    expected = ['BackupJobSession', 'BackupTaskSession', 'CdpPolicy', 'CdpReplicaSession', 'CdpReplicaTaskSession',
                'Job', 'ReplicaJobSession']
    assert sorted(set(queries)) == sorted(expected + (['ReplicaTaskSession'] if unexplained else []))
    assert len(queries) == len(set(queries))
    assert not [entry for entry in log if '/replicaSessions/' in entry['path'] or '/cdpReplicaSessions/' in entry['path']]
    report = compliance.build_report(data, opts, em='127.0.0.1')
    failed_replica = [item for item in data['replica_sessions']
                      if item['result'] == 'Failed' and item['creation_time_utc'] >= report['window']['from'][:19]]
    assert report['totals']['replica_sessions']['Failed'] == len(failed_replica)
    for violation in report['violations'] + report['recovered']:
        assert violation['message'] != compliance.NO_REASON, violation
        if violation['kind'] == 'replica_session':
            assert 'CDP' not in violation['message'] and 'RPO' not in violation['message']
    verdicts = dict((entry['name'], entry['verdict']) for entry in report['subjects'] if entry['check'] == 'replica_sessions')
    assert verdicts['Archive Replication (disabled)'] == 'disabled'
    assert verdicts['Weekly DR Replication'] == 'stale'


def test_the_reasons_of_many_failures_take_one_query(sim, make_client):
    sim.set_dataset(generate(seed=5, sessions=400, days=2, failure_rate=0.4, now=NOW))
    try:
        with make_client() as em:
            data = gather(em, options(checks=['replica_sessions']), page_size=500)
        reasons = [entry for entry in sim.request_log() if entry['query'].get('type') == 'ReplicaTaskSession']
        assert len(reasons) == 1
        assert 'Result=="Failed"' in reasons[0]['query']['filter']
        report = compliance.build_report(data, options(checks=['replica_sessions'], judge='every'))
        explained = [v for v in report['violations'] if not v['message'].startswith(('Processing', '1 of', 'Error: Job'))]
        assert len(explained) > 10
        assert all(v['message'].startswith('Failed ') for v in explained), explained[:3]
    finally:
        sim.set_dataset(generate(seed=7, sessions=60, days=7, failure_rate=0.15, warning_rate=0.1, running=2,
                                 now=NOW))


def test_the_job_query_asks_for_replication_jobs_only(sim, make_client):
    with make_client() as em:
        data = gather(em, options(checks=['replica_sessions']))
    assert data['jobs'] and {job['job_type'] for job in data['jobs']} == {'Replica'}
    assert 'policies' not in data


def test_threads_share_one_logon_even_when_the_token_expires(sim, make_client, warnings):
    with make_client() as em:
        sim.set_faults(expire_tokens=True)
        data = gather(em, options(), page_size=5)
    log = sim.request_log()
    logons = [entry for entry in log if entry['method'] == 'POST']
    # The first logon, then exactly one more after the expiry, whichever thread saw the 401 first.
    assert len(logons) == 2
    assert sim.open_logon_sessions() == 0
    assert data['replica_sessions']
    assert len([w for w in warnings.warnings if 'logging on again' in w]) == 1


def test_queries_run_in_parallel_with_at_most_four_in_flight(sim, make_client, monkeypatch):
    from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _client
    state = {'now': 0, 'most': 0}
    lock = threading.Lock()
    original = _client.EMClient._send

    def counting(self, *args, **kwargs):
        with lock:
            state['now'] += 1
            state['most'] = max(state['most'], state['now'])
        try:
            return original(self, *args, **kwargs)
        finally:
            with lock:
                state['now'] -= 1
    monkeypatch.setattr(_client.EMClient, '_send', counting)
    sim.set_faults(delay=0.05)
    with make_client() as em:
        gather(em, options(), page_size=5)
    assert 2 <= state['most'] <= 4


def test_no_data_is_not_health(sim, make_client):
    sim.set_dataset(generate(seed=1, sessions=0, now=NOW))
    try:
        sim.dataset.replica_jobs[:] = []
        sim.dataset.cdp_policies[:] = []
        sim.dataset.backup_jobs[:] = []
        sim.dataset.other_jobs[:] = []
        sim.dataset.reindex()
        with make_client() as em:
            data = gather(em, options())
        try:
            compliance.build_report(data, options())
        except compliance.NoDataError as exc:
            assert 'Portal Administrator' in str(exc)
        else:
            raise AssertionError('an empty EM passed')
        assert compliance.build_report(data, options(allow_empty=True))['passed'] is True
    finally:
        sim.set_dataset(generate(seed=7, sessions=60, days=7, failure_rate=0.15, warning_rate=0.1, running=2,
                                 now=NOW))


def test_the_filter_and_the_module_code_agree(sim, make_client):
    from ansible_collections.veeam.enterprise_manager.plugins.filter.compliance_report import compliance_report
    opts = options(judge='latest', max_age='26h', exclude=['Test *'])
    with make_client() as em:
        data = gather(em, opts)
    engine = compliance.build_report(data, opts)
    gathered = dict((key, value) for key, value in data.items() if key != 'task_sessions')
    through_filter = compliance_report(gathered, ['Failed'], ['Test *'], data['task_sessions'], judge='latest',
                                       lookback='24h', max_age='26h', allow_empty=False, now=NOW.isoformat())
    assert through_filter == engine
    assert engine['violations'] and engine['subjects']


def test_the_filter_defaults_as_the_module_does(sim, make_client):
    from ansible_collections.veeam.enterprise_manager.plugins.filter.compliance_report import compliance_report
    opts = options()
    with make_client() as em:
        data = gather(em, opts)
    engine = compliance.build_report(data, opts)
    gathered = dict((key, value) for key, value in data.items() if key != 'task_sessions')
    # Nothing but the data, the reasons and the clock: judge, fail_on, lookback, allow_empty as the module.
    assert compliance_report(gathered, task_sessions=data['task_sessions'], now=NOW.isoformat()) == engine
    assert engine['judge'] == 'latest' and engine['checks_run'] == list(compliance.DEFAULT_CHECKS)
    with pytest.raises(AnsibleFilterError, match='No data is not health'):
        compliance_report({'replica_sessions': []}, now=NOW.isoformat())


def test_backup_checks_one_logon_one_query_per_kind_and_backup_subjects_judged(sim, make_client):
    # Many backup sessions, many of them failed, over two days.
    sim.set_dataset(generate(seed=5, sessions=400, days=2, failure_rate=0.4, now=NOW))
    try:
        _judge_backups(sim, make_client)
    finally:
        sim.set_dataset(generate(seed=7, sessions=60, days=7, failure_rate=0.15, warning_rate=0.1, running=2,
                                 now=NOW))


def _judge_backups(sim, make_client):
    opts = options(checks=['backup_sessions', 'backup_task_sessions'], judge='latest', max_age='26h')
    with make_client() as em:
        data = gather(em, opts, page_size=500)
    log = sim.request_log()
    queries = [entry['query'] for entry in log if entry['path'].endswith('/query')]
    # One logon, the query pages, one logout, counted by the client itself: on a loaded machine the simulator's
    # log can also receive the late answer to an earlier test's abandoned logon.
    assert em.request_count == 1 + len(queries) + 1
    assert [entry['method'] for entry in log].count('DELETE') == 1
    types = [query['type'] for query in queries]
    # The backup jobs, their sessions and the VMs' task sessions: one query each (task sessions of the window
    # explain the failures too, so no reasons query); no replication or CDP query; never one request per session.
    assert sorted(types) == ['BackupJobSession', 'BackupTaskSession', 'Job']
    job_query = [query for query in queries if query['type'] == 'Job'][0]
    assert 'Replica' not in job_query['filter'] and 'Backup' in job_query['filter']
    assert not [entry for entry in log if '/backupSessions/' in entry['path'] or '/backupTaskSessions/' in entry['path']]
    assert data['backup_jobs'] and 'Replica' not in {job['job_type'] for job in data['backup_jobs']}

    report = compliance.build_report(data, opts, em='127.0.0.1')
    jobs = [entry for entry in report['subjects'] if entry['check'] == 'backup_sessions']
    vms = [entry for entry in report['subjects'] if entry['check'] == 'backup_task_sessions']
    assert {entry['kind'] for entry in jobs} == {'backup_job'} and {entry['kind'] for entry in vms} == {'backup_job_vm'}
    # Every backup job of EM's list is a subject, and every VM is named after a job that ran it.
    assert {job['name'] for job in data['backup_jobs']} <= {entry['name'] for entry in jobs}
    session_jobs = {item['job_name'] for item in data['backup_sessions']}
    assert vms and all(entry['parent'] in session_jobs and entry['id'] is None for entry in vms)
    window_from = report['window']['from'][:19]
    in_window = [item for item in data['backup_sessions'] if item['creation_time_utc'] >= window_from]
    assert report['totals']['backup_sessions']['total'] == len(in_window)
    assert report['totals']['backup_sessions']['Failed'] == len([i for i in in_window if i['result'] == 'Failed'])
    # Each job is judged from its own sessions: a failed verdict means its newest finished session failed.
    for entry in jobs:
        own = sorted((item for item in in_window if item['job_name'] == entry['name'] and item['state'] == 'Stopped'),
                     key=lambda item: item['creation_time_utc'], reverse=True)
        if entry['verdict'] == 'failed':
            assert own and own[0]['result'] == 'Failed'
        elif own and own[0]['result'] == 'Failed':
            raise AssertionError(entry)
    assert {'recovered', 'stale', 'disabled'} <= {entry['verdict'] for entry in jobs}
    for violation in report['violations']:
        assert violation['kind'] in ('backup_session', 'backup_task_session', 'backup_job'), violation
        assert violation['message'] != compliance.NO_REASON, violation
    # Judging every session: each failed one is a violation, those without a message explained VM by VM.
    every = compliance.build_report(data, options(checks=['backup_sessions', 'backup_task_sessions'], judge='every'))
    failed = [v for v in every['violations'] if v['kind'] == 'backup_session']
    assert len(failed) == report['totals']['backup_sessions']['Failed'] > 10
    unexplained = {item['id'] for item in in_window if item['result'] == 'Failed' and not item['failure_message']}
    explained = [v for v in failed if v['id'] in unexplained]
    assert explained and all(v['message'].startswith('Failed ') for v in explained), explained[:3]
    assert [v for v in every['violations'] if v['kind'] == 'backup_task_session']
    assert any(entry['verdict'] == 'failed' for entry in every['subjects'] if entry['kind'] == 'backup_job_vm')


def test_backup_failures_without_message_take_one_reasons_query(sim, make_client):
    sim.set_dataset(generate(seed=5, sessions=400, days=2, failure_rate=0.4, now=NOW))
    try:
        with make_client() as em:
            data = gather(em, options(checks=['backup_sessions']), page_size=500)
        unexplained = [item for item in data['backup_sessions'] if item['result'] == 'Failed'
                       and not item.get('failure_message') and item['creation_time_utc'] >= '2026-11-19T12:00:00']
        reasons = [entry['query'] for entry in sim.request_log() if entry['query'].get('type') == 'BackupTaskSession']
        assert len(unexplained) > 1 and len(reasons) == 1
        assert 'Result=="Failed"' in reasons[0]['filter'] and 'CreationTime>=' in reasons[0]['filter']
        report = compliance.build_report(data, options(checks=['backup_sessions'], judge='every'))
        explained = [v for v in report['violations'] if v['id'] in {item['id'] for item in unexplained}]
        assert len(explained) == len(unexplained)
        assert all(v['message'].startswith('Failed ') for v in explained), explained[:3]
    finally:
        sim.set_dataset(generate(seed=7, sessions=60, days=7, failure_rate=0.15, warning_rate=0.1, running=2,
                                 now=NOW))


def test_a_vm_whose_backup_session_started_before_the_window_is_named_after_its_job(sim, make_client):
    # A window that opens between a backup session's start and its VMs' task sessions.
    session = max(sim.dataset.backup_job_sessions, key=lambda item: item['creation_time'])
    tasks = [task for task in sim.dataset.backup_task_sessions if task['session_uuid'] == session['uuid']]
    first_task = min(task['creation_time'] for task in tasks)
    assert session['creation_time'] < first_task
    lookback = (session['creation_time'] + (first_task - session['creation_time']) / 2).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
    opts = options(checks=['backup_task_sessions'], lookback=lookback)
    with make_client() as em:
        data = gather(em, opts)
    queries = [entry['query'] for entry in sim.request_log() if entry['path'].endswith('/query')]
    # The backup jobs, the task sessions, the job sessions of the window, then one query by UID for the older job
    # sessions.
    assert sorted(query['type'] for query in queries[:3]) == ['BackupJobSession', 'BackupTaskSession', 'Job']
    assert len(queries) == 4 and queries[3]['type'] == 'BackupJobSession'
    assert session['uuid'] in queries[3]['filter'] and 'UID' in queries[3]['filter']
    assert [item['uid'] for item in data['parent_sessions']] == ['urn:veeam:BackupJobSession:%s' % session['uuid']]
    report = compliance.build_report(data, opts)
    vms = [entry for entry in report['subjects'] if entry['kind'] == 'backup_job_vm']
    assert vms and {entry['parent'] for entry in vms} == {session['job_name']}
    assert 'backup_sessions' not in report['totals']


# ------------------------------------------------------------------------------------------ long sessions and max_age

def _long_runs(now):
    """Subjects whose last success ran longer than max_age (26h) or ended around it."""
    from emsim.dataset import Dataset
    server = '90000000-0000-4000-8000-000000000001'
    return Dataset.from_json({
        'backup_servers': [{'uuid': server, 'name': 'vbr01'}],
        'cdp_policies': [
            # Created 44 hours ago, ended 20 hours ago: the false alarm of issue 14.
            {'uuid': 'c0000000-0000-4000-8000-000000000001', 'name': 'CDP Day Long', 'backup_server': server},
            # Ran 49 hours, ended an hour ago.
            {'uuid': 'c0000000-0000-4000-8000-000000000002', 'name': 'CDP Two Days', 'backup_server': server},
            # Ended 27 hours ago: stale, however long it ran.
            {'uuid': 'c0000000-0000-4000-8000-000000000003', 'name': 'CDP Ended Too Early', 'backup_server': server}],
        'replica_jobs': [{'uuid': 'a0000000-0000-4000-8000-000000000001', 'name': 'Slow Replication',
                          'backup_server': server}],
        'backup_jobs': [{'uuid': '10000000-0000-4000-8000-000000000001', 'name': 'Slow Backup', 'job_type': 'Backup',
                         'backup_server': server}],
        'cdp_replica_sessions': [
            {'uuid': 'd0000000-0000-4000-8000-000000000001', 'policy_uuid': 'c0000000-0000-4000-8000-000000000001',
             'creation_time': 'now-44h', 'end_time': 'now-20h', 'result': 'Success'},
            {'uuid': 'd0000000-0000-4000-8000-000000000002', 'policy_uuid': 'c0000000-0000-4000-8000-000000000002',
             'creation_time': 'now-50h', 'end_time': 'now-1h', 'result': 'Success'},
            {'uuid': 'd0000000-0000-4000-8000-000000000003', 'policy_uuid': 'c0000000-0000-4000-8000-000000000003',
             'creation_time': 'now-60h', 'end_time': 'now-27h', 'result': 'Success'}],
        'replica_job_sessions': [
            {'uuid': 'b0000000-0000-4000-8000-000000000001', 'job_uuid': 'a0000000-0000-4000-8000-000000000001',
             'creation_time': 'now-30h', 'end_time': 'now-25h', 'result': 'Success'}],
        'backup_job_sessions': [
            {'uuid': 'e0000000-0000-4000-8000-000000000001', 'job_uuid': '10000000-0000-4000-8000-000000000001',
             'creation_time': 'now-28h', 'end_time': 'now-2h', 'result': 'Success'}],
    }, now=now)


@pytest.mark.parametrize('hour', [0, 3, 9, 12, 18, 23])
def test_a_success_that_ran_longer_than_max_age_still_counts(sim, make_client, hour):
    import datetime
    now = NOW.replace(hour=hour, minute=17)
    sim.set_dataset(_long_runs(now))
    try:
        # A history of one day, so that what is read by creation time stays within the window and max_age.
        opts = compliance.Options.from_params({'lookback': '24h', 'max_age': '26h', 'history': '1d'}, now=now)
        with make_client() as em:
            data = gather(em, opts)
        report = compliance.build_report(data, opts)
        verdicts = dict((entry['name'], entry['verdict']) for entry in report['subjects'])
        # Read by end time: none of these started in the window, yet each that ended within max_age is not stale.
        assert verdicts['CDP Day Long'] != 'stale'
        assert verdicts['CDP Two Days'] != 'stale'
        assert verdicts['Slow Replication'] != 'stale'
        assert verdicts['Slow Backup'] != 'stale'
        assert verdicts['CDP Ended Too Early'] == 'stale'
        stale = [v for v in report['violations'] if v['result'] == 'Stale']
        assert [v['name'] for v in stale] == ['CDP Ended Too Early']
        # Its success ended before max_age: it is not read at all, and the message says since when none was.
        assert stale[0]['message'] == 'no successful run within 26 hours, nor since %s (as far back as was read)' % (
            (now - datetime.timedelta(hours=26)).strftime('%Y-%m-%d %H:%M:%S UTC'))
        # One query per kind still: the window and the end times in one filter.
        queries = [entry['query'] for entry in sim.request_log() if entry['path'].endswith('/query')]
        cdp = [query for query in queries if query['type'] == 'CdpReplicaSession']
        assert len(cdp) == 1 and 'EndTimeUTC>=' in cdp[0]['filter'] and 'CreationTimeUTC>=' in cdp[0]['filter']
    finally:
        sim.set_dataset(generate(seed=7, sessions=60, days=7, failure_rate=0.15, warning_rate=0.1, running=2,
                                 now=NOW))


def test_the_vms_of_replication_jobs_are_judged_named_after_their_job_and_explain_their_sessions(sim, make_client):
    sim.set_dataset(generate(seed=5, sessions=400, days=2, failure_rate=0.4, now=NOW))
    try:
        opts = options(checks=['replica_sessions', 'replica_task_sessions'], judge='every')
        with make_client() as em:
            data = gather(em, opts, page_size=500)
        queries = [entry['query']['type'] for entry in sim.request_log() if entry['path'].endswith('/query')]
        # The task sessions read for the check explain the failed sessions too: one query per type, no more.
        assert sorted(queries) == ['Job', 'ReplicaJobSession', 'ReplicaTaskSession']
        report = compliance.build_report(data, opts)
        jobs = set(job['name'] for job in sim.dataset.replica_jobs)
        vms = [entry for entry in report['subjects'] if entry['check'] == 'replica_task_sessions']
        assert vms and all(entry['kind'] == 'replica_job_vm' and entry['parent'] in jobs for entry in vms)
        failed_tasks = [v for v in report['violations'] if v['kind'] == 'replica_task_session']
        assert failed_tasks and all(v['parent'] in jobs and v['message'] != compliance.NO_REASON for v in failed_tasks)
        assert all(v['message'] != compliance.NO_REASON for v in report['violations'])
    finally:
        sim.set_dataset(generate(seed=7, sessions=60, days=7, failure_rate=0.15, warning_rate=0.1, running=2,
                                 now=NOW))
