#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: job_info
short_description: List backup, backup copy and replication jobs from Veeam Backup Enterprise Manager
version_added: 1.0.0
description:
  - Reads the jobs of the backup servers connected to Enterprise Manager through the query service
    (query type C(Job)), sorted by name.
  - Every filter is sent to the server.
  - A job whose schedule is disabled (O(schedule_enabled=false)) runs only when started by hand, so it
    stops producing sessions; the P(veeam.enterprise_manager.session_compliance#role) role reports such jobs
    as V(disabled) instead of stale.
author:
  - Veeam Enterprise Manager maintainers (@veeam-enterprise-manager)
extends_documentation_fragment:
  - veeam.enterprise_manager.connection
  - veeam.enterprise_manager.attributes
options:
  id:
    description:
      - One job, by its UUID or its full UID (V(urn:veeam:Job:<uuid>)).
      - A malformed value, or the UID of another type, fails before any request is sent.
      - A job that does not exist gives an empty list, not a failure.
      - Cannot be combined with the other filters.
    type: str
  name:
    description:
      - Exact name of the job.
    type: str
  job_type:
    description:
      - Only jobs of one of these types.
    type: list
    elements: str
    choices: [Backup, BackupCopy, ImmediateBackupCopy, Replica]
  schedule_enabled:
    description:
      - Only jobs whose schedule is enabled (V(true)) or disabled (V(false)).
    type: bool
  backup_server_name:
    description:
      - Exact name of the backup server the jobs belong to.
    type: str
  filter:
    description:
      - A raw Enterprise Manager filter expression for anything the other options do not cover, AND-ed
        with them, for example V(Platform=="VMware") or V(NextRun<"2026-12-01").
      - The query service offers C(UID), C(Name), C(Description), C(NextRun), C(JobType), C(Platform),
        C(ScheduleConfigured), C(ScheduleEnabled), C(BackupServerUid) and C(BackupServerName); another field
        fails with HTTP 400.
    type: str
  limit:
    description:
      - Return at most this many jobs (the first by name). Pages beyond what is needed are not read.
    type: int
  page_size:
    description:
      - How many jobs to ask for per query page. Larger pages mean fewer requests.
    type: int
    default: 100
'''

EXAMPLES = r'''
- name: List the replication jobs
  veeam.enterprise_manager.job_info:
    host: em.example.com
    username: 'EXAMPLE\svc-ansible'
    password: "{{ vault_em_password }}"
    job_type: [Replica]
  register: replication

- name: Fail when a replication job's schedule is disabled
  ansible.builtin.assert:
    that: replication.jobs | rejectattr('schedule_enabled') | list == []
    fail_msg: "Not scheduled: {{ replication.jobs | rejectattr('schedule_enabled') | map(attribute='name') | join(', ') }}"

- name: The jobs of one backup server that run on VMware, with a raw filter
  veeam.enterprise_manager.job_info:
    backup_server_name: vbr01.example.com
    filter: Platform=="VMware"
'''

RETURN = r'''
jobs:
  description: The jobs, sorted by name. Absent or empty values are V(null).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: UUID of the job.
      type: str
      sample: 5658281f-625e-4627-89dd-d2a0c48be99e
    uid:
      description: UID of the job.
      type: str
      sample: urn:veeam:Job:5658281f-625e-4627-89dd-d2a0c48be99e
    name:
      description: Name of the job.
      type: str
      sample: DB Backup
    href:
      description: URL of the job as Enterprise Manager gives it.
      type: str
      sample: https://em.example.com:9398/api/jobs/5658281f-625e-4627-89dd-d2a0c48be99e?format=Entity
    job_type:
      description: Type of the job (V(Backup), V(BackupCopy), V(ImmediateBackupCopy) or V(Replica)).
      type: str
      sample: Replica
    platform:
      description: Platform the job protects, as Enterprise Manager spells it (for example V(VMware), V(HyperV)).
      type: str
      sample: VMware
    description:
      description: Description of the job.
      type: str
      sample: Backup of MS SQL Server DB
    schedule_configured:
      description: Whether scheduling options are set for the job.
      type: bool
      sample: true
    schedule_enabled:
      description: Whether the job's schedule is enabled.
      type: bool
      sample: true
    next_run:
      description: When the job runs next, UTC ISO 8601; V(null) when Enterprise Manager gives none.
      type: str
      sample: '2025-02-01T17:00:00.000000Z'
    backup_server_name:
      description: Name of the backup server the job belongs to.
      type: str
      sample: vbr01.example.com
'''

from ansible_collections.veeam.enterprise_manager.plugins.module_utils._info_module import InfoModuleSpec, run_info_module
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import JOB, JOB_TYPES

SPEC = InfoModuleSpec(
    JOB,
    result_key='jobs',
    extra_options={
        'job_type': (dict(type='list', elements='str', choices=list(JOB_TYPES)), 'JobType'),
        'schedule_enabled': (dict(type='bool'), 'ScheduleEnabled'),
    },
)


def main():
    run_info_module(SPEC)


if __name__ == '__main__':
    main()
