"""Group commit for the server's posting endpoint: journals that arrive while a posting is running are posted
together in the next transaction (services/posting_group.py), each with its own batch, answer and key.

The queue lives on the server's event loop; only the posting of a group runs in a thread (it blocks on the
database). A request waits on a future, not in a thread of its own: one thread hand-over per group instead of one
per request, and no thread wakes another per request. The first request to find nobody posting starts a group at
once (a lone client waits for nothing); requests that arrive meanwhile queue up and go together in the next. The
more clients post at once, the larger the groups, and a transaction's fixed costs — the counters held, the
commit — are shared by more journals.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

LIMIT = 100  # journals in one transaction at most: a group holds the company's counters while it posts
GATHER_TURNS = 3  # event-loop turns a group waits before it starts: requests already read reach the queue


class GroupCommit:
    """Runs `post_group` (requests -> one outcome each, in order) over whatever has queued up."""

    def __init__(self, post_group: Callable[[list[Any]], list[Any]], limit: int = LIMIT,
                 gather_turns: int = GATHER_TURNS):
        self._post_group = post_group
        self._limit = limit
        self._gather_turns = gather_turns
        self._queue: list[tuple[Any, asyncio.Future]] = []
        self._posting = False

    async def submit(self, request: Any) -> Any:
        """The request's outcome (what post_group answered for it: a result or an exception), once its group has
        posted."""
        outcome: asyncio.Future = asyncio.get_running_loop().create_future()
        self._queue.append((request, outcome))
        if not self._posting:
            self._posting = True
            asyncio.ensure_future(self._post_while_queued())
        return await outcome

    async def _post_while_queued(self) -> None:
        try:
            while True:
                for _ in range(self._gather_turns):  # requests whose bodies are read already join this group
                    await asyncio.sleep(0)
                if not self._queue:
                    break
                group = self._queue[:self._limit]
                del self._queue[:self._limit]
                try:
                    outcomes = await run_in_threadpool(self._post_group, [request for request, _ in group])
                except Exception as error:  # noqa: BLE001 - a failure of the whole group is each request's outcome
                    outcomes = [error] * len(group)
                for (_, future), outcome in zip(group, outcomes):
                    if not future.done():  # a request whose client went away was cancelled
                        future.set_result(outcome)
        finally:
            self._posting = False
            for _, future in self._queue:  # only after a cancellation of this task: nobody would post them
                if not future.done():
                    future.set_exception(RuntimeError("the posting queue stopped"))
            if self._queue:
                self._queue.clear()


class GroupCommits:
    """One queue per company (a group posts in one company), kept by the app for its database. Used from the
    event loop only."""

    def __init__(self) -> None:
        self._queues: dict[str, GroupCommit] = {}

    def of(self, company_id: str, post_group: Callable[[list[Any]], list[Any]]) -> GroupCommit:
        queue = self._queues.get(company_id)
        if queue is None:
            queue = self._queues[company_id] = GroupCommit(post_group)
        return queue
