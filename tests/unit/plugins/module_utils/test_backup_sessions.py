# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""BackupJobSession and BackupTaskSession, read from the real captures in the three wire forms.

Every capture exists in one wire form only (live EM 12 or EM 13 JSON, or a documentation XML body). This
test writes each one out in the two other forms, with a converter of its own that knows nothing of the
collection's parser (ElementTree for XML, json for JSON), and checks that the three forms normalise to the
same items, and that those items hold what the capture holds.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _info_module as info_module
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _resources as res
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _wire as wire
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._query import build_filter

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'fixtures', 'captures')
NS = 'http://www.veeam.com/ent/v1.0'
# What EM writes as XML attributes of an item; everything else is an element.
ATTRIBUTES = ('Href', 'Type', 'Name', 'UID', 'VmDisplayName')
INTEGERS = ('Progress', 'TotalSize', 'PageNum', 'PageSize', 'PagesCount')
BOOLEANS = ('IsRetry',)


def read(name):
    with open(os.path.join(FIXTURES, name), 'rb') as handle:
        return handle.read()


# --------------------------------------------------------------------------- converters (test side only)

def camel(key):
    """EM 13 (System.Text.Json) camelCase: the leading upper-case run is lowered (``UID`` -> ``uid``)."""
    chars = list(key)
    for index, char in enumerate(chars):
        if not char.isupper():
            break
        if 0 < index < len(chars) - 1 and not chars[index + 1].isupper():
            break
        chars[index] = char.lower()
    return ''.join(chars)


def pascal(key):
    """EM 12 PascalCase from EM 13 camelCase, for the keys these bodies have."""
    special = {'uid': 'UID', 'creationTimeUTC': 'CreationTimeUTC', 'endTimeUTC': 'EndTimeUTC'}
    return special.get(key, key[:1].upper() + key[1:])


def rekey(value, how):
    if isinstance(value, dict):
        return dict((how(key), rekey(child, how)) for key, child in value.items())
    if isinstance(value, list):
        return [rekey(child, how) for child in value]
    return value


