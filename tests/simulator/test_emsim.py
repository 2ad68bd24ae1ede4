"""Tests of the EM REST API simulator itself (run: ``cd tests/simulator && python -m pytest -q test_emsim.py``)."""

# pylint: disable=consider-using-f-string,redefined-outer-name

import base64
import http.cookiejar as http_cookiejar
import json
import math
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from emsim import dataset as ds  # noqa: E402  pylint: disable=wrong-import-position
from emsim.filters import FilterError, parse_filter  # noqa: E402  pylint: disable=wrong-import-position
from emsim.render import ENTITY_LIST_KEYS, camel, format_time  # noqa: E402  pylint: disable=wrong-import-position
from emsim.server import Simulator  # noqa: E402  pylint: disable=wrong-import-position

NS = "{http://www.veeam.com/ent/v1.0}"
NOW = datetime(2025, 6, 17, 12, 0, tzinfo=timezone.utc)
ADMIN = ("Administrator", "Sup3r-S3cret!Pa55")
OPERATOR = ("TECH\\restore.operator", "Op3rator-Pa55w0rd")
COLON_USER = ("TECH\\odd user", "pa:ss:wörd\"&;,")
USERS = {
    ADMIN[0]: (ADMIN[1], "portal_admin"),
    OPERATOR[0]: (OPERATOR[1], "restore_operator"),
    COLON_USER[0]: (COLON_USER[1], "portal_admin"),
}
SECRETS = [ADMIN[1], OPERATOR[1], COLON_USER[1]]


# ------------------------------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def data():
    """A generated data set with a fixed clock."""
    return ds.generate(seed=7, sessions=60, now=NOW)


@pytest.fixture(scope="module")
def sim(data, tmp_path_factory):
    """One HTTPS simulator for the module."""
    simulator = Simulator(dataset=data, tls=True, cert_dir=str(tmp_path_factory.mktemp("certs")), users=USERS)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="module", autouse=True)
def close_pool():
    """Close the shared connection pool at the end."""
    yield
    Client.http.close()


@pytest.fixture(autouse=True)
def clean(request):
    """Reset faults, log and config between tests using the simulator."""
    if "sim" in request.fixturenames:
        simulator = request.getfixturevalue("sim")
        data = request.getfixturevalue("data")
        simulator.reset()
        simulator.set_config(json_style="em13", token_idle_timeout=900, bom=False)
        simulator.set_dataset(data)
    yield


class Client:
    """A tiny EM client bound to a simulator; all clients share one keep-alive connection pool."""

    http = requests.Session()
    # The token goes in its header (a test sends the cookie itself when it wants one): the simulator, like EM,
    # reads a token cookie before the header.
    http.cookies.set_policy(http_cookiejar.DefaultCookiePolicy(allowed_domains=[]))

    def __init__(self, simulator, token=None):
        self.sim = simulator
        self.token = token

    def url(self, path):
        """Absolute URL of an /api path."""
        return self.sim.base_url + path

    def request(self, method, path, headers=None, **kwargs):
        """Any request, with the session token when logged on."""
        headers = dict(headers or {})
        if self.token:
            headers["X-RestSvcSessionId"] = self.token
        timeout = kwargs.pop("timeout", 10)
        return self.http.request(method, self.url(path), headers=headers, verify=self.sim.ca_path, timeout=timeout, **kwargs)

    def get(self, path, **kwargs):
        """GET."""
        return self.request("GET", path, **kwargs)

    def logon(self, auth=ADMIN, **kwargs):
        """POST /sessionMngr; keeps the token."""
        resp = self.request("POST", "/api/sessionMngr/?v=latest", auth=auth, **kwargs)
        if resp.status_code == 201:
            self.token = resp.headers["X-RestSvcSessionId"]
        return resp

    def query(self, params, json_=False):
        """GET /query."""
        headers = {"Accept": "application/json"} if json_ else {}
        return self.get("/api/query", params=params, headers=headers)


def xml_of(resp):
    """Parse an XML response (fails the test when it is not well formed)."""
    assert resp.headers["Content-Type"].startswith("application/xml"), resp.headers
    assert int(resp.headers["Content-Length"]) == len(resp.content)
    return ET.fromstring(resp.content)


def error_message(resp):
    """The Message of an XML or JSON Error body."""
    if resp.headers["Content-Type"].startswith("application/json"):
        body = resp.json()
        return body.get("Message", body.get("message"))
    root = xml_of(resp)
    assert root.tag == NS + "Error"
    assert root.get("StatusCode") == str(resp.status_code)
    return root.get("Message")


@pytest.fixture()
def client(sim):
    """A logged-on administrator client."""
    one = Client(sim)
    assert one.logon().status_code == 201
    return one


# ---------------------------------------------------------------------------------------- filters

def _rec(**kwargs):
    base = {"uuid": "11111111-2222-4333-8444-555555555555", "name": "CDP Policy 1@2025-06-15 07:00:06",
            "policy_uuid": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "policy_name": "CDP Policy 1",
            "backup_server_uuid": "99999999-8888-4777-8666-555555555555", "backup_server_name": "srv01",
            "creation_time": datetime(2025, 6, 15, 7, 0, 6, 787000, tzinfo=timezone.utc), "end_time": None,
            "state": "Working", "result": "None", "failure_message": ""}
    base.update(kwargs)
    return base


