"""Ordinary disk trouble is not damage: a full disk, a held lock, a read-only file, a
folder that cannot be opened, an I/O error. Each is refused with a clear reason, the
data stays exactly where it is (never moved aside, never rolled back to a backup), and
the host carries on once the trouble is gone.
"""

from __future__ import annotations

import asyncio
import subprocess
import threading
from pathlib import Path

import pytest

from storage import (
    DatabaseCannotOpen,
    DatabaseReadOnly,
    DiskFull,
    JournalRecord,
    StorageError,
    Store,
)
from vtt_host.actions import GM_CALLER
from vtt_host.errors import PersistenceFailed
from vtt_host.library import Library
from vtt_host.manager import StateManager

from .conftest import copy_crash_image
from .faults import (
    DB_FILE,
    FaultyConnection,
    digest_files,
    fill,
    lock_held_elsewhere,
    remount,
    small_disk,
    vtt_host,
)
from .script import (
    CAMPAIGN_ID,
    ExpectedCampaign,
    action_for,
    apply_script,
    first_difference,
    initial_state,
    jsonable,
)

pytestmark = pytest.mark.usefixtures("scripted")


async def played(data_dir: Path, up_to: int, *, backed_up: int | None = None) -> None:
    """A closed data folder whose campaign was played to ``up_to``."""
    library = await Library.open(data_dir)
    try:
        await library.add_state(initial_state())
        live = await library.open_campaign(CAMPAIGN_ID)
        if backed_up is not None:
            await apply_script(live.manager, backed_up)
            await library.backup_now(CAMPAIGN_ID)
        await apply_script(live.manager, up_to)
    finally:
        await library.close()


async def durable_state(data_dir: Path) -> tuple[int, dict[str, object]]:
    library = await Library.open(data_dir)
    try:
        assert library.recovery_reports == []
        live = await library.open_campaign(CAMPAIGN_ID)
        return live.manager.version, jsonable(live.manager.state)
    finally:
        await library.close()


def assert_nothing_set_aside(data_dir: Path) -> None:
    assert not (data_dir / "damaged").exists(), "the database was treated as damaged"


def assert_refused_in_one_line(done: subprocess.CompletedProcess[str], reason: str) -> None:
    """The command failed, saying why in one line a GM can read."""
    assert done.returncode != 0
    assert reason in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# -- a lock held by another program ---------------------------------------------------


