# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every surface tells the story of the registry of checks (plugins/module_utils/_checks.py).

A check, a result or a verdict is described once, in ``_checks``; these tests fail when a surface that shows
them to people or takes them from people lacks one: the module's options and docs, the role's argument spec and
defaults, the filters' docs, the report titles, the generated docs and the event source's kinds.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import os

import yaml

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _checks as registry
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _compliance as compliance
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _gather as gather
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _reports as reports
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _resources as res
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._info_module import compliance_argument_spec
from ansible_collections.veeam.enterprise_manager.plugins.modules import session_compliance_info

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CHECKS = list(registry.CHECKS)
DEFAULTS = list(registry.DEFAULT_CHECKS)


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding='utf-8') as handle:
        return handle.read()


def yaml_file(*parts):
    return yaml.safe_load(read(*parts))


def flat(description):
    return ' '.join(description) if isinstance(description, list) else description


# ------------------------------------------------------------------------------------------ the registry itself

def test_every_entry_is_complete_and_consistent():
    kinds = set()
    for name, check in registry.CHECKS.items():
        assert check.name == name
        for attribute in ('title', 'what', 'subject_kind', 'subject_title', 'session_kind', 'session_title',
                          'parent_title'):
            assert getattr(check, attribute), (name, attribute)
        assert check.session_resource in res.RESOURCES.values()
        assert check.judged_from in compliance._JUDGED_FROM, name  # pylint: disable=protected-access
        assert check.judged_from in gather.READERS, name
        assert check.listing.key in registry.LISTINGS
        # A session's subject is found by its fields: they must be fields the resource returns.
        fields = set(field.key for field in check.session_resource.fields)
        assert check.subject_name_field in fields, name
        assert check.default_max_age is None or compliance.parse_age(check.default_max_age, name)
        if check.judged_from == 'points':
            # A VM's points: no state, no parent session, no reasons, no event kind; a default RPO; off by default.
            assert check.vm_subjects and check.finished_state is None and not check.session_resource.states
            assert check.parent_check is None and check.reason_resource is None and check.event_kind is None
            assert check.default_max_age and not check.default
            assert check.session_resource.server_filterable(check.session_resource.time_field)
            assert check.session_resource.server_filterable('VmDisplayName')
        else:
            assert check.finished_state in check.session_resource.states
        if check.judged_from == 'points':
            pass
        elif check.vm_subjects:
            assert check.parent_check in registry.CHECKS and not registry.CHECKS[check.parent_check].vm_subjects
            assert check.parent_session_uid_field in fields
            assert check.parent_session_name_field is None or check.parent_session_name_field in fields
            assert check.subject_uid_field is None
        else:
            assert check.subject_uid_field in fields
            assert check.session_resource.server_filterable(check.end_field), name
        if check.reason_resource is not None:
            assert check.reason_resource.server_filterable('Result') or 'result' in [
                field.key for field in check.reason_resource.fields]
        for kind in (check.subject_kind, check.session_kind):
            assert kind not in kinds, kind
            kinds.add(kind)
    assert set(DEFAULTS) <= set(CHECKS) and DEFAULTS


def test_results_and_verdicts_are_tables_with_words_and_colours():
    assert list(registry.RESULTS) == ['Success', 'Warning', 'Failed', 'None']
    assert list(registry.VERDICTS)[0] == 'failed' and list(registry.VERDICTS)[-1] == 'ok'
    for outcome in list(registry.RESULTS.values()) + list(registry.VERDICTS.values()):
        assert outcome.words and outcome.colour.startswith('#')
    assert [name for name, verdict in registry.VERDICTS.items() if verdict.violation] == ['failed', 'stale']


# ------------------------------------------------------------------------------------------ the surfaces

def test_the_engine_reads_the_registry():
    assert list(compliance.CHECKS) == CHECKS and list(compliance.DEFAULT_CHECKS) == DEFAULTS
    assert set(compliance.VERDICTS) == set(registry.VERDICTS) and set(compliance.RESULTS) == set(registry.RESULTS)


def test_the_module_options_and_docs_name_every_check():
    spec = compliance_argument_spec()
    assert spec['checks']['choices'] == CHECKS
    assert spec['checks']['default'] == DEFAULTS
    docs = yaml.safe_load(session_compliance_info.DOCUMENTATION)['options']['checks']
    assert docs['choices'] == CHECKS and docs['default'] == DEFAULTS
    for name in CHECKS:
        assert 'V(%s)' % name in flat(docs['description']), name
    returned = yaml.safe_load(session_compliance_info.RETURN)['report']['contains']
    kinds = flat(returned['violations']['description'])
    subject_kinds = flat(returned['subjects']['contains']['kind']['description'])
    for check in registry.CHECKS.values():
        assert 'C(%s)' % check.session_kind in kinds, check.name
        assert 'V(%s)' % check.subject_kind in subject_kinds, check.name
    assert spec['fail_on']['choices'] == list(registry.RESULTS)


