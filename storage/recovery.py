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
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ._queries import Salvaged, salvage
from ._schema import DB_FILE_NAME, Synchronous, shm_path, wal_path
from .assets import TEMP_PREFIX
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
    """Open the store, repairing damage from backups; an empty list means all was fine.

    Errors that are not damage (a full disk, a held lock, a read-only file) are raised
    as they are: they never cause a recovery.
    """
    recovery = _Recovery(data_dir, synchronous, backups, read_backup, journal_keep_versions)
    try:
        store = await recovery.open_store()
    except WriteAheadLogMissing as exc:
        store, reports = await recovery.after_lost_wal(exc)
    except DatabaseDamaged as exc:
        store, reports = await recovery.after_damaged_database(exc)
    else:
        try:
            reports = await recovery.check_campaigns(store)
        except DatabaseDamaged as exc:  # the listing itself is unreadable
            await store.close()
            store, reports = await recovery.after_damaged_database(exc)
        except BaseException:
            await store.close()
            raise
    await recovery.settle_marks(store, reports)
    return store, reports


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
        self._first_open = True
        self._wal_copy: Path | None = None
        self._marks: dict[str, int] | None = None

    async def open_store(self, *, allow_missing_wal: bool = False) -> Store:
        """Open the store; the first time after a crash, keep a copy of its write-ahead log.

        Opening folds the log into the database and empties it, so the frames a damaged
        log hides would be gone; the copy is kept as evidence when recovery finds loss.
        """
        if self._first_open:
            self._first_open = False
            wal = wal_path(self.db_path)
            if wal.exists() and wal.stat().st_size > 0:
                # Named like a temp file, so a kill right now leaves nothing for good.
                copy = self.data_dir / f"{TEMP_PREFIX}{wal.name}.{os.getpid()}.evidence"
                try:
                    await asyncio.to_thread(shutil.copyfile, wal, copy)
                    self._wal_copy = copy
                except OSError as exc:  # a full disk: the evidence is a nicety, opening is not
                    logger.info("could not keep a copy of %s: %s", wal, exc)
                    copy.unlink(missing_ok=True)
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
        kept: int | None = None, salvaged: Salvaged | None = None,
    ) -> RecoveryReport:  # fmt: skip
        """Restore from the newest usable source: the verified part kept in place (`kept`),
        what was salvaged from a damaged file, or the newest valid backup."""
        backup = await self._newest_backup(campaign_id)
        backup_version = backup[3] if backup is not None else -1
        if salvaged is not None and salvaged.version > max(backup_version, kept or -1):
            await store.restore_campaign(
                campaign_id, salvaged.name, salvaged.snapshot, salvaged.snapshot_version
            )
            for record in salvaged.records:
                await store.append(campaign_id, record)
            return self._report(
                campaign_id, problem, salvaged.version, "database", last_known, None
            )
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

    async def check_campaigns(self, store: Store) -> list[RecoveryReport]:
        """Verify every campaign against its checksums and its high-water mark."""
        marks = store.high_water.snapshot() if store.high_water.trusted else {}
        reports: list[RecoveryReport] = []
        listed = await store.list_campaigns()
        for info in listed:
            mark = marks.get(info.id)
            try:
                dropped_through = await store.verify(info.id)
            except (CorruptCampaign, DatabaseDamaged) as exc:
                damage = _as_corrupt(info.id, exc)
                logger.error("%s", damage)
                reports.append(await self.repair_campaign(store, damage, mark))
                continue
            if mark is not None and mark > info.version:
                reports.append(await self.repair_lost_versions(store, info.id, info.version, mark))
            elif dropped_through is not None:
                problem = (
                    f"journal rows up to version {dropped_through}, kept behind the snapshot "
                    "for undo and resume, were damaged and have been dropped"
                )
                logger.warning("campaign %s: %s", info.id, problem)
                reports.append(
                    RecoveryReport(
                        info.id, problem, info.version, "database", None, None, None, None
                    )
                )
        for campaign_id in sorted(set(marks) - {info.id for info in listed}):
            problem = (
                f"the database no longer holds the campaign, though version "
                f"{marks[campaign_id]} of it was saved"
            )
            logger.error("campaign %s: %s", campaign_id, problem)
            await self._keep_evidence(store)
            reports.append(
                await self._from_backup_or_lost(store, campaign_id, problem, marks[campaign_id])
            )
        return reports

    async def _keep_evidence(self, store: Store) -> None:
        target = self._evidence_dir() / DB_FILE_NAME
        if not target.exists():
            await store.copy_to(target)
        self._keep_wal_copy()

    async def repair_campaign(
        self, store: Store, damage: CorruptCampaign, mark: int | None = None
    ) -> RecoveryReport:
        """One campaign failed verification; the rest of the database is fine."""
        await self._keep_evidence(store)
        info = await store.get_info(damage.campaign_id)
        last_known = mark if mark is not None else info.version
        return await self._from_backup_or_lost(
            store, damage.campaign_id, damage.problem, last_known, damage.version_ok_up_to
        )

    async def repair_lost_versions(
        self, store: Store, campaign_id: str, found: int, saved: int
    ) -> RecoveryReport:
        """The database verifies but ends before versions that were saved and acknowledged.

        SQLite drops every commit after a damaged frame of its write-ahead log, and a
        log cut short loses its tail, silently; the high-water mark says what was there.
        """
        problem = (
            f"the database ends at version {found} but versions up to {saved} were saved "
            "(its write-ahead log was damaged or cut short)"
        )
        logger.error("campaign %s: %s", campaign_id, problem)
        await self._keep_evidence(store)
        return await self._from_backup_or_lost(store, campaign_id, problem, saved, found)

    async def settle_marks(self, store: Store, reports: list[RecoveryReport]) -> None:
        """After recovery the marks say what the database now holds, losses reported."""
        versions = {info.id: info.version for info in await store.list_campaigns()}
        marks = store.high_water
        if not marks.trusted:
            for campaign_id in set(marks.snapshot()) - set(versions):
                await asyncio.to_thread(marks.set, campaign_id, None)
        for campaign_id in {report.campaign_id for report in reports} - set(versions):
            await asyncio.to_thread(marks.set, campaign_id, None)
        for campaign_id, version in versions.items():
            if marks.get(campaign_id) != version:
                await asyncio.to_thread(marks.set, campaign_id, version)
        marks.trusted = True
        if not reports:
            self._discard_wal_copy()

    async def after_damaged_database(
        self, damage: DatabaseDamaged
    ) -> tuple[Store, list[RecoveryReport]]:
        logger.error("%s; restoring from backups", damage)
        evidence = self._set_aside(move=True)
        self._keep_wal_copy()
        known = await asyncio.to_thread(_readable_versions, evidence / DB_FILE_NAME)
        problem = "the database was damaged (" + "; ".join(damage.problems[:2]) + ")"
        salvaged = await asyncio.to_thread(_salvage_all, evidence, set(known))
        store = await self.open_store()
        for campaign_id, mark in self._marks_before(store).items():
            known[campaign_id] = max(mark, known.get(campaign_id, mark))
        reports = []
        for campaign_id in sorted(set(self.backups.campaign_ids()) | set(known)):
            reports.append(
                await self._from_backup_or_lost(
                    store,
                    campaign_id,
                    problem,
                    known.get(campaign_id),
                    salvaged=salvaged.get(campaign_id),
                )
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
        marks = self._marks_before(store)
        reports = []
        for campaign_id in sorted(set(self.backups.campaign_ids()) | set(versions) | set(marks)):
            kept: int | None = None
            if campaign_id in versions:
                try:
                    kept = (await store.load(campaign_id)).info.version
                except CorruptCampaign as exc:
                    kept = exc.version_ok_up_to
            reports.append(
                await self._from_backup_or_lost(
                    store, campaign_id, problem, marks.get(campaign_id), kept
                )
            )
        return store, reports

    def _marks_before(self, store: Store) -> dict[str, int]:
        """The high-water marks as they were before this recovery touched anything."""
        if self._marks is None:
            marks = store.high_water
            self._marks = marks.snapshot() if marks.trusted else {}
        return self._marks

    def _keep_wal_copy(self) -> None:
        """Move the copy of the write-ahead log taken before opening into the evidence."""
        if self._wal_copy is not None and self._wal_copy.exists():
            os.replace(self._wal_copy, self._evidence_dir() / wal_path(self.db_path).name)
        self._wal_copy = None

    def _discard_wal_copy(self) -> None:
        if self._wal_copy is not None:
            self._wal_copy.unlink(missing_ok=True)
        self._wal_copy = None


def _as_corrupt(campaign_id: str, exc: CorruptCampaign | DatabaseDamaged) -> CorruptCampaign:
    if isinstance(exc, CorruptCampaign):
        return exc
    return CorruptCampaign(campaign_id, None, "; ".join(exc.problems[:2]))


def _salvage_all(evidence: Path, campaign_ids: set[str]) -> dict[str, Salvaged]:
    """What of each campaign still verifies in the damaged files set aside in `evidence`.

    It reads a scratch copy (the database with its write-ahead log, where the newest
    commits are), so the evidence itself stays exactly as it was found.
    """
    found: dict[str, Salvaged] = {}
    with tempfile.TemporaryDirectory(dir=evidence, prefix=TEMP_PREFIX) as scratch:
        copy = Path(scratch) / DB_FILE_NAME
        for source in (evidence / DB_FILE_NAME, evidence / wal_path(copy).name):
            if source.exists():
                shutil.copyfile(source, Path(scratch) / source.name)
        try:
            conn = sqlite3.connect(copy)
        except sqlite3.Error:
            return found
        try:
            for campaign_id in sorted(campaign_ids):
                salvaged = salvage(conn, campaign_id)
                if salvaged is not None:
                    found[campaign_id] = salvaged
        finally:
            conn.close()
    return found


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
