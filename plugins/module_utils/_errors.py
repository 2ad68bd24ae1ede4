# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Typed errors raised by the Enterprise Manager client.

Private to this collection: not a public API; names and signatures may change in any release.

Every error knows the request it belongs to (method and URL path), the HTTP status when
there was one, the server's own message, and a hint that tells a person what to do next.
Modules turn them into ``fail_json`` messages with ``str(error)``; nothing here ever holds a
password, a session token or a SessionId (the client redacts them before an error is built).

For programs rather than people, each error also has a ``kind`` (one of ``KINDS``), the connection
``options`` the problem concerns, and for an authentication failure the ``username`` that was tried:
modules return them as ``em_error`` (``as_em_error``), so that the role can word the hint with its own
variable names.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


# What went wrong, for programs: the ``kind`` of ``em_error`` in a failed module's result.
KINDS = ('input', 'authentication', 'permission', 'name_resolution', 'connection', 'tls', 'timeout', 'not_found',
         'api', 'malformed', 'too_large')


class EMError(Exception):
    """Base class of every error the client raises."""

    default_hint = None
    kind = 'api'
    default_options = ()

    def __init__(self, message, method=None, path=None, status=None, server_message=None, hint=None, options=None,
                 username=None, kind=None):
        super(EMError, self).__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.server_message = server_message
        self.hint = hint if hint is not None else self.default_hint
        self.options = list(options if options is not None else self.default_options)
        self.username = username
        if kind is not None:
            self.kind = kind

    def __str__(self):
        parts = []
        if self.method and self.path:
            parts.append('%s %s' % (self.method, self.path))
        if self.status is not None:
            parts.append('HTTP %s' % self.status)
        text = _sentence(': '.join(parts + [self.message]) if parts else self.message)
        if self.server_message and self.server_message not in self.message:
            text += ' Server said: %s' % _sentence(self.server_message)
        if self.hint:
            text += ' Hint: %s' % _sentence(self.hint)
        return text

    def to_dict(self):
        """The error as data, for the ``error`` key of a failed module result."""
        return {
            'type': type(self).__name__,
            'method': self.method,
            'path': self.path,
            'status': self.status,
            'server_message': self.server_message,
            'hint': self.hint,
        }

    def as_em_error(self):
        """``{"kind", "options"}`` (and ``username`` for an authentication failure), for the ``em_error`` key."""
        return em_error(self.kind, self.options, self.username if self.kind == 'authentication' else None)


def em_error(kind, options, username=None):
    """The ``em_error`` of a failed module's result: what went wrong, and which connection options it concerns."""
    data = {'kind': kind, 'options': list(options)}
    if kind == 'authentication':
        data['username'] = username
    return data


def _sentence(text):
    text = text.strip()
    return text if text.endswith(('.', '!', '?')) else text + '.'


class EMConnectionError(EMError):
    """The server could not be reached, or the connection broke."""

    kind = 'connection'
    default_options = ('host', 'port')
    default_hint = ('Check host and port: Enterprise Manager serves its REST API on port 9398 (HTTPS), '
                    'and a firewall must let this machine reach it.')


class EMNameResolutionError(EMConnectionError):
    """The host name does not resolve to an address."""

    kind = 'name_resolution'
    default_options = ('host',)
    default_hint = ('Check host: this machine cannot resolve that name to an address (DNS, or its hosts file). '
                    'Give the name or the address by which this machine reaches Enterprise Manager.')


class EMTimeoutError(EMConnectionError):
    """The server did not complete its answer within the timeout (connect, headers and body together)."""

    kind = 'timeout'
    default_options = ('timeout',)

    default_hint = ('Raise the timeout option if Enterprise Manager is just slow, or check that it is not overloaded; '
                    'an answer that trickles in is cut off at the timeout.')


class EMTLSError(EMConnectionError):
    """TLS failed, most often because the certificate could not be verified."""

    kind = 'tls'
    default_options = ('validate_certs', 'ca_path')

    default_hint = ('Set ca_path to the PEM file of the CA that signed the Enterprise Manager certificate, '
                    'or (for a lab only) validate_certs: false.')


class EMAuthenticationError(EMError):
    """HTTP 401: the credentials or the session token were refused."""

    kind = 'authentication'
    default_options = ('username', 'password')
    default_hint = 'Check username and password (VEEAM_EM_USERNAME / VEEAM_EM_PASSWORD); a domain user is written DOMAIN\\user.'


class EMPermissionError(EMError):
    """HTTP 403: the account lacks an Enterprise Manager role."""

    kind = 'permission'
    default_options = ('username',)

    default_hint = 'The account needs the Portal Administrator role in Enterprise Manager to read session history.'


class EMNotFoundError(EMError):
    """HTTP 404: no such resource."""

    kind = 'not_found'


class EMAPIError(EMError):
    """Any other HTTP error status."""


class EMMalformedResponseError(EMError):
    """The body could not be parsed, or lacks what the API documents, or paging does not progress."""

    kind = 'malformed'

    default_hint = 'Enterprise Manager (or a proxy in front of it) sent something that is not an EM REST answer.'


class EMResponseTooLargeError(EMError):
    """A body larger than max_response_size (counted after decompression)."""

    kind = 'too_large'
    default_options = ('max_response_size',)

    default_hint = ('Lower page_size, or raise max_response_size if Enterprise Manager really sends that much; '
                    'a small compressed answer that inflates beyond the limit is refused the same way.')
