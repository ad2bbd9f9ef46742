"""Lenient readers for the fields of old documents.

The old models spelt the same field several ways and stored it as a string, a number or
a populated sub-document; these readers accept all of them and return None for what
cannot be read, leaving the caller to decide whether that deserves a warning.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

INTERNAL_FIELDS: Final = frozenset({"__v", "_id", "id", "campaignId", "campaign"})
"""Bookkeeping fields of the old host, never kept as legacy data."""

_INT_IN_TEXT: Final = re.compile(r"-?\d+")


def as_ref(value: Any) -> str | None:
    """An id given as a string, a number, or a populated document ``{"_id": ...}``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        for key in ("_id", "id"):
            if key in value:
                return as_ref(value[key])
    return None


def raw_id(data: dict[str, Any]) -> str | None:
    """The old id of a document, whichever of ``_id`` and ``id`` it used."""
    return as_ref(data.get("_id", data.get("id")))


def first(data: dict[str, Any], *keys: str) -> tuple[str | None, Any]:
    """The first of ``keys`` present and not null, with its value; ``(None, None)``."""
    for key in keys:
        if key in data and data[key] is not None:
            return key, data[key]
    return None, None


def as_text(value: Any) -> str | None:
    """Stripped text from a string or a number; None when empty or of another type."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def as_int(value: Any) -> int | None:
    """A whole number from an int, a finite float (rounded) or numeric text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return round(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else no entries."""
    return value if isinstance(value, list) else []


def is_true(value: Any) -> bool:
    """Truth as the old forms wrote it, including the text ``"yes"`` or ``"on"``."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1", "on")
    return bool(value)


def is_hidden(data: dict[str, Any]) -> bool:
    """Whether a document was for the GM only, by any of the old visibility fields."""
    if any(is_true(data.get(key)) for key in ("hidden", "isHidden", "gmOnly")):
        return True
    if "visible" in data and data["visible"] is not None and not is_true(data["visible"]):
        return True
    return str(data.get("visibility", "")).lower() in ("gm", "hidden", "private")


def rounds_of(value: Any) -> int | None:
    """A duration in rounds from a number, ``{"rounds": n}`` or text like ``"3 rounds"``."""
    if isinstance(value, dict):
        value = first(value, "rounds", "remaining", "value", "turns")[1]
    if isinstance(value, str):
        match = _INT_IN_TEXT.search(value)
        value = int(match.group()) if match else None
    number = as_int(value)
    return max(0, number) if number is not None else None
