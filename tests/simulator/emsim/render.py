"""XML and JSON representations of EM REST resources.

Every resource is first built as a neutral ``Item`` (type, href, name, uid, extra attributes, links and
ordered fields), then written as XML (namespace ``http://www.veeam.com/ent/v1.0``, every ``&`` escaped)
or as JSON: EM 12 style keeps the XML names (PascalCase), EM 13 style camelCases every key at every depth.

Element content and order follow the seed examples:

* CdpReplicaSession: PolicyUid, PolicyName, PolicyType, CreationTimeUTC, EndTimeUTC (absent while running),
  State, Result, Progress, FailureMessage (``<FailureMessage />`` when empty), IsRetry; inside a
  QueryResult the item element is ``<CdpPolicySession Type="CdpReplicaSession">``.
* CdpReplicaTaskSession: ``VmDisplayName`` attribute, Href under ``/replicaTaskSessions/`` (documented quirk),
  PolicySessionUid, CreationTimeUTC, EndTimeUTC, State, Result, Reason, TotalSize.
* ReplicaJobSession: JobUid, JobName, JobType, CreationTimeUTC, EndTimeUTC, State, Result, Progress, IsRetry,
  Down link to ``/replicaSessions/{id}/repicaTaskSessions`` (documented typo).
* ReplicaTaskSession: JobSessionUid, CreationTimeUTC, EndTimeUTC, State, Result, Reason, TotalSize.
* Job: JobType, Platform, Description, ScheduleConfigured, ScheduleEnabled, NextRun (absent when there is none),
  JobScheduleOptions (a short ``<Standart>`` block); ``<Job Type="Job">`` inside ``<Jobs>`` in a QueryResult.
* CdpPolicy: PolicyType, Platform, Description, ScheduleConfigured, ScheduleEnabled, NextRun, PolicyScheduleOptions
  with the ``<CdpReplica>`` wrapper holding RecoveryPointObjectiveSeconds and RecoveryPointObjectiveMinutes (the
  RPO in the unit it was set in, the other 0); ``<CdpPolicy>`` inside ``<CdpPolicies>``; a Disable or Enable link.
* BackupJobSession: JobUid, JobName, JobType, CreationTimeUTC, EndTimeUTC, State, Result, Progress,
  FailureMessage (absent when empty, as in the documentation examples; null in JSON, as in the captures),
  IsRetry; Down link to ``/backupSessions/{id}/taskSessions``.
* BackupTaskSession: ``VmDisplayName`` attribute, JobSessionUid, CreationTimeUTC, EndTimeUTC, State, Result,
  Reason, TotalSize.
"""

# pylint: disable=consider-using-f-string,too-many-arguments,too-many-positional-arguments,too-many-locals,too-many-instance-attributes,too-few-public-methods

import json
import re
import uuid as uuid_mod
from xml.sax.saxutils import escape

NAMESPACE = "http://www.veeam.com/ent/v1.0"

#: The 50 list keys of QueryResult.Entities, in wire order (EM 12 names; the EM 13 ones are camelCased).
ENTITY_LIST_KEYS = [
    "Jobs", "FailoverPlans", "Backups", "Replicas", "Repositories", "RestorePoints", "VmRestorePoints",
    "VAppRestorePoints", "VmReplicaPoints", "BackupJobSessions", "ReplicaJobSessions", "ReplicaTaskSessions",
    "RestoreSessions", "HierarchyRoots", "BackupTaskSessions", "BackupServers", "ManagedServers", "EnterpiseRoles",
    "EnterpiseAccounts", "WanAccelerators", "CloudGateways", "CloudTenants", "CloudReplicas",
    "VCloudOrganizationConfigs", "BackupFiles", "VSphereSelfServiceConfigs", "CloudPublicIps", "CloudHardwarePlans",
    "CloudVmReplicaPoints", "AgentRestorePoints", "AgentBackupJob", "CloudGatewayPools", "CloudFailoverPlans",
    "ExternalRepositories", "VlanConfigurations", "CloudFailoverSessions", "AgentProtectionGroups",
    "DiscoveredComputers", "FileServers", "NASJobs", "CdpReplicas", "CdpReplicaVms", "CdpPolicies",
    "CdpReplicaSessions", "CdpReplicaTaskSessions", "VAppReplicaPoints", "VmCdpReplicas", "VAppCdpReplicas",
    "VAppCdpReplicaVms", "SystemSessions",
]


