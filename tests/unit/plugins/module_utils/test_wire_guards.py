# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The wire-level guards, without a server: host parsing, redaction, cleaning quoted text, bounded
decompression, Retry-After, and parsing that neither recurses without bound nor guesses."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import gzip
import zlib

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _client as client
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _redact as redact
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _transport as transport
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _resources as res
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _wire as wire

UID = 'urn:veeam:CdpReplicaSession:6b872a71-51e8-437a-8d45-5c6494b92f3f'


# --------------------------------------------------------------------------- host

@pytest.mark.parametrize('value, expected', [
    ('em.example.com', ('https', 'em.example.com')),
    ('https://em.example.com/', ('https', 'em.example.com')),
    ('HTTP://EM', ('http', 'EM')),
    ('10.0.0.5', ('https', '10.0.0.5')),
    ('fe80::1', ('https', '[fe80::1]')),
    ('[FE80:0:0::1]', ('https', '[fe80::1]')),
    ('http://[::1]/', ('http', '[::1]')),
    ('em-01.example.com.', ('https', 'em-01.example.com.')),
])
def test_good_hosts(value, expected):
    assert client.parse_host(value) == expected


@pytest.mark.parametrize('value, words', [
    ('', 'must not be empty'),
    ('a@em', 'user information (@)'),
    ('https://admin:pw@em', 'user information (@)'),
    ('em:9398', 'holds a port'),
    ('[::1]:9398', 'holds a port'),
    ('em/api', 'a path (/)'),
    ('em//', 'a path (/)'),
    ('em?x', 'a query (?)'),
    ('em#x', 'a fragment (#)'),
    ('em\\x', 'a backslash'),
    ('em%2e', 'a percent sign'),
    ('fe80::1%eth0', 'a percent sign'),
    ('em\r\nX-Injected: 1', 'whitespace or a control character'),
    ('em\x1b[31m', 'whitespace or a control character'),
    (' em', 'whitespace or a control character'),
    ('ftp://em', 'the scheme'),
    ('https://', 'holds no host name'),
    ('https://https://em', 'a second scheme'),
    ('127.1', 'neither a host name nor a complete IPv4 address'),
    ('0x7f000001', 'neither a host name nor a complete IPv4 address'),
    ('300.1.1.1', 'neither a host name nor a complete IPv4 address'),
    ('em..example', 'not a valid host name'),
    ('-em', 'not a valid host name'),
    (u'b\u00fccher.example', 'not a valid host name'),
    ('a' * 64 + '.example', 'not a valid host name'),
    ('[::1', 'not a valid IPv6 address in brackets'),
    ('1::2::3', 'not a valid IPv6 address'),
])
def test_bad_hosts_name_the_option(value, words):
    with pytest.raises(ValueError) as caught:
        client.parse_host(value)
    assert str(caught.value).startswith('host: ')
    assert words in str(caught.value)
    if '@' in value:
        assert 'pw' not in str(caught.value) and 'admin' not in str(caught.value)


def test_a_host_value_is_echoed_escaped_and_short():
    with pytest.raises(ValueError) as caught:
        client.parse_host('em/' + 'x' * 500)
    assert len(str(caught.value)) < 200


# --------------------------------------------------------------------------- redaction and quoting

PASSWORD = u'P\u00e4ss w0rd/&"<>\\%'
TOKEN = 'YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo='


def redactor():
    red = redact.Redactor()
    red.add(PASSWORD, username='DOMAIN\\user')
    red.add(TOKEN)
    return red


@pytest.mark.parametrize('form', [
    PASSWORD,
    'P%C3%A4ss%20w0rd%2F%26%22%3C%3E%5C%25',
    'p%c3%a4ss%20w0rd%2f%26%22%3c%3e%5c%25',
    'P%C3%A4ss+w0rd%2F%26%22%3C%3E%5C%25',
    repr(PASSWORD)[1:-1],
    'P\\u00e4ss w0rd/&\\"<>\\\\%',
    'P\u00e4ss w0rd/&amp;&quot;&lt;&gt;\\%',
    base64.b64encode(u'DOMAIN\\user:{0}'.format(PASSWORD).encode('utf-8')).decode('ascii'),
    base64.b64encode(u'DOMAIN\\user:{0}'.format(PASSWORD).encode('latin-1')).decode('ascii'),
    base64.b64encode(u'DOMAIN\\user:{0}'.format(PASSWORD).encode('utf-8')).decode('ascii').rstrip('='),
    TOKEN,
    TOKEN.replace('=', '%3D'),
])
def test_every_form_of_a_secret_is_redacted(form):
    text = 'before %s after' % form
    cleaned = redactor().clean(text)
    assert form not in cleaned
    assert cleaned.startswith('before ') and cleaned.endswith(' after') and redact.REDACTED in cleaned


