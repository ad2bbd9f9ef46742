"""Items, actors, maps and encounters converted to the new schema's entities.

Each converter reads every spelling the old models used for a field, repairs what is
out of range (with a warning), and keeps the fields it does not read as ``legacy`` so
that nothing of the old document is lost.
"""

from __future__ import annotations

from typing import Any

from vtt_host.legacy.context import (
    ENTITY_COLLECTIONS,
    PLUGIN_DATA_FIELDS,
    Context,
    Entity,
    Warn,
    keep_rest,
    long_text,
    name_of,
    plugin_data,
)
from vtt_host.legacy.effects import condition, effect_entry
from vtt_host.legacy.fields import (
    as_int,
    as_list,
    as_ref,
    as_text,
    first,
    is_hidden,
    is_true,
    raw_id,
)
from vtt_host.legacy.files import Doc

HIDDEN_FIELDS = frozenset({"hidden", "isHidden", "gmOnly", "visible"})
ACTOR_TYPES = {"character": "character", "pc": "character", "player": "character"}
ACTOR_TYPES |= {"npc": "npc", "monster": "monster", "creature": "monster", "enemy": "monster"}
ENCOUNTER_STATUSES = {
    "draft": "draft",
    "planning": "draft",
    "planned": "draft",
    "prepared": "draft",
    "pending": "draft",
    "setup": "draft",
    "ready": "draft",
    "active": "active",
    "running": "active",
    "in_progress": "active",
    "started": "active",
    "paused": "paused",
    "suspended": "paused",
    "on_hold": "paused",
    "completed": "completed",
    "complete": "completed",
    "ended": "completed",
    "finished": "completed",
    "done": "completed",
    "archived": "completed",
}
GRID_LIMITS = {"width": (1, 1000), "height": (1, 1000), "cellSize": (4, 1000)}
GRID_FIELDS = {
    "width": ("width", "columns", "cols"),
    "height": ("height", "rows"),
    "cellSize": ("cellSize", "size", "gridSize", "cell"),
}


def convert_entities(ctx: Context) -> None:
    """Build every item, actor, map and encounter of the export into ``ctx.built``."""
    # Every id first, so references resolve whatever the order of the documents.
    ids = {
        name: [ctx.ids[name].add(raw_id(doc.data), doc.where) for doc in ctx.docs_of(name)]
        for name in ENTITY_COLLECTIONS
    }
    converters = {
        "items": convert_item,
        "actors": convert_actor,
        "maps": convert_map,
        "encounters": convert_encounter,
    }
    for name in ENTITY_COLLECTIONS:
        for doc, entity_id in zip(ctx.docs_of(name), ids[name], strict=True):
            converters[name](ctx, doc, entity_id)


def convert_item(ctx: Context, doc: Doc, item_id: str) -> None:
    """An item: a name, a description and its plugin data."""
    data = doc.data
    entity = Entity({"id": item_id}, where=doc.where)
    name = first(data, "name", "title")[1]
    entity.data["name"] = name_of(name, "Unnamed item", doc.where, ctx.warn)
    description = data.get("description")
    entity.data["description"] = long_text(description, doc.where, "description", ctx.warn)
    entity.data["hidden"] = is_hidden(data)
    entity.data["pluginData"] = plugin_data(data, entity)
    entity.data["gmNotes"] = long_text(data.get("gmNotes"), doc.where, "GM notes", ctx.warn)
    used = HIDDEN_FIELDS | {"name", "title", "description", "gmNotes", *PLUGIN_DATA_FIELDS}
    keep_rest(data, entity, used)
    ctx.built["items"][item_id] = entity