@pytest.mark.parametrize("text,record,expected", [
    ("Result==Failed;State==Stopped,PolicyName==x", _rec(result="Failed", state="Working"), False),
    ("Result==Failed;State==Stopped,PolicyName==\"cdp policy 1\"", _rec(result="Failed", state="Working"), True),
    ("Result==Failed;(State==Stopped,PolicyName==\"CDP Policy 1\")", _rec(result="Success"), False),
    ("Result==Failed;(State==Stopped,PolicyName==\"CDP Policy 1\")", _rec(result="Failed"), True),
    ("PolicyName==x,Result==Failed;State==Stopped", _rec(result="Failed", state="Stopped"), True),
    ("((Result==Failed))", _rec(result="failed"), True),
    ("Result>Success", _rec(result="Warning"), True),
    ("Result>=Warning", _rec(result="Success"), False),
    ("Result<Success", _rec(result="None"), True),
    ("result<=failed", _rec(result="Failed"), True),
    ("State>=Working", _rec(state="Stopped"), True),
    ("PolicyName==\"Réplica \"\"Prod\"\"; A&B, Zürich\"", _rec(policy_name='Réplica "Prod"; A&B, Zürich'), True),
    ("PolicyName==\"a,b\";Result==None", _rec(policy_name="a,b"), True),
    ("PolicyName == CDP Policy 1 ", _rec(), True),
    ("CreationTimeUTC>=\"2025-06-15\"", _rec(), True),
    ("CreationTimeUTC>2025-06-15T07:00:06.787Z", _rec(), False),
    ("CreationTimeUTC>=2025-06-15T07:00:06.7870000Z", _rec(), True),
    ("CreationTimeUTC<2025-06-15T07:00:06", _rec(), False),
    ("EndTimeUTC>=2000-01-01", _rec(), False),
    ("EndTimeUTC!=2000-01-01", _rec(), False),
    ("Id==11111111-2222-4333-8444-555555555555", _rec(), True),
    ("Id==urn:veeam:CdpReplicaSession:11111111-2222-4333-8444-555555555555", _rec(), True),
    ("Id!=\"urn:veeam:CdpReplicaSession:11111111-2222-4333-8444-555555555555\"", _rec(), False),
    ("FailureMessage==\"\"", _rec(), True),
])
def test_filter_semantics(text, record, expected):
    """Precedence (AND over OR), grouping, quoting, enum order, times, uids."""
    assert parse_filter(text, "CdpReplicaSession")(record) is expected


def test_filter_types_other_than_cdp():
    """Boolean, Long and enum JobType fields."""
    rec = {"is_retry": True, "job_type": "Replica", "total_size": 3 * 2 ** 31, "uuid": "x"}
    assert parse_filter("IsRetry==TRUE;JobType==replica", "ReplicaJobSession")(rec)
    assert parse_filter("TotalSize>4294967296", "ReplicaTaskSession")(rec)
    assert not parse_filter("TotalSize<=4294967296", "replicatasksession")(rec)


@pytest.mark.parametrize("text", [
    "", "Result==", "Result=Failed", "Result Failed", "(Result==Failed", "Result==Failed)", "Result==Failed;",
    ",Result==Failed", "Name==\"abc", "Name==ab\"c", "Result==Bogus", "CreationTimeUTC>=yesterday",
    "Name==a;;Name==b", "()",
])
def test_filter_malformed(text):
    """Malformed filters raise FilterError."""
    with pytest.raises(FilterError):
        parse_filter(text, "CdpReplicaSession")


def test_filter_unknown_field_is_named():
    """Only the documented fields exist: CdpReplicaTaskSession has no Result, ReplicaJobSession no FailureMessage."""
    with pytest.raises(FilterError, match="Result"):
        parse_filter("Result==Failed", "CdpReplicaTaskSession")
    with pytest.raises(FilterError, match="FailureMessage"):
        parse_filter("FailureMessage==x", "ReplicaJobSession")
    with pytest.raises(FilterError, match="CreationTimeUTC"):
        parse_filter("CreationTimeUTC>=2025-01-01", "ReplicaJobSession")
    assert parse_filter("creationtime>=2025-01-01", "ReplicaJobSession")


def test_camel_and_time_format():
    """camelCase like System.Text.Json; times with 0-7 fraction digits."""
    assert [camel(k) for k in ("UID", "NASJobs", "VAppRestorePoints", "CreationTimeUTC", "IsRetry", "PagingInfo")] == [
        "uid", "nasJobs", "vAppRestorePoints", "creationTimeUTC", "isRetry", "pagingInfo"]
    assert format_time(datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)) == "2025-01-02T03:04:05Z"
    assert format_time(datetime(2025, 1, 2, 3, 4, 5, 780000, tzinfo=timezone.utc)) == "2025-01-02T03:04:05.78Z"
    assert format_time(datetime(2025, 1, 2, 3, 4, 5, 123457, tzinfo=timezone.utc), "000") == "2025-01-02T03:04:05.1234571Z"


# ---------------------------------------------------------------------------------------- dataset

def test_dataset_deterministic_and_round_trip(tmp_path):
    """Same seed and clock, same data; JSON round trip through a file."""
    first = ds.generate(seed=3, sessions=80, now=NOW)
    assert first.to_json() == ds.generate(seed=3, sessions=80, now=NOW).to_json()
    assert first.to_json() != ds.generate(seed=4, sessions=80, now=NOW).to_json()
    path = tmp_path / "data.json"
    first.to_json(str(path))
    again = ds.Dataset.from_json(str(path))
    assert again.to_json() == first.to_json()
    assert ds.Dataset.from_json(json.loads(path.read_text(encoding="utf-8"))).counts() == first.counts()


