"""Query-service filter grammar of the EM REST API: parser, evaluator and the filterable fields per type.

Grammar (over the URL-decoded ``filter`` value; blanks around tokens are ignored)::

    expr       := and_expr ( "," and_expr )*          # "," is OR
    and_expr   := primary ( ";" primary )*            # ";" is AND, binds tighter than OR
    primary    := "(" expr ")" | comparison
    comparison := FIELD OP VALUE
    OP         := "==" | "!=" | "<=" | ">=" | "<" | ">"
    VALUE      := '"' ( any char but '"' | '""' )* '"'  # a doubled quote stands for one quote
                | unquoted text up to the next ";", "," or ")" (trimmed, not empty)

Semantics (decisions where the documentation is silent):

* field names are matched case-insensitively against the fields documented for the query type;
* String fields compare case-insensitively (SQL Server's default collation), for equality and order;
* enum fields (State, Result, JobType) compare by their index in the documented order; ``Result`` has
  ``None`` (running) before ``Success < Warning < Failed``; values are matched case-insensitively and an
  unknown value is an error;
* DateTime values may be a date, a date and time, with or without ``Z``/offset and 0-7+ fractional
  digits (digits beyond microseconds are truncated); naive values are UTC;
* Boolean is ``true``/``false`` (any case); Long is an integer;
* UidType compares on the full urn, case-insensitively; a plain uuid is accepted and compared on its uuid;
* an absent value (the end time of a running session) makes every comparison false, like SQL NULL.
"""

# pylint: disable=consider-using-f-string,too-many-return-statements,too-few-public-methods

from datetime import datetime, timezone

from .dataset import _utc

SESSION_STATES = ["Starting", "Stopping", "Working", "Pausing", "Resuming", "Stopped"]
TASK_STATES = ["InProgress", "Pending", "Completed"]
RESULTS = ["None", "Success", "Warning", "Failed"]
JOB_TYPES = ["Replica"]
ALL_JOB_TYPES = ["Backup", "BackupCopy", "ImmediateBackupCopy", "Replica"]
BACKUP_JOB_TYPES = ["Backup", "BackupCopy", "ImmediateBackupCopy", "ImmediateBackupCopyWorker", "AgentBackup",
                    "AgentManagement", "NasBackup"]
RESTORE_POINT_TYPES = ["Full", "Increment", "ReverseIncrement"]
REPLICA_POINT_TYPES = ["Full", "ReverseIncrement", "Increment", "Snapshot"]
POINT_ALGORITHMS = ["Full", "ReversedIncremental", "Incremental", "SyntheticFull"]


class FilterError(ValueError):
    """A malformed filter, an unknown field or a value of the wrong type (HTTP 400)."""


class Field:
    """A filterable/sortable field: canonical name, kind, the record key and the urn prefix or enum values."""

    def __init__(self, name, kind, key, extra=None):
        self.name = name
        self.kind = kind
        self.key = key
        self.extra = extra

    def value_of(self, item):
        """The comparable value of this field in a record (``None`` when absent)."""
        raw = item.get(self.key)
        if raw is None:
            return None
        if self.kind == "uid":
            return ("urn:veeam:%s:%s" % (self.extra, raw)).lower()
        if self.kind == "string":
            return str(raw).casefold()
        if self.kind == "enum":
            try:
                return _enum_index(self, str(raw))
            except FilterError:
                return -1
        if self.kind == "bool":
            return bool(raw)
        if self.kind == "long":
            return int(raw)
        return raw

    def parse(self, text):
        """Convert a filter value to a comparable value; returns ``(value, uuid_only)``."""
        if self.kind == "uid":
            low = text.strip().lower()
            if low.startswith("urn:"):
                return low, False
            return low, True
        if self.kind == "string":
            return text.casefold(), False
        if self.kind == "enum":
            return _enum_index(self, text.strip()), False
        if self.kind == "bool":
            low = text.strip().lower()
            if low not in ("true", "false"):
                raise FilterError("Invalid Boolean value '%s' for field %s" % (text, self.name))
            return low == "true", False
        if self.kind == "long":
            try:
                return int(text.strip()), False
            except ValueError:
                raise FilterError("Invalid Long value '%s' for field %s" % (text, self.name)) from None
        if self.kind == "datetime":
            return parse_datetime(text, self.name), False
        raise FilterError("Unsupported field kind %s" % self.kind)


def _enum_index(field, text):
    """Index of ``text`` in the enum's documented order (case-insensitive)."""
    for index, value in enumerate(field.extra):
        if value.lower() == text.lower():
            return index
    raise FilterError("Invalid value '%s' for field %s; expected one of: %s" % (text, field.name, ", ".join(field.extra)))


