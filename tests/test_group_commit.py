"""The server's group commit queue (api/group_commit.py): a lone request posts at once; requests that arrive while
a group posts go together in the next; a leader waits a moment for requests on their way; each request gets its
own outcome."""
from __future__ import annotations

import threading
import time

from bilag.api.group_commit import GroupCommit


class Recorder:
    """post_group that records each group and answers each request with itself doubled; the first group can be
    held until released."""

    def __init__(self, hold_first: bool = False):
        self.groups: list[list] = []
        self.started = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()

    def __call__(self, group: list) -> list:
        self.groups.append(list(group))
        self.started.set()
        self.release.wait(10)
        return [ValueError(r) if r == "bad" else r * 2 for r in group]


def run(queue: GroupCommit, request, outcomes: dict, ticket=None) -> threading.Thread:
    thread = threading.Thread(target=lambda: outcomes.__setitem__(request, queue.submit(request, ticket)))
    thread.start()
    return thread


def test_a_lone_request_posts_at_once_in_a_group_of_its_own():
    recorder = Recorder()
    queue = GroupCommit(recorder)
    assert queue.submit(21) == 42
    assert queue.submit(5) == 10
    assert recorder.groups == [[21], [5]]


def test_requests_arriving_while_a_group_posts_go_together_in_the_next_and_each_gets_its_own_outcome():
    recorder = Recorder(hold_first=True)
    queue = GroupCommit(recorder, gather_ms=0)
    outcomes: dict = {}
    first = run(queue, 1, outcomes)
    assert recorder.started.wait(10)
    others = [run(queue, r, outcomes) for r in (2, "bad", 4)]
    deadline = time.monotonic() + 10
    while len(queue._queue) < 3 and time.monotonic() < deadline:  # all three queued behind the first group
        time.sleep(0.01)
    recorder.release.set()
    for thread in [first, *others]:
        thread.join(10)
    assert recorder.groups == [[1], [2, "bad", 4]]
    assert outcomes[1] == 2 and outcomes[2] == 4 and outcomes[4] == 8
    assert isinstance(outcomes["bad"], ValueError)


def test_a_group_is_at_most_the_limit_and_the_rest_follow():
    recorder = Recorder(hold_first=True)
    queue = GroupCommit(recorder, limit=2, gather_ms=0)
    outcomes: dict = {}
    first = run(queue, 0, outcomes)
    assert recorder.started.wait(10)
    others = [run(queue, r, outcomes) for r in (1, 2, 3)]
    while len(queue._queue) < 3:
        time.sleep(0.01)
    recorder.release.set()
    for thread in [first, *others]:
        thread.join(10)
    assert [len(g) for g in recorder.groups] == [1, 2, 1]
    assert outcomes == {0: 0, 1: 2, 2: 4, 3: 6}


def test_a_leader_waits_for_a_request_on_its_way_and_posts_it_in_its_group():
    recorder = Recorder()
    queue = GroupCommit(recorder, gather_ms=5000)
    outcomes: dict = {}
    on_its_way = queue.coming()
    ticket = on_its_way.__enter__()  # signed in, reading its lines
    leader = run(queue, 1, outcomes)
    time.sleep(0.1)
    assert recorder.groups == []  # the leader waits for it
    late = run(queue, 2, outcomes, ticket)
    for thread in (leader, late):
        thread.join(10)
    on_its_way.__exit__(None, None, None)
    assert recorder.groups == [[1, 2]] and outcomes == {1: 2, 2: 4}


def test_a_request_refused_on_its_way_does_not_keep_the_leader_waiting():
    recorder = Recorder()
    queue = GroupCommit(recorder, gather_ms=5000)
    try:
        with queue.coming():
            raise PermissionError("forbidden")
    except PermissionError:
        pass
    started = time.monotonic()
    assert queue.submit(3) == 6
    assert time.monotonic() - started < 2