def test_dataset_shape():
    """Sessions, tasks per session, failures explained, running sessions, awkward names, big sizes."""
    data = ds.generate(seed=5, sessions=300, now=NOW, failure_rate=0.2, running=3)
    counts = data.counts()
    assert counts["cdp_replica_sessions"] == 150 and counts["replica_job_sessions"] == 150
    for kind in ("cdp_replica_sessions", "replica_job_sessions"):
        sessions = getattr(data, kind)
        running = [s for s in sessions if s["end_time"] is None]
        assert len(running) == 3 and all(s["state"] == "Working" and s["result"] == "None" for s in running)
        for session in sessions:
            tasks = data.tasks_of(session["uuid"])
            assert 1 <= len(tasks) <= 4
            assert session["creation_time"] <= NOW
            assert session["name"].endswith(session["creation_time"].strftime("@%Y-%m-%d %H:%M:%S"))
            if session["result"] == "Failed":
                assert any(t["result"] == "Failed" and t["reason"] for t in tasks)
    failed = [s for s in data.cdp_replica_sessions + data.replica_job_sessions if s["result"] == "Failed"]
    assert failed and any(s["failure_message"] == "" for s in failed)
    names = " ".join(p["name"] for p in data.cdp_policies + data.replica_jobs)
    names += " ".join(t["vm_display_name"] for t in data.replica_task_sessions + data.cdp_replica_task_sessions)
    for char in ['"', ";", ",", "&", "\\", "é", "ü", " "]:
        assert char in names
    assert any(t["total_size"] > 2 ** 31 for t in data.cdp_replica_task_sessions)
    healthy = ds.healthy(seed=5, sessions=300, now=NOW)
    for kind in ("cdp_replica_sessions", "replica_job_sessions", "cdp_replica_task_sessions", "replica_task_sessions"):
        assert not [r for r in getattr(healthy, kind) if r["result"] in ("Failed", "Warning")]
    plain = ds.generate(seed=5, sessions=20, now=NOW, awkward_names=False)
    assert all(p["name"].isascii() and '"' not in p["name"] for p in plain.cdp_policies + plain.replica_jobs)


def test_dataset_scale():
    """50,000 sessions are generated as asked (how long it takes is measured by make bench, not asserted here: a
    time limit in a test fails on a loaded machine and proves nothing about the code)."""
    big = ds.generate(seed=1, sessions=50000, now=NOW)
    assert big.counts()["cdp_replica_sessions"] + big.counts()["replica_job_sessions"] == 50000


def test_dataset_from_minimal_json():
    """Hand-written records get defaults and parent names."""
    data = ds.Dataset.from_json({
        "backup_servers": [{"uuid": "b0000000-0000-4000-8000-000000000001", "name": "srv"}],
        "cdp_policies": [{"uuid": "c0000000-0000-4000-8000-000000000001", "name": "P", "backup_server": "b0000000-0000-4000-8000-000000000001"}],
        "cdp_replica_sessions": [{"uuid": "d0000000-0000-4000-8000-000000000001", "policy_uuid": "c0000000-0000-4000-8000-000000000001",
                                  "creation_time": "2025-06-15T07:00:06.1234567Z", "end_time": "2025-06-15T08:00:00Z", "result": "Failed"}],
        "cdp_replica_task_sessions": [{"uuid": "e0000000-0000-4000-8000-000000000001", "session_uuid": "d0000000-0000-4000-8000-000000000001",
                                       "vm_display_name": "vm1", "result": "Failed", "reason": "boom"}],
    })
    session = data.cdp_replica_sessions[0]
    assert session["name"] == "P@2025-06-15 07:00:06" and session["backup_server_name"] == "srv" and session["state"] == "Stopped"
    assert session["creation_time"].microsecond == 123456
    task = data.cdp_replica_task_sessions[0]
    assert task["session_name"] == "P@2025-06-15 07:00:06" and task["state"] == "InProgress"


# ---------------------------------------------------------------------------------------- logon

def test_logon_success_xml_and_json(sim):
    """201, X-RestSvcSessionId (base64 of the SessionId), LogonSession body in XML and JSON."""
    one = Client(sim)
    resp = one.logon()
    assert resp.status_code == 201
    root = xml_of(resp)
    assert root.tag == NS + "LogonSession"
    session_id = root.find(NS + "SessionId").text
    assert root.find(NS + "UserName").text == "Administrator"
    assert base64.b64decode(resp.headers["X-RestSvcSessionId"]).decode() == session_id
    delete = [lnk for lnk in root.iter(NS + "Link") if lnk.get("Rel") == "Delete"]
    assert delete and delete[0].get("Href").endswith("/api/logonSessions/" + session_id)
    resp = Client(sim).logon(headers={"Accept": "application/json"})
    body = resp.json()
    assert resp.status_code == 201 and body["userName"] == "Administrator" and body["type"] == "LogonSession"
    assert body["links"][-1]["rel"] == "Delete"


def test_logon_errors(sim):
    """401 with WWW-Authenticate and an Error body; 415 for a body or a Content-Type."""
    for auth in [(ADMIN[0], "wrong"), ("nobody", ADMIN[1]), None]:
        resp = Client(sim).logon(auth=auth)
        assert resp.status_code == 401
        assert resp.headers["WWW-Authenticate"] == "Basic Realm=RestSvc"
        assert error_message(resp)
    resp = Client(sim).logon(data="x")
    assert resp.status_code == 415 and error_message(resp)
    resp = Client(sim).logon(headers={"Content-Type": "application/json"})
    assert resp.status_code == 415
    resp = requests.post(sim.base_url + "/api/sessionMngr/?v=latest", verify=sim.ca_path, timeout=5,
                         headers={"Authorization": "Basic !!notbase64"})
    assert resp.status_code == 401
    assert sim.open_logon_sessions() == 0 or all(e["status"] != 201 for e in sim.request_log())


