"""What each recipient may see: ``view(state, audience)``.

A player's view drops hidden entities (and their token positions), every ``gmNotes``,
``currentSession.gmSettings``, the change log, other players' whispers and other
players' pending actions, and every reference to a hidden entity (references.py). The
GM sees the whole document.

Two parts differ from one player to the next: handouts, which the GM may show to some
players only (handouts.py), and the hit points of NPCs (below, "hit points"), which a
player reads as the table's ``npcHitPoints`` setting says unless the NPC is theirs.

The same rules filter each change op by op for every player (filters.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from vtt_host.handouts import GM_FIELDS as HANDOUT_GM_FIELDS
from vtt_host.handouts import HANDOUTS, handout_view, visible_to
from vtt_host.references import (
    ENTITY_REFERENCES,
    SESSION,
    SESSION_REFERENCES,
    seen,
    turn_seen,
    visible,
)

GM_ID = "gm"
ENTITY_COLLECTIONS = ("actors", "items", "maps", "encounters", HANDOUTS)
PLAYER_HIDDEN_KEYS = frozenset({"changeLog"})
GM_NOTES = "gmNotes"
GM_SETTINGS = "gmSettings"
NPC_HIT_POINTS = "npcHitPoints"
NOBODY = ""
"""A player id no actor is owned by and no handout is shared with: views built for it
are what every player sees (the part that is the same for all of them)."""


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


def sees(state: dict[str, Any], collection: str, entity_id: object, player_id: str) -> bool:
    """Whether this player can see the entity (for every collection but handouts, the
    same answer for all players)."""
    if collection == HANDOUTS:
        return visible_to(state, entity_id, player_id)
    return visible(state, collection, entity_id)


def strip_notes(entity: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entity.items() if key != GM_NOTES}


def gm_fields(collection: str) -> frozenset[str]:
    """Fields of a visible entity that players never see."""
    return HANDOUT_GM_FIELDS if collection == HANDOUTS else _NOTES_ONLY


_NOTES_ONLY = frozenset({GM_NOTES})


def entity_view(
    state: dict[str, Any], collection: str, entity: dict[str, Any], player_id: str = NOBODY
) -> dict[str, Any]:
    """A visible entity as this player sees it: no GM notes, no references to hidden
    ones, an NPC's hit points as the table's setting shows them."""
    if collection == HANDOUTS:
        return handout_view(entity)
    shown = strip_notes(entity)
    for field, reference in ENTITY_REFERENCES.get(collection, {}).items():
        if field in shown:
            shown[field] = seen(state, reference, shown[field])
    if collection == "actors" and "hp" in shown:
        shown["hp"] = hp_seen(state, entity, player_id)
    return shown


# -- hit points ----------------------------------------------------------------------
#
# A player reads the exact hit points of player characters (type "character") and of
# every actor they own. Of the others (NPCs and monsters), the table's
# ``gmSettings.npcHitPoints`` decides: "exact" the numbers, "bloodied" only
# ``{"status": ...}`` (hit_point_status), "none" null.

NPC_HIT_POINTS_SETTINGS = ("exact", "bloodied", "none")
NPC_HIT_POINTS_DEFAULT = "bloodied"
MASK_SWITCHES = frozenset({"type", "owner"})
"""Actor fields that decide whether a player reads its hit points as they are."""


def npc_hit_points(state: dict[str, Any]) -> str:
    """The table's setting; an unknown value (a patch halfway through) shows nothing."""
    settings = state[SESSION].get(GM_SETTINGS)
    if not isinstance(settings, dict):
        return "none"
    value = settings.get(NPC_HIT_POINTS, NPC_HIT_POINTS_DEFAULT)
    return value if value in NPC_HIT_POINTS_SETTINGS else "none"


def hp_masked(state: dict[str, Any], actor: Any, player_id: str) -> bool:
    """Whether this player reads the actor's hit points otherwise than they are."""
    if not isinstance(actor, dict):
        return False
    if actor.get("type") == "character" or actor.get("owner") == player_id != NOBODY:
        return False
    return npc_hit_points(state) != "exact"


def hit_point_status(hp: Any) -> str:
    """ "down" at 0 or fewer; "bloodied" at half the maximum or fewer (rounded down:
    3 of 7 is bloodied, 4 of 7 is not); "wounded" below the maximum; else "unhurt".
    Temporary hit points do not count."""
    current, most = (hp.get("current"), hp.get("max")) if isinstance(hp, dict) else (0, 0)
    if not isinstance(current, int) or not isinstance(most, int) or current <= 0:
        return "down"  # not a number: a patch halfway through, refused once applied
    if 2 * current <= most:
        return "bloodied"
    return "wounded" if current < most else "unhurt"


def hp_seen(state: dict[str, Any], actor: dict[str, Any], player_id: str) -> Any:
    """The actor's ``hp`` as this player reads it (``hp`` itself, not a copy, when
    exact)."""
    hp = actor.get("hp")
    if not hp_masked(state, actor, player_id):
        return hp
    if hp is None or npc_hit_points(state) == "none":
        return None
    return {"status": hit_point_status(hp)}


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


def may_be_named(
    state: dict[str, Any], mentions: Iterable[tuple[str, str]], player_id: str = NOBODY
) -> bool:
    """Whether the player may read a description naming these entities, in this state:
    each is one they see, or does not exist (not yet, or no longer). With ``NOBODY``,
    whether every player may (a handout only if it is shared with everyone)."""
    for collection, entity_id in mentions:
        entities = state.get(collection)
        present = isinstance(entities, dict) and entity_id in entities
        if present and not sees(state, collection, entity_id, player_id):
            return False
    return True


def readers(
    state: dict[str, Any], mentions: Iterable[tuple[str, str]], player_ids: Iterable[str]
) -> frozenset[str]:
    """The players who may read a description naming these entities, in this state."""
    named = tuple(mentions)
    everyone = frozenset(player_ids)
    if not any(collection == HANDOUTS for collection, _ in named):
        return everyone if may_be_named(state, named) else frozenset()
    return frozenset(pid for pid in everyone if may_be_named(state, named, pid))


# Halfway through a patch a part may not have its shape yet (a collection replaced by a
# list); validation refuses the change once it is applied, so the views below pass such
# a part on as it is rather than fail on it.


def position_visible(state: dict[str, Any], actor_id: str) -> bool:
    positions = state[SESSION].get("tokenPositions")
    return (
        isinstance(positions, dict) and actor_id in positions and visible(state, "actors", actor_id)
    )


def collection_view(state: dict[str, Any], collection: str, player_id: str = NOBODY) -> Any:
    entities = state[collection]
    if not isinstance(entities, dict):
        return entities
    return {
        key: entity_view(state, collection, entity, player_id)
        for key, entity in entities.items()
        if sees(state, collection, key, player_id)
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
        if collection in state:
            result[collection] = collection_view(state, collection, audience.player_id)
    result[SESSION] = session_view(state, audience.player_id)
    return result
