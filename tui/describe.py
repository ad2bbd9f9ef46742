"""Readable text for what the GM looks at: proposed changes, times, names.

Pure functions of the (read-only) campaign document, so the widgets stay thin and
these can be tested without a terminal. A proposal's JSON Patch is shown against the
current state: ``Thorin · HP current: 12 → 9``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from vtt_host.errors import PatchError
from vtt_host.patching import parse_path
from vtt_host.views import GM_ID

ENTITY_COLLECTIONS = ("actors", "items", "maps", "encounters", "players")
MAX_VALUE_CHARS = 48
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_LABELS = {
    "hp": "HP",
    "gmNotes": "GM notes",
    "tokenPositions": "position",
    "currentSession": "session",
    "initiativeBonus": "initiative bonus",
    "chatMessages": "chat",
    "pendingActions": "proposals",
}


def label(token: str) -> str:
    """``initiativeBonus`` -> ``initiative bonus``; list indexes become ``#1``."""
    if token in _LABELS:
        return _LABELS[token]
    if token.isdigit():
        return f"#{int(token) + 1}"
    if token == "-":
        return "new"
    return _WORD_BOUNDARY.sub(" ", token).lower()


def cell_text(x: int, y: int) -> str:
    """A grid cell as the document stores it, ``(x, y)`` from ``(0, 0)`` at the top left.

    The player's page (sheet.js, map.js) and the host's change log write it the same way.
    """
    return f"({x}, {y})"


def value_text(value: Any) -> str:
    """A short form of a JSON value: positions as (x, y), entities by name."""
    if isinstance(value, Mapping):
        if set(value) >= {"x", "y"} and len(value) == 2:
            return cell_text(value["x"], value["y"])
        if "name" in value:
            return str(value["name"])
        if set(value) >= {"current", "max"}:
            return f"{value['current']}/{value['max']}"
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


_MISSING = object()


def lookup(state: Mapping[str, Any], tokens: Sequence[str]) -> Any:
    """The value at ``tokens`` in the document, or ``_MISSING``."""
    node: Any = state
    for token in tokens:
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return _MISSING
    return node


def subject(state: Mapping[str, Any], tokens: Sequence[str]) -> tuple[str, Sequence[str]]:
    """Who or what a path is about, and the rest of the path below it."""
    if len(tokens) >= 2 and tokens[0] in ENTITY_COLLECTIONS:
        entity = lookup(state, tokens[:2])
        name = entity.get("name") if isinstance(entity, Mapping) else None
        return str(name or tokens[1]), tokens[2:]
    if len(tokens) >= 3 and tokens[:2] == ("currentSession", "tokenPositions"):
        return actor_name(state, tokens[2]), ("tokenPositions", *tokens[3:])
    if tokens and tokens[0] == "currentSession":
        return "session", tokens[1:]
    if tokens and tokens[0] == "campaign":
        return "campaign", tokens[1:]
    return "campaign", tokens


def describe_op(state: Mapping[str, Any], change: Mapping[str, Any]) -> str:
    """One op as a line the GM can read at a glance."""
    try:
        tokens = parse_path(change.get("path", ""))
    except PatchError:
        return f"{change.get('op', '?')} {change.get('path', '?')}"
    who, rest = subject(state, tokens)
    what = " ".join(label(token) for token in rest) or "whole entry"
    kind = change.get("op")
    old = lookup(state, tokens)
    if kind == "replace" or (kind == "add" and old is not _MISSING and rest and rest[-1] != "-"):
        before = "—" if old is _MISSING else value_text(old)
        return f"{who} · {what}: {before} → {value_text(change.get('value'))}"
    if kind == "add":
        if not rest:
            return f"new {label(tokens[0]).rstrip('s')}: {value_text(change.get('value'))}"
        return f"{who} · {what}: + {value_text(change.get('value'))}"
    if kind == "remove":
        gone = "" if old is _MISSING else f" ({value_text(old)})"
        return f"{who} · {what}: removed{gone}"
    if kind in ("move", "copy"):
        return f"{who} · {what}: {kind} from {change.get('from')}"
    if kind == "test":
        return f"{who} · {what}: must be {value_text(change.get('value'))}"
    return f"{kind} {change.get('path')}"


def describe_ops(state: Mapping[str, Any], ops: Sequence[Mapping[str, Any]]) -> list[str]:
    return [describe_op(state, change) for change in ops]


def actor_name(state: Mapping[str, Any], actor_id: str) -> str:
    actor = state.get("actors", {}).get(actor_id)
    return str(actor["name"]) if actor else actor_id


def player_name(state: Mapping[str, Any], player_id: str | None) -> str:
    if player_id is None:
        return "—"
    if player_id == GM_ID:
        return "GM"
    known = state.get("players", {}).get(player_id)
    return str(known["name"]) if known else player_id


def authored(who: str, description: str | None) -> tuple[str, str]:
    """(author, rest) of a change-log line, naming the author once.

    The host's descriptions mostly begin with who made the change ("Alice moved
    Thorin…", "GM: hello"); those keep their wording, the others get "Who: " in front.
    """
    text = description or "(no description)"
    if text == who or text.startswith((f"{who} ", f"{who}:")):
        return who, text[len(who) :]
    return f"{who}: ", text


def clock_time(seconds: float | None) -> str:
    """Local wall-clock time of a moment, or a dash when there is none."""
    if seconds is None:
        return "—"
    return datetime.fromtimestamp(seconds).strftime("%H:%M:%S")


def clock_time_ms(millis: int | None) -> str:
    return clock_time(None if millis is None else millis / 1000)


def hp_text(actor: Mapping[str, Any]) -> str:
    hp = actor.get("hp")
    if not hp:
        return "—"
    temp = f"+{hp['temp']}" if hp.get("temp") else ""
    return f"{hp['current']}{temp}/{hp['max']}"


def conditions_text(actor: Mapping[str, Any]) -> str:
    parts = []
    for condition in actor.get("conditions", []):
        rounds = condition.get("rounds")
        parts.append(f"{condition['name']} ({rounds})" if rounds else condition["name"])
    return ", ".join(parts)


def parse_conditions(text: str) -> list[dict[str, Any]]:
    """``Poisoned (3), Prone`` -> condition objects (rounds in parentheses)."""
    conditions: list[dict[str, Any]] = []
    for part in text.split(","):
        name = part.strip()
        if not name:
            continue
        rounds = None
        match = re.fullmatch(r"(.+?)\s*\((\d+)\)", name)
        if match:
            name, rounds = match.group(1).strip(), int(match.group(2))
        conditions.append({"name": name, "rounds": rounds, "note": ""})
    return conditions