def test_logon_backslash_user_and_colon_password(sim):
    """The Basic credentials are split on the first colon; UTF-8 passwords work."""
    resp = Client(sim).logon(auth=(COLON_USER[0].encode("utf-8"), COLON_USER[1].encode("utf-8")))
    assert resp.status_code == 201
    assert xml_of(resp).find(NS + "UserName").text == "TECH\\odd user"


def test_restricted_user_gets_403(sim, data):
    """restore_operator can log on but not read sessions."""
    one = Client(sim)
    assert one.logon(auth=OPERATOR).status_code == 201
    resp = one.query({"type": "CdpReplicaSession"})
    assert resp.status_code == 403 and error_message(resp) == "Access denied"
    resp = one.get("/api/cdpReplicaSessions/%s" % data.cdp_replica_sessions[0]["uuid"])
    assert resp.status_code == 403


def test_token_required_and_logout(sim):
    """401 without/with a bad token; DELETE logonSessions 204 then 404; the session count."""
    anonymous = Client(sim)
    assert anonymous.query({"type": "CdpReplicaSession"}).status_code == 401
    assert Client(sim, token="bm9wZQ==").query({"type": "CdpReplicaSession"}).status_code == 401
    before = sim.open_logon_sessions()
    one = Client(sim)
    resp = one.logon()
    session_id = xml_of(resp).find(NS + "SessionId").text
    assert sim.open_logon_sessions() == before + 1
    refs = xml_of(one.get("/api/logonSessions"))
    assert session_id in [r.get("UID").rsplit(":", 1)[1] for r in refs]
    lowercase = one.get("/api/query", params={"type": "BackupServer"}, headers={"x-restsvcsessionid": one.token})
    assert lowercase.status_code == 200
    assert one.request("DELETE", "/api/logonSessions/" + session_id).status_code == 204
    assert sim.open_logon_sessions() == before
    assert one.query({"type": "CdpReplicaSession"}).status_code == 401
    other = Client(sim)
    other.logon()
    assert other.request("DELETE", "/api/logonSessions/" + session_id).status_code == 404


def test_the_token_cookie_is_set_and_read_before_the_header(sim):
    """Like EM: the logon sets the token as a cookie, and a request with both is judged by the cookie."""
    one, two = Client(sim), Client(sim)
    resp = one.logon()
    assert resp.headers["Set-Cookie"] == "X-RestSvcSessionId=%s; Path=/api" % one.token
    two.logon()
    params = {"type": "BackupServer"}
    assert one.get("/api/query", params=params, headers={"Cookie": "X-RestSvcSessionId=" + two.token}).status_code == 200
    assert one.get("/api/query", params=params, headers={"Cookie": "X-RestSvcSessionId=bm9wZQ=="}).status_code == 401
    assert Client(sim).get("/api/query", params=params, headers={"Cookie": "X-RestSvcSessionId=" + two.token}).status_code == 200
    assert [entry["cookie"] for entry in sim.request_log()[-3:]] == [True, True, True]
    for client in (one, two):
        client.request("DELETE", "/api/logonSessions/" + base64.b64decode(client.token).decode("ascii"))


def test_token_idle_expiry(sim):
    """A token idle for longer than token_idle_timeout gets 401; use refreshes the timer."""
    sim.set_config(token_idle_timeout=0.25)
    one = Client(sim)
    one.logon()
    for dummy in range(3):
        time.sleep(0.1)
        assert one.query({"type": "BackupServer"}).status_code == 200
    time.sleep(0.35)
    assert one.query({"type": "BackupServer"}).status_code == 401


# ---------------------------------------------------------------------------------------- query

def test_query_paging(client, data):
    """PagesCount/PageNum math, Next/Previous/Last links escaped as &amp;, page beyond the end."""
    total = len(data.cdp_replica_sessions)
    size = 7
    pages = math.ceil(total / size)
    seen = []
    url = None
    for page in range(1, pages + 1):
        resp = client.query({"type": "cdpreplicasession", "pageSize": size, "page": page}) if url is None else client.get(url)
        assert "&amp;" in resp.text and "&page" not in resp.text
        root = xml_of(resp)
        paging = root.find(NS + "PagingInfo")
        assert (paging.get("PagesCount"), paging.get("PageSize"), paging.get("PageNum")) == (str(pages), str(size), str(page))
        rels = {lnk.get("Rel"): lnk.get("Href") for lnk in paging.iter(NS + "Link")}
        assert "First" in rels and "Last" in rels
        assert ("Previous" in rels) == (page > 1) and ("Next" in rels) == (page < pages)
        refs = root.find(NS + "Refs").findall(NS + "Ref")
        assert len(refs) == (size if page < pages else total - size * (pages - 1))
        assert all(r.get("Type") == "CdpReplicaSessionReference" for r in refs)
        seen.extend(r.get("UID") for r in refs)
        if "Next" in rels:
            url = urlsplit(rels["Next"])
            url = url.path + "?" + url.query
            assert parse_qs(url.split("?", 1)[1])["page"] == [str(page + 1)]
    assert len(seen) == len(set(seen)) == total
    resp = client.query({"type": "CdpReplicaSession", "pageSize": size, "page": pages + 5})
    root = xml_of(resp)
    assert root.find(NS + "Refs").findall(NS + "Ref") == []
    assert root.find(NS + "PagingInfo").get("PageNum") == str(pages + 5)
    default = xml_of(client.query({"type": "CdpReplicaTaskSession"})).find(NS + "PagingInfo")
    assert default.get("PageSize") == "100"
    for bad in ({"pageSize": 0}, {"pageSize": "x"}, {"page": 0}):
        assert client.query({"type": "CdpReplicaSession", **bad}).status_code == 400


