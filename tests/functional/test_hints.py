"""Hints that point the right way, and ``em_error`` for programs (issue 17, point 3).

Against the simulator over HTTPS and the hostile server: a name that does not resolve, plain HTTP sent
to the HTTPS port, HTTPS sent to a plain HTTP port, a refused password (naming the username, never the
password), and every module failure carrying ``em_error`` (through real ansible-playbook runs).
"""

import json
import os
import re
import socket
import subprocess
import sys

import pytest
from conftest import PASSWORD, RESTRICTED_PASSWORD, RESTRICTED_USERNAME, USERNAME

from hostile import Hostile

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _errors as errors

BUILD = os.environ.get('PYTHONPATH', '').split(os.pathsep)[0]
UNRESOLVABLE = 'em.does-not-exist.invalid'
# What a library's class or object looks like in a message: "WatchedHTTPSConnection(host=...)", "<... object at 0x..>".
INTERNAL = re.compile(r'\w*(?:Connection|Pool|Error)\w*\(|object at 0x|urllib3|requests\.|_ssl\.c')


def fail(make_client, **options):
    with pytest.raises(errors.EMError) as caught:
        with make_client(**options) as client:
            client.get('/')
    return caught.value


def test_a_name_that_does_not_resolve_says_so(make_client):
    try:
        socket.getaddrinfo(UNRESOLVABLE, 443)
        pytest.skip('%s resolves on this machine' % UNRESOLVABLE)
    except socket.gaierror:
        pass
    error = fail(make_client, host=UNRESOLVABLE, port=45573)
    text = str(error)
    assert isinstance(error, errors.EMNameResolutionError), text
    assert 'could not resolve the host name %s' % UNRESOLVABLE in text
    assert 'resolve' in error.hint and 'firewall' not in text and '9398' not in text
    assert not INTERNAL.search(text), text
    assert error.as_em_error() == {'kind': 'name_resolution', 'options': ['host']}


def test_plain_http_to_the_https_port_says_the_port_speaks_https(sim, make_client):
    error = fail(make_client, host='http://127.0.0.1', port=sim.port, retries=2)
    text = str(error)
    assert 'port %d speaks HTTPS' % sim.port in text and 'https://127.0.0.1' in error.hint, text
    assert not INTERNAL.search(text), text
    assert error.as_em_error() == {'kind': 'tls', 'options': ['host', 'port']}
    assert PASSWORD not in text


def test_https_to_a_plain_http_port_says_the_port_speaks_plain_http(make_client, tmp_path):
    with Hostile() as server:
        error = fail(make_client, host='127.0.0.1', port=server.port, ca_path=None)
    text = str(error)
    assert 'plain HTTP' in text and not INTERNAL.search(text), text
    assert error.as_em_error() == {'kind': 'tls', 'options': ['host', 'port']}


def test_a_refused_connection_has_no_class_names(make_client):
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    error = fail(make_client, port=port, retries=0)
    assert not INTERNAL.search(str(error)), str(error)
    assert error.as_em_error() == {'kind': 'connection', 'options': ['host', 'port']}


def test_a_refused_password_names_the_username_never_the_password(sim, make_client):
    error = fail(make_client, password='Wrong-Pa55word-Value')
    text = str(error)
    assert 'the credentials of user "%s" were refused' % USERNAME in text
    assert 'Wrong-Pa55word-Value' not in text and PASSWORD not in text
    assert error.as_em_error() == {'kind': 'authentication', 'options': ['username', 'password'], 'username': USERNAME}


