# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Building query-service filters, and reading the values users give for them.

Private to this collection: not a public API; names and signatures may change in any release.

The EM filter grammar: ``Field<op>Value`` comparisons with ``== != < > <= >=``, ``;`` for AND,
``,`` for OR, parentheses to group. Values are double-quoted here, always, with an inner ``"``
doubled, so that names holding ``;``, ``,``, ``&``, quotes, spaces or non-ASCII characters select
exactly the item they name. URL encoding happens once, in the client.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re

OPERATORS = ('==', '!=', '<', '>', '<=', '>=')

UTC = datetime.timezone.utc

_UUID = r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
_UUID_RE = re.compile(r'^%s$' % _UUID)
_UID_RE = re.compile(r'^urn:veeam:([A-Za-z]+):(%s)$' % _UUID)
# An age: a positive whole number and a unit (seconds, minutes, hours, days, weeks). The one grammar of ages.
_AGE_RE = re.compile(r'^\s*(\d+)\s*([smhdw])\s*$')
_DATE_RE = re.compile(r'^\d{4}-\d{2}-\d{2}$')
# 0 to 7 fractional digits (EM sends .NET ticks), then Z, an offset, or nothing (taken as UTC).
_DATETIME_RE = re.compile(
    r'^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$')
_AGE_UNITS = {'s': 'seconds', 'm': 'minutes', 'h': 'hours', 'd': 'days', 'w': 'weeks'}
AGE_HELP = 'Use a whole number and a unit, such as 90m, 26h, 8d or 2w (units s, m, h, d, w).'


class Condition:
    """One comparison: ``field op value``. A list or tuple value means any of them (OR)."""

    __slots__ = ('field', 'op', 'value')

    def __init__(self, field, op, value):
        if op not in OPERATORS:
            raise ValueError('unknown filter operator %r' % (op,))
        if isinstance(value, (list, tuple)) and not value:
            raise ValueError('%s: an empty list of values matches nothing' % field)
        self.field = field
        self.op = op
        self.value = value

    def __repr__(self):
        return 'Condition(%r, %r, %r)' % (self.field, self.op, self.value)

    def values(self):
        return list(self.value) if isinstance(self.value, (list, tuple)) else [self.value]

    def to_filter(self):
        parts = ['%s%s%s' % (self.field, self.op, format_value(value)) for value in self.values()]
        return parts[0] if len(parts) == 1 else '(%s)' % ','.join(parts)


def format_value(value):
    """A filter value, double-quoted with inner quotes doubled."""
    if isinstance(value, bool):
        text = 'true' if value else 'false'
    elif isinstance(value, datetime.datetime):
        text = format_time(value)
    else:
        text = u'%s' % (value,)
    return u'"%s"' % text.replace('"', '""')


def build_filter(conditions, raw_filter=None):
    """AND the conditions (and an optional raw EM expression) into one filter string, or None."""
    parts = [condition.to_filter() for condition in conditions]
    if raw_filter and raw_filter.strip():
        parts.append('(%s)' % raw_filter.strip())
    return ';'.join(parts) if parts else None


def format_time(value):
    """UTC ISO 8601 with a Z: whole seconds when there is no fraction, else microseconds."""
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if value.microsecond:
        return value.strftime('%Y-%m-%dT%H:%M:%S.%fZ')
    return value.strftime('%Y-%m-%dT%H:%M:%SZ')


def parse_time(text):
    """Parse an EM timestamp (0 to 7 fractional digits; Z, an offset, or none meaning UTC).

    Returns an aware UTC datetime, or None for an empty value. Raises ValueError otherwise.
    """
    if text is None:
        return None
    text = u'%s' % (text,)
    text = text.strip()
    if not text:
        return None
    match = _DATETIME_RE.match(text)
    if not match:
        raise ValueError('%r is not an ISO 8601 date-time' % (text,))
    day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or '0')[:6].ljust(6, '0'))
    try:
        parsed = datetime.datetime.strptime(day, '%Y-%m-%d').replace(
            hour=int(hour), minute=int(minute), second=int(second or 0), microsecond=micro)
        if zone and zone not in ('Z', 'z'):
            sign = 1 if zone[0] == '+' else -1
            digits = zone[1:].replace(':', '')
            offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            parsed = parsed.replace(tzinfo=datetime.timezone(sign * offset))
        else:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError('%r is outside the range of dates' % (text,))


