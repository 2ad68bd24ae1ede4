#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: logon_session
short_description: Log on to Veeam Backup Enterprise Manager once, for many tasks
version_added: 1.0.0
description:
  - With O(state=present), logs on and returns RV(session), which later tasks pass to the O(session) option every
    module of the collection has. They then neither log on nor log out, so a playbook holds one Enterprise Manager logon
    session instead of opening one per task.
  - With O(state=absent), logs out the logon session given in O(session). A session that already expired or was
    logged out is not an error.
  - Register the task that logs on with C(no_log=true), so that the token is not shown, and log out in an
    C(always) section, so that the logout runs even when a task fails. The registered value stays usable; C(no_log)
    hides the output of the task, not the variable.
  - Enterprise Manager ends a logon session after 15 idle minutes. A task that finds its session refused logs on
    for itself, with a warning, if it has O(username) and O(password) too, and fails if it has not.
author:
  - Veeam Enterprise Manager maintainers (@veeam-enterprise-manager)
extends_documentation_fragment:
  - veeam.enterprise_manager.connection
options:
  state:
    description:
      - V(present) logs on and returns RV(session); it needs O(host), O(username) and O(password), and no O(session).
      - V(absent) logs out O(session); O(username) and O(password) are not used.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Logging on and off changes nothing in Enterprise Manager's configuration, so the module does both in check
      mode too (the tasks after it need the session) and never reports a change.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  action_group:
    description: Use C(group/veeam.enterprise_manager.em) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - veeam.enterprise_manager.em
'''

EXAMPLES = r'''
- name: Read several kinds of sessions with one logon
  module_defaults:
    group/veeam.enterprise_manager.em:
      host: em.example.com
      ca_path: /etc/pki/em-ca.pem
  block:
    - name: Log on to Enterprise Manager
      veeam.enterprise_manager.logon_session:
        username: 'EXAMPLE\svc-ansible'
        password: "{{ vault_em_password }}"
      register: em_logon
      no_log: true  # the result holds the session token

    - name: Read with the shared logon
      module_defaults:
        group/veeam.enterprise_manager.em:
          session: "{{ em_logon.session }}"
      block:
        - name: Backup sessions of the last day
          veeam.enterprise_manager.backup_session_info:
            created_after: 24h
          register: backups

        - name: Replication sessions of the last day
          veeam.enterprise_manager.replica_session_info:
            created_after: 24h
          register: replicas

      always:
        - name: Log out, whatever happened above
          veeam.enterprise_manager.logon_session:
            state: absent
            session: "{{ em_logon.session }}"
          when: em_logon.session is defined
'''

RETURN = r'''
session:
  description:
    - What later tasks need to reuse the logon session; pass it whole to their O(session) option.
    - It holds the token, so register the task with C(no_log=true).
  returned: when O(state=present)
  type: dict
  contains:
    url:
      description: The Enterprise Manager REST API URL.
      type: str
      sample: https://em.example.com:9398/api
    token:
      description: The logon session's token (the C(X-RestSvcSessionId) header).
      type: str
      sample: NDRjZmJkYmUtNWE5NS00MTU2LTg4NjctOTFmMDY5YjdjMmNj
    session_id:
      description: The logon session's id.
      type: str
      sample: 44cfbdbe-5a95-4156-8867-91f069b7c2cc
    validate_certs:
      description: Whether the certificate of Enterprise Manager is verified, as O(validate_certs) said.
      type: bool
      sample: true
    ca_path:
      description: The CA file the certificate is verified with, as O(ca_path) said; V(null) for the system's CAs.
      type: str
      sample: /etc/pki/em-ca.pem
logged_out:
  description: V(true) if Enterprise Manager ended the session now, V(false) if it had already expired or been logged out.
  returned: when O(state=absent)
  type: bool
  sample: true
'''

from ansible_collections.veeam.enterprise_manager.plugins.module_utils._info_module import run_logon_session_module


def main():
    run_logon_session_module()


if __name__ == '__main__':
    main()