def test_a_secret_split_by_control_characters_is_redacted_once_joined():
    text = 'x ' + TOKEN[:10] + '\x1b[0m' + TOKEN[10:] + ' y'
    assert TOKEN not in redactor().clean(text)


def test_a_token_with_cr_lf_is_redacted_raw_and_escaped():
    red = redact.Redactor()
    token = 'abc\r\n def-0123456789'
    red.add(token)
    for shown in (token, repr(token)[1:-1], "b'%s'" % repr(token)[1:-1]):
        assert 'def-0123456789' not in red.clean('header value %s here' % shown), shown


def test_quoted_text_loses_control_characters_and_escapes_and_is_cut():
    red = redact.Redactor()
    text = u'\x1b[2J\x1b]0;title\x07ok\x00\x08\u202eevil\r\nnext\tline ' + 'x' * 3000
    cleaned = red.clean(text)
    assert cleaned.startswith('okevil next line xxx')
    assert not any(ord(char) < 32 or 0x7f <= ord(char) <= 0x9f for char in cleaned)
    assert u'\u202e' not in cleaned
    assert cleaned.endswith('... (%d more characters)' % (len('okevil next line ') + 3000 - 1000))


def test_returned_values_are_redacted_deeply():
    red = redactor()
    item = {'name': 'x %s y' % TOKEN, 'links': [{'href': TOKEN}], 'progress': 5}
    assert red.any_in(['a', item['name']])
    assert red.value(item) == {'name': 'x %s y' % redact.REDACTED, 'links': [{'href': redact.REDACTED}], 'progress': 5}
    assert not red.any_in(['nothing secret here'])


def test_short_secrets_are_redacted_only_where_they_stand_as_a_value():
    red = redact.Redactor()
    red.add('ab', username='me')
    assert red.clean('https://ab') == 'https://ab'
    assert red.clean('a table about abba') == 'a table about abba'
    for text in ('X-Header: ab', '{"password": "ab"}', 'https://me:ab@em', 'password=ab&next=1', "'ab'", 'ab'):
        assert 'ab' not in red.clean(text).replace('********', ''), text
    basic = base64.b64encode(b'me:ab').decode('ascii')
    assert red.clean('Authorization: Basic %s' % basic) == 'Authorization: Basic ********'


# --------------------------------------------------------------------------- decompression in bounded steps

def inflate(encoding, data, feed_size=997):
    inflater = transport.Inflater(encoding)
    pieces = []
    for start in range(0, len(data), feed_size):
        pieces.extend(inflater.feed(data[start:start + feed_size]))
    inflater.finish()
    return pieces


@pytest.mark.parametrize('encoding, compress', [
    ('gzip', gzip.compress),
    ('x-gzip', lambda data: gzip.compress(data[:5000]) + gzip.compress(data[5000:])),
    ('deflate', zlib.compress),
    ('deflate', lambda data: zlib.compressobj(6, zlib.DEFLATED, -15).compress(data) + b'\x03\x00'),
    ('identity', lambda data: data),
    ('', lambda data: data),
])
def test_inflating_gives_the_body_back(encoding, compress):
    data = b'<QueryResult>' + b'0123456789' * 20000 + b'</QueryResult>'
    if encoding == 'deflate' and compress is not zlib.compress:
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        compressed = compressor.compress(data) + compressor.flush()
    else:
        compressed = compress(data)
    assert b''.join(inflate(encoding, compressed)) == data


def test_a_bomb_comes_out_in_pieces_of_at_most_64_kib():
    bomb = gzip.compress(b'\0' * (8 * 1024 * 1024))
    pieces = []
    inflater = transport.Inflater('gzip')
    for piece in inflater.feed(bomb):
        pieces.append(len(piece))
        if len(pieces) > 10:
            break
    assert max(pieces) <= 65536 and len(pieces) > 10


