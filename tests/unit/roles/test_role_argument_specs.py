# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A role's meta/argument_specs.yml and its defaults/main.yml agree.

meta/argument_specs.yml is the one description of a role's variables (ansible-doc and the docsite render
it), but Ansible does not apply its defaults: defaults/main.yml does. So every default documented
there must be the value defaults/main.yml sets, and defaults/main.yml sets nothing undocumented.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest
import yaml

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
ROLES_DIR = os.path.join(COLLECTION_ROOT, 'roles')


def roles():
    if not os.path.isdir(ROLES_DIR):
        return []
    return sorted(name for name in os.listdir(ROLES_DIR)
                  if os.path.isfile(os.path.join(ROLES_DIR, name, 'meta', 'argument_specs.yml')))


def load(path):
    if not os.path.exists(path):
        return {}
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle) or {}


def test_there_are_roles_to_check():
    assert roles(), 'no role with meta/argument_specs.yml under %s' % ROLES_DIR


@pytest.mark.parametrize('role', roles())
def test_defaults_are_the_documented_defaults(role):
    specs = load(os.path.join(ROLES_DIR, role, 'meta', 'argument_specs.yml'))['argument_specs']
    options = specs['main'].get('options') or {}
    defaults = load(os.path.join(ROLES_DIR, role, 'defaults', 'main.yml'))

    undocumented = sorted(set(defaults) - set(options))
    assert not undocumented, '%s: defaults/main.yml sets variables meta/argument_specs.yml does not document: %s' % (
        role, undocumented)
    differ = dict((name, (defaults.get(name, '<unset>'), spec['default']))
                  for name, spec in options.items() if 'default' in spec and defaults.get(name, '<unset>') != spec['default'])
    assert not differ, '%s: defaults/main.yml and meta/argument_specs.yml disagree (defaults, documented): %r' % (
        role, differ)
    silent = sorted(name for name in set(defaults) & set(options) if 'default' not in options[name])
    assert not silent, '%s: defaults/main.yml sets %s, but meta/argument_specs.yml documents no default' % (role, silent)
