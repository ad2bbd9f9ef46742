"""Rotating backups: data_dir/backups/<campaign_id>/<UTC time>-v<version>.vttcampaign.

Each backup is a full campaign file (every member has a sha256 in its manifest), so any
one of them can be imported on its own. Rotation keeps the newest `keep_newest` plus the
newest backup of each UTC day for `keep_daily_days` days, and never the newest one.
The periodic schedule belongs to the host; this module provides the mechanics.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from .campaign_file import FILE_SUFFIX, read_manifest, write_campaign_file
from .errors import CampaignFileError, InvalidCampaignId, NoBackupFound

logger = logging.getLogger(__name__)

T = TypeVar("T")

BACKUPS_DIR_NAME = "backups"
_STAMP_FORMAT = "%Y%m%dT%H%M%S.%fZ"
_NAME_RE = re.compile(r"(\d{8}T\d{6}\.\d{6}Z)-v(\d+)" + re.escape(FILE_SUFFIX))
_CAMPAIGN_ID_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")


@dataclass(frozen=True, slots=True)
class BackupPolicy:
    """How often the host backs up a changing campaign and how many backups stay."""

    interval_s: float = 300.0
    keep_newest: int = 10
    keep_daily_days: int = 14

    def __post_init__(self) -> None:
        if not self.interval_s > 0:
            raise ValueError("backups need an interval of more than 0 seconds")
        if self.keep_newest < 1:
            raise ValueError("keep_newest must be at least 1")
        if self.keep_daily_days < 0:
            raise ValueError("keep_daily_days cannot be negative")


@dataclass(frozen=True, slots=True)
class BackupInfo:
    campaign_id: str
    path: Path
    time: datetime  # UTC, from the file name
    version: int
    size_bytes: int
    reason: str  # "" when the manifest cannot be read


class BackupSet:
    """Backups of every campaign under one data dir. Blocking, except `write_async`."""

    def __init__(self, data_dir: Path, keep_newest: int = 10, keep_daily_days: int = 14) -> None:
        if keep_newest < 1:
            raise ValueError("keep_newest must be at least 1")
        self.root = data_dir / BACKUPS_DIR_NAME
        self.keep_newest = keep_newest
        self.keep_daily_days = keep_daily_days

    @classmethod
    def from_policy(cls, data_dir: Path, policy: BackupPolicy) -> BackupSet:
        return cls(data_dir, policy.keep_newest, policy.keep_daily_days)

    def campaign_dir(self, campaign_id: str) -> Path:
        if _CAMPAIGN_ID_RE.fullmatch(campaign_id) is None:
            raise InvalidCampaignId(campaign_id)
        return self.root / campaign_id

    def write(
        self,
        campaign_id: str,
        state: bytes,
        name: str,
        version: int,
        schema_version: int,
        assets: Mapping[str, bytes],
        reason: str,
        *,
        now: datetime | None = None,
    ) -> BackupInfo:
        """Write a backup, then prune old ones. Blocking: see `write_async`."""
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        folder = self.campaign_dir(campaign_id)
        path = folder / f"{moment.strftime(_STAMP_FORMAT)}-v{version}{FILE_SUFFIX}"
        while path.exists():  # two backups in one microsecond: keep both
            moment += timedelta(microseconds=1)
            path = folder / f"{moment.strftime(_STAMP_FORMAT)}-v{version}{FILE_SUFFIX}"
        write_campaign_file(
            path, state, campaign_id=campaign_id, name=name, version=version,
            schema_version=schema_version, assets=assets, exported_at=moment,
            extra_manifest={"reason": reason},
        )  # fmt: skip
        logger.info("backup of %s at v%d (%s): %s", campaign_id, version, reason, path.name)
        self.prune(campaign_id, now=moment)
        return BackupInfo(campaign_id, path, moment, version, path.stat().st_size, reason)

    async def write_async(
        self,
        campaign_id: str,
        state: bytes,
        name: str,
        version: int,
        schema_version: int,
        assets: Mapping[str, bytes],
        reason: str,
    ) -> BackupInfo:
        """`write` on a worker thread so the event loop never waits for the disk."""
        return await asyncio.to_thread(
            self.write, campaign_id, state, name, version, schema_version, assets, reason
        )

    def campaign_ids(self) -> builtins.list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and _CAMPAIGN_ID_RE.fullmatch(p.name)
        )

    def list(self, campaign_id: str | None = None) -> builtins.list[BackupInfo]:
        """Backups of one campaign (or all), newest first."""
        ids = [campaign_id] if campaign_id is not None else self.campaign_ids()
        found: builtins.list[BackupInfo] = []
        for cid in ids:
            folder = self.campaign_dir(cid)
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                match = _NAME_RE.fullmatch(path.name)
                if match is None:
                    continue
                moment = datetime.strptime(match.group(1), _STAMP_FORMAT).replace(tzinfo=UTC)
                found.append(
                    BackupInfo(
                        cid, path, moment, int(match.group(2)), path.stat().st_size,
                        _reason(path),
                    )
                )  # fmt: skip
        found.sort(key=lambda info: info.time, reverse=True)
        return found

    def prune(self, campaign_id: str, *, now: datetime | None = None) -> builtins.list[Path]:
        """Delete backups outside the rotation; returns the deleted paths."""
        backups = self.list(campaign_id)
        if not backups:
            return []
        today = (now or datetime.now(UTC)).astimezone(UTC).date()
        first_daily_day = today - timedelta(days=self.keep_daily_days - 1)
        keep = {b.path for b in backups[: self.keep_newest]}
        days_seen: set[date] = set()
        for backup in backups:  # newest first, so the first of each day is its newest
            day = backup.time.date()
            if day >= first_daily_day and day not in days_seen:
                days_seen.add(day)
                keep.add(backup.path)
        removed = [b.path for b in backups if b.path not in keep]
        for path in removed:
            path.unlink(missing_ok=True)
        if removed:
            logger.info("pruned %d old backups of %s", len(removed), campaign_id)
        return removed

    def pick(
        self,
        campaign_id: str,
        at: datetime | None = None,
        *,
        skip_reasons: frozenset[str] = frozenset(),
    ) -> BackupInfo:
        """The newest backup at or before `at` (any time if None) whose reason is not
        one of `skip_reasons`; NoBackupFound."""
        for backup in self.list(campaign_id):
            if backup.reason in skip_reasons:
                continue
            if at is None or backup.time <= at.astimezone(UTC):
                return backup
        when = "at all" if at is None else f"at or before {at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        raise NoBackupFound(campaign_id, when)

    def newest_valid(
        self, campaign_id: str, read_fn: Callable[[Path], T]
    ) -> tuple[BackupInfo, T] | None:
        """The newest backup that `read_fn` accepts, skipping damaged ones."""
        for backup in self.list(campaign_id):
            try:
                return backup, read_fn(backup.path)
            # read_fn is the host's reader: a refused file raises CampaignFileError,
            # a validation error ValueError (pydantic's included), a lost file OSError.
            except (CampaignFileError, ValueError, OSError) as exc:
                logger.warning("skipping unreadable backup %s: %s", backup.path, exc)
        return None


def _reason(path: Path) -> str:
    try:
        reason = read_manifest(path).get("reason", "")
    except (CampaignFileError, OSError):
        return ""
    return reason if isinstance(reason, str) else ""
