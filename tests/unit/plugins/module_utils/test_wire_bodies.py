# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Whole bodies: Error bodies, LogonSessions, and the malformed ones that must raise wire.BodyError.

Includes the five documentation examples that are not well-formed XML as published (raw ``&`` and
raw ``"`` in PagingInfo hrefs) and the repaired copies kept beside them.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _resources as res
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _wire as wire

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'fixtures')

NOT_WELL_FORMED = [
    'veeam_doc_13.1__query_cdpreplicasession_entities.xml',
    'veeam_doc_13.1__query_cdpreplicatasksession_entities.xml',
    'veeam_doc_13.1__query_replicatasksession_entities.xml',
    'veeam_doc_13.1__query_backuptasksession_entities_paged.xml',
    'veeam_doc_13.1__query_backupserver_refs_paged.xml',
]

_LINK_HREF = re.compile(r'(<Link Rel="[A-Za-z]+" Href=")(.*?)(" />)')
_RAW_AMPERSAND = re.compile(r'&(?!amp;|lt;|gt;|quot;|apos;|#)')


def fixture_bytes(*parts):
    with open(os.path.join(FIXTURES, *parts), 'rb') as handle:
        return handle.read()


def parse_fixture(*parts):
    return wire.parse_body(fixture_bytes(*parts))


def repair(text):
    """The documented repair: inner ``"`` of a Link Href -> ``%22``, then raw ``&`` -> ``&amp;``."""
    text = _LINK_HREF.sub(lambda match: match.group(1) + match.group(2).replace('"', '%22') + match.group(3), text)
    return _RAW_AMPERSAND.sub('&amp;', text)


# --------------------------------------------------------------------------- Error bodies

def test_xml_error_message():
    body = fixture_bytes('captures', 'benyoung_blog__error_500_put_cloudtenant_em95u4.xml')
    expected = 'Object reference not set to an instance of an object.'
    assert wire.error_message(body) == expected
    assert wire.error_message(body, 'application/xml; charset=utf-8') == expected
    root, tree = wire.parse_body(body)
    assert root == 'Error'
    assert tree == {'message': expected, 'status_code': '500', 'first_chance_exception_message': expected}


def test_json_error_message():
    body = fixture_bytes('captures', 'benyoung_blog__error_400_post_cloudtenants_em95u4.json')
    assert len(body) == 125  # the captured Content-Length
    assert wire.error_message(body) == 'Node [root] does not exist.'
    assert wire.error_message(body, 'application/json') == 'Node [root] does not exist.'
    dummy, tree = wire.parse_body(body)
    assert tree == {'first_chance_exception_message': None, 'message': 'Node [root] does not exist.',
                    'stack_trace': None, 'status': None, 'status_code': 400}


def test_error_message_is_stripped_and_em13_casing_is_read():
    assert wire.error_message(b'{"message": "  Session not found.\\n", "statusCode": 404}') == 'Session not found.'
    assert wire.error_message('\ufeff<Error Message=" Z\u00fcrich &amp; co " StatusCode="500" />') == 'Z\u00fcrich & co'


@pytest.mark.parametrize('parts', [
    ('captures', 'httpapi_exporter__logonsession_v12.json'),
    ('captures', 'veeam_doc_13.0__logging_on_logonsession.xml'),
    ('captures', 'veeam_doc_13.0__cdpreplicasession_entity.xml'),
    ('synthetic', 'query_cdpreplicasession_entities.xml'),
    ('synthetic', 'query_cdpreplicasession_entities_em13.json'),
])
def test_error_message_of_a_non_error_body_is_none(parts):
    assert wire.error_message(fixture_bytes(*parts)) is None


@pytest.mark.parametrize('body, content_type', [
    (b'', None),
    (b'   \r\n', 'text/plain'),
    (b'Service Unavailable', 'text/html'),
    (b'<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>', 'text/html'),
    (b'<html><body><p>Message</p>', 'text/html'),
    (b'{"Message": ', 'application/json'),
    (b'{"Message": ""}', 'application/json'),
    (b'{"Message": null}', None),
    (b'{"Message": 42}', None),
    (b'["Message"]', None),
    (b'<Error Message="" StatusCode="500" />', None),
    (b'\xff\xfe<\x00E\x00', None),
    (b'\x00\x01\x02', None),
])
def test_error_message_of_garbage_is_none(body, content_type):
    assert wire.error_message(body, content_type) is None


# --------------------------------------------------------------------------- LogonSession

@pytest.mark.parametrize('parts, session_id, user', [
    (('captures', 'veeam_doc_13.0__logging_on_logonsession.xml'), '15a3fc97-0325-4119-b789-5c0367c6c565', 'SRV12\\Administrator'),
    (('captures', 'veeam_doc_13.1__get_logonsessions_id_logonsession.xml'), '5496707f-c814-47ce-8d6d-110aa03cec03',
     'SRV13\\Administrator'),
    (('captures', 'httpapi_exporter__logonsession_v12.json'), 'b9a759dd-4496-4f50-8fc0-f925aa283f8d', 'myuser'),
])
def test_logon_session_id(parts, session_id, user):
    dummy, tree = parse_fixture(*parts)
    assert wire.logon_session_id(tree) == session_id
    assert tree['user_name'] == user
    # The Delete link, last of the links, names the same session: it is the fallback.
    assert tree['links'][-1]['rel'] == 'Delete'
    del tree['session_id']
    assert wire.logon_session_id(tree) == session_id


