# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One tree from three wire forms: XML, EM 12 PascalCase JSON and EM 13 camelCase JSON.

Uses the live BackupJobSession JSON captures (EM 12 and EM 13), the hand-written CdpReplicaSession
triple in fixtures/synthetic (the same two sessions as XML, EM 12 JSON and EM 13 JSON), the Refs
forms of a QueryResult, and byte order marks and line ends.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _resources as res
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _wire as wire

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'fixtures')

BOM = b'\xef\xbb\xbf'

JOB_V12 = ('captures', 'httpapi_exporter__query_backupjobsession_entities_v12.json')
JOB_V13 = ('captures', 'httpapi_exporter__query_backupjobsession_entities_v13.json')
TRIPLE = {
    'xml': ('synthetic', 'query_cdpreplicasession_entities.xml'),
    'em12': ('synthetic', 'query_cdpreplicasession_entities_em12.json'),
    'em13': ('synthetic', 'query_cdpreplicasession_entities_em13.json'),
}

BACKUP_JOB_SESSION = res.BACKUP_JOB_SESSION


def fixture_bytes(*parts):
    with open(os.path.join(FIXTURES, *parts), 'rb') as handle:
        return handle.read()


def parse_fixture(*parts):
    return wire.parse_body(fixture_bytes(*parts))


def all_keys(value):
    """Every dict key anywhere in a tree."""
    keys = set()
    if isinstance(value, dict):
        for key, child in value.items():
            keys.add(key)
            keys |= all_keys(child)
    elif isinstance(value, list):
        for child in value:
            keys |= all_keys(child)
    return keys


# --------------------------------------------------------------------------- snake_case

@pytest.mark.parametrize('names, expected', [
    (('CreationTimeUTC', 'creationTimeUTC'), 'creation_time_utc'),
    (('EndTimeUTC', 'endTimeUTC'), 'end_time_utc'),
    (('UID', 'uid'), 'uid'),
    (('JobUid', 'jobUid'), 'job_uid'),
    (('PolicySessionUid', 'policySessionUid'), 'policy_session_uid'),
    (('VmDisplayName', 'vmDisplayName'), 'vm_display_name'),
    (('PagingInfo', 'pagingInfo'), 'paging_info'),
    (('PagesCount', 'pagesCount'), 'pages_count'),
    (('SessionId', 'sessionId'), 'session_id'),
    (('NASJobs', 'nasJobs'), 'nas_jobs'),
    (('VAppRestorePoints', 'vAppRestorePoints'), 'v_app_restore_points'),
    (('EnterpiseRoles', 'enterpiseRoles'), 'enterpise_roles'),
    (('IsRetry', 'isRetry'), 'is_retry'),
])
def test_snake_joins_both_json_casings(names, expected):
    assert [wire.snake(name) for name in names] == [expected] * len(names)


# --------------------------------------------------------------------------- BackupJobSession JSON captures

def test_em12_backup_job_session_capture():
    root, tree = parse_fixture(*JOB_V12)
    assert root is None
    assert set(tree) == {'refs', 'entities', 'resources', 'links', 'paging_info'}
    assert len(tree['entities']) == 50
    assert [key for key, value in tree['entities'].items() if value is not None] == ['backup_job_sessions']
    assert wire.paging_info(tree) == (1, 1, 100)
    raw = wire.query_items(tree)
    assert len(raw) == 3
    assert set(raw[0]) == {'is_retry', 'job_uid', 'job_name', 'job_type', 'creation_time_utc', 'end_time_utc', 'state',
                           'result', 'progress', 'failure_message', 'name', 'uid', 'links', 'href', 'type'}
    assert set(raw[0]['links'][0]) == {'rel', 'href', 'name', 'type'}
    items = [wire.normalise_item(BACKUP_JOB_SESSION, item) for item in raw]
    assert items[0] == {
        'id': '45f138d9-7e5e-4140-bd33-088cc207a0f9',
        'uid': 'urn:veeam:BackupJobSession:45f138d9-7e5e-4140-bd33-088cc207a0f9',
        'name': 'COPY_BACKUP_VMW_MECM_AN_TO_DD_DCH_NEW@2026-06-14 23:09:26',
        'href': 'https://myhost.mydomain.org:9398/api/backupSessions/45f138d9-7e5e-4140-bd33-088cc207a0f9?format=Entity',
        'job_uid': 'urn:veeam:Job:408829ea-75b1-476c-80e1-47b731952e7a',
        'job_name': 'COPY_BACKUP_VMW_MECM_AN_TO_DD_DCH_NEW',
        'job_type': 'ImmediateBackupCopy',
        'creation_time_utc': '2026-06-14T23:09:26.173000Z',
        'end_time_utc': '2026-06-15T02:04:52.037000Z',
        'state': 'Stopped',
        'result': 'Success',
        'progress': 0,
        'is_retry': False,
        'backup_server_name': 'myhost2.mydomain.org',
        'failure_message': None,
    }
    assert [item['is_retry'] for item in items] == [False, True, False]
    assert [item['progress'] for item in items] == [0, 100, 100]
    # One-digit fraction (.7Z), and a name holding two backslashes once decoded.
    assert items[2]['end_time_utc'] == '2026-06-15T05:47:39.700000Z'
    assert items[2]['job_name'] == 'COPY_OPER_WIN_S3\\\\BACKUP_DCP_C2_AGENTS_PRA_clone1 - myhost2.mydomain.org'