def test_query_entities_xml(client, data):
    """Entities: CdpPolicySession items, element order, running session without EndTimeUTC."""
    resp = client.query({"type": "CdpReplicaSession", "format": "Entities", "filter": "State==Working"})
    root = xml_of(resp)
    items = root.find(NS + "Entities").find(NS + "CdpReplicaSessions").findall(NS + "CdpPolicySession")
    assert len(items) == len([s for s in data.cdp_replica_sessions if s["state"] == "Working"]) > 0
    item = items[0]
    assert item.get("Type") == "CdpReplicaSession" and item.get("Href").endswith("?format=Entity")
    assert [c.tag[len(NS):] for c in item] == ["Links", "PolicyUid", "PolicyName", "PolicyType", "CreationTimeUTC", "State",
                                               "Result", "Progress", "FailureMessage", "IsRetry"]
    assert item.find(NS + "Result").text == "None" and item.find(NS + "FailureMessage").text is None
    resp = client.query({"type": "ReplicaJobSession", "format": "entities", "filter": "State==Stopped", "pageSize": 1})
    item = xml_of(resp).find(NS + "Entities").find(NS + "ReplicaJobSessions")[0]
    assert [c.tag[len(NS):] for c in item] == ["Links", "JobUid", "JobName", "JobType", "CreationTimeUTC", "EndTimeUTC", "State",
                                               "Result", "Progress", "IsRetry"]
    down = [lnk for lnk in item.iter(NS + "Link") if lnk.get("Rel") == "Down"][0]
    assert down.get("Href").endswith("/repicaTaskSessions")
    resp = client.query({"type": "CdpReplicaTaskSession", "format": "Entities", "pageSize": 1})
    item = xml_of(resp).find(NS + "Entities").find(NS + "CdpReplicaTaskSessions")[0]
    assert "/api/replicaTaskSessions/" in item.get("Href") and item.get("VmDisplayName")
    assert [c.tag[len(NS):] for c in item][-4:] == ["State", "Result", "Reason", "TotalSize"]
    resp = client.query({"type": "ReplicaTaskSession", "format": "Entities", "filter": "Result==Failed"})
    items = xml_of(resp).find(NS + "Entities").find(NS + "ReplicaTaskSessions")
    assert len(items) and all(i.find(NS + "Reason").text for i in items)


def test_query_filters_over_http(client, data):
    """Awkward names with doubled quotes, enum order, case-insensitive names, 400s naming the field."""
    policy = [p for p in data.cdp_policies if '"' in p["name"]][0]
    quoted = '"%s"' % policy["name"].replace('"', '""')
    resp = client.query({"type": "CdpReplicaSession", "filter": "policyname==%s" % quoted, "pageSize": 1000})
    expected = [s for s in data.cdp_replica_sessions if s["policy_uuid"] == policy["uuid"]]
    assert len(xml_of(resp).find(NS + "Refs")) == len(expected) > 0
    resp = client.query({"type": "ReplicaJobSession", "filter": "Result>=Warning;(IsRetry==false,IsRetry==true)", "pageSize": 1000})
    expected = [s for s in data.replica_job_sessions if s["result"] in ("Warning", "Failed")]
    assert len(xml_of(resp).find(NS + "Refs")) == len(expected) > 0
    job = data.replica_jobs[0]
    resp = client.query({"type": "ReplicaTaskSession", "filter": "JobUid==urn:veeam:Job:%s" % job["uuid"].upper(), "pageSize": 1000})
    assert len(xml_of(resp).find(NS + "Refs")) == len([t for t in data.replica_task_sessions if t["job_uuid"] == job["uuid"]])
    resp = client.query({"type": "CdpReplicaTaskSession", "filter": "Result==Failed"})
    assert resp.status_code == 400 and "Result" in error_message(resp)
    resp = client.query({"type": "CdpReplicaSession", "filter": "Result==Failed;(State==Stopped"})
    assert resp.status_code == 400 and error_message(resp)
    assert client.query({"type": "NoSuchType"}).status_code == 400
    assert client.query({"type": "CdpReplicaSession", "format": "Nonsense"}).status_code == 400
    assert client.query({"type": "CdpReplicaSession", "sortAsc": "Nonsense"}).status_code == 400


def test_query_sorting(client, data):
    """sortAsc / sortDesc on any documented field."""
    resp = client.query({"TYPE": "ReplicaJobSession", "FORMAT": "Entities", "SortDesc": "CreationTime", "PageSize": 1000}, json_=True)
    items = resp.json()["entities"]["replicaJobSessions"]["replicaJobSessions"]
    times = [ds._utc(i["creationTimeUTC"]) for i in items]  # pylint: disable=protected-access
    assert times == sorted(times, reverse=True) and len(times) == len(data.replica_job_sessions)
    resp = client.query({"type": "CdpReplicaSession", "format": "Entities", "sortAsc": "Result", "pageSize": 1000}, json_=True)
    results = [i["result"] for i in resp.json()["entities"]["cdpReplicaSessions"]["cdpReplicaSessions"]]
    order = ["None", "Success", "Warning", "Failed"]
    assert [order.index(r) for r in results] == sorted(order.index(r) for r in results)


