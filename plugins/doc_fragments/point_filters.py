# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The filter options the VM point modules share (argument spec: point_filter_argument_spec in
    # plugins/module_utils/_info_module.py). A point has no state and no result. Each module documents
    # point_type itself: the types differ between backups and replicas.
    DOCUMENTATION = r'''
options:
  id:
    description:
      - One point, by its UUID or its full UID (V(urn:veeam:<Type>:<uuid>)).
      - A malformed value, or the UID of another type, fails before any request is sent.
      - A point that does not exist gives an empty list, not a failure.
      - Cannot be combined with the other filters.
    type: str
  name:
    description:
      - Exact name of the point, C(<VM>@<time>).
    type: str
  vm_name:
    description:
      - Exact name of the VM the points were made of (Enterprise Manager's C(VmDisplayName)).
    type: str
  created_after:
    description:
      - Only points created at or after this point in time.
      - An ISO 8601 date-time (V(2026-11-21T06:00:00Z), or with an offset, turned to UTC), a date
        (V(2026-11-21), midnight UTC), or an age before now, a positive whole number and a unit, such as
        V(30m), V(24h), V(7d) or V(2w) (units C(s), C(m), C(h), C(d), C(w)).
    type: str
  created_before:
    description:
      - Only points created at or before this point in time. Same forms as O(created_after).
    type: str
  backup_server_name:
    description:
      - Exact name of the backup server that holds the points.
    type: str
  filter:
    description:
      - A raw Enterprise Manager filter expression for anything the other options do not cover, AND-ed
        with them, for example V(Algorithm=="SyntheticFull").
      - Field names are those the query service documents for the resource. An unknown field fails with HTTP 400.
    type: str
  limit:
    description:
      - Return at most this many points (the newest ones). Pages beyond what is needed are not read.
    type: int
  page_size:
    description:
      - How many items to ask for per query page. Larger pages mean fewer requests.
    type: int
    default: 100
'''
