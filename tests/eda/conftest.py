"""Fixtures for the tests of the Event-Driven Ansible source: the EM simulator over HTTPS, the source
loaded the way ansible-rulebook loads it (by file path, not as ansible_collections), and a list-backed
queue such as ansible.eda's own source tests use.

Run by ``make eda`` from the copied collection tree (build/ansible_collections/veeam/enterprise_manager).
"""

import asyncio
import datetime
import importlib.util
import os
import sys
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
SOURCE_PATH = os.path.join(COLLECTION, 'extensions', 'eda', 'plugins', 'event_source', 'session_events.py')
sys.path.insert(0, os.path.join(COLLECTION, 'tests', 'simulator'))

from emsim.dataset import generate, iso  # noqa: E402  pylint: disable=wrong-import-position
from emsim.server import DEFAULT_USERS, Simulator  # noqa: E402  pylint: disable=wrong-import-position

USERNAME = 'Administrator'
PASSWORD = DEFAULT_USERS[USERNAME][0]
UTC = datetime.timezone.utc


def load_source():
    """The source module, run from its file as ansible-rulebook does (runpy there, a fresh module here)."""
    spec = importlib.util.spec_from_file_location('veeam_em_session_events_under_test', SOURCE_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def source():
    return load_source()


def fresh_dataset():
    """Sessions over the last six hours, ending up to a minute ago: several failures in the last hour."""
    now = datetime.datetime.now(UTC).replace(second=0, microsecond=0)
    return generate(seed=11, sessions=120, days=0.25, failure_rate=0.3, warning_rate=0.1, running=1, now=now)


@pytest.fixture(scope='session')
def sim(tmp_path_factory):
    simulator = Simulator(dataset=fresh_dataset(), tls=True, cert_dir=str(tmp_path_factory.mktemp('eda-sim-certs')))
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture(autouse=True)
def clean_sim(request):
    """Each test starts with a fresh data set, no faults, an empty log and EM's 15-minute token timeout."""
    if 'sim' in request.fixturenames:
        simulator = request.getfixturevalue('sim')
        simulator.set_dataset(fresh_dataset())
        simulator.reset()
        simulator.set_config(token_idle_timeout=900)
        # Tokens left by an earlier test must not count as this test's open logon sessions.
        simulator.set_faults(expire_tokens=True)
    yield


class ListQueue:
    """What the source sees of ansible-rulebook's queue: events are appended to a list."""

    def __init__(self):
        self.events = []

    async def put(self, event):
        self.events.append(event)

    def uids(self):
        return [event['veeam_em']['uid'] for event in self.events]


@pytest.fixture
def queue():
    return ListQueue()


# The source refuses an interval under 5 s; tests poll faster through its test-only variable (not a user option).
TEST_INTERVAL_VARIABLE = '_VEEAM_EM_SESSION_EVENTS_TEST_INTERVAL'


def fast_polls(monkeypatch, seconds=0.3):
    """Make the source poll every ``seconds`` whatever its interval argument says."""
    monkeypatch.setenv(TEST_INTERVAL_VARIABLE, str(seconds))


@pytest.fixture
def args(sim, monkeypatch):
    """Source arguments for the simulator, polling every 0.3 s; a test changes what it needs."""
    fast_polls(monkeypatch)
    return {
        'host': '127.0.0.1', 'port': sim.port, 'username': USERNAME, 'password': PASSWORD, 'ca_path': sim.ca_path,
        'timeout': 5, 'retries': 0, 'interval': '5s', 'ended_within': '1h', 'kinds': ['cdp_replica_sessions'],
    }


def query_count(sim, query_type=None):
    """How many query-service requests the simulator has answered (of one type, if given)."""
    return sum(1 for entry in sim.request_log()
               if entry['path'].rstrip('/').lower().endswith('/api/query')
               and (query_type is None or str((entry.get('query') or {}).get('type', '')).lower() == query_type.lower()))


async def wait_for(predicate, timeout=20.0, what='the condition'):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError('timed out after %.0f s waiting for %s' % (timeout, what))
        await asyncio.sleep(0.05)


async def wait_for_polls(sim, count, query_type='CdpReplicaSession', timeout=20.0):
    """Wait until ``count`` polls have started; every poll before the last one has then been handled."""
    await wait_for(lambda: query_count(sim, query_type) >= count, timeout, '%d polls' % count)


def failed_cdp_session(sim, ended_ago, created_ago=None, message='Error: Job finished with errors'):
    """A failed CDP session record (dataset JSON form) that ended ``ended_ago`` seconds ago."""
    now = datetime.datetime.now(UTC)
    created = now - datetime.timedelta(seconds=created_ago if created_ago is not None else ended_ago + 600)
    policy = sim.dataset.cdp_policies[0]
    return {
        'uuid': str(uuid.uuid4()), 'policy_uuid': policy['uuid'], 'creation_time': iso(created),
        'end_time': iso(now - datetime.timedelta(seconds=ended_ago)), 'state': 'Stopped', 'result': 'Failed',
        'progress': 0, 'failure_message': message,
    }


def failed_cdp_task_session(sim, session, vm, reason, ended_ago):
    """A failed CDP task session record (dataset JSON form) of ``session`` for the VM ``vm``."""
    now = datetime.datetime.now(UTC)
    return {
        'uuid': str(uuid.uuid4()), 'session_uuid': session['uuid'], 'vm_display_name': vm,
        'creation_time': session['creation_time'], 'end_time': iso(now - datetime.timedelta(seconds=ended_ago)),
        'state': 'Completed', 'result': 'Failed', 'reason': reason,
    }


def expected_failed(sim, kind, within):
    """UIDs of the data set's finished Failed items of one dataset kind that ended within ``within`` seconds."""
    since = datetime.datetime.now(UTC) - datetime.timedelta(seconds=within)
    types = {'cdp_replica_sessions': 'CdpReplicaSession', 'cdp_replica_task_sessions': 'CdpReplicaTaskSession',
             'replica_job_sessions': 'ReplicaJobSession'}
    return {'urn:veeam:%s:%s' % (types[kind], item['uuid']) for item in getattr(sim.dataset, kind)
            if item['result'] == 'Failed' and item['end_time'] is not None and item['end_time'] >= since}


async def stop(task):
    """Cancel the source as ansible-rulebook does on shutdown, and let it finish."""
    task.cancel()
    try:
        await asyncio.wait_for(task, 15)
    except asyncio.CancelledError:
        pass
