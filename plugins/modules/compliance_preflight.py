#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The work is done on the controller by the action plugin plugins/action/compliance_preflight.py; this file documents it.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: compliance_preflight
short_description: The checks the session_compliance role makes before any request
version_added: 1.0.0
description:
  - Used by the P(veeam.enterprise_manager.session_compliance#role) role before it sends any request; it runs on the
    controller and talks to nothing.
  - With O(variables), fails when a variable whose name starts with C(session_compliance_) is not one of the role's
    (those its argument specs document, and the facts it sets, C(session_compliance_report) and
    C(session_compliance_fleet)), naming the closest one. A typo such as C(session_compliance_lookbak) would
    otherwise be ignored.
  - With O(connection), returns the Enterprise Manager that M(veeam.enterprise_manager.session_compliance_info) would
    talk to in this task's place, from the task's C(module_defaults) for that module and for
    C(group/veeam.enterprise_manager.em), else the controller's E(VEEAM_EM_HOST) and E(VEEAM_EM_PORT).
  - With O(hosts), fails on each inventory host that reports on the same Enterprise Manager (the same host and
    port) as another host of O(hosts), or whose report name gives the same report file names as another's, naming
    the inventory hosts. Run it on every host after every host has its address and name, so that each host in a
    clash fails and the others go on.
  - With O(failure), fails with the message of a failed M(veeam.enterprise_manager.session_compliance_info) result
    told in terms of the role. When the result has C(em_error) (the kind of failure, the connection options involved
    and, for a refused logon, the username tried), the message names the role variables the user set
    (O(role_variables)) instead of the module options and E(VEEAM_EM_*) variables, every place an option not set
    that way can come from, and the username tried; never the password. Without C(em_error), the module's message
    as it is.
author:
  - Veeam Enterprise Manager maintainers (@veeam-enterprise-manager)
options:
  variables:
    description:
      - Whether to check the names of the variables that start with C(session_compliance_).
    type: bool
    default: true
  connection:
    description:
      - Whether to return the host and address of the Enterprise Manager the role would talk to.
    type: bool
    default: true
  name:
    description:
      - The report name the user set (C(session_compliance_report_name)); see RV(name).
    type: str
  hosts:
    description:
      - Inventory host to its report name, or to a dict with C(name) (the report name) and C(address)
        (C(host:port), or null when unknown), such as the registered result of this module. When given, only these
        are checked.
    type: dict
  failure:
    description:
      - A failed module result, with C(msg) and C(em_error).
    type: dict
  role_variables:
    description:
      - The connection options the user set through role variables (V(host), V(password), ...).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - veeam.enterprise_manager.attributes.controller
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: It only reads.
'''

EXAMPLES = r'''
- name: Check the role variables and find the Enterprise Manager of this host
  veeam.enterprise_manager.compliance_preflight:
  register: preflight

- name: Refuse two inventory hosts on one Enterprise Manager
  veeam.enterprise_manager.compliance_preflight:
    hosts: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'preflight'))) }}"
'''

RETURN = r'''
host:
  description: The host the module would connect to, as given; null when none is set.
  returned: when O(connection) is true and O(hosts) is not given
  type: str
  sample: em01.example.com
address:
  description: The Enterprise Manager as C(host:port), the host in lower case without scheme; null when unknown.
  returned: when O(connection) is true and O(hosts) is not given
  type: str
  sample: em01.example.com:9398
name:
  description: The name of the report of this host's Enterprise Manager, O(name) when set, else RV(host) (RV(address)
    when the port is not 9398, so that two EMs on one address get two names), else the inventory host.
  returned: when O(connection) is true and O(hosts) is not given
  type: str
  sample: em01.example.com
hosts:
  description: The inventory hosts checked.
  returned: when O(hosts) is given
  type: list
  elements: str
'''
