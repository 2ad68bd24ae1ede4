"""Fixtures for the functional tests: the EM simulator over real HTTPS, and clients pointed at it.

These tests import the collection as ``ansible_collections.veeam.enterprise_manager`` (``make functional``
puts the build tree on PYTHONPATH) and the simulator from ``tests/simulator``.
"""

import datetime
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'simulator'))

from emsim.dataset import Dataset, generate  # noqa: E402  pylint: disable=wrong-import-position
from emsim.server import Simulator  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.veeam.enterprise_manager.plugins.module_utils._client import EMClient  # noqa: E402

USERNAME = 'Administrator'
PASSWORD = 'Sup3r-S3cret!Pa55'
RESTRICTED_USERNAME = 'TECH\\restore.operator'
RESTRICTED_PASSWORD = 'Op3rator-Pa55w0rd'
NOW = datetime.datetime(2026, 11, 20, 12, 0, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture(scope='session')
def dataset():
    """A generated data set with failures, warnings, running sessions and awkward names."""
    return generate(seed=7, sessions=60, days=7, failure_rate=0.15, warning_rate=0.1, running=2, now=NOW)


@pytest.fixture(scope='session')
def sim(dataset, tmp_path_factory):
    """One simulator over HTTPS for the whole run; each test starts with no faults and an empty log."""
    simulator = Simulator(dataset=dataset, tls=True, cert_dir=str(tmp_path_factory.mktemp('sim-certs')))
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture(autouse=True)
def clean_sim(request):
    if 'sim' in request.fixturenames:
        simulator = request.getfixturevalue('sim')
        simulator.reset()
        simulator.set_config(json_style='em13', token_idle_timeout=900, bom=False)
    yield


class Recorder:
    """Collects the client's warnings."""

    def __init__(self):
        self.warnings = []

    def __call__(self, message):
        self.warnings.append(message)


@pytest.fixture
def warnings():
    return Recorder()


@pytest.fixture
def make_client(sim, warnings):
    """Build a client for the simulator; keyword arguments override the defaults."""
    def factory(**overrides):
        options = dict(host='127.0.0.1', port=sim.port, username=USERNAME, password=PASSWORD, ca_path=sim.ca_path,
                       timeout=10, warn=warnings, sleep=lambda seconds: None)
        options.update(overrides)
        return EMClient(**options)
    return factory


def load(dataset):
    """A copy of a data set (so a test can change it) in the JSON form the simulator takes."""
    return Dataset.from_json(dataset.to_json())
