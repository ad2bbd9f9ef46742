"""GM actions on campaign entities: create, update, delete, reveal/hide, assign, maps.

Handouts are revealed to everyone or to some players (``playerIds``); hiding one takes
it back from everyone.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from vtt_host import schema
from vtt_host.actions._common import (
    SINGULAR,
    display_name,
    find_entity,
    initiative_removal_ops,
    op,
    set_field,
)
from vtt_host.actions.context import Caller, Compiled, Context
from vtt_host.actions.models import (
    AssignActor,
    CreateEntity,
    DeleteEntity,
    SetCurrentMap,
    SetVisibility,
    UpdateEntity,
    describe_validation_error,
)
from vtt_host.errors import Invalid, NotFound

MODELS: dict[str, type[BaseModel]] = {
    "actors": schema.Actor,
    "items": schema.Item,
    "maps": schema.MapData,
    "encounters": schema.Encounter,
    "handouts": schema.Handout,
}
ID_PREFIX = {"actors": "a", "items": "i", "maps": "m", "encounters": "e", "handouts": "h"}
ENTITY_KINDS = ("actor", "item", "map", "encounter", "handout")
"""``create_actor``... ``delete_handout``."""


def collection_of(kind: str) -> str:
    """``create_actor`` -> ``actors``."""
    return kind.split("_", 1)[1] + "s"


def create_entity(
    state: dict[str, Any], action: CreateEntity, caller: Caller, ctx: Context
) -> Compiled:
    collection = collection_of(action.kind)
    data = dict(action.data)
    data.setdefault("id", ctx.make_id(ID_PREFIX[collection]))
    try:
        entity = MODELS[collection].model_validate(data).model_dump(by_alias=True, mode="json")
    except ValidationError as error:
        raise Invalid(describe_validation_error(error)) from None
    entity_id = entity["id"]
    if entity_id in state[collection]:
        raise Invalid(f"{SINGULAR[collection]} {entity_id!r} already exists")
    return Compiled(
        [op("add", collection, entity_id, value=entity)],
        f"GM created {SINGULAR[collection]} {entity['name']}",
        {"id": entity_id},
        mentions=((collection, entity_id),),
    )


def update_entity(
    state: dict[str, Any], action: UpdateEntity, caller: Caller, ctx: Context
) -> Compiled:
    collection = collection_of(action.kind)
    entity = find_entity(state, collection, action.id, caller)
    fields = MODELS[collection].model_fields
    known = {field.alias or name for name, field in fields.items()}
    unknown = sorted(set(action.set) - known)
    if unknown:
        raise Invalid(f"{SINGULAR[collection]}s have no field {unknown[0]!r}")
    if "id" in action.set:
        raise Invalid("an entity's id cannot change")
    ops = [
        set_field((collection, action.id), entity, key, value) for key, value in action.set.items()
    ]
    changed = ", ".join(action.set)
    return Compiled(
        ops, f"GM updated {entity['name']} ({changed})", mentions=((collection, action.id),)
    )


def delete_entity(
    state: dict[str, Any], action: DeleteEntity, caller: Caller, ctx: Context
) -> Compiled:
    collection = collection_of(action.kind)
    entity = find_entity(state, collection, action.id, caller)
    ops = [*_unlink_ops(state, collection, action.id), op("remove", collection, action.id)]
    return Compiled(
        ops,
        f"GM deleted {SINGULAR[collection]} {entity['name']}",
        mentions=((collection, action.id),),
    )


def _unlink_ops(state: dict[str, Any], collection: str, entity_id: str) -> list[dict[str, Any]]:
    """Remove every reference to an entity, so deleting it leaves nothing dangling."""
    session = state["currentSession"]
    ops: list[dict[str, Any]] = []
    if collection == "actors":
        if entity_id in session["tokenPositions"]:
            ops.append(op("remove", "currentSession", "tokenPositions", entity_id))
        ops.extend(initiative_removal_ops(session, entity_id))
        for encounter in state["encounters"].values():
            if entity_id in encounter["combatants"]:
                kept = [a for a in encounter["combatants"] if a != entity_id]
                ops.append(op("replace", "encounters", encounter["id"], "combatants", value=kept))
    elif collection == "items":
        for actor in state["actors"].values():
            kept = [e for e in actor["inventory"] if e["itemId"] != entity_id]
            if len(kept) != len(actor["inventory"]):
                ops.append(op("replace", "actors", actor["id"], "inventory", value=kept))
    elif collection == "maps":
        if session.get("currentMapId") == entity_id:
            ops.append(op("replace", "currentSession", "currentMapId", value=None))
        for encounter in state["encounters"].values():
            if encounter.get("mapId") == entity_id:
                ops.append(op("replace", "encounters", encounter["id"], "mapId", value=None))
    elif collection == "encounters" and session.get("activeEncounterId") == entity_id:
        raise Invalid("end the encounter before deleting it")
    return ops


def set_visibility(
    state: dict[str, Any], action: SetVisibility, caller: Caller, ctx: Context
) -> Compiled:
    entity = find_entity(state, action.collection, action.id, caller)
    if action.collection == "handouts":
        return _handout_visibility(state, action, entity)
    if action.player_ids is not None:
        raise Invalid("playerIds is only for revealing a handout")
    hidden = action.kind == "hide"
    if entity.get("hidden", False) == hidden:
        raise Invalid(f"{entity['name']} is already {'hidden' if hidden else 'visible'}")
    verb = "hid" if hidden else "revealed"
    return Compiled(
        [op("replace", action.collection, action.id, "hidden", value=hidden)],
        f"GM {verb} {entity['name']}",
        mentions=((action.collection, action.id),),
    )


def _handout_visibility(
    state: dict[str, Any], action: SetVisibility, handout: dict[str, Any]
) -> Compiled:
    """Reveal to everyone (``sharedWith`` null), or to more players (added to those who
    already have it; a hidden handout starts afresh); hide from everyone."""
    hidden, shared = handout.get("hidden", True), handout.get("sharedWith")
    name, tokens = handout["name"], ("handouts", action.id)
    mentions = (("handouts", action.id),)
    if action.kind == "hide":
        if action.player_ids is not None:
            raise Invalid("playerIds is only for revealing a handout")
        if hidden:
            raise Invalid(f"{name} is already hidden")
        ops = [op("replace", *tokens, "hidden", value=True)]
        if shared is not None:
            ops.append(op("replace", *tokens, "sharedWith", value=None))
        return Compiled(ops, f"GM hid {name}", mentions=mentions)
    everyone_sees = not hidden and shared is None
    if action.player_ids is None:
        if everyone_sees:
            raise Invalid(f"{name} is already shown to everyone")
        ops = [op("replace", *tokens, "sharedWith", value=None)] if shared is not None else []
        ops.append(op("replace", *tokens, "hidden", value=False))
        return Compiled(ops, f"GM revealed {name}", mentions=mentions)
    for player_id in action.player_ids:
        if player_id not in state["players"]:
            raise NotFound(f"there is no player {player_id!r}")
    if everyone_sees:
        raise Invalid(f"{name} is already shown to everyone")
    already = [] if hidden else list(shared or [])
    added = [p for p in dict.fromkeys(action.player_ids) if p not in already]
    if not added:
        raise Invalid(f"{name} is already shown to them")
    ops = [set_field(tokens, handout, "sharedWith", [*already, *added])]
    if hidden:
        ops.append(op("replace", *tokens, "hidden", value=False))
    names = ", ".join(display_name(state, player_id) for player_id in added)
    # Who else may read a handout is the GM's to know: this text stays theirs.
    return Compiled(ops, f"GM showed {name} to {names}", mentions=None)


def set_current_map(
    state: dict[str, Any], action: SetCurrentMap, caller: Caller, ctx: Context
) -> Compiled:
    if action.map_id is None:
        return Compiled(
            [op("replace", "currentSession", "currentMapId", value=None)],
            "GM cleared the map",
            mentions=(),
        )
    game_map = find_entity(state, "maps", action.map_id, caller)
    return Compiled(
        [op("replace", "currentSession", "currentMapId", value=action.map_id)],
        f"GM opened the map {game_map['name']}",
        mentions=(("maps", action.map_id),),
    )


def assign_actor(
    state: dict[str, Any], action: AssignActor, caller: Caller, ctx: Context
) -> Compiled:
    actor = find_entity(state, "actors", action.actor_id, caller)
    mentions = (("actors", action.actor_id),)
    if action.player_id is None:
        return Compiled(
            [op("replace", "actors", action.actor_id, "owner", value=None)],
            f"GM took back {actor['name']}",
            mentions=mentions,
        )
    player = state["players"].get(action.player_id)
    if player is None:
        raise NotFound(f"there is no player {action.player_id!r}")
    return Compiled(
        [op("replace", "actors", action.actor_id, "owner", value=action.player_id)],
        f"GM gave {actor['name']} to {player['name']}",
        mentions=mentions,
    )
