"""One open campaign: its state manager wired to the journal, checkpoints and backups.

Every change is appended to the journal (and so durable) before the manager publishes
it. A background task writes a checkpoint (the whole document) when the table pauses
for ``CHECKPOINT_WHEN_QUIET_S``, and in any case after ``CHECKPOINT_EVERY_OPS`` changes
or ``CHECKPOINT_AT_LEAST_EVERY_S`` seconds: a 5 MB checkpoint holds the journal writer
for tens of milliseconds, so it is best written while nobody waits for an ack. A backup
file is written every few minutes while the campaign changes; closing writes both one
last time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage import JournalRecord, Store, StoreClosed
from storage.assets import AssetStore
from storage.backups import BackupInfo, BackupPolicy, BackupSet
from vtt_host.errors import storage_errors_translated
from vtt_host.manager import Listener, StateManager
from vtt_host.schema import SCHEMA_VERSION
from vtt_host.snapshots import SnapshotEncoder
from vtt_host.views import Audience

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

logger = logging.getLogger(__name__)

CHECKPOINT_EVERY_OPS = 5000
"""At most this many journal rows to replay on start-up (~50 ms for 5,000)."""
CHECKPOINT_WHEN_QUIET_S = 2.0
CHECKPOINT_AT_LEAST_EVERY_S = 300.0
MAINTENANCE_TICK_S = 1.0
DEFAULT_BACKUP_POLICY = BackupPolicy()


@dataclass(frozen=True, slots=True)
class CampaignStatus:
    """What the GM's status bar shows about persistence."""

    version: int
    durable_version: int
    last_durable_at: float | None
    checkpoint_version: int
    last_backup_at: float | None
    last_backup_version: int | None


def asset_files(state: Mapping[str, Any], assets: AssetStore) -> dict[str, bytes]:
    """The image files a campaign document refers to, as campaign-file members."""
    files: dict[str, bytes] = {}
    for collection in ("actors", "items", "maps", "handouts"):
        for entity in state.get(collection, {}).values():
            sha = entity.get("imageAsset")
            path = assets.path(sha) if sha else None
            if path is not None:
                files[path.name] = path.read_bytes()
    return files


