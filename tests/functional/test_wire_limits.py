"""Two gaps of the wire reader against a hostile server over HTTPS (issue 16, point 6).

- A JSON page with a lone surrogate (``"Job \\ud83d tail"``) is read, with U+FFFD in its place and one warning
  per read, instead of failing every read of that EM.
- Attributes count against the node limit, and a body is refused when what it packs would cost far more
  memory than its size: for any page under the size cap, peak memory stays within about ten times its size.
"""

import json
import time
import tracemalloc

import pytest

from hostile import Hostile, json_page, uid, xml_page

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _errors as errors
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._client import EMClient
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import CDP_REPLICA_SESSION


def client_for(server, warnings, **options):
    settings = dict(username='bob', password='Long-Enough-1', retries=0, ca_path=server.ca_path, timeout=60,
                    warn=warnings.append, max_response_size=64)
    settings.update(options)
    return EMClient('127.0.0.1', port=server.port, **settings)


def surrogate_page(exchange):
    page = exchange.page()
    items = ['{"UID":"%s","Name":"Job \\ud83d tail %d","State":"Stopped","Result":"Failed"}' % (uid(page * 10 + n), n)
             for n in range(2)]
    return exchange.respond(200, json_page(items, '{"PageNum":%d,"PageSize":2,"PagesCount":3}' % page),
                            {'Content-Type': 'application/json'})


def test_a_lone_surrogate_is_read_as_a_replacement_character_with_one_warning_per_read(tmp_path):
    warnings = []
    with Hostile(tls=True, cert_dir=str(tmp_path), on_get=surrogate_page) as server:
        with client_for(server, warnings, wire_format='json') as client:
            first = list(client.query(CDP_REPLICA_SESSION, page_size=2))
            assert len(warnings) == 1
            second = list(client.query(CDP_REPLICA_SESSION, page_size=2))
    assert len(first) == len(second) == 6
    assert first[0]['name'] == u'Job \ufffd tail 0'
    json.dumps(first, ensure_ascii=False).encode('utf-8')  # what Ansible does with a result: it must not fail
    assert len(warnings) == 2, warnings
    assert 'surrogate' in warnings[0] and 'U+FFFD' in warnings[0] and warnings[0].startswith('GET /api/query?')


def _peak_of_a_read(tmp_path, body, content_type='application/xml'):
    """``(peak bytes while reading, seconds, error or None)`` of one query whose every page is ``body``."""
    warnings = []
    with Hostile(tls=True, cert_dir=str(tmp_path), on_get=lambda ex: ex.respond(200, body, {'Content-Type': content_type})) as server:
        client = client_for(server, warnings, wire_format='json' if 'json' in content_type else 'xml')
        with client:
            tracemalloc.start()
            started = time.monotonic()
            error = None
            try:
                list(client.query(CDP_REPLICA_SESSION, limit=1))
            except errors.EMMalformedResponseError as exc:
                error = exc
            seconds = time.monotonic() - started
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    return peak, seconds, error


def _names(count):
    """``count`` distinct short attribute names."""
    digits = '0123456789abcdefghijklmnopqrstuvwxyz'
    names = []
    for number in range(count):
        text = ''
        while True:
            number, rest = divmod(number, 36)
            text = digits[rest] + text
            if not number:
                break
        names.append('a' + text)
    return names


def test_one_element_with_three_million_attributes_is_refused_cheaply(tmp_path):
    body = ('<QueryResult ' + ' '.join('%s=""' % name for name in _names(3000000)) + '/>').encode('ascii')
    assert 25 * 1024 * 1024 < len(body) < 64 * 1024 * 1024
    peak, seconds, error = _peak_of_a_read(tmp_path, body)
    assert error is not None and 'more than 1000000 elements, attributes or values' in str(error)
    assert peak < 10 * len(body), (peak, len(body))
    assert seconds < 30


@pytest.mark.parametrize('shape', ['unique attributes', 'repeated attributes', 'empty elements', 'json objects',
                                   'json keys', 'json numbers'])
def test_dense_pages_under_the_cap_peak_within_ten_times_their_size(tmp_path, shape):
    count = 200000
    if shape == 'unique attributes':  # about 10 MiB: one element, 200,000 attributes
        body = '<QueryResult ' + ' '.join('%s="%s"' % (name, 'x' * 50) for name in _names(count)) + '/>'
    elif shape == 'repeated attributes':  # as dense as the cost estimate allows
        body = '<QueryResult>' + '<E a="%s"/>' % ('x' * 40) * count + '</QueryResult>'
    elif shape == 'empty elements':
        body = '<QueryResult>' + '<E/>' * count + '</QueryResult>'
    elif shape == 'json objects':
        body = '[' + ','.join(['{"a":"%s"}' % ('x' * 40)] * count) + ']'
    elif shape == 'json keys':
        body = '{' + ','.join('"%s":1' % name for name in _names(count)) + '}'
    else:
        body = '[' + ','.join(['1.5'] * count) + ']'
    body = body.encode('ascii')
    peak, seconds, dummy = _peak_of_a_read(tmp_path, body, 'application/json' if shape.startswith('json') else
                                           'application/xml')
    assert peak < 11 * len(body), (shape, peak / len(body))
    assert seconds < 60


def test_real_pages_are_not_refused(tmp_path):
    page = xml_page(list(range(1, 101)))
    peak, dummy, error = _peak_of_a_read(tmp_path, page)
    assert error is None