def xml_value(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return '%s' % (value,)


def xml_links(links):
    parts = []
    for link in links:
        attrs = ''.join(' %s=%s' % (key, quoteattr(link[key])) for key in ('Href', 'Name', 'Type', 'Rel')
                        if link.get(key) is not None)
        parts.append('<Link%s />' % attrs)
    return '<Links>%s</Links>' % ''.join(parts)


def xml_item(tag, item):
    attrs = ''.join(' %s=%s' % (key, quoteattr(item[key])) for key in ATTRIBUTES if item.get(key) is not None)
    body = [xml_links(item.get('Links') or [])]
    for key, value in item.items():
        if key in ATTRIBUTES or key == 'Links' or value is None:
            continue
        text = xml_value(value)
        body.append('<%s />' % key if text == '' else '<%s>%s</%s>' % (key, escape(text), key))
    return '<%s%s>%s</%s>' % (tag, attrs, ''.join(body), tag)


def em12_query_to_xml(doc):
    """An EM 12 JSON QueryResult (format=Entities) as the XML EM sends for it."""
    entities = dict((key, value) for key, value in doc['Entities'].items() if value)
    (outer, wrapper), = entities.items()
    (inner, items), = wrapper.items()
    paging = doc['PagingInfo']
    return ('<QueryResult xmlns="%s"><Entities><%s>%s</%s></Entities>'
            '<PagingInfo PagesCount="%d" PageSize="%d" PageNum="%d">%s</PagingInfo></QueryResult>' % (
                NS, outer, ''.join(xml_item(inner[:-1] if inner.endswith('s') else inner, item) for item in items), outer,
                paging['PagesCount'], paging['PageSize'], paging['PageNum'], xml_links(paging['Links'])))


def typed(name, text):
    if name in INTEGERS:
        return int(text)
    if name in BOOLEANS:
        return text == 'true'
    return text


def element_to_em12(element):
    """An XML item element as the EM 12 JSON object: elements first, then attributes, Links, Href and Type."""
    out = {}
    links = []
    for child in element:
        name = child.tag.split('}')[-1]
        if name == 'Links':
            links = [dict(Rel=link.get('Rel'), Href=link.get('Href'), Name=link.get('Name'), Type=link.get('Type'))
                     for link in child]
        else:
            out[name] = typed(name, child.text or '')
    for key in ('VmDisplayName', 'Name', 'UID'):
        if key in element.attrib:
            out[key] = element.get(key)
    out.update(Links=links, Href=element.get('Href'), Type=element.get('Type'))
    return out


def xml_query_to_em12(text):
    root = ET.fromstring(text)
    entities = root.find('{%s}Entities' % NS)
    outer = entities[0]
    items = [element_to_em12(item) for item in outer]
    paging = root.find('{%s}PagingInfo' % NS)
    return {
        'Refs': None,
        'Entities': {outer.tag.split('}')[-1]: {outer.tag.split('}')[-1]: items}},
        'PagingInfo': {'Links': [dict(Rel=link.get('Rel'), Href=link.get('Href'), Name=None, Type=None)
                                 for link in paging.find('{%s}Links' % NS)],
                       'PageNum': int(paging.get('PageNum')), 'PageSize': int(paging.get('PageSize')),
                       'PagesCount': int(paging.get('PagesCount'))},
    }


def three_forms(name):
    """``{'xml', 'em12', 'em13'}`` bodies of one capture, the capture itself being one of them."""
    body = read(name)
    if name.endswith('.xml'):
        em12 = xml_query_to_em12(body)
        return {'xml': body, 'em12': json.dumps(em12), 'em13': json.dumps(rekey(em12, camel))}
    doc = json.loads(body.decode('utf-8'))
    if 'entities' in doc:  # EM 13
        em12 = rekey(doc, pascal)
        return {'xml': em12_query_to_xml(em12), 'em12': json.dumps(em12), 'em13': body}
    return {'xml': em12_query_to_xml(doc), 'em12': body, 'em13': json.dumps(rekey(doc, camel))}


def normalised(resource, body):
    dummy, tree = wire.parse_body(body)
    assert wire.paging_info(tree)[0] == 1
    return [wire.normalise_item(resource, item) for item in wire.query_items(tree)]


# --------------------------------------------------------------------------- identical items in every form

JOB_CAPTURES = [
    'httpapi_exporter__query_backupjobsession_entities_v12.json',
    'httpapi_exporter__query_backupjobsession_entities_v13.json',
    os.path.join('lf', 'centreon__query_backupjobsession_entities_v12.json'),
    'veeam_doc_13.1__query_backupjobsession_entities.xml',
]
TASK_CAPTURES = [
    'httpapi_exporter__query_backuptasksession_entities_v12.json',
    'httpapi_exporter__query_backuptasksession_entities_v13.json',
    os.path.join('repaired', 'veeam_doc_13.1__query_backuptasksession_entities_paged.xml'),
]


@pytest.mark.parametrize('resource, name', [(res.BACKUP_JOB_SESSION, name) for name in JOB_CAPTURES]
                         + [(res.BACKUP_TASK_SESSION, name) for name in TASK_CAPTURES])
def test_xml_em12_and_em13_give_identical_items(resource, name):
    forms = three_forms(name)
    items = dict((form, normalised(resource, body)) for form, body in forms.items())
    assert items['xml'] == items['em12'] == items['em13']
    assert items['xml'], 'the capture holds items'
    for item in items['xml']:
        assert list(item) == [field.key for field in resource.fields]
        assert item['uid'].startswith('urn:veeam:%s:' % resource.query_type)
        assert item['id'] == item['uid'].rsplit(':', 1)[1]
        assert item['backup_server_name']


def test_the_converters_keep_what_they_convert():
    """A converter that lost fields would make the comparison above hollow: round trips are exact."""
    for name in ('httpapi_exporter__query_backupjobsession_entities_v12.json',
                 'httpapi_exporter__query_backuptasksession_entities_v12.json'):
        doc = json.loads(read(name).decode('utf-8'))
        back = xml_query_to_em12(em12_query_to_xml(doc))
        (key, wrapper), = [(key, value) for key, value in doc['Entities'].items() if value]
        # XML has no null: a null field is an absent element, and comes back absent.
        expected = [dict((name, value) for name, value in item.items() if value is not None) for item in wrapper[key]]
        assert back['Entities'] == {key: {key: expected}}
        assert len(expected) > 1 and all(len(item) > 10 for item in expected)
        assert back['PagingInfo']['PagesCount'] == doc['PagingInfo']['PagesCount']
        # Items and paging survive camelCase and back (the 50 Entities keys need not: NASJobs, vAppRestorePoints).
        assert rekey(rekey(wrapper, camel), pascal) == wrapper
        assert rekey(rekey(doc['PagingInfo'], camel), pascal) == doc['PagingInfo']


# --------------------------------------------------------------------------- what the captures hold

def test_em12_backup_job_sessions():
    items = normalised(res.BACKUP_JOB_SESSION, read(JOB_CAPTURES[0]))
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
        'failure_message': None,
        'is_retry': False,
        'backup_server_name': 'myhost2.mydomain.org',
    }
    assert [item['is_retry'] for item in items] == [False, True, False]


