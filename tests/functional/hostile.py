"""A deliberately hostile or broken Enterprise Manager, for the functional tests of the client's guards.

Stdlib only (plus trustme for HTTPS), loopback only. It speaks just enough of EM to log on
(``POST /api/sessionMngr/``, a token header and a LogonSession body) and off
(``DELETE /api/logonSessions/{id}``) and counts both; every read (``GET``) is answered by the test's
``on_get(exchange)``, which writes whatever raw bytes it likes through the ``Exchange`` helpers (slow
drips, endless bodies, compressed bombs, garbled pages). Every loop is bounded (by a byte or time
budget and by the server's stop event), so a test that fails cannot leave a thread spinning.

``Trap`` is a bare TCP listener that only counts connections: put it where a mis-built URL would go.
"""

import base64
import gzip
import socket
import socketserver
import ssl
import threading
import time
import uuid
import zlib

TOKEN = 'dG9rZW4tb2YtdGhlLWhvc3RpbGUtc2VydmVyLTAxMjM0NTY3ODk='
SESSION_ID = '2f1b0a4e-61a4-4cf2-9bd4-6a3c8d1f5e77'
NS = 'http://www.veeam.com/ent/v1.0'
MAX_REQUEST_HEAD = 65536


def uid(number):
    """A stable CdpReplicaSession UID for item ``number``."""
    return 'urn:veeam:CdpReplicaSession:%s' % uuid.UUID(int=number + 1, version=4)


def xml_page(items, page=1, pages=1, page_size=100, page_num=None):
    """A QueryResult of CdpReplicaSessions; ``items`` are UID numbers, or raw XML strings used as they are."""
    body = ''.join(item if isinstance(item, str) else
                   '<CdpPolicySession Type="CdpReplicaSession" UID="%s" Name="session %d"><State>Stopped</State>'
                   '<Result>Success</Result></CdpPolicySession>' % (uid(item), item) for item in items)
    return ('<?xml version="1.0" encoding="utf-8"?><QueryResult xmlns="%s"><Entities><CdpReplicaSessions>%s'
            '</CdpReplicaSessions></Entities><PagingInfo PageNum="%s" PageSize="%s" PagesCount="%s"/></QueryResult>'
            % (NS, body, page if page_num is None else page_num, page_size, pages)).encode('utf-8')


def json_page(items_json, paging_json):
    """A JSON QueryResult from raw JSON texts (so that tests can put NaN or 1e400 in them)."""
    return ('{"Entities":{"CdpReplicaSessions":{"CdpReplicaSessions":[%s]}},"PagingInfo":%s}'
            % (','.join(items_json), paging_json)).encode('utf-8')


def gzip_member(size=1024 * 1024):
    """One gzip member holding ``size`` zero bytes (about 1 KiB for 1 MiB): repeat it for a bomb."""
    return gzip.compress(b'\0' * size, 9)


