#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: replica_session_info
short_description: List replication job sessions from Veeam Backup Enterprise Manager
version_added: 1.0.0
description:
  - Reads replication job sessions, one per run of a replication job, through the Enterprise Manager query
    service (query type C(ReplicaJobSession)).
  - Every filter is sent to the server; results come newest first. For this type the query service
    filters and sorts on C(CreationTime), which the module uses for O(created_after) and O(created_before).
author:
  - Veeam Enterprise Manager maintainers (@veeam-enterprise-manager)
extends_documentation_fragment:
  - veeam.enterprise_manager.connection
  - veeam.enterprise_manager.session_filters
  - veeam.enterprise_manager.attributes
options:
  state:
    description:
      - Only sessions in one of these states.
    type: list
    elements: str
    choices: [Starting, Stopping, Working, Pausing, Resuming, Stopped]
  result:
    description:
      - Only sessions with one of these results. A running session has the result V(None).
    type: list
    elements: str
    choices: ['None', Success, Warning, Failed]
  job_name:
    description:
      - Exact name of the replication job the sessions belong to.
    type: str
'''

EXAMPLES = r'''
- name: Show the replication sessions of one job over the last week
  veeam.enterprise_manager.replica_session_info:
    host: em.example.com
    username: 'EXAMPLE\svc-ansible'
    password: "{{ vault_em_password }}"
    job_name: Fileserver02 Replication
    created_after: 7d
  register: replicas

- name: Fail when the newest run did not succeed
  ansible.builtin.assert:
    that: replicas.sessions[0].result == 'Success'
    fail_msg: "{{ replicas.sessions[0].name }} ended {{ replicas.sessions[0].result }}"
  when: replicas.sessions | length > 0

- name: Replication sessions that were retried, with a raw filter
  veeam.enterprise_manager.replica_session_info:
    filter: IsRetry==true
    created_after: '2026-11-01'
'''

RETURN = r'''
sessions:
  description: The replication job sessions, newest first. Absent or empty values are V(null).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: UUID of the session.
      type: str
      sample: 0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b
    uid:
      description: UID of the session.
      type: str
      sample: urn:veeam:ReplicaJobSession:0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b
    name:
      description: Name of the session, C(<job>@<start time>).
      type: str
      sample: Fileserver02 Replication@2014-10-19 06:46:31
    href:
      description: URL of the session as Enterprise Manager gives it.
      type: str
      sample: https://em.example.com:9398/api/replicaSessions/0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b?format=Entity
    job_uid:
      description: UID of the replication job.
      type: str
      sample: urn:veeam:Job:2c49a44e-1e59-4527-a6bc-6b2f9b579ee1
    job_name:
      description: Name of the replication job.
      type: str
      sample: Fileserver02 Replication
    job_type:
      description: Type of the job.
      type: str
      sample: Replica
    creation_time_utc:
      description: When the session started, UTC ISO 8601.
      type: str
      sample: '2014-10-19T06:46:31.000000Z'
    end_time_utc:
      description: When the session ended, UTC ISO 8601; V(null) while it runs.
      type: str
      sample: '2014-10-19T07:02:35.000000Z'
    state:
      description: State of the session.
      type: str
      sample: Stopped
    result:
      description: Result of the session; V(None) (a string) while it runs.
      type: str
      sample: Success
    progress:
      description: Progress in percent.
      type: int
      sample: 100
    is_retry:
      description: Whether the session is a retry.
      type: bool
      sample: false
    backup_server_name:
      description: Name of the backup server that ran the session.
      type: str
      sample: vbr01.example.com
'''

from ansible_collections.veeam.enterprise_manager.plugins.module_utils._info_module import InfoModuleSpec, run_info_module
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import REPLICA_JOB_SESSION

SPEC = InfoModuleSpec(
    REPLICA_JOB_SESSION,
    result_key='sessions',
    extra_options={
        'job_name': (dict(type='str'), 'JobName'),
    },
)


def main():
    run_info_module(SPEC)


if __name__ == '__main__':
    main()