def test_em13_backup_job_sessions():
    items = normalised(res.BACKUP_JOB_SESSION, read(JOB_CAPTURES[1]))
    assert [(item['id'], item['job_type'], item['result'], item['is_retry'], item['progress']) for item in items] == [
        ('7e9fd38b-10bd-4943-8c4f-f3fd991da78d', 'Backup', 'Success', True, 100),
        (items[1]['id'], 'Backup', 'Failed', items[1]['is_retry'], items[1]['progress']),
    ]
    assert items[0]['creation_time_utc'] == '2026-06-16T06:33:10.659559Z'


def test_centreon_em12_backup_job_sessions():
    """24 real sessions of two job types; the anonymised UIDs are not UUIDs, and one job UID is cut short."""
    items = normalised(res.BACKUP_JOB_SESSION, read(JOB_CAPTURES[2]))
    assert len(items) == 24
    counts = {}
    for item in items:
        key = (item['job_type'], item['result'], item['is_retry'])
        counts[key] = counts.get(key, 0) + 1
    assert counts == {
        ('Backup', 'Success', False): 13, ('Backup', 'Success', True): 1, ('Backup', 'Failed', True): 2,
        ('Backup', 'Failed', False): 1, ('NasBackup', 'Success', False): 3, ('NasBackup', 'Success', True): 1,
        ('NasBackup', 'Warning', False): 2, ('NasBackup', 'Failed', False): 1,
    }
    assert items[0]['id'] == 'xxxxxxxx-yyyy-zzzz-1111-aaaaaaaaaaaa'
    assert items[-1]['job_uid'] == 'urn:veeam:Job'
    assert items[-1]['end_time_utc'] == '2025-02-19T03:28:10.307000Z'
    assert {item['backup_server_name'] for item in items} == {'serveur_veeam.domain.local'}
    assert {item['failure_message'] for item in items} == {None}


def test_em12_backup_task_sessions():
    items = normalised(res.BACKUP_TASK_SESSION, read(TASK_CAPTURES[0]))
    assert items[0] == {
        'id': '5c8add49-6b08-4147-bc38-00293667728a',
        'uid': 'urn:veeam:BackupTaskSession:5c8add49-6b08-4147-bc38-00293667728a',
        'name': 'MYHOST@2026-06-15 05:50:19',
        'vm_display_name': 'MYHOST',
        'job_session_uid': 'urn:veeam:BackupJobSession:ddf1d66d-0ee8-4964-8da3-3780f3f9775f',
        'job_session_id': 'ddf1d66d-0ee8-4964-8da3-3780f3f9775f',
        'creation_time_utc': '2026-06-15T05:50:19.807000Z',
        'end_time_utc': '2026-06-15T05:50:44.620000Z',
        'state': 'Completed',
        'result': 'Success',
        'reason': None,  # "" on the wire
        'total_size': 0,
        'backup_server_name': 'myhost.mydomain.org',
    }
    assert [item['vm_display_name'] for item in items] == ['MYHOST', 'MYHOST2']


