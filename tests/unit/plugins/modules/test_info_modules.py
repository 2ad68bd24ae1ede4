"""Every info module refuses bad input with a message naming the option, before any request is sent."""

import json

import pytest

from ansible_collections.veeam.enterprise_manager.tests.unit.module_args import CONNECTION, patch_module_args, run

from ansible_collections.veeam.enterprise_manager.plugins.modules import (
    backup_session_info, backup_task_session_info, cdp_replica_session_info, cdp_replica_task_session_info,
    logon_session, replica_session_info, replica_task_session_info)

MODULES = [cdp_replica_session_info, cdp_replica_task_session_info, replica_session_info, replica_task_session_info,
           backup_session_info, backup_task_session_info]


@pytest.mark.parametrize('module', MODULES, ids=lambda m: m.__name__.rsplit('.', 1)[-1])
@pytest.mark.parametrize('args, option', [
    ({'created_after': 'yesterday'}, 'created_after'),
    ({'created_before': '2026-13-45'}, 'created_before'),
    ({'id': 'not-a-uuid'}, 'id'),
    ({'id': 'urn:veeam:Job:0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b'}, 'id'),
    ({'port': 0}, 'port'),
    ({'timeout': 0}, 'timeout'),
    ({'limit': -1}, 'limit'),
    ({'page_size': 0}, 'page_size'),
    ({'host': ' '}, 'host'),
    ({'host': 'em.example.invalid:9398'}, 'host'),
    ({'host': 'https://em.example.invalid:9398/'}, 'host'),
    ({'ca_path': '/nonexistent/em-ca.pem'}, 'ca_path'),
])
def test_bad_input_names_the_option_before_any_request(module, args, option, capsys):
    result = run(module, args, capsys)
    assert result['failed'] is True
    assert result['msg'].startswith(option + ':'), result['msg']
    assert CONNECTION['password'] not in json.dumps(result)


@pytest.mark.parametrize('module', MODULES, ids=lambda m: m.__name__.rsplit('.', 1)[-1])
def test_id_cannot_be_combined_with_filters(module, capsys):
    result = run(module, {'id': '0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b', 'name': 'x'}, capsys)
    assert result['failed'] is True
    assert 'mutually exclusive' in result['msg'] and 'id' in result['msg']


@pytest.mark.parametrize('module, other', [
    (cdp_replica_task_session_info, 'BackupJobSession'),
    (replica_task_session_info, 'BackupJobSession'),
    (backup_task_session_info, 'ReplicaJobSession'),
], ids=lambda m: getattr(m, '__name__', m).rsplit('.', 1)[-1])
def test_session_id_of_another_type_is_refused(module, other, capsys):
    result = run(module, {'session_id': 'urn:veeam:%s:0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b' % other}, capsys)
    assert result['msg'].startswith('session_id:')
    assert other in result['msg']


@pytest.mark.parametrize('args, option', [
    ({'job_type': ['Replica']}, 'job_type'),
    ({'is_retry': 'sometimes'}, 'is_retry'),
    ({'state': ['Completed']}, 'state'),
])
def test_backup_session_options_are_checked(args, option, capsys):
    result = run(backup_session_info, args, capsys)
    assert result['failed'] is True
    assert option in result['msg']


def test_state_choices_come_from_the_resource(capsys):
    result = run(cdp_replica_task_session_info, {'state': ['Working']}, capsys)
    assert result['failed'] is True
    assert 'InProgress' in result['msg'] and 'state' in result['msg']


def test_missing_connection_is_named(capsys, monkeypatch):
    for name in ('VEEAM_EM_HOST', 'VEEAM_EM_USERNAME', 'VEEAM_EM_PASSWORD'):
        monkeypatch.delenv(name, raising=False)
    with patch_module_args({}):
        with pytest.raises(SystemExit):
            replica_session_info.main()
    result = json.loads(capsys.readouterr().out)
    assert 'host' in result['msg'] and 'username' in result['msg'] and 'password' in result['msg']


# --------------------------------------------------------------------------- the session option and logon_session

SESSION = {'url': 'https://em.example.invalid:9398/api', 'token': 'A-Long-Distinctive-Session-Token==',
           'session_id': '44cfbdbe-5a95-4156-8867-91f069b7c2cc'}


def run_with(module, args, capsys):
    """Like run, without the default connection: args are all the module gets."""
    return run(module, args, capsys, connection={})


@pytest.mark.parametrize('args, start', [
    ({'state': 'absent'}, 'session: required with state=absent'),
    ({'state': 'present', 'session': SESSION}, 'session: only with state=absent'),
    ({'host': 'em.example.invalid', 'username': 'EXAMPLE\\svc'}, 'missing required arguments: password'),
    ({'username': 'EXAMPLE\\svc', 'password': 'An-Unguessable-Pa55word'}, 'missing required arguments: host'),
    ({'state': 'absent', 'session': dict(SESSION, url='em.example.invalid')}, 'session: url'),
    # Not ' ': the session id is no_log, and Ansible would mask every space of the message.
    ({'state': 'absent', 'session': dict(SESSION, session_id='')}, 'session: session_id must not be empty'),
    ({'state': 'absent', 'host': 'other.example.invalid', 'session': SESSION}, 'session: it belongs to em.example.invalid'),
])
def test_logon_session_refuses_bad_input_before_any_request(args, start, capsys, monkeypatch):
    for name in ('VEEAM_EM_HOST', 'VEEAM_EM_USERNAME', 'VEEAM_EM_PASSWORD'):
        monkeypatch.delenv(name, raising=False)
    result = run_with(logon_session, args, capsys)
    assert result['failed'] is True
    assert result['msg'].startswith(start), result['msg']
    assert SESSION['token'] not in json.dumps(result)


def test_logon_session_state_choices(capsys):
    result = run_with(logon_session, {'state': 'gone', 'session': SESSION}, capsys)
    assert result['failed'] is True and 'state' in result['msg']


@pytest.mark.parametrize('module', MODULES, ids=lambda m: m.__name__.rsplit('.', 1)[-1])
def test_session_needs_no_host_or_credentials_but_a_whole_session(module, capsys, monkeypatch):
    for name in ('VEEAM_EM_HOST', 'VEEAM_EM_USERNAME', 'VEEAM_EM_PASSWORD'):
        monkeypatch.delenv(name, raising=False)
    result = run_with(module, {'session': {'url': SESSION['url'], 'session_id': SESSION['session_id']}}, capsys)
    assert result['failed'] is True
    assert 'token' in result['msg'] and 'session' in result['msg']
    result = run_with(module, {'session': dict(SESSION, url='ftp://em.example.invalid/api')}, capsys)
    assert result['msg'].startswith("session: url 'ftp://em.example.invalid/api'")
    assert SESSION['token'] not in json.dumps(result)


@pytest.mark.parametrize('module', MODULES, ids=lambda m: m.__name__.rsplit('.', 1)[-1])
def test_session_token_is_masked_in_what_a_module_returns(module, capsys, monkeypatch):
    """The token option is no_log: an error that quotes it (here, in a wrong URL) shows it masked."""
    for name in ('VEEAM_EM_HOST', 'VEEAM_EM_USERNAME', 'VEEAM_EM_PASSWORD'):
        monkeypatch.delenv(name, raising=False)
    result = run_with(module, {'session': dict(SESSION, url='ftp://em.example.invalid/%s' % SESSION['token'])}, capsys)
    assert result['msg'].startswith("session: url 'ftp://em.example.invalid/********'"), result['msg']
    assert SESSION['token'] not in json.dumps(result)
