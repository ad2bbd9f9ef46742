"""The campaigns in one data dir: create, open, export, import, back up, restore.

This is the host's single entry point to persistence. Opening the library opens the
SQLite store with recovery (a damaged database is restored from backups and every
recovery is reported), and opening a campaign loads its snapshot and replays the
journal into a LiveCampaign.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from storage import MAX_VERSION, CampaignInfo, StorageError, Store, default_data_dir, dump_plain
from storage.assets import AssetStore
from storage.backups import BackupInfo, BackupPolicy, BackupSet
from storage.campaign_file import read_campaign_file, write_campaign_file
from storage.folder import FolderLock, prepare_data_dir, sweep_unfinished_writes
from storage.recovery import RecoveryReport, open_store_with_recovery
from vtt_host.actions import new_id, now_ms
from vtt_host.demo import demo_state
from vtt_host.errors import StorageFailed, VttError, storage_errors_translated
from vtt_host.growth import change_bytes
from vtt_host.live import DEFAULT_BACKUP_POLICY, LiveCampaign, asset_files
from vtt_host.migrations import MIGRATIONS, migrate, needs_migration
from vtt_host.patching import apply_ops_unchecked
from vtt_host.previews import PreviewStore
from vtt_host.schema import SCHEMA_VERSION, new_state, validate_state

logger = logging.getLogger(__name__)


class LibraryError(VttError):
    """A campaign operation that cannot be done; the message says what to do instead."""


class UnknownCampaign(LibraryError):
    """No campaign has the id or name asked for; ``campaigns`` are those there are."""

    def __init__(self, asked: str, campaigns: list[CampaignInfo]) -> None:
        super().__init__(f"no campaign {asked!r}; 'vtt-host list' shows the campaigns here")
        self.asked = asked
        self.campaigns = campaigns


class AmbiguousCampaign(LibraryError):
    """Several campaigns fit the name asked for; ``matches`` lists them, to pick one."""

    def __init__(self, asked: str, matches: list[CampaignInfo]) -> None:
        names = ", ".join(info.name for info in matches)
        super().__init__(
            f"{asked!r} matches {len(matches)} campaigns ({names}); give the full name or the id"
        )
        self.asked = asked
        self.matches = matches


@dataclass(frozen=True, slots=True)
class Imported:
    campaign_id: str
    name: str
    version: int
    replaced: bool
    source: Path | None = None
    """The backup a restore used."""
    kept_as: Path | None = None
    """Where the replaced state was backed up first (a safety copy)."""


SAFETY_COPY_REASONS = frozenset({"before-import", "before-restore"})
"""Backups made just before a campaign is replaced: a later restore that names no time
never picks one, or running ``restore`` twice would bring back what the first undid."""


def read_state_file(path: Path) -> tuple[bytes, str, str, int]:
    """Read a campaign file as recovery needs it: (state JSON, id, name, version)."""
    campaign = read_campaign_file(
        path, current_schema_version=SCHEMA_VERSION, migrations=MIGRATIONS, validate=validate_state
    )
    state = campaign.state
    return dump_plain(state).encode(), state["id"], state["campaign"]["name"], state["version"]


class Library:
    """Every campaign under one data dir. Use ``await Library.open(...)``."""

    def __init__(
        self,
        data_dir: Path,
        store: Store,
        backups: BackupSet,
        reports: list[RecoveryReport],
        policy: BackupPolicy,
    ) -> None:
        self.data_dir = data_dir
        self.store = store
        self.backups = backups
        self.assets = AssetStore(data_dir)
        self.previews = PreviewStore(data_dir, self.assets)
        self.recovery_reports = reports
        self._policy = policy
        self._live: dict[str, LiveCampaign] = {}
        self._opening = asyncio.Lock()
        self._lock: FolderLock | None = None
        self.clock: Callable[[], float] = time.monotonic
        """When open campaigns' checkpoints and backups fall due (seconds)."""

    @classmethod
    async def open(
        cls,
        data_dir: Path | None = None,
        *,
        synchronous: str = "FULL",
        backup_policy: BackupPolicy = DEFAULT_BACKUP_POLICY,
        purpose: str = "vtt-host",
    ) -> Library:
        """Open the data folder for this process alone, repairing damage from backups.

        ``purpose`` names this program to anyone else who finds the folder in use.
        Raises DataFolderInUse while another process holds the folder, and a
        DatabaseOperationFailed subclass (disk full, read-only...) when the database
        cannot be used: neither ever moves or rolls back any data.
        """
        directory = data_dir if data_dir is not None else default_data_dir()
        await asyncio.to_thread(prepare_data_dir, directory, create_parents=data_dir is None)
        lock = await asyncio.to_thread(FolderLock.acquire, directory, purpose)
        try:
            await asyncio.to_thread(sweep_unfinished_writes, directory)
            backups = BackupSet.from_policy(directory, backup_policy)
            store, reports = await open_store_with_recovery(
                directory,
                synchronous="NORMAL" if synchronous == "NORMAL" else "FULL",
                backups=backups,
                read_backup=read_state_file,
            )
        except BaseException:
            lock.release()
            raise
        for report in reports:
            logger.warning("recovery: %s", report)
        library = cls(directory, store, backups, reports, backup_policy)
        library._lock = lock
        return library

    async def close(self) -> None:
        """Checkpoint and back up every open campaign, then close the store. Idempotent."""
        live, self._live = list(self._live.values()), {}
        try:
            for campaign in live:
                try:
                    await campaign.close()
                except Exception:
                    logger.exception("could not close campaign %s cleanly", campaign.id)
            await self.store.close()
        finally:
            if self._lock is not None:
                self._lock.release()

    # -- finding ---------------------------------------------------------------------

    @storage_errors_translated
    async def campaigns(self) -> list[CampaignInfo]:
        return await self.store.list_campaigns()

    @storage_errors_translated
    async def find(self, name_or_id: str) -> CampaignInfo | None:
        """A campaign by exact id, else by name (case-insensitive)."""
        campaigns = await self.campaigns()
        for info in campaigns:
            if info.id == name_or_id:
                return info
        matches = [info for info in campaigns if info.name.casefold() == name_or_id.casefold()]
        if len(matches) > 1:
            raise AmbiguousCampaign(name_or_id, matches)
        return matches[0] if matches else None

    @storage_errors_translated
    async def require(self, name_or_id: str) -> CampaignInfo:
        info = await self.find(name_or_id)
        if info is None:
            raise UnknownCampaign(name_or_id, await self.campaigns())
        return info

    @storage_errors_translated
    async def matching(self, text: str) -> list[CampaignInfo]:
        """The campaigns ``text`` may mean, for a person choosing one by what they typed.

        The one with that id; else those with that name (case-insensitive); else those
        whose name contains it. Unlike ``find``, a part of a name is enough, so callers
        that delete or overwrite must not use it.
        """
        campaigns = sorted(await self.campaigns(), key=lambda info: info.name.casefold())
        folded = text.casefold()
        for same in (
            [info for info in campaigns if info.id == text],
            [info for info in campaigns if info.name.casefold() == folded],
        ):
            if same:
                return same
        return [info for info in campaigns if folded in info.name.casefold()]

    # -- creating and opening --------------------------------------------------------

    @storage_errors_translated
    async def create(self, name: str, *, demo: bool = False) -> str:
        campaign_id = new_id("c")
        state = (
            demo_state(campaign_id, now_ms=now_ms())
            if demo
            else new_state(campaign_id, name, now_ms=now_ms())
        )
        if demo and name:
            state["campaign"]["name"] = name
        await self.store.create_campaign(
            campaign_id, state["campaign"]["name"], dump_plain(state).encode(), state["version"]
        )
        logger.info("created campaign %s", campaign_id)
        return campaign_id

    @storage_errors_translated
    async def open_campaign(self, campaign_id: str) -> LiveCampaign:
        """The live campaign (loaded once; later calls return the same object)."""
        async with self._opening:
            live = self._live.get(campaign_id)
            if live is None:
                live = await self._load(campaign_id)
                self._live[campaign_id] = live
                live.start()
            return live

    async def _load(self, campaign_id: str) -> LiveCampaign:
        loaded = await self.store.load(campaign_id)
        state: dict[str, Any] = json.loads(loaded.snapshot)
        if state.get("id") != campaign_id:
            raise LibraryError(f"campaign {campaign_id}'s snapshot holds {state.get('id')!r}")
        size_bytes = len(loaded.snapshot)
        for record in loaded.records:
            apply_ops_unchecked(state, record.ops)
            state["version"], state["lastModified"] = record.version, record.at_ms
            size_bytes += change_bytes(record.ops, record.inverse)
        if needs_migration(state):
            await self._backup_bytes(loaded.snapshot, campaign_id, "before-migration")
            state = validate_state(migrate(state))
        # A campaign lives as long as the host: keep the cyclic collector from walking its
        # hundreds of thousands of objects (a full pass stalls the loop for ~20 ms).
        gc.freeze()
        live = LiveCampaign(
            self.store,
            self.backups,
            self.assets,
            state,
            checkpoint_version=loaded.snapshot_version,
            history=loaded.records,
            backup_policy=self._policy,
            clock=self.clock,
            size_bytes=size_bytes,
        )
        logger.info(
            "opened %s at version %d (%d journal rows replayed)",
            campaign_id,
            state["version"],
            len(loaded.records),
        )
        return live

    @storage_errors_translated
    async def close_campaign(self, campaign_id: str) -> None:
        live = self._live.pop(campaign_id, None)
        if live is not None:
            await live.close()

    async def _state_bytes(self, campaign_id: str) -> bytes:
        """The campaign's current document: from the live campaign, or loaded."""
        live = self._live.get(campaign_id)
        if live is not None:
            return (await live.snapshot())[1]
        loaded = await self._load(campaign_id)
        return (await loaded.snapshot())[1]

    async def _backup_bytes(self, blob: bytes, campaign_id: str, reason: str) -> BackupInfo:
        state = json.loads(blob)
        return await self.backups.write_async(
            campaign_id,
            blob,
            state["campaign"]["name"],
            state["version"],
            int(state.get("schemaVersion", SCHEMA_VERSION)),
            asset_files(state, self.assets),
            reason,
        )

    # -- files -----------------------------------------------------------------------

    @property
    def backup_policy(self) -> BackupPolicy:
        return self._policy

    def set_backup_policy(self, policy: BackupPolicy) -> None:
        """Change how often open and later campaigns are backed up and how many stay."""
        self._policy = policy
        self.backups.keep_newest = policy.keep_newest
        self.backups.keep_daily_days = policy.keep_daily_days
        for live in self._live.values():
            live.set_backup_policy(policy)

    @storage_errors_translated
    async def export(self, name_or_id: str, path: Path) -> Path:
        info = await self.require(name_or_id)
        blob = await self._state_bytes(info.id)
        state = json.loads(blob)
        await asyncio.to_thread(
            write_campaign_file,
            path,
            blob,
            campaign_id=info.id,
            name=state["campaign"]["name"],
            version=state["version"],
            schema_version=SCHEMA_VERSION,
            assets=asset_files(state, self.assets),
        )
        return path

    @storage_errors_translated
    async def import_file(self, path: Path, *, replace: bool = False) -> Imported:
        """Import a campaign file; an existing id needs ``replace`` or becomes a copy."""
        campaign = await asyncio.to_thread(
            read_campaign_file,
            path,
            current_schema_version=SCHEMA_VERSION,
            migrations=MIGRATIONS,
            validate=validate_state,
        )
        for member, data in campaign.assets.items():
            self.assets.put(data, member.rsplit(".", 1)[1])
        return await self.add_state(campaign.state, replace=replace)

    @storage_errors_translated
    async def add_state(
        self, state: dict[str, Any], *, replace: bool = False, reason: str = "before-import"
    ) -> Imported:
        """Store a validated document as a campaign (import, legacy import, restore).

        Replacing backs the current state up first (``reason`` names that safety copy).
        """
        existing = await self.find_id(state["id"])
        if existing is not None and replace:
            if existing.version >= MAX_VERSION:
                raise LibraryError(f"campaign {existing.id} has no versions left to replace it")
            await self.close_campaign(existing.id)
            kept = await self._backup_bytes(
                await self._state_bytes(existing.id), existing.id, reason
            )
            # Versions only move forward, so clients that knew the old one resync.
            state["version"] = max(state["version"], existing.version + 1)
            blob = dump_plain(state).encode()
            await self.store.restore_campaign(
                state["id"], state["campaign"]["name"], blob, state["version"]
            )
            return Imported(
                state["id"], state["campaign"]["name"], state["version"], True, kept_as=kept.path
            )
        if existing is not None:
            state["id"] = new_id("c")
        blob = dump_plain(state).encode()
        await self.store.create_campaign(
            state["id"], state["campaign"]["name"], blob, state["version"]
        )
        return Imported(state["id"], state["campaign"]["name"], state["version"], False)

    @storage_errors_translated
    async def find_id(self, campaign_id: str) -> CampaignInfo | None:
        return next((info for info in await self.campaigns() if info.id == campaign_id), None)

    # -- backups ---------------------------------------------------------------------

    def list_backups(self, campaign_id: str | None = None) -> list[BackupInfo]:
        try:
            return self.backups.list(campaign_id)
        except StorageError as error:
            raise StorageFailed(error) from error

    @storage_errors_translated
    async def backup_now(self, name_or_id: str, reason: str = "manual") -> BackupInfo:
        info = await self.require(name_or_id)
        live = self._live.get(info.id)
        if live is not None:
            return await live.backup(reason)
        return await self._backup_bytes(await self._state_bytes(info.id), info.id, reason)

    @storage_errors_translated
    async def restore(
        self, name_or_id: str, at: datetime | None = None, *, backup: BackupInfo | None = None
    ) -> Imported:
        """Restore ``backup``, else the newest backup at or before ``at``.

        The current state is backed up first. Without ``at`` the safety copies made by
        earlier restores and imports are passed over (see SAFETY_COPY_REASONS); the
        returned ``source`` says which backup was used.
        """
        info = await self.require(name_or_id)
        if backup is not None and backup.campaign_id != info.id:
            raise LibraryError(f"backup {backup.path.name} is not one of {info.name}'s")
        chosen = backup or self.backups.pick(
            info.id, at, skip_reasons=SAFETY_COPY_REASONS if at is None else frozenset()
        )
        blob, _, _, _ = await asyncio.to_thread(read_state_file, chosen.path)
        state = json.loads(blob)
        state["id"] = info.id
        restored = await self.add_state(state, replace=True, reason="before-restore")
        return dataclasses.replace(restored, source=chosen.path)


__all__ = [
    "SAFETY_COPY_REASONS",
    "AmbiguousCampaign",
    "BackupInfo",
    "Imported",
    "Library",
    "LibraryError",
    "StorageFailed",
    "UnknownCampaign",
    "read_state_file",
]
