# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Compliance reports as files: JUnit XML, HTML, Prometheus text format, JSON; and fleet roll-ups of several EMs.

The rendering lives in ``plugins/module_utils/_reports.py`` (no ansible import); these filters only turn its
errors into filter errors.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _reports as reports
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._untrusted import inert, printable


def _call(name, function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except reports.ReportError as error:
        raise AnsibleFilterError('%s: %s' % (name, error))


def compliance_json(data):
    """The report or fleet as indented JSON text."""
    return _call('compliance_json', reports.to_json, data)


def compliance_junit(data, name=None):
    """The report or fleet as JUnit XML text."""
    return _call('compliance_junit', reports.junit_xml, data, name)


def compliance_html(data, name=None):
    """The report or fleet as one self-contained HTML page."""
    return _call('compliance_html', reports.html_page, data, name)


def compliance_prometheus(data, name=None):
    """The report or fleet in Prometheus text format."""
    return _call('compliance_prometheus', reports.prometheus_text, data, name)


def compliance_fleet(data, missing=None):
    """Roll up several EMs' reports (a dict of EM name to report, or a list of reports)."""
    if missing is not None and (isinstance(missing, (str, bytes)) or not isinstance(missing, (list, tuple))):
        raise AnsibleFilterError('compliance_fleet: missing must be a list of names')
    return _call('compliance_fleet', reports.fleet, data, missing=missing)


def compliance_summary(data, name=None):
    """What the session_compliance role publishes per EM with set_stats, made inert for templates, its violation
    lines stripped of control characters and bidi controls.

    AWX hands a workflow node's stats to the next node as extra vars, which ansible-core reads as trusted
    templates: every Jinja delimiter opening in EM's text (``{{``, ``{%``, ``{#``) is broken by a space. With
    ``name``, the summary is returned as ``{name: summary}``, the name made inert too.
    """
    if name is not None and not isinstance(name, str):
        raise AnsibleFilterError('compliance_summary: name must be a string')
    summary = _call('compliance_summary', reports.summary, data)
    # The violation lines are for people (AWX shows the stats, the default callback prints them): printable too.
    summary['violations'] = [printable(line) for line in summary['violations']]
    summary = inert(summary)
    return summary if name is None else {inert(name): summary}


def compliance_message(data, name=None):
    """The report's lines for a failure message in the terminal: without ``name`` as they are, with ``name`` under
    a header naming the EM (a play with several EMs); escape sequences, control characters and bidi controls that
    EM's text may hold are removed."""
    if name is not None and not isinstance(name, str):
        raise AnsibleFilterError('compliance_message: name must be a string')
    _call('compliance_message', reports.check_report, data)
    lines = list(data.get('lines') or []) if name is None else reports.failure_lines(data, name)
    return [printable(line) for line in lines]


class FilterModule(object):
    def filters(self):
        return {
            'compliance_fleet': compliance_fleet,
            'compliance_html': compliance_html,
            'compliance_json': compliance_json,
            'compliance_message': compliance_message,
            'compliance_junit': compliance_junit,
            'compliance_prometheus': compliance_prometheus,
            'compliance_summary': compliance_summary,
        }
