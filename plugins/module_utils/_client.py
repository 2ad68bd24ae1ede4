# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one Enterprise Manager REST API client. Nothing else in the collection touches ``requests``.

Private to this collection: not a public API; names and signatures may change in any release.

Use it as a context manager: it logs on when entered and logs out on every way out::

    with EMClient('em.example.com', username='DOMAIN\\\\user', password='...') as client:
        for session in client.query(CDP_REPLICA_SESSION, [Condition('Result', '==', 'Failed')], limit=10):
            ...

Verbs: ``logon``/``logout``, ``get_entity`` (one item by UUID), ``query_pages`` and ``query``
(the query service, lazily paged). Errors are the typed ones from ``errors.py``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils
import random
import time
import traceback
import warnings

try:
    from urllib.parse import quote, urlencode
except ImportError:  # pragma: no cover - Python 2 is not supported, but the sanity import test runs this
    from urllib import quote, urlencode  # type: ignore

try:
    import requests
    import requests.utils
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the module with missing_required_lib
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from . import _errors as errors
from . import _wire as wire
from ._query import build_filter

NAMESPACE = 'http://www.veeam.com/ent/v1.0'
TOKEN_HEADER = 'X-RestSvcSessionId'
RETRY_STATUSES = frozenset((429, 502, 503, 504))
IDEMPOTENT = frozenset(('GET', 'HEAD', 'OPTIONS', 'DELETE'))
DEFAULT_PAGE_SIZE = 100
REDACTED = '********'


