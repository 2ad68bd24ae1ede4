"""The client against the EM simulator over real HTTPS: logon, paging, filters, retries, errors, secrets."""

import itertools
import logging
import time

import pytest

from conftest import PASSWORD, RESTRICTED_PASSWORD, RESTRICTED_USERNAME, USERNAME

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _errors as errors
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._query import Condition
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import (
    CDP_REPLICA_SESSION, CDP_REPLICA_TASK_SESSION, REPLICA_JOB_SESSION, REPLICA_TASK_SESSION)


def api_requests(sim, path_part=''):
    return [entry for entry in sim.request_log() if path_part in entry['path']]


def queries(sim):
    return api_requests(sim, '/api/query')


def newest_first(records):
    return sorted(records, key=lambda record: record['creation_time'], reverse=True)


# -- logon and logout ---------------------------------------------------------------------------------

def test_logon_and_logout_leave_no_session_open(sim, make_client):
    with make_client() as client:
        assert client.logged_on
        assert sim.open_logon_sessions() == 1
        first = next(client.query(CDP_REPLICA_SESSION, limit=1))
        assert first['uid'].startswith('urn:veeam:CdpReplicaSession:')
    assert sim.open_logon_sessions() == 0
    logons = api_requests(sim, '/api/sessionMngr')
    assert [entry['method'] for entry in logons] == ['POST']
    assert logons[0]['query'] == {'v': 'latest'}
    assert [entry['status'] for entry in api_requests(sim, '/api/logonSessions/')] == [204]


@pytest.mark.parametrize('failure', ['not_found', 'malformed', 'server_error', 'forbidden', 'exception'])
def test_logout_happens_after_every_failure(sim, make_client, failure):
    username, password = (RESTRICTED_USERNAME, RESTRICTED_PASSWORD) if failure == 'forbidden' else (USERNAME, PASSWORD)
    if failure == 'malformed':
        sim.set_faults(malformed={'count': 1, 'path_contains': '/query'})
    if failure == 'server_error':
        sim.set_faults(status={'code': 500, 'count': 1, 'path_contains': '/query'})
    with pytest.raises((errors.EMError, RuntimeError)):
        with make_client(username=username, password=password) as client:
            if failure == 'not_found':
                client.get_entity(CDP_REPLICA_SESSION, '00000000-0000-4000-8000-000000000000')
            elif failure == 'exception':
                raise RuntimeError('the caller failed half-way')
            else:
                list(client.query(CDP_REPLICA_SESSION))
    assert sim.open_logon_sessions() == 0


def test_logon_sends_no_body_and_no_content_type(sim, make_client):
    # The simulator, like EM 13, answers 415 to a logon with a body or a Content-Type.
    with make_client():
        pass
    assert api_requests(sim, '/api/sessionMngr')[0]['status'] == 201


def test_domain_user_and_password_with_any_characters(sim, make_client):
    with make_client(username=RESTRICTED_USERNAME, password=RESTRICTED_PASSWORD) as client:
        assert client.session_id
    assert sim.open_logon_sessions() == 0


def test_wrong_password_is_an_authentication_error_with_a_hint(sim, make_client):
    with pytest.raises(errors.EMAuthenticationError) as caught:
        with make_client(password='Not-The-Right-Pa55word!'):
            pass
    message = str(caught.value)
    assert 'POST /api/sessionMngr/?v=latest' in message
    assert 'HTTP 401' in message
    assert 'username and password' in message
    assert 'Not-The-Right-Pa55word!' not in message
    assert sim.open_logon_sessions() == 0


def test_forbidden_names_the_em_role(sim, make_client):
    with pytest.raises(errors.EMPermissionError) as caught:
        with make_client(username=RESTRICTED_USERNAME, password=RESTRICTED_PASSWORD) as client:
            list(client.query(CDP_REPLICA_SESSION))
    message = str(caught.value)
    assert 'HTTP 403' in message and 'GET /api/query' in message
    assert 'Portal Administrator' in message


def test_logon_404_points_at_the_port(sim, make_client):
    sim.set_faults(status={'code': 404, 'count': 1, 'path_contains': '/sessionMngr'})
    with pytest.raises(errors.EMNotFoundError) as caught:
        with make_client():
            pass
    assert '9419' in str(caught.value) and '9398' in str(caught.value)


