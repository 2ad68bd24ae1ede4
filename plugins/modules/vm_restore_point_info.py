#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: vm_restore_point_info
short_description: List the restore points of VMs in backups from Veeam Backup Enterprise Manager
version_added: 1.0.0
description:
  - Reads VM restore points, one per VM and backup run that left a point in a backup, through the Enterprise
    Manager query service (query type C(VmRestorePoint)).
  - Every filter is sent to the server; results come newest first. The query service filters and sorts points on
    C(CreationTime), which the module uses for O(created_after) and O(created_before).
  - A VM restore point names the restore point of its backup (RV(restore_points[].restore_point_id)) and its backup
    file, not the backup itself; the query type C(RestorePoint) names the backup of a restore point.
    To judge whether each VM has a recent enough point, see the C(vm_restore_points) check of
    M(veeam.enterprise_manager.session_compliance_info).
author:
  - Veeam Enterprise Manager maintainers (@veeam-enterprise-manager)
extends_documentation_fragment:
  - veeam.enterprise_manager.connection
  - veeam.enterprise_manager.point_filters
  - veeam.enterprise_manager.attributes
options:
  point_type:
    description:
      - Only points of one of these types (Enterprise Manager's C(Type) filter field).
    type: list
    elements: str
    choices: [Full, Increment, ReverseIncrement]
'''

EXAMPLES = r'''
- name: The newest restore point of one VM
  veeam.enterprise_manager.vm_restore_point_info:
    host: em.example.com
    username: 'EXAMPLE\svc-ansible'
    password: "{{ vault_em_password }}"
    vm_name: sql02
    limit: 1
  register: newest

- name: Fail when it is older than a day
  ansible.builtin.assert:
    that:
      - newest.restore_points | length == 1
      - (now(utc=true) - (newest.restore_points[0].creation_time_utc | to_datetime('%Y-%m-%dT%H:%M:%S.%fZ'))).total_seconds() < 86400

- name: The full restore points of the last week
  veeam.enterprise_manager.vm_restore_point_info:
    point_type: [Full]
    created_after: 7d
'''

RETURN = r'''
restore_points:
  description: The VM restore points, newest first. Absent or empty values are V(null).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: UUID of the point.
      type: str
      sample: f45e5f83-99a0-4b8e-9195-9f88ee13da07
    uid:
      description: UID of the point.
      type: str
      sample: urn:veeam:VmRestorePoint:f45e5f83-99a0-4b8e-9195-9f88ee13da07
    name:
      description: Name of the point, C(<VM>@<time>).
      type: str
      sample: dbserver01@2025-06-16 04:00:52
    href:
      description: URL of the point as Enterprise Manager gives it.
      type: str
      sample: https://em.example.com:9398/api/vmRestorePoints/f45e5f83-99a0-4b8e-9195-9f88ee13da07?format=Entity
    vm_display_name:
      description: Name of the VM.
      type: str
      sample: dbserver01
    vm_name:
      description: Name of the VM as the point's C(VmName) gives it; V(null) where Enterprise Manager leaves it out
        (the entity URL does).
      type: str
      sample: dbserver01
    creation_time_utc:
      description: When the point was made, UTC ISO 8601.
      type: str
      sample: '2025-06-16T04:00:52.107000Z'
    point_type:
      description: Type of the point, one of the values of O(point_type).
      type: str
      sample: Increment
    algorithm:
      description: How the point was made (V(Full), V(Incremental), V(ReversedIncremental), V(SyntheticFull)).
      type: str
      sample: Incremental
    hierarchy_obj_ref:
      description: The VM's reference in the virtual infrastructure (it stays the same when the VM moves to another
        job); V(null) where Enterprise Manager does not give it.
      type: str
      sample: urn:VMware:Vm:de28dc43-b8ee-4e17-8e63-3d38b6604033.vm-62228
    restore_point_id:
      description: UUID of the backup's restore point the VM point belongs to (from its link; the query type
        C(RestorePoint) names the backup of that restore point).
      type: str
      sample: 94ebd136-e5e0-4ebf-8e89-c37269132c28
    restore_point_name:
      description: Name of the backup's restore point the VM point belongs to (Enterprise Manager names it after
        its time).
      type: str
      sample: Jun 16 2025  4:00AM
    backup_file_name:
      description: Name of the backup file that holds the point; it starts with the name of the backup job.
      type: str
      sample: Backup Job 1D2025-06-16T060031_8B0A.vib
    backup_server_name:
      description: Name of the backup server that holds the point.
      type: str
      sample: vbr01.example.com
'''

from ansible_collections.veeam.enterprise_manager.plugins.module_utils._info_module import InfoModuleSpec, run_info_module
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import RESTORE_POINT_TYPES, VM_RESTORE_POINT

SPEC = InfoModuleSpec(
    VM_RESTORE_POINT,
    result_key='restore_points',
    extra_options={
        'vm_name': (dict(type='str'), 'VmDisplayName'),
        'point_type': (dict(type='list', elements='str', choices=list(RESTORE_POINT_TYPES)), 'Type'),
    },
)


def main():
    run_info_module(SPEC)


if __name__ == '__main__':
    main()
