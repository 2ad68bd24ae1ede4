# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The compliance report of the session_compliance role, computed in one place from the gathered sessions."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fnmatch

from ansible.errors import AnsibleFilterError

# check name -> (violation kind, the key of the parent's name in an item)
CHECKS = {
    'cdp_replica_sessions': ('cdp_replica_session', 'policy_name'),
    'cdp_replica_task_sessions': ('cdp_replica_task_session', None),
    'replica_sessions': ('replica_session', 'job_name'),
}
RESULT_ORDER = ('Success', 'Warning', 'Failed', 'None')


def _parent_of(check, item):
    kind, key = CHECKS[check]
    if key:
        return item.get(key)
    # A CDP task session names its CDP session "<policy>@<start time>": the policy is before the last @.
    session_name = item.get('policy_session_name') or ''
    return session_name.rsplit('@', 1)[0] if '@' in session_name else None


def _excluded(parent, name, patterns):
    for pattern in patterns:
        for candidate in (parent, name):
            if candidate is not None and fnmatch.fnmatchcase(candidate, pattern):
                return True
    return False


def _task_reasons(tasks):
    """One line from the task sessions that went wrong: ``vm: reason; vm: reason``."""
    parts = []
    for task in tasks:
        if task.get('result') in ('Warning', 'Failed'):
            reason = task.get('reason') or ('%s without a reason' % task.get('result'))
            parts.append('%s: %s' % (task.get('vm_display_name') or task.get('name'), reason))
    return '; '.join(sorted(set(parts)))


def compliance_report(gathered, fail_on=None, exclude=None, task_sessions=None):
    """Build the report of the session_compliance role.

    :param gathered: check name -> list of items returned by the info modules.
    :param fail_on: results that count as violations.
    :param exclude: policy, job or session names, or glob patterns, to leave out.
    :param task_sessions: task sessions (CDP or replica) read for the sessions that failed, to explain them.
    """
    if not isinstance(gathered, dict):
        raise AnsibleFilterError('compliance_report expects a dict of check name to list of sessions')
    fail_on = list(fail_on or ['Failed'])
    patterns = list(exclude or [])
    tasks_by_session = {}
    for task in task_sessions or []:
        parent_uid = task.get('policy_session_uid') or task.get('job_session_uid')
        tasks_by_session.setdefault(parent_uid, []).append(task)

    totals, excluded, violations = {}, {}, []
    for check, items in gathered.items():
        if check not in CHECKS:
            raise AnsibleFilterError('unknown check %r; known: %s' % (check, ', '.join(sorted(CHECKS))))
        kind = CHECKS[check][0]
        counts = dict((result, 0) for result in RESULT_ORDER)
        counts['total'] = 0
        excluded[check] = 0
        for item in items or []:
            parent = _parent_of(check, item)
            if _excluded(parent, item.get('name'), patterns):
                excluded[check] += 1
                continue
            result = item.get('result') or 'None'
            counts['total'] += 1
            counts[result] = counts.get(result, 0) + 1
            if result not in fail_on:
                continue
            message = item.get('failure_message') or item.get('reason') or _task_reasons(
                tasks_by_session.get(item.get('uid'), []))
            violations.append({
                'kind': kind,
                'id': item.get('id'),
                'name': item.get('name'),
                'parent': parent,
                'result': result,
                'state': item.get('state'),
                'creation_time_utc': item.get('creation_time_utc'),
                'message': message or 'Enterprise Manager gives no reason',
            })
        totals[check] = counts
    violations.sort(key=lambda v: (v['creation_time_utc'] or ''), reverse=True)
    lines = ['%d session(s) with a result in %s:' % (len(violations), ', '.join(fail_on))] if violations else []
    for violation in violations:
        lines.append('{kind} | {parent} | {name} | {creation_time_utc} | {result}: {message}'.format(
            **dict(violation, parent=violation['parent'] or '-')))
    return {
        'passed': not violations,
        'totals': totals,
        'excluded': excluded,
        'violations': violations,
        'lines': lines,
    }


def unexplained_failures(gathered, fail_on=None, exclude=None):
    """The sessions (not task sessions) that count as violations and carry no reason of their own: kind and id."""
    report = compliance_report(gathered, fail_on, exclude)
    prefixes = {'cdp_replica_session': 'CdpReplicaSession', 'replica_session': 'ReplicaJobSession'}
    found = []
    for violation in report['violations']:
        if violation['kind'] in prefixes and violation['message'] == 'Enterprise Manager gives no reason':
            found.append({'kind': violation['kind'], 'id': violation['id']})
    return found


class FilterModule(object):
    def filters(self):
        return {
            'compliance_report': compliance_report,
            'unexplained_failures': unexplained_failures,
        }
