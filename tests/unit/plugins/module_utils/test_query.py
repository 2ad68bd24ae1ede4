# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filter building, timestamps and UIDs (plugins/module_utils/_query.py).

A small reference parser of the EM filter grammar (below) decodes what build_filter writes, to
show that a value holding quotes, ``;``, ``,``, parentheses, backslashes or non-ASCII text comes
back exactly as given.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import random
import re

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils._query import (
    Condition, build_filter, format_time, format_value, normalise_time, parse_time, parse_time_option, parse_uid,
    uuid_from_uid)

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 21, 6, 0, 0, tzinfo=UTC)
UUID = '6b872a71-51e8-437a-8d45-5c6494b92f3f'


# --------------------------------------------------------------------------- a reference filter parser

_FIELD = re.compile(r'[A-Za-z][A-Za-z0-9]*')
_OPERATOR = re.compile(r'==|!=|<=|>=|<|>')


class FilterSyntaxError(ValueError):
    """The text is not in the grammar."""


def parse_filter(text):
    """Parse ``Field op "value"`` terms joined by ``;`` (AND) and ``,`` (OR), grouped with parentheses.

    Returns nested tuples: ``('and', [...])``, ``('or', [...])`` or ``('cmp', field, op, value)``.
    A quoted value ends at a lone ``"``; ``""`` inside it stands for one ``"``.
    """
    node, pos = _parse_and(text, 0)
    if pos != len(text):
        raise FilterSyntaxError('unexpected %r at %d' % (text[pos:], pos))
    return node


def _parse_and(text, pos):
    parts = []
    while True:
        node, pos = _parse_or(text, pos)
        parts.append(node)
        if pos < len(text) and text[pos] == ';':
            pos += 1
            continue
        return (parts[0] if len(parts) == 1 else ('and', parts)), pos


def _parse_or(text, pos):
    parts = []
    while True:
        node, pos = _parse_primary(text, pos)
        parts.append(node)
        if pos < len(text) and text[pos] == ',':
            pos += 1
            continue
        return (parts[0] if len(parts) == 1 else ('or', parts)), pos


def _parse_primary(text, pos):
    if text.startswith('(', pos):
        node, pos = _parse_and(text, pos + 1)
        if not text.startswith(')', pos):
            raise FilterSyntaxError('missing ) at %d' % pos)
        return node, pos + 1
    field = _FIELD.match(text, pos)
    if not field:
        raise FilterSyntaxError('expected a field at %d' % pos)
    operator = _OPERATOR.match(text, field.end())
    if not operator:
        raise FilterSyntaxError('expected an operator at %d' % field.end())
    value, pos = _parse_value(text, operator.end())
    return ('cmp', field.group(0), operator.group(0), value), pos


def _parse_value(text, pos):
    if not text.startswith('"', pos):
        end = pos
        while end < len(text) and text[end] not in ';,()':
            end += 1
        return text[pos:end], end
    chars = []
    pos += 1
    while True:
        if pos >= len(text):
            raise FilterSyntaxError('unterminated string')
        if text[pos] == '"':
            if text.startswith('""', pos):
                chars.append('"')
                pos += 2
                continue
            return ''.join(chars), pos + 1
        chars.append(text[pos])
        pos += 1


def test_reference_parser_reads_the_em_examples():
    assert parse_filter('Result==Failed;VmDisplayName==dbserver01') == (
        'and', [('cmp', 'Result', '==', 'Failed'), ('cmp', 'VmDisplayName', '==', 'dbserver01')])
    assert parse_filter('(State=="A",State=="B");Name=="x"') == (
        'and', [('or', [('cmp', 'State', '==', 'A'), ('cmp', 'State', '==', 'B')]), ('cmp', 'Name', '==', 'x')])
    assert parse_filter('Name=="a""b"') == ('cmp', 'Name', '==', 'a"b')
    for bad in ('Name=="a"b"', 'Name=="open', '(Name=="x"', 'Name~"x"', '=="x"'):
        with pytest.raises(FilterSyntaxError):
            parse_filter(bad)


# --------------------------------------------------------------------------- Condition and format_value