def normalise_time(text):
    """An EM timestamp as the string modules return: UTC, microseconds, ending in Z (sortable)."""
    parsed = parse_time(text)
    return None if parsed is None else parsed.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def parse_age(value, option):
    """An age such as ``26h`` or ``7d`` as a timedelta: ``<integer><s|m|h|d|w>``, positive.

    Every entry point reads ages with this (module options, role variables, filter arguments, the event
    source). Raises ValueError naming the option.
    """
    match = _AGE_RE.match(u'%s' % (value,)) if value is not None and not isinstance(value, bool) else None
    if not match:
        raise ValueError('%s: %r is not an age. %s' % (option, value, AGE_HELP))
    amount = int(match.group(1))
    if amount <= 0:
        raise ValueError('%s: %r is not a positive age. %s' % (option, value, AGE_HELP))
    try:
        return datetime.timedelta(**{_AGE_UNITS[match.group(2)]: amount})
    except OverflowError:
        raise ValueError('%s: %r is too long an age.' % (option, value))


def is_age(value):
    """Whether a value is written as an age (whatever its amount)."""
    return isinstance(value, str) and bool(_AGE_RE.match(value))


def parse_time_option(value, option, now=None):
    """Read a user's point in time: an age before now (``24h``, ``7d``, as ``parse_age``), an ISO 8601
    date-time (``2026-11-21T06:00:00Z``, with an offset, or without one meaning UTC) or date (``2026-11-21``).

    Raises ValueError with a message that names the option.
    """
    if isinstance(value, datetime.datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    text = (u'%s' % (value,)).strip()
    now = now or datetime.datetime.now(UTC)
    if is_age(text):
        try:
            return now - parse_age(text, option)
        except (ValueError, OverflowError):
            raise ValueError('%s: %r is not a point in time. An age before now is a positive whole number and a '
                             'unit, such as 30m, 24h, 7d or 2w; or use a date-time (2026-11-21T06:00:00Z) or a date '
                             '(2026-11-21).' % (option, value))
    try:
        if _DATE_RE.match(text):
            return datetime.datetime.strptime(text, '%Y-%m-%d').replace(tzinfo=UTC)
        parsed = parse_time(text)
        if parsed is not None:
            return parsed
    except (ValueError, OverflowError):
        pass
    raise ValueError(
        '%s: %r is not a point in time. Use an ISO 8601 date-time (2026-11-21T06:00:00Z or with an offset), '
        'a date (2026-11-21), or an age before now such as 30m, 24h, 7d or 2w.' % (option, value))


def any_of(conditions):
    """Conditions on different fields joined with OR, as a raw filter expression (the client ANDs it in)."""
    return ','.join(condition.to_filter() for condition in conditions)


def parse_uid(value, uid_type, option):
    """Accept a UUID or a full UID ``urn:veeam:<Type>:<uuid>``; return ``(uuid, uid)``.

    Raises ValueError naming the option for anything else, including a UID of another type.
    """
    text = (u'%s' % (value,)).strip()
    if _UUID_RE.match(text):
        uuid = text.lower()
        return uuid, 'urn:veeam:%s:%s' % (uid_type, uuid)
    match = _UID_RE.match(text)
    if match:
        if match.group(1) != uid_type:
            raise ValueError('%s: %r is the UID of a %s, not of a %s.' % (option, text, match.group(1), uid_type))
        uuid = match.group(2).lower()
        return uuid, 'urn:veeam:%s:%s' % (uid_type, uuid)
    raise ValueError('%s: %r is neither a UUID nor a UID of the form urn:veeam:%s:<uuid>.' % (option, text, uid_type))


def uuid_from_uid(uid):
    """The UUID part of ``urn:veeam:<Type>:<uuid>``; None when there is no UID."""
    if not uid:
        return None
    if not isinstance(uid, str):
        raise ValueError('a UID must be text, got %s' % type(uid).__name__)
    match = _UID_RE.match(uid.strip())
    if match:
        return match.group(2).lower()
    return uid.strip().rsplit(':', 1)[-1].lower() or None
