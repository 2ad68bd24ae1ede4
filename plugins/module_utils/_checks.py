# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Each compliance check, each session result and each verdict, described once, as data.

Private to this collection: not a public API; names and signatures may change in any release.

A check judges one kind of subject (a job, a policy, or the VMs of either). Its entry says where its
subjects and sessions are read, how a session finds its subject and parent, when a session is finished, how
people call it, whether the event source watches it, and how it is judged. Gathering (``_gather``), judging
(``_compliance``), the report files (``_reports``), the filters, the module's and the role's choices and the
generated docs all read ``CHECKS``; ``tests/unit/test_registry_surfaces.py`` fails when one of them lacks an
entry. Adding a check is one entry here plus its docs; a check judged from something other than sessions
names another ``judged_from`` strategy, which ``_compliance`` resolves.

Pure data, no ``ansible`` import, nothing but ``_resources`` below it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from . import _resources as res


class Listing:
    """Where EM lists a check's subjects even when they have no session: a resource and the types kept."""

    __slots__ = ('key', 'resource', 'type_field', 'types', 'rejects', 'noun')

    def __init__(self, key, resource, noun, type_field=None, types=None, rejects=None):
        # The key of the gathered data (and of the compliance_report filter's input) that holds the list.
        self.key = key
        self.resource = resource
        # What an item is, for messages: "replication job".
        self.noun = noun
        # The returned field and its values an item must have (None: every item of the resource).
        self.type_field = type_field
        self.types = tuple(types) if types else None
        # Given: an item of any type but these is taken (a list given by hand may hold types EM's list lacks).
        self.rejects = tuple(rejects) if rejects else None

    def __repr__(self):
        return 'Listing(%r)' % (self.key,)

    def accepts(self, item):
        """Whether a listed item is a subject of this listing (an item without a type is taken)."""
        if self.type_field is None:
            return True
        value = item.get(self.type_field)
        if value is None:
            return True
        return value not in self.rejects if self.rejects is not None else value in self.types


class Check:
    """One compliance check. Read the attributes; build entries only in this file."""

    __slots__ = ('name', 'title', 'what', 'subject_kind', 'subject_title', 'session_kind', 'session_title',
                 'parent_title', 'session_resource', 'reason_resource', 'listing', 'subject_uid_field',
                 'subject_name_field', 'parent_check', 'parent_session_uid_field', 'parent_session_name_field',
                 'finished_state', 'vm_subjects', 'event_kind', 'judged_from', 'default', 'default_max_age',
                 'point_parent_resource')

    def __init__(self, name, title, what, subject_kind, subject_title, session_kind, session_title, parent_title,
                 session_resource, listing, subject_name_field, finished_state, reason_resource=None,
                 subject_uid_field=None, parent_check=None, parent_session_uid_field=None,
                 parent_session_name_field=None, vm_subjects=False, event_kind=None, judged_from='sessions',
                 default=True, default_max_age=None, point_parent_resource=None):
        self.name = name
        # What people read: the check's title (a plural noun) and a phrase for prose ("backup jobs").
        self.title = title
        self.what = what
        # A subject's kind (also the kind of a stale violation) and how one reads ("Backup job").
        self.subject_kind = subject_kind
        self.subject_title = subject_title
        # A session's kind (the kind of a failed session's violation), how one reads, and what its parent is.
        self.session_kind = session_kind
        self.session_title = session_title
        self.parent_title = parent_title
        # Where the sessions are read, and the task sessions that explain a session failed without a message.
        self.session_resource = session_resource
        self.reason_resource = reason_resource
        # Where EM lists the subjects (for VMs: their jobs or policies, which say whether the check is in use).
        self.listing = listing
        # A session's fields naming its subject: its UID (None for VMs) and its name.
        self.subject_uid_field = subject_uid_field
        self.subject_name_field = subject_name_field
        # VMs: the check whose sessions name the parent, the task session's field holding that session's UID,
        # and the field holding that session's name ("<parent>@<time>"), when EM gives one.
        self.parent_check = parent_check
        self.parent_session_uid_field = parent_session_uid_field
        self.parent_session_name_field = parent_session_name_field
        # The state of a session that has ended (None for checks judged from points).
        self.finished_state = finished_state
        # The subjects are VMs. Judged from sessions, VMs are judged on the lookback window only: never disabled,
        # never stale; judged from points, they are stale when their newest point is older than their RPO.
        self.vm_subjects = vm_subjects
        # The kind the event source watches for this check (its ``kinds`` argument), or None.
        self.event_kind = event_kind
        # How the check is judged: a strategy name; _gather.READERS reads its items and _compliance._JUDGED_FROM
        # judges a subject from them: 'sessions', or 'points' (a VM's restore or replica points: its sessions are
        # its points, its name field the VM's, and it is stale when its newest point is older than its RPO).
        self.judged_from = judged_from
        # Whether a run without ``checks`` runs it.
        self.default = default
        # The max_age (an age text, ``_query.parse_age``) that applies when the user sets none, or None: then an
        # unset max_age means no staleness (the session checks). The points checks judge every VM against one.
        self.default_max_age = default_max_age
        # Checks judged from points whose points name their parent only by a link: the resource read (one query over
        # the horizon) to name it (a VM restore point links to its backup's RestorePoint, which names the backup).
        self.point_parent_resource = point_parent_resource

    def __repr__(self):
        return 'Check(%r)' % (self.name,)

    @property
    def end_field(self):
        """The query-service field of a session's end time (the creation field's partner)."""
        return self.session_resource.time_field.replace('Creation', 'End')


