# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the unit tests and the integration targets under every supported ansible-core minor.

Usage: python tools/compat.py --tarball build/veeam-enterprise_manager-X.Y.Z.tar.gz
           [--root build/compat] [--versions 2.16,2.17] [--no-integration] [--no-units]

For each ansible-core minor from the floor of ``requires_ansible`` in meta/runtime.yml up to the
newest release on the package index (or the ones given with --versions or $COMPAT_VERSIONS):

1. find a Python that the release supports (the lowest of 3.11, 3.12, ... found with pyenv or on
   PATH whose pip sees the release; ansible-core 2.20+ needs 3.12). None found: the run fails;
   a version is never skipped;
2. build ``<root>/<minor>/venv`` with that ansible-core and the test requirements, or reuse it when
   its stamp says the same Python and the same requirements were installed;
3. install the tarball with that version's ``ansible-galaxy collection install`` into
   ``<root>/<minor>/collections``;
4. run ``ansible-test units`` and ``tools/integration.sh`` (the integration targets against the
   simulator) from the installed copy.

Logs go to ``<root>/<minor>/*.log`` and to stdout. The last line printed is ``N passed, N failed``
summed over every version (unit tests and integration targets); the exit code is 1 when anything
failed or could not run. Standard library only: it runs before any virtual environment exists.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTION = ('veeam', 'enterprise_manager')
# What the per-version venvs get besides ansible-core: the collection's and the unit tests' run-time
# requirements (files, read for the stamp) and what `ansible-test units` runs pytest with (its own
# _data/requirements/units.txt: mock, pytest, pytest-mock, pytest-xdist, pyyaml).
REQUIREMENT_FILES = ('requirements.txt', 'tests/unit/requirements.txt')
TEST_PACKAGES = ('pytest', 'pytest-xdist', 'pytest-mock', 'mock', 'pyyaml')
# Pythons to look for, lowest first: each ansible-core minor runs on the lowest one that supports it.
PYTHON_CANDIDATES = ('3.11', '3.12', '3.13', '3.14')
RELEASE_RE = re.compile(r'^(\d+)\.(\d+)\.(\d+)$')


class CompatError(Exception):
    """Something that stops the matrix from running at all (no Python, no index)."""


def log(message):
    print('compat: %s' % message, flush=True)


def minor_of(version):
    return tuple(int(part) for part in version.split('.')[:2])


def minor_text(minor):
    return '%d.%d' % minor


# ------------------------------------------------------------------------------ what to test

def floor_version():
    """The lowest minor of ``requires_ansible`` in meta/runtime.yml (``>=2.16.0`` gives 2.16)."""
    with open(os.path.join(ROOT, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        text = handle.read()
    match = re.search(r'''^requires_ansible:\s*['"]?>=\s*(\d+)\.(\d+)''', text, re.MULTILINE)
    if not match:
        raise CompatError('meta/runtime.yml has no requires_ansible: ">=X.Y..." to start the matrix from')
    return int(match.group(1)), int(match.group(2))


def index_versions(python, ignore_requires_python=False):
    """Final ansible-core releases the package index offers to ``python`` (``pip index versions``)."""
    command = [python, '-m', 'pip', 'index', 'versions', 'ansible-core', '--disable-pip-version-check']
    if ignore_requires_python:
        command.append('--ignore-requires-python')
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in result.stdout.splitlines():
        if line.startswith('Available versions:'):
            return [v.strip() for v in line.split(':', 1)[1].split(',') if RELEASE_RE.match(v.strip())]
    raise CompatError('`%s` listed no ansible-core releases (exit %d):\n%s'
                      % (' '.join(command), result.returncode, (result.stderr or result.stdout).strip()))


def python_version(python):
    result = subprocess.run([python, '-c', 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])'],
                            capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def find_pythons():
    """{'3.11': '/path/to/python3.11', ...}: pyenv installs first, then PATH (pyenv shims are skipped)."""
    found = {}
    pyenv = shutil.which('pyenv')
    if pyenv:
        result = subprocess.run([pyenv, 'versions', '--bare'], capture_output=True, text=True, check=False)
        installed = [line.strip() for line in result.stdout.splitlines() if re.match(r'^\d+\.\d+\.\d+$', line.strip())]
        for wanted in PYTHON_CANDIDATES:
            matches = sorted((v for v in installed if v.startswith(wanted + '.')),
                             key=lambda v: tuple(int(p) for p in v.split('.')))
            if matches:
                prefix = subprocess.run([pyenv, 'prefix', matches[-1]], capture_output=True, text=True, check=False)
                candidate = os.path.join(prefix.stdout.strip(), 'bin', 'python' + wanted)
                if prefix.returncode == 0 and python_version(candidate) == wanted:
                    found[wanted] = candidate
    for wanted in PYTHON_CANDIDATES:
        if wanted in found:
            continue
        for directory in os.environ.get('PATH', '').split(os.pathsep):
            candidate = os.path.join(directory, 'python' + wanted)
            if '/shims' in directory or '/.venv/' in candidate or not os.access(candidate, os.X_OK):
                continue
            if python_version(candidate) == wanted:
                found[wanted] = candidate
                break
    return found


def plan(requested):
    """[(minor, python version, python path)] for every minor to test."""
    pythons = find_pythons()
    if not pythons:
        raise CompatError('found no Python %s (with venv and ensurepip) through pyenv or on PATH'
                          % ', '.join(PYTHON_CANDIDATES))
    log('Pythons found: %s' % ', '.join('%s (%s)' % (v, p) for v, p in sorted(pythons.items(), key=lambda i: minor_of(i[0]))))
    lowest = pythons[sorted(pythons, key=minor_of)[0]]
    if requested:
        minors = sorted(set(minor_of(v) for v in requested))
    else:
        everything = index_versions(lowest, ignore_requires_python=True)
        floor = floor_version()
        newest = max(minor_of(v) for v in everything)
        minors = sorted(set(m for m in (minor_of(v) for v in everything) if floor <= m <= newest))
        log('ansible-core minors from requires_ansible (%s) to the newest release (%s): %s'
            % (minor_text(floor), minor_text(newest), ' '.join(minor_text(m) for m in minors)))
    seen = {}
    chosen = []
    for minor in minors:
        for version in sorted(pythons, key=minor_of):
            if version not in seen:
                seen[version] = set(minor_of(v) for v in index_versions(pythons[version]))
            if minor in seen[version]:
                chosen.append((minor, version, pythons[version]))
                break
        else:
            raise CompatError('no Python found supports ansible-core %s (looked for %s with pyenv and on PATH, found %s): '
                              'install a newer Python (for example `pyenv install 3.12`) or put it on PATH'
                              % (minor_text(minor), ', '.join(PYTHON_CANDIDATES), ', '.join(sorted(pythons, key=minor_of))))
    return chosen


# ------------------------------------------------------------------------------ running

def run(command, log_path, env=None, cwd=None):
    """Run a command with its output both on stdout and in ``log_path``; return (exit code, output)."""
    lines = []
    with open(log_path, 'a', encoding='utf-8') as log_file:
        log_file.write('$ %s\n' % ' '.join(command))
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   errors='replace', env=env, cwd=cwd)
        for line in process.stdout:
            sys.stdout.write(line)
            log_file.write(line)
            lines.append(line)
        process.wait()
    sys.stdout.flush()
    return process.returncode, ''.join(lines)


def clean_environment(venv):
    """The environment for one version: its venv first on PATH, nothing of the outer .venv."""
    env = dict(os.environ)
    outer = env.pop('VIRTUAL_ENV', None)
    path = [p for p in env.get('PATH', '').split(os.pathsep)
            if p and not (outer and p.startswith(outer)) and not p.rstrip('/').endswith('/.venv/bin')]
    env['PATH'] = os.pathsep.join([os.path.join(venv, 'bin')] + path)
    env['VIRTUAL_ENV'] = venv
    env.pop('PYTHONPATH', None)
    env.pop('ANSIBLE_COLLECTIONS_PATH', None)
    env.pop('ANSIBLE_COLLECTIONS_PATHS', None)
    env['PIP_DISABLE_PIP_VERSION_CHECK'] = '1'
    return env


def requirement_stamp(minor, python_path, python_ver):
    digest = hashlib.sha256()
    text = '%s\n%s\nansible-core==%s.*\n%s\n' % (python_ver, os.path.realpath(python_path), minor_text(minor),
                                                 ' '.join(TEST_PACKAGES))
    digest.update(text.encode())
    for name in REQUIREMENT_FILES:
        with open(os.path.join(ROOT, name), 'rb') as handle:
            digest.update(handle.read())
    return digest.hexdigest()


def ensure_venv(minor, python_path, python_ver, directory, log_path):
    """The version's venv, rebuilt only when the stamp (Python + requirements) changed. Returns its path."""
    venv = os.path.join(directory, 'venv')
    stamp_path = os.path.join(venv, '.compat-requirements')
    stamp = requirement_stamp(minor, python_path, python_ver)
    try:
        with open(stamp_path, encoding='utf-8') as handle:
            if handle.read().strip() == stamp and os.access(os.path.join(venv, 'bin', 'ansible-test'), os.X_OK):
                log('%s: reusing %s (requirements unchanged)' % (minor_text(minor), os.path.relpath(venv, ROOT)))
                return venv
    except OSError:
        pass
    log('%s: building %s with Python %s' % (minor_text(minor), os.path.relpath(venv, ROOT), python_ver))
    shutil.rmtree(venv, ignore_errors=True)
    env = clean_environment(venv)
    for command in (
            [python_path, '-m', 'venv', venv],
            [os.path.join(venv, 'bin', 'python'), '-m', 'pip', 'install', '--quiet', '--upgrade', 'pip'],
            [os.path.join(venv, 'bin', 'python'), '-m', 'pip', 'install', '--quiet', 'ansible-core==%s.*' % minor_text(minor)]
            + [arg for name in REQUIREMENT_FILES for arg in ('-r', os.path.join(ROOT, name))] + list(TEST_PACKAGES)):
        code, dummy = run(command, log_path, env=env)
        if code != 0:
            raise CompatError('%s: `%s` failed with exit code %d' % (minor_text(minor), ' '.join(command), code))
    with open(stamp_path, 'w', encoding='utf-8') as handle:
        handle.write(stamp + '\n')
    return venv


def installed_core(venv):
    result = subprocess.run([os.path.join(venv, 'bin', 'python'), '-c',
                             'from ansible.release import __version__; print(__version__)'],
                            capture_output=True, text=True, check=False)
    return result.stdout.strip() or '?'


def pytest_counts(output):
    """(passed, failed) summed over the pytest summary lines (ansible-test units runs pytest once per
    group: modules, module_utils, controller), errors counted as failures; None without any summary."""
    total = None
    for line in output.splitlines():
        if not (re.match(r'^=+ .*\d+ (passed|failed|errors?)\b.* in [\d.]+s', line)):
            continue
        counts = dict((kind, int(number)) for number, kind in re.findall(r'(\d+) (passed|failed|errors?)', line))
        passed = counts.get('passed', 0)
        failed = counts.get('failed', 0) + counts.get('error', 0) + counts.get('errors', 0)
        total = (passed, failed) if total is None else (total[0] + passed, total[1] + failed)
    return total


def integration_counts(output, code):
    """(passed, failed) targets from ansible-test integration --continue-on-error output."""
    ran = re.findall(r'^Running (\S+) integration test role', output, re.MULTILINE)
    failed = 0
    match = re.search(r'The (\d+) integration test\(s\) listed below .* failed', output)
    if match:
        failed = int(match.group(1))
    elif code != 0:
        failed = max(1, len(ran))  # died before or outside the targets: count it, never pass it
    return max(0, len(ran) - failed), failed


def test_version(minor, python_ver, python_path, args):
    """Run everything for one minor; returns a result dict."""
    name = minor_text(minor)
    directory = os.path.join(args.root, name)
    os.makedirs(directory, exist_ok=True)
    for leftover in ('setup.log', 'units.log', 'integration.log'):
        if os.path.exists(os.path.join(directory, leftover)):
            os.remove(os.path.join(directory, leftover))
    result = {'minor': name, 'python': python_ver, 'core': '?', 'units': None, 'integration': None, 'problems': []}
    started = time.time()
    venv = ensure_venv(minor, python_path, python_ver, directory, os.path.join(directory, 'setup.log'))
    result['core'] = installed_core(venv)
    env = clean_environment(venv)
    collections = os.path.join(directory, 'collections')
    shutil.rmtree(collections, ignore_errors=True)
    code, dummy = run([os.path.join(venv, 'bin', 'ansible-galaxy'), 'collection', 'install', '--force',
                       '-p', collections, args.tarball], os.path.join(directory, 'setup.log'), env=env)
    installed = os.path.join(collections, 'ansible_collections', *COLLECTION)
    if code != 0 or not os.path.isfile(os.path.join(installed, 'MANIFEST.json')):
        result['problems'].append('ansible-galaxy collection install failed (exit %d)' % code)
        result['seconds'] = time.time() - started
        return result
    # ansible-test walks up to a .git to list files; naming the content root keeps it in the installed copy.
    env['ANSIBLE_TEST_CONTENT_ROOT'] = installed
    env['ANSIBLE_PYTHON_INTERPRETER'] = os.path.join(venv, 'bin', 'python')
    env['PYTHON'] = os.path.join(venv, 'bin', 'python')

    if not args.no_units:
        log('%s: ansible-test units (ansible-core %s, Python %s)' % (name, result['core'], python_ver))
        code, output = run(['ansible-test', 'units', '--python', python_ver], os.path.join(directory, 'units.log'),
                           env=env, cwd=installed)
        counts = pytest_counts(output)
        if counts is None:
            counts = (0, 1)
            result['problems'].append('units: no pytest summary (exit %d)' % code)
        elif code != 0 and counts[1] == 0:
            counts = (counts[0], 1)
            result['problems'].append('units: exit %d' % code)
        result['units'] = counts

    if not args.no_integration:
        log('%s: integration targets against the simulator' % name)
        code, output = run(['bash', os.path.join(ROOT, 'tools', 'integration.sh'), installed, '--python', python_ver,
                            '--continue-on-error'], os.path.join(directory, 'integration.log'), env=env)
        result['integration'] = integration_counts(output, code)
        if code != 0:
            result['problems'].append('integration: exit %d' % code)
    result['seconds'] = time.time() - started
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description='Unit tests and integration targets under every ansible-core minor.')
    parser.add_argument('--tarball', required=True, help='the collection tarball (make build)')
    parser.add_argument('--root', default=os.path.join(ROOT, 'build', 'compat'), help='where the venvs and installs go')
    parser.add_argument('--versions', default=os.environ.get('COMPAT_VERSIONS', ''),
                        help='comma- or space-separated minors (default: requires_ansible floor to newest release)')
    parser.add_argument('--no-units', action='store_true')
    parser.add_argument('--no-integration', action='store_true')
    args = parser.parse_args(argv)
    args.tarball = os.path.abspath(args.tarball)
    args.root = os.path.abspath(args.root)
    if not os.path.isfile(args.tarball):
        sys.stderr.write('compat: %s does not exist (run `make build`)\n' % args.tarball)
        print('0 passed, 1 failed')
        return 1
    requested = [v for v in re.split(r'[,\s]+', args.versions) if v]
    started = time.time()
    results = []
    try:
        for minor, python_ver, python_path in plan(requested):
            results.append(test_version(minor, python_ver, python_path, args))
    except CompatError as exc:
        sys.stderr.write('compat: ERROR: %s\n' % exc)
        sys.stderr.flush()
        print('%d passed, %d failed' % (sum_counts(results)[0], sum_counts(results)[1] + 1))
        return 1

    print('', flush=True)
    print('compat: ansible-core matrix (%d s in all)' % (time.time() - started))
    print('  %-6s %-9s %-7s %-22s %-22s %s' % ('minor', 'core', 'python', 'units', 'integration', 'time'))
    for result in results:
        print('  %-6s %-9s %-7s %-22s %-22s %4d s%s' % (
            result['minor'], result['core'], result['python'], counts_text(result['units']),
            counts_text(result['integration']), result.get('seconds', 0),
            ('  ' + '; '.join(result['problems'])) if result['problems'] else ''))
    with open(os.path.join(args.root, 'summary.json'), 'w', encoding='utf-8') as handle:
        json.dump(results, handle, indent=1)
    passed, failed = sum_counts(results)
    problems = sum(len(r['problems']) for r in results)
    print('%d passed, %d failed' % (passed, failed), flush=True)
    return 1 if failed or problems else 0


def counts_text(counts):
    return 'not run' if counts is None else '%d passed, %d failed' % counts


def sum_counts(results):
    passed = failed = 0
    for result in results:
        for counts in (result['units'], result['integration']):
            if counts:
                passed += counts[0]
                failed += counts[1]
        if not result['units'] and not result['integration'] and result['problems']:
            failed += 1
    return passed, failed


if __name__ == '__main__':
    sys.exit(main())
