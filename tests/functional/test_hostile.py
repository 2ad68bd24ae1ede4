"""The client against deliberately hostile servers (hostile.py): every failure is clear, bounded in time and
memory, shows no secret, and every run that logged on also logged out.

Bounds are asserted, not assumed: elapsed time against the timeout plus a little slack, and the peak of
Python allocations (tracemalloc) against the size of what the server offered.
"""

import base64
import html
import json
import time
import tracemalloc
from urllib.parse import quote, quote_plus

import pytest

import hostile
from hostile import Hostile, SlowProxy, Trap, json_page, uid, xml_page

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _client as client_mod
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _connection as connection
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _errors as errors
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import CDP_REPLICA_SESSION

USERNAME = 'EXAMPLE\\svc-hostile'
PASSWORD = 'Sëcret P@ss/wörd&"<>=+%'
SLACK = 1.5  # seconds allowed past a deadline (thread wake-ups on a busy 2-core machine)
MIB = 1024 * 1024


class Recorder(list):
    def __call__(self, message):
        self.append(message)


@pytest.fixture
def server(tmp_path):
    """Start a hostile server; at the end, every logon it answered must have been followed by a logout."""
    started = []

    def start(**kwargs):
        if kwargs.pop('tls', False):
            kwargs.update(tls=True, cert_dir=str(tmp_path))
        instance = Hostile(**kwargs).__enter__()
        started.append(instance)
        return instance
    yield start
    for instance in started:
        instance.__exit__(None, None, None)
        assert instance.logons == instance.logouts, 'a run logged on without logging out'


def client(srv, warnings=None, sleeps=None, **overrides):
    options = dict(host='http://127.0.0.1', port=srv.port, username=USERNAME, password=PASSWORD, timeout=2, retries=0,
                   warn=warnings if warnings is not None else Recorder(),
                   sleep=sleeps.append if sleeps is not None else (lambda seconds: None))
    if srv.ca_path:
        options.update(host='127.0.0.1', ca_path=srv.ca_path)
    options.update(overrides)
    return client_mod.EMClient(**options)


def run_query(srv, **overrides):
    """Log on, read every page, log out; return (error or None, items, seconds, warnings)."""
    warnings = Recorder()
    items = []
    started = time.monotonic()
    try:
        with client(srv, warnings=warnings, **overrides) as em:
            for item in em.query(CDP_REPLICA_SESSION):
                items.append(item)
    except errors.EMError as exc:
        return exc, items, time.monotonic() - started, warnings
    return None, items, time.monotonic() - started, warnings


# --------------------------------------------------------------------------- 1. a deadline per request

def test_a_body_that_drips_fails_within_the_timeout(server):
    def drip(exchange):
        exchange.write(b'HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 100000\r\n\r\n')
        exchange.drip(b'<' * 100000, 0.05, budget_seconds=10)
    srv = server(on_get=drip)
    error, items, seconds, dummy = run_query(srv, timeout=2)
    assert isinstance(error, errors.EMTimeoutError), error
    assert seconds < 2 + SLACK, seconds
    assert 'within the timeout of 2 seconds' in str(error) and 'entire body' in str(error)
    assert 'ca_path' not in str(error)
    assert srv.logouts == 1


def test_headers_that_drip_fail_within_the_timeout(server):
    def drip(exchange):
        exchange.write(b'HTTP/1.1 200 OK\r\n')
        exchange.drip(b'X-Padding: ' + b'a' * 10000 + b'\r\n', 0.05, budget_seconds=10)
    srv = server(on_get=drip)
    error, items, seconds, dummy = run_query(srv, timeout=2)
    assert isinstance(error, errors.EMTimeoutError), error
    assert seconds < 2 + SLACK, seconds