async def test_a_lock_held_by_another_program_is_reported_and_nothing_is_rolled_back(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    await played(data, 30, backed_up=10)
    before = digest_files(data)
    with lock_held_elsewhere(data / DB_FILE, seconds=30):
        done = await asyncio.to_thread(vtt_host, "list", "--data-dir", data)
    assert_refused_in_one_line(done, "in use by another program")
    assert_nothing_set_aside(data)
    assert digest_files(data) == before
    version, _ = await durable_state(data)
    assert version == 30


# -- a full disk -------------------------------------------------------------------


async def test_a_full_disk_refuses_the_change_and_the_host_carries_on_when_there_is_room(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path / "disk", size_mb=16) as disk:
        data = disk / "data"
        library = await Library.open(data)
        try:
            await library.add_state(initial_state())
            live = await library.open_campaign(CAMPAIGN_ID)
            await apply_script(live.manager, 5)
            filler = fill(disk)
            refused = None
            for _ in range(2000):  # SQLite reuses WAL space for a while before it must grow
                version = live.manager.version
                try:
                    await live.manager.submit(action_for(version + 1), GM_CALLER)
                except PersistenceFailed as error:
                    refused = error
                    assert live.manager.version == version
                    break
            assert refused is not None, "the full disk never refused a change"
            assert "disk is full" in str(refused)
            filler.unlink()
            target = live.manager.version + 10
            await apply_script(live.manager, target)
        finally:
            await library.close()
        expected = ExpectedCampaign()
        version, state = await durable_state(data)
        want = await expected.state_at(target)
        assert version == target
        assert state == want, first_difference(state, want)
        assert_nothing_set_aside(data)


async def test_a_restart_on_a_full_disk_says_so_and_keeps_every_byte(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", size_mb=16) as disk:
        library = await Library.open(disk / "host")
        try:
            await library.add_state(initial_state())
            live = await library.open_campaign(CAMPAIGN_ID)
            await apply_script(live.manager, 40)
            await library.backup_now(CAMPAIGN_ID)
            await apply_script(live.manager, 60)
            copy_crash_image(disk / "host", disk / "crashed")  # as a kill at v60 leaves it
        finally:
            await library.close()
        data = disk / "crashed"
        filler = fill(disk)
        before = digest_files(data)
        done = await asyncio.to_thread(vtt_host, "list", "--data-dir", data)
        assert_refused_in_one_line(done, "disk is full")
        assert_nothing_set_aside(data)
        assert digest_files(data) == before
        filler.unlink()
        version, _ = await durable_state(data)
        assert version == 60


# -- a read-only disk, a folder that cannot be opened ---------------------------------


async def test_a_read_only_disk_is_reported_with_its_path_and_left_untouched(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path / "disk", size_mb=16) as disk:
        data = disk / "data"
        await played(data, 20, backed_up=10)
        before = digest_files(data)
        remount(disk, "ro")
        try:
            done = await asyncio.to_thread(vtt_host, "list", "--data-dir", data)
            assert_refused_in_one_line(done, "cannot be written")
            assert str(data) in done.stderr
            with pytest.raises(DatabaseReadOnly):
                await Library.open(data)
        finally:
            remount(disk, "rw")
        assert digest_files(data) == before
        assert_nothing_set_aside(data)
        version, _ = await durable_state(data)
        assert version == 20


async def test_a_data_folder_under_a_missing_folder_is_refused_and_nothing_is_created(
    tmp_path: Path,
) -> None:
    data = tmp_path / "typo" / "campaigns"
    done = await asyncio.to_thread(vtt_host, "list", "--data-dir", data)
    assert_refused_in_one_line(done, "does not exist")
    assert not (tmp_path / "typo").exists()


async def test_a_file_where_the_data_folder_should_be_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "campaigns"
    data.write_text("not a folder")
    with pytest.raises(StorageError, match="is a file, not a folder"):
        await Library.open(data)
    assert data.read_text() == "not a folder"


async def test_a_database_that_cannot_be_opened_is_not_damage(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_FILE).mkdir()  # a folder where the database file should be
    with pytest.raises(DatabaseCannotOpen):
        await Library.open(data)
    assert_nothing_set_aside(data)
    assert (data / DB_FILE).is_dir()


# -- I/O errors inside the journal's transaction ---------------------------------------


def faulty_writer(store: Store) -> FaultyConnection:
    """Put a fault injector between the store's writer thread and its connection."""
    writer = store._writer
    faulty = FaultyConnection(writer._conn)
    writer._conn = faulty  # type: ignore[assignment]
    return faulty


async def test_an_io_error_at_commit_refuses_the_change_and_memory_equals_the_disk(
    tmp_path: Path,
) -> None:
    library = await Library.open(tmp_path / "data")
    try:
        await library.add_state(initial_state())
        live = await library.open_campaign(CAMPAIGN_ID)
        await apply_script(live.manager, 5)
        faulty = faulty_writer(library.store)
        faulty.when = lambda sql: sql == "COMMIT"
        with pytest.raises(PersistenceFailed, match="I/O error"):
            await live.manager.submit(action_for(6), GM_CALLER)
        assert live.manager.version == 5
        faulty.when = lambda sql: False
        await apply_script(live.manager, 12)
    finally:
        await library.close()
    expected = ExpectedCampaign()
    version, state = await durable_state(tmp_path / "data")
    assert version == 12
    assert state == await expected.state_at(12)


async def test_a_journal_batch_that_raises_anything_leaves_no_transaction_open(
    tmp_path: Path,
) -> None:
    library = await Library.open(tmp_path / "data")
    try:
        await library.add_state(initial_state())
        live = await library.open_campaign(CAMPAIGN_ID)
        await apply_script(live.manager, 3)
        faulty = faulty_writer(library.store)
        faulty.when = lambda sql: sql.startswith("INSERT INTO journal")
        faulty.error = lambda: RuntimeError("a bug, not SQLite")
        with pytest.raises(PersistenceFailed):
            await live.manager.submit(action_for(4), GM_CALLER)
        faulty.when = lambda sql: False
        await apply_script(live.manager, 9)
        assert not faulty._conn.in_transaction
    finally:
        await library.close()
    version, state = await durable_state(tmp_path / "data")
    assert version == 9
    assert state == await ExpectedCampaign().state_at(9)


# -- a change cancelled while its journal row waits ------------------------------------


async def hold_writer(store: Store) -> threading.Event:
    """Keep the writer thread busy until the returned event is set."""
    release = threading.Event()
    started = threading.Event()

    def wait(_: object) -> None:
        started.set()
        release.wait(10)

    store._writer.call(wait)
    await asyncio.to_thread(started.wait, 10)
    return release


async def test_a_change_cancelled_while_its_row_is_queued_keeps_what_the_journal_decided(
    tmp_path: Path,
) -> None:
    library = await Library.open(tmp_path / "data")
    try:
        await library.add_state(initial_state())
        live = await library.open_campaign(CAMPAIGN_ID)
        await apply_script(live.manager, 3)
        release = await hold_writer(library.store)
        submitting = asyncio.create_task(live.manager.submit(action_for(4), GM_CALLER))
        await asyncio.sleep(0.05)  # applied in memory, its row queued behind the writer
        submitting.cancel()
        await asyncio.sleep(0.05)
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await submitting
        assert live.manager.version == 4  # the row was committed, so the change stays
        await apply_script(live.manager, 10)  # and the campaign takes changes as before
    finally:
        await library.close()
    version, state = await durable_state(tmp_path / "data")
    assert version == 10
    assert state == await ExpectedCampaign().state_at(10)


async def test_a_change_cancelled_whose_row_is_refused_is_rolled_back() -> None:
    refused: list[int] = []

    def refuse(record: JournalRecord) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(
            0.05, future.set_exception, DiskFull("database or disk is full")
        )
        refused.append(record.version)
        return future

    manager = StateManager(initial_state(), persist=refuse)
    submitting = asyncio.create_task(manager.submit(action_for(1), GM_CALLER))
    await asyncio.sleep(0.01)
    submitting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await submitting
    assert refused == [1]
    assert manager.version == 0
    assert jsonable(manager.state) == initial_state()