def deflate_stream(size, raw=False):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15 if raw else 15)
    block = b'\0' * (1024 * 1024)
    parts = [compressor.compress(block) for dummy in range(size // len(block))]
    parts.append(compressor.flush())
    return b''.join(parts)


class Exchange:
    """One request as the handler sees it, and ways to answer it."""

    def __init__(self, server, sock, method, target, headers):
        self.server = server
        self.sock = sock
        self.method = method
        self.target = target
        self.headers = headers
        self.sent = 0

    @property
    def stopping(self):
        return self.server.stop_event.is_set()

    def page(self):
        """The ``page`` query parameter of a query (1 when absent)."""
        for part in self.target.split('?', 1)[-1].split('&'):
            if part.startswith('page='):
                return int(part[5:])
        return 1

    def write(self, data):
        try:
            self.sock.sendall(data)
            self.sent += len(data)
            return True
        except OSError:
            return False

    def respond(self, status=200, body=b'', headers=None, reason=None):
        lines = ['HTTP/1.1 %d %s' % (status, reason or {200: 'OK', 201: 'Created', 204: 'No Content'}.get(status, 'X'))]
        headers = dict(headers or {})
        headers.setdefault('Content-Type', 'application/xml; charset=utf-8')
        if 'Transfer-Encoding' not in headers:
            headers.setdefault('Content-Length', str(len(body)))
        lines += ['%s: %s' % item for item in headers.items()]
        return self.write(('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + body)

    def drip(self, data, interval, budget_seconds=30.0):
        """Send ``data`` one byte every ``interval`` seconds, until it is sent, the client leaves, or the budget ends."""
        started = time.monotonic()
        for index in range(len(data)):
            if self.stopping or time.monotonic() - started > budget_seconds:
                return False
            if not self.write(data[index:index + 1]):
                return False
            time.sleep(interval)
        return True

    def stream(self, chunk, max_bytes, chunked=True):
        """Send ``chunk`` again and again (chunked transfer coding), up to ``max_bytes`` or until the client leaves."""
        while self.sent < max_bytes and not self.stopping:
            data = (b'%x\r\n%s\r\n' % (len(chunk), chunk)) if chunked else chunk
            if not self.write(data):
                return False
        if chunked:
            self.write(b'0\r\n\r\n')
        return True


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        server = self.server.hostile
        with server.lock:
            server.connections += 1
        sock = self.request
        sock.settimeout(10)
        buffered = b''
        while not server.stop_event.is_set():
            while b'\r\n\r\n' not in buffered:
                try:
                    data = sock.recv(65536)
                except (OSError, ssl.SSLError):
                    return
                if not data:
                    return
                buffered += data
                if len(buffered) > MAX_REQUEST_HEAD:
                    return
                if not buffered[:1].isalpha():  # not HTTP (a TLS hello, say): answer as a web server would
                    sock.sendall(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
                    return
            head, buffered = buffered.split(b'\r\n\r\n', 1)
            lines = head.decode('latin-1').split('\r\n')
            method, target = lines[0].split(' ')[:2]
            headers = {}
            for line in lines[1:]:
                name, dummy, value = line.partition(':')
                headers[name.strip().lower()] = value.strip()
            exchange = Exchange(server, sock, method, target, headers)
            with server.lock:
                server.requests.append((method, target, headers))
            keep = server.dispatch(exchange)
            if not keep:
                return


class _Threading(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Hostile:
    """The hostile EM. ``on_get(exchange)`` answers reads; returning True keeps the connection open."""

    def __init__(self, tls=False, cert_dir=None, token=TOKEN, on_get=None, on_logon=None, host='127.0.0.1'):
        self.token = token
        self.on_get = on_get or (lambda exchange: exchange.respond(200, xml_page([1, 2])))
        self.on_logon = on_logon
        self.logons = 0
        self.logouts = 0
        self.connections = 0
        self.requests = []
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self._server = _Threading((host, 0), _Handler)
        self._server.hostile = self
        self.port = self._server.server_address[1]
        self.ca_path = None
        if tls:
            import trustme  # pylint: disable=import-outside-toplevel
            authority = trustme.CA()
            certificate = authority.issue_cert(u'127.0.0.1', u'localhost')
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            certificate.configure_cert(context)
            self.ca_path = '%s/hostile-ca.pem' % cert_dir
            authority.cert_pem.write_to_path(self.ca_path)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self._server.shutdown()
        self._server.server_close()
        return False

    def authorization(self, username, password):
        """The Basic value a client sends for these credentials."""
        return base64.b64encode(('%s:%s' % (username, password)).encode('utf-8')).decode('ascii')

    def reads(self):
        with self.lock:
            return [(method, target) for method, target, dummy in self.requests if method == 'GET']

    def dispatch(self, exchange):
        if exchange.method == 'POST' and exchange.target.startswith('/api/sessionMngr/'):
            if self.on_logon is not None:
                return self.on_logon(exchange)
            body = ('<LogonSession xmlns="%s" Type="LogonSession"><UserName>x</UserName><SessionId>%s</SessionId>'
                    '</LogonSession>' % (NS, SESSION_ID)).encode('utf-8')
            with self.lock:
                self.logons += 1
            head = ('HTTP/1.1 201 Created\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n'
                    'X-RestSvcSessionId: %s\r\n\r\n' % (len(body), self.token))
            return exchange.write(head.encode('latin-1', 'replace') + body)
        if exchange.method == 'DELETE' and exchange.target.startswith('/api/logonSessions/'):
            if exchange.headers.get('x-restsvcsessionid') == self.token:
                with self.lock:
                    self.logouts += 1
                return exchange.respond(204)
            return exchange.respond(401, b'<Error Message="no session"/>')
        if exchange.method == 'GET':
            return self.on_get(exchange)
        return exchange.respond(405)


class Trap:
    """A TCP listener that accepts and counts connections, and answers nothing."""

    def __init__(self, host='127.0.0.1'):
        self.connections = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self._sock.listen(16)
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, dummy = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            self.connections += 1
            conn.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(2)
        self._sock.close()
        return False


class SlowProxy:
    """A TCP relay to ``port`` that passes the server's bytes on one at a time, every ``interval`` seconds.

    In front of the TLS server it drips the TLS handshake itself, before any HTTP is spoken.
    """

    def __init__(self, port, interval=0.05, budget_seconds=10.0):
        self.port_to = port
        self.interval = interval
        self.budget = budget_seconds
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(('127.0.0.1', 0))
        self._sock.listen(4)
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                client, dummy = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client):
        upstream = socket.create_connection(('127.0.0.1', self.port_to), timeout=5)
        started = time.monotonic()

        def forward():  # client -> server, as it comes
            try:
                while not self._stop.is_set():
                    data = client.recv(65536)
                    if not data:
                        return
                    upstream.sendall(data)
            except OSError:
                return
        threading.Thread(target=forward, daemon=True).start()
        try:
            while not self._stop.is_set() and time.monotonic() - started < self.budget:
                data = upstream.recv(1)
                if not data:
                    return
                client.sendall(data)
                time.sleep(self.interval)
        except OSError:
            return
        finally:
            client.close()
            upstream.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(2)
        self._sock.close()
        return False
