"""In-memory data set of the EM simulator, its deterministic generator and its JSON form.

Every record is a plain dict with snake_case keys.  Times are aware UTC ``datetime`` objects
(``None`` for the end time of a running session).  The JSON form (``Dataset.to_json``) is::

    {"backup_servers": [{"uuid", "name", "description", "ip_or_dns_name", "port", "version"}],
     "cdp_policies": [{"uuid", "name", "backup_server", "vms", "description", "platform", "schedule_configured",
                       "schedule_enabled", "next_run", "rpo_seconds"}],
     "replica_jobs": [{"uuid", "name", "backup_server", "vms", "job_type", "description", "platform",
                       "schedule_configured", "schedule_enabled", "next_run"}],
     "other_jobs": [same keys as replica_jobs: jobs of other types (Backup, BackupCopy, ...), without sessions],
     "cdp_replica_sessions": [{"uuid", "name", "policy_uuid", "policy_name", "backup_server_uuid",
                               "backup_server_name", "creation_time", "end_time", "state", "result",
                               "progress", "failure_message", "is_retry"}],
     "cdp_replica_task_sessions": [{"uuid", "name", "vm_display_name", "session_uuid", "session_name",
                                    "backup_server_uuid", "backup_server_name", "creation_time", "end_time",
                                    "state", "result", "reason", "total_size"}],
     "replica_job_sessions": [{"uuid", "name", "job_uuid", "job_name", "job_type", "backup_server_uuid",
                               "backup_server_name", "creation_time", "end_time", "state", "result",
                               "progress", "failure_message", "is_retry"}],
     "replica_task_sessions": [{"uuid", "name", "vm_display_name", "session_uuid", "session_name", "job_uuid",
                                "job_name", "backup_server_uuid", "backup_server_name", "creation_time",
                                "end_time", "state", "result", "reason", "total_size"}],
     "backup_jobs": [{"uuid", "name", "job_type", "backup_server", "vms"}],
     "backup_job_sessions": [same keys as replica_job_sessions; job_type one of the BackupJobSession types],
     "backup_task_sessions": [same keys as replica_task_sessions]}

with times as ISO 8601 strings (``2025-06-15T07:00:06.787Z``; ``null`` for no end time).  ``from_json`` also
takes a time relative to the moment the data set is loaded, ``now``, ``now-26h`` or ``now+1d`` (units s, m, h,
d, w), so that a hand-written data set stays inside a playbook's lookback window whenever it runs.  ``from_json``
fills in missing optional keys (names of parents are looked up from their uuid), so a hand-written
data set only needs the keys it cares about.  Jobs and policies default to a configured, enabled schedule.
The ``Job`` query type serves ``replica_jobs``, ``backup_jobs`` and ``other_jobs`` together (``Dataset.jobs``).
"""

# pylint: disable=consider-using-f-string,too-many-arguments,too-many-positional-arguments,too-many-locals,too-many-statements,too-many-instance-attributes

import gc
import json
import os
import random
import re
import threading
import uuid as uuid_mod
from datetime import datetime, timedelta, timezone

KINDS = (
    "backup_servers",
    "cdp_policies",
    "replica_jobs",
    "other_jobs",
    "cdp_replica_sessions",
    "cdp_replica_task_sessions",
    "replica_job_sessions",
    "replica_task_sessions",
    "backup_jobs",
    "backup_job_sessions",
    "backup_task_sessions",
    "vm_restore_points",
    "vm_replica_points",
    "restore_points",
)
TIME_KEYS = ("creation_time", "end_time", "next_run")
#: The kinds derived from the task sessions (see ``derive_points``).
POINT_KINDS = ("vm_restore_points", "vm_replica_points", "restore_points")

SERVER_NAMES = ["backupsrv01.tech.local", "backupsrv02.tech.local", "enterprise06.tech.local"]
CDP_POLICY_NAMES = ["CDP Policy 1", "CDP Policy 2", "CDP SQL Tier-1", "CDP Exchange"]
REPLICA_JOB_NAMES = ["Replication Job 1", "Replication Job 2", "Fileserver02 Replication", "SQL Replication"]
#: Backup jobs and their BackupJobSession JobType (get_query_backupjobsession lists the types).
BACKUP_JOBS = [("Backup Job 1", "Backup"), ("Fileserver Backup", "Backup"), ("SQL Backup", "Backup"),
               ("Periodic Backup Copy Job", "BackupCopy"), ("Offsite Copy", "ImmediateBackupCopy"),
               ("Agent Backup Job", "AgentBackup"), ("NAS Backup", "NasBackup")]
