# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Keeping secrets out of what people read: the password, the session token, the SessionId, and their forms.

Private to this collection: not a public API; names and signatures may change in any release.

The client adds each secret to its ``Redactor`` as soon as it has it, and passes every message, warning,
quoted server text and returned value through it. ``clean`` is for text quoted from the server: secrets
out, terminal escapes and control characters out (``_untrusted.printable``), whitespace collapsed, cut short.

Imports nothing from ``ansible`` and nothing outside the standard library.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import html
import json
import re

try:
    from urllib.parse import quote, quote_plus
except ImportError:  # pragma: no cover - Python 2 is not supported, but the sanity import test runs this
    from urllib import quote, quote_plus  # type: ignore

from ._untrusted import printable

REDACTED = '********'
# Text quoted from the server (its error message, a Location header, the start of a malformed body).
QUOTE_LIMIT = 1000
_SPACES = re.compile(r'\s+')
_SHORT = 3  # characters: a secret form shorter than this is redacted only where it stands as a whole value


class Redactor:
    """Replaces secrets, and the forms in which libraries and servers print them, with ``REDACTED``.

    A form of at least ``_SHORT`` characters is replaced wherever it occurs. A shorter one (a password of
    one or two characters) would match inside ordinary words, so it is replaced only where it stands as a
    whole value: a header or ``key=value`` value, URL user information, a quoted (JSON) value.
    """

    def __init__(self):
        self._forms = set()
        self._short = set()
        self._pattern = None
        self._lowered = ()

    def add(self, secret, username=None):
        """Add a secret; with ``username``, the secret is a password and its Basic value is added too."""
        if not secret:
            return
        forms = set([secret, quote(secret, safe=''), quote(secret), quote_plus(secret), repr(secret)[1:-1],
                     json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
                     html.escape(secret), html.escape(secret, quote=False),
                     secret.encode('unicode_escape').decode('ascii'),
                     repr(secret.encode('utf-8'))[2:-1]])
        if username is not None:
            for pair in ('%s:%s' % (username, secret),):
                forms.add(pair)
                for encoding in ('utf-8', 'latin-1'):
                    try:
                        raw = pair.encode(encoding)
                    except UnicodeEncodeError:
                        continue
                    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
                        # with its padding (so none is left behind) and without (a server may strip it)
                        forms.update((encoded.decode('ascii'), encoded.decode('ascii').rstrip('=')))
            encoded = base64.b64encode(secret.encode('utf-8')).decode('ascii')
            forms.update((encoded, encoded.rstrip('=')))
        self._forms.update(form for form in forms if len(form) >= _SHORT)
        self._short.update(form for form in forms if form and len(form) < _SHORT)
        self._compile()

    def _compile(self):
        ordered = sorted(self._forms, key=len, reverse=True)
        alternatives = [re.escape(form) for form in ordered]
        if self._short:
            # Whole values only: after a start, quote, '=', ':' or ': ', and before an end, quote, '@', '&', ';',
            # ',', a closing bracket or whitespace.
            alternatives.append(u'(?:(?<=^)|(?<=["\'=:])|(?<=: ))(?:%s)(?=$|["\'@&;,}\\]\\s])' % '|'.join(
                re.escape(form) for form in sorted(self._short, key=len, reverse=True)))
        self._pattern = re.compile('|'.join(alternatives), re.IGNORECASE | re.MULTILINE) if alternatives else None
        # any_in is a fast pre-check; a short form is too common a substring to pre-check, so it always says yes.
        self._lowered = tuple(set(form.lower() for form in ordered)) + (('',) if self._short else ())

    def text(self, text):
        if not text or self._pattern is None or not isinstance(text, str):
            return text
        return self._pattern.sub(REDACTED, text)

    def value(self, value):
        """A returned value (dicts, lists, strings), with every secret form replaced."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return dict((key, self.value(child)) for key, child in value.items())
        if isinstance(value, list):
            return [self.value(child) for child in value]
        return value

    def any_in(self, texts):
        """Whether any secret form may occur in one of ``texts`` (fast substring checks over them all)."""
        if self._pattern is None:
            return False
        joined = u'\x00'.join(texts).lower()
        return any(form in joined for form in self._lowered)

    def clean(self, text, limit=QUOTE_LIMIT):
        """Text from the server for a message: secrets out, control characters and escapes out, cut short."""
        if text is None:
            return None
        text = u'%s' % (text,)
        text = self.text(text)
        text = printable(text)
        text = _SPACES.sub(' ', text).strip()
        text = self.text(text)  # a secret split by control characters is whole again now
        if len(text) > limit:
            text = text[:limit] + '... (%d more characters)' % (len(text) - limit)
        return text