def convert_actor(ctx: Context, doc: Doc, actor_id: str) -> None:
    """An actor, its owner made a player, its inventory and conditions resolved."""
    data, where = doc.data, doc.where
    entity = Entity({"id": actor_id}, where=where)
    entity.data["name"] = name_of(data.get("name"), "Unnamed actor", where, ctx.warn)
    entity.data["type"] = _actor_type(data.get("type"), where, entity, ctx.warn)
    owner_ref = as_ref(first(data, "owner", "ownerId", "playerId", "userId", "controlledBy")[1])
    if owner_ref is not None:
        entity.data["owner"] = ctx.players.owner(owner_ref)
    entity.data["hidden"] = is_hidden(data)
    hp = _hit_points(first(data, "hp", "hitPoints")[1])
    if hp is not None:
        entity.data["hp"] = hp
    bonus = as_int(first(data, "initiativeBonus", "initiativeModifier")[1])
    if bonus is not None:
        entity.data["initiativeBonus"] = bonus
    conditions = (condition(c, where, ctx.warn) for c in as_list(data.get("conditions")))
    entity.data["conditions"] = [c for c in conditions if c is not None]
    entity.data["inventory"] = _inventory(ctx, data.get("inventory"), where)
    entity.data["pluginData"] = plugin_data(data, entity)
    entity.data["gmNotes"] = long_text(data.get("gmNotes"), where, "GM notes", ctx.warn)
    used = {"name", "type", "owner", "ownerId", "playerId", "userId", "controlledBy"}
    used |= {"hp", "hitPoints", "initiativeBonus", "initiativeModifier", "conditions"}
    keep_rest(data, entity, used | HIDDEN_FIELDS | {"inventory", "gmNotes", *PLUGIN_DATA_FIELDS})
    ctx.built["actors"][actor_id] = entity


def _actor_type(value: Any, where: str, entity: Entity, warn: Warn) -> str:
    kind = (as_text(value) or "npc").lower()
    if kind in ACTOR_TYPES:
        return ACTOR_TYPES[kind]
    warn(f"{where}: actor type {value!r} is not character, npc or monster; made it npc")
    entity.legacy["type"] = value
    return "npc"


def _hit_points(value: Any) -> dict[str, int] | None:
    """Hit points from ``{"current", "max", "temp"}`` or a bare number."""
    if isinstance(value, dict):
        current = as_int(first(value, "current", "value")[1])
        maximum = as_int(value.get("max"))
        if current is None and maximum is None:
            return None
        maximum = max(0, maximum if maximum is not None else current or 0)
        temp = max(0, as_int(value.get("temp")) or 0)
        current = current if current is not None else maximum
        return {"current": current, "max": maximum, "temp": temp}
    number = as_int(value)
    if number is None:
        return None
    return {"current": number, "max": max(0, number), "temp": 0}


def _inventory(ctx: Context, value: Any, where: str) -> list[dict[str, Any]]:
    """Inventory entries of known items; an item embedded in an entry is built too."""
    entries: list[dict[str, Any]] = []
    for raw in as_list(value):
        entry = raw if isinstance(raw, dict) else {"itemId": raw}
        _, ref = first(entry, "itemId", "item", "_id", "id")
        item_id = ctx.ids["items"].get(ref)
        if item_id is None and isinstance(ref, dict) and len(ref) > 1:
            doc = Doc(f"{where}, inventory", ref)
            item_id = ctx.ids["items"].add(raw_id(doc.data), doc.where)
            convert_item(ctx, doc, item_id)
        if item_id is None:
            ctx.warn(f"{where}: dropped an inventory entry for unknown item {as_ref(ref)!r}")
            continue
        quantity = as_int(first(entry, "quantity", "qty", "count")[1])
        quantity = max(0, quantity if quantity is not None else 1)
        entries.append(
            {"itemId": item_id, "quantity": quantity, "equipped": is_true(entry.get("equipped"))}
        )
    return entries


