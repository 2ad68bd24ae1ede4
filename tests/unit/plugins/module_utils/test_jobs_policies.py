# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Jobs and CDP policies from the reference examples, normalised by the JOB and CDP_POLICY descriptions.

The list of a CdpPolicy query names its items like the entity (``<CdpPolicy>`` inside ``<CdpPolicies>``);
the RPO is read from the undocumented ``<CdpReplica>`` wrapper of PolicyScheduleOptions, in seconds or minutes.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _resources as res
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _wire as wire
from ansible_collections.veeam.enterprise_manager.tests.unit.plugins.module_utils.test_wire_bodies import repair

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'fixtures', 'captures')
QUERY_CDP_POLICY = 'veeam_doc_13.1__query_cdppolicy_entities.xml'


def fixture_bytes(*parts):
    with open(os.path.join(FIXTURES, *parts), 'rb') as handle:
        return handle.read()


def entity(resource, name):
    dummy, tree = wire.parse_body(fixture_bytes(name))
    return wire.normalise_item(resource, tree)


def test_job_entity_xml():
    assert entity(res.JOB, 'veeam_doc_13.1__job_entity.xml') == {
        'id': '5658281f-625e-4627-89dd-d2a0c48be99e',
        'uid': 'urn:veeam:Job:5658281f-625e-4627-89dd-d2a0c48be99e',
        'name': 'DB Backup',
        'href': 'https://srv12.tech.local:9398/api/jobs/5658281f-625e-4627-89dd-d2a0c48be99e?format=Entity',
        'job_type': 'Backup',
        'platform': 'HyperV',
        'description': 'Backup of MS SQL Server DB',
        'schedule_configured': True,
        'schedule_enabled': True,
        'next_run': '2025-02-01T17:00:00.000000Z',
        'backup_server_name': 'srv12.tech.local',
    }


def test_job_entity_without_next_run():
    job = entity(res.JOB, 'veeam_doc_13.1__job_entity_immediatebackupcopy.xml')
    assert job['id'] == '5adf6525-51d9-48b9-a72d-7f80701c714b'
    assert job['job_type'] == 'ImmediateBackupCopy'
    assert job['platform'] == 'CustomPlatform'
    assert job['description'] == 'Created by .\\veeamadmin'
    assert job['schedule_enabled'] is True
    assert job['next_run'] is None
    assert job['backup_server_name'] == 'enterprisevbr01.tech.local'


def test_job_entity_json():
    assert entity(res.JOB, 'veeam_doc_13.0__job_entity_crm.json') == {
        'id': '2851cb88-37b6-46ea-b2c8-47b55270169d',
        'uid': 'urn:veeam:Job:2851cb88-37b6-46ea-b2c8-47b55270169d',
        'name': 'CRM Backup',
        'href': 'https://srv12.tech.local:9398/api/jobs/2851cb88-37b6-46ea-b2c8-47b55270169d?format=Entity',
        'job_type': 'Backup',
        'platform': 'VMware',
        'description': 'Backup of CRM system',
        'schedule_configured': True,
        'schedule_enabled': True,
        'next_run': '2020-02-04T13:00:00.000000Z',
        'backup_server_name': 'appsrv01.tech.local',
    }


def test_cdp_policy_entity():
    assert entity(res.CDP_POLICY, 'veeam_doc_13.1__cdppolicy_entity.xml') == {
        'id': 'bc933bb6-0cc5-47b6-a1ec-e062b9e29877',
        'uid': 'urn:veeam:CdpPolicy:bc933bb6-0cc5-47b6-a1ec-e062b9e29877',
        'name': 'CDP Policy 1',
        'href': 'https://localhost:9398/api/cdpPolicies/bc933bb6-0cc5-47b6-a1ec-e062b9e29877?format=Entity',
        'policy_type': 'CdpReplica',
        'platform': 'VMware',
        'description': 'Created by ENTERPRISE03\\Administrator',
        'schedule_configured': True,
        'schedule_enabled': True,
        'next_run': '2025-02-10T22:39:34.827000Z',
        'rpo_seconds': 15,
        'backup_server_name': 'enterprise03.tech.local',
    }


def test_cdp_policy_query_as_published_is_not_well_formed():
    with pytest.raises(wire.BodyError, match='not well-formed XML'):
        wire.parse_body(fixture_bytes(QUERY_CDP_POLICY))


def test_cdp_policy_query_list():
    repaired = fixture_bytes('repaired', QUERY_CDP_POLICY).decode('utf-8')
    assert repaired == repair(fixture_bytes(QUERY_CDP_POLICY).decode('utf-8'))
    dummy, tree = wire.parse_body(repaired.encode('utf-8'))
    items = [wire.normalise_item(res.CDP_POLICY, item) for item in wire.query_items(tree)]
    assert items == [{
        'id': '872a3860-3805-43b8-bcf6-388384bfed33',
        'uid': 'urn:veeam:CdpPolicy:872a3860-3805-43b8-bcf6-388384bfed33',
        'name': 'CDP Policy',
        'href': 'https://localhost:9398/api/cdpPolicies/872a3860-3805-43b8-bcf6-388384bfed33?format=Entity',
        'policy_type': 'CdpReplica',
        'platform': 'VMware',
        'description': None,
        'schedule_configured': True,
        'schedule_enabled': True,
        'next_run': '2025-06-01T13:41:20.680000Z',
        'rpo_seconds': 15,
        'backup_server_name': 'backupsrv29.tech.local',
    }]
    assert wire.paging_info(tree) == (1, 1, 100)


@pytest.mark.parametrize('options, seconds', [
    ({'cdp_replica': {'recovery_point_objective_seconds': '15', 'recovery_point_objective_minutes': '0'}}, 15),
    ({'cdp_replica': {'recovery_point_objective_seconds': '0', 'recovery_point_objective_minutes': '2'}}, 120),
    # EM 13 JSON: numbers, and the elements without the wrapper.
    ({'recovery_point_objective_seconds': 0, 'recovery_point_objective_minutes': 60}, 3600),
    ({'cdp_replica': {'recovery_point_objective_seconds': 0, 'recovery_point_objective_minutes': 0}}, 0),
    ({'cdp_replica': {'rpo_schedule': {'enabled': 'true'}}}, None),
    (None, None),
    ('', None),
])
def test_rpo_seconds(options, seconds):
    assert wire.rpo_seconds(options) == seconds


def test_rpo_seconds_rejects_a_text_that_is_no_number():
    with pytest.raises(wire.BodyError, match='rpo_seconds'):
        wire.rpo_seconds({'cdp_replica': {'recovery_point_objective_seconds': 'fifteen'}})


def test_jobs_and_policies_filter_on_what_the_query_service_documents():
    assert res.JOB.server_filterable('JobType') and res.JOB.server_filterable('ScheduleEnabled')
    assert not res.CDP_POLICY.server_filterable('PolicyType')
    assert res.JOB.time_field is None and res.JOB.sort_asc == 'Name'
    assert res.RESOURCES['CdpPolicy'] is res.CDP_POLICY


@pytest.mark.parametrize('resource', [res.JOB, res.CDP_POLICY])
def test_jobs_and_policies_are_described_like_the_sessions(resource):
    keys = [field.key for field in resource.fields]
    assert keys[:4] == ['id', 'uid', 'name', 'href']
    assert keys[-1] == 'backup_server_name'
    assert len(keys) == len(set(keys))
    assert resource.uid_type == resource.query_type
    for field in resource.fields:
        if field.filter_field:
            assert resource.server_filterable(field.filter_field), field
    assert resource.server_filterable(resource.sort_asc)
