"""Command line: run the EM simulator in the foreground.

``python -m emsim --port 0 --state-dir DIR [--http] [--seed 1 --sessions 200 --days 7 --failure-rate 0.1
--warning-rate 0.1 --running 2 | --healthy | --dataset FILE] [--json-style em12|em13]
[--token-idle-timeout 900] [--bom] [--host 127.0.0.1] [--quiet]``

Once listening it writes ``DIR/ca.pem`` (HTTPS only) and then, atomically, ``DIR/server.json``
(``{"url", "port", "pid", "ca_path", "username", "password"}``), so a script can poll for that file.
Every /api request is appended to ``DIR/requests.log`` (JSON lines, no secrets).  SIGTERM or SIGINT
stops the server; ``server.json`` is then removed.
"""

# pylint: disable=consider-using-f-string

import argparse
import json
import os
import signal
import sys
import threading

from . import dataset as dataset_mod
from .server import DEFAULT_USERS, Simulator


def parse_args(argv=None):
    """Command line arguments."""
    parser = argparse.ArgumentParser(prog="python -m emsim", description="Veeam Backup Enterprise Manager REST API simulator")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one (default)")
    parser.add_argument("--state-dir", required=True, help="directory for ca.pem, server.json and requests.log")
    parser.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--healthy", action="store_true", help="generate a data set without Failed/Warning results, where every scheduled job and "
                        "policy ran and succeeded in the last 12 hours (the role passes with every check and max_age 26h)")
    source.add_argument("--dataset", help="JSON data set file (Dataset.to_json format)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--days", type=float, default=7)
    parser.add_argument("--failure-rate", type=float, default=0.1)
    parser.add_argument("--warning-rate", type=float, default=0.1)
    parser.add_argument("--running", type=int, default=2)
    parser.add_argument("--no-awkward-names", action="store_true", help="only plain ASCII names")
    parser.add_argument("--json-style", choices=("em12", "em13"), default="em13")
    parser.add_argument("--token-idle-timeout", type=float, default=900)
    parser.add_argument("--bom", action="store_true", help="prefix /api bodies with a UTF-8 BOM")
    parser.add_argument("--quiet", action="store_true", help="no access log on stderr")
    return parser.parse_args(argv)


def build_dataset(args):
    """The data set selected by the arguments."""
    if args.dataset:
        return dataset_mod.Dataset.from_json(args.dataset)
    common = {"seed": args.seed, "sessions": args.sessions, "days": args.days, "running": args.running,
              "awkward_names": not args.no_awkward_names}
    if args.healthy:
        return dataset_mod.healthy(idle=False, **common)  # no job that never ran: it would be stale
    return dataset_mod.generate(failure_rate=args.failure_rate, warning_rate=args.warning_rate, **common)


def write_atomically(path, text):
    """Write a file so that readers never see it half written."""
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def main(argv=None):
    """Run until SIGTERM/SIGINT; returns the exit status."""
    args = parse_args(argv)
    os.makedirs(args.state_dir, exist_ok=True)
    info_path = os.path.join(args.state_dir, "server.json")
    if os.path.exists(info_path):
        os.remove(info_path)
    sim = Simulator(dataset=build_dataset(args), tls=not args.http, cert_dir=args.state_dir, host=args.host, port=args.port,
                    json_style=args.json_style, token_idle_timeout=args.token_idle_timeout, bom=args.bom,
                    request_log_path=os.path.join(args.state_dir, "requests.log"), quiet=args.quiet)
    stop = threading.Event()

    def on_signal(signum, frame):  # pylint: disable=unused-argument
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sim.start()
    username = "Administrator"
    info = {"url": sim.base_url, "port": sim.port, "pid": os.getpid(), "ca_path": sim.ca_path, "username": username,
            "password": DEFAULT_USERS[username][0]}
    write_atomically(info_path, json.dumps(info, indent=1))
    if not args.quiet:
        sys.stderr.write("emsim listening on %s (state in %s)\n" % (sim.base_url, args.state_dir))
        sys.stderr.flush()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sim.stop()
        if os.path.exists(info_path):
            os.remove(info_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
