"""emsim: an HTTP(S) simulator of the Veeam Backup Enterprise Manager REST API.

Modules:

* ``dataset``: the in-memory data (backup servers, CDP policies, replication jobs and their sessions),
  a deterministic generator and a JSON round trip.
* ``filters``: the query-service filter grammar (parser and evaluator) and the filterable fields per type.
* ``render``: XML and JSON (EM 12 PascalCase / EM 13 camelCase) representations.
* ``server``: the HTTP(S) server (``Simulator``), authentication, fault injection and control endpoints.
"""

__all__ = ["dataset", "filters", "render", "server"]
__version__ = "1.0.0"
