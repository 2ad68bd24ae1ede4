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

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, but the sanity import test runs this
    from urlparse import urlsplit  # type: ignore

from . import _client

# What a later task needs to reuse a logon session: the logon_session module returns exactly these keys
# as its ``session``, and every module takes them back in its ``session`` option.
SESSION_OPTIONS = {
    'url': dict(type='str', required=True),
    'token': dict(type='str', required=True, no_log=True),
    'session_id': dict(type='str', required=True, no_log=True),
    'validate_certs': dict(type='bool', default=True),
    'ca_path': dict(type='path'),
}

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
    'session': dict(type='dict', options=SESSION_OPTIONS),
}

# The options without which no logon is possible, in the order they are reported.
REQUIRED = ('host', 'username', 'password')


def missing_connection_options(params):
    """The message for missing host, username or password, naming the environment variable of each; or None."""
    missing = [name for name in REQUIRED if params.get(name) is None]
    if not missing:
        return None
    return 'missing required arguments: %s. Set each as a module option (or in module_defaults), or in its ' \
        'environment variable: %s; or give session (a logon shared through veeam.enterprise_manager.logon_session)' % (
            ', '.join(missing), ', '.join('%s from %s' % (name, CONNECTION_OPTIONS[name]['env']) for name in missing))


def check_connection_options(params):
    """Values an argument spec cannot check; returns an error message naming the option, or None."""
    return connection_problem(params)[0]


def connection_problem(params):
    """``(message, options)``: what is wrong with the connection options and the names of the options it
    concerns, or ``(None, [])``."""
    session = params.get('session')
    if not session:
        problem = missing_connection_options(params)
        if problem:
            return problem, [name for name in REQUIRED if params.get(name) is None]
    problem = _value_problem(params, session)
    if problem is None:
        return None, []
    return problem, options_named_in(problem)


def options_named_in(message):
    """The connection options an input message concerns: the one it starts with (``port: ...``), both of
    username and password when one is missing beside the other; else none."""
    if ': required along with ' in message:
        return ['username', 'password']
    named = message.split(':', 1)[0]
    return [named] if named in CONNECTION_OPTIONS else []


def _value_problem(params, session):
    if params.get('host') is not None and not params['host'].strip():
        return 'host: must not be empty'
    if params.get('host') is not None:
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
    if params.get('username') is not None and not params['username'].strip():
        return 'username: must not be empty'
    if (params.get('username') is None) != (params.get('password') is None):
        missing = 'password' if params.get('password') is None else 'username'
        return '%s: required along with %s' % (missing, 'username' if missing == 'password' else 'password')
    if params.get('ca_path') and not os.path.isfile(params['ca_path']):
        return 'ca_path: %s is not a file; give the PEM file of the CA that signed the EM certificate' % params['ca_path']
    if session:
        return check_session(session, params.get('host'))
    return None


def _session_address(url):
    """``(scheme, host, port)`` of a session URL (``https://em.example.com:9398/api``), or None if it is not one."""
    try:
        parts = urlsplit((url or '').strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ('http', 'https') or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port or 9398


def _bare_host(host):
    host = host.strip().lower()
    if '://' in host:
        host = host.split('://', 1)[1]
    return host.strip('/').strip('[]')


def check_session(session, host=None):
    """The session option: a URL to talk to, a token and a session id; the same server as host, if host is given."""
    address = _session_address(session.get('url'))
    if address is None:
        return ('session: url %r is not the https://<host>:<port>/api URL of Enterprise Manager; pass the session '
                'veeam.enterprise_manager.logon_session returned' % (session.get('url'),))
    for key in ('token', 'session_id'):
        if not (session.get(key) or '').strip():
            return 'session: %s must not be empty; pass the session veeam.enterprise_manager.logon_session returned' % key
    if host is not None and host.strip() and _bare_host(host) != address[1]:
        return 'session: it belongs to %s, while host is %s; a session is only valid on the server that opened it' % (
            address[1], host.strip())
    if session.get('ca_path') and not os.path.isfile(session['ca_path']):
        return 'session: ca_path %s is not a file' % session['ca_path']
    return None


def client_from_params(params, warn):
    """An EMClient configured from the connection options (a dict holding every one of them).

    With ``session``, the client talks to the session's URL with its TLS settings and borrows its token: it
    neither logs on nor logs out, unless EM refuses the token and username and password are also given.
    """
    session = params.get('session')
    if session:
        scheme, host, port = _session_address(session['url'])
        return _client.EMClient(
            host='%s://%s' % (scheme, host), port=port, username=params.get('username'),
            password=params.get('password'), validate_certs=session['validate_certs'], ca_path=session.get('ca_path'),
            timeout=params['timeout'], retries=params['retries'], api_version=params['api_version'],
            wire_format=params['wire_format'], warn=warn, session_token=session['token'],
            session_id=session['session_id'],
            max_response_size=params.get('max_response_size', _client.DEFAULT_MAX_RESPONSE_SIZE))
    return _client.EMClient(
        host=params['host'], port=params['port'], username=params['username'], password=params['password'],
        validate_certs=params['validate_certs'], ca_path=params['ca_path'], timeout=params['timeout'],
        retries=params['retries'], api_version=params['api_version'], wire_format=params['wire_format'],
        max_response_size=params.get('max_response_size', _client.DEFAULT_MAX_RESPONSE_SIZE), warn=warn)
