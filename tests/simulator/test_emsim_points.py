"""The simulator's VM points: VmRestorePoint and VmReplicaPoint follow the task sessions, over the query service and
their entity URLs, as the reference pages show them."""

# pylint: disable=consider-using-f-string

import os
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from emsim import dataset as ds  # noqa: E402  pylint: disable=wrong-import-position
from emsim.server import Simulator  # noqa: E402  pylint: disable=wrong-import-position

NOW = datetime(2025, 6, 17, 12, 0, tzinfo=timezone.utc)
AUTH = ("Administrator", "Sup3r-S3cret!Pa55")
NS = "{http://www.veeam.com/ent/v1.0}"


@pytest.fixture(scope="module")
def data():
    return ds.protection(vms=30, days=10, jobs=3, now=NOW)


@pytest.fixture(scope="module")
def sim(data):
    with Simulator(dataset=data) as server:
        yield server


@pytest.fixture(scope="module")
def api(sim):
    session = requests.Session()
    session.trust_env = False
    session.verify = sim.ca_path
    answer = session.post(sim.base_url + "/api/sessionMngr/?v=latest", auth=AUTH, timeout=10)
    assert answer.status_code == 201
    session.headers["X-RestSvcSessionId"] = answer.headers["X-RestSvcSessionId"]

    def get(path, accept="application/json", **params):
        return session.get(sim.base_url + "/api" + path, params=params, headers={"Accept": accept}, timeout=10)
    yield get
    session.close()


def test_every_successful_task_session_leaves_one_point_and_a_failed_one_none(data):
    backups = [task for task in data.backup_task_sessions if task["result"] in ("Success", "Warning")]
    replicas = [task for task in data.replica_task_sessions if task["result"] in ("Success", "Warning")]
    assert len(data.vm_restore_points) == len(backups) and len(data.vm_replica_points) == len(replicas)
    assert any(task["result"] == "Failed" for task in data.backup_task_sessions)
    assert sorted(point["creation_time"] for point in data.vm_restore_points) == sorted(
        task["creation_time"] for task in backups)
    # The VM removed from the first job 5 days ago: its newest point is older than that.
    newest = max(point["creation_time"] for point in data.vm_restore_points if point["vm_display_name"] == "vm00000")
    assert NOW - newest > timedelta(days=5)
    # Points are derived again when task sessions change (add_records reindexes).
    before = len(data.vm_restore_points)
    data.backup_task_sessions.append(dict(backups[0], uuid="0a0a0a0a-0000-4000-8000-000000000001"))
    data.reindex()
    assert len(data.vm_restore_points) == before + 1
    data.backup_task_sessions.pop()
    data.reindex()
    assert len(data.vm_restore_points) == before


def test_query_filters_sorts_and_pages_restore_points(api, data):
    answer = api("/query", type="VmRestorePoint", format="Entities", sortDesc="CreationTime", pageSize=3,
                 filter='VmDisplayName=="vm00001";Type=="Increment"')
    assert answer.status_code == 200
    body = answer.json()
    items = body["entities"]["vmRestorePoints"]["vmRestorePoints"]
    assert len(items) == 3 and body["pagingInfo"]["pageSize"] == 3
    expected = sorted((p for p in data.vm_restore_points if p["vm_display_name"] == "vm00001"
                       and p["point_type"] == "Increment"), key=lambda p: p["creation_time"], reverse=True)
    assert [item["uid"] for item in items] == ["urn:veeam:VmRestorePoint:%s" % p["uuid"] for p in expected[:3]]
    first = items[0]
    assert first["vmDisplayName"] == "vm00001" and first["vmName"] == "vm00001"
    assert first["hierarchyObjRef"].startswith("urn:VMware:Vm:")
    links = dict((link["type"], link) for link in first["links"] if link["type"])
    assert links["RestorePointReference"]["name"] and links["BackupFileReference"]["name"].startswith("Daily Backup ")
    assert links["BackupServerReference"]["name"] == data.backup_servers[0]["name"]


def test_em12_json_and_xml_name_the_same_fields(api, sim):
    sim.set_config(json_style="em12")
    try:
        item = api("/query", type="VmReplicaPoint", format="Entities", pageSize=1).json()[
            "Entities"]["VmReplicaPoints"]["VmReplicaPoints"][0]
    finally:
        sim.set_config(json_style="em13")
    assert set(["CreationTimeUTC", "VmName", "Algorithm", "PointType", "VmDisplayName", "UID"]) <= set(item)
    assert "HierarchyObjRef" not in item or item["HierarchyObjRef"] is None
    assert [link["Type"] for link in item["Links"] if link["Rel"] == "Up"] == ["BackupServerReference", "ReplicaReference"]
    xml = ET.fromstring(api("/query", accept="application/xml", type="VmReplicaPoint", format="Entities",
                            pageSize=1).text)
    point = xml.find("%sEntities/%sVmReplicaPoints/%sVmReplicaPoint" % (NS, NS, NS))
    assert point.get("UID") == item["UID"] and point.find(NS + "PointType").text == item["PointType"]


def test_the_entity_url_leaves_out_what_only_the_query_lists(api, data):
    point = data.vm_restore_points[-1]
    answer = api("/vmRestorePoints/%s" % point["uuid"], format="Entity")
    assert answer.status_code == 200
    body = answer.json()
    assert body["uid"] == "urn:veeam:VmRestorePoint:%s" % point["uuid"]
    assert "vmName" not in body and "vmDisplayName" not in body
    assert body["pointType"] == point["point_type"]
    assert api("/vmReplicaPoints/%s" % data.vm_replica_points[0]["uuid"], format="Entity").json()["vmDisplayName"]
    assert api("/vmRestorePoints/0a0a0a0a-0000-4000-8000-00000000ffff", format="Entity").status_code == 404


def test_an_unknown_filter_field_is_refused(api):
    answer = api("/query", type="VmRestorePoint", format="Entities", filter='Result=="Success"')
    assert answer.status_code == 400


def test_each_backup_run_has_a_restore_point_naming_its_backup(api, data):
    answer = api("/query", type="RestorePoint", format="Entities", sortDesc="CreationTime",
                 filter='BackupName=="Daily Backup 02"')
    assert answer.status_code == 200
    items = answer.json()["entities"]["restorePoints"]["restorePoints"]
    sessions = [s for s in data.backup_job_sessions if s["job_name"] == "Daily Backup 02" and s["result"] == "Success"]
    assert len(items) == len(sessions) > 0
    assert set(link["name"] for item in items for link in item["links"] if link["type"] == "BackupReference") == {
        "Daily Backup 02"}
    # Every VM restore point links to one of them by the UUID at the end of its Href.
    ids = set(item["uid"].rsplit(":", 1)[-1] for item in items)
    mine = [p for p in data.vm_restore_points if p["job_name"] == "Daily Backup 02"]
    assert mine and set(p["restore_point_uuid"] for p in mine) == ids
