# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fail when galaxy-importer reported errors.

galaxy-importer exits 0 for many problems it only logs (ansible-doc failures,
ansible-lint findings reported at ERROR level), so ``make importer`` passes its
log and ``importer_result.json`` through this check.

Usage: check_importer.py IMPORTER_LOG IMPORTER_RESULT_JSON
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    log_path, result_path = argv

    with open(log_path, encoding='utf-8') as handle:
        lines = handle.read().splitlines()
    errors = [line for line in lines if line.startswith(('ERROR:', 'CRITICAL:')) or 'The import failed' in line]
    warnings = [line for line in lines if line.startswith('WARNING:')]

    try:
        with open(result_path, encoding='utf-8') as handle:
            result = json.load(handle)
    except (OSError, ValueError) as exc:
        errors.append('no usable importer result (%s): the import did not complete' % exc)
        result = {}

    if result:
        metadata = result.get('metadata') or {}
        contents = result.get('contents') or []
        print('importer: %s.%s %s, %d content item(s), %d warning(s)' % (
            metadata.get('namespace'), metadata.get('name'), metadata.get('version'), len(contents), len(warnings)))

    if errors:
        print('importer: %d error(s):' % len(errors))
        for line in errors:
            print('  ' + line)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