def test_json_styles(client, sim):
    """EM 13 camelCase at every depth; EM 12 PascalCase with all 50 list keys present."""
    resp = client.query({"type": "ReplicaTaskSession", "format": "Entities", "pageSize": 2}, json_=True)
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert list(body) == ["refs", "entities", "resources", "links", "pagingInfo"]
    assert len(body["entities"]) == 50 and body["entities"]["nasJobs"] is None
    item = body["entities"]["replicaTaskSessions"]["replicaTaskSessions"][0]
    assert list(item)[:2] == ["jobSessionUid", "creationTimeUTC"] and item["links"][0]["rel"] == "Up"
    assert isinstance(item["totalSize"], int) and item["type"] == "ReplicaTaskSession"
    assert set(body["pagingInfo"]) == {"links", "pageNum", "pageSize", "pagesCount"}
    sim.set_config(json_style="em12")
    body = client.query({"type": "CdpReplicaSession", "format": "Entities", "pageSize": 2, "filter": "CreationTimeUTC>=2000-01-01"},
                        json_=True).json()
    assert list(body["Entities"]) == ENTITY_LIST_KEYS
    assert [k for k, v in body["Entities"].items() if v is not None] == ["CdpReplicaSessions"]
    item = body["Entities"]["CdpReplicaSessions"]["CdpReplicaSessions"][0]
    assert item["Type"] == "CdpReplicaSession" and "UID" in item and "FailureMessage" in item
    assert "%3e%3d" in body["PagingInfo"]["Links"][0]["Href"]
    refs = client.query({"type": "BackupServer"}, json_=True).json()
    assert refs["Entities"] is None and refs["Refs"]["Refs"][0]["Type"] == "BackupServerReference"
    resp = client.query({"type": "CdpReplicaTaskSession", "filter": "Bogus==1"}, json_=True)
    assert resp.status_code == 400
    assert list(resp.json()) == ["FirstChanceExceptionMessage", "Message", "StackTrace", "Status", "StatusCode"]
    sim.set_config(json_style="em13")
    resp = client.query({"type": "CdpReplicaTaskSession", "filter": "Bogus==1"}, json_=True)
    assert resp.json()["statusCode"] == 400 and "Bogus" in resp.json()["message"]


@pytest.mark.parametrize("qtype,key", [
    ("CdpReplicaSession", "cdp_replica_sessions"), ("CdpReplicaTaskSession", "cdp_replica_task_sessions"),
    ("ReplicaJobSession", "replica_job_sessions"), ("ReplicaTaskSession", "replica_task_sessions"),
    ("BackupServer", "backup_servers"),
    ("BackupJobSession", "backup_job_sessions"), ("BackupTaskSession", "backup_task_sessions"),
])
def test_every_type_every_format_parses(client, sim, data, qtype, key):
    """Every query type in References/Entities, XML/em12/em13: well formed, names (awkward ones included) intact."""
    expected = sorted(r["name"] for r in getattr(data, key))
    for fmt in ("References", "Entities"):
        root = xml_of(client.query({"type": qtype, "format": fmt, "pageSize": 1000}))
        names = sorted(e.get("Name") for e in root.iter() if e.get("UID"))
        assert names == expected
        for style in ("em12", "em13"):
            sim.set_config(json_style=style)
            body = client.query({"type": qtype, "format": fmt, "pageSize": 1000}, json_=True).json()
            refs = body["Refs" if style == "em12" else "refs"]
            entities = body["Entities" if style == "em12" else "entities"]
            if fmt == "References":
                items = list(refs.values())[0]
            else:
                items = [v for v in entities.values() if v is not None][0]
                items = list(items.values())[0]
            assert sorted(i["Name" if style == "em12" else "name"] for i in items) == expected
        sim.set_config(json_style="em13")


# ---------------------------------------------------------------------------------------- entities

def test_entity_gets(client, data):
    """Entity, EntityRef, child lists, the typo path, 404s; every XML body well formed."""
    session = [s for s in data.replica_job_sessions if s["end_time"] is not None][0]
    root = xml_of(client.get("/api/replicaSessions/%s?format=Entity" % session["uuid"]))
    assert root.tag == NS + "ReplicaJobSession" and root.find(NS + "EndTimeUTC") is not None
    ref = xml_of(client.get("/api/replicaSessions/%s" % session["uuid"]))
    assert ref.tag == NS + "EntityRef" and ref.get("Type") == "ReplicaJobSessionReference"
    tasks = xml_of(client.get("/api/replicaSessions/%s/repicaTaskSessions" % session["uuid"]))
    assert tasks.tag == NS + "EntityReferences" and len(tasks) == len(data.tasks_of(session["uuid"]))
    task_id = tasks[0].get("UID").rsplit(":", 1)[1]
    for path in ("replicaTaskSessions", "repicaTaskSessions"):
        assert xml_of(client.get("/api/%s/%s?format=Entity" % (path, task_id))).tag == NS + "ReplicaTaskSession"
    cdp = data.cdp_replica_sessions[0]
    root = xml_of(client.get("/api/cdpReplicaSessions/%s?format=Entity" % cdp["uuid"]))
    assert root.tag == NS + "CdpReplicaSession" and root.find(NS + "PolicyName").text == cdp["policy_name"]
    children = xml_of(client.get("/api/cdpReplicaSessions/%s/cdpReplicaTaskSessions" % cdp["uuid"]))
    child_id = children[0].get("UID").rsplit(":", 1)[1]
    assert xml_of(client.get("/api/cdpReplicaTaskSessions/%s?format=Entity" % child_id)).get("VmDisplayName")
    server = data.backup_servers[0]
    assert xml_of(client.get("/api/backupServers/%s?format=Entity" % server["uuid"])).get("Name") == server["name"]
    assert xml_of(client.get("/api/backupServers")).tag == NS + "EntityReferences"
    for path in ("/api/cdpReplicaSessions/00000000-0000-4000-8000-000000000000", "/api/nothing", "/api/replicaSessions/x/y"):
        resp = client.get(path)
        assert resp.status_code == 404 and error_message(resp)
    assert client.request("POST", "/api/query?type=BackupServer").status_code == 405
    assert xml_of(Client(client.sim).get("/api/")).tag == NS + "EnterpriseManager"


