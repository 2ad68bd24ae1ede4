"""Start and stop the bundled EM simulator in the background, for the demo, the integration tests and the benchmark.

    python tools/sim.py start --state-dir DIR [-- <emsim options>]   # prints the server.json it wrote
    python tools/sim.py stop --state-dir DIR
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIMULATOR = os.path.join(ROOT, 'tests', 'simulator')


def start(state_dir, extra, wait=30.0):
    os.makedirs(state_dir, exist_ok=True)
    server_json = os.path.join(state_dir, 'server.json')
    if os.path.exists(server_json):
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
    server_json = os.path.join(state_dir, 'server.json')
    if not os.path.exists(server_json):
        return
    with open(server_json, encoding='utf-8') as handle:
        pid = json.load(handle)['pid']
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('action', choices=('start', 'stop'))
    parser.add_argument('--state-dir', required=True)
    argv = sys.argv[1:]
    extra = argv[argv.index('--') + 1:] if '--' in argv else []
    args = parser.parse_args(argv[:argv.index('--')] if '--' in argv else argv)
    if args.action == 'start':
        print(json.dumps(start(os.path.abspath(args.state_dir), extra)))
    else:
        stop(os.path.abspath(args.state_dir))


if __name__ == '__main__':
    main()