AWKWARD = [
    ('a"b', '"a""b"'),
    ('"', '""""'),
    ('""', '""""""'),
    ('', '""'),
    ('x;y', '"x;y"'),
    ('a,b', '"a,b"'),
    ('A & B', '"A & B"'),
    ('(paren)', '"(paren)"'),
    ('x")', '"x"")"'),
    ('two  spaces ', '"two  spaces "'),
    ('DOMAIN\\user', '"DOMAIN\\user"'),
    ('C:\\Backup\\', '"C:\\Backup\\"'),
    ('Z\u00fcrich', '"Z\u00fcrich"'),
    ('\u65e5\u672c "q"; \u00e9', '"\u65e5\u672c ""q""; \u00e9"'),
    ('a==b', '"a==b"'),
    ('%22&page=2', '"%22&page=2"'),
]


@pytest.mark.parametrize('value, quoted', AWKWARD)
def test_format_value_quotes_and_doubles(value, quoted):
    assert format_value(value) == quoted
    assert Condition('Name', '==', value).to_filter() == 'Name==' + quoted


@pytest.mark.parametrize('value, quoted', AWKWARD)
def test_quoted_values_decode_back(value, quoted):
    text = build_filter([Condition('Name', '==', value), Condition('State', '!=', [value, 'Stopped'])], raw_filter='Result==Failed')
    assert text == 'Name==%s;(State!=%s,State!="Stopped");(Result==Failed)' % (quoted, quoted)
    assert parse_filter(text) == ('and', [
        ('cmp', 'Name', '==', value),
        ('or', [('cmp', 'State', '!=', value), ('cmp', 'State', '!=', 'Stopped')]),
        ('cmp', 'Result', '==', 'Failed'),
    ])


def test_random_values_round_trip():
    rng = random.Random(20261121)
    alphabet = '"";,()\\ &=<>!ab\u00fc\u00e9%'
    for dummy in range(300):
        value = ''.join(rng.choice(alphabet) for dummy in range(rng.randint(0, 12)))
        text = build_filter([Condition('Name', '==', value)])
        assert parse_filter(text) == ('cmp', 'Name', '==', value), text


def test_list_values_are_or_ed_in_parentheses():
    assert Condition('State', '==', ['A', 'B']).to_filter() == '(State=="A",State=="B")'
    assert Condition('State', '==', ('Working', 'Stopped', 'Failed')).to_filter() == (
        '(State=="Working",State=="Stopped",State=="Failed")')
    # A list of one is a plain comparison.
    assert Condition('State', '==', ['A']).to_filter() == 'State=="A"'
    assert Condition('State', '==', ['A']).values() == ['A']
    assert Condition('State', '==', 'A').values() == ['A']


@pytest.mark.parametrize('value, text', [
    (datetime.datetime(2026, 11, 21, 6, 0, 0, tzinfo=UTC), '"2026-11-21T06:00:00Z"'),
    (datetime.datetime(2026, 11, 21, 6, 0, 0, 123456, tzinfo=UTC), '"2026-11-21T06:00:00.123456Z"'),
    (datetime.datetime(2026, 11, 21, 6, 0, 0, 500000, tzinfo=UTC), '"2026-11-21T06:00:00.500000Z"'),
    (datetime.datetime(2026, 11, 21, 8, 30, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2, minutes=30))),
     '"2026-11-21T06:00:00Z"'),
    (datetime.datetime(2026, 1, 1, 1, 2, 3, 4000, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
     '"2025-12-31T23:02:03.004000Z"'),
    (datetime.datetime(2026, 11, 21, 6, 0, 0), '"2026-11-21T06:00:00Z"'),  # naive: taken as UTC
    (True, '"true"'),
    (False, '"false"'),
    (0, '"0"'),
    (17179869184, '"17179869184"'),
])
def test_format_value_of_times_bools_and_numbers(value, text):
    assert format_value(value) == text


def test_format_time_is_utc_with_z():
    assert format_time(datetime.datetime(2026, 11, 21, 1, 0, tzinfo=datetime.timezone(-datetime.timedelta(hours=5)))) == (
        '2026-11-21T06:00:00Z')


def test_conditions_with_datetimes_and_bools():
    conditions = [
        Condition('CreationTimeUTC', '>=', datetime.datetime(2026, 11, 20, 6, 0, tzinfo=UTC)),
        Condition('CreationTimeUTC', '<', datetime.datetime(2026, 11, 21, 6, 0, 0, 250000, tzinfo=UTC)),
        Condition('IsRetry', '==', True),
    ]
    assert build_filter(conditions) == (
        'CreationTimeUTC>="2026-11-20T06:00:00Z";CreationTimeUTC<"2026-11-21T06:00:00.250000Z";IsRetry=="true"')


