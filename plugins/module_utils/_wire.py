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
import math
import re
import traceback
from xml.parsers import expat as pyexpat

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
# EM's answers nest about eight levels and hold tens of thousands of values at most.
MAX_DEPTH = 64
MAX_NODES = 1000000
# EM's answers use a few hundred different names (elements, attributes, JSON keys). A name costs memory
# each time it is new, and a hostile body can make every name new: more than this many are refused.
MAX_NAMES = 4096
# EM's longest tags (an item with its links' attributes) are well under a kilobyte.
MAX_TAG_LENGTH = 65536
_LONG_TAG = re.compile(u'<[^<>]{%d}' % MAX_TAG_LENGTH)

_SNAKE_1 = re.compile(r'([A-Z]+)([A-Z][a-z])')
_SNAKE_2 = re.compile(r'([a-z0-9])([A-Z])')
_SNAKE_CACHE = {}
_SNAKE_CACHE_SIZE = 4096
# What a body may cost in memory once parsed, in bytes per byte of its text (the text itself and its bytes
# come on top). Parsed values cost far more than their text: about 400 bytes for an XML element and 170
# for an attribute (xmltodict's tree and ours), 300 for a JSON object or array and 60 for a JSON value.
# Before parsing, the body's elements, attributes, objects and values are counted from the characters
# that open or separate them (an upper bound), and a body whose estimate exceeds this is refused: a page
# under max_response_size then peaks at about ten times its size, however it is packed (new names are
# bounded apart, by MAX_NAMES). EM's own pages estimate at 4 to 9.
MAX_COST_PER_BYTE = 12
_CONTAINER_COST = 400
_ATTRIBUTE_COST = 170
_JSON_CONTAINER_COST = 300
_JSON_VALUE_COST = 60
# A lone UTF-16 surrogate (JSON may escape one, "\ud83d", but it is no character and cannot be encoded).
_SURROGATE = re.compile(u'[\ud800-\udfff]')
_SURROGATE_ESCAPE = re.compile(r'\\u[dD][89a-fA-F]')
REPLACEMENT = u'\ufffd'


class BodyError(ValueError):
    """A body that is not what the API sends; the client wraps it in EMMalformedResponseError."""


def snake(name):
    """``CreationTimeUTC``, ``creationTimeUTC`` -> ``creation_time_utc``; ``UID``, ``uid`` -> ``uid``."""
    cached = _SNAKE_CACHE.get(name)
    if cached is None:
        cached = _SNAKE_2.sub(r'\1_\2', _SNAKE_1.sub(r'\1_\2', name)).replace('-', '_').lower()
        if len(_SNAKE_CACHE) < _SNAKE_CACHE_SIZE:  # EM uses a few hundred names; a hostile body, any number
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


def parse_body(content, content_type=None, notes=None):
    """Parse an XML or JSON body into the common tree. The content type decides; else the first character.

    Returns ``(root_name, tree)``: the XML root element's name (None for JSON) and the tree. Bodies that
    nest deeper than ``MAX_DEPTH``, hold more than ``MAX_NODES`` values, would cost more memory than
    ``MAX_COST_PER_BYTE`` allows, or (JSON) hold a non-finite number raise BodyError naming where; nothing
    here recurses without a bound. A lone surrogate escaped in JSON (``\\ud83d``) is read as U+FFFD, and a
    sentence saying so is appended to ``notes`` (a list) when given.
    """
    text = decode_text(content).strip()
    if not text:
        raise BodyError('the body is empty')
    content_type = (content_type or '').lower()
    is_json = 'json' in content_type or ('xml' not in content_type and text[0] in '{[')
    if is_json:
        containers = text.count('{') + text.count('[')
        values = text.count(':') + text.count(',')
        # null, true and false are shared objects: they cost no more than the slot that holds them.
        shared = text.count('null') + text.count('true') + text.count('false')
        _check_size(text, containers, values,
                    containers * _JSON_CONTAINER_COST + max(0, values - shared) * _JSON_VALUE_COST)
        # Lone surrogates can only come escaped (the text is valid UTF-8): replace them only in a body with escapes.
        replaced = [0] if _SURROGATE_ESCAPE.search(text) else None
        try:
            data = json.loads(text, parse_constant=_NonFinite, parse_float=_float, object_pairs_hook=_KeyCounter())
        except _Located as exc:
            raise exc.body_error()
        except RecursionError:
            raise BodyError('the body nests deeper than %d levels' % MAX_DEPTH)
        except ValueError as exc:
            raise BodyError('the body is not valid JSON (%s)' % exc)
        del text
        try:
            tree = _from_json(data, 0, replaced)
        except _Located as exc:
            raise exc.body_error()
        if replaced and replaced[0] and notes is not None:
            notes.append('%d lone UTF-16 surrogate(s) escaped in the JSON (\\uD800-\\uDFFF without its pair), which '
                         'are no characters, were read as U+FFFD' % replaced[0])
        return None, tree
    if not HAS_XMLTODICT:  # pragma: no cover - modules check this before any request
        raise BodyError('xmltodict is needed to read XML')
    elements = text.count('<') - text.count('</')
    attributes = text.count('=')
    _check_size(text, elements, attributes, elements * _CONTAINER_COST + attributes * _ATTRIBUTE_COST)
    if _LONG_TAG.search(text):
        # expat hands over all the attributes of an element at once: one huge tag costs before any check.
        raise BodyError('the body holds a tag longer than %d characters, far longer than any EM answer\'s'
                        % MAX_TAG_LENGTH)
    guard = _ExpatGuard()
    try:
        data = xmltodict.parse(text, disable_entities=True, expat=guard)
    except _Located as exc:
        raise exc.body_error()
    except Exception as exc:  # expat raises its own ExpatError, and xmltodict may raise ValueError
        raise BodyError('the body is not well-formed XML (%s)' % exc)
    if not isinstance(data, dict) or len(data) != 1:
        raise BodyError('the XML body has no single root element')
    root_name, root = next(iter(data.items()))
    try:
        return root_name.split(':')[-1], _from_xml(root, 1)
    except _Located as exc:
        exc.path.insert(0, root_name.split(':')[-1])
        raise exc.body_error()


