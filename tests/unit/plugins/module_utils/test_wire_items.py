# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The session items of the seed and capture XML examples, normalised by their resource descriptions.

Every value a module returns is asserted: ids taken from the UID (never from an Href, some of
which are wrong), times as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, ints, bools, empty texts as None,
absent end times as None, and the backup server's name from the BackupServerReference link.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _resources as res
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _wire as wire

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'fixtures')


def fixture_bytes(*parts):
    with open(os.path.join(FIXTURES, *parts), 'rb') as handle:
        return handle.read()


def parse_fixture(*parts):
    return wire.parse_body(fixture_bytes(*parts))


def query_fixture(resource, *parts):
    dummy, tree = parse_fixture(*parts)
    return [wire.normalise_item(resource, item) for item in wire.query_items(tree)]


# --------------------------------------------------------------------------- CdpReplicaSession

SEED_CDP_SESSION = {
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
}


@pytest.mark.parametrize('parts', [
    ('seeds', '000_cdpreplicasession_entity.xml'),
    ('captures', 'veeam_doc_13.0__cdpreplicasession_entity.xml'),
])
def test_cdp_replica_session_entity(parts):
    root, tree = parse_fixture(*parts)
    assert root == 'CdpReplicaSession'
    item = wire.normalise_item(res.CDP_REPLICA_SESSION, tree)
    assert item == SEED_CDP_SESSION
    # A running CDP session: result is the string 'None' (an EM enum value), not Python None.
    assert item['result'] == 'None' and item['end_time_utc'] is None
    assert list(item) == [field.key for field in res.CDP_REPLICA_SESSION.fields]


def test_seeds_with_no_break_spaces_parse_like_the_cleaned_captures():
    """The seed pages indent with U+00A0; the captures have ASCII spaces. The trees are the same."""
    for seed, capture in (
            ('000_cdpreplicasession_entity.xml', 'veeam_doc_13.0__cdpreplicasession_entity.xml'),
            ('003_replicajobsession_entity.xml', 'veeam_doc_13.0__replicajobsession_entity.xml'),
            ('004_cdpreplicatasksession_entity.xml', 'veeam_doc_13.0__cdpreplicatasksession_entity.xml')):
        assert '\u00a0' in fixture_bytes('seeds', seed).decode('utf-8')
        assert parse_fixture('seeds', seed) == parse_fixture('captures', capture)


def test_cdp_replica_session_query_entities():
    root, tree = parse_fixture('captures', 'repaired', 'veeam_doc_13.1__query_cdpreplicasession_entities.xml')
    assert root == 'QueryResult'
    assert wire.paging_info(tree) == (1, 1, 100)
    # The items arrive as <CdpPolicySession Type="CdpReplicaSession"> inside <CdpReplicaSessions>.
    assert list(tree['entities']) == ['cdp_replica_sessions']
    assert list(tree['entities']['cdp_replica_sessions']) == ['cdp_policy_session']
    items = [wire.normalise_item(res.CDP_REPLICA_SESSION, item) for item in wire.query_items(tree)]
    common = {
        'policy_uid': 'urn:veeam:CdpPolicy:872a3860-3805-43b8-bcf6-388384bfed33',
        'policy_name': 'CDP Policy',
        'policy_type': 'CdpReplica',
        'progress': 0,
        'failure_message': None,
        'is_retry': False,
        'backup_server_name': 'backupsrv29.tech.local',
    }
    running = dict(common, **{
        'id': 'd05b25d0-c55c-41dd-b1e3-cd7e454a1937',
        'uid': 'urn:veeam:CdpReplicaSession:d05b25d0-c55c-41dd-b1e3-cd7e454a1937',
        'name': 'CDP Policy@2025-06-16 15:00:53',
        'href': 'https://localhost:9398/api/cdpReplicaSessions/d05b25d0-c55c-41dd-b1e3-cd7e454a1937?format=Entity',
        'creation_time_utc': '2025-06-16T15:00:53.780000Z',
        'end_time_utc': None,
        'state': 'Working',
        'result': 'None',
    })
    stopped = dict(common, **{
        'id': '30a2b685-f858-4f15-9ef6-d3b007a99d2d',
        'uid': 'urn:veeam:CdpReplicaSession:30a2b685-f858-4f15-9ef6-d3b007a99d2d',
        'name': 'CDP Policy@2025-06-15 15:00:08',
        'href': 'https://localhost:9398/api/cdpReplicaSessions/30a2b685-f858-4f15-9ef6-d3b007a99d2d?format=Entity',
        'creation_time_utc': '2025-06-15T15:00:08.847000Z',
        'end_time_utc': '2025-06-16T15:00:53.780000Z',
        'state': 'Stopped',
        'result': 'Failed',
    })
    assert items == [running, stopped]
    # The stopped session ended when the running one started.
    assert stopped['end_time_utc'] == running['creation_time_utc']


