# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The compliance report from gathered items, by the same judging code as the session_compliance_info module."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _compliance as compliance
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._query import parse_time_option

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _checks

# Keys of the input that are not checks: EM's lists of jobs (replication, backup) and policies, and the sessions
# read only to name the VMs of older ones.
LISTS = tuple(_checks.LISTINGS) + ('parent_sessions', 'point_parents')


def compliance_report(gathered, fail_on=None, exclude=None, task_sessions=None, judge='latest', lookback='24h',
                      max_age=None, max_age_overrides=None, allow_empty=False, now=None, protection_horizon=None, history=None):
    """Build the compliance report from what the info modules returned.

    :param gathered: check name -> list of sessions; optionally ``jobs``, ``backup_jobs`` and ``policies`` -> EM's
        lists. Backup task sessions are named after their job from the ``backup_sessions`` given.
    :param fail_on: results that count as violations.
    :param exclude: job, policy, VM or session names, or glob patterns, to leave out.
    :param task_sessions: task sessions (CDP, replica or backup) read for the sessions that failed, to explain them.
    :param judge: ``every`` (each failed session is a violation) or ``latest`` (the newest finished one per subject).
    :param lookback: the window's start (an age such as ``24h``, or an ISO 8601 date-time); None: every item given
        is in it. The defaults are the module's.
    :param now: the time the report is made (ISO 8601); None: the current time.
    :param protection_horizon: for the checks judged from points, the age the VMs' points given were read over
        (the VMs expected); None: the module's default, 30d.
    :param history: how far back each job's and policy's history and the trend reach (an age, default ``7d``).
    """
    if not isinstance(gathered, dict):
        raise AnsibleFilterError('compliance_report expects a dict of check name to list of sessions')
    checks = [key for key in _checks.CHECKS if key in gathered]
    checks += [key for key in gathered if key not in LISTS and key not in _checks.CHECKS]
    unknown = [check for check in checks if check not in compliance.CHECKS]
    if unknown:
        raise AnsibleFilterError('unknown check %r; known: %s' % (unknown[0], ', '.join(compliance.CHECKS)))
    data = dict(gathered)
    data['task_sessions'] = list(task_sessions or [])
    try:
        when = parse_time_option(now, 'now') if now is not None else None
        options = compliance.Options.from_params(dict(
            checks=checks or list(compliance.DEFAULT_CHECKS), lookback=lookback, fail_on=list(fail_on or ['Failed']),
            judge=judge, exclude=list(exclude or []), max_age=max_age, max_age_overrides=max_age_overrides or {},
            allow_empty=allow_empty, protection_horizon=protection_horizon, history=history), now=when)
        return compliance.build_report(data, options)
    except ValueError as exc:  # NoDataError included
        raise AnsibleFilterError(str(exc))


def unexplained_failures(gathered, fail_on=None, exclude=None):
    """The sessions (not task sessions) that count as violations and carry no reason of their own: kind and id."""
    report = compliance_report(gathered, fail_on, exclude, judge='every', lookback=None, allow_empty=True)
    explained_by_tasks = [check.session_kind for check in _checks.CHECKS.values() if check.reason_resource is not None]
    found = []
    for violation in report['violations']:
        if violation['kind'] in explained_by_tasks and violation['message'] == compliance.NO_REASON:
            found.append({'kind': violation['kind'], 'id': violation['id']})
    return found


def compliance_options(options, prefix=''):
    """Problems with the options of a compliance check, each naming ``prefix`` + the option; empty when none."""
    if not isinstance(options, dict):
        raise AnsibleFilterError('compliance_options expects a dict of option name to value')
    try:
        compliance.Options.from_params(options, prefix=prefix)
    except ValueError as exc:
        return [str(exc)]
    return []


class FilterModule(object):
    def filters(self):
        return {
            'compliance_report': compliance_report,
            'unexplained_failures': unexplained_failures,
            'compliance_options': compliance_options,
        }