# Job types of EM's Job list (get_query_job). Agent and file share (NAS) jobs are not in that list: they are
# seen through their backup sessions, which count whatever their type.
BACKUP_JOB_TYPES = tuple(job_type for job_type in res.JOB_TYPES if job_type != 'Replica')

_BACKUP_JOBS = Listing('backup_jobs', res.JOB, 'backup job', 'job_type', BACKUP_JOB_TYPES, rejects=('Replica',))
_REPLICA_JOBS = Listing('jobs', res.JOB, 'replication job', 'job_type', ('Replica',))
_POLICIES = Listing('policies', res.CDP_POLICY, 'CDP policy')

_ENTRIES = (
    Check('backup_sessions', 'Backup jobs', 'backup jobs', 'backup_job', 'Backup job', 'backup_session',
          'Backup session', 'Backup job', res.BACKUP_JOB_SESSION, _BACKUP_JOBS, 'job_name', 'Stopped',
          reason_resource=res.BACKUP_TASK_SESSION, subject_uid_field='job_uid', event_kind='backup_sessions'),
    Check('backup_task_sessions', 'VMs of backup jobs', 'the VMs of backup jobs', 'backup_job_vm', 'VM',
          'backup_task_session', 'Backup VM session', 'Backup job', res.BACKUP_TASK_SESSION, _BACKUP_JOBS,
          'vm_display_name', 'Completed', parent_check='backup_sessions', parent_session_uid_field='job_session_uid',
          vm_subjects=True, event_kind='backup_task_sessions'),
    Check('replica_sessions', 'Replication jobs', 'replication jobs', 'replica_job', 'Replication job',
          'replica_session', 'Replication session', 'Replication job', res.REPLICA_JOB_SESSION, _REPLICA_JOBS,
          'job_name', 'Stopped', reason_resource=res.REPLICA_TASK_SESSION, subject_uid_field='job_uid',
          event_kind='replica_sessions'),
    Check('replica_task_sessions', 'VMs of replication jobs', 'the VMs of replication jobs', 'replica_job_vm', 'VM',
          'replica_task_session', 'Replication VM session', 'Replication job', res.REPLICA_TASK_SESSION,
          _REPLICA_JOBS, 'vm_display_name', 'Completed', parent_check='replica_sessions',
          parent_session_uid_field='job_session_uid', parent_session_name_field='job_session_name', vm_subjects=True,
          event_kind='replica_task_sessions', default=False),
    Check('cdp_replica_sessions', 'CDP policies', 'CDP policies', 'cdp_policy', 'CDP policy', 'cdp_replica_session',
          'CDP session', 'CDP policy', res.CDP_REPLICA_SESSION, _POLICIES, 'policy_name', 'Stopped',
          reason_resource=res.CDP_REPLICA_TASK_SESSION, subject_uid_field='policy_uid',
          event_kind='cdp_replica_sessions'),
    Check('cdp_replica_task_sessions', 'VMs of CDP policies', 'the VMs of CDP policies', 'cdp_policy_vm', 'VM',
          'cdp_replica_task_session', 'CDP VM session', 'CDP policy', res.CDP_REPLICA_TASK_SESSION, _POLICIES,
          'vm_display_name', 'Completed', parent_check='cdp_replica_sessions',
          parent_session_uid_field='policy_session_uid', parent_session_name_field='policy_session_name',
          vm_subjects=True, event_kind='cdp_replica_task_sessions'),
    # Judged from points, not sessions: one subject per VM (by its hierarchy reference where EM gives one), the VMs
    # expected being those with a point within the protection horizon. Off by default: they read every point of
    # the horizon. An unset max_age is 26 hours for them (a daily job and its slack). The event source does not
    # watch points. Their "session" is a point; finished_state does not apply.
    Check('vm_restore_points', 'Restore points of VMs', 'the restore points of VMs', 'restore_point_vm', 'VM',
          'vm_restore_point', 'Restore point', 'Backup', res.VM_RESTORE_POINT, _BACKUP_JOBS, 'vm_display_name', None,
          vm_subjects=True, judged_from='points', default=False, default_max_age='26h',
          point_parent_resource=res.RESTORE_POINT),
    Check('vm_replica_points', 'Replica points of VMs', 'the replica points of VMs', 'replica_point_vm', 'VM',
          'vm_replica_point', 'Replica point', 'Replica', res.VM_REPLICA_POINT, _REPLICA_JOBS, 'vm_display_name', None,
          vm_subjects=True, judged_from='points', default=False, default_max_age='26h'),
)

