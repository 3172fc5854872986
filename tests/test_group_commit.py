"""The server's group commit queue (api/group_commit.py): a lone request posts at once; requests that arrive while
a group posts go together in the next; requests already read when a group starts go with it; each request gets
its own outcome."""
from __future__ import annotations

import asyncio
import threading

from bilag.api.group_commit import GroupCommit, GroupCommits


class Recorder:
    """post_group that records each group and answers each request with itself doubled; the first group can be
    held until released (it runs in a thread, as a posting does)."""

    def __init__(self, hold_first: bool = False):
        self.groups: list[list] = []
        self.threads: set[int] = set()
        self.started = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()

    def __call__(self, group: list) -> list:
        self.groups.append(list(group))
        self.threads.add(threading.get_ident())
        self.started.set()
        self.release.wait(10)
        return [ValueError(r) if r == "bad" else r * 2 for r in group]


async def behind_a_posting_group(queue: GroupCommit, recorder: Recorder, first, later: tuple) -> tuple:
    """`first` posting (held by the recorder) and `later` queued behind it: their futures."""
    posting = asyncio.ensure_future(queue.submit(first))
    while not recorder.started.is_set():
        await asyncio.sleep(0.001)
    waiting = [asyncio.ensure_future(queue.submit(request)) for request in later]
    while len(queue._queue) < len(later):
        await asyncio.sleep(0.001)
    return posting, waiting


def test_a_lone_request_posts_at_once_in_a_group_of_its_own_in_a_thread():
    recorder = Recorder()
    queue = GroupCommit(recorder)

    async def main():
        assert await queue.submit(21) == 42
        assert await queue.submit(5) == 10

    asyncio.run(main())
    assert recorder.groups == [[21], [5]]
    assert threading.get_ident() not in recorder.threads  # the event loop never blocks on a posting


def test_requests_arriving_while_a_group_posts_go_together_in_the_next_and_each_gets_its_own_outcome():
    recorder = Recorder(hold_first=True)
    queue = GroupCommit(recorder)

    async def main():
        first, others = await behind_a_posting_group(queue, recorder, 1, (2, "bad", 4))
        recorder.release.set()
        return await asyncio.gather(first, *others)

    outcomes = asyncio.run(main())
    assert recorder.groups == [[1], [2, "bad", 4]]
    assert outcomes[:2] == [2, 4] and outcomes[3] == 8
    assert isinstance(outcomes[2], ValueError) and outcomes[2].args == ("bad",)


def test_requests_read_in_the_same_moment_start_one_group_together():
    recorder = Recorder()
    queue = GroupCommit(recorder)

    async def main():
        return await asyncio.gather(*(queue.submit(r) for r in (1, 2, 3)))

    assert asyncio.run(main()) == [2, 4, 6]
    assert recorder.groups == [[1, 2, 3]]


def test_a_group_is_at_most_the_limit_and_the_rest_follow():
    recorder = Recorder(hold_first=True)
    queue = GroupCommit(recorder, limit=2)

    async def main():
        first, others = await behind_a_posting_group(queue, recorder, 0, (1, 2, 3))
        recorder.release.set()
        return await asyncio.gather(first, *others)

    assert asyncio.run(main()) == [0, 2, 4, 6]
    assert [len(g) for g in recorder.groups] == [1, 2, 1]


def test_a_failing_group_is_each_requests_outcome_and_the_queue_goes_on():
    calls: list[list] = []

    def post_group(group: list) -> list:
        calls.append(group)
        if len(calls) == 1:
            raise ConnectionError("the database went away")
        return [r * 2 for r in group]

    queue = GroupCommit(post_group)

    async def main():
        failed = await asyncio.gather(queue.submit(1), queue.submit(2))
        return failed, await queue.submit(3)

    failed, later = asyncio.run(main())
    assert all(isinstance(outcome, ConnectionError) for outcome in failed) and later == 6


def test_a_request_whose_client_went_away_does_not_stop_its_group():
    recorder = Recorder(hold_first=True)
    queue = GroupCommit(recorder)

    async def main():
        first, (gone, stays) = await behind_a_posting_group(queue, recorder, 1, (2, 3))
        gone.cancel()
        recorder.release.set()
        return await first, await stays

    assert asyncio.run(main()) == (2, 6)
    assert recorder.groups == [[1], [2, 3]]  # the journal still posts: its client just does not hear of it


def test_each_company_has_its_own_queue():
    queues = GroupCommits()
    post = Recorder()
    assert queues.of("USMF", post) is queues.of("USMF", post)
    assert queues.of("USMF", post) is not queues.of("DEMF", post)