# ---------------------------------------------------------------------------------------- faults

def test_fault_status_with_retry_after(client, sim):
    """A counted status fault filtered on the path; Retry-After header."""
    sim.set_faults({"status": {"code": 503, "count": 2, "retry_after": 1, "path_contains": "/query"}})
    assert client.get("/api/backupServers").status_code == 200
    for dummy in range(2):
        resp = client.query({"type": "BackupServer"})
        assert resp.status_code == 503 and resp.headers["Retry-After"] == "1" and error_message(resp)
    assert client.query({"type": "BackupServer"}).status_code == 200


def test_fault_drop_malformed_delay_expire(client, sim):
    """drop closes the connection; malformed gives 200 with a broken body; delay; expire_tokens."""
    resp = requests.post(sim.base_url + "/_sim/faults", json={"drop": {"count": 1}}, verify=sim.ca_path, timeout=5)
    assert resp.status_code == 200 and resp.json()["drop"]["count"] == 1
    with pytest.raises(requests.exceptions.ConnectionError):
        client.query({"type": "BackupServer"})
    assert client.query({"type": "BackupServer"}).status_code == 200
    sim.set_faults(malformed={"count": 1, "path_contains": "type=BackupServer"})
    resp = client.query({"type": "BackupServer"})
    assert resp.status_code == 200
    with pytest.raises(ET.ParseError):
        ET.fromstring(resp.content)
    sim.set_faults(malformed={"count": 1})
    resp = client.query({"type": "BackupServer"}, json_=True)
    with pytest.raises(ValueError):
        resp.json()
    sim.set_faults(delay=0.3)
    started = time.monotonic()
    assert client.query({"type": "BackupServer"}).status_code == 200
    assert time.monotonic() - started >= 0.3
    sim.set_faults(delay=0)
    requests.post(sim.base_url + "/_sim/faults", json={"expire_tokens": True}, verify=sim.ca_path, timeout=5)
    assert sim.open_logon_sessions() == 0
    assert client.query({"type": "BackupServer"}).status_code == 401
    log = sim.request_log()
    assert [e["status"] for e in log].count(None) == 1


def test_control_endpoints_and_log_has_no_secrets(sim):
    """/_sim/state, /_sim/config, /_sim/dataset, /_sim/reset, /_sim/log; never a secret in the log."""
    base = sim.base_url
    one = Client(sim)
    one.logon()
    Client(sim).logon(auth=(ADMIN[0], "bad " + ADMIN[1]))
    Client(sim).logon(auth=COLON_USER)
    one.query({"type": "CdpReplicaSession", "filter": "State==Working"})
    log = requests.get(base + "/_sim/log", verify=sim.ca_path, timeout=5).json()
    assert [e["status"] for e in log] == [201, 401, 201, 200]
    assert set(log[0]) == {"method", "path", "query", "status", "accept", "cookie", "duration_ms"}
    assert log[3]["query"] == {"type": "CdpReplicaSession", "filter": "State==Working"}
    text = json.dumps(log, ensure_ascii=False)
    for secret in SECRETS + [one.token, "Authorization", "Basic "]:
        assert secret not in text
    state = requests.get(base + "/_sim/state", verify=sim.ca_path, timeout=5).json()
    assert state["requests"] == 4 and state["open_logon_sessions"] == sim.open_logon_sessions()
    assert requests.post(base + "/_sim/config", json={"bom": True}, verify=sim.ca_path, timeout=5).json()["bom"] is True
    resp = one.query({"type": "BackupServer"})
    assert resp.content.startswith(b"\xef\xbb\xbf")
    ET.fromstring(resp.content)
    assert requests.post(base + "/_sim/config", json={"json_style": "em11"}, verify=sim.ca_path, timeout=5).status_code == 400
    small = ds.generate(seed=2, sessions=4, running=0, now=NOW)
    resp = requests.post(base + "/_sim/dataset", json=small.to_json(), verify=sim.ca_path, timeout=5)
    assert resp.json()["cdp_replica_sessions"] == 2
    sim.set_config(bom=False)
    assert len(xml_of(one.query({"type": "CdpReplicaSession"})).find(NS + "Refs")) == 2
    resp = requests.post(base + "/_sim/dataset", json={"generate": {"seed": 3, "sessions": 10}}, verify=sim.ca_path, timeout=5)
    assert resp.json()["replica_job_sessions"] == 5
    requests.post(base + "/_sim/reset", verify=sim.ca_path, timeout=5)
    assert requests.get(base + "/_sim/log", verify=sim.ca_path, timeout=5).json() == []
    assert requests.get(base + "/_sim/nope", verify=sim.ca_path, timeout=5).status_code == 404


def test_plain_http_keepalive():
    """tls=False serves plain HTTP; several requests over one keep-alive connection."""
    small = ds.generate(seed=1, sessions=6, now=NOW)
    with Simulator(dataset=small, tls=False) as simulator:
        assert simulator.base_url.startswith("http://") and simulator.ca_path is None
        with requests.Session() as session:
            resp = session.post(simulator.base_url + "/api/sessionMngr/?v=v1_7", auth=ADMIN, timeout=5)
            assert resp.status_code == 201
            session.headers["X-RestSvcSessionId"] = resp.headers["X-RestSvcSessionId"]
            for dummy in range(3):
                assert session.get(simulator.base_url + "/api/query?type=BackupServer", timeout=5).status_code == 200
        assert simulator.open_logon_sessions() == 1


