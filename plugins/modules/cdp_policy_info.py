#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: cdp_policy_info
short_description: List CDP policies from Veeam Backup Enterprise Manager
version_added: 1.0.0
description:
  - Reads the continuous data protection (CDP) policies of the backup servers connected to Enterprise Manager
    through the query service (query type C(CdpPolicy)), sorted by name.
  - Every filter is sent to the server.
  - Returns each policy's recovery point objective in seconds (RV(policies[].rpo_seconds)), read from its
    scheduling options.
author:
  - Veeam Enterprise Manager maintainers (@veeam-enterprise-manager)
extends_documentation_fragment:
  - veeam.enterprise_manager.connection
  - veeam.enterprise_manager.attributes
options:
  id:
    description:
      - One CDP policy, by its UUID or its full UID (V(urn:veeam:CdpPolicy:<uuid>)).
      - A malformed value, or the UID of another type, fails before any request is sent.
      - A policy that does not exist gives an empty list, not a failure.
      - Cannot be combined with the other filters.
    type: str
  name:
    description:
      - Exact name of the CDP policy.
    type: str
  schedule_enabled:
    description:
      - Only policies whose schedule is enabled (V(true)) or disabled (V(false)).
    type: bool
  backup_server_name:
    description:
      - Exact name of the backup server the policies belong to.
    type: str
  filter:
    description:
      - A raw Enterprise Manager filter expression for anything the other options do not cover, AND-ed
        with them, for example V(Description=="Tier 1") or V(NextRun<"2026-12-01").
      - The query service offers C(UID), C(Name), C(Description), C(NextRun), C(ScheduleConfigured),
        C(ScheduleEnabled), C(BackupServerUid) and C(BackupServerName); another field fails with HTTP 400.
    type: str
  limit:
    description:
      - Return at most this many policies (the first by name). Pages beyond what is needed are not read.
    type: int
  page_size:
    description:
      - How many policies to ask for per query page. Larger pages mean fewer requests.
    type: int
    default: 100
'''

EXAMPLES = r'''
- name: List the CDP policies
  veeam.enterprise_manager.cdp_policy_info:
    host: em.example.com
    username: 'EXAMPLE\svc-ansible'
    password: "{{ vault_em_password }}"
  register: cdp

- name: Show each policy's RPO
  ansible.builtin.debug:
    msg: "{{ item.name }}: RPO {{ item.rpo_seconds }} s, schedule {{ 'on' if item.schedule_enabled else 'off' }}"
  loop: "{{ cdp.policies }}"
  loop_control:
    label: "{{ item.name }}"

- name: The policies whose schedule is disabled
  veeam.enterprise_manager.cdp_policy_info:
    schedule_enabled: false
'''

RETURN = r'''
policies:
  description: The CDP policies, sorted by name. Absent or empty values are V(null).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: UUID of the policy.
      type: str
      sample: bc933bb6-0cc5-47b6-a1ec-e062b9e29877
    uid:
      description: UID of the policy.
      type: str
      sample: urn:veeam:CdpPolicy:bc933bb6-0cc5-47b6-a1ec-e062b9e29877
    name:
      description: Name of the policy.
      type: str
      sample: CDP Policy 1
    href:
      description: URL of the policy as Enterprise Manager gives it.
      type: str
      sample: https://em.example.com:9398/api/cdpPolicies/bc933bb6-0cc5-47b6-a1ec-e062b9e29877?format=Entity
    policy_type:
      description: Type of the policy; Enterprise Manager documents V(CdpReplica) only.
      type: str
      sample: CdpReplica
    platform:
      description: Platform the policy protects (V(VMware) or V(vCloud)).
      type: str
      sample: VMware
    description:
      description: Description of the policy.
      type: str
      sample: Created by ENTERPRISE03\Administrator
    schedule_configured:
      description: Whether scheduling options are set for the policy.
      type: bool
      sample: true
    schedule_enabled:
      description: Whether the policy's schedule is enabled.
      type: bool
      sample: true
    next_run:
      description: When the policy runs next, UTC ISO 8601; V(null) when Enterprise Manager gives none.
      type: str
      sample: '2025-02-10T22:39:34.827000Z'
    rpo_seconds:
      description:
        - The recovery point objective in seconds. Enterprise Manager gives it in the unit it was set in
          (C(RecoveryPointObjectiveSeconds) or C(RecoveryPointObjectiveMinutes), the other being 0); minutes are
          turned into seconds. V(null) when the policy has no scheduling options.
      type: int
      sample: 15
    backup_server_name:
      description: Name of the backup server the policy belongs to.
      type: str
      sample: vbr01.example.com
'''

from ansible_collections.veeam.enterprise_manager.plugins.module_utils._info_module import InfoModuleSpec, run_info_module
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import CDP_POLICY

SPEC = InfoModuleSpec(
    CDP_POLICY,
    result_key='policies',
    extra_options={
        'schedule_enabled': (dict(type='bool'), 'ScheduleEnabled'),
    },
)


def main():
    run_info_module(SPEC)


if __name__ == '__main__':
    main()
