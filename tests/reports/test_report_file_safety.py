"""Report files written safely into a directory others may share (issue 16, points 4 and 5).

Each attack goes through real ansible-playbook: the role's report tasks on a report read from a fixture.
"""

import json
import os
import stat

import pytest

from conftest import FIXTURES

EM = 'em01.example.com'
FIXTURE = os.path.join(FIXTURES, 'em01_every_verdict.json')
PASSED = os.path.join(FIXTURES, 'em02_passed.json')


def host(fixture=FIXTURE, **variables):
    return dict({'report_source': 'fixture', 'report_fixture': fixture, 'session_compliance_fail': False}, **variables)


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def umask():
    """Set the umask ansible-playbook inherits; restored afterwards."""
    saved = os.umask(0o022)
    os.umask(saved)

    def setter(value):
        os.umask(value)
    yield setter
    os.umask(saved)


def test_a_symlink_to_a_directory_planted_at_a_report_name_is_refused_and_never_followed(run_playbook, tmp_path):
    reports, elsewhere = tmp_path / 'reports', tmp_path / 'elsewhere'
    reports.mkdir()
    elsewhere.mkdir()
    os.symlink(str(elsewhere), str(reports / (EM + '.json')))
    run = run_playbook({'em01': host()}, report_dir=str(reports))
    assert run.rc == 2, run
    assert 'is a symbolic link' in run.stdout and EM + '.json' in run.stdout, run
    assert os.listdir(str(elsewhere)) == []
    # Every target is checked before any file is written: nothing else landed either.
    assert sorted(os.listdir(str(reports))) == [EM + '.json'] and os.path.islink(str(reports / (EM + '.json')))


def test_a_symlink_to_a_file_is_refused_and_its_target_kept(run_playbook, tmp_path):
    reports = tmp_path / 'reports'
    reports.mkdir()
    victim = tmp_path / 'victim.txt'
    victim.write_text('keep me', encoding='utf-8')
    os.symlink(str(victim), str(reports / (EM + '.html')))
    run = run_playbook({'em01': host()}, report_dir=str(reports))
    assert run.rc == 2, run
    assert victim.read_text(encoding='utf-8') == 'keep me'


@pytest.mark.skipif(os.geteuid() != 0, reason='planting a file owned by another user needs root (os.chown)')
def test_a_planted_world_writable_file_of_another_user_is_replaced_by_a_new_file_of_ours(run_playbook, tmp_path):
    reports = tmp_path / 'reports'
    reports.mkdir()
    planted = reports / (EM + '.junit.xml')
    planted.write_text('<planted/>', encoding='utf-8')
    os.chown(str(planted), 4242, 4242)
    os.chmod(str(planted), 0o666)
    before = os.lstat(str(planted))
    run = run_playbook({'em01': host()}, report_dir=str(reports))
    assert run.rc == 0, run
    after = os.lstat(str(planted))
    assert after.st_ino != before.st_ino  # a new file, not the planted one written into
    assert (after.st_uid, after.st_gid) == (os.getuid(), os.getgid())
    assert mode_of(str(planted)) == 0o640
    assert '<planted/>' not in planted.read_text(encoding='utf-8')
    # No temporary file is left behind.
    assert sorted(os.listdir(str(reports))) == sorted(EM + suffix for suffix in ('.json', '.junit.xml', '.html'))


def test_files_are_0640_narrowed_by_the_umask_and_a_new_directory_0750(run_playbook, tmp_path, umask):
    umask(0o022)
    run = run_playbook({'em01': host()}, report_dir=str(tmp_path / 'new022'))
    assert run.rc == 0, run
    assert mode_of(str(tmp_path / 'new022')) == 0o750
    assert set(mode_of(run.path(name)) for name in run.files()) == {0o640}, run.files()

    umask(0o077)
    run = run_playbook({'em01': host()}, report_dir=str(tmp_path / 'new077'))
    assert run.rc == 0, run
    assert mode_of(str(tmp_path / 'new077')) == 0o700
    assert set(mode_of(run.path(name)) for name in run.files()) == {0o600}, run.files()