def test_logon_session_json_has_all_its_links():
    dummy, tree = parse_fixture('captures', 'httpapi_exporter__logonsession_v12.json')
    assert len(tree['links']) == 68
    assert tree['type'] == 'LogonSession'


def test_logon_session_id_em13_casing_and_whitespace():
    dummy, tree = wire.parse_body(b'{"userName": "DOMAIN\\\\user", "sessionId": " 0a1b2c3d-0000-4000-8000-000000000001 "}')
    assert tree['user_name'] == 'DOMAIN\\user'
    assert wire.logon_session_id(tree) == '0a1b2c3d-0000-4000-8000-000000000001'
    assert wire.logon_session_id({'links': [{'rel': 'Delete', 'href': 'https://em/api/logonSessions/abc/'}]}) == 'abc'


@pytest.mark.parametrize('tree', [
    {},
    {'session_id': ''},
    {'session_id': '   '},
    {'session_id': None, 'links': [{'rel': 'Up', 'href': 'https://em/api/'}]},
    {'links': [{'rel': 'Delete'}]},
    [],
    None,
])
def test_logon_session_without_id(tree):
    with pytest.raises(wire.BodyError, match='no SessionId'):
        wire.logon_session_id(tree)


# --------------------------------------------------------------------------- not well-formed documentation examples

@pytest.mark.parametrize('name', NOT_WELL_FORMED)
def test_not_well_formed_examples_raise_body_error(name):
    with pytest.raises(wire.BodyError, match='not well-formed XML'):
        parse_fixture('captures', name)
    with pytest.raises(wire.BodyError):
        wire.parse_body(fixture_bytes('captures', name), 'application/xml')


@pytest.mark.parametrize('name', NOT_WELL_FORMED)
def test_repaired_copies_differ_only_by_the_repair_and_parse(name):
    original = fixture_bytes('captures', name).decode('utf-8')
    repaired = fixture_bytes('captures', 'repaired', name).decode('utf-8')
    assert repaired == repair(original)
    assert repaired != original
    assert '"' not in ''.join(match.group(2) for match in _LINK_HREF.finditer(repaired))
    root, tree = wire.parse_body(repaired.encode('utf-8'))
    assert root == 'QueryResult'
    assert wire.query_items(tree)
    page_num, pages_count, page_size = wire.paging_info(tree)
    assert page_num == 1 and pages_count >= 1 and page_size >= 1
    # The hrefs read back with their & and their quotes (as %22).
    hrefs = [link['href'] for link in tree['paging_info']['links']]
    assert all('&format=' in href or '&pageSize=' in href for href in hrefs)


def test_repaired_cdp_paging_href_keeps_its_filter():
    dummy, tree = parse_fixture('captures', 'repaired', 'veeam_doc_13.1__query_cdpreplicasession_entities.xml')
    assert tree['paging_info']['links'][0] == {
        'rel': 'First',
        'href': 'https://localhost:9398/api/query?type=CdpReplicaSession&format=Entities'
                '&filter=CreationTimeUTC%3e=%222025-06-15%22&pageSize=100&page=1',
    }


# --------------------------------------------------------------------------- malformed bodies

@pytest.mark.parametrize('body', [b'', '', b'   \n\t ', b'\xef\xbb\xbf', '\ufeff  '])
def test_empty_body(body):
    with pytest.raises(wire.BodyError, match='empty'):
        wire.parse_body(body)