def test_cli(tmp_path):
    """python -m emsim writes server.json atomically, serves, logs to requests.log and stops on SIGTERM."""
    state = tmp_path / "state"
    data_file = tmp_path / "data.json"
    ds.generate(seed=9, sessions=6, running=1, now=NOW).to_json(str(data_file))
    proc = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "-m", "emsim", "--port", "0", "--state-dir", str(state), "--dataset", str(data_file), "--quiet",
         "--json-style", "em12"],
        cwd=os.path.dirname(os.path.abspath(__file__)), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not (state / "server.json").exists():
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        info = json.loads((state / "server.json").read_text())
        assert set(info) == {"url", "port", "pid", "ca_path", "username", "password"}
        assert info["url"].startswith("https://") and os.path.exists(info["ca_path"])
        resp = requests.post(info["url"] + "/api/sessionMngr/?v=latest", auth=(info["username"], info["password"]),
                             headers={"Accept": "application/json"}, verify=info["ca_path"], timeout=5)
        assert resp.status_code == 201 and "SessionId" in resp.json()
        resp = requests.get(info["url"] + "/api/query?type=ReplicaJobSession&format=Entities", verify=info["ca_path"], timeout=5,
                            headers={"X-RestSvcSessionId": resp.headers["X-RestSvcSessionId"], "Accept": "application/json"})
        assert len(resp.json()["Entities"]["ReplicaJobSessions"]["ReplicaJobSessions"]) == 3
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert info["password"].encode() not in out + err
        lines = (state / "requests.log").read_text().splitlines()
        assert json.loads(lines[0])["status"] == 201
        assert not (state / "server.json").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------------------------------- backup sessions

def test_backup_sessions_leave_the_other_records_of_a_seed_as_they_were():
    """Backup records come from a random stream of their own: every other record of a seed is unchanged.

    The CDP and replication records of a seed are the same with and without backup sessions.
    """
    data = ds.generate(seed=3, sessions=80, now=NOW).to_json()
    without = ds.generate(seed=3, sessions=80, now=NOW, backup_sessions=0).to_json()
    kinds = ("cdp_replica_sessions", "cdp_replica_task_sessions", "replica_job_sessions", "replica_task_sessions",
             "cdp_policies", "replica_jobs")
    for kind in kinds:
        assert data[kind] == without[kind], kind
    assert data["cdp_replica_sessions"] and data["replica_job_sessions"]
    assert [len(data[kind]) for kind in ("backup_jobs", "backup_job_sessions")] == [9, 40]
    assert ds.generate(seed=3, sessions=80, now=NOW, backup_sessions=0).to_json()["backup_job_sessions"] == []
    assert len(ds.generate(seed=3, sessions=80, now=NOW, backup_sessions=7).backup_job_sessions) == 7


def test_backup_dataset_shape(data):
    """Every documented job type but the child ones, results explained by task sessions, running sessions."""
    sessions = data.backup_job_sessions
    assert {s["job_type"] for s in sessions} <= {job["job_type"] for job in data.backup_jobs}
    assert {job["job_type"] for job in data.backup_jobs} == {
        "Backup", "BackupCopy", "ImmediateBackupCopy", "AgentBackup", "NasBackup"}
    running = [s for s in sessions if s["end_time"] is None]
    assert len(running) == 2 and all(s["result"] == "None" and s["state"] == "Working" for s in running)
    for session in sessions:
        tasks = data.tasks_of(session["uuid"])
        assert tasks and all(t["job_uuid"] == session["job_uuid"] for t in tasks)
        if session["result"] == "Failed":
            assert any(t["result"] == "Failed" and t["reason"] for t in tasks)


def test_backup_sessions_over_http(client, data):
    """Query with the documented filter fields, the entity, the task list and the task entity."""
    session = [s for s in data.backup_job_sessions if s["end_time"] is not None][0]
    root = xml_of(client.get("/api/backupSessions/%s?format=Entity" % session["uuid"]))
    assert root.tag == NS + "BackupJobSession"
    assert [child.tag[len(NS):] for child in root][:4] == ["Links", "JobUid", "JobName", "JobType"]
    assert root.find(NS + "JobType").text == session["job_type"]
    tasks = xml_of(client.get("/api/backupSessions/%s/taskSessions" % session["uuid"]))
    assert len(tasks) == len(data.tasks_of(session["uuid"]))
    task_id = tasks[0].get("UID").rsplit(":", 1)[1]
    task = xml_of(client.get("/api/backupTaskSessions/%s?format=Entity" % task_id))
    assert task.tag == NS + "BackupTaskSession" and task.get("VmDisplayName")
    assert task.find(NS + "JobSessionUid").text == "urn:veeam:BackupJobSession:%s" % session["uuid"]
    job_type = session["job_type"]
    body = client.query({"type": "BackupJobSession", "format": "Entities", "pageSize": 1000,
                         "filter": 'JobType=="%s";IsRetry==false;CreationTime>="2000-01-01"' % job_type},
                        json_=True).json()
    got = sorted(item["uid"].rsplit(":", 1)[1] for item in body["entities"]["backupJobSessions"]["backupJobSessions"])
    assert got == sorted(s["uuid"] for s in data.backup_job_sessions if s["job_type"] == job_type and not s["is_retry"])
    body = client.query({"type": "BackupTaskSession", "format": "Entities", "pageSize": 1000,
                         "filter": "JobSessionUid==urn:veeam:BackupJobSession:%s" % session["uuid"]}, json_=True).json()
    assert len(body["entities"]["backupTaskSessions"]["backupTaskSessions"]) == len(data.tasks_of(session["uuid"]))
    resp = client.query({"type": "BackupJobSession", "filter": "JobType==Replica"})
    assert resp.status_code == 400 and "JobType" in error_message(resp)
    resp = client.query({"type": "BackupTaskSession", "filter": "FailureMessage==x"})
    assert resp.status_code == 400
