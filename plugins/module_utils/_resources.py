# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Each Enterprise Manager resource the collection reads, described once, as data.

Private to this collection: not a public API; names and signatures may change in any release.

A resource names its query type, its URL collection, the fields its filter accepts (they differ:
ReplicaJobSession filters on ``CreationTime`` and ``UID``, the CDP types on ``CreationTimeUTC`` and
``Id``), and the fields it returns with their types. The client and the modules read these
descriptions; nothing else hard-codes a field name.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# Field kinds: how a wire value becomes a Python value (see wire.convert).
STR = 'str'
INT = 'int'
BOOL = 'bool'
TIME = 'time'
ID = 'id'            # the UUID taken from a UID (never from an Href: some EM Hrefs are wrong)
LINK_NAME = 'link'   # the Name of the first link whose Type is the given one
# The UUID at the end of the Href of the first link whose Type is the given one (for links that carry no UID).
LINK_ID = 'link_id'
# Seconds of a CDP policy's recovery point objective, read from its PolicyScheduleOptions (see _wire.rpo_seconds).
RPO_SECONDS = 'rpo_seconds'


class Field:
    """One returned field: the key modules return, where it comes from on the wire, its kind."""

    __slots__ = ('key', 'source', 'kind', 'filter_field')

    def __init__(self, key, source, kind=STR, filter_field=None):
        self.key = key
        self.source = source
        self.kind = kind
        self.filter_field = filter_field

    def __repr__(self):
        return 'Field(%r, %r, %r)' % (self.key, self.source, self.kind)


class Resource:
    """An EM resource read through the query service and the entity URL."""

    def __init__(self, query_type, collection, filter_fields, time_field, fields, states=(), results=(),
                 sort_asc=None):
        self.query_type = query_type
        self.uid_type = query_type
        self.collection = collection
        # EM field names the query service accepts in ``filter`` (and for sorting).
        self.filter_fields = tuple(filter_fields)
        self.time_field = time_field
        # Resources without a time (jobs, policies) are listed in this field's order instead of newest first.
        self.sort_asc = sort_asc
        self.fields = tuple(fields)
        self.states = tuple(states)
        self.results = tuple(results)
        self._by_key = dict((field.key, field) for field in self.fields)

    def __repr__(self):
        return 'Resource(%r)' % (self.query_type,)

    def field(self, key):
        return self._by_key[key]

    def server_filterable(self, em_field):
        """Whether the query service accepts this EM field name in a filter (case-insensitive)."""
        lowered = em_field.lower()
        return any(name.lower() == lowered for name in self.filter_fields)

    def entity_path(self, uuid):
        return '/%s/%s' % (self.collection, uuid)


SESSION_STATES = ('Starting', 'Stopping', 'Working', 'Pausing', 'Resuming', 'Stopped')
TASK_STATES = ('InProgress', 'Pending', 'Completed')
RESULTS = ('Success', 'Warning', 'Failed')

_COMMON_HEAD = (
    Field('id', 'uid', ID),
    Field('uid', 'uid'),
    Field('name', 'name'),
)
# When it ran and how it ended: every session and task session has these.
_RUN = (
    Field('creation_time_utc', 'creation_time_utc', TIME),
    Field('end_time_utc', 'end_time_utc', TIME),
    Field('state', 'state', filter_field='State'),
    Field('result', 'result', filter_field='Result'),
)
_BACKUP_SERVER = (
    Field('backup_server_name', 'BackupServerReference', LINK_NAME, filter_field='BackupServerName'),
)
# What a task session (one VM) adds after its run fields.
_TASK_TAIL = (
    Field('reason', 'reason'),
    Field('total_size', 'total_size', INT),
) + _BACKUP_SERVER

CDP_REPLICA_SESSION = Resource(
    query_type='CdpReplicaSession',
    collection='cdpReplicaSessions',
    filter_fields=('Id', 'Name', 'PolicyUid', 'PolicyName', 'BackupServerUid', 'BackupServerName',
                   'CreationTimeUTC', 'EndTimeUTC', 'State', 'Result', 'FailureMessage'),
    time_field='CreationTimeUTC',
    states=SESSION_STATES,
    # A running CDP session reports the result None (seen in the reference examples).
    results=('None',) + RESULTS,
    fields=_COMMON_HEAD + (
        Field('href', 'href'),
        Field('policy_uid', 'policy_uid', filter_field='PolicyUid'),
        Field('policy_name', 'policy_name', filter_field='PolicyName'),
        Field('policy_type', 'policy_type'),
    ) + _RUN + (
        Field('progress', 'progress', INT),
        Field('failure_message', 'failure_message'),
        Field('is_retry', 'is_retry', BOOL),
    ) + _BACKUP_SERVER,
)

