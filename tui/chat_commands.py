"""What the GM types in the chat line, turned into actions.

``text`` says it to everyone, ``/w Name text`` whispers to a player, ``/r 2d20kh1+5
Stealth`` rolls (the label is optional) and ``/rw Name 1d20`` rolls in secret for one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ChatCommandError(ValueError):
    """The line cannot be sent; the message says how to write it."""


def _recipient(text: str, players: Mapping[str, Mapping[str, Any]]) -> tuple[str, str]:
    """(playerId, rest) for ``Name rest``, matching the longest player name first."""
    folded = text.casefold()
    for known in sorted(players.values(), key=lambda p: -len(p["name"])):
        name = str(known["name"]).casefold()
        if folded == name or folded.startswith(name + " "):
            return str(known["id"]), text[len(name) :].strip()
    first = text.split(" ", 1)[0]
    raise ChatCommandError(f"no player is called {first!r}")


def _roll(text: str, to: str | None) -> dict[str, Any]:
    expr, _, label = text.strip().partition(" ")
    if not expr:
        raise ChatCommandError("write the dice after /r, e.g. /r 1d20+3 Perception")
    action: dict[str, Any] = {"kind": "roll", "expr": expr}
    if label.strip():
        action["label"] = label.strip()
    if to is not None:
        action["to"] = to
    return action


def parse_chat(text: str, players: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The action for one typed line; ChatCommandError when it is malformed."""
    text = text.strip()
    command, _, rest = text.partition(" ")
    if command == "/w":
        to, message = _recipient(rest, players)
        if not message:
            raise ChatCommandError("write the message after the name: /w Alice hello")
        return {"kind": "chat", "text": message, "to": to}
    if command == "/r":
        return _roll(rest, None)
    if command == "/rw":
        to, dice = _recipient(rest, players)
        return _roll(dice, to)
    if command.startswith("/"):
        raise ChatCommandError(f"unknown command {command}; use /w, /r or /rw")
    return {"kind": "chat", "text": text}
