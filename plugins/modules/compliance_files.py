#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The work is done on the controller by the action plugin plugins/action/compliance_files.py; this file documents it.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: compliance_files
short_description: Write the report files of a compliance report safely, on the controller
version_added: 1.0.0
description:
  - Writes a compliance report (the C(report) of M(veeam.enterprise_manager.session_compliance_info)) or a fleet
    roll-up (the C(compliance_fleet) filter's result) as the files O(formats) asks for, into O(dir) on the
    controller. The P(veeam.enterprise_manager.session_compliance#role) role writes its report files with it.
  - A report is written as C(<stem>.json), C(<stem>.junit.xml), C(<stem>.html) and C(<stem>.prom), where the stem
    is O(name) with characters other than letters, digits, C(.), C(_) and C(-) replaced by C(_); a stem longer than
    200 characters keeps its start and ends with a digest of the whole name; the stem V(fleet) becomes V(em_fleet),
    since the fleet roll-up is written as C(fleet.json), C(fleet.junit.xml) and C(fleet.html) (no Prometheus file).
  - Each file is a new file, created in O(dir) under a temporary name by the user running the play and renamed
    into place, so a reader never sees half a file and a file planted by another user is replaced, not written
    into. A symbolic link, a directory or anything but a regular file where a report goes makes the task fail
    before any file is written; links are never followed.
  - O(dir) is created with mode 0750 (narrowed by the umask) when it is missing; an existing directory keeps its
    mode and owner.
  - With O(show=true), a report that did not pass is also printed in the terminal as one block of plain text
    (through Ansible's display, not as a task result, so no callback quotes it or doubles its backslashes); for one
    Enterprise Manager a line per incident grouped by check, the VMs that failed with their job or policy on lines
    under it; for a fleet a line per Enterprise Manager. Escape sequences, control characters and bidi controls from
    Enterprise Manager's text are removed. O(dir) may then be unset to print without writing files.
  - Runs on the controller and talks to nothing else.
author:
  - Veeam Enterprise Manager maintainers (@veeam-enterprise-manager)
options:
  report:
    description:
      - The compliance report of one Enterprise Manager, or a fleet roll-up of several.
    type: dict
    required: true
  dir:
    description:
      - The directory on the controller to write into. Unset, no file is written (with O(show=true) only).
    type: path
  show:
    description:
      - Whether to print the failure block of a report (or fleet) that did not pass in the terminal, and return it as
        RV(block).
    type: bool
    default: false
  name:
    description:
      - The name of the Enterprise Manager, in the file names and inside the files. Required for a report; not
        used for a fleet.
    type: str
  formats:
    description:
      - The files to write. A fleet has no Prometheus file.
    type: list
    elements: str
    choices: [json, junit, html, prometheus]
    default: [json, junit, html]
  mode:
    description:
      - The mode of the files, as an octal string such as V('0640'). Unset, 0640 narrowed by the umask of the
        controller's process (umask 077 gives 0600).
    type: raw
extends_documentation_fragment:
  - veeam.enterprise_manager.attributes.controller
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: In check mode nothing is written and RV(files) lists what would be. The role writes its report files
      under C(--check) too (its task sets C(check_mode=false)), as they are output, not a change to a system.
'''

EXAMPLES = r'''
- name: Write the report of one Enterprise Manager, readable by its owner only
  veeam.enterprise_manager.compliance_files:
    report: "{{ session_compliance_report }}"
    name: em01.example.com
    dir: /var/lib/veeam-reports
    formats: [json, html]
    mode: '0600'
'''

RETURN = r'''
files:
  description: The paths written, in the order json, junit, html, prometheus.
  returned: success
  type: list
  elements: str
  sample: [/var/lib/veeam-reports/em01.example.com.json, /var/lib/veeam-reports/em01.example.com.html]
directory_created:
  description: Whether O(dir) was created.
  returned: success
  type: bool
mode:
  description: The mode the files were given, in octal.
  returned: when files were written
  type: str
  sample: '0640'
block:
  description: The failure block printed, as text (empty when the report passed).
  returned: when O(show=true)
  type: str
  sample: "Enterprise Manager em01: FAILED, 1 incident(s) (2 failed or stale job(s), policy(ies) and VM(s) counted one by one):"
summary:
  description:
    - One short line for a failure message, such as C(Enterprise Manager em01 did not pass, 3 incident(s) - listed
      above.), EM's text made printable; empty when the report passed.
  returned: when O(show=true)
  type: str
incidents:
  description: How many incidents the report (or every report of the fleet) has.
  returned: when O(show=true)
  type: int
  sample: 1
'''
