# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's checks before any request: unknown variables, the EM a host talks to, clashes between hosts."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.action import compliance_preflight as preflight


def test_the_known_variables_come_from_the_argument_specs_and_the_role_facts():
    known = preflight.known_variables()
    for name in ('session_compliance_lookback', 'session_compliance_report_mode', 'session_compliance_report',
                 'session_compliance_fleet', 'session_compliance_password'):
        assert name in known
    assert all(name.startswith(preflight.PREFIX) for name in known)


def test_a_typo_names_the_closest_variable():
    known = preflight.known_variables()
    problems = preflight.unknown_variables(['session_compliance_lookbak', 'session_compliance_lookback', 'other',
                                            '__session_compliance_result'], known)
    assert problems == ['session_compliance_lookbak is not a variable of the veeam.enterprise_manager.session_compliance '
                        'role: did you mean session_compliance_lookback?']
    far = preflight.unknown_variables(['session_compliance_'], known + ['session_compliance_x' * 9])
    assert 'is not a variable' in far[0]


@pytest.mark.parametrize('params, environ, expected', [
    ({'host': 'EM01.example.com'}, {}, ('EM01.example.com', 'em01.example.com:9398')),
    ({'host': 'https://em01.example.com/', 'port': '9443'}, {}, ('https://em01.example.com/', 'em01.example.com:9443')),
    ({}, {'VEEAM_EM_HOST': '127.0.0.1', 'VEEAM_EM_PORT': '45001'}, ('127.0.0.1', '127.0.0.1:45001')),
    ({'host': '[::1]'}, {}, ('[::1]', '::1:9398')),
    ({}, {}, (None, None)),
    ({'session': {'url': 'https://em02.example.com:9400/api'}}, {}, ('em02.example.com', 'em02.example.com:9400')),
])
def test_the_em_address(params, environ, expected):
    assert preflight.em_address(params, environ) == expected


def test_clashes_name_the_inventory_hosts():
    hosts = {'em-a': {'name': 'x', 'address': '127.0.0.1:9398'}, 'em-b': {'name': 'y', 'address': '127.0.0.1:9398'},
             'em-c': {'name': 'z', 'address': '127.0.0.1:9399'}}
    problems = preflight.clashes(hosts)
    assert len(problems) == 1 and 'the inventory hosts em-a, em-b' in problems[0] and '127.0.0.1:9398' in problems[0]
    assert preflight.clashes(hosts, only='em-c') == []
    assert preflight.clashes(hosts, only='em-b') == problems
    named = preflight.clashes({'p1': 'EM Paris', 'p2': 'EM:Paris', 'p3': 'em03'})
    assert named == ['The Enterprise Manager names "EM Paris" (inventory host p1), "EM:Paris" (inventory host p2) '
                     'give the same report file names (EM_Paris.*): set session_compliance_report_name to a name of its '
                     'own on one of them.']
    assert preflight.clashes({'a': 'em01', 'b': 'em01'})[0].startswith('Several hosts of the play report on the same')


def test_the_default_name_carries_a_port_that_is_not_9398():
    assert preflight.default_name('em01.example.com', 'em01.example.com:9398') == 'em01.example.com'
    assert preflight.default_name('https://EM01/', 'em01:9400') == 'em01:9400'
    assert preflight.default_name(None, None) is None


def test_a_failure_is_told_in_the_role_variables_set_and_never_shows_the_password():
    failure = {'msg': 'refused (VEEAM_EM_PASSWORD)', 'password': 'Sup3r-S3cret',
               'em_error': {'kind': 'authentication', 'options': ['username', 'password'], 'username': 'TECH\\op\x1b[2J'}}
    text = preflight.explain_failure(failure, ['password'])
    assert text == ('Enterprise Manager refused the logon (user TECH\\op): check the role variable '
                    'session_compliance_password; set username: session_compliance_username, the module option '
                    'username (module_defaults), VEEAM_EM_USERNAME. Details: refused (session_compliance_password)')
    assert 'Sup3r-S3cret' not in text
    assert preflight.explain_failure({'msg': 'x'}, []) is None
    assert preflight.explain_failure({'msg': 'x', 'em_error': {'kind': 'api', 'options': []}}, []) == \
        'Enterprise Manager answered with an error. Details: x'
    assert preflight.explain_failure({'msg': '', 'em_error': {'kind': 'new-kind', 'options': ['timeout']}}, []) == \
        'The Enterprise Manager request failed: set timeout: the module option timeout (module_defaults).'
