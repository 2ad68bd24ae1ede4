"""Checks of report files with the consumers that read them in real life."""

import os
import re
import xml.etree.ElementTree as ET

import html5lib
from junitparser import Error, Failure, JUnitXml, Skipped
from prometheus_client.parser import text_string_to_metric_families

from ansible_collections.veeam.enterprise_manager.plugins.module_utils import _checks as registry

NOT_XML = re.compile(u'[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')
NS = '{http://www.w3.org/1999/xhtml}'
# What a page must not show of EM's text: control characters (tab and newline aside) and bidirectional controls.
HIDDEN = re.compile(u'[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]')


def squeeze(text):
    """Text without whitespace and with the characters XML cannot carry replaced, for comparing rendered text."""
    return ''.join(NOT_XML.sub(u'\ufffd', text or '').split())


def kind_check(kind):
    """The check a violation's kind belongs to, from the one table of checks (KeyError for an unknown kind)."""
    return registry.KIND_CHECK[kind].name


def junit(path, reports, expected_tests, missing=0):
    """Parse with junitparser; the counts must match the reports (a list) and the number of EMs without a report
    (an error each); returns the parsed document."""
    xml = JUnitXml.fromfile(path)
    suites = list(xml)
    failures = skipped = tests = errors = 0
    messages = []
    for suite in suites:
        cases = list(suite)
        suite_failures = sum(1 for case in cases for result in case.result if isinstance(result, Failure))
        suite_skipped = sum(1 for case in cases for result in case.result if isinstance(result, Skipped))
        suite_errors = sum(1 for case in cases for result in case.result if isinstance(result, Error))
        assert (suite.tests, suite.failures, suite.skipped, suite.errors) == (
            len(cases), suite_failures, suite_skipped, suite_errors), suite.name
        errors += suite_errors
        for case in cases:
            assert case.name and case.classname
            messages.extend(result.message for result in case.result if isinstance(result, Failure))
        failures, skipped, tests = failures + suite_failures, skipped + suite_skipped, tests + len(cases)
    root = ET.parse(path).getroot()
    assert root.tag == 'testsuites'
    assert (int(root.get('tests')), int(root.get('failures')), int(root.get('skipped')), int(root.get('errors'))) == (
        tests, failures, skipped, errors)
    assert errors == missing
    violations = [item for report in reports for item in report['violations']]
    assert failures == len(violations)
    assert sorted(messages) == sorted(NOT_XML.sub(u'\ufffd', item['message']) for item in violations)
    disabled = sum(1 for report in reports for subject in report.get('subjects') or []
                   if subject['verdict'] == 'disabled')
    markers = sum(1 for report in reports for count in (report.get('excluded') or {}).values() if count)
    assert skipped == disabled + markers
    if expected_tests is not None:
        assert tests == expected_tests + markers + missing
    names = [case.name for suite in suites for case in suite]
    for report in reports:
        for subject in report.get('subjects') or []:
            assert any(subject['name'] in name for name in names), subject['name']
    assert tests >= sum(len(report.get('subjects') or []) for report in reports) + markers
    checks = sum(len(report['totals']) for report in reports)
    assert len(suites) == checks + missing
    return xml


def html_file(path):
    """Parse strictly with html5lib (raises on any parse error); no script, no remote or embedded asset."""
    with open(path, 'rb') as handle:
        data = handle.read()
    parser = html5lib.HTMLParser(strict=True)
    document = parser.parse(data)
    assert not parser.errors
    for element in document.iter():
        tag = element.tag.replace(NS, '') if isinstance(element.tag, str) else ''
        assert tag not in ('script', 'img', 'link', 'iframe', 'object', 'embed', 'video', 'audio'), tag
        for name, value in element.attrib.items():
            assert not name.startswith('on'), name
            assert '://' not in value and not value.startswith('data:'), (name, value)
    return document


def rendered_text(dom):
    """The text of the DOM Chromium rendered (--dump-dom)."""
    document = html5lib.parse(dom)
    return ''.join(document.itertext())


def check_rendered(dom, headline, reports):
    shown = rendered_text(dom)
    assert not HIDDEN.search(shown), 'the page shows a control character: %r' % HIDDEN.findall(shown)
    text = squeeze(shown)
    assert squeeze(headline) in text, headline
    for report in reports:
        for item in report['violations']:
            assert squeeze(HIDDEN.sub('', item['message'])) in text, item['message']
            assert squeeze(HIDDEN.sub('', item['name'])) in text, item['name']
        for item in report.get('recovered') or []:
            assert squeeze(HIDDEN.sub('', item['message'])) in text, item['message']
    return text


def prometheus(path, reports):
    """Parse with prometheus_client; the values must match the reports; returns {metric: [samples]}."""
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    assert text.endswith('\n')
    families = dict((family.name, family) for family in text_string_to_metric_families(text))
    samples = dict((name, family.samples) for name, family in families.items())
    for name, family in families.items():
        assert family.documentation, name
        assert family.type == 'gauge', name
    for report in reports:
        em = report['_name']
        passed = [s.value for s in samples['veeam_em_compliance_passed'] if s.labels['em'] == em]
        assert passed == [1.0 if report['passed'] else 0.0]
        per_check = {}
        for item in report['violations']:
            per_check[kind_check(item['kind'])] = per_check.get(kind_check(item['kind']), 0) + 1
        for check in report['totals']:
            values = [s.value for s in samples['veeam_em_compliance_violations']
                      if s.labels == {'em': em, 'check': check}]
            assert values == [per_check.get(check, 0)], check
            for result in ('Success', 'Warning', 'Failed', 'None'):
                values = [s.value for s in samples['veeam_em_compliance_sessions']
                          if s.labels == {'em': em, 'check': check, 'result': result}]
                assert values == [report['totals'][check].get(result, 0)], (check, result)
        for subject in report.get('subjects') or []:
            mine = [s for s in samples['veeam_em_compliance_subject_verdict']
                    if s.labels['em'] == em and s.labels['name'] == subject['name']
                    and s.labels['parent'] == (subject['parent'] or '') and s.labels['check'] == subject['check']]
            assert {s.labels['verdict']: s.value for s in mine}[subject['verdict']] == 1.0, subject['name']
            assert sum(s.value for s in mine) == 1.0
    return samples


def listing(directory):
    return sorted(os.listdir(directory))
