# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The resource descriptions (resources.py) and the typed client errors (errors.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _errors as errors
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _resources as res

UUID = '6b872a71-51e8-437a-8d45-5c6494b92f3f'
# The session resources (they have a time and states); jobs and policies are tested in test_jobs_policies.py,
# the VMs' points in test_points.py.
ALL = sorted((resource for resource in res.RESOURCES.values() if resource.time_field and resource.states),
             key=lambda resource: resource.query_type)


# --------------------------------------------------------------------------- resources

def test_the_resources():
    assert sorted(res.RESOURCES) == ['BackupJobSession', 'BackupTaskSession', 'CdpPolicy', 'CdpReplicaSession',
                                     'CdpReplicaTaskSession', 'Job', 'ReplicaJobSession', 'ReplicaTaskSession',
                                     'RestorePoint', 'VmReplicaPoint', 'VmRestorePoint']
    assert [(r.query_type, r.collection, r.time_field) for r in ALL] == [
        ('BackupJobSession', 'backupSessions', 'CreationTime'),
        ('BackupTaskSession', 'backupTaskSessions', 'CreationTime'),
        ('CdpReplicaSession', 'cdpReplicaSessions', 'CreationTimeUTC'),
        ('CdpReplicaTaskSession', 'cdpReplicaTaskSessions', 'CreationTimeUTC'),
        ('ReplicaJobSession', 'replicaSessions', 'CreationTime'),
        ('ReplicaTaskSession', 'replicaTaskSessions', 'CreationTime'),
    ]
    for resource in ALL:
        assert resource.uid_type == resource.query_type
        assert repr(resource) == 'Resource(%r)' % resource.query_type


def test_entity_paths_use_the_documented_collections():
    assert res.CDP_REPLICA_SESSION.entity_path(UUID) == '/cdpReplicaSessions/%s' % UUID
    assert res.CDP_REPLICA_TASK_SESSION.entity_path(UUID) == '/cdpReplicaTaskSessions/%s' % UUID
    assert res.REPLICA_JOB_SESSION.entity_path(UUID) == '/replicaSessions/%s' % UUID
    # Never the /repicaTaskSessions typo of the EM Hrefs.
    assert res.REPLICA_TASK_SESSION.entity_path(UUID) == '/replicaTaskSessions/%s' % UUID


@pytest.mark.parametrize('resource', ALL)
def test_every_resource_starts_with_id_uid_name_and_ends_with_the_backup_server(resource):
    keys = [field.key for field in resource.fields]
    assert keys[:3] == ['id', 'uid', 'name']
    assert keys[-1] == 'backup_server_name'
    assert len(keys) == len(set(keys))
    assert resource.field('id').kind == res.ID and resource.field('id').source == 'uid'
    assert resource.field('backup_server_name').kind == res.LINK_NAME
    assert resource.field('backup_server_name').source == 'BackupServerReference'
    assert resource.field('creation_time_utc').kind == res.TIME
    assert resource.field('end_time_utc').kind == res.TIME
    with pytest.raises(KeyError):
        resource.field('no_such_field')


@pytest.mark.parametrize('resource', ALL)
def test_filter_fields_of_returned_fields_are_server_filterable(resource):
    for field in resource.fields:
        if field.filter_field and not (resource is res.CDP_REPLICA_TASK_SESSION and field.key == 'result'):
            assert resource.server_filterable(field.filter_field), field
    assert resource.server_filterable(resource.time_field)
    assert resource.server_filterable('name') and resource.server_filterable('NAME')
    assert not resource.server_filterable('NoSuchField')


def test_the_cdp_task_session_result_is_filtered_by_the_client():
    assert res.CDP_REPLICA_TASK_SESSION.field('result').filter_field == 'Result'
    assert not res.CDP_REPLICA_TASK_SESSION.server_filterable('Result')
    assert res.REPLICA_TASK_SESSION.server_filterable('Result')


def test_states_and_results():
    assert res.CDP_REPLICA_SESSION.results == ('None', 'Success', 'Warning', 'Failed')
    assert res.REPLICA_JOB_SESSION.results == ('None', 'Success', 'Warning', 'Failed')
    assert res.CDP_REPLICA_SESSION.states == res.REPLICA_JOB_SESSION.states == (
        'Starting', 'Stopping', 'Working', 'Pausing', 'Resuming', 'Stopped')
    assert res.CDP_REPLICA_TASK_SESSION.states == res.REPLICA_TASK_SESSION.states == ('InProgress', 'Pending', 'Completed')


def test_field_repr():
    assert repr(res.Field('progress', 'progress', res.INT)) == "Field('progress', 'progress', 'int')"


# --------------------------------------------------------------------------- errors

def test_error_text_with_everything():
    error = errors.EMAPIError('500 Internal Server Error', method='GET', path='/api/query?type=X', status=500,
                              server_message='Object reference not set to an instance of an object.', hint='Try later.')
    assert str(error) == ('GET /api/query?type=X: HTTP 500: 500 Internal Server Error. Server said: Object reference not set to '
                          'an instance of an object. Hint: Try later.')
    assert error.to_dict() == {
        'type': 'EMAPIError', 'method': 'GET', 'path': '/api/query?type=X', 'status': 500,
        'server_message': 'Object reference not set to an instance of an object.', 'hint': 'Try later.'}


def test_error_text_without_request_and_repeated_server_message():
    assert str(errors.EMError('plain')) == 'plain.'
    assert str(errors.EMError('Already a sentence? ')) == 'Already a sentence?'
    error = errors.EMNotFoundError('not found: Session 1 does not exist', status=404, server_message='Session 1 does not exist')
    assert str(error) == 'HTTP 404: not found: Session 1 does not exist.'
    error = errors.EMAPIError('request failed', server_message='  no dot  ', hint='no dot either')
    assert str(error) == 'request failed. Server said: no dot. Hint: no dot either.'


@pytest.mark.parametrize('cls, words', [
    (errors.EMConnectionError, '9398'),
    (errors.EMTimeoutError, 'timeout option'),
    (errors.EMTLSError, 'ca_path'),
    (errors.EMAuthenticationError, 'DOMAIN\\user'),
    (errors.EMPermissionError, 'Portal Administrator'),
    (errors.EMMalformedResponseError, 'not an EM REST answer'),
])
def test_default_hints(cls, words):
    error = cls('failed', method='POST', path='/api/sessionMngr/?v=latest')
    assert words in error.hint
    assert str(error).startswith('POST /api/sessionMngr/?v=latest: failed. Hint: ')
    assert str(error).endswith('.')
    assert isinstance(error, errors.EMError)
    assert cls('x', hint='own').hint == 'own'


def test_error_hierarchy():
    assert issubclass(errors.EMTimeoutError, errors.EMConnectionError)
    assert issubclass(errors.EMTLSError, errors.EMConnectionError)
    assert errors.EMNotFoundError('x').hint is None
    assert errors.EMAPIError('x').to_dict()['type'] == 'EMAPIError'
