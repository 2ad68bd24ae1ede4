"""One logon token for every thread, sent one way (issue 16, point 8).

EM sets the token as a cookie as well as in the X-RestSvcSessionId header, and when a request carries
both it reads the cookie. A client that kept a cookie jar per thread sent a dead token from an old
cookie beside the live one in its header, was refused, logged on again and forgot the session it had,
which stayed open. The simulator prefers the cookie like EM, so these tests fail on such a client.
"""

import threading

import hostile
import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _compliance as compliance
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._client import EMClient
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._gather import gather
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import (
    CDP_REPLICA_SESSION, REPLICA_JOB_SESSION)


@pytest.fixture
def logons(sim):
    """The logon sessions opened during one test by a user of its own (see the simulator's OwnUser)."""
    return sim.own_user()


@pytest.fixture
def own_client(make_client, logons):
    """A client factory that logs on as the test's own user."""
    def factory(**overrides):
        return make_client(**dict(dict(username=logons.username, password=logons.password), **overrides))
    return factory


def in_thread(function):
    """Run ``function`` in a new thread and return its result (or raise its exception) here."""
    outcome = {}

    def run():
        try:
            outcome['value'] = function()
        except Exception as exc:  # pylint: disable=broad-except
            outcome['error'] = exc
    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive()
    if 'error' in outcome:
        raise outcome['error']
    return outcome['value']


def read(client, resource=REPLICA_JOB_SESSION):
    return list(client.query(resource, limit=2))


def test_the_interleaving_that_lost_a_session_logs_on_twice_and_leaves_none_open(sim, own_client, logons):
    # The main thread logs on and reads; EM drops the token; a second thread reads (401, fresh logon);
    # the main thread reads again with the fresh token and must be accepted.
    with own_client() as client:
        assert read(client)
        sim.set_faults(expire_tokens=True)
        assert in_thread(lambda: read(client))
        assert read(client)
        assert read(client, CDP_REPLICA_SESSION)
    assert len(logons) == 2
    assert logons.still_open() == 0
    assert not [entry for entry in sim.request_log() if entry['cookie']], 'the client sent a cookie'


def test_a_set_cookie_is_never_kept_or_sent(sim, own_client, logons):
    with own_client() as client:
        for _round in range(3):
            assert read(client)
            assert in_thread(lambda: read(client))
    assert len(logons) == 1
    assert not [entry for entry in sim.request_log() if entry['cookie']]
    assert logons.still_open() == 0


def test_many_threads_seeing_one_401_log_on_once(sim, own_client, logons):
    """Eight threads start their reads together after the token was dropped: one fresh logon serves them all."""
    with own_client() as client:
        assert read(client)
        for _round in range(5):
            sim.set_faults(expire_tokens=True)
            barrier = threading.Barrier(8)
            failures = []

            def worker():
                try:
                    barrier.wait(10)
                    assert read(client)
                except Exception as exc:  # pylint: disable=broad-except
                    failures.append(exc)
            threads = [threading.Thread(target=worker) for _index in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert not failures
    assert len(logons) == 6  # the first, and one per dropped token
    assert logons.still_open() == 0


@pytest.mark.parametrize('round_number', range(3))
def test_the_engine_gather_keeps_one_session(sim, own_client, logons, round_number):
    """The engine's concurrent gather (one thread per query) after a dropped token: one fresh logon, none left open."""
    options = compliance.Options.from_params(dict(lookback='7d', allow_empty=True))
    with own_client() as client:
        gather(client, options, page_size=5)
        sim.set_faults(expire_tokens=True)
        gather(client, options, page_size=5)  # its threads are new ones: the first gather's ended with its pool
        assert read(client)
        sim.set_faults(expire_tokens=True)
        assert in_thread(lambda: read(client))
        gather(client, options, page_size=5)
    assert len(logons) == 3, round_number
    assert logons.still_open() == 0
    assert not [entry for entry in sim.request_log() if entry['cookie']]


def test_cookies_a_hostile_server_sets_are_never_sent_back(tmp_path):
    """Whatever cookies a server sets, on the logon or on a page, no request carries a Cookie header."""
    def page(exchange):
        return exchange.respond(200, hostile.xml_page([1, 2]), {
            'Set-Cookie': 'X-RestSvcSessionId=c3RhbGU=; Path=/api', 'Content-Type': 'application/xml'})

    def logon(exchange):
        body = ('<LogonSession xmlns="%s" Type="LogonSession"><SessionId>%s</SessionId></LogonSession>'
                % (hostile.NS, hostile.SESSION_ID)).encode('utf-8')
        with server.lock:
            server.logons += 1
        return exchange.respond(201, body, {'X-RestSvcSessionId': server.token,
                                            'Set-Cookie': 'X-RestSvcSessionId=%s; Path=/api' % server.token})
    server = hostile.Hostile(tls=True, cert_dir=str(tmp_path), on_get=page, on_logon=logon)
    with server:
        client = EMClient('127.0.0.1', port=server.port, username='bob', password='Long-Enough-1', retries=0,
                          ca_path=server.ca_path, timeout=5)
        with client:
            for _round in range(2):
                assert read(client, CDP_REPLICA_SESSION)
                assert in_thread(lambda: read(client, CDP_REPLICA_SESSION))
        sent = list(server.requests)
    assert len(sent) == 6 and server.logons == 1 and server.logouts == 1
    assert not [headers for dummy, dummy, headers in sent if 'cookie' in headers]
    assert all(headers.get('x-restsvcsessionid') == server.token for method, dummy, headers in sent if method != 'POST')
