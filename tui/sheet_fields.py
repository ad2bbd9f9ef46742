"""Reading what the GM typed into a sheet: numbers, hit points, ability scores.

Pure, so the rules are tested without a terminal. An empty field is never read as 0:
it means "none" where the sheet allows none (no armour class, no HP block) and is an
error where a number is needed. Each error names the field it belongs to, so the
sheet shows it next to that field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1
"""The schema's bound on every whole number (browsers read numbers as doubles)."""
ABILITY_MAX = 999
"""vtt_host.schema.AbilityScore's bound."""


class FieldError(ValueError):
    """What is wrong with one field of a sheet (``field`` is the widget id)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def whole_number(
    text: str,
    *,
    field: str,
    label: str,
    required: bool = True,
    minimum: int = -MAX_SAFE_INTEGER,
    maximum: int = MAX_SAFE_INTEGER,
) -> int | None:
    """The number typed, None for an empty optional field, else FieldError."""
    clean = text.strip()
    if clean.startswith("+"):
        clean = clean[1:]
    if not clean:
        if required:
            raise FieldError(field, f"{label}: type a number")
        return None
    try:
        value = int(clean)
    except ValueError:
        raise FieldError(field, f"{label}: {text.strip()!r} is not a whole number") from None
    if not minimum <= value <= maximum:
        if maximum == MAX_SAFE_INTEGER:
            raise FieldError(field, f"{label} cannot be below {minimum}")
        raise FieldError(field, f"{label} must be {minimum} to {maximum}")
    return value


def hit_points(
    current: str, maximum: str, temp: str, *, allow_over_max: bool
) -> dict[str, int] | None:
    """An HP block from the three fields; None when all three are empty (no HP).

    Current and max are needed once any field is filled; an empty temp means no
    temporary HP. Current above max is refused unless ``allow_over_max``.
    """
    if not (current.strip() or maximum.strip() or temp.strip()):
        return None
    now = whole_number(current, field="hp-current", label="Current HP")
    top = whole_number(maximum, field="hp-max", label="Max HP", minimum=0)
    extra = whole_number(temp, field="hp-temp", label="Temp HP", required=False, minimum=0)
    assert now is not None
    assert top is not None
    if now > top and not allow_over_max:
        raise FieldError(
            "hp-current",
            f"Current HP {now} is above max {top}: tick 'allow over max' to keep it",
        )
    return {"current": now, "max": top, "temp": extra or 0}


def ability_scores(typed: Mapping[str, str]) -> dict[str, int] | None:
    """The six scores, or None when all six are empty; some but not all is an error."""
    filled = {name: text for name, text in typed.items() if text.strip()}
    if not filled:
        return None
    missing = [name for name in typed if name not in filled]
    if missing:
        raise FieldError(
            f"ability-{missing[0]}",
            f"Fill in all six ability scores, or none ({missing[0]} is empty)",
        )
    scores: dict[str, int] = {}
    for name, text in typed.items():
        value = whole_number(
            text, field=f"ability-{name}", label=name.title(), minimum=0, maximum=ABILITY_MAX
        )
        assert value is not None
        scores[name] = value
    return scores


def changed_fields(original: Mapping[str, Any], edited: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``edited`` that differ from ``original`` (an update's ``set``)."""
    return {key: value for key, value in edited.items() if original.get(key) != value}