def parse_datetime(text, name="DateTime"):
    """Parse a filter DateTime (date only, with or without time, ``Z``, offset or fraction)."""
    try:
        value = _utc(text.strip())
    except ValueError:
        raise FilterError("Invalid DateTime value '%s' for field %s" % (text, name)) from None
    if value is None:
        raise FilterError("Empty DateTime value for field %s" % name)
    return value


def _fields(*specs):
    """Build a ``{lower name: Field}`` map from ``(name, kind, key, extra)`` tuples."""
    return {spec[0].lower(): Field(*spec) for spec in specs}


#: Filterable fields per query type (lower-case type name), exactly as documented in get_query_<type>.
QUERY_FIELDS = {
    "cdpreplicasession": _fields(
        ("Id", "uid", "uuid", "CdpReplicaSession"),
        ("Name", "string", "name"),
        ("PolicyUid", "uid", "policy_uuid", "CdpPolicy"),
        ("PolicyName", "string", "policy_name"),
        ("BackupServerUid", "uid", "backup_server_uuid", "BackupServer"),
        ("BackupServerName", "string", "backup_server_name"),
        ("CreationTimeUTC", "datetime", "creation_time"),
        ("EndTimeUTC", "datetime", "end_time"),
        ("State", "enum", "state", SESSION_STATES),
        ("Result", "enum", "result", RESULTS),
        ("FailureMessage", "string", "failure_message"),
    ),
    "cdpreplicatasksession": _fields(
        ("Id", "uid", "uuid", "CdpReplicaTaskSession"),
        ("Name", "string", "name"),
        ("PolicySessionUid", "uid", "session_uuid", "CdpReplicaSession"),
        ("PolicySessionName", "string", "session_name"),
        ("BackupServerUid", "uid", "backup_server_uuid", "BackupServer"),
        ("BackupServerName", "string", "backup_server_name"),
        ("CreationTimeUTC", "datetime", "creation_time"),
        ("EndTimeUTC", "datetime", "end_time"),
        ("State", "enum", "state", TASK_STATES),
        ("Reason", "string", "reason"),
        ("TotalSize", "long", "total_size"),
        ("VmDisplayName", "string", "vm_display_name"),
    ),
    "replicajobsession": _fields(
        ("UID", "uid", "uuid", "ReplicaJobSession"),
        ("Name", "string", "name"),
        ("JobType", "enum", "job_type", JOB_TYPES),
        ("JobUid", "uid", "job_uuid", "Job"),
        ("JobName", "string", "job_name"),
        ("CreationTime", "datetime", "creation_time"),
        ("EndTime", "datetime", "end_time"),
        ("State", "enum", "state", SESSION_STATES),
        ("Result", "enum", "result", RESULTS),
        ("IsRetry", "bool", "is_retry"),
        ("BackupServerUid", "uid", "backup_server_uuid", "BackupServer"),
        ("BackupServerName", "string", "backup_server_name"),
    ),
    "replicatasksession": _fields(
        ("UID", "uid", "uuid", "ReplicaTaskSession"),
        ("Name", "string", "name"),
        ("CreationTime", "datetime", "creation_time"),
        ("EndTime", "datetime", "end_time"),
        ("State", "enum", "state", TASK_STATES),
        ("Result", "enum", "result", RESULTS),
        ("Reason", "string", "reason"),
        ("TotalSize", "long", "total_size"),
        ("JobSessionUid", "uid", "session_uuid", "ReplicaJobSession"),
        ("JobUid", "uid", "job_uuid", "Job"),
        ("JobName", "string", "job_name"),
        ("BackupServerUid", "uid", "backup_server_uuid", "BackupServer"),
        ("BackupServerName", "string", "backup_server_name"),
        ("VmDisplayName", "string", "vm_display_name"),
    ),
    "job": _fields(
        ("UID", "uid", "uuid", "Job"),
        ("Name", "string", "name"),
        ("Description", "string", "description"),
        ("NextRun", "datetime", "next_run"),
        ("JobType", "enum", "job_type", ALL_JOB_TYPES),
        ("Platform", "string", "platform"),
        ("ScheduleConfigured", "bool", "schedule_configured"),
        ("ScheduleEnabled", "bool", "schedule_enabled"),
        ("BackupServerUid", "uid", "backup_server_uuid", "BackupServer"),
        ("BackupServerName", "string", "backup_server_name"),
    ),
    "cdppolicy": _fields(
        ("UID", "uid", "uuid", "CdpPolicy"),
        ("Name", "string", "name"),
        ("Description", "string", "description"),
        ("NextRun", "datetime", "next_run"),
        ("ScheduleConfigured", "bool", "schedule_configured"),
        ("ScheduleEnabled", "bool", "schedule_enabled"),
        ("BackupServerUid", "uid", "backup_server_uuid", "BackupServer"),
        ("BackupServerName", "string", "backup_server_name"),
    ),
    "backupjobsession": _fields(
        ("UID", "uid", "uuid", "BackupJobSession"),
        ("Name", "string", "name"),
        ("JobType", "enum", "job_type", BACKUP_JOB_TYPES),
        ("JobUid", "uid", "job_uuid", "Job"),
        ("JobName", "string", "job_name"),
        ("CreationTime", "datetime", "creation_time"),
        ("EndTime", "datetime", "end_time"),
        ("State", "enum", "state", SESSION_STATES),
        ("Result", "enum", "result", RESULTS),
        ("IsRetry", "bool", "is_retry"),
        ("BackupServerUid", "uid", "backup_server_uuid", "BackupServer"),
        ("BackupServerName", "string", "backup_server_name"),
    ),
    "backuptasksession": _fields(
        ("UID", "uid", "uuid", "BackupTaskSession"),
        ("Name", "string", "name"),
        ("CreationTime", "datetime", "creation_time"),
        ("EndTime", "datetime", "end_time"),
        ("State", "enum", "state", TASK_STATES),
        ("Result", "enum", "result", RESULTS),
        ("Reason", "string", "reason"),
        ("TotalSize", "long", "total_size"),
        ("JobSessionUid", "uid", "session_uuid", "BackupJobSession"),
        ("JobUid", "uid", "job_uuid", "Job"),
        ("JobName", "string", "job_name"),
        ("BackupServerUid", "uid", "backup_server_uuid", "BackupServer"),
        ("BackupServerName", "string", "backup_server_name"),
        ("VmDisplayName", "string", "vm_display_name"),
    ),
    "vmrestorepoint": _fields(
        ("UID", "uid", "uuid", "VmRestorePoint"),
        ("Name", "string", "name"),
        ("CreationTime", "datetime", "creation_time"),
        ("Type", "enum", "point_type", RESTORE_POINT_TYPES),
        ("Algorithm", "enum", "algorithm", POINT_ALGORITHMS),
        ("RestorePointId", "uid", "restore_point_uuid", "RestorePoint"),
        ("RestorePointName", "string", "restore_point_name"),
        ("VmDisplayName", "string", "vm_display_name"),
        ("BackupServerUid", "uid", "backup_server_uuid", "BackupServer"),
        ("BackupServerName", "string", "backup_server_name"),
    ),
    "restorepoint": _fields(
        ("UID", "uid", "uuid", "RestorePoint"),
        ("Name", "string", "name"),
        ("CreationTime", "datetime", "creation_time"),
        ("BackupUid", "uid", "backup_uuid", "Backup"),
        ("BackupName", "string", "backup_name"),
        ("BackupServerUid", "uid", "backup_server_uuid", "BackupServer"),
        ("BackupServerName", "string", "backup_server_name"),
    ),
    "vmreplicapoint": _fields(
        ("UID", "uid", "uuid", "VmReplicaPoint"),
        ("Name", "string", "name"),
        ("CreationTime", "datetime", "creation_time"),
        ("Type", "enum", "point_type", REPLICA_POINT_TYPES),
        ("Algorithm", "enum", "algorithm", POINT_ALGORITHMS),
        ("ReplicaUid", "uid", "replica_uuid", "Replica"),
        ("ReplicaName", "string", "replica_name"),
        ("VmDisplayName", "string", "vm_display_name"),
        ("BackupServerUid", "uid", "backup_server_uuid", "BackupServer"),
        ("BackupServerName", "string", "backup_server_name"),
    ),
    "backupserver": _fields(
        ("UID", "uid", "uuid", "BackupServer"),
        ("Name", "string", "name"),
        ("Description", "string", "description"),
        ("IpOrDnsName", "string", "ip_or_dns_name"),
        ("Port", "long", "port"),
        ("Version", "string", "version"),
    ),
}

