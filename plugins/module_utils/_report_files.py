# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Report files written safely into a directory others may share, and the names they get.

Private to this collection: not a public API; names and signatures may change in any release.

Imports nothing from ``ansible``: the ``compliance_files`` and ``compliance_preflight`` action plugins use it,
and unit tests drive it directly.

- ``file_stem(name)``: the file name an Enterprise Manager's reports get. Characters other than letters, digits,
  ``.``, ``_`` and ``-`` become ``_``; a name longer than ``MAX_STEM`` keeps its start and ends with a digest of
  the whole name, so that a DNS-length host name makes a file name the file system takes and two long names stay
  apart; ``fleet`` (the roll-up's name) becomes ``em_fleet``.
- ``name_clashes(names)``: the names whose stems are the same, which would share files.
- ``write_files(directory, files, mode)``: each file is a new file (a temporary file created in the directory,
  owned by whoever runs the play, renamed into place). A symbolic link or anything but a regular file where a
  report goes is refused before any file is written: the rename would replace a link, never follow it, but a
  link in a report directory is someone else's doing and is worth a clear error.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import os
import re
import stat
import tempfile

FLEET_STEM = 'fleet'
# A file name is at most 255 bytes on common file systems: the stem, the longest suffix (.junit.xml) and the
# temporary file's decoration (a dot, a dot and 8 random characters, .tmp) fit with room to spare.
MAX_STEM = 200
_UNSAFE = re.compile(r'[^A-Za-z0-9._-]+')
DEFAULT_MODE = 0o640
DIRECTORY_MODE = 0o750


class ReportFileError(Exception):
    """A report file could not be written safely; the message names the file or the directory."""


def file_stem(name):
    """The stem of the report file names of the Enterprise Manager called ``name`` (see the module docstring)."""
    text = u'%s' % (name,)
    stem = _UNSAFE.sub('_', text)
    if stem in ('', '.', '..'):
        stem = stem.replace('.', '_') or '_'
    if len(stem) > MAX_STEM:
        digest = hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:16]
        stem = '%s-%s' % (stem[:MAX_STEM - 17], digest)
    if stem.lower() == FLEET_STEM:
        stem = 'em_' + stem
    return stem


def name_clashes(names):
    """``[(stem, [names...])]`` for every stem that more than one distinct name maps to."""
    by_stem = {}
    for name in names:
        by_stem.setdefault(file_stem(name).lower(), [])
        if name not in by_stem[file_stem(name).lower()]:
            by_stem[file_stem(name).lower()].append(name)
    return [(stem, found) for stem, found in sorted(by_stem.items()) if len(found) > 1]


def parse_mode(value):
    """A file mode from ``0640``, ``'0640'``, ``'640'`` or ``'u=rw,g=r'``-free octal text; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError('must be an octal mode such as "0640", got %r' % (value,))
    if isinstance(value, int):
        mode = value
    else:
        text = u'%s' % (value,)
        if not re.match(r'^0?o?[0-7]{3,4}$', text.strip()):
            raise ValueError('must be an octal mode such as "0640" (quoted in YAML), got %r' % (value,))
        mode = int(text.strip().replace('o', ''), 8)
    if not 0 <= mode <= 0o7777:
        raise ValueError('must be an octal mode such as "0640", got %r' % (value,))
    if mode & 0o7000:
        raise ValueError('must not set setuid, setgid or sticky bits, got %04o' % mode)
    return mode


def current_umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def default_mode():
    """0640 narrowed by the umask of the process (umask 077 gives 0600)."""
    return DEFAULT_MODE & ~current_umask()


def ensure_directory(directory):
    """Create ``directory`` (0750, narrowed by the umask) when it is missing; an existing one is left as it is."""
    if os.path.isdir(directory):
        return False
    if os.path.lexists(directory):
        raise ReportFileError('%s exists and is not a directory' % directory)
    parent = os.path.dirname(os.path.abspath(directory))
    try:
        if not os.path.isdir(parent):
            os.makedirs(parent)
        os.mkdir(directory, DIRECTORY_MODE)
    except FileExistsError:
        if not os.path.isdir(directory):
            raise ReportFileError('%s exists and is not a directory' % directory)
        return False
    except OSError as exc:
        raise ReportFileError('cannot create the report directory %s: %s' % (directory, exc.strerror or exc))
    return True


def _check_target(path):
    """Refuse anything but a regular file (or nothing) at ``path``; the path is never followed."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise ReportFileError('%s is a symbolic link: report files are never written through a link; remove it '
                              '(someone else may have planted it in the report directory)' % path)
    if not stat.S_ISREG(info.st_mode):
        raise ReportFileError('%s exists and is not a regular file; remove it or choose another report directory'
                              % path)


def write_files(directory, files, mode=None):
    """Write ``files`` (``{file name: text}``) into ``directory``; returns the paths written.

    Every target is checked first, so a refused one leaves every file as it was. Each file is written to a new
    temporary file in the directory (``mkstemp``: created exclusively, owned by this process's user), given
    ``mode`` (default: ``default_mode()``), flushed to disk and renamed over the target, which replaces a
    planted file (whatever its owner and mode) instead of writing into it.
    """
    mode = default_mode() if mode is None else mode
    targets = []
    for filename in files:
        if os.sep in filename or filename in ('', '.', '..') or (os.altsep and os.altsep in filename):
            raise ReportFileError('%r is not a file name' % (filename,))
        path = os.path.join(directory, filename)
        _check_target(path)
        targets.append((path, filename))
    written = []
    for path, filename in targets:
        try:
            handle, temporary = tempfile.mkstemp(prefix='.%s.' % filename[:MAX_STEM], suffix='.tmp', dir=directory)
        except OSError as exc:
            raise ReportFileError('cannot write into %s: %s' % (directory, exc.strerror or exc))
        try:
            with os.fdopen(handle, 'wb') as stream:
                stream.write(files[filename].encode('utf-8'))
                stream.flush()
                os.fchmod(stream.fileno(), mode)
                os.fsync(stream.fileno())
            _check_target(path)
            os.replace(temporary, path)
        except BaseException as exc:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            if isinstance(exc, OSError):
                raise ReportFileError('cannot write %s: %s' % (path, exc.strerror or exc))
            raise
        written.append(path)
    return written
