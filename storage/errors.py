"""One exception tree for everything storage raises.

Callers catch `StorageError` to handle any persistence failure, or a subclass when they
can do something specific (offer a restore, tell the GM which file is bad). Every
exception carries its facts as attributes and renders a one-line message a GM can read.
"""

# Names state the condition (CampaignNotFound, DatabaseDamaged), as websockets' do.

from __future__ import annotations

from pathlib import Path


class StorageError(Exception):
    """Base class of every error raised by the storage package."""


# --- database -------------------------------------------------------------------------


class StoreClosed(StorageError):
    """The store was closed; no more reads or writes are accepted."""

    def __init__(self) -> None:
        super().__init__("the campaign database is closed")


class DatabaseDamaged(StorageError):
    """The SQLite file failed its integrity check or is not a database at all."""

    def __init__(self, path: Path | None, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        summary = "; ".join(problems[:3]) + (" ..." if len(problems) > 3 else "")
        where = f" {path}" if path is not None else ""
        super().__init__(f"the campaign database{where} is damaged: {summary}")


class WriteAheadLogMissing(DatabaseDamaged):
    """The -wal file vanished after an unclean shutdown: recent commits may be gone.

    The main file is still consistent (as of its last checkpoint), so recovery may keep
    campaigns whose data is newer than their newest backup.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(
            path,
            [
                "its write-ahead log (-wal file) is missing after an unclean shutdown; "
                "changes made since the last checkpoint may be lost"
            ],
        )


class DatabaseTooNew(StorageError):
    def __init__(self, path: Path, found: int, supported: int) -> None:
        self.path = path
        self.found = found
        self.supported = supported
        super().__init__(
            f"the campaign database {path} has schema version {found}; this program reads "
            f"up to {supported}; update vtt-host"
        )


class DatabaseOperationFailed(StorageError):
    """SQLite refused an operation for a reason that is not damage; nothing was changed.

    Never a reason to recover from backups: the data stays where it is. The subclasses
    name the ordinary causes (a full disk, another program holding the lock, a read-only
    file, a folder that cannot be opened, an I/O error) and say what to do.
    """

    summary = "the campaign database failed"
    advice = "try again; if it keeps failing, run 'vtt-host --verbose' and read the log"

    def __init__(self, detail: str, *, path: Path | None = None) -> None:
        self.detail = detail
        self.path = path
        where = f" {path}" if path is not None else ""
        super().__init__(f"{self.summary}{where} ({detail}): {self.advice}")


class DatabaseWriteFailed(DatabaseOperationFailed):
    """A write was refused; nothing from its transaction was stored."""

    summary = "could not write to the campaign database"


class DiskFull(DatabaseWriteFailed):
    """SQLITE_FULL or ENOSPC: the disk (or the file system's quota) has no room left."""

    summary = "the disk is full; could not write to the campaign database"
    advice = "free some space on that disk; the campaign is kept as it was"


class DatabaseInUse(DatabaseOperationFailed):
    """SQLITE_BUSY/LOCKED: another program holds the database's write lock."""

    summary = "the campaign database is in use by another program"
    advice = "close the other program (another vtt-host, a database browser), then try again"


class DatabaseReadOnly(DatabaseWriteFailed):
    """SQLITE_READONLY/PERM, EROFS, EACCES: the file or its folder cannot be written."""

    summary = "the campaign database cannot be written"
    advice = "check that the file and its folder are writable by you (and not on a read-only disk)"


class DatabaseCannotOpen(DatabaseOperationFailed):
    """SQLITE_CANTOPEN: a missing folder, a file where a folder should be, no permission."""

    summary = "cannot open the campaign database"
    advice = "check that the data folder exists, is a folder and is yours (see --data-dir)"


class DiskIOError(DatabaseOperationFailed):
    """SQLITE_IOERR: the operating system reported an I/O error reading or writing."""

    summary = "the disk reported an I/O error on the campaign database"
    advice = "check the disk (and its free space), then try again; the campaign is kept as it was"


class DataFolderInUse(StorageError):
    """Another vtt-host process holds the data folder's lock (one host per data folder)."""

    def __init__(self, folder: Path, holder: str) -> None:
        self.folder = folder
        self.holder = holder
        super().__init__(
            f"the data folder {folder} is in use by {holder}; stop that first (or use "
            "the GM app it belongs to), or pick another folder with --data-dir"
        )


class CampaignNotFound(StorageError):
    def __init__(self, campaign_id: str) -> None:
        self.campaign_id = campaign_id
        super().__init__(f"no campaign with id {campaign_id!r} in the database")


class CampaignExists(StorageError):
    def __init__(self, campaign_id: str) -> None:
        self.campaign_id = campaign_id
        super().__init__(f"a campaign with id {campaign_id!r} already exists")


class JournalVersionError(StorageError):
    """An append whose version is not exactly the latest journaled version + 1."""

    def __init__(self, campaign_id: str, latest: int, got: int) -> None:
        self.campaign_id = campaign_id
        self.latest = latest
        self.got = got
        super().__init__(
            f"campaign {campaign_id!r} is at version {latest}; "
            f"expected version {latest + 1}, got {got}"
        )


class JournalGapError(JournalVersionError):
    """The record would leave a hole in the journal (version > latest + 1)."""


class DuplicateVersionError(JournalVersionError):
    """The record's version is already journaled (version <= latest)."""


class CheckpointVersionError(StorageError):
    """A checkpoint for a version that is not journaled yet or older than the snapshot."""

    def __init__(self, campaign_id: str, version: int, low: int, high: int) -> None:
        self.campaign_id = campaign_id
        self.version = version
        self.low = low
        self.high = high
        super().__init__(
            f"cannot checkpoint campaign {campaign_id!r} at version {version}: "
            f"it must be between {low} and {high}"
        )


class CorruptCampaign(StorageError):
    """A campaign's snapshot or journal failed verification on load."""

    def __init__(self, campaign_id: str, version_ok_up_to: int | None, problem: str) -> None:
        self.campaign_id = campaign_id
        self.version_ok_up_to = version_ok_up_to
        self.problem = problem
        good = "nothing" if version_ok_up_to is None else f"up to version {version_ok_up_to}"
        super().__init__(f"campaign {campaign_id!r} is damaged ({problem}); readable: {good}")


# --- assets ---------------------------------------------------------------------------


class AssetError(StorageError):
    """Base class for asset store errors."""


class InvalidAssetName(AssetError):
    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"invalid asset name {name!r}: {reason}")


class AssetNotFound(AssetError):
    def __init__(self, sha256: str) -> None:
        self.sha256 = sha256
        super().__init__(f"asset {sha256} is not in the asset folder")


class AssetCorrupt(AssetError):
    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"asset file {path} does not match its checksum")


