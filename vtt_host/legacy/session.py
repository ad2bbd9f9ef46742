"""The live session: the active encounter, its initiative order, and token positions.

The old host could leave several sessions or encounters marked active; the new schema
has one current session with at most one active encounter, so the latest active
session wins and any other running encounter is paused (with a warning).
"""

from __future__ import annotations

from typing import Any

from vtt_host.legacy.context import Context, Entity
from vtt_host.legacy.errors import LegacyImportError
from vtt_host.legacy.extended_json import millis
from vtt_host.legacy.fields import (
    INTERNAL_FIELDS,
    as_int,
    as_list,
    as_ref,
    first,
    is_hidden,
    is_true,
)
from vtt_host.legacy.files import Doc

MAP_REF_FIELDS = ("currentMapId", "currentMap", "mapId")
TURN_FIELDS = ("currentTurn", "turn", "turnIndex")
ACTIVE_STATUSES = ("active", "running", "live", "in_progress")


def current_session(ctx: Context) -> dict[str, Any]:
    """The new ``currentSession``; starts the active encounter, pausing any other.

    Raises ``LegacyImportError`` when the active session names an encounter or a map
    the export does not hold, since the GM would lose track of the game otherwise.
    """
    session: dict[str, Any] = {
        "activeEncounterId": None,
        "currentMapId": None,
        "tokenPositions": {},
        "initiative": [],
        "round": 0,
        "turn": 0,
    }
    sessions = ctx.docs_of("sessions")
    chosen = _active_session(ctx, sessions)
    encounter_id: str | None = None
    if chosen is not None:
        encounter_id = _read_active(ctx, chosen, session)
    elif sessions:
        map_ref = first(_latest(sessions).data, *MAP_REF_FIELDS)[1]
        session["currentMapId"] = ctx.ids["maps"].get(map_ref)
    encounter_id = _one_running(ctx, encounter_id, guess=chosen is None)
    if encounter_id is not None:
        _start(ctx, session, ctx.built["encounters"][encounter_id])
    return session


def _active_session(ctx: Context, sessions: list[Doc]) -> Doc | None:
    """The latest of the active sessions, if any is active."""
    active = [doc for doc in sessions if _is_active(doc.data)]
    if not active:
        return None
    latest = _latest(active)
    if len(active) > 1:
        ctx.warn(f"{len(active)} sessions are active; took the latest ({latest.where})")
    return latest


def _one_running(ctx: Context, encounter_id: str | None, *, guess: bool) -> str | None:
    """The encounter to start; every other encounter marked active is paused.

    With ``guess`` (no session was active) a lone running encounter is the one.
    """
    running = [
        key
        for key, encounter in ctx.built["encounters"].items()
        if encounter.data["status"] == "active"
    ]
    if encounter_id is None and guess and len(running) == 1:
        encounter_id = running[0]
    for key in running:
        if key != encounter_id:
            ctx.built["encounters"][key].data["status"] = "paused"
            ctx.warn(f"encounter {key!r} was active but is not the session's; paused it")
    return encounter_id


def _read_active(ctx: Context, chosen: Doc, session: dict[str, Any]) -> str | None:
    """The current map from the active session, and the id of its active encounter."""
    data, where = chosen.data, chosen.where
    encounter_id: str | None = None
    _, encounter_ref = first(data, "activeEncounterId", "activeEncounter", "encounterId")
    if encounter_ref is not None:
        encounter_id = ctx.ids["encounters"].get(encounter_ref)
        if encounter_id is None:
            raise LegacyImportError(
                f"{where}: the session's active encounter {as_ref(encounter_ref)!r}"
                " is not in the encounters file; add it or clear activeEncounterId"
            )
    _, map_ref = first(data, *MAP_REF_FIELDS)
    if map_ref is not None:
        session["currentMapId"] = ctx.ids["maps"].get(map_ref)
        if session["currentMapId"] is None:
            raise LegacyImportError(
                f"{where}: the session's current map {as_ref(map_ref)!r}"
                " is not in the maps file; add it or clear currentMapId"
            )
    chat = as_list(data.get("chatMessages"))
    if chat:
        ctx.warn(f"{where}: {len(chat)} chat messages were not imported")
    return encounter_id


def _start(ctx: Context, session: dict[str, Any], encounter: Entity) -> None:
    """Make ``encounter`` the session's active one, with its old initiative and turn."""
    encounter.data["status"] = "active"
    session["activeEncounterId"] = encounter.data["id"]
    if session["currentMapId"] is None:
        session["currentMapId"] = encounter.data["mapId"]
    legacy = encounter.legacy
    order, turn = _initiative(ctx, encounter)
    if not order:
        order = [{"actorId": a, "value": None} for a in encounter.data["combatants"]]
    session["initiative"] = order
    session["turn"] = min(max(0, turn or 0), max(0, len(order) - 1))
    session["round"] = max(1, as_int(legacy.get("round")) or 1)
    for key in (*TURN_FIELDS, "round"):
        legacy.pop(key, None)


