"""job_info, cdp_policy_info and session_compliance_info refuse bad input naming the option, before any request."""

import json

import pytest

from ansible_collections.veeam.enterprise_manager.tests.unit.module_args import CONNECTION, run

from ansible_collections.veeam.enterprise_manager.plugins.modules import (
    cdp_policy_info, job_info, session_compliance_info)


@pytest.mark.parametrize('module', [job_info, cdp_policy_info], ids=lambda m: m.__name__.rsplit('.', 1)[-1])
@pytest.mark.parametrize('args, option', [
    ({'id': 'not-a-uuid'}, 'id'),
    ({'id': 'urn:veeam:ReplicaJobSession:0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b'}, 'id'),
    ({'limit': -1}, 'limit'),
    ({'page_size': 0}, 'page_size'),
    ({'port': 0}, 'port'),
    ({'host': 'em.example.invalid:9398'}, 'host'),
])
def test_list_modules_name_the_option(module, args, option, capsys):
    result = run(module, args, capsys)
    assert result['failed'] is True
    assert result['msg'].startswith(option + ':'), result['msg']
    assert CONNECTION['password'] not in json.dumps(result)


@pytest.mark.parametrize('module', [job_info, cdp_policy_info], ids=lambda m: m.__name__.rsplit('.', 1)[-1])
def test_list_modules_have_no_session_filters(module, capsys):
    result = run(module, {'created_after': '24h'}, capsys)
    assert result['failed'] is True and 'created_after' in result['msg']
    result = run(module, {'id': '0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b', 'schedule_enabled': True}, capsys)
    assert 'mutually exclusive' in result['msg']


def test_job_type_choices(capsys):
    result = run(job_info, {'job_type': ['Replication']}, capsys)
    assert result['failed'] is True and 'job_type' in result['msg']


@pytest.mark.parametrize('args, option', [
    ({'lookback': 'yesterday'}, 'lookback'),
    ({'max_age': '1 day'}, 'max_age'),
    ({'max_age_overrides': {'Weekly*': 'sometimes'}}, "max_age_overrides['Weekly*']"),
    ({'page_size': 0}, 'page_size'),
    ({'port': 70000}, 'port'),
    ({'host': 'em.example.invalid:9398'}, 'host'),
])
def test_session_compliance_info_names_the_option(args, option, capsys):
    result = run(session_compliance_info, args, capsys)
    assert result['failed'] is True
    assert result['msg'].startswith(option + ':'), result['msg']
    assert CONNECTION['password'] not in json.dumps(result)


@pytest.mark.parametrize('args', [{'judge': 'newest'}, {'checks': ['backups']}, {'fail_on': ['Broken']}])
def test_session_compliance_info_choices(args, capsys):
    result = run(session_compliance_info, args, capsys)
    assert result['failed'] is True and list(args)[0] in result['msg']
