"""make bench: the session_compliance role before and after the compliance engine, and the client's queries.

Part 1 runs the role (ansible-playbook, as a user would) on the data set (20,000 CDP and replication sessions
and as many backup sessions) twice: from the collection at ``--before-ref`` (extracted from git: the role as it
was before the engine) and from the tree on ANSIBLE_COLLECTIONS_PATH (this checkout). It counts time, requests
and logons from the simulator's log; the default run of this checkout must keep one logon and at most
``MAX_ROLE_REQUESTS`` requests, or the benchmark fails.

Part 2 measures single queries of the client next to a naive baseline.

Part 3 measures the checks judged from points (vm_restore_points, vm_replica_points) on a data set of ``--points-vms``
VMs (2,000) with a daily point each over ``--points-days`` days (30): the role as a user runs it, and the client's
gathering in this process, in XML and JSON. It fails when a run logs on more than once. ``--points-only`` runs only
this part and, with ``--write``, replaces only its section of the file.

The baseline is what the monitoring scripts we replace do: ask the query service without a filter, page
through everything with EM's default page of 100 items, and filter in Python. Our client sends the filter
to the server, sorts there, and reads only the pages it needs. Both run in this process against the same
simulator over HTTPS, so the figures compare the approaches, not two machines.

    python tools/bench.py [--sessions 20000] [--backup-sessions N] [--repeat 3] [--before-ref REF]
                          [--write docs/performance.md] [--points-only] [--points-vms 2000] [--points-days 30]
"""

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'simulator'))

from emsim.dataset import generate, protection  # noqa: E402  pylint: disable=wrong-import-position
from emsim.server import Simulator  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _compliance  # noqa: E402
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._client import EMClient  # noqa: E402
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._gather import (  # noqa: E402
    HISTORY_PAGE_SIZE, gather)
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._query import Condition  # noqa: E402
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import (  # noqa: E402
    BACKUP_JOB_SESSION, CDP_REPLICA_SESSION, CDP_REPLICA_TASK_SESSION, REPLICA_JOB_SESSION)

NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.timezone.utc)
DAY_AGO = NOW - datetime.timedelta(days=1)
# What the default role run (every default check, backups included) may cost on the bench data set.
MAX_ROLE_REQUESTS = 20
# The history depths measured besides the default (session_compliance_history).
HISTORY_DEPTHS = ('1d', '14d', '30d')


def naive(client, resource, keep, limit=None):
    """The baseline: every page at the server's default size, unsorted, filtered and sorted in Python."""
    items = [item for page in client.query_pages(resource, page_size=100) for item in page if keep(item)]
    items.sort(key=lambda item: item['creation_time_utc'], reverse=True)
    return items[:limit] if limit else items


def since_day_ago(item):
    return item['creation_time_utc'] >= DAY_AGO.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


SCENARIOS = [
    ('Failed CDP sessions of the last 24 h',
     lambda c: list(c.query(CDP_REPLICA_SESSION, [Condition('Result', '==', ['Failed']),
                                                  Condition('CreationTimeUTC', '>=', DAY_AGO)],
                            sort_desc='CreationTimeUTC', page_size=500)),
     lambda c: naive(c, CDP_REPLICA_SESSION, lambda i: i['result'] == 'Failed' and since_day_ago(i))),
    ('The 10 newest replication sessions',
     lambda c: list(c.query(REPLICA_JOB_SESSION, sort_desc='CreationTime', limit=10)),
     lambda c: naive(c, REPLICA_JOB_SESSION, lambda i: True, limit=10)),
    ('Every replication session of the last 24 h',
     lambda c: list(c.query(REPLICA_JOB_SESSION, [Condition('CreationTime', '>=', DAY_AGO)],
                            sort_desc='CreationTime', page_size=500)),
     lambda c: naive(c, REPLICA_JOB_SESSION, since_day_ago)),
    ('Every backup session of the last 24 h',
     lambda c: list(c.query(BACKUP_JOB_SESSION, [Condition('CreationTime', '>=', DAY_AGO)],
                            sort_desc='CreationTime', page_size=500)),
     lambda c: naive(c, BACKUP_JOB_SESSION, since_day_ago)),
    ('Failed CDP task sessions of the last 24 h (result filtered while paging)',
     lambda c: list(c.query(CDP_REPLICA_TASK_SESSION, [Condition('Result', '==', ['Failed']),
                                                       Condition('CreationTimeUTC', '>=', DAY_AGO)],
                            sort_desc='CreationTimeUTC', page_size=500)),
     lambda c: naive(c, CDP_REPLICA_TASK_SESSION, lambda i: i['result'] == 'Failed' and since_day_ago(i))),
]


