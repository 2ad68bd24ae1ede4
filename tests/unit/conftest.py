# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""pytest settings for `ansible-test units`, which runs pytest with a configuration file of its own.

pytest-asyncio (installed for the event source's tests) warns on every run while asyncio_default_fixture_loop_scope is
unset; tests/pytest.ini sets it for the plain pytest suites, and this sets it for the unit tests, whose
configuration file ansible-test chooses. No unit test is asynchronous.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if config.pluginmanager.hasplugin('asyncio') and not config.getini('asyncio_default_fixture_loop_scope'):
        # getini() caches what it read; there is no public way to set an ini value after the command line.
        config._inicache['asyncio_default_fixture_loop_scope'] = 'function'  # pylint: disable=protected-access