def test_an_existing_directory_keeps_its_mode(run_playbook, tmp_path):
    reports = tmp_path / 'private'
    reports.mkdir()
    os.chmod(str(reports), 0o700)
    run = run_playbook({'em01': host()}, report_dir=str(reports))
    assert run.rc == 0, run
    assert mode_of(str(reports)) == 0o700
    assert len(run.files()) == 3


def test_the_report_mode_variable_sets_the_files_mode(run_playbook, tmp_path, umask):
    umask(0o022)
    run = run_playbook({'em01': host()}, {'session_compliance_report_mode': '0600'})
    assert run.rc == 0, run
    assert set(mode_of(run.path(name)) for name in run.files()) == {0o600}
    # An unquoted 0440 in YAML is the number 288: the same mode.
    run = run_playbook({'em01': host()}, {'session_compliance_report_mode': 0o440},
                       report_dir=str(tmp_path / 'numeric-mode'))
    assert run.rc == 0, run
    assert set(mode_of(run.path(name)) for name in run.files()) == {0o440}
    run = run_playbook({'em01': host()}, {'session_compliance_report_mode': 'rwx'},
                       report_dir=str(tmp_path / 'bad-mode'))
    assert run.rc == 2, run
    assert 'mode: must be an octal mode' in run.stdout, run


def test_names_that_sanitise_alike_fail_naming_both_before_any_file(run_playbook):
    hosts = {'paris-1': host(session_compliance_report_name='EM Paris'),
             'paris-2': host(PASSED, session_compliance_report_name='EM:Paris')}
    run = run_playbook(hosts)
    assert run.rc == 2, run
    assert '"EM Paris" (inventory host paris-1)' in run.stdout and '"EM:Paris" (inventory host paris-2)' in run.stdout
    assert 'EM_Paris.*' in run.stdout, run
    assert run.files() == []
    recap = run.stdout.split('PLAY RECAP')[1]
    for name in ('paris-1', 'paris-2'):  # each host in the clash fails, as the recap says
        assert 'failed=1' in recap.split(name)[1].splitlines()[0], run


def test_a_host_outside_the_clash_goes_on(run_playbook):
    hosts = {'paris-1': host(session_compliance_report_name='EM Paris'),
             'paris-2': host(PASSED, session_compliance_report_name='EM:Paris'),
             'em03': host(PASSED, session_compliance_report_name='em03')}
    run = run_playbook(hosts, {'session_compliance_report_formats': ['json']})
    assert run.rc == 2, run
    assert run.files() == ['em03.json', 'fleet.json'], run
    with open(run.path('fleet.json'), encoding='utf-8') as handle:
        assert json.load(handle)['missing'] == ['paris-1', 'paris-2']


def test_an_em_named_fleet_does_not_overwrite_the_roll_up(run_playbook):
    hosts = {'em01': host(session_compliance_report_name='fleet'), 'em02': host(PASSED)}
    run = run_playbook(hosts, {'session_compliance_report_formats': ['json']})
    assert run.rc == 0, run
    assert run.files() == ['em02.example.org.json', 'em_fleet.json', 'fleet.json'], run
    with open(run.path('fleet.json'), encoding='utf-8') as handle:
        assert json.load(handle)['em_count'] == 2
    with open(run.path('em_fleet.json'), encoding='utf-8') as handle:
        assert json.load(handle)['em'] == EM


def test_a_dns_length_name_makes_a_file_name_the_file_system_takes(run_playbook):
    label = 'a' * 63
    name = '.'.join([label, label, label, 'b' * 61])  # 253 characters, the longest DNS name
    other = name[:-1] + 'c'
    hosts = {'long-1': host(session_compliance_report_name=name),
             'long-2': host(PASSED, session_compliance_report_name=other)}
    run = run_playbook(hosts, {'session_compliance_report_formats': ['json', 'junit', 'html', 'prometheus']})
    assert run.rc == 0, run
    files = run.files()
    assert len(files) == 4 + 4 + 3, files
    assert max(len(name.encode('utf-8')) for name in files) <= 255
    # The two long names share their first 183 characters but not their files.
    assert len(set(name[:-len('.prom')] for name in files if name.endswith('.prom'))) == 2
