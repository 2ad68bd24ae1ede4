# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Turning EM response bodies (XML, EM 12 JSON, EM 13 JSON) into one plain shape.

Private to this collection: not a public API; names and signatures may change in any release.

Both wire formats become the same tree: dicts with snake_case keys (``CreationTimeUTC``,
``creationTimeUTC`` and the XML element ``<CreationTimeUTC>`` all become ``creation_time_utc``;
XML attributes become keys like elements), lists where the API has lists. On that tree, the
few things the client needs are read here: the items of a QueryResult, its paging information, a
LogonSession's id, an Error's message, and an item normalised by its resource description.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re
import traceback

try:
    import xmltodict
    HAS_XMLTODICT = True
    XMLTODICT_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the module with missing_required_lib
    HAS_XMLTODICT = False
    XMLTODICT_IMPORT_ERROR = traceback.format_exc()

from . import _resources as res
from ._query import normalise_time, uuid_from_uid

BOM = u'\ufeff'

_SNAKE_1 = re.compile(r'([A-Z]+)([A-Z][a-z])')
_SNAKE_2 = re.compile(r'([a-z0-9])([A-Z])')
_SNAKE_CACHE = {}


class BodyError(ValueError):
    """A body that is not what the API sends; the client wraps it in EMMalformedResponseError."""


def snake(name):
    """``CreationTimeUTC``, ``creationTimeUTC`` -> ``creation_time_utc``; ``UID``, ``uid`` -> ``uid``."""
    cached = _SNAKE_CACHE.get(name)
    if cached is None:
        cached = _SNAKE_2.sub(r'\1_\2', _SNAKE_1.sub(r'\1_\2', name)).replace('-', '_').lower()
        _SNAKE_CACHE[name] = cached
    return cached


def decode_text(content):
    """Bytes or text to text, without a UTF-8 byte order mark."""
    if isinstance(content, bytes):
        try:
            content = content.decode('utf-8-sig')
        except UnicodeDecodeError as exc:
            raise BodyError('the body is not UTF-8 (%s)' % exc)
    return content[1:] if content.startswith(BOM) else content


def parse_body(content, content_type=None):
    """Parse an XML or JSON body into the common tree. The content type decides; else the first character.

    Returns ``(root_name, tree)``: the XML root element's name (None for JSON) and the tree.
    """
    text = decode_text(content).strip()
    if not text:
        raise BodyError('the body is empty')
    content_type = (content_type or '').lower()
    is_json = 'json' in content_type or ('xml' not in content_type and text[0] in '{[')
    if is_json:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise BodyError('the body is not valid JSON (%s)' % exc)
        return None, _from_json(data)
    if not HAS_XMLTODICT:  # pragma: no cover - modules check this before any request
        raise BodyError('xmltodict is needed to read XML')
    try:
        data = xmltodict.parse(text, disable_entities=True)
    except Exception as exc:  # expat raises its own ExpatError, and xmltodict may raise ValueError
        raise BodyError('the body is not well-formed XML (%s)' % exc)
    if not isinstance(data, dict) or len(data) != 1:
        raise BodyError('the XML body has no single root element')
    root_name, root = next(iter(data.items()))
    return root_name.split(':')[-1], _from_xml(root)


def _from_json(value):
    if isinstance(value, dict):
        return dict((snake(key), _from_json(child)) for key, child in value.items())
    if isinstance(value, list):
        return [_from_json(child) for child in value]
    return value


def _from_xml(value):
    if isinstance(value, list):
        return [_from_xml(child) for child in value]
    if not isinstance(value, dict):
        return value
    tree = {}
    for key, child in value.items():
        if key.startswith('@xmlns'):
            continue
        if key == '#text':
            tree['text'] = child
            continue
        name = key[1:] if key.startswith('@') else key.split(':')[-1]
        tree[snake(name)] = _from_xml(child)
    # <Links><Link/>...</Links> and <Refs><Ref/>...</Refs> are lists in JSON: make them lists here too.
    if set(tree) == {'link'} or set(tree) == {'ref'}:
        return as_list(next(iter(tree.values())))
    return tree


