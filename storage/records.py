"""The values the store hands out: journal records and campaign summaries.

Journal rows are stored as JSON text plus a sha256 over the whole row, so a row damaged
on disk is detected on load instead of being replayed into the campaign.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .plainjson import dump_plain


@dataclass(frozen=True, slots=True)
class JournalRecord:
    """One change: the JSON Patch that takes a campaign from `version - 1` to `version`."""

    version: int
    ops: list[dict[str, Any]]
    inverse: list[dict[str, Any]]
    by: str
    description: str
    at_ms: int
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    """A campaign's row without its snapshot; `version` is the latest journaled version."""

    id: str
    name: str
    version: int
    snapshot_version: int
    created_at_ms: int
    updated_at_ms: int


@dataclass(frozen=True, slots=True)
class LoadedCampaign:
    """A verified snapshot plus every journal record after it, contiguous."""

    info: CampaignInfo
    snapshot: bytes
    snapshot_version: int
    records: list[JournalRecord]


@dataclass(frozen=True, slots=True)
class EncodedRecord:
    """A record serialised for its journal row; built before it reaches the writer."""

    campaign_id: str
    version: int
    ops: str
    inverse: str
    by: str
    description: str
    at_ms: int
    meta: str
    sha256: str


def dump_json(value: Any) -> str:
    """Compact JSON text, the form journal columns hold.

    Strict (one module-level encoder: json.dumps with options builds a new one per call,
    which dominated the cost of verifying 10,000 rows on load): NaN or an infinity is a
    ValueError and a lone surrogate fails the row's UTF-8 checksum, so a bug elsewhere
    stops the change instead of journaling a row no reader accepts.
    """
    return dump_plain(value)


def row_checksum(
    campaign_id: str,
    version: int,
    ops: str,
    inverse: str,
    by: str,
    description: str,
    at_ms: int,
    meta: str,
) -> str:
    """sha256 over every column, so a row moved to another campaign or version fails too."""
    # Length prefixes keep the free-text fields unambiguous without a JSON encode per row
    # (that encode was most of the cost of verifying 10,000 rows on load); the JSON
    # texts never contain a raw newline, so joining them on one is unambiguous too.
    head = (
        f"{len(campaign_id)}:{campaign_id},{version},{len(by)}:{by},"
        f"{len(description)}:{description},{at_ms}"
    )
    payload = "\n".join((head, ops, inverse, meta))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def snapshot_header(campaign_id: str, version: int, name: str) -> bytes:
    """What a snapshot's checksum covers besides the blob: whose it is, which version
    replay starts from, and the campaign's name (so none of them can change unseen)."""
    return f"vtt-snapshot\n{len(campaign_id)}:{campaign_id},{version},{len(name)}:{name}\n".encode()


def snapshot_checksum(
    campaign_id: str, version: int, name: str, blob: bytes | Sequence[bytes]
) -> str:
    """sha256 of a snapshot row (header + blob). Blocking for large blobs: hashlib
    releases the GIL, so call it on a worker thread."""
    hasher = hashlib.sha256(snapshot_header(campaign_id, version, name))
    for piece in [blob] if isinstance(blob, bytes) else blob:
        hasher.update(piece)
    return hasher.hexdigest()


def encode_record(campaign_id: str, record: JournalRecord) -> EncodedRecord:
    """Serialise and checksum a record; raises TypeError/ValueError for non-JSON values
    (NaN and infinities included, and lone surrogates: UnicodeEncodeError)."""
    ops = dump_json(record.ops)
    inverse = dump_json(record.inverse)
    meta = dump_json(record.meta)
    digest = row_checksum(
        campaign_id,
        record.version,
        ops,
        inverse,
        record.by,
        record.description,
        record.at_ms,
        meta,
    )
    return EncodedRecord(
        campaign_id,
        record.version,
        ops,
        inverse,
        record.by,
        record.description,
        record.at_ms,
        meta,
        digest,
    )
