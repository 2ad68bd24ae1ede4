# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The documentation says what the code does: RETURN against the resource descriptions, the action group.

Generic on purpose: every file in plugins/modules is checked, so a new module is covered the day it lands.

- A module is a resource reader when it has a module-level ``SPEC`` that is an ``InfoModuleSpec``; its
  RETURN must document, under ``SPEC.result_key``, a list of dicts with exactly the keys of
  ``SPEC.resource.fields``, each with the type its field kind gives. Modules without such a ``SPEC``
  (they compute their result, like a compliance check or a logon session) are reported as skipped.
- The ``em`` action group in meta/runtime.yml lists every module that talks to EM (takes the connection
  options), and nothing else; the other modules document controller-side action plugins.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import importlib
import json
import os

import pytest
import yaml

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _resources as res
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._info_module import InfoModuleSpec

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
MODULES_DIR = os.path.join(COLLECTION_ROOT, 'plugins', 'modules')
PACKAGE = 'ansible_collections.veeam.enterprise_manager.plugins.modules'

# The RETURN type that documents each resource field kind.
RETURN_TYPE = {
    res.STR: 'str',
    res.INT: 'int',
    res.BOOL: 'bool',
    res.TIME: 'str',
    res.ID: 'str',
    res.LINK_NAME: 'str',
    res.LINK_ID: 'str',
    res.RPO_SECONDS: 'int',
}


def module_names():
    return sorted(name[:-3] for name in os.listdir(MODULES_DIR)
                  if name.endswith('.py') and not name.startswith('_'))


MODULE_NAMES = module_names()


def load(name):
    return importlib.import_module('%s.%s' % (PACKAGE, name))


def reader_spec(module):
    """The module's InfoModuleSpec, or None when the module is not a resource reader."""
    spec = getattr(module, 'SPEC', None)
    return spec if isinstance(spec, InfoModuleSpec) else None


def test_there_are_modules_to_check():
    assert MODULE_NAMES, MODULES_DIR
    assert any(reader_spec(load(name)) for name in MODULE_NAMES), 'no module exposes a SPEC InfoModuleSpec'


def test_every_resource_field_kind_has_a_return_type():
    kinds = set(field.kind for resource in res.RESOURCES.values() for field in resource.fields)
    assert kinds <= set(RETURN_TYPE), 'map these field kinds to a RETURN type: %s' % sorted(kinds - set(RETURN_TYPE))


@pytest.mark.parametrize('name', MODULE_NAMES)
def test_return_documents_exactly_the_resource_fields(name):
    module = load(name)
    spec = reader_spec(module)
    if spec is None:
        pytest.skip('%s has no module-level SPEC InfoModuleSpec: not a resource reader' % name)
    returns = yaml.safe_load(module.RETURN) or {}
    assert spec.result_key in returns, '%s: RETURN does not document %r' % (name, spec.result_key)
    documented = returns[spec.result_key]
    assert documented.get('type') == 'list' and documented.get('elements') == 'dict', \
        '%s: RETURN %s must be a list of dicts' % (name, spec.result_key)
    contains = documented.get('contains') or {}
    fields = dict((field.key, field) for field in spec.resource.fields)

    missing = sorted(set(fields) - set(contains))
    extra = sorted(set(contains) - set(fields))
    assert not missing and not extra, (
        '%s: RETURN %s differs from %r: undocumented fields %s, documented but never returned %s'
        % (name, spec.result_key, spec.resource, missing, extra))

    wrong = dict((key, (contains[key].get('type'), RETURN_TYPE[field.kind]))
                 for key, field in fields.items() if contains[key].get('type') != RETURN_TYPE[field.kind])
    assert not wrong, '%s: RETURN types differ from the field kinds (documented, expected): %r' % (name, wrong)


def talks_to_em(name):
    """Whether a module talks to Enterprise Manager: it takes the connection options (the doc fragment). The
    others run on the controller only (action plugins such as compliance_files) and stay out of the em group."""
    doc = yaml.safe_load(load(name).DOCUMENTATION)
    return 'veeam.enterprise_manager.connection' in (doc.get('extends_documentation_fragment') or [])


