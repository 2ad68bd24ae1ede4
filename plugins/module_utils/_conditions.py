# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filter conditions from the session filter options, for the info modules and the event source alike.

Private to this collection: not a public API; names and signatures may change in any release.

Imports nothing from ``ansible``: ``_info_module.InfoModuleSpec.conditions`` delegates here, and the
Event-Driven Ansible source (which runs outside Ansible) builds its query with the same function.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ._query import Condition, parse_time_option


def session_conditions(resource, params, extra_filters=None):
    """Filter conditions from the session filter options; raises ValueError naming the option.

    :param resource: the ``_resources.Resource`` queried (its time field takes ``created_after``/``before``).
    :param params: option name -> value; absent or empty options add no condition.
    :param extra_filters: option name -> EM filter field, or a callable ``(value) -> list of Condition``.
    """
    conditions = []
    for option, field in (('name', 'Name'), ('backup_server_name', 'BackupServerName')):
        if params.get(option) is not None:
            conditions.append(Condition(field, '==', params[option]))
    if params.get('state'):
        conditions.append(Condition('State', '==', params['state']))
    if params.get('result'):
        conditions.append(Condition('Result', '==', params['result']))
    for option, op in (('created_after', '>='), ('created_before', '<=')):
        if params.get(option) is not None:
            conditions.append(Condition(resource.time_field, op, parse_time_option(params[option], option)))
    for name, field in (extra_filters or {}).items():
        value = params.get(name)
        if value is None:
            continue
        if callable(field):
            conditions.extend(field(value))
        else:
            conditions.append(Condition(field, '==', value))
    return conditions
