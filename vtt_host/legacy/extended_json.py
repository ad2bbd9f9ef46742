"""MongoDB extended JSON (``$oid``, ``$date``, ``$number*``) turned into plain JSON.

``mongoexport`` wraps ids, dates and wide numbers in one-key objects; the rest of the
importer wants plain strings and numbers, so every document passes through ``plain``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

SECONDS_BELOW: int = 100_000_000_000
"""Epoch numbers smaller than this are seconds, larger ones milliseconds."""


def plain(value: Any) -> Any:
    """``value`` with ids as strings, dates as ISO text and non-finite floats as null."""
    if isinstance(value, list):
        return [plain(item) for item in value]
    if not isinstance(value, dict):
        return None if isinstance(value, float) and not math.isfinite(value) else value
    if len(value) == 1:
        ((key, inner),) = value.items()
        if key in ("$oid", "$uuid", "$symbol"):
            return str(inner)
        if key == "$date":
            return _date(plain(inner))
        if key in ("$numberLong", "$numberInt"):
            return _int_or_same(inner)
        if key in ("$numberDouble", "$numberDecimal"):
            return _finite_float(inner)
    return {key: plain(item) for key, item in value.items()}


def millis(value: Any) -> int | None:
    """Milliseconds since the epoch from a number (ms, or s if small) or ISO text.

    None when ``value`` is no moment at all; moments before 1970 become 0.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and math.isfinite(value):
        number = float(value)
        return max(0, int(number * 1000 if abs(number) < SECONDS_BELOW else number))
    if isinstance(value, str) and value.strip():
        return _iso_millis(value.strip())
    return None


def _iso_millis(text: str) -> int | None:
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0, int(moment.timestamp() * 1000))


def _date(inner: Any) -> Any:
    """ISO text for a ``$date``; what it holds, unchanged, if that is no moment."""
    moment = millis(inner)
    if moment is None:
        return inner
    text = datetime.fromtimestamp(moment / 1000, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _int_or_same(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _finite_float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
