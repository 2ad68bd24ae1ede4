# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The connection doc fragment and connection_argument_spec describe the same options.

Also the pieces of info_module.py that need no server: option checks, the session filter options,
and turning options into filter conditions.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest
import yaml

from ansible.module_utils.basic import env_fallback

from ansible_collections.veeam.enterprise_manager.plugins.doc_fragments import connection
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _connection as connection_utils
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _info_module as info_module
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _resources as res
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._query import build_filter

UUID = '6b872a71-51e8-437a-8d45-5c6494b92f3f'


def fragment():
    return yaml.safe_load(connection.ModuleDocFragment.DOCUMENTATION)


def spec():
    return info_module.connection_argument_spec()


# --------------------------------------------------------------------------- doc fragment == argument spec

def test_fragment_is_yaml_with_options_requirements_and_notes():
    doc = fragment()
    assert set(doc) == {'options', 'requirements', 'notes'}
    assert doc['requirements'] == ['requests', 'xmltodict']
    for name, option in doc['options'].items():
        assert isinstance(option['description'], list) and option['description'], name
        assert set(option) <= {'description', 'type', 'required', 'default', 'choices', 'suboptions'}, name


def test_same_option_names():
    assert sorted(fragment()['options']) == sorted(spec())
    assert sorted(spec()) == ['api_version', 'ca_path', 'host', 'max_response_size', 'password', 'port', 'retries',
                              'session', 'timeout', 'username', 'validate_certs', 'wire_format']


@pytest.mark.parametrize('name', sorted(info_module.connection_argument_spec()))
def test_same_type_default_required_and_choices(name):
    documented = fragment()['options'][name]
    argument = spec()[name]
    assert documented['type'] == argument['type']
    assert documented.get('default') == argument.get('default')
    assert type(documented.get('default')) is type(argument.get('default'))  # pylint: disable=unidiomatic-typecheck
    assert bool(documented.get('required')) == bool(argument.get('required'))
    assert documented.get('choices') == argument.get('choices')
    # Either required or defaulted or optional without a value, never both required and defaulted.
    assert not (argument.get('required') and 'default' in argument)


def test_the_values_themselves():
    options = fragment()['options']
    assert options['port']['default'] == 9398
    assert options['validate_certs']['default'] is True
    assert options['timeout']['default'] == 30
    assert options['retries']['default'] == 3
    assert options['max_response_size']['default'] == 64
    assert options['api_version']['default'] == 'latest'
    assert options['wire_format'] == dict(options['wire_format'], type='str', choices=['xml', 'json'], default='xml')
    assert options['ca_path']['type'] == 'path'
    # None is required in the spec: check_connection_options reports a missing one with its environment variable,
    # unless session is given.
    assert [name for name in sorted(options) if options[name].get('required')] == []
    for name in ('host', 'username', 'password'):
        assert 'Required, here or in E(VEEAM_EM_%s)' % name.upper() in ' '.join(options[name]['description'])
        assert 'unless O(session)' in ' '.join(options[name]['description'])
    assert [name for name, option in sorted(options['session']['suboptions'].items()) if option.get('required')] == [
        'session_id', 'token', 'url']


def test_session_suboptions_are_documented_as_specified():
    documented = fragment()['options']['session']
    argument = spec()['session']
    assert documented['type'] == argument['type'] == 'dict'
    assert sorted(documented['suboptions']) == sorted(argument['options']) == [
        'ca_path', 'session_id', 'token', 'url', 'validate_certs']
    for name, option in argument['options'].items():
        doc = documented['suboptions'][name]
        assert (doc['type'], doc.get('default'), bool(doc.get('required'))) == (
            option['type'], option.get('default'), bool(option.get('required'))), name
        assert 'fallback' not in option


