"""How big a campaign may grow, and what one player may add to it.

A campaign must always fit what a backup and a welcome carry: a document that grew past
the campaign file's limits could be written but never read back. So the host keeps a
running size of the document (exact at every checkpoint, estimated from each change's
values in between) and refuses any change that would take it past ``CAMPAIGN_MAX_BYTES``;
changes that shrink it, and players coming and going, always go through.

Proposals are the one place where a player's own bytes are stored until the GM looks:
they are bounded per proposal, per player and for the whole table.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from storage import dump_plain
from storage.campaign_file import LIMITS
from vtt_host.errors import Invalid
from vtt_host.patching import Op


def _length_counter() -> Callable[[Any], int]:
    """Characters of a value's compact JSON. The C encoder is made once here; going
    through ``JSONEncoder.encode`` builds it anew on every call, half the cost of a small
    value (and a token move counts two of them)."""
    if c_make_encoder is None:  # an interpreter without the C accelerator
        encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
        return lambda value: len(encode(value))
    chunks = c_make_encoder(None, None, encode_basestring, None, ":", ",", False, False, True)
    return lambda value: sum(map(len, chunks(value, 0)))


_json_chars = _length_counter()

CAMPAIGN_MAX_BYTES = LIMITS.max_state_bytes // 2
"""Half of what a campaign file holds: room for the estimate's drift and a migration."""

PROPOSAL_MAX_BYTES = 64 * 1024
"""One proposal's changes, as JSON: far more than any sheet edit."""
PENDING_BYTES_PER_PLAYER = 256 * 1024
PENDING_BYTES_PER_TABLE = 2 * 1024 * 1024
PENDING_PER_TABLE = 200
"""Proposals waiting for the GM at once, from everyone together."""

RECENT_CHANGES = 10_000
"""Changes remembered to carry a checkpoint's measurement forward (a checkpoint falls at
least every 5,000)."""

ALWAYS_ALLOWED_KINDS = frozenset({"join", "leave"})
"""A full campaign still lets its players in and out (bounded by the table's size)."""


class CampaignFull(Invalid):
    """The change would take the campaign past what a backup can carry."""

    def __init__(self) -> None:
        super().__init__(
            "the campaign is full: nothing more can be added until the GM makes room "
            "(deletes old maps, images, handouts or chat)"
        )


def json_bytes(value: Any) -> int:
    return len(dump_plain(value).encode())


def change_bytes(ops: Iterable[Op], inverse: Iterable[Op]) -> int:
    """About how many bytes a change adds to the document (negative: it frees them).

    The values an op writes count in, the values its inverse would put back count out.
    It counts characters, not UTF-8 bytes, and leaves out keys and punctuation: cheap on
    the hot path (a token move costs two small encodes), and the drift is put right at
    the next checkpoint, which measures the document exactly.
    """
    added = sum(_json_chars(op["value"]) for op in ops if "value" in op and op["op"] != "test")
    removed = sum(_json_chars(op["value"]) for op in inverse if "value" in op)
    return added - removed


class DocumentSize:
    """The running size of one campaign document, in bytes."""

    def __init__(self, size_bytes: int, *, limit_bytes: int = CAMPAIGN_MAX_BYTES) -> None:
        self.bytes = size_bytes
        self.limit_bytes = limit_bytes
        self._recent: deque[int] = deque(maxlen=RECENT_CHANGES)
        """Bytes each recent change added, the newest last (versions are contiguous, so
        plain ints: no tuple per change for the collector to track)."""
        self._newest_version = 0

    def admit(self, delta: int, kind: str) -> None:
        """Raise CampaignFull if a change adding ``delta`` bytes may not be made."""
        if delta > 0 and kind not in ALWAYS_ALLOWED_KINDS and self.bytes + delta > self.limit_bytes:
            raise CampaignFull()

    def record(self, version: int, delta: int) -> None:
        self.bytes += delta
        self._recent.append(delta)
        self._newest_version = version

    def measured(self, version: int, size_bytes: int) -> None:
        """The document was exactly ``size_bytes`` at ``version`` (a checkpoint)."""
        later = max(0, min(self._newest_version - version, len(self._recent)))
        self.bytes = size_bytes + sum(itertools.islice(reversed(self._recent), later))


def check_proposal(changes: list[Op], player_id: str, queue: Iterable[Mapping[str, Any]]) -> None:
    """Refuse a proposal past the bounds on what players may leave waiting for the GM."""
    size = json_bytes(changes)
    if size > PROPOSAL_MAX_BYTES:
        raise Invalid(
            f"this proposal is {size:,} bytes; a proposal may be at most {PROPOSAL_MAX_BYTES:,}"
        )
    waiting = [(pending["playerId"], json_bytes(pending["changes"])) for pending in queue]
    mine = sum(b for who, b in waiting if who == player_id)
    if mine + size > PENDING_BYTES_PER_PLAYER:
        raise Invalid("your proposals waiting for the GM are too large; wait for a decision")
    if len(waiting) >= PENDING_PER_TABLE or sum(b for _, b in waiting) + size > (
        PENDING_BYTES_PER_TABLE
    ):
        raise Invalid("the GM has too many proposals waiting; try again after a decision")
