"""End to end: ansible-rulebook runs the collection's example rulebook against the EM simulator, and a
failed session added to the simulator's data while it runs reaches the rulebook's playbook exactly once.

Needs ansible-rulebook (requirements-dev.txt) and Java 17+ (``make eda`` installs openjdk-17-jre-headless
when ``java`` is missing), and the collection under ANSIBLE_COLLECTIONS_PATH (``make eda`` points it at build/).
"""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import requests

from conftest import COLLECTION, PASSWORD, USERNAME, failed_cdp_session, query_count

MARKER = 'VEEAM EM FAILED SESSION'


def wait(predicate, timeout, what, process, output):
    deadline = time.monotonic() + timeout
    while not predicate():
        if process.poll() is not None:
            raise AssertionError('ansible-rulebook ended (%s) while waiting for %s:\n%s' % (
                process.returncode, what, output.read_text(encoding='utf-8', errors='replace')[-4000:]))
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for %s:\n%s' % (
                what, output.read_text(encoding='utf-8', errors='replace')[-4000:]))
        time.sleep(0.2)


def rulebook_command(sim, tmp_path, password=PASSWORD):
    """The ansible-rulebook command line for the collection's example rulebook, and its environment."""
    bin_dir = os.path.dirname(sys.executable)
    rulebook_cli = os.path.join(bin_dir, 'ansible-rulebook')
    assert os.path.exists(rulebook_cli), 'ansible-rulebook is not installed next to %s (make venv)' % sys.executable
    assert shutil.which('java'), 'ansible-rulebook needs Java 17 or newer (apt-get install openjdk-17-jre-headless)'
    collections_path = os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION)))
    assert os.path.basename(os.path.dirname(os.path.dirname(COLLECTION))) == 'ansible_collections', COLLECTION

    (tmp_path / 'inventory.yml').write_text(
        'all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
        '      ansible_python_interpreter: %s\n' % sys.executable, encoding='utf-8')
    (tmp_path / 'vars.yml').write_text('veeam_em_interval: 1\nveeam_em_lookback: 1h\n', encoding='utf-8')
    env = dict(os.environ)
    env.update({
        'PATH': bin_dir + os.pathsep + env.get('PATH', ''),
        'ANSIBLE_COLLECTIONS_PATH': collections_path,
        'VEEAM_EM_HOST': '127.0.0.1', 'VEEAM_EM_PORT': str(sim.port), 'VEEAM_EM_USERNAME': USERNAME,
        'VEEAM_EM_PASSWORD': password, 'VEEAM_EM_CA_PATH': sim.ca_path,
        # Let Python, not the JVM, handle SIGTERM, so the source is cancelled and logs out (docs/eda.md).
        'JAVA_TOOL_OPTIONS': '-Xrs',
        'ANSIBLE_NOCOLOR': '1', 'NO_COLOR': '1', 'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
    })
    command = [rulebook_cli, '--rulebook', 'veeam.enterprise_manager.failed_sessions', '-i', 'inventory.yml',
               '--vars', 'vars.yml']
    return command, env


def test_the_example_rulebook_runs_its_playbook_once_per_new_failure(sim, tmp_path):
    command, env = rulebook_command(sim, tmp_path)
    output = tmp_path / 'rulebook.out'
    with open(output, 'wb') as out:
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            command, cwd=str(tmp_path), env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        # Two polls of the CDP sessions: the first one remembered the failures already there.
        wait(lambda: query_count(sim, 'CdpReplicaSession') >= 2, 90, 'two polls', process, output)
        record = failed_cdp_session(sim, ended_ago=3, message='Error: e2e failure while the rulebook runs')
        answer = requests.post(sim.base_url + '/_sim/records', json={'kind': 'cdp_replica_sessions', 'records': [record]},
                               verify=sim.ca_path, timeout=10)
        assert answer.status_code == 200, answer.text
        uid = 'urn:veeam:CdpReplicaSession:%s' % record['uuid']
        wait(lambda: uid in output.read_text(encoding='utf-8', errors='replace'), 90, 'the playbook run', process,
             output)
        polls = query_count(sim, 'CdpReplicaSession')
        wait(lambda: query_count(sim, 'CdpReplicaSession') >= polls + 3, 60, 'three more polls', process, output)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
    text = output.read_text(encoding='utf-8', errors='replace')
    reports = [line for line in text.splitlines() if MARKER in line]
    assert len(reports) == 1, 'expected one playbook run, got:\n%s' % '\n'.join(reports)
    assert uid in reports[0] and 'e2e failure while the rulebook runs' in reports[0]
    assert PASSWORD not in text
    assert sim.open_logon_sessions() == 0, 'the source logged out when ansible-rulebook stopped'


def test_refused_credentials_end_the_rulebook_with_a_clear_message(sim, tmp_path):
    wrong = 'Wrong-But-Long-Pa55word'
    command, env = rulebook_command(sim, tmp_path, password=wrong)
    done = subprocess.run(command, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120,
                          check=False, stdin=subprocess.DEVNULL)
    text = done.stdout + done.stderr
    assert done.returncode != 0, text
    assert 'Source error: ConfigurationError' in text and 'HTTP 401' in text and 'VEEAM_EM_PASSWORD' in text, text
    assert 'Traceback' not in text and wrong not in text
    assert query_count(sim) == 0


@pytest.fixture(autouse=True)
def _no_leftover_tokens(sim):
    yield
    sim.set_faults(expire_tokens=True)