class Kind:
    """Static description of one resource kind."""

    def __init__(self, dataset_key, query_type, collection, entity_tag, query_tag, list_tag, urn):
        self.dataset_key = dataset_key
        self.query_type = query_type
        self.collection = collection
        self.entity_tag = entity_tag
        self.query_tag = query_tag
        self.list_tag = list_tag
        self.urn = urn
        self.ref_type = query_type + "Reference"


KINDS = {
    "cdpreplicasession": Kind("cdp_replica_sessions", "CdpReplicaSession", "cdpReplicaSessions", "CdpReplicaSession",
                              "CdpPolicySession", "CdpReplicaSessions", "CdpReplicaSession"),
    "cdpreplicatasksession": Kind("cdp_replica_task_sessions", "CdpReplicaTaskSession", "cdpReplicaTaskSessions",
                                  "CdpReplicaTaskSession", "CdpReplicaTaskSession", "CdpReplicaTaskSessions",
                                  "CdpReplicaTaskSession"),
    "replicajobsession": Kind("replica_job_sessions", "ReplicaJobSession", "replicaSessions", "ReplicaJobSession",
                              "ReplicaJobSession", "ReplicaJobSessions", "ReplicaJobSession"),
    "replicatasksession": Kind("replica_task_sessions", "ReplicaTaskSession", "replicaTaskSessions", "ReplicaTaskSession",
                               "ReplicaTaskSession", "ReplicaTaskSessions", "ReplicaTaskSession"),
    "job": Kind("jobs", "Job", "jobs", "Job", "Job", "Jobs", "Job"),
    "cdppolicy": Kind("cdp_policies", "CdpPolicy", "cdpPolicies", "CdpPolicy", "CdpPolicy", "CdpPolicies", "CdpPolicy"),
    "backupserver": Kind("backup_servers", "BackupServer", "backupServers", "BackupServer", "BackupServer",
                         "BackupServers", "BackupServer"),
    "backupjobsession": Kind("backup_job_sessions", "BackupJobSession", "backupSessions", "BackupJobSession",
                             "BackupJobSession", "BackupJobSessions", "BackupJobSession"),
    "backuptasksession": Kind("backup_task_sessions", "BackupTaskSession", "backupTaskSessions", "BackupTaskSession",
                              "BackupTaskSession", "BackupTaskSessions", "BackupTaskSession"),
    "vmrestorepoint": Kind("vm_restore_points", "VmRestorePoint", "vmRestorePoints", "VmRestorePoint", "VmRestorePoint",
                           "VmRestorePoints", "VmRestorePoint"),
    "restorepoint": Kind("restore_points", "RestorePoint", "restorePoints", "RestorePoint", "RestorePoint", "RestorePoints",
                         "RestorePoint"),
    "vmreplicapoint": Kind("vm_replica_points", "VmReplicaPoint", "vmReplicaPoints", "VmReplicaPoint", "VmReplicaPoint",
                           "VmReplicaPoints", "VmReplicaPoint"),
}


def format_time(value, uid=""):
    """EM time text: ``Z`` suffix, fraction trimmed of trailing zeros (0-6 digits).

    Where the fraction has all 6 digits, about a third of the records (chosen from their uuid) get a
    7th digit like .NET ticks, so clients meet 0 to 7 fractional digits.
    """
    if value is None:
        return None
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    micro = value.microsecond
    if micro:
        fraction = "%06d" % micro
        if micro % 10 and uid and int(uid[:2], 16) % 3 == 0:
            fraction += str(int(uid[2], 16) % 9 + 1)
        text += "." + fraction.rstrip("0")
    return text + "Z"


def camel(key):
    """System.Text.Json camelCase: lower the leading upper-case run (``UID``->``uid``, ``NASJobs``->``nasJobs``)."""
    if not key or not key[0].isupper():
        return key
    chars = list(key)
    for index, char in enumerate(chars):
        if not char.isupper():
            break
        if index > 0 and index + 1 < len(chars) and not chars[index + 1].isupper():
            break
        chars[index] = char.lower()
    return "".join(chars)