def test_em13_backup_job_session_capture():
    root, tree = parse_fixture(*JOB_V13)
    assert root is None
    # camelCase at every depth: not one key keeps an upper-case letter.
    assert all(key == key.lower() for key in all_keys(tree))
    assert wire.paging_info(tree) == (1, 1, 100)
    items = [wire.normalise_item(BACKUP_JOB_SESSION, item) for item in wire.query_items(tree)]
    assert len(items) == 2
    assert items[0]['id'] == '7e9fd38b-10bd-4943-8c4f-f3fd991da78d'
    assert items[0]['name'] == 'H3_BACKUP_DDH_ORACLE_DEV_SYSONLY@2026-06-16 06:33:10.659559'
    assert items[0]['creation_time_utc'] == '2026-06-16T06:33:10.659559Z'
    assert items[0]['end_time_utc'] == '2026-06-16T06:38:51.134519Z'
    assert items[0]['is_retry'] is True and items[0]['progress'] == 100
    assert items[1]['result'] == 'Failed' and items[1]['failure_message'] is None
    assert [item['backup_server_name'] for item in items] == ['myhost2.mydomain.org'] * 2


def test_real_looking_xml_backup_job_session_query():
    """Well-formed 13.1 example: ``&amp;`` in hrefs, a backslash in names, 5-6 digit fractions, no FailureMessage."""
    root, tree = parse_fixture('captures', 'veeam_doc_13.1__query_backupjobsession_entities.xml')
    assert root == 'QueryResult'
    assert wire.paging_info(tree) == (1, 1, 100)
    assert tree['paging_info']['links'][0]['href'] == (
        'https://enterpriseem02.tech.local:9398/api/query?type=BackupJobSession&format=Entities'
        '&filter=CreationTime%3E%3D%222025-08-15T06%3A00%3A00Z%22;CreationTime%3C%3D%222025-08-16T06%3A00%3A00Z%22'
        '&pageSize=100&page=1')
    items = [wire.normalise_item(BACKUP_JOB_SESSION, item) for item in wire.query_items(tree)]
    assert [(item['id'], item['job_name'], item['job_type'], item['creation_time_utc'], item['end_time_utc'],
             item['result'], item['progress'], item['is_retry'], item['failure_message']) for item in items] == [
        ('07fb4019-dc8c-45ba-a36f-d15f2e7fe41b', 'Periodic Backup Copy Job\\Backup Job 1', 'ImmediateBackupCopyWorker',
         '2025-08-16T05:17:38.221420Z', '2025-08-16T05:25:01.879599Z', 'Failed', 100, True, None),
        ('1f038a6b-7968-4052-be97-3ed6b7aaf6a3', 'Backup Job 2', 'Backup',
         '2025-08-15T20:00:24.003406Z', '2025-08-15T20:04:13.487602Z', 'Success', 100, False, None),
    ]


def test_em12_and_em13_captures_have_the_same_snake_keys():
    dummy, v12 = parse_fixture(*JOB_V12)
    dummy, v13 = parse_fixture(*JOB_V13)
    assert set(v12) == set(v13)
    assert list(v12['entities']) == list(v13['entities'])  # all 50 list keys, in the same order
    assert {'nas_jobs', 'v_app_restore_points', 'enterpise_roles', 'cdp_replica_sessions',
            'cdp_replica_task_sessions', 'replica_job_sessions', 'replica_task_sessions'} <= set(v12['entities'])
    keys12 = set().union(*[set(item) for item in wire.query_items(v12)])
    keys13 = set().union(*[set(item) for item in wire.query_items(v13)])
    assert keys12 == keys13
    assert set(v12['paging_info']) == set(v13['paging_info']) == {'links', 'page_num', 'page_size', 'pages_count'}


