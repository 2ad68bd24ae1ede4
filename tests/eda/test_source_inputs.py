"""The source's own inputs are hostile too (issue 16): a state_file that is not a regular file, too large or
nested too deeply, a window or an interval out of bounds. Each is refused with a message naming the
argument, before the first request, and never as a Python exception of another kind."""

import asyncio
import os

import pytest

from conftest import TEST_INTERVAL_VARIABLE

pytestmark = pytest.mark.asyncio(loop_scope='function')


async def refused(source, sim, queue, args, words):
    """Run the source; it must end at once with a ConfigurationError holding ``words``, before any request."""
    with pytest.raises(source.ConfigurationError) as info:
        await asyncio.wait_for(source.main(queue, args), 20)
    message = str(info.value)
    assert all(word in message for word in words), message
    assert sim.request_log() == [], 'a request was sent before the bad argument was reported'
    return message


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / 'state.fifo'
    os.mkfifo(str(path))
    return path


async def test_a_fifo_as_state_file_is_refused_not_waited_on(source, sim, queue, args, fifo):
    args['state_file'] = str(fifo)
    await refused(source, sim, queue, args, ['state_file', str(fifo), 'not a regular file'])


@pytest.mark.parametrize('path, words', [
    ('/dev/zero', ['state_file', '/dev/zero', 'not a regular file']),
    ('/tmp', ['state_file', '/tmp', 'a directory']),
])
async def test_a_device_or_a_directory_as_state_file_is_refused(source, sim, queue, args, path, words):
    args['state_file'] = path
    await refused(source, sim, queue, args, words)


async def test_a_state_file_over_the_size_cap_is_refused(source, sim, queue, args, tmp_path):
    state = tmp_path / 'state.json'
    with open(state, 'wb') as out:  # sparse: no disk used
        out.truncate(source.MAX_STATE_BYTES + 1)
    args['state_file'] = str(state)
    await refused(source, sim, queue, args, ['state_file', 'larger', 'MiB'])


async def test_a_deeply_nested_state_file_is_reported_in_the_sources_own_words(source, sim, queue, args, tmp_path):
    state = tmp_path / 'state.json'
    state.write_text('[' * 100000 + ']' * 100000, encoding='utf-8')
    args['state_file'] = str(state)
    message = await refused(source, sim, queue, args, ['state_file', 'nested too deeply'])
    assert 'Recursion' not in message


async def test_a_state_file_that_is_not_json_is_named(source, sim, queue, args, tmp_path):
    state = tmp_path / 'state.json'
    state.write_bytes(b'\xff\xfe not json')
    args['state_file'] = str(state)
    await refused(source, sim, queue, args, ['state_file', 'cannot read', 'move it away'])


async def test_a_fifo_put_in_place_after_the_arguments_were_checked_does_not_block(source, sim, args, fifo, tmp_path):
    """The file is checked again once opened (without blocking): a FIFO swapped in late is refused too."""
    utils = source.load_module_utils()
    state = tmp_path / 'state.json'
    args['state_file'] = str(state)
    poller = source.SessionPoller(utils, source.parse_options(args, {}, utils))
    os.rename(str(fifo), str(state))
    with pytest.raises(source.ConfigurationError, match='not a regular file'):
        poller.load_state()
    assert sim.request_log() == []


@pytest.mark.parametrize('change, words', [
    ({'ended_within': '100000000d'}, ['ended_within', '100000000d', 'maximum of 30d']),
    ({'ended_within': '5w'}, ['ended_within', 'maximum of 30d']),
    ({'ended_within': '31d'}, ['ended_within', 'maximum of 30d']),
    ({'interval': '100000000d'}, ['interval', 'maximum of 30d']),
    ({'interval': 0.001}, ['interval', '0.001', 'not an age']),
    ({'interval': '1s'}, ['interval', 'minimum of 5s']),
    ({'interval': '4s'}, ['interval', 'minimum of 5s']),
])
async def test_the_window_and_the_interval_are_bounded(source, sim, queue, args, change, words, monkeypatch):
    monkeypatch.delenv(TEST_INTERVAL_VARIABLE)
    args.update(change)
    await refused(source, sim, queue, args, words)


async def test_the_bounds_themselves_are_accepted(source, sim, args, monkeypatch):
    monkeypatch.delenv(TEST_INTERVAL_VARIABLE)
    utils = source.load_module_utils()
    options = source.parse_options(dict(args, interval='5s', ended_within='30d'), {}, utils)
    assert (options['interval'], options['ended_within']) == (5, 30 * 86400)
