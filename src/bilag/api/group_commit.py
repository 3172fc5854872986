"""Group commit for the server's posting endpoint: journals that arrive while a posting is running are posted
together in the next transaction (services/posting_group.py), each with its own batch, answer and key.

Leader and followers, no timer: the first request to find nobody posting posts at once (a lone client waits for
nothing); requests that arrive meanwhile queue up and the next of them posts them all as one group. The more
clients post at once, the larger the groups, and a transaction's fixed costs — the counters held, the commit — are
shared by more journals. Each request runs in a thread of the server's pool (the posting blocks).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

LIMIT = 100  # journals in one transaction at most: a group holds the company's counters while it posts
GATHER_MS = 2  # how long a leader waits for requests already on their way (being read, signed in)


class _Waiting:
    __slots__ = ("request", "outcome", "done", "ready", "lead")

    def __init__(self, request: Any):
        self.request = request
        self.outcome: Any = None
        self.done = False
        self.ready = threading.Event()
        self.lead = False


class GroupCommit:
    """Runs `post_group` (requests -> one outcome each, in order) over whatever has queued up."""

    def __init__(self, post_group: Callable[[list[Any]], list[Any]], limit: int = LIMIT,
                 gather_ms: int = GATHER_MS):
        self._post_group = post_group
        self._limit = limit
        self._gather_ms = gather_ms
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._queue: list[_Waiting] = []
        self._leading = False
        self._coming = 0

    @contextmanager
    def coming(self) -> Iterator[list[bool]]:
        """Around a request's way to submit (signing in, reading its lines), with the ticket submit takes: a
        leader about to post waits a moment for the requests on their way, so that they go in its group instead
        of waiting for the next."""
        ticket = [True]
        with self._lock:
            self._coming += 1
        try:
            yield ticket
        finally:
            if ticket[0]:  # refused before it submitted
                with self._lock:
                    self._coming -= 1
                    self._arrived.notify_all()

    def submit(self, request: Any, ticket: list[bool] | None = None) -> Any:
        """The request's outcome, once the group it went with has posted."""
        me = _Waiting(request)
        with self._lock:
            if ticket is not None and ticket[0]:
                ticket[0] = False
                self._coming -= 1
            self._queue.append(me)
            self._arrived.notify_all()
            lead = not self._leading
            self._leading = True
        if not lead:
            me.ready.wait()
            if me.done:
                return me.outcome
        while not me.done:  # leading: post what has queued up (this request first in line) until it is done
            with self._lock:
                deadline = time.monotonic() + self._gather_ms / 1000
                while self._coming and len(self._queue) < self._limit:
                    left = deadline - time.monotonic()
                    if left <= 0 or not self._arrived.wait(left):
                        break
                group = self._queue[:self._limit]
                del self._queue[:self._limit]
            try:
                outcomes = self._post_group([waiting.request for waiting in group])
            except BaseException as error:  # noqa: BLE001 - a failure of the whole group is each request's outcome
                outcomes = [error] * len(group)
            for waiting, outcome in zip(group, outcomes):
                waiting.outcome, waiting.done = outcome, True
                waiting.ready.set()
        with self._lock:  # hand the lead on to the first request still waiting, so that this one can answer
            if self._queue:
                self._queue[0].lead = True
                self._queue[0].ready.set()
            else:
                self._leading = False
        return me.outcome


class GroupCommits:
    """One queue per company (a group posts in one company), kept by the app for its database."""

    def __init__(self) -> None:
        self._queues: dict[str, GroupCommit] = {}
        self._lock = threading.Lock()

    def of(self, company_id: str, post_group: Callable[[list[Any]], list[Any]]) -> GroupCommit:
        with self._lock:
            queue = self._queues.get(company_id)
            if queue is None:
                queue = self._queues[company_id] = GroupCommit(post_group)
            return queue