#: Every check by name, in the order reports show them (backups first).
CHECKS = dict((check.name, check) for check in _ENTRIES)
#: What a run checks when no checks are given.
DEFAULT_CHECKS = tuple(check.name for check in _ENTRIES if check.default)
#: The lists of subjects by their data key (``jobs``, ``backup_jobs``, ``policies``).
LISTINGS = dict((check.listing.key, check.listing) for check in _ENTRIES)
#: The kinds the event source watches, by name -> the query type it reads.
EVENT_KINDS = dict((check.event_kind, check.session_resource.query_type) for check in _ENTRIES if check.event_kind)
#: A violation's kind (a session kind, or a subject kind for a stale subject) -> its check.
KIND_CHECK = dict([(check.session_kind, check) for check in _ENTRIES] + [(check.subject_kind, check) for check in _ENTRIES])
#: Every kind people read about (subjects and sessions) -> its title.
KIND_TITLES = dict([(check.subject_kind, check.subject_title) for check in _ENTRIES]
                   + [(check.session_kind, check.session_title) for check in _ENTRIES])
SUBJECT_KINDS = tuple(check.subject_kind for check in _ENTRIES)
SESSION_KINDS = tuple(check.session_kind for check in _ENTRIES)


def get(name):
    """The check of that name; KeyError for an unknown one."""
    return CHECKS[name]


def check_of_kind(kind):
    """The check a violation's kind belongs to, or None."""
    return KIND_CHECK.get(kind)


def titles(names):
    """The checks' phrases joined for a sentence: "backup jobs, replication jobs and CDP policies"."""
    phrases = [CHECKS[name].what if name in CHECKS else name for name in names]
    if len(phrases) < 2:
        return ''.join(phrases)
    return '%s and %s' % (', '.join(phrases[:-1]), phrases[-1])


class Outcome:
    """A session result or a verdict: its name, the words people read, its colour, what it means for a run."""

    __slots__ = ('name', 'words', 'colour', 'violation', 'judged', 'meaning')

    def __init__(self, name, words, colour, violation=False, judged=True, meaning=None):
        self.name = name
        self.words = words
        self.colour = colour
        self.violation = violation
        self.judged = judged
        # A verdict explained in one line, for people (the HTML page shows it the first time the verdict appears).
        self.meaning = meaning

    def __repr__(self):
        return 'Outcome(%r)' % (self.name,)


#: Session results, in the order counts are shown. ``None`` is what EM reports for a running session.
RESULTS = dict((outcome.name, outcome) for outcome in (
    Outcome('Success', 'success', '#1e7d34'),
    Outcome('Warning', 'warning', '#a05a00'),
    Outcome('Failed', 'failed', '#b3261e'),
    Outcome('None', 'no result (running)', '#5f6368'),
))
#: Verdicts, worst first (the order of reports). ``violation``: it fails the run; ``judged``: false for
#: subjects that were not judged (a JUnit "skipped").
VERDICTS = dict((outcome.name, outcome) for outcome in (
    Outcome('failed', 'failed', '#b3261e', violation=True,
            meaning='its newest finished run failed (or, judging every run, a run of the period failed)'),
    Outcome('stale', 'stale', '#a05a00', violation=True,
            meaning='it is scheduled but has had no successful run for longer than allowed'),
    Outcome('recovered', 'recovered', '#4f7a8a',
            meaning='a run failed, but a newer run succeeded: not a violation'),
    Outcome('no_sessions', 'no sessions', '#5f6368',
            meaning='it did not run in the period shown'),
    Outcome('disabled', 'disabled', '#5f6368', judged=False,
            meaning='its schedule is off, so it is not judged'),
    Outcome('ok', 'ok', '#1e7d34',
            meaning='its newest finished run succeeded'),
))
#: How a check that ran reads when EM has nothing of its kind.
NOT_IN_USE = 'not in use'
