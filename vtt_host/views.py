"""What each recipient may see: ``view(state, audience)`` and per-op filtering.

A player's view drops hidden entities (and their token positions), every ``gmNotes``,
``currentSession.gmSettings``, the change log, other players' whispers and other
players' pending actions, and every reference to a hidden entity (references.py). The
GM sees the whole document.

Filtering works op by op while a change is applied, because a list index or an entity's
visibility can only be judged against the document as it is at that op. The rule it
keeps (tested with hypothesis): a client that applies the ops it was sent to the view it
was welcomed with holds exactly ``view(final_state, audience)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from vtt_host.patching import Op, Tokens, clone_json, join_path, json_equal, parse_path
from vtt_host.references import (
    ENTITY_REFERENCES,
    ORDER_UNITS,
    SESSION,
    SESSION_REFERENCES,
    collection_referrers,
    names_hidden,
    order_names_hidden,
    referrers,
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


MISSING: Any = object()
"""A unit that is not in the player's view at all."""


def unit_view(state: dict[str, Any], unit: Tokens, player_id: str) -> Any:
    """A player's view of one unit (see ``_unit_root``), or MISSING; built without the
    rest of the view."""
    head = unit[0]
    if head in PLAYER_HIDDEN_KEYS or head not in state:
        return MISSING
    if head == "campaign":
        return strip_notes(state["campaign"])
    if head == SESSION:
        return _session_unit(state, unit, player_id)
    if head not in ENTITY_COLLECTIONS:
        return state[head]
    if len(unit) == 1:
        return collection_view(state, head)
    if not visible(state, head, unit[1]):
        return MISSING
    entity = state[head][unit[1]]
    if len(unit) == 2:
        return entity_view(state, head, entity)
    if unit[2] not in entity:
        return MISSING
    return seen(state, ENTITY_REFERENCES[head][unit[2]], entity[unit[2]])


def _session_unit(state: dict[str, Any], unit: Tokens, player_id: str) -> Any:
    session = state[SESSION]
    if len(unit) == 1:
        return session_view(state, player_id)
    name = unit[1]
    if name == GM_SETTINGS or name not in session:
        return MISSING
    if len(unit) == 3:  # one token position
        return session[name][unit[2]] if position_visible(state, unit[2]) else MISSING
    if name == "tokenPositions":
        return positions_view(state)
    if name in LIST_RULES:
        return list_view(state, name, player_id)
    if name == "turn":
        return turn_seen(state)
    if name in SESSION_REFERENCES:
        return seen(state, SESSION_REFERENCES[name], session[name])
    return session[name]


def _unit_looks_the_same(state: dict[str, Any], unit: Tokens) -> bool:
    """Whether a reference unit reads the same for players as for the GM right now."""
    if unit in ORDER_UNITS:
        return not order_names_hidden(state)
    if unit[0] == SESSION:
        return not names_hidden(state, SESSION_REFERENCES[unit[1]], state[SESSION].get(unit[1]))
    holder, key, field = unit
    entity = state[holder].get(key)
    value = entity.get(field) if isinstance(entity, dict) else None
    return not names_hidden(state, ENTITY_REFERENCES[holder][field], value)


# -- per-op filtering ---------------------------------------------------------------

Unit = Literal[
    "drop", "secret", "entity", "position", "list_item", "reference", "container", "public"
]

_CONTAINERS = frozenset(
    {
        ("campaign",),
        *((name,) for name in ENTITY_COLLECTIONS),
        (SESSION,),
        (SESSION, "tokenPositions"),
        *((SESSION, name) for name in LIST_RULES),
    }
)
_SESSION_REFERENCE_FIELDS = frozenset({*SESSION_REFERENCES, "turn"})


def classify(tokens: Tokens) -> Unit:
    """Which visibility rule governs a path, for a player."""
    head = tokens[0]
    if head in PLAYER_HIDDEN_KEYS:
        return "drop"
    if tuple(tokens) in _CONTAINERS:
        return "container"
    if head == "campaign":
        return "secret" if tokens[1] == GM_NOTES else "public"
    if head in ENTITY_COLLECTIONS:
        return "entity"
    if head == SESSION:
        second = tokens[1]
        if second == GM_SETTINGS:
            return "secret"
        if second == "tokenPositions":
            return "position"
        if second in LIST_RULES:
            return "list_item"
        if second in _SESSION_REFERENCE_FIELDS:
            return "reference"
    return "public"


@dataclass(slots=True)
class Filtered:
    """Ops one player receives for a change; ``redacted`` when something was withheld."""

    ops: list[Op]
    redacted: bool = False


