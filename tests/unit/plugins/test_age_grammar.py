# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One grammar of ages and points in time, whatever the entry point.

Ages are ``<integer><s|m|h|d|w>``; options that mean a point in time (``lookback``, ``created_after``,
``created_before``) also take an ISO 8601 date-time or date. The same value is accepted or refused, with a
message naming the option, by the module, the role's variable check (``compliance_options``), the
``compliance_report`` filter and the session info modules' time filters.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.veeam.enterprise_manager.plugins.filter.compliance_report import (
    compliance_options, compliance_report)
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _compliance as compliance
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._query import parse_age, parse_time_option
from ansible_collections.veeam.enterprise_manager.plugins.modules import (
    replica_session_info, session_compliance_info)
from ansible_collections.veeam.enterprise_manager.tests.unit.module_args import run

NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.timezone.utc)

AGES = [('45s', datetime.timedelta(seconds=45)), ('90m', datetime.timedelta(minutes=90)),
        ('26h', datetime.timedelta(hours=26)), ('8d', datetime.timedelta(days=8)), ('2w', datetime.timedelta(weeks=2))]
NOT_AGES = ['1.5h', '0h', '1 day', '-1d', '26', 'h', '5y', '2026-11-20', 'P1D']
POINTS = [('24h', NOW - datetime.timedelta(hours=24)), ('2026-11-19T06:00:00Z', datetime.datetime(
    2026, 11, 19, 6, 0, tzinfo=datetime.timezone.utc)), ('2026-11-19T07:00:00+01:00', datetime.datetime(
        2026, 11, 19, 6, 0, tzinfo=datetime.timezone.utc)), ('2026-11-19', datetime.datetime(
            2026, 11, 19, tzinfo=datetime.timezone.utc))]
NOT_POINTS = ['yesterday', '1.5h', '0h', '-1d', '21.11.2026', '2026-11-19T25:00:00Z']


# ------------------------------------------------------------------------------------------ entry points
# Each takes (option, value) and returns None when the value is accepted, else the message naming the option.

def _engine(option, value):
    try:
        compliance.Options.from_params({option: value}, now=NOW)
    except ValueError as exc:
        return str(exc)
    return None


def _role_variable_check(option, value):
    problems = compliance_options({option: value}, prefix='session_compliance_')
    return problems[0].replace('session_compliance_', '', 1) if problems else None


def _filter(option, value):
    try:
        compliance_report({'replica_sessions': []}, allow_empty=True, now=NOW.isoformat(), **{option: value})
    except AnsibleFilterError as exc:
        return str(exc)
    return None


ENTRY_POINTS = [_engine, _role_variable_check, _filter]


@pytest.mark.parametrize('entry', ENTRY_POINTS, ids=lambda entry: entry.__name__.strip('_'))
@pytest.mark.parametrize('value, age', AGES)
def test_every_entry_point_takes_the_same_ages(entry, value, age):
    assert parse_age(value, 'max_age') == age
    assert entry('max_age', value) is None
    assert entry('max_age_overrides', {'Weekly*': value}) is None


@pytest.mark.parametrize('entry', ENTRY_POINTS, ids=lambda entry: entry.__name__.strip('_'))
@pytest.mark.parametrize('value', NOT_AGES)
def test_every_entry_point_refuses_the_same_non_ages_naming_the_option(entry, value):
    with pytest.raises(ValueError):
        parse_age(value, 'max_age')
    message = entry('max_age', value)
    assert message and message.startswith('max_age: '), message
    message = entry('max_age_overrides', {'Weekly*': value})
    assert message and message.startswith("max_age_overrides['Weekly*']: "), message


@pytest.mark.parametrize('entry', ENTRY_POINTS, ids=lambda entry: entry.__name__.strip('_'))
@pytest.mark.parametrize('value, when', POINTS)
def test_every_entry_point_takes_the_same_points_in_time(entry, value, when):
    assert parse_time_option(value, 'lookback', now=NOW) == when
    assert entry('lookback', value) is None


@pytest.mark.parametrize('entry', ENTRY_POINTS, ids=lambda entry: entry.__name__.strip('_'))
@pytest.mark.parametrize('value', NOT_POINTS)
def test_every_entry_point_refuses_the_same_non_points_naming_the_option(entry, value):
    message = entry('lookback', value)
    assert message and message.startswith('lookback: %r is not a point in time' % value), message


@pytest.mark.parametrize('entry', ENTRY_POINTS, ids=lambda entry: entry.__name__.strip('_'))
@pytest.mark.parametrize('value', [None, '', 'none', 'None'])
def test_every_entry_point_reads_an_empty_max_age_as_unset(entry, value):
    assert entry('max_age', value) is None


@pytest.mark.parametrize('value', NOT_AGES)
def test_the_module_refuses_the_same_non_ages_before_any_request(value, capsys):
    result = run(session_compliance_info, {'max_age': value}, capsys)
    assert result['failed'] is True and result['msg'].startswith('max_age: '), result['msg']


@pytest.mark.parametrize('value', NOT_POINTS)
@pytest.mark.parametrize('module, option', [(session_compliance_info, 'lookback'),
                                            (replica_session_info, 'created_after'),
                                            (replica_session_info, 'created_before')])
def test_the_modules_refuse_the_same_non_points_before_any_request(module, option, value, capsys):
    result = run(module, {option: value}, capsys)
    assert result['failed'] is True
    assert result['msg'].startswith('%s: %r is not a point in time' % (option, value)), result['msg']