PLAYBOOK = '''
- name: Failures that carry em_error
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/veeam.enterprise_manager.em:
      host: 127.0.0.1
      port: "{{ port }}"
      ca_path: "{{ ca_path }}"
      username: "{{ username }}"
      password: "{{ password }}"
      retries: 0
      timeout: 5
  tasks:
    - name: A wrong password (fails on purpose)
      veeam.enterprise_manager.replica_session_info:
        password: Wrong-Pa55word-Value
      register: wrong_password
      ignore_errors: true
    - name: A wrong password for the compliance module (fails on purpose)
      veeam.enterprise_manager.session_compliance_info:
        password: Wrong-Pa55word-Value
      register: compliance_wrong_password
      ignore_errors: true
    - name: A wrong password for logon_session (fails on purpose)
      veeam.enterprise_manager.logon_session:
        password: Wrong-Pa55word-Value
      register: logon_wrong_password
      ignore_errors: true
    - name: No password (fails on purpose)
      veeam.enterprise_manager.job_info:
        password: null
        username: null
      register: no_credentials
      ignore_errors: true
    - name: A host with a port in it (fails on purpose)
      veeam.enterprise_manager.job_info:
        host: "127.0.0.1:9398"
      register: bad_host
      ignore_errors: true
    - name: A user without the role (fails on purpose)
      veeam.enterprise_manager.replica_session_info:
        username: "{{ restricted_username }}"
        password: "{{ restricted_password }}"
      register: forbidden
      ignore_errors: true
    - name: Plain HTTP to the HTTPS port (fails on purpose)
      veeam.enterprise_manager.replica_session_info:
        host: http://127.0.0.1
      register: plain_http
      ignore_errors: true
    - name: No CA given (fails on purpose)
      veeam.enterprise_manager.replica_session_info:
        ca_path: null
      register: untrusted
      ignore_errors: true
    - name: Keep the results
      ansible.builtin.copy:
        content: "{{ {'wrong_password': wrong_password, 'compliance_wrong_password': compliance_wrong_password,
                      'logon_wrong_password': logon_wrong_password, 'no_credentials': no_credentials,
                      'bad_host': bad_host, 'forbidden': forbidden, 'plain_http': plain_http,
                      'untrusted': untrusted} | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
'''


def test_every_module_failure_carries_em_error(sim, tmp_path):
    # Logons of users of this test only: a late request of an earlier test (a logon the simulator finishes after
    # its client gave up) may still open a session as Administrator.
    user = sim.own_user('HINTS')
    username, password = user.username, user.password
    restricted_before = len(sim.logons_of(RESTRICTED_USERNAME))
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    out = tmp_path / 'results.json'
    extra = dict(port=sim.port, ca_path=sim.ca_path, username=username, password=password, out=str(out),
                 restricted_username=RESTRICTED_USERNAME, restricted_password=RESTRICTED_PASSWORD)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=BUILD, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    for name in ('VEEAM_EM_HOST', 'VEEAM_EM_USERNAME', 'VEEAM_EM_PASSWORD', 'REQUESTS_CA_BUNDLE'):
        env.pop(name, None)
    process = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(tmp_path / 'play.yml'),
         '-e', json.dumps(extra)], env=env, capture_output=True, text=True, timeout=180, check=False)
    output = process.stdout + process.stderr
    assert process.returncode == 0, output
    results = json.loads(out.read_text())
    authentication = {'kind': 'authentication', 'options': ['username', 'password'], 'username': username}
    expected = {
        'wrong_password': authentication,
        'compliance_wrong_password': authentication,
        'logon_wrong_password': authentication,
        'no_credentials': {'kind': 'input', 'options': ['username', 'password']},
        'bad_host': {'kind': 'input', 'options': ['host']},
        'forbidden': {'kind': 'permission', 'options': ['username']},
        'plain_http': {'kind': 'tls', 'options': ['host', 'port']},
        'untrusted': {'kind': 'tls', 'options': ['validate_certs', 'ca_path']},
    }
    for name, em_error in expected.items():
        result = results[name]
        assert result['failed'] is True, name
        assert result.get('em_error') == em_error, (name, result)
        assert not INTERNAL.search(result['msg']), (name, result['msg'])
    assert 'user "%s"' % username in results['wrong_password']['msg']
    assert 'Wrong-Pa55word-Value' not in output and 'Wrong-Pa55word-Value' not in out.read_text()
    assert password not in output
    opened = user.opened + sim.logons_of(RESTRICTED_USERNAME)[restricted_before:]
    still_open = [session_id for token, session_id in opened if sim.session_for(token) is not None]
    assert opened and not still_open, (still_open, [(entry['method'], entry['path'], entry['status'])
                                                    for entry in sim.request_log()])