CDP_REPLICA_TASK_SESSION = Resource(
    query_type='CdpReplicaTaskSession',
    collection='cdpReplicaTaskSessions',
    # No Result here: the query service does not offer it for CDP task sessions, so a result
    # filter is applied by the client while it pages (the one filter not sent to the server).
    filter_fields=('Id', 'Name', 'PolicySessionUid', 'PolicySessionName', 'BackupServerUid', 'BackupServerName',
                   'CreationTimeUTC', 'EndTimeUTC', 'State', 'Reason', 'TotalSize', 'VmDisplayName'),
    time_field='CreationTimeUTC',
    states=TASK_STATES,
    results=RESULTS,
    fields=_COMMON_HEAD + (
        Field('vm_display_name', 'vm_display_name', filter_field='VmDisplayName'),
        Field('policy_session_uid', 'policy_session_uid', filter_field='PolicySessionUid'),
        Field('policy_session_id', 'policy_session_uid', ID),
        Field('policy_session_name', 'CdpReplicaSessionReference', LINK_NAME, filter_field='PolicySessionName'),
    ) + _RUN + (
    ) + _TASK_TAIL,
)

# The query service filters replication and backup job sessions on the same fields, and their task sessions too.
_JOB_SESSION_FILTER_FIELDS = ('UID', 'Name', 'JobType', 'JobUid', 'JobName', 'CreationTime', 'EndTime', 'State',
                              'Result', 'IsRetry', 'BackupServerUid', 'BackupServerName')
_JOB_TASK_FILTER_FIELDS = ('UID', 'Name', 'CreationTime', 'EndTime', 'State', 'Result', 'Reason', 'TotalSize',
                           'JobSessionUid', 'JobUid', 'JobName', 'BackupServerUid', 'BackupServerName', 'VmDisplayName')
# The VM of a job's task session, and the job session it belongs to.
_JOB_TASK = (
    Field('vm_display_name', 'vm_display_name', filter_field='VmDisplayName'),
    Field('job_session_uid', 'job_session_uid', filter_field='JobSessionUid'),
    Field('job_session_id', 'job_session_uid', ID),
)

# Which job a job session ran (replication and backup job sessions alike).
_JOB = (
    Field('href', 'href'),
    Field('job_uid', 'job_uid', filter_field='JobUid'),
    Field('job_name', 'job_name', filter_field='JobName'),
    Field('job_type', 'job_type', filter_field='JobType'),
)

REPLICA_JOB_SESSION = Resource(
    query_type='ReplicaJobSession',
    collection='replicaSessions',
    filter_fields=_JOB_SESSION_FILTER_FIELDS,
    # The entity carries CreationTimeUTC, but the query service filters and sorts on CreationTime.
    time_field='CreationTime',
    states=SESSION_STATES,
    results=('None',) + RESULTS,
    fields=_COMMON_HEAD + _JOB + _RUN + (
        Field('progress', 'progress', INT),
        Field('is_retry', 'is_retry', BOOL, filter_field='IsRetry'),
    ) + _BACKUP_SERVER,
)

REPLICA_TASK_SESSION = Resource(
    query_type='ReplicaTaskSession',
    # The entity's Href says /repicaTaskSessions (an EM typo); the documented collection is used here.
    collection='replicaTaskSessions',
    filter_fields=_JOB_TASK_FILTER_FIELDS,
    time_field='CreationTime',
    states=TASK_STATES,
    results=RESULTS,
    fields=_COMMON_HEAD + _JOB_TASK + (
        Field('job_session_name', 'ReplicaJobSessionReference', LINK_NAME),
    ) + _RUN + _TASK_TAIL,
)

JOB_TYPES = ('Backup', 'BackupCopy', 'ImmediateBackupCopy', 'Replica')

# What jobs and CDP policies share: how they are scheduled. EM omits NextRun when nothing is scheduled.
_SCHEDULE = (
    Field('platform', 'platform'),
    Field('description', 'description'),
    Field('schedule_configured', 'schedule_configured', BOOL, filter_field='ScheduleConfigured'),
    Field('schedule_enabled', 'schedule_enabled', BOOL, filter_field='ScheduleEnabled'),
    Field('next_run', 'next_run', TIME),
)

JOB = Resource(
    query_type='Job',
    collection='jobs',
    filter_fields=('UID', 'Name', 'Description', 'NextRun', 'JobType', 'Platform', 'ScheduleConfigured',
                   'ScheduleEnabled', 'BackupServerUid', 'BackupServerName'),
    time_field=None,
    sort_asc='Name',
    fields=_COMMON_HEAD + (
        Field('href', 'href'),
        Field('job_type', 'job_type', filter_field='JobType'),
    ) + _SCHEDULE + _BACKUP_SERVER,
)

CDP_POLICY = Resource(
    query_type='CdpPolicy',
    collection='cdpPolicies',
    # No PolicyType and no Platform here: the query service does not offer them for CdpPolicy.
    filter_fields=('UID', 'Name', 'Description', 'NextRun', 'ScheduleConfigured', 'ScheduleEnabled',
                   'BackupServerUid', 'BackupServerName'),
    time_field=None,
    sort_asc='Name',
    fields=_COMMON_HEAD + (
        Field('href', 'href'),
        Field('policy_type', 'policy_type'),
    ) + _SCHEDULE + (
        Field('rpo_seconds', 'policy_schedule_options', RPO_SECONDS),
    ) + _BACKUP_SERVER,
)

