"""Start and stop the bundled EM simulator in the background, for the demo, the integration tests and the benchmark.

    python tools/sim.py start --state-dir DIR [--shell] [-- <emsim options>]
    python tools/sim.py stop --state-dir DIR

<emsim options> go to the simulator (`python -m emsim`, in tests/simulator/emsim): the data set (--seed N,
--sessions N, --days N, --failure-rate F, --warning-rate F, --running N, --no-awkward-names, --healthy,
--dataset FILE), --json-style em12|em13, --token-idle-timeout S, --bom and --http. tests/simulator/README.md
describes them; `python tools/sim.py emsim-help` prints the simulator's own --help. With --healthy every
scheduled job and policy succeeded in the last 12 hours: the role passes with every check and max_age 26h.

start prints the server.json the simulator wrote (url, port, pid, ca_path, username, password), or with
--shell a block of `export VEEAM_EM_...=...` lines, every value shell-quoted, for

    eval "$(python tools/sim.py start --shell --state-dir DIR)"

(the password holds a `!`, which an interactive bash would take for history expansion if it were typed
or pasted unquoted). One state directory holds one simulator: start refuses while the simulator it
recorded there still runs; stop it first.
"""

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIMULATOR = os.path.join(ROOT, 'tests', 'simulator')


class AlreadyRunning(Exception):
    """The state directory belongs to a simulator that still runs."""


def _recorded_pid(state_dir):
    """The pid in DIR/server.json, or None when there is no (readable) record."""
    try:
        with open(os.path.join(state_dir, 'server.json'), encoding='utf-8') as handle:
            return int(json.load(handle)['pid'])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _is_simulator(pid):
    """Whether pid is a live emsim process (not a stale record whose pid was reused)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            return b'emsim' in handle.read()
    except OSError:  # no /proc (macOS): trust the live pid
        return True


def running_pid(state_dir):
    """The pid of the simulator that owns state_dir, or None."""
    pid = _recorded_pid(state_dir)
    return pid if pid is not None and _is_simulator(pid) else None


def start(state_dir, extra, wait=30.0):
    os.makedirs(state_dir, exist_ok=True)
    pid = running_pid(state_dir)
    if pid is not None:
        raise AlreadyRunning(
            'a simulator (pid %d) already runs with state directory %s; stop it first: tools/sim.py stop --state-dir %s'
            % (pid, state_dir, shlex.quote(state_dir)))
    server_json = os.path.join(state_dir, 'server.json')
    if os.path.exists(server_json):  # left by a simulator that was killed: nothing owns it
        os.remove(server_json)
    with open(os.path.join(state_dir, 'simulator.out'), 'wb') as out:
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, '-m', 'emsim', '--state-dir', state_dir, '--quiet'] + extra,
            cwd=SIMULATOR, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if os.path.exists(server_json):
            with open(server_json, encoding='utf-8') as handle:
                return json.load(handle)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    with open(os.path.join(state_dir, 'simulator.out'), encoding='utf-8', errors='replace') as handle:
        sys.stderr.write(handle.read())
    process.kill()
    raise SystemExit('the EM simulator did not start (see above)')


def stop(state_dir):
    pid = running_pid(state_dir)
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for dummy in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def shell_exports(server):
    """`export` lines for the VEEAM_EM_* variables the modules read, safe to eval in any POSIX shell."""
    values = [
        # The modules default to https://; a simulator started with --http has no ca_path.
        ('VEEAM_EM_HOST', '127.0.0.1' if server.get('ca_path') else 'http://127.0.0.1'),
        ('VEEAM_EM_PORT', str(server['port'])),
        ('VEEAM_EM_USERNAME', server['username']),
        ('VEEAM_EM_PASSWORD', server['password']),
    ]
    if server.get('ca_path'):
        values.append(('VEEAM_EM_CA_PATH', server['ca_path']))
    return ''.join('export %s=%s\n' % (name, shlex.quote(value)) for name, value in values)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('action', choices=('start', 'stop', 'emsim-help'))
    parser.add_argument('--state-dir', required=True)
    parser.add_argument('--shell', action='store_true',
                        help='start: print export lines for eval instead of the JSON')
    argv = sys.argv[1:]
    if argv[:1] == ['emsim-help']:
        sys.exit(subprocess.call([sys.executable, '-m', 'emsim', '--help'], cwd=SIMULATOR))
    extra = argv[argv.index('--') + 1:] if '--' in argv else []
    args = parser.parse_args(argv[:argv.index('--')] if '--' in argv else argv)
    state_dir = os.path.abspath(args.state_dir)
    if args.action == 'start':
        try:
            server = start(state_dir, extra)
        except AlreadyRunning as exc:
            sys.stderr.write('sim.py: %s\n' % exc)
            sys.exit(1)
        if args.shell:
            sys.stdout.write(shell_exports(server))
        else:
            print(json.dumps(server))
    else:
        stop(state_dir)


if __name__ == '__main__':
    main()