def as_list(value):
    """None -> [], one item -> [item], a list stays a list (xmltodict gives a dict for a single child)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _single_non_null_child(tree, what):
    if not isinstance(tree, dict):
        raise BodyError('%s is not an object' % what)
    present = [(key, value) for key, value in tree.items() if value not in (None, '', [], {})]
    if not present:
        return None, None
    if len(present) > 1:
        raise BodyError('%s holds several lists (%s), expected one' % (what, ', '.join(sorted(name for name, dummy in present))))
    return present[0]


def query_items(tree):
    """The items of a QueryResult (format=Entities or References), in the order the server sent them.

    The list under ``Entities`` is the one non-null child; its inner element name may differ from the
    outer one (CDP sessions arrive as ``<CdpPolicySession>`` inside ``<CdpReplicaSessions>``).
    """
    if not isinstance(tree, dict):
        raise BodyError('the QueryResult is not an object')
    if tree.get('entities') not in (None, ''):
        key, wrapper = _single_non_null_child(tree['entities'], 'Entities')
        if wrapper is None:
            return []
        if isinstance(wrapper, list):
            return wrapper
        dummy, inner = _single_non_null_child(wrapper, 'Entities/%s' % key)
        return [item for item in as_list(inner) if isinstance(item, dict)]
    refs = tree.get('refs')
    if isinstance(refs, dict):  # JSON QueryResult: Refs.Refs
        refs = refs.get('refs')
    if refs not in (None, ''):
        return [item for item in as_list(refs) if isinstance(item, dict)]
    if 'entities' in tree or 'refs' in tree or 'paging_info' in tree:
        return []
    raise BodyError('the body is not a QueryResult (no Entities, Refs or PagingInfo)')


def paging_info(tree):
    """``(page_num, pages_count, page_size)`` of a QueryResult, or None when it has no PagingInfo."""
    info = tree.get('paging_info') if isinstance(tree, dict) else None
    if not isinstance(info, dict):
        return None
    try:
        return tuple(int(info[key]) if info.get(key) not in (None, '') else None
                     for key in ('page_num', 'pages_count', 'page_size'))
    except (TypeError, ValueError):
        raise BodyError('PagingInfo holds a value that is not a number: %r' % (info,))


def error_message(content, content_type=None):
    """The server's own message from an Error body (XML ``Message`` attribute or JSON ``Message``), or None."""
    try:
        dummy, tree = parse_body(content, content_type)
    except BodyError:
        return None
    if isinstance(tree, dict):
        message = tree.get('message')
        if isinstance(message, str) and message.strip():
            return message.strip()
    return None


def logon_session_id(tree):
    """The SessionId of a LogonSession body (kept for the logout)."""
    if isinstance(tree, dict):
        session_id = tree.get('session_id')
        if isinstance(session_id, str) and session_id.strip():
            return session_id.strip()
        for link in as_list(tree.get('links')):
            if isinstance(link, dict) and link.get('rel') == 'Delete' and link.get('href'):
                return link['href'].rstrip('/').rsplit('/', 1)[-1]
    raise BodyError('the LogonSession has no SessionId')


def link_name(item, link_type):
    for link in as_list(item.get('links')):
        if isinstance(link, dict) and link.get('type') == link_type:
            return empty_to_none(link.get('name'))
    return None


def empty_to_none(value):
    if value is None:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, dict) and not value:
        return None
    return value


def convert(kind, value, key):
    """A wire value as the Python value of its kind; raises BodyError naming the field."""
    value = empty_to_none(value)
    if value is None:
        return None
    try:
        if kind == res.INT:
            return int(value)
        if kind == res.BOOL:
            if isinstance(value, bool):
                return value
            lowered = u'%s' % (value,)
            lowered = lowered.strip().lower()
            if lowered in ('true', 'false'):
                return lowered == 'true'
            raise ValueError('not a boolean')
        if kind == res.TIME:
            return normalise_time(value)
        if kind == res.ID:
            return uuid_from_uid(value)
    except (TypeError, ValueError, OverflowError, AttributeError) as exc:
        raise BodyError('field %s holds %r, which is not a valid %s (%s)' % (key, value, kind, exc))
    if isinstance(value, (dict, list)):
        raise BodyError('field %s holds a structure where a text value was expected' % key)
    # The XML parser drops the blanks around a text value, so JSON values lose them too: the same
    # session must read the same in both formats (EM ends some task session reasons with a space).
    return (u'%s' % (value,)).strip()


def normalise_item(resource, item):
    """One wire item as the dict modules return: the resource's fields, typed, absent ones None."""
    if not isinstance(item, dict):
        raise BodyError('an item of %s is not an object' % resource.query_type)
    result = {}
    for field in resource.fields:
        if field.kind == res.LINK_NAME:
            result[field.key] = link_name(item, field.source)
        else:
            result[field.key] = convert(field.kind, item.get(field.source), field.key)
    if not result.get('uid'):
        raise BodyError('an item of %s has no UID' % resource.query_type)
    return result
