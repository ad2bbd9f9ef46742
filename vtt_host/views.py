"""What each recipient may see: ``view(state, audience)`` and per-op filtering.

A player's view drops hidden entities (and their token positions), every ``gmNotes``,
``currentSession.gmSettings``, the change log, other players' whispers and other
players' pending actions. The GM sees the whole document.

Filtering works op by op while a change is applied, because a list index or an entity's
visibility can only be judged against the document as it is at that op. The rule it
keeps (tested with hypothesis): a client that applies the ops it was sent to the view it
was welcomed with holds exactly ``view(final_state, audience)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from vtt_host.errors import PatchError
from vtt_host.patching import Op, Tokens, clone_json, join_path, parse_path, resolve

GM_ID = "gm"
ENTITY_COLLECTIONS = ("actors", "items", "maps", "encounters")
PLAYER_HIDDEN_KEYS = frozenset({"changeLog"})
GM_NOTES = "gmNotes"


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


def entity_visible(state: dict[str, Any], collection: str, entity_id: str) -> bool:
    entity = state[collection].get(entity_id)
    return entity is not None and not entity.get("hidden", False)


def entity_view(entity: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entity.items() if key != GM_NOTES}


def chat_visible(message: dict[str, Any], player_id: str) -> bool:
    to = message.get("to")
    return to is None or to == player_id or message.get("from") == player_id


def pending_visible(pending: dict[str, Any], player_id: str) -> bool:
    return bool(pending.get("playerId") == player_id)


LIST_RULES: dict[str, Callable[[dict[str, Any], str], bool]] = {
    "chatMessages": chat_visible,
    "pendingActions": pending_visible,
}


def position_visible(state: dict[str, Any], actor_id: str) -> bool:
    return actor_id in state["currentSession"]["tokenPositions"] and entity_visible(
        state, "actors", actor_id
    )


def view(state: dict[str, Any], audience: Audience) -> dict[str, Any]:
    """The part of ``state`` the audience may see.

    It shares unchanged sub-objects with ``state``: serialize or copy it before the
    next change is applied.
    """
    if audience.is_gm:
        return state
    player_id = audience.player_id
    result = {key: value for key, value in state.items() if key not in PLAYER_HIDDEN_KEYS}
    result["campaign"] = entity_view(state["campaign"])
    for collection in ENTITY_COLLECTIONS:
        result[collection] = {
            key: entity_view(entity)
            for key, entity in state[collection].items()
            if not entity.get("hidden", False)
        }
    session = {key: value for key, value in state["currentSession"].items()}
    del session["gmSettings"]
    session["tokenPositions"] = {
        key: position
        for key, position in session["tokenPositions"].items()
        if key in result["actors"]
    }
    for name, rule in LIST_RULES.items():
        session[name] = [item for item in session[name] if rule(item, player_id)]
    result["currentSession"] = session
    return result


# -- per-op filtering ---------------------------------------------------------------

Unit = Literal["drop", "secret", "entity", "position", "list_item", "container", "public"]

_CONTAINERS = frozenset(
    {
        ("campaign",),
        *((name,) for name in ENTITY_COLLECTIONS),
        ("currentSession",),
        ("currentSession", "tokenPositions"),
        *(("currentSession", name) for name in LIST_RULES),
    }
)


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
    if head == "currentSession":
        second = tokens[1]
        if second == "gmSettings":
            return "secret"
        if second == "tokenPositions":
            return "position"
        if second in LIST_RULES:
            return "list_item"
    return "public"


@dataclass(slots=True)
class Filtered:
    """Ops one player receives for a change; ``redacted`` when something was withheld."""

    ops: list[Op]
    redacted: bool = False


class PlayerFilter:
    """Translates each op of a change into what one player's view needs."""

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
        return self._resync_around([tokens])

    # Entities and token positions share one shape: visible before / after.
    def _entity_around(self, op: Op, tokens: Tokens) -> Callable[[], None]:
        collection, entity_id, rest = tokens[0], tokens[1], tokens[2:]
        state, emit = self.state, self.result.ops.append
        was_visible = entity_visible(state, collection, entity_id)
        had_position = collection == "actors" and position_visible(state, entity_id)
        position_path = join_path(["currentSession", "tokenPositions", entity_id])

        def after() -> None:
            path = join_path([collection, entity_id])
            is_visible = entity_visible(state, collection, entity_id)
            if was_visible and is_visible:
                if rest and rest[0] == GM_NOTES:
                    self.result.redacted = True
                elif rest:
                    emit(op)
                else:
                    entity = entity_view(state[collection][entity_id])
                    emit({"op": "replace", "path": path, "value": entity})
            elif is_visible:
                emit(
                    {"op": "add", "path": path, "value": entity_view(state[collection][entity_id])}
                )
                if collection == "actors" and position_visible(state, entity_id):
                    position = state["currentSession"]["tokenPositions"][entity_id]
                    emit({"op": "add", "path": position_path, "value": position})
            elif was_visible:
                emit({"op": "remove", "path": path})
                if had_position:
                    emit({"op": "remove", "path": position_path})
            else:
                self.result.redacted = True

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
                value = state["currentSession"]["tokenPositions"][actor_id]
                emit({"op": "add", "path": path, "value": value})
            elif was_visible:
                emit({"op": "remove", "path": path})
            else:
                self.result.redacted = True

        return after

    def _list_item_around(self, op: Op, tokens: Tokens) -> Callable[[], None] | None:
        name, index_token, rest = tokens[1], tokens[2], tokens[3:]
        items: list[dict[str, Any]] = self.state["currentSession"][name]
        rule, player_id, emit = LIST_RULES[name], self.player_id, self.result.ops.append
        appending = index_token == "-"
        if appending:
            index = len(items)
        elif index_token.isdigit() and int(index_token) <= len(items):
            index = int(index_token)
        else:
            return None  # the op fails to apply; the whole change is refused
        inserting = op["op"] == "add" and not rest
        was_visible = not inserting and index < len(items) and rule(items[index], player_id)
        seen_before = sum(1 for item in items[:index] if rule(item, player_id))
        path_tokens = (*tokens[:2], "-" if appending else str(seen_before))
        path = join_path(path_tokens)

        def after() -> None:
            removed = op["op"] == "remove" and not rest
            is_visible = not removed and rule(items[index], player_id)
            if was_visible and is_visible:
                emit(
                    {**op, "path": join_path((*path_tokens, *rest))}
                    if rest
                    else {"op": "replace", "path": path, "value": items[index]}
                )
            elif is_visible:
                emit({"op": "add", "path": path, "value": items[index]})
            elif was_visible:
                emit({"op": "remove", "path": path})
            else:
                self.result.redacted = True

        return after

    def _resync_around(self, paths: list[Tokens]) -> Callable[[], None]:
        """Rare ops (whole collections, move/copy): resend the affected units whole."""
        units = sorted({tuple(_unit_root(tokens)) for tokens in paths})
        before = {unit: clone_json(_view_at(self.state, unit, self.player_id)) for unit in units}

        def after() -> None:
            for unit in units:
                now = _view_at(self.state, unit, self.player_id)
                if now is _MISSING and before[unit] is not _MISSING:
                    self.result.ops.append({"op": "remove", "path": join_path(unit)})
                elif now is not _MISSING and now != before[unit]:
                    self.result.ops.append({"op": "add", "path": join_path(unit), "value": now})
            self.result.redacted = True

        return after


_MISSING: Any = object()


def _unit_root(tokens: Tokens) -> Tokens:
    unit = classify(tokens)
    if unit in ("entity", "position"):
        return tokens[:3] if unit == "position" else tokens[:2]
    if unit == "list_item":
        return tokens[:2]
    if unit == "container" or tokens[0] != "currentSession":
        return tokens[:1]
    return tokens[:2]


def _view_at(state: dict[str, Any], tokens: Tokens, player_id: str) -> Any:
    try:
        return resolve(view(state, player(player_id)), tokens)
    except PatchError:
        return _MISSING


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
