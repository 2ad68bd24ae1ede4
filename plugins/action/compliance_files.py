# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Write a compliance report's files on the controller, safely (plugins/modules/compliance_files.py documents it).

Runs entirely in the controller's process: it renders with ``_reports`` and writes with ``_report_files``, and
never runs a module on the host.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _report_files as files
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _reports as reports

ARGUMENT_SPEC = dict(
    report=dict(type='dict', required=True),
    dir=dict(type='path'),
    show=dict(type='bool', default=False),
    name=dict(type='str'),
    formats=dict(type='list', elements='str', default=['json', 'junit', 'html'],
                 choices=list(reports.FORMATS)),
    mode=dict(type='raw'),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        data = args['report']
        fleet = reports.is_fleet(data)
        if args['dir'] is None and not args['show']:
            raise AnsibleActionFail('dir: required unless show is true (there would be nothing to do)')
        if args['show']:
            result.update(self._show(data, fleet, args['name']))
        if args['dir'] is None:
            return result
        if not fleet and not args['name']:
            raise AnsibleActionFail('name: required for the report of one Enterprise Manager (it names the files)')
        mode = None
        if args['mode'] is not None:
            try:
                mode = files.parse_mode(args['mode'])
            except ValueError as exc:
                raise AnsibleActionFail('mode: %s' % exc)
        stem = files.FLEET_STEM if fleet else files.file_stem(args['name'])
        formats = [fmt for fmt in reports.FORMATS if fmt in args['formats']]
        if fleet:
            # No fleet.prom: node_exporter would read the same series twice, from it and from the per-EM files.
            formats = [fmt for fmt in formats if fmt != 'prometheus']
        try:
            content = dict((stem + reports.SUFFIXES[fmt], reports.render(data, fmt, None if fleet else args['name']))
                           for fmt in formats)
        except reports.ReportError as exc:
            raise AnsibleActionFail('report: %s' % exc)
        if self._task.check_mode:
            # Under --check the role runs this task with check_mode: false; anyone else gets a dry run.
            result.update(changed=True, files=[os.path.join(args['dir'], name) for name in content],
                          directory_created=False, mode='%04o' % (files.default_mode() if mode is None else mode))
            return result
        try:
            created = files.ensure_directory(args['dir'])
            written = files.write_files(args['dir'], content, mode)
        except files.ReportFileError as exc:
            raise AnsibleActionFail(str(exc))
        result.update(changed=bool(written), files=written, directory_created=created,
                      mode='%04o' % (files.default_mode() if mode is None else mode))
        return result

    @staticmethod
    def _show(data, fleet, name):
        """Print the failure block of a report that did not pass, as plain text through Ansible's display: a task
        result would be quoted by the callback (JSON doubles each backslash and escapes what it cannot print)."""
        try:
            if fleet:
                count = sum(len(reports.incidents(report)) for report in data['reports'].values())
            else:
                count = len(reports.incidents(reports.check_report(data)))
            block = u'' if data.get('passed') else reports.terminal_block(data, None if fleet else name)
            summary = reports.failure_summary(data, None if fleet else name)
        except (reports.ReportError, AttributeError, TypeError) as exc:
            raise AnsibleActionFail('report: %s' % exc)
        if block:
            Display().display(block)
        return {'block': block, 'incidents': count, 'summary': summary}
