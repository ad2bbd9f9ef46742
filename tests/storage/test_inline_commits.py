"""A quiet table's appends are committed by the event loop itself; busy ones are grouped."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from storage import DiskFull, JournalGapError, JournalRecord, Store
from storage import _queries as q
from storage import _worker as worker
from storage._schema import DB_FILE_NAME, open_writer
from storage._worker import DbThread
from storage.records import EncodedRecord, encode_record

from .conftest import move, state_bytes


async def until_idle(busy: Callable[[], bool]) -> None:
    """The writer thread may still be finishing a batch (say, a checkpoint after it)."""
    async with asyncio.timeout(5):
        while busy():  # noqa: ASYNC110
            await asyncio.sleep(0.001)


async def test_a_lone_append_is_committed_inline_and_survives_a_reopen(tmp_path: Path) -> None:
    now = [0.0]  # the writer's clock moves only when the test says: no slow disk by chance
    store = await Store.open(tmp_path, clock=lambda: now[0])
    await store.create_campaign("c1", "Test", state_bytes(), 0)
    for version in (1, 2, 3):
        await until_idle(lambda: store.writing)
        now[0] += worker.INLINE_AFTER_IDLE_S * 2
        await store.append("c1", move(version))
    assert store.inline_appends == 3
    await store.close()
    reopened = await Store.open(tmp_path)
    loaded = await reopened.load("c1")
    assert [r.version for r in loaded.records] == [1, 2, 3]
    await reopened.close()


async def test_a_burst_of_appends_is_group_committed_on_the_writer_thread(
    store: Store,
) -> None:
    for n in range(20):
        await store.create_campaign(f"c{n}", "Test", state_bytes(f"c{n}"), 0)
    await asyncio.sleep(worker.INLINE_AFTER_IDLE_S * 2)
    await asyncio.gather(*(store.append(f"c{n}", move(1)) for n in range(20)))
    assert store.inline_appends <= 1  # only the first may find the table quiet
    for n in range(20):
        assert (await store.get_info(f"c{n}")).version == 1


async def test_a_refused_inline_append_raises_and_writes_nothing(store: Store) -> None:
    await store.create_campaign("c1", "Test", state_bytes(), 0)
    await until_idle(lambda: store.writing)
    await asyncio.sleep(worker.INLINE_AFTER_IDLE_S * 2)
    with pytest.raises(JournalGapError):
        await store.append("c1", move(2))
    assert store.inline_appends == 0
    assert (await store.get_info("c1")).version == 0


def encoded(version: int) -> EncodedRecord:
    return encode_record("c1", move(version))


class SlowDisk:
    """A batch writer that records which thread ran it and can be made slow."""

    def __init__(self) -> None:
        self.threads: list[str] = []
        self.delay_s = 0.0
        self.now = [0.0]

    def __call__(
        self, conn: sqlite3.Connection, records: list[EncodedRecord]
    ) -> list[BaseException | None]:
        self.threads.append(threading.current_thread().name)
        self.now[0] += self.delay_s  # the commit takes this long on the writer's clock
        return [None] * len(records)


def writer_on(disk: SlowDisk, now: list[float]) -> DbThread:
    """A writer thread whose clock is ``now[0]``."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    disk.now = now
    return DbThread(conn, "writer", disk, clock=lambda: now[0])


async def test_a_slow_disk_sends_appends_back_to_the_writer_thread_for_a_while() -> None:
    now = [0.0]
    disk = SlowDisk()
    thread = writer_on(disk, now)
    try:
        assert thread.append_now(encoded(1))
        disk.delay_s = worker.INLINE_SLOW_S * 2
        now[0] += 1.0
        assert thread.append_now(encoded(2))  # slow: from now on, the thread commits
        disk.delay_s = 0.0
        now[0] += 1.0
        assert not thread.append_now(encoded(3))
        await thread.append(encoded(3))
        await until_idle(lambda: thread.busy)
        now[0] += worker.INLINE_PAUSE_AFTER_SLOW_S + 1.0
        assert thread.append_now(encoded(4))
        main = threading.current_thread().name
        assert disk.threads == [main, main, "writer", main]
    finally:
        await thread.stop()


