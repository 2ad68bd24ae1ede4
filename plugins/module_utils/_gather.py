# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading what a compliance check needs from one EM, in one logon, with a few queries in parallel.

Private to this collection: not a public API; names and signatures may change in any release.

Every check is read the same way, from its entry in ``_checks.CHECKS``. Round 1 runs the independent queries
at once (at most ``workers`` requests in flight, one thread each): EM's lists of jobs and policies (one query
per resource, whatever the number of checks listing from it), and the sessions of each enabled check. A job's
or policy's sessions are those created in the lookback window or the history period (its newest runs and the
trend, read in the same query, never with another logon) or ended within the longest max_age (one query:
staleness is about when a success ended, however long it ran); a VM's are those of the lookback window; the
checks judged from points read every point of the protection horizon (one paged query each), and the restore
points of the horizon that name the backups of VM restore points (one more). Round 2
reads the reasons of the sessions that failed without a message of their own: one filtered query per kind
(task sessions whose result is Failed or Warning), never one request per session, and only for kinds that need
it; and, by UID, the sessions that VMs read belong to but that started before the period read, to name them.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
from concurrent.futures import ThreadPoolExecutor

from . import _checks
from ._query import Condition, any_of, parse_time

MAX_WORKERS = 4
# The page size of the reads that reach into the history period (the sessions of jobs and policies): a week of a
# busy EM's sessions in a few pages, not dozens. EM serves any page size (without one, everything on one page); a
# page of 5,000 sessions is about 10 MB of XML, well under the client's response size limit.
HISTORY_PAGE_SIZE = 5000
REASON_RESULTS = ['Failed', 'Warning']


def _since(resource, when):
    return [Condition(resource.time_field, '>=', when)] if when is not None else []


def _sessions_query(check, options):
    """(resource, conditions, raw filter) reading the sessions a check judges."""
    resource = check.session_resource
    if check.vm_subjects or options.lookback_from is None:
        return resource, _since(resource, options.lookback_from), None
    # A job's or policy's sessions: those of the window and of the history period, in the same query.
    start = options.jobs_from
    stale_from = options.stale_from
    if stale_from is None or stale_from >= start:
        return resource, _since(resource, start), None
    # Created in the window, or ended within max_age: a success that ran longer than max_age still counts.
    return resource, [], any_of([Condition(resource.time_field, '>=', start),
                                 Condition(check.end_field, '>=', stale_from)])


def _points_query(check, options):
    """(resource, conditions, raw filter) reading a VM's points: every point of the protection horizon, newest first,
    in one paged query for all VMs (never one request per VM)."""
    resource = check.session_resource
    return resource, _since(resource, options.protection_from), None


# How a check is judged (``_checks.Check.judged_from``) -> what reads its items: (check, options) -> query.
READERS = {
    'sessions': _sessions_query,
    'points': _points_query,
}


def _run(em, queries, page_size, workers, sizes=None):
    """Run ``{key: (resource, conditions, raw filter)}`` in parallel, with pages of ``sizes[key]`` items (else
    ``page_size``); return ``{key: items}``."""
    if not queries:
        return {}
    sizes = sizes or {}

    def read(item):
        key, (resource, conditions, raw_filter) = item
        return key, list(em.query(resource, conditions, raw_filter=raw_filter, sort_desc=resource.time_field,
                                  sort_asc=resource.sort_asc, page_size=sizes.get(key, page_size)))
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(queries)))) as pool:
        return dict(pool.map(read, sorted(queries.items())))


def _listing_queries(checks):
    """One query per resource listing subjects: ``{'list:<type>': (resource, conditions, None)}`` and the listings."""
    groups = {}
    for check in checks:
        listing = check.listing
        groups.setdefault(listing.resource.query_type, [])
        if listing not in groups[listing.resource.query_type]:
            groups[listing.resource.query_type].append(listing)
    queries = {}
    for query_type, listings in groups.items():
        resource = listings[0].resource
        conditions = []
        if all(listing.types for listing in listings):
            types = []
            for listing in listings:
                types.extend(job_type for job_type in listing.types if job_type not in types)
            conditions = [Condition(resource.field(listings[0].type_field).filter_field, '==', types)]
        queries['list:%s' % query_type] = (resource, conditions, None)
    return queries, groups


