"""The SessionId is a secret like the token, and short secrets are still redacted (issue 16, points 3 and 9).

Current EM builds make the token the base64 of the SessionId, so whoever reads the id holds the session.
"""

import base64
import json
import os
import subprocess
import sys
from xml.sax.saxutils import quoteattr

import pytest

from hostile import SESSION_ID, TOKEN, Hostile, uid, xml_page

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _errors as errors
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._client import EMClient
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._resources import CDP_REPLICA_SESSION, REPLICA_JOB_SESSION

BUILD = os.environ.get('PYTHONPATH', '').split(os.pathsep)[0]


def test_a_failed_logout_does_not_show_the_session_id(sim, make_client, warnings):
    with make_client() as client:
        session_id = client.session_id
        assert list(client.query(REPLICA_JOB_SESSION, limit=1))
        sim.set_faults(status={'code': 500, 'count': 1, 'path_contains': '/logonSessions/',
                               'message': 'cannot end session %s' % session_id})
    text = ' '.join(warnings.warnings)
    assert 'Logout failed' in text and 'DELETE /api/logonSessions/********' in text
    assert session_id not in text.lower() and session_id.upper() not in text
    sim.set_faults(expire_tokens=True)


def test_a_server_echoing_the_session_id_and_token_has_them_redacted(tmp_path):
    echoed = ('session %s, token %s, cookie X-RestSvcSessionId=%s' % (SESSION_ID, TOKEN, TOKEN)).encode('ascii')
    with Hostile(tls=True, cert_dir=str(tmp_path),
                 on_get=lambda ex: ex.respond(500, b'<Error Message="' + echoed + b'"/>')) as server:
        client = EMClient('127.0.0.1', port=server.port, username='bob', password='Long-Enough-1', retries=0,
                          ca_path=server.ca_path, timeout=5)
        with pytest.raises(errors.EMAPIError) as caught:
            with client:
                list(client.query(REPLICA_JOB_SESSION, limit=1))
    text = str(caught.value) + json.dumps(caught.value.to_dict())
    assert 'HTTP 500' in text
    assert SESSION_ID not in text and TOKEN not in text and TOKEN.rstrip('=') not in text


@pytest.mark.parametrize('password', ['p', 'pw'])
def test_short_passwords_are_redacted_where_they_stand_as_a_value(tmp_path, password):
    basic = base64.b64encode(('bob:%s' % password).encode('ascii')).decode('ascii')
    message = ('Authorization: Basic %s; {"Password": "%s"}; password=%s&x=1; https://bob:%s@em' % (
        basic, password, password, password))

    def refuse(exchange):
        return exchange.respond(401, ('<Error Message=%s/>' % quoteattr(message)).encode('ascii'))
    with Hostile(tls=True, cert_dir=str(tmp_path), on_logon=refuse) as server:
        client = EMClient('127.0.0.1', port=server.port, username='bob', password=password, retries=0,
                          ca_path=server.ca_path, timeout=5)
        with pytest.raises(errors.EMAuthenticationError) as caught:
            with client:
                pass
    text = str(caught.value)
    assert basic not in text and basic.rstrip('=') not in text
    assert '"%s"' % password not in text and '=%s&' % password not in text and ':%s@' % password not in text
    assert text.count('********') >= 4, text


PLAYBOOK = '''
- name: A shared logon session at -vvv
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
  tasks:
    - name: A run whose logout fails (EM answers 500)
      veeam.enterprise_manager.replica_session_info:
        limit: 1
    - name: Open a shared session
      veeam.enterprise_manager.logon_session:
      register: em
      no_log: true
    - name: Use it
      veeam.enterprise_manager.replica_session_info:
        session: "{{ em.session }}"
        limit: 1
    - name: Close it
      veeam.enterprise_manager.logon_session:
        state: absent
        session: "{{ em.session }}"
'''


def test_modules_at_vvv_never_show_a_session_id(sim, tmp_path):
    # A user of this test's own: a late request of an earlier test may still open a session as Administrator.
    user = sim.own_user('SECRETS')
    username, password = user.username, user.password
    sim.set_faults(expire_tokens=True,
                   status={'code': 500, 'count': 1, 'path_contains': '/logonSessions/'})
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    extra = dict(port=sim.port, ca_path=sim.ca_path, username=username, password=password)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=BUILD, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
               ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    process = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-vvv', str(tmp_path / 'play.yml'),
         '-e', json.dumps(extra)], env=env, capture_output=True, text=True, timeout=120, check=False)
    output = process.stdout + process.stderr
    assert process.returncode == 0, output
    opened = user.opened
    assert len(opened) == 2, opened
    assert 'Logout failed' in output
    for token, session_id in opened:
        assert session_id not in output.lower(), 'a session id is in the output'
        assert token not in output and token.rstrip('=') not in output
    assert password not in output
    sim.set_faults(expire_tokens=True)


def test_returned_items_never_hold_the_session_id(tmp_path):
    """A server that puts the SessionId (or the token) in an item's name: the value comes back redacted."""
    item = ('<CdpPolicySession Type="CdpReplicaSession" UID="%s" Name="session %s %s"><State>Stopped</State>'
            '<Result>Success</Result></CdpPolicySession>' % (uid(1), SESSION_ID, TOKEN))
    with Hostile(tls=True, cert_dir=str(tmp_path), on_get=lambda ex: ex.respond(200, xml_page([item]))) as server:
        client = EMClient('127.0.0.1', port=server.port, username='bob', password='Long-Enough-1', retries=0,
                          ca_path=server.ca_path, timeout=5)
        with client:
            items = list(client.query(CDP_REPLICA_SESSION))
    assert items[0]['name'] == 'session ******** ********'