def test_em13_backup_task_sessions():
    items = normalised(res.BACKUP_TASK_SESSION, read(TASK_CAPTURES[1]))
    assert [(item['vm_display_name'], item['result'], item['total_size'], item['job_session_id']) for item in items] == [
        ('myhost', 'Failed', 0, 'bc6b105b-7e45-4e86-8f41-5d177d78d273'),
        ('myhost', 'Success', 214748364800, '7e9fd38b-10bd-4943-8c4f-f3fd991da78d'),
        ('myhost3', 'Success', 214748364800, 'bc6b105b-7e45-4e86-8f41-5d177d78d273'),
        ('myhost2', 'Success', 214748364800, 'bc6b105b-7e45-4e86-8f41-5d177d78d273'),
    ]
    assert items[0]['reason'].startswith('Processing myhost Error: An error occurred while quiescing')
    assert items[0]['creation_time_utc'] == '2026-06-16T06:22:59.399120Z'
    # A task session of the EM 13 job session capture: the two captures are one server's data.
    jobs = normalised(res.BACKUP_JOB_SESSION, read(JOB_CAPTURES[1]))
    assert items[1]['job_session_id'] == jobs[0]['id']


def test_em12_and_em13_task_captures_have_the_same_raw_keys():
    keys = []
    for name in TASK_CAPTURES[:2]:
        dummy, tree = wire.parse_body(read(name))
        keys.append(set().union(*[set(item) for item in wire.query_items(tree)]))
    assert keys[0] == keys[1] == {
        'job_session_uid', 'creation_time_utc', 'end_time_utc', 'state', 'result', 'reason', 'total_size', 'vm_uid',
        'vm_display_name', 'name', 'uid', 'links', 'href', 'type'}


@pytest.mark.parametrize('name, expected', [
    ('veeam_doc_13.1__backupsession_entity.xml', {
        'id': 'a057c2c3-f3bd-4ab4-9fb7-24058cccb4f6', 'job_name': 'Backup Job 3', 'job_type': 'Backup',
        'creation_time_utc': '2025-09-24T20:00:09.607000Z', 'end_time_utc': '2025-09-24T20:02:54.717000Z',
        'state': 'Stopped', 'result': 'Success', 'progress': 100, 'is_retry': False, 'failure_message': None,
        'backup_server_name': 'enterprise01.tech.local'}),
    ('veeam_doc_13.0__backupjobsession_entity.xml', {
        'id': 'd46e39e0-1131-4585-91a7-e828ce7eafae', 'job_name': 'Fileserver Backup',
        'creation_time_utc': '2014-10-19T05:22:52.000000Z', 'backup_server_name': 'srv02.tech.local'}),
])
def test_backup_job_session_entities(name, expected):
    root, tree = wire.parse_body(read(name))
    assert root == 'BackupJobSession'
    item = wire.normalise_item(res.BACKUP_JOB_SESSION, tree)
    assert dict((key, item[key]) for key in expected) == expected


@pytest.mark.parametrize('name, expected', [
    ('veeam_doc_13.1__backuptasksession_entity.xml', {
        'id': '88322206-a645-4aa3-9228-028ce51e7c0f', 'vm_display_name': 'AnT_VM2',
        'job_session_id': '0d3a8230-3db1-4cc1-a7b2-3b0b5c8f784c', 'reason': None, 'total_size': 12884901888,
        'backup_server_name': 'enterprise01.tech.local'}),
    ('veeam_doc_13.0__backuptasksession_entity.xml', {
        'id': '88767486-89d6-4340-92f0-2ad615a8f21b', 'vm_display_name': 'srv04', 'total_size': 64424509440,
        'end_time_utc': '2014-10-19T05:40:39.000000Z'}),
])
def test_backup_task_session_entities(name, expected):
    root, tree = wire.parse_body(read(name))
    assert root == 'BackupTaskSession'
    item = wire.normalise_item(res.BACKUP_TASK_SESSION, tree)
    assert dict((key, item[key]) for key in expected) == expected