AWKWARD_BACKUP_JOBS = [('Sauvegarde "Prod"; A&B, Zürich', "Backup"), ("TECH\\Backup (gold) 100% + more", "ImmediateBackupCopy")]
AWKWARD_POLICY_NAMES = ['Réplica "Prod"; A&B, Zürich', "TECH\\CDP (gold) 100% + more"]
AWKWARD_JOB_NAMES = ['DOMAIN\\Repl "nightly"; Q&A, café', "Réplication à 50% + <tag>"]
VM_NAMES = ["virt03-ubuntu01", "virt03-vm01", "sql02", "apache02", "fs01", "dc01", "exch01", "web01", "web02", "ubuntu88"]
AWKWARD_VM_NAMES = ['vm "quoted" 01', "TECH\\sql;prod", "Zürich-fs, Ölberg & Co", "ünïcödé vm (test)"]
# Reasons fit the kind: a replication job never reports a CDP RPO violation. Each pair of lists has the same
# length, so the seeded draws (and every other value of a data set) do not depend on the kind.
CDP_FAILURE_REASONS = [
    "Failed to connect to host esx01: connection timed out",
    "Error: Insufficient free space on datastore ds-replica-02",
    "CDP RPO violation: replication is lagging behind by 00:15:00",
    "I/O filter is not installed on host esx01: the VM cannot be protected",
    "Short-term retention cannot be kept: the journal on ds-replica-02 is full",
    "Error: Cannot connect to the target proxy \"proxy02\": the RPC server is unavailable",
]
REPLICA_FAILURE_REASONS = [
    "Failed to connect to host esx01: connection timed out",
    "Error: Insufficient free space on datastore ds-replica-02",
    "Failed to create VM snapshot: the operation is not allowed in the current state",
    "Processing VM failed: Access is denied. (0x80070005) on \\\\fs01\\share",
    "Replica VM is locked by another task: the previous run is still finishing",
    "Error: Cannot connect to the target proxy \"proxy02\": the RPC server is unavailable",
]
CDP_WARNING_REASONS = [
    "Changed block tracking cannot be enabled: one or more VM disks are independent",
    "RPO warning: the latest restore point is older than 00:05:00",
    "Low free space on datastore ds01 (8% left)",
    "Long-term restore point was created crash-consistent: guest processing failed",
]
REPLICA_WARNING_REASONS = [
    "Changed block tracking cannot be enabled: one or more VM disks are independent",
    "Replica restore points exceed the retention: old points are removed on the next run",
    "Low free space on datastore ds01 (8% left)",
    "VMware Tools are not running on the guest OS; application-aware processing skipped",
]
# Jobs and policies that own no generated session, added after the seeded draws (they change no other value):
# a replication job whose schedule is disabled, a weekly one that did not run lately, and jobs of other types.
EXTRA_REPLICA_JOBS = [("Archive Replication (disabled)", False), ("Weekly DR Replication", True)]
EXTRA_POLICIES = [("CDP Decommissioned (disabled)", False)]
OTHER_JOBS = [("Backup Job 1", "Backup"), ("Backup Copy Job 1", "BackupCopy"), ("Immediate Copy 1", "ImmediateBackupCopy")]
# The schedule of the second plain-named job and policy is disabled: they still own sessions (they ran before
# someone disabled them), which the compliance check reports as disabled, never stale.
DISABLED_INDEX = 1
RPO_SECONDS = [15, 120, 30, 300]
SESSION_FAILURE_MESSAGES = ["Processing finished with errors", "1 of {n} VMs failed", "Error: Job finished with errors"]
SIZES = [0, 1073741824, 8589934592, 17179869184, 42949672960, 107374182400, 214748364800, 2199023255552]
FRACTION_DIGITS = [0, 1, 2, 2, 3, 3, 3, 5, 6, 6]


