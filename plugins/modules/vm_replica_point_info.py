#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: vm_replica_point_info
short_description: List the restore points of VM replicas from Veeam Backup Enterprise Manager
version_added: 1.0.0
description:
  - Reads VM replica points, one per VM and replication run that left a point on its replica, through the
    Enterprise Manager query service (query type C(VmReplicaPoint)).
  - Every filter is sent to the server; results come newest first. The query service filters and sorts points on
    C(CreationTime), which the module uses for O(created_after) and O(created_before).
  - To judge whether each VM has a recent enough replica point, see the C(vm_replica_points) check of
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
    choices: [Full, Increment, ReverseIncrement, Snapshot]
  replica_name:
    description:
      - Exact name of the replica the points belong to (named after its replication job).
    type: str
'''

EXAMPLES = r'''
- name: The replica points of one replication job over the last day
  veeam.enterprise_manager.vm_replica_point_info:
    host: em.example.com
    username: 'EXAMPLE\svc-ansible'
    password: "{{ vault_em_password }}"
    replica_name: SQL Replication
    created_after: 24h
  register: points

- name: The newest replica point of one VM
  veeam.enterprise_manager.vm_replica_point_info:
    vm_name: sql02
    limit: 1
'''

RETURN = r'''
replica_points:
  description: The VM replica points, newest first. Absent or empty values are V(null).
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
      sample: urn:veeam:VmReplicaPoint:f45e5f83-99a0-4b8e-9195-9f88ee13da07
    name:
      description: Name of the point, C(<VM>@<time>).
      type: str
      sample: dbserver01@2025-06-16 04:00:52
    href:
      description: URL of the point as Enterprise Manager gives it.
      type: str
      sample: https://em.example.com:9398/api/vmReplicaPoints/f45e5f83-99a0-4b8e-9195-9f88ee13da07?format=Entity
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
      sample: Snapshot
    algorithm:
      description: How the point was made (V(Full), V(Incremental), V(ReversedIncremental), V(SyntheticFull)).
      type: str
      sample: Full
    hierarchy_obj_ref:
      description: The VM's reference in the virtual infrastructure (it stays the same when the VM moves to another
        job); V(null) where Enterprise Manager does not give it.
      type: str
      sample: null
    replica_name:
      description: Name of the replica the point belongs to, named after its replication job.
      type: str
      sample: SQL Replication
    backup_server_name:
      description: Name of the backup server that holds the point.
      type: str
      sample: vbr01.example.com
'''

from ansible_collections.veeam.enterprise_manager.plugins.module_utils._info_module import InfoModuleSpec, run_info_module
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import REPLICA_POINT_TYPES, VM_REPLICA_POINT

SPEC = InfoModuleSpec(
    VM_REPLICA_POINT,
    result_key='replica_points',
    extra_options={
        'vm_name': (dict(type='str'), 'VmDisplayName'),
        'point_type': (dict(type='list', elements='str', choices=list(REPLICA_POINT_TYPES)), 'Type'),
        'replica_name': (dict(type='str'), 'ReplicaName'),
    },
)


def main():
    run_info_module(SPEC)


if __name__ == '__main__':
    main()
