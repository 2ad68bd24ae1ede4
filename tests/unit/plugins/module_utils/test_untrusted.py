# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""EM's text made inert for templates and printable for people (plugins/module_utils/_untrusted.py).

The inert form is checked with Jinja itself: whatever EM names a VM, the escaped text renders to itself.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import jinja2
import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils._untrusted import inert, inert_text, printable

HOSTILE = [
    u"vm-{{ 6*7 }}",
    u"Snapshot failed: {{ lookup('ansible.builtin.pipe', 'echo PWNED > CANARY') }}",
    u"{% for x in range(3) %}x{% endfor %}",
    u"{# hidden #}shown",
    u"{{{ triple }}}",
    u"ends with {",
    u"{%- raw -%}{{ 1 }}{%- endraw -%}",
    u"{{",
    u"{{}}{%%}{##}",
]


@pytest.mark.parametrize('text', HOSTILE)
def test_inert_text_renders_to_itself_in_jinja(text):
    escaped = inert_text(text)
    rendered = jinja2.Environment().from_string(escaped).render(lookup=lambda *a: 'CALLED', range=range)
    assert rendered == escaped
    assert '{{' not in escaped and '{%' not in escaped and '{#' not in escaped


def test_inert_is_visible_and_leaves_plain_text_alone():
    assert inert_text(u'vm-{{ 6*7 }}') == u'vm-{ { 6*7 }}'
    assert inert_text(u'TECH\\sql {braces} } {') == u'TECH\\sql {braces} } {'


def test_inert_walks_keys_values_and_lists_and_keeps_scalars():
    data = {u'{{ key }}': [u'{% x %}', 1, None, True, {u'n': u'{#c#}'}], u'plain': 2.5}
    assert inert(data) == {u'{ { key }}': [u'{ % x %}', 1, None, True, {u'n': u'{ #c#}'}], u'plain': 2.5}
    assert inert((u'{{a}}',)) == [u'{ {a}}']


def test_printable_removes_escapes_controls_and_bidi():
    text = u'Job\x1b[31m red\x1b[0m \u202eevil\u202c \x07bell\x00 \u2066iso\u2069 \x1b]8;;http://x\x07link'
    assert printable(text) == u'Job red evil bell iso link'
    assert printable(u'a\tb\nc') == u'a b c'
    assert printable(u'a\tb\nc', keep_lines=True) == u'a b\nc'
    assert printable(None) is None