# The commit before the compliance engine: its role runs one module per check and one per failed session.
BEFORE_REF = '00291ee'
ROLE_PLAYBOOK = """---
- name: Run the session_compliance role once, as the benchmark does
  hosts: localhost
  gather_facts: false
  roles:
    - role: veeam.enterprise_manager.session_compliance
      vars:
        session_compliance_lookback: 24h
        session_compliance_fail: false
"""


def collection_from_git(ref, workdir):
    """Extract the collection as it was at ``ref`` into ``workdir``/ansible_collections/veeam/enterprise_manager."""
    target = os.path.join(workdir, 'ansible_collections', 'veeam', 'enterprise_manager')
    os.makedirs(target)
    archive = subprocess.run(['git', '-C', ROOT, 'archive', ref], check=True, stdout=subprocess.PIPE).stdout
    subprocess.run(['tar', '-x', '-C', target], input=archive, check=True)
    return workdir


EMPTY_PLAYBOOK = """---
- name: Start ansible-playbook and run one task, to show what start-up alone costs
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Say hello
      ansible.builtin.debug:
        msg: hello
"""


def run_role(sim, collections_path, workdir, playbook_text=ROLE_PLAYBOOK):
    """One ansible-playbook run of the role: seconds, requests, logons, logouts, the biggest page, the exit code."""
    playbook = os.path.join(workdir, 'bench_role.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        handle.write(playbook_text)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, VEEAM_EM_HOST='127.0.0.1',
               VEEAM_EM_PORT=str(sim.port), VEEAM_EM_USERNAME='Administrator', VEEAM_EM_PASSWORD='Sup3r-S3cret!Pa55',
               VEEAM_EM_CA_PATH=sim.ca_path, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    ansible_playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    if not os.path.exists(ansible_playbook):
        ansible_playbook = shutil.which('ansible-playbook')
    sim.reset()
    started = time.perf_counter()
    done = subprocess.run([ansible_playbook, playbook], env=env, cwd=workdir, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout.decode('utf-8', 'replace')[-3000:])
        raise SystemExit('the role run from %s failed (exit %d)' % (collections_path, done.returncode))
    log = sim.request_log()
    logons = sum(1 for entry in log if entry['method'] == 'POST' and 'sessionMngr' in entry['path'])
    logouts = sum(1 for entry in log if entry['method'] == 'DELETE' and 'logonSessions' in entry['path'])
    return seconds, len(log), logons, logouts


def measure_role(sim, before_ref, repeat):
    """Rows (label, seconds, requests, logons, logouts) for the role before the engine and now."""
    rows = []
    workdir = tempfile.mkdtemp(prefix='bench-role-')
    try:
        before = collection_from_git(before_ref, os.path.join(workdir, 'before'))
        now_path = os.environ.get('ANSIBLE_COLLECTIONS_PATH') or os.path.join(ROOT, 'build')
        runs_to_make = [('before (%s)' % before_ref, before, 1, ROLE_PLAYBOOK),
                        ('now', now_path, repeat, ROLE_PLAYBOOK)]
        # What each history depth costs (the default is 7 days): one run each.
        runs_to_make += [('now, history %s' % depth, now_path, 1, ROLE_PLAYBOOK.replace(
            'session_compliance_fail: false', 'session_compliance_fail: false\n        session_compliance_history: %s'
            % depth)) for depth in HISTORY_DEPTHS]
        runs_to_make += [('ansible-playbook start-up only', now_path, repeat, EMPTY_PLAYBOOK)]
        for label, path, runs, text in runs_to_make:
            results = [run_role(sim, path, workdir, text) for dummy in range(runs)]
            if label == 'now':
                for dummy, requests, logons, logouts in results:
                    if logons != 1 or logouts != 1 or requests > MAX_ROLE_REQUESTS:
                        raise SystemExit('the default role run made %d requests, %d logons and %d logouts; at most %d '
                                         'requests and one logon are allowed' % (requests, logons, logouts,
                                                                                 MAX_ROLE_REQUESTS))
            seconds = statistics.median(result[0] for result in results)
            rows.append((label, seconds) + results[-1][1:] + (runs,))
            print('role %-20s %7.2f s  %4d requests  %3d logons  %3d logouts  (median of %d)' % (
                (label, seconds) + results[-1][1:] + (runs,)), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return rows


def measure(sim, run, wire_format, repeat):
    """Median seconds and request count of one scenario (logon and logout included)."""
    seconds, requests, found = [], None, None
    for dummy in range(repeat):
        sim.reset()
        started = time.perf_counter()
        with EMClient('127.0.0.1', port=sim.port, username='Administrator', password='Sup3r-S3cret!Pa55',
                      ca_path=sim.ca_path, wire_format=wire_format) as client:
            items = run(client)
        seconds.append(time.perf_counter() - started)
        requests = len(sim.request_log())
        found = len(items)
    return statistics.median(seconds), requests, found


POINTS_PLAYBOOK = """---
- name: Run the session_compliance role with the points checks, as the benchmark does
  hosts: localhost
  gather_facts: false
  roles:
    - role: veeam.enterprise_manager.session_compliance
      vars:
        session_compliance_checks: [vm_restore_points, vm_replica_points]
        session_compliance_protection_horizon: %dd
        session_compliance_fail: false
"""
POINTS_TITLE = '## Restore and replica points: the checks judged from points'


def measure_points(vms, days, repeat):
    """Part 3: rows (label, seconds, requests, logons, points read, VMs judged) of the points checks."""
    real_now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    started = time.perf_counter()
    dataset = protection(vms=vms, days=days, jobs=max(1, vms // 100), now=real_now)
    generated = time.perf_counter() - started
    counts = dataset.counts()
    rows = []
    workdir = tempfile.mkdtemp(prefix='bench-points-')
    try:
        with Simulator(dataset=dataset, tls=True) as sim:
            now_path = os.environ.get('ANSIBLE_COLLECTIONS_PATH') or os.path.join(ROOT, 'build')
            results = [run_role(sim, now_path, workdir, POINTS_PLAYBOOK % days) for dummy in range(repeat)]
            seconds = statistics.median(result[0] for result in results)
            dummy, requests, logons, logouts = results[-1]
            if logons != 1 or logouts != 1:
                raise SystemExit('the points run made %d logons and %d logouts; one of each is allowed' % (logons, logouts))
            rows.append(('role (ansible-playbook, XML)', seconds, requests, logons, None, None))
            print('points role %7.2f s  %4d requests  %3d logons' % (seconds, requests, logons), flush=True)
            for wire_format in ('xml', 'json'):
                for page_size in (500, 1000):
                    times, report = [], None
                    for dummy in range(repeat):
                        sim.reset()
                        started = time.perf_counter()
                        options = _compliance.Options.from_params({
                            'checks': ['vm_restore_points', 'vm_replica_points'],
                            'protection_horizon': '%dd' % days})
                        with EMClient('127.0.0.1', port=sim.port, username='Administrator',
                                      password='Sup3r-S3cret!Pa55', ca_path=sim.ca_path, wire_format=wire_format) as em:
                            data = gather(em, options, page_size=page_size)
                        report = _compliance.build_report(data, options, em='bench')
                        times.append(time.perf_counter() - started)
                    log = sim.request_log()
                    logons = sum(1 for entry in log if entry['method'] == 'POST' and 'sessionMngr' in entry['path'])
                    points = sum(report['totals'][name]['total'] for name in report['totals'])
                    label = 'client gather and judge, %s, pages of %d' % (wire_format.upper(), page_size)
                    rows.append((label, statistics.median(times), len(log), logons, points, len(report['subjects'])))
                    print('points %-45s %7.2f s  %4d requests  %d points  %d VMs' % (
                        label, statistics.median(times), len(log), points, len(report['subjects'])), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    lines = [
        POINTS_TITLE,
        '',
        'The checks `vm_restore_points` and `vm_replica_points` (off by default) on `emsim.dataset.protection`: %d VMs in'
        % vms,
        '%d backup jobs backed up daily over %d days (%d VM restore points), a tenth of them also replicated daily'
        % (max(1, vms // 100), days, counts['vm_restore_points']),
        '(%d VM replica points); one job failed its last two nights and one VM left its job 5 days ago (generated in %.1f s).'
        % (counts['vm_replica_points'], generated),
        'Each check reads every point of its horizon (%d days) in one paged query sorted on the server, newest first;' % days,
        'never one request per VM; `vm_restore_points` also reads the backups\' restore points of the horizon (one more',
        'paged query, %d here) to name each VM\'s backup. Times are the median of %d run(s), logon and logout'
        % (counts['restore_points'], repeat),
        'included; the role row is ansible-playbook, start-up included (see the start-up row above), with the role\'s',
        'default pages of 500.',
        '',
        '| run | time | requests | logons | points read | VMs judged |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
    ]
    for label, seconds, requests, logons, points, judged in rows:
        lines.append('| %s | %.1f s | %d | %d | %s | %s |' % (
            label, seconds, requests, logons, '-' if points is None else points, '-' if judged is None else judged))
    lines += [
        '',
        '**Reading it.** The cost grows with the points of the horizon (VMs x days), not with the number of checks run:',
        'a shorter `session_compliance_protection_horizon` or larger `session_compliance_page_size` pages cost fewer',
        'requests. A real EM reads each page from SQL; a horizon of 30 days over 2,000 daily VMs is about 120 pages of',
        '500.',
        '',
    ]
    return lines


def write_points_section(path, section):
    """Replace the points section of ``path`` (or add it at the end), leaving the rest as it is."""
    text = ''
    if os.path.exists(path):
        with open(path, encoding='utf-8') as handle:
            text = handle.read()
    if POINTS_TITLE in text:
        head, tail = text.split(POINTS_TITLE, 1)
        rest = tail.split('\n## ', 1)
        text = head + '\n'.join(section) + ('\n## ' + rest[1] if len(rest) > 1 else '')
    else:
        text = text.rstrip('\n') + '\n\n' + '\n'.join(section)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--sessions', type=int, default=20000,
                        help='CDP and replication sessions, half each (default %(default)s)')
    parser.add_argument('--backup-sessions', type=int, default=None,
                        help='backup job sessions (default: as many as --sessions)')
    parser.add_argument('--days', type=float, default=30)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--write', help='write the results as Markdown into this file')
    parser.add_argument('--before-ref', default=BEFORE_REF,
                        help='git ref of the collection whose role is measured as "before" (default %(default)s)')
    parser.add_argument('--role-only', action='store_true', help='measure only the role (part 1)')
    parser.add_argument('--points-only', action='store_true', help='measure only the points checks (part 3)')
    parser.add_argument('--points-vms', type=int, default=2000)
    parser.add_argument('--points-days', type=int, default=30)
    parser.add_argument('--points-repeat', type=int, default=1)
    args = parser.parse_args()

    if args.points_only:
        section = measure_points(args.points_vms, args.points_days, args.points_repeat)
        if args.write:
            write_points_section(args.write, section)
            print('wrote %s' % args.write)
        return

    # The role looks back from the real clock, so its data set ends now; same seed, same sessions and results.
    real_now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    backups = args.sessions if args.backup_sessions is None else args.backup_sessions
    role_dataset = generate(seed=2026, sessions=args.sessions, days=args.days, now=real_now, backup_sessions=backups)
    with Simulator(dataset=role_dataset, tls=True) as sim:
        role_rows = measure_role(sim, args.before_ref, args.repeat)
    del role_dataset
    if args.role_only:
        return

    started = time.perf_counter()
    dataset = generate(seed=2026, sessions=args.sessions, days=args.days, now=NOW, backup_sessions=backups)
    generated = time.perf_counter() - started
    counts = dataset.counts()
    rows = []
    with Simulator(dataset=dataset, tls=True) as sim:
        for title, ours, baseline in SCENARIOS:
            for wire_format in ('xml', 'json'):
                ours_s, ours_n, ours_found = measure(sim, ours, wire_format, args.repeat)
                base_s, base_n, base_found = measure(sim, baseline, wire_format, args.repeat)
                if ours_found != base_found:
                    raise SystemExit('%s (%s): the client found %d, the baseline %d' % (
                        title, wire_format, ours_found, base_found))
                rows.append((title, wire_format, ours_found, ours_n, ours_s, base_n, base_s))
                print('%-75s %-4s items %6d | ours %4d requests %7.2f s | baseline %4d requests %7.2f s' % (
                    title, wire_format, ours_found, ours_n, ours_s, base_n, base_s), flush=True)

    lines = [
        '# Performance',
        '',
        'Measured by `make bench` (`tools/bench.py`); the file is rewritten by each run.',
        '',
        '**Setup.** The bundled EM simulator over HTTPS on 127.0.0.1, in the same process as the client, serving a',
        'generated data set (seed 2026) of %d backup job sessions, %d backup task sessions, %d CDP sessions, %d CDP'
        % (counts['backup_job_sessions'], counts['backup_task_sessions'], counts['cdp_replica_sessions'],
           counts['cdp_replica_task_sessions']),
        'task sessions, %d replication job sessions and %d replication task sessions over %g days (generated in %.1f s).'
        % (counts['replica_job_sessions'], counts['replica_task_sessions'], args.days, generated),
        'Python %s on %s, %d cores. Times are the median of %d runs and include logon and logout; requests count'
        % (platform.python_version(), platform.machine(), os.cpu_count() or 0, args.repeat),
        'every HTTP request, logon and logout too.',
        'The machine is shared: its load average was %.1f when the run ended, so times vary from run to run;'
        % os.getloadavg()[0],
        'request and logon counts do not.',
        '',
        '## The session_compliance role, before and after the compliance engine',
        '',
        'One run of the role with its defaults (lookback 24h; the default checks: backup jobs and their VMs,',
        'replication jobs, CDP policies and their VMs; pages of 500) against a data set generated with the same seed',
        'that ends at the time of the run, by `ansible-playbook`, start-up included. The benchmark fails when this',
        'run makes more than %d requests or more than one logon.' % MAX_ROLE_REQUESTS,
        '"before" is the role at commit `%s` (replication and CDP only: one module per check, then one module run'
        % args.before_ref,
        'per failed session to read its reason), extracted from git by the benchmark; "now" is this checkout (one run of',
        '`session_compliance_info`). Requests and logons are counted in the simulator\'s request log. The last row',
        'is a playbook with one `debug` task: what ansible-playbook costs before the role does anything.',
        '',
        '**History.** "now" reads the default history of 7 days (`session_compliance_history`) in the same queries as',
        'the window; the rows "now, history ..." are one run each with another depth. The sessions of jobs and',
        'policies that reach into the history are read in pages of %d (the client\'s other reads use the role\'s'
        % HISTORY_PAGE_SIZE,
        '`session_compliance_page_size`), so a deeper history costs bytes and seconds rather than requests, and never',
        'another logon.',
        '',
        '| role | time | requests | logons | logouts | runs |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
    ]
    for label, seconds, requests, logons, logouts, runs in role_rows:
        lines.append('| %s | %.1f s | %d | %d | %d | median of %d |' % (label, seconds, requests, logons, logouts, runs))
    lines += [
        '',
        '## Single queries of the client',
        '',
        '**Baseline.** What the monitoring scripts this collection replaces do: query without a filter, page through',
        "everything at EM's default page size of 100, then filter and sort in Python. Both sides return the same items",
        '(the benchmark checks it).',
        '',
        '| question | wire | items | requests | time | baseline requests | baseline time | speed-up |',
        '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ]
    for title, wire_format, found, ours_n, ours_s, base_n, base_s in rows:
        lines.append('| %s | %s | %d | %d | %.2f s | %d | %.2f s | %.0fx |' % (
            title, wire_format, found, ours_n, ours_s, base_n, base_s, base_s / ours_s if ours_s else 0))
    lines += [
        '',
        '**Reading it.** A real EM answers each request in tens to hundreds of milliseconds and pays for every row it',
        'reads from SQL, so on a server with years of history the request count matters more than the local times',
        'here. The CDP task session result is the one filter the query service does not offer; the client applies it',
        'while paging; the benchmark asks for pages of 500 (the role\'s default; the modules default to 100), so it reads',
        'every task session in the time window and no more.',
        '',
    ]
    lines += measure_points(args.points_vms, args.points_days, args.points_repeat)
    if args.write:
        with open(args.write, 'w', encoding='utf-8') as handle:
            handle.write('\n'.join(lines))
        print('wrote %s' % args.write)


if __name__ == '__main__':
    main()