def gather(em, options, page_size=500, workers=MAX_WORKERS):
    """Everything ``build_report`` needs, read through a logged-on EMClient ``em``."""
    checks = [_checks.CHECKS[name] for name in options.checks]
    queries, groups = _listing_queries(checks)
    for check in checks:
        queries[check.name] = READERS[check.judged_from](check, options)
        if check.point_parent_resource is not None:
            # What names the points' parents (a backup's restore points), from a day before the horizon: a backup run
            # starts before the VM points it makes.
            resource = check.point_parent_resource
            queries['point_parents:%s' % check.name] = (
                resource, _since(resource, options.protection_from - datetime.timedelta(days=1)), None)
    for check in checks:
        parent = _checks.CHECKS.get(check.parent_check)
        if parent is not None and not check.parent_session_name_field and parent.name not in queries:
            # These task sessions name no job: their sessions do (read over the lookback window, not judged).
            queries[parent.name] = (parent.session_resource, _since(parent.session_resource, options.lookback_from),
                                    None)
    # The reads that reach into the history period take bigger pages: more history costs bytes, not requests.
    sizes = dict((check.name, max(page_size, HISTORY_PAGE_SIZE)) for check in checks
                 if not check.vm_subjects and options.lookback_from is not None
                 and options.jobs_from < options.lookback_from)
    found = _run(em, queries, page_size, workers, sizes)
    data = {}
    for query_type, listings in groups.items():
        items = found.pop('list:%s' % query_type)
        for listing in listings:
            data[listing.key] = [item for item in items if listing.accepts(item)]
    data['point_parents'] = [item for key in sorted(found) if key.startswith('point_parents:') for item in found[key]]
    data.update((key, items) for key, items in found.items() if not key.startswith('point_parents:'))

    # Round 2: the reasons, for kinds with failed sessions of the window that have no message of their own;
    # and the sessions VMs belong to that were not read (by UID), so that every VM is named after its job.
    unexplained = _unexplained(data, options)
    reasons, reused = {}, []
    for name, sessions in sorted(unexplained.items()):
        reason_resource = _checks.CHECKS[name].reason_resource
        read = [other.name for other in checks if other.session_resource is reason_resource and other.name in data]
        if read:
            reused.append(read[0])
        else:
            reasons['reasons:%s' % name] = (reason_resource, [Condition('Result', '==', REASON_RESULTS)]
                                            + _since(reason_resource, _earliest(sessions)), None)
    orphans = _orphan_sessions(data, checks)
    for name, uids in orphans.items():
        resource = _checks.CHECKS[name].session_resource
        uid_field = 'UID' if resource.server_filterable('UID') else 'Id'
        reasons['parents:%s' % name] = (resource, [Condition(uid_field, '==', uids)], None)
    extra = _run(em, reasons, page_size, workers)
    # Kept apart: they name VMs, they are not judged (they started before the period read).
    data['parent_sessions'] = [item for key in sorted(extra) if key.startswith('parents:') for item in extra[key]]
    tasks = [item for key in sorted(extra) if key.startswith('reasons:') for item in extra[key]]
    for name in dict.fromkeys(reused):
        tasks += [task for task in data[name] if task.get('result') in REASON_RESULTS]
    data['task_sessions'] = tasks
    return data


def _orphan_sessions(data, checks):
    """Per parent check, the UIDs of the sessions that task sessions read belong to but that were not read."""
    found = {}
    for check in checks:
        if check.parent_check is None or check.parent_session_name_field:
            continue
        known = set(item.get('uid') for item in data.get(check.parent_check) or [])
        uids = set(task.get(check.parent_session_uid_field) for task in data.get(check.name) or [])
        missing = sorted(uid for uid in uids if uid and uid not in known)
        if missing:
            found[check.parent_check] = sorted(set(found.get(check.parent_check, [])) | set(missing))
    return found


def _earliest(sessions):
    """The window of the reasons query: from the oldest session to explain (task sessions start after it)."""
    return min(parse_time(item['creation_time_utc']) for item in sessions)


def _unexplained(data, options):
    """Per check, the finished sessions of the window with a result in fail_on and no message of their own."""
    found = {}
    for name in options.checks:
        check = _checks.CHECKS[name]
        if check.reason_resource is None:
            continue
        wanted = []
        for item in data.get(name) or []:
            created = parse_time(item.get('creation_time_utc'))
            if options.lookback_from is not None and (created is None or created < options.lookback_from):
                continue
            if (item.get('result') or 'None') in options.fail_on and item.get('state') == check.finished_state \
                    and not item.get('failure_message') and item.get('creation_time_utc'):
                wanted.append(item)
        if wanted:
            found[name] = wanted
    return found