class LiveCampaign:
    """Owns a StateManager and keeps the store, checkpoints and backups in step with it."""

    def __init__(
        self,
        store: Store,
        backups: BackupSet,
        assets: AssetStore,
        state: dict[str, Any],
        *,
        checkpoint_version: int,
        history: Iterable[JournalRecord] = (),
        backup_policy: BackupPolicy = DEFAULT_BACKUP_POLICY,
        clock: Callable[[], float] = time.monotonic,
        size_bytes: int | None = None,
    ) -> None:
        """``clock`` (seconds) decides when checkpoints and backups fall due;
        ``size_bytes`` is the document's size if known (else it is measured)."""
        self._store = store
        self._backups = backups
        self._assets = assets
        self._policy = backup_policy
        self._encoder = SnapshotEncoder(state)
        self.manager = StateManager(
            state,
            persist=self._journal,
            settled=self._journaled,
            history=history,
            size_bytes=size_bytes,
        )
        self._checkpoint_version = checkpoint_version
        self._durable_version = int(state["version"])
        self._last_durable_at: float | None = None
        newest = next(iter(backups.list(self.manager.campaign_id)), None)
        self._last_backup_at: float | None = newest.time.timestamp() if newest else None
        self._last_backup_version: int | None = newest.version if newest else None
        self._wake = asyncio.Event()
        self._clock = clock
        self._last_change_monotonic = clock()
        self._last_checkpoint_monotonic = clock()
        self._next_backup_monotonic = clock() + backup_policy.interval_s
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def id(self) -> str:
        return self.manager.campaign_id

    @property
    def name(self) -> str:
        return str(self.manager.state["campaign"]["name"])

    def status(self) -> CampaignStatus:
        return CampaignStatus(
            self.manager.version,
            self._durable_version,
            self._last_durable_at,
            self._checkpoint_version,
            self._last_backup_at,
            self._last_backup_version,
        )

    def start(self) -> None:
        """Start the checkpoint and backup task (idempotent)."""
        if self._task is None:
            self._task = asyncio.create_task(self._maintain(), name=f"maintain {self.id}")

    def _journal(self, record: JournalRecord) -> asyncio.Future[None]:
        return self._store.append_future(self.id, record)

    def _journaled(self, record: JournalRecord, committed: bool) -> None:
        # Also on failure: the manager has just rolled the change back, and a checkpoint
        # may already have encoded the unsaved value.
        self._encoder.touched(record.ops)
        if not committed:
            return
        self._durable_version = record.version
        self._last_durable_at = time.time()
        self._last_change_monotonic = self._clock()
        if record.version - self._checkpoint_version >= CHECKPOINT_EVERY_OPS:
            self._wake.set()

    @storage_errors_translated
    async def records_since(self, version: int) -> list[JournalRecord] | None:
        """Unfiltered changes after ``version`` (memory first, then the journal)."""
        in_memory = self.manager.history_since(version)
        if in_memory is not None:
            return in_memory
        return await self._store.records_since(self.id, version)

    @storage_errors_translated
    async def get_secrets(self) -> dict[str, str]:
        return await self._store.get_secrets(self.id)

    @storage_errors_translated
    async def set_secret(self, key: str, value: str) -> None:
        await self._store.set_secret(self.id, key, value)

    async def delete_secret(self, key: str) -> None:
        await self._store.delete_secret(self.id, key)

    async def attach_view(
        self, audience: Audience, listener: Listener
    ) -> tuple[int, list[bytes], Callable[[], None]]:
        """Subscribe between two changes: (version, the audience's view, unsubscribe).

        The view is its JSON as cached per-entity UTF-8 pieces, handed on unjoined to
        the socket, so welcoming a player to a 5 MB campaign copies no 5 MB string on
        the event loop (let alone runs a 5 MB ``json.dumps``).
        """
        await self._encoder.prepare()
        async with self.manager.between_changes():
            pieces = self._encoder.view_pieces(audience)
            return self.manager.version, pieces, self.manager.subscribe(audience, listener)

    async def snapshot_pieces(self) -> tuple[int, list[bytes]]:
        """The whole document at one durable version, in pieces, without stalling the loop."""
        await self._encoder.prepare()
        async with self.manager.between_changes():
            return self._encoder.pieces_now()

    async def snapshot(self) -> tuple[int, bytes]:
        """The whole document as one blob (joined on a worker thread)."""
        version, pieces = await self.snapshot_pieces()
        return version, await asyncio.to_thread(b"".join, pieces)

    async def checkpoint(self) -> int:
        """Write the snapshot if anything changed since the last one; returns its version."""
        if self.manager.version == self._checkpoint_version:
            return self._checkpoint_version
        version, pieces = await self.snapshot_pieces()
        await self._store.checkpoint(self.id, version, pieces, name=self.name)
        self.manager.size.measured(version, sum(map(len, pieces)))
        self._checkpoint_version = version
        self._last_checkpoint_monotonic = self._clock()
        logger.info("checkpoint of %s at version %d", self.id, version)
        return version

    async def backup(self, reason: str) -> BackupInfo:
        version, blob = await self.snapshot()
        info = await self._backups.write_async(
            self.id, blob, self.name, version, SCHEMA_VERSION, self.asset_files(), reason
        )
        self._last_backup_at, self._last_backup_version = time.time(), version
        return info

    def asset_files(self) -> dict[str, bytes]:
        """The image files the campaign refers to, as campaign-file members."""
        return asset_files(self.manager.state, self._assets)

    def _checkpoint_due(self) -> bool:
        behind = self.manager.version - self._checkpoint_version
        if behind == 0:
            return False
        now = self._clock()
        return (
            behind >= CHECKPOINT_EVERY_OPS
            or now - self._last_change_monotonic >= CHECKPOINT_WHEN_QUIET_S
            or now - self._last_checkpoint_monotonic >= CHECKPOINT_AT_LEAST_EVERY_S
        )

    @property
    def backup_policy(self) -> BackupPolicy:
        return self._policy

    def set_backup_policy(self, policy: BackupPolicy) -> None:
        """Back up on the new schedule from now: a shorter interval brings the next
        periodic backup forward, a longer one lets the one already due come first."""
        self._policy = policy
        self._next_backup_monotonic = min(
            self._next_backup_monotonic, self._clock() + policy.interval_s
        )

    async def maintain(self) -> None:
        """Write the checkpoint and the backup that are due now (by the campaign's clock).

        The background task calls this every ``MAINTENANCE_TICK_S`` and when woken.
        """
        if self._checkpoint_due():
            await self.checkpoint()
        if self._clock() >= self._next_backup_monotonic and self._changed_since_backup():
            await self.backup("periodic")
            self._next_backup_monotonic = self._clock() + self._policy.interval_s

    async def _maintain(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), MAINTENANCE_TICK_S)
            self._wake.clear()
            try:
                await self.maintain()
            except StoreClosed:
                logger.info("the database of %s is closed; maintenance stops", self.id)
                return
            except Exception:
                logger.exception("checkpoint or backup of %s failed; will retry", self.id)

    def wake(self) -> None:
        """Run maintenance now rather than at the next tick."""
        self._wake.set()

    def _changed_since_backup(self) -> bool:
        return self._last_backup_version != self.manager.version

    async def close(self) -> None:
        """Stop maintenance, then write a final checkpoint and backup. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.checkpoint()
        if self._changed_since_backup() or not self._backups.list(self.id):
            await self.backup("shutdown")
