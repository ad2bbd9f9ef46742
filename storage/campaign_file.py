"""Campaign files (.vttcampaign): export, import and backups of one campaign.

Format (formatVersion 1): a zip archive with exactly these members

- ``manifest.json``: ``{"format": "vttcampaign", "formatVersion": 1, "schemaVersion": int,
  "campaignId": str, "name": str, "version": int, "exportedAt": ISO 8601 UTC,
  "members": {"state.json": sha256 hex, "assets/<sha>.<ext>": sha256 hex, ...}}``
  (writers may add keys, e.g. ``"reason"`` for backups; readers ignore unknown keys);
- ``state.json``: the campaign document (UTF-8 JSON object) at ``version``;
- ``assets/<sha256>.<ext>``: images, named by the sha256 of their bytes, ext one of
  png, jpg, jpeg, webp, gif, svg.

Import trusts nothing: member names must match the list above exactly (no paths to
escape with), sizes are limited both as declared and while decompressing (zip bombs),
every member's sha256 is checked, the JSON must be plain (numbers a double holds, valid
Unicode, unique keys, the state at most ``MAX_DOCUMENT_DEPTH`` levels deep), versions
are whole numbers up to ``MAX_VERSION`` and the state's is the manifest's, the schema is
migrated forward step by step and the state validated by the caller-supplied function.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeGuard

from ._names import split_asset_name
from .assets import replacing
from .errors import (
    ArchiveTooLarge,
    AssetMismatch,
    CampaignFileError,
    ChecksumMismatch,
    InvalidManifest,
    InvalidState,
    InvalidVersion,
    MissingMember,
    MissingMigration,
    NotACampaignFile,
    NotPlainJsonMember,
    SchemaTooNew,
    UnsafeMemberName,
    UnsupportedFormat,
)
from .plainjson import MAX_DOCUMENT_DEPTH, MAX_VERSION, NotPlainJson, load_plain

logger = logging.getLogger(__name__)

FORMAT_NAME = "vttcampaign"
FORMAT_VERSION = 1
FILE_SUFFIX = ".vttcampaign"
MANIFEST = "manifest.json"
STATE = "state.json"
ASSET_PREFIX = "assets/"
MANIFEST_MAX_DEPTH = 16
"""The manifest is flat (its member list is level 2); room for what later writers add."""


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """What a campaign file may hold: ONE definition, enforced by the writer and the reader.

    A file the writer accepts is always one the reader accepts, so a backup can always
    be read back. Sizes are bytes after decompression; a member that deflates better
    than ``max_compression_ratio`` is stored uncompressed by the writer (repetitive JSON
    compresses very well), and refused by the reader as a possible zip bomb.
    """

    max_state_bytes: int = 64 * 1024 * 1024
    """16 x the largest campaign measured (bench: 5 MB); see also the host's size ceiling."""
    max_asset_bytes: int = 64 * 1024 * 1024
    """An 8k x 8k map image is ~20 MB as PNG; room to spare."""
    max_total_bytes: int = 512 * 1024 * 1024
    max_manifest_bytes: int = 1024 * 1024
    max_members: int = 10_000
    max_compression_ratio: int = 100
    ratio_check_min_bytes: int = 1024 * 1024

    def member_limit(self, name: str) -> int:
        if name == MANIFEST:
            return self.max_manifest_bytes
        return self.max_state_bytes if name == STATE else self.max_asset_bytes

    def ratio_too_high(self, size: int, compressed: int) -> bool:
        return size > self.ratio_check_min_bytes and size > self.max_compression_ratio * max(
            compressed, 1
        )


LIMITS = ArchiveLimits()
_DAMAGED_ZIP = (
    zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError,
    struct.error,
)  # fmt: skip
"""What zipfile raises for damaged bytes: a flipped flag bit reads as encryption or an
unknown compression method, a flipped version as a format it does not implement."""
_READ_CHUNK_BYTES = 1024 * 1024
# Already-compressed image types are stored as is; deflating them only costs time.
_STORED_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "webp", "gif"})

Migration = Callable[[dict[str, Any]], dict[str, Any]]
Validator = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class CampaignFile:
    """An imported campaign: state migrated to the current schema and validated."""

    manifest: dict[str, Any]
    state: dict[str, Any]
    assets: dict[str, bytes]  # "<sha>.<ext>" -> bytes


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# --- writing --------------------------------------------------------------------------


