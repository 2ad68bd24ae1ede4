# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The connection options, defined once as data, and the client they configure.

Private to this collection: not a public API; names and signatures may change in any release.

Imports nothing from ``ansible``: modules turn ``CONNECTION_OPTIONS`` into an argument spec
(``_info_module.connection_argument_spec``), and code that runs outside a module (the event source,
the benchmark) reads the same definitions, environment variables included.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from . import _client

# name -> type, default, no_log, choices and the environment variable that may supply it.
# plugins/doc_fragments/connection.py documents exactly these (a unit test holds the two side by side).
# host, username and password are needed, but not ``required`` in the argument spec: AnsibleModule's
# "missing required arguments" would not say that an environment variable can supply them, so
# check_connection_options reports them (see REQUIRED).
CONNECTION_OPTIONS = {
    'host': dict(type='str', env='VEEAM_EM_HOST'),
    'port': dict(type='int', default=9398, env='VEEAM_EM_PORT'),
    'username': dict(type='str', env='VEEAM_EM_USERNAME'),
    'password': dict(type='str', no_log=True, env='VEEAM_EM_PASSWORD'),
    'validate_certs': dict(type='bool', default=True, env='VEEAM_EM_VALIDATE_CERTS'),
    'ca_path': dict(type='path', env='VEEAM_EM_CA_PATH'),
    'timeout': dict(type='int', default=30),
    'retries': dict(type='int', default=3),
    'max_response_size': dict(type='int', default=_client.DEFAULT_MAX_RESPONSE_SIZE),
    'api_version': dict(type='str', default='latest'),
    'wire_format': dict(type='str', default='xml', choices=['xml', 'json']),
}

# The options without which no logon is possible, in the order they are reported.
REQUIRED = ('host', 'username', 'password')


def missing_connection_options(params):
    """The message for missing host, username or password, naming the environment variable of each; or None."""
    missing = [name for name in REQUIRED if params.get(name) is None]
    if not missing:
        return None
    return 'missing required arguments: %s. Set each as a module option (or in module_defaults), or in its ' \
        'environment variable: %s' % (', '.join(missing), ', '.join(
            '%s from %s' % (name, CONNECTION_OPTIONS[name]['env']) for name in missing))


def check_connection_options(params):
    """Values an argument spec cannot check; returns an error message naming the option, or None."""
    problem = missing_connection_options(params)
    if problem:
        return problem
    if not (params.get('host') or '').strip():
        return 'host: must not be empty'
    try:
        _client.parse_host(params['host'])
    except ValueError as exc:
        return str(exc)
    if not 1 <= params['port'] <= 65535:
        return 'port: %d is not a TCP port (1-65535); EM listens on 9398' % params['port']
    if params['timeout'] <= 0:
        return 'timeout: must be a positive number of seconds, got %d' % params['timeout']
    if params['retries'] < 0:
        return 'retries: must not be negative, got %d' % params['retries']
    size = params.get('max_response_size', _client.DEFAULT_MAX_RESPONSE_SIZE)
    if not 1 <= size <= 4096:
        return 'max_response_size: must be between 1 and 4096 (MiB), got %d' % size
    if not (params.get('username') or '').strip():
        return 'username: must not be empty'
    if params.get('ca_path') and not os.path.isfile(params['ca_path']):
        return 'ca_path: %s is not a file; give the PEM file of the CA that signed the EM certificate' % params['ca_path']
    return None


def client_from_params(params, warn):
    """An EMClient configured from the connection options (a dict holding every one of them)."""
    return _client.EMClient(
        host=params['host'], port=params['port'], username=params['username'], password=params['password'],
        validate_certs=params['validate_certs'], ca_path=params['ca_path'], timeout=params['timeout'],
        retries=params['retries'], api_version=params['api_version'], wire_format=params['wire_format'],
        max_response_size=params.get('max_response_size', _client.DEFAULT_MAX_RESPONSE_SIZE), warn=warn)
