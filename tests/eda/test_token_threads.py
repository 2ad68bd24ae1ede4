"""The source's poller keeps one EM logon across worker threads when EM drops its token (issue 16, point 8).

ansible-rulebook runs each poll in a worker thread (``asyncio.to_thread``), not always the same one. EM
sets the token as a cookie too and reads the cookie first; a client that kept a cookie per thread logged
on twice after a dropped token and left a logon session open. The simulator prefers the cookie like EM.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest


@pytest.fixture
def logons(sim):
    """The logon sessions opened during one test by a user of its own (see the simulator's OwnUser)."""
    return sim.own_user()


def make_poller(source, sim, logons):
    utils = source.load_module_utils()
    args = {'host': '127.0.0.1', 'port': sim.port, 'username': logons.username, 'password': logons.password,
            'ca_path': sim.ca_path, 'timeout': 5, 'retries': 0, 'ended_within': '1h',
            'kinds': ['cdp_replica_sessions']}
    options = source.parse_options(args, {}, utils)
    return source.SessionPoller(utils, options)


@pytest.mark.parametrize('repeat', range(10))
def test_polls_in_two_worker_threads_log_on_once_per_dropped_token(source, sim, logons, repeat):
    """A poll in thread A, the token dropped, a poll in thread B, a poll in A again, and so on."""
    poller = make_poller(source, sim, logons)
    first, second = ThreadPoolExecutor(max_workers=1), ThreadPoolExecutor(max_workers=1)
    try:
        first.submit(poller.poll).result(30)
        drops = 0
        for thread in (second, first, second, first):
            sim.set_faults(expire_tokens=True)
            drops += 1
            thread.submit(poller.poll).result(30)
            first.submit(poller.poll).result(30)
            second.submit(poller.poll).result(30)
    finally:
        first.submit(poller.close).result(30)
        first.shutdown()
        second.shutdown()
    assert len(logons.opened) == 1 + drops, 'repeat %d' % repeat
    assert logons.still_open() == 0, 'a logon session was left open (repeat %d)' % repeat
    assert not [entry for entry in sim.request_log() if entry['cookie']], 'the client sent a cookie'


@pytest.mark.asyncio(loop_scope='function')
@pytest.mark.parametrize('repeat', range(4))
async def test_polls_through_asyncio_worker_threads_leave_no_session_open(source, sim, logons, repeat):
    """As the source itself runs them: every poll through asyncio.to_thread, the token dropped between polls."""
    poller = make_poller(source, sim, logons)
    try:
        await asyncio.to_thread(poller.poll)
        for _drop in range(3):
            sim.set_faults(expire_tokens=True)
            await asyncio.gather(*(asyncio.to_thread(poller.poll) for _index in range(3)))
    finally:
        await asyncio.to_thread(poller.close)
    assert len(logons.opened) == 4, 'repeat %d' % repeat
    assert logons.still_open() == 0, 'a logon session was left open (repeat %d)' % repeat