def _check_size(text, containers, values, cost):
    """Refuse a body whose elements or objects and attributes or values would cost too much once parsed."""
    if containers + values > MAX_NODES:
        raise BodyError('the body holds more than %d elements, attributes or values, far more than any EM answer'
                        % MAX_NODES)
    if cost > MAX_COST_PER_BYTE * max(len(text), 4096):
        raise BodyError('the body packs %d elements or objects and %d attributes or values into %d characters, '
                        'far denser than any EM answer; it was not parsed' % (containers, values, len(text)))


class _KeyCounter:
    """json.loads' object_pairs_hook: builds each object as usual, and stops at too many different keys."""

    def __init__(self):
        self.names = set()

    def __call__(self, pairs):
        names = self.names
        names.update(key for key, dummy in pairs)
        if len(names) > MAX_NAMES:
            raise _Located('more than %d different keys' % MAX_NAMES)
        return dict(pairs)


class _Located(Exception):
    """A problem deep in a body; the path to it is filled in on the way out."""

    def __init__(self, message, path=None):
        super(_Located, self).__init__(message)
        self.message = message
        self.path = path or []

    def body_error(self):
        where = _join_path(self.path)
        return BodyError('%s holds %s' % (where, self.message) if where else 'the body holds %s' % self.message)


class _NonFinite:
    """What json.loads makes of NaN, Infinity and numbers too large for a float (1e400)."""

    def __init__(self, text):
        self.text = text


def _float(text):
    value = float(text)
    if math.isnan(value) or math.isinf(value):
        return _NonFinite(text)
    return value


class _ExpatGuard:
    """Stands in for the ``expat`` module xmltodict uses: its parsers refuse nesting beyond MAX_DEPTH.

    xmltodict builds its tree without recursion, but a body of nested elements would still cost memory
    and time out of all proportion (and our own walk over the tree recurses), so the parse stops there.
    """

    def ParserCreate(self, *args, **kwargs):  # noqa: N802 - the name expat uses
        return _GuardedParser(pyexpat.ParserCreate(*args, **kwargs))


class _GuardedParser:
    def __init__(self, parser):
        self.__dict__['_parser'] = parser
        self.__dict__['_path'] = []
        self.__dict__['_names'] = set()

    def __getattr__(self, name):
        return getattr(self._parser, name)

    def __setattr__(self, name, value):
        if name == 'StartElementHandler':
            path = self._path

            names = self._names

            def start(name, attrs, handler=value):
                path.append(name)
                if len(path) > MAX_DEPTH:
                    raise _Located('elements nested deeper than %d levels' % MAX_DEPTH,
                                   [part.split(':')[-1] for part in path[:MAX_DEPTH]] + ['...'])
                names.add(name)
                names.update(attrs[::2] if isinstance(attrs, list) else attrs)
                if len(names) > MAX_NAMES:
                    raise _Located('more than %d different element and attribute names' % MAX_NAMES,
                                   [part.split(':')[-1] for part in path])
                return handler(name, attrs)
            value = start
        elif name == 'EndElementHandler':
            path = self._path

            def end(name, handler=value):
                path.pop()
                return handler(name)
            value = end
        setattr(self._parser, name, value)