# --------------------------------------------------------------------------- the CdpReplicaSession triple

TRIPLE_ITEMS = [
    {
        'id': '6b872a71-51e8-437a-8d45-5c6494b92f3f',
        'uid': 'urn:veeam:CdpReplicaSession:6b872a71-51e8-437a-8d45-5c6494b92f3f',
        'name': 'CDP Policy 1@2021-02-11 19:08:36',
        'href': 'https://localhost:9398/api/cdpReplicaSessions/6b872a71-51e8-437a-8d45-5c6494b92f3f?format=Entity',
        'policy_uid': 'urn:veeam:CdpPolicy:145f3365-6ec0-44e9-9538-8c8c34ebdcce',
        'policy_name': 'CDP Policy 1',
        'policy_type': 'CdpReplica',
        'creation_time_utc': '2021-02-11T19:08:36.123000Z',
        'end_time_utc': None,
        'state': 'Working',
        'result': 'None',
        'progress': 0,
        'failure_message': None,
        'is_retry': False,
        'backup_server_name': 'enterprise03.tech.local',
    },
    {
        'id': '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
        'uid': 'urn:veeam:CdpReplicaSession:0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
        'name': 'CDP Z\u00fcrich & "Ops"@2021-02-10 19:08:30',
        'href': 'https://localhost:9398/api/cdpReplicaSessions/0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9?format=Entity',
        'policy_uid': 'urn:veeam:CdpPolicy:145f3365-6ec0-44e9-9538-8c8c34ebdcce',
        'policy_name': 'CDP Z\u00fcrich & "Ops"',
        'policy_type': 'CdpReplica',
        'creation_time_utc': '2021-02-10T19:08:30.500000Z',
        'end_time_utc': '2021-02-11T19:08:36.123000Z',
        'state': 'Stopped',
        'result': 'Failed',
        'progress': 100,
        'failure_message': 'Error: Cannot connect to host "esx01" & proxy <none>; see C:\\ProgramData\\Veeam',
        'is_retry': True,
        'backup_server_name': 'enterprise03.tech.local',
    },
]


@pytest.mark.parametrize('form', sorted(TRIPLE))
def test_triple_form_normalises_to_the_expected_items(form):
    root, tree = parse_fixture(*TRIPLE[form])
    assert root == ('QueryResult' if form == 'xml' else None)
    assert wire.paging_info(tree) == (1, 1, 100)
    items = [wire.normalise_item(res.CDP_REPLICA_SESSION, item) for item in wire.query_items(tree)]
    assert items == TRIPLE_ITEMS


def test_triple_forms_give_identical_items_and_item_keys():
    normalised = {}
    for form, parts in TRIPLE.items():
        dummy, tree = parse_fixture(*parts)
        raw = wire.query_items(tree)
        normalised[form] = [wire.normalise_item(res.CDP_REPLICA_SESSION, item) for item in raw]
        # The raw items carry the same snake_case keys too (EM 13 leaves out the running session's end time).
        assert set(raw[1]) == {'policy_uid', 'policy_name', 'policy_type', 'creation_time_utc', 'end_time_utc', 'state',
                               'result', 'progress', 'failure_message', 'is_retry', 'name', 'uid', 'links', 'href', 'type'}
    assert normalised['xml'] == normalised['em12'] == normalised['em13']


def test_triple_json_follows_the_capture_conventions():
    """The hand-written JSON has the shape of the live captures: same list keys, same casing rules."""
    em12 = json.loads(fixture_bytes(*TRIPLE['em12']).decode('utf-8'))
    em13 = json.loads(fixture_bytes(*TRIPLE['em13']).decode('utf-8'))
    live12 = json.loads(fixture_bytes(*JOB_V12).decode('utf-8'))
    live13 = json.loads(fixture_bytes(*JOB_V13).decode('utf-8'))
    assert list(em12['Entities']) == list(live12['Entities'])
    assert list(em13['entities']) == list(live13['entities'])
    assert list(em12['Entities']['CdpReplicaSessions']) == ['CdpReplicaSessions']
    assert [key for key, value in em12['Entities'].items() if value is not None] == ['CdpReplicaSessions']
    assert all(key[0].islower() for key in all_keys(em13))
    assert all(key[0].isupper() for key in all_keys(em12))