def _utc(value):
    """Return ``value`` as an aware UTC datetime (parsing ISO strings); ``None`` stays ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    text = str(value).strip().replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    main, sep, rest = text.partition(".")
    if sep:
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        text = main + "." + (digits + "000000")[:6] + rest
    parsed = datetime.fromisoformat(text)
    return _utc(parsed)


_RELATIVE = re.compile(r"^now(?:([+-])(\d+(?:\.\d+)?)([smhdw]))?$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _relative(value, now):
    """``now``, ``now-26h``, ``now+1d``: a time relative to ``now``; anything else as ``_utc`` reads it."""
    if isinstance(value, str):
        match = _RELATIVE.match(value.strip())
        if match:
            sign, amount, unit = match.groups()
            if sign is None:
                return now
            delta = timedelta(seconds=float(amount) * _UNIT_SECONDS[unit])
            return now + delta if sign == "+" else now - delta
    return _utc(value)


def iso(value):
    """ISO 8601 text of an aware datetime, with ``Z`` and trailing zeros of the fraction trimmed."""
    if value is None:
        return None
    value = value.astimezone(timezone.utc)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += ("." + "%06d" % value.microsecond).rstrip("0")
    return text + "Z"


def session_name(parent_name, when):
    """EM session name: ``<job or policy name>@YYYY-MM-DD HH:MM:SS``."""
    return "%s@%s" % (parent_name, when.strftime("%Y-%m-%d %H:%M:%S"))


class Dataset:
    """The simulator's data: lists of dicts per kind, with uuid indexes built by ``reindex``."""

    def __init__(self, **lists):
        unknown = set(lists) - set(KINDS)
        if unknown:
            raise ValueError("unknown dataset keys: %s" % ", ".join(sorted(unknown)))
        self.backup_servers = list(lists.get("backup_servers") or [])
        self.cdp_policies = list(lists.get("cdp_policies") or [])
        self.replica_jobs = list(lists.get("replica_jobs") or [])
        self.other_jobs = list(lists.get("other_jobs") or [])
        self.cdp_replica_sessions = list(lists.get("cdp_replica_sessions") or [])
        self.cdp_replica_task_sessions = list(lists.get("cdp_replica_task_sessions") or [])
        self.replica_job_sessions = list(lists.get("replica_job_sessions") or [])
        self.replica_task_sessions = list(lists.get("replica_task_sessions") or [])
        self.backup_jobs = list(lists.get("backup_jobs") or [])
        self.backup_job_sessions = list(lists.get("backup_job_sessions") or [])
        self.backup_task_sessions = list(lists.get("backup_task_sessions") or [])
        # Points given by hand (a JSON data set); the served lists add those derived from the task sessions.
        self._given_points = dict((kind, list(lists.get(kind) or [])) for kind in POINT_KINDS)
        self._points = dict((kind, []) for kind in POINT_KINDS)
        # The points follow the task sessions: derived on first use after a change (see derive_points).
        self._points_stale = True
        self._points_lock = threading.RLock()
        self._by_uuid = None
        self._children = None

    def reindex(self):
        """Forget the uuid indexes (rebuilt on next use): call it after changing the lists in place."""
        self._by_uuid = None
        self._children = None
        self._points_stale = True

    def _points_of(self, kind):
        # The server answers in threads: one derives, the others wait for the whole list.
        with self._points_lock:
            if self._points_stale:
                self._points_stale = False
                derive_points(self)
            return self._points[kind]

    @property
    def vm_restore_points(self):
        """The VMs' restore points: given ones, and one per backup task session that left one (derived on use)."""
        return self._points_of("vm_restore_points")

    @property
    def restore_points(self):
        """The backups' restore points (one per backup job session that left VM points), named after their time."""
        return self._points_of("restore_points")

    @property
    def vm_replica_points(self):
        """The VMs' replica points: given ones, and one per replication task session that left one (derived on use)."""
        return self._points_of("vm_replica_points")

    @property
    def by_uuid(self):
        """``{kind: {lower-case uuid: record}}``, built on first use."""
        if self._by_uuid is None:
            # The points are indexed on first use (get): indexing them would derive them, which generating needs not.
            self._by_uuid = {kind: {item["uuid"].lower(): item for item in getattr(self, kind)}
                             for kind in KINDS if kind not in POINT_KINDS}
            self._by_uuid["jobs"] = {item["uuid"].lower(): item for item in self.jobs}
        return self._by_uuid

    @property
    def jobs(self):
        """Every job the ``Job`` query type lists: the replication jobs, the backup jobs, then the others.

        ``other_jobs`` stand in for jobs of other types in data sets without backup jobs; one named like a
        backup job is that job, listed once.
        """
        backup_names = set(job["name"] for job in self.backup_jobs)
        return self.replica_jobs + self.backup_jobs + [job for job in self.other_jobs if job["name"] not in backup_names]

    @property
    def children(self):
        """``{lower-case session uuid: [task sessions]}``, built on first use."""
        if self._children is None:
            children = {}
            for kind in ("cdp_replica_task_sessions", "replica_task_sessions", "backup_task_sessions"):
                for task in getattr(self, kind):
                    children.setdefault(task["session_uuid"].lower(), []).append(task)
            self._children = children
        return self._children

    def get(self, kind, item_uuid):
        """The record of ``kind`` with that uuid (case-insensitive), or ``None``."""
        index = self.by_uuid
        if kind in POINT_KINDS and kind not in index:
            points = getattr(self, kind)
            index = self.by_uuid  # deriving the points may have reset the indexes
            index[kind] = {item["uuid"].lower(): item for item in points}
        return index.get(kind, {}).get(str(item_uuid).lower())

    def tasks_of(self, session_uuid):
        """Task sessions (CDP, replica or backup) whose parent session has that uuid."""
        return list(self.children.get(str(session_uuid).lower(), []))

    def counts(self):
        """Number of records per kind."""
        return {kind: len(getattr(self, kind)) for kind in KINDS}

    def to_json(self, path=None):
        """The JSON-serialisable dict of the data set (times as ISO strings); also written to ``path`` if given."""
        out = {}
        for kind in KINDS:
            rows = []
            for item in getattr(self, kind):
                row = dict(item)
                for key in TIME_KEYS:
                    if key in row:
                        row[key] = iso(row[key])
                rows.append(row)
            out[kind] = rows
        if path is not None:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(out, handle, ensure_ascii=False, indent=1)
        return out

    @classmethod
    def from_json(cls, source, now=None):
        """Build a Dataset from a dict (``to_json`` form), a JSON string or a path to a JSON file."""
        if isinstance(source, (str, bytes, os.PathLike)) and not (isinstance(source, str) and source.lstrip().startswith("{")):
            with open(source, "r", encoding="utf-8") as handle:
                data = json.load(handle)
        elif isinstance(source, (str, bytes)):
            data = json.loads(source)
        else:
            data = source
        if not isinstance(data, dict):
            raise ValueError("a dataset must be a JSON object")
        lists = {}
        now = now or datetime.now(timezone.utc)
        for kind in KINDS:
            rows = []
            for row in data.get(kind) or []:
                item = dict(row)
                for key in TIME_KEYS:
                    if key in item:
                        item[key] = _relative(item[key], now)
                rows.append(item)
            lists[kind] = rows
        dataset = cls(**lists)
        dataset.fill_defaults()
        return dataset

    def fill_defaults(self):
        """Complete hand-written records: default values and parent names looked up from uuids."""
        servers = self.by_uuid["backup_servers"]
        for server in self.backup_servers:
            server.setdefault("name", "backupsrv.tech.local")
            server.setdefault("description", "")
            server.setdefault("ip_or_dns_name", server["name"])
            server.setdefault("port", 9392)
            server.setdefault("version", "13.0.1.2067")

        def server_of(item):
            uid = item.get("backup_server_uuid") or item.get("backup_server")
            if uid:
                item.setdefault("backup_server_uuid", uid)
                if uid.lower() in servers:
                    item.setdefault("backup_server_name", servers[uid.lower()]["name"])
            item.setdefault("backup_server_uuid", "00000000-0000-0000-0000-000000000000")
            item.setdefault("backup_server_name", "")

        for parent in self.cdp_policies + self.jobs:
            parent.setdefault("vms", [])
            parent.setdefault("description", "")
            parent.setdefault("platform", "VMware")
            parent.setdefault("schedule_configured", True)
            parent.setdefault("schedule_enabled", True)
            parent.setdefault("next_run", None)
            server_of(parent)
        for parent in self.replica_jobs:
            parent.setdefault("job_type", "Replica")
        for parent in self.other_jobs + self.backup_jobs:
            parent.setdefault("job_type", "Backup")
        for parent in self.cdp_policies:
            parent.setdefault("rpo_seconds", 15)
        for kind, parent_kind, key in (("cdp_replica_sessions", "cdp_policies", "policy"), ("replica_job_sessions", "replica_jobs", "job"),
                                       ("backup_job_sessions", "backup_jobs", "job")):
            for item in getattr(self, kind):
                parent = self.get(parent_kind, item.get(key + "_uuid", ""))
                if parent is not None:
                    item.setdefault(key + "_name", parent["name"])
                    item.setdefault("backup_server_uuid", parent.get("backup_server"))
                item.setdefault(key + "_uuid", "00000000-0000-0000-0000-000000000000")
                item.setdefault(key + "_name", "")
                server_of(item)
                item.setdefault("creation_time", datetime(2025, 1, 1, tzinfo=timezone.utc))
                item.setdefault("end_time", None)
                running = item["end_time"] is None
                item.setdefault("name", session_name(item[key + "_name"], item["creation_time"]))
                item.setdefault("state", "Working" if running else "Stopped")
                item.setdefault("result", "None" if running else "Success")
                item.setdefault("progress", 0 if running else 100)
                item.setdefault("failure_message", "")
                item.setdefault("is_retry", False)
                if kind == "replica_job_sessions":
                    item.setdefault("job_type", "Replica")
                if kind == "backup_job_sessions":
                    item.setdefault("job_type", parent["job_type"] if parent is not None else "Backup")
        for kind, session_kind in (("cdp_replica_task_sessions", "cdp_replica_sessions"), ("replica_task_sessions", "replica_job_sessions"),
                                   ("backup_task_sessions", "backup_job_sessions")):
            for item in getattr(self, kind):
                parent = self.get(session_kind, item.get("session_uuid", ""))
                item.setdefault("session_uuid", "00000000-0000-0000-0000-000000000000")
                if parent is not None:
                    item.setdefault("session_name", parent["name"])
                    item.setdefault("backup_server_uuid", parent["backup_server_uuid"])
                    item.setdefault("creation_time", parent["creation_time"])
                    if kind != "cdp_replica_task_sessions":
                        item.setdefault("job_uuid", parent["job_uuid"])
                        item.setdefault("job_name", parent["job_name"])
                item.setdefault("session_name", "")
                server_of(item)
                item.setdefault("vm_display_name", "vm")
                item.setdefault("creation_time", datetime(2025, 1, 1, tzinfo=timezone.utc))
                item.setdefault("end_time", None)
                running = item["end_time"] is None
                item.setdefault("name", session_name(item["vm_display_name"], item["creation_time"]))
                item.setdefault("state", "InProgress" if running else "Completed")
                item.setdefault("result", "Success" if kind == "cdp_replica_task_sessions" or not running else "None")
                item.setdefault("reason", "")
                item.setdefault("total_size", 0)
                if kind != "cdp_replica_task_sessions":
                    item.setdefault("job_uuid", "00000000-0000-0000-0000-000000000000")
                    item.setdefault("job_name", "")
        self.reindex()  # the points are derived from the task sessions on first use


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
SECOND = 1000000