def _join_path(parts):
    """``['Entities', 'Sessions', '[3]', 'Name']`` -> ``Entities/Sessions[3]/Name``."""
    if len(parts) > 12:
        parts = parts[:6] + ['...(%d levels)...' % (len(parts) - 9)] + parts[-3:]
    text = ''
    for part in parts:
        text += part if part.startswith('[') or not text else '/' + part
    return text


def _from_json(value, depth, replaced=None):
    """The common tree of a parsed JSON value. It empties ``value`` as it goes, so the two trees never both
    exist whole; ``replaced`` (a one-item list) counts the lone surrogates replaced, or is None when the
    body escapes none."""
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            raise _Located('objects nested deeper than %d levels' % MAX_DEPTH)
        tree = {}
        for key in list(value):
            child = value.pop(key)
            name = key
            if replaced is not None and _SURROGATE.search(key):
                name = _SURROGATE.sub(REPLACEMENT, key)
                replaced[0] += 1
            try:
                tree[snake(name)] = _from_json(child, depth + 1, replaced)
            except _Located as exc:
                exc.path.insert(0, name)
                raise
        return tree
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            raise _Located('arrays nested deeper than %d levels' % MAX_DEPTH)
        items = []
        for index, child in enumerate(value):
            value[index] = None
            try:
                items.append(_from_json(child, depth + 1, replaced))
            except _Located as exc:
                exc.path.insert(0, '[%d]' % (index + 1))
                raise
        return items
    if isinstance(value, _NonFinite):
        raise _Located('%s, a number that is not finite' % value.text)
    if replaced is not None and isinstance(value, str) and _SURROGATE.search(value):
        replaced[0] += len(_SURROGATE.findall(value))
        return _SURROGATE.sub(REPLACEMENT, value)
    return value


def _from_xml(value, depth):
    """The common tree of xmltodict's; it empties ``value`` as it goes (see ``_from_json``)."""
    if isinstance(value, list):
        items = []
        for index, child in enumerate(value):
            value[index] = None
            try:
                items.append(_from_xml(child, depth))
            except _Located as exc:
                exc.path.insert(0, '[%d]' % (index + 1))
                raise
        return items
    if not isinstance(value, dict):
        return value
    if depth > MAX_DEPTH:
        raise _Located('elements nested deeper than %d levels' % MAX_DEPTH)
    tree = {}
    for key in list(value):
        child = value.pop(key)
        if key.startswith('@xmlns'):
            continue
        if key == '#text':
            tree['text'] = child
            continue
        name = key[1:] if key.startswith('@') else key.split(':')[-1]
        try:
            tree[snake(name)] = _from_xml(child, depth + 1)
        except _Located as exc:
            exc.path.insert(0, name)
            raise
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
        raise BodyError('%s is not an object (it is %s)' % (what, _kind_of(tree)))
    present = [(key, value) for key, value in tree.items() if value not in (None, '', [], {})]
    if not present:
        return None, None
    if len(present) > 1:
        raise BodyError('%s holds several lists (%s), expected one' % (what, ', '.join(sorted(name for name, dummy in present))))
    return present[0]


def _kind_of(value):
    if isinstance(value, list):
        return 'a list'
    if isinstance(value, dict):
        return 'an object'
    if value is None:
        return 'empty'
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, (int, float)):
        return 'a number'
    return 'text'


def _every_item_an_object(items, what):
    """The items themselves; an item that is text, a number or empty fails the page (never dropped)."""
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise BodyError('%s[%d] is %s, not an item' % (what, index + 1, _kind_of(item)))
    return items


def query_items(tree):
    """The items of a QueryResult (format=Entities or References), in the order the server sent them.

    The list under ``Entities`` is the one non-null child; its inner element name may differ from the
    outer one (CDP sessions arrive as ``<CdpPolicySession>`` inside ``<CdpReplicaSessions>``). Every item
    must be an object: a page whose items cannot all be read raises BodyError naming the item.
    """
    if not isinstance(tree, dict):
        raise BodyError('the QueryResult is not an object')
    if tree.get('entities') not in (None, ''):
        key, wrapper = _single_non_null_child(tree['entities'], 'Entities')
        if wrapper is None:
            return []
        if isinstance(wrapper, list):
            return _every_item_an_object(wrapper, 'Entities/%s' % key)
        inner_key, inner = _single_non_null_child(wrapper, 'Entities/%s' % key)
        if inner is None:
            return []
        return _every_item_an_object(as_list(inner), 'Entities/%s/%s' % (key, inner_key))
    refs = tree.get('refs')
    if isinstance(refs, dict):  # JSON QueryResult: Refs.Refs
        refs = refs.get('refs')
    if refs not in (None, ''):
        return _every_item_an_object(as_list(refs), 'Refs')
    if 'entities' in tree or 'refs' in tree or 'paging_info' in tree:
        return []
    raise BodyError('the body is not a QueryResult (no Entities, Refs or PagingInfo)')


