"""Each change, op by op, as every player may see it.

Filtering works op by op while a change is applied, because a list index or an entity's
visibility can only be judged against the document as it is at that op. The rule it
keeps (tested with hypothesis): a client that applies the ops it was sent to the view it
was welcomed with holds exactly ``views.view(final_state, audience)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from vtt_host.fog import current_map, fog_candidates, fog_hideable, fog_of
from vtt_host.handouts import HANDOUTS
from vtt_host.handouts import VISIBILITY_FIELDS as HANDOUT_VISIBILITY_FIELDS
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
from vtt_host.views import (
    ENTITY_COLLECTIONS,
    GM_NOTES,
    GM_SETTINGS,
    LIST_RULES,
    MASK_SWITCHES,
    NOBODY,
    NPC_HIT_POINTS,
    PLAYER_HIDDEN_KEYS,
    collection_view,
    entity_view,
    gm_fields,
    hp_masked,
    hp_seen,
    list_view,
    position_visible,
    positions_view,
    sees,
    session_view,
    strip_notes,
)

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
        return collection_view(state, head, player_id)
    if not sees(state, head, unit[1], player_id):
        return MISSING
    entity = state[head][unit[1]]
    if len(unit) == 2:
        return entity_view(state, head, entity, player_id)
    field = unit[2]
    if field not in entity or field in gm_fields(head):
        return MISSING
    if (head, field) == HP_FIELD:
        return hp_seen(state, entity, player_id)
    return seen(state, ENTITY_REFERENCES[head][field], entity[field])


HP_FIELD = ("actors", "hp")
"""An entity field some players read otherwise than it is (views.py, "hit points")."""


def _hp_units(state: dict[str, Any]) -> list[Tokens]:
    actors = state.get("actors")
    return [("actors", key, "hp") for key in actors] if isinstance(actors, dict) else []


def _writes_hp_setting(tokens: Tokens) -> bool:
    """Whether an op at ``tokens`` may change the table's ``npcHitPoints``."""
    return (
        len(tokens) > 1
        and tokens[:2] == (SESSION, GM_SETTINGS)
        and (len(tokens) == 2 or tokens[2] == NPC_HIT_POINTS)
    )


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


def _unit_looks_the_same(state: dict[str, Any], unit: Tokens, player_id: str) -> bool:
    """Whether a unit players may read otherwise (a reference, an NPC's hit points)
    reads the same for this player as for the GM right now."""
    if unit in ORDER_UNITS:
        return not order_names_hidden(state)
    if unit[0] == SESSION:
        return not names_hidden(state, SESSION_REFERENCES[unit[1]], state[SESSION].get(unit[1]))
    holder, key, field = unit
    entity = state[holder].get(key)
    if (holder, field) == HP_FIELD:
        return not hp_masked(state, entity, player_id)
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
        if op["op"] == "test":
            return None
        finish = self._op_around(op)
        fogged = fog_units_of(self.state, op)
        if not fogged:
            return finish
        before = self._snapshot(fogged)

        def after() -> None:
            if finish is not None:
                finish()
            self._send_changes(before)

        return after

    def _op_around(self, op: Op) -> Callable[[], None] | None:
        name = op["op"]
        tokens = parse_path(op["path"])
        if name in ("move", "copy"):
            return self._resync_around([parse_path(op["from"]), tokens])
        unit = classify(tokens)
        if unit == "drop":
            return None
        if unit == "secret":
            self.result.redacted = True
            if _writes_hp_setting(tokens):
                return self._resync_around([tokens])
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
        state, player_id = self.state, self.player_id
        plain_before = all(_unit_looks_the_same(state, unit, player_id) for unit in units)
        before = self._snapshot(units)

        def after() -> None:
            if plain_before and all(_unit_looks_the_same(state, u, player_id) for u in units):
                self.result.ops.append(op)
            elif not self._send_changes(before):
                self.result.redacted = True

        return after

    # -- entities and token positions: visible before / after -----------------------

    def _entity_around(self, op: Op, tokens: Tokens) -> Callable[[], None] | None:
        collection, entity_id, rest = tokens[0], tokens[1], tokens[2:]
        state, emit, player_id = self.state, self.result.ops.append, self.player_id
        was_visible = sees(state, collection, entity_id, player_id)
        field = rest[0] if rest else None
        if field is not None and field not in _visibility_fields(collection):
            # The entity stays as visible as it is.
            if not was_visible or field in gm_fields(collection):
                self.result.redacted = True
                return None
            if field in ENTITY_REFERENCES.get(collection, {}) or (collection, field) == HP_FIELD:
                return self._reference_around(op, [tokens[:3]])
            return lambda: emit(op)
        dependents = self._snapshot(referrers(state, collection, entity_id))
        switches_hp = was_visible and collection == "actors" and field in MASK_SWITCHES
        hp_before = self._snapshot([(collection, entity_id, "hp")]) if switches_hp else {}

        def shown() -> Any:
            entity = state[collection][entity_id]
            return clone_json(entity_view(state, collection, entity, player_id))

        def after() -> None:
            path = join_path(tokens[:2])
            is_visible = sees(state, collection, entity_id, player_id)
            if was_visible and is_visible:
                if field is None:
                    emit({"op": "replace", "path": path, "value": shown()})
                elif field in gm_fields(collection):
                    self.result.redacted = True
                else:
                    emit(op)
                    self._send_changes(hp_before)
            elif is_visible:
                emit({"op": "add", "path": path, "value": shown()})
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
        if may_walk_into_fog(state, actor_id):
            return self._walk_around(op, tokens)

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

    def _walk_around(self, op: Op, tokens: Tokens) -> Callable[[], None]:
        """A token fog may hide moves: as a plain move while it stays seen (or unseen);
        when it walks into fog or out of it, its actor and everything naming it go or
        come with its position."""
        actor_id = tokens[2]
        state = self.state
        was_seen = visible(state, "actors", actor_id)
        units = [("actors", actor_id), (SESSION, "tokenPositions", actor_id)]
        before = self._snapshot([*units, *referrers(state, "actors", actor_id)])

        def after() -> None:
            if visible(state, "actors", actor_id) != was_seen:
                self._send_changes(before)
                self.result.redacted = True
            elif was_seen and position_visible(state, actor_id):
                self.result.ops.append(op)
            else:
                self._send_changes({unit: before[unit] for unit in units[1:]})
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
        if _writes_hp_setting(tokens):
            return _hp_units(self.state)
        fogged = fog_units(self.state) if touches_fog(self.state, tokens) else []
        if head in ENTITY_COLLECTIONS:
            if len(tokens) == 1:
                return [*collection_referrers(head), *fogged]
            return [*referrers(self.state, head, tokens[1]), *fogged]
        if head == SESSION and len(tokens) > 1 and tokens[1] in ("initiative", "turn"):
            return list(ORDER_UNITS)
        return fogged