async def test_an_append_right_after_another_waits_for_the_group_commit() -> None:
    now = [10.0]
    disk = SlowDisk()
    thread = writer_on(disk, now)
    try:
        assert thread.append_now(encoded(1))
        now[0] += worker.INLINE_AFTER_IDLE_S / 2
        assert not thread.append_now(encoded(2))
        await thread.append(encoded(2))
        assert disk.threads[-1] == "writer"
    finally:
        await thread.stop()


async def test_the_write_ahead_log_is_checkpointed_by_the_writer_thread(tmp_path: Path) -> None:
    store = await Store.open(tmp_path)
    await store.create_campaign("c1", "Test", state_bytes(), 0)
    for version in range(1, 3 * worker.CHECKPOINT_EVERY_COMMITS + 1):
        await store.append("c1", move(version))  # one commit each, on the thread
    wal = tmp_path / (DB_FILE_NAME + "-wal")
    # Unchecked, these 750 commits grow it to ~9.7 MB; checkpointed every 250, ~3.3 MB.
    assert wal.stat().st_size < 5 * 1024 * 1024
    await store.close()
    reopened = await Store.open(tmp_path)
    assert (await reopened.get_info("c1")).version == 3 * worker.CHECKPOINT_EVERY_COMMITS
    await reopened.close()


async def test_inline_commits_hand_the_checkpoint_to_the_writer_thread() -> None:
    now = [0.0]
    disk = SlowDisk()
    thread = writer_on(disk, now)
    try:
        for version in range(1, worker.CHECKPOINT_EVERY_COMMITS + 1):
            now[0] += 1.0
            assert thread.append_now(encoded(version))
        await until_idle(lambda: thread.busy)  # the thread's turn
        assert thread.wal_checkpoints == 1
        assert set(disk.threads) == {threading.current_thread().name}
    finally:
        await thread.stop()


async def test_an_inline_append_on_a_full_disk_is_refused_and_writes_nothing(
    tmp_path: Path,
) -> None:
    conn = open_writer(tmp_path / DB_FILE_NAME, "FULL")
    snapshot = state_bytes()
    q.create_campaign(conn, "c1", "Test", snapshot, hashlib.sha256(snapshot).hexdigest(), 0)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count={pages}")  # SQLite's own "database or disk is full"
    now = [0.0]
    thread = DbThread(conn, "writer", q.write_appends, clock=lambda: now[0])
    try:
        note = {"op": "add", "path": "/tokens/t1", "value": "a long note " * 2000}
        big = JournalRecord(1, [note], [{"op": "remove", "path": "/tokens/t1"}], "gm", "", 1)
        with pytest.raises(DiskFull, match="full"):
            thread.append_now(encode_record("c1", big))
        assert thread.inline_appends == 0
        assert await thread.call(lambda c: q._latest_version(c, "c1")) == 0
        limit = pages * 10
        await thread.call(lambda c: c.execute(f"PRAGMA max_page_count={limit}").fetchone())
        await until_idle(lambda: thread.busy)
        now[0] += worker.INLINE_AFTER_IDLE_S * 2
        assert thread.append_now(encode_record("c1", big))  # room again: it goes through
        assert await thread.call(lambda c: q._latest_version(c, "c1")) == 1
    finally:
        await thread.stop()


async def test_a_snapshot_is_followed_by_a_checkpoint_a_small_write_is_not() -> None:
    thread = writer_on(SlowDisk(), [0.0])
    try:
        await thread.call(lambda c: None)  # a secret, a rename: counted, not checkpointed
        await until_idle(lambda: thread.busy)
        assert thread.wal_checkpoints == 0
        await thread.call(lambda c: None, large=True)  # megabytes of snapshot
        await until_idle(lambda: thread.busy)
        assert thread.wal_checkpoints == 1
    finally:
        await thread.stop()