@pytest.mark.parametrize('encoding, data, words', [
    ('br', b'', "encoded as 'br'"),
    ('gzip, gzip', b'', 'encoded as'),
    ('gzip', b'not gzip at all', 'cannot be decompressed'),
    ('gzip', gzip.compress(b'x' * 1000)[:-20], 'ends before its compressed stream does'),
])
def test_bad_encodings(encoding, data, words):
    with pytest.raises(transport.EncodingError, match=words):
        inflate(encoding, data)


# --------------------------------------------------------------------------- Retry-After

@pytest.mark.parametrize('value, expected', [
    ('120', 120.0), (' 0 ', 0.0), ('99999999999999999999', 1e12),
    ('nan', None), ('inf', None), ('-5', None), ('1.5', None), ('1e400', None), ('soon', None), ('', None),
    (None, None), ('\x00', None), ('9' * 100, None),
])
def test_retry_after_seconds(value, expected):
    assert client._retry_after_seconds(value) == expected  # pylint: disable=protected-access


@pytest.mark.parametrize('value', ['Fri, 31 Dec 9999 23:59:59 GMT', 'Thu, 01 Jan 1970 00:00:00 GMT',
                                   'Mon, 99 Foo 2026 99:99:99 GMT', 'Fri, 31 Dec 9999 23:59:59 -0000'])
def test_retry_after_dates_never_raise(value):
    seconds = client._retry_after_seconds(value)  # pylint: disable=protected-access
    assert seconds is None or isinstance(seconds, float)


def test_pause_never_waits_past_the_caps():
    waits = []
    em = client.EMClient('em.example.invalid', username='u', password='secret-value', sleep=waits.append, retries=50)
    budget = client._Budget()  # pylint: disable=protected-access
    retried = [em._pause(attempt, '99999', 'GET', '/query', 'HTTP 503', budget)  # pylint: disable=protected-access
               for attempt in range(1, 10)]
    assert retried == [True, True, False, False, False, False, False, False, False]
    assert waits == [30.0, 30.0]


# --------------------------------------------------------------------------- parsing

@pytest.mark.parametrize('body, words', [
    ('[' * 100 + ']' * 100, 'arrays nested deeper than 64 levels'),
    ('[' * 5000 + ']' * 5000, 'far denser than any EM answer'),
    ('[' * 70 + ']' * 70, '[1][1][1][1][1][1]'),
    ('{"a":' * 65 + '1' + '}' * 65, 'a/a/a/a/a/a/...(55 levels).../a/a/a holds objects nested deeper than 64 levels'),
    ('<a>' * 100 + '</a>' * 100, 'elements nested deeper than 64 levels'),
    ('<a>' * 100000 + '</a>' * 100000, 'far denser than any EM answer'),
    ('<a>' * 65 + '</a>' * 65, 'a/a/a/a/a/a/...'),
    ('{"X":NaN}', 'X holds NaN, a number that is not finite'),
    ('{"X":[1,Infinity]}', 'X[2] holds Infinity'),
    ('{"X":{"Y":-1e999}}', 'X/Y holds -1e999'),
    ('[' + '0,' * 1000001 + '0]', 'more than 1000000 elements, attributes or values'),
    ('<a>' + '<b/>' * 2000001 + '</a>', 'more than 1000000 elements'),
    ('<a ' + ' '.join('x%d=""' % n for n in range(1000001)) + '/>', 'more than 1000000 elements, attributes'),
    ('<a>' + ''.join('<b x%d="%s"/>' % (n, 'v' * 60) for n in range(5000)) + '</a>', 'more than 4096 different element'),
    ('<a ' + ' '.join('x="%s"' % ('v' * 60) for n in range(2000)) + '/>', 'a tag longer than 65536 characters'),
    ('{' + ','.join('"k%d":"%s"' % (n, 'v' * 40) for n in range(5000)) + '}', 'more than 4096 different keys'),
    ('[' + ','.join('"x"' for n in range(100000)) + ']', 'far denser than any EM answer'),
    ('{"a":1' + '0' * 5000 + '}', 'not valid JSON'),
])
def test_bodies_that_would_crash_a_naive_parser(body, words):
    with pytest.raises(wire.BodyError) as caught:
        wire.parse_body(body)
    assert words in str(caught.value)