class EMClient:
    """A logon session with one Enterprise Manager, and the requests made in it.

    :param host: EM host name or address; ``http://`` or ``https://`` may prefix it (HTTPS by default).
    :param warn: a callable taking one message, called for each retry and for a failed logout.
    :param sleep: injectable for tests; the retry backoff sleeps through it.
    :param session_token: the token of a logon session opened elsewhere (the ``logon_session`` module), with
        its ``session_id``: the client uses it as it is, and neither logs on nor logs out (see ``handover``).
    """

    def __init__(self, host, port=9398, username=None, password=None, validate_certs=True, ca_path=None,
                 timeout=30, api_version='latest', wire_format='xml', retries=3, backoff=1.0, max_backoff=30.0,
                 max_retry_after=60.0, warn=None, sleep=time.sleep, session_token=None, session_id=None):
        if not HAS_REQUESTS:  # pragma: no cover - modules check first, with missing_required_lib
            raise errors.EMError('the Python library requests is required')
        scheme = 'https'
        if '://' in host:
            scheme, host = host.split('://', 1)
            scheme = scheme.lower()
            if scheme not in ('http', 'https'):
                raise ValueError('host: the scheme %r is neither http nor https' % scheme)
        host = host.strip().strip('/')
        if not host:
            raise ValueError('host: an empty host name')
        if host.count(':') == 1:
            raise ValueError('host: %r holds a port; give the host name alone and the port in the port option' % host)
        if ':' in host and not host.startswith('['):
            host = '[%s]' % host  # an IPv6 address
        self.base_url = '%s://%s:%d/api' % (scheme, host, int(port))
        self.port = int(port)
        self.username = username or ''
        self._password = password or ''
        self.timeout = timeout
        self.api_version = api_version or 'latest'
        self.accept = 'application/json' if wire_format == 'json' else 'application/xml'
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self._warn = warn or (lambda message: None)
        self._sleep = sleep
        if not validate_certs:
            self.verify = False
            self._warn('validate_certs is false: the certificate of Enterprise Manager is not verified.')
        elif ca_path:
            self.verify = ca_path
        else:
            self.verify = True
        self._http = requests.Session()
        # Not from the environment: REQUESTS_CA_BUNDLE would silently replace the verify option,
        # and a ~/.netrc entry would replace the Basic credentials. Proxies still come from it.
        self._http.trust_env = False
        self._proxies = requests.utils.get_environ_proxies(self.base_url)
        self._token = session_token or None
        self.session_id = session_id if self._token else None
        # A borrowed logon session belongs to whoever opened it: this client never logs it out.
        self._borrowed = self._token is not None
        self.request_count = 0

    # -- logon and logout -------------------------------------------------------------------------

    def __enter__(self):
        if not self._borrowed:
            self.logon()
        return self

    def __exit__(self, exc_type, exc_value, tb):
        if not self._borrowed:
            self.logout()
        self._http.close()
        return False

    def handover(self):
        """Keep this client's logon session open for others; returns ``(token, session_id)``.

        From now on the client treats the session as borrowed: it will not log it out when it closes.
        """
        if self._token is None:
            self.logon()
        self._borrowed = True
        return self._token, self.session_id

    @property
    def logged_on(self):
        return self._token is not None

    def logon(self):
        """``POST /api/sessionMngr/?v=<api_version>`` with Basic auth and no body; keep the token."""
        path = '/sessionMngr/?v=%s' % quote(self.api_version, safe='')
        # No body and no Content-Type: EM 13 answers 415 to a logon that has either.
        response = self._send('POST', path, auth=(self.username.encode('utf-8'), self._password.encode('utf-8')))
        if response.status_code != 201:
            raise self._error_for(response, 'POST', path, logon=True)
        token = response.headers.get(TOKEN_HEADER)  # requests' headers are case-insensitive
        if not token:
            raise errors.EMMalformedResponseError(
                'the logon answer carries no %s header' % TOKEN_HEADER, method='POST', path=self._display(path),
                status=response.status_code)
        self._token = token
        tree = self._parse(response, 'POST', path)[1]
        try:
            self.session_id = wire.logon_session_id(tree)
        except wire.BodyError as exc:
            self._token = None
            raise errors.EMMalformedResponseError(str(exc), method='POST', path=self._display(path),
                                                  status=response.status_code)

    def logout(self):
        """``DELETE /api/logonSessions/{SessionId}``; a failure warns and never raises."""
        if self._token is None:
            return
        path = '/logonSessions/%s' % quote(self.session_id or '', safe='')
        try:
            response = self._send('DELETE', path, retry=False)
            if response.status_code not in (200, 202, 204):
                self._warn('Logout failed, the EM logon session stays open until it expires: %s'
                           % self._error_for(response, 'DELETE', path))
        except errors.EMError as exc:
            self._warn('Logout failed, the EM logon session stays open until it expires: %s' % exc)
        finally:
            self._token = None
            self.session_id = None

    # -- reading ----------------------------------------------------------------------------------

    def get_entity(self, resource, uuid):
        """One item of a resource by UUID (``?format=Entity``), normalised. Raises EMNotFoundError."""
        path = '%s?format=Entity' % resource.entity_path(quote(uuid, safe=''))
        root, tree = self.get(path)
        try:
            return wire.normalise_item(resource, tree)
        except wire.BodyError as exc:
            raise errors.EMMalformedResponseError(str(exc), method='GET', path=self._display(path), status=200)

    def query_pages(self, resource, conditions=(), raw_filter=None, sort_desc=None, sort_asc=None,
                    page_size=DEFAULT_PAGE_SIZE, references=False):
        """Run a query; yield one list of normalised items per page, fetching a page only when asked.

        Paging is explicit (``pageSize``/``page`` up to ``PagesCount``): EM's default page is 100 items,
        not everything. Conditions on fields the query service does not offer for this resource are
        applied here, to each page, instead of being sent.
        """
        server_conditions = [c for c in conditions if resource.server_filterable(c.field)]
        local_tests = _local_tests(resource, [c for c in conditions if not resource.server_filterable(c.field)])
        params = [('type', resource.query_type), ('format', 'References' if references else 'Entities')]
        filter_text = build_filter(server_conditions, raw_filter)
        if filter_text:
            params.append(('filter', filter_text))
        if sort_desc:
            params.append(('sortDesc', sort_desc))
        elif sort_asc:
            params.append(('sortAsc', sort_asc))
        page_size = max(1, int(page_size or DEFAULT_PAGE_SIZE))
        params.append(('pageSize', str(page_size)))
        page = 1
        while True:
            path = '/query?%s' % urlencode(params + [('page', str(page))], quote_via=quote, safe='')
            root, tree = self.get(path)
            try:
                raw_items = wire.query_items(tree)
                info = wire.paging_info(tree)
                items = [wire.normalise_item(resource, item) for item in raw_items]
            except wire.BodyError as exc:
                raise errors.EMMalformedResponseError(str(exc), method='GET', path=self._display(path), status=200)
            if local_tests:
                items = [item for item in items if _matches(item, local_tests)]
            yield items
            pages_count = info[1] if info else None
            if not raw_items or pages_count is None or page >= pages_count:
                return
            page += 1

    def query(self, resource, conditions=(), raw_filter=None, sort_desc=None, sort_asc=None,
              page_size=DEFAULT_PAGE_SIZE, limit=None):
        """Yield normalised items one by one; stop (and fetch no further page) after ``limit``."""
        if limit is not None and limit <= 0:
            return
        if limit is not None and resource_is_fully_server_filtered(resource, conditions):
            page_size = min(page_size or DEFAULT_PAGE_SIZE, limit)
        count = 0
        for items in self.query_pages(resource, conditions, raw_filter, sort_desc, sort_asc, page_size):
            for item in items:
                yield item
                count += 1
                if limit is not None and count >= limit:
                    return

    def get(self, path):
        """GET an API path (relative to /api); return the parsed ``(root_name, tree)``."""
        response = self.request('GET', path)
        return self._parse(response, 'GET', path)

    # -- transport --------------------------------------------------------------------------------

    def request(self, method, path, expected=(200,)):
        """Send an authenticated request. A 401 (EM drops idle tokens after 15 minutes) gets one fresh logon."""
        if self._token is None:
            self.logon()
        response = self._send(method, path)
        if response.status_code == 401:
            self._token_refused(method, path)
            self.logon()
            response = self._send(method, path)
        if response.status_code not in expected:
            raise self._error_for(response, method, path)
        return response

    def _token_refused(self, method, path):
        """Forget a refused token before a fresh logon; a borrowed one may only be replaced with credentials."""
        borrowed, self._borrowed = self._borrowed, False
        if borrowed and not (self.username and self._password):
            error = errors.EMAuthenticationError(
                'EM refused the shared logon session: it expired (EM ends a logon session after 15 idle minutes) '
                'or was logged out, and no username and password were given to log on again',
                method=method, path=self._display(path), status=401,
                hint='Log on again with veeam.enterprise_manager.logon_session, or give username and password along '
                     'with session so that a task can log on for itself.')
            self._token = None
            self.session_id = None
            raise error
        if borrowed:
            self._warn('EM refused the shared logon session (it expired after 15 idle minutes, or was logged out); '
                       'this task logs on for itself with username and password, and carries on.')
        else:
            self._warn('EM refused the session token (it expires after 15 idle minutes); logging on again.')
        self._token = None
        self.session_id = None

    def _send(self, method, path, auth=None, retry=None):
        """One request with retries: idempotent methods only, on connection errors and 429/502/503/504."""
        url = self.base_url + path
        headers = {'Accept': self.accept}
        if self._token is not None and auth is None:
            headers[TOKEN_HEADER] = self._token
        retry = (method in IDEMPOTENT) if retry is None else retry
        attempt = 0
        while True:
            attempt += 1
            try:
                self.request_count += 1
                with warnings.catch_warnings():
                    # urllib3 warns on every unverified request; the one warning above says it once.
                    warnings.simplefilter('ignore')
                    response = self._http.request(method, url, headers=headers, auth=auth, verify=self.verify,
                                                  timeout=self.timeout, proxies=self._proxies, allow_redirects=False)
            except requests.exceptions.SSLError as exc:
                raise errors.EMTLSError('TLS failed: %s' % self._redact(_reason(exc)), method=method,
                                        path=self._display(path))
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                timed_out = isinstance(exc, requests.exceptions.Timeout)
                if retry and attempt <= self.retries:
                    self._pause(attempt, None, method, path, 'timed out' if timed_out else 'connection failed')
                    continue
                if timed_out:
                    raise errors.EMTimeoutError('no answer from %s within %s seconds' % (self.base_url, self.timeout),
                                                method=method, path=self._display(path))
                raise errors.EMConnectionError('could not talk to %s: %s' % (self.base_url, self._redact(_reason(exc))),
                                               method=method, path=self._display(path))
            except (OSError, ValueError) as exc:
                # requests reports an unreadable CA bundle, or a URL it cannot parse, as these.
                raise errors.EMConnectionError('could not send the request: %s' % self._redact(str(exc)),
                                               method=method, path=self._display(path),
                                               hint='Check ca_path (a readable PEM file) and host (a name or address).')
            if retry and response.status_code in RETRY_STATUSES and attempt <= self.retries:
                self._pause(attempt, response.headers.get('Retry-After'), method, path,
                            'HTTP %d' % response.status_code)
                continue
            return response

    def _pause(self, attempt, retry_after, method, path, why):
        delay = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
        delay *= 1 + random.random() / 10  # a little jitter, so many hosts do not retry in step
        hinted = _retry_after_seconds(retry_after)
        if hinted is not None:
            delay = min(max(hinted, 0.0), self.max_retry_after)
        self._warn('%s %s: %s; retry %d of %d in %.1f s.' % (
            method, self._display(path), why, attempt, self.retries, delay))
        self._sleep(delay)

    def _parse(self, response, method, path):
        try:
            return wire.parse_body(response.content, response.headers.get('Content-Type'))
        except wire.BodyError as exc:
            snippet = self._redact(response.text[:120]) if response.content else ''
            message = 'malformed answer: %s' % exc
            if snippet:
                message += ' (it starts with %r)' % snippet
            raise errors.EMMalformedResponseError(message, method=method, path=self._display(path),
                                                  status=response.status_code)

    def _error_for(self, response, method, path, logon=False):
        status = response.status_code
        server_message = wire.error_message(response.content, response.headers.get('Content-Type'))
        server_message = self._redact(server_message) if server_message else None
        reason = response.reason or ''
        common = dict(method=method, path=self._display(path), status=status, server_message=server_message)
        if status == 401:
            what = 'the credentials were refused' if logon else 'the session token was refused again after a fresh logon'
            return errors.EMAuthenticationError(what, **common)
        if status == 403:
            return errors.EMPermissionError('access denied for user "%s"' % self.username, **common)
        if status == 404:
            if logon:
                return errors.EMNotFoundError(
                    'no Enterprise Manager REST API at %s' % self.base_url,
                    hint='Is port %d the Enterprise Manager REST API? EM listens on 9398 (HTTPS); 9419 is the '
                         'Veeam Backup & Replication REST API, which this collection does not speak.' % self.port,
                    **common)
            return errors.EMNotFoundError('not found', **common)
        if status == 415 and logon:
            return errors.EMAPIError('the logon was refused as an unsupported media type', **common)
        if 300 <= status < 400:
            return errors.EMAPIError('redirected to %s' % response.headers.get('Location'), hint=(
                'Point host and port at Enterprise Manager itself; a redirect usually means a proxy or the '
                'wrong scheme (http vs https).'), **common)
        return errors.EMAPIError('%s %s' % (status, reason) if reason else 'request failed', **common)

    def _display(self, path):
        """The path as shown in messages: below /api, never with a secret, and not endless."""
        text = '/api' + self._redact(path)
        return text if len(text) <= 300 else text[:297] + '...'

    def _redact(self, text):
        if not text:
            return text
        for secret in (self._password, self._token):
            if secret and len(secret) >= 3:
                text = text.replace(secret, REDACTED)
        return text