OPERATORS = ("==", "!=", "<=", ">=", "<", ">")


class Comparison:
    """A parsed ``field OP value`` node."""

    def __init__(self, field, operator, value, uuid_only):
        self.field = field
        self.operator = operator
        self.value = value
        self.uuid_only = uuid_only

    def __call__(self, item):
        actual = self.field.value_of(item)
        if actual is None:
            return False
        if self.uuid_only:
            actual = actual.rsplit(":", 1)[-1]
        return _compare(actual, self.operator, self.value)

    def __repr__(self):
        return "(%s %s %r)" % (self.field.name, self.operator, self.value)


class Logical:
    """An AND (``;``) or OR (``,``) node over two or more operands."""

    def __init__(self, kind, operands):
        self.kind = kind
        self.operands = operands

    def __call__(self, item):
        if self.kind == "and":
            return all(operand(item) for operand in self.operands)
        return any(operand(item) for operand in self.operands)

    def __repr__(self):
        return "(%s %s)" % (self.kind, " ".join(repr(operand) for operand in self.operands))


def _compare(actual, operator, expected):
    """Apply a comparison operator."""
    if operator == "==":
        return actual == expected
    if operator == "!=":
        return actual != expected
    if isinstance(actual, datetime) and actual.tzinfo is None:
        actual = actual.replace(tzinfo=timezone.utc)
    if operator == "<":
        return actual < expected
    if operator == ">":
        return actual > expected
    if operator == "<=":
        return actual <= expected
    return actual >= expected


