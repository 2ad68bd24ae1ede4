# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The judging of the compliance engine on hand-built timelines (no EM, no ansible).

Every timeline is relative to NOW; ``at(-3)`` is three hours before it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _compliance as compliance

NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.timezone.utc)
JOB_UID = 'urn:veeam:Job:11111111-1111-4111-8111-111111111111'
POLICY_UID = 'urn:veeam:CdpPolicy:22222222-2222-4222-8222-222222222222'


def at(hours):
    return (NOW + datetime.timedelta(hours=hours)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


class Counter:
    value = 0


def _uid(kind):
    Counter.value += 1
    return 'urn:veeam:%s:00000000-0000-4000-8000-%012d' % (kind, Counter.value)


def job(name='Replication Job 1', uid=JOB_UID, enabled=True, configured=True):
    return {'id': uid.rsplit(':', 1)[-1], 'uid': uid, 'name': name, 'job_type': 'Replica', 'schedule_enabled': enabled,
            'schedule_configured': configured, 'backup_server_name': 'vbr01'}


def policy(name='CDP Policy 1', uid=POLICY_UID, enabled=True):
    return {'id': uid.rsplit(':', 1)[-1], 'uid': uid, 'name': name, 'policy_type': 'CdpReplica',
            'schedule_enabled': enabled, 'schedule_configured': True, 'backup_server_name': 'vbr01'}


def run(start, result, hours=0.2, job_name='Replication Job 1', job_uid=JOB_UID, message=None):
    """A replication job session that started ``start`` hours from NOW; ``result=None`` means still running."""
    uid = _uid('ReplicaJobSession')
    running = result is None
    return {'id': uid.rsplit(':', 1)[-1], 'uid': uid, 'name': '%s@%s' % (job_name, at(start)), 'job_uid': job_uid,
            'job_name': job_name, 'creation_time_utc': at(start), 'end_time_utc': None if running else at(start + hours),
            'state': 'Working' if running else 'Stopped', 'result': 'None' if running else result,
            'failure_message': message, 'backup_server_name': 'vbr01'}


def cdp_run(start, result, policy_name='CDP Policy 1', policy_uid=POLICY_UID, message=None):
    item = run(start, result, job_name=policy_name, message=message)
    item.update(uid=item['uid'].replace('ReplicaJobSession', 'CdpReplicaSession'), policy_uid=policy_uid,
                policy_name=policy_name)
    del item['job_uid'], item['job_name']
    return item


def vm_task(session, vm, result, reason=None, state='Completed'):
    uid = _uid('CdpReplicaTaskSession')
    return {'id': uid.rsplit(':', 1)[-1], 'uid': uid, 'name': '%s@x' % vm, 'vm_display_name': vm,
            'policy_session_uid': session['uid'], 'policy_session_name': session['name'],
            'creation_time_utc': session['creation_time_utc'], 'end_time_utc': session['end_time_utc'],
            'state': state, 'result': result, 'reason': reason, 'backup_server_name': 'vbr01'}


def report(data, **params):
    params.setdefault('checks', ['replica_sessions'])
    params.setdefault('lookback', '24h')
    options = compliance.Options.from_params(params, now=NOW)
    return compliance.build_report(data, options, em='em.example.com')


def subject(result, name):
    found = [entry for entry in result['subjects'] if entry['name'] == name]
    assert len(found) == 1, result['subjects']
    return found[0]


# ------------------------------------------------------------------------------------------ judge latest

def test_failure_then_successful_retry_is_recovered_not_a_violation():
    failed = run(-10, 'Failed', message='Disk full')
    data = {'jobs': [job()], 'replica_sessions': [run(-9.8, 'Success'), failed]}
    result = report(data)
    assert result['passed'] is True
    assert result['violations'] == [] and result['lines'] == []
    assert subject(result, 'Replication Job 1')['verdict'] == 'recovered'
    assert [entry['id'] for entry in result['recovered']] == [failed['id']]
    assert result['recovered'][0]['message'] == 'Disk full'
    assert result['totals']['replica_sessions'] == {'Success': 1, 'Warning': 0, 'Failed': 1, 'None': 0, 'total': 2}


def test_newest_finished_failure_with_a_newer_running_session_is_failed():
    failed = run(-2, 'Failed', message='Disk full')
    data = {'jobs': [job()], 'replica_sessions': [run(-0.5, None), failed, run(-5, 'Success')]}
    result = report(data)
    assert result['passed'] is False
    entry = subject(result, 'Replication Job 1')
    assert entry['verdict'] == 'failed'
    assert entry['latest']['id'] == failed['id']
    assert entry['counts'] == {'Success': 1, 'Warning': 0, 'Failed': 1, 'None': 1}
    assert result['violations'] == [{
        'kind': 'replica_session', 'id': failed['id'], 'name': failed['name'], 'parent': 'Replication Job 1',
        'subject': 'Replication Job 1', 'result': 'Failed', 'state': 'Stopped',
        'creation_time_utc': failed['creation_time_utc'], 'message': 'Disk full', 'uid': failed['uid']}]
    assert result['lines'] == [
        '1 incident(s) (1 failed or stale job(s), policy(ies) and VM(s) counted one by one):',
        'Replication jobs:',
        '  Replication job Replication Job 1: failed at 2026-11-20 10:00:00 UTC (2 h ago): Disk full']


def test_every_counts_each_failure_where_latest_sees_a_recovery():
    data = {'jobs': [job()], 'replica_sessions': [run(-1, 'Success'), run(-3, 'Failed'), run(-6, 'Failed')]}
    latest = report(data, judge='latest')
    every = report(data, judge='every')
    assert latest['passed'] is True and len(latest['recovered']) == 2
    assert every['passed'] is False and len(every['violations']) == 2
    assert every['recovered'] == []
    assert subject(every, 'Replication Job 1')['verdict'] == 'failed'
    assert every['judge'] == 'every' and every['lines'][0].startswith('2 incident(s) (2 failed or stale')


@pytest.mark.parametrize('fail_on, verdict', [(['Failed'], 'ok'), (['Failed', 'Warning'], 'failed')])
def test_warning_in_and_out_of_fail_on(fail_on, verdict):
    data = {'jobs': [job()], 'replica_sessions': [run(-1, 'Warning'), run(-5, 'Success')]}
    result = report(data, fail_on=fail_on)
    assert subject(result, 'Replication Job 1')['verdict'] == verdict
    assert result['passed'] is (verdict == 'ok')


def test_a_failure_before_a_success_is_recovered_even_when_the_job_failed_again():
    old, new = run(-10, 'Failed'), run(-2, 'Failed')
    streak = run(-3, 'Failed')
    data = {'jobs': [job()], 'replica_sessions': [new, streak, run(-5, 'Success'), old]}
    result = report(data)
    assert subject(result, 'Replication Job 1')['verdict'] == 'failed'
    assert [v['id'] for v in result['violations']] == [new['id']]
    # The failure before the success healed; the one just before the newest is part of the current failure.
    assert [v['id'] for v in result['recovered']] == [old['id']]


def test_a_warning_after_a_failure_recovers_unless_warning_counts():
    data = {'jobs': [job()], 'replica_sessions': [run(-1, 'Warning'), run(-5, 'Failed')]}
    assert subject(report(data), 'Replication Job 1')['verdict'] == 'recovered'
    assert subject(report(data, fail_on=['Failed', 'Warning']), 'Replication Job 1')['verdict'] == 'failed'


def test_sessions_before_the_window_do_not_count():
    data = {'jobs': [job()], 'replica_sessions': [run(-30, 'Failed')]}
    result = report(data)
    assert result['passed'] is True
    entry = subject(result, 'Replication Job 1')
    assert entry['verdict'] == 'no_sessions' and entry['latest'] is None
    assert result['totals']['replica_sessions']['total'] == 0
    assert result['window'] == {'from': '2026-11-19T12:00:00Z', 'to': '2026-11-20T12:00:00Z'}


def test_a_deleted_job_is_judged_from_its_sessions():
    gone = run(-2, 'Failed', job_name='Old Job', job_uid='urn:veeam:Job:99999999-9999-4999-8999-999999999999')
    result = report({'jobs': [job()], 'replica_sessions': [gone, run(-1, 'Success')]})
    entry = subject(result, 'Old Job')
    assert entry['verdict'] == 'failed' and entry['id'] == '99999999-9999-4999-8999-999999999999'
    assert subject(result, 'Replication Job 1')['verdict'] == 'ok'


# ------------------------------------------------------------------------------------------ max_age

def test_stale_when_the_last_success_is_older_than_max_age():
    data = {'jobs': [job()], 'replica_sessions': [run(-40, 'Success', hours=1)]}
    result = report(data, max_age='26h')
    assert result['passed'] is False
    entry = subject(result, 'Replication Job 1')
    assert entry['verdict'] == 'stale'
    assert entry['last_success_end_time_utc'] == at(-39)
    assert result['violations'] == [{
        'kind': 'replica_job', 'id': JOB_UID.rsplit(':', 1)[-1], 'name': 'Replication Job 1',
        'parent': 'Replication Job 1', 'result': 'Stale', 'state': None, 'creation_time_utc': at(-40),
        'message': 'no successful run within 26 hours; the last one ended 2026-11-18 21:00:00 UTC (39 h ago)'}]


def test_stale_without_any_success_in_the_period_read():
    result = report({'jobs': [job()], 'replica_sessions': [run(-3, 'Failed')]}, max_age='26h', judge='every',
                    fail_on=['Failed'])
    # Failed wins over stale: one violation, for the failed session.
    assert [v['result'] for v in result['violations']] == ['Failed']
    result = report({'jobs': [job()]}, max_age='26h')
    assert subject(result, 'Replication Job 1')['verdict'] == 'stale'
    assert result['violations'][0]['creation_time_utc'] is None
    assert result['violations'][0]['message'] == (
        'no successful run within 26 hours, nor since 2026-11-13 12:00:00 UTC (as far back as was read)')
    # The period read is the longest of the window, max_age and the history (7 days by default).
    result = report({'jobs': [job()]}, max_age='26h', history='1d')
    assert result['violations'][0]['message'].endswith('since 2026-11-19 10:00:00 UTC (as far back as was read)')


def test_without_max_age_nothing_is_stale():
    result = report({'jobs': [job()]})
    assert subject(result, 'Replication Job 1')['verdict'] == 'no_sessions'
    assert result['passed'] is True


def test_a_recent_success_is_not_stale_and_failures_do_not_count_as_success():
    data = {'jobs': [job()], 'replica_sessions': [run(-2, 'Failed'), run(-20, 'Success')]}
    assert subject(report(data, max_age='26h'), 'Replication Job 1')['verdict'] == 'failed'
    data = {'jobs': [job()], 'replica_sessions': [run(-2, 'Success')]}
    assert subject(report(data, max_age='26h'), 'Replication Job 1')['verdict'] == 'ok'


def test_overrides_by_name_and_glob_and_none():
    jobs = [job('Weekly DR', uid=_uid('Job')), job('Weekly Archive', uid=_uid('Job')), job('Daily', uid=_uid('Job'))]
    sessions = [run(-100, 'Success', job_name=item['name'], job_uid=item['uid']) for item in jobs]
    result = report({'jobs': jobs, 'replica_sessions': sessions}, max_age='26h',
                    max_age_overrides={'Weekly DR': '8d', 'Weekly *': 'none'})
    assert subject(result, 'Weekly DR')['verdict'] == 'no_sessions'
    assert subject(result, 'Weekly Archive')['verdict'] == 'no_sessions'
    assert subject(result, 'Daily')['verdict'] == 'stale'
    assert [v['name'] for v in result['violations']] == ['Daily']


def test_an_override_alone_turns_max_age_on_for_its_jobs_and_widens_the_period_read():
    options = compliance.Options.from_params({'lookback': '24h', 'max_age_overrides': {'Weekly*': '8d'}}, now=NOW)
    assert options.read_from == NOW - datetime.timedelta(days=8)
    result = compliance.build_report({'jobs': [job('Weekly DR'), job('Daily', uid=_uid('Job'))]}, options)
    assert subject(result, 'Weekly DR')['verdict'] == 'stale'
    assert subject(result, 'Daily')['verdict'] == 'no_sessions'


@pytest.mark.parametrize('enabled, configured', [(False, True), (True, False)])
def test_disabled_or_unconfigured_schedules_are_never_stale(enabled, configured):
    data = {'jobs': [job(enabled=enabled, configured=configured)], 'replica_sessions': [run(-40, 'Success')]}
    result = report(data, max_age='26h')
    assert subject(result, 'Replication Job 1')['verdict'] == 'disabled'
    assert result['passed'] is True


def test_a_disabled_job_is_still_failed_or_recovered():
    data = {'jobs': [job(enabled=False)], 'replica_sessions': [run(-2, 'Failed')]}
    assert subject(report(data, max_age='26h'), 'Replication Job 1')['verdict'] == 'failed'
    data['replica_sessions'].insert(0, run(-1, 'Success'))
    assert subject(report(data, max_age='26h'), 'Replication Job 1')['verdict'] == 'recovered'


# ------------------------------------------------------------------------------------------ CDP and VMs

def test_cdp_policies_and_their_vms_failed_vms_explained_first():
    session = cdp_run(-1, 'Failed')
    tasks = [vm_task(session, 'web01', 'Warning', 'Low free space'), vm_task(session, 'sql02', 'Failed', 'Disk full'),
             vm_task(session, 'dc01', 'Success')]
    data = {'policies': [policy()], 'cdp_replica_sessions': [session], 'cdp_replica_task_sessions': tasks,
            'task_sessions': tasks}
    result = report(data, checks=['cdp_replica_sessions', 'cdp_replica_task_sessions'])
    violation = [v for v in result['violations'] if v['kind'] == 'cdp_replica_session'][0]
    assert violation['message'] == 'Failed sql02: Disk full; Warning web01: Low free space'
    vm = subject(result, 'sql02')
    assert vm['kind'] == 'cdp_policy_vm' and vm['parent'] == 'CDP Policy 1' and vm['id'] is None
    assert vm['verdict'] == 'failed'
    assert subject(result, 'web01')['verdict'] == 'ok'
    vm_violation = [v for v in result['violations'] if v['kind'] == 'cdp_replica_task_session'][0]
    assert vm_violation['parent'] == 'CDP Policy 1' and vm_violation['message'] == 'Disk full'
    assert subject(result, 'CDP Policy 1')['kind'] == 'cdp_policy'


def test_a_vm_in_progress_keeps_the_verdict_of_its_last_completed_run():
    first = cdp_run(-3, 'Failed')
    second = cdp_run(-1, None)
    tasks = [vm_task(first, 'sql02', 'Failed', 'Disk full'), vm_task(second, 'sql02', 'Success', state='InProgress')]
    result = report({'policies': [policy()], 'cdp_replica_task_sessions': tasks}, checks=['cdp_replica_task_sessions'])
    assert subject(result, 'sql02')['verdict'] == 'failed'


# ------------------------------------------------------------------------------------------ exclusions and empty

@pytest.mark.parametrize('pattern', ['Replication Job 1', 'Replication *', 'Replication Job 1@*'])
def test_exclusions_by_subject_name_glob_or_session_name(pattern):
    data = {'jobs': [job()], 'replica_sessions': [run(-1, 'Failed')]}
    result = report(data, exclude=[pattern], allow_empty=True)
    assert result['passed'] is True
    assert result['excluded'] == {'replica_sessions': 1}
    assert result['totals']['replica_sessions']['total'] == 0


def test_exclusion_by_parent_leaves_out_the_vms_of_a_policy():
    session = cdp_run(-1, 'Failed')
    tasks = [vm_task(session, 'sql02', 'Failed', 'Disk full')]
    data = {'policies': [policy()], 'cdp_replica_sessions': [session], 'cdp_replica_task_sessions': tasks}
    result = report(data, checks=['cdp_replica_sessions', 'cdp_replica_task_sessions'], exclude=['CDP Policy 1'],
                    allow_empty=True)
    assert result['passed'] is True and result['subjects'] == []


def test_no_data_is_not_health():
    with pytest.raises(compliance.NoDataError, match='Portal Administrator'):
        report({})
    with pytest.raises(compliance.NoDataError, match='replica_sessions'):
        report({'policies': [policy()]})  # a policy does not count for a replication-only check
    result = report({}, allow_empty=True)
    assert result['passed'] is True and result['subjects'] == []


def test_the_report_keys():
    result = report({'jobs': [job()], 'replica_sessions': [run(-1, 'Success')]})
    assert sorted(result) == ['checks_not_in_use', 'checks_run', 'em', 'excluded', 'fail_on', 'generated_at',
                              'history', 'history_from', 'judge', 'lines', 'max_age', 'passed', 'recovered', 'subjects',
                              'totals', 'trend', 'verdicts', 'violations', 'window']
    assert result['checks_run'] == ['replica_sessions'] and result['checks_not_in_use'] == []
    assert result['verdicts'] == {'ok': 1, 'failed': 0, 'recovered': 0, 'stale': 0, 'no_sessions': 0, 'disabled': 0}
    assert result['em'] == 'em.example.com' and result['generated_at'] == '2026-11-20T12:00:00Z'
    entry = result['subjects'][0]
    assert sorted(entry) == ['backup_server_name', 'check', 'counts', 'history', 'id', 'kind',
                             'last_success_end_time_utc', 'latest', 'name', 'parent', 'success_rate', 'verdict']
    assert sorted(entry['latest']) == ['creation_time_utc', 'end_time_utc', 'id', 'name', 'result', 'state']


# ------------------------------------------------------------------------------------------ options

@pytest.mark.parametrize('params, message', [
    ({'lookback': 'yesterday'}, "^session_compliance_lookback: 'yesterday' is not a point in time"),
    ({'max_age': '1 day'}, "^session_compliance_max_age: '1 day' is not an age"),
    ({'max_age': '0h'}, 'session_compliance_max_age: .* not a positive age'),
    ({'max_age_overrides': {'Weekly*': 'weekly'}}, r"^session_compliance_max_age_overrides\['Weekly\*'\]"),
    ({'max_age_overrides': ['x']}, '^session_compliance_max_age_overrides: must be a mapping'),
    ({'judge': 'newest'}, "^session_compliance_judge: 'newest' is not one of latest, every"),
    ({'checks': ['backups']}, '^session_compliance_checks: unknown check'),
    ({'checks': []}, '^session_compliance_checks: no check given'),
    ({'fail_on': ['Broken']}, '^session_compliance_fail_on: unknown result'),
    ({'allow_empty': 'maybe'}, '^session_compliance_allow_empty: must be true or false'),
])
def test_options_are_checked_naming_the_option(params, message):
    with pytest.raises(ValueError, match=message):
        compliance.Options.from_params(params, prefix='session_compliance_', now=NOW)


def test_read_period_is_the_longer_of_lookback_max_age_and_history():
    options = compliance.Options.from_params({'lookback': '24h', 'max_age': '3d', 'history': '1d'}, now=NOW)
    assert options.read_from == NOW - datetime.timedelta(days=3)
    options = compliance.Options.from_params({'lookback': '7d', 'max_age': '26h', 'history': '2d'}, now=NOW)
    assert options.read_from == NOW - datetime.timedelta(days=7)
    options = compliance.Options.from_params({'lookback': '24h', 'max_age': '26h'}, now=NOW)
    assert options.history == datetime.timedelta(days=7) and options.read_from == NOW - datetime.timedelta(days=7)
    assert options.jobs_from == NOW - datetime.timedelta(days=7)
    with pytest.raises(ValueError, match="^session_compliance_history: 'a week' is not an age"):
        compliance.Options.from_params({'history': 'a week'}, prefix='session_compliance_', now=NOW)
    assert compliance.Options.from_params({'max_age': 'none'}, now=NOW).max_age is None


# ------------------------------------------------------------------------------------------ backup checks

BACKUP_UID = 'urn:veeam:Job:33333333-3333-4333-8333-333333333333'


def backup_job(name='Backup Job 1', uid=BACKUP_UID, job_type='Backup', enabled=True):
    item = job(name=name, uid=uid, enabled=enabled)
    item['job_type'] = job_type
    return item


def backup_run(start, result, hours=0.5, job_name='Backup Job 1', job_uid=BACKUP_UID, message=None):
    item = run(start, result, hours=hours, job_name=job_name, job_uid=job_uid, message=message)
    item.update(uid=item['uid'].replace('ReplicaJobSession', 'BackupJobSession'), job_type='Backup')
    item['id'] = item['uid'].rsplit(':', 1)[-1]
    return item


def backup_task(session, vm, result, reason=None, state='Completed'):
    """A backup task session: it names its VM and its job session, never the job."""
    uid = _uid('BackupTaskSession')
    return {'id': uid.rsplit(':', 1)[-1], 'uid': uid, 'name': '%s@x' % vm, 'vm_display_name': vm,
            'job_session_uid': session['uid'], 'job_session_id': session['id'],
            'creation_time_utc': session['creation_time_utc'], 'end_time_utc': session['end_time_utc'],
            'state': state, 'result': result, 'reason': reason, 'backup_server_name': 'vbr01'}


def test_backups_come_first_in_the_default_checks():
    options = compliance.Options.from_params({}, now=NOW)
    assert options.checks == ['backup_sessions', 'backup_task_sessions', 'replica_sessions', 'cdp_replica_sessions',
                              'cdp_replica_task_sessions']
    # Checks not asked for judge nothing of what is given.
    data = {'jobs': [job()], 'backup_jobs': [backup_job()], 'replica_sessions': [run(-1, 'Success')],
            'backup_sessions': [backup_run(-1, 'Failed')]}
    result = report(data, checks=['replica_sessions'])
    assert result['passed'] is True and [entry['name'] for entry in result['subjects']] == ['Replication Job 1']


def test_a_check_with_nothing_of_its_kind_is_not_in_use_and_no_violation():
    data = {'jobs': [job()], 'replica_sessions': [run(-1, 'Success')]}
    result = report(data, checks=list(compliance.DEFAULT_CHECKS), max_age='26h')
    assert result['passed'] is True
    assert result['checks_run'] == ['replica_sessions']
    assert result['checks_not_in_use'] == ['backup_sessions', 'backup_task_sessions', 'cdp_replica_sessions',
                                           'cdp_replica_task_sessions']
    # The EM as a whole with nothing to judge still fails: no data is not health.
    with pytest.raises(compliance.NoDataError):
        report({}, checks=list(compliance.DEFAULT_CHECKS))


def test_backup_failure_then_successful_retry_is_recovered():
    failed = backup_run(-10, 'Failed', message='Repository is out of space')
    data = {'backup_jobs': [backup_job()], 'backup_sessions': [backup_run(-9, 'Success'), failed]}
    result = report(data, checks=['backup_sessions'])
    assert result['passed'] is True and result['violations'] == []
    entry = subject(result, 'Backup Job 1')
    assert entry['kind'] == 'backup_job' and entry['check'] == 'backup_sessions'
    assert entry['id'] == BACKUP_UID.rsplit(':', 1)[-1] and entry['verdict'] == 'recovered'
    assert [(item['kind'], item['id'], item['message']) for item in result['recovered']] == [
        ('backup_session', failed['id'], 'Repository is out of space')]
    assert result['totals']['backup_sessions'] == {'Success': 1, 'Warning': 0, 'Failed': 1, 'None': 0, 'total': 2}


def test_backup_failure_without_message_is_explained_vm_by_vm_failed_first():
    failed = backup_run(-2, 'Failed')
    tasks = [backup_task(failed, 'web01', 'Warning', 'Changed block tracking reset'),
             backup_task(failed, 'sql02', 'Failed', 'Snapshot failed')]
    data = {'backup_jobs': [backup_job()], 'backup_sessions': [failed], 'task_sessions': tasks}
    result = report(data, checks=['backup_sessions'])
    assert result['passed'] is False and subject(result, 'Backup Job 1')['verdict'] == 'failed'
    assert result['violations'] == [{
        'kind': 'backup_session', 'id': failed['id'], 'name': failed['name'], 'parent': 'Backup Job 1',
        'subject': 'Backup Job 1', 'result': 'Failed', 'state': 'Stopped', 'creation_time_utc': at(-2),
        'message': 'Failed sql02: Snapshot failed; Warning web01: Changed block tracking reset', 'uid': failed['uid']}]
    assert result['lines'][2] == ('  Backup job Backup Job 1: failed at 2026-11-20 10:00:00 UTC (2 h ago): '
                                  'Failed sql02: Snapshot failed; Warning web01: Changed block tracking reset')


def test_stale_backup_job_by_max_age_and_deleted_or_disabled_jobs():
    data = {'backup_jobs': [backup_job(), backup_job('Copy Job', uid=BACKUP_UID[:-1] + '4', job_type='BackupCopy',
                                                     enabled=False)],
            'backup_sessions': [backup_run(-40, 'Success', hours=1),
                                backup_run(-3, 'Success', job_name='Deleted Job', job_uid=BACKUP_UID[:-1] + '5')]}
    result = report(data, checks=['backup_sessions'], max_age='26h')
    assert result['passed'] is False
    assert subject(result, 'Backup Job 1')['verdict'] == 'stale'
    assert subject(result, 'Copy Job')['verdict'] == 'disabled'
    deleted = subject(result, 'Deleted Job')
    assert deleted['verdict'] == 'ok' and deleted['id'] == '33333333-3333-4333-8333-333333333335'
    assert result['violations'] == [{
        'kind': 'backup_job', 'id': BACKUP_UID.rsplit(':', 1)[-1], 'name': 'Backup Job 1', 'parent': 'Backup Job 1',
        'result': 'Stale', 'state': None, 'creation_time_utc': at(-40),
        'message': 'no successful run within 26 hours; the last one ended 2026-11-18 21:00:00 UTC (39 h ago)'}]


def test_a_replica_job_in_the_backup_job_list_is_not_a_backup_subject():
    data = {'backup_jobs': [backup_job(), job()], 'backup_sessions': [backup_run(-1, 'Success')]}
    result = report(data, checks=['backup_sessions'])
    assert [entry['name'] for entry in result['subjects']] == ['Backup Job 1']


def test_a_failing_vm_of_a_backup_job_is_a_failed_subject_named_after_its_job():
    old = backup_run(-30, 'Failed')
    session = backup_run(-2, 'Failed')
    tasks = [backup_task(session, 'sql02', 'Failed', 'Snapshot failed'), backup_task(session, 'dc01', 'Success'),
             backup_task(old, 'dc01', 'Failed', 'before the window')]
    data = {'backup_sessions': [session, old], 'backup_task_sessions': tasks}
    result = report(data, checks=['backup_task_sessions'])
    assert result['passed'] is False
    vm = subject(result, 'sql02')
    assert (vm['check'], vm['kind'], vm['parent'], vm['id'], vm['verdict']) == (
        'backup_task_sessions', 'backup_job_vm', 'Backup Job 1', None, 'failed')
    # dc01 failed before the lookback window only: VMs are judged on the window, never stale.
    assert subject(result, 'dc01')['verdict'] == 'ok'
    assert [(v['kind'], v['parent'], v['message']) for v in result['violations']] == [
        ('backup_task_session', 'Backup Job 1', 'Snapshot failed')]
    # The job's own sessions were read for the names only: the job is not judged by this check.
    assert [entry['kind'] for entry in result['subjects']] == ['backup_job_vm', 'backup_job_vm']
    assert result['totals'] == {'backup_task_sessions': {'Success': 1, 'Warning': 0, 'Failed': 1, 'None': 0,
                                                         'total': 2}}


# ------------------------------------------------------------------------------------------ history and trend

def test_history_shows_the_newest_runs_in_order_with_their_success_rate():
    results = ['Success', 'Failed', 'Warning', 'Success', 'Failed', 'Success']
    sessions = [run(-24 * 6 + 28 * index, result) for index, result in enumerate(results)] + [run(-0.5, None)]
    result = report({'jobs': [job()], 'replica_sessions': sessions})
    entry = subject(result, 'Replication Job 1')
    assert [item['result'] for item in entry['history']] == results + ['None']
    assert [item['finished'] for item in entry['history']] == [True] * 6 + [False]
    assert entry['success_rate'] == 0.5
    # The window's counts and the verdict are the lookback window's only (24h): the history does not widen them.
    assert result['totals']['replica_sessions']['total'] == 2
    # A session older than the history period is not shown; at most 14 runs are.
    old = [run(-24 * 8, 'Failed')] + [run(-100 + 5 * index, 'Success') for index in range(16)]
    entry = subject(report({'jobs': [job()], 'replica_sessions': old}), 'Replication Job 1')
    assert len(entry['history']) == 14 and set(item['result'] for item in entry['history']) == {'Success'}
    assert entry['history'][-1]['creation_time_utc'] == at(-100 + 5 * 15) and entry['success_rate'] == 1.0
    assert subject(report({'jobs': [job()]}), 'Replication Job 1')['success_rate'] is None


def test_trend_counts_finished_sessions_per_day_and_result():
    sessions = [run(-24 * 6 - 11, 'Success'), run(-24 * 6 - 10, 'Failed'), run(-30, 'Warning'), run(-2, 'Success'),
                run(-1, 'Success'), run(-0.5, None), run(-24 * 9, 'Failed')]
    result = report({'jobs': [job()], 'replica_sessions': sessions}, history='7d')
    trend = result['trend']
    assert trend['days'] == ['2026-11-13', '2026-11-14', '2026-11-15', '2026-11-16', '2026-11-17', '2026-11-18',
                             '2026-11-19', '2026-11-20']
    counts = trend['checks']['replica_sessions']
    assert counts['Success'] == [0, 1, 0, 0, 0, 0, 0, 2]
    assert counts['Failed'] == [0, 1, 0, 0, 0, 0, 0, 0]
    assert counts['Warning'] == [0, 0, 0, 0, 0, 0, 1, 0]
    assert result['history'] == '1w' and result['history_from'] == '2026-11-13T12:00:00Z'
