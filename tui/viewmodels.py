"""What each panel shows, built from the campaign document as small immutable values.

The app rebuilds these after every batch of changes and assigns them to the widgets'
reactive attributes; equal values do not re-render, so a flood of token moves costs the
queue and players panels nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tui.describe import (
    actor_name,
    clock_time_ms,
    conditions_text,
    describe_ops,
    hp_text,
    player_name,
    values_at,
)
from vtt_host.fog import fog_of, in_fog, map_cell_fogged


@dataclass(frozen=True, slots=True)
class ProposalRow:
    action_id: str
    player: str
    kind: str
    summary: str
    created: str
    based_on: int
    changes: tuple[str, ...]
    ops: tuple[Mapping[str, Any], ...]
    before: tuple[str, ...] = ()
    """The document's value at each op's path when the row was made: what the GM saw."""


@dataclass(frozen=True, slots=True)
class CombatantRow:
    actor_id: str
    name: str
    initiative: str
    hp: str
    conditions: str
    owner: str
    hidden: bool
    current: bool


@dataclass(frozen=True, slots=True)
class InitiativeView:
    encounter: str | None
    round: int
    turn: int
    rows: tuple[CombatantRow, ...]


@dataclass(frozen=True, slots=True)
class PlayerRow:
    player_id: str
    name: str
    connected: bool
    actors: str


@dataclass(frozen=True, slots=True)
class ChatLine:
    message_id: str
    time: str
    sender: str
    recipient: str | None
    text: str
    is_roll: bool


@dataclass(frozen=True, slots=True)
class Token:
    actor_id: str
    name: str
    mark: str
    x: int
    y: int
    kind: str
    hidden: bool
    in_fog: bool = False
    """Players do not see it: it stands in fog (vtt_host/fog.py)."""


@dataclass(frozen=True, slots=True)
class BoardView:
    map_name: str | None
    width: int
    height: int
    hidden_map: bool
    tokens: tuple[Token, ...]
    map_id: str | None = None
    fog: Mapping[str, Any] | None = None
    """The map's fog while it is on."""

    def fogged(self, x: int, y: int) -> bool:
        """Whether players see this square as fog."""
        return self.fog is not None and map_cell_fogged({"fog": self.fog}, x, y)


def proposals(state: Mapping[str, Any]) -> tuple[ProposalRow, ...]:
    session = state["currentSession"]
    return tuple(
        ProposalRow(
            action_id=pending["id"],
            player=player_name(state, pending["playerId"]),
            kind=pending.get("kind", "propose"),
            summary=pending["summary"],
            created=clock_time_ms(pending.get("createdAt")),
            based_on=int(pending.get("version", 0)),
            changes=tuple(describe_ops(state, pending["changes"])),
            ops=tuple(copy.deepcopy(pending["changes"])),
            before=values_at(state, pending["changes"]),
        )
        for pending in session["pendingActions"]
    )


def initiative(state: Mapping[str, Any]) -> InitiativeView:
    session = state["currentSession"]
    encounter_id = session.get("activeEncounterId")
    if encounter_id is None:
        return InitiativeView(None, 0, 0, ())
    actors = state["actors"]
    rows = []
    for index, entry in enumerate(session["initiative"]):
        actor = actors.get(entry["actorId"], {})
        value = entry.get("value")
        rows.append(
            CombatantRow(
                actor_id=entry["actorId"],
                name=actor.get("name", entry["actorId"]),
                initiative="—" if value is None else str(value),
                hp=hp_text(actor),
                conditions=conditions_text(actor),
                owner=player_name(state, actor.get("owner")) if actor.get("owner") else "",
                hidden=bool(actor.get("hidden")),
                current=index == session["turn"],
            )
        )
    name = state["encounters"].get(encounter_id, {}).get("name", encounter_id)
    return InitiativeView(name, int(session["round"]), int(session["turn"]), tuple(rows))


def players(state: Mapping[str, Any]) -> tuple[PlayerRow, ...]:
    connected = {entry["playerId"] for entry in state["currentSession"]["connectedPlayers"]}
    owned: dict[str, list[str]] = {}
    for actor in state["actors"].values():
        if actor.get("owner"):
            owned.setdefault(actor["owner"], []).append(actor["name"])
    rows = [
        PlayerRow(
            player_id=known["id"],
            name=known["name"],
            connected=known["id"] in connected,
            actors=", ".join(sorted(owned.get(known["id"], []))),
        )
        for known in state["players"].values()
    ]
    rows.sort(key=lambda row: (not row.connected, row.name.casefold()))
    return tuple(rows)


def chat(state: Mapping[str, Any]) -> tuple[ChatLine, ...]:
    return tuple(
        ChatLine(
            message_id=message["id"],
            time=clock_time_ms(message.get("at")),
            sender=message.get("fromName") or player_name(state, message.get("from")),
            recipient=player_name(state, message["to"]) if message.get("to") else None,
            text=message["text"],
            is_roll=message.get("roll") is not None,
        )
        for message in state["currentSession"]["chatMessages"]
    )


def token_mark(name: str) -> str:
    """Two characters for a token: ``Thorin`` -> ``Th``, ``Goblin 2`` -> ``G2``."""
    words = name.split()
    if len(words) > 1 and words[-1][:1].isdigit():
        return (words[0][:1] + words[-1][-1]).ljust(2)
    if len(words) > 1:
        return (words[0][:1] + words[1][:1]).ljust(2)
    return name[:2].ljust(2)


def board(state: Mapping[str, Any]) -> BoardView:
    session = state["currentSession"]
    map_id = session.get("currentMapId")
    current = state["maps"].get(map_id) if map_id else None
    if current is None:
        return BoardView(None, 0, 0, False, ())
    actors = state["actors"]
    tokens = tuple(
        Token(
            actor_id=actor_id,
            name=actor_name(state, actor_id),
            mark=token_mark(actor_name(state, actor_id)),
            x=position["x"],
            y=position["y"],
            kind=actors[actor_id].get("type", "npc"),
            hidden=bool(actors[actor_id].get("hidden")),
            in_fog=in_fog(dict(state), actor_id),
        )
        for actor_id, position in session["tokenPositions"].items()
        if actor_id in actors
    )
    grid = current["grid"]
    return BoardView(
        current["name"],
        grid["width"],
        grid["height"],
        bool(current.get("hidden")),
        tokens,
        map_id,
        fog_of(current),
    )