def test_json_content_type_wins_over_the_first_character():
    body = fixture_bytes(*TRIPLE['em12'])
    assert wire.parse_body(body, 'application/json; charset=utf-8') == wire.parse_body(body)
    with pytest.raises(wire.BodyError, match='not well-formed XML'):
        wire.parse_body(body, 'application/xml')
    xml = fixture_bytes(*TRIPLE['xml'])
    with pytest.raises(wire.BodyError, match='not valid JSON'):
        wire.parse_body(xml, 'application/json')
    assert wire.parse_body(xml, 'Application/XML; charset=utf-8') == wire.parse_body(xml)


# --------------------------------------------------------------------------- BOM and line ends

@pytest.mark.parametrize('parts', list(TRIPLE.values()) + [JOB_V12, JOB_V13, ('seeds', '000_cdpreplicasession_entity.xml')])
def test_utf8_bom_is_stripped(parts):
    body = fixture_bytes(*parts)
    expected = wire.parse_body(body)
    assert wire.parse_body(BOM + body) == expected
    assert wire.parse_body(BOM.decode('utf-8') + body.decode('utf-8')) == expected


def test_decode_text():
    assert wire.decode_text(BOM + '<A/>'.encode('utf-8')) == '<A/>'
    assert wire.decode_text('\ufeff{}') == '{}'
    assert wire.decode_text('Z\u00fcrich'.encode('utf-8')) == 'Z\u00fcrich'
    with pytest.raises(wire.BodyError, match='not UTF-8'):
        wire.decode_text('Z\u00fcrich'.encode('latin-1'))


@pytest.mark.parametrize('parts', [JOB_V12, TRIPLE['xml']])
def test_crlf_line_ends_and_surrounding_whitespace(parts):
    """The Centreon capture uses CRLF; it is not copied (sanity rejects CRLF), so CRLF is made here."""
    body = fixture_bytes(*parts)
    assert b'\r' not in body
    assert wire.parse_body(b'\r\n  ' + body.replace(b'\n', b'\r\n') + b'\r\n\r\n') == wire.parse_body(body)


# --------------------------------------------------------------------------- Refs

REFS = [
    ('6b872a71-51e8-437a-8d45-5c6494b92f3f', 'CDP Policy 1@2021-02-11 19:08:36'),
    ('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', 'CDP Z\u00fcrich & "Ops"@2021-02-10 19:08:30'),
]


@pytest.mark.parametrize('name', ['query_cdpreplicasession_refs_em12.json', 'query_cdpreplicasession_refs_em13.json'])
def test_json_query_result_refs_are_two_levels(name):
    dummy, tree = parse_fixture('synthetic', name)
    assert isinstance(tree['refs'], dict) and list(tree['refs']) == ['refs']
    refs = wire.query_items(tree)
    assert [(ref['uid'], ref['name']) for ref in refs] == [
        ('urn:veeam:CdpReplicaSession:%s' % uuid, name) for uuid, name in REFS]
    assert [ref['type'] for ref in refs] == ['CdpReplicaSessionReference'] * 2
    assert wire.paging_info(tree) == (1, 1, 100)
    # A reference holds enough for the id: normalising it gives the id and the name.
    item = wire.normalise_item(res.CDP_REPLICA_SESSION, refs[1])
    assert (item['id'], item['name'], item['state']) == ('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', REFS[1][1], None)


def test_xml_query_result_refs():
    root, tree = parse_fixture('captures', 'repaired', 'veeam_doc_13.1__query_backupserver_refs_paged.xml')
    assert root == 'QueryResult'
    # <Refs><Ref/></Refs> becomes a list, as in JSON; a single <Ref> is a list of one.
    assert isinstance(tree['refs'], list) and len(tree['refs']) == 1
    refs = wire.query_items(tree)
    assert [(ref['uid'], ref['name'], ref['type']) for ref in refs] == [
        ('urn:veeam:BackupServer:e42211aa-321d-4f91-9c13-2342cf9557eb', '172.17.53.47', 'BackupServerReference')]
    assert [link['rel'] for link in refs[0]['links']] == ['Down', 'Down', 'Down', 'Down', 'Alternate', 'Down']
    # A multi-page answer: page 1 of 2, one per page.
    assert wire.paging_info(tree) == (1, 2, 1)
    assert [link['rel'] for link in tree['paging_info']['links']] == ['First', 'Next', 'Last']


