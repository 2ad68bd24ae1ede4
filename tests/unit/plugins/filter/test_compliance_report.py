"""The session_compliance report: counting, violations, reasons from task sessions, exclusions."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.veeam.enterprise_manager.plugins.filter.compliance_report import (
    FilterModule, compliance_options, unexplained_failures)
from ansible_collections.veeam.enterprise_manager.plugins.filter.compliance_report import (
    compliance_report as report_filter)


def compliance_report(gathered, *args, **kwargs):
    """The filter as these tests use it: every item given in the window, every failure a violation, empty allowed
    (the filter's own defaults are the module's, tested in test_the_filter_defaults_are_the_modules)."""
    kwargs.setdefault('judge', 'every')
    kwargs.setdefault('lookback', None)
    kwargs.setdefault('allow_empty', True)
    return report_filter(gathered, *args, **kwargs)


def test_the_filter_defaults_are_the_modules():
    from ansible_collections.veeam.enterprise_manager.plugins.module_utils._info_module import compliance_argument_spec
    import inspect
    spec = compliance_argument_spec()
    defaults = dict((name, parameter.default) for name, parameter in inspect.signature(report_filter).parameters.items())
    for option in ('judge', 'lookback', 'allow_empty', 'max_age'):
        assert defaults[option] == spec[option].get('default'), option
    assert (defaults['fail_on'] or ['Failed']) == spec['fail_on']['default']


CDP_UID = 'urn:veeam:CdpReplicaSession:6b872a71-51e8-437a-8d45-5c6494b92f3f'


def cdp_session(name, result, when, message=None, uid=CDP_UID, policy='CDP Policy 1'):
    return {'id': uid.rsplit(':', 1)[-1], 'uid': uid, 'name': '%s@%s' % (policy, when), 'policy_name': policy,
            'result': result, 'state': 'Stopped', 'creation_time_utc': when, 'failure_message': message}


def test_healthy_sessions_pass_and_are_counted():
    report = compliance_report({'cdp_replica_sessions': [
        cdp_session('a', 'Success', '2026-11-20T01:00:00.000000Z'),
        cdp_session('b', 'Warning', '2026-11-20T02:00:00.000000Z'),
        cdp_session('c', 'None', '2026-11-20T03:00:00.000000Z')]})
    assert report['passed'] is True
    assert report['violations'] == [] and report['lines'] == []
    assert report['totals'] == {'cdp_replica_sessions': {'total': 3, 'Success': 1, 'Warning': 1, 'Failed': 0, 'None': 1}}


def test_a_failure_without_message_is_explained_by_its_task_sessions():
    tasks = [
        {'policy_session_uid': CDP_UID, 'vm_display_name': 'sql02', 'result': 'Failed', 'reason': 'Disk full'},
        {'policy_session_uid': CDP_UID, 'vm_display_name': 'web01', 'result': 'Success', 'reason': None},
        {'policy_session_uid': 'urn:veeam:CdpReplicaSession:other', 'vm_display_name': 'x', 'result': 'Failed',
         'reason': 'not this one'},
    ]
    report = compliance_report({'cdp_replica_sessions': [cdp_session('a', 'Failed', '2026-11-20T01:00:00.000000Z')]},
                               ['Failed'], [], tasks)
    assert report['passed'] is False
    assert report['violations'] == [{
        'kind': 'cdp_replica_session', 'id': '6b872a71-51e8-437a-8d45-5c6494b92f3f', 'name': 'CDP Policy 1@2026-11-20T01:00:00.000000Z',
        'parent': 'CDP Policy 1', 'subject': 'CDP Policy 1', 'result': 'Failed', 'state': 'Stopped',
        'creation_time_utc': '2026-11-20T01:00:00.000000Z', 'message': 'Failed sql02: Disk full',
        'uid': CDP_UID}]
    assert report['lines'][0] == '1 incident(s) (1 failed or stale job(s), policy(ies) and VM(s) counted one by one):'
    assert report['lines'][1] == 'CDP policies:' and len(report['lines']) == 3
    assert report['lines'][2].startswith('  CDP policy CDP Policy 1: failed at 2026-11-20 01:00:00 UTC (')
    assert report['lines'][2].endswith(' ago): Failed sql02: Disk full')


def test_own_message_wins_and_violations_are_newest_first():
    report = compliance_report({
        'cdp_replica_sessions': [cdp_session('a', 'Failed', '2026-11-20T01:00:00.000000Z', message='Own reason')],
        'replica_sessions': [{'id': 'r1', 'uid': 'urn:veeam:ReplicaJobSession:r1', 'name': 'Job@x', 'job_name': 'Job',
                              'result': 'Warning', 'state': 'Stopped', 'creation_time_utc': '2026-11-21T00:00:00.000000Z'}],
    }, ['Failed', 'Warning'])
    assert [v['kind'] for v in report['violations']] == ['replica_session', 'cdp_replica_session']
    assert report['violations'][1]['message'] == 'Own reason'
    assert report['violations'][0]['message'] == 'Enterprise Manager gives no reason'
    assert report['lines'][0].startswith('2 incident(s) (2 failed or stale')


def test_task_session_parent_comes_from_its_session_name():
    task = {'id': 't', 'uid': 'urn:veeam:CdpReplicaTaskSession:t', 'name': 'vm@1', 'policy_session_name': 'Pol@icy@2026-11-20 01:00:00',
            'result': 'Failed', 'reason': 'Broken', 'state': 'Completed', 'creation_time_utc': '2026-11-20T01:00:00.000000Z'}
    report = compliance_report({'cdp_replica_task_sessions': [task]})
    assert report['violations'][0]['parent'] == 'Pol@icy'
    assert report['violations'][0]['message'] == 'Broken'


@pytest.mark.parametrize('patterns', [['CDP Policy 1'], ['CDP *'], ['*@2026-11-20T01*']])
def test_exclusions_by_name_and_glob_leave_items_out_of_totals(patterns):
    report = compliance_report({'cdp_replica_sessions': [cdp_session('a', 'Failed', '2026-11-20T01:00:00.000000Z')]},
                               ['Failed'], patterns)
    assert report['passed'] is True
    assert report['totals']['cdp_replica_sessions']['total'] == 0
    assert report['excluded'] == {'cdp_replica_sessions': 1}


def test_unexplained_failures_lists_only_sessions_without_a_reason():
    gathered = {'cdp_replica_sessions': [
        cdp_session('a', 'Failed', '2026-11-20T01:00:00.000000Z'),
        cdp_session('b', 'Failed', '2026-11-20T02:00:00.000000Z', message='Known', uid=CDP_UID[:-1] + '0')]}
    assert unexplained_failures(gathered) == [{'kind': 'cdp_replica_session', 'id': '6b872a71-51e8-437a-8d45-5c6494b92f3f'}]


def test_bad_input_is_a_filter_error():
    with pytest.raises(AnsibleFilterError):
        compliance_report(['not', 'a', 'dict'])
    with pytest.raises(AnsibleFilterError, match='unknown check'):
        compliance_report({'tape_sessions': []})


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {'compliance_report', 'unexplained_failures', 'compliance_options'}


def test_latest_judge_and_jobs_through_the_filter():
    job = {'id': 'j1', 'uid': 'urn:veeam:Job:j1', 'name': 'Job', 'job_type': 'Replica', 'schedule_enabled': True,
           'schedule_configured': True}
    idle = dict(job, id='j2', uid='urn:veeam:Job:j2', name='Idle')
    sessions = [
        {'id': 'r2', 'uid': 'urn:veeam:ReplicaJobSession:r2', 'name': 'Job@2', 'job_uid': 'urn:veeam:Job:j1',
         'job_name': 'Job', 'result': 'Success', 'state': 'Stopped', 'creation_time_utc': '2026-11-21T02:00:00.000000Z',
         'end_time_utc': '2026-11-21T02:10:00.000000Z'},
        {'id': 'r1', 'uid': 'urn:veeam:ReplicaJobSession:r1', 'name': 'Job@1', 'job_uid': 'urn:veeam:Job:j1',
         'job_name': 'Job', 'result': 'Failed', 'state': 'Stopped', 'creation_time_utc': '2026-11-21T01:00:00.000000Z',
         'end_time_utc': '2026-11-21T01:10:00.000000Z'}]
    gathered = {'jobs': [job, idle], 'replica_sessions': sessions}
    every = compliance_report(gathered)
    latest = compliance_report(gathered, judge='latest')
    assert not every['passed'] and latest['passed']
    assert [r['id'] for r in latest['recovered']] == ['r1']
    assert dict((s['name'], s['verdict']) for s in latest['subjects']) == {'Job': 'recovered', 'Idle': 'no_sessions'}


def test_empty_input_fails_only_when_asked():
    assert compliance_report({'replica_sessions': []})['passed'] is True
    with pytest.raises(AnsibleFilterError, match='No data is not health'):
        compliance_report({'replica_sessions': []}, allow_empty=False)


def test_compliance_options_names_the_role_variable():
    assert compliance_options({'lookback': '24h', 'max_age': '26h'}) == []
    problems = compliance_options({'lookback': 'yesterday'}, prefix='session_compliance_')
    assert len(problems) == 1 and problems[0].startswith("session_compliance_lookback: 'yesterday'")
    with pytest.raises(AnsibleFilterError):
        compliance_options('lookback')


def test_backup_sessions_and_jobs_through_the_filter():
    failed = {'id': 'b1', 'uid': 'urn:veeam:BackupJobSession:b1', 'name': 'Nightly@1', 'job_uid': 'urn:veeam:Job:j1',
              'job_name': 'Nightly', 'creation_time_utc': '2026-11-20T02:00:00Z', 'end_time_utc': '2026-11-20T02:30:00Z',
              'state': 'Stopped', 'result': 'Failed', 'failure_message': None}
    copy_job = {'id': 'j2', 'uid': 'urn:veeam:Job:j2', 'name': 'Copy', 'job_type': 'BackupCopy',
                'schedule_enabled': True, 'schedule_configured': True}
    gathered = {'backup_jobs': [copy_job], 'backup_sessions': [failed]}
    report = compliance_report(gathered, now='2026-11-20T12:00:00Z')
    assert report['totals'] == {'backup_sessions': {'Success': 0, 'Warning': 0, 'Failed': 1, 'None': 0, 'total': 1}}
    assert dict((s['name'], (s['kind'], s['verdict'])) for s in report['subjects']) == {
        'Copy': ('backup_job', 'no_sessions'), 'Nightly': ('backup_job', 'failed')}
    assert unexplained_failures(gathered) == [{'kind': 'backup_session', 'id': 'b1'}]