@pytest.mark.parametrize('parts', [
    ('captures', 'veeam_doc_13.0__cdpreplicasession_entity.xml'),
    ('synthetic', 'query_cdpreplicasession_entities.xml'),
    ('captures', 'benyoung_blog__error_500_put_cloudtenant_em95u4.xml'),
])
def test_truncated_xml(parts):
    body = fixture_bytes(*parts)
    for cut in (len(body) // 3, len(body) // 2, len(body) - 2):
        with pytest.raises(wire.BodyError, match='not well-formed XML'):
            wire.parse_body(body[:cut])


@pytest.mark.parametrize('parts', [
    ('captures', 'httpapi_exporter__query_backupjobsession_entities_v12.json'),
    ('synthetic', 'query_cdpreplicasession_entities_em12.json'),
])
def test_truncated_json(parts):
    body = fixture_bytes(*parts)
    for cut in (1, len(body) // 2, len(body) - 2):
        with pytest.raises(wire.BodyError, match='not valid JSON'):
            wire.parse_body(body[:cut])


@pytest.mark.parametrize('body, content_type, words', [
    (b'{"Refs": null,}', None, 'not valid JSON'),
    (b"{'Refs': null}", None, 'not valid JSON'),
    (b'{"Refs": NaN', None, 'not valid JSON'),
    (b'[1, 2', None, 'not valid JSON'),
    (b'null', 'application/json; charset=utf-8', None),
    (b'<QueryResult><Entities></QueryResult>', None, 'not well-formed XML'),
    (b'<QueryResult/><QueryResult/>', None, 'not well-formed XML'),
    (b'<A>&nbsp;</A>', None, 'not well-formed XML'),
    (b'<!DOCTYPE x [<!ENTITY big "boom">]><x>&big;</x>', None, 'not well-formed XML'),
    (b'Service Unavailable', None, 'not well-formed XML'),
    (b'<Error Message="bad \xe9 byte" />', None, 'not UTF-8'),
])
def test_malformed_bodies(body, content_type, words):
    if words is None:
        # Valid JSON, but not a body of the API: the readers reject it.
        dummy, tree = wire.parse_body(body, content_type)
        assert tree is None
        with pytest.raises(wire.BodyError):
            wire.query_items(tree)
        return
    with pytest.raises(wire.BodyError, match=words):
        wire.parse_body(body, content_type)


def test_query_result_with_two_non_null_lists_json():
    text = fixture_bytes('synthetic', 'query_cdpreplicasession_entities_em12.json').decode('utf-8')
    assert '"ReplicaJobSessions":null' in text
    text = text.replace('"ReplicaJobSessions":null', '"ReplicaJobSessions":{"ReplicaJobSessions":[{"UID":"x"}]}')
    dummy, tree = wire.parse_body(text)
    with pytest.raises(wire.BodyError, match=r'several lists \(cdp_replica_sessions, replica_job_sessions\)'):
        wire.query_items(tree)


def test_query_result_with_two_non_null_lists_xml():
    text = fixture_bytes('synthetic', 'query_cdpreplicasession_entities.xml').decode('utf-8')
    text = text.replace('</Entities>', '<ReplicaJobSessions><ReplicaJobSession UID="x" /></ReplicaJobSessions></Entities>')
    dummy, tree = wire.parse_body(text)
    with pytest.raises(wire.BodyError, match='several lists'):
        wire.query_items(tree)


def test_entities_list_holding_two_element_names_xml():
    body = (b'<QueryResult><Entities><CdpReplicaSessions><CdpPolicySession UID="a" /><CdpReplicaSession UID="b" />'
            b'</CdpReplicaSessions></Entities></QueryResult>')
    dummy, tree = wire.parse_body(body)
    with pytest.raises(wire.BodyError, match='Entities/cdp_replica_sessions holds several lists'):
        wire.query_items(tree)


@pytest.mark.parametrize('tree, words', [
    ({'entities': 'text'}, 'Entities is not an object'),
    ({'entities': {'cdp_replica_sessions': 'text'}}, 'Entities/cdp_replica_sessions is not an object'),
    ({'user_name': 'x', 'session_id': 'y'}, 'not a QueryResult'),
    ({}, 'not a QueryResult'),
    ([], 'QueryResult is not an object'),
    (None, 'QueryResult is not an object'),
])
def test_not_a_query_result(tree, words):
    with pytest.raises(wire.BodyError, match=words):
        wire.query_items(tree)


@pytest.mark.parametrize('value', ['one', '1.5', 'NaN', '', {'x': 1}, [1]])
def test_paging_info_with_a_non_number_json(value):
    text = fixture_bytes('synthetic', 'query_cdpreplicasession_entities_em12.json').decode('utf-8')
    assert '"PagesCount":1' in text
    text = text.replace('"PagesCount":1', '"PagesCount":%s' % json.dumps(value))
    dummy, tree = wire.parse_body(text)
    if value == '':
        assert wire.paging_info(tree) == (1, None, 100)
        return
    with pytest.raises(wire.BodyError, match='not a number'):
        wire.paging_info(tree)


def test_paging_info_with_a_non_number_xml():
    text = fixture_bytes('synthetic', 'query_cdpreplicasession_entities.xml').decode('utf-8')
    text = text.replace('PageSize="100"', 'PageSize="a hundred"')
    dummy, tree = wire.parse_body(text)
    assert len(wire.query_items(tree)) == 2
    with pytest.raises(wire.BodyError, match='PagingInfo holds a value that is not a number'):
        wire.paging_info(tree)


def test_body_error_is_a_value_error():
    assert issubclass(wire.BodyError, ValueError)


def test_a_malformed_item_in_a_good_body_names_its_field():
    text = fixture_bytes('synthetic', 'query_cdpreplicasession_entities.xml').decode('utf-8')
    text = text.replace('<Progress>100</Progress>', '<Progress>ninety</Progress>')
    dummy, tree = wire.parse_body(text)
    items = wire.query_items(tree)
    assert wire.normalise_item(res.CDP_REPLICA_SESSION, items[0])['progress'] == 0
    with pytest.raises(wire.BodyError, match="field progress holds 'ninety'"):
        wire.normalise_item(res.CDP_REPLICA_SESSION, items[1])
