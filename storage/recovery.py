"""Opening the store when something is damaged, and saying exactly what was lost.

Three kinds of damage, from worst to mildest:

- The database fails its integrity check or is not a database (truncated, overwritten):
  the files are moved to data_dir/damaged/<time>/, a fresh database is created and every
  campaign is restored from its newest valid backup.
- The write-ahead log was deleted after an unclean shutdown (WriteAheadLogMissing): the
  main file is consistent as of its last checkpoint but commits after it are gone and
  cannot be counted. A copy of the files goes to damaged/<time>/; each campaign keeps the
  newer of its verified database state and its newest valid backup.
- One campaign fails verification (a bad snapshot checksum, a bad journal row): only that
  campaign is repaired, from the newer of its verified journal prefix and its newest
  valid backup; a copy of the database is kept as evidence.

Data that fails a checksum is never used, and each repaired campaign gets a report.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ._schema import DB_FILE_NAME, Synchronous, shm_path, wal_path
from .backups import BackupInfo, BackupSet
from .errors import CampaignNotFound, CorruptCampaign, DatabaseDamaged, WriteAheadLogMissing
from .store import JOURNAL_KEEP_VERSIONS, Store

logger = logging.getLogger(__name__)

DAMAGED_DIR_NAME = "damaged"

#: Host-supplied reader of a backup file: (state bytes, campaign id, name, version).
ReadBackup = Callable[[Path], tuple[bytes, str, str, int]]


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    """What happened to one campaign during recovery."""

    campaign_id: str
    problem: str
    recovered_to_version: int | None  # None: nothing could be recovered
    source: str  # "backup", "database" (verified part kept) or "none"
    lost_from: int | None  # first version lost, None when nothing is lost
    lost_to: int | None  # last version known lost; None when the end is unknown
    backup_used: Path | None
    damaged_location: Path | None

    @property
    def lost(self) -> str:
        if self.recovered_to_version is None:
            known = "" if self.lost_to is None else f" (versions up to {self.lost_to})"
            return f"the whole campaign{known}: no usable backup"
        if self.lost_from is None:
            return "nothing"
        if self.lost_to is None:
            return f"any versions after {self.lost_from - 1} (their number is unknown)"
        if self.lost_to < self.lost_from:
            return "nothing"
        return f"versions {self.lost_from}..{self.lost_to}"

    def __str__(self) -> str:
        where = f"; damaged data kept in {self.damaged_location}" if self.damaged_location else ""
        used = f" from backup {self.backup_used.name}" if self.backup_used else ""
        if self.recovered_to_version is None:
            return f"campaign {self.campaign_id}: {self.problem}; lost {self.lost}{where}"
        return (
            f"campaign {self.campaign_id}: {self.problem}; recovered to version "
            f"{self.recovered_to_version}{used}; lost {self.lost}{where}"
        )


async def open_store_with_recovery(
    data_dir: Path,
    *,
    synchronous: Synchronous = "FULL",
    backups: BackupSet,
    read_backup: ReadBackup,
    journal_keep_versions: int = JOURNAL_KEEP_VERSIONS,
) -> tuple[Store, list[RecoveryReport]]:
    """Open the store, repairing damage from backups; an empty list means all was fine."""
    recovery = _Recovery(data_dir, synchronous, backups, read_backup, journal_keep_versions)
    try:
        store = await recovery.open_store()
    except WriteAheadLogMissing as exc:
        return await recovery.after_lost_wal(exc)
    except DatabaseDamaged as exc:
        return await recovery.after_damaged_database(exc)
    problems, reports = await _verify_campaigns(store)
    reports += [await recovery.repair_campaign(store, exc) for exc in problems]
    return store, reports


async def _verify_campaigns(store: Store) -> tuple[list[CorruptCampaign], list[RecoveryReport]]:
    """Damaged campaigns, and reports of damage repaired on the spot (old journal rows)."""
    problems: list[CorruptCampaign] = []
    reports: list[RecoveryReport] = []
    for info in await store.list_campaigns():
        try:
            dropped_through = await store.verify(info.id)
        except CorruptCampaign as exc:
            logger.error("%s", exc)
            problems.append(exc)
            continue
        if dropped_through is not None:
            problem = (
                f"journal rows up to version {dropped_through}, kept behind the snapshot for "
                "undo and resume, were damaged and have been dropped"
            )
            logger.warning("campaign %s: %s", info.id, problem)
            reports.append(
                RecoveryReport(info.id, problem, info.version, "database", None, None, None, None)
            )
    return problems, reports


class _Recovery:
    def __init__(
        self,
        data_dir: Path,
        synchronous: Synchronous,
        backups: BackupSet,
        read_backup: ReadBackup,
        journal_keep_versions: int,
    ) -> None:
        self.data_dir = data_dir
        self.db_path = data_dir / DB_FILE_NAME
        self.synchronous: Synchronous = synchronous
        self.backups = backups
        self.read_backup = read_backup
        self.keep = journal_keep_versions
        self.evidence: Path | None = None

    async def open_store(self, *, allow_missing_wal: bool = False) -> Store:
        return await Store.open(
            self.data_dir,
            synchronous=self.synchronous,
            journal_keep_versions=self.keep,
            allow_missing_wal=allow_missing_wal,
        )

    def _evidence_dir(self) -> Path:
        if self.evidence is None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
            self.evidence = self.data_dir / DAMAGED_DIR_NAME / stamp
            self.evidence.mkdir(parents=True)
        return self.evidence

    def _set_aside(self, *, move: bool) -> Path:
        target = self._evidence_dir()
        for path in (self.db_path, wal_path(self.db_path), shm_path(self.db_path)):
            if path.exists():
                if move:
                    os.replace(path, target / path.name)
                else:
                    shutil.copy2(path, target / path.name)
        logger.warning("damaged database %s kept in %s", "moved" if move else "copied", target)
        return target

    async def _newest_backup(self, campaign_id: str) -> tuple[BackupInfo, bytes, str, int] | None:
        def read(path: Path) -> tuple[bytes, str, str, int]:
            state, found_id, name, version = self.read_backup(path)
            if found_id != campaign_id:
                raise ValueError(f"backup {path.name} holds campaign {found_id!r}")
            return state, found_id, name, version

        found = await asyncio.to_thread(self.backups.newest_valid, campaign_id, read)
        if found is None:
            return None
        info, (state, _, name, version) = found
        return info, state, name, version

    async def _from_backup_or_lost(
        self, store: Store, campaign_id: str, problem: str, last_known: int | None,
        kept: int | None = None,
    ) -> RecoveryReport:  # fmt: skip
        """Restore from the newest valid backup unless `kept` (verified, in place) is newer."""
        backup = await self._newest_backup(campaign_id)
        if backup is not None and (kept is None or backup[3] > kept):
            info, state, name, version = backup
            await store.restore_campaign(campaign_id, name, state, version)
            return self._report(campaign_id, problem, version, "backup", last_known, info.path)
        if kept is not None:
            await store.truncate_journal(campaign_id, kept)
            return self._report(campaign_id, problem, kept, "database", last_known, None)
        # Nothing verified is left; the campaign stays only in the evidence copy.
        with contextlib.suppress(CampaignNotFound):
            await store.delete_campaign(campaign_id)
        return self._report(campaign_id, problem, None, "none", last_known, None)

    def _report(
        self, campaign_id: str, problem: str, recovered: int | None, source: str,
        last_known: int | None, backup: Path | None,
    ) -> RecoveryReport:  # fmt: skip
        lost_from = None if recovered is None else recovered + 1
        if last_known is not None and recovered is not None and last_known <= recovered:
            lost_from = None
        report = RecoveryReport(
            campaign_id, problem, recovered, source, lost_from, last_known, backup, self.evidence
        )
        logger.warning("recovery: %s", report)
        return report

    async def repair_campaign(self, store: Store, damage: CorruptCampaign) -> RecoveryReport:
        """One campaign failed verification; the rest of the database is fine."""
        target = self._evidence_dir() / DB_FILE_NAME
        if not target.exists():
            await store.copy_to(target)
        info = await store.get_info(damage.campaign_id)
        return await self._from_backup_or_lost(
            store, damage.campaign_id, damage.problem, info.version, damage.version_ok_up_to
        )

    async def after_damaged_database(
        self, damage: DatabaseDamaged
    ) -> tuple[Store, list[RecoveryReport]]:
        logger.error("%s; restoring from backups", damage)
        evidence = self._set_aside(move=True)
        known = await asyncio.to_thread(_readable_versions, evidence / DB_FILE_NAME)
        problem = "the database was damaged (" + "; ".join(damage.problems[:2]) + ")"
        store = await self.open_store()
        reports = []
        for campaign_id in sorted(set(self.backups.campaign_ids()) | set(known)):
            reports.append(
                await self._from_backup_or_lost(store, campaign_id, problem, known.get(campaign_id))
            )
        return store, reports

    async def after_lost_wal(
        self, damage: WriteAheadLogMissing
    ) -> tuple[Store, list[RecoveryReport]]:
        logger.error("%s", damage)
        self._set_aside(move=False)
        store = await self.open_store(allow_missing_wal=True)
        problem = "the write-ahead log was lost; changes after the last checkpoint are gone"
        versions = {info.id: info.version for info in await store.list_campaigns()}
        reports = []
        for campaign_id in sorted(set(self.backups.campaign_ids()) | set(versions)):
            kept: int | None = None
            if campaign_id in versions:
                try:
                    kept = (await store.load(campaign_id)).info.version
                except CorruptCampaign as exc:
                    kept = exc.version_ok_up_to
            reports.append(await self._from_backup_or_lost(store, campaign_id, problem, None, kept))
        return store, reports


def _readable_versions(db_path: Path) -> dict[str, int]:
    """Best effort: the latest version of each campaign the damaged file still shows."""
    try:
        conn = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return {}
    try:
        rows = conn.execute("SELECT id, version FROM campaigns").fetchall()
        return {str(cid): int(version) for cid, version in rows}
    except sqlite3.Error as exc:
        logger.info("damaged database %s is unreadable: %s", db_path, exc)
        return {}
    finally:
        conn.close()
