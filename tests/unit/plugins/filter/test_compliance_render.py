"""The report filters: what they expose and how they report bad input."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.veeam.enterprise_manager.plugins.filter.compliance_render import FilterModule

FILTERS = FilterModule().filters()
REPORT = {'passed': True, 'em': 'em.example.com', 'totals': {'replica_sessions': {'total': 0}}, 'violations': [],
          'lines': []}


def test_the_filters_are_exposed():
    assert sorted(FILTERS) == ['compliance_fleet', 'compliance_html', 'compliance_json', 'compliance_junit', 'compliance_message',
                               'compliance_prometheus', 'compliance_summary']


@pytest.mark.parametrize('name', ['compliance_html', 'compliance_json', 'compliance_junit', 'compliance_prometheus',
                                  'compliance_summary'])
def test_bad_input_is_a_filter_error_naming_the_filter(name):
    with pytest.raises(AnsibleFilterError, match='^%s: report must be a compliance report' % name):
        FILTERS[name]([])


def test_the_renderers_take_a_name():
    assert 'em="em-a"' in FILTERS['compliance_prometheus'](REPORT, name='em-a')
    assert 'classname="em-a.replica_sessions"' not in FILTERS['compliance_junit'](REPORT, name='em-a')  # no subject
    assert 'name="em-a: Replication jobs"' in FILTERS['compliance_junit'](REPORT, name='em-a')
    assert 'em-a (em.example.com)' in FILTERS['compliance_html'](REPORT, name='em-a')


def test_fleet_checks_missing():
    with pytest.raises(AnsibleFilterError, match='missing must be a list of names'):
        FILTERS['compliance_fleet']({'a': REPORT}, missing='b')
    fleet = FILTERS['compliance_fleet']({'a': REPORT}, missing=['b'])
    assert fleet['passed'] is False and fleet['missing'] == ['b']
    with pytest.raises(AnsibleFilterError, match='^compliance_fleet: two reports are named'):
        FILTERS['compliance_fleet']([REPORT, REPORT])


def test_the_summary_is_inert_for_templates_and_the_report_is_left_as_it_is():
    report = dict(REPORT, passed=False, violations=[{'name': 'vm-{{ 6*7 }}'}],
                  lines=['1 violation(s)', 'vm-{{ 6*7 }} | {%- raw %} | {# c #} | {{ lookup("pipe", "id") }}'])
    summary = FILTERS['compliance_summary'](report)
    assert summary['violations'] == ['vm-{ { 6*7 }} | { %- raw %} | { # c #} | { { lookup("pipe", "id") }}']
    assert summary['violation_count'] == 1
    keyed = FILTERS['compliance_summary'](report, name='EM {{ x }}')
    assert list(keyed) == ['EM { { x }}'] and keyed['EM { { x }}'] == summary
    assert report['lines'][1].startswith('vm-{{ 6*7 }}')  # the input is not changed
    with pytest.raises(AnsibleFilterError, match='name must be a string'):
        FILTERS['compliance_summary'](report, name=['a'])


def test_the_failure_message_is_printable():
    report = dict(REPORT, passed=False, lines=[u'1 violation(s)', u'job \u202eexe.gpj \x1b[2Jgone\r\nnext'])
    assert FILTERS['compliance_message'](report) == [u'1 violation(s)', u'job exe.gpj gone next']
    headed = FILTERS['compliance_message'](report, name=u'em\u202e1')
    assert headed == [u'em1: 1 violation(s)', u'  job exe.gpj gone next']
    assert report['lines'][1].startswith(u'job \u202e')
    assert FILTERS['compliance_message'](REPORT) == []
    with pytest.raises(AnsibleFilterError, match='^compliance_message: report must be a compliance report'):
        FILTERS['compliance_message']([])