def _initiative(ctx: Context, encounter: Entity) -> tuple[list[dict[str, Any]], int | None]:
    """The encounter's old initiative order of known actors, and whose turn it is.

    The turn was an index or the id of the actor; dropping unknown actors before it
    moves it, so that it stays on the same actor.
    """
    legacy = encounter.legacy
    turn = as_int(first(legacy, *TURN_FIELDS)[1])
    turn_ref = legacy.get("currentTurn") if isinstance(legacy.get("currentTurn"), str) else None
    order: list[dict[str, Any]] = []
    for index, raw in enumerate(as_list(legacy.pop("initiative", None))):
        entry = raw if isinstance(raw, dict) else {"actorId": raw}
        _, ref = first(entry, "actorId", "actor", "participantId", "combatantId", "id")
        actor_id = ctx.ids["actors"].get(ref)
        if actor_id is None:
            ctx.warn(
                f"{encounter.where}: dropped initiative entry for unknown actor {as_ref(ref)!r}"
            )
            if turn is not None and index < turn:
                turn -= 1
            continue
        if turn_ref is not None and as_ref(ref) == turn_ref:
            turn = len(order)
        value = as_int(first(entry, "value", "initiative", "roll", "total")[1])
        order.append({"actorId": actor_id, "value": value})
        if actor_id not in encounter.data["combatants"]:
            encounter.data["combatants"].append(actor_id)
    return order, turn


def place_tokens(ctx: Context, session: dict[str, Any]) -> None:
    """Token positions on the current map; every token is also kept on its actor.

    The new schema places one token per actor, on the current map only, so the others
    survive as the actor's legacy ``tokens``.
    """
    for doc in ctx.docs_of("tokens"):
        data = doc.data
        _, actor_ref = first(data, "actorId", "actor")
        actor_id = ctx.ids["actors"].get(actor_ref)
        if actor_id is None:
            ctx.warn(f"{doc.where}: dropped a token for unknown actor {as_ref(actor_ref)!r}")
            continue
        actor = ctx.built["actors"][actor_id]
        map_id = _token_map(ctx, data)
        record = {k: v for k, v in data.items() if k not in INTERNAL_FIELDS | {"actorId", "actor"}}
        if map_id is not None:
            record["mapId"] = map_id
        actor.legacy.setdefault("tokens", []).append(record)
        if map_id is not None and map_id == session["currentMapId"]:
            _place(ctx, session, doc, actor)


def _token_map(ctx: Context, data: dict[str, Any]) -> str | None:
    """The token's map, or that of the encounter it belongs to."""
    map_id = ctx.ids["maps"].get(first(data, "mapId", "map")[1])
    if map_id is not None:
        return map_id
    encounter_id = ctx.ids["encounters"].get(first(data, "encounterId", "encounter")[1])
    if encounter_id is None:
        return None
    mapped: str | None = ctx.built["encounters"][encounter_id].data["mapId"]
    return mapped


def _place(ctx: Context, session: dict[str, Any], doc: Doc, actor: Entity) -> None:
    """Put a token of ``actor`` on the current map, unless it has one there already.

    A hidden token hides an NPC; a player's actor stays visible to its player.
    """
    data, actor_id = doc.data, actor.data["id"]
    place = data["position"] if isinstance(data.get("position"), dict) else data
    x, y = as_int(place.get("x")), as_int(place.get("y"))
    if x is None or y is None:
        ctx.warn(f"{doc.where}: token without x and y; not placed on the map")
        return
    if actor_id in session["tokenPositions"]:
        ctx.warn(f"{doc.where}: a second token of {actor_id!r} on the map; kept the first")
        return
    if is_hidden(data) and not actor.data["hidden"]:
        if actor.data.get("owner") is None:
            actor.data["hidden"] = True
            ctx.warn(f"{doc.where}: the token was hidden, so actor {actor_id!r} is hidden")
        else:
            ctx.warn(f"{doc.where}: a hidden token of a player's actor is now visible")
    session["tokenPositions"][actor_id] = {"x": x, "y": y}


def _is_active(data: dict[str, Any]) -> bool:
    if "isActive" in data:
        return is_true(data["isActive"])
    if "active" in data:
        return is_true(data["active"])
    return str(data.get("status", "")).lower() in ACTIVE_STATUSES


def _latest(docs: list[Doc]) -> Doc:
    """The document updated or started last; of equals, the last listed."""

    def moment(doc: Doc) -> int:
        _, value = first(doc.data, "updatedAt", "startedAt", "startTime", "createdAt")
        return millis(value) or 0

    return max(reversed(docs), key=moment)