# --------------------------------------------------------------------------- CdpReplicaTaskSession

SEED_CDP_TASK_SESSION = {
    'id': '2ec4d35f-b5d8-4cb3-9d11-12e1d5792625',
    'uid': 'urn:veeam:CdpReplicaTaskSession:2ec4d35f-b5d8-4cb3-9d11-12e1d5792625',
    'name': 'virt03-ubuntu01@2021-02-12 00:00:10',
    'vm_display_name': 'virt03-ubuntu01',
    'policy_session_uid': 'urn:veeam:CdpReplicaSession:6b872a71-51e8-437a-8d45-5c6494b92f3f',
    'policy_session_id': '6b872a71-51e8-437a-8d45-5c6494b92f3f',
    'policy_session_name': 'CDP Policy 1@2021-02-11 19:08:36',
    'creation_time_utc': '2021-02-12T00:00:10.457000Z',
    'end_time_utc': None,
    'state': 'InProgress',
    'result': 'Success',
    'reason': None,
    'total_size': 17179869184,
    'backup_server_name': 'enterprise03.tech.local',
}


@pytest.mark.parametrize('parts', [
    ('seeds', '004_cdpreplicatasksession_entity.xml'),
    ('captures', 'veeam_doc_13.0__cdpreplicatasksession_entity.xml'),
])
def test_cdp_replica_task_session_entity(parts):
    root, tree = parse_fixture(*parts)
    assert root == 'CdpReplicaTaskSession'
    # The entity's Href names the wrong collection; the id must come from the UID.
    assert '/api/replicaTaskSessions/2ec4d35f-' in tree['href']
    item = wire.normalise_item(res.CDP_REPLICA_TASK_SESSION, tree)
    assert item == SEED_CDP_TASK_SESSION
    assert res.CDP_REPLICA_TASK_SESSION.entity_path(item['id']) == (
        '/cdpReplicaTaskSessions/2ec4d35f-b5d8-4cb3-9d11-12e1d5792625')
    # The parent session it names is the seed 000 session.
    assert item['policy_session_id'] == SEED_CDP_SESSION['id']
    assert item['policy_session_uid'] == SEED_CDP_SESSION['uid']
    assert item['policy_session_name'] == SEED_CDP_SESSION['name']


def test_id_comes_from_the_uid_even_when_the_href_names_another_item():
    dummy, tree = parse_fixture('captures', 'veeam_doc_13.0__cdpreplicatasksession_entity.xml')
    tree['href'] = 'https://localhost:9398/api/replicaTaskSessions/00000000-0000-0000-0000-000000000000?format=Entity'
    tree['links'] = [link for link in tree['links'] if link.get('rel') != 'Alternate']
    item = wire.normalise_item(res.CDP_REPLICA_TASK_SESSION, tree)
    assert item['id'] == '2ec4d35f-b5d8-4cb3-9d11-12e1d5792625'


def test_cdp_replica_task_session_query_entities():
    root, tree = parse_fixture('captures', 'repaired', 'veeam_doc_13.1__query_cdpreplicatasksession_entities.xml')
    assert root == 'QueryResult'
    assert wire.paging_info(tree) == (1, 1, 100)
    raw = wire.query_items(tree)
    assert [item['href'].split('/api/')[1].split('/')[0] for item in raw] == ['replicaTaskSessions'] * 3
    items = [wire.normalise_item(res.CDP_REPLICA_TASK_SESSION, item) for item in raw]
    common = {
        'vm_display_name': 'virt03-ubuntu01',
        'state': 'Completed',
        'result': 'Success',
        'reason': None,
        'total_size': 17179869184,
        'backup_server_name': 'backupsrv29.tech.local',
    }
    expected = [
        ('787d754e-6399-46f1-8199-2207f0e8fe20', '2025-06-15 07:00:06', '042da2cf-86a9-4d09-9766-be90f3ccd506',
         'CDP Policy@2025-06-14 15:00:24', '2025-06-15T07:00:06.787000Z', '2025-06-15T15:00:08.847000Z'),
        ('0e9b9a27-15fd-4dee-98f9-5a98f0d89a3e', '2025-06-15 15:00:09', '30a2b685-f858-4f15-9ef6-d3b007a99d2d',
         'CDP Policy@2025-06-15 15:00:08', '2025-06-15T15:00:09.050000Z', '2025-06-15T23:00:06.493000Z'),
        ('136e9284-b6b3-44f2-ad04-af57a610c3cd', '2025-06-15 23:00:06', '30a2b685-f858-4f15-9ef6-d3b007a99d2d',
         'CDP Policy@2025-06-15 15:00:08', '2025-06-15T23:00:06.510000Z', '2025-06-16T07:00:06.663000Z'),
    ]
    assert items == [dict(common, **{
        'id': uuid,
        'uid': 'urn:veeam:CdpReplicaTaskSession:%s' % uuid,
        'name': 'virt03-ubuntu01@%s' % started,
        'policy_session_uid': 'urn:veeam:CdpReplicaSession:%s' % parent,
        'policy_session_id': parent,
        'policy_session_name': parent_name,
        'creation_time_utc': created,
        'end_time_utc': ended,
    }) for uuid, started, parent, parent_name, created, ended in expected]
    # The sortable time strings order as the times do.
    assert sorted(item['creation_time_utc'] for item in items) == [item['creation_time_utc'] for item in items]


