#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: backup_session_info
short_description: List backup job sessions from Veeam Backup Enterprise Manager
version_added: 1.0.0
description:
  - Reads backup job sessions, one per run of a backup, backup copy, agent or file share backup job, through the
    Enterprise Manager query service (query type C(BackupJobSession)).
  - Every filter is sent to the server; results come newest first. For this type the query service
    filters and sorts on C(CreationTime), which the module uses for O(created_after) and O(created_before).
  - Unlike C(GET /backupSessions), which only lists the sessions of the last 30 days, the query service reaches
    the whole history Enterprise Manager keeps.
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
      - Exact name of the job the sessions belong to.
    type: str
  job_type:
    description:
      - Only sessions of jobs of one of these types.
      - V(Backup) is a VM backup job, V(BackupCopy) a periodic backup copy job, V(ImmediateBackupCopy) an immediate
        backup copy job and V(ImmediateBackupCopyWorker) its child session for the restore points of one source
        job, V(AgentBackup) a Veeam Agent backup job, V(AgentManagement) the child session of one protected
        machine, V(NasBackup) a file share backup job.
    type: list
    elements: str
    choices: [Backup, BackupCopy, ImmediateBackupCopy, ImmediateBackupCopyWorker, AgentBackup, AgentManagement, NasBackup]
  is_retry:
    description:
      - V(true) for only the sessions that retried a failed run, V(false) for only the first runs.
    type: bool
'''

EXAMPLES = r'''
- name: Did last night's backups succeed?
  veeam.enterprise_manager.backup_session_info:
    host: em.example.com
    username: 'EXAMPLE\svc-ansible'
    password: "{{ vault_em_password }}"
    job_type: [Backup]
    created_after: 12h
  register: backups

- name: Fail when any of them did not
  ansible.builtin.assert:
    that: backups.sessions | rejectattr('result', 'in', ['Success', 'None']) | list == []
    fail_msg: "{{ backups.sessions | rejectattr('result', 'in', ['Success', 'None']) | map(attribute='name') | join(', ') }}"

- name: The retries of one job over the last week
  veeam.enterprise_manager.backup_session_info:
    job_name: Fileserver Backup
    is_retry: true
    created_after: 7d

- name: Failed copy jobs, of both kinds
  veeam.enterprise_manager.backup_session_info:
    job_type: [BackupCopy, ImmediateBackupCopy]
    result: [Failed]
'''

RETURN = r'''
sessions:
  description: The backup job sessions, newest first. Absent or empty values are V(null).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: UUID of the session.
      type: str
      sample: a057c2c3-f3bd-4ab4-9fb7-24058cccb4f6
    uid:
      description: UID of the session.
      type: str
      sample: urn:veeam:BackupJobSession:a057c2c3-f3bd-4ab4-9fb7-24058cccb4f6
    name:
      description: Name of the session, C(<job>@<start time>).
      type: str
      sample: Backup Job 3@2025-09-24 20:00:09
    href:
      description: URL of the session as Enterprise Manager gives it.
      type: str
      sample: https://em.example.com:9398/api/backupSessions/a057c2c3-f3bd-4ab4-9fb7-24058cccb4f6?format=Entity
    job_uid:
      description: UID of the job.
      type: str
      sample: urn:veeam:Job:2b078668-e45d-4eb3-abb0-275b0d130e7e
    job_name:
      description: Name of the job.
      type: str
      sample: Backup Job 3
    job_type:
      description: Type of the job, one of the values of O(job_type).
      type: str
      sample: Backup
    creation_time_utc:
      description: When the session started, UTC ISO 8601.
      type: str
      sample: '2025-09-24T20:00:09.607000Z'
    end_time_utc:
      description: When the session ended, UTC ISO 8601; V(null) while it runs.
      type: str
      sample: '2025-09-24T20:02:54.717000Z'
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
    failure_message:
      description: Why the session failed, when Enterprise Manager says; often V(null) even for a failed session,
        whose reasons are then in its task sessions (M(veeam.enterprise_manager.backup_task_session_info)).
      type: str
      sample: null
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
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import BACKUP_JOB_SESSION, BACKUP_JOB_TYPES

SPEC = InfoModuleSpec(
    BACKUP_JOB_SESSION,
    result_key='sessions',
    extra_options={
        'job_name': (dict(type='str'), 'JobName'),
        'job_type': (dict(type='list', elements='str', choices=list(BACKUP_JOB_TYPES)), 'JobType'),
        'is_retry': (dict(type='bool'), 'IsRetry'),
    },
)


def main():
    run_info_module(SPEC)


if __name__ == '__main__':
    main()