@pytest.mark.parametrize('op', ['==', '!=', '<', '>', '<=', '>='])
def test_every_operator(op):
    assert Condition('TotalSize', op, 5).to_filter() == 'TotalSize%s"5"' % op


@pytest.mark.parametrize('op', ['=', '<>', '=>', 'eq', '', None, '==='])
def test_unknown_operator(op):
    with pytest.raises(ValueError, match='unknown filter operator'):
        Condition('Name', op, 'x')


def test_condition_repr():
    assert repr(Condition('Name', '==', 'x')) == "Condition('Name', '==', 'x')"


def test_empty_list_of_values_is_refused():
    with pytest.raises(ValueError):
        Condition('State', '==', []).to_filter()


# --------------------------------------------------------------------------- build_filter

def test_build_filter_ands_conditions_and_the_raw_filter():
    conditions = [Condition('Name', '==', 'x;y'), Condition('State', '==', ['Working', 'Stopped'])]
    assert build_filter(conditions) == 'Name=="x;y";(State=="Working",State=="Stopped")'
    assert build_filter(conditions, raw_filter='Result==Failed,Result==Warning') == (
        'Name=="x;y";(State=="Working",State=="Stopped");(Result==Failed,Result==Warning)')
    assert build_filter(conditions, raw_filter='  Result==Failed \n') == (
        'Name=="x;y";(State=="Working",State=="Stopped");(Result==Failed)')


@pytest.mark.parametrize('conditions, raw, expected', [
    ([], None, None),
    ([], '', None),
    ([], '   ', None),
    ((), None, None),
    ([], 'Name==x', '(Name==x)'),
    ([Condition('Name', '==', 'x')], '  ', 'Name=="x"'),
    ([Condition('Name', '==', 'x')], None, 'Name=="x"'),
])
def test_build_filter_empty_and_single(conditions, raw, expected):
    assert build_filter(conditions, raw) == expected


# --------------------------------------------------------------------------- timestamps

@pytest.mark.parametrize('text, expected', [
    ('2026-06-16T06:33:10Z', datetime.datetime(2026, 6, 16, 6, 33, 10, 0, tzinfo=UTC)),
    ('2026-06-16T06:33:10.7Z', datetime.datetime(2026, 6, 16, 6, 33, 10, 700000, tzinfo=UTC)),
    ('2026-06-16T06:33:10.06Z', datetime.datetime(2026, 6, 16, 6, 33, 10, 60000, tzinfo=UTC)),
    ('2026-06-16T06:33:10.993Z', datetime.datetime(2026, 6, 16, 6, 33, 10, 993000, tzinfo=UTC)),
    ('2026-06-16T06:33:10.3991Z', datetime.datetime(2026, 6, 16, 6, 33, 10, 399100, tzinfo=UTC)),
    ('2026-06-16T06:33:10.39912Z', datetime.datetime(2026, 6, 16, 6, 33, 10, 399120, tzinfo=UTC)),
    ('2026-06-16T06:33:10.659559Z', datetime.datetime(2026, 6, 16, 6, 33, 10, 659559, tzinfo=UTC)),
    # Seven digits (.NET ticks): the seventh is dropped, not rounded.
    ('2026-06-16T06:33:10.6595599Z', datetime.datetime(2026, 6, 16, 6, 33, 10, 659559, tzinfo=UTC)),
    ('2026-06-16T06:33:10.0000001Z', datetime.datetime(2026, 6, 16, 6, 33, 10, 0, tzinfo=UTC)),
    ('2026-06-16T06:33:10z', datetime.datetime(2026, 6, 16, 6, 33, 10, tzinfo=UTC)),
    ('2026-06-16T06:33:10', datetime.datetime(2026, 6, 16, 6, 33, 10, tzinfo=UTC)),  # no zone: UTC
    ('2026-06-16 06:33:10', datetime.datetime(2026, 6, 16, 6, 33, 10, tzinfo=UTC)),
    ('2026-06-16T06:33', datetime.datetime(2026, 6, 16, 6, 33, tzinfo=UTC)),
    ('2026-06-16T08:33:10+02:00', datetime.datetime(2026, 6, 16, 6, 33, 10, tzinfo=UTC)),
    ('2026-06-16T08:33:10+0200', datetime.datetime(2026, 6, 16, 6, 33, 10, tzinfo=UTC)),
    ('2026-06-16T01:03:10.5-05:30', datetime.datetime(2026, 6, 16, 6, 33, 10, 500000, tzinfo=UTC)),
    ('2026-06-16T00:30:00+01:00', datetime.datetime(2026, 6, 15, 23, 30, tzinfo=UTC)),  # crosses midnight
    ('2026-06-16T06:33:10 Z', datetime.datetime(2026, 6, 16, 6, 33, 10, tzinfo=UTC)),
    ('  2026-06-16T06:33:10Z\n', datetime.datetime(2026, 6, 16, 6, 33, 10, tzinfo=UTC)),
])
def test_parse_time(text, expected):
    parsed = parse_time(text)
    assert parsed == expected
    assert parsed.tzinfo == UTC


