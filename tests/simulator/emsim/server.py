"""HTTP(S) server of the EM simulator: routing, authentication, fault injection and control endpoints.

Usage in-process::

    from emsim.server import Simulator
    sim = Simulator(dataset=None, tls=True)   # dataset=None: dataset.generate(seed=1)
    sim.start()
    requests.get(sim.base_url + "/api/", verify=sim.ca_path)
    sim.stop()

Nothing secret (Authorization header, password, X-RestSvcSessionId token) is ever logged or printed.
"""

# pylint: disable=consider-using-f-string,too-many-arguments,too-many-positional-arguments,too-many-locals
# pylint: disable=too-many-instance-attributes,too-many-return-statements,too-many-branches,too-many-public-methods

import base64
import binascii
import collections
import json
import math
import os
import socket
import ssl
import tempfile
import threading
import time
import uuid as uuidlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

from . import dataset as dataset_mod
from . import render
from .filters import FilterError, parse_filter, sort_field, sort_records

DEFAULT_USERS = {
    "Administrator": ("Sup3r-S3cret!Pa55", "portal_admin"),
    "TECH\\restore.operator": ("Op3rator-Pa55w0rd", "restore_operator"),
}
RESTRICTED_ROLES = {"restore_operator"}
DEFAULT_PAGE_SIZE = 100
JSON_STYLES = ("em12", "em13")

#: URL collection (lower case) -> query kind; ``repicaTaskSessions`` is the documented typo path.
COLLECTIONS = {
    "cdpreplicasessions": "cdpreplicasession",
    "cdpreplicatasksessions": "cdpreplicatasksession",
    "replicasessions": "replicajobsession",
    "replicatasksessions": "replicatasksession",
    "repicatasksessions": "replicatasksession",
    "backupservers": "backupserver",
    "jobs": "job",
    "cdppolicies": "cdppolicy",
    "backupsessions": "backupjobsession",
    "backuptasksessions": "backuptasksession",
    "vmrestorepoints": "vmrestorepoint",
    "restorepoints": "restorepoint",
    "vmreplicapoints": "vmreplicapoint",
}
#: (parent collection, child path) -> child kind.
CHILD_LISTS = {
    ("cdpreplicasessions", "cdpreplicatasksessions"): "cdpreplicatasksession",
    ("replicasessions", "replicatasksessions"): "replicatasksession",
    ("replicasessions", "repicatasksessions"): "replicatasksession",
    ("backupsessions", "tasksessions"): "backuptasksession",
}


# Session kinds whose records may name their parent (job or policy) instead of giving its uuid.
PARENT_BY_NAME = {"cdp_replica_sessions": ("cdp_policies", "policy"), "replica_job_sessions": ("replica_jobs", "job"),
                  "backup_job_sessions": ("backup_jobs", "job")}