# The job types get_query_backupjobsession documents for BackupJobSession (the JobType filter field).
BACKUP_JOB_TYPES = ('Backup', 'BackupCopy', 'ImmediateBackupCopy', 'ImmediateBackupCopyWorker', 'AgentBackup',
                    'AgentManagement', 'NasBackup')

BACKUP_JOB_SESSION = Resource(
    query_type='BackupJobSession',
    collection='backupSessions',
    # FailureMessage is returned but not filterable.
    filter_fields=_JOB_SESSION_FILTER_FIELDS,
    # As for ReplicaJobSession: the entity says CreationTimeUTC, the query service wants CreationTime.
    time_field='CreationTime',
    states=SESSION_STATES,
    # The reference lists Success, Warning and Failed; a running session reports None, as replication ones do.
    results=('None',) + RESULTS,
    fields=_COMMON_HEAD + _JOB + _RUN + (
        Field('progress', 'progress', INT),
        Field('failure_message', 'failure_message'),
        Field('is_retry', 'is_retry', BOOL, filter_field='IsRetry'),
    ) + _BACKUP_SERVER,
)

BACKUP_TASK_SESSION = Resource(
    query_type='BackupTaskSession',
    collection='backupTaskSessions',
    filter_fields=_JOB_TASK_FILTER_FIELDS,
    time_field='CreationTime',
    states=TASK_STATES,
    results=RESULTS,
    fields=_COMMON_HEAD + _JOB_TASK + _RUN + _TASK_TAIL,
)

# A VM's point: what it is, when it was made, the VM (by name and, where EM gives it, by its hierarchy reference,
# which stays the same when the VM moves to another job). No state and no result: a point exists or not.
# The query service filters and sorts points on CreationTime; the entity carries CreationTimeUTC.
_POINT_HEAD = _COMMON_HEAD + (
    Field('href', 'href'),
    Field('vm_display_name', 'vm_display_name', filter_field='VmDisplayName'),
    Field('vm_name', 'vm_name'),
    Field('creation_time_utc', 'creation_time_utc', TIME),
    Field('point_type', 'point_type', filter_field='Type'),
    Field('algorithm', 'algorithm', filter_field='Algorithm'),
    Field('hierarchy_obj_ref', 'hierarchy_obj_ref'),
)

# The point types get_query_vmrestorepoint and get_query_vmreplicapoint document for their Type filter field.
RESTORE_POINT_TYPES = ('Full', 'Increment', 'ReverseIncrement')
REPLICA_POINT_TYPES = ('Full', 'Increment', 'ReverseIncrement', 'Snapshot')

VM_RESTORE_POINT = Resource(
    query_type='VmRestorePoint',
    collection='vmRestorePoints',
    filter_fields=('UID', 'Name', 'CreationTime', 'Type', 'Algorithm', 'RestorePointId', 'RestorePointName',
                   'VmDisplayName', 'BackupServerUid', 'BackupServerName'),
    time_field='CreationTime',
    # A VM restore point links up to the restore point of its backup (named after its time, "Jun 16 2025  4:00AM")
    # and to its backup file ("<job>D<time>.vbk"); the backup's own name is one level further up (/restorePoints/{ID}).
    fields=_POINT_HEAD + (
        Field('restore_point_id', 'RestorePointReference', LINK_ID),
        Field('restore_point_name', 'RestorePointReference', LINK_NAME, filter_field='RestorePointName'),
        Field('backup_file_name', 'BackupFileReference', LINK_NAME),
    ) + _BACKUP_SERVER,
)

VM_REPLICA_POINT = Resource(
    query_type='VmReplicaPoint',
    collection='vmReplicaPoints',
    filter_fields=('UID', 'Name', 'CreationTime', 'Type', 'Algorithm', 'ReplicaUid', 'ReplicaName',
                   'VmDisplayName', 'BackupServerUid', 'BackupServerName'),
    time_field='CreationTime',
    # A VM replica point links up to its replica, named after the replication job that made it.
    fields=_POINT_HEAD + (
        Field('replica_name', 'ReplicaReference', LINK_NAME, filter_field='ReplicaName'),
    ) + _BACKUP_SERVER,
)

# A backup's restore point (one per backup run, all its VMs): what names the backup a VM restore point belongs to.
RESTORE_POINT = Resource(
    query_type='RestorePoint',
    collection='restorePoints',
    filter_fields=('UID', 'Name', 'CreationTime', 'BackupUid', 'BackupName', 'BackupServerUid', 'BackupServerName'),
    time_field='CreationTime',
    fields=_COMMON_HEAD + (
        Field('href', 'href'),
        Field('backup_date_utc', 'backup_date_utc', TIME),
        Field('backup_name', 'BackupReference', LINK_NAME, filter_field='BackupName'),
    ) + _BACKUP_SERVER,
)

RESOURCES = dict((resource.query_type, resource) for resource in (
    CDP_REPLICA_SESSION, CDP_REPLICA_TASK_SESSION, REPLICA_JOB_SESSION, REPLICA_TASK_SESSION,
    BACKUP_JOB_SESSION, BACKUP_TASK_SESSION, JOB, CDP_POLICY, VM_RESTORE_POINT, VM_REPLICA_POINT, RESTORE_POINT))
