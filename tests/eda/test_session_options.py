"""The source's arguments and its memory of sent sessions, driven directly (no event loop needed)."""

import datetime
import json
import subprocess
import sys

import pytest

from conftest import PASSWORD, SOURCE_PATH, USERNAME, failed_cdp_session

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
    assert options['interval'] == 300 and options['ended_within'] == 3600
    assert options['kinds'] == ['backup_sessions', 'backup_task_sessions', 'replica_sessions', 'cdp_replica_sessions',
                                'cdp_replica_task_sessions']
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


def test_documentation_matches_the_arguments_and_their_defaults(source):
    """DOCUMENTATION (what ansible-doc and the Galaxy importer read) names exactly the accepted arguments."""
    import yaml  # pylint: disable=import-outside-toplevel
    utils = source.load_module_utils()
    documented = yaml.safe_load(source.DOCUMENTATION)['options']
    connection = source.source_connection_options(utils['_connection'])
    own = {'kinds', 'results', 'interval', 'ended_within', 'emit_existing', 'state_file', 'hosts'}
    assert set(source.OWN_ARGUMENTS) == own
    assert set(documented) == set(connection) | own
    for name, definition in connection.items():
        assert documented[name]['type'] == definition['type'], name
        assert documented[name].get('default') == definition.get('default'), name
        assert bool(documented[name].get('required')) == bool(definition.get('required')), name
        if definition.get('env'):
            assert definition['env'] in ' '.join(documented[name]['description']), name
    assert sorted(documented['kinds']['choices']) == sorted(source.event_kinds(utils))
    assert documented['kinds']['default'] == source.default_kinds(utils)
    assert documented['results']['default'] == list(source.DEFAULT_RESULTS)
    assert documented['interval']['default'] == source.DEFAULT_INTERVAL
    assert documented['ended_within']['default'] == source.DEFAULT_ENDED_WITHIN
    assert yaml.safe_load(source.EXAMPLES)[0]['sources'][0]['veeam.enterprise_manager.session_events']


def test_the_source_needs_nothing_from_ansible(sim):
    """ansible-rulebook runs sources with runpy: the source and the module_utils it loads must work with
    ``ansible`` and ``ansible_collections`` absent. A fresh interpreter that refuses both runs one poll."""
    script = r'''
import asyncio, importlib.abc, importlib.util, json, sys

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('ansible', 'ansible_collections'):
            raise ImportError('%s may not be imported here' % name)
        return None

sys.meta_path.insert(0, Refuse())
spec = importlib.util.spec_from_file_location('session_events', sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
utils = module.load_module_utils()
options = module.parse_options(json.loads(sys.argv[2]), {}, utils)
poller = module.SessionPoller(utils, options)
events = poller.poll()
poller.close()
print(json.dumps({'events': len(events), 'ansible': sorted(m for m in sys.modules if m.startswith('ansible'))}))
'''
    args = {'host': '127.0.0.1', 'port': sim.port, 'username': USERNAME, 'password': PASSWORD,
            'ca_path': sim.ca_path, 'emit_existing': True, 'kinds': ['cdp_replica_sessions']}
    done = subprocess.run([sys.executable, '-c', script, SOURCE_PATH, json.dumps(args)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result['ansible'] == []
    assert result['events'] >= 1
    assert sim.open_logon_sessions() == 0


def test_every_string_of_an_event_is_inert(source, sim, args):
    """Names and messages from EM reach the event with each Jinja opening broken ('{{' -> '{ {'); the
    memory keys (what the state file holds) keep the UID as EM gives it."""
    utils = source.load_module_utils()
    record = failed_cdp_session(sim, ended_ago=1, message="{% for x in range(3) %}{{ x }}{% endfor %} {# c #}")
    sim.add_records('cdp_replica_sessions', [record])
    poller = source.SessionPoller(utils, source.parse_options(dict(args, emit_existing=True, hosts=['h{{1}}']), {}, utils))
    try:
        events = poller.poll()
    finally:
        poller.close()
    event = next(e for e in events if e['veeam_em']['uid'].endswith(record['uuid']))
    assert event['veeam_em']['failure_message'] == '{ % for x in range(3) %}{ { x }}{ % endfor %} { # c #}'
    assert event['meta'] == {'hosts': ['h{ {1}}']}
    for one in events:
        text = json.dumps(one)
        assert '{{' not in text and '{%' not in text and '{#' not in text
    assert 'urn:veeam:CdpReplicaSession:%s|Failed' % record['uuid'] in poller.seen.keys