def _visibility_fields(collection: str) -> frozenset[str]:
    """Fields whose change may show or hide the whole entity (an actor's kind and owner
    decide whether fog may hide it)."""
    if collection == HANDOUTS:
        return HANDOUT_VISIBILITY_FIELDS
    return _ACTOR_VISIBILITY if collection == "actors" else _HIDDEN_ONLY


_HIDDEN_ONLY = frozenset({"hidden"})
_ACTOR_VISIBILITY = _HIDDEN_ONLY | MASK_SWITCHES


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


# -- fog: ops that may hide or show every token fog may hide --------------------------


def may_walk_into_fog(state: dict[str, Any], actor_id: str) -> bool:
    """Whether fog may decide this actor's visibility as its token moves."""
    actors = state.get("actors")
    return (
        isinstance(actors, dict)
        and fog_hideable(actors.get(actor_id))
        and fog_of(current_map(state)) is not None
    )


def touches_fog(state: dict[str, Any], tokens: Tokens) -> bool:
    """Whether an op at ``tokens`` may change which tokens fog hides: one on the current
    map (its fog, or the map whole), on which map is current, on token positions, or a
    container of those replaced whole."""
    head = tokens[0]
    if head == SESSION:
        return len(tokens) == 1 or tokens[1] in ("currentMapId", "tokenPositions")
    if head != "maps":
        return False
    if len(tokens) == 1:
        return True
    session = state.get(SESSION)
    if not isinstance(session, dict) or tokens[1] != session.get("currentMapId"):
        return False
    return len(tokens) == 2 or tokens[2] == "fog"


def fog_units(state: dict[str, Any], row: str | None = None) -> list[Tokens]:
    """Every unit that follows the visibility of the tokens fog may hide (of those
    standing in ``row`` only, when given)."""
    positions = state[SESSION].get("tokenPositions")
    units: list[Tokens] = []
    for actor_id in fog_candidates(state):
        if row is not None and str(positions[actor_id].get("y")) != row:
            continue
        units.append(("actors", actor_id))
        units.extend(referrers(state, "actors", actor_id))
    return list(dict.fromkeys(units))


def fog_units_of(state: dict[str, Any], op: Op) -> list[Tokens]:
    """What an op on the current map's fog, or on which map is current, may show or
    hide. A token's own move (``_walk_around``) and resynced ops (move, copy, whole
    containers: ``_dependents``) see to theirs."""
    if op["op"] in ("move", "copy"):
        return []
    tokens = parse_path(op["path"])
    if tokens[:2] == (SESSION, "tokenPositions") or classify(tokens) == "container":
        return []
    if not touches_fog(state, tokens):
        return []
    if len(tokens) > 4 and tokens[3] == "revealed":
        return fog_units(state, row=tokens[4])  # one row of the fog
    return fog_units(state)


def differs_by_player(op: Op) -> bool:
    """Whether players may see this op differently from one another.

    Their views differ in list elements (whispers, proposals), handouts (shared with
    some), and actors (a player reads the hit points of their own NPCs exactly), and
    with them the table's ``npcHitPoints``. Every other op reads the same for all.
    """
    if op["op"] in ("move", "copy"):
        return True
    tokens = parse_path(op["path"])
    if tokens[0] in ("actors", HANDOUTS) or _writes_hp_setting(tokens):
        return True
    return classify(tokens) in ("list_item", "container")


class AudienceFilters:
    """Filters one change for several players, sharing the work where views agree.

    For an op that reads the same for every player (``differs_by_player``) the filtered
    result is computed once, for a player who owns nothing and is shown no handout in
    particular.
    """

    def __init__(self, state: dict[str, Any], player_ids: Iterable[str]) -> None:
        self.by_player = {pid: PlayerFilter(state, pid) for pid in player_ids}
        self._shared = PlayerFilter(state, NOBODY)

    def around(self, op: Op) -> Callable[[], None] | None:
        filters = list(self.by_player.values())
        if not filters:
            return None
        if differs_by_player(op):
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