@pytest.mark.parametrize('text, expected', [
    ('2021-02-11T19:08:36.123Z', '2021-02-11T19:08:36.123000Z'),
    ('2014-10-19T06:46:31Z', '2014-10-19T06:46:31.000000Z'),
    ('2026-06-16T06:33:10.659559Z', '2026-06-16T06:33:10.659559Z'),
    ('2026-06-16T06:33:10.6595591Z', '2026-06-16T06:33:10.659559Z'),
    ('2026-06-16T08:33:10.1+02:00', '2026-06-16T06:33:10.100000Z'),
    ('2026-06-16T06:33:10', '2026-06-16T06:33:10.000000Z'),
    (None, None),
    ('', None),
    ('   ', None),
])
def test_normalise_time(text, expected):
    assert normalise_time(text) == expected


def test_normalised_times_sort_as_times():
    texts = ['2026-06-16T06:33:10.7Z', '2026-06-16T06:33:10.06Z', '2026-06-16T08:33:09+02:00', '2026-06-16T06:33:10Z',
             '2026-06-16T06:33:10.659559Z', '2026-06-15T23:59:59.9999999Z']
    assert sorted(normalise_time(text) for text in texts) == [normalise_time(text) for text in sorted(texts, key=parse_time)]


@pytest.mark.parametrize('text', [
    'yesterday',
    '2026-06-16',               # a date alone is not an EM timestamp
    '16/06/2026 06:33',
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-06-16T24:00:00Z',
    '2026-06-16T06:60:00Z',
    '2026-06-16T06:33:60Z',
    '2026-06-16T06:33:10.Z',
    '2026-06-16T06:33:10.1234567890Z',
    '2026-06-16T06:33:10+25:00',
    '2026-06-16T06:33:10+2:00',
    '2026-06-16T06:33:10 UTC',
    '20260616T063310Z',
    12,
])
def test_parse_time_rejects(text):
    with pytest.raises(ValueError):
        parse_time(text)


@pytest.mark.parametrize('value, expected', [
    ('30m', NOW - datetime.timedelta(minutes=30)),
    ('24h', datetime.datetime(2026, 11, 20, 6, 0, tzinfo=UTC)),
    ('7d', datetime.datetime(2026, 11, 14, 6, 0, tzinfo=UTC)),
    ('2w', datetime.datetime(2026, 11, 7, 6, 0, tzinfo=UTC)),
    ('45s', datetime.datetime(2026, 11, 21, 5, 59, 15, tzinfo=UTC)),
    (' 7 d ', datetime.datetime(2026, 11, 14, 6, 0, tzinfo=UTC)),
    ('2026-11-21', datetime.datetime(2026, 11, 21, 0, 0, tzinfo=UTC)),
    ('2024-02-29', datetime.datetime(2024, 2, 29, 0, 0, tzinfo=UTC)),
    ('2026-11-21T06:00:00Z', NOW),
    ('2026-11-21T07:00:00+01:00', NOW),
    ('2026-11-21T06:00:00.5', NOW + datetime.timedelta(milliseconds=500)),
    (datetime.datetime(2026, 11, 21, 6, 0), NOW),
    (datetime.datetime(2026, 11, 21, 7, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1))), NOW),
])
def test_parse_time_option(value, expected):
    parsed = parse_time_option(value, 'created_after', now=NOW)
    assert parsed == expected
    assert parsed.utcoffset() == datetime.timedelta(0)


