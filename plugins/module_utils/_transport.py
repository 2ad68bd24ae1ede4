# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The transport under the client: a deadline for each request as a whole, and bodies read within limits.

Private to this collection: not a public API; names and signatures may change in any release.

- ``Deadline``: the time left for one request. The connections of the pools below report their sockets to
  the deadline of the request running in their thread (``ACTIVE.deadline``), and the deadline shuts them
  down when the time is up, so a server that trickles bytes cannot hold a read past ``timeout``.
- ``use_watched_pools``: makes a urllib3 pool manager use those connections (the client's requests
  adapter calls it).
- ``read_body``: the body read as a stream and decompressed here, in bounded steps, counting the decoded
  bytes against the size limit (gzip and deflate bombs stop at the limit).

The client (``_client.py``) is the one user of requests; this file knows sockets and urllib3 only, and
its errors are its own (``TooLarge``, ``DeadlinePassed``, ``EncodingError``): the client turns them into
the typed errors of ``_errors.py``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket
import ssl
import threading
import time
import zlib

try:
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
except ImportError:  # pragma: no cover - reported by the module with missing_required_lib (requests brings urllib3)
    HTTPConnection = HTTPSConnection = HTTPConnectionPool = HTTPSConnectionPool = object

# Bytes read, and decoded, in one step.
CHUNK = 65536


ACTIVE = threading.local()


class Deadline:
    """The time left for one request; when it runs out, the request's sockets are shut down.

    A blocking read then returns at once, whatever the server does: requests' own timeout applies to
    each read, so a server sending a byte every few seconds would otherwise hold the request forever.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sockets = []
        self._owned = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self):
        return max(0.001, self.end - time.monotonic())

    def watch(self, sock, owned=False):
        with self._lock:
            if owned:
                self._owned.append(sock)
            self._sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def check(self):
        if self.expired or time.monotonic() >= self.end:
            self.expired = True
            return True
        return False

    def _expire(self):
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)

    def finish(self):
        self._timer.cancel()
        with self._lock:
            for sock in self._owned:
                try:
                    sock.close()
                except OSError:
                    pass
            self._sockets = []
            self._owned = []


def _shutdown(sock):
    try:
        # The plain socket's shutdown, also for a TLS socket: it wakes a blocked read without touching TLS state.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, ValueError, TypeError):
        pass


def _watch_new_socket(sock):
    deadline = getattr(ACTIVE, 'deadline', None)
    if deadline is not None and sock is not None:
        try:
            # A duplicate of the descriptor: wrapping the socket in TLS detaches the original object,
            # and the handshake must be interruptible too. Closed when the request ends.
            deadline.watch(sock.dup(), owned=True)
        except OSError:
            pass


def _watch_connection(connection):
    deadline = getattr(ACTIVE, 'deadline', None)
    sock = getattr(connection, 'sock', None)
    if deadline is not None and sock is not None:
        deadline.watch(sock)


class WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self):
        sock = super(WatchedHTTPConnection, self)._new_conn()
        _watch_new_socket(sock)
        return sock

    def request(self, *args, **kwargs):
        _watch_connection(self)
        return super(WatchedHTTPConnection, self).request(*args, **kwargs)

    def getresponse(self, *args, **kwargs):
        _watch_connection(self)
        return super(WatchedHTTPConnection, self).getresponse(*args, **kwargs)


class WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self):
        sock = super(WatchedHTTPSConnection, self)._new_conn()
        _watch_new_socket(sock)
        return sock

    def request(self, *args, **kwargs):
        _watch_connection(self)
        return super(WatchedHTTPSConnection, self).request(*args, **kwargs)

    def getresponse(self, *args, **kwargs):
        _watch_connection(self)
        return super(WatchedHTTPSConnection, self).getresponse(*args, **kwargs)


class WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


def use_watched_pools(manager):
    classes = getattr(manager, 'pool_classes_by_scheme', None)
    # Only the plain managers: a SOCKS proxy manager brings pool classes of its own.
    if classes and classes.get('http') is HTTPConnectionPool and classes.get('https') is HTTPSConnectionPool:
        manager.pool_classes_by_scheme = {'http': WatchedHTTPPool, 'https': WatchedHTTPSPool}
    return manager


class TooLarge(Exception):
    """The body is larger than the limit (``announced``: the Content-Length that said so, if any)."""

    def __init__(self, announced=None):
        super(TooLarge, self).__init__('too large')
        self.announced = announced


class DeadlinePassed(Exception):
    """The request's time ran out while its body was read."""


