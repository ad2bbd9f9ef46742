"""The campaign store: one SQLite file holding snapshots and the change journal.

Each campaign is a snapshot blob at version V plus journal rows V+1..N (the write-ahead
log of changes). `append` returns only after its row is committed, so the host may
acknowledge a change once `await store.append(...)` returns.

Threads: one writer thread owns the only writing connection and commits every append
queued while the previous commit was syncing in one transaction (group commit); one
reader thread serves `load`, `records_since`, listings and secrets. The event loop only
queues jobs and awaits futures; snapshot checksums are computed with asyncio.to_thread.

Durability (`synchronous`): FULL is the default. In WAL mode FULL syncs the log on every
commit, so an acknowledged change survives power loss. NORMAL syncs only at WAL
checkpoints: it survives a process crash but may lose the last commits on power loss or
an OS crash. Measured by `python -m bench.bench_storage` on the development machine
(virtual disk, 2 CPUs): awaited append of a token move, FULL p50 0.34 ms / p99 0.57 ms
(~2,800/s sequential, ~23,000/s with 100 campaigns group-committing), NORMAL p50
0.08 ms / p99 0.21 ms. FULL is within the 0.6 / 1.5 ms budget, so durability wins.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import platformdirs

from . import _queries as q
from ._faults import translate
from ._high_water import HighWaterMarks, high_water_path
from ._schema import DB_FILE_NAME, Synchronous, connect, disarm_wal_guard, open_writer
from ._worker import BatchWriter, DbThread
from .errors import StoreClosed
from .folder import prepare_data_dir
from .records import (
    CampaignInfo,
    EncodedRecord,
    JournalRecord,
    LoadedCampaign,
    encode_record,
    snapshot_checksum,
)

logger = logging.getLogger(__name__)

#: Journal rows kept behind a checkpoint for conflict checks, undo and client resume.
JOURNAL_KEEP_VERSIONS = 1000
APP_NAME = "vtt-host"


def _marking(marks: HighWaterMarks) -> BatchWriter:
    """The journal's batch writer, raising the high-water marks before anyone is told."""

    def write(conn: sqlite3.Connection, records: list[EncodedRecord]) -> list[BaseException | None]:
        outcomes = q.write_appends(conn, records)
        committed = {
            record.campaign_id: record.version
            for record, outcome in zip(records, outcomes, strict=True)
            if outcome is None
        }
        if committed:
            marks.advance(committed)
        return outcomes

    return write


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


async def _snapshot_digest(
    campaign_id: str, version: int, name: str, data: bytes | Sequence[bytes]
) -> str:
    # hashlib releases the GIL for large inputs, so a worker thread keeps the loop free.
    return await asyncio.to_thread(snapshot_checksum, campaign_id, version, name, data)


