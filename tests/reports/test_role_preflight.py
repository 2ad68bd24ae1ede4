"""What the role refuses before any request (issue 17, points 2 and 4), through real ansible-playbook and two
simulators: a typo in a role variable, and several inventory hosts on one Enterprise Manager, whether the
connection comes from the role variables, the play's module_defaults or VEEAM_EM_HOST/VEEAM_EM_PORT."""

import datetime
import json

import pytest

from conftest import utc_iso

from emsim.dataset import healthy  # pylint: disable=import-error
from emsim.server import DEFAULT_USERS, Simulator  # pylint: disable=import-error

NOW = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
USER = 'Administrator'


@pytest.fixture(scope='module')
def simulators(tmp_path_factory):
    started = []
    try:
        for seed in (5, 7):
            sim = Simulator(dataset=healthy(seed=seed, sessions=20, days=2, now=NOW), tls=True,
                            cert_dir=str(tmp_path_factory.mktemp('sim-%d' % seed)))
            sim.start()
            started.append(sim)
        yield started
    finally:
        for sim in started:
            sim.stop()


@pytest.fixture
def sims(simulators):
    for sim in simulators:
        sim.reset()
    return simulators


def em(sim, source='role', with_address=True, **variables):
    entry = {'report_source': source, 'em_username': USER, 'em_password': DEFAULT_USERS[USER][0],
             'em_ca_path': sim.ca_path, 'em_lookback': utc_iso(NOW - datetime.timedelta(days=2)),
             'session_compliance_fail': False}
    if with_address:
        entry.update(em_host='127.0.0.1', em_port=sim.port)
    entry.update(variables)
    return entry


def recap(run, host):
    return run.stdout.split('PLAY RECAP')[1].split(host + ' ')[1].splitlines()[0]


def test_a_typo_in_a_role_variable_fails_before_any_request_naming_the_closest(sims, run_playbook):
    run = run_playbook({'em-a': em(sims[0])}, args=['-e', 'session_compliance_lookbak=7d'])
    assert run.rc == 2, run
    assert ('session_compliance_lookbak is not a variable of the veeam.enterprise_manager.session_compliance role: '
            'did you mean session_compliance_lookback?') in run.stdout, run
    assert sims[0].request_log() == []
    assert run.files() == []


def test_the_role_passes_without_typo(sims, run_playbook):
    run = run_playbook({'em-a': em(sims[0])}, {'session_compliance_report_formats': ['json']})
    assert run.rc == 0, run
    assert run.files() == ['127.0.0.1_%d.json' % sims[0].port], run
    assert sims[0].request_log()


@pytest.mark.parametrize('source', ['role', 'role_defaults'])
def test_two_inventory_hosts_on_one_em_are_refused_before_any_request(sims, run_playbook, source):
    hosts = {'em-one': em(sims[0], source, session_compliance_report_name='first'),
             'em-two': em(sims[0], source, session_compliance_report_name='second'),
             'em-other': em(sims[1], source)}
    run = run_playbook(hosts, {'session_compliance_report_formats': ['json']})
    assert run.rc == 2, run
    message = ('Several hosts of the play report on the same Enterprise Manager, 127.0.0.1:%d (an EM is its host and '
               'port): the inventory hosts em-one, em-two.' % sims[0].port)
    assert message in run.stdout, run
    assert sims[0].request_log() == []
    assert 'failed=1' in recap(run, 'em-one') and 'failed=1' in recap(run, 'em-two'), run
    # The host on an EM of its own goes on.
    assert 'failed=0' in recap(run, 'em-other'), run
    assert '127.0.0.1_%d.json' % sims[1].port in run.files()


def test_the_environment_names_the_em_too(sims, run_playbook, monkeypatch):
    monkeypatch.setenv('VEEAM_EM_HOST', '127.0.0.1')
    monkeypatch.setenv('VEEAM_EM_PORT', str(sims[1].port))
    hosts = {'env-one': em(sims[1], 'role_defaults', with_address=False),
             'env-two': em(sims[1], 'role_defaults', with_address=False, session_compliance_report_name='x')}
    run = run_playbook(hosts)
    assert run.rc == 2, run
    assert 'the inventory hosts env-one, env-two' in run.stdout and '127.0.0.1:%d' % sims[1].port in run.stdout, run
    assert sims[1].request_log() == []


