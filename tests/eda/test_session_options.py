"""The source's arguments and its memory of sent sessions, driven directly (no event loop needed)."""

import datetime

import pytest

from conftest import failed_cdp_session

UTC = datetime.timezone.utc


def test_connection_options_fall_back_to_veeam_em_variables(source, sim):
    utils = source.load_module_utils()
    environ = {'VEEAM_EM_HOST': 'em.example.com', 'VEEAM_EM_PORT': '9399', 'VEEAM_EM_USERNAME': 'EXAMPLE\\svc',
               'VEEAM_EM_PASSWORD': 'Env-Pa55word-Long', 'VEEAM_EM_VALIDATE_CERTS': 'no'}
    options = source.parse_options({'interval': '5m', 'ca_path': ''}, environ, utils)
    connection = options['connection']
    assert (connection['host'], connection['port'], connection['username'], connection['password']) == (
        'em.example.com', 9399, 'EXAMPLE\\svc', 'Env-Pa55word-Long')
    assert connection['validate_certs'] is False
    assert options['interval'] == 300 and options['lookback'] == 3600
    assert options['kinds'] == ['cdp_replica_sessions', 'cdp_replica_task_sessions', 'replica_sessions']
    assert options['results'] == ['Failed'] and options['emit_existing'] is False
    # An argument wins over its variable.
    assert source.parse_options({'host': 'em2', 'port': 1234}, environ, utils)['connection']['port'] == 1234
    with pytest.raises(source.ConfigurationError, match='port .from VEEAM_EM_PORT.'):
        source.parse_options({}, dict(environ, VEEAM_EM_PORT='ninety'), utils)
    # ansible-rulebook's own arguments are not the user's.
    assert source.parse_options({'eda_feedback_queue': object()}, environ, utils)


def test_the_memory_of_sent_sessions_is_bounded_by_age(source, sim, args):
    """Keys older than twice the look-back window are forgotten: no later window reaches them."""
    utils = source.load_module_utils()
    poller = source.SessionPoller(utils, source.parse_options(dict(args, emit_existing=True), {}, utils))
    try:
        now = datetime.datetime.now(UTC)
        first = poller.poll(now)
        assert first and len(poller.seen.keys) == len(first)
        record = failed_cdp_session(sim, ended_ago=1)
        sim.add_records('cdp_replica_sessions', [record])
        # 50 minutes on, the window starts 10 minutes before the first poll: only the new failure is sent,
        # and the old keys are all kept (the memory spans twice the window).
        second = poller.poll(now + datetime.timedelta(minutes=50))
        assert [event['veeam_em']['uid'] for event in second] == ['urn:veeam:CdpReplicaSession:%s' % record['uuid']]
        assert len(poller.seen.keys) == len(first) + 1
        # Two and a half hours on, every session ended before the memory's horizon: all forgotten.
        assert poller.poll(now + datetime.timedelta(hours=2, minutes=30)) == []
        assert poller.seen.keys == {}
    finally:
        poller.close()
    assert sim.open_logon_sessions() == 0