Snapshot = dict[Tokens, Any]


class PlayerFilter:
    """Translates each op of a change into what one player's view needs.

    Every value it sends is a copy: the frames are encoded once the whole change is
    applied, and a later op of the same change may alter the document in place.
    """

    def __init__(self, state: dict[str, Any], player_id: str) -> None:
        self.state = state
        self.player_id = player_id
        self.result = Filtered([])

    def around(self, op: Op) -> Callable[[], None] | None:
        """Look at the document before ``op``; the returned callable runs after it."""
        name = op["op"]
        if name == "test":
            return None
        tokens = parse_path(op["path"])
        if name in ("move", "copy"):
            return self._resync_around([parse_path(op["from"]), tokens])
        unit = classify(tokens)
        if unit == "drop":
            return None
        if unit == "secret":
            self.result.redacted = True
            return None
        if unit == "public":
            return lambda: self.result.ops.append(op)
        if unit == "entity":
            return self._entity_around(op, tokens)
        if unit == "position":
            return self._position_around(op, tokens)
        if unit == "list_item":
            return self._list_item_around(op, tokens)
        if unit == "reference":
            units = list(ORDER_UNITS) if tokens[1] in ("initiative", "turn") else [tokens[:2]]
            return self._reference_around(op, units)
        return self._resync_around([tokens])

    # -- units: a part of the view resent whole when its player view changes --------

    def _snapshot(self, units: Iterable[Tokens]) -> Snapshot:
        return {unit: clone_json(unit_view(self.state, unit, self.player_id)) for unit in units}

    def _send_changes(self, before: Snapshot) -> int:
        """Ops that take each unit from its view in ``before`` to its view now."""
        sent = 0
        for unit, old in before.items():
            now = unit_view(self.state, unit, self.player_id)
            path = join_path(unit)
            if now is MISSING:
                if old is not MISSING:
                    self.result.ops.append({"op": "remove", "path": path})
                    sent += 1
            elif old is MISSING or not json_equal(now, old):
                name = "add" if old is MISSING else "replace"
                self.result.ops.append({"op": name, "path": path, "value": clone_json(now)})
                sent += 1
        return sent

    def _reference_around(self, op: Op, units: list[Tokens]) -> Callable[[], None]:
        """An op on a reference field: passed on as it is while the field names nothing
        hidden before and after it, else the field is resent as players see it."""
        state = self.state
        plain_before = all(_unit_looks_the_same(state, unit) for unit in units)
        before = self._snapshot(units)

        def after() -> None:
            if plain_before and all(_unit_looks_the_same(state, unit) for unit in units):
                self.result.ops.append(op)
            elif not self._send_changes(before):
                self.result.redacted = True

        return after

    # -- entities and token positions: visible before / after -----------------------

    def _entity_around(self, op: Op, tokens: Tokens) -> Callable[[], None] | None:
        collection, entity_id, rest = tokens[0], tokens[1], tokens[2:]
        state, emit = self.state, self.result.ops.append
        was_visible = visible(state, collection, entity_id)
        if rest and rest[0] != "hidden":  # the entity stays as visible as it is
            if not was_visible or rest[0] == GM_NOTES:
                self.result.redacted = True
                return None
            if rest[0] in ENTITY_REFERENCES.get(collection, {}):
                return self._reference_around(op, [tokens[:3]])
            return lambda: emit(op)
        dependents = self._snapshot(referrers(state, collection, entity_id))

        def after() -> None:
            path = join_path(tokens[:2])
            is_visible = visible(state, collection, entity_id)
            if was_visible and is_visible:
                if rest:
                    emit(op)
                else:
                    entity = entity_view(state, collection, state[collection][entity_id])
                    emit({"op": "replace", "path": path, "value": clone_json(entity)})
            elif is_visible:
                entity = entity_view(state, collection, state[collection][entity_id])
                emit({"op": "add", "path": path, "value": clone_json(entity)})
            elif was_visible:
                emit({"op": "remove", "path": path})
            else:
                self.result.redacted = True
            self._send_changes(dependents)

        return after

    def _position_around(self, op: Op, tokens: Tokens) -> Callable[[], None]:
        actor_id = tokens[2]
        state, emit = self.state, self.result.ops.append
        was_visible = position_visible(state, actor_id)

        def after() -> None:
            is_visible = position_visible(state, actor_id)
            path = join_path(tokens[:3])
            if was_visible and is_visible:
                emit(op)
            elif is_visible:
                value = clone_json(state[SESSION]["tokenPositions"][actor_id])
                emit({"op": "add", "path": path, "value": value})
            elif was_visible:
                emit({"op": "remove", "path": path})
            else:
                self.result.redacted = True

        return after

    # -- session lists seen in part: whispers, proposals ----------------------------

    def _list_item_around(self, op: Op, tokens: Tokens) -> Callable[[], None] | None:
        name, index_token, rest = tokens[1], tokens[2], tokens[3:]
        items = self.state[SESSION][name]
        if not isinstance(items, list):
            return None  # not a list yet: validation refuses the change
        rule, player_id, emit = LIST_RULES[name], self.player_id, self.result.ops.append
        appending = index_token == "-"
        if appending:
            index = len(items)
        elif index_token.isdigit() and int(index_token) <= len(items):
            index = int(index_token)
        else:
            return None  # the op fails to apply; the whole change is refused
        inserting = op["op"] == "add" and not rest
        was_visible = not inserting and index < len(items) and rule.visible(items[index], player_id)
        was_as_is = was_visible and rule.shown(items[index]) is items[index]
        seen_before = sum(1 for item in items[:index] if rule.visible(item, player_id))
        path_tokens = (*tokens[:2], "-" if appending else str(seen_before))
        path = join_path(path_tokens)

        def after() -> None:
            removed = op["op"] == "remove" and not rest
            is_visible = not removed and rule.visible(items[index], player_id)
            if was_visible and is_visible:
                shown = rule.shown(items[index])
                if rest and was_as_is and shown is items[index]:
                    emit({**op, "path": join_path((*path_tokens, *rest))})
                else:
                    emit({"op": "replace", "path": path, "value": clone_json(shown)})
            elif is_visible:
                emit({"op": "add", "path": path, "value": clone_json(rule.shown(items[index]))})
            elif was_visible:
                emit({"op": "remove", "path": path})
            else:
                self.result.redacted = True

        return after

    def _resync_around(self, paths: list[Tokens]) -> Callable[[], None]:
        """Rare ops (whole collections, move/copy): resend the affected units whole,
        with everything whose view follows their visibility."""
        units: set[Tokens] = set()
        for tokens in paths:
            units.add(_unit_root(tokens))
            units.update(self._dependents(tokens))
        before = self._snapshot(sorted(_outermost(units)))

        def after() -> None:
            self._send_changes(before)
            self.result.redacted = True

        return after

    def _dependents(self, tokens: Tokens) -> list[Tokens]:
        head = tokens[0]
        if head in ENTITY_COLLECTIONS:
            if len(tokens) == 1:
                return collection_referrers(head)
            return referrers(self.state, head, tokens[1])
        if head == SESSION and len(tokens) > 1 and tokens[1] in ("initiative", "turn"):
            return list(ORDER_UNITS)
        return []