def test_the_expat_guard_keeps_normal_xml_intact():
    body = '<QueryResult xmlns="%s"><PagingInfo PageNum="1" PagesCount="1"/></QueryResult>' % client.NAMESPACE
    assert wire.parse_body(body) == ('QueryResult', {'paging_info': {'page_num': '1', 'pages_count': '1'}})


@pytest.mark.parametrize('tree, words', [
    ({'entities': [{'uid': UID}]}, 'Entities is not an object (it is a list)'),
    ({'entities': {'sessions': {'session': [{'uid': UID}, 'text']}}}, 'Entities/sessions/session[2] is text'),
    ({'entities': {'sessions': {'session': [{'uid': UID}, None]}}}, 'session[2] is empty, not an item'),
    ({'entities': {'sessions': [{'uid': UID}, 7]}}, 'Entities/sessions[2] is a number, not an item'),
    ({'refs': {'refs': ['text']}}, 'Refs[1] is text, not an item'),
])
def test_items_that_cannot_be_read_fail_the_page(tree, words):
    with pytest.raises(wire.BodyError) as caught:
        wire.query_items(tree)
    assert words in str(caught.value)


@pytest.mark.parametrize('info, expected', [
    ({'page_num': '2', 'pages_count': 5, 'page_size': ' 100 '}, (2, 5, 100)),
    ({'page_num': None, 'pages_count': ''}, (None, None, None)),
    ('', None), ({}, None), (None, None),
])
def test_paging_info(info, expected):
    assert wire.paging_info({'paging_info': info}) == expected


@pytest.mark.parametrize('info, words', [
    ({'pages_count': 2.0}, 'PagesCount is 2.0'),
    ({'pages_count': True}, 'PagesCount is True'),
    ({'pages_count': -1}, 'PagesCount is -1'),
    ({'page_num': '1e3'}, "PageNum is '1e3'"),
    ({'page_size': {'a': 1}}, 'PageSize is an object'),
    ({'pages_count': 10 ** 15}, 'PagesCount is 1000000000000000'),
    ('text', 'PagingInfo is text, not an object'),
    ([1], 'PagingInfo is a list, not an object'),
])
def test_paging_info_that_guesses_nothing(info, words):
    with pytest.raises(wire.BodyError) as caught:
        wire.paging_info({'paging_info': info})
    assert words in str(caught.value)


@pytest.mark.parametrize('field, value, words', [
    ('progress', 2.7, 'field progress holds 2.7, which is not a valid int'),
    ('progress', True, 'field progress holds True'),
    ('progress', '12abc', "field progress holds '12abc'"),
    ('is_retry', 1, 'field is_retry holds 1, which is not a valid bool'),
    ('creation_time_utc', {'a': 1}, 'field creation_time_utc holds an object'),
    ('name', ['a'], 'field name holds a structure'),
])
def test_fields_of_the_wrong_type(field, value, words):
    item = {'uid': UID, field: value}
    with pytest.raises(wire.BodyError) as caught:
        wire.normalise_item(res.CDP_REPLICA_SESSION, item)
    assert words in str(caught.value)


def test_a_link_name_that_is_not_text():
    item = {'uid': UID, 'links': [{'type': 'BackupServerReference', 'name': {'x': 1}}]}
    with pytest.raises(wire.BodyError, match='Name of its BackupServerReference link is an object'):
        wire.normalise_item(res.CDP_REPLICA_SESSION, item)


def test_a_lone_surrogate_is_read_as_the_replacement_character_and_noted():
    notes = []
    root, tree = wire.parse_body(b'{"JobName": "Job \\ud83d tail", "Other": ["\\udc00x", "\\ud83d\\ude00"]}',
                                 'application/json', notes)
    assert tree == {'job_name': u'Job \ufffd tail', 'other': [u'\ufffdx', u'\U0001f600']}
    assert len(notes) == 1 and '2 lone UTF-16 surrogate(s)' in notes[0]
    notes = []
    wire.parse_body(b'{"JobName": "Job \\ud83d\\ude00"}', 'application/json', notes)
    assert notes == []


def test_attributes_count_against_the_node_limit():
    body = '<a ' + ' '.join('x%d=""' % n for n in range(600000)) + '>' + '<b/>' * 500000 + '</a>'
    with pytest.raises(wire.BodyError) as caught:
        wire.parse_body(body)
    assert 'more than 1000000 elements, attributes or values' in str(caught.value)