# --- campaign files -------------------------------------------------------------------


class CampaignFileError(StorageError):
    """A .vttcampaign file could not be written or was refused on import."""

    def __init__(self, path: Path | None, reason: str) -> None:
        self.path = path
        self.reason = reason
        where = f"{path.name}: " if path is not None else ""
        super().__init__(f"{where}{reason}")


class NotACampaignFile(CampaignFileError):
    """Not a zip archive, or a truncated one."""


class MissingMember(CampaignFileError):
    def __init__(self, path: Path | None, member: str) -> None:
        self.member = member
        super().__init__(path, f"the file has no {member}; it is not a complete campaign file")


class UnsafeMemberName(CampaignFileError):
    """A member name that could escape the target folder or is not part of the format."""

    def __init__(self, path: Path | None, member: str) -> None:
        self.member = member
        super().__init__(path, f"refusing unexpected or unsafe entry {member!r} in the archive")


class ArchiveTooLarge(CampaignFileError):
    """Size, member count or compression ratio over the limits (zip bomb protection)."""


class InvalidManifest(CampaignFileError):
    """manifest.json is unreadable, lacks a field, or does not list exactly the members."""


class ChecksumMismatch(CampaignFileError):
    def __init__(self, path: Path | None, member: str) -> None:
        self.member = member
        super().__init__(path, f"{member} does not match its checksum; the file is damaged")


class UnsupportedFormat(CampaignFileError):
    """Unknown format name, or a format version newer than this program reads."""


class SchemaTooNew(CampaignFileError):
    def __init__(self, path: Path | None, file_version: int, current: int) -> None:
        self.file_version = file_version
        self.current = current
        super().__init__(
            path,
            f"the campaign uses schema version {file_version} but this program knows only "
            f"up to {current}; update vtt-host to open it",
        )


class MissingMigration(CampaignFileError):
    def __init__(self, path: Path | None, from_version: int) -> None:
        self.from_version = from_version
        super().__init__(
            path, f"no upgrade step from schema version {from_version}; cannot open this file"
        )


class InvalidState(CampaignFileError):
    """state.json is not valid JSON, not an object, fails a migration or validation."""


class AssetMismatch(CampaignFileError):
    def __init__(self, path: Path | None, member: str) -> None:
        self.member = member
        super().__init__(path, f"image {member} does not match the checksum in its name")


class NotPlainJsonMember(CampaignFileError):
    """A member holds JSON no client could read back: numbers beyond a double, NaN,
    lone surrogates, duplicate keys or nesting past the limit."""

    def __init__(self, path: Path | None, member: str, problem: str) -> None:
        self.member = member
        self.problem = problem
        super().__init__(path, f"{member} holds values a campaign cannot: {problem}")


class InvalidVersion(CampaignFileError):
    """A version that is not a whole number from 0 to the largest a campaign may have,
    or a state whose version is not the one its manifest declares."""


# --- backups --------------------------------------------------------------------------


class BackupError(StorageError):
    """Base class for backup errors."""


class InvalidCampaignId(BackupError):
    """A campaign id that cannot safely name a backup folder."""

    def __init__(self, campaign_id: str) -> None:
        self.campaign_id = campaign_id
        super().__init__(f"campaign id {campaign_id!r} cannot be used as a backup folder name")


class NoBackupFound(BackupError):
    def __init__(self, campaign_id: str, detail: str) -> None:
        self.campaign_id = campaign_id
        self.detail = detail
        super().__init__(f"no backup of campaign {campaign_id!r} {detail}")
