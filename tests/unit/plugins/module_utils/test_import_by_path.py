# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The client side of module_utils loads by file path, with ``ansible`` absent, and runs a real query.

ansible-rulebook runs an event source with ``runpy``, where ``ansible_collections`` is not importable;
the compliance engine and the event source load ``plugins/module_utils`` as a plain package from its
path. This test does the same in a fresh interpreter in which importing ``ansible`` or
``ansible_collections`` raises, and runs a query against the simulator over HTTP.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
MODULE_UTILS = os.path.join(COLLECTION, 'plugins', 'module_utils')
sys.path.insert(0, os.path.join(COLLECTION, 'tests', 'simulator'))

from emsim.dataset import generate  # noqa: E402  pylint: disable=wrong-import-position
from emsim.server import Simulator  # noqa: E402  pylint: disable=wrong-import-position

# Every file of the client side: the module runner (_info_module.py) is the only one allowed to use ansible.
CLIENT_SIDE = ('_client', '_connection', '_errors', '_query', '_redact', '_resources', '_transport', '_untrusted', '_wire')

SCRIPT = r'''
import importlib.abc, importlib.util, json, sys

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('ansible', 'ansible_collections'):
            raise ImportError('%s may not be imported here' % name)
        return None

sys.meta_path.insert(0, Refuse())
module_utils, names, url, port, username, password = sys.argv[1:7]
spec = importlib.util.spec_from_file_location(
    'veeam_em_utils', module_utils + '/__init__.py', submodule_search_locations=[module_utils])
package = importlib.util.module_from_spec(spec)
sys.modules['veeam_em_utils'] = package
loaded = [importlib.import_module('veeam_em_utils.' + name).__name__ for name in names.split(',')]
client_mod = sys.modules['veeam_em_utils._client']
resources = sys.modules['veeam_em_utils._resources']
query = sys.modules['veeam_em_utils._query']
with client_mod.EMClient('http://127.0.0.1', port=int(port), username=username, password=password) as em:
    items = list(em.query(resources.CDP_REPLICA_SESSION, [query.Condition('Result', '==', 'Failed')], limit=5))
print(json.dumps({'loaded': loaded, 'items': items, 'ansible': sorted(m for m in sys.modules if m.startswith('ansible'))}))
'''


@pytest.fixture(scope='module')
def http_sim():
    simulator = Simulator(dataset=generate(seed=3, sessions=40, failure_rate=0.3), tls=False)
    simulator.start()
    yield simulator
    simulator.stop()


def test_client_side_imports_nothing_from_ansible():
    for name in CLIENT_SIDE:
        with open(os.path.join(MODULE_UTILS, name + '.py'), encoding='utf-8') as handle:
            for number, line in enumerate(handle, 1):
                stripped = line.strip()
                if stripped.startswith(('import ', 'from ')):
                    assert 'ansible' not in stripped.split('#')[0], '%s.py:%d: %s' % (name, number, stripped)


def test_the_client_loads_by_path_without_ansible_and_queries_the_simulator(http_sim):
    # module_utils has no __init__.py: the package is made from the folder without executing one.
    username, (password, dummy) = next(iter(http_sim.users.items()))
    output = subprocess.run(
        [sys.executable, '-c', SCRIPT, MODULE_UTILS, ','.join(CLIENT_SIDE), http_sim.base_url, str(http_sim.port),
         username, password],
        capture_output=True, text=True, timeout=60, check=False)
    assert output.returncode == 0, output.stderr
    result = json.loads(output.stdout)
    assert result['ansible'] == []
    assert result['loaded'] == ['veeam_em_utils.%s' % name for name in CLIENT_SIDE]
    assert result['items'], 'the simulator has failed CDP sessions, the query found none'
    assert all(item['result'] == 'Failed' for item in result['items'])
    assert len(result['items']) <= 5
    assert http_sim.open_logon_sessions() == 0
