"""Serialized patch frames: encoded once per version, kept per audience for resumes.

``FrameCache`` turns a ``Published`` into frame text. Players whose filtered ops are the
same op objects (the common case: a token move every player may see) share one
encoding, so a version costs one ``json.dumps`` per distinct op list, not per recipient.

A ``Mailbox`` holds the last versions one audience (the GM, or one player) was sent,
whether or not that player is connected. A player who reconnects with ``since`` is
served from it when it reaches back to ``since + 1``; otherwise (after a host restart,
or a very long absence) they get the full view.
"""

from __future__ import annotations

from collections import deque

from vtt_host.manager import Published
from vtt_host.server import frames
from vtt_host.server.limits import MAILBOX_BYTES, MAILBOX_VERSIONS
from vtt_host.views import Audience


class FrameCache:
    """Encodings of the current version's patch frames, keyed by op identity.

    Keys use ``id()`` of the op objects, which is sound only while they are alive: the
    cache forgets everything as soon as a new version arrives, and all op lists of one
    version are held by the manager until its publication ends.
    """

    def __init__(self) -> None:
        self._version = -1
        self._frames: dict[tuple[object, ...], str] = {}
        self._by_published: dict[int, tuple[Published, tuple[str, ...]]] = {}
        self.encoded = 0
        self.reused = 0

    def frames_for(self, published: Published) -> tuple[str, ...]:
        """The frames one recipient gets for a version: the patch, and ``decided``."""
        if published.version != self._version:
            self._version = published.version
            self._frames = {}
            self._by_published = {}
        seen = self._by_published.get(id(published))
        if seen is not None and seen[0] is published:  # another listener of one audience
            return seen[1]
        texts = self._frames_for(published)
        self._by_published[id(published)] = (published, texts)
        return texts

    def _frames_for(self, published: Published) -> tuple[str, ...]:
        key = (published.by, published.description, *map(id, published.ops))
        text = self._frames.get(key)
        if text is None:
            text = frames.patch(
                published.version, published.ops, published.by, published.description
            )
            self._frames[key] = text
            self.encoded += 1
        else:
            self.reused += 1
        decision = published.decision
        if decision is None:
            return (text,)
        return (text, frames.decided(decision.action_id, decision.approved, decision.reason))


_Entry = tuple[int, tuple[str, ...], int]
"""(version, frames, characters). A plain tuple of strings and ints, which CPython's
collector stops tracking: 600 mailboxes of 2,000 versions add nothing to its walks."""


class Mailbox:
    """The last frames of one audience, bounded by versions and bytes."""

    def __init__(
        self,
        audience: Audience,
        version: int,
        *,
        max_versions: int = MAILBOX_VERSIONS,
        max_bytes: int = MAILBOX_BYTES,
    ) -> None:
        self.audience = audience
        self._floor = version
        self._last = version
        self._entries: deque[_Entry] = deque()
        self._bytes = 0
        self._max_versions = max_versions
        self._max_bytes = max_bytes

    @property
    def version(self) -> int:
        return self._last

    @property
    def floor(self) -> int:
        """The oldest ``since`` this mailbox can serve."""
        return self._floor

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def append(self, version: int, texts: tuple[str, ...]) -> None:
        if version != self._last + 1:
            # A hole cannot be served; start over from here.
            self._entries.clear()
            self._bytes = 0
            self._floor = version - 1
        size = sum(len(text) for text in texts)
        self._entries.append((version, texts, size))
        self._bytes += size
        self._last = version
        while self._entries and (
            len(self._entries) > self._max_versions or self._bytes > self._max_bytes
        ):
            dropped_version, _, dropped_size = self._entries.popleft()
            self._bytes -= dropped_size
            self._floor = dropped_version

    def frames_after(self, since: int) -> list[str] | None:
        """Every frame of versions ``since + 1 ..`` held now, or None if some are gone."""
        if since < self._floor or since > self._last:
            return None
        return [text for version, texts, _ in self._entries if version > since for text in texts]
