"""`bilag journal post|validate` of a large file: streamed, and checked and posted in one pass, or (larger) checked
whole, then posted in committed chunks that the same command resumes, with a progress bar on a terminal (issue 11;
services/file_posting.py says why)."""
from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from ..errors import BilagError
from . import render
from .options import check_format

# Files from this size on are streamed (about 50,000 lines of CSV); smaller ones are read whole, which lets the
# output list every voucher. BILAG_STREAM_FROM (bytes) changes it.
STREAM_FROM_BYTES = 4 * 1024 * 1024


def streamed(path: Path) -> bool:
    try:
        size = path.stat().st_size
    except OSError:
        return False  # reading it whole names the problem
    return size >= int(os.environ.get("BILAG_STREAM_FROM", STREAM_FROM_BYTES))


@contextmanager
def _progress_bar(path: Path):
    """A Rich progress bar over the file's bytes (an XLSX's rows) when stderr is a terminal, once for each pass
    (checking, then posting); else nothing. Yields (progress, stage) callbacks."""
    if not render.stderr.is_terminal:
        yield None, None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    xlsx = path.suffix.lower() == ".xlsx"
    columns = [TextColumn("{task.description}"), BarColumn()]
    columns += [TextColumn("{task.completed:,.0f} rows")] if xlsx else [DownloadColumn()]
    with Progress(*columns, TimeRemainingColumn(), console=render.stderr, transient=True) as progress:
        task = progress.add_task(path.name, total=None if xlsx else path.stat().st_size)

        def stage(name: str) -> None:
            progress.reset(task, description=f"{path.name}: {name}")

        yield (lambda amount: progress.advance(task, amount)), stage


def post_file(engine, company: str | None, name: str, path: Path, *, default_date: date | None,
              one_voucher: bool | None, user: str | None, idempotency_key: str | None, post: bool,
              fmt: str = "text") -> None:
    from ..services.file_posting import post_journal_file

    fmt = check_format(fmt)
    posting: list = []  # the posting pass's totals: its key says where an interrupted run's progress is kept
    stages: list[str] = []  # ["posting"] alone: one pass in one transaction (services/file_posting.py)

    try:
        with _progress_bar(path) as (progress, bar_stage):
            def stage(name: str, result) -> None:
                stages.append(name)
                if name == "posting":
                    posting[:] = [result]
                if bar_stage is not None:
                    bar_stage(name)

            result = post_journal_file(engine, company, name, path, default_date=default_date,
                                       one_voucher=one_voucher, user=user, idempotency_key=idempotency_key,
                                       post=post, progress=progress, stage=stage)
    except (Exception, KeyboardInterrupt) as error:
        if stages == ["posting"] and not isinstance(error, BilagError):  # stopped: its one transaction is undone
            render.warn(f"{path}: stopped; nothing was posted (a file of this size posts in one transaction): run "
                        f"the same command again to post it")
        elif posting and posting[0].idempotency_key and not _says_what_is_posted(error):
            _say_what_is_posted(engine, company, posting[0].idempotency_key, path, idempotency_key)
        raise
    for warning in result.warnings:
        render.warn(warning)
    if result.replayed:
        render.info(f"already posted with this idempotency key (batch {result.batch_id}); nothing posted again")
        return
    if not post:
        render.info(f"{path}: {result.lines} lines, no problems found")
        return
    if fmt == "text":
        resumed = (f" (the first {result.resumed_after:,} lines posted by an earlier run)" if result.resumed_after
                   else "")
        render.info(f"posted {result.vouchers} voucher(s), {result.entries} entries (batch {result.batch_id}) from "
                    f"{result.lines} lines in {result.chunks} chunk(s){resumed}; vouchers {result.first_voucher} to "
                    f"{result.last_voucher}")
    else:
        summary = result.summary()
        render.emit([summary], list(summary), fmt, document={"batch": result.batch_id, **summary})


def _say_what_is_posted(engine, company: str | None, key: str, path: Path, given_key: str | None) -> None:
    """After an interruption: what is committed (read again: the run may have stopped in the middle of a chunk)."""
    from ..services.file_posting import posted_so_far

    try:
        done = posted_so_far(engine, company, key)
    except Exception:  # noqa: BLE001 - the database itself may be what stopped the run: the error says it
        return
    if done is None:
        return
    again = ("run the same command again" if given_key is None
             else f"run it again with --idempotency-key {given_key}")
    render.warn(f"{path}: stopped after {done.lines:,} lines; those are posted (batch {done.batch_id}, "
                f"vouchers {done.first_voucher} to {done.last_voucher}): {again} to post the rest")


def _says_what_is_posted(error: BaseException) -> bool:
    return getattr(error, "code", None) == "file_changed" or any(
        p.code == "partly_posted" for p in getattr(error, "problems", ()))