def test_em_action_group_lists_every_module_that_talks_to_em():
    with open(os.path.join(COLLECTION_ROOT, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        runtime = yaml.safe_load(handle)
    group = (runtime.get('action_groups') or {}).get('em') or []
    listed = [entry for entry in group if isinstance(entry, str)]
    talking = [name for name in MODULE_NAMES if talks_to_em(name)]
    assert talking, 'no module takes the connection options'
    assert len(listed) == len(set(listed)), 'em action group lists a module twice: %r' % listed
    assert sorted(set(talking) - set(listed)) == [], 'modules missing from the em action group'
    assert sorted(set(listed) - set(talking)) == [], 'em action group entries without a module that talks to EM'


def test_every_module_that_does_not_talk_to_em_is_an_action_plugin():
    actions = os.path.join(COLLECTION_ROOT, 'plugins', 'action')
    for name in MODULE_NAMES:
        if not talks_to_em(name):
            assert os.path.exists(os.path.join(actions, name + '.py')), \
                '%s takes no connection options and has no action plugin' % name


def python_documentation(path):
    """The DOCUMENTATION string of a plugin file, read without importing it."""
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'DOCUMENTATION' for t in node.targets) \
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node.value.value
    return None


def documented_authors():
    """{where: author list} for every plugin documentation and role entry point of the collection."""
    found = {}
    plugins = os.path.join(COLLECTION_ROOT, 'plugins')
    for plugin_type in sorted(os.listdir(plugins)):
        folder = os.path.join(plugins, plugin_type)
        if plugin_type in ('module_utils', 'doc_fragments') or not os.path.isdir(folder):
            continue
        for filename in sorted(os.listdir(folder)):
            path = os.path.join(folder, filename)
            doc = None
            if filename.endswith('.py') and not filename.startswith('_'):
                doc = python_documentation(path)
            elif filename.endswith(('.yml', '.yaml')):
                with open(path, encoding='utf-8') as handle:
                    doc = (yaml.safe_load(handle) or {}).get('DOCUMENTATION')
            if doc:
                doc = yaml.safe_load(doc) if isinstance(doc, str) else doc
                found['plugins/%s/%s' % (plugin_type, filename)] = doc.get('author')
    roles = os.path.join(COLLECTION_ROOT, 'roles')
    for role in sorted(os.listdir(roles)) if os.path.isdir(roles) else []:
        specs = os.path.join(roles, role, 'meta', 'argument_specs.yml')
        if os.path.exists(specs):
            with open(specs, encoding='utf-8') as handle:
                for name, entry in (yaml.safe_load(handle).get('argument_specs') or {}).items():
                    found['roles/%s entry point %s' % (role, name)] = entry.get('author')
        meta = os.path.join(roles, role, 'meta', 'main.yml')
        if os.path.exists(meta):
            with open(meta, encoding='utf-8') as handle:
                found['roles/%s/meta/main.yml' % role] = ((yaml.safe_load(handle) or {}).get('galaxy_info') or {}).get('author')
    return found


def collection_authors():
    """galaxy.yml's authors; an installed collection has MANIFEST.json (built from galaxy.yml) instead."""
    galaxy = os.path.join(COLLECTION_ROOT, 'galaxy.yml')
    if os.path.exists(galaxy):
        with open(galaxy, encoding='utf-8') as handle:
            return yaml.safe_load(handle)['authors']
    with open(os.path.join(COLLECTION_ROOT, 'MANIFEST.json'), encoding='utf-8') as handle:
        return json.load(handle)['collection_info']['authors']


def test_every_plugin_and_role_names_the_collection_authors():
    authors = collection_authors()
    # Galaxy refuses an author longer than 64 characters (galaxy-importer: "Invalid collection metadata").
    assert all(len(author) <= 64 for author in authors), authors
    found = documented_authors()
    assert any(where.startswith('plugins/modules/') for where in found), found
    differ = dict((where, author) for where, author in found.items()
                  if (author if isinstance(author, list) else [author]) != authors)
    assert not differ, 'authors differ from galaxy.yml %r: %r' % (authors, differ)
