"""End to end: ansible-rulebook runs the collection's example rulebook against the EM simulator, and a
failed session added to the simulator's data while it runs reaches the rulebook's playbook exactly once.

Needs ansible-rulebook (requirements-dev.txt) and Java 17+ (``make eda`` installs openjdk-17-jre-headless
when ``java`` is missing), and the collection under ANSIBLE_COLLECTIONS_PATH (``make eda`` points it at build/).
"""

import datetime
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest
import requests

from conftest import (COLLECTION, PASSWORD, TEST_INTERVAL_VARIABLE, USERNAME, UTC, failed_cdp_session,
                      failed_cdp_task_session, iso, query_count)

MARKER = 'VEEAM EM FAILED SESSION'


def stop(process):
    """End ansible-rulebook as a service manager would (SIGTERM, then SIGKILL after a minute)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


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
    assert shutil.which('java'), 'ansible-rulebook needs Java 17 or newer (make system-packages installs openjdk-17-jre-headless)'
    collections_path = os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION)))
    assert os.path.basename(os.path.dirname(os.path.dirname(COLLECTION))) == 'ansible_collections', COLLECTION

    (tmp_path / 'inventory.yml').write_text(
        'all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
        '      ansible_python_interpreter: %s\n' % sys.executable, encoding='utf-8')
    (tmp_path / 'vars.yml').write_text('veeam_em_interval: 5s\nveeam_em_ended_within: 1h\n', encoding='utf-8')
    env = dict(os.environ)
    env.update({
        'PATH': bin_dir + os.pathsep + env.get('PATH', ''),
        'ANSIBLE_COLLECTIONS_PATH': collections_path,
        'VEEAM_EM_HOST': '127.0.0.1', 'VEEAM_EM_PORT': str(sim.port), 'VEEAM_EM_USERNAME': USERNAME,
        'VEEAM_EM_PASSWORD': password, 'VEEAM_EM_CA_PATH': sim.ca_path,
        # Let Python, not the JVM, handle SIGTERM, so the source is cancelled and logs out (docs/docsite/rst/eda.rst).
        'JAVA_TOOL_OPTIONS': '-Xrs',
        'ANSIBLE_NOCOLOR': '1', 'NO_COLOR': '1', 'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        # Poll every second, under the source's 5 s minimum: test-only, not a user option.
        TEST_INTERVAL_VARIABLE: '1',
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
        stop(process)
    text = output.read_text(encoding='utf-8', errors='replace')
    reports = [line for line in text.splitlines() if MARKER in line]
    assert len(reports) == 1, 'expected one playbook run, got:\n%s' % '\n'.join(reports)
    assert uid in reports[0] and 'e2e failure while the rulebook runs' in reports[0]
    assert PASSWORD not in text
    assert sim.open_logon_sessions() == 0, 'the source logged out when ansible-rulebook stopped'


def run_until_handled(sim, tmp_path, add, uids, polls='CdpReplicaSession'):
    """Run the example rulebook; after two polls of ``polls`` call ``add()``, wait until the playbook has
    reported every UID in ``uids`` and three more polls have run, stop ansible-rulebook (SIGTERM) and
    return its output."""
    command, env = rulebook_command(sim, tmp_path)
    output = tmp_path / 'rulebook.out'
    with open(output, 'wb') as out:
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            command, cwd=str(tmp_path), env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait(lambda: query_count(sim, polls) >= 2, 90, 'two polls', process, output)
        add()

        def reported():
            text = output.read_text(encoding='utf-8', errors='replace')
            return all(uid in text for uid in uids)
        wait(reported, 120, 'the playbook runs', process, output)
        done = query_count(sim, polls)
        wait(lambda: query_count(sim, polls) >= done + 3, 60, 'three more polls', process, output)
    finally:
        stop(process)
    return output.read_text(encoding='utf-8', errors='replace')


def post_records(sim, kind, records):
    answer = requests.post(sim.base_url + '/_sim/records', json={'kind': kind, 'records': records},
                           verify=sim.ca_path, timeout=10)
    assert answer.status_code == 200, answer.text


def test_em_text_in_an_event_is_never_run_by_the_example_rulebook_and_playbook(sim, tmp_path):
    """Issue 16: ansible-rulebook hands the event to the playbook as ``-e @file``, which ansible-core 2.19
    reads as trusted templates. A failure message and a VM name chosen by whoever names VMs or controls a
    backup server must reach the playbook as text: no canary file, no ``vm-42``, the escape visible."""
    canary = tmp_path / 'CANARY'
    # ansible-playbook runs the collection's playbook in its folder: a relative CANARY would land there.
    beside_playbook = os.path.join(COLLECTION, 'playbooks', 'CANARY')
    if os.path.exists(beside_playbook):
        os.unlink(beside_playbook)
    attack = "Snapshot failed: {{ lookup('ansible.builtin.pipe', 'echo PWNED > CANARY') }}"
    # The same with an absolute path: wherever the playbook's working directory is, the file would show.
    attack_abs = "Snapshot failed: {{ lookup('ansible.builtin.pipe', 'echo PWNED > %s') }}" % canary
    session = failed_cdp_session(sim, ended_ago=4, message=attack)
    task = failed_cdp_task_session(sim, session, vm='vm-{{ 6*7 }}', reason=attack_abs, ended_ago=3)
    uids = ['urn:veeam:CdpReplicaSession:%s' % session['uuid'], 'urn:veeam:CdpReplicaTaskSession:%s' % task['uuid']]

    def add():
        post_records(sim, 'cdp_replica_sessions', [session])
        post_records(sim, 'cdp_replica_task_sessions', [task])

    text = run_until_handled(sim, tmp_path, add, uids)
    reports = [line for line in text.splitlines() if MARKER in line]
    assert len(reports) == 2, 'one playbook run per failed session:\n%s' % '\n'.join(reports)
    written = [str(path) for path in [canary, *tmp_path.rglob('CANARY')] if path.exists()]
    written += [beside_playbook] if os.path.exists(beside_playbook) else []
    assert not written, 'EM text ran on the controller and wrote %s' % ', '.join(written)
    assert 'Snapshot failed:  [' not in text, 'the lookup ran (its output is empty) instead of being shown'
    assert 'vm-42' not in text, 'a VM name was evaluated as a template'
    # The escape is visible and documented: '{{' arrives as '{ {'.
    assert any("vm-{ { 6*7 }}" in line for line in reports), reports
    assert any("Snapshot failed: { { lookup(" in line for line in reports), reports
    assert sim.open_logon_sessions() == 0


def test_a_failed_backup_session_added_mid_run_runs_the_playbook_exactly_once(sim, tmp_path):
    """Issue 14: the source watches backup sessions and their VMs' task sessions by default, and the
    example rulebook does too."""
    now = datetime.datetime.now(UTC)
    job = sim.dataset.backup_jobs[0]
    session = {'uuid': str(uuid.uuid4()), 'job_uuid': job['uuid'],
               'creation_time': iso(now - datetime.timedelta(minutes=9)),
               'end_time': iso(now - datetime.timedelta(seconds=3)), 'state': 'Stopped', 'result': 'Failed',
               'failure_message': 'Error: backup failed while the rulebook runs'}
    task = {'uuid': str(uuid.uuid4()), 'session_uuid': session['uuid'], 'vm_display_name': 'vm-backup-e2e',
            'end_time': iso(now - datetime.timedelta(seconds=4)), 'result': 'Failed',
            'reason': 'Error: VM snapshot could not be created'}
    uids = ['urn:veeam:BackupJobSession:%s' % session['uuid'], 'urn:veeam:BackupTaskSession:%s' % task['uuid']]

    def add():
        post_records(sim, 'backup_job_sessions', [session])
        post_records(sim, 'backup_task_sessions', [task])

    text = run_until_handled(sim, tmp_path, add, uids, polls='BackupJobSession')
    reports = [line for line in text.splitlines() if MARKER in line]
    assert [sum(uid in line for line in reports) for uid in uids] == [1, 1], '\n'.join(reports)
    assert len(reports) == 2, '\n'.join(reports)
    backup = next(line for line in reports if uids[0] in line)
    assert 'backup_sessions' in backup and job['name'] in backup and 'backup failed while the rulebook runs' in backup
    vm = next(line for line in reports if uids[1] in line)
    assert 'backup_task_sessions' in vm and 'vm-backup-e2e' in vm and 'VM snapshot could not be created' in vm
    assert sim.open_logon_sessions() == 0


def test_the_example_playbook_explains_a_replication_failure_with_its_vms_reasons(sim, tmp_path):
    """Issue 17: a replication job session carries no message of its own; the playbook reads the task
    sessions of its VMs, as the role does, instead of printing "no reason given". Their text comes from a
    module result and is shown, never evaluated."""
    now = datetime.datetime.now(UTC)
    job = sim.dataset.replica_jobs[0]
    session = {'uuid': str(uuid.uuid4()), 'job_uuid': job['uuid'],
               'creation_time': iso(now - datetime.timedelta(minutes=9)),
               'end_time': iso(now - datetime.timedelta(seconds=3)), 'state': 'Stopped', 'result': 'Failed'}
    vms = [('vm-sql-e2e', 'Error: Failed to create VM snapshot'), ('vm-{{ 7*6 }}', 'Error: Target datastore is full')]
    tasks = [{'uuid': str(uuid.uuid4()), 'session_uuid': session['uuid'], 'vm_display_name': vm,
              'end_time': iso(now - datetime.timedelta(seconds=5)), 'result': 'Failed', 'reason': reason}
             for vm, reason in vms]
    tasks.append({'uuid': str(uuid.uuid4()), 'session_uuid': session['uuid'], 'vm_display_name': 'vm-fine-e2e',
                  'end_time': iso(now - datetime.timedelta(seconds=6)), 'result': 'Success'})
    uid = 'urn:veeam:ReplicaJobSession:%s' % session['uuid']

    def add():
        post_records(sim, 'replica_job_sessions', [session])
        post_records(sim, 'replica_task_sessions', tasks)

    text = run_until_handled(sim, tmp_path, add, [uid], polls='ReplicaJobSession')
    reports = [line for line in text.splitlines() if MARKER in line]
    assert len(reports) == 1, '\n'.join(reports)
    line = reports[0]
    assert 'replica_sessions' in line and job['name'] in line and 'no reason given' not in line, line
    assert 'VMs: ' in line and 'vm-sql-e2e: Error: Failed to create VM snapshot' in line, line
    assert 'vm-{{ 7*6 }}: Error: Target datastore is full' in line and 'vm-42' not in text, line
    assert 'vm-fine-e2e' not in line, 'a VM that succeeded is no reason'
    assert sim.open_logon_sessions() == 0


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
