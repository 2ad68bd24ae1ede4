#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: cdp_replica_session_info
short_description: List CDP replication sessions from Veeam Backup Enterprise Manager
version_added: 1.0.0
description:
  - Reads continuous data protection (CDP) replication sessions, one per CDP policy run, through the
    Enterprise Manager query service (query type C(CdpReplicaSession)).
  - Every filter is sent to the server; results come newest first.
  - A failed session often has an empty RV(sessions[].failure_message); the reason is then on its task sessions,
    see M(veeam.enterprise_manager.cdp_replica_task_session_info).
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
  policy_name:
    description:
      - Exact name of the CDP policy the sessions belong to.
    type: str
'''

EXAMPLES = r'''
- name: List the CDP sessions that failed in the last 24 hours
  veeam.enterprise_manager.cdp_replica_session_info:
    host: em.example.com
    username: 'EXAMPLE\svc-ansible'
    password: "{{ vault_em_password }}"
    result: [Failed]
    created_after: 24h
  register: failed_cdp

- name: Show the ten newest sessions of one policy, with the connection set once for the play
  module_defaults:
    group/veeam.enterprise_manager.em:
      host: em.example.com
      ca_path: /etc/pki/tls/certs/em-ca.pem
  block:
    - name: Read the sessions
      veeam.enterprise_manager.cdp_replica_session_info:
        policy_name: CDP Policy 1
        limit: 10
      register: cdp

    - name: Print their names and results
      ansible.builtin.debug:
        msg: "{{ cdp.sessions | map(attribute='name') | zip(cdp.sessions | map(attribute='result')) | list }}"

- name: Read one session by its UID
  veeam.enterprise_manager.cdp_replica_session_info:
    id: urn:veeam:CdpReplicaSession:6b872a71-51e8-437a-8d45-5c6494b92f3f
'''

RETURN = r'''
sessions:
  description: The CDP replication sessions, newest first. Absent or empty values are V(null).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: UUID of the session.
      type: str
      sample: 6b872a71-51e8-437a-8d45-5c6494b92f3f
    uid:
      description: UID of the session.
      type: str
      sample: urn:veeam:CdpReplicaSession:6b872a71-51e8-437a-8d45-5c6494b92f3f
    name:
      description: Name of the session, C(<policy>@<start time>).
      type: str
      sample: CDP Policy 1@2021-02-11 19:08:36
    href:
      description: URL of the session as Enterprise Manager gives it.
      type: str
      sample: https://em.example.com:9398/api/cdpReplicaSessions/6b872a71-51e8-437a-8d45-5c6494b92f3f?format=Entity
    policy_uid:
      description: UID of the CDP policy.
      type: str
      sample: urn:veeam:CdpPolicy:145f3365-6ec0-44e9-9538-8c8c34ebdcce
    policy_name:
      description: Name of the CDP policy.
      type: str
      sample: CDP Policy 1
    policy_type:
      description: Type of the policy.
      type: str
      sample: CdpReplica
    creation_time_utc:
      description: When the session started, UTC ISO 8601.
      type: str
      sample: '2021-02-11T19:08:36.123000Z'
    end_time_utc:
      description: When the session ended, UTC ISO 8601; V(null) while it runs.
      type: str
      sample: '2021-02-12T19:08:40.000000Z'
    state:
      description: State of the session.
      type: str
      sample: Stopped
    result:
      description: Result of the session; V(None) (a string) while it runs.
      type: str
      sample: Failed
    progress:
      description: Progress in percent.
      type: int
      sample: 100
    failure_message:
      description: Why the session failed, when Enterprise Manager says.
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
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import CDP_REPLICA_SESSION

SPEC = InfoModuleSpec(
    CDP_REPLICA_SESSION,
    result_key='sessions',
    extra_options={
        'policy_name': (dict(type='str'), 'PolicyName'),
    },
)


def main():
    run_info_module(SPEC)


if __name__ == '__main__':
    main()
