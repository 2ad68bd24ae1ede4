# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Report file names and safe writes (plugins/module_utils/_report_files.py); the playbook tests in tests/reports
run the same attacks through ansible-playbook."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _report_files as files


@pytest.mark.parametrize('name, stem', [
    ('em01.example.com', 'em01.example.com'),
    ('EM Paris', 'EM_Paris'),
    ('EM:Paris', 'EM_Paris'),
    ('../../etc/passwd', '.._.._etc_passwd'),
    ('..', '__'),
    ('', '_'),
    ('fleet', 'em_fleet'),
    ('FLEET', 'em_FLEET'),
    (u'東京 EM', '_EM'),
])
def test_stems(name, stem):
    assert files.file_stem(name) == stem


def test_long_names_are_bounded_and_stay_apart():
    name = 'a' * 253
    stem = files.file_stem(name)
    assert len(stem) == files.MAX_STEM
    assert stem != files.file_stem('a' * 252 + 'b')
    assert len(('.%s.junit.xml.abcdefgh.tmp' % stem).encode('utf-8')) <= 255


def test_name_clashes_compare_after_sanitising():
    assert files.name_clashes(['EM Paris', 'EM:Paris', 'em02']) == [('em_paris', ['EM Paris', 'EM:Paris'])]
    assert files.name_clashes(['em01', 'em01', 'em02']) == []


@pytest.mark.parametrize('value, mode', [('0640', 0o640), ('600', 0o600), (0o600, 0o600), ('0o644', 0o644)])
def test_modes(value, mode):
    assert files.parse_mode(value) == mode


@pytest.mark.parametrize('value', ['rw', '999', True, '4755', '0o7777', 'u=rw'])
def test_bad_modes(value):
    with pytest.raises(ValueError):
        files.parse_mode(value)


def test_a_new_file_replaces_a_planted_one_and_no_temporary_file_is_left(tmp_path):
    planted = tmp_path / 'em.json'
    planted.write_text('planted', encoding='utf-8')
    os.chmod(str(planted), 0o666)
    inode = os.lstat(str(planted)).st_ino
    written = files.write_files(str(tmp_path), {'em.json': u'{}\n', 'em.html': u'<p>é</p>'}, 0o640)
    assert written == [str(planted), str(tmp_path / 'em.html')]
    assert os.lstat(str(planted)).st_ino != inode
    assert stat.S_IMODE(os.lstat(str(planted)).st_mode) == 0o640
    assert planted.read_text(encoding='utf-8') == '{}\n'
    assert sorted(os.listdir(str(tmp_path))) == ['em.html', 'em.json']


def test_a_link_or_a_directory_is_refused_before_any_write(tmp_path):
    target = tmp_path / 'target'
    target.mkdir()
    os.symlink(str(target), str(tmp_path / 'em.json'))
    with pytest.raises(files.ReportFileError, match='symbolic link'):
        files.write_files(str(tmp_path), {'em.html': u'x', 'em.json': u'{}'})
    assert not (tmp_path / 'em.html').exists() and os.listdir(str(target)) == []
    os.unlink(str(tmp_path / 'em.json'))
    (tmp_path / 'em.json').mkdir()
    with pytest.raises(files.ReportFileError, match='not a regular file'):
        files.write_files(str(tmp_path), {'em.json': u'{}'})


def test_file_names_must_be_names(tmp_path):
    with pytest.raises(files.ReportFileError):
        files.write_files(str(tmp_path), {'../em.json': u'{}'})


def test_directories(tmp_path):
    saved = os.umask(0o022)
    try:
        assert files.ensure_directory(str(tmp_path / 'a' / 'b')) is True
        assert stat.S_IMODE(os.stat(str(tmp_path / 'a' / 'b')).st_mode) == 0o750
        os.chmod(str(tmp_path / 'a' / 'b'), 0o700)
        assert files.ensure_directory(str(tmp_path / 'a' / 'b')) is False
        assert stat.S_IMODE(os.stat(str(tmp_path / 'a' / 'b')).st_mode) == 0o700
        (tmp_path / 'f').write_text('x', encoding='utf-8')
        with pytest.raises(files.ReportFileError, match='not a directory'):
            files.ensure_directory(str(tmp_path / 'f'))
        os.umask(0o077)
        assert files.default_mode() == 0o600
    finally:
        os.umask(saved)
