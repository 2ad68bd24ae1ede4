#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: session_compliance_info
short_description: Judge Veeam backup jobs, replication jobs, CDP policies and their VMs from their sessions, in one logon
version_added: 1.0.0
description:
  - Answers "did my Veeam jobs work?" for one Enterprise Manager in one run. It logs on once, reads the backup
    and replication jobs (one query) and CDP policies the checks need, the sessions of the period read and, for
    sessions that failed without a message, the reasons of their task sessions with one filtered query per kind
    (never one request per session), then logs out and judges.
  - Independent queries run in parallel, at most four requests in flight, all in the one logon session.
  - A subject is a backup job (check V(backup_sessions)), a VM of a backup job (V(backup_task_sessions)), a
    replication job (V(replica_sessions)), a VM of a replication job (V(replica_task_sessions)), a CDP policy
    (V(cdp_replica_sessions)), a VM of a CDP policy (V(cdp_replica_task_sessions)), or a VM judged from its restore
    points (V(vm_restore_points)) or its replica points (V(vm_replica_points)). Each gets a verdict.
    V(failed) means its newest finished session in the window has a result in O(fail_on) (with O(judge=every),
    any finished session in the window does).
    V(recovered) means failures followed by a newer finished session outside O(fail_on); these are listed, not
    violations. V(stale) means its schedule is enabled and no successful session ended within O(max_age).
    V(disabled) means its schedule is disabled or not configured and it is neither failed nor recovered.
    V(no_sessions) means no finished session in the window. V(ok) covers everything else.
  - The checks V(vm_restore_points) and V(vm_replica_points) answer "can every VM be restored to a point no older
    than its RPO?". They read every VM restore (or replica) point created within O(protection_horizon) (one paged
    query each, never one request per VM), and expect each VM with such a point, so that a VM removed from its
    job, excluded by a rule, or whose newer points were deleted, is still seen. A VM is one subject, by its
    hierarchy reference where Enterprise Manager gives one (a VM moved to another job stays one VM), named after
    its backup (named by the backup's restore point the VM's point links to, read with one more query
    of the horizon; else from the backup file's name) or its replica. Its verdict is V(ok) when its newest point is
    within its RPO, else V(stale), with a reason such as C(newest restore point 3 days 4 hours ago, RPO 26 hours).
    The RPO is O(max_age), with O(max_age_overrides) matched on the VM's name first, then on its backup's or
    replica's; for these checks an unset O(max_age) means V(26h) (a daily job and its slack).
    A VM that was never backed up has no point and cannot be seen this way.
  - A check with no job or policy of its kind on this Enterprise Manager, and no session, is not in use; the report
    says so (RV(report.checks_not_in_use)) and it is no violation.
  - No data is not health. When Enterprise Manager returns no job, no policy and no session at all for the checks,
    the module fails, naming the likely causes, unless O(allow_empty=true).
  - The P(veeam.enterprise_manager.session_compliance#role) role runs this module once per Enterprise Manager.
author:
  - Veeam Enterprise Manager maintainers (@veeam-enterprise-manager)
extends_documentation_fragment:
  - veeam.enterprise_manager.connection
  - veeam.enterprise_manager.attributes
options:
  checks:
    description:
      - What to judge. V(backup_sessions) judges backup jobs, V(backup_task_sessions) the VMs of backup jobs,
        V(replica_sessions) replication jobs, V(replica_task_sessions) the VMs of replication jobs,
        V(cdp_replica_sessions) CDP policies, V(cdp_replica_task_sessions) the VMs of CDP policies,
        V(vm_restore_points) each VM's newest restore point and V(vm_replica_points) each VM's newest replica point
        (against its RPO, see O(protection_horizon)).
      - Backup jobs are those of Enterprise Manager's job list (Backup, BackupCopy, ImmediateBackupCopy) and any job
        seen in backup sessions; every backup session type counts (backup, backup copy, agent and file share
        backup). VMs are judged on the lookback window only.
      - The default is every check but V(replica_task_sessions), V(vm_restore_points) and V(vm_replica_points)
        (these two read every point of O(protection_horizon)).
    type: list
    elements: str
    choices: [backup_sessions, backup_task_sessions, replica_sessions, replica_task_sessions, cdp_replica_sessions,
              cdp_replica_task_sessions, vm_restore_points, vm_replica_points]
    default: [backup_sessions, backup_task_sessions, replica_sessions, cdp_replica_sessions, cdp_replica_task_sessions]
  lookback:
    description:
      - Start of the window. A session is in the window when it was created at or after this point.
      - An age before now, a whole number and a unit (V(s), V(m), V(h), V(d), V(w)) such as V(24h) or V(7d), an ISO
        8601 date-time (V(2026-11-21T06:00:00Z)) or a date (V(2026-11-21)).
    type: str
    default: 24h
  fail_on:
    description:
      - Results that count as failures. Add V(Warning) to be strict.
    type: list
    elements: str
    choices: [Success, Warning, Failed, 'None']
    default: [Failed]
  exclude:
    description:
      - Names, or glob patterns such as V(Test*), of backup jobs, replication jobs, CDP policies, VMs (matched on their
        name or their job's or policy's) or sessions to leave out.
    type: list
    elements: str
    default: []
  judge:
    description:
      - V(latest) judges the newest finished session of each subject; a failure followed by a successful retry
        is recovered. A running session never hides the newest finished one.
      - V(every) makes every finished session in the window with a result in O(fail_on) a violation, for strict
        audits.
    type: str
    choices: [latest, every]
    default: latest
  max_age:
    description:
      - An age, a whole number and a unit, such as V(26h). A job or policy whose schedule is enabled, and which has
        no finished session with a result outside O(fail_on) that ended within it, is stale, a violation.
      - Sessions created in the window or that ended within O(max_age) are read, so a success that ran longer than
        O(max_age) (CDP sessions run for about a day) still counts. Unset, nothing is stale, but for the checks
        V(vm_restore_points) and V(vm_replica_points), for which unset means V(26h); a VM whose newest point is older
        than its RPO is stale.
    type: str
  max_age_overrides:
    description:
      - Job or policy names, or glob patterns, to an age or V(none) (never stale), for jobs that run less often,
        for example the pattern V(Weekly*) mapped to V(8d). An exact name wins over a pattern; patterns are tried
        in order.
      - For V(vm_restore_points) and V(vm_replica_points) a key is matched on the VM's name first, then on the name of
        its backup or replica (named after its job).
    type: dict
    default: {}
  protection_horizon:
    description:
      - For V(vm_restore_points) and V(vm_replica_points), how far back the VMs expected are found; every VM with a
        point created within this age before now is judged on its newest point. An age, a whole number and a unit,
        such as V(30d).
    type: str
    default: 30d
  allow_empty:
    description:
      - Pass when Enterprise Manager returns no job, no policy and no session at all for the checks.
    type: bool
    default: false
  page_size:
    description:
      - How many items to ask for per query page.
    type: int
    default: 500
  history:
    description:
      - How far back the history of each job and policy reaches (its newest runs, up to 14, and the trend per day in
        the report), an age such as V(7d) or V(14d). Read in the same queries as the window (the queries reach back
        further), never with another logon; see the performance guide for what each depth costs.
      - VMs show the runs of the lookback window.
    type: str
    default: 7d
'''

EXAMPLES = r'''
- name: Judge the last 24 hours, and flag jobs without a success in 26 hours
  veeam.enterprise_manager.session_compliance_info:
    host: em.example.com
    username: 'EXAMPLE\svc-ansible'
    password: "{{ vault_em_password }}"
    lookback: 24h
    max_age: 26h
    max_age_overrides:
      "Weekly *": 8d
      Archive Replication: none
  register: compliance

- name: Fail with the readable lines when there are violations
  ansible.builtin.fail:
    msg: "{{ compliance.report.lines }}"
  when: not compliance.report.passed

- name: Strict audit of the last week, every failed or warning session counts
  veeam.enterprise_manager.session_compliance_info:
    lookback: 7d
    judge: every
    fail_on: [Failed, Warning]
    checks: [replica_sessions]

- name: Can every VM be restored to a point no older than its RPO (26 hours unless said otherwise)?
  veeam.enterprise_manager.session_compliance_info:
    checks: [vm_restore_points, vm_replica_points]
    protection_horizon: 30d
    max_age_overrides:
      "Weekly *": 8d
'''

RETURN = r'''
report:
  description: The compliance report.
  returned: success
  type: dict
  contains:
    passed:
      description: Whether there is no violation.
      type: bool
      sample: false
    em:
      description: The Enterprise Manager host.
      type: str
      sample: em.example.com
    generated_at:
      description: When the report was made, UTC ISO 8601.
      type: str
      sample: '2026-11-20T12:00:00Z'
    window:
      description: The lookback window, C(from) and C(to), UTC ISO 8601.
      type: dict
      sample: {from: '2026-11-19T12:00:00Z', to: '2026-11-20T12:00:00Z'}
    judge:
      description: How sessions were judged, O(judge).
      type: str
      sample: latest
    fail_on:
      description: The results that count as failures, O(fail_on).
      type: list
      elements: str
      sample: [Failed]
    max_age:
      description: O(max_age) as an age, or V(null).
      type: str
      sample: 26h
    checks_run:
      description: The checks that ran and found something of their kind on this Enterprise Manager.
      type: list
      elements: str
      sample: [backup_sessions, backup_task_sessions, replica_sessions]
    checks_not_in_use:
      description: The checks asked for that found no job or policy of their kind and no session; no violation.
      type: list
      elements: str
      sample: [cdp_replica_sessions, cdp_replica_task_sessions]
    totals:
      description: Per check, the sessions created in the window, C(total) and a count per result.
      type: dict
      sample: {replica_sessions: {total: 12, Success: 10, Warning: 1, Failed: 1, 'None': 0}}
    excluded:
      description: Per check, how many sessions O(exclude) left out.
      type: dict
      sample: {replica_sessions: 0}
    violations:
      description:
        - The violations, newest first. A failed session has the kind of its check's sessions
          (C(backup_session), C(backup_task_session), C(replica_session), C(replica_task_session),
          C(cdp_replica_session), C(cdp_replica_task_session), C(vm_restore_point), C(vm_replica_point)); a stale
          job or policy has kind C(backup_job), C(replica_job) or C(cdp_policy),
          result C(Stale), state V(null) and the creation time of its last successful session (or V(null)); a VM
          whose newest point is older than its RPO has kind C(restore_point_vm) or C(replica_point_vm), result
          C(Stale), the UUID and creation time of its newest point and the reason in words.
      type: list
      elements: dict
      contains:
        kind:
          description: What the violation is about.
          type: str
          sample: replica_session
        id:
          description: UUID of the session, or of the job or policy for a stale one.
          type: str
          sample: 0bcf5a1e-866c-4b40-8bc3-ce64753b9a6b
        name:
          description: Name of the session (or of the stale job or policy).
          type: str
          sample: Fileserver02 Replication@2026-11-20 02:00:00
        parent:
          description: Name of the job or policy (for a VM's task session, of its job or policy).
          type: str
          sample: Fileserver02 Replication
        result:
          description: Result of the session, or C(Stale).
          type: str
          sample: Failed
        state:
          description: State of the session; V(null) for a stale job or policy.
          type: str
          sample: Stopped
        creation_time_utc:
          description: When the session started, UTC ISO 8601.
          type: str
          sample: '2026-11-20T02:00:00.000000Z'
        message:
          description:
            - "Why. The session's own failure message, else its VMs' reasons, failed VMs first, each labelled with
              its result, as in C(Failed sql02: Disk full; Warning web01: Low free space)."
          type: str
          sample: 'Failed sql02: Error: Insufficient free space on datastore ds-replica-02'
    recovered:
      description: Sessions with a result in O(fail_on) that a newer finished session recovered; same keys as
        RV(report.violations).
      type: list
      elements: dict
    subjects:
      description: Each job, policy and VM judged, with its verdict.
      type: list
      elements: dict
      contains:
        check:
          description: The check that judged it.
          type: str
          sample: replica_sessions
        kind:
          description: V(backup_job), V(backup_job_vm), V(replica_job), V(replica_job_vm), V(cdp_policy),
            V(cdp_policy_vm), V(restore_point_vm) or V(replica_point_vm).
          type: str
          sample: replica_job
        id:
          description: UUID of the job or policy; V(null) for a VM.
          type: str
          sample: 2c49a44e-1e59-4527-a6bc-6b2f9b579ee1
        name:
          description: Name of the job or policy, or the VM's display name.
          type: str
          sample: Fileserver02 Replication
        parent:
          description: For a VM, the name of its job (backup or replication) or CDP policy; else V(null).
          type: str
          sample: null
        backup_server_name:
          description: Name of the backup server.
          type: str
          sample: vbr01.example.com
        verdict:
          description: V(ok), V(failed), V(recovered), V(stale), V(no_sessions) or V(disabled).
          type: str
          sample: recovered
        latest:
          description: The newest finished session in the window (C(id), C(name), C(result), C(state),
            C(creation_time_utc), C(end_time_utc)), or V(null).
          type: dict
        last_success_end_time_utc:
          description: When its newest finished session with a result outside O(fail_on) ended, in the period read.
          type: str
          sample: '2026-11-20T02:14:09.000000Z'
        counts:
          description: Its sessions created in the window, per result.
          type: dict
          sample: {Success: 3, Warning: 0, Failed: 1, 'None': 0}
        history:
          description:
            - Its newest runs in the history period (O(history); for a VM, the window), up to 14, oldest first, each
              with C(result), C(finished), C(creation_time_utc) and C(end_time_utc).
          type: list
          elements: dict
        success_rate:
          description: The share of the finished runs of RV(report.subjects[].history) that succeeded, or V(null).
          type: float
          sample: 0.75
        newest_point:
          description: For the checks judged from points, the VM's newest point (C(id), C(name), C(creation_time_utc),
            C(point_type)); absent for the other checks.
          type: dict
          returned: for V(vm_restore_points) and V(vm_replica_points)
        newest_point_age_seconds:
          description: How old the newest point was when the report was made, in seconds.
          type: int
          returned: for V(vm_restore_points) and V(vm_replica_points)
          sample: 93600
        rpo_seconds:
          description: The VM's RPO in seconds (O(max_age), its override, or 26 hours); V(null) for an override of
            V(none).
          type: int
          returned: for V(vm_restore_points) and V(vm_replica_points)
          sample: 93600
        points:
          description: How many points of the VM were read in the protection horizon.
          type: int
          returned: for V(vm_restore_points) and V(vm_replica_points)
          sample: 30
        hierarchy_obj_ref:
          description: The VM's hierarchy reference, when Enterprise Manager gives one.
          type: str
          returned: for V(vm_restore_points) and V(vm_replica_points)
          sample: urn:VMware:Vm:de28dc43-b8ee-4e17-8e63-3d38b6604033.vm-62228
    verdicts:
      description: How many subjects got each verdict.
      type: dict
      sample: {ok: 10, failed: 1, recovered: 3, stale: 1, no_sessions: 0, disabled: 1}
    history:
      description: The history period, as an age.
      type: str
      sample: 1w
    history_from:
      description: The start of the history period, UTC ISO 8601.
      type: str
    trend:
      description:
        - C(days), the UTC dates of the history period, and C(checks), per check the finished sessions per day and
          result (C(Success), C(Warning), C(Failed), each a list of counts, one per day).
      type: dict
    lines:
      description:
        - The violations as people read them, the count of incidents first, then per check its title and a line per
          incident; a VM that failed in a failed run of its job or policy is on a line under it (one incident). Empty
          when there are none.
      type: list
      elements: str
'''

from ansible_collections.veeam.enterprise_manager.plugins.module_utils._info_module import run_compliance_module


def main():
    run_compliance_module()


if __name__ == '__main__':
    main()
