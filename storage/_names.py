"""Asset names: `<sha256 hex>.<ext>`, the only shape that reaches the file system."""

from __future__ import annotations

import re

#: Image types a campaign may carry; anything else is refused, so no scripts or HTML.
ASSET_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "webp", "gif", "svg"})

_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_ASSET_NAME_RE = re.compile(r"([0-9a-f]{64})\.([a-z]{3,4})")


def is_sha256(value: str) -> bool:
    return _SHA256_RE.fullmatch(value) is not None


def split_asset_name(name: str) -> tuple[str, str] | None:
    """(sha, ext) for a well-formed `<sha>.<ext>`, else None; never trusts the input."""
    match = _ASSET_NAME_RE.fullmatch(name)
    if match is None or match.group(2) not in ASSET_EXTENSIONS:
        return None
    return match.group(1), match.group(2)
