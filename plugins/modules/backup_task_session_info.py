#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: backup_task_session_info
short_description: List backup task sessions (one per VM) from Veeam Backup Enterprise Manager
version_added: 1.0.0
description:
  - Reads backup task sessions, one per VM and backup job session, through the Enterprise Manager
    query service (query type C(BackupTaskSession)). This is where the reason a backup failed is.
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
      - Only the task sessions of this backup job session, by its UUID or its UID
        (V(urn:veeam:BackupJobSession:<uuid>)), for example RV(veeam.enterprise_manager.backup_session_info#module:sessions[].id).
    type: str
  vm_name:
    description:
      - Exact display name of the VM.
    type: str
'''

EXAMPLES = r'''
- name: Find out, VM by VM, what went wrong in a failed backup session
  veeam.enterprise_manager.backup_task_session_info:
    host: em.example.com
    username: 'EXAMPLE\svc-ansible'
    password: "{{ vault_em_password }}"
    session_id: a057c2c3-f3bd-4ab4-9fb7-24058cccb4f6
    result: [Warning, Failed]
  register: tasks

- name: Show each VM with its reason
  ansible.builtin.debug:
    msg: "{{ item.vm_display_name }}: {{ item.result }} ({{ item.reason | default('no reason given', true) }})"
  loop: "{{ tasks.task_sessions }}"

- name: The last three failed backups of one VM
  veeam.enterprise_manager.backup_task_session_info:
    vm_name: dbserver01
    result: [Failed]
    limit: 3
'''

RETURN = r'''
task_sessions:
  description: The backup task sessions, newest first. Absent or empty values are V(null).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: UUID of the task session.
      type: str
      sample: 88322206-a645-4aa3-9228-028ce51e7c0f
    uid:
      description: UID of the task session.
      type: str
      sample: urn:veeam:BackupTaskSession:88322206-a645-4aa3-9228-028ce51e7c0f
    name:
      description: Name of the task session, C(<vm>@<start time>).
      type: str
      sample: AnT_VM2@2025-10-11 20:06:09
    vm_display_name:
      description: Name of the VM.
      type: str
      sample: AnT_VM2
    job_session_uid:
      description: UID of the backup job session the task session belongs to.
      type: str
      sample: urn:veeam:BackupJobSession:0d3a8230-3db1-4cc1-a7b2-3b0b5c8f784c
    job_session_id:
      description: UUID of that backup job session.
      type: str
      sample: 0d3a8230-3db1-4cc1-a7b2-3b0b5c8f784c
    creation_time_utc:
      description: When the task session started, UTC ISO 8601.
      type: str
      sample: '2025-10-11T20:06:09.627000Z'
    end_time_utc:
      description: When the task session ended, UTC ISO 8601; V(null) while it runs.
      type: str
      sample: '2025-10-11T20:07:09.347000Z'
    state:
      description: State of the task session.
      type: str
      sample: Completed
    result:
      description: Result of the task session.
      type: str
      sample: Success
    reason:
      description: Why the task session ended with a warning or a failure.
      type: str
      sample: 'Error: There is not enough space on the disk.'
    total_size:
      description: Size in bytes of the restore points the task session produced.
      type: int
      sample: 12884901888
    backup_server_name:
      description: Name of the backup server.
      type: str
      sample: vbr01.example.com
'''

from ansible_collections.veeam.enterprise_manager.plugins.module_utils._info_module import (
    InfoModuleSpec, run_info_module, uid_condition)
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import BACKUP_TASK_SESSION

SPEC = InfoModuleSpec(
    BACKUP_TASK_SESSION,
    result_key='task_sessions',
    extra_options={
        'session_id': (dict(type='str'), uid_condition('JobSessionUid', 'BackupJobSession', 'session_id')),
        'vm_name': (dict(type='str'), 'VmDisplayName'),
    },
)


def main():
    run_info_module(SPEC)


if __name__ == '__main__':
    main()
