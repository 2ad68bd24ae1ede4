#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: replica_task_session_info
short_description: List replication task sessions (one per VM) from Veeam Backup Enterprise Manager
version_added: 1.0.0
description:
  - Reads replication task sessions, one per VM and replication job session, through the Enterprise Manager
    query service (query type C(ReplicaTaskSession)). This is where the reason a replication failed is.
  - Every filter is sent to the server; results come newest first.
author:
  - Veeam Enterprise Manager maintainers (@veeam-enterprise-manager)
extends_documentation_fragment:
  - veeam.enterprise_manager.connection
  - veeam.enterprise_manager.session_filters
  - veeam.enterprise_manager.attributes
options:
  state:
    description:
      - Only task sessions in one of these states.
    type: list
    elements: str
    choices: [InProgress, Pending, Completed]
  result:
    description:
      - Only task sessions with one of these results.
    type: list
    elements: str
    choices: [Success, Warning, Failed]
  session_id:
    description:
      - Only the task sessions of this replication job session, by its UUID or its UID
        (V(urn:veeam:ReplicaJobSession:<uuid>)), for example RV(veeam.enterprise_manager.replica_session_info#module:sessions[].id).
    type: str
  job_name:
    description:
      - Exact name of the replication job.
    type: str
  vm_name:
    description:
      - Exact display name of the VM.
    type: str
'''

EXAMPLES = r'''
- name: Find out, VM by VM, what went wrong in a failed replication session
  veeam.enterprise_manager.replica_task_session_info:
    host: em.example.com
    username: 'EXAMPLE\svc-ansible'
    password: "{{ vault_em_password }}"
    session_id: 0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b
    result: [Warning, Failed]
  register: tasks

- name: Show each VM with its reason
  ansible.builtin.debug:
    msg: "{{ item.vm_display_name }}: {{ item.result }} ({{ item.reason | default('no reason given', true) }})"
  loop: "{{ tasks.task_sessions }}"

- name: The last week of one VM
  veeam.enterprise_manager.replica_task_session_info:
    vm_name: web01
    created_after: 7d
'''

RETURN = r'''
task_sessions:
  description: The replication task sessions, newest first. Absent or empty values are V(null).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: UUID of the task session.
      type: str
      sample: 24590151-20cd-4e57-8a2f-8b65869a1879
    uid:
      description: UID of the task session.
      type: str
      sample: urn:veeam:ReplicaTaskSession:24590151-20cd-4e57-8a2f-8b65869a1879
    name:
      description: Name of the task session, C(<vm>@<start time>).
      type: str
      sample: srv04@2014-10-19 06:47:21
    vm_display_name:
      description: Name of the VM.
      type: str
      sample: srv04
    job_session_uid:
      description: UID of the replication job session the task session belongs to.
      type: str
      sample: urn:veeam:ReplicaJobSession:0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b
    job_session_id:
      description: UUID of that replication job session.
      type: str
      sample: 0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b
    job_session_name:
      description: Name of that replication job session, C(<job>@<start time>).
      type: str
      sample: Fileserver02 Replication@2014-10-19 06:46:31
    creation_time_utc:
      description: When the task session started, UTC ISO 8601.
      type: str
      sample: '2014-10-19T06:47:21.000000Z'
    end_time_utc:
      description: When the task session ended, UTC ISO 8601; V(null) while it runs.
      type: str
      sample: null
    state:
      description: State of the task session.
      type: str
      sample: Completed
    result:
      description: Result of the task session.
      type: str
      sample: Failed
    reason:
      description: Why the task session ended with a warning or a failure.
      type: str
      sample: 'Failed to connect to host esx01: connection timed out'
    total_size:
      description: Size in bytes of the restore points the task session produced.
      type: int
      sample: 17179869184
    backup_server_name:
      description: Name of the backup server.
      type: str
      sample: vbr01.example.com
'''

from ansible_collections.veeam.enterprise_manager.plugins.module_utils._info_module import (
    InfoModuleSpec, run_info_module, uid_condition)
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import REPLICA_TASK_SESSION

SPEC = InfoModuleSpec(
    REPLICA_TASK_SESSION,
    result_key='task_sessions',
    extra_options={
        'session_id': (dict(type='str'), uid_condition('JobSessionUid', 'ReplicaJobSession', 'session_id')),
        'job_name': (dict(type='str'), 'JobName'),
        'vm_name': (dict(type='str'), 'VmDisplayName'),
    },
)


def main():
    run_info_module(SPEC)


if __name__ == '__main__':
    main()
