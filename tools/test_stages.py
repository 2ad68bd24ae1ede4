"""Run the stages of `make test` one after the other and end with one summary.

    python tools/test_stages.py [--log-dir DIR] [--verbose] STAGE [STAGE ...]

Each STAGE is a make target. Its whole output goes to DIR/STAGE.log; the terminal gets one line per
stage, and the full log of a stage that failed. With --verbose (TEST_VERBOSE=1 in make) the output is
also streamed as it comes. Every stage runs even when an earlier one failed, so one run shows all that
is broken; the exit status is non-zero when any failed.

The summary lists each stage, what it counted (pytest tests, sanity tests, integration targets, linted
files) and its time. Its last line is `N passed, N failed` (CI reads the last line): pytest tests,
sanity tests and integration targets as they were counted, and one per stage that counts nothing else.
"""

import argparse
import os
import re
import subprocess
import sys
import time

# `== 12 passed, 1 failed, 2 skipped in 3.45s ==` (pytest; ansible-test units prints one too).
PYTEST_SUMMARY = re.compile(r'^=+ (?P<counts>(?:\d+ \w+(?:, )?)+)(?: in [\d.]+s.*)? =+$', re.MULTILINE)
PYTEST_COUNT = re.compile(r'(\d+) (\w+)')
SANITY_RUN = re.compile(r'^Running sanity test "', re.MULTILINE)
SANITY_FAILED = re.compile(r'The (\d+) sanity test\(s\) listed below \(out of \d+\) failed')
INTEGRATION_RUN = re.compile(r'^Running (\S+) integration test (?:role|script)', re.MULTILINE)
LINT_FILES = re.compile(r'in (\d+) files processed')
ANSI = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')


class Result:
    """What one stage did."""

    def __init__(self, stage, rc, seconds, output):
        self.stage = stage
        self.rc = rc
        self.seconds = seconds
        self.passed, self.failed, self.skipped, self.what = count(output, rc)

    @property
    def ok(self):
        return self.rc == 0


def count(output, rc):
    """(passed, failed, skipped, description) read from a stage's output."""
    output = ANSI.sub('', output)
    summaries = PYTEST_SUMMARY.findall(output)
    if summaries:
        totals = {}
        for counts in summaries:
            for number, word in PYTEST_COUNT.findall(counts):
                totals[word] = totals.get(word, 0) + int(number)
        passed = totals.get('passed', 0) + totals.get('xfailed', 0)
        failed = totals.get('failed', 0) + totals.get('errors', 0) + totals.get('error', 0) + totals.get('xpassed', 0)
        skipped = totals.get('skipped', 0)
        if rc and not failed:
            failed = 1
        return passed, failed, skipped, 'pytest tests'
    sanity = len(SANITY_RUN.findall(output))
    if sanity:
        match = SANITY_FAILED.search(output)
        failed = int(match.group(1)) if match else (1 if rc else 0)
        return sanity - failed, failed, 0, 'sanity tests'
    targets = INTEGRATION_RUN.findall(output)
    if targets:
        # ansible-test stops at the first failing target: the last one started is the one that failed.
        failed = 1 if rc else 0
        return len(targets) - failed, failed, 0, 'integration targets'
    match = LINT_FILES.search(output)
    if match:
        return (0, 1, 0, 'check (%s files)' % match.group(1)) if rc else (1, 0, 0, 'check (%s files)' % match.group(1))
    return (0, 1, 0, 'check') if rc else (1, 0, 0, 'check')


def run(stage, log_dir, verbose):
    log_path = os.path.join(log_dir, stage + '.log')
    started = time.monotonic()
    chunks = []
    with open(log_path, 'w', encoding='utf-8', errors='replace') as log:
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            ['make', '--no-print-directory', stage], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        for raw in iter(process.stdout.readline, b''):
            line = raw.decode('utf-8', errors='replace')
            chunks.append(line)
            log.write(line)
            if verbose:
                sys.stdout.write(line)
                sys.stdout.flush()
        rc = process.wait()
    return Result(stage, rc, time.monotonic() - started, ''.join(chunks)), log_path


def duration(seconds):
    return '%dm%02ds' % divmod(int(round(seconds)), 60) if seconds >= 60 else '%.1fs' % seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--log-dir', default=os.path.join('build', 'test-logs'))
    parser.add_argument('--verbose', action='store_true', help='stream every stage\'s output too')
    parser.add_argument('stages', nargs='+')
    args = parser.parse_args(argv)
    os.makedirs(args.log_dir, exist_ok=True)

    results = []
    for stage in args.stages:
        print('==> make %s (log: %s)' % (stage, os.path.join(args.log_dir, stage + '.log')), flush=True)
        result, log_path = run(stage, args.log_dir, args.verbose)
        results.append(result)
        print('    %s in %s: %s, %d passed, %d failed, %d skipped' % (
            'ok' if result.ok else 'FAILED', duration(result.seconds), result.what, result.passed, result.failed,
            result.skipped), flush=True)
        if not result.ok and not args.verbose:
            print('---- %s (exit %d) ----' % (log_path, result.rc))
            with open(log_path, encoding='utf-8', errors='replace') as handle:
                sys.stdout.write(handle.read())
            print('---- end of %s ----' % log_path, flush=True)

    width = max([len('total')] + [len(r.stage) for r in results])
    row = '  {:<%d}  {:<6}  {:>6}  {:>6}  {:>7}  {:<26} {:>8}' % width
    print()
    print('Summary of make test (logs in %s)' % args.log_dir)
    print(row.format('stage', 'result', 'passed', 'failed', 'skipped', 'counted', 'time'))
    for r in results:
        print(row.format(r.stage, 'ok' if r.ok else 'FAILED', r.passed, r.failed, r.skipped, r.what, duration(r.seconds)))
    print(row.format('total', 'ok' if all(r.ok for r in results) else 'FAILED', sum(r.passed for r in results),
                     sum(r.failed for r in results), sum(r.skipped for r in results), '',
                     duration(sum(r.seconds for r in results))))
    print('%d passed, %d failed' % (sum(r.passed for r in results), sum(r.failed for r in results)))
    return 0 if all(r.ok for r in results) else 1


if __name__ == '__main__':
    sys.exit(main())
