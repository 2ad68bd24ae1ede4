"""docs/docsite/rst/eda.rst, section "Trying it against the simulator", run as written (issue 17): its shell blocks are
taken from the page and run in order by bash, against the simulator that the page itself starts.

Two differences, both said in the page: the project's shared .venv stands in for the fresh one the page
creates (a venv and a PyPI install take too long for a test; the test checks that the venv has every
package the page's pip line names), and a temporary folder of the test stands in for /tmp/eda-try. HOME is
a fresh folder too, so ``ansible-galaxy collection install .`` installs where the page says, not into the
developer's own collections.
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys

from conftest import COLLECTION, TEST_INTERVAL_VARIABLE

DOC = os.path.join(COLLECTION, 'docs', 'docsite', 'rst', 'eda.rst')
SECTION = 'Trying it against the simulator'
VENV_LINES = ('python3 -m venv /tmp/eda-try/venv && . /tmp/eda-try/venv/bin/activate',
              'pip install ansible-core ansible-rulebook requests xmltodict trustme')
# The import name of each package of the pip line.
MODULES = {'ansible-core': 'ansible', 'ansible-rulebook': 'ansible_rulebook', 'requests': 'requests',
           'xmltodict': 'xmltodict', 'trustme': 'trustme'}


def section(text, title):
    """The text of the section titled ``title`` (an RST title underlined with ``-``), up to the next one."""
    start = re.search(r'^%s\n-+\n' % re.escape(title), text, flags=re.M).end()
    following = re.search(r'^[^\n]+\n-{3,}\n', text[start:], flags=re.M)
    return text[start:start + following.start() if following else len(text)]


def blocks(text, language):
    """The contents of the ``.. code:: <language>`` blocks of ``text``, unindented, in order."""
    found = []
    for body in re.findall(r'^\.\. code(?:-block)?:: %s\n\n((?:(?:   .*)?\n)+)' % language, text, flags=re.M):
        found.append(''.join(line[3:] + '\n' for line in body.rstrip('\n').split('\n')))
    return found


def test_the_install_lines_name_ansible_core():
    with open(DOC, encoding='utf-8') as handle:
        text = handle.read()
    install = blocks(section(text, 'Running it with ansible-rulebook'), 'sh')[0]
    assert re.search(r'^pip install ansible-core ansible-rulebook requests xmltodict$', install, flags=re.M), install
    assert 'python3 -m venv' in install


def test_trying_it_against_the_simulator_runs_as_written(tmp_path):
    with open(DOC, encoding='utf-8') as handle:
        text = handle.read()
    part = section(text, SECTION)
    shell = blocks(part, 'sh')
    assert len(shell) >= 4, 'the section lost its shell blocks'
    first = shell[0].splitlines()
    assert [line.split('  #')[0].rstrip() for line in first[:2]] == list(VENV_LINES), first[:2]
    pip_packages = VENV_LINES[1].split()[2:]
    missing = [name for name in pip_packages if importlib.util.find_spec(MODULES[name]) is None]
    assert not missing, 'the shared venv lacks %s' % missing
    script = '\n'.join(['\n'.join(first[2:])] + shell[1:])

    work = tmp_path / 'eda-try'
    home = tmp_path / 'home'
    work.mkdir()
    home.mkdir()
    script = script.replace('/tmp/eda-try', str(work))
    bin_dir = os.path.dirname(sys.executable)
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(('VEEAM_EM_', 'ANSIBLE_', TEST_INTERVAL_VARIABLE))}
    env.update({'HOME': str(home), 'PATH': bin_dir + os.pathsep + env.get('PATH', ''), 'NO_COLOR': '1'})
    assert shutil.which('java', path=env['PATH']) and shutil.which('curl', path=env['PATH'])
    done = subprocess.run(['bash', '-euo', 'pipefail', '-c', script], cwd=COLLECTION, env=env, capture_output=True,
                          text=True, timeout=400, check=False, stdin=subprocess.DEVNULL)
    output = done.stdout + done.stderr
    log = (work / 'rulebook.log').read_text(encoding='utf-8', errors='replace') if (work / 'rulebook.log').exists() else ''
    assert done.returncode == 0, output[-4000:] + '\n--- rulebook.log ---\n' + log[-4000:]

    # The collection went where the page says, from this tree.
    installed = home / '.ansible' / 'collections' / 'ansible_collections' / 'veeam' / 'enterprise_manager'
    assert (installed / 'extensions' / 'eda' / 'rulebooks' / 'failed_sessions.yml').is_file()

    # The report the page shows, with the times and the server's name left open.
    sample = blocks(part, 'text')[0].strip()
    pattern = re.escape(sample)
    for variable, wildcard in ((r'2026\-12\-05\ 18:50:00', '[^\']+'), (r'2026\-12\-05T19:00:00\.000000Z', r'\S+'),
                               (r'backupsrv01\.tech\.local', r'\S+')):
        assert variable in pattern, variable
        pattern = pattern.replace(variable, wildcard)
    reports = [line.strip() for line in log.splitlines() if 'VEEAM EM FAILED SESSION' in line]
    assert len(reports) == 1, reports
    assert re.fullmatch(pattern, reports[0]), (reports[0], sample)
    assert 'VEEAM EM FAILED SESSION' in done.stdout, 'the page greps the report out of the log'

    # Stopping ansible-rulebook logged the source out (every logon, the playbook's too, has its logout),
    # and the simulator is gone.
    entries = [json.loads(line) for line in (work / 'sim' / 'requests.log').read_text(encoding='utf-8').splitlines()]
    logons = [e for e in entries if e['method'] == 'POST' and 'sessionmngr' in e['path'].lower() and e['status'] == 201]
    logouts = [e for e in entries if e['method'] == 'DELETE' and e['status'] == 204]
    assert logons and len(logouts) == len(logons), (len(logons), len(logouts))
    still = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                if str(work).encode() in handle.read():
                    still.append(pid)
        except OSError:
            continue
    assert not still, 'processes of the page still run: %s' % still
