"""The simulator's /_sim/records control endpoint, which the end-to-end test uses to add a session while
ansible-rulebook runs: records are appended to the running data set and answered by the query service."""

import requests

from conftest import PASSWORD, USERNAME, failed_cdp_session


def test_records_are_appended_and_queryable(sim, source):
    before = sim.dataset.counts()['cdp_replica_sessions']
    record = failed_cdp_session(sim, ended_ago=30)
    answer = requests.post(sim.base_url + '/_sim/records', json={'kind': 'cdp_replica_sessions', 'records': [record]},
                           verify=sim.ca_path, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()['cdp_replica_sessions'] == before + 1
    added = sim.dataset.get('cdp_replica_sessions', record['uuid'])
    assert added['policy_name'] == sim.dataset.cdp_policies[0]['name'], 'the parent name is filled in'
    assert added['backup_server_name'], 'the backup server is taken from the policy'

    utils = source.load_module_utils()
    client = utils['_client'].EMClient('127.0.0.1', port=sim.port, username=USERNAME, password=PASSWORD,
                                       ca_path=sim.ca_path, timeout=10)
    with client:
        found = list(client.query(utils['_resources'].CDP_REPLICA_SESSION,
                                  [utils['_query'].Condition('Id', '==', record['uuid'])]))
    assert [item['uid'] for item in found] == ['urn:veeam:CdpReplicaSession:%s' % record['uuid']]
    assert found[0]['result'] == 'Failed' and found[0]['end_time_utc']


def test_bad_records_are_refused(sim):
    for payload in ({'kind': 'sessions', 'records': []}, {'kind': 'cdp_replica_sessions', 'records': 'x'}):
        answer = requests.post(sim.base_url + '/_sim/records', json=payload, verify=sim.ca_path, timeout=10)
        assert answer.status_code == 400 and answer.json()['error'], payload


def test_a_record_without_uuid_gets_one(sim):
    """tests/simulator/README.md: missing keys are filled in. A record without ``uuid`` was answered
    ``{"error": "'uuid'"}``; now it gets a new uuid and is queryable like any other."""
    before = sim.dataset.counts()['cdp_replica_sessions']
    record = failed_cdp_session(sim, ended_ago=30, message='Error: added without a uuid')
    del record['uuid']
    answer = requests.post(sim.base_url + '/_sim/records', json={'kind': 'cdp_replica_sessions', 'records': [record]},
                           verify=sim.ca_path, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()['cdp_replica_sessions'] == before + 1
    added = [item for item in sim.dataset.cdp_replica_sessions if item['failure_message'] == 'Error: added without a uuid']
    assert len(added) == 1 and len(added[0]['uuid']) == 36
    assert sim.dataset.get('cdp_replica_sessions', added[0]['uuid']) is added[0]


def test_a_backup_session_record_gets_its_jobs_name(sim):
    job = sim.dataset.backup_jobs[0]
    answer = requests.post(sim.base_url + '/_sim/records', verify=sim.ca_path, timeout=10, json={
        'kind': 'backup_job_sessions',
        'records': [{'job_uuid': job['uuid'], 'result': 'Failed', 'end_time': 'now', 'creation_time': 'now-5m'}]})
    assert answer.status_code == 200, answer.text
    added = sim.dataset.backup_job_sessions[-1]
    assert added['job_name'] == job['name'] and added['backup_server_name'] and added['uuid']


def test_a_session_may_name_its_job_instead_of_its_uuid(sim):
    job = sim.dataset.replica_jobs[1]
    answer = requests.post(sim.base_url + '/_sim/records', verify=sim.ca_path, timeout=10, json={
        'kind': 'replica_job_sessions', 'records': [{'job_name': job['name'], 'result': 'Failed', 'end_time': 'now'}]})
    assert answer.status_code == 200, answer.text
    added = sim.dataset.replica_job_sessions[-1]
    assert added['job_uuid'] == job['uuid'] and added['backup_server_name'] == job['backup_server_name']