# --------------------------------------------------------------------------- ReplicaJobSession

SEED_REPLICA_JOB_SESSION = {
    'id': '0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b',
    'uid': 'urn:veeam:ReplicaJobSession:0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b',
    'name': 'Fileserver02 Replication@2014-10-19 06:46:31',
    'href': 'https://localhost:9398/api/replicaSessions/0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b?format=Entity',
    'job_uid': 'urn:veeam:Job:2c49a44e-1e59-4527-a6bc-6b2f9b579ee1',
    'job_name': 'Fileserver02 Replication',
    'job_type': 'Replica',
    'creation_time_utc': '2014-10-19T06:46:31.000000Z',
    'end_time_utc': '2014-10-19T07:02:35.000000Z',
    'state': 'Stopped',
    'result': 'Success',
    'progress': 100,
    'is_retry': False,
    'backup_server_name': 'srv02.tech.local',
}


@pytest.mark.parametrize('parts', [
    ('seeds', '003_replicajobsession_entity.xml'),
    ('captures', 'veeam_doc_13.0__replicajobsession_entity.xml'),
])
def test_replica_job_session_entity(parts):
    root, tree = parse_fixture(*parts)
    assert root == 'ReplicaJobSession'
    # The Down link carries EM's typo; nothing returned may come from it.
    assert any(link['href'].endswith('/repicaTaskSessions') for link in tree['links'])
    item = wire.normalise_item(res.REPLICA_JOB_SESSION, tree)
    assert item == SEED_REPLICA_JOB_SESSION
    assert not any('repica' in value for value in item.values() if isinstance(value, str))
    assert res.REPLICA_JOB_SESSION.entity_path(item['id']) == '/replicaSessions/0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b'


# --------------------------------------------------------------------------- ReplicaTaskSession

def test_replica_task_session_entity_with_typo_href():
    root, tree = parse_fixture('captures', 'veeam_doc_13.0__replicatasksession_entity.xml')
    assert root == 'ReplicaTaskSession'
    assert '/repicaTaskSessions/' in tree['href']
    item = wire.normalise_item(res.REPLICA_TASK_SESSION, tree)
    assert item == {
        'id': '24590151-20cd-4e57-8a2f-8b65869a1879',
        'uid': 'urn:veeam:ReplicaTaskSession:24590151-20cd-4e57-8a2f-8b65869a1879',
        'name': 'srv04@2014-10-19 06:47:21',
        'vm_display_name': 'srv04',
        'job_session_uid': 'urn:veeam:ReplicaJobSession:0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b',
        'job_session_id': '0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b',
        'job_session_name': 'Fileserver02 Replication@2014-10-19 06:46:31',
        'creation_time_utc': '2014-10-19T06:47:21.000000Z',
        'end_time_utc': '2014-10-19T07:02:33.000000Z',
        'state': 'Completed',
        'result': 'Success',
        'reason': None,
        'total_size': 64424509440,
        'backup_server_name': 'srv02.tech.local',
    }
    assert item['job_session_id'] == SEED_REPLICA_JOB_SESSION['id']
    assert item['job_session_name'] == SEED_REPLICA_JOB_SESSION['name']
    assert res.REPLICA_TASK_SESSION.entity_path(item['id']) == '/replicaTaskSessions/24590151-20cd-4e57-8a2f-8b65869a1879'