def resource_is_fully_server_filtered(resource, conditions):
    return all(resource.server_filterable(condition.field) for condition in conditions)


def _fold(value):
    return value.lower() if isinstance(value, str) else value


def _local_tests(resource, conditions):
    """Conditions the server does not offer, as ``(item key, wanted values, equal)``; checked before any request."""
    by_filter_field = dict((field.filter_field.lower(), field.key) for field in resource.fields if field.filter_field)
    tests = []
    for condition in conditions:
        key = by_filter_field.get(condition.field.lower())
        if key is None:
            raise ValueError('%s has no field %s' % (resource.query_type, condition.field))
        if condition.op not in ('==', '!='):
            raise ValueError('%s cannot be filtered with %s on %s' % (condition.field, condition.op, resource.query_type))
        tests.append((key, [_fold(value) for value in condition.values()], condition.op == '=='))
    return tests


def _matches(item, tests):
    return all((_fold(item.get(key)) in wanted) == equal for key, wanted, equal in tests)


def _retry_after_seconds(value):
    if not value:
        return None
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed.timestamp() - time.time()


def _reason(exc):
    """The innermost useful text of a requests exception (urllib3 wraps the socket or ssl error twice)."""
    inner = exc.args[0] if exc.args else exc
    inner = getattr(inner, 'reason', inner)  # urllib3's MaxRetryError keeps the cause in .reason
    args = getattr(inner, 'args', ())
    if args and isinstance(args[-1], BaseException):
        inner = args[-1]
    text = str(inner)
    # urllib3 prefixes "<urllib3.connection.HTTPSConnection object at 0x...>: "; the reader needs the rest.
    if text.startswith('<') and '>: ' in text:
        text = text.split('>: ', 1)[1]
    return text or type(exc).__name__