def write_campaign_file(
    path: Path,
    state: bytes,
    *,
    campaign_id: str,
    name: str,
    version: int,
    schema_version: int,
    assets: Mapping[str, bytes],
    exported_at: datetime | None = None,
    extra_manifest: Mapping[str, Any] | None = None,
) -> None:
    """Write atomically (temp file in the same folder, fsync, rename). Blocking.

    The file is read back and checked (every entry, size and checksum, with the limits
    the reader applies) before it replaces anything: a campaign file that could not be
    imported again is never written. ArchiveTooLarge when the campaign exceeds them.
    """
    members: dict[str, bytes] = {STATE: state}
    for asset_name, data in assets.items():
        parsed = split_asset_name(asset_name)
        if parsed is None:
            raise UnsafeMemberName(path, ASSET_PREFIX + asset_name)
        if _sha256(data) != parsed[0]:
            raise AssetMismatch(path, ASSET_PREFIX + asset_name)
        members[ASSET_PREFIX + asset_name] = data
    manifest: dict[str, Any] = dict(extra_manifest or {})
    manifest.update(
        {
            "format": FORMAT_NAME,
            "formatVersion": FORMAT_VERSION,
            "schemaVersion": schema_version,
            "campaignId": campaign_id,
            "name": name,
            "version": version,
            "exportedAt": utc_iso(exported_at or datetime.now(UTC)),
            "members": {member: _sha256(data) for member, data in members.items()},
        }
    )
    entries = {MANIFEST: json.dumps(manifest, indent=2).encode(), **members}
    _check_writable(path, entries)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as handle:
        stored = {name for name in entries if name.rsplit(".", 1)[-1] in _STORED_EXTENSIONS}
        too_compressible = _write_archive(handle, entries, stored)
        if too_compressible:  # rare: store those as they are, so the reader takes them
            handle.seek(0)
            handle.truncate()
            _write_archive(handle, entries, stored | too_compressible)
        handle.seek(0)
        verify_archive(path, handle)
    logger.info("wrote campaign file %s (v%d, %d assets)", path, version, len(assets))


def _check_writable(path: Path, entries: Mapping[str, bytes]) -> None:
    """Refuse, before writing a byte, a campaign the reader would refuse."""
    if len(entries) > LIMITS.max_members:
        raise ArchiveTooLarge(
            path, f"the campaign has {len(entries) - 2} images; a file holds at most "
            f"{LIMITS.max_members - 2}",
        )  # fmt: skip
    for name, data in entries.items():
        limit = LIMITS.member_limit(name)
        if len(data) > limit:
            what = "the campaign document" if name == STATE else name
            raise ArchiveTooLarge(
                path, f"{what} is {len(data):,} bytes; a campaign file holds at most {limit:,}"
            )
    total = sum(map(len, entries.values()))
    if total > LIMITS.max_total_bytes:
        raise ArchiveTooLarge(
            path, f"the campaign and its images are {total:,} bytes; a campaign file holds "
            f"at most {LIMITS.max_total_bytes:,}",
        )  # fmt: skip


def _write_archive(handle: BinaryIO, entries: Mapping[str, bytes], stored: set[str]) -> set[str]:
    """Write the zip; returns the deflated members the reader would call zip bombs."""
    too_compressible: set[str] = set()
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
            info = archive.getinfo(name)
            if LIMITS.ratio_too_high(info.file_size, info.compress_size):
                too_compressible.add(name)
    return too_compressible


