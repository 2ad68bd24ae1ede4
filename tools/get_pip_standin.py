# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the ``get-pip.py`` script that ansible-test downloads.

Why this exists
---------------
``ansible-test sanity`` (and ``units --venv``) create empty virtual environments
with ``--without-pip`` and bootstrap pip by running
``https://ci-files.testing.ansible.com/ansible-test/get-pip-<version>.py``.
On machines that cannot reach that host (CI runners with only a PyPI mirror,
air-gapped workstations, corporate proxies) the run dies with
"does not have pip available".

ansible-test looks for a cached copy first, at
``~/.ansible/test/cache/get_pip_<version with underscores>.py``.
``make get-pip`` (tools/install_get_pip.py) copies this file there.

What it does
------------
It is called as ``python get_pip.py [pip options] pip==<version> --no-setuptools --no-wheel``.
It seeds pip from the interpreter's bundled wheel (``ensurepip``, no network),
then asks that pip to install the requested packages (from PyPI, or whatever
index / ``--find-links`` the user's pip configuration points to).
``--no-setuptools`` and ``--no-wheel`` are get-pip options that pip itself does
not understand, so they are dropped.

Air-gapped users: if the requested pip version cannot be installed (no index
reachable), the pip bundled with Python is kept and a warning is printed, so
ansible-test can still proceed. Set ``GET_PIP_STANDIN_STRICT=1`` to make that
a hard failure instead.
"""

from __future__ import annotations

import os
import subprocess
import sys

# get-pip.py options that `pip install` does not accept.
GET_PIP_ONLY_OPTIONS = frozenset(('--no-setuptools', '--no-wheel'))


def main(argv: list[str]) -> int:
    pip_args = [arg for arg in argv if arg not in GET_PIP_ONLY_OPTIONS]

    # ensurepip ships a pip wheel inside the standard library: no network needed.
    # It must run as a subprocess: in-process, it would see our caller's sys.argv.
    bootstrap = [sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip']
    result = subprocess.run(bootstrap, stdout=subprocess.DEVNULL, check=False)
    if result.returncode != 0:
        sys.stderr.write(
            'get-pip stand-in: "%s" failed (exit %d). On Debian/Ubuntu install the '
            'python3-venv package, which provides ensurepip.\n' % (' '.join(bootstrap), result.returncode))
        return result.returncode

    packages = [arg for arg in pip_args if not arg.startswith('-')]
    if not packages:
        return 0

    install = [sys.executable, '-m', 'pip', 'install', '--quiet'] + pip_args
    result = subprocess.run(install, check=False)
    if result.returncode == 0:
        return 0

    if os.environ.get('GET_PIP_STANDIN_STRICT') == '1':
        return result.returncode

    sys.stderr.write(
        'get-pip stand-in: could not install %s (exit %d); keeping the pip bundled with '
        'Python %d.%d. Set GET_PIP_STANDIN_STRICT=1 to fail instead.\n'
        % (' '.join(packages), result.returncode, sys.version_info[0], sys.version_info[1]))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
