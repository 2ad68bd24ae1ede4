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
