"""Who is registered at a table, read from the campaign document (pure functions).

The hub asks these when a hello names someone: is the name taken (a claim), does it
only look like a taken one (refused), and at start-up, which registrations never came
back and can be forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from vtt_host.names import lookalike, name_key


def named(
    state: Mapping[str, Any], reserved: Mapping[str, str], name: str
) -> tuple[str, str] | None:
    """(playerId, stored name) of the player called ``name``, registered or reserved."""
    key = name_key(name)
    for player in state["players"].values():
        if name_key(player["name"]) == key:
            return str(player["id"]), str(player["name"])
    for player_id, reserved_name in reserved.items():
        if name_key(reserved_name) == key:
            return player_id, reserved_name
    return None


def looks_like_taken(
    state: Mapping[str, Any], reserved: Mapping[str, str], name: str
) -> str | None:
    """A registered name that ``name`` reads like (a Cyrillic letter for a Latin one), if any."""
    taken: Iterable[str] = (
        *(player["name"] for player in state["players"].values()),
        *reserved.values(),
    )
    return lookalike(name, taken)


def expired_players(state: Mapping[str, Any], *, now_ms: int, unseen_ms: int) -> list[str]:
    """Players who own no actor, wait for no decision, are away and were not seen lately."""
    owners = {actor.get("owner") for actor in state["actors"].values()}
    session = state["currentSession"]
    connected = {entry["playerId"] for entry in session["connectedPlayers"]}
    proposing = {pending.get("playerId") for pending in session.get("pendingActions", [])}
    busy = owners | connected | proposing
    return [
        player["id"]
        for player in state["players"].values()
        if player["id"] not in busy
        and now_ms - int(player.get("lastSeenAt") or player["joinedAt"]) >= unseen_ms
    ]
