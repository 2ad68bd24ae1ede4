# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``patch_module_args`` for unit tests, on every ansible-core the collection supports, and a module run.

ansible-core 2.19 added ``ansible.module_utils.testing.patch_module_args`` (and made the old trick of
setting ``basic._ANSIBLE_ARGS`` fail with "No serialization profile was specified"). Before 2.19 that
module does not exist, and setting ``basic._ANSIBLE_ARGS`` is how AnsibleModule gets its arguments
in a test. Tests import ``patch_module_args`` from here and get whichever one works.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

try:
    from ansible.module_utils.testing import patch_module_args  # ansible-core >= 2.19
    NATIVE = True
except ImportError:  # ansible-core < 2.19
    import contextlib

    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    NATIVE = False

    @contextlib.contextmanager
    def patch_module_args(args=None):
        """Make the next AnsibleModule read ``args`` as its module arguments."""
        previous = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': dict(args or {})}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = previous


# Connection options that reach no server: the module tests check what happens before any request.
CONNECTION = {'host': 'em.example.invalid', 'username': 'EXAMPLE\\svc', 'password': 'An-Unguessable-Pa55word'}


class NoRequests:
    """Stands in for requests.Session: any request at all fails the test."""

    def __init__(self):
        self.trust_env = True

    def request(self, *args, **kwargs):
        raise AssertionError('a request was sent: %r %r' % (args, kwargs))

    def mount(self, prefix, adapter):
        pass

    def close(self):
        pass


def run(module, args, capsys, connection=None):
    """Run ``module.main()`` with ``args`` over the connection options (CONNECTION unless given); its result."""
    with patch_module_args(dict(CONNECTION if connection is None else connection, **args)):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


__all__ = ['patch_module_args', 'NATIVE', 'CONNECTION', 'NoRequests', 'run']