def test_the_role_argument_spec_and_defaults_name_every_check():
    options = yaml_file('roles', 'session_compliance', 'meta', 'argument_specs.yml')['argument_specs']['main']['options']
    checks = options['session_compliance_checks']
    assert checks['choices'] == CHECKS and checks['default'] == DEFAULTS
    for name in CHECKS:
        assert 'V(%s)' % name in flat(checks['description']), name
    assert sorted(options['session_compliance_fail_on']['choices']) == sorted(registry.RESULTS)
    defaults = yaml_file('roles', 'session_compliance', 'defaults', 'main.yml')
    assert defaults['session_compliance_checks'] == DEFAULTS


def test_the_filter_docs_name_every_check():
    docs = yaml_file('plugins', 'filter', 'compliance_report.yml')['DOCUMENTATION']
    text = flat(docs['options']['_input']['description'])
    for name in CHECKS:
        assert 'V(%s)' % name in text, name
    for key in registry.LISTINGS:
        assert 'V(%s)' % key in text, key


def test_the_reports_title_every_check_and_kind():
    assert list(reports.CHECKS) == CHECKS
    for check in registry.CHECKS.values():
        assert reports.CHECK_TITLES[check.name] == check.title
        assert reports.KIND_CHECK[check.session_kind] == check.name
        assert reports.KIND_CHECK[check.subject_kind] == check.name
        assert reports.KIND_TITLES[check.subject_kind] and reports.KIND_TITLES[check.session_kind]
        title = reports.subject_title({'check': check.name, 'kind': check.subject_kind, 'name': 'x', 'parent': 'p'})
        assert title == ('VM x of %s p' % check.listing.noun if check.vm_subjects else '%s x' % check.subject_title)
    assert set(reports.VERDICTS) == set(registry.VERDICTS)


def test_the_html_title_names_exactly_what_was_checked():
    report = {'passed': True, 'violations': [], 'subjects': [], 'em': 'em01',
              'checks_run': ['replica_sessions', 'cdp_replica_sessions', 'cdp_replica_task_sessions'],
              'checks_not_in_use': ['backup_sessions'],
              'totals': dict((name, {'total': 0}) for name in (
                  'backup_sessions', 'replica_sessions', 'cdp_replica_sessions', 'cdp_replica_task_sessions'))}
    page = reports.html_page(report)
    assert '<title>PASSED: Veeam compliance of replication jobs, CDP policies and the VMs of CDP policies: em01' in page
    assert 'backup' not in page.split('</title>')[0]
    assert 'Backup jobs (not in use)' in page
    junit = reports.junit_xml(report)
    assert 'name="Backup jobs: not in use"' in junit and 'skipped="1"' in junit


def test_the_report_formats_are_one_table():
    assert sorted(reports.FORMATS) == ['html', 'json', 'junit', 'prometheus']
    for fmt, (renderer, suffix) in reports.FORMATS.items():
        assert callable(renderer) and suffix.startswith('.')
        assert reports.RENDERERS[fmt] is renderer and reports.SUFFIXES[fmt] == suffix
    role = yaml_file('roles', 'session_compliance', 'meta', 'argument_specs.yml')['argument_specs']['main']['options']
    assert sorted(role['session_compliance_report_formats']['choices']) == sorted(reports.FORMATS)


def test_the_docs_the_docsite_renders_describe_every_check():
    # The docsite's module and role pages are rendered from these texts: each check is explained there by name.
    module_docs = yaml.safe_load(session_compliance_info.DOCUMENTATION)['options']['checks']['description']
    role_docs = yaml_file('roles', 'session_compliance', 'meta', 'argument_specs.yml')[
        'argument_specs']['main']['options']['session_compliance_checks']['description']
    for name in CHECKS:
        assert name in ' '.join(module_docs) and name in ' '.join(role_docs), name


def _event_source_kinds():
    """The kinds the event source documents (its code reads them from the registry): choices and default."""
    path = os.path.join(ROOT, 'extensions', 'eda', 'plugins', 'event_source', 'session_events.py')
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, 'id', None) == 'DOCUMENTATION' for target in node.targets):
            kinds = yaml.safe_load(ast.literal_eval(node.value))['options']['kinds']
            return kinds['choices'], kinds['default']
    raise AssertionError('the event source has no DOCUMENTATION')


def test_the_event_source_documents_every_event_kind_of_the_registry():
    choices, default = _event_source_kinds()
    assert sorted(choices) == sorted(registry.EVENT_KINDS)
    assert default == [name for name in registry.DEFAULT_CHECKS if name in registry.EVENT_KINDS]


def test_the_event_source_reads_its_kinds_from_the_registry():
    source = read('extensions', 'eda', 'plugins', 'event_source', 'session_events.py')
    assert 'utils["_checks"].EVENT_KINDS' in source and 'utils["_checks"].DEFAULT_CHECKS' in source
    assert 'KINDS = {' not in source


def test_the_readme_lists_every_module_and_asks_the_question():
    readme = read('README.md')
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules'))
                     if name.endswith('.py') and not name.startswith('_'))
    for name in modules:
        assert '[`%s`](https://galaxy.ansible.com/ui/repo/published/veeam/enterprise_manager/content/module/%s/)' % (
            name, name) in readme, name
    assert 'did my Veeam jobs work?' in readme
    opening = readme.split('## Requirements')[0]
    for check in registry.CHECKS.values():
        if not check.vm_subjects:
            assert check.title.lower() in opening.lower(), check.name
