"""A logon session shared by many clients (the session option), and the backup resources, against the simulator.

A borrowing client neither logs on nor logs out; when EM refuses the borrowed token it logs on for itself if it
has credentials (and warns), and otherwise fails saying why, without ever logging out the shared session.
"""

import time

import pytest
from conftest import PASSWORD, USERNAME

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _errors as errors
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._connection import (
    CONNECTION_OPTIONS, check_connection_options, client_from_params)
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._query import Condition
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import (
    BACKUP_JOB_SESSION, BACKUP_TASK_SESSION, REPLICA_JOB_SESSION)


# The simulator is shared with the other functional tests, and a late request of an earlier test may still
# land in its log: these tests look only at the requests made after the shared session was opened.
MARK = {'log': 0}


def api(sim, path_start, method=None):
    return [entry for entry in sim.request_log()[MARK['log']:]
            if entry['path'].startswith(path_start) and (method is None or entry['method'] == method)]


def logons(sim):
    return api(sim, '/api/sessionMngr', 'POST')


def logouts(sim):
    return api(sim, '/api/logonSessions/', 'DELETE')


@pytest.fixture
def shared(sim, make_client):
    """A logon session handed over by a client that has closed: ``(client base_url, token, session_id)``."""
    sim.set_faults(expire_tokens=True)
    with make_client() as opener:
        token, session_id = opener.handover()
        base_url = opener.base_url
    MARK['log'] = len(sim.request_log())
    assert sim.open_logon_sessions() == 1
    yield base_url, token, session_id
    sim.set_faults(expire_tokens=True)
    MARK['log'] = 0


def test_handover_keeps_the_session_open_and_borrowers_never_log_on_or_out(sim, make_client, shared, warnings):
    dummy, token, session_id = shared
    for dummy_run in range(5):
        with make_client(username=None, password=None, session_token=token, session_id=session_id) as client:
            assert len(list(client.query(REPLICA_JOB_SESSION, limit=2))) == 2
    assert logons(sim) == [] and logouts(sim) == []
    assert sim.open_logon_sessions() == 1
    assert warnings.warnings == []
    queried = api(sim, '/api/query')
    assert len(queried) == 5 and {entry['status'] for entry in queried} == {200}


def test_refused_session_with_credentials_logs_on_warns_and_logs_out_its_own(sim, make_client, shared, warnings):
    dummy, token, session_id = shared
    sim.set_faults(expire_tokens=True)
    with make_client(session_token=token, session_id=session_id) as client:
        items = list(client.query(REPLICA_JOB_SESSION, limit=3))
        own_session_id = client.session_id
    assert len(items) == 3
    # GET refused, its own logon, GET again, its own logout (counted by the client: the simulator's log may
    # also hold a late request of an earlier test).
    assert client.request_count == 4
    assert [entry['status'] for entry in api(sim, '/api/query')] == [401, 200]
    # Its own logon session is logged out; the shared one (already gone) is never the one deleted.
    deleted = [entry['path'] for entry in logouts(sim)]
    assert deleted == ['/api/logonSessions/%s' % own_session_id] and own_session_id != session_id
    assert any('shared logon session' in warning and 'carries on' in warning for warning in warnings.warnings)


def test_refused_session_without_credentials_fails_and_says_why(sim, make_client, shared):
    dummy, token, session_id = shared
    sim.set_faults(expire_tokens=True)
    with pytest.raises(errors.EMAuthenticationError) as caught:
        with make_client(username=None, password=None, session_token=token, session_id=session_id) as client:
            list(client.query(REPLICA_JOB_SESSION, limit=3))
    text = str(caught.value)
    assert 'HTTP 401' in text and 'shared logon session' in text and '15 idle minutes' in text
    assert 'logon_session' in text and 'username and password' in text
    assert token not in text
    assert logons(sim) == [] and logouts(sim) == []


def test_idle_timeout_mid_play(sim, make_client, shared):
    """The simulator's idle timeout, not a fault: the token simply gets too old between two tasks."""
    dummy, token, session_id = shared
    sim.set_config(token_idle_timeout=1)
    time.sleep(1.3)
    with pytest.raises(errors.EMAuthenticationError):
        with make_client(username=None, password=None, session_token=token, session_id=session_id) as client:
            client.get_entity(REPLICA_JOB_SESSION, '00000000-0000-4000-8000-000000000000')


def params_for(sim, **changes):
    params = dict((name, option.get('default')) for name, option in CONNECTION_OPTIONS.items())
    params.update(host='127.0.0.1', port=sim.port, username=USERNAME, password=PASSWORD, ca_path=sim.ca_path)
    params.update(changes)
    return params


def test_client_from_params_talks_to_the_session_server_with_its_tls_settings(sim, shared, warnings):
    base_url, token, session_id = shared
    session = dict(url=base_url, token=token, session_id=session_id, validate_certs=True, ca_path=sim.ca_path)
    # The module-level port and ca_path are wrong on purpose: the session's own are used.
    params = params_for(sim, host=None, username=None, password=None, port=1, ca_path=None, session=session)
    assert check_connection_options(dict(params, port=sim.port)) is None
    with client_from_params(params, warnings) as client:
        assert client.base_url == base_url
        assert list(client.query(BACKUP_JOB_SESSION, limit=1))
    assert logons(sim) == [] and logouts(sim) == []


# -- backup resources -----------------------------------------------------------------------------

@pytest.mark.parametrize('resource', [BACKUP_JOB_SESSION, BACKUP_TASK_SESSION], ids=lambda resource: resource.query_type)
def test_backup_resources_read_the_same_in_every_wire_format(sim, make_client, resource):
    results = []
    for wire_format, style in (('xml', 'em13'), ('json', 'em12'), ('json', 'em13')):
        sim.set_config(json_style=style)
        with make_client(wire_format=wire_format) as client:
            results.append(list(client.query(resource, sort_desc=resource.time_field, page_size=25)))
    assert len(results[0]) > 25 and results[0] == results[1] == results[2]


def test_backup_sessions_match_the_data_set(sim, make_client, dataset):
    with make_client() as client:
        sessions = list(client.query(BACKUP_JOB_SESSION, [Condition('JobType', '==', ['Backup', 'NasBackup'])]))
        picked = sessions[0]
        tasks = list(client.query(BACKUP_TASK_SESSION, [Condition('JobSessionUid', '==', picked['uid'])]))
        entity = client.get_entity(BACKUP_JOB_SESSION, picked['id'])
    expected = [s for s in dataset.backup_job_sessions if s['job_type'] in ('Backup', 'NasBackup')]
    assert sorted(s['id'] for s in sessions) == sorted(s['uuid'] for s in expected)
    assert sorted(t['id'] for t in tasks) == sorted(t['uuid'] for t in dataset.tasks_of(picked['id']))
    assert {t['job_session_id'] for t in tasks} == {picked['id']}
    assert entity == picked
