"""EM's text in the role's custom stats is inert when AWX hands them to the next workflow node (issue 16, point 2).

AWX passes a node's ``set_stats`` data to the next node as extra vars, which ansible-core 2.19 reads as trusted
templates. Emulated here: the role runs through real ansible-playbook against a simulator whose failed CDP session
carries a failure message with a ``pipe`` lookup and whose failed VM is named ``vm-{{ 6*7 }}``; the custom stats
it prints are written to ``stats.json`` and a second ansible-playbook run gets them with ``-e @stats.json`` and
prints them. No canary file, no ``vm-42``; the escaped text is shown as it is documented (``{ {``), and the report
file keeps EM's text unchanged.
"""

import datetime
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import HERE, collections_path, utc_iso

from emsim.dataset import healthy  # pylint: disable=import-error
from emsim.server import DEFAULT_USERS, Simulator  # pylint: disable=import-error

NOW = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
PAYLOAD = "Snapshot failed: {{ lookup('ansible.builtin.pipe', 'echo PWNED > CANARY') }}"
VM = 'vm-{{ 6*7 }}'


def hostile_dataset():
    """A healthy EM whose newest finished CDP session failed, its message and one VM's name and reason hostile."""
    data = healthy(seed=5, sessions=30, days=3, now=NOW)
    finished = [item for item in data.cdp_replica_sessions if item['end_time'] is not None]
    session = max(finished, key=lambda item: item['creation_time'])
    session.update(result='Failed', failure_message=PAYLOAD)
    task = [item for item in data.cdp_replica_task_sessions if item['session_uuid'] == session['uuid']][0]
    task.update(result='Failed', reason=PAYLOAD, vm_display_name=VM,
                name='%s@%s' % (VM, task['creation_time'].isoformat(' ')[:19]))
    data.reindex()
    return data


@pytest.fixture(scope='module')
def simulator(tmp_path_factory):
    sim = Simulator(dataset=hostile_dataset(), tls=True, cert_dir=str(tmp_path_factory.mktemp('sim-hostile')))
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def run_next_node(stats_file, cwd):
    """The next workflow node: a playbook given the stats as extra vars, printing them. The playbook is copied
    into ``cwd``: the pipe lookup runs in the playbook's directory, where the canary would land."""
    playbook_copy = os.path.join(cwd, 'show_stats.yml')
    shutil.copy(os.path.join(HERE, 'playbooks', 'show_stats.yml'), playbook_copy)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path(), ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_RETRY_FILES_ENABLED='false',
               ANSIBLE_CALLBACK_RESULT_FORMAT='json', ANSIBLE_LOCAL_TEMP=os.path.join(cwd, 'ansible-tmp-next'))
    env.pop('ANSIBLE_STDOUT_CALLBACK', None)
    playbook = shutil.which('ansible-playbook') or os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    return subprocess.run([playbook, playbook_copy, '-e', '@' + stats_file],
                          env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300,
                          check=False)


def test_stats_handed_to_the_next_node_are_never_evaluated(simulator, run_playbook, tmp_path):
    username = 'Administrator'
    hosts = {'em-hostile': {
        'report_source': 'role', 'em_host': '127.0.0.1', 'em_port': simulator.port, 'em_username': username,
        'em_password': DEFAULT_USERS[username][0], 'em_ca_path': simulator.ca_path,
        'em_lookback': utc_iso(NOW - datetime.timedelta(days=3)), 'session_compliance_report_name': 'em-hostile'}}
    run = run_playbook(hosts, {'session_compliance_report_formats': ['json']})
    assert run.rc == 2, run  # the failed session is a violation

    # The report file keeps EM's text as it is.
    with open(run.path('em-hostile.json'), encoding='utf-8') as handle:
        report = json.load(handle)
    assert any(PAYLOAD in line for line in report['lines']), report['lines']
    assert any(VM in line for line in report['lines']), report['lines']

    stats = run.custom_stats
    assert stats is not None, run
    summary = stats['session_compliance']['em-hostile']
    text = json.dumps(summary, ensure_ascii=False)
    assert '{{' not in text and '{%' not in text and '{#' not in text, text
    # The documented escape: a space after each '{' that would open a delimiter, visible and reversible by eye.
    assert "Snapshot failed: { { lookup('ansible.builtin.pipe', 'echo PWNED > CANARY') }}" in text, text
    assert 'vm-{ { 6*7 }}' in text, text

    # AWX: the next node gets the stats as extra vars (-e @file) and shows them.
    stats_file = str(tmp_path / 'stats.json')
    with open(stats_file, 'w', encoding='utf-8') as handle:
        json.dump(stats, handle)
    workdir = tmp_path / 'next-node'
    workdir.mkdir()
    shown = run_next_node(stats_file, str(workdir))
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert not os.path.exists(str(workdir / 'CANARY')), shown.stdout
    assert 'PWNED' not in os.listdir(str(workdir))
    assert 'vm-42' not in shown.stdout, shown.stdout
    assert 'vm-{ { 6*7 }}' in shown.stdout, shown.stdout
    assert "{ { lookup('ansible.builtin.pipe'" in shown.stdout, shown.stdout


def test_control_characters_and_bidi_controls_reach_neither_the_files_nor_the_terminal(run_playbook, tmp_path):
    """Issue 16, point 9: a raw CR in Prometheus label values; bidi overrides in the page and the failure message."""
    from prometheus_client.parser import text_string_to_metric_families  # pylint: disable=import-outside-toplevel
    from conftest import load_fixture  # pylint: disable=import-outside-toplevel

    report = load_fixture('em01_every_verdict.json')
    report['subjects'][0]['name'] = u'Exchange\r\n\u202eexe.gpj\u202c'
    report['violations'][0]['message'] = u'lagging \u202egnigral\u202c \x1b[2J\x1b]0;owned\x07 behind'
    report['lines'][1] = u'cdp | \u202eevil\u202c | \x1b[31mred\x1b[0m | Failed: \u2066why\u2069\r\n'
    fixture = tmp_path / 'hostile-report.json'
    fixture.write_text(json.dumps(report), encoding='utf-8')
    run = run_playbook({'em01': {'report_source': 'fixture', 'report_fixture': str(fixture)}},
                       {'session_compliance_report_formats': ['html', 'prometheus', 'json']})
    assert run.rc == 2, run
    fatal = [line for line in run.stdout.splitlines() if line.startswith('fatal: [em01]: FAILED! => ')]
    assert len(fatal) == 1, run
    message = json.loads(fatal[0].split(' => ', 1)[1])['msg']
    assert message.startswith('Enterprise Manager em01.example.com did not pass, 4 incident(s): listed above.')
    # The block shows EM's text without its escape sequences and controls.
    assert u'lagging gnigral  behind' in run.stdout, run
    for char in (u'\u202e', u'\u202c', u'\u2066', u'\x1b', u'\x07', u'\r'):
        assert char not in run.stdout, repr(char)  # the failure message and the custom stats alike
        assert char not in run.read('em01.example.com.html'), repr(char)
        assert char not in run.read('em01.example.com.prom'), repr(char)
    families = list(text_string_to_metric_families(run.read('em01.example.com.prom')))
    names = set(sample.labels.get('name') for family in families for sample in family.samples)
    assert u'Exchange\nexe.gpj' in names
    # The JSON report keeps EM's text as it is.
    with open(run.path('em01.example.com.json'), encoding='utf-8') as handle:
        assert json.load(handle)['lines'][1] == report['lines'][1]
