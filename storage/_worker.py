"""A thread that owns one SQLite connection and runs jobs from a queue.

The event loop never waits for the disk while anything else is going on: it queues a
job and awaits a future that the thread resolves through `loop.call_soon_threadsafe`.
One thread hop per job is cheaper than aiosqlite's hop per call (execute, fetch,
commit), and it lets the writer drain every queued append into one transaction (group
commit): while one commit waits for fsync, the next appends pile up and share the
following fsync.

At a quiet table that hop is most of the cost: waking the writer thread and then the
event loop again takes ~0.3 ms on a small VM, half a durable commit. So a lone append,
when the connection is idle and the previous append was a while ago
(`INLINE_AFTER_IDLE_S`), is committed by the caller's own thread (`append_now`). Under
load appends keep arriving sooner than that and go to the thread, group-committed. A
disk whose commits turn slow (`INLINE_SLOW_S`) stops inline commits for a while, so
it can only ever hold up the loop once per `INLINE_PAUSE_AFTER_SLOW_S`. SQLite's own
automatic WAL checkpoint would run inside whichever commit crossed its threshold, inline
ones included; the writer connection has it off and the thread checkpoints instead
(`CHECKPOINT_EVERY_COMMITS`, and right after a snapshot is written).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ._faults import translate
from .errors import StoreClosed
from .records import EncodedRecord

logger = logging.getLogger(__name__)

T = TypeVar("T")

INLINE_AFTER_IDLE_S = 0.005
"""An append this long after the previous one may be committed inline."""
INLINE_SLOW_S = 0.005
INLINE_PAUSE_AFTER_SLOW_S = 10.0
CHECKPOINT_EVERY_COMMITS = 250
"""A journal commit writes ~3 pages: this keeps the WAL near SQLite's default 1,000."""

#: Called on the thread with every append drained from the queue; returns, per item,
#: None for stored or the exception to raise in its caller.
BatchWriter = Callable[[sqlite3.Connection, list[EncodedRecord]], list[BaseException | None]]


@dataclass(slots=True)
class CallJob:
    fn: Callable[[sqlite3.Connection], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    large: bool = False
    """Writes megabytes (a snapshot): the WAL is checkpointed right after it."""


@dataclass(slots=True)
class AppendJob:
    record: EncodedRecord
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]


_STOP = object()
_CHECKPOINT = object()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _settle_all(pairs: list[tuple[asyncio.Future[Any], BaseException | None]]) -> None:
    for future, error in pairs:
        _settle(future, None, error)


def _resolve(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Any],
    result: Any,
    error: BaseException | None,
) -> None:
    try:
        loop.call_soon_threadsafe(_settle, future, result, error)
    except RuntimeError:
        # The loop closed while the job ran; nobody is left to tell.
        logger.debug("event loop closed before a storage job finished")


