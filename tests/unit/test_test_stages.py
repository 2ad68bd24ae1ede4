# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""tools/test_stages.py, the runner behind `make test`: it runs real make targets and ends with the summary CI reads.

Skipped in the Galaxy tarball, which does not ship tools/test_stages.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNNER = os.path.join(ROOT, 'tools', 'test_stages.py')

pytestmark = [
    pytest.mark.skipif(not os.path.exists(RUNNER), reason='tools/test_stages.py is not shipped in the collection tarball'),
    pytest.mark.skipif(shutil.which('make') is None, reason='needs make'),
]

# Each stage prints what its tool prints; "broken" fails after one of its two sanity tests failed.
MAKEFILE = '''
pytest:
\t@echo "============ 12 passed, 2 skipped in 3.21s ============"
sanity:
\t@echo 'Running sanity test "pep8"'; echo 'Running sanity test "pylint"'
\t@echo 'ERROR: The 1 sanity test(s) listed below (out of 2) failed. See error output above for details.'; exit 1
integration:
\t@echo "Running job_info integration test role"; echo "Running logon_session integration test script"
plain:
\t@echo "nothing to count here"
'''


def run(tmp_path, *stages):
    (tmp_path / 'Makefile').write_text(MAKEFILE, encoding='utf-8')
    return subprocess.run([sys.executable, RUNNER, '--log-dir', str(tmp_path / 'logs')] + list(stages),
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=60, check=False)


def test_summary_counts_each_stage_and_ends_with_the_line_ci_reads(tmp_path):
    result = run(tmp_path, 'pytest', 'integration', 'plain')
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == '15 passed, 0 failed'  # 12 tests, 2 targets, 1 stage that counts nothing else
    table = lines[lines.index(next(line for line in lines if line.startswith('Summary of make test'))) + 1:-1]
    assert [line.split()[:5] for line in table[1:]] == [
        ['pytest', 'ok', '12', '0', '2'], ['integration', 'ok', '2', '0', '0'], ['plain', 'ok', '1', '0', '0'],
        ['total', 'ok', '15', '0', '2']]
    assert 'nothing to count here' not in result.stdout  # a stage that passed keeps its output in its log
    with open(str(tmp_path / 'logs' / 'plain.log'), encoding='utf-8') as handle:
        assert handle.read() == 'nothing to count here\n'


def test_a_failed_stage_shows_its_log_the_others_still_run_and_the_status_says_so(tmp_path):
    result = run(tmp_path, 'sanity', 'pytest')
    assert result.returncode == 1
    assert 'ERROR: The 1 sanity test(s) listed below (out of 2) failed.' in result.stdout
    assert '    ok in' in result.stdout  # pytest ran after sanity failed
    assert result.stdout.splitlines()[-1] == '13 passed, 1 failed'