def _unit_root(tokens: Tokens) -> Tokens:
    unit = classify(tokens)
    if unit == "entity":
        return tokens[:2]
    if unit == "position":
        return tokens[:3]
    if unit in ("list_item", "reference"):
        return tokens[:2]
    if unit == "container" or tokens[0] != SESSION:
        return tokens[:1]
    return tokens[:2]


def _outermost(units: set[Tokens]) -> set[Tokens]:
    """Drop the units that lie inside another one (it is resent whole anyway)."""
    return {u for u in units if not any(u[: len(o)] == o and u != o for o in units)}


class AudienceFilters:
    """Filters one change for several players, sharing the work where views agree.

    Players' views differ only in list elements (whispers, proposals); for every other
    op the filtered result is the same for all of them, so it is computed once.
    """

    def __init__(self, state: dict[str, Any], player_ids: Iterable[str]) -> None:
        self.by_player = {pid: PlayerFilter(state, pid) for pid in player_ids}
        self._shared = PlayerFilter(state, "")

    def around(self, op: Op) -> Callable[[], None] | None:
        filters = list(self.by_player.values())
        if not filters:
            return None
        if op["op"] in ("move", "copy") or classify(parse_path(op["path"])) in (
            "list_item",
            "container",
        ):
            finishers = [finish for f in filters if (finish := f.around(op)) is not None]

            def after_each() -> None:
                for finish in finishers:
                    finish()

            return after_each
        shared = self._shared
        shared.result = Filtered([])
        finish = shared.around(op)

        def after() -> None:
            if finish is not None:
                finish()
            for f in filters:
                f.result.ops.extend(shared.result.ops)
                f.result.redacted = f.result.redacted or shared.result.redacted

        return after
