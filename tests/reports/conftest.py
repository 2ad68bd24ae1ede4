"""Playbook tests of the session_compliance role's report files (issue 9).

They run ansible-playbook on ``playbooks/reports.yml`` with an inventory of one host per Enterprise Manager, and
read the files the role wrote with real consumers: junitparser, html5lib, headless Chromium and prometheus_client.

Run from the collection's copy under ``build/ansible_collections/veeam/enterprise_manager`` (``make reports``);
``REPORTS_OUTPUT_DIR`` names where the files and screenshots are kept (default: pytest's temporary directory).
"""

import datetime
import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, 'tests', 'unit', 'fixtures', 'reports')
sys.path.insert(0, os.path.join(ROOT, 'tests', 'simulator'))


def collections_path():
    """The folder that holds ansible_collections/veeam/enterprise_manager (this tree), or None."""
    parts = ROOT.split(os.sep)
    if parts[-3:-2] == ['ansible_collections']:
        return os.sep.join(parts[:-3])
    return os.environ.get('ANSIBLE_COLLECTIONS_PATH')


def load_fixture(name):
    with open(os.path.join(FIXTURES, name), encoding='utf-8') as handle:
        return json.load(handle)


@pytest.fixture(scope='session')
def outputs(tmp_path_factory):
    """Where test outputs (report files, DOM dumps, screenshots) are kept."""
    path = os.environ.get('REPORTS_OUTPUT_DIR')
    if path:
        os.makedirs(path, exist_ok=True)
        return path
    return str(tmp_path_factory.mktemp('report-outputs'))


@pytest.fixture(scope='session')
def chromium():
    """Headless Chromium, found by tests/reports/setup_chromium.sh (`make system-packages` installs it)."""
    path = subprocess.run(['bash', os.path.join(HERE, 'setup_chromium.sh')], check=True, stdout=subprocess.PIPE,
                          text=True, timeout=900).stdout.strip().splitlines()[-1]
    assert os.access(path, os.X_OK), path
    return path


class Browser:
    """Headless Chromium as the TOOLING notes say it runs here (root, no GPU, no network, fresh profile)."""

    def __init__(self, path, tmp):
        self.path = path
        self.tmp = tmp

    def _run(self, *args, timeout=120):
        profile = os.path.join(str(self.tmp), 'chromium-profile-%d' % len(os.listdir(str(self.tmp))))
        command = [self.path, '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
                   '--disable-background-networking', '--disable-component-update', '--disable-sync',
                   '--hide-scrollbars', '--user-data-dir=%s' % profile] + list(args)
        return subprocess.run(command, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)

    def dump_dom(self, html_path):
        return self._run('--dump-dom', 'file://' + html_path).stdout.decode('utf-8')

    def screenshot(self, html_path, png_path, size='1280,2200'):
        self._run('--screenshot=%s' % png_path, '--window-size=%s' % size, 'file://' + html_path)
        return png_path


@pytest.fixture
def browser(chromium, tmp_path):
    return Browser(chromium, tmp_path)


class Run:
    def __init__(self, completed, report_dir):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.report_dir = report_dir

    @property
    def custom_stats(self):
        """The custom stats the default callback prints (ANSIBLE_SHOW_CUSTOM_STATS), as data."""
        for line in self.stdout.splitlines():
            if line.startswith('\tRUN: '):
                return json.loads(line[len('\tRUN: '):])
        return None

    def files(self):
        return sorted(os.listdir(self.report_dir)) if os.path.isdir(self.report_dir) else []

    def path(self, name):
        return os.path.join(self.report_dir, name)

    def read(self, name):
        with open(self.path(name), encoding='utf-8') as handle:
            return handle.read()

    def __repr__(self):
        return 'ansible-playbook exit %s\n--- stdout\n%s\n--- stderr\n%s' % (
            self.rc, self.stdout[-6000:], self.stderr[-3000:])


@pytest.fixture
def run_playbook(tmp_path):
    """Run playbooks/reports.yml (or another playbook there) on an inventory of EM hosts:
    run_playbook(hosts, group_vars, forks, args, report_dir, playbook_name)."""
    path = collections_path()
    if not path:
        pytest.skip('run from build/ansible_collections/veeam/enterprise_manager (make reports), or set '
                    'ANSIBLE_COLLECTIONS_PATH')

    def runner(hosts, group_vars=None, forks=5, args=(), report_dir=None, playbook_name='reports.yml'):
        report_dir = report_dir or str(tmp_path / 'reports')
        common = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
                  'session_compliance_report_dir': report_dir}
        common.update(group_vars or {})
        inventory = tmp_path / 'inventory.json'
        inventory.write_text(json.dumps({'ems': {'hosts': hosts, 'vars': common}}), encoding='utf-8')
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=path, ANSIBLE_SHOW_CUSTOM_STATS='1',
                   ANSIBLE_CALLBACK_RESULT_FORMAT='json', ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
                   ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
                   ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_RETRY_FILES_ENABLED='false',
                   ANSIBLE_LOCAL_TEMP=str(tmp_path / 'ansible-tmp'))
        env.pop('ANSIBLE_STDOUT_CALLBACK', None)
        playbook = shutil.which('ansible-playbook') or os.path.join(os.path.dirname(sys.executable),
                                                                    'ansible-playbook')
        command = [playbook, '-i', str(inventory), '-f', str(forks), os.path.join(HERE, 'playbooks', playbook_name)]
        completed = subprocess.run(command + list(args), env=env, cwd=str(tmp_path), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, timeout=600, check=False)
        return Run(completed, report_dir)
    return runner


def utc_iso(value):
    return value.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
