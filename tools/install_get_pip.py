# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install tools/get_pip_standin.py into ansible-test's get-pip cache.

Run it with the Python that has ansible-core installed (``make get-pip`` does).
The pip version ansible-test bootstraps is read from the installed
``ansible_test/_internal/python_requirements.py`` so that an ansible-core
upgrade does not silently bring the download (and the offline failure) back.
The file is only rewritten when its content differs.
"""

from __future__ import annotations

import os
import re
import shutil
import sys

# Present in every version of the stand-in, absent from the real get-pip.py.
MARKER = b'Offline stand-in for the ``get-pip.py`` script that ansible-test downloads.'
STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'get_pip_standin.py')


def pip_version() -> str:
    import ansible_test  # pylint: disable=import-outside-toplevel

    source = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
    with open(source, encoding='utf-8') as handle:
        text = handle.read()

    # default_packages = dict(\n    pip='24.2',\n)
    match = re.search(r"default_packages\s*=\s*dict\(\s*pip\s*=\s*['\"]([^'\"]+)['\"]", text)
    if not match:
        raise SystemExit('Could not find the default pip version in %s; ansible-test changed its layout.' % source)
    return match.group(1)


def main() -> int:
    version = pip_version()
    target = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % version.replace('.', '_'))

    with open(STANDIN, 'rb') as handle:
        wanted = handle.read()
    if os.path.exists(target):
        with open(target, 'rb') as handle:
            current = handle.read()
        if current == wanted:
            print('get-pip stand-in for pip %s already at %s' % (version, target))
            return 0
        if MARKER not in current:
            # A real get-pip script (downloaded by ansible-test on a connected machine) works too.
            print('Keeping the existing get-pip script for pip %s at %s' % (version, target))
            return 0

    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(STANDIN, target)
    print('Installed get-pip stand-in for pip %s at %s' % (version, target))
    return 0


if __name__ == '__main__':
    sys.exit(main())
