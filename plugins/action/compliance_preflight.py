# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Checks the session_compliance role makes before any request (plugins/modules/compliance_preflight.py documents it).

Runs in the controller's process and sends nothing: it reads the task's variables, the play's module_defaults
and the controller's environment.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import difflib
import os

import yaml

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _report_files as files
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._connection import (
    CONNECTION_OPTIONS, _bare_host, _session_address)
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._untrusted import printable

ROLE = 'veeam.enterprise_manager.session_compliance'
MODULE = 'veeam.enterprise_manager.session_compliance_info'
PREFIX = 'session_compliance_'
ARGUMENT_SPECS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'roles', 'session_compliance',
                              'meta', 'argument_specs.yml')
# Variables with the role's prefix that the role sets itself (facts), beside those its argument specs document.
INTERNAL = ('session_compliance_report', 'session_compliance_fleet')

ARGUMENT_SPEC = dict(
    variables=dict(type='bool', default=True),
    connection=dict(type='bool', default=True),
    name=dict(type='str'),
    hosts=dict(type='dict'),
    failure=dict(type='dict'),
    role_variables=dict(type='list', elements='str', default=[]),
)


def known_variables():
    """The role's variables: every option of every entry point of its argument specs, and its own facts."""
    with open(ARGUMENT_SPECS, encoding='utf-8') as handle:
        specs = yaml.safe_load(handle)['argument_specs']
    names = set(INTERNAL)
    for entry in specs.values():
        names.update(entry.get('options') or {})
    return sorted(names)


def unknown_variables(names, known):
    """Messages for the names with the role's prefix that are not its variables, each with the closest one."""
    problems = []
    for name in sorted(set(name for name in names if name.startswith(PREFIX)) - set(known)):
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = ('did you mean %s?' % close[0]) if close else 'the role has %s.' % ', '.join(known)
        problems.append('%s is not a variable of the %s role: %s' % (name, ROLE, hint))
    return problems


def em_address(params, environ):
    """``(host as given, 'host:port')`` of the EM the module would talk to, from its arguments and the environment;
    ``(None, None)`` when no host is known (the module then reports it)."""
    session = params.get('session')
    if isinstance(session, dict) and session.get('url'):
        address = _session_address(session.get('url'))
        if address:
            return params.get('host') or address[1], '%s:%d' % (address[1], address[2])
    host = params.get('host')
    if host is None:
        host = environ.get(CONNECTION_OPTIONS['host']['env'])
    if host is None or not ('%s' % host).strip():
        return None, None
    port = params.get('port')
    if port is None:
        port = environ.get(CONNECTION_OPTIONS['port']['env'], CONNECTION_OPTIONS['port']['default'])
    try:
        port = int(port)
    except (TypeError, ValueError):
        return host, None
    return host, '%s:%d' % (_bare_host('%s' % host), port)


def default_name(host, address):
    """The report name of an EM when the user sets none: its host as given (what the report's ``em`` says), with
    the port when it is not EM's default, so that two EMs on one address are two names."""
    if not host:
        return None
    if address and not address.endswith(':%d' % CONNECTION_OPTIONS['port']['default']):
        return address
    return host


def clashes(hosts, only=None):
    """Messages for inventory hosts that would report on one EM, or whose report files would be the same files;
    with ``only``, just the clashes that inventory host is part of.

    :param hosts: ``{inventory host: {'name': report name, 'address': 'host:port' or None}}``, or
        ``{inventory host: report name}``.
    """
    problems = []
    by_address, by_stem = {}, {}
    hosts = dict((host, entry if isinstance(entry, dict) else {'name': entry}) for host, entry in hosts.items())
    for host in sorted(hosts):
        entry = hosts[host] or {}
        if entry.get('address'):
            by_address.setdefault(entry['address'], []).append(host)
        if entry.get('name') is not None:
            by_stem.setdefault(files.file_stem(entry['name']).lower(), []).append(host)
    for address, found in sorted(by_address.items()):
        if len(found) > 1 and (only is None or only in found):
            problems.append(
                'Several hosts of the play report on the same Enterprise Manager, %s (an EM is its host and port): '
                'the inventory hosts %s. Their files and summaries would overwrite each other: keep one inventory '
                'host per Enterprise Manager.' % (address, ', '.join(found)))
    reported = set(host for found in by_address.values() if len(found) > 1 for host in found)
    for stem, found in sorted(by_stem.items()):
        if len(found) < 2 or set(found) <= reported or (only is not None and only not in found):
            continue
        names = [hosts[host]['name'] for host in found]
        if len(set(names)) == 1:
            problems.append(
                'Several hosts of the play report on the same Enterprise Manager (the hosts\' names: %s; inventory '
                'hosts %s): their files and summaries would overwrite each other. Set session_compliance_report_name '
                'to a name of its own on each host.' % (', '.join(names), ', '.join(found)))
        else:
            problems.append(
                'The Enterprise Manager names %s give the same report file names (%s.*): set '
                'session_compliance_report_name to a name of its own on one of them.' % (
                    ', '.join('"%s" (inventory host %s)' % (name, host) for name, host in zip(names, found)),
                    files.file_stem(names[0])))
    return problems


