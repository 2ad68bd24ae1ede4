# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The VMs' points: their resources, the checks judged from them, and their reading (no EM, no ansible)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _checks as registry
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _compliance as compliance
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _gather as gather
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _reports as reports
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _resources as res
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._query import build_filter

NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.timezone.utc)


def at(hours):
    return (NOW + datetime.timedelta(hours=hours)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def point(vm, hours, job='Backup Job 1', ref=None, number=[0]):  # pylint: disable=dangerous-default-value
    number[0] += 1
    uid = 'urn:veeam:VmRestorePoint:00000000-0000-4000-8000-%012d' % number[0]
    return {'id': uid.rsplit(':', 1)[-1], 'uid': uid, 'name': '%s@%s' % (vm, at(hours)), 'vm_display_name': vm,
            'creation_time_utc': at(hours), 'point_type': 'Increment', 'hierarchy_obj_ref': ref,
            'backup_file_name': '%sD2026-11-20T060031_8B0A.vib' % job, 'backup_server_name': 'vbr01'}


def options(**params):
    params.setdefault('checks', ['vm_restore_points'])
    return compliance.Options.from_params(params, now=NOW)


def judged(points, **params):
    report = compliance.build_report({'vm_restore_points': points, 'backup_jobs': []}, options(**params))
    return report, dict((subject['name'], subject) for subject in report['subjects'])


def test_the_point_resources_follow_the_reference_pages():
    assert res.VM_RESTORE_POINT.collection == 'vmRestorePoints' and res.VM_REPLICA_POINT.collection == 'vmReplicaPoints'
    for resource in (res.VM_RESTORE_POINT, res.VM_REPLICA_POINT):
        keys = [field.key for field in resource.fields]
        assert keys[:3] == ['id', 'uid', 'name'] and keys[-1] == 'backup_server_name'
        assert resource.time_field == 'CreationTime' and not resource.states
        assert resource.field('point_type').filter_field == 'Type'
        assert resource.field('creation_time_utc').kind == res.TIME
    assert res.VM_REPLICA_POINT.field('replica_name').source == 'ReplicaReference'
    assert res.VM_RESTORE_POINT.field('restore_point_name').source == 'RestorePointReference'
    assert res.VM_RESTORE_POINT.field('restore_point_id').kind == res.LINK_ID
    assert res.RESTORE_POINT.field('backup_name').source == 'BackupReference'


@pytest.mark.parametrize('seconds, words', [
    (59, '0 minutes'), (60, '1 minute'), (45 * 60, '45 minutes'), (3600, '1 hour'), (26 * 3600, '26 hours'),
    (47 * 3600 + 3599, '47 hours'), (48 * 3600, '2 days'), (3 * 86400 + 4 * 3600 + 59, '3 days 4 hours'),
    (5 * 86400 + 3600, '5 days 1 hour'), (-5, '0 minutes'),
])
def test_ages_read_as_people_say_them(seconds, words):
    assert reports.duration_words(seconds) == words


@pytest.mark.parametrize('item, parent', [
    ({'backup_file_name': 'Backup Job 1D2025-06-16T060031_8B0A.vib'}, 'Backup Job 1'),
    ({'backup_file_name': 'Oracle BackupD2016-10-06T165918.vib'}, 'Oracle Backup'),
    ({'backup_file_name': 'odd name.vbk'}, None),
    ({'backup_file_name': None}, None),
    ({'replica_name': 'SQL Replication', 'backup_file_name': 'xD2016-10-06T165918.vib'}, 'SQL Replication'),
])
def test_the_parent_of_a_point(item, parent):
    assert compliance.point_parent(item) == parent


def test_the_backups_restore_points_name_the_parent_before_the_backup_file():
    named, unnamed = point('vm1', -5, job='File Name Job'), point('vm2', -5, job='Other File Job')
    named['restore_point_id'] = 'aaaaaaaa-0000-4000-8000-000000000001'
    unnamed['restore_point_id'] = 'aaaaaaaa-0000-4000-8000-000000000002'
    parents = [{'id': named['restore_point_id'], 'backup_name': 'The Backup'}]
    report = compliance.build_report({'vm_restore_points': [named, unnamed], 'point_parents': parents},
                                     options())
    assert dict((s['name'], s['parent']) for s in report['subjects']) == {'vm1': 'The Backup', 'vm2': 'Other File Job'}


def test_newest_point_within_the_default_rpo_is_ok_else_stale_with_a_reason():
    report, subjects = judged([point('fresh', -25), point('fresh', -49), point('old', -76), point('old', -100)])
    assert subjects['fresh']['verdict'] == 'ok' and subjects['old']['verdict'] == 'stale'
    assert subjects['old']['rpo_seconds'] == 26 * 3600 and subjects['old']['newest_point_age_seconds'] == 76 * 3600
    assert subjects['old']['parent'] == 'Backup Job 1' and subjects['old']['points'] == 2
    assert [item['message'] for item in report['violations']] == ['newest restore point 3 days 4 hours ago, RPO 26 hours']
    assert report['violations'][0]['kind'] == 'restore_point_vm' and report['violations'][0]['result'] == 'Stale'
    assert report['totals']['vm_restore_points'] == {'Success': 4, 'Warning': 0, 'Failed': 0, 'None': 0, 'total': 4}
    # The block people read: one incident, under the check's title, naming the VM, its backup and the reason.
    assert report['lines'][0].startswith('1 incident(s)')
    assert report['lines'][1].endswith(':') and 'restore point' in report['lines'][1].lower()
    assert 'old' in report['lines'][2] and 'Backup Job 1' in report['lines'][2]
    assert 'newest restore point 3 days 4 hours ago, RPO 26 hours' in report['lines'][2]


def test_the_rpo_is_the_vm_override_then_the_parent_override_then_max_age_then_the_default():
    points = [point('a', -30), point('b', -30, job='Weekly Archive'), point('c', -30), point('d', -30, job='Weekly X')]
    report, subjects = judged(points, max_age='12h', max_age_overrides={'a': '2d', 'Weekly *': '8d', 'd': 'none'})
    assert subjects['a']['rpo_seconds'] == 2 * 86400 and subjects['a']['verdict'] == 'ok'
    assert subjects['b']['rpo_seconds'] == 8 * 86400 and subjects['b']['verdict'] == 'ok'
    assert subjects['c']['rpo_seconds'] == 12 * 3600 and subjects['c']['verdict'] == 'stale'
    # The VM's own override wins over its job's, even when it is none: never stale.
    assert subjects['d']['rpo_seconds'] is None and subjects['d']['verdict'] == 'ok'
    assert [item['name'] for item in report['violations']] == ['c']


def test_a_vm_is_keyed_by_its_hierarchy_reference_so_a_move_to_another_job_is_one_vm():
    ref = 'urn:VMware:Vm:abc.vm-1'
    report, subjects = judged([point('moved', -10, job='New Job', ref=ref), point('moved', -80, job='Old Job', ref=ref),
                               point('twin', -10, ref='urn:VMware:Vm:abc.vm-2'),
                               point('twin', -90, ref='urn:VMware:Vm:abc.vm-3')])
    assert len([s for s in report['subjects'] if s['name'] == 'moved']) == 1
    assert subjects['moved']['parent'] == 'New Job' and subjects['moved']['verdict'] == 'ok'
    # Two VMs of one name (two references) are two subjects.
    assert sorted(s['verdict'] for s in report['subjects'] if s['name'] == 'twin') == ['ok', 'stale']


def test_exclusions_match_the_vm_or_its_parent():
    report, subjects = judged([point('keep', -80), point('skip', -80), point('other', -80, job='Test Job')],
                              exclude=['skip', 'Test*'])
    assert list(subjects) == ['keep'] and report['excluded']['vm_restore_points'] == 2


def test_the_protection_horizon_is_the_one_age_grammar_and_names_the_option():
    assert options(protection_horizon='2w').protection_from == NOW - datetime.timedelta(days=14)
    assert options().protection_from == NOW - datetime.timedelta(days=30)
    with pytest.raises(ValueError, match='^session_compliance_protection_horizon: '):
        compliance.Options.from_params({'protection_horizon': 'soon'}, prefix='session_compliance_', now=NOW)


def test_points_are_read_in_one_query_per_check_from_the_horizon():
    check = registry.CHECKS['vm_replica_points']
    resource, conditions, raw = gather.READERS[check.judged_from](check, options(checks=['vm_replica_points']))
    assert resource is res.VM_REPLICA_POINT and raw is None
    assert build_filter(conditions) == 'CreationTime>="2026-10-21T12:00:00Z"'


def test_the_points_checks_are_off_by_default_and_have_a_default_rpo():
    for name in ('vm_restore_points', 'vm_replica_points'):
        assert name not in registry.DEFAULT_CHECKS and registry.CHECKS[name].default_max_age == '26h'
        assert registry.CHECKS[name].event_kind is None


def test_the_html_section_counts_the_ages_and_lists_stale_vms_first():
    report, dummy = judged([point('fresh', -5), point('day', -30), point('week', -100), point('old', -400)])
    section = reports._points_section(report)  # pylint: disable=protected-access
    assert section.index('>old<') < section.index('>week<') < section.index('>fresh<')
    assert section.count('<details') == 1
    assert reports._points_section({'subjects': []}) == ''  # pylint: disable=protected-access
    page = reports.html_page(dict(report, em='em01'))
    assert section in page
    # The table of every subject shows a VM's newest point where a job shows its newest run.
    assert page.count('newest point created ') == 4 and 'none in the window' not in page