class DbThread:
    """Runs jobs on `conn` in submission order; `stop()` closes the connection.

    Whoever runs jobs on the connection holds `_busy` (the thread for a batch, or the
    event loop for one inline append), so the two never interleave.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        name: str,
        batch_writer: BatchWriter | None = None,
        *,
        path: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._conn = conn
        self._path = path
        self._batch_writer = batch_writer
        self._clock = clock
        self._jobs: deque[object] = deque()
        self._changed = threading.Condition()
        self._busy = False
        self._closing = False
        self._last_append_at = float("-inf")
        self._inline_paused_until = float("-inf")
        self._commits_since_checkpoint = 0
        self.inline_appends = 0
        self.wal_checkpoints = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def busy(self) -> bool:
        """A job is queued or running (an inline append would go to the thread now)."""
        with self._changed:
            return self._busy or bool(self._jobs)

    def _put(self, job: object) -> None:
        with self._changed:
            self._jobs.append(job)
            self._changed.notify()

    def call(
        self, fn: Callable[[sqlite3.Connection], T], *, large: bool = False
    ) -> asyncio.Future[T]:
        """Queue `fn(conn)`; the future gets its result or exception.

        `large` marks a job that writes megabytes (see `CallJob.large`).
        """
        if self._closing:
            raise StoreClosed()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._put(CallJob(fn, loop, future, large))
        return future

    def append(self, record: EncodedRecord) -> asyncio.Future[None]:
        """Queue an append for the next group commit."""
        if self._closing:
            raise StoreClosed()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._last_append_at = self._clock()
        self._put(AppendJob(record, loop, future))
        return future

    def append_or_queue(self, record: EncodedRecord) -> asyncio.Future[None]:
        """Commit now if the table is quiet (a done future), else queue (see ``append``)."""
        try:
            committed = self.append_now(record)
        except Exception as error:
            failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            failed.set_exception(error)
            return failed
        if not committed:
            return self.append(record)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    def append_now(self, record: EncodedRecord) -> bool:
        """Commit `record` on the calling thread if the table is quiet; False if not.

        True means it is stored (durable per `synchronous`); a refused append raises
        like `append`'s future would. False means nothing happened: use `append`.
        """
        if self._closing or self._batch_writer is None:
            return False
        now = self._clock()
        quiet = now - self._last_append_at >= INLINE_AFTER_IDLE_S
        self._last_append_at = now
        if not quiet or now < self._inline_paused_until:
            return False
        with self._changed:
            if self._busy or self._jobs:
                return False
            self._busy = True
        started = self._clock()
        try:
            outcome = self._batch_writer(self._conn, [record])[0]
        finally:
            with self._changed:
                self._busy = False
                self._commits_since_checkpoint += 1
                if self._commits_since_checkpoint >= CHECKPOINT_EVERY_COMMITS:
                    self._jobs.append(_CHECKPOINT)
                if self._jobs:
                    self._changed.notify()
        if self._clock() - started > INLINE_SLOW_S:
            logger.info("slow commit; committing on the writer thread for a while")
            self._inline_paused_until = self._clock() + INLINE_PAUSE_AFTER_SLOW_S
        if outcome is not None:
            raise outcome
        self.inline_appends += 1
        return True

    async def stop(self, last: Callable[[sqlite3.Connection], None] | None = None) -> None:
        """Run `last` after every queued job, close the connection, join the thread."""
        if self._closing:
            await asyncio.to_thread(self._thread.join)
            return
        done = self.call(last) if last is not None else None
        self._closing = True
        self._put(_STOP)
        try:
            if done is not None:
                await done
        finally:
            await asyncio.to_thread(self._thread.join)

    def _run(self) -> None:
        while True:
            with self._changed:
                while self._busy or not self._jobs:
                    self._changed.wait()
                batch = list(self._jobs)
                self._jobs.clear()
                self._busy = True
            try:
                carry_on = self._run_batch(batch)
            finally:
                with self._changed:
                    self._busy = False
            if not carry_on:
                self._conn.close()
                return

    def _run_batch(self, batch: list[object]) -> bool:
        appends: list[AppendJob] = []
        large = False
        for job in batch:
            if isinstance(job, AppendJob):
                appends.append(job)
                continue
            self._flush(appends)
            appends = []
            if job is _STOP:
                return False
            if job is _CHECKPOINT:
                continue  # below, once the batch is done
            assert isinstance(job, CallJob)
            large = large or job.large
            with self._changed:
                self._commits_since_checkpoint += 1
            try:
                result = job.fn(self._conn)
            except sqlite3.Error as exc:  # translated at the boundary into our tree
                writing = self._batch_writer is not None
                _resolve(job.loop, job.future, None, translate(exc, self._path, writing=writing))
            except BaseException as exc:  # handed to the awaiting caller, not swallowed
                _resolve(job.loop, job.future, None, exc)
            else:
                _resolve(job.loop, job.future, result, None)
        self._flush(appends)
        with self._changed:
            due = large or self._commits_since_checkpoint >= CHECKPOINT_EVERY_COMMITS
        if due and self._batch_writer is not None:
            self._checkpoint_wal()
        return True

    def _checkpoint_wal(self) -> None:
        """Copy committed pages into the database file; readers and writers go on."""
        with self._changed:
            self._commits_since_checkpoint = 0
        try:
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            logger.warning("could not checkpoint the write-ahead log", exc_info=True)
        self.wal_checkpoints += 1

    def _flush(self, appends: list[AppendJob]) -> None:
        if not appends:
            return
        if self._batch_writer is None:
            raise RuntimeError("this connection does not accept appends")
        with self._changed:
            self._commits_since_checkpoint += 1
        try:
            outcomes = self._batch_writer(self._conn, [job.record for job in appends])
        except BaseException as exc:  # every waiting caller must hear about it
            logger.exception("group commit of %d appends failed", len(appends))
            outcomes = [exc] * len(appends)
        # One wake-up of the event loop for the whole group, not one per append: under
        # load a group holds dozens of appends, and each wake-up is a system call.
        settled = [(job.future, error) for job, error in zip(appends, outcomes, strict=True)]
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
        for job, pair in zip(appends, settled, strict=True):
            by_loop.setdefault(job.loop, []).append(pair)
        for loop, pairs in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle_all, pairs)
            except RuntimeError:
                logger.debug("event loop closed before a group commit finished")