def test_plain_collection_refs_json_is_one_level():
    dummy, tree = parse_fixture('captures', 'veeam_doc_13.0__cloud_tenants_refs.json')
    assert isinstance(tree['refs'], list)
    assert [ref['name'] for ref in wire.query_items(tree)] == ['QWE Systems', 'ABC Company', 'TechCompanyOrg']
    assert wire.paging_info(tree) is None


def test_plain_collection_refs_xml_root():
    """``<EntityReferences><Ref/>...`` is a root holding only refs: the tree is the list of refs."""
    root, tree = parse_fixture('captures', 'veeam_doc_13.1__cdpreplicasessions_refs.xml')
    assert root == 'EntityReferences'
    assert isinstance(tree, list) and tree
    assert {ref['type'] for ref in tree} == {'CdpReplicaSessionReference'}
    assert tree[0]['uid'] == 'urn:veeam:CdpReplicaSession:6b872a71-51e8-437a-8d45-5c6494b92f3f'


def test_xml_with_one_link_and_one_item_still_gives_lists():
    body = ('<QueryResult xmlns="http://www.veeam.com/ent/v1.0"><Entities><ReplicaJobSessions>'
            '<ReplicaJobSession UID="urn:veeam:ReplicaJobSession:0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b" Name="n">'
            '<Links><Link Rel="Up" Type="BackupServerReference" Href="https://h/api/backupServers/x" Name="vbr" /></Links>'
            '<JobName>Job &amp; "1"</JobName></ReplicaJobSession></ReplicaJobSessions></Entities>'
            '<PagingInfo PageNum="1" PageSize="100" PagesCount="1"><Links /></PagingInfo></QueryResult>')
    dummy, tree = wire.parse_body(body)
    items = wire.query_items(tree)
    assert len(items) == 1 and isinstance(items[0]['links'], list)
    assert tree['paging_info']['links'] is None
    item = wire.normalise_item(res.REPLICA_JOB_SESSION, items[0])
    assert (item['id'], item['job_name'], item['backup_server_name']) == (
        '0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b', 'Job & "1"', 'vbr')


@pytest.mark.parametrize('tree', [
    {'refs': None, 'entities': None, 'paging_info': {'page_num': 1, 'pages_count': 0, 'page_size': 100}},
    {'refs': {'refs': None}, 'entities': None},
    {'refs': [], 'entities': {'cdp_replica_sessions': None, 'jobs': None}},
    {'entities': {'cdp_replica_sessions': {'cdp_replica_sessions': []}}},
    {'entities': {'cdp_replica_sessions': {}}},
])
def test_empty_query_results(tree):
    assert wire.query_items(tree) == []


def test_empty_xml_query_result():
    dummy, tree = wire.parse_body(
        '<QueryResult xmlns="http://www.veeam.com/ent/v1.0"><Entities><CdpReplicaSessions /></Entities>'
        '<PagingInfo PageNum="1" PageSize="100" PagesCount="0" /></QueryResult>')
    assert wire.query_items(tree) == []
    assert wire.paging_info(tree) == (1, 0, 100)


def test_paging_info_of_the_multi_page_task_session_example():
    dummy, tree = parse_fixture('captures', 'repaired', 'veeam_doc_13.1__query_backuptasksession_entities_paged.xml')
    assert wire.paging_info(tree) == (1, 7, 3)
    items = wire.query_items(tree)
    assert [item['uid'].rsplit(':', 1)[1] for item in items] == [
        '38ceb150-e0a8-4f87-8a17-243afc1b98f4', 'e381e791-db27-492a-889b-1ed1f8217016', 'c8de8f77-46d7-4671-b789-f490cd710692']
    assert items[0]['reason'].startswith('Error: There is not enough space on the disk. Failed to write data to the file [C:\\Backup\\')
    assert items[1]['reason'] == 'Hard disk 1 (0 B)'


def test_paging_info_absent_or_partial():
    assert wire.paging_info({'entities': None}) is None
    assert wire.paging_info({'paging_info': None}) is None
    assert wire.paging_info([]) is None
    assert wire.paging_info({'paging_info': {'page_num': '2', 'pages_count': '', 'page_size': None}}) == (2, None, None)
