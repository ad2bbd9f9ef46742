"""A thread that owns one SQLite connection and runs jobs from a queue.

The event loop never touches the disk: it queues a job and awaits a future that the
thread resolves through `loop.call_soon_threadsafe`. One thread hop per job is cheaper
than aiosqlite's hop per call (execute, fetch, commit), and it lets the writer drain
every queued append into one transaction (group commit): while one commit waits for
fsync, the next appends pile up and share the following fsync.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import DatabaseOperationFailed, StoreClosed
from .records import EncodedRecord

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Called on the thread with every append drained from the queue; returns, per item,
#: None for stored or the exception to raise in its caller.
BatchWriter = Callable[[sqlite3.Connection, list["AppendJob"]], list[BaseException | None]]


@dataclass(slots=True)
class CallJob:
    fn: Callable[[sqlite3.Connection], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


@dataclass(slots=True)
class AppendJob:
    record: EncodedRecord
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]


_STOP = object()


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
    """Runs jobs on `conn` in submission order; `stop()` closes the connection."""

    def __init__(
        self, conn: sqlite3.Connection, name: str, batch_writer: BatchWriter | None = None
    ) -> None:
        self._conn = conn
        self._batch_writer = batch_writer
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def call(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """Queue `fn(conn)`; the future gets its result or exception."""
        if self._closing:
            raise StoreClosed()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(CallJob(fn, loop, future))
        return future

    def append(self, record: EncodedRecord) -> asyncio.Future[None]:
        """Queue an append for the next group commit."""
        if self._closing:
            raise StoreClosed()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._queue.put(AppendJob(record, loop, future))
        return future

    async def stop(self, last: Callable[[sqlite3.Connection], None] | None = None) -> None:
        """Run `last` after every queued job, close the connection, join the thread."""
        if self._closing:
            await asyncio.to_thread(self._thread.join)
            return
        done = self.call(last) if last is not None else None
        self._closing = True
        self._queue.put(_STOP)
        try:
            if done is not None:
                await done
        finally:
            await asyncio.to_thread(self._thread.join)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if not self._run_batch(batch):
                self._conn.close()
                return

    def _run_batch(self, batch: list[object]) -> bool:
        appends: list[AppendJob] = []
        for job in batch:
            if isinstance(job, AppendJob):
                appends.append(job)
                continue
            self._flush(appends)
            appends = []
            if job is _STOP:
                return False
            assert isinstance(job, CallJob)
            try:
                result = job.fn(self._conn)
            except sqlite3.Error as exc:  # translated at the boundary into our tree
                _resolve(job.loop, job.future, None, DatabaseOperationFailed(str(exc)))
            except BaseException as exc:  # handed to the awaiting caller, not swallowed
                _resolve(job.loop, job.future, None, exc)
            else:
                _resolve(job.loop, job.future, result, None)
        self._flush(appends)
        return True

    def _flush(self, appends: list[AppendJob]) -> None:
        if not appends:
            return
        if self._batch_writer is None:
            raise RuntimeError("this connection does not accept appends")
        try:
            outcomes = self._batch_writer(self._conn, appends)
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