def camelize(value):
    """Apply ``camel`` to every dict key at every depth."""
    if isinstance(value, dict):
        return {camel(k): camelize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camelize(v) for v in value]
    return value


def link(rel, href, type_=None, name=None):
    """A link dict."""
    return {"Rel": rel, "Href": href, "Name": name, "Type": type_}


class RawXml(str):
    """Element content that is already XML (nested elements): written as is, never escaped."""


def _nested(name, value):
    """A field holding nested elements: ``value`` is an ordered list of ``(name, text or list)`` pairs."""
    def xml(pairs):
        return "".join("<%s>%s</%s>" % (key, xml(child) if isinstance(child, list) else escape(str(child)), key)
                       for key, child in pairs)

    def as_json(pairs):
        return {key: as_json(child) if isinstance(child, list) else child for key, child in pairs}
    return (name, RawXml(xml(value)), as_json(value))


def _schedule_fields(record):
    """Platform to NextRun, the fields jobs and CDP policies share."""
    return [_field("Platform", record.get("platform") or "VMware"),
            _field("Description", record.get("description") or ""),
            _field("ScheduleConfigured", bool(record.get("schedule_configured", True))),
            _field("ScheduleEnabled", bool(record.get("schedule_enabled", True))),
            _field("NextRun", format_time(record.get("next_run"), record["uuid"]))]


class Item:
    """A neutral representation of one entity."""

    def __init__(self, type_, href, name, uid, links, fields, extra_attrs=None):
        self.type = type_
        self.href = href
        self.name = name
        self.uid = uid
        self.links = links
        self.fields = fields
        self.extra_attrs = extra_attrs or []


def _field(name, value, empty_json=""):
    """An ordered field: ``(name, xml text or None to omit, json value)``."""
    if isinstance(value, bool):
        return (name, "true" if value else "false", value)
    if isinstance(value, int):
        return (name, str(value), value)
    if value is None:
        return (name, None, None)
    return (name, value, value if value != "" else empty_json)


def _times(record):
    """Formatted creation and end times of a record."""
    uid = record["uuid"]
    return format_time(record.get("creation_time"), uid), format_time(record.get("end_time"), uid)


