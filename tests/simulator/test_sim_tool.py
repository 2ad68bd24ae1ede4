"""Tests of tools/sim.py, the background start/stop wrapper the README, the demo and the integration tests use.

Run: ``python -m pytest -q tests/simulator/test_sim_tool.py`` (about 5 s; needs bash for the eval tests).
"""

# pylint: disable=consider-using-f-string,redefined-outer-name

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIM_TOOL = os.path.join(ROOT, 'tools', 'sim.py')
BASH = shutil.which('bash')

pytestmark = pytest.mark.skipif(not os.path.exists(SIM_TOOL), reason='tools/sim.py is not shipped in the collection tarball')


def sim_tool(*args, check=True):
    """Run tools/sim.py with this Python; returns the CompletedProcess."""
    result = subprocess.run([sys.executable, SIM_TOOL] + list(args), capture_output=True, text=True, timeout=60, check=False)
    if check and result.returncode != 0:
        raise AssertionError('sim.py %s failed (%d): %s' % (' '.join(args), result.returncode, result.stderr))
    return result


def alive(pid):
    """Whether pid runs (a zombie of ours counts as gone)."""
    try:
        with open('/proc/%d/stat' % pid, encoding='ascii') as handle:
            return handle.read().split(') ')[-1][0] != 'Z'
    except FileNotFoundError:
        return False
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_gone(pid, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def state_dir(tmp_path):
    """A state directory whose simulators are all stopped at the end, whatever the test did."""
    directory = str(tmp_path / 'emsim')
    started = []
    yield directory, started
    sim_tool('stop', '--state-dir', directory, check=False)
    for pid in started:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_second_start_refuses_and_stop_leaves_nothing_running(state_dir):
    directory, started = state_dir
    first = json.loads(sim_tool('start', '--state-dir', directory, '--', '--sessions', '10').stdout)
    started.append(first['pid'])

    second = sim_tool('start', '--state-dir', directory, '--', '--sessions', '10', check=False)
    assert second.returncode == 1
    assert 'already runs' in second.stderr
    assert str(first['pid']) in second.stderr
    assert 'stop' in second.stderr
    assert second.stdout == ''
    assert first['password'] not in second.stderr
    # The record still names the first simulator, which still runs.
    with open(os.path.join(directory, 'server.json'), encoding='utf-8') as handle:
        assert json.load(handle)['pid'] == first['pid']
    assert alive(first['pid'])

    sim_tool('stop', '--state-dir', directory)
    assert wait_gone(first['pid'])
    assert not os.path.exists(os.path.join(directory, 'server.json'))


def test_start_after_a_killed_simulator_takes_the_state_directory_over(state_dir):
    directory, started = state_dir
    first = json.loads(sim_tool('start', '--state-dir', directory, '--', '--sessions', '10').stdout)
    started.append(first['pid'])
    os.kill(first['pid'], signal.SIGKILL)  # no chance to remove server.json
    assert wait_gone(first['pid'])
    assert os.path.exists(os.path.join(directory, 'server.json'))

    second = json.loads(sim_tool('start', '--state-dir', directory, '--', '--sessions', '10').stdout)
    started.append(second['pid'])
    assert second['pid'] != first['pid']
    assert alive(second['pid'])
    sim_tool('stop', '--state-dir', directory)
    assert wait_gone(second['pid'])


def test_stop_ignores_a_record_whose_pid_is_not_a_simulator(state_dir):
    directory, dummy = state_dir
    os.makedirs(directory)
    # A live process that is not emsim (the pid of a stale record may have been reused).
    sleeper = subprocess.Popen(['sleep', '30'])  # pylint: disable=consider-using-with
    try:
        with open(os.path.join(directory, 'server.json'), 'w', encoding='utf-8') as handle:
            json.dump({'pid': sleeper.pid}, handle)
        sim_tool('stop', '--state-dir', directory)
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()


def interactive_bash(script, cwd):
    """Feed script to an interactive bash (history expansion on, as in a terminal) line by line."""
    env = dict(os.environ, HOME=str(cwd), HISTFILE=os.devnull, PS1='', PS2='')
    return subprocess.run([BASH, '--norc', '--noprofile', '-i'], input=script, capture_output=True, text=True,
                          cwd=str(cwd), env=env, timeout=60, check=False)


@pytest.mark.skipif(BASH is None, reason='needs bash')
def test_interactive_bash_really_expands_history(tmp_path):
    """The trap the --shell output avoids: typed unquoted, the password's '!' breaks the line."""
    result = interactive_bash('set -o histexpand\nexport VEEAM_EM_PASSWORD=Sup3r-S3cret!Pa55\necho "got=$VEEAM_EM_PASSWORD"\n',
                              tmp_path)
    assert 'event not found' in result.stderr
    assert 'got=Sup3r-S3cret!Pa55' not in result.stdout


@pytest.mark.skipif(BASH is None, reason='needs bash')
def test_shell_output_round_trips_every_value_through_eval_in_interactive_bash(state_dir, tmp_path):
    directory, started = state_dir
    out = tmp_path / 'env.json'
    script = (
        'set -o histexpand\n'
        'eval "$(%s %s start --shell --state-dir %s -- --sessions 10)"\n'
        '%s -c "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.startswith(\'VEEAM_EM_\')}))" > %s\n'
    ) % (sys.executable, SIM_TOOL, directory, sys.executable, out)
    result = interactive_bash(script, tmp_path)
    with open(os.path.join(directory, 'server.json'), encoding='utf-8') as handle:
        server = json.load(handle)
    started.append(server['pid'])
    assert 'event not found' not in result.stderr
    assert '!' in server['password']  # what makes the quoting matter
    exported = json.loads(out.read_text(encoding='utf-8'))
    assert exported == {
        'VEEAM_EM_HOST': '127.0.0.1',
        'VEEAM_EM_PORT': str(server['port']),
        'VEEAM_EM_USERNAME': server['username'],
        'VEEAM_EM_PASSWORD': server['password'],
        'VEEAM_EM_CA_PATH': server['ca_path'],
    }
    # A refused second start prints nothing to eval.
    shell = sim_tool('start', '--shell', '--state-dir', directory, check=False)
    assert shell.returncode == 1
    assert shell.stdout == ''


@pytest.mark.skipif(BASH is None, reason='needs bash')
def test_shell_output_quotes_awkward_state_directories(state_dir, tmp_path):
    """A ca_path with spaces, quotes, '!' and '$' survives eval as it is."""
    dummy, started = state_dir
    directory = str(tmp_path / "it's a $HOME! dir")
    result = subprocess.run(
        [BASH, '--norc', '--noprofile', '-c',
         'eval "$("$0" "$1" start --shell --state-dir "$2" -- --sessions 10)" && printf %s "$VEEAM_EM_CA_PATH"',
         sys.executable, SIM_TOOL, directory],
        capture_output=True, text=True, timeout=60, check=False)
    try:
        with open(os.path.join(directory, 'server.json'), encoding='utf-8') as handle:
            server = json.load(handle)
        started.append(server['pid'])
        assert result.returncode == 0, result.stderr
        assert result.stdout == server['ca_path'] == os.path.join(directory, 'ca.pem')
    finally:
        sim_tool('stop', '--state-dir', directory, check=False)


HEALTHY_PLAYBOOK = '''
- name: Judge a simulator started with --healthy on every check the role has
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Run the role with every check and max_age 26h
      ansible.builtin.include_role:
        name: veeam.enterprise_manager.session_compliance
      vars:
        session_compliance_checks: "{{ every_check }}"
        session_compliance_max_age: 26h

    - name: Check every check judged something and nothing is stale or failed
      ansible.builtin.assert:
        that:
          - session_compliance_report.passed
          - session_compliance_report.violations == []
          - session_compliance_report.subjects | map(attribute='check') | unique | sort == every_check | sort
'''


def test_healthy_passes_every_check_of_the_role_with_max_age_26h(state_dir, tmp_path):
    """`sim.py start -- --healthy` is what the docs offer as a healthy EM: the role must pass on it, backups included."""
    playbook_bin = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    if not os.path.exists(playbook_bin):
        pytest.skip('needs ansible-playbook next to %s' % sys.executable)
    import yaml  # pylint: disable=import-outside-toplevel

    with open(os.path.join(ROOT, 'roles', 'session_compliance', 'meta', 'argument_specs.yml'), encoding='utf-8') as handle:
        spec = yaml.safe_load(handle)
    every_check = spec['argument_specs']['main']['options']['session_compliance_checks']['choices']
    assert 'backup_sessions' in every_check and 'backup_task_sessions' in every_check

    directory, started = state_dir
    server = json.loads(sim_tool('start', '--state-dir', directory, '--', '--healthy').stdout)
    started.append(server['pid'])
    (tmp_path / 'healthy.yml').write_text(HEALTHY_PLAYBOOK, encoding='utf-8')
    (tmp_path / 'vars.json').write_text(json.dumps({
        'every_check': every_check,
        'session_compliance_host': '127.0.0.1', 'session_compliance_port': server['port'],
        'session_compliance_username': server['username'], 'session_compliance_password': server['password'],
        'session_compliance_ca_path': server['ca_path'],
    }), encoding='utf-8')
    env = dict(os.environ, ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_NOCOLOR='1',
               ANSIBLE_COLLECTIONS_PATH=os.environ.get('ANSIBLE_COLLECTIONS_PATH') or os.path.dirname(os.path.dirname(os.path.dirname(ROOT))))
    run = subprocess.run([playbook_bin, '-e', '@' + str(tmp_path / 'vars.json'), str(tmp_path / 'healthy.yml')],
                         capture_output=True, text=True, cwd=str(tmp_path), env=env, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert server['password'] not in run.stdout + run.stderr


def test_help_says_where_the_simulator_options_are():
    usage = sim_tool('--help').stdout
    assert '-- <emsim options>' in usage
    assert 'tests/simulator/README.md' in usage and 'emsim-help' in usage
    emsim_usage = sim_tool('emsim-help').stdout
    assert emsim_usage.startswith('usage: python -m emsim')
    assert '--healthy' in emsim_usage and '--dataset' in emsim_usage
