"""The session_events source against the EM simulator over HTTPS, driven as ansible-rulebook drives it:
``main(queue, args)`` as an asyncio task, a list-backed queue, cancellation to stop it."""

import asyncio
import datetime
import json
import logging
import os

import pytest

from conftest import (PASSWORD, USERNAME, expected_failed, failed_cdp_session, fast_polls, query_count, stop,
                      wait_for, wait_for_polls)

pytestmark = pytest.mark.asyncio(loop_scope='function')

UTC = datetime.timezone.utc


async def test_a_failure_appearing_between_polls_is_emitted_exactly_once(source, sim, queue, args):
    task = asyncio.create_task(source.main(queue, args))
    try:
        await wait_for_polls(sim, 2)
        assert queue.events == [], 'old failures were sent although emit_existing is false'
        record = failed_cdp_session(sim, ended_ago=5)
        sim.add_records('cdp_replica_sessions', [record])
        uid = 'urn:veeam:CdpReplicaSession:%s' % record['uuid']
        await wait_for(lambda: uid in queue.uids(), what='the new failure')
        seen_at = query_count(sim, 'CdpReplicaSession')
        await wait_for_polls(sim, seen_at + 3)
        assert queue.uids() == [uid]
        assert sim.open_logon_sessions() == 1, 'one logon kept across polls'
    finally:
        await stop(task)

    event = queue.events[0]['veeam_em']
    assert event['em'] == '127.0.0.1' and event['kind'] == 'cdp_replica_sessions'
    # The same keys and values the info module returns for this session (both come from the client).
    utils = source.load_module_utils()
    client = utils['_client'].EMClient('127.0.0.1', port=sim.port, username=USERNAME, password=PASSWORD,
                                       ca_path=sim.ca_path, timeout=10)
    with client:
        expected = client.get_entity(utils['_resources'].CDP_REPLICA_SESSION, record['uuid'])
    assert {k: v for k, v in event.items() if k not in ('em', 'kind')} == expected
    assert event['result'] == 'Failed' and event['failure_message'] == record['failure_message']
    assert event['end_time_utc'] and event['policy_name'] == sim.dataset.cdp_policies[0]['name']
    assert 'meta' not in queue.events[0]


async def test_a_late_imported_session_is_still_emitted(source, sim, queue, args):
    """EM imports from its backup servers every 15 minutes: a session that ended before the previous poll
    becomes visible only now. The look-back window still covers it."""
    task = asyncio.create_task(source.main(queue, args))
    try:
        await wait_for_polls(sim, 2)
        late = failed_cdp_session(sim, ended_ago=20 * 60, created_ago=50 * 60)
        sim.add_records('cdp_replica_sessions', [late])
        uid = 'urn:veeam:CdpReplicaSession:%s' % late['uuid']
        await wait_for(lambda: uid in queue.uids(), what='the late session')
        await wait_for_polls(sim, query_count(sim, 'CdpReplicaSession') + 2)
        assert queue.uids() == [uid]
    finally:
        await stop(task)


async def test_emit_existing_false_sends_no_old_failures(source, sim, queue, args):
    args['kinds'] = ['cdp_replica_sessions', 'cdp_replica_task_sessions', 'replica_sessions']
    old = set()
    for kind in ('cdp_replica_sessions', 'cdp_replica_task_sessions', 'replica_job_sessions'):
        old |= expected_failed(sim, kind, 3600 - 60)
    assert len(old) >= 3, 'the data set must have recent failures for this test to mean anything'
    task = asyncio.create_task(source.main(queue, args))
    try:
        await wait_for_polls(sim, 3)
        assert queue.events == []
    finally:
        await stop(task)


