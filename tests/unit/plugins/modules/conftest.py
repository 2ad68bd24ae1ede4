# -*- coding: utf-8 -*-
# Copyright: veeam.enterprise_manager contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""No module test may send a request: requests.Session is replaced by one that fails the test."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _client as em_client
from ansible_collections.veeam.enterprise_manager.tests.unit.module_args import NoRequests


@pytest.fixture(autouse=True)
def no_requests(monkeypatch):
    monkeypatch.setattr(em_client.requests, 'Session', NoRequests)