def test_failed_logout_warns_and_keeps_the_data(sim, make_client, warnings):
    with make_client() as client:
        items = list(client.query(REPLICA_JOB_SESSION, limit=3))
        sim.set_faults(status={'code': 500, 'count': 1, 'path_contains': '/logonSessions/'})
    assert len(items) == 3
    assert any('Logout failed' in warning for warning in warnings.warnings)


def test_expired_token_gets_one_fresh_logon(sim, make_client, dataset, warnings):
    with make_client() as client:
        pages = client.query_pages(CDP_REPLICA_SESSION, sort_desc='CreationTimeUTC', page_size=10)
        first = next(pages)
        sim.set_faults(expire_tokens=True)
        rest = [item for page in pages for item in page]
    assert len(first) + len(rest) == len(dataset.cdp_replica_sessions)
    assert [entry['status'] for entry in api_requests(sim, '/api/sessionMngr')] == [201, 201]
    assert 401 in [entry['status'] for entry in queries(sim)]
    assert any('logging on again' in warning for warning in warnings.warnings)
    assert sim.open_logon_sessions() == 0


def test_idle_timeout_expires_the_token(sim, make_client):
    sim.set_config(token_idle_timeout=1)
    with make_client() as client:
        time.sleep(1.3)
        item = next(client.query(REPLICA_JOB_SESSION, limit=1))
    assert item['uid']
    assert [entry['status'] for entry in api_requests(sim, '/api/sessionMngr')] == [201, 201]


# -- retries ------------------------------------------------------------------------------------------

def test_retries_503_then_succeeds(sim, make_client, warnings):
    sim.set_faults(status={'code': 503, 'count': 2, 'path_contains': '/query'})
    with make_client() as client:
        items = list(client.query(CDP_REPLICA_SESSION, limit=5))
    assert len(items) == 5
    assert [entry['status'] for entry in queries(sim)] == [503, 503, 200]
    assert len([w for w in warnings.warnings if 'HTTP 503' in w and 'retry' in w]) == 2


def test_retry_after_is_honoured_and_capped(sim, make_client):
    slept = []
    sim.set_faults(status={'code': 503, 'count': 1, 'retry_after': 7, 'path_contains': '/query'})
    with make_client(sleep=slept.append, max_retry_after=5) as client:
        list(client.query(CDP_REPLICA_SESSION, limit=1))
    assert slept == [5]


def test_retries_are_bounded(sim, make_client):
    sim.set_faults(status={'code': 503, 'count': 10, 'path_contains': '/query'})
    with pytest.raises(errors.EMAPIError) as caught:
        with make_client(retries=2) as client:
            list(client.query(CDP_REPLICA_SESSION, limit=1))
    assert 'HTTP 503' in str(caught.value)
    assert len(queries(sim)) == 3
    assert sim.open_logon_sessions() == 0


def test_dropped_connection_is_retried(sim, make_client, warnings):
    sim.set_faults(drop={'count': 1, 'path_contains': '/query'})
    with make_client() as client:
        items = list(client.query(REPLICA_JOB_SESSION, limit=2))
    assert len(items) == 2
    assert any('connection failed' in warning for warning in warnings.warnings)


def test_logon_is_not_retried(sim, make_client):
    sim.set_faults(status={'code': 503, 'count': 1, 'path_contains': '/sessionMngr'})
    with pytest.raises(errors.EMAPIError):
        with make_client():
            pass
    assert len(api_requests(sim, '/api/sessionMngr')) == 1


# -- TLS --------------------------------------------------------------------------------------------

def test_tls_fails_by_default_with_a_helpful_message(sim, make_client, monkeypatch):
    # The environment's CA bundle must not silently replace the validate_certs/ca_path options.
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', sim.ca_path)
    with pytest.raises(errors.EMTLSError) as caught:
        with make_client(ca_path=None):
            pass
    message = str(caught.value)
    assert 'certificate' in message.lower()
    assert 'ca_path' in message and 'validate_certs' in message