def test_replica_task_session_query_entities():
    root, tree = parse_fixture('captures', 'repaired', 'veeam_doc_13.1__query_replicatasksession_entities.xml')
    assert root == 'QueryResult'
    # This example shows a page size of 15.
    assert wire.paging_info(tree) == (1, 1, 15)
    items = [wire.normalise_item(res.REPLICA_TASK_SESSION, item) for item in wire.query_items(tree)]
    common = {
        'vm_display_name': 'apache02',
        'state': 'Completed',
        'result': 'Success',
        'reason': None,
        'total_size': 8589934592,
        'backup_server_name': 'enterprise06.tech.local',
    }
    assert items == [
        dict(common, **{
            'id': 'efe448ad-6d52-496b-ba79-decd586713eb',
            'uid': 'urn:veeam:ReplicaTaskSession:efe448ad-6d52-496b-ba79-decd586713eb',
            'name': 'apache02@2025-06-17 20:00:18',
            'job_session_uid': 'urn:veeam:ReplicaJobSession:90e440bb-8af1-4e3f-8022-bfd89dd267a0',
            'job_session_id': '90e440bb-8af1-4e3f-8022-bfd89dd267a0',
            'job_session_name': 'Replication Job 2@2025-06-17 20:00:05',
            'creation_time_utc': '2025-06-17T20:00:18.060000Z',
            'end_time_utc': '2025-06-17T20:02:36.993000Z',
        }),
        dict(common, **{
            'id': '3be8eb42-7d94-4789-b2cf-891a2d9aed41',
            'uid': 'urn:veeam:ReplicaTaskSession:3be8eb42-7d94-4789-b2cf-891a2d9aed41',
            'name': 'apache02@2025-06-17 15:17:00',
            'job_session_uid': 'urn:veeam:ReplicaJobSession:c73c05f9-1f01-4a72-8126-c8fc8ed2df12',
            'job_session_id': 'c73c05f9-1f01-4a72-8126-c8fc8ed2df12',
            'job_session_name': 'Replication Job 2@2025-06-17 15:16:53',
            'creation_time_utc': '2025-06-17T15:17:00.380000Z',
            'end_time_utc': '2025-06-17T15:19:31.547000Z',
        }),
    ]


def test_replica_task_session_from_a_real_looking_collection_entity():
    """``?format=Entity`` on a plain collection: declaration, xsd/xsi namespaces, other attribute order."""
    root, tree = parse_fixture('captures', 'veeam_doc_13.1__replicasessions_id_replicatasksessions_entity.xml')
    assert root == 'ReplicaTaskSessions'
    assert list(tree) == ['replica_task_session']  # the xmlns declarations are dropped
    item = wire.normalise_item(res.REPLICA_TASK_SESSION, tree['replica_task_session'])
    assert item == {
        'id': 'c20dae03-4f75-4191-ae81-862f4b7988ca',
        'uid': 'urn:veeam:ReplicaTaskSession:c20dae03-4f75-4191-ae81-862f4b7988ca',
        'name': 'ubuntu88@2025-11-03 21:00:26',
        'vm_display_name': 'ubuntu88',
        'job_session_uid': 'urn:veeam:ReplicaJobSession:f5bf1a4b-c229-452e-a4e8-0354e1752b4e',
        'job_session_id': 'f5bf1a4b-c229-452e-a4e8-0354e1752b4e',
        'job_session_name': 'Replication Job 1@2025-11-03 21:00:11',
        'creation_time_utc': '2025-11-03T21:00:26.190000Z',
        'end_time_utc': '2025-11-03T21:03:16.730000Z',
        'state': 'Completed',
        'result': 'Success',
        'reason': None,
        'total_size': 17179869184,
        'backup_server_name': 'enterprise06.tech.local',
    }


# --------------------------------------------------------------------------- field conversion

UID = 'urn:veeam:CdpReplicaSession:6b872a71-51e8-437a-8d45-5c6494b92f3f'