def test_parse_time_option_uses_the_clock_without_now():
    before = datetime.datetime.now(UTC)
    parsed = parse_time_option('1h', 'created_after')
    after = datetime.datetime.now(UTC)
    assert before - datetime.timedelta(hours=1) <= parsed <= after - datetime.timedelta(hours=1)


@pytest.mark.parametrize('value', [
    'yesterday', '7 days', '-1d', '1.5h', '5y', 'd', '0h', '', '   ', None, '2026-02-30', '2026-11-21T25:00:00Z', '21.11.2026',
])
@pytest.mark.parametrize('option', ['created_after', 'created_before'])
def test_parse_time_option_errors_name_the_option(value, option):
    with pytest.raises(ValueError) as caught:
        parse_time_option(value, option, now=NOW)
    message = str(caught.value)
    assert message.startswith('%s: %r is not a point in time.' % (option, value))
    assert '24h' in message and '2026-11-21' in message


@pytest.mark.parametrize('value', ['100000000d', '9999-12-31T23:59:59-01:00'])
def test_parse_time_option_out_of_range_names_the_option(value):
    with pytest.raises(ValueError, match='^created_after: '):
        parse_time_option(value, 'created_after', now=NOW)


# --------------------------------------------------------------------------- UIDs

@pytest.mark.parametrize('value', [
    UUID,
    UUID.upper(),
    '  %s  ' % UUID,
    'urn:veeam:CdpReplicaSession:%s' % UUID,
    'urn:veeam:CdpReplicaSession:%s' % UUID.upper(),
    ' urn:veeam:CdpReplicaSession:%s\n' % UUID,
])
def test_parse_uid_accepts_uuid_and_uid(value):
    assert parse_uid(value, 'CdpReplicaSession', 'id') == (UUID, 'urn:veeam:CdpReplicaSession:%s' % UUID)


def test_parse_uid_builds_the_uid_of_the_asked_type():
    assert parse_uid(UUID, 'ReplicaJobSession', 'job_session_id') == (UUID, 'urn:veeam:ReplicaJobSession:%s' % UUID)


@pytest.mark.parametrize('other', ['ReplicaJobSession', 'CdpReplicaTaskSession', 'CdpPolicy', 'cdpreplicasession'])
def test_parse_uid_of_another_type_names_the_option_and_both_types(other):
    value = 'urn:veeam:%s:%s' % (other, UUID)
    with pytest.raises(ValueError) as caught:
        parse_uid(value, 'CdpReplicaSession', 'policy_session_id')
    message = str(caught.value)
    assert message == "policy_session_id: %r is the UID of a %s, not of a CdpReplicaSession." % (value, other)


@pytest.mark.parametrize('value', [
    '', 'abc', None, 12, UUID[:-1], UUID + '0', '{%s}' % UUID, UUID.replace('-', ''),
    'urn:veeam:CdpReplicaSession:', 'urn:veeam:CdpReplicaSession:not-a-uuid', 'urn:veeam::%s' % UUID,
    'URN:VEEAM:CdpReplicaSession:%s' % UUID, 'urn:veeam:Cdp Replica:%s' % UUID, 'urn:VMware:Vm:%s.vm-62228' % UUID,
    'https://localhost:9398/api/cdpReplicaSessions/%s' % UUID,
])
def test_parse_uid_garbage(value):
    with pytest.raises(ValueError) as caught:
        parse_uid(value, 'CdpReplicaSession', 'id')
    message = str(caught.value)
    assert message.startswith('id: ')
    assert 'is neither a UUID nor a UID of the form urn:veeam:CdpReplicaSession:<uuid>.' in message


@pytest.mark.parametrize('uid, expected', [
    ('urn:veeam:CdpReplicaSession:%s' % UUID, UUID),
    ('urn:veeam:ReplicaJobSession:%s' % UUID.upper(), UUID),
    ('  urn:veeam:Job:%s ' % UUID, UUID),
    (None, None),
    ('', None),
])
def test_uuid_from_uid(uid, expected):
    assert uuid_from_uid(uid) == expected