def test_a_drip_over_tls_fails_within_the_timeout(server):
    def drip(exchange):
        exchange.write(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')
        exchange.drip(b'1\r\n<\r\n' * 10000, 0.02, budget_seconds=10)
    srv = server(on_get=drip, tls=True)
    error, items, seconds, dummy = run_query(srv, timeout=2)
    assert isinstance(error, errors.EMTimeoutError), error
    assert seconds < 2 + SLACK, seconds


def test_a_tls_handshake_that_drips_fails_within_the_timeout(server):
    # The relay passes EM's TLS handshake on a byte at a time: the deadline covers the handshake too.
    srv = server(tls=True)
    with SlowProxy(srv.port, interval=0.02) as proxy:
        started = time.monotonic()
        with pytest.raises(errors.EMTimeoutError) as caught:
            with client(srv, port=proxy.port, timeout=2):
                pass
        seconds = time.monotonic() - started
    assert seconds < 2 + SLACK, seconds
    assert 'POST /api/sessionMngr/' in str(caught.value)
    srv.logouts = srv.logons  # the logon answer never reached the client, so it holds no token to log out with


def test_a_silent_server_times_out_and_each_retry_has_its_own_deadline(server):
    srv = server(on_get=lambda exchange: time.sleep(0.1) or exchange.drip(b' ' * 100, 0.5, budget_seconds=6))
    sleeps = []
    error, items, seconds, warnings = run_query(srv, timeout=1, retries=2, sleeps=sleeps)
    assert isinstance(error, errors.EMTimeoutError), error
    assert len(srv.reads()) == 3
    assert seconds < 3 * 1 + SLACK, seconds
    assert [message for message in warnings if 'timed out; retry' in message][:2] == [
        message for message in warnings if 'retry' in message]
    assert 'ca_path' not in str(error) and 'Raise the timeout option' in str(error)


@pytest.mark.parametrize('retry_after', [
    'nan', 'inf', '-inf', '1e400', '-5', '99999999999999999999999999999999999', 'Fri, 31 Dec 9999 23:59:59 GMT',
    'Thu, 01 Jan 1970 00:00:00 GMT', 'soon', '\x1b[31m', '', '1.5', '0'])
def test_retry_after_never_waits_past_the_cap_nor_crashes(server, retry_after):
    headers = {'Retry-After': retry_after}
    srv = server(on_get=lambda exchange: exchange.respond(503, b'<Error Message="busy"/>', headers))
    sleeps = []
    error, dummy, seconds, warnings = run_query(srv, retries=20, sleeps=sleeps)
    assert isinstance(error, errors.EMAPIError) and error.status == 503, error
    assert sleeps and all(0 <= wait <= client_mod.MAX_WAIT for wait in sleeps), sleeps
    assert sum(sleeps) <= client_mod.RETRY_WAIT_TOTAL
    assert len(srv.reads()) == len(sleeps) + 1 <= 21
    assert 'limited to 60 s in all' in warnings[-1]


def test_the_retry_waits_really_end(server):
    # Real sleeping, with a small budget: three answers of 503 "Retry-After: 1e400" take about 2 s, not forever.
    srv = server(on_get=lambda exchange: exchange.respond(503, b'', {'Retry-After': '1e400'}))
    error, dummy, seconds, dummy = run_query(srv, retries=5, sleep=time.sleep, retry_wait_total=2.0, backoff=1.0)
    assert isinstance(error, errors.EMAPIError)
    assert seconds < 2 + SLACK, seconds


# --------------------------------------------------------------------------- 2. a size limit per response

def measure(function):
    """Run ``function``; return (its result, peak bytes Python allocated meanwhile)."""
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_announced_huge_body_is_refused_before_reading_it(server):
    head = b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % (10 ** 12)
    srv = server(on_get=lambda exchange: exchange.write(head) and exchange.stream(b'<' * 65536, 4 * MIB, False))
    error, dummy, seconds, dummy = run_query(srv, max_response_size=1)
    assert isinstance(error, errors.EMResponseTooLargeError), error
    assert 'larger than max_response_size, 1 MiB' in str(error) and '1000000000000 bytes' in str(error)


def test_an_endless_body_stops_at_the_limit_in_bounded_memory(server):
    srv = server(on_get=lambda exchange: exchange.write(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')
                 and exchange.stream(b'<a>' * 20000, 512 * MIB))
    (error, dummy, seconds, dummy), peak = measure(lambda: run_query(srv, max_response_size=2, timeout=10))
    assert isinstance(error, errors.EMResponseTooLargeError), error
    assert 'max_response_size, 2 MiB after decompression' in str(error)
    assert peak < 3 * 2 * MIB, peak
    assert seconds < 5


@pytest.mark.parametrize('encoding', ['gzip', 'deflate', 'raw deflate'])
def test_a_compression_bomb_stops_at_the_limit_in_bounded_memory(server, encoding):
    if encoding == 'gzip':
        member = hostile.gzip_member()
        body = member * 1024  # 1 GiB of zeros in about 1 MiB
    else:
        body = hostile.deflate_stream(256 * MIB, raw=encoding == 'raw deflate')
    header = 'deflate' if 'deflate' in encoding else 'gzip'
    srv = server(on_get=lambda exchange: exchange.respond(200, body, {'Content-Encoding': header}))
    (error, dummy, seconds, dummy), peak = measure(lambda: run_query(srv, max_response_size=1, timeout=10))
    assert isinstance(error, errors.EMResponseTooLargeError), error
    assert '1 MiB after decompression' in str(error)
    assert peak < 3 * MIB + len(body), peak  # the compressed body itself is the server's, in this process
    assert seconds < 5


def test_a_compressed_page_is_read_normally(server):
    body = hostile.gzip.compress(xml_page([1, 2, 3]))
    srv = server(on_get=lambda exchange: exchange.respond(200, body, {'Content-Encoding': 'gzip'}))
    error, items, dummy, dummy = run_query(srv)
    assert error is None and [item['uid'] for item in items] == [uid(1), uid(2), uid(3)]


def test_an_encoding_not_asked_for_is_refused(server):
    srv = server(on_get=lambda exchange: exchange.respond(200, b'\x28\xb5\x2f\xfd', {'Content-Encoding': 'zstd'}))
    error, dummy, dummy, dummy = run_query(srv)
    assert isinstance(error, errors.EMMalformedResponseError) and "encoded as 'zstd'" in str(error)


# --------------------------------------------------------------------------- 3. parsing that never crashes

@pytest.mark.parametrize('body, content_type, words', [
    (b'<a>' * 100 + b'</a>' * 100, 'application/xml', 'elements nested deeper than 64 levels'),
    (b'[' * 100 + b']' * 100, 'application/json', 'arrays nested deeper than 64 levels'),
    (b'<a>' * 200000 + b'</a>' * 200000, 'application/xml', 'far denser than any EM answer'),
    (b'[' * 200000 + b']' * 200000, 'application/json', 'far denser than any EM answer'),
    (b'{"a":' * 100 + b'1' + b'}' * 100, 'application/json', 'objects nested deeper than 64 levels'),
    (json_page(['{"UID":"%s","Progress":1e400}' % uid(1)], '{"PageNum":1,"PagesCount":1,"PageSize":100}'),
     'application/json', 'Entities/CdpReplicaSessions/CdpReplicaSessions[1]/Progress holds 1e400, a number that is '
                         'not finite'),
    (json_page(['{"UID":"%s"}' % uid(1)], '{"PageNum":1,"PagesCount":NaN,"PageSize":100}'),
     'application/json', 'PagingInfo/PagesCount holds NaN'),
    (json_page(['{"UID":"%s"}' % uid(1)], '{"PageNum":1,"PagesCount":-Infinity,"PageSize":100}'),
     'application/json', 'PagingInfo/PagesCount holds -Infinity'),
    (json_page(['{"UID":"%s"}' % uid(1)], '{"PageNum":1,"PagesCount":2.5,"PageSize":100}'),
     'application/json', 'PagesCount is 2.5, where a whole number is expected'),
    (b'{"Entities":[{"UID":"x"}],"PagingInfo":null}', 'application/json', 'Entities is not an object (it is a list)'),
    (xml_page([1, 'just text', 3]).replace(b'just text', b'<CdpPolicySession>just text</CdpPolicySession>'),
     'application/xml', 'Entities/cdp_replica_sessions/cdp_policy_session[2] is text, not an item'),
    (json_page(['{"UID":"%s"}' % uid(1), '"garbled"'], '{"PageNum":1,"PagesCount":1,"PageSize":100}'),
     'application/json', 'Entities/cdp_replica_sessions/cdp_replica_sessions[2] is text, not an item'),
    (json_page(['{"UID":"%s","Progress":true}' % uid(1)], '{"PageNum":1,"PagesCount":1,"PageSize":100}'),
     'application/json', 'item 1 of page 1: field progress holds True, which is not a valid int'),
])
def test_malformed_bodies_name_the_path_and_never_crash(server, body, content_type, words):
    srv = server(on_get=lambda exchange: exchange.respond(200, body, {'Content-Type': content_type}))
    (error, items, seconds, dummy), peak = measure(lambda: run_query(srv))
    assert isinstance(error, errors.EMMalformedResponseError), error
    assert words in str(error), str(error)
    assert not items
    assert seconds < 3
    assert peak < 50 * MIB, peak


# --------------------------------------------------------------------------- 4. paging that ends

def test_a_page_number_that_does_not_advance(server):
    srv = server(on_get=lambda exchange: exchange.respond(200, xml_page([exchange.page()], pages=5, page_num=1)))
    error, items, dummy, dummy = run_query(srv)
    assert 'paging does not advance: asked for page 2, the answer is page 1' in str(error)
    assert len(srv.reads()) == 2


def test_a_page_that_repeats_the_items_already_returned(server):
    srv = server(on_get=lambda exchange: exchange.respond(200, xml_page([1, 2], page=exchange.page(), pages=1000)))
    error, items, dummy, dummy = run_query(srv)
    assert 'page 2 only repeats items already returned' in str(error)
    assert len(srv.reads()) == 2


def test_paging_that_never_ends(server):
    # Every page announces one page more, with fresh items: it stops when the count has grown too far.
    def endless(exchange):
        page = exchange.page()
        return exchange.respond(200, xml_page([page], page=page, pages=page + 1))
    srv = server(on_get=endless)
    error, items, dummy, dummy = run_query(srv)
    assert 'paging does not end: page 1 announced 2 pages, page 3 announces 4' in str(error)
    assert len(srv.reads()) <= 3


def test_an_absurd_page_count(server):
    srv = server(on_get=lambda exchange: exchange.respond(200, xml_page([1], pages=10 ** 9)))
    error, items, dummy, dummy = run_query(srv)
    assert 'announces 1000000000 pages, which is absurd' in str(error)


def test_pages_are_read_over_one_kept_alive_connection(server):
    # Streaming reads must not cost a new TCP (and TLS) connection per request.
    srv = server(on_get=lambda exchange: exchange.respond(200, xml_page([exchange.page()], exchange.page(), 3)), tls=True)
    error, items, dummy, dummy = run_query(srv)
    assert error is None and len(items) == 3
    assert len(srv.requests) == 5 and srv.connections == 1


def test_overlapping_pages_return_each_item_once_with_a_warning(server):
    pages = {1: [1, 2, 3], 2: [3, 4, 5], 3: [6]}
    srv = server(on_get=lambda exchange: exchange.respond(200, xml_page(pages[exchange.page()], exchange.page(), 3)))
    error, items, dummy, warnings = run_query(srv)
    assert error is None
    assert [item['uid'] for item in items] == [uid(number) for number in range(1, 7)]
    assert any('1 item(s) of page 2 were already returned' in message for message in warnings)


# --------------------------------------------------------------------------- 5. host cannot redirect credentials

def hostile_hosts(trap_port):
    return [
        '127.0.0.1:%d/x?' % trap_port, '127.0.0.1:%d#' % trap_port, 'user:pw@127.0.0.1:%d/' % trap_port,
        'http://127.0.0.1:%d\\@127.0.0.1' % trap_port, '127.0.0.1:%d@127.0.0.1' % trap_port,
        'https://127.0.0.1:%d?' % trap_port, '[::1]:%d' % trap_port, 'http://127.0.0.1/%d' % trap_port,
        '127.0.0.1/', '127.0.0.1/api', ' 127.0.0.1', '127.0.0.1\t', '127.0.0.1\r\nHost: evil', '127.0.0.1\x00',
        'ftp://127.0.0.1', 'http://http://127.0.0.1', '127.1', '2130706433', '0x7f.1', '127.0.0.1%2f',
        'fe80::1%eth0', '[::1', 'exa mple.com', 'bücher.example', '-em.example.com', '',
    ]


def test_hostile_host_values_are_refused_before_any_request(server):
    srv = server()
    with Trap() as trap:
        for value in hostile_hosts(trap.port):
            if value == '127.0.0.1/':
                continue  # one trailing slash is accepted: checked below
            message = connection.check_connection_options(dict(
                host=value, port=srv.port, username=USERNAME, password=PASSWORD, timeout=2, retries=0,
                max_response_size=64, ca_path=None))
            assert message and message.startswith('host:'), (value, message)
            with pytest.raises(ValueError, match='^host:'):
                client(srv, host=value)
            if '@' in value:
                assert 'user:pw' not in message and str(trap.port) not in message
        time.sleep(0.2)
        assert trap.connections == 0
    assert srv.requests == []


def test_a_naive_join_would_have_reached_the_trap(server):
    # The trap is real: the URL a naive join builds from the first hostile value goes there.
    with Trap() as trap:
        import requests  # pylint: disable=import-outside-toplevel
        naive = 'http://%s:%d/api/sessionMngr/' % ('127.0.0.1:%d/x?' % trap.port, 9398)
        with pytest.raises(requests.exceptions.RequestException):
            requests.post(naive, timeout=0.5)
        time.sleep(0.1)
        assert trap.connections == 1


@pytest.mark.parametrize('value, url', [
    ('127.0.0.1', 'https://127.0.0.1:{port}/api'), ('http://127.0.0.1/', 'http://127.0.0.1:{port}/api'),
    ('HTTPS://em.example.com', 'https://em.example.com:{port}/api'), ('em.example.com.', 'https://em.example.com.:{port}/api'),
    ('::1', 'https://[::1]:{port}/api'), ('[2001:db8::1]', 'https://[2001:db8::1]:{port}/api'),
    ('http://[::ffff:127.0.0.1]', 'http://[::ffff:7f00:1]:{port}/api'), ('em_01.corp.example', 'https://em_01.corp.example:{port}/api'),
])
def test_good_host_values_build_the_url_from_their_parts(value, url):
    em = client_mod.EMClient(value, port=9398, username=USERNAME, password=PASSWORD)
    assert em.base_url == url.format(port=9398)


def test_http_warns_that_secrets_travel_in_clear_text(server):
    srv = server()
    warnings = Recorder()
    with client(srv, warnings=warnings):
        pass
    assert any('http://' in message and 'clear text' in message for message in warnings)


def test_a_redirect_is_not_followed(server):
    with Trap() as trap:
        def redirect(exchange):
            return exchange.respond(307, b'', {'Location': 'http://127.0.0.1:%d/steal' % trap.port})
        srv = server(on_logon=redirect)
        error, dummy, dummy, dummy = run_query(srv)
        assert isinstance(error, errors.EMAPIError) and error.status == 307
        assert 'redirected to http://127.0.0.1:%d/steal (not followed)' % trap.port in str(error)
        srv2 = server(on_get=redirect)
        error, dummy, dummy, dummy = run_query(srv2)
        assert 'not followed' in str(error) and srv2.logouts == 1
        time.sleep(0.1)
        assert trap.connections == 0


# --------------------------------------------------------------------------- 6. secrets never shown

def secret_forms(token):
    basic = base64.b64encode(('%s:%s' % (USERNAME, PASSWORD)).encode('utf-8')).decode('ascii')
    forms = [PASSWORD, quote(PASSWORD, safe=''), quote_plus(PASSWORD), repr(PASSWORD)[1:-1], basic, basic.rstrip('='),
             json.dumps(PASSWORD)[1:-1]]
    forms += [token, quote(token, safe=''), repr(token)[1:-1]]
    return forms


def test_echoed_secrets_are_redacted_from_errors_warnings_and_items(server):
    basic = base64.b64encode(('%s:%s' % (USERNAME, PASSWORD)).encode('utf-8')).decode('ascii')
    echo = 'auth Basic %s pw %s enc %s tok %s enc %s \x1b[31mred\x1b[0m\x07 %s' % (
        basic, PASSWORD, quote(PASSWORD, safe=''), hostile.TOKEN, quote(hostile.TOKEN, safe=''), 'x' * 5000)

    def answer(exchange):
        if exchange.page() == 1:
            short = html.escape(echo[:300].replace('\x1b', '').replace('\x07', ''), quote=True)
            item = '<CdpPolicySession Type="CdpReplicaSession" UID="%s" Name="%s"/>' % (uid(1), short)
            return exchange.respond(200, xml_page([item], pages=2))
        # JSON, as XML 1.0 cannot carry the escape characters: {"Message": ...} as EM's JSON errors have it.
        return exchange.respond(500, json.dumps({'Message': echo}).encode('utf-8'),
                                {'Content-Type': 'application/json', 'Location': basic, 'X-Echo': hostile.TOKEN})
    srv = server(on_get=answer)
    error, items, dummy, warnings = run_query(srv)
    assert isinstance(error, errors.EMAPIError) and error.status == 500
    shown = json.dumps([str(error), error.to_dict(), items, list(warnings)], ensure_ascii=False)
    for form in secret_forms(hostile.TOKEN):
        assert form not in shown, form
    assert '********' in items[0]['name'] and '********' in error.server_message
    assert '\x1b' not in str(error) and '\x07' not in str(error) and 'red' in str(error)
    assert len(error.server_message) < 1100 and 'more characters' in error.server_message


@pytest.mark.parametrize('token, words', [
    ('abc\r\n def-' + 'k' * 40, 'holds whitespace, control or non-ASCII characters, so it cannot be sent back'),
    ('T' * 5000, 'is 5000 characters long (at most 4096 expected)'),
])
def test_unusable_tokens_are_refused_without_showing_them(server, token, words):
    srv = server(token=token)
    error, dummy, dummy, dummy = run_query(srv)
    assert isinstance(error, errors.EMMalformedResponseError), error
    assert words in str(error)
    for form in [token, repr(token)[1:-1], token.replace('\r', '\\r').replace('\n', '\\n'), 'k' * 40]:
        assert form not in str(error)
    assert srv.reads() == []
    if ' ' in token:
        srv.logouts = srv.logons  # the token cannot be sent, so no logout is possible: nothing was read either


def test_a_token_header_beyond_what_http_client_reads(server):
    srv = server(token='T' * 70000)
    error, dummy, seconds, dummy = run_query(srv)
    assert isinstance(error, errors.EMConnectionError), error
    assert 'T' * 100 not in str(error)
    srv.logouts = srv.logons  # the answer never reached the client: it holds no token to log out with


# --------------------------------------------------------------------------- 7. hints that fit

def test_tls_to_a_plain_http_port_says_so(server):
    srv = server()
    error, dummy, dummy, dummy = run_query(srv, host='127.0.0.1')  # https:// to a plain HTTP server
    assert isinstance(error, errors.EMTLSError), error
    assert 'plain HTTP' in error.hint and 'not a certificate problem' in error.hint
    assert 'ca_path' not in str(error)


def test_a_bad_filter_field_gets_a_hint(server):
    srv = server(on_get=lambda exchange: exchange.respond(400, b'<Error Message="Unknown filter field \'Result\'"/>'))
    with pytest.raises(errors.EMAPIError) as caught:
        with client(srv) as em:
            list(em.query(CDP_REPLICA_SESSION, raw_filter='Result==Failed'))
    assert 'use the module option instead' in caught.value.hint and 'result' in caught.value.hint
    assert 'CdpReplicaSession offers only these fields' in caught.value.hint
