# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options every module shares. connection_argument_spec() in
    # plugins/module_utils/_info_module.py is the matching argument spec;
    # tests/unit/plugins/module_utils/test_info_module.py keeps the two equal.
    DOCUMENTATION = r'''
options:
  host:
    description:
      - Host name or address of Veeam Backup Enterprise Manager. Required, here or in E(VEEAM_EM_HOST), unless O(session) is given;
        with O(session), if set, it must name the server of the session.
      - A DNS name, an IPv4 address, or an IPv6 address (bare or in brackets), optionally prefixed by V(https://)
        (the default) or V(http://). Nothing else is accepted, so that the credentials cannot be sent elsewhere
        by mistake; user information (V(@)), a port (use O(port)), a path, a query, a fragment, backslashes, percent signs,
        whitespace and control characters are refused before any request.
      - With V(http://), the password and the session token travel in clear text; the module warns.
      - If not set, the value of the E(VEEAM_EM_HOST) environment variable is used.
    type: str
  port:
    description:
      - Port of the Enterprise Manager REST API.
      - EM serves it on 9398 over HTTPS. Port 9419 is the Veeam Backup & Replication REST API, which this
        collection does not speak.
      - If not set, the value of the E(VEEAM_EM_PORT) environment variable is used.
    type: int
    default: 9398
  username:
    description:
      - User to log on as, for example V(DOMAIN\\user). Required, here or in E(VEEAM_EM_USERNAME).
      - The account needs the Portal Administrator role in Enterprise Manager.
      - Required unless O(session) is given. With O(session), O(username) and O(password) are only used to log on
        if Enterprise Manager refuses the session (it ends a logon session after 15 idle minutes).
      - If not set, the value of the E(VEEAM_EM_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - Password of O(username). Required, here or in E(VEEAM_EM_PASSWORD), unless O(session)
        is given; always given together with O(username).
      - Never shown in output or logs. Neither are the session token and the encoded forms of both
        (URL-encoded, escaped, or the Basic C(Authorization) value).
      - If not set, the value of the E(VEEAM_EM_PASSWORD) environment variable is used.
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of Enterprise Manager.
      - Only set to V(false) in a lab; prefer O(ca_path) for a certificate from a private CA.
      - If not set, the value of the E(VEEAM_EM_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA certificates to trust for Enterprise Manager's certificate.
      - The E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE) environment variables are ignored.
      - If not set, the value of the E(VEEAM_EM_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds each request may take as a whole, from connecting to the last byte of the answer (not for each
        read). A server that does not complete its answer in time, even one that keeps sending a byte now and
        then, fails the request with a timeout.
    type: int
    default: 30
  retries:
    description:
      - How many times a read is tried again after a connection error, a timeout, or an answer of 429, 502, 503
        or 504. The logon and the logout are never retried.
      - Waits grow exponentially between tries (about 1, 2, 4 seconds...), at least what the C(Retry-After)
        header asks for, and each at most 30 seconds. The waits of one read add up to at most 60 seconds;
        when the next wait would pass that, the read fails with its last error. So a read ends within
        (O(retries) + 1) x O(timeout) + 60 seconds.
    type: int
    default: 3
  max_response_size:
    description:
      - Largest answer accepted from Enterprise Manager, in MiB, counted after decompression (so a small
        compressed answer that inflates beyond it is refused too). Between 1 and 4096.
      - A page of 100 sessions is well under 1 MiB; raise this only for very large pages (the C(page_size) option of
        the modules that read lists).
    type: int
    default: 64
  api_version:
    description:
      - REST API version to log on with, for example V(v1_7). V(latest) takes the newest the server offers.
    type: str
    default: latest
  wire_format:
    description:
      - The format to ask Enterprise Manager for. Both give the same results; V(json) is smaller on the wire.
    type: str
    choices: [xml, json]
    default: xml
  session:
    description:
      - A logon session to reuse, as RV(veeam.enterprise_manager.logon_session#module:session) returned it. The module
        then neither logs on nor logs out, and talks to the session's server with the session's TLS settings
        (O(port), O(validate_certs) and O(ca_path) are not used).
      - Register the P(veeam.enterprise_manager.logon_session#module) task with C(no_log=true), and log out in an
        C(always) section; see the collection's usage guide.
      - If Enterprise Manager refuses the session (expired after 15 idle minutes, or logged out), the module logs on
        for itself with O(username) and O(password) and warns; without them it fails and says so.
      - Can be set for many tasks at once with C(module_defaults) of C(group/veeam.enterprise_manager.em).
    type: dict
    suboptions:
      url:
        description:
          - The Enterprise Manager REST API URL, V(https://<host>:<port>/api).
        type: str
        required: true
      token:
        description:
          - The logon session's token (the C(X-RestSvcSessionId) header). Never shown in output or logs.
        type: str
        required: true
      session_id:
        description:
          - The logon session's id, used to log out. Never shown in output or logs, since whoever holds it can take the
            session over.
        type: str
        required: true
      validate_certs:
        description:
          - Whether the certificate of Enterprise Manager is verified.
        type: bool
        default: true
      ca_path:
        description:
          - PEM file of the CA certificates to trust for Enterprise Manager's certificate.
        type: path
requirements:
  - requests
  - xmltodict
notes:
  - Each run logs on, and logs off again on every way out, so no logon session is left open; with O(session), one logon
    serves many tasks instead (P(veeam.enterprise_manager.logon_session#module)).
  - Enterprise Manager collects data from the backup servers every 15 minutes by default, so the newest
    sessions may not be there yet.
'''