def test_tls_works_with_ca_path_and_without_validation(sim, make_client):
    for options in ({'ca_path': sim.ca_path}, {'ca_path': None, 'validate_certs': False}):
        with make_client(**options) as client:
            assert next(client.query(REPLICA_JOB_SESSION, limit=1))['uid']


def test_unreadable_ca_path_is_a_clear_error(make_client):
    with pytest.raises(errors.EMConnectionError) as caught:
        with make_client(ca_path='/nonexistent/em-ca.pem'):
            pass
    assert 'ca_path' in str(caught.value) and 'Traceback' not in str(caught.value)


def test_connection_refused_is_a_connection_error(make_client):
    with pytest.raises(errors.EMConnectionError) as caught:
        with make_client(port=9):
            pass
    assert 'POST /api/sessionMngr' in str(caught.value)
    assert 'port' in str(caught.value)


def test_timeout_is_reported(sim, make_client):
    sim.set_faults(delay=1.5)
    with pytest.raises(errors.EMTimeoutError) as caught:
        with make_client(timeout=0.5, retries=0):
            pass
    assert 'timeout' in str(caught.value)


# -- query service ----------------------------------------------------------------------------------

def test_paging_reads_every_page_newest_first(sim, make_client, dataset):
    with make_client() as client:
        items = list(client.query(CDP_REPLICA_SESSION, sort_desc='CreationTimeUTC', page_size=7))
    expected = newest_first(dataset.cdp_replica_sessions)
    assert [item['id'] for item in items] == [record['uuid'] for record in expected]
    pages = queries(sim)
    assert len(pages) == -(-len(expected) // 7) > 1
    assert [entry['query']['page'] for entry in pages] == [str(n) for n in range(1, len(pages) + 1)]
    assert all(entry['query']['pageSize'] == '7' for entry in pages)


def test_paging_is_lazy(sim, make_client):
    with make_client() as client:
        ten = list(client.query(CDP_REPLICA_SESSION, sort_desc='CreationTimeUTC', limit=10))
        assert len(ten) == 10
        assert len(queries(sim)) == 1
        assert queries(sim)[0]['query']['pageSize'] == '10'
        first_two_pages = list(itertools.islice(client.query_pages(REPLICA_JOB_SESSION, page_size=5), 2))
    assert len(first_two_pages) == 2
    assert len(queries(sim)) == 3


def test_time_filter_field_differs_by_type(sim, make_client, dataset):
    cutoff = sorted(record['creation_time'] for record in dataset.replica_job_sessions)[10]
    with make_client() as client:
        replica = list(client.query(REPLICA_JOB_SESSION, [Condition('CreationTime', '>=', cutoff)],
                                    sort_desc='CreationTime'))
        cdp = list(client.query(CDP_REPLICA_SESSION, [Condition('CreationTimeUTC', '>=', cutoff)],
                                sort_desc='CreationTimeUTC'))
    assert len(replica) == len([r for r in dataset.replica_job_sessions if r['creation_time'] >= cutoff])
    assert len(cdp) == len([r for r in dataset.cdp_replica_sessions if r['creation_time'] >= cutoff])
    sent = [entry['query']['filter'] for entry in queries(sim)]
    assert sent[0].startswith('CreationTime>="') and sent[1].startswith('CreationTimeUTC>="')


def test_awkward_names_select_exactly_their_items(sim, make_client, dataset):
    names = sorted(set(record['policy_name'] for record in dataset.cdp_replica_sessions))
    awkward = [name for name in names if any(ch in name for ch in '";,&\\') or not name.isascii()]
    assert awkward, 'the data set should hold awkward policy names'
    with make_client() as client:
        for name in awkward:
            found = list(client.query(CDP_REPLICA_SESSION, [Condition('PolicyName', '==', name)]))
            expected = [r['uuid'] for r in dataset.cdp_replica_sessions if r['policy_name'] == name]
            assert sorted(item['id'] for item in found) == sorted(expected)
            assert all(item['policy_name'] == name for item in found)


def test_list_conditions_and_raw_filter(sim, make_client, dataset):
    with make_client() as client:
        found = list(client.query(REPLICA_JOB_SESSION, [Condition('Result', '==', ['Failed', 'Warning'])],
                                  raw_filter='IsRetry==false'))
    expected = [r for r in dataset.replica_job_sessions if r['result'] in ('Failed', 'Warning') and not r['is_retry']]
    assert sorted(item['id'] for item in found) == sorted(r['uuid'] for r in expected)
    assert queries(sim)[0]['query']['filter'] == '(Result=="Failed",Result=="Warning");(IsRetry==false)'


def test_result_of_cdp_task_sessions_is_filtered_while_paging(sim, make_client, dataset):
    with make_client() as client:
        found = list(client.query(CDP_REPLICA_TASK_SESSION, [Condition('Result', '==', ['Failed'])], page_size=25))
    expected = [r['uuid'] for r in dataset.cdp_replica_task_sessions if r['result'] == 'Failed']
    assert expected and sorted(item['id'] for item in found) == sorted(expected)
    assert all('filter' not in entry['query'] for entry in queries(sim))


def test_unknown_filter_field_is_an_api_error(sim, make_client):
    with pytest.raises(errors.EMAPIError) as caught:
        with make_client() as client:
            list(client.query(REPLICA_JOB_SESSION, raw_filter='NoSuchField=="x"'))
    assert 'HTTP 400' in str(caught.value)
    assert 'NoSuchField' in str(caught.value)


def test_entity_and_not_found(sim, make_client, dataset):
    record = dataset.replica_task_sessions[0]
    with make_client() as client:
        item = client.get_entity(REPLICA_TASK_SESSION, record['uuid'])
        with pytest.raises(errors.EMNotFoundError) as caught:
            client.get_entity(REPLICA_JOB_SESSION, '00000000-0000-4000-8000-000000000000')
    assert item['id'] == record['uuid'] and item['vm_display_name'] == record['vm_display_name']
    assert 'HTTP 404' in str(caught.value)


def test_malformed_body_is_a_clear_error(sim, make_client):
    sim.set_faults(malformed={'count': 1, 'path_contains': '/query'})
    with pytest.raises(errors.EMMalformedResponseError) as caught:
        with make_client() as client:
            list(client.query(CDP_REPLICA_SESSION, limit=1))
    assert 'GET /api/query' in str(caught.value)
    assert 'malformed' in str(caught.value)


# -- wire formats -----------------------------------------------------------------------------------

@pytest.mark.parametrize('resource', [CDP_REPLICA_SESSION, CDP_REPLICA_TASK_SESSION, REPLICA_JOB_SESSION,
                                      REPLICA_TASK_SESSION], ids=lambda resource: resource.query_type)
def test_xml_and_both_json_styles_give_identical_items(sim, make_client, resource):
    results = []
    for wire_format, style, bom in (('xml', 'em13', False), ('json', 'em12', False), ('json', 'em13', True)):
        sim.set_config(json_style=style, bom=bom)
        with make_client(wire_format=wire_format) as client:
            results.append(list(client.query(resource, sort_desc=resource.time_field, page_size=40)))
    assert results[0] and results[0] == results[1] == results[2]
    accepts = set(entry['accept'] for entry in queries(sim))
    assert accepts == {'application/xml', 'application/json'}


# -- secrets ----------------------------------------------------------------------------------------

def test_password_and_token_never_appear(sim, make_client, warnings, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    texts = []
    sim.set_faults(status={'code': 503, 'count': 1, 'path_contains': '/query'})
    with make_client() as client:
        token = client._token  # pylint: disable=protected-access
        list(client.query(REPLICA_JOB_SESSION, limit=2))
        sim.set_faults(malformed={'count': 1, 'path_contains': '/query'})
        with pytest.raises(errors.EMMalformedResponseError) as caught:
            list(client.query(REPLICA_JOB_SESSION, limit=2))
        texts.append(str(caught.value))
    for password in (PASSWORD, 'Wrong-Pa55word-Value'):
        try:
            with make_client(password=password, ca_path=None):
                pass
        except errors.EMError as exc:
            texts.append(str(exc))
            texts.append(repr(exc.to_dict()))
    captured = capsys.readouterr()
    everything = '\n'.join(texts + warnings.warnings + [caplog.text, captured.out, captured.err, repr(sim.request_log())])
    assert token and len(token) > 8
    for secret in (PASSWORD, 'Wrong-Pa55word-Value', token):
        assert secret not in everything