class Store:
    """Persistent campaigns. Safe to call concurrently from tasks on one event loop."""

    def __init__(
        self,
        db_path: Path,
        writer: DbThread,
        reader: DbThread,
        journal_keep_versions: int,
        marks: HighWaterMarks,
    ) -> None:
        """Use `Store.open`; this only wires already-open connections together."""
        self.db_path = db_path
        self.journal_keep_versions = journal_keep_versions
        self.high_water = marks
        """The newest committed version of each campaign, kept outside the database."""
        self._writer = writer
        self._reader = reader
        self._closing: asyncio.Task[None] | None = None
        self._verified: dict[str, q.Verified] = {}
        """Campaigns whose checksums were just verified, so their next load need not."""

    @classmethod
    async def open(
        cls,
        data_dir: Path | None = None,
        *,
        synchronous: Synchronous = "FULL",
        journal_keep_versions: int = JOURNAL_KEEP_VERSIONS,
        allow_missing_wal: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> Store:
        """Open (creating or migrating) the database in `data_dir` and verify it.

        Raises DatabaseDamaged when the file fails its integrity check or its
        write-ahead log was lost (WriteAheadLogMissing; `allow_missing_wal` is for
        recovery, which decides what to keep), DatabaseTooNew for a newer schema.
        `clock` (seconds) is what the writer tells a quiet table and a slow disk by.
        """
        if journal_keep_versions < 0:
            raise ValueError("journal_keep_versions must be >= 0")
        folder = data_dir if data_dir is not None else default_data_dir()
        await asyncio.to_thread(prepare_data_dir, folder, create_parents=data_dir is None)
        db_path = folder / DB_FILE_NAME
        conn = await asyncio.to_thread(
            open_writer, db_path, synchronous, allow_missing_wal=allow_missing_wal
        )
        try:
            reader_conn = await asyncio.to_thread(connect, db_path, synchronous)
        except sqlite3.Error as exc:
            conn.close()
            raise translate(exc, db_path) from exc
        try:
            marks = await asyncio.to_thread(HighWaterMarks.open, high_water_path(db_path))
        except OSError as exc:
            conn.close()
            reader_conn.close()
            raise translate(exc, high_water_path(db_path), writing=True) from exc
        writer = DbThread(conn, "vtt-store-writer", _marking(marks), path=db_path, clock=clock)
        reader = DbThread(reader_conn, "vtt-store-reader", path=db_path)
        logger.info("opened campaign database %s (synchronous=%s)", db_path, synchronous)
        return cls(db_path, writer, reader, journal_keep_versions, marks)

    async def close(self) -> None:
        """Finish queued writes, mark a clean shutdown and close. Idempotent."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closing)

    async def _close(self) -> None:
        # The reader goes first: SQLite folds the WAL into the main file only when the
        # last connection closes.
        await self._reader.stop()
        try:
            await self._writer.stop(disarm_wal_guard)
        finally:
            await asyncio.to_thread(self.high_water.close)
        logger.info("closed campaign database %s", self.db_path)

    @property
    def writing(self) -> bool:
        """A write is queued or in progress on the writer thread."""
        return self._writer.busy

    @property
    def inline_appends(self) -> int:
        """Appends committed by the event loop's own thread (a quiet table's path)."""
        return self._writer.inline_appends

    @property
    def closed(self) -> bool:
        return self._closing is not None

    def _check_open(self) -> None:
        if self._closing is not None:
            raise StoreClosed()

    # --- campaigns --------------------------------------------------------------------

    async def create_campaign(
        self, campaign_id: str, name: str, snapshot: bytes, version: int
    ) -> None:
        """Add a campaign whose snapshot is at `version`; CampaignExists on duplicate id."""
        self._check_open()
        digest = await _snapshot_digest(campaign_id, version, name, snapshot)
        await self._writer.call(
            lambda c: q.create_campaign(c, campaign_id, name, snapshot, digest, version),
            large=True,
        )
        await asyncio.to_thread(self.high_water.set, campaign_id, version)

    async def restore_campaign(
        self, campaign_id: str, name: str, snapshot: bytes, version: int
    ) -> None:
        """Replace a campaign (or create it) from a snapshot, dropping its journal.

        For restoring a backup: the old journal does not lead to the restored state.
        """
        self._check_open()
        digest = await _snapshot_digest(campaign_id, version, name, snapshot)
        await self._writer.call(
            lambda c: q.restore_campaign(c, campaign_id, name, snapshot, digest, version),
            large=True,
        )
        await asyncio.to_thread(self.high_water.set, campaign_id, version)

    async def list_campaigns(self) -> list[CampaignInfo]:
        self._check_open()
        return await self._reader.call(q.list_campaigns)

    async def get_info(self, campaign_id: str) -> CampaignInfo:
        self._check_open()
        return await self._reader.call(lambda c: q.get_info(c, campaign_id))

    async def rename_campaign(self, campaign_id: str, name: str) -> None:
        self._check_open()
        await self._writer.call(lambda c: q.rename_campaign(c, campaign_id, name))

    async def delete_campaign(self, campaign_id: str) -> None:
        """Delete the campaign with its journal and secrets; CampaignNotFound if absent."""
        self._check_open()
        await self._writer.call(lambda c: q.delete_campaign(c, campaign_id))
        await asyncio.to_thread(self.high_water.set, campaign_id, None)

    # --- journal ----------------------------------------------------------------------

    async def append(self, campaign_id: str, record: JournalRecord) -> None:
        """Journal `record`; durable (per `synchronous`) once this returns.

        `record.version` must be the latest version + 1, else JournalGapError or
        DuplicateVersionError and nothing is written. If the caller is cancelled while
        waiting, the record may still be committed.
        """
        await self.append_future(campaign_id, record)

    def append_future(self, campaign_id: str, record: JournalRecord) -> asyncio.Future[None]:
        """`append` as a future that settles with the row's outcome.

        A quiet table's append is committed on the caller's thread and the future is
        already done. Cancelling an await of it does not stop the write: await it through
        ``asyncio.shield`` to learn the outcome whatever happens to the caller.
        """
        self._check_open()
        encoded = encode_record(campaign_id, record)
        return self._writer.append_or_queue(encoded)

    async def checkpoint(
        self,
        campaign_id: str,
        version: int,
        snapshot: bytes | Sequence[bytes],
        *,
        name: str | None = None,
    ) -> None:
        """Store `snapshot` as the state at `version` and trim the journal window.

        `snapshot` may come in pieces (their concatenation is the blob), so a caller that
        builds it from cached fragments never has to join megabytes on the event loop.

        `version` must lie between the current snapshot version and the latest journaled
        version. Rows with version <= version - journal_keep_versions are dropped.
        `name` is the campaign's name at `version` (None keeps the current one).
        """
        self._check_open()
        named = name if name is not None else (await self.get_info(campaign_id)).name
        digest = await _snapshot_digest(campaign_id, version, named, snapshot)
        keep = self.journal_keep_versions
        dropped = await self._writer.call(
            lambda c: q.checkpoint(c, campaign_id, version, snapshot, digest, keep, named),
            large=True,
        )
        logger.debug("checkpoint %s at v%d, dropped %d rows", campaign_id, version, dropped)
        await asyncio.to_thread(self.high_water.sync)

    async def load(self, campaign_id: str) -> LoadedCampaign:
        """The verified snapshot plus every later record; CorruptCampaign if damaged."""
        self._check_open()
        verified = self._verified.pop(campaign_id, None)
        return await self._reader.call(lambda c: q.load(c, campaign_id, verified))

    async def verify(self, campaign_id: str) -> int | None:
        """Check every checksum of a campaign without parsing it; CorruptCampaign if damaged.

        Damaged rows behind the snapshot do not hold the state; they (and the older rows)
        are dropped and the newest dropped version is returned, for the caller to report.
        A listing name that differs from the verified snapshot's is put right.
        """
        self._check_open()
        found = await self._reader.call(lambda c: q.verify(c, campaign_id))
        damaged = found.damaged_old_rows_through
        if damaged is not None:
            await self._writer.call(lambda c: q.drop_journal_through(c, campaign_id, damaged))
        else:
            self._verified[campaign_id] = found.seen
        name = found.listed_name_wrong
        if name is not None:
            logger.warning(
                "the listed name of %s was damaged; restored from its snapshot", campaign_id
            )
            await self._writer.call(lambda c: q.repair_name(c, campaign_id, name))
        return damaged

    async def records_since(self, campaign_id: str, version: int) -> list[JournalRecord] | None:
        """Records after `version`, or None when the journal no longer reaches back."""
        self._check_open()
        return await self._reader.call(lambda c: q.records_since(c, campaign_id, version))

    # --- secrets ----------------------------------------------------------------------

    async def get_secrets(self, campaign_id: str) -> dict[str, str]:
        """Per-campaign secrets (join code, tokens): never part of exports or backups."""
        self._check_open()
        return await self._reader.call(lambda c: q.get_secrets(c, campaign_id))

    async def set_secret(self, campaign_id: str, key: str, value: str) -> None:
        self._check_open()
        await self._writer.call(lambda c: q.set_secret(c, campaign_id, key, value))

    async def delete_secret(self, campaign_id: str, key: str) -> None:
        self._check_open()
        await self._writer.call(lambda c: q.delete_secret(c, campaign_id, key))

    # --- maintenance ------------------------------------------------------------------

    async def truncate_journal(self, campaign_id: str, version: int) -> None:
        """Forget versions after `version` (recovery keeps a verified journal prefix)."""
        self._check_open()
        await self._writer.call(lambda c: q.truncate_journal(c, campaign_id, version))
        await asyncio.to_thread(self.high_water.set, campaign_id, version)

    async def copy_to(self, path: Path) -> None:
        """Page-by-page copy of the database (SQLite backup API), e.g. as evidence."""
        self._check_open()

        def run(conn: sqlite3.Connection) -> None:
            dest = sqlite3.connect(path)
            try:
                conn.backup(dest)
            finally:
                dest.close()

        await self._writer.call(run)
