# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Text from Enterprise Manager is data: making it inert for templates and harmless for terminals.

Private to this collection: not a public API; names and signatures may change in any release.

Anyone who can name a VM or a job, or who controls a backup server, chooses the strings EM returns.
Module results reach Ansible marked untrusted and are never templated, but some paths cannot carry that
mark: an event handed by ansible-rulebook to a playbook as ``-e @file``, the ``set_stats`` data that AWX
hands to the next workflow node as extra vars. Both are read as trusted templates. On those paths the
collection passes ``inert(data)``: every ``{`` that would open a Jinja delimiter (``{{``, ``{%``, ``{#``)
is followed by a space, so ``vm-{{ 6*7 }}`` arrives as ``vm-{ { 6*7 }}``, visibly changed and never
evaluated. Results and the JSON report keep EM's text as it is.

``printable(text)`` is for text shown to a person (messages, the terminal, report pages): terminal escape
sequences, control characters and the Unicode bidirectional controls are removed, since they can make
a text read differently from what it holds.

Imports nothing from ``ansible``: the client, the engine, the filters and the event source share it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

# A '{' that would open a Jinja delimiter: '{{' (expression), '{%' (statement), '{#' (comment).
_DELIMITER_OPEN = re.compile(u'\\{(?=[{%#])')
INERT_BRACE = u'{ '

# Terminal escape sequences (CSI, OSC, two-character ESC sequences), the other C0/C1 control characters
# (tab and newline are handled by ``printable``), and the Unicode bidirectional embeddings, overrides and
# isolates (U+202A..U+202E, U+2066..U+2069) and marks (U+200E, U+200F, U+061C).
UNPRINTABLE = re.compile(
    u'\x1b\\[[0-?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)?|\x1b[ -~]?'
    u'|[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]')
_LINE_BREAKS = re.compile(u'[\t\n]+')


def inert_text(text):
    """``text`` with every Jinja delimiter opening broken by a space (``{{`` becomes ``{ {``)."""
    return _DELIMITER_OPEN.sub(INERT_BRACE, text)


def inert(data):
    """A copy of ``data`` (dicts, lists, tuples, strings, scalars) in which no string, key or value, can open
    a Jinja delimiter. Scalars other than strings are returned as they are."""
    if isinstance(data, str):
        return inert_text(data)
    if isinstance(data, dict):
        return dict((inert(key), inert(value)) for key, value in data.items())
    if isinstance(data, (list, tuple)):
        return [inert(value) for value in data]
    return data


def printable(text, keep_lines=False):
    """``text`` as a person may be shown it: escape sequences, control characters and bidirectional
    controls removed. Tabs become spaces; newlines too, unless ``keep_lines``. None stays None."""
    if text is None:
        return None
    text = UNPRINTABLE.sub(u'', u'%s' % (text,))
    if keep_lines:
        return text.replace(u'\t', u' ')
    return _LINE_BREAKS.sub(u' ', text)