def test_only_the_password_and_the_session_token_and_id_are_no_log():
    argument_spec = spec()
    assert argument_spec['password']['no_log'] is True
    assert [name for name, option in argument_spec.items() if option.get('no_log')] == ['password']
    assert [name for name, option in argument_spec['session']['options'].items()
            if option.get('no_log')] == ['token', 'session_id']
    assert 'Never shown in output or logs.' in ' '.join(fragment()['options']['password']['description'])
    assert 'Never shown in output or logs.' in ' '.join(fragment()['options']['session']['suboptions']['token']['description'])
    assert 'Never shown in output or logs' in ' '.join(
        fragment()['options']['session']['suboptions']['session_id']['description'])


@pytest.mark.parametrize('name', sorted(info_module.connection_argument_spec()))
def test_environment_fallbacks_are_documented(name):
    argument = spec()[name]
    description = ' '.join(fragment()['options'][name]['description'])
    documented = set(word[2:-1] for word in description.replace(',', ' ').replace('.', ' ').split()
                     if word.startswith('E(VEEAM_EM_') and word.endswith(')'))
    if 'fallback' in argument:
        function, variables = argument['fallback']
        assert function is env_fallback
        assert variables == ['VEEAM_EM_%s' % name.upper()]
        assert documented == set(variables)
    else:
        assert documented == set()


# --------------------------------------------------------------------------- check_connection_options

SESSION = dict(url='https://em.example.com:9398/api', token='A-Long-Distinctive-Session-Token==',
               session_id='44cfbdbe-5a95-4156-8867-91f069b7c2cc', validate_certs=True, ca_path=None)


NOT_A_SESSION_URL = ('is not the https://<host>:<port>/api URL of Enterprise Manager; pass the session '
                     'veeam.enterprise_manager.logon_session returned')


def good_params(**changes):
    params = dict(host='em.example.com', port=9398, username='DOMAIN\\user', password='secret', validate_certs=True,
                  ca_path=None, timeout=30, retries=3, max_response_size=64, api_version='latest', wire_format='xml',
                  session=None)
    params.update(changes)
    return params


@pytest.mark.parametrize('changes, message', [
    ({}, None),
    ({'port': 1}, None),
    ({'port': 65535}, None),
    ({'retries': 0}, None),
    ({'host': '  '}, 'host: must not be empty'),
    ({'host': None}, 'missing required arguments: host. Set each as a module option (or in module_defaults), '
                     'or in its environment variable: host from VEEAM_EM_HOST; or give session (a logon shared '
                     'through veeam.enterprise_manager.logon_session)'),
    ({'host': None, 'password': None}, 'missing required arguments: host, password. Set each as a module option '
                                       '(or in module_defaults), or in its environment variable: host from '
                                       'VEEAM_EM_HOST, password from VEEAM_EM_PASSWORD; or give session (a logon '
                                       'shared through veeam.enterprise_manager.logon_session)'),
    ({'host': 'user:pw@em.example.com'}, 'host: holds user information (@); give the host name or address alone, '
                                         'and the credentials with username and password'),
    ({'host': 'em.example.com/api'}, "host: 'em.example.com/api' holds a path (/); give the host name or address "
                                     "alone"),
    ({'max_response_size': 0}, 'max_response_size: must be between 1 and 4096 (MiB), got 0'),
    ({'max_response_size': 4096}, None),
    ({'password': None, 'session': SESSION}, 'password: required along with username'),
    ({'username': None, 'session': SESSION}, 'username: required along with password'),
    ({'host': None, 'username': None, 'password': None, 'session': SESSION}, None),
    ({'session': SESSION}, None),
    ({'host': 'https://EM.example.com/', 'session': SESSION}, None),
    ({'host': 'em2.example.com', 'session': SESSION},
     'session: it belongs to em.example.com, while host is em2.example.com; a session is only valid on the server '
     'that opened it'),
    ({'session': dict(SESSION, url='em.example.com')}, "session: url 'em.example.com' " + NOT_A_SESSION_URL),
    ({'session': dict(SESSION, url='https://em.example.com:99999/api')},
     "session: url 'https://em.example.com:99999/api' " + NOT_A_SESSION_URL),
    ({'session': dict(SESSION, token=' ')},
     'session: token must not be empty; pass the session veeam.enterprise_manager.logon_session returned'),
    ({'session': dict(SESSION, ca_path='/nonexistent/ca.pem')}, 'session: ca_path /nonexistent/ca.pem is not a file'),
    ({'port': 0}, 'port: 0 is not a TCP port (1-65535); EM listens on 9398'),
    ({'port': 65536}, 'port: 65536 is not a TCP port (1-65535); EM listens on 9398'),
    ({'timeout': 0}, 'timeout: must be a positive number of seconds, got 0'),
    ({'retries': -1}, 'retries: must not be negative, got -1'),
    ({'username': ' '}, 'username: must not be empty'),
])
def test_check_connection_options(changes, message):
    assert connection_utils.check_connection_options(good_params(**changes)) == message


