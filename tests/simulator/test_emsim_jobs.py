"""The simulator's jobs and CDP policies: Job and CdpPolicy over the query service and their entity URLs."""

# pylint: disable=consider-using-f-string

import os
import sys
from datetime import datetime, timezone

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from emsim import dataset as ds  # noqa: E402  pylint: disable=wrong-import-position
from emsim.server import Simulator  # noqa: E402  pylint: disable=wrong-import-position

NOW = datetime(2025, 6, 17, 12, 0, tzinfo=timezone.utc)
AUTH = ("Administrator", "Sup3r-S3cret!Pa55")


@pytest.fixture(scope="module")
def sim():
    with Simulator(dataset=ds.generate(seed=7, sessions=120, now=NOW)) as server:
        yield server


@pytest.fixture(scope="module")
def api(sim):
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would replace verify
    session.verify = sim.ca_path
    answer = session.post(sim.base_url + "/api/sessionMngr/?v=latest", auth=AUTH, timeout=10)
    assert answer.status_code == 201
    session.headers["X-RestSvcSessionId"] = answer.headers["X-RestSvcSessionId"]
    session.headers["Accept"] = "application/json"
    yield lambda path, **params: session.get(sim.base_url + "/api" + path, params=params, timeout=10)
    session.close()


def entities(answer, key):
    assert answer.status_code == 200, answer.text
    return answer.json()["entities"][key][key]


def test_every_session_belongs_to_a_listed_job_or_policy():
    data = ds.generate(seed=7, sessions=120, now=NOW)
    jobs = {job["uuid"] for job in data.jobs}
    policies = {policy["uuid"] for policy in data.cdp_policies}
    assert {session["job_uuid"] for session in data.replica_job_sessions} <= jobs
    assert {session["policy_uuid"] for session in data.cdp_replica_sessions} <= policies
    # Some own sessions and have their schedule disabled; some own none.
    disabled = [job for job in data.replica_jobs if not job["schedule_enabled"]]
    assert any(session["job_uuid"] == disabled[0]["uuid"] for session in data.replica_job_sessions)
    assert any(not policy["schedule_enabled"] for policy in data.cdp_policies)
    idle = {job["uuid"] for job in data.replica_jobs} - {session["job_uuid"] for session in data.replica_job_sessions}
    assert {job["name"] for job in data.replica_jobs if job["uuid"] in idle} == {
        "Archive Replication (disabled)", "Weekly DR Replication"}
    assert {"Replica", "Backup", "BackupCopy", "ImmediateBackupCopy"} <= {job["job_type"] for job in data.jobs}


def test_jobs_and_policies_are_stable_and_leave_the_seeded_sessions_alone():
    one = ds.generate(seed=7, sessions=120, now=NOW)
    two = ds.generate(seed=7, sessions=120, now=NOW)
    assert one.to_json() == two.to_json()
    assert [job["uuid"] for job in one.jobs] == [job["uuid"] for job in two.jobs]
    # The seeded draws are those of a data set without the additions: the first job is still drawn first.
    assert one.replica_jobs[0]["name"] == "Replication Job 1"


def test_failure_reasons_fit_the_kind():
    data = ds.generate(seed=7, sessions=600, now=NOW, failure_rate=0.3, warning_rate=0.3)
    replica_reasons = {task["reason"] for task in data.replica_task_sessions if task["reason"]}
    cdp_reasons = {task["reason"] for task in data.cdp_replica_task_sessions if task["reason"]}
    assert replica_reasons and cdp_reasons
    assert not [reason for reason in replica_reasons if "CDP" in reason or "RPO" in reason]
    assert any("RPO" in reason for reason in cdp_reasons)


def test_query_jobs_by_type_and_schedule(api):
    jobs = entities(api("/query", type="Job", format="Entities", sortAsc="Name",
                        filter='JobType=="Replica";ScheduleEnabled=="false"'), "jobs")
    assert [job["name"] for job in jobs] == ["Archive Replication (disabled)", "Replication Job 2"]
    assert all(job["jobType"] == "Replica" and job["scheduleEnabled"] is False for job in jobs)
    assert "nextRun" in jobs[0] and jobs[0]["nextRun"] is None
    backup = entities(api("/query", type="Job", format="Entities", filter="JobType==Backup"), "jobs")
    names = [job["name"] for job in backup]
    assert "Backup Job 1" in names and len(names) == len(set(names))
    assert all(job["jobType"] == "Backup" for job in backup)


def test_query_and_entity_of_a_cdp_policy(api, sim):
    policies = entities(api("/query", type="CdpPolicy", format="Entities", filter='Name=="CDP Policy 2"'),
                        "cdpPolicies")
    assert len(policies) == 1
    policy = policies[0]
    assert policy["scheduleEnabled"] is False
    # 120 s were set as 2 minutes: EM keeps the unit.
    assert policy["policyScheduleOptions"]["cdpReplica"] == {
        "recoveryPointObjectiveSeconds": 0, "recoveryPointObjectiveMinutes": 2,
        "shortTermRetentionMinutes": 0, "shortTermRetentionHours": 4}
    uuid = policy["uid"].rsplit(":", 1)[-1]
    one = api("/cdpPolicies/%s" % uuid, format="Entity")
    assert one.status_code == 200 and one.json()["name"] == "CDP Policy 2"
    assert [link["rel"] for link in one.json()["links"]][-1] == "Enable"
    with requests.Session() as anonymous:
        anonymous.trust_env = False
        answer = anonymous.get(sim.base_url + "/api/cdpPolicies/%s?format=Entity" % uuid, verify=sim.ca_path, timeout=10)
    assert answer.status_code == 401


def test_unknown_job_is_404(api):
    assert api("/jobs/00000000-0000-4000-8000-000000000000", format="Entity").status_code == 404
    assert api("/query", type="Job", filter="PolicyType==CdpReplica").status_code == 400


def test_idle_false_leaves_out_the_jobs_without_sessions():
    data = ds.healthy(seed=7, sessions=120, now=NOW, idle=False)
    owners = {session["job_uuid"] for session in data.replica_job_sessions}
    assert {job["uuid"] for job in data.replica_jobs} == owners
    assert ds.healthy(seed=7, sessions=120, now=NOW, idle=False).replica_job_sessions == \
        ds.healthy(seed=7, sessions=120, now=NOW).replica_job_sessions