class ApiError(Exception):
    """An error answered with an EM Error body."""

    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class _Server(ThreadingHTTPServer):
    """Threading HTTP server that keeps a reference to its Simulator and stays quiet on client errors."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, handler, sim):
        self.sim = sim
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def handle_error(self, request, client_address):
        """Client disconnects and TLS failures are not worth a traceback."""


class OwnUser:
    """A user that only one test logs on as, with the logon sessions it opened: a late request of an earlier
    test (a logon the simulator finishes after its client gave up) may open a session as another user, never
    as this one. ``len()`` counts its logons, ``opened`` lists them, ``still_open()`` counts the live ones."""

    def __init__(self, simulator, prefix="TEST"):
        self.simulator = simulator
        self.username = "%s\\user-%s" % (prefix, uuidlib.uuid4().hex[:12])
        self.password = "Own-Pa55word-%s" % uuidlib.uuid4().hex[:12]
        simulator.add_user(self.username, self.password)

    def __len__(self):
        return len(self.opened)

    @property
    def opened(self):
        """``(token, session_id)`` of each logon session of this user, oldest first."""
        return self.simulator.logons_of(self.username)

    def still_open(self):
        return self.simulator.open_sessions_of(self.username)


class Simulator:
    """The EM REST API simulator (see the module docstring and README.md)."""

    def __init__(self, dataset=None, tls=True, cert_dir=None, host="127.0.0.1", port=0, users=None, json_style="em13",
                 token_idle_timeout=900, bom=False, request_log_path=None, quiet=True):
        if json_style not in JSON_STYLES:
            raise ValueError("json_style must be one of %s" % ", ".join(JSON_STYLES))
        self.dataset = dataset if dataset is not None else dataset_mod.generate(seed=1)
        self.tls = tls
        self.cert_dir = cert_dir
        self.host = host
        self.requested_port = port
        self.users = dict(users) if users is not None else dict(DEFAULT_USERS)
        self.config = {"json_style": json_style, "token_idle_timeout": float(token_idle_timeout), "bom": bool(bom)}
        self.request_log_path = request_log_path
        self.quiet = quiet
        self.lock = threading.RLock()
        self.tokens = {}
        # (username, token, session_id) of every logon session opened, for tests that count their own user's.
        self.logons = collections.deque(maxlen=100000)
        self.faults = {}
        self.log = []
        self.request_count = 0
        self.connections = set()
        self.ca_path = None
        self.httpd = None
        self.thread = None
        self._log_file = None

    # ------------------------------------------------------------------------------ lifecycle
    def start(self):
        """Bind, (generate the TLS certificate) and serve in a background thread; returns self."""
        self.httpd = _Server((self.host, self.requested_port), _Handler, self)
        if self.tls:
            context = self._tls_context()
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True, do_handshake_on_connect=False)
        if self.request_log_path:
            self._log_file = open(self.request_log_path, "a", encoding="utf-8")  # pylint: disable=consider-using-with
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="emsim", daemon=True)
        self.thread.start()
        return self

    def _tls_context(self):
        """A server SSL context with a certificate for 127.0.0.1/localhost issued by a fresh trustme CA."""
        import trustme  # pylint: disable=import-outside-toplevel
        authority = trustme.CA()
        names = ["127.0.0.1", "localhost", "::1"]
        if self.host not in names and self.host not in ("0.0.0.0", "::", ""):
            names.append(self.host)
        cert = authority.issue_cert(*names)
        directory = self.cert_dir or tempfile.mkdtemp(prefix="emsim-")
        os.makedirs(directory, exist_ok=True)
        self.ca_path = os.path.join(directory, "ca.pem")
        authority.cert_pem.write_to_path(self.ca_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        return context

    def stop(self):
        """Stop serving, close every open connection and the request log file."""
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            with self.lock:
                connections = list(self.connections)
            for conn in connections:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.httpd = None
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        """The bound TCP port."""
        return self.httpd.server_address[1] if self.httpd else None

    @property
    def base_url(self):
        """``https://127.0.0.1:PORT`` (``http://`` when tls=False); the API is under ``/api``."""
        host = self.host if self.host not in ("0.0.0.0", "") else "127.0.0.1"
        if ":" in host:
            host = "[%s]" % host
        return "%s://%s:%s" % ("https" if self.tls else "http", host, self.port)

    # ------------------------------------------------------------------------------ state
    def open_logon_sessions(self):
        """Number of live (not expired, not deleted) logon sessions."""
        with self.lock:
            self._purge_expired()
            return len(self.tokens)

    def add_user(self, username, password, role="portal_admin"):
        """Let ``username`` log on. A test that counts logons uses a user of its own: a late request of an earlier
        test (a logon the simulator finishes after its client gave up) may still open a session as another user."""
        with self.lock:
            self.users[username] = (password, role)

    def own_user(self, prefix="TEST"):
        """A new user of one test's own (``OwnUser``)."""
        return OwnUser(self, prefix)

    def logons_of(self, username):
        """``(token, session_id)`` of each logon session ``username`` opened, oldest first."""
        with self.lock:
            return [(token, session_id) for name, token, session_id in self.logons if name == username]

    def open_sessions_of(self, username):
        """How many logon sessions of ``username`` are still open (not expired, not deleted)."""
        with self.lock:
            self._purge_expired()
            return len([session for session in self.tokens.values() if session["username"] == username])

    def request_log(self):
        """A copy of the request log (one dict per /api request)."""
        with self.lock:
            return [dict(entry) for entry in self.log]

    def set_faults(self, faults=None, **kwargs):
        """Add faults (same JSON as ``POST /_sim/faults``); returns the active faults."""
        spec = dict(faults or {})
        spec.update(kwargs)
        with self.lock:
            for key in ("status", "drop", "malformed"):
                if key in spec:
                    value = spec[key]
                    if not value:
                        self.faults.pop(key, None)
                        continue
                    if not isinstance(value, dict):
                        raise ValueError("fault %s must be an object" % key)
                    entry = dict(value)
                    entry["count"] = int(entry.get("count", 1))
                    if key == "status":
                        entry["code"] = int(entry.get("code", 503))
                    self.faults[key] = entry
            if "delay" in spec:
                self.faults["delay"] = float(spec["delay"] or 0)
            if spec.get("expire_tokens"):
                self.tokens.clear()
            unknown = set(spec) - {"status", "drop", "malformed", "delay", "expire_tokens"}
            if unknown:
                raise ValueError("unknown faults: %s" % ", ".join(sorted(unknown)))
            return dict(self.faults)

    def reset(self):
        """Clear the faults and the request log."""
        with self.lock:
            self.faults = {}
            self.log = []
            self.request_count = 0

    def set_config(self, json_style=None, token_idle_timeout=None, bom=None):
        """Change json_style ("em12"/"em13"), token_idle_timeout (seconds) or bom (bool)."""
        with self.lock:
            if json_style is not None:
                if json_style not in JSON_STYLES:
                    raise ValueError("json_style must be one of %s" % ", ".join(JSON_STYLES))
                self.config["json_style"] = json_style
            if token_idle_timeout is not None:
                self.config["token_idle_timeout"] = float(token_idle_timeout)
            if bom is not None:
                self.config["bom"] = bool(bom)
            return dict(self.config)

    def set_dataset(self, dataset):
        """Replace the data set."""
        with self.lock:
            self.dataset = dataset

    def add_records(self, kind, rows):
        """Append records to one kind of the running data set (``Dataset.to_json`` form, missing keys
        filled in as ``from_json`` does, parent names looked up); returns the new counts.

        For sessions that appear while a client polls: a new failure, or one EM imports late.
        """
        if kind not in dataset_mod.KINDS:
            raise ValueError("unknown kind %r; one of %s" % (kind, ", ".join(dataset_mod.KINDS)))
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise ValueError("records must be a list of objects")
        # A record without a uuid gets a new one, as every other missing key gets its default.
        rows = [dict(row) if row.get("uuid") else dict(row, uuid=str(uuidlib.uuid4())) for row in rows]
        with self.lock:
            current = self.dataset
            # A session may name its job or policy instead of giving its uuid.
            parent_kind, key = PARENT_BY_NAME.get(kind, (None, None))
            for row in rows if parent_kind else ():
                named = [item for item in getattr(current, parent_kind) if item["name"] == row.get(key + "_name")]
                if named and not row.get(key + "_uuid"):
                    row[key + "_uuid"] = named[0]["uuid"]
            parents = {name: [dict(item) for item in getattr(current, name)]
                       for name in ("backup_servers", "cdp_policies", "replica_jobs", "backup_jobs", "cdp_replica_sessions",
                                    "replica_job_sessions", "backup_job_sessions") if name != kind}
            parents[kind] = rows
            added = getattr(dataset_mod.Dataset.from_json(parents), kind)
            getattr(current, kind).extend(added)
            current.reindex()
            return current.counts()

    def state(self):
        """``{"open_logon_sessions", "requests", "faults", "config", "dataset"}``."""
        with self.lock:
            return {"open_logon_sessions": self.open_logon_sessions(), "requests": self.request_count,
                    "faults": dict(self.faults), "config": dict(self.config), "dataset": self.dataset.counts()}

    # ------------------------------------------------------------------------------ internals
    def _purge_expired(self):
        """Drop tokens idle for longer than token_idle_timeout (caller holds the lock)."""
        limit = self.config["token_idle_timeout"]
        now = time.monotonic()
        for token in [t for t, s in self.tokens.items() if now - s["last_used"] > limit]:
            del self.tokens[token]

    def login(self, username, password):
        """Create a logon session; returns ``(token, session_id, canonical username)`` or None."""
        for name, (secret, role) in self.users.items():
            if name.lower() == username.lower() and secret == password:
                session_id = str(uuidlib.uuid4())
                token = base64.b64encode(session_id.encode("ascii")).decode("ascii")
                with self.lock:
                    self.tokens[token] = {"session_id": session_id, "username": name, "role": role,
                                          "last_used": time.monotonic()}
                    self.logons.append((name, token, session_id))
                return token, session_id, name
        return None

    def session_for(self, token):
        """The live session of a token (refreshing its idle timer), or None."""
        with self.lock:
            self._purge_expired()
            session = self.tokens.get(token)
            if session is not None:
                session["last_used"] = time.monotonic()
            return session

    def take_fault(self, kind, raw_path):
        """Consume one count of a counted fault matching the path; returns the fault dict or None."""
        with self.lock:
            fault = self.faults.get(kind)
            if not fault or fault.get("count", 0) <= 0:
                return None
            if fault.get("path_contains") and fault["path_contains"] not in raw_path:
                return None
            fault["count"] -= 1
            if fault["count"] <= 0:
                del self.faults[kind]
            return dict(fault)

    def record(self, entry):
        """Append a request-log entry (and write it to the request log file)."""
        with self.lock:
            self.log.append(entry)
            self.request_count += 1
            if self._log_file is not None:
                self._log_file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self._log_file.flush()