async def test_emit_existing_true_sends_each_old_failure_once(source, sim, queue, args):
    args.update(emit_existing=True, kinds=['cdp_replica_sessions', 'cdp_replica_task_sessions', 'replica_sessions'])
    expected = set()
    for kind in ('cdp_replica_sessions', 'cdp_replica_task_sessions', 'replica_job_sessions'):
        expected |= expected_failed(sim, kind, 3600 - 60)
    task = asyncio.create_task(source.main(queue, args))
    try:
        await wait_for_polls(sim, 3)
    finally:
        await stop(task)
    uids = queue.uids()
    assert len(uids) == len(set(uids))
    # Sessions ending at the window's edge may fall either side of it, depending on the second the poll ran.
    edge = 3600 + 120
    assert expected <= set(uids) <= expected | expected_failed(sim, 'cdp_replica_sessions', edge) | \
        expected_failed(sim, 'cdp_replica_task_sessions', edge) | expected_failed(sim, 'replica_job_sessions', edge)
    kinds = {event['veeam_em']['kind'] for event in queue.events}
    assert kinds == {'cdp_replica_sessions', 'cdp_replica_task_sessions', 'replica_sessions'}
    assert all(event['veeam_em']['result'] == 'Failed' and event['veeam_em']['end_time_utc'] for event in queue.events)
    tasks = [event['veeam_em'] for event in queue.events if event['veeam_em']['kind'] == 'cdp_replica_task_sessions']
    assert all(task_event['vm_display_name'] and task_event['reason'] for task_event in tasks)
    ends = [event['veeam_em']['end_time_utc'] for event in queue.events]
    assert ends == sorted(ends), 'events go out in the order the sessions ended'


async def test_nothing_is_emitted_twice_across_a_restart_with_state_file(source, sim, args, tmp_path, queue):
    state = tmp_path / 'state.json'
    args['state_file'] = str(state)
    first = failed_cdp_session(sim, ended_ago=5)
    task = asyncio.create_task(source.main(queue, args))
    try:
        await wait_for_polls(sim, 2)
        sim.add_records('cdp_replica_sessions', [first])
        await wait_for(lambda: len(queue.events) == 1, what='the first failure')
        await wait_for_polls(sim, query_count(sim, 'CdpReplicaSession') + 1)
    finally:
        await stop(task)
    saved = json.loads(state.read_text(encoding='utf-8'))
    assert 'urn:veeam:CdpReplicaSession:%s|Failed' % first['uuid'] in saved['seen']
    assert sorted(os.listdir(tmp_path)) == ['state.json'], 'no temporary file left behind'

    # While the source is down, another session fails: the restarted source sends it, and only it.
    second = failed_cdp_session(sim, ended_ago=2)
    sim.add_records('cdp_replica_sessions', [second])
    again = type(queue)()
    task = asyncio.create_task(source.main(again, args))
    try:
        start = query_count(sim, 'CdpReplicaSession')
        await wait_for(lambda: len(again.events) == 1, what='the failure that happened while stopped')
        await wait_for_polls(sim, start + 3)
    finally:
        await stop(task)
    assert queue.uids() == ['urn:veeam:CdpReplicaSession:%s' % first['uuid']]
    assert again.uids() == ['urn:veeam:CdpReplicaSession:%s' % second['uuid']]


async def test_an_expired_token_gets_one_new_logon(source, sim, queue, args, caplog, monkeypatch):
    sim.set_config(token_idle_timeout=0.4)
    fast_polls(monkeypatch, 0.8)
    task = asyncio.create_task(source.main(queue, args))
    try:
        await wait_for_polls(sim, 3)
        record = failed_cdp_session(sim, ended_ago=5)
        sim.add_records('cdp_replica_sessions', [record])
        await wait_for(lambda: len(queue.events) == 1, what='an event after the token expired')
    finally:
        await stop(task)
    log = sim.request_log()
    logons = [entry for entry in log if entry['method'] == 'POST' and 'sessionmngr' in entry['path'].lower()]
    refused = [entry for entry in log if entry['status'] == 401]
    assert len(logons) >= 3 and len(refused) >= 2, 'each poll met an expired token and logged on again'
    assert len(logons) == len(refused) + 1, 'exactly one new logon per expired token'
    assert any('logging on again' in record.getMessage() for record in caplog.records)
    assert sim.open_logon_sessions() == 0


async def test_cancellation_logs_out(source, sim, queue, args):
    task = asyncio.create_task(source.main(queue, args))
    await wait_for_polls(sim, 1)
    await wait_for(lambda: sim.open_logon_sessions() == 1, what='the logon')
    await stop(task)
    assert task.cancelled()
    assert sim.open_logon_sessions() == 0
    assert any(entry['method'] == 'DELETE' and entry['status'] == 204 for entry in sim.request_log())


