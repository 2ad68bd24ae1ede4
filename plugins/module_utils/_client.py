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
(the query service, lazily paged). Errors are the typed ones from ``errors.py``. Queries may run in
parallel threads: each thread gets its own HTTP session, all share the one logon.

The token travels one way only: in the ``X-RestSvcSessionId`` header. EM also sets it as a cookie and,
when a request carries both, reads the cookie; a cookie kept by one thread's session would then outlive
the token it holds. So no cookie is ever kept or sent. After a 401 exactly one thread logs on again:
each request remembers the logon (its generation) whose token it carried, and only a request that
carried the current one may replace it; the others retry with the token already renewed.

The client assumes the server may be broken or hostile:

- ``timeout`` bounds each request as a whole (connect, TLS, headers and the entire body): a watchdog
  shuts the socket down when the time is up, so a server that trickles bytes cannot hold a run
  (``_transport.py``: the deadline, the connection pools that report to it, and reading bodies).
- Bodies are read as a stream and decompressed in bounded steps, counting the decoded bytes against
  ``max_response_size`` (gzip and deflate bombs stop at the limit; ``_transport.read_body``).
- Retries and their waits are bounded as a whole (``RETRY_WAIT_TOTAL``); ``Retry-After`` is clamped.
- ``host`` is parsed into a scheme and a host name or address (``parse_host``) and the URL is built
  from those parts, never by joining strings the user gave.