def _read_checked(
    path: Path, source: BinaryIO | Path | None, current_schema_version: int | None
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and every other member, each read within the limits and checked
    against the manifest's checksum; the one reading both the importer and the check
    of a file just written go through."""
    with _open_archive(path, source) as archive:
        infos = archive.infolist()
        _check_entries(path, infos)
        manifest = _parse_manifest(
            path, _read_member(path, archive, archive.getinfo(MANIFEST)), current_schema_version
        )
        listed = manifest["members"]
        present = {info.filename for info in infos} - {MANIFEST}
        for member in sorted(set(listed) | present):
            if member not in present:
                raise MissingMember(path, member)
            if member not in listed:
                raise InvalidManifest(path, f"{member} is not listed in manifest.json")
        contents = {
            info.filename: _read_member(path, archive, info)
            for info in infos
            if info.filename != MANIFEST
        }
    for member, data in contents.items():
        if _sha256(data) != listed[member]:
            raise ChecksumMismatch(path, member)
    return manifest, contents


def verify_archive(path: Path, source: BinaryIO | Path | None = None) -> dict[str, Any]:
    """Check that a campaign file reads back: entries, limits, every checksum. Blocking.

    Reads ``source`` (an open file or another path) as the file ``path`` names, so a
    file can be checked before it takes its place. Returns the manifest. Does not parse
    or validate the campaign document itself.
    """
    manifest, _ = _read_checked(path, source, None)
    return manifest


# --- reading --------------------------------------------------------------------------


def _check_entries(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Names, duplicates and declared sizes, before a single byte is decompressed."""
    if len(infos) > LIMITS.max_members:
        raise ArchiveTooLarge(
            path, f"the archive has {len(infos)} entries (limit {LIMITS.max_members})"
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        well_formed = name in (MANIFEST, STATE) or (
            name.startswith(ASSET_PREFIX) and split_asset_name(name[len(ASSET_PREFIX) :])
        )
        if not well_formed or name in seen:
            raise UnsafeMemberName(path, name)
        seen.add(name)
        if info.flag_bits & 0x1:
            raise NotACampaignFile(path, f"{name} is encrypted; campaign files never are")
        limit = LIMITS.member_limit(name)
        if info.file_size > limit:
            raise ArchiveTooLarge(
                path, f"{name} would unpack to {info.file_size} bytes (limit {limit})"
            )
        if LIMITS.ratio_too_high(info.file_size, info.compress_size):
            raise ArchiveTooLarge(
                path, f"{name} is compressed suspiciously well (possible zip bomb)"
            )
        total += info.file_size
        if total > LIMITS.max_total_bytes:
            raise ArchiveTooLarge(
                path, f"the archive would unpack to more than {LIMITS.max_total_bytes} bytes"
            )
    for required in (MANIFEST, STATE):
        if required not in seen:
            raise MissingMember(path, required)


def _read_member(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Decompress with the limit enforced on actual bytes, since headers can lie."""
    limit = min(LIMITS.member_limit(info.filename), info.file_size)
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(_READ_CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise ArchiveTooLarge(path, f"{info.filename} unpacks to more than declared")
                chunks.append(chunk)
    except _DAMAGED_ZIP as exc:
        raise ChecksumMismatch(path, info.filename) from exc
    except OSError as exc:
        if exc.errno == errno.EINVAL:  # an offset in the archive points nowhere
            raise ChecksumMismatch(path, info.filename) from exc
        raise CampaignFileError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    return b"".join(chunks)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


def _load_member(path: Path, member: str, raw: bytes, max_depth: int) -> Any:
    """A member's JSON, plain or refused (with the one line naming what is wrong)."""
    try:
        return load_plain(raw, max_depth=max_depth)
    except NotPlainJson as exc:
        raise NotPlainJsonMember(path, member, str(exc)) from exc
    except ValueError as exc:
        error = InvalidManifest if member == MANIFEST else InvalidState
        raise error(path, f"{member} is not valid JSON") from exc


def _whole(value: object) -> TypeGuard[int]:
    """An integer, and not a bool (``True`` is an int to Python, not to JSON)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(number: int) -> str:
    text = str(number)
    return text if len(text) <= 24 else f"{text[:20]}... ({len(text)} digits)"


def _parse_manifest(path: Path, raw: bytes, current_schema_version: int | None) -> dict[str, Any]:
    manifest = _load_member(path, MANIFEST, raw, MANIFEST_MAX_DEPTH)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise UnsupportedFormat(path, "this is not a vtt-host campaign file")
    format_version = manifest.get("formatVersion")
    if not _whole(format_version) or not 1 <= format_version <= MAX_VERSION:
        raise UnsupportedFormat(path, f"unknown campaign file version {format_version!r:.40}")
    if format_version > FORMAT_VERSION:
        raise UnsupportedFormat(
            path,
            f"the file was made by a newer vtt-host (file format {format_version}, "
            f"this program reads up to {FORMAT_VERSION}); update vtt-host",
        )
    expected_types = {
        "schemaVersion": int, "campaignId": str, "name": str, "version": int,
        "exportedAt": str, "members": dict,
    }  # fmt: skip
    for key, kind in expected_types.items():
        value = manifest.get(key)
        if not isinstance(value, kind) or (kind is int and not _whole(value)):
            raise InvalidManifest(path, f"manifest.json lacks a valid {key!r}")
    if not 0 <= manifest["version"] <= MAX_VERSION:
        raise InvalidVersion(
            path,
            f"manifest.json says version {_shown(manifest['version'])}; a campaign's "
            f"version is a whole number from 0 to {MAX_VERSION}",
        )
    if not 1 <= manifest["schemaVersion"] <= MAX_VERSION:
        raise InvalidManifest(path, "manifest.json lacks a valid 'schemaVersion'")
    if current_schema_version is not None and manifest["schemaVersion"] > current_schema_version:
        raise SchemaTooNew(path, manifest["schemaVersion"], current_schema_version)
    return manifest


def read_manifest(path: Path, *, current_schema_version: int | None = None) -> dict[str, Any]:
    """Only the manifest, with the archive's names and sizes checked. Blocking."""
    with _open_archive(path) as archive:
        _check_entries(path, archive.infolist())
        raw = _read_member(path, archive, archive.getinfo(MANIFEST))
    return _parse_manifest(path, raw, current_schema_version)


def _open_archive(path: Path, source: BinaryIO | Path | None = None) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path if source is None else source)
    except _DAMAGED_ZIP as exc:
        raise NotACampaignFile(
            path, "this is not a campaign file (not a zip archive, damaged, or cut short)"
        ) from exc
    except OSError as exc:
        if exc.errno == errno.EINVAL:  # an offset in the archive points nowhere
            raise NotACampaignFile(path, "the campaign file is damaged") from exc
        raise CampaignFileError(path, f"cannot read the file: {exc.strerror or exc}") from exc


def _migrate(
    path: Path, state: dict[str, Any], from_version: int, to_version: int,
    migrations: Mapping[int, Migration],
) -> dict[str, Any]:  # fmt: skip
    for version in range(from_version, to_version):
        step = migrations.get(version)
        if step is None:
            raise MissingMigration(path, version)
        try:
            state = step(state)
        # Migrations are caller code; whatever they raise means this file cannot be
        # upgraded, which is the one thing the GM needs to hear.
        except Exception as exc:
            raise InvalidState(
                path, f"upgrading from schema version {version} failed: {_one_line(exc)}"
            ) from exc
        state["schemaVersion"] = version + 1
    return state


def read_campaign_file(
    path: Path,
    *,
    current_schema_version: int,
    migrations: Mapping[int, Migration],
    validate: Validator,
) -> CampaignFile:
    """Read, verify, migrate and validate a campaign file. Blocking.

    Raises a CampaignFileError subclass naming what is wrong; never extracts anything
    to disk.
    """
    manifest, contents = _read_checked(path, None, current_schema_version)
    assets: dict[str, bytes] = {}
    for member, data in contents.items():
        if member.startswith(ASSET_PREFIX):
            asset_name = member[len(ASSET_PREFIX) :]
            if _sha256(data) != asset_name.split(".", 1)[0]:
                raise AssetMismatch(path, member)
            assets[asset_name] = data
    state = _load_member(path, STATE, contents[STATE], MAX_DOCUMENT_DEPTH)
    if not isinstance(state, dict):
        raise InvalidState(path, "state.json does not hold a campaign object")
    version = state.get("version")
    if version != manifest["version"] or not _whole(version):
        shown = _shown(version) if _whole(version) else f"{version!r:.40}"
        raise InvalidVersion(
            path,
            f"state.json is at version {shown} but manifest.json says "
            f"{manifest['version']}; the file was altered",
        )
    state = _migrate(path, state, manifest["schemaVersion"], current_schema_version, migrations)
    try:
        state = validate(state)
    # validate is the host's schema check; any exception it raises is a refusal.
    except Exception as exc:
        raise InvalidState(path, f"the campaign data is invalid: {_one_line(exc)}") from exc
    return CampaignFile(manifest, state, assets)
