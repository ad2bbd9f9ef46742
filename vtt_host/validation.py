"""Re-validate only what a change touched.

Validating the whole 5 MB document after every token move would cost milliseconds;
a change touches one or two entities, so the state manager records the scope of each
op and checks just those scopes (their model, then the links between entities) once
the whole change is applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError, create_model

from vtt_host import schema
from vtt_host.errors import Invalid
from vtt_host.patching import Tokens, join_path, parse_path

WRITABLE_ROOTS = frozenset(
    {"campaign", "players", "actors", "items", "maps", "encounters", "handouts", "currentSession"}
)
"""Top-level keys an op may write; version, ids, timestamps and the log are the host's."""

Scope = tuple[str, ...]

_ENTITY_MODELS: dict[str, type[BaseModel]] = {
    "players": schema.Player,
    "actors": schema.Actor,
    "items": schema.Item,
    "maps": schema.MapData,
    "encounters": schema.Encounter,
    "handouts": schema.Handout,
}

_SESSION_FIELDS = frozenset(
    field.alias or name for name, field in schema.CurrentSession.model_fields.items()
)
_LIST_ELEMENT_MODELS: dict[str, type[BaseModel]] = {
    "chatMessages": schema.ChatMessage,
    "pendingActions": schema.PendingAction,
}


@dataclass(frozen=True, slots=True)
class Shapes:
    """The models a document, or a player's view of it, is validated with."""

    campaign: type[BaseModel]
    entities: Mapping[str, type[BaseModel]]
    session_fields: frozenset[str]


def _without(model: type[BaseModel], *names: str, **retyped: Any) -> type[BaseModel]:
    """``model`` as if it had no fields ``names`` (setting one is an unknown field),
    and with the fields ``retyped`` of another type."""
    if not names and not retyped:
        return model
    fields: dict[str, Any] = {
        field: (retyped.get(field, info.annotation), info)
        for field, info in model.model_fields.items()
        if field not in names
    }
    return create_model(model.__name__, __base__=schema.Model, **fields)


_PLAYER_GM_FIELDS: dict[str, tuple[str, ...]] = {
    "players": (),
    "handouts": ("gm_notes", "hidden", "shared_with"),
}
_PLAYER_RETYPED: dict[str, dict[str, Any]] = {
    "actors": {"hp": schema.HitPoints | schema.HitPointsSeen | None},
}

FULL = Shapes(schema.CampaignInfo, _ENTITY_MODELS, _SESSION_FIELDS)
PLAYER_VIEW = Shapes(
    _without(schema.CampaignInfo, "gm_notes"),
    {
        name: _without(
            model, *_PLAYER_GM_FIELDS.get(name, ("gm_notes",)), **_PLAYER_RETYPED.get(name, {})
        )
        for name, model in _ENTITY_MODELS.items()
    },
    _SESSION_FIELDS - {"gmSettings"},
)
"""A player's view has no GM notes, no GM settings and no handout's sharing: a proposal
that writes one is refused exactly as one writing a field the schema does not have. An
NPC's hit points may read as a status there (views.py)."""


def check_writable(tokens: Tokens) -> None:
    """Refuse ops on the host's own bookkeeping before anything is applied."""
    if tokens[0] not in WRITABLE_ROOTS:
        raise Invalid(f"{join_path(tokens)} is managed by the host and cannot be changed")
    if tokens[0] == "currentSession" and len(tokens) == 1:
        raise Invalid("replace parts of /currentSession, not the whole of it")


def check_ops_writable(ops: Iterable[dict[str, Any]]) -> None:
    """Every path an op writes or moves from must be writable by actions."""
    for op in ops:
        check_writable(parse_path(op["path"]))
        if op.get("from") is not None:
            check_writable(parse_path(op["from"]))


def scope_of(tokens: Tokens) -> Scope:
    """The smallest self-contained part of the document that an op at ``tokens`` changes."""
    head = tokens[0]
    if head in _ENTITY_MODELS:
        return tuple(tokens[:2])
    if head == "currentSession":
        if len(tokens) > 2 and tokens[1] in ("tokenPositions", *_LIST_ELEMENT_MODELS):
            return tuple(tokens[:3])
        return tuple(tokens[:2])
    return (head,)


def scopes_written(op: dict[str, Any]) -> list[Scope]:
    """The scopes an op changes: where it writes, and for a move where it takes from."""
    scopes = [scope_of(parse_path(op["path"]))]
    if op["op"] == "move":
        scopes.append(scope_of(parse_path(op["from"])))
    return scopes


def check_scopes(state: dict[str, Any], scopes: Iterable[Scope], shapes: Shapes = FULL) -> None:
    """Validate each touched scope and its links; raise Invalid naming the first problem."""
    for scope in scopes:
        problem = _scope_problem(state, scope, shapes)
        if problem:
            raise Invalid(f"{join_path(list(scope))}: {problem}")


