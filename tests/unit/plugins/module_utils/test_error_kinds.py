# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``em_error``, the contract with the role: every error of the client has a kind and the connection options it
concerns; connection input problems name their options; and the client's files keep to their floors."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _connection as connection
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _errors as errors

MODULE_UTILS = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins', 'module_utils'))


@pytest.mark.parametrize('cls, kind, options', [
    (errors.EMConnectionError, 'connection', ['host', 'port']),
    (errors.EMNameResolutionError, 'name_resolution', ['host']),
    (errors.EMTimeoutError, 'timeout', ['timeout']),
    (errors.EMTLSError, 'tls', ['validate_certs', 'ca_path']),
    (errors.EMAuthenticationError, 'authentication', ['username', 'password']),
    (errors.EMPermissionError, 'permission', ['username']),
    (errors.EMNotFoundError, 'not_found', []),
    (errors.EMAPIError, 'api', []),
    (errors.EMMalformedResponseError, 'malformed', []),
    (errors.EMResponseTooLargeError, 'too_large', ['max_response_size']),
])
def test_every_error_has_a_kind_and_its_options(cls, kind, options):
    error = cls('something', username='EXAMPLE\\svc')
    expected = {'kind': kind, 'options': options}
    if kind == 'authentication':
        expected['username'] = 'EXAMPLE\\svc'
    assert error.as_em_error() == expected
    assert kind in errors.KINDS


def test_a_kind_and_options_given_replace_the_defaults():
    error = errors.EMConnectionError('x', kind='tls', options=['host', 'port'])
    assert error.as_em_error() == {'kind': 'tls', 'options': ['host', 'port']}


def good_params(**changes):
    params = dict(host='em.example.com', port=9398, username='EXAMPLE\\svc', password='An-Unguessable-Pa55word',
                  validate_certs=True, ca_path=None, timeout=30, retries=3, max_response_size=64, api_version='latest',
                  wire_format='xml', session=None)
    params.update(changes)
    return params


@pytest.mark.parametrize('changes, options', [
    (dict(host=None, password=None), ['host', 'password']),
    (dict(username=None, password=None), ['username', 'password']),
    (dict(host='em.example.com:9398'), ['host']),
    (dict(port=0), ['port']),
    (dict(timeout=0), ['timeout']),
    (dict(max_response_size=0), ['max_response_size']),
    (dict(password=None, session={'url': 'https://em.example.com:9398/api', 'token': 't', 'session_id': 's',
                                  'validate_certs': True, 'ca_path': None}), ['username', 'password']),
    (dict(ca_path='/nonexistent/ca.pem'), ['ca_path']),
    (dict(session={'url': 'nonsense', 'token': 't', 'session_id': 's', 'validate_certs': True, 'ca_path': None}),
     ['session']),
    ({}, []),
])
def test_connection_input_problems_name_their_options(changes, options):
    problem, named = connection.connection_problem(good_params(**changes))
    assert named == options, problem
    assert (problem is None) == (not options)


def test_only_the_client_uses_requests():
    users = []
    for name in sorted(os.listdir(MODULE_UTILS)):
        if name.endswith('.py'):
            with open(os.path.join(MODULE_UTILS, name)) as handle:
                if re.search(r'^\s*(?:import requests|from requests)', handle.read(), re.MULTILINE):
                    users.append(name)
    assert users == ['_client.py']