def _query_params(query):
    """Decoded query parameters with lower-case names (last value wins), plus the original names."""
    params, names = {}, {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        params[name.lower()] = value
        names[name.lower()] = name
    return params, names


class _Handler(BaseHTTPRequestHandler):
    """One connection; routes /api/* and /_sim/* requests."""

    pending_entry = None  # (entry, started) of the request being answered, until send() logs it

    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-HTTPAPI/2.0"
    timeout = 60

    def version_string(self):
        """The Server header, like EM's HTTP.sys."""
        return self.server_version

    # ------------------------------------------------------------------------------ plumbing
    @property
    def sim(self):
        """The Simulator serving this request."""
        return self.server.sim

    def setup(self):
        """TLS handshake in the connection's own thread (a slow client cannot block the accept loop)."""
        self.request.settimeout(self.timeout)
        try:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle stall between headers and body
        except OSError:
            pass
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        with self.sim.lock:
            self.sim.connections.add(self.request)
        super().setup()

    def finish(self):
        """Forget the connection."""
        try:
            super().finish()
        finally:
            with self.sim.lock:
                self.sim.connections.discard(self.request)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Access log on stderr unless quiet (request line only: no headers, no secrets)."""
        if not self.sim.quiet:
            super().log_message(format, *args)

    def do_GET(self):  # pylint: disable=invalid-name
        """GET."""
        self.dispatch("GET")

    def do_POST(self):  # pylint: disable=invalid-name
        """POST."""
        self.dispatch("POST")

    def do_DELETE(self):  # pylint: disable=invalid-name
        """DELETE."""
        self.dispatch("DELETE")

    def do_PUT(self):  # pylint: disable=invalid-name
        """PUT."""
        self.dispatch("PUT")

    def do_HEAD(self):  # pylint: disable=invalid-name
        """HEAD (answered like GET without a body would be: 405)."""
        self.dispatch("HEAD")

    def read_body(self):
        """The request body (Content-Length or chunked)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def wants_json(self):
        """JSON when the Accept header contains application/json."""
        return "application/json" in (self.headers.get("Accept") or "").lower()

    def api_base(self):
        """``scheme://host[:port]/api`` as the client addressed us (Host header)."""
        host = self.headers.get("Host") or "%s:%d" % (self.sim.host, self.sim.port)
        return "%s://%s/api" % ("https" if self.sim.tls else "http", host)

    def send(self, status, body, content_type=None, headers=None, bom=False):
        """Write a complete response with a correct Content-Length (``bom``: prefix a UTF-8 BOM)."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        if body and bom:
            body = b"\xef\xbb\xbf" + body
        if self.pending_entry is not None:
            entry, started = self.pending_entry
            self.pending_entry = None
            entry["status"] = status
            self.finish_entry(entry, started)
        self.send_response(status)
        if content_type and body:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()
        return status

    # ------------------------------------------------------------------------------ dispatch
    def dispatch(self, method):
        """Route one request."""
        started = time.monotonic()
        parts = urlsplit(self.path)
        path = parts.path
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        if path.startswith("/_sim/") or path == "/_sim":
            self.control(method, path, body)
            return
        params, names = _query_params(parts.query)
        entry = {"method": method, "path": path, "query": {names[k]: v for k, v in params.items()}, "status": None, "accept": self.headers.get("Accept"),
                 "cookie": self.cookie_token() is not None, "duration_ms": 0.0}
        if not (path == "/api" or path.startswith("/api/")):
            entry["status"] = self.send_api(404, None, "Not found: %s" % path)
            self.finish_entry(entry, started, record=False)
            return
        # Recorded by send() just before the body goes out, so a client that has its answer always
        # finds the request in the log; here only when nothing was sent (a dropped connection).
        self.pending_entry = (entry, started)
        try:
            status = self.api(method, path, params, names, body)
        except (ConnectionError, ssl.SSLError, socket.timeout):
            status = None
            self.close_connection = True
        if self.pending_entry is not None:
            self.pending_entry = None
            entry["status"] = status
            self.finish_entry(entry, started)

    def finish_entry(self, entry, started, record=True):
        """Complete and store a request-log entry."""
        entry["duration_ms"] = round((time.monotonic() - started) * 1000.0, 3)
        if record:
            self.sim.record(entry)

    def send_api(self, status, text, error=None, content_type=None, headers=None, malformed=False):
        """Send an API response (``error`` turns it into an Error body) in the negotiated format."""
        as_json = self.wants_json()
        style = self.sim.config["json_style"]
        if error is not None:
            text = render.error_document(status, error, style, as_json)
        if content_type is None:
            content_type = "application/json; charset=utf-8" if as_json else "application/xml; charset=utf-8"
        if malformed and text:
            encoded = text.encode("utf-8")
            text = encoded[:max(1, len(encoded) // 2)]
            if not as_json:
                text += b"<Broken attr=\"&\">"
            status = 200
        return self.send(status, text if text is not None else b"", content_type, headers, bom=self.sim.config["bom"])

    def api(self, method, path, params, names, body):
        """Fault injection, then authentication and routing of an /api request; returns the status sent."""
        sim = self.sim
        delay = sim.faults.get("delay")
        if delay:
            time.sleep(delay)
        if sim.take_fault("drop", self.path):
            self.close_connection = True
            try:
                self.request.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return None
        fault = sim.take_fault("status", self.path)
        if fault:
            headers = {}
            if fault.get("retry_after") is not None:
                headers["Retry-After"] = str(fault["retry_after"])
            return self.send_api(fault["code"], None, fault.get("message") or "Simulated fault: HTTP %d" % fault["code"],
                                 headers=headers)
        malformed = bool(sim.take_fault("malformed", self.path))
        try:
            status, text, headers = self.route(method, path, params, names, body)
        except ApiError as exc:
            return self.send_api(exc.status, None, exc.message, headers=exc.headers, malformed=malformed)
        return self.send_api(status, text, headers=headers, malformed=malformed)

    def route(self, method, path, params, names, body):
        """Return ``(status, body text, headers)`` or raise ApiError."""
        segments = [s for s in path.split("/") if s][1:]
        low = [s.lower() for s in segments]
        base = self.api_base()
        as_json = self.wants_json()
        style = self.sim.config["json_style"]
        if not segments:
            if method != "GET":
                raise ApiError(405, "Method %s is not allowed" % method)
            return 200, render.api_root_document(base, style, as_json), None
        if low[0] == "sessionmngr" and len(segments) == 1:
            if method != "POST":
                raise ApiError(405, "Method %s is not allowed" % method)
            return self.logon(params, body, base)
        session = self.authenticate()
        if low[0] == "logonsessions":
            return self.logon_sessions(method, segments, base)
        if method != "GET":
            raise ApiError(405, "Method %s is not allowed for %s" % (method, path))
        if low[0] == "query" and len(segments) == 1:
            self.authorize(session)
            return self.query(params, names, base)
        kind = COLLECTIONS.get(low[0])
        if kind is None or len(segments) > 3:
            raise ApiError(404, "Resource not found: %s" % path)
        self.authorize(session)
        entity = (params.get("format") or "").lower() == "entity"
        data = self.sim.dataset
        key = render.KINDS[kind].dataset_key
        if len(segments) == 1:
            return 200, render.collection_document(kind, getattr(data, key), base, entity, style, as_json), None
        record = data.get(key, segments[1])
        if record is None:
            raise ApiError(404, "%s with id '%s' was not found" % (render.KINDS[kind].query_type, segments[1]))
        if len(segments) == 2:
            return 200, render.entity_document(kind, record, base, entity, style, as_json), None
        child = CHILD_LISTS.get((low[0], low[2]))
        if child is None:
            raise ApiError(404, "Resource not found: %s" % path)
        return 200, render.collection_document(child, data.tasks_of(record["uuid"]), base, entity, style, as_json), None

    # ------------------------------------------------------------------------------ auth
    def logon(self, params, body, base):
        """POST /sessionMngr/?v=...: Basic authentication, 201 with X-RestSvcSessionId."""
        if body or self.headers.get("Content-Type") is not None:
            raise ApiError(415, "Unsupported media type: the logon request must not have a body")
        version = params.get("v")
        if version is not None and version.lower() not in ("latest", "v1_4", "v1_5", "v1_6", "v1_7", "v1_8"):
            raise ApiError(400, "Unsupported API version '%s'" % version)
        unauthorized = ApiError(401, "Authentication failed: invalid user name or password",
                                {"WWW-Authenticate": "Basic Realm=RestSvc"})
        header = self.headers.get("Authorization") or ""
        scheme, dummy, encoded = header.strip().partition(" ")
        if scheme.lower() != "basic" or not encoded.strip():
            raise unauthorized
        try:
            raw = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise unauthorized from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        username, sep, password = text.partition(":")
        if not sep:
            raise unauthorized
        result = self.sim.login(username, password)
        if result is None:
            raise unauthorized
        token, session_id, name = result
        doc = render.logon_document(base, name, session_id, self.sim.config["json_style"], self.wants_json())
        # EM also sets the token as a cookie, and a client that keeps cookies sends it back.
        return 201, doc, {"X-RestSvcSessionId": token, "Location": "%s/logonSessions/%s" % (base, session_id),
                          "Set-Cookie": "X-RestSvcSessionId=%s; Path=/api" % token}

    def cookie_token(self):
        """The token of an X-RestSvcSessionId cookie, or None."""
        for header in self.headers.get_all("Cookie") or ():
            for pair in header.split(";"):
                name, sep, value = pair.strip().partition("=")
                if sep and name.strip() == "X-RestSvcSessionId":
                    return value.strip()
        return None

    def authenticate(self):
        """The session of the token, or 401: the cookie's when there is one (EM ignores the header then)."""
        token = self.cookie_token()
        if token is None:
            token = (self.headers.get("X-RestSvcSessionId") or "").strip()
        session = self.sim.session_for(token) if token else None
        if session is None:
            raise ApiError(401, "Unauthorized: the X-RestSvcSessionId header is missing, unknown or expired",
                           {"WWW-Authenticate": "Basic Realm=RestSvc"})
        return session

    @staticmethod
    def authorize(session):
        """403 for roles that cannot read sessions."""
        if session["role"] in RESTRICTED_ROLES:
            raise ApiError(403, "Access denied")

    def logon_sessions(self, method, segments, base):
        """GET /logonSessions, GET or DELETE /logonSessions/{SessionId}."""
        sim = self.sim
        style, as_json = sim.config["json_style"], self.wants_json()
        if len(segments) == 1:
            if method != "GET":
                raise ApiError(405, "Method %s is not allowed" % method)
            with sim.lock:
                sim._purge_expired()  # pylint: disable=protected-access
                live = [(s["session_id"], s["username"]) for s in sim.tokens.values()]
            return 200, render.logon_sessions_document(base, live, style, as_json), None
        if len(segments) != 2:
            raise ApiError(404, "Resource not found")
        wanted = segments[1].lower()
        with sim.lock:
            match = [t for t, s in sim.tokens.items() if s["session_id"] == wanted]
            if method == "DELETE":
                if not match:
                    raise ApiError(404, "Logon session '%s' was not found" % segments[1])
                del sim.tokens[match[0]]
                return 204, None, None
            if method != "GET":
                raise ApiError(405, "Method %s is not allowed" % method)
            if not match:
                raise ApiError(404, "Logon session '%s' was not found" % segments[1])
            found = sim.tokens[match[0]]
        return 200, render.logon_document(base, found["username"], found["session_id"], style, as_json), None

    # ------------------------------------------------------------------------------ query
    def query(self, params, names, base):
        """GET /query?type=...&format=...&filter=...&sortAsc|sortDesc=...&pageSize=...&page=..."""
        qtype = params.get("type")
        if not qtype:
            raise ApiError(400, "The 'type' query parameter is required")
        kind_name = qtype.lower()
        if kind_name not in render.KINDS:
            raise ApiError(400, "Query type '%s' is not supported" % qtype)
        fmt = (params.get("format") or "References").lower()
        if fmt not in ("entities", "references"):
            raise ApiError(400, "Invalid format '%s': expected Entities or References" % params.get("format"))
        page_size = self._positive_int(params, "pagesize", DEFAULT_PAGE_SIZE)
        page = self._positive_int(params, "page", 1)
        records = getattr(self.sim.dataset, render.KINDS[kind_name].dataset_key)
        try:
            if params.get("filter") is not None:
                predicate = parse_filter(params["filter"], kind_name)
                records = [r for r in records if predicate(r)]
            if params.get("sortdesc"):
                records = sort_records(records, sort_field(params["sortdesc"], kind_name), descending=True)
            elif params.get("sortasc"):
                records = sort_records(records, sort_field(params["sortasc"], kind_name))
        except FilterError as exc:
            raise ApiError(400, str(exc)) from None
        pages = max(1, math.ceil(len(records) / page_size))
        chunk = records[(page - 1) * page_size:page * page_size]
        paging = {"PagesCount": pages, "PageSize": page_size, "PageNum": page,
                  "Links": self.paging_links(base, params, names, page, pages, page_size)}
        text = render.query_result(kind_name, chunk, base, paging, fmt == "entities", self.sim.config["json_style"],
                                   self.wants_json())
        return 200, text, None

    @staticmethod
    def _positive_int(params, name, default):
        """An integer parameter > 0 (400 otherwise)."""
        value = params.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise ApiError(400, "Invalid value '%s' for %s: a positive integer is expected" % (value, name)) from None
        if number <= 0:
            raise ApiError(400, "Invalid value '%s' for %s: a positive integer is expected" % (value, name))
        return number

    def paging_links(self, base, params, names, page, pages, page_size):
        """First / Previous / Next / Last links; parameters in the order type, format, filter, sort, pageSize, page."""
        fixed = []
        for key in ("type", "format", "filter", "sortasc", "sortdesc"):
            if params.get(key) is not None and params.get(key) != "":
                fixed.append("%s=%s" % (names[key], quote(params[key], safe=";" if key == "filter" else "")))
        prefix = "%s/query?%s" % (base, "&".join(fixed + ["pageSize=%d" % page_size]))
        if self.sim.config["json_style"] == "em12":
            prefix = render.lower_escapes(prefix)
        links = [render.link("First", "%s&page=1" % prefix)]
        if page > 1:
            links.append(render.link("Previous", "%s&page=%d" % (prefix, min(page - 1, pages))))
        if page < pages:
            links.append(render.link("Next", "%s&page=%d" % (prefix, page + 1)))
        links.append(render.link("Last", "%s&page=%d" % (prefix, pages)))
        return links

    # ------------------------------------------------------------------------------ control
    def control(self, method, path, body):
        """The unauthenticated /_sim/* control endpoints (JSON in, JSON out)."""
        sim = self.sim
        status, result = 200, None
        try:
            payload = json.loads(body.decode("utf-8-sig")) if body.strip() else {}
            if method == "POST" and path == "/_sim/faults":
                result = sim.set_faults(payload)
            elif method == "GET" and path == "/_sim/faults":
                with sim.lock:
                    result = dict(sim.faults)
            elif method == "POST" and path == "/_sim/reset":
                sim.reset()
                result = {"reset": True}
            elif method == "GET" and path == "/_sim/log":
                result = sim.request_log()
            elif method == "GET" and path == "/_sim/state":
                result = sim.state()
            elif method == "POST" and path == "/_sim/config":
                result = sim.set_config(**{k: payload[k] for k in ("json_style", "token_idle_timeout", "bom") if k in payload})
                if set(payload) - {"json_style", "token_idle_timeout", "bom"}:
                    raise ValueError("unknown config keys: %s" % ", ".join(sorted(set(payload) - set(result))))
            elif method == "POST" and path == "/_sim/dataset":
                if "generate" in payload:
                    new = dataset_mod.generate(**(payload["generate"] or {}))
                elif "healthy" in payload:
                    new = dataset_mod.healthy(**(payload["healthy"] or {}))
                elif "protection" in payload:
                    new = dataset_mod.protection(**(payload["protection"] or {}))
                else:
                    new = dataset_mod.Dataset.from_json(payload)
                sim.set_dataset(new)
                result = new.counts()
            elif method == "POST" and path == "/_sim/records":
                result = sim.add_records(payload.get("kind"), payload.get("records"))
            else:
                status, result = 404, {"error": "unknown control endpoint %s %s" % (method, path)}
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            status, result = 400, {"error": str(exc)}
        self.send(status, json.dumps(result, ensure_ascii=False), "application/json; charset=utf-8")