def entity_item(kind_name, record, base):
    """The Item of a record of a kind (lower-case query type) for the API base URL ``base``."""
    kind = KINDS[kind_name]
    rid = record["uuid"]
    uid = "urn:veeam:%s:%s" % (kind.urn, rid)
    server_link = link("Up", "%s/backupServers/%s" % (base, record.get("backup_server_uuid")), "BackupServerReference",
                       record.get("backup_server_name"))
    ref_href = "%s/%s/%s" % (base, kind.collection, rid)
    alternate = link("Alternate", ref_href, kind.ref_type, record.get("name"))
    if kind_name == "backupjobsession":
        created, ended = _times(record)
        links = [server_link,
                 link("Up", "%s/jobs/%s" % (base, record["job_uuid"]), "JobReference", record["job_name"]),
                 alternate,
                 link("Down", "%s/backupSessions/%s/taskSessions" % (base, rid), "BackupTaskSessionReferenceList")]
        fields = [_field("JobUid", "urn:veeam:Job:%s" % record["job_uuid"]),
                  _field("JobName", record["job_name"]),
                  _field("JobType", record.get("job_type") or "Backup"),
                  _field("CreationTimeUTC", created), _field("EndTimeUTC", ended),
                  _field("State", record["state"]), _field("Result", record["result"]),
                  _field("Progress", int(record.get("progress") or 0)),
                  _field("FailureMessage", record.get("failure_message") or None),
                  _field("IsRetry", bool(record.get("is_retry")))]
        return Item(kind.entity_tag, ref_href + "?format=Entity", record["name"], uid, links, fields)
    if kind_name == "backuptasksession":
        created, ended = _times(record)
        parent = link("Up", "%s/backupSessions/%s" % (base, record["session_uuid"]), "BackupJobSessionReference",
                      record.get("session_name"))
        fields = [_field("JobSessionUid", "urn:veeam:BackupJobSession:%s" % record["session_uuid"]),
                  _field("CreationTimeUTC", created), _field("EndTimeUTC", ended),
                  _field("State", record["state"]), _field("Result", record["result"]),
                  _field("Reason", record.get("reason") or ""),
                  _field("TotalSize", int(record.get("total_size") or 0))]
        return Item(kind.entity_tag, ref_href + "?format=Entity", record["name"], uid, [server_link, parent, alternate],
                    fields, [("VmDisplayName", record.get("vm_display_name") or "")])
    if kind_name in ("cdpreplicasession", "replicajobsession"):
        created, ended = _times(record)
        if kind_name == "cdpreplicasession":
            links = [server_link,
                     link("Up", "%s/cdpPolicies/%s" % (base, record["policy_uuid"]), "CdpPolicyReference", record["policy_name"]),
                     alternate,
                     link("Down", "%s/cdpReplicaSessions/%s/cdpReplicaTaskSessions" % (base, rid), "CdpReplicaTaskSessionReferenceList")]
            fields = [_field("PolicyUid", "urn:veeam:CdpPolicy:%s" % record["policy_uuid"]),
                      _field("PolicyName", record["policy_name"]),
                      _field("PolicyType", "CdpReplica"),
                      _field("CreationTimeUTC", created), _field("EndTimeUTC", ended),
                      _field("State", record["state"]), _field("Result", record["result"]),
                      _field("Progress", int(record.get("progress") or 0)),
                      _field("FailureMessage", record.get("failure_message") or "", None),
                      _field("IsRetry", bool(record.get("is_retry")))]
        else:
            links = [server_link,
                     link("Up", "%s/jobs/%s" % (base, record["job_uuid"]), "JobReference", record["job_name"]),
                     alternate,
                     link("Down", "%s/replicaSessions/%s/repicaTaskSessions" % (base, rid), "ReplicaTaskSessionReferenceList")]
            fields = [_field("JobUid", "urn:veeam:Job:%s" % record["job_uuid"]),
                      _field("JobName", record["job_name"]),
                      _field("JobType", record.get("job_type") or "Replica"),
                      _field("CreationTimeUTC", created), _field("EndTimeUTC", ended),
                      _field("State", record["state"]), _field("Result", record["result"]),
                      _field("Progress", int(record.get("progress") or 0)),
                      _field("IsRetry", bool(record.get("is_retry")))]
        return Item(kind.entity_tag, ref_href + "?format=Entity", record["name"], uid, links, fields)
    if kind_name in ("cdpreplicatasksession", "replicatasksession"):
        created, ended = _times(record)
        if kind_name == "cdpreplicatasksession":
            parent = link("Up", "%s/cdpReplicaSessions/%s" % (base, record["session_uuid"]), "CdpReplicaSessionReference",
                          record.get("session_name"))
            parent_field = _field("PolicySessionUid", "urn:veeam:CdpReplicaSession:%s" % record["session_uuid"])
            href = "%s/replicaTaskSessions/%s?format=Entity" % (base, rid)
        else:
            parent = link("Up", "%s/replicaSessions/%s" % (base, record["session_uuid"]), "ReplicaJobSessionReference",
                          record.get("session_name"))
            parent_field = _field("JobSessionUid", "urn:veeam:ReplicaJobSession:%s" % record["session_uuid"])
            href = ref_href + "?format=Entity"
        fields = [parent_field,
                  _field("CreationTimeUTC", created), _field("EndTimeUTC", ended),
                  _field("State", record["state"]), _field("Result", record["result"]),
                  _field("Reason", record.get("reason") or ""),
                  _field("TotalSize", int(record.get("total_size") or 0))]
        return Item(kind.entity_tag, href, record["name"], uid, [server_link, parent, alternate], fields,
                    [("VmDisplayName", record.get("vm_display_name") or "")])
    if kind_name in ("vmrestorepoint", "vmreplicapoint"):
        return _point_item(kind_name, record, base, server_link, alternate)
    if kind_name == "restorepoint":
        # As get_query_restorepoint shows it: Up to its backup and its server, BackupDateUTC.
        links = [link("Up", "%s/backups/%s" % (base, record["backup_uuid"]), "BackupReference", record.get("backup_name")),
                 server_link, alternate,
                 link("Down", "%s/restorePoints/%s/vAppRestorePoints" % (base, rid), "VAppRestorePointReferenceList"),
                 link("Related", "%s/restorePoints/%s/backupFiles" % (base, rid), "BackupFileReferenceList")]
        fields = [_field("BackupDateUTC", format_time(record.get("creation_time"), rid))]
        return Item(kind.entity_tag, ref_href + "?format=Entity", record["name"], uid, links, fields)
    if kind_name == "job":
        links = [server_link, alternate]
        if record.get("job_type", "Replica") == "Replica":
            links.append(link("Down", "%s/jobs/%s/replicaSessions" % (base, rid), "ReplicaJobSessionReferenceList"))
        else:
            links.append(link("Down", "%s/jobs/%s/backupSessions" % (base, rid), "BackupJobSessionReferenceList"))
        links.append(link("ToggleScheduleEnabled", "%s/jobs/%s?action=toggleScheduleEnabled" % (base, rid)))
        fields = [_field("JobType", record.get("job_type") or "Replica")] + _schedule_fields(record) + [
            _nested("JobScheduleOptions", [("Standart", [("RetryOptions", [
                ("RetryTimes", 3), ("RetryTimeout", 10), ("RetrySpecified", "true")])])])]
        return Item(kind.entity_tag, ref_href + "?format=Entity", record["name"], uid, links, fields)
    if kind_name == "cdppolicy":
        enabled = bool(record.get("schedule_enabled", True))
        links = [server_link, alternate,
                 link("Down", "%s/cdpPolicies/%s/cdpReplicaSessions" % (base, rid), "CdpReplicaSessionReferenceList"),
                 link("Disable" if enabled else "Enable",
                      "%s/cdpPolicies/%s?action=%s" % (base, rid, "disable" if enabled else "enable"))]
        rpo = int(record.get("rpo_seconds") or 15)
        # EM keeps the RPO in the unit it was set in: whole minutes as minutes, anything else as seconds.
        seconds, minutes = (0, rpo // 60) if rpo >= 60 and rpo % 60 == 0 else (rpo, 0)
        fields = [_field("PolicyType", "CdpReplica")] + _schedule_fields(record) + [
            _nested("PolicyScheduleOptions", [("CdpReplica", [
                ("RecoveryPointObjectiveSeconds", seconds), ("RecoveryPointObjectiveMinutes", minutes),
                ("ShortTermRetentionMinutes", 0), ("ShortTermRetentionHours", 4)])])]
        return Item(kind.entity_tag, ref_href + "?format=Entity", record["name"], uid, links, fields)
    links = server_links(base, rid)
    links.insert(0, link("Alternate", ref_href, kind.ref_type, record["name"]))
    fields = [_field("Description", record.get("description") or ""),
              _field("IpOrDnsName", record.get("ip_or_dns_name") or record["name"]),
              _field("Port", int(record.get("port") or 9392)),
              _field("Version", record.get("version") or "")]
    return Item(kind.entity_tag, ref_href + "?format=Entity", record["name"], uid, links, fields)


def _point_item(kind_name, record, base, server_link, alternate):
    """A VM restore or replica point as the query service lists it (get_query_vmrestorepoint, get_query_vmreplicapoint).

    ``entity_document`` drops what the entity URL leaves out (VmName; a restore point's VmDisplayName attribute).
    """
    kind = KINDS[kind_name]
    rid = record["uuid"]
    href = "%s/%s/%s" % (base, kind.collection, rid)
    if kind_name == "vmrestorepoint":
        links = [link("Restore", href + "?action=restore"), server_link,
                 link("Up", "%s/restorePoints/%s" % (base, record["restore_point_uuid"]), "RestorePointReference",
                      record.get("restore_point_name")),
                 link("Up", "%s/backupFiles/%s" % (base, _derived_file_uuid(record)), "BackupFileReference",
                      record.get("backup_file_name"))]
    else:
        links = [link("Failover", href + "?action=failover"), server_link,
                 link("Up", "%s/replicas/%s" % (base, record["replica_uuid"]), "ReplicaReference", record.get("replica_name"))]
    links += [alternate, link("Down", href + "/mounts", kind.query_type + "MountList"),
              link("Create", href + "/mounts", kind.query_type + "Mount")]
    fields = [_field("CreationTimeUTC", format_time(record.get("creation_time"), rid)),
              _field("VmName", record.get("vm_name")),
              _field("Algorithm", record.get("algorithm")),
              _field("PointType", record.get("point_type")),
              _field("HierarchyObjRef", record.get("hierarchy_obj_ref"))]
    return Item(kind.entity_tag, href + "?format=Entity", record["name"], "urn:veeam:%s:%s" % (kind.urn, rid), links, fields,
                [("VmDisplayName", record.get("vm_display_name") or "")])


def _derived_file_uuid(record):
    """A stable uuid for a point's backup file (the simulator serves no backup files)."""
    return str(uuid_mod.uuid5(uuid_mod.NAMESPACE_URL, "emsim:backup_file:%s" % record["uuid"]))


def server_links(base, rid):
    """Down links of a backup server."""
    return [link("Down", "%s/backupServers/%s/%s" % (base, rid, path), type_)
            for path, type_ in (("jobs", "JobReferenceList"), ("repositories", "RepositoryReferenceList"))]


def ref_item(kind_name, record, base):
    """The reference Item of a record (used by References, EntityRef and EntityReferences)."""
    kind = KINDS[kind_name]
    entity = entity_item(kind_name, record, base)
    rid = record["uuid"]
    ref_href = "%s/%s/%s" % (base, kind.collection, rid)
    links = []
    for one in entity.links:
        if one["Rel"] == "Alternate":
            links.append(link("Alternate", ref_href + "?format=Entity", kind.query_type, record["name"]))
        else:
            links.append(one)
    return Item(kind.ref_type, ref_href, record["name"], entity.uid, links, [])


# ---------------------------------------------------------------------------------------------- XML

def _attr(value):
    """Escape an attribute value (quotes included)."""
    return escape(str(value), {'"': "&quot;"})


def _xml_links(links):
    """``<Links>`` element."""
    parts = ["<Links>"]
    for one in links:
        attrs = ' Rel="%s"' % _attr(one["Rel"])
        if one.get("Type") is not None:
            attrs += ' Type="%s"' % _attr(one["Type"])
        attrs += ' Href="%s"' % _attr(one["Href"])
        if one.get("Name") is not None:
            attrs += ' Name="%s"' % _attr(one["Name"])
        parts.append("<Link%s />" % attrs)
    parts.append("</Links>")
    return "".join(parts)


def xml_item(item, tag, root=False):
    """An entity element (``tag`` is the element name)."""
    attrs = ' xmlns="%s"' % NAMESPACE if root else ""
    attrs += ' Type="%s" Href="%s" Name="%s" UID="%s"' % (_attr(item.type), _attr(item.href), _attr(item.name), _attr(item.uid))
    for key, value in item.extra_attrs:
        attrs += ' %s="%s"' % (key, _attr(value))
    parts = ["<%s%s>" % (tag, attrs), _xml_links(item.links)]
    for name, text, dummy in item.fields:
        if text is None:
            continue
        if text == "":
            parts.append("<%s />" % name)
        elif isinstance(text, RawXml):
            parts.append("<%s>%s</%s>" % (name, text, name))
        else:
            parts.append("<%s>%s</%s>" % (name, escape(text), name))
    parts.append("</%s>" % tag)
    return "".join(parts)


def xml_ref(item, tag="Ref", root=False):
    """A ``<Ref>`` (or ``<EntityRef>``) element."""
    attrs = ' xmlns="%s"' % NAMESPACE if root else ""
    attrs += ' Type="%s" Href="%s" Name="%s" UID="%s"' % (_attr(item.type), _attr(item.href), _attr(item.name), _attr(item.uid))
    return "<%s%s>%s</%s>" % (tag, attrs, _xml_links(item.links), tag)


def xml_paging(paging):
    """``<PagingInfo>`` element."""
    return '<PagingInfo PagesCount="%d" PageSize="%d" PageNum="%d">%s</PagingInfo>' % (
        paging["PagesCount"], paging["PageSize"], paging["PageNum"], _xml_links(paging["Links"]))


# --------------------------------------------------------------------------------------------- JSON

def json_link(one):
    """A link as JSON (Rel, Href, Name, Type; null when absent)."""
    return {"Rel": one["Rel"], "Href": one["Href"], "Name": one.get("Name"), "Type": one.get("Type")}


def json_item(item):
    """An entity as JSON: fields first, then attributes, Links, Href and Type (like the captures)."""
    out = {name: value for name, dummy, value in item.fields}
    for key, value in item.extra_attrs:
        out[key] = value
    out["Name"] = item.name
    out["UID"] = item.uid
    out["Links"] = [json_link(one) for one in item.links]
    out["Href"] = item.href
    out["Type"] = item.type
    return out


def json_ref(item):
    """A reference as JSON."""
    return {"Links": [json_link(one) for one in item.links], "UID": item.uid, "Name": item.name, "Href": item.href,
            "Type": item.type}


def dump_json(value, style):
    """Compact JSON text in ``style`` ("em12" PascalCase, "em13" camelCase)."""
    if style == "em13":
        value = camelize(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ------------------------------------------------------------------------------------- documents

def query_result(kind_name, records, base, paging, entities, style, as_json):
    """A QueryResult document (Entities or Refs, then PagingInfo)."""
    kind = KINDS[kind_name]
    if as_json:
        doc = {"Refs": None, "Entities": None, "Resources": None, "Links": None}
        if entities:
            lists = {key: None for key in ENTITY_LIST_KEYS}
            lists[kind.list_tag] = {kind.list_tag: [json_item(entity_item(kind_name, r, base)) for r in records]}
            doc["Entities"] = lists
        else:
            doc["Refs"] = {"Refs": [json_ref(ref_item(kind_name, r, base)) for r in records]}
        doc["PagingInfo"] = {"Links": [json_link(one) for one in paging["Links"]], "PageNum": paging["PageNum"],
                             "PageSize": paging["PageSize"], "PagesCount": paging["PagesCount"]}
        return dump_json(doc, style)
    parts = ['<QueryResult xmlns="%s">' % NAMESPACE]
    if entities:
        parts.append("<Entities><%s>" % kind.list_tag)
        parts.extend(xml_item(entity_item(kind_name, r, base), kind.query_tag) for r in records)
        parts.append("</%s></Entities>" % kind.list_tag)
    else:
        parts.append("<Refs>")
        parts.extend(xml_ref(ref_item(kind_name, r, base)) for r in records)
        parts.append("</Refs>")
    parts.append(xml_paging(paging))
    parts.append("</QueryResult>")
    return "".join(parts)


def entity_document(kind_name, record, base, entity, style, as_json):
    """GET /{collection}/{id}: the entity (``format=Entity``) or an EntityRef."""
    if entity:
        item = entity_item(kind_name, record, base)
        if kind_name in ("vmrestorepoint", "vmreplicapoint"):
            # The entity pages (vmrestorepoints_id, vmreplicapoints_id) show no VmName, and a restore point's
            # entity no VmDisplayName attribute.
            item.fields = [field for field in item.fields if field[0] != "VmName"]
            if kind_name == "vmrestorepoint":
                item.extra_attrs = []
        return dump_json(json_item(item), style) if as_json else xml_item(item, KINDS[kind_name].entity_tag, root=True)
    item = ref_item(kind_name, record, base)
    return dump_json(json_ref(item), style) if as_json else xml_ref(item, "EntityRef", root=True)


def collection_document(kind_name, records, base, entity, style, as_json):
    """GET of a plain collection: EntityReferences, or the flat entity list with ``format=Entity``."""
    kind = KINDS[kind_name]
    if entity:
        if as_json:
            return dump_json({kind.list_tag: [json_item(entity_item(kind_name, r, base)) for r in records]}, style)
        body = "".join(xml_item(entity_item(kind_name, r, base), kind.entity_tag) for r in records)
        return '<%s xmlns="%s">%s</%s>' % (kind.list_tag, NAMESPACE, body, kind.list_tag)
    if as_json:
        return dump_json({"Refs": [json_ref(ref_item(kind_name, r, base)) for r in records]}, style)
    body = "".join(xml_ref(ref_item(kind_name, r, base)) for r in records)
    return '<EntityReferences xmlns="%s">%s</EntityReferences>' % (NAMESPACE, body)


def error_document(status, message, style, as_json):
    """An Error body."""
    if as_json:
        return dump_json({"FirstChanceExceptionMessage": None, "Message": message, "StackTrace": None, "Status": None,
                          "StatusCode": status}, style)
    return '<Error xmlns="%s" Message="%s" StatusCode="%d" />' % (NAMESPACE, _attr(message), status)


LOGON_DOWN_LINKS = [
    ("backupServers", "BackupServerReferenceList"), ("jobs", "JobReferenceList"), ("replicas", "ReplicaReferenceList"),
    ("cdpPolicies", "CdpPolicyReferenceList"), ("cdpReplicaSessions", "CdpReplicaSessionReferenceList"),
    ("cdpReplicaTaskSessions", "CdpReplicaTaskSessionReferenceList"), ("replicaSessions", "ReplicaJobSessionReferenceList"),
    ("replicaTaskSessions", "ReplicaTaskSessionReferenceList"), ("backupSessions", "BackupJobSessionReferenceList"),
    ("backupTaskSessions", "BackupTaskSessionReferenceList"), ("query", "QueryService"),
]


def logon_document(base, username, session_id, style, as_json):
    """A LogonSession (POST /sessionMngr, GET /logonSessions/{id})."""
    href = "%s/logonSessions/%s" % (base, session_id)
    links = [link("Up", base + "/", "EnterpriseManager")]
    links += [link("Down", "%s/%s" % (base, path), type_) for path, type_ in LOGON_DOWN_LINKS]
    links.append(link("Delete", href))
    if as_json:
        return dump_json({"UserName": username, "SessionId": session_id, "Links": [json_link(one) for one in links],
                          "Href": href, "Type": "LogonSession"}, style)
    return '<LogonSession xmlns="%s" Type="LogonSession" Href="%s">%s<UserName>%s</UserName><SessionId>%s</SessionId></LogonSession>' % (
        NAMESPACE, _attr(href), _xml_links(links), escape(username), escape(session_id))


def logon_sessions_document(base, sessions, style, as_json):
    """GET /logonSessions: EntityReferences of LogonSessionReference, ``sessions`` = [(session_id, username)]."""
    refs = [Item("LogonSessionReference", "%s/logonSessions/%s" % (base, sid), user, "urn:veeam:LogonSession:%s" % sid,
                 [link("Delete", "%s/logonSessions/%s" % (base, sid))], []) for sid, user in sessions]
    if as_json:
        return dump_json({"Refs": [json_ref(ref) for ref in refs]}, style)
    return '<EntityReferences xmlns="%s">%s</EntityReferences>' % (NAMESPACE, "".join(xml_ref(ref) for ref in refs))


def api_root_document(base, style, as_json):
    """GET /api/: the supported versions, each with its Create (logon) link."""
    versions = ["v1_5", "v1_6", "v1_7", "v1_8"]
    if as_json:
        doc = {"SupportedVersions": {"SupportedVersions": [
            {"Links": [json_link(link("Create", "%s/sessionMngr/?v=%s" % (base, v), "LogonSession"))], "Name": v}
            for v in versions]},
            "Links": [json_link(link("Create", base + "/sessionMngr/?v=latest", "LogonSession"))], "Href": None, "Type": None}
        return dump_json(doc, style)
    body = "".join('<SupportedVersion Name="%s">%s</SupportedVersion>' % (
        v, _xml_links([link("Create", "%s/sessionMngr/?v=%s" % (base, v), "LogonSession")])) for v in versions)
    return '<EnterpriseManager xmlns="%s">%s<SupportedVersions>%s</SupportedVersions></EnterpriseManager>' % (
        NAMESPACE, _xml_links([link("Create", base + "/sessionMngr/?v=latest", "LogonSession")]), body)


def lower_escapes(text):
    """Lower-case the hex digits of percent escapes (EM 12 writes ``%3e%3d``)."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), text)