def _dt(micros):
    """Aware UTC datetime from integer microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=micros)


class _Generator:
    """Deterministic data generation for one seed (see ``generate``); times are integer microseconds."""

    def __init__(self, seed, now, failure_rate, warning_rate, awkward_names):
        self.rng = random.Random(seed)
        self.now = (now - EPOCH) // timedelta(microseconds=1)
        self.failure_rate = failure_rate
        self.warning_rate = warning_rate
        self.awkward = awkward_names

    def uuid(self):
        """A random (seeded) version 4 uuid string."""
        text = "%032x" % self.rng.getrandbits(128)
        return "%s-%s-4%s-%s%s-%s" % (text[:8], text[8:12], text[13:16], "89ab"[int(text[16], 16) & 3], text[17:20], text[20:])

    def moment(self, whole_seconds):
        """Microseconds: ``whole_seconds`` plus a random fraction of 0 to 6 significant digits."""
        rand = self.rng.random
        digits = FRACTION_DIGITS[int(rand() * len(FRACTION_DIGITS))]
        micro = int(rand() * SECOND)
        step = 10 ** (6 - digits)
        return whole_seconds * SECOND + micro // step * step

    def parents(self, names, awkward_names, vms):
        """Policies or jobs: one per name, each bound to 1-4 VMs."""
        out = []
        all_names = list(names) + (list(awkward_names) if self.awkward else [])
        for index, name in enumerate(all_names):
            count = self.rng.randint(1, 4)
            chosen = self.rng.sample(vms, count)
            if self.awkward and index >= len(names):
                chosen[0] = AWKWARD_VM_NAMES[index % len(AWKWARD_VM_NAMES)]
            out.append({"uuid": self.uuid(), "name": name, "vms": chosen})
        return out

    def outcome(self):
        """The result of a finished session: Success, Warning or Failed."""
        draw = self.rng.random()
        if draw < self.failure_rate:
            return "Failed"
        if draw < self.failure_rate + self.warning_rate:
            return "Warning"
        return "Success"

    def sessions(self, count, days, running, parents, servers, cdp):
        """``count`` sessions (and their task sessions) of CDP policies (``cdp``) or replication jobs."""
        rand = self.rng.random
        span = max(days * 86400.0, 120.0) - 60.0
        now_s = self.now // SECOND
        starts = sorted(now_s - 60 - int(rand() * span) for dummy in range(count))
        sessions, tasks = [], []
        max_len = 4 * 3600.0 if cdp else 3600.0
        for index, start_s in enumerate(starts):
            start = self.moment(start_s)
            parent = parents[int(rand() * len(parents))]
            server = servers[parent["backup_server"]]
            is_running = index >= count - running
            if is_running:
                end, state, result = None, "Working", "None"
            else:
                end_s = min(start_s + 120 + int(rand() * max_len), now_s - 1 - int(rand() * 30))
                end = self.moment(max(end_s, start_s + 1))
                state, result = "Stopped", self.outcome()
            start_dt = _dt(start)
            name = "%s@%s" % (parent["name"], start_dt.isoformat(" ")[:19])
            if cdp:
                session = {"uuid": self.uuid(), "name": name, "policy_uuid": parent["uuid"], "policy_name": parent["name"]}
            else:
                session = {"uuid": self.uuid(), "name": name, "job_uuid": parent["uuid"], "job_name": parent["name"],
                           "job_type": parent.get("job_type", "Replica")}
            session.update({
                "backup_server_uuid": server["uuid"],
                "backup_server_name": server["name"],
                "creation_time": start_dt,
                "end_time": None if end is None else _dt(end),
                "state": state,
                "result": result,
                "progress": 0 if is_running or (cdp and result == "Failed") else 100,
                "failure_message": "",
                "is_retry": False if cdp else rand() < 0.05,
            })
            task_list = self.tasks(session, start, end, parent["vms"], cdp)
            if result == "Failed" and rand() < 0.4:
                session["failure_message"] = SESSION_FAILURE_MESSAGES[int(rand() * len(SESSION_FAILURE_MESSAGES))].format(n=len(task_list))
            sessions.append(session)
            tasks.extend(task_list)
        return sessions, tasks

    def tasks(self, session, start, end, vms, cdp):
        """One task session per VM of the parent; their results explain the session result."""
        rand = self.rng.random
        moment = self.moment
        result = session["result"]
        bad = int(rand() * len(vms)) if result in ("Failed", "Warning") else -1
        out = []
        common = {"session_uuid": session["uuid"], "session_name": session["name"]}
        if not cdp:
            common["job_uuid"] = session["job_uuid"]
            common["job_name"] = session["job_name"]
        server_uuid, server_name = session["backup_server_uuid"], session["backup_server_name"]
        for index, vm_name in enumerate(vms):
            t_start = moment(start // SECOND + 1 + int(rand() * 20))
            if end is None:
                t_end, state = None, "InProgress"
                t_result = "Success" if cdp else "None"
            else:
                t_start = min(t_start, end)
                t_end = min(max(moment(end // SECOND - int(rand() * 30)), t_start), end)
                state = "Completed"
                t_result = "Success"
                if index == bad:
                    t_result = result
                elif result == "Failed" and rand() < 0.2:
                    t_result = "Warning"
            if t_result == "Failed":
                reasons = CDP_FAILURE_REASONS if cdp else REPLICA_FAILURE_REASONS
                reason = reasons[int(rand() * len(reasons))].replace("esx01", "esx%02d" % (1 + int(rand() * 12)))
            elif t_result == "Warning":
                reasons = CDP_WARNING_REASONS if cdp else REPLICA_WARNING_REASONS
                reason = reasons[int(rand() * len(reasons))]
            else:
                reason = ""
            t_start_dt = _dt(t_start)
            task = {"uuid": self.uuid(), "name": "%s@%s" % (vm_name, t_start_dt.isoformat(" ")[:19]), "vm_display_name": vm_name}
            task.update(common)
            task.update({
                "backup_server_uuid": server_uuid,
                "backup_server_name": server_name,
                "creation_time": t_start_dt,
                "end_time": None if t_end is None else _dt(t_end),
                "state": state,
                "result": t_result,
                "reason": reason,
                "total_size": SIZES[int(rand() * len(SIZES))],
            })
            out.append(task)
        return out


def generate(seed=1, sessions=200, days=7, failure_rate=0.1, warning_rate=0.1, running=2, now=None, awkward_names=True,
             idle=True, backup_sessions=None):
    """Generate a deterministic data set.

    ``sessions`` is split between CDP replica sessions (half, rounded down) and replication job sessions.
    ``running`` is the number of running sessions of *each* kind (the most recent ones).  ``now`` defaults
    to the current time truncated to the minute: pass it explicitly for byte-identical data sets; with the
    same seed the uuids, names (but for their dates) and results are the same whatever ``now``.  ``idle=False``
    leaves out the jobs and policies that own no session (a disabled one, and a weekly one that did not run).

    ``backup_sessions`` (default: half of ``sessions``) backup job sessions, with their task sessions, come from a
    random stream of their own, so adding them left every CDP and replication record of a seed as it was.
    """
    if now is None:
        now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    was_enabled = gc.isenabled()
    gc.disable()  # hundreds of thousands of small dicts: the cyclic GC would only slow generation down
    try:
        data = _generate(seed, sessions, days, failure_rate, warning_rate, running, _utc(now), awkward_names, idle)
        if backup_sessions is None:
            backup_sessions = sessions // 2
        _generate_backups(data, seed, backup_sessions, days, failure_rate, warning_rate, running, _utc(now), awkward_names)
        return data
    finally:
        if was_enabled:
            gc.enable()


def _generate(seed, sessions, days, failure_rate, warning_rate, running, now, awkward_names, idle=True):
    """The body of ``generate``."""
    gen = _Generator(seed, now, failure_rate, warning_rate, awkward_names)
    servers = []
    for index, name in enumerate(SERVER_NAMES):
        servers.append({
            "uuid": gen.uuid(),
            "name": name,
            "description": "Backup server %d" % (index + 1),
            "ip_or_dns_name": name,
            "port": 9392 if index else 443,
            "version": "13.0.1.2067" if index != 1 else "12.3.2.4465",
        })
    by_uuid = {server["uuid"]: server for server in servers}
    vms = list(VM_NAMES)
    policies = gen.parents(CDP_POLICY_NAMES, AWKWARD_POLICY_NAMES, vms)
    jobs = gen.parents(REPLICA_JOB_NAMES, AWKWARD_JOB_NAMES, vms)
    for group in (policies, jobs):
        for index, parent in enumerate(group):
            vms_of = parent.pop("vms")
            parent["backup_server"] = servers[index % len(servers)]["uuid"]
            parent["vms"] = vms_of
    n_cdp = sessions // 2
    n_rep = sessions - n_cdp
    cdp_sessions, cdp_tasks = gen.sessions(n_cdp, days, min(running, n_cdp), policies, by_uuid, cdp=True)
    rep_sessions, rep_tasks = gen.sessions(n_rep, days, min(running, n_rep), jobs, by_uuid, cdp=False)
    other_jobs = _schedules(policies, jobs, servers, now, idle)
    return Dataset(
        backup_servers=servers,
        cdp_policies=policies,
        replica_jobs=jobs,
        other_jobs=other_jobs,
        cdp_replica_sessions=cdp_sessions,
        cdp_replica_task_sessions=cdp_tasks,
        replica_job_sessions=rep_sessions,
        replica_task_sessions=rep_tasks,
    )


def _derived_uuid(kind, name):
    """A stable uuid from a name, for records added without drawing from the seeded generator."""
    return str(uuid_mod.uuid5(uuid_mod.NAMESPACE_URL, "emsim:%s:%s" % (kind, name)))


def _schedules(policies, jobs, servers, now, idle=True):
    """Give jobs and policies their schedules, add the ones without sessions; returns the jobs of other types.

    Nothing here draws from the seeded generator, so the sessions of a seed are the same as without it.
    """
    next_day = (now + timedelta(days=1)).replace(hour=22, minute=0, second=0, microsecond=0)
    for group, extra, kind in ((policies, EXTRA_POLICIES, "policy"), (jobs, EXTRA_REPLICA_JOBS, "job")):
        for name, enabled in (extra if idle else []):
            group.append({"uuid": _derived_uuid(kind, name), "name": name, "vms": [],
                          "backup_server": servers[len(group) % len(servers)]["uuid"], "schedule_enabled": enabled})
        for index, parent in enumerate(group):
            server = next(one for one in servers if one["uuid"] == parent["backup_server"])
            parent["backup_server_uuid"] = server["uuid"]
            parent["backup_server_name"] = server["name"]
            parent.setdefault("schedule_enabled", index != DISABLED_INDEX)
            parent["schedule_configured"] = True
            parent["next_run"] = next_day + timedelta(minutes=15 * index) if parent["schedule_enabled"] else None
            parent["platform"] = "VMware"
            parent["description"] = "Created by TECH\\veeamadmin"
            if kind == "policy":
                parent["rpo_seconds"] = RPO_SECONDS[index % len(RPO_SECONDS)]
            else:
                parent["job_type"] = "Replica"
    others = []
    # Jobs of other types own no session either: left out with the idle ones.
    for index, (name, job_type) in enumerate(OTHER_JOBS if idle else []):
        server = servers[index % len(servers)]
        others.append({"uuid": _derived_uuid("job", name), "name": name, "vms": [], "backup_server": server["uuid"],
                       "backup_server_uuid": server["uuid"], "backup_server_name": server["name"],
                       "job_type": job_type, "platform": "VMware", "description": "",
                       # The immediate copy runs continuously: configured, without a next run.
                       "schedule_configured": job_type != "BackupCopy", "schedule_enabled": job_type != "BackupCopy",
                       "next_run": next_day if job_type == "Backup" else None})
    return others


def _generate_backups(data, seed, count, days, failure_rate, warning_rate, running, now, awkward_names):
    """Add backup jobs, their sessions and task sessions to ``data`` (on the servers it already has)."""
    gen = _Generator("backup-%s" % (seed,), now, failure_rate, warning_rate, awkward_names)
    jobs = list(BACKUP_JOBS) + (list(AWKWARD_BACKUP_JOBS) if awkward_names else [])
    parents = gen.parents([name for name, dummy in BACKUP_JOBS], [name for name, dummy in AWKWARD_BACKUP_JOBS], list(VM_NAMES))
    servers = data.backup_servers
    for index, (parent, (dummy, job_type)) in enumerate(zip(parents, jobs)):
        parent["job_type"] = job_type
        parent["backup_server"] = servers[index % len(servers)]["uuid"] if servers else None
    by_uuid = {server["uuid"]: server for server in servers}
    sessions, tasks = gen.sessions(count, days, min(running, count), parents, by_uuid, cdp=False) if count and servers else ([], [])
    data.backup_jobs = parents
    data.backup_job_sessions = sessions
    data.backup_task_sessions = tasks
    data.reindex()
    data.fill_defaults()  # the schedule fields the Job query type lists, as for the other jobs


def healthy(seed=1, sessions=200, days=7, running=2, now=None, awkward_names=True, idle=True, backup_sessions=None,
            fresh=timedelta(hours=12)):
    """Like ``generate`` but every finished session and task session is a Success.

    ``fresh`` (a timedelta; ``None`` to leave the sessions as drawn): every job and policy whose schedule is enabled
    and that runs (it has VMs, or it is a backup job of Enterprise Manager's job list) also has a successful session
    that ended within ``fresh`` before ``now``, so that ``max_age`` (26h, say) finds nothing stale: the random
    draw alone leaves some jobs without a session in the last day. The idle jobs (``idle``: a weekly job that did
    not run) stay as they are, and the added sessions come from a random stream of their own.
    """
    if now is None:
        now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    data = generate(seed=seed, sessions=sessions, days=days, failure_rate=0.0, warning_rate=0.0, running=running,
                    now=now, awkward_names=awkward_names, idle=idle, backup_sessions=backup_sessions)
    if fresh is not None:
        _freshen(data, seed, _utc(now), fresh)
    return data


# Backup job types the backup_sessions check judges from Enterprise Manager's job list.
_JUDGED_BACKUP_TYPES = ("Backup", "BackupCopy", "ImmediateBackupCopy")


def _freshen(data, seed, now, within):
    """Add a successful session to each scheduled, running job or policy without one that ended within ``within``."""
    gen = _Generator("fresh-%s" % (seed,), now, 0.0, 0.0, False)
    servers = {server["uuid"]: server for server in data.backup_servers}
    if not servers:
        return
    idle = {name for name, dummy in EXTRA_POLICIES + EXTRA_REPLICA_JOBS}
    backup_names = {job["name"] for job in data.backup_jobs}
    listed_backups = [job for job in data.other_jobs
                      if job.get("job_type") in _JUDGED_BACKUP_TYPES and job["name"] not in backup_names]
    cutoff = now - within
    days = within.total_seconds() / 86400.0
    for parents, kind, key, cdp in ((data.cdp_policies, "cdp_replica_sessions", "policy_uuid", True),
                                    (data.replica_jobs, "replica_job_sessions", "job_uuid", False),
                                    (data.backup_jobs + listed_backups, "backup_job_sessions", "job_uuid", False)):
        records = getattr(data, kind)
        newest = {}
        for record in records:
            if record.get("result") == "Success" and record.get("end_time") is not None:
                owner = record.get(key)
                newest[owner] = max(newest.get(owner, record["end_time"]), record["end_time"])
        added = False
        for parent in parents:
            if not parent.get("schedule_enabled", True) or parent["name"] in idle or parent.get("backup_server") not in servers:
                continue
            if newest.get(parent["uuid"]) is not None and newest[parent["uuid"]] >= cutoff:
                continue
            new_sessions, new_tasks = gen.sessions(1, days, 0, [parent], servers, cdp)
            records.extend(new_sessions)
            task_kind = {"cdp_replica_sessions": "cdp_replica_task_sessions", "replica_job_sessions": "replica_task_sessions",
                         "backup_job_sessions": "backup_task_sessions"}[kind]
            getattr(data, task_kind).extend(new_tasks)
            added = True
        if added:
            records.sort(key=lambda record: record["creation_time"])
    data.reindex()
    data.fill_defaults()


# ------------------------------------------------------------------------------------------ VM points

#: The task session results that leave a point (a failed VM leaves none).
POINT_RESULTS = ("Success", "Warning")


def hierarchy_ref(server_uuid, vm_name):
    """A stable VMware hierarchy reference of a VM on a backup server (the same whatever job backs it up)."""
    # 32 bits from the name: distinct VMs of a data set (thousands) do not share a reference.
    number = int(_derived_uuid("vm", "%s/%s" % (server_uuid, vm_name))[:8], 16)
    return "urn:VMware:Vm:%s.vm-%d" % (server_uuid, number)


def _restore_point_name(when):
    """EM's name of a backup restore point, SQL-style: ``Jun 16 2025  4:00AM``."""
    hour = when.hour % 12 or 12
    return "%s %2d %d %2d:%02d%s" % (when.strftime("%b"), when.day, when.year, hour, when.minute,
                                     "AM" if when.hour < 12 else "PM")


def derive_points(data):
    """The VM points of a data set: the ones given by hand, and one per finished backup or replication task session
    that succeeded (or warned).

    The points follow the sessions, as on a backup server: a VM's backup task session leaves a ``VmRestorePoint``,
    its replication task session a ``VmReplicaPoint``, made when the task session started, its uuid derived from the
    task session's. ``Dataset`` calls this on first use after a change, so the points always follow the task
    sessions as they are. A task session may carry ``hierarchy_obj_ref`` (a VM moved to another job keeps its
    reference); else it is derived from the backup server and the VM name.
    """
    for kind, task_kind in (("vm_restore_points", "backup_task_sessions"), ("vm_replica_points", "replica_task_sessions")):
        points = list(data._given_points[kind])  # pylint: disable=protected-access
        known = set(point["uuid"].lower() for point in points if point.get("uuid"))
        for task in getattr(data, task_kind):
            if task.get("state") != "Completed" or task.get("result") not in POINT_RESULTS or task.get("creation_time") is None:
                continue
            point_uuid = _derived_uuid(kind, task["uuid"])
            if point_uuid in known:
                continue
            known.add(point_uuid)
            point = {"uuid": point_uuid, "vm_display_name": task.get("vm_display_name"), "creation_time": task["creation_time"],
                     "backup_server_uuid": task.get("backup_server_uuid"), "backup_server_name": task.get("backup_server_name"),
                     "job_uuid": task.get("job_uuid"), "job_name": task.get("job_name"), "session_uuid": task.get("session_uuid")}
            if task.get("hierarchy_obj_ref"):
                point["hierarchy_obj_ref"] = task["hierarchy_obj_ref"]
            points.append(point)
        for point in points:
            _complete_point(kind, point)
        points.sort(key=lambda point: point["creation_time"])
        data._points[kind] = points  # pylint: disable=protected-access
    # A backup's restore point per backup run: what names the backup (the job) of its VMs' restore points.
    backups = dict((point["uuid"].lower(), point) for point in data._given_points["restore_points"])  # pylint: disable=protected-access
    for point in data._points["vm_restore_points"]:  # pylint: disable=protected-access
        key = point["restore_point_uuid"].lower()
        if key not in backups:
            backups[key] = {"uuid": point["restore_point_uuid"], "name": point["restore_point_name"],
                            "creation_time": point["creation_time"], "backup_name": point["job_name"],
                            "backup_uuid": _derived_uuid("backup", point.get("job_uuid") or point["job_name"]),
                            "backup_server_uuid": point["backup_server_uuid"],
                            "backup_server_name": point["backup_server_name"]}
        elif point["creation_time"] < backups[key]["creation_time"]:
            backups[key]["creation_time"] = point["creation_time"]
    for backup in backups.values():
        backup["creation_time"] = _utc(backup.get("creation_time")) or datetime(2025, 1, 1, tzinfo=timezone.utc)
        backup.setdefault("name", _restore_point_name(backup["creation_time"]))
        backup.setdefault("backup_name", "")
        backup.setdefault("backup_uuid", _derived_uuid("backup", backup["backup_name"]))
        backup.setdefault("backup_server_uuid", "00000000-0000-0000-0000-000000000000")
        backup.setdefault("backup_server_name", "")
    data._points["restore_points"] = sorted(backups.values(), key=lambda item: item["creation_time"])  # pylint: disable=protected-access


def _complete_point(kind, point):
    """Default values of a point (hand-written or derived)."""
    when = _utc(point.get("creation_time")) or datetime(2025, 1, 1, tzinfo=timezone.utc)
    point["creation_time"] = when
    point.setdefault("uuid", _derived_uuid(kind, "%s@%s" % (point.get("vm_display_name"), iso(when))))
    point.setdefault("vm_display_name", "vm")
    point.setdefault("vm_name", point["vm_display_name"])
    point.setdefault("name", session_name(point["vm_display_name"], when))
    point.setdefault("backup_server_uuid", "00000000-0000-0000-0000-000000000000")
    point.setdefault("backup_server_name", "")
    point.setdefault("job_name", "")
    if kind == "vm_restore_points":
        # A weekly synthetic full, incrementals in between.
        full = when.weekday() == 5
        point.setdefault("point_type", "Full" if full else "Increment")
        point.setdefault("algorithm", "SyntheticFull" if full else "Incremental")
        point.setdefault("hierarchy_obj_ref", hierarchy_ref(point["backup_server_uuid"], point["vm_display_name"]))
        point.setdefault("restore_point_uuid", _derived_uuid("restore_point", point.get("session_uuid") or point["uuid"]))
        point.setdefault("restore_point_name", _restore_point_name(when))
        point.setdefault("backup_file_name", "%sD%s_%s.%s" % (point["job_name"], when.strftime("%Y-%m-%dT%H%M%S"),
                                                              point["uuid"][:4].upper(), "vbk" if full else "vib"))
    else:
        point.setdefault("point_type", "Snapshot")
        point.setdefault("algorithm", "Incremental")
        # The reference shows no HierarchyObjRef on replica points: none unless given by hand.
        point.setdefault("replica_uuid", _derived_uuid("replica", point.get("job_uuid") or point["job_name"]))
        point.setdefault("replica_name", point["job_name"])


def protection(vms=40, days=30, jobs=4, now=None, seed=1, stale_jobs=1, removed=1, replicated=None):
    """A data set of daily backups (and replicas) of many VMs, for the points checks and their benchmark.

    ``jobs`` backup jobs share ``vms`` VMs and run once a day for ``days`` days, each VM a successful task session and
    so a restore point. The last ``stale_jobs`` jobs failed for their VMs on the last 2 days (their newest points are
    2 days old); the first ``removed`` VMs of the first job were removed from it 5 days ago (no session since).
    ``replicated`` VMs (default: a tenth) are also replicated daily by one replication job. Deterministic for a
    ``now`` (default: now, to the minute) and ``seed``; nothing here touches the other generators.
    """
    if now is None:
        now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    now = _utc(now)
    replicated = vms // 10 if replicated is None else replicated
    server = {"uuid": _derived_uuid("server", "bench-%s" % seed), "name": SERVER_NAMES[0]}
    names = ["vm%05d" % index for index in range(vms)]
    backup_jobs, replica_jobs, sessions, tasks, rsessions, rtasks = [], [], [], [], [], []

    # The newest run: 22:00 today, or yesterday before that time (a run a day, none in the future).
    newest = now.replace(hour=22, minute=0, second=0, microsecond=0)
    if newest > now:
        newest -= timedelta(days=1)

    def run(job, members, day, kind_sessions, kind_tasks, failed):
        start = newest - timedelta(days=day)
        end = start + timedelta(minutes=30)
        session = {"uuid": _derived_uuid("session", "%s/%s/%d" % (seed, job["name"], day)), "job_uuid": job["uuid"],
                   "job_name": job["name"], "backup_server_uuid": server["uuid"], "creation_time": start,
                   "end_time": end, "state": "Stopped", "result": "Failed" if failed else "Success"}
        kind_sessions.append(session)
        for name in members:
            kind_tasks.append({"uuid": _derived_uuid("task", "%s/%s" % (session["uuid"], name)), "session_uuid": session["uuid"],
                               "vm_display_name": name, "job_uuid": job["uuid"], "job_name": job["name"],
                               "backup_server_uuid": server["uuid"], "creation_time": start + timedelta(seconds=5),
                               "end_time": end, "state": "Completed", "result": "Failed" if failed else "Success",
                               "reason": "Failed to create VM snapshot" if failed else ""})

    for index in range(jobs):
        members = names[index::jobs]
        job = {"uuid": _derived_uuid("job", "bench-%s-%d" % (seed, index)), "name": "Daily Backup %02d" % (index + 1),
               "job_type": "Backup", "backup_server": server["uuid"], "vms": members}
        backup_jobs.append(job)
        for day in range(days, -1, -1):
            failed = index >= jobs - stale_jobs and day < 2
            kept = [name for name in members if not (index == 0 and name in members[:removed] and day < 5)]
            run(job, kept, day, sessions, tasks, failed)
    if replicated:
        job = {"uuid": _derived_uuid("job", "bench-%s-replica" % seed), "name": "Daily Replication", "job_type": "Replica",
               "backup_server": server["uuid"], "vms": names[:replicated]}
        replica_jobs.append(job)
        for day in range(days, -1, -1):
            run(job, names[:replicated], day, rsessions, rtasks, False)
    data = Dataset(backup_servers=[server], backup_jobs=backup_jobs, replica_jobs=replica_jobs,
                   backup_job_sessions=sessions, backup_task_sessions=tasks, replica_job_sessions=rsessions,
                   replica_task_sessions=rtasks)
    data.fill_defaults()
    return data
