"""Group commit for the server's posting endpoint: journals that arrive while a posting is running are posted
together in the next transaction (services/posting_group.py), each with its own batch, answer and key.

Leader and followers, no timer: the first request to find nobody posting posts at once (a lone client waits for
nothing); requests that arrive meanwhile queue up and the next of them posts them all as one group. The more
clients post at once, the larger the groups, and a transaction's fixed costs — the counters held, the commit — are
shared by more journals. Each request runs in a thread of the server's pool (the posting blocks).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

LIMIT = 100  # journals in one transaction at most: a group holds the company's counters while it posts


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

    def __init__(self, post_group: Callable[[list[Any]], list[Any]], limit: int = LIMIT):
        self._post_group = post_group
        self._limit = limit
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._leading = False

    def submit(self, request: Any) -> Any:
        """The request's outcome, once the group it went with has posted."""
        me = _Waiting(request)
        with self._lock:
            self._queue.append(me)
            lead = not self._leading
            self._leading = True
        if not lead:
            me.ready.wait()
            if me.done:
                return me.outcome
        while not me.done:  # leading: post what has queued up (this request first in line) until it is done
            with self._lock:
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
