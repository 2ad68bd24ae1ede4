"""Real module runs, through ansible-playbook, against hostile servers: clear messages, no traceback, no secret.

One playbook run (a few seconds) covers a server that drips, a compression bomb, garbled items, a hostile
host value, a missing host and a good run over plain HTTP (which warns). The results are written to a file
by the playbook itself and asserted here.
"""

import json
import os
import subprocess
import sys
import time

import hostile
from hostile import Hostile, Trap, json_page, uid, xml_page

PASSWORD = 'Pl4ybook-Pa55word-Never-Shown'
BUILD = os.environ.get('PYTHONPATH', '').split(os.pathsep)[0]

PLAYBOOK = '''
- name: Hostile servers
  hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/veeam.enterprise_manager.em:
      username: 'EXAMPLE\\\\svc'
      password: "{{ password }}"
      timeout: 2
      retries: 0
  tasks:
    - name: A server that drips
      veeam.enterprise_manager.cdp_replica_session_info:
        host: http://127.0.0.1
        port: "{{ drip_port }}"
      register: drip
      ignore_errors: true
    - name: A compression bomb
      veeam.enterprise_manager.cdp_replica_session_info:
        host: http://127.0.0.1
        port: "{{ bomb_port }}"
        max_response_size: 1
      register: bomb
      ignore_errors: true
    - name: Garbled items
      veeam.enterprise_manager.cdp_replica_session_info:
        host: http://127.0.0.1
        port: "{{ garbled_port }}"
        wire_format: json
      register: garbled
      ignore_errors: true
    - name: A host value that would send the credentials elsewhere
      veeam.enterprise_manager.cdp_replica_session_info:
        host: "127.0.0.1:{{ trap_port }}/x?"
        port: "{{ good_port }}"
      register: bad_host
      ignore_errors: true
    - name: No host at all
      veeam.enterprise_manager.cdp_replica_session_info: {}
      register: no_host
      ignore_errors: true
    - name: A good run over plain HTTP
      veeam.enterprise_manager.cdp_replica_session_info:
        host: http://127.0.0.1
        port: "{{ good_port }}"
      register: good
    - name: Keep the results
      ansible.builtin.copy:
        content: "{{ {'drip': drip, 'bomb': bomb, 'garbled': garbled, 'bad_host': bad_host, 'no_host': no_host,
                      'good': good} | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
'''


def test_module_runs_end_to_end(tmp_path):
    def drip(exchange):
        exchange.write(b'HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n')
        exchange.drip(b'<' * 10000, 0.05, budget_seconds=6)
    garbled = json_page(['{"UID":"%s"}' % uid(1), '"not an item"'], '{"PageNum":1,"PagesCount":1,"PageSize":100}')
    with Hostile(on_get=drip) as drip_srv, \
            Hostile(on_get=lambda ex: ex.respond(200, hostile.gzip_member() * 256, {'Content-Encoding': 'gzip'})) as bomb, \
            Hostile(on_get=lambda ex: ex.respond(200, garbled, {'Content-Type': 'application/json'})) as garbled_srv, \
            Hostile(on_get=lambda ex: ex.respond(200, xml_page([1, 2, 3]))) as good, Trap() as trap:
        (tmp_path / 'play.yml').write_text(PLAYBOOK)
        out = tmp_path / 'results.json'
        extra = dict(password=PASSWORD, drip_port=drip_srv.port, bomb_port=bomb.port, garbled_port=garbled_srv.port,
                     good_port=good.port, trap_port=trap.port, out=str(out))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=BUILD, ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                   ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
        for name in ('VEEAM_EM_HOST', 'HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'):
            env.pop(name, None)
        started = time.monotonic()
        process = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(tmp_path / 'play.yml'),
             '-e', json.dumps(extra)], env=env, capture_output=True, text=True, timeout=120, check=False)
        seconds = time.monotonic() - started
        output = process.stdout + process.stderr
        assert process.returncode == 0, output
        results = json.loads(out.read_text())
        servers = (drip_srv, bomb, garbled_srv, good)
        counts = [(srv.logons, srv.logouts) for srv in servers]
        assert trap.connections == 0
    assert 'Traceback' not in output and PASSWORD not in output and PASSWORD not in json.dumps(results)
    assert counts == [(1, 1)] * 4, counts
    assert 'within the timeout of 2 seconds' in results['drip']['msg']
    assert results['drip']['error']['type'] == 'EMTimeoutError'
    assert 'larger than max_response_size, 1 MiB after decompression' in results['bomb']['msg']
    assert 'cdp_replica_sessions[2] is text, not an item' in results['garbled']['msg']
    assert results['bad_host']['msg'].startswith('host: ') and 'holds a path' in results['bad_host']['msg']
    assert results['no_host']['msg'].startswith('missing required arguments: host')
    assert 'VEEAM_EM_HOST' in results['no_host']['msg']
    assert [session['uid'] for session in results['good']['sessions']] == [uid(1), uid(2), uid(3)]
    assert any('clear text' in warning for warning in results['good']['warnings'])
    assert seconds < 60