def _scope_problem(state: dict[str, Any], scope: Scope, shapes: Shapes) -> str | None:
    head = scope[0]
    try:
        if head == "campaign":
            shapes.campaign.model_validate(state["campaign"])
            return None
        if head in _ENTITY_MODELS:
            key = scope[1] if len(scope) > 1 else None
            return _entity_problem(state, head, key, shapes.entities[head])
        return _session_problem(state, scope, shapes.session_fields)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])


def _entity_problem(
    state: dict[str, Any], collection: str, key: str | None, model: type[BaseModel]
) -> str | None:
    entities = state[collection]
    if not isinstance(entities, dict):
        return "must be an object"
    keys = list(entities) if key is None else [key]
    for entity_id in keys:
        entity = entities.get(entity_id)
        if entity is None:
            problem = _dangling_references(state, collection, entity_id)
        else:
            model.model_validate(entity)
            problem = _link_problem(state, collection, entity_id, entity)
        if problem:
            return problem
    return None


def _link_problem(
    state: dict[str, Any], collection: str, entity_id: str, entity: dict[str, Any]
) -> str | None:
    if entity.get("id") != entity_id:
        return f"its id is {entity.get('id')!r}, not {entity_id!r}"
    if collection == "actors":
        owner = entity.get("owner")
        if owner is not None and owner not in state["players"]:
            return f"owner {owner!r} is not a player of this campaign"
        for entry in entity.get("inventory", []):
            if entry["itemId"] not in state["items"]:
                return f"inventory holds unknown item {entry['itemId']!r}"
    if collection == "handouts":
        for player_id in entity.get("sharedWith") or []:
            if player_id not in state["players"]:
                return f"shared with {player_id!r}, who is not a player of this campaign"
    if collection == "encounters":
        if entity.get("mapId") is not None and entity["mapId"] not in state["maps"]:
            return f"map {entity['mapId']!r} does not exist"
        for actor_id in entity.get("combatants", []):
            if actor_id not in state["actors"]:
                return f"combatant {actor_id!r} is not an actor"
    return None


_REFERENCE_CHECKS: dict[str, Callable[[dict[str, Any], str], str | None]] = {
    "actors": lambda state, key: (
        "it still has a token on the map"
        if key in state["currentSession"]["tokenPositions"]
        else "it is still in the initiative order"
        if any(e["actorId"] == key for e in state["currentSession"]["initiative"])
        else "it is still a combatant of an encounter"
        if any(key in e.get("combatants", []) for e in state["encounters"].values())
        else None
    ),
    "items": lambda state, key: (
        "an actor still carries it"
        if any(
            entry["itemId"] == key
            for actor in state["actors"].values()
            for entry in actor.get("inventory", [])
        )
        else None
    ),
    "maps": lambda state, key: (
        "it is the current map"
        if state["currentSession"].get("currentMapId") == key
        else "an encounter is set on it"
        if any(e.get("mapId") == key for e in state["encounters"].values())
        else None
    ),
    "encounters": lambda state, key: (
        "it is the active encounter"
        if state["currentSession"].get("activeEncounterId") == key
        else None
    ),
    "players": lambda state, key: (
        "they still own an actor"
        if any(actor.get("owner") == key for actor in state["actors"].values())
        else "a handout is still shared with them"
        if any(key in (h.get("sharedWith") or []) for h in state["handouts"].values())
        else None
    ),
    "handouts": lambda state, key: None,
}


def _dangling_references(state: dict[str, Any], collection: str, key: str) -> str | None:
    problem = _REFERENCE_CHECKS[collection](state, key)
    return f"cannot be removed: {problem}" if problem else None


def _session_problem(state: dict[str, Any], scope: Scope, fields: frozenset[str]) -> str | None:
    session = state["currentSession"]
    name = scope[1]
    if len(scope) == 3:
        return _session_item_problem(state, name, scope[2])
    if name not in fields:
        return "unknown field"
    value = session.get(name)
    schema.CurrentSession.model_validate({name: value})  # one field; the rest default
    if name == "tokenPositions":
        unknown = [key for key in value if key not in state["actors"]]
        return f"positions for unknown actors {unknown}" if unknown else None
    if name in ("initiative", "turn"):
        initiative = session["initiative"]
        if any(entry["actorId"] not in state["actors"] for entry in initiative):
            return "the initiative order names an unknown actor"
        if initiative and session["turn"] >= len(initiative):
            return "turn is past the end of the initiative order"
    if name == "activeEncounterId" and value is not None and value not in state["encounters"]:
        return f"encounter {value!r} does not exist"
    if name == "currentMapId" and value is not None and value not in state["maps"]:
        return f"map {value!r} does not exist"
    return None


def _session_item_problem(state: dict[str, Any], name: str, key: str) -> str | None:
    """One token position, or one element of the chat or the approval queue."""
    if name == "tokenPositions":
        position = state["currentSession"]["tokenPositions"].get(key)
        if position is None:
            return None
        schema.Position.model_validate(position)
        return None if key in state["actors"] else "no such actor"
    items = state["currentSession"][name]
    if not isinstance(items, list):
        return "must be a list"
    index = len(items) - 1 if key == "-" else int(key) if key.isdigit() else -1
    if 0 <= index < len(items):
        _LIST_ELEMENT_MODELS[name].model_validate(items[index])
    return None