async def test_cancellation_during_a_poll_logs_out_once_it_ends(source, sim, queue, args):
    sim.set_faults(delay=0.5)
    task = asyncio.create_task(source.main(queue, args))
    await wait_for(lambda: sim.open_logon_sessions() == 1, what='the logon')
    await asyncio.sleep(0.1)  # the query is on its way
    await stop(task)
    assert sim.open_logon_sessions() == 0


async def test_transient_errors_are_logged_and_retried_next_poll(source, sim, queue, args, caplog):
    caplog.set_level(logging.WARNING)
    task = asyncio.create_task(source.main(queue, args))
    try:
        await wait_for_polls(sim, 2)
        sim.set_faults(status={'code': 503, 'count': 2, 'path_contains': '/query'})
        record = failed_cdp_session(sim, ended_ago=5)
        sim.add_records('cdp_replica_sessions', [record])
        await wait_for(lambda: len(queue.events) == 1, what='the event after the server recovered')
        assert not task.done()
    finally:
        await stop(task)
    warnings = [r.getMessage() for r in caplog.records if 'poll failed' in r.getMessage()]
    assert len(warnings) == 2 and all('503' in message for message in warnings)
    assert all(PASSWORD not in r.getMessage() for r in caplog.records)


async def test_an_unreachable_em_is_retried_not_fatal(source, sim, queue, args, caplog):
    caplog.set_level(logging.WARNING)
    sim.set_faults(drop={'count': 2})
    task = asyncio.create_task(source.main(queue, args))
    try:
        await wait_for_polls(sim, 2)
        assert not task.done()
    finally:
        await stop(task)
    assert any('poll failed' in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize('change, words', [
    ({'password': 'Wrong-But-Long-Pa55word'}, ['401', 'username and password']),
    ({'username': 'TECH\\restore.operator', 'password': 'Op3rator-Pa55w0rd'}, ['403', 'Portal Administrator']),
    ({'ca_path': None, 'validate_certs': True}, ['TLS', 'ca_path']),
])
async def test_configuration_errors_end_the_source_at_once(source, sim, queue, args, change, words, monkeypatch):
    monkeypatch.delenv('VEEAM_EM_CA_PATH', raising=False)
    args.update(change)
    fast_polls(monkeypatch, 60)
    with pytest.raises(source.ConfigurationError) as info:
        await asyncio.wait_for(source.main(queue, args), 15)
    message = str(info.value)
    assert all(word in message for word in words), message
    assert args['password'] not in message
    assert sim.open_logon_sessions() == 0


@pytest.mark.parametrize('change, words', [
    ({'kinds': ['backup_jobs']}, ['kinds', 'backup_jobs']),
    ({'results': ['Broken']}, ['results', 'Broken']),
    ({'interval': 'soon'}, ['interval', 'soon']),
    ({'interval': '2h', 'ended_within': '1h'}, ['ended_within', 'shorter than interval']),
    ({'port': 70000}, ['port', '70000']),
    ({'host': None}, ['host', 'VEEAM_EM_HOST']),
    ({'validate_certs': 'maybe'}, ['validate_certs', 'maybe']),
    ({'state_file': '/nonexistent/dir/state.json'}, ['state_file', '/nonexistent/dir']),
    ({'lookback_hours': 2}, ['unknown argument', 'lookback_hours']),
    # An unknown argument names the closest known one; lookback (by creation time elsewhere) names ended_within.
    ({'intervall': '5m'}, ['unknown argument intervall', 'did you mean interval?']),
    ({'ended_withn': '2h'}, ['unknown argument ended_withn', 'did you mean ended_within?']),
    ({'emit_existng': True}, ['did you mean emit_existing?']),
    ({'lookback': '2h'}, ['unknown argument lookback', 'ended_within']),
    ({'xyzzy': 1}, ['unknown argument xyzzy', 'known:', 'ended_within']),
    # Ages are <integer><s|m|h|d|w>: no fractions, a unit always.
    ({'ended_within': '1.5h'}, ['ended_within', "'1.5h' is not an age", 'units s, m, h, d, w']),
    ({'interval': 300}, ['interval', 'For seconds, write 300s']),
    ({'interval': '300'}, ['interval', 'For seconds, write 300s']),
    ({'ended_within': '2y'}, ['ended_within', 'not an age']),
    ({'ended_within': '0h'}, ['ended_within', 'not a positive age']),
])
async def test_bad_arguments_are_named_before_any_request(source, sim, queue, args, change, words, monkeypatch):
    monkeypatch.delenv('VEEAM_EM_HOST', raising=False)
    args.update(change)
    with pytest.raises(source.ConfigurationError) as info:
        await source.main(queue, args)
    assert all(word in str(info.value) for word in words), str(info.value)
    assert sim.request_log() == []


async def test_meta_hosts_limits_the_playbook(source, sim, queue, args):
    args.update(hosts=['vbr01', 'vbr02'], emit_existing=True)
    assert expected_failed(sim, 'cdp_replica_sessions', 3600 - 60)
    task = asyncio.create_task(source.main(queue, args))
    try:
        await wait_for(lambda: queue.events, what='an event')
    finally:
        await stop(task)
    assert all(event['meta'] == {'hosts': ['vbr01', 'vbr02']} for event in queue.events)


class StuckQueue:
    """A queue that takes one event and then blocks, as a full queue of a busy rulebook does."""

    def __init__(self):
        self.events = []
        self.stuck = asyncio.Event()

    async def put(self, event):
        if self.events:
            self.stuck.set()
            await asyncio.Event().wait()
        self.events.append(event)


async def test_an_event_not_yet_queued_when_cancelled_is_sent_after_a_restart(source, sim, args, tmp_path, queue):
    """Sessions are remembered only once their event is on the queue: a stop never loses an event."""
    args.update(state_file=str(tmp_path / 'state.json'), emit_existing=True)
    assert len(expected_failed(sim, 'cdp_replica_sessions', 3600 - 60)) >= 2
    expected = expected_failed(sim, 'cdp_replica_sessions', 3600 - 60)
    stuck = StuckQueue()
    task = asyncio.create_task(source.main(stuck, args))
    try:
        await asyncio.wait_for(stuck.stuck.wait(), 20)
    finally:
        await stop(task)
    assert len(stuck.events) == 1
    task = asyncio.create_task(source.main(queue, args))
    try:
        await wait_for(lambda: queue.events, what='the events not queued before the stop')
        await wait_for_polls(sim, query_count(sim, 'CdpReplicaSession') + 2)
    finally:
        await stop(task)
    first = stuck.events[0]['veeam_em']['uid']
    assert first not in queue.uids()
    assert len(queue.uids()) == len(set(queue.uids())) >= 1
    assert set(queue.uids()) | {first} >= expected
    assert sim.open_logon_sessions() == 0


async def test_backup_sessions_and_their_task_sessions_are_watched(source, sim, queue, args):
    """Issue 14: backup job sessions (every job type EM lists) and backup task sessions are kinds too."""
    args.update(emit_existing=True, kinds=['backup_sessions', 'backup_task_sessions'])
    since = datetime.datetime.now(UTC) - datetime.timedelta(seconds=3600 - 60)
    expected = {'urn:veeam:BackupJobSession:%s' % item['uuid'] for item in sim.dataset.backup_job_sessions
                if item['result'] == 'Failed' and item['end_time'] is not None and item['end_time'] >= since}
    assert expected, 'the data set must have recent backup failures for this test to mean anything'
    task = asyncio.create_task(source.main(queue, args))
    try:
        await wait_for_polls(sim, 2, query_type='BackupJobSession')
    finally:
        await stop(task)
    sessions = [event['veeam_em'] for event in queue.events if event['veeam_em']['kind'] == 'backup_sessions']
    tasks = [event['veeam_em'] for event in queue.events if event['veeam_em']['kind'] == 'backup_task_sessions']
    assert expected <= {event['uid'] for event in sessions}
    assert all(event['job_name'] and event['result'] == 'Failed' and 'failure_message' in event for event in sessions)
    assert tasks and all(event['vm_display_name'] and event['job_session_uid'] for event in tasks)
    assert all(event['uid'].startswith('urn:veeam:BackupTaskSession:') for event in tasks)