# The role variable of each connection option the role has one for.
ROLE_VARIABLES = dict((option, PREFIX + option) for option in
                      ('host', 'port', 'username', 'password', 'validate_certs', 'ca_path'))
# What went wrong, per kind of em_error, in the role's words.
KIND_TEXT = {
    'input': 'A connection setting is not usable',
    'authentication': 'Enterprise Manager refused the logon',
    'permission': 'The account may not read what the role needs (it needs the Portal Administrator role)',
    'name_resolution': 'The host name of Enterprise Manager does not resolve',
    'connection': 'Could not connect to Enterprise Manager',
    'tls': 'The TLS connection to Enterprise Manager failed',
    'timeout': 'Enterprise Manager did not answer in time',
    'not_found': 'Enterprise Manager does not have what the role asked for',
    'api': 'Enterprise Manager answered with an error',
    'malformed': 'Enterprise Manager sent an answer that could not be read',
    'too_large': 'Enterprise Manager sent an answer larger than allowed',
}


def explain_failure(result, role_variables):
    """The role's message for a failed session_compliance_info result, or None when the result carries no em_error.

    The client describes the failure in ``em_error`` (``kind``, the connection ``options`` involved, the
    ``username`` tried for an authentication failure); the module's message names module options and VEEAM_EM_*
    variables. The role names instead the role variables the user set (``role_variables``: connection option
    names), and for the options set elsewhere every place they can come from. The password is never shown.
    """
    error = (result or {}).get('em_error')
    if not isinstance(error, dict):
        return None
    role_variables = set(role_variables or [])
    options = [option for option in error.get('options') or [] if isinstance(option, str)]
    lead = KIND_TEXT.get(error.get('kind'), 'The Enterprise Manager request failed')
    if error.get('username'):
        lead += ' (user %s)' % printable(u'%s' % error['username'])
    mine = [ROLE_VARIABLES[option] for option in options if option in role_variables and option in ROLE_VARIABLES]
    elsewhere = [option for option in options if not (option in role_variables and option in ROLE_VARIABLES)]
    checks = []
    if mine:
        checks.append('check the role variable%s %s' % ('s' if len(mine) > 1 else '', ' and '.join(mine)))
    for option in elsewhere:
        places = [ROLE_VARIABLES[option]] if option in ROLE_VARIABLES else []
        places.append('the module option %s (module_defaults)' % option)
        if CONNECTION_OPTIONS.get(option, {}).get('env'):
            places.append(CONNECTION_OPTIONS[option]['env'])
        checks.append('set %s: %s' % (option, ', '.join(places)))
    message = printable(u'%s' % (result.get('msg') or ''))
    for option in options:
        env = CONNECTION_OPTIONS.get(option, {}).get('env')
        if env and option in role_variables and option in ROLE_VARIABLES:
            message = message.replace(env, ROLE_VARIABLES[option])
    text = lead + (': ' + '; '.join(checks) if checks else '') + '.'
    return text + (' Details: %s' % message if message else '')


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def _module_defaults(self, action):
        """The arguments the task's module_defaults give ``action`` (its own and its action groups'), templated."""
        task = self._task
        try:
            from ansible.executor.module_common import _get_action_arg_defaults  # ansible-core 2.19 and later
        except ImportError:
            _get_action_arg_defaults = None
        if _get_action_arg_defaults is not None:
            return self._templar.template(_get_action_arg_defaults(action, task, self._templar._engine))
        from ansible.executor.module_common import get_action_args_with_defaults  # ansible-core 2.16 to 2.18
        return get_action_args_with_defaults(action, {}, task.module_defaults, self._templar,
                                             action_groups=task._parent._play._action_groups)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if args['failure'] is not None:
            message = explain_failure(args['failure'], args['role_variables'])
            raise AnsibleActionFail(message or printable(u'%s' % (args['failure'].get('msg') or 'the module failed')),
                                    result=dict(em_error=args['failure'].get('em_error')) if message else None)
        if args['hosts'] is not None:
            problems = clashes(args['hosts'], only=task_vars.get('inventory_hostname'))
            if problems:
                raise AnsibleActionFail(' '.join(problems))
            result.update(changed=False, hosts=sorted(args['hosts']))
            return result
        if args['variables']:
            problems = unknown_variables(list(task_vars), known_variables())
            if problems:
                raise AnsibleActionFail(' '.join(problems))
        result['changed'] = False
        if args['connection']:
            params = dict((key, value) for key, value in self._module_defaults(MODULE).items() if value is not None)
            host, address = em_address(params, os.environ)
            result.update(host=host, address=address,
                          name=args['name'] or default_name(host, address) or task_vars.get('inventory_hostname'))
        return result
