"""What each recipient may see: ``view(state, audience)``.

A player's view drops hidden entities (and their token positions), every ``gmNotes``,
``currentSession.gmSettings``, the change log, other players' whispers and other
players' pending actions, and every reference to a hidden entity (references.py). The
GM sees the whole document.

The same rules filter each change op by op for every player (filters.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from vtt_host.references import (
    ENTITY_REFERENCES,
    SESSION,
    SESSION_REFERENCES,
    seen,
    turn_seen,
    visible,
)

GM_ID = "gm"
ENTITY_COLLECTIONS = ("actors", "items", "maps", "encounters")
PLAYER_HIDDEN_KEYS = frozenset({"changeLog"})
GM_NOTES = "gmNotes"
GM_SETTINGS = "gmSettings"


@dataclass(frozen=True, slots=True)
class Audience:
    """Who receives a view: the GM, or one player (by ``playerId``)."""

    role: Literal["gm", "player"]
    player_id: str

    @property
    def is_gm(self) -> bool:
        return self.role == "gm"


GM = Audience("gm", GM_ID)


def player(player_id: str) -> Audience:
    return Audience("player", player_id)


# -- visibility rules ---------------------------------------------------------------

entity_visible = visible


def strip_notes(entity: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entity.items() if key != GM_NOTES}


def entity_view(state: dict[str, Any], collection: str, entity: dict[str, Any]) -> dict[str, Any]:
    """A visible entity as players see it: no GM notes, no references to hidden ones."""
    shown = strip_notes(entity)
    for field, reference in ENTITY_REFERENCES.get(collection, {}).items():
        if field in shown:
            shown[field] = seen(state, reference, shown[field])
    return shown


def chat_visible(message: Any, player_id: str) -> bool:
    if not isinstance(message, dict):
        return False
    to = message.get("to")
    return to is None or to == player_id or message.get("from") == player_id


def pending_visible(pending: Any, player_id: str) -> bool:
    return isinstance(pending, dict) and pending.get("playerId") == player_id


def _as_is(item: Any) -> Any:
    return item


def pending_shown(pending: dict[str, Any]) -> dict[str, Any]:
    """A proposal as its proposer sees it. The ops of a ``propose`` are the player's
    own; an action the GM must approve (a move, a turn) holds ops the host compiled
    against the whole campaign (the full order's turn index), so the proposer sees the
    action and its summary without them."""
    if pending.get("kind") == "propose" or not pending.get("changes"):
        return pending
    return {**pending, "changes": []}


@dataclass(frozen=True, slots=True)
class ListRule:
    """A session list players see part of: which elements, and how each looks."""

    visible: Callable[[Any, str], bool]
    shown: Callable[[Any], Any] = _as_is


LIST_RULES: dict[str, ListRule] = {
    "chatMessages": ListRule(chat_visible),
    "pendingActions": ListRule(pending_visible, pending_shown),
}


def may_be_named(state: dict[str, Any], mentions: Iterable[tuple[str, str]]) -> bool:
    """Whether players may read a description naming these entities, in this state:
    each is visible, or does not exist (not yet, or no longer)."""
    for collection, entity_id in mentions:
        entities = state.get(collection)
        present = isinstance(entities, dict) and entity_id in entities
        if present and not visible(state, collection, entity_id):
            return False
    return True


# Halfway through a patch a part may not have its shape yet (a collection replaced by a
# list); validation refuses the change once it is applied, so the views below pass such
# a part on as it is rather than fail on it.


def position_visible(state: dict[str, Any], actor_id: str) -> bool:
    positions = state[SESSION].get("tokenPositions")
    return (
        isinstance(positions, dict) and actor_id in positions and visible(state, "actors", actor_id)
    )


def collection_view(state: dict[str, Any], collection: str) -> Any:
    entities = state[collection]
    if not isinstance(entities, dict):
        return entities
    return {
        key: entity_view(state, collection, entity)
        for key, entity in entities.items()
        if visible(state, collection, key)
    }


def positions_view(state: dict[str, Any]) -> Any:
    positions = state[SESSION].get("tokenPositions")
    if not isinstance(positions, dict):
        return positions
    return {key: p for key, p in positions.items() if visible(state, "actors", key)}


def list_view(state: dict[str, Any], name: str, player_id: str) -> Any:
    items, rule = state[SESSION].get(name), LIST_RULES[name]
    if not isinstance(items, list):
        return items
    return [rule.shown(item) for item in items if rule.visible(item, player_id)]


def session_view(state: dict[str, Any], player_id: str) -> dict[str, Any]:
    session = state[SESSION]
    shown = {key: value for key, value in session.items() if key != GM_SETTINGS}
    shown["tokenPositions"] = positions_view(state)
    for name in LIST_RULES:
        shown[name] = list_view(state, name, player_id)
    for name, reference in SESSION_REFERENCES.items():
        if name in shown:
            shown[name] = seen(state, reference, shown[name])
    if "turn" in shown:
        shown["turn"] = turn_seen(state)
    return shown


def view(state: dict[str, Any], audience: Audience) -> dict[str, Any]:
    """The part of ``state`` the audience may see.

    It shares unchanged sub-objects with ``state``: serialize or copy it before the
    next change is applied.
    """
    if audience.is_gm:
        return state
    result = {key: value for key, value in state.items() if key not in PLAYER_HIDDEN_KEYS}
    result["campaign"] = strip_notes(state["campaign"])
    for collection in ENTITY_COLLECTIONS:
        result[collection] = collection_view(state, collection)
    result[SESSION] = session_view(state, audience.player_id)
    return result