# --------------------------------------------------------------------------- session filter options and conditions

@pytest.mark.parametrize('resource', sorted(res.RESOURCES.values(), key=lambda resource: resource.query_type))
def test_state_and_result_choices_come_from_the_resource(resource):
    options = info_module.session_filter_argument_spec(resource)
    assert options['state']['choices'] == list(resource.states)
    assert options['result']['choices'] == list(resource.results)
    assert options['page_size']['default'] == 100
    assert not set(options) & set(spec())


def test_conditions_from_options():
    module_spec = info_module.InfoModuleSpec(res.CDP_REPLICA_TASK_SESSION, 'task_sessions', extra_options={
        'vm_name': (dict(type='str'), 'VmDisplayName'),
        'policy_session_id': (dict(type='str'), info_module.uid_condition('PolicySessionUid', 'CdpReplicaSession',
                                                                          'policy_session_id')),
    })
    params = {
        'name': 'a"b', 'backup_server_name': 'vbr;Z\u00fcrich', 'state': ['InProgress', 'Pending'], 'result': ['Failed'],
        'created_after': '2026-11-20', 'created_before': '2026-11-21T07:00:00+01:00', 'vm_name': 'DOMAIN\\vm',
        'policy_session_id': UUID.upper(),
    }
    conditions = module_spec.conditions(params)
    assert build_filter(conditions) == (
        'Name=="a""b";BackupServerName=="vbr;Z\u00fcrich";(State=="InProgress",State=="Pending");Result=="Failed";'
        'CreationTimeUTC>="2026-11-20T00:00:00Z";CreationTimeUTC<="2026-11-21T06:00:00Z";VmDisplayName=="DOMAIN\\vm";'
        'PolicySessionUid=="urn:veeam:CdpReplicaSession:%s"' % UUID)
    spec_options = module_spec.argument_spec()
    assert {'vm_name', 'policy_session_id', 'host', 'state'} <= set(spec_options)


def test_conditions_use_the_time_field_of_the_resource():
    module_spec = info_module.InfoModuleSpec(res.REPLICA_JOB_SESSION, 'sessions')
    conditions = module_spec.conditions({'created_after': datetime.datetime(2026, 11, 20, tzinfo=datetime.timezone.utc)})
    assert build_filter(conditions) == 'CreationTime>="2026-11-20T00:00:00Z"'
    conditions = module_spec.conditions({'name': None, 'state': [], 'result': None})
    assert isinstance(conditions, list) and not conditions


def test_bad_option_values_name_the_option():
    module_spec = info_module.InfoModuleSpec(res.CDP_REPLICA_SESSION, 'sessions', extra_options={
        'policy_session_id': (dict(type='str'), info_module.uid_condition('PolicySessionUid', 'CdpReplicaSession',
                                                                          'policy_session_id')),
    })
    with pytest.raises(ValueError, match='^created_before: '):
        module_spec.conditions({'created_before': 'last week'})
    with pytest.raises(ValueError, match='^policy_session_id: .* is the UID of a ReplicaJobSession, not of a CdpReplicaSession'):
        module_spec.conditions({'policy_session_id': 'urn:veeam:ReplicaJobSession:%s' % UUID})
