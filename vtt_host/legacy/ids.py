"""Old ids mapped to ids the new schema accepts.

MongoDB ids are safe already, but hand-made exports use names with spaces, slashes and
any length; each collection's ids are rewritten once, so references resolve to the
same new id wherever they appear.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Final

from vtt_host.legacy.errors import LegacyImportError
from vtt_host.legacy.fields import as_ref

ID_MAX_CHARS: Final = 64
HASH_CHARS: Final = 8
_UNSAFE_ID_CHARS: Final = re.compile(r"[^A-Za-z0-9_.-]")


def safe_name(text: str) -> str:
    """``text`` with every character an id may not hold replaced by ``_``."""
    return _UNSAFE_ID_CHARS.sub("_", text)


class Ids:
    """Old ids of one collection mapped to ids our schema accepts, unique and stable."""

    def __init__(self, kind: str, prefix: str) -> None:
        self.kind = kind
        self.prefix = prefix
        self.by_raw: dict[str, str] = {}
        self.where: dict[str, str] = {}
        self.used: set[str] = set()
        self.generated = 0

    def add(self, raw: str | None, where: str) -> str:
        """Register the document at ``where``; its new id.

        Raises ``LegacyImportError`` when ``raw`` was registered before.
        """
        if raw is None:  # nothing can refer to it, so it gets a fresh id of its own
            return self._fresh()
        if raw in self.by_raw:
            raise LegacyImportError(
                f"{where}: {self.kind} id {raw!r} is used twice (also at {self.where[raw]})"
            )
        safe = safe_name(raw)
        if safe.startswith("."):
            safe = "_" + safe[1:]
        if len(safe) > ID_MAX_CHARS or safe in self.used:
            safe = f"{safe[: ID_MAX_CHARS - HASH_CHARS - 1]}-{_hash(raw)}"
        self.by_raw[raw] = safe
        self.where[raw] = where
        self.used.add(safe)
        return safe

    def get(self, raw: Any) -> str | None:
        """The new id of a reference in any form ``as_ref`` reads; None if unknown."""
        ref = as_ref(raw)
        return self.by_raw.get(ref) if ref is not None else None

    def _fresh(self) -> str:
        self.generated += 1
        safe = f"{self.prefix}-{self.generated}"
        while safe in self.used:
            self.generated += 1
            safe = f"{self.prefix}-{self.generated}"
        self.used.add(safe)
        return safe


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:HASH_CHARS]
