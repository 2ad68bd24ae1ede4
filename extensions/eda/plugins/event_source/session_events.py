# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An event for each newly finished Enterprise Manager session with a result of interest.

Used as ``veeam.enterprise_manager.session_events`` in a rulebook. Enterprise Manager has no webhooks,
so the source polls its query service. Each poll looks back over a window (``ended_within``) of session
end times, so sessions that EM imports late from its backup servers are still seen, and remembers
what it emitted (by UID and result) so nothing is emitted twice.
"""

from __future__ import annotations

import asyncio
import datetime
import difflib
import importlib
import importlib.util
import json
import logging
import os
import stat
import sys
import tempfile
import threading
import time
from typing import Any, NamedTuple

DOCUMENTATION = r"""
---
short_description: Poll Veeam Backup Enterprise Manager for newly failed backup, replication and CDP sessions.
description:
  - An ansible-rulebook event source that polls the query service of Veeam Backup Enterprise Manager (EM)
    and sends one event for each session that has finished with a result in O(results).
  - Each poll asks, for every kind in O(kinds), for the sessions that ended within the last O(ended_within).
    EM imports sessions from its backup servers every 15 minutes by default, so a session often becomes
    visible well after it ended; the look-back window catches it, and the memory of sent events (UID and
    result, kept for twice O(ended_within)) stops it from being sent again.
  - One logon is kept across polls. When EM drops the token (after 15 idle minutes) the source logs on
    again. It logs out when the activation stops.
  - Connection trouble, timeouts and server errors are logged and retried at the next poll. Configuration
    errors (bad options, refused credentials, a missing role, an unverifiable certificate, a port that
    is not the EM REST API) end the source at once with a message naming the cause.
  - "Each event holds one key, C(veeam_em): the EM host (C(em)), the kind of session (C(kind)), and the same keys
    the info module of that kind returns (for example C(id), C(uid), C(name), C(policy_name) or C(job_name),
    C(result), C(state), C(creation_time_utc), C(end_time_utc), C(failure_message) or C(reason),
    C(vm_display_name), C(backup_server_name)). It also has C(meta.hosts) when O(hosts) is set."
  - "Names and messages come from EM: whoever names a VM or a job, or controls a backup server, chooses them.
    ansible-rulebook hands an event to C(run_playbook) as an extra-vars file, which ansible-core reads as
    trusted templates, so every string of an event (keys and values) is made inert first: each C({{), C({%)
    and C({#) gets a space after its brace (C(vm-{{ 6*7 }}) arrives as C(vm-{ { 6*7 }})). This visible change
    is the only one; a playbook that shows or passes the values on stays safe, as long as it never undoes
    the escape and never builds a template out of them."
options:
  host:
    description:
      - Host name or address of Enterprise Manager; may start with V(https://) (the default) or V(http://).
      - If not set, the E(VEEAM_EM_HOST) environment variable is used.
    type: str
    required: true
  port:
    description:
      - Port of the EM REST API. If not set, E(VEEAM_EM_PORT), else 9398.
    type: int
    default: 9398
  username:
    description:
      - User to log on as, for example V(DOMAIN\\user); needs the Portal Administrator role.
      - If not set, the E(VEEAM_EM_USERNAME) environment variable is used.
    type: str
    required: true
  password:
    description:
      - Password of O(username); never logged. If not set, E(VEEAM_EM_PASSWORD) is used.
    type: str
    required: true
  validate_certs:
    description:
      - Whether to verify EM's TLS certificate. If not set, E(VEEAM_EM_VALIDATE_CERTS), else V(true).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA that signed EM's certificate. If not set, E(VEEAM_EM_CA_PATH) is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each answer from EM.
    type: int
    default: 30
  retries:
    description:
      - How many times a read is tried again, within one poll, after a connection error or an answer of
        429, 502, 503 or 504.
    type: int
    default: 3
  max_response_size:
    description:
      - Largest answer accepted from EM, in MiB, counted after decompression. Between 1 and 4096.
    type: int
    default: 64
  api_version:
    description:
      - REST API version to log on with; V(latest) takes the newest the server offers.
    type: str
    default: latest
  wire_format:
    description:
      - The format to ask EM for.
    type: str
    choices: [xml, json]
    default: xml
  kinds:
    description:
      - The kinds of session to watch. V(backup_sessions) are the sessions of backup jobs of every type EM
        lists (backup, backup copy, agent, file share), V(backup_task_sessions) the sessions of their VMs;
        V(replica_sessions) and V(replica_task_sessions) the same for replication jobs;
        V(cdp_replica_sessions) and V(cdp_replica_task_sessions) for CDP policies and their VMs.
      - The default is the kinds of the checks the C(session_compliance) role runs by default.
    type: list
    elements: str
    choices: [backup_sessions, backup_task_sessions, cdp_replica_sessions, cdp_replica_task_sessions,
              replica_sessions, replica_task_sessions]
    default: [backup_sessions, backup_task_sessions, replica_sessions, cdp_replica_sessions,
              cdp_replica_task_sessions]
  results:
    description:
      - The results that make a finished session an event.
    type: list
    elements: str
    choices: [Success, Warning, Failed]
    default: [Failed]
  interval:
    description:
      - Time between polls, as an age C(<integer><unit>) with unit V(s), V(m), V(h), V(d) or V(w), such as
        V(300s) or V(5m). At least 5 seconds, at most 30 days.
    type: str
    default: 5m
  ended_within:
    description:
      - How far back each poll looks, by the time a session B(ended) (where the modules' and the role's
        C(lookback) counts from the time a session was created), as an age such as V(90m), V(2h) or V(1d).
      - It must cover EM's collection delay (15 minutes by default, longer when a backup server is
        unreachable) and be at least O(interval). At most 30 days.
    type: str
    default: 1h
  emit_existing:
    description:
      - Whether the first poll sends events for sessions that had already finished before the source
        started. With V(false) they are remembered and not sent, so a restarted activation does not
        replay old failures.
      - Ignored when O(state_file) holds a saved state, which says what was already sent.
    type: bool
    default: false
  state_file:
    description:
      - A file in which the source keeps the keys of the sessions it has sent, written atomically after
        each poll, so that a restart neither loses nor repeats an event. Its directory must exist.
      - It must be a regular file (or not exist yet) of at most 64 MiB; anything else (a FIFO, a device, a
        directory, a file that is not this source's JSON) ends the source with a message before the first
        request.
      - An empty value means no state file.
    type: path
  hosts:
    description:
      - Added to each event as C(meta.hosts), to limit the hosts a C(run_playbook) action runs on.
    type: list
    elements: str
notes:
  - ansible-rulebook 1.3's Java engine ends the process on SIGTERM/SIGINT before the source can log out;
    start ansible-rulebook with E(JAVA_TOOL_OPTIONS=-Xrs) for a clean logout on stop.
requirements:
  - requests
  - xmltodict
"""

EXAMPLES = r"""
- name: React to failed backup, replication and CDP sessions
  hosts: all
  sources:
    - veeam.enterprise_manager.session_events:
        host: em.example.com
        username: 'EXAMPLE\svc-eda'
        password: "{{ em_password }}"
        interval: 5m
        ended_within: 2h
        state_file: /var/lib/eda/veeam-em-sessions.json
  rules:
    - name: Show each failed session
      condition: event.veeam_em.result == "Failed"
      action:
        debug:
          msg: "{{ event.veeam_em.kind }} {{ event.veeam_em.name }} failed"
"""

LOGGER = logging.getLogger(__name__)
# Not datetime.UTC, which needs Python 3.11: ansible-rulebook still runs on 3.9 and 3.10.
UTC = datetime.timezone(datetime.timedelta(0))

# The kinds argument and its default come from the registry of checks (plugins/module_utils/_checks.py): a
# kind is a check's name, watched through the check's session resource (event_kinds), and the default kinds are
# those of the checks the session_compliance role runs by default (default_kinds).
RESULTS = ("Success", "Warning", "Failed")
DEFAULT_RESULTS = ("Failed",)
# The source's own arguments, after the connection options.
OWN_ARGUMENTS = ("kinds", "results", "interval", "ended_within", "emit_existing", "state_file", "hosts")
DEFAULT_INTERVAL = "5m"
DEFAULT_ENDED_WITHIN = "1h"
# Fewer seconds between polls only load EM: its own collection delay is 15 minutes.
MIN_INTERVAL = 5
# The longest window: its memory spans twice as long, and no backup server stays out of reach for longer.
MAX_WINDOW = 30 * 86400
# Tests only (not a user option): seconds between polls, below MIN_INTERVAL, to keep test runs short.
TEST_INTERVAL_VARIABLE = "_VEEAM_EM_SESSION_EVENTS_TEST_INTERVAL"
# A state file holds a few hundred keys; anything this large is not one (and would be read into memory).
MAX_STATE_BYTES = 64 * 1024 * 1024
PAGE_SIZE = 100
STATE_VERSION = 1
# The package name plugins/module_utils is loaded under (it is not importable as ansible_collections here).
UTILS_PACKAGE = "_veeam_enterprise_manager_module_utils"
UTILS_MODULES = (
    "_errors", "_query", "_resources", "_checks", "_conditions", "_client", "_connection", "_untrusted",
)

# Arguments users may carry over from elsewhere, and what they are called here.
_RENAMED = {"lookback": "ended_within"}
# An answer of 4xx (but 429, too many requests) to a query is a request only the user can change.
CLIENT_ERRORS = frozenset(range(400, 500)) - {429}
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


class ConfigurationError(ValueError):
    """A problem only the user can fix: the source ends at once with this message."""


# --------------------------------------------------------------------------------- module_utils


def load_module_utils() -> dict[str, Any]:
    """Load the collection's plugins/module_utils as a package from its folder; return its modules by name.

    ansible-rulebook runs a source with runpy, where ``ansible_collections`` is not importable. The
    client side of module_utils imports nothing from ansible, and its files import each other
    relatively, so the folder (four levels up from this file, then plugins/module_utils) loads as a
    plain package.
    """
    root = os.path.dirname(os.path.abspath(__file__))
    for _level in range(4):
        root = os.path.dirname(root)
    folder = os.path.join(root, "plugins", "module_utils")
    if not os.path.isfile(os.path.join(folder, "_client.py")):
        msg = f"veeam.enterprise_manager: the collection's module_utils are not at {folder}"
        raise ConfigurationError(msg)
    package = sys.modules.get(UTILS_PACKAGE)
    if package is None or list(getattr(package, "__path__", [])) != [folder]:
        spec = importlib.util.spec_from_file_location(
            UTILS_PACKAGE,
            os.path.join(folder, "__init__.py"),
            submodule_search_locations=[folder],
        )
        if spec is None:  # pragma: no cover - only with a broken import system
            msg = f"veeam.enterprise_manager: cannot load {folder}"
            raise ConfigurationError(msg)
        package = importlib.util.module_from_spec(spec)
        sys.modules[UTILS_PACKAGE] = package
    return {name: importlib.import_module(f"{UTILS_PACKAGE}.{name}") for name in UTILS_MODULES}


# --------------------------------------------------------------------------------- arguments


def parse_age(value: Any, option: str) -> int:
    """Seconds from an age ``<integer><s|m|h|d|w>`` (``90s``, ``5m``, ``2h``, ``1d``, ``2w``), read by the
    collection's one age parser (``_query.parse_age``) and bounded by MAX_WINDOW; raises ConfigurationError
    naming the argument."""
    query = load_module_utils()["_query"]
    try:
        seconds = int(query.parse_age(value, option).total_seconds())
    except ValueError as exc:
        hint = ""
        if str(value).strip().isdigit() and not isinstance(value, bool):
            hint = f" For seconds, write {str(value).strip()}s."
        raise ConfigurationError(f"{exc}{hint}") from None
    if seconds > MAX_WINDOW:
        msg = f"{option}: {value!r} is longer than the maximum of {MAX_WINDOW // 86400}d"
        raise ConfigurationError(msg)
    return seconds


def event_kinds(utils: dict[str, Any]) -> dict[str, str]:
    """The kinds the source can watch: each check of the registry that has an event kind -> its query type."""
    return dict(utils["_checks"].EVENT_KINDS)


def default_kinds(utils: dict[str, Any]) -> list[str]:
    """The kinds of the checks the role runs by default, in the registry's order."""
    kinds = event_kinds(utils)
    return [name for name in utils["_checks"].DEFAULT_CHECKS if name in kinds]


def _as_bool(value: Any, option: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    msg = f"{option}: {value!r} is not a boolean (true or false)"
    raise ConfigurationError(msg)


def _as_int(value: Any, option: str) -> int:
    if isinstance(value, bool):
        msg = f"{option}: {value!r} is not an integer"
        raise ConfigurationError(msg)
    try:
        return int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        msg = f"{option}: {value!r} is not an integer"
        raise ConfigurationError(msg) from None


def _as_list(value: Any, option: str) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        msg = f"{option}: give a list of names"
        raise ConfigurationError(msg)
    return list(value)


def source_connection_options(connection: Any) -> dict[str, Any]:
    """The modules' connection options but ``session``: a source keeps its own logon for as long as it runs.

    Without a session to borrow, host, username and password are required here.
    """
    options = {
        name: dict(definition) for name, definition in connection.CONNECTION_OPTIONS.items() if name != "session"
    }
    for name in ("host", "username", "password"):
        options[name]["required"] = True
    return options


def connection_params(args: dict[str, Any], environ: Any, connection: Any) -> dict[str, Any]:
    """The connection options, from the arguments, else their ``VEEAM_EM_*`` variable, else the default."""
    params = {}
    for name, definition in source_connection_options(connection).items():
        value = args.get(name)
        source = name
        if value is None and definition.get("env") and environ.get(definition["env"]) not in (None, ""):
            value = environ[definition["env"]]
            source = f"{name} (from {definition['env']})"
        if value is None:
            if definition.get("required"):
                hint = f" or set {definition['env']}" if definition.get("env") else ""
                msg = f"{name}: required; give it in the source arguments{hint}"
                raise ConfigurationError(msg)
            params[name] = definition.get("default")
            continue
        kind = definition.get("type", "str")
        if kind == "int":
            value = _as_int(value, source)
        elif kind == "bool":
            value = _as_bool(value, source)
        elif kind == "path":
            value = os.path.expanduser(str(value))
        else:
            value = str(value)
        if definition.get("choices") and value not in definition["choices"]:
            msg = f"{source}: {value!r} is not one of {', '.join(definition['choices'])}"
            raise ConfigurationError(msg)
        params[name] = value
    problem = connection.check_connection_options(params)
    if problem:
        raise ConfigurationError(problem)
    return params


def check_known(known: list[str], args: dict[str, Any]) -> None:
    """Fail on the first unknown argument, naming the closest known one."""
    for name in sorted(set(args) - set(known)):
        closest = difflib.get_close_matches(name, known, n=1)
        if name in _RENAMED:
            hint = f"; this source's window counts by end time and is called {_RENAMED[name]}"
        elif closest:
            hint = f"; did you mean {closest[0]}?"
        else:
            hint = f"; known: {', '.join(sorted(known))}"
        msg = f"unknown argument {name}{hint}"
        raise ConfigurationError(msg)


def parse_timing(args: dict[str, Any], environ: Any) -> tuple[float, int]:
    """``(interval, ended_within)`` in seconds, each within its bounds."""
    interval: float = parse_age(args.get("interval", DEFAULT_INTERVAL), "interval")
    if interval < MIN_INTERVAL:
        msg = f"interval: {args.get('interval')!r} is shorter than the minimum of {MIN_INTERVAL}s"
        raise ConfigurationError(msg)
    ended_within = parse_age(args.get("ended_within", DEFAULT_ENDED_WITHIN), "ended_within")
    if ended_within < interval:
        msg = (
            f"ended_within: {args.get('ended_within', DEFAULT_ENDED_WITHIN)!r} is shorter than interval "
            f"{args.get('interval', DEFAULT_INTERVAL)!r}; sessions ending between two polls would be missed"
        )
        raise ConfigurationError(msg)
    if environ.get(TEST_INTERVAL_VARIABLE):
        interval = float(environ[TEST_INTERVAL_VARIABLE])
    return interval, ended_within


def parse_options(args: dict[str, Any], environ: Any, utils: dict[str, Any]) -> dict[str, Any]:
    """Every argument checked and converted; raises ConfigurationError naming the argument."""
    # ansible-rulebook adds its own arguments (eda_feedback_queue); they are not the user's.
    args = {name: value for name, value in (args or {}).items() if not name.startswith("eda_")}
    check_known([*source_connection_options(utils["_connection"]), *OWN_ARGUMENTS], args)
    options = {"connection": connection_params(args, environ, utils["_connection"])}

    known_kinds = event_kinds(utils)
    kinds = _as_list(args.get("kinds", default_kinds(utils)), "kinds")
    bad = [kind for kind in kinds if kind not in known_kinds]
    if bad or not kinds:
        msg = f"kinds: {', '.join(bad) or 'an empty list'} not among {', '.join(known_kinds)}"
        raise ConfigurationError(msg)
    options["kinds"] = list(dict.fromkeys(kinds))

    results = []
    for result in _as_list(args.get("results", list(DEFAULT_RESULTS)), "results"):
        match = [known_result for known_result in RESULTS if known_result.lower() == result.strip().lower()]
        if not match:
            msg = f"results: {result!r} is not one of {', '.join(RESULTS)}"
            raise ConfigurationError(msg)
        results.append(match[0])
    if not results:
        msg = "results: give at least one of " + ", ".join(RESULTS)
        raise ConfigurationError(msg)
    options["results"] = list(dict.fromkeys(results))

    options["interval"], options["ended_within"] = parse_timing(args, environ)
    options["emit_existing"] = _as_bool(args.get("emit_existing", False), "emit_existing")

    # An empty value counts as unset: a rulebook cannot leave an argument out conditionally.
    state_file = args.get("state_file") or None
    if state_file is not None:
        state_file = os.path.abspath(os.path.expanduser(str(state_file)))
        if not os.path.isdir(os.path.dirname(state_file)):
            msg = f"state_file: the directory {os.path.dirname(state_file)} does not exist"
            raise ConfigurationError(msg)
        check_state_file(state_file)
    options["state_file"] = state_file

    hosts = args.get("hosts") or None
    options["hosts"] = _as_list(hosts, "hosts") if hosts is not None else None
    return options


def check_state_file(path: str) -> None:
    """Refuse a state file that exists but is not a regular file (a FIFO would block the source before its
    first poll, /dev/zero would fill its memory, a directory cannot be replaced), or that is too large."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        msg = f"state_file: cannot read {path}: {exc.strerror}"
        raise ConfigurationError(msg) from None
    _check_state_stat(path, info)


def _check_state_stat(path: str, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        what = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        msg = f"state_file: {path} is {what}; give the path of a file this source may replace"
        raise ConfigurationError(msg)
    if info.st_size > MAX_STATE_BYTES:
        msg = (f"state_file: {path} is larger ({info.st_size} bytes) than a state file of this source can be "
               f"({MAX_STATE_BYTES // (1024 * 1024)} MiB); move it away to start afresh")
        raise ConfigurationError(msg)


def read_state_file(path: str) -> Any:
    """The JSON in the state file, read without blocking on a FIFO, within MAX_STATE_BYTES, never deeper
    than Python's recursion limit; raises ConfigurationError naming ``state_file``."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        msg = f"state_file: cannot read {path}: {exc.strerror}; move it away to start afresh"
        raise ConfigurationError(msg) from None
    with os.fdopen(handle, "rb") as stream:
        _check_state_stat(path, os.fstat(stream.fileno()))  # the file opened is the file checked
        data = stream.read(MAX_STATE_BYTES + 1)
    if len(data) > MAX_STATE_BYTES:
        msg = f"state_file: {path} grew beyond {MAX_STATE_BYTES // (1024 * 1024)} MiB while read; move it away"
        raise ConfigurationError(msg)
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        msg = f"state_file: {path} is nested too deeply to be a state file of this source; move it away to start afresh"
        raise ConfigurationError(msg) from None
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        msg = f"state_file: cannot read {path}: {exc}; move it away to start afresh"
        raise ConfigurationError(msg) from None


# --------------------------------------------------------------------------------- polling


def _utc_text(moment: datetime.datetime) -> str:
    """The sortable UTC form the normalised items use for their times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def end_time_field(resource: Any) -> str:
    """The EM filter field holding the end time of a resource (``EndTimeUTC`` or ``EndTime``)."""
    for name in ("EndTimeUTC", "EndTime"):
        if resource.server_filterable(name):
            return name
    msg = f"{resource.query_type} cannot be filtered on its end time"  # pragma: no cover - all four can
    raise ConfigurationError(msg)


class SeenSessions:
    """The keys (``<uid>|<result>``) of the sessions already handled, with the end time of each."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}
        self.primed = False  # False until the first poll (or a saved state) has said what exists
        self.dirty = False  # changed since the state file was last written

    def add(self, key: str, ended: str) -> bool:
        """Remember a key; False when it was known already."""
        if key in self.keys:
            return False
        self.keys[key] = ended
        self.dirty = True
        return True

    def forget_before(self, limit: str) -> None:
        """Drop the keys of sessions that ended before ``limit`` (a normalised UTC time)."""
        old = [key for key, ended in self.keys.items() if ended < limit]
        for key in old:
            del self.keys[key]
        self.dirty = self.dirty or bool(old)


class PollResult(NamedTuple):
    """What one poll found: ``(key, end time, event or None)`` per session not handled yet, and the
    end time before which remembered keys can go."""

    sessions: list[tuple[str, str, dict[str, Any] | None]]
    forget_before: str


class SessionPoller:
    """The blocking side of the source: the client, the queries, the seen keys and the state file.

    Every public method runs in a worker thread (``asyncio.to_thread``) and holds one lock, so a logout
    requested on cancellation waits for a poll still in flight instead of sharing the connection with it.
    """

    def __init__(self, utils: dict[str, Any], options: dict[str, Any], logger: logging.Logger = LOGGER) -> None:
        self.utils = utils
        self.options = options
        self.log = logger
        self.client: Any = None
        self.seen = SeenSessions()
        self.lock = threading.Lock()
        resources = utils["_resources"].RESOURCES
        self.queries = []
        for kind in options["kinds"]:
            resource = resources[event_kinds(utils)[kind]]
            conditions = utils["_conditions"].session_conditions(resource, {"result": options["results"]})
            self.queries.append((kind, resource, conditions, end_time_field(resource)))

    # -- state file ------------------------------------------------------------------------------

    def load_state(self) -> None:
        """Read the state file if there is one; a saved state stands in for the first poll's priming."""
        path = self.options["state_file"]
        if not path:
            return
        data = read_state_file(path)
        if data is None:
            return
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION or not isinstance(data.get("seen"), dict):
            msg = f"state_file: {path} is not a state file of this source; move it away to start afresh"
            raise ConfigurationError(msg)
        seen = {str(key): str(value) for key, value in data["seen"].items()}
        with self.lock:
            self.seen.keys = seen
            self.seen.primed = True
        self.log.info("veeam.enterprise_manager.session_events: %d sent session(s) read from %s", len(seen), path)

    def save_state(self) -> None:
        """Write the seen keys atomically (a temporary file in the same folder, then a rename)."""
        path = self.options["state_file"]
        with self.lock:
            if not path or not self.seen.dirty:
                return
            data = {"version": STATE_VERSION, "em": self.options["connection"]["host"], "seen": dict(self.seen.keys)}
            self.seen.dirty = False
        folder = os.path.dirname(path)
        handle, tmp = tempfile.mkstemp(prefix=".session_events.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            self.log.warning("veeam.enterprise_manager.session_events: cannot write state_file %s: %s", path, exc)
            with self.lock:
                self.seen.dirty = True
            if os.path.exists(tmp):
                os.unlink(tmp)

    # -- polling ---------------------------------------------------------------------------------

    def fetch(self, now: datetime.datetime | None = None) -> PollResult:
        """Query every kind; return the sessions not handled yet, each with its event (None when priming).

        Nothing is remembered here: the caller remembers each session once its event is on the queue, so
        a source cancelled between the two sends the event again after a restart rather than losing it.
        Raises ConfigurationError for what only the user can fix, and the client's errors otherwise.
        """
        now = now or datetime.datetime.now(UTC)
        since = now - datetime.timedelta(seconds=self.options["ended_within"])
        with self.lock:
            found = self._finished_since(since)
            send = self.seen.primed or self.options["emit_existing"]
            new = []
            for kind, item in found:
                key = f"{item['uid']}|{item.get('result')}"
                if key not in self.seen.keys:
                    new.append((key, item["end_time_utc"], self._event(kind, item) if send else None))
            if not self.seen.primed:
                self.log.info(
                    "veeam.enterprise_manager.session_events: first poll found %d finished session(s)%s",
                    len(new),
                    "" if self.options["emit_existing"] else "; remembered, not sent (emit_existing: false)",
                )
        # Twice the window: no later poll reaches a session that ended before it, even with some clock drift.
        forget_before = _utc_text(since - datetime.timedelta(seconds=self.options["ended_within"]))
        return PollResult(new, forget_before)

    def _finished_since(self, since: datetime.datetime) -> list[tuple[str, dict[str, Any]]]:
        """``(kind, item)`` of every session that ended since then with a wanted result, in order of end time."""
        if self.client is None:
            self.client = self._make_client()
        condition_type = self.utils["_query"].Condition
        found = []
        for kind, resource, conditions, end_field in self.queries:
            query = [*conditions, condition_type(end_field, ">=", since)]
            try:
                items = self.client.query(resource, query, sort_asc=resource.time_field, page_size=PAGE_SIZE)
                found.extend((kind, item) for item in items if item.get("end_time_utc") and item.get("uid"))
            except ValueError as exc:
                raise ConfigurationError(str(exc)) from None
        found.sort(key=lambda pair: (pair[1]["end_time_utc"], pair[1]["uid"]))
        return found

    def remember(self, key: str, ended: str) -> None:
        """Mark one session as handled (its event, if any, is on the queue)."""
        with self.lock:
            self.seen.add(key, ended)

    def finish(self, result: PollResult) -> None:
        """End a poll: every session it found is handled, and keys too old for any later window go."""
        with self.lock:
            for key, ended, _event in result.sessions:
                self.seen.add(key, ended)
            self.seen.primed = True
            self.seen.forget_before(result.forget_before)

    def poll(self, now: datetime.datetime | None = None) -> list[dict[str, Any]]:
        """One whole poll (fetch, remember, finish); returns the events to send."""
        result = self.fetch(now)
        self.finish(result)
        return [event for _key, _ended, event in result.sessions if event is not None]

    def _make_client(self) -> Any:
        try:
            return self.utils["_connection"].client_from_params(self.options["connection"], self._warn)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None

    def _warn(self, message: str) -> None:
        self.log.warning("veeam.enterprise_manager.session_events: %s", message)

    def _event(self, kind: str, item: dict[str, Any]) -> dict[str, Any]:
        """The event of one session, inert to templating.

        ansible-rulebook hands an event to ``run_playbook`` as ``-e @file``, which ansible-core reads as
        trusted templates: a VM or job name, or a failure message, holding ``{{ ... }}`` would run on the
        controller. Every string (keys and values) therefore has each ``{{``, ``{%`` and ``{#`` broken by a
        space (``{ {``), a visible change that no template engine evaluates.
        """
        event: dict[str, Any] = {"veeam_em": {"em": self.options["connection"]["host"], "kind": kind, **item}}
        if self.options["hosts"]:
            event["meta"] = {"hosts": list(self.options["hosts"])}
        return self.utils["_untrusted"].inert(event)

    def close(self) -> None:
        """Log out (once a poll in flight has finished) and save what has not been saved yet."""
        with self.lock:
            client, self.client = self.client, None
        if client is not None:
            client.logout()  # its HTTP connections close with it, once the last reference goes
        self.save_state()


def classify(errors: Any, exc: Exception) -> str | None:
    """A message for errors that must end the source; None for transient ones (retried next poll)."""
    if isinstance(exc, ConfigurationError):
        return str(exc)
    if isinstance(exc, (errors.EMAuthenticationError, errors.EMPermissionError, errors.EMTLSError,
                        errors.EMNotFoundError)):
        return str(exc)
    status = getattr(exc, "status", None)
    if isinstance(exc, errors.EMAPIError) and status in CLIENT_ERRORS:
        return str(exc)
    return None


async def _close(poller: SessionPoller) -> None:
    """Log out in a worker thread; if cancelled again meanwhile, the thread still finishes the logout."""
    task = asyncio.ensure_future(asyncio.to_thread(poller.close))
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        LOGGER.info("veeam.enterprise_manager.session_events: logout continues in the background")
        raise


async def main(queue: asyncio.Queue[Any], args: dict[str, Any]) -> None:
    """Poll EM and put one event per newly finished session with a result of interest on the queue.

    :param queue: the queue ansible-rulebook reads events from.
    :param args: the source arguments from the rulebook (see DOCUMENTATION).
    :raises ConfigurationError: on bad arguments or settings only the user can fix (ends the source).
    """
    utils = load_module_utils()
    options = parse_options(args, os.environ, utils)
    errors = utils["_errors"]
    poller = SessionPoller(utils, options)
    await asyncio.to_thread(poller.load_state)
    LOGGER.info(
        "veeam.enterprise_manager.session_events: watching %s on %s for %s, every %gs, ended within %gs",
        ", ".join(options["kinds"]), options["connection"]["host"], "/".join(options["results"]),
        options["interval"], options["ended_within"],
    )
    try:
        while True:
            started = time.monotonic()
            try:
                result = await asyncio.to_thread(poller.fetch)
            except (ConfigurationError, errors.EMError) as exc:
                fatal = classify(errors, exc)
                if fatal:
                    msg = f"veeam.enterprise_manager.session_events: {fatal}"
                    raise ConfigurationError(msg) from None
                LOGGER.warning(
                    "veeam.enterprise_manager.session_events: poll failed, retrying in %gs: %s",
                    options["interval"], exc,
                )
            else:
                for key, ended, event in result.sessions:
                    if event is not None:
                        await queue.put(event)
                    poller.remember(key, ended)
                poller.finish(result)
            await asyncio.to_thread(poller.save_state)
            elapsed = time.monotonic() - started
            await asyncio.sleep(max(0.0, options["interval"] - elapsed))
    finally:
        await _close(poller)


if __name__ == "__main__":

    class _PrintQueue(asyncio.Queue):  # type: ignore[type-arg]
        """Prints events instead of queueing them (to run the source by hand with VEEAM_EM_* set)."""

        async def put(self, item: dict[str, Any]) -> None:  # type: ignore[override]
            sys.stdout.write(json.dumps(item) + "\n")

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(_PrintQueue(), {"interval": "30s", "emit_existing": True}))