# --------------------------------------------------------------------------- the descriptions and their filters

def test_the_descriptions_follow_the_reference():
    job, task = res.BACKUP_JOB_SESSION, res.BACKUP_TASK_SESSION
    assert (job.query_type, job.collection, job.time_field) == ('BackupJobSession', 'backupSessions', 'CreationTime')
    assert (task.query_type, task.collection, task.time_field) == ('BackupTaskSession', 'backupTaskSessions', 'CreationTime')
    assert [field.key for field in job.fields] == [
        'id', 'uid', 'name', 'href', 'job_uid', 'job_name', 'job_type', 'creation_time_utc', 'end_time_utc', 'state',
        'result', 'progress', 'failure_message', 'is_retry', 'backup_server_name']
    assert [field.key for field in task.fields] == [
        'id', 'uid', 'name', 'vm_display_name', 'job_session_uid', 'job_session_id', 'creation_time_utc', 'end_time_utc',
        'state', 'result', 'reason', 'total_size', 'backup_server_name']
    assert res.BACKUP_JOB_TYPES == ('Backup', 'BackupCopy', 'ImmediateBackupCopy', 'ImmediateBackupCopyWorker',
                                    'AgentBackup', 'AgentManagement', 'NasBackup')
    # Every filter the modules build goes to the server: nothing is filtered locally.
    for resource in (job, task):
        for field in resource.fields:
            if field.filter_field:
                assert resource.server_filterable(field.filter_field), field
    assert not job.server_filterable('FailureMessage')


def module_spec(name):
    module = __import__('ansible_collections.veeam.enterprise_manager.plugins.modules.%s' % name, fromlist=['SPEC'])
    return module.SPEC


def test_backup_session_options_become_one_filter():
    spec = module_spec('backup_session_info')
    params = dict((name, None) for name in spec.argument_spec())
    params.update(job_name='Job "A"; B', job_type=['Backup', 'NasBackup'], is_retry=False, result=['Failed'],
                  created_after='2025-08-15T06:00:00Z')
    assert build_filter(spec.conditions(params)) == (
        'Result=="Failed";CreationTime>="2025-08-15T06:00:00Z";'
        'JobName=="Job ""A""; B";(JobType=="Backup",JobType=="NasBackup");IsRetry=="false"')


def test_backup_task_session_options_become_one_filter():
    spec = module_spec('backup_task_session_info')
    params = dict((name, None) for name in spec.argument_spec())
    params.update(session_id='urn:veeam:BackupJobSession:0D3A8230-3db1-4cc1-a7b2-3b0b5c8f784c', vm_name='AnT_VM2')
    assert build_filter(spec.conditions(params)) == (
        'JobSessionUid=="urn:veeam:BackupJobSession:0d3a8230-3db1-4cc1-a7b2-3b0b5c8f784c";VmDisplayName=="AnT_VM2"')
    with pytest.raises(ValueError, match='^session_id: .*ReplicaJobSession'):
        spec.conditions(dict(params, session_id='urn:veeam:ReplicaJobSession:0d3a8230-3db1-4cc1-a7b2-3b0b5c8f784c'))


def test_module_options_and_choices():
    job = module_spec('backup_session_info').argument_spec()
    assert job['job_type'] == dict(type='list', elements='str', choices=list(res.BACKUP_JOB_TYPES))
    assert job['is_retry'] == dict(type='bool')
    assert job['result']['choices'] == ['None', 'Success', 'Warning', 'Failed']
    task = module_spec('backup_task_session_info').argument_spec()
    assert set(task) - set(info_module.connection_argument_spec()) - set(
        info_module.session_filter_argument_spec(res.BACKUP_TASK_SESSION)) == {'session_id', 'vm_name'}