class _Parser:
    """Recursive-descent parser producing a callable predicate tree."""

    def __init__(self, text, fields):
        self.text = text
        self.pos = 0
        self.fields = fields

    def error(self, message):
        """Raise a FilterError pointing at the current position."""
        raise FilterError("Invalid filter at position %d: %s (filter: %s)" % (self.pos, message, self.text))

    def skip_blanks(self):
        """Skip white space."""
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self):
        """The next non-blank character, or an empty string at the end."""
        self.skip_blanks()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse(self):
        """Parse the whole filter."""
        if not self.text.strip():
            self.error("empty filter")
        node = self.expr()
        if self.peek():
            self.error("unexpected %r" % self.peek())
        return node

    def expr(self):
        """OR of AND expressions."""
        operands = [self.and_expr()]
        while self.peek() == ",":
            self.pos += 1
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else Logical("or", operands)

    def and_expr(self):
        """AND of primaries."""
        operands = [self.primary()]
        while self.peek() == ";":
            self.pos += 1
            operands.append(self.primary())
        return operands[0] if len(operands) == 1 else Logical("and", operands)

    def primary(self):
        """A parenthesised expression or a comparison."""
        if self.peek() == "(":
            self.pos += 1
            node = self.expr()
            if self.peek() != ")":
                self.error("missing ')'")
            self.pos += 1
            return node
        return self.comparison()

    def comparison(self):
        """``field OP value``."""
        self.skip_blanks()
        start = self.pos
        while self.pos < len(self.text) and (self.text[self.pos].isalnum() or self.text[self.pos] == "_"):
            self.pos += 1
        name = self.text[start:self.pos]
        if not name:
            self.error("field name expected")
        field = self.fields.get(name.lower())
        if field is None:
            raise FilterError("Unknown filter field '%s'. Supported fields: %s" % (name, ", ".join(f.name for f in self.fields.values())))
        self.skip_blanks()
        for operator in OPERATORS:
            if self.text.startswith(operator, self.pos):
                self.pos += len(operator)
                break
        else:
            self.error("comparison operator expected after '%s'" % name)
        text = self.value()
        value, uuid_only = field.parse(text)
        return Comparison(field, operator, value, uuid_only)

    def value(self):
        """A quoted (with ``""`` escapes) or unquoted value."""
        if self.peek() == '"':
            self.pos += 1
            out = []
            while True:
                if self.pos >= len(self.text):
                    self.error("unterminated quoted value")
                char = self.text[self.pos]
                if char == '"':
                    if self.text.startswith('""', self.pos):
                        out.append('"')
                        self.pos += 2
                        continue
                    self.pos += 1
                    return "".join(out)
                out.append(char)
                self.pos += 1
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ";,)":
            if self.text[self.pos] == '"':
                self.error("unexpected '\"' inside an unquoted value")
            self.pos += 1
        text = self.text[start:self.pos].strip()
        if not text:
            self.error("value expected")
        return text


def parse_filter(text, query_type):
    """Parse ``text`` for the query type (case-insensitive name); returns a predicate ``f(record) -> bool``."""
    fields = QUERY_FIELDS.get(query_type.lower())
    if fields is None:
        raise FilterError("Unknown query type '%s'" % query_type)
    return _Parser(text, fields).parse()


def sort_field(name, query_type):
    """The Field to sort on (case-insensitive), or FilterError when it is not a documented field."""
    fields = QUERY_FIELDS[query_type.lower()]
    field = fields.get(name.strip().lower())
    if field is None:
        raise FilterError("Unknown sort field '%s'. Supported fields: %s" % (name, ", ".join(f.name for f in fields.values())))
    return field


def sort_records(records, field, descending=False):
    """Stable sort on a field; absent values sort first in ascending order (last when descending)."""
    def key(item):
        value = field.value_of(item)
        return (value is not None, value if value is not None else 0)
    return sorted(records, key=key, reverse=descending)
