# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading what a compliance check needs from one EM, in one logon, with a few queries in parallel.

Private to this collection: not a public API; names and signatures may change in any release.

Round 1 runs the independent queries at once (at most ``workers`` requests in flight, one thread each):
the replication jobs, the backup jobs, the CDP policies, and the sessions of the period read (the longer of the lookback
window and max_age) for each enabled check. Round 2 reads the reasons of the sessions that failed without a
message of their own: one filtered query per kind (task sessions of the window whose result is Failed or
Warning), never one request per session, and only for kinds that need it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from . import _resources as res
from ._query import Condition, parse_time

MAX_WORKERS = 4
REASON_RESULTS = ['Failed', 'Warning']


def _since(resource, when):
    return [Condition(resource.time_field, '>=', when)] if when is not None else []


def _run(em, queries, page_size, workers):
    """Run ``{key: (resource, conditions)}`` in parallel; return ``{key: items}``."""
    if not queries:
        return {}

    def read(item):
        key, (resource, conditions) = item
        return key, list(em.query(resource, conditions, sort_desc=resource.time_field, sort_asc=resource.sort_asc,
                                  page_size=page_size))
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(queries)))) as pool:
        return dict(pool.map(read, sorted(queries.items())))


def gather(em, options, page_size=500, workers=MAX_WORKERS):
    """Everything ``build_report`` needs, read through a logged-on EMClient ``em``."""
    checks = options.checks
    read_from = options.read_from
    queries = {}
    if 'replica_sessions' in checks:
        queries['jobs'] = (res.JOB, [Condition('JobType', '==', 'Replica')])
        queries['replica_sessions'] = (res.REPLICA_JOB_SESSION, _since(res.REPLICA_JOB_SESSION, read_from))
    if 'backup_sessions' in checks:
        queries['backup_jobs'] = (res.JOB, [Condition('JobType', '==', [t for t in res.JOB_TYPES if t != 'Replica'])])
    if 'backup_sessions' in checks or 'backup_task_sessions' in checks:
        # Backup task sessions name no job: their job sessions do (read over the longer period when both).
        since = read_from if 'backup_sessions' in checks else options.lookback_from
        queries['backup_sessions'] = (res.BACKUP_JOB_SESSION, _since(res.BACKUP_JOB_SESSION, since))
    if 'backup_task_sessions' in checks:
        queries['backup_task_sessions'] = (res.BACKUP_TASK_SESSION,
                                           _since(res.BACKUP_TASK_SESSION, options.lookback_from))
    if 'cdp_replica_sessions' in checks or 'cdp_replica_task_sessions' in checks:
        queries['policies'] = (res.CDP_POLICY, [])
    if 'cdp_replica_sessions' in checks:
        queries['cdp_replica_sessions'] = (res.CDP_REPLICA_SESSION, _since(res.CDP_REPLICA_SESSION, read_from))
    if 'cdp_replica_task_sessions' in checks:
        # VMs are judged on the lookback window only (max_age is for jobs and policies).
        queries['cdp_replica_task_sessions'] = (res.CDP_REPLICA_TASK_SESSION,
                                                _since(res.CDP_REPLICA_TASK_SESSION, options.lookback_from))
    data = _run(em, queries, page_size, workers)

    # Round 2: the reasons, for kinds with failed sessions of the window that have no message of their own.
    unexplained = _unexplained(data, options)
    reasons = {}
    if unexplained.get('replica_sessions'):
        reasons['replica'] = (res.REPLICA_TASK_SESSION, [Condition('Result', '==', REASON_RESULTS)]
                              + _since(res.REPLICA_TASK_SESSION, _earliest(unexplained['replica_sessions'])))
    if unexplained.get('cdp_replica_sessions') and 'cdp_replica_task_sessions' not in data:
        # The query service has no Result for CDP task sessions: the client filters while paging.
        reasons['cdp'] = (res.CDP_REPLICA_TASK_SESSION, [Condition('Result', '==', REASON_RESULTS)]
                          + _since(res.CDP_REPLICA_TASK_SESSION, _earliest(unexplained['cdp_replica_sessions'])))
    if unexplained.get('backup_sessions') and 'backup_task_sessions' not in data:
        reasons['backup'] = (res.BACKUP_TASK_SESSION, [Condition('Result', '==', REASON_RESULTS)]
                             + _since(res.BACKUP_TASK_SESSION, _earliest(unexplained['backup_sessions'])))
    # Backup task sessions name no job: the job sessions they belong to that started before the period read are
    # read by UID, in the same round, so that every VM is named after its job.
    orphans = _orphan_backup_sessions(data)
    if orphans:
        reasons['backup_parents'] = (res.BACKUP_JOB_SESSION, [Condition('UID', '==', orphans)])
    found = _run(em, reasons, page_size, workers)
    if orphans:
        # Kept apart: they name VMs, they are not judged (they started before the period read).
        data['backup_parent_sessions'] = found.get('backup_parents', [])
    tasks = found.get('replica', []) + found.get('cdp', []) + found.get('backup', [])
    if unexplained.get('cdp_replica_sessions') and 'cdp_replica_task_sessions' in data:
        tasks += [task for task in data['cdp_replica_task_sessions'] if task.get('result') in REASON_RESULTS]
    if unexplained.get('backup_sessions') and 'backup_task_sessions' in data:
        tasks += [task for task in data['backup_task_sessions'] if task.get('result') in REASON_RESULTS]
    data['task_sessions'] = tasks
    return data


def _orphan_backup_sessions(data):
    """The UIDs of the backup job sessions that backup task sessions read name but that were not read."""
    known = set(item.get('uid') for item in data.get('backup_sessions') or [])
    return sorted(set(task.get('job_session_uid') for task in data.get('backup_task_sessions') or []
                      if task.get('job_session_uid') and task.get('job_session_uid') not in known))


def _earliest(sessions):
    """The window of the reasons query: from the oldest session to explain (task sessions start after it)."""
    return min(parse_time(item['creation_time_utc']) for item in sessions)


def _unexplained(data, options):
    """Per check, the finished sessions of the window with a result in fail_on and no message of their own."""
    found = {}
    for check in ('replica_sessions', 'cdp_replica_sessions', 'backup_sessions'):
        if check not in options.checks:
            continue
        wanted = []
        for item in data.get(check) or []:
            created = parse_time(item.get('creation_time_utc'))
            if options.lookback_from is not None and (created is None or created < options.lookback_from):
                continue
            if (item.get('result') or 'None') in options.fail_on and item.get('state') == 'Stopped' \
                    and not item.get('failure_message') and item.get('creation_time_utc'):
                wanted.append(item)
        if wanted:
            found[check] = wanted
    return found