class EncodingError(ValueError):
    """A Content-Encoding that is not asked for, or a compressed stream that is broken."""


class Inflater:
    """Content-Encoding decoding in bounded steps: never more than ``CHUNK`` decoded bytes at a time."""

    def __init__(self, encoding):
        encoding = (encoding or '').strip().lower()
        if encoding in ('', 'identity'):
            self.mode = None
        elif encoding in ('gzip', 'x-gzip', 'deflate'):
            self.mode = 'deflate' if encoding == 'deflate' else 'gzip'
        else:
            raise EncodingError('the body is encoded as %s, which the client did not ask for (it accepts gzip '
                                'and deflate)' % _shown(encoding))
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS) if self.mode == 'gzip' else None

    def feed(self, data):
        if self.mode is None:
            if data:
                yield data
            return
        if self._obj is None:  # deflate: a zlib stream, or (some servers) a raw one
            if not data:
                return
            zlib_header = len(data) >= 2 and data[0] & 0x0f == 8 and (data[0] * 256 + data[1]) % 31 == 0
            self._obj = zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)
        try:
            while True:
                out = self._obj.decompress(data, CHUNK)
                data = self._obj.unconsumed_tail
                if out:
                    yield out
                if self._obj.eof:
                    rest = self._obj.unused_data
                    if rest and self.mode == 'gzip':  # another gzip member
                        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
                        data = rest
                        continue
                    return
                if not data and not out:
                    return
        except zlib.error as exc:
            raise EncodingError('the %s body cannot be decompressed (%s)' % (self.mode, exc))

    def finish(self):
        if self.mode is not None and self._obj is not None and not self._obj.eof:
            raise EncodingError('the %s body ends before its compressed stream does' % self.mode)


class Reply:
    """What the client keeps of an HTTP answer: status, reason, headers and the whole (decoded) body."""

    __slots__ = ('status_code', 'reason', 'headers', 'content')

    def __init__(self, status_code, reason, headers, content):
        self.status_code = status_code
        self.reason = reason
        self.headers = headers
        self.content = content


def read_body(stream, content_encoding, content_length, deadline, max_bytes):
    """The whole body of ``stream`` (raw chunks as sent), decoded, within ``deadline`` and ``max_bytes``.

    Raises TooLarge past ``max_bytes`` (at once when an unencoded body announces more), DeadlinePassed when
    the time runs out between chunks, and EncodingError for an encoding not asked for or a broken stream.
    """
    inflater = Inflater(content_encoding)
    length = (content_length or '').strip()
    if inflater.mode is None and length.isdigit() and int(length) > max_bytes:
        raise TooLarge(announced=int(length))
    chunks = []
    total = 0
    for raw in stream:
        if deadline.check():
            raise DeadlinePassed()
        for piece in inflater.feed(raw):
            total += len(piece)
            if total > max_bytes:
                raise TooLarge()
            chunks.append(piece)
    inflater.finish()
    return b''.join(chunks)


def _shown(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:36] + '...' + text[-1]


def speaks_tls(host, port, timeout):
    """Whether ``host``:``port`` completes a TLS handshake (nothing else is sent), to explain a failure of plain
    HTTP sent there. The certificate is not looked at: this only asks which protocol the port speaks."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            with context.wrap_socket(sock) as tls:
                return tls.version() is not None
    except (OSError, ValueError):  # ssl.SSLError is an OSError
        return False