- Paging must advance and must not repeat items; the number of pages is bounded.
- The password, the token, the SessionId and their encoded forms never appear in a message, warning or
  returned value, and text quoted from the server is cut short and stripped of control characters
  (``_redact.py``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import email.utils
import http.cookiejar
import http.client
import ipaddress
import math
import random
import re
import socket
import threading
import time
import traceback
import warnings

try:
    from urllib.parse import quote, urlencode
except ImportError:  # pragma: no cover - Python 2 is not supported, but the sanity import test runs this
    from urllib import quote, urlencode  # type: ignore

try:
    import requests
    import requests.adapters
    import requests.utils
    import urllib3.exceptions
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the module with missing_required_lib
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from . import _errors as errors
from . import _transport as transport
from . import _wire as wire
from ._query import build_filter
from ._redact import QUOTE_LIMIT, Redactor
from ._untrusted import UNPRINTABLE

NAMESPACE = 'http://www.veeam.com/ent/v1.0'
TOKEN_HEADER = 'X-RestSvcSessionId'
RETRY_STATUSES = frozenset((429, 502, 503, 504))
IDEMPOTENT = frozenset(('GET', 'HEAD', 'OPTIONS', 'DELETE'))
DEFAULT_PAGE_SIZE = 100

DEFAULT_MAX_RESPONSE_SIZE = 64  # MiB, after decompression
# The waits between the tries of one read (its retries, and the retries after a fresh logon) add up to
# at most this many seconds; one wait is at most MAX_WAIT. A read with its retries therefore ends within
# (retries + 1) * timeout + RETRY_WAIT_TOTAL seconds (twice the tries when EM drops the token half-way).
RETRY_WAIT_TOTAL = 60.0
MAX_WAIT = 30.0
# Paging: a page count above this is absurd (at 100 items a page, 100 million sessions); the count may
# grow while paging (EM's data changes), by at most a tenth of the first announcement (at least a page).
MAX_PAGES = 1000000
# A session token is printable ASCII; EM's are well under a kilobyte.
MAX_TOKEN_LENGTH = 4096
_TOKEN_RE = re.compile(r'[\x21-\x7e]+\Z')
_SPACES = re.compile(r'\s+')
_DNS_LABEL = re.compile(r'(?!-)[A-Za-z0-9_-]{1,63}(?<!-)\Z')
_NUMERIC_LABEL = re.compile(r'(0x[0-9a-f]*|[0-9]+)\Z', re.IGNORECASE)


# ------------------------------------------------------------------------------------------- the host

def parse_host(value):
    """``(scheme, host for a URL)`` from the ``host`` option, or ValueError naming the option.

    Accepts a DNS name, an IPv4 address or an IPv6 address (bare or in brackets), optionally prefixed by
    ``https://`` or ``http://`` and followed by one ``/``. Everything else is refused: user information,
    a port, a path, a query, a fragment, backslashes, percent signs, whitespace and control characters.
    The value is echoed only when it cannot hold credentials.
    """
    if not isinstance(value, str) or not value:
        raise ValueError('host: must not be empty')
    if '@' in value:
        raise ValueError('host: holds user information (@); give the host name or address alone, and the '
                         'credentials with username and password')
    shown = _quote_for_message(value, 100)
    if _SPACES.search(value) or UNPRINTABLE.search(value):
        raise ValueError('host: %s holds whitespace or a control character' % shown)
    text = value
    scheme = 'https'
    match = re.match(r'([A-Za-z][A-Za-z0-9+.-]*)://', text)
    if match:
        scheme = match.group(1).lower()
        if scheme not in ('http', 'https'):
            raise ValueError('host: the scheme %s is neither https nor http' % _quote_for_message(scheme, 20))
        text = text[match.end():]
    if text.endswith('/'):
        text = text[:-1]  # "https://em.example.com/" is common and harmless: an empty path
    for char, what in (('://', 'a second scheme'), ('/', 'a path (/)'), ('?', 'a query (?)'), ('#', 'a fragment (#)'),
                       ('\\', 'a backslash'), ('%', 'a percent sign')):
        if char in text:
            raise ValueError('host: %s holds %s; give the host name or address alone' % (shown, what))
    if not text:
        raise ValueError('host: %s holds no host name' % shown)
    if text.startswith('['):
        if ']:' in text:
            raise ValueError('host: %s holds a port; give the address alone and the port in the port option' % shown)
        if not text.endswith(']'):
            raise ValueError('host: %s is not a valid IPv6 address in brackets' % shown)
        return scheme, '[%s]' % _ipv6(text[1:-1], shown)
    if text.count(':') >= 2:
        return scheme, '[%s]' % _ipv6(text, shown)
    if ':' in text:
        raise ValueError('host: %s holds a port; give the host name alone and the port in the port option' % shown)
    try:
        return scheme, str(ipaddress.IPv4Address(text))
    except ValueError:
        pass
    name = text[:-1] if text.endswith('.') else text
    labels = name.split('.')
    if len(name) > 253 or not all(_DNS_LABEL.match(label) for label in labels):
        raise ValueError('host: %s is not a valid host name or address (letters, digits, hyphens and dots; '
                         'write an international name in its xn-- form)' % shown)
    if _NUMERIC_LABEL.match(labels[-1]):
        # "127.1", "2130706433" or "0x7f.1" would be read as an IPv4 address by the resolver.
        raise ValueError('host: %s is neither a host name nor a complete IPv4 address' % shown)
    return scheme, text


def _ipv6(text, shown):
    try:
        return str(ipaddress.IPv6Address(text))
    except ValueError:
        raise ValueError('host: %s is not a valid IPv6 address' % shown)


def _quote_for_message(value, limit):
    text = repr(value)
    if text.startswith(('u"', "u'")):
        text = text[1:]
    return text if len(text) <= limit else text[:limit - 4] + '...' + text[-1]


if HAS_REQUESTS:
    class _Adapter(requests.adapters.HTTPAdapter):
        """An HTTPAdapter whose connections report their sockets to the request's deadline."""

        def init_poolmanager(self, *args, **kwargs):
            super(_Adapter, self).init_poolmanager(*args, **kwargs)
            transport.use_watched_pools(self.poolmanager)

        def proxy_manager_for(self, *args, **kwargs):
            return transport.use_watched_pools(super(_Adapter, self).proxy_manager_for(*args, **kwargs))


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Keeps no cookie and sends none: EM's token cookie would override the header (see EMClient)."""

    def set_ok(self, cookie, request):
        return False

    def return_ok(self, cookie, request):
        return False


class _Budget:
    """The retry waits left for one read."""

    def __init__(self, total=RETRY_WAIT_TOTAL):
        self.left = total


class EMClient:
    """A logon session with one Enterprise Manager, and the requests made in it.

    :param host: EM host name or address; ``http://`` or ``https://`` may prefix it (HTTPS by default).
        Anything else (user information, a port, a path) raises ValueError naming ``host``.
    :param timeout: seconds for each request as a whole: connecting, the headers and the entire body.
    :param max_response_size: MiB a response body may hold, counted after decompression.
    :param warn: a callable taking one message, called for each retry and for a failed logout.
    :param sleep: injectable for tests; the retry backoff sleeps through it.
    :param session_token: the token of a logon session opened elsewhere (the ``logon_session`` module), with
        its ``session_id``: the client uses it as it is, and neither logs on nor logs out (see ``handover``).
    """

    def __init__(self, host, port=9398, username=None, password=None, validate_certs=True, ca_path=None,
                 timeout=30, api_version='latest', wire_format='xml', retries=3, backoff=1.0, max_backoff=MAX_WAIT,
                 max_retry_after=MAX_WAIT, warn=None, sleep=time.sleep, max_response_size=DEFAULT_MAX_RESPONSE_SIZE,
                 retry_wait_total=RETRY_WAIT_TOTAL, session_token=None, session_id=None):
        if not HAS_REQUESTS:  # pragma: no cover - modules check first, with missing_required_lib
            raise errors.EMError('the Python library requests is required')
        scheme, url_host = parse_host(host)
        port = int(port)
        if not 1 <= port <= 65535:
            raise ValueError('port: %d is not a TCP port (1-65535); EM listens on 9398' % port)
        self.base_url = '%s://%s:%d/api' % (scheme, url_host, port)
        self.host_name = url_host.strip('[]')  # the host alone, as reports name the EM
        self.port = port
        self.username = username or ''
        self._password = password or ''
        self._redactor = Redactor()
        self._redactor.add(self._password, username=self.username)
        self.timeout = float(timeout)
        if math.isnan(self.timeout) or self.timeout <= 0:
            raise ValueError('timeout: must be a positive number of seconds')
        self.max_response_size = int(max_response_size)
        if self.max_response_size < 1:
            raise ValueError('max_response_size: must be at least 1 (MiB)')
        self._max_bytes = self.max_response_size * 1024 * 1024
        self.api_version = api_version or 'latest'
        self.accept = 'application/json' if wire_format == 'json' else 'application/xml'
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.max_backoff = min(float(max_backoff), MAX_WAIT)
        self.max_retry_after = min(float(max_retry_after), MAX_WAIT)
        self.retry_wait_total = min(float(retry_wait_total), RETRY_WAIT_TOTAL)
        self._warn_callback = warn if warn is not None else (lambda message: None)
        self._sleep = sleep
        if scheme == 'http':
            self._warn('host uses http://: the password (at the logon) and the session token (with every request) '
                       'travel in clear text. Use https:// unless the network between here and EM is trusted.')
        if not validate_certs:
            self.verify = False
            self._warn('validate_certs is false: the certificate of Enterprise Manager is not verified.')
        elif ca_path:
            self.verify = ca_path
        else:
            self.verify = True
        # One requests.Session per thread (requests does not promise a Session is thread-safe), all sharing
        # the one logon token: queries may run in parallel threads without logging on again (see _http).
        self._local = threading.local()
        self._sessions = []
        self._lock = threading.RLock()
        self._proxies = requests.utils.get_environ_proxies(self.base_url)
        self._token = session_token or None
        self._generation = 0  # counts the tokens this client has held; see request()
        self._redactor.add(self._token)
        self.session_id = session_id if self._token else None
        self._redactor.add(self.session_id)
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
        self.close()
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
    def _http(self):
        """The calling thread's requests.Session, made on first use."""
        http = getattr(self._local, 'http', None)
        if http is None:
            http = requests.Session()
            for prefix in ('https://', 'http://'):  # connections that report their sockets to each request's deadline
                http.mount(prefix, _Adapter())
            # Not from the environment: REQUESTS_CA_BUNDLE would silently replace the verify option,
            # and a ~/.netrc entry would replace the Basic credentials. Proxies still come from it.
            http.trust_env = False
            http.cookies.set_policy(_NoCookies())  # the token goes in its header only (see the module's text)
            self._local.http = http
            with self._lock:
                self._sessions.append(http)
        return http

    def close(self):
        """Close the HTTP connections of every thread (the logon session is ended by logout)."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for http in sessions:
            http.close()

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
            raise self._error(errors.EMMalformedResponseError, 'the logon answer carries no %s header' % TOKEN_HEADER,
                              'POST', path, status=response.status_code)
        self._redactor.add(token)
        sendable = _TOKEN_RE.match(token) is not None
        try:
            session_id = wire.logon_session_id(self._parse(response, 'POST', path)[1])
        except wire.BodyError as exc:
            raise self._error(errors.EMMalformedResponseError, str(exc), 'POST', path, status=response.status_code)
        # Current EM builds make the token the base64 of the SessionId: the id is as secret as the token.
        self._redactor.add(session_id)
        if not sendable or len(token) > MAX_TOKEN_LENGTH:
            problem = ('is %d characters long (at most %d expected)' % (len(token), MAX_TOKEN_LENGTH) if sendable
                       else 'holds whitespace, control or non-ASCII characters, so it cannot be sent back')
            if sendable:  # it can still end the session EM opened
                self._token, self.session_id = token, session_id
                self.logout()
            raise self._error(errors.EMMalformedResponseError, 'the %s header of the logon answer %s'
                              % (TOKEN_HEADER, problem), 'POST', path, status=response.status_code)
        with self._lock:
            self._token = token
            self.session_id = session_id
            self._generation += 1

    def logout(self):
        """``DELETE /api/logonSessions/{SessionId}``; a failure warns and never raises."""
        if self._token is None:
            return
        path = '/logonSessions/%s' % quote(self.session_id or '', safe='')
        try:
            response = self._send('DELETE', path, retry=False, token=self._token)
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
        notes = []
        root, tree = self.get(path, notes)
        self._warn_notes('GET', path, notes)
        try:
            item = wire.normalise_item(resource, tree)
        except wire.BodyError as exc:
            raise self._error(errors.EMMalformedResponseError, str(exc), 'GET', path, status=200)
        return self._redactor.value(item) if self._redactor.any_in(_strings(item)) else item

    def query_pages(self, resource, conditions=(), raw_filter=None, sort_desc=None, sort_asc=None,
                    page_size=DEFAULT_PAGE_SIZE, references=False):
        """Run a query; yield one list of normalised items per page, fetching a page only when asked.

        Paging is explicit (``pageSize``/``page`` up to ``PagesCount``): EM's default page is 100 items,
        not everything. Conditions on fields the query service does not offer for this resource are
        applied here, to each page, instead of being sent. Paging must advance: a page that is not the one
        asked for, that only repeats items already returned, or a page count that is absurd or keeps
        growing fails the query (EMMalformedResponseError); no item is returned twice.
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
        first_count = None
        seen = set()
        notes = []
        warned = False
        while True:
            path = '/query?%s' % urlencode(params + [('page', str(page))], quote_via=quote, safe='')
            try:
                root, tree = self.get(path, notes)
                if notes and not warned:  # once per read, however many of its pages hold such text
                    warned = self._warn_notes('GET', path, notes)
            except errors.EMAPIError as exc:
                if exc.status == 400 and raw_filter:
                    exc.hint = self._filter_hint(resource)
                raise

            def malformed(message):
                return self._error(errors.EMMalformedResponseError, message, 'GET', path, status=200)

            try:
                raw_items = wire.query_items(tree)
                info = wire.paging_info(tree)
                items = []
                for index, item in enumerate(raw_items):
                    try:
                        items.append(wire.normalise_item(resource, item))
                    except wire.BodyError as exc:
                        raise wire.BodyError('item %d of page %d: %s' % (index + 1, page, exc))
            except wire.BodyError as exc:
                raise malformed(str(exc))
            page_num, pages_count = (info[0], info[1]) if info else (None, None)
            if page_num is not None and page_num != page:
                raise self._paging_error('paging does not advance: asked for page %d, the answer is page %d' % (page, page_num), path)
            if pages_count is not None:
                if pages_count < 0 or pages_count > MAX_PAGES:
                    raise self._paging_error('the answer announces %d pages, which is absurd (at most %d are read)'
                                             % (pages_count, MAX_PAGES), path)
                if first_count is None:
                    first_count = pages_count
                elif pages_count > first_count + max(1, first_count // 10):
                    raise self._paging_error('paging does not end: page 1 announced %d pages, page %d announces %d'
                                             % (first_count, page, pages_count), path)
            fresh = [item for item in items if item['uid'] not in seen]
            if items and not fresh:
                raise self._paging_error('paging does not advance: page %d only repeats items already returned' % page, path)
            if len(fresh) != len(items):
                self._warn('GET %s: %d item(s) of page %d were already returned (EM\'s data changed while paging?); '
                           'each item is returned once.' % (self._display(path), len(items) - len(fresh), page))
                unique = []
                for item in fresh:
                    if item['uid'] not in seen:
                        unique.append(item)
                        seen.add(item['uid'])
                fresh = unique
            else:
                seen.update(item['uid'] for item in fresh)
            if self._redactor.any_in(_strings_of_page(fresh)):
                fresh = [self._redactor.value(item) for item in fresh]
            if local_tests:
                fresh = [item for item in fresh if _matches(item, local_tests)]
            yield fresh
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

    def get(self, path, notes=None):
        """GET an API path (relative to /api); return the parsed ``(root_name, tree)``.

        What was read in place of something unreadable (see ``wire.parse_body``) is appended to ``notes``."""
        response = self.request('GET', path)
        return self._parse(response, 'GET', path, notes)

    def _warn_notes(self, method, path, notes):
        if notes:
            self._warn('%s %s: %s.' % (method, self._display(path), notes[0]))
            return True
        return False

    # -- transport --------------------------------------------------------------------------------

    def request(self, method, path, expected=(200,)):
        """Send an authenticated request. A 401 (EM drops idle tokens after 15 minutes) gets one fresh logon."""
        token, generation = self._current_token()
        budget = _Budget(self.retry_wait_total)
        response = self._send(method, path, budget=budget, token=token)
        if response.status_code == 401:
            # Threads share the token. Only a request that carried the current token may replace it (EM
            # refused that very token, so its session is gone); one that carried an older token retries
            # with the one another thread has already renewed.
            with self._lock:
                if self._generation == generation:
                    self._token_refused(method, path)
                    self.logon()
                token = self._token
            response = self._send(method, path, budget=budget, token=token)
        if response.status_code not in expected:
            raise self._error_for(response, method, path)
        return response

    def _current_token(self):
        """``(token, generation)`` of the logon session, logging on first if there is none."""
        with self._lock:
            if self._token is None:
                self.logon()
            return self._token, self._generation

    def _token_refused(self, method, path):
        """Forget a refused token before a fresh logon; a borrowed one may only be replaced with credentials."""
        borrowed, self._borrowed = self._borrowed, False
        if borrowed and not (self.username and self._password):
            error = errors.EMAuthenticationError(
                'EM refused the shared logon session: it expired (EM ends a logon session after 15 idle minutes) '
                'or was logged out, and no username and password were given to log on again',
                method=method, path=self._display(path), status=401, options=['session', 'username', 'password'],
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

    def _send(self, method, path, auth=None, retry=None, budget=None, token=None):
        """One request with retries: idempotent methods only, on connection errors and 429/502/503/504.

        Each try has its own deadline (``timeout``); the waits between tries share ``budget``.
        """
        url = self.base_url + path
        headers = {'Accept': self.accept, 'Accept-Encoding': 'gzip, deflate'}
        if token is not None and auth is None:
            headers[TOKEN_HEADER] = token
        retry = (method in IDEMPOTENT) if retry is None else retry
        budget = budget or _Budget(self.retry_wait_total)
        attempt = 0
        while True:
            attempt += 1
            with self._lock:
                self.request_count += 1
            try:
                response = self._exchange(method, url, path, headers, auth)
            except errors.EMTimeoutError as exc:
                if retry and attempt <= self.retries and self._pause(attempt, None, method, path, 'timed out', budget):
                    continue
                raise exc
            except errors.EMTLSError:
                raise
            except errors.EMConnectionError as exc:
                if (retry and getattr(exc, 'retryable', False) and attempt <= self.retries
                        and self._pause(attempt, None, method, path, 'connection failed', budget)):
                    continue
                raise exc
            if (retry and response.status_code in RETRY_STATUSES and attempt <= self.retries
                    and self._pause(attempt, response.headers.get('Retry-After'), method, path,
                                    'HTTP %d' % response.status_code, budget)):
                continue
            return response

    def _exchange(self, method, url, path, headers, auth):
        """One try: send, then read the whole body within the deadline and the size limit."""
        deadline = transport.Deadline(self.timeout)
        transport.ACTIVE.deadline = deadline
        response = None
        try:
            try:
                with warnings.catch_warnings():
                    # urllib3 warns on every unverified request; the one warning above says it once.
                    warnings.simplefilter('ignore')
                    remaining = deadline.remaining()
                    response = self._http.request(method, url, headers=headers, auth=auth, verify=self.verify,
                                                  timeout=(remaining, remaining), proxies=self._proxies,
                                                  allow_redirects=False, stream=True)
                    content = self._read_body(response, deadline, method, path)
                if deadline.check():
                    raise self._timeout(method, path)
                return transport.Reply(response.status_code, response.reason, response.headers, content)
            except errors.EMError:
                raise
            except requests.exceptions.SSLError as exc:
                if deadline.check():
                    raise self._timeout(method, path)
                raise self._tls_error(exc, method, path)
            except (requests.exceptions.RequestException, OSError, ValueError) + _HTTPErrors as exc:
                if deadline.check() or isinstance(exc, _TIMEOUTS):
                    raise self._timeout(method, path)
                if isinstance(exc, (requests.exceptions.ConnectionError,) + _HTTPErrors):
                    raise self._connection_error(exc, method, path, deadline)
                if isinstance(exc, requests.exceptions.RequestException):
                    raise self._error(errors.EMConnectionError, 'the request failed: %s'
                                      % self._redactor.clean(_reason(exc), 300), method, path)
                # requests reports an unreadable CA bundle, or a URL it cannot parse, as these.
                raise self._error(errors.EMConnectionError, 'could not send the request: %s'
                                  % self._redactor.clean(_reason(exc), 300), method, path,
                                  kind='input', options=['ca_path', 'host'],
                                  hint='Check ca_path (a readable PEM file) and host (a name or address).')
        finally:
            transport.ACTIVE.deadline = None
            deadline.finish()
            if response is not None:
                response.close()

    def _connection_error(self, exc, method, path, deadline):
        """The error for a connection that failed or broke: a name that does not resolve, plain HTTP sent to a
        port that speaks HTTPS, or any other (retryable) connection failure."""
        reason = self._redactor.clean(_reason(exc), 300)
        if any(isinstance(cause, _NAME_ERRORS) for cause in _causes(exc)):
            return self._error(errors.EMNameResolutionError, 'could not resolve the host name %s: %s'
                               % (self.host_name, reason), method, path)
        if self.base_url.startswith('http:') and not self._proxies and transport.speaks_tls(
                self.host_name, self.port, min(5.0, deadline.remaining())):
            return self._error(
                errors.EMConnectionError, 'could not talk to %s: %s; port %d speaks HTTPS, not plain HTTP'
                % (self.base_url, reason, self.port), method, path, kind='tls', options=['host', 'port'],
                hint='Port %d speaks HTTPS: write host as https://%s, or without a scheme (HTTPS is the default).'
                     % (self.port, self.base_url.split('://', 1)[1].rsplit(':', 1)[0]))
        error = self._error(errors.EMConnectionError, 'could not talk to %s: %s' % (self.base_url, reason), method, path)
        error.retryable = True
        return error

    def _read_body(self, response, deadline, method, path):
        """The body, decoded, read in steps: refused past ``max_response_size`` or the deadline."""
        headers = response.headers
        try:
            return transport.read_body(response.raw.stream(transport.CHUNK, decode_content=False),
                                       headers.get('Content-Encoding'), headers.get('Content-Length'), deadline,
                                       self._max_bytes)
        except transport.TooLarge as exc:
            raise self._too_large(method, path, response.status_code, announced=exc.announced)
        except transport.DeadlinePassed:
            raise self._timeout(method, path)
        except transport.EncodingError as exc:
            raise self._error(errors.EMMalformedResponseError, str(exc), method, path, status=response.status_code)

    def _pause(self, attempt, retry_after, method, path, why, budget):
        """Wait before the next try; False (do not retry) when the retry budget of this read is spent."""
        delay = min(self.max_backoff, self.backoff * (2 ** min(attempt - 1, 30)))
        delay *= 1 + random.random() / 10  # a little jitter, so many hosts do not retry in step
        hinted = _retry_after_seconds(retry_after)
        if hinted is not None:
            delay = max(delay, min(hinted, self.max_retry_after))
        delay = min(delay, MAX_WAIT)
        if delay > budget.left:
            self._warn('%s %s: %s; not retried: the waits of one read are limited to %d s in all.' % (
                method, self._display(path), why, self.retry_wait_total))
            return False
        budget.left -= delay
        self._warn('%s %s: %s; retry %d of %d in %.1f s.' % (
            method, self._display(path), why, attempt, self.retries, delay))
        self._sleep(delay)
        return True

    def _parse(self, response, method, path, notes=None):
        try:
            return wire.parse_body(response.content, response.headers.get('Content-Type'), notes)
        except wire.BodyError as exc:
            snippet = ''
            if response.content:
                snippet = self._redactor.clean(response.content[:400].decode('utf-8', 'replace'), 120)
            message = 'malformed answer: %s' % exc
            if snippet:
                message += ' (it starts with %r)' % snippet
            raise self._error(errors.EMMalformedResponseError, message, method, path, status=response.status_code)

    def _error_for(self, response, method, path, logon=False):
        status = response.status_code
        server_message = wire.error_message(response.content, response.headers.get('Content-Type'))
        reason = self._redactor.clean(response.reason or '', 100)
        common = dict(status=status, server_message=server_message)
        user = self._redactor.clean(self.username, 200)
        if status == 401:
            what = ('the credentials of user "%s" were refused' % user if logon
                    else 'the session token was refused again after a fresh logon as user "%s"' % user)
            return self._error(errors.EMAuthenticationError, what, method, path, username=self.username, **common)
        if status == 403:
            return self._error(errors.EMPermissionError, 'access denied for user "%s"' % user,
                               method, path, **common)
        if status == 404:
            if logon:
                return self._error(
                    errors.EMNotFoundError, 'no Enterprise Manager REST API at %s' % self.base_url, method, path,
                    hint='Is port %d the Enterprise Manager REST API? EM listens on 9398 (HTTPS); 9419 is the '
                         'Veeam Backup & Replication REST API, which this collection does not speak.' % self.port,
                    options=['host', 'port'], **common)
            return self._error(errors.EMNotFoundError, 'not found', method, path, **common)
        if status == 415 and logon:
            return self._error(errors.EMAPIError, 'the logon was refused as an unsupported media type',
                               method, path, **common)
        if 300 <= status < 400:
            location = self._redactor.clean(response.headers.get('Location') or 'nowhere', 300)
            return self._error(errors.EMAPIError, 'redirected to %s (not followed)' % location, method, path, hint=(
                'Point host and port at Enterprise Manager itself; a redirect usually means a proxy or the '
                'wrong scheme (http vs https).'), options=['host', 'port'], **common)
        return self._error(errors.EMAPIError, '%s %s' % (status, reason) if reason else 'request failed',
                           method, path, **common)

    def _filter_hint(self, resource):
        offered = ', '.join(resource.filter_fields)
        return ('Check the filter option: %s offers only these fields: %s. For a field EM does not offer, such as '
                'the result of a CDP task session, use the module option instead (result, state, name...): the '
                'collection applies it itself where EM has no such field.' % (resource.query_type, offered))

    def _tls_error(self, exc, method, path):
        reason = self._redactor.clean(_reason(exc), 300)
        lowered = reason.lower()
        hint = None
        options = None
        if 'wrong version number' in lowered or 'record layer failure' in lowered or 'packet length too long' in lowered:
            options = ['host', 'port']
            hint = ('The port did not answer with TLS: it speaks plain HTTP, or it is not Enterprise Manager. '
                    'EM serves its REST API over HTTPS on 9398; check port, and https:// or http:// in host. '
                    'This is not a certificate problem.')
        elif 'no_certificate_or_crl_found' in lowered or 'no certificate or crl found' in lowered:
            hint = ('The ca_path file holds no certificate in PEM form (it is empty, or DER): put the CA '
                    'certificate\'s PEM text (-----BEGIN CERTIFICATE-----) in it.')
        elif 'certificate verify failed' in lowered or 'certificate_verify_failed' in lowered:
            if 'mismatch' in lowered:
                hint = ('Use a host name that is in the certificate (its Subject Alternative Names), or a '
                        'certificate that holds the name you use.')
            elif 'expired' in lowered:
                hint = 'The certificate of Enterprise Manager has expired: renew it.'
        elif 'eof' in lowered or 'reset' in lowered or 'handshake' in lowered:
            options = ['host', 'port']
            hint = ('The TLS handshake did not complete: check that port %d is Enterprise Manager\'s HTTPS port, '
                    'and that no proxy or firewall in between interferes with TLS.' % self.port)
        return self._error(errors.EMTLSError, 'TLS failed: %s' % reason, method, path, hint=hint, options=options)

    def _timeout(self, method, path):
        return self._error(
            errors.EMTimeoutError,
            'no complete answer from %s within the timeout of %s (the timeout bounds the whole request: '
            'connecting, the headers and the entire body)' % (self.base_url, _seconds(self.timeout)), method, path)

    def _paging_error(self, message, path):
        return self._error(errors.EMMalformedResponseError, message, 'GET', path, status=200, hint=(
            'Enterprise Manager (or a proxy in front of it) pages in a way that does not progress. Run again; if it '
            'persists, check for a proxy or load balancer that mixes answers of several servers.'))

    def _too_large(self, method, path, status, announced=None):
        size = ' (it announces %d bytes)' % announced if announced else ''
        return self._error(
            errors.EMResponseTooLargeError,
            'the answer is larger than max_response_size, %d MiB after decompression%s; it was not read further'
            % (self.max_response_size, size), method, path, status=status)

    def _error(self, cls, message, method=None, path=None, status=None, server_message=None, hint=None, options=None,
               username=None, kind=None):
        """An error of ``cls`` whose every text has been redacted and cleaned."""
        clean = self._redactor.clean
        return cls(clean(message, 4 * QUOTE_LIMIT), method=method, path=self._display(path) if path else None,
                   status=status, server_message=clean(server_message) if server_message else None,
                   hint=clean(hint, 2 * QUOTE_LIMIT) if hint else None, options=options, username=username, kind=kind)

    def _warn(self, message):
        self._warn_callback(self._redactor.clean(message, 4 * QUOTE_LIMIT))

    def _display(self, path):
        """The path as shown in messages: below /api, never with a secret, and not endless."""
        text = '/api' + self._redactor.clean(path, 2000)
        return text if len(text) <= 300 else text[:297] + '...'

    def _redact(self, text):
        return self._redactor.text(text)


if HAS_REQUESTS:
    # What a broken connection raises while the body streams (urllib3's own errors, not requests').
    _HTTPErrors = (http.client.HTTPException, urllib3.exceptions.HTTPError)
    _TIMEOUTS = (requests.exceptions.Timeout, socket.timeout, urllib3.exceptions.TimeoutError)
    # A host name that does not resolve (urllib3 2 wraps the resolver's error in its own).
    _NAME_ERRORS = (socket.gaierror, getattr(urllib3.exceptions, 'NameResolutionError', socket.gaierror))
else:  # pragma: no cover
    _HTTPErrors = _TIMEOUTS = _NAME_ERRORS = ()


def _seconds(value):
    if value == 1:
        return '1 second'
    return ('%d seconds' % value) if value == int(value) else ('%.1f seconds' % value)


def _strings(item):
    return [value for value in item.values() if isinstance(value, str)]


def _strings_of_page(items):
    return [value for item in items for value in item.values() if isinstance(value, str)]


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
    """Seconds from a Retry-After header (delay-seconds or an HTTP date), or None when it is neither.

    Never raises: a huge, negative, fractional, NaN, infinite or garbled value gives None or a number the
    caller clamps.
    """
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > 64:
        return None
    if value.isdigit():
        return float(min(int(value[:12]) if len(value) <= 12 else 10 ** 12, 10 ** 12))
    try:
        parsed = email.utils.parsedate_to_datetime(value)
        if parsed is None:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=datetime.timezone.utc)
        return parsed.timestamp() - time.time()
    except (TypeError, ValueError, IndexError, OverflowError, OSError, AttributeError):
        return None


def _causes(exc, limit=12):
    """``exc`` and the exceptions it wraps (urllib3 and requests nest them in args, reason and causes)."""
    seen = []
    todo = [exc]
    while todo and len(seen) < limit:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or any(current is known for known in seen):
            continue
        seen.append(current)
        todo.append(getattr(current, 'reason', None))
        todo.extend(arg for arg in getattr(current, 'args', ()) if isinstance(arg, BaseException))
        todo.extend((current.__cause__, current.__context__))
    return seen


# How urllib3 names a connection or a pool in its messages ("HTTPSConnection(host='em', port=9398): ",
# "<urllib3.connection.HTTPSConnection object at 0x...>: "), and where in its C source ssl failed
# ("(_ssl.c:1006)"): these are for programmers, not for people.
_LIBRARY_OBJECT = re.compile(r'<[\w.]+ object at 0x[0-9a-fA-F]+>:\s*|\b\w*(?:Connection|Pool)\w*\([^()]*\):\s*'
                             r'|\s*\(_ssl\.c:\d+\)')


def _reason(exc):
    """The innermost useful text of a requests exception (urllib3 wraps the socket or ssl error twice)."""
    inner = exc.args[0] if exc.args else exc
    inner = getattr(inner, 'reason', inner)  # urllib3's MaxRetryError keeps the cause in .reason
    args = getattr(inner, 'args', ())
    if args and isinstance(args[-1], BaseException):
        inner = args[-1]
    text = _LIBRARY_OBJECT.sub('', str(inner)).strip()
    return text or 'the connection broke without a reason given'