def convert_map(ctx: Context, doc: Doc, map_id: str) -> None:
    """A map with its grid, layers and lighting."""
    data = doc.data
    entity = Entity({"id": map_id}, where=doc.where)
    entity.data["name"] = name_of(data.get("name"), "Unnamed map", doc.where, ctx.warn)
    entity.data["hidden"] = is_hidden(data)
    entity.data["grid"] = _grid(first(data, "gridData", "grid")[1], doc.where, ctx.warn)
    layers = as_list(data.get("layers"))
    entity.data["layers"] = [
        layer if isinstance(layer, dict) else {"value": layer} for layer in layers
    ]
    lighting = data.get("lighting")
    entity.data["lighting"] = lighting if isinstance(lighting, dict) else {}
    if lighting is not None and not isinstance(lighting, dict):
        entity.legacy["lighting"] = lighting
    entity.data["gmNotes"] = long_text(data.get("gmNotes"), doc.where, "GM notes", ctx.warn)
    used = HIDDEN_FIELDS | {"name", "gridData", "grid", "layers", "lighting", "gmNotes"}
    keep_rest(data, entity, used)
    ctx.built["maps"][map_id] = entity


def _grid(value: Any, where: str, warn: Warn) -> dict[str, Any]:
    """The grid's size clamped to the schema's limits, and its kind (square or hex)."""
    grid: dict[str, Any] = {}
    if not isinstance(value, dict):
        return grid
    for key, names in GRID_FIELDS.items():
        number = as_int(first(value, *names)[1])
        if number is None:
            continue
        low, high = GRID_LIMITS[key]
        if not low <= number <= high:
            warn(f"{where}: grid {key} {number} is out of range; set to the nearest limit")
        grid[key] = min(high, max(low, number))
    kind = str(first(value, "kind", "type", "gridType", "shape")[1] or "square").lower()
    grid["kind"] = "hex" if kind.startswith("hex") else "square"
    return grid


def convert_encounter(ctx: Context, doc: Doc, encounter_id: str) -> None:
    """An encounter; its initiative stays legacy until the session starts it."""
    data, where = doc.data, doc.where
    entity = Entity({"id": encounter_id}, where=where)
    name = first(data, "name", "title")[1]
    entity.data["name"] = name_of(name, "Unnamed encounter", where, ctx.warn)
    _, map_ref = first(data, "mapId", "map")
    map_id = ctx.ids["maps"].get(map_ref)
    if map_ref is not None and map_id is None:
        ctx.warn(f"{where}: encounter map {as_ref(map_ref)!r} is unknown; left without a map")
        entity.legacy["mapId"] = as_ref(map_ref)
    entity.data["mapId"] = map_id
    entity.data["hidden"] = is_hidden(data)
    entity.data["status"] = _status(data.get("status"), where, entity, ctx.warn)
    entity.data["combatants"] = _combatants(ctx, data, where)
    extra = plugin_data(data, entity)
    effects = [effect_entry(e) for e in as_list(data.get("activeEffects"))]
    if effects:
        extra["effects"] = [*as_list(extra.get("effects")), *effects]
    entity.data["pluginData"] = extra
    entity.data["gmNotes"] = long_text(data.get("gmNotes"), where, "GM notes", ctx.warn)
    used = {"name", "title", "mapId", "map", "status", "participants", "combatants", "actors"}
    keep_rest(
        data, entity, used | HIDDEN_FIELDS | {"activeEffects", "gmNotes", *PLUGIN_DATA_FIELDS}
    )
    ctx.built["encounters"][encounter_id] = entity


def _combatants(ctx: Context, data: dict[str, Any], where: str) -> list[str]:
    """The encounter's known actors, each once, in the order the old document listed them."""
    combatants: list[str] = []
    for participant in as_list(first(data, "participants", "combatants", "actors")[1]):
        ref = participant
        if isinstance(participant, dict) and "actorId" in participant:
            ref = participant["actorId"]
        actor_id = ctx.ids["actors"].get(ref)
        if actor_id is None:
            ctx.warn(f"{where}: dropped participant {as_ref(ref)!r}, an unknown actor")
        elif actor_id not in combatants:
            combatants.append(actor_id)
    return combatants


def _status(value: Any, where: str, entity: Entity, warn: Warn) -> str:
    status = (as_text(value) or "draft").lower().replace("-", "_").replace(" ", "_")
    if status in ENCOUNTER_STATUSES:
        return ENCOUNTER_STATUSES[status]
    warn(f"{where}: encounter status {value!r} is unknown; set to draft")
    entity.legacy["status"] = value
    return "draft"