_INTEGER = re.compile(r'\s*[-+]?[0-9]{1,18}\s*\Z')
_WHOLE_NUMBER = re.compile(r'\s*[0-9]{1,12}\s*\Z')
_UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z')
_PAGING_KEYS = (('page_num', 'PageNum'), ('pages_count', 'PagesCount'), ('page_size', 'PageSize'))


def paging_info(tree):
    """``(page_num, pages_count, page_size)`` of a QueryResult, or None when it has no PagingInfo.

    Each value is a whole number (an integer, or text of digits), or absent; anything else (a fraction,
    a boolean, NaN, a structure) raises BodyError naming the field.
    """
    info = tree.get('paging_info') if isinstance(tree, dict) else None
    if info in (None, '', {}):
        return None
    if not isinstance(info, dict):
        raise BodyError('PagingInfo is %s, not an object' % _kind_of(info))
    values = []
    for key, name in _PAGING_KEYS:
        value = info.get(key)
        if value in (None, ''):
            values.append(None)
        elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10 ** 12:
            values.append(value)
        elif isinstance(value, str) and _WHOLE_NUMBER.match(value):
            values.append(int(value))
        else:
            raise BodyError('PagingInfo holds a value that is not a number: %s is %s, where a whole number is '
                            'expected' % (name, _shown(value)))
    return tuple(values)


def _shown(value):
    if isinstance(value, (dict, list)):
        return _kind_of(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + '...'


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
            name = empty_to_none(link.get('name'))
            if name is not None and not isinstance(name, str):
                raise BodyError('the Name of its %s link is %s, not text' % (link_type, _kind_of(name)))
            return name
    return None


def link_id(item, link_type):
    """The UUID that ends the Href of the first link of that type (None without one); raises BodyError for an Href that
    does not end in a UUID."""
    for link in as_list(item.get('links')):
        if isinstance(link, dict) and link.get('type') == link_type:
            href = empty_to_none(link.get('href'))
            if href is None:
                return None
            if not isinstance(href, str):
                raise BodyError('the Href of its %s link is %s, not text' % (link_type, _kind_of(href)))
            last = href.split('?', 1)[0].rstrip('/').rsplit('/', 1)[-1].lower()
            if not _UUID.match(last):
                raise BodyError('the Href of its %s link does not end in a UUID: %s' % (link_type, _shown(href)))
            return last
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
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, str) and _INTEGER.match(value):
                return int(value)
            raise ValueError('not a whole number')
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
        raise BodyError('field %s holds %s, which is not a valid %s (%s)' % (key, _shown(value), kind, exc))
    if isinstance(value, (dict, list)):
        raise BodyError('field %s holds a structure where a text value was expected' % key)
    # The XML parser drops the blanks around a text value, so JSON values lose them too: the same
    # session must read the same in both formats (EM ends some task session reasons with a space).
    return (u'%s' % (value,)).strip()


def rpo_seconds(options, key='rpo_seconds'):
    """A CDP policy's recovery point objective in seconds, from its PolicyScheduleOptions.

    EM gives the RPO in the unit it was set in: ``RecoveryPointObjectiveSeconds`` (15 in the reference
    examples) or ``RecoveryPointObjectiveMinutes``, the other being 0. The elements sit in a wrapper named
    after the policy type (``<CdpReplica>``), which the reference pages do not document, so both places are read.
    """
    options = empty_to_none(options)
    if options is None:
        return None
    if not isinstance(options, dict):
        raise BodyError('field %s: PolicyScheduleOptions is not an object' % key)
    candidates = [options] + [value for value in options.values() if isinstance(value, dict)]
    for candidate in candidates:
        if 'recovery_point_objective_seconds' in candidate or 'recovery_point_objective_minutes' in candidate:
            seconds = convert(res.INT, candidate.get('recovery_point_objective_seconds'), key)
            minutes = convert(res.INT, candidate.get('recovery_point_objective_minutes'), key)
            if seconds:
                return seconds
            if minutes:
                return minutes * 60
            return 0 if seconds == 0 or minutes == 0 else None
    return None


def normalise_item(resource, item):
    """One wire item as the dict modules return: the resource's fields, typed, absent ones None."""
    if not isinstance(item, dict):
        raise BodyError('an item of %s is not an object' % resource.query_type)
    result = {}
    for field in resource.fields:
        if field.kind == res.LINK_NAME:
            result[field.key] = link_name(item, field.source)
        elif field.kind == res.LINK_ID:
            result[field.key] = link_id(item, field.source)
        elif field.kind == res.RPO_SECONDS:
            result[field.key] = rpo_seconds(item.get(field.source), field.key)
        else:
            result[field.key] = convert(field.kind, item.get(field.source), field.key)
    if not result.get('uid'):
        raise BodyError('an item of %s has no UID' % resource.query_type)
    return result
