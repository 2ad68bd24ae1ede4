"""The page of the demo's data set on a fixed clock, as Chromium renders it, against the reports guide's description.

The report is built the way session_compliance_info builds it (gather over HTTPS from the simulator, then the
engine), with the demo's data set (seed 42, 400 sessions over 7 days, 4 % failures, 8 % warnings) generated for a
fixed ``now`` and judged at that ``now``; the screenshot is kept among the test outputs (reports-page.png).
"""

import datetime
import os
import re

import report_checks as checks
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _compliance as compliance
from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _reports as reports
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._client import EMClient
from ansible_collections.veeam.enterprise_manager.plugins.module_utils._gather import gather

from emsim.dataset import generate  # pylint: disable=import-error
from emsim.server import DEFAULT_USERS, Simulator  # pylint: disable=import-error

NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.timezone.utc)
GUIDE = os.path.join(os.path.dirname(__file__), '..', '..', 'docs', 'docsite', 'rst', 'reports.rst')


def guide_sections():
    """The headings the guide says the page shows, in its order: the first bold text of each bullet between the
    page-sections markers, squeezed as the page's text is, numbers made patterns (the guide's example count is not
    the page's)."""
    with open(GUIDE, encoding='utf-8') as handle:
        text = handle.read()
    part = text.split('.. page-sections-start', 1)[1].split('.. page-sections-end', 1)[0]
    bullets = re.split(r'\n-  ', '\n' + part.strip())[1:]
    return [re.escape(checks.squeeze(re.search(r'\*\*(.+?)\*\*', bullet).group(1))).replace('3', r'[0-9]+')
            for bullet in bullets]


def test_the_demo_page_shows_what_the_guide_says_in_that_order(tmp_path, browser, outputs):
    dataset = generate(seed=42, sessions=400, days=7, failure_rate=0.04, warning_rate=0.08, now=NOW)
    sim = Simulator(dataset=dataset, tls=True, cert_dir=str(tmp_path / 'sim'))
    sim.start()
    try:
        options = compliance.Options.from_params({'lookback': '24h', 'max_age': '26h',
                                                  'max_age_overrides': {'Weekly*': '8d'}}, now=NOW)
        with EMClient('127.0.0.1', port=sim.port, username='Administrator', password=DEFAULT_USERS['Administrator'][0],
                      ca_path=sim.ca_path) as em:
            data = gather(em, options)
        logons = sum(1 for entry in sim.request_log() if entry['method'] == 'POST')
    finally:
        sim.stop()
    assert logons == 1
    report = compliance.build_report(data, options, em='em01.example.com')
    assert not report['passed']
    path = os.path.join(outputs, 'reports-page.html')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(reports.html_page(report, 'em01.example.com'))
    checks.html_file(path)
    dom = browser.dump_dom(path)
    text = checks.check_rendered(dom, 'FAILED: %d incident(s)' % len(reports.incidents(report)), [report])
    # The history strips and the chart are in the rendered DOM.
    assert dom.count('class="run"') == sum(len(subject['history']) for subject in report['subjects']) > 0
    bars = sum(1 for counts in report['trend']['checks'].values() for result in ('Success', 'Warning', 'Failed')
               for value in counts[result] if value)
    assert dom.count('class="bar"') == bars
    # The guide's description of the page, heading by heading, in the page's order.
    positions = []
    for pattern in guide_sections():
        found = re.search(pattern, text)
        assert found, 'the guide says the page shows %r; it does not' % pattern
        positions.append(found.start())
    assert positions == sorted(positions), 'the page shows the guide\'s sections in another order'
    # The guide's picture: `make docs-screenshot` copies it to docs/docsite/images/reports-page.png.
    browser.screenshot(path, os.path.join(outputs, 'reports-page.png'), size='1100,1250')