@pytest.mark.parametrize('field, value, expected', [
    ('progress', '42', 42),
    ('progress', 42, 42),
    ('progress', ' 7 ', 7),
    ('is_retry', 'false', False),
    ('is_retry', 'True', True),
    ('is_retry', ' TRUE ', True),
    ('is_retry', True, True),
    ('failure_message', '', None),
    ('failure_message', '   ', None),
    ('failure_message', {}, None),
    ('failure_message', None, None),
    ('failure_message', 'Disk full', 'Disk full'),
    ('end_time_utc', '', None),
    ('end_time_utc', '2021-02-11T19:08:36Z', '2021-02-11T19:08:36.000000Z'),
    ('end_time_utc', '2021-02-11T20:08:36.5+01:00', '2021-02-11T19:08:36.500000Z'),
    ('name', 'Z\u00fcrich "Ops" & Co', 'Z\u00fcrich "Ops" & Co'),
])
def test_field_conversion(field, value, expected):
    item = wire.normalise_item(res.CDP_REPLICA_SESSION, {'uid': UID, field: value})
    assert item[field] == expected
    assert type(item[field]) is type(expected)  # pylint: disable=unidiomatic-typecheck


def test_absent_fields_are_none_and_the_uuid_is_lower_case():
    upper_uid = 'urn:veeam:CdpReplicaSession:6B872A71-51E8-437A-8D45-5C6494B92F3F'
    item = wire.normalise_item(res.CDP_REPLICA_SESSION, {'uid': upper_uid})
    assert item['id'] == '6b872a71-51e8-437a-8d45-5c6494b92f3f'
    assert item['uid'] == upper_uid  # the UID itself is returned as sent
    assert all(value is None for key, value in item.items() if key not in ('id', 'uid'))


def test_backup_server_name_comes_from_the_first_backup_server_link():
    links = [
        {'rel': 'Up', 'type': 'CdpPolicyReference', 'name': 'policy'},
        {'rel': 'Up', 'type': 'BackupServerReference', 'name': 'vbr01.example.com'},
        {'rel': 'Up', 'type': 'BackupServerReference', 'name': 'second'},
    ]
    assert wire.normalise_item(res.CDP_REPLICA_SESSION, {'uid': UID, 'links': links})['backup_server_name'] == 'vbr01.example.com'
    assert wire.normalise_item(res.CDP_REPLICA_SESSION, {'uid': UID, 'links': links[:1]})['backup_server_name'] is None
    assert wire.normalise_item(res.CDP_REPLICA_SESSION, {'uid': UID, 'links': None})['backup_server_name'] is None
    # A single XML <Link> arrives as a dict when not collapsed; it is read too.
    assert wire.normalise_item(res.CDP_REPLICA_SESSION, {'uid': UID, 'links': links[1]})['backup_server_name'] == 'vbr01.example.com'


@pytest.mark.parametrize('field, value, words', [
    ('progress', 'abc', ('progress', 'int')),
    ('progress', '1.0', ('progress', 'int')),
    ('is_retry', 'yes', ('is_retry', 'bool')),
    ('is_retry', 0, ('is_retry', 'bool')),
    ('creation_time_utc', 'yesterday', ('creation_time_utc', 'time')),
    ('creation_time_utc', '2021-02-30T00:00:00Z', ('creation_time_utc', 'time')),
    ('name', {'x': '1'}, ('name', 'structure')),
    ('state', ['Working', 'Stopped'], ('state', 'structure')),
])
def test_bad_field_values_raise_body_error_naming_the_field(field, value, words):
    with pytest.raises(wire.BodyError) as caught:
        wire.normalise_item(res.CDP_REPLICA_SESSION, {'uid': UID, field: value})
    for word in words:
        assert word in str(caught.value)


@pytest.mark.parametrize('item', [{}, {'uid': ''}, {'uid': None}, {'name': 'x', 'uid': '  '}])
def test_an_item_without_uid_is_rejected(item):
    with pytest.raises(wire.BodyError, match='has no UID'):
        wire.normalise_item(res.CDP_REPLICA_SESSION, item)


@pytest.mark.parametrize('item', [None, [], 'text'])
def test_an_item_that_is_not_an_object_is_rejected(item):
    with pytest.raises(wire.BodyError, match='not an object'):
        wire.normalise_item(res.REPLICA_TASK_SESSION, item)


@pytest.mark.parametrize('uid', [{'x': '1'}, 12345, ['urn:veeam:CdpReplicaSession:6b872a71-51e8-437a-8d45-5c6494b92f3f']])
def test_a_uid_that_is_not_text_raises_body_error(uid):
    with pytest.raises(wire.BodyError):
        wire.normalise_item(res.CDP_REPLICA_SESSION, {'uid': uid})


def test_a_time_out_of_range_raises_body_error():
    with pytest.raises(wire.BodyError, match='creation_time_utc'):
        wire.normalise_item(res.CDP_REPLICA_SESSION, {'uid': UID, 'creation_time_utc': '9999-12-31T23:59:59-01:00'})