def test_two_ems_on_one_address_with_different_ports_are_two_ems(sims, run_playbook):
    hosts = {'em-a': em(sims[0]), 'em-b': em(sims[1])}
    run = run_playbook(hosts, {'session_compliance_report_formats': ['json']})
    assert run.rc == 0, run
    assert run.files() == sorted(['127.0.0.1_%d.json' % sims[0].port, '127.0.0.1_%d.json' % sims[1].port,
                                  'fleet.json']), run
    with open(run.path('fleet.json'), encoding='utf-8') as handle:
        assert sorted(json.load(handle)['ems']) == sorted('127.0.0.1:%d' % sim.port for sim in sims)


def fatal_message(run, host):
    """The message the host's run ended with (a rescued module failure comes first)."""
    lines = [line for line in run.stdout.splitlines() if line.startswith('fatal: [%s]: FAILED! => ' % host)]
    assert lines, run
    return json.loads(lines[-1].split(' => ', 1)[1])['msg']


# The contract of the client's em_error (issue 17, point 3), simulated: the client branch is not merged here.
AUTHENTICATION = {'msg': 'Enterprise Manager refused the logon (401). Check username and password '
                         '(VEEAM_EM_USERNAME / VEEAM_EM_PASSWORD).',
                  'em_error': {'kind': 'authentication', 'options': ['username', 'password'],
                               'username': 'TECH\\restore.operator'}}
MISSING = {'msg': 'missing required arguments: password. Set each as a module option (or in module_defaults), or in '
                  'its environment variable: password from VEEAM_EM_PASSWORD',
           'em_error': {'kind': 'input', 'options': ['password']}}
RESOLUTION = {'msg': 'could not resolve em.does-not-exist.example',
              'em_error': {'kind': 'name_resolution', 'options': ['host']}}


@pytest.mark.parametrize('failure, set_by_role, expected, absent', [
    (AUTHENTICATION, ['host', 'username', 'password'],
     'Enterprise Manager refused the logon (user TECH\\restore.operator): check the role variables '
     'session_compliance_username and session_compliance_password.', ['VEEAM_EM_PASSWORD', 'VEEAM_EM_USERNAME']),
    (MISSING, ['host', 'username'],
     'A connection setting is not usable: set password: session_compliance_password, the module option password '
     '(module_defaults), VEEAM_EM_PASSWORD.', []),
    (RESOLUTION, ['host'], 'The host name of Enterprise Manager does not resolve: check the role variable '
     'session_compliance_host.', []),
])
def test_a_module_failure_names_the_role_variables_set_and_the_username_tried(
        run_playbook, failure, set_by_role, expected, absent):
    run = run_playbook({'em-a': {'ansible_connection': 'local', 'module_failure': failure,
                                 'role_connection_variables': set_by_role}}, playbook_name='explain_failure.yml')
    assert run.rc == 2, run
    message = fatal_message(run, 'em-a')
    assert message.startswith(expected), message
    assert 'Details: ' in message
    for text in absent:
        assert text not in message, message


def test_a_failure_without_em_error_keeps_the_module_message(run_playbook):
    failure = {'msg': 'something the module said (VEEAM_EM_PASSWORD)', 'em_error': None}
    run = run_playbook({'em-a': {'module_failure': failure, 'role_connection_variables': ['password']}},
                       playbook_name='explain_failure.yml')
    assert run.rc == 2, run
    assert fatal_message(run, 'em-a') == failure['msg']


def test_a_wrong_password_through_the_role(sims, run_playbook):
    """The real module run: with the client's em_error (once merged) the role names session_compliance_password and
    the username tried; without it, the module's message is kept. The password never shows."""
    wrong = 'Wr0ng-Pa55word-Xyzzy'
    run = run_playbook({'em-a': em(sims[0], em_password=wrong, em_username=USER)})
    assert run.rc == 2, run
    assert wrong not in run.stdout and wrong not in run.stderr
    message = fatal_message(run, 'em-a')
    if 'Details: ' in message:
        assert message.startswith('Enterprise Manager refused the logon (user Administrator): check the role '
                                  'variables session_compliance_username and session_compliance_password.'), message
    else:
        assert 'logon' in message.lower() or '401' in message, message
