"""What the library tab lists: every actor, item, map, encounter and handout, as rows.

Pure functions of the (read-only) campaign document, like viewmodels.py: the tab
rebuilds its rows after each batch of changes, and equal rows do not redraw. What a
delete takes with it is asked of the host's own delete action (``delete_impact``), so
the confirmation never disagrees with what the delete does.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tui.describe import conditions_text, describe_op, hp_text, player_name
from vtt_host.actions import GM_CALLER, Context, compile_action, parse_action
from vtt_host.patching import parse_path

COLLECTIONS = ("actors", "items", "maps", "encounters", "handouts")
SINGULAR = {
    "actors": "actor",
    "items": "item",
    "maps": "map",
    "encounters": "encounter",
    "handouts": "handout",
}
KINDS = ("character", "npc", "monster", "item", "map", "encounter", "handout")
"""Row kinds in the order the library lists them."""
KIND_LABELS = {
    "character": "PC",
    "npc": "NPC",
    "monster": "Monster",
    "item": "Item",
    "map": "Map",
    "encounter": "Encounter",
    "handout": "Handout",
}
ACTOR_KINDS = frozenset({"character", "npc", "monster"})
ABILITIES = ("strength", "dexterity", "constitution", "intelligence", "wisdom", "charisma")
SUMMARY_CHARS = 30
NAME_CHARS = 200


@dataclass(frozen=True, slots=True)
class KindFilter:
    key: str
    label: str
    kinds: frozenset[str]


KIND_FILTERS: tuple[KindFilter, ...] = (
    KindFilter("all", "Everything", frozenset(KINDS)),
    KindFilter("actors", "Actors", ACTOR_KINDS),
    KindFilter("character", "PCs", frozenset({"character"})),
    KindFilter("npc", "NPCs", frozenset({"npc"})),
    KindFilter("monster", "Monsters", frozenset({"monster"})),
    KindFilter("item", "Items", frozenset({"item"})),
    KindFilter("map", "Maps", frozenset({"map"})),
    KindFilter("encounter", "Encounters", frozenset({"encounter"})),
    KindFilter("handout", "Handouts", frozenset({"handout"})),
)
FILTERS_BY_KEY = {kind_filter.key: kind_filter for kind_filter in KIND_FILTERS}


@dataclass(frozen=True, slots=True)
class LibraryRow:
    """One entity as the library shows it: a table row and the detail beside it."""

    collection: str
    entity_id: str
    kind: str
    name: str
    summary: str
    hidden: bool
    current: bool
    """The map players see, or the encounter running."""
    facts: tuple[str, ...]
    notes: str
    gm_notes: str
    placed: bool = False
    """An actor with a token on the map."""

    @property
    def key(self) -> str:
        return f"{self.collection}/{self.entity_id}"

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def handouts_supported(state: Mapping[str, Any]) -> bool:
    """Whether this campaign (and so the host) keeps handouts."""
    return isinstance(state.get("handouts"), Mapping)


def rows(state: Mapping[str, Any]) -> tuple[LibraryRow, ...]:
    """Every entity of the campaign, by kind then name."""
    built = [
        *(_actor_row(state, actor) for actor in state["actors"].values()),
        *(_item_row(state, item) for item in state["items"].values()),
        *(_map_row(state, game_map) for game_map in state["maps"].values()),
        *(_encounter_row(state, encounter) for encounter in state["encounters"].values()),
        *(_handout_row(state, handout) for handout in state.get("handouts", {}).values()),
    ]
    built.sort(key=lambda row: (KINDS.index(row.kind), row.name.casefold(), row.entity_id))
    return tuple(built)


def matching(
    library: Sequence[LibraryRow], text: str, kind_filter: str = "all"
) -> tuple[LibraryRow, ...]:
    """The rows whose name holds ``text`` (any case) and whose kind the filter keeps."""
    wanted = text.strip().casefold()
    kinds = FILTERS_BY_KEY.get(kind_filter, KIND_FILTERS[0]).kinds
    return tuple(
        row
        for row in library
        if row.kind in kinds and (not wanted or wanted in row.name.casefold())
    )


# -- rows of each kind ---------------------------------------------------------------


def _actor_row(state: Mapping[str, Any], actor: Mapping[str, Any]) -> LibraryRow:
    session = state["currentSession"]
    owner = actor.get("owner")
    position = session["tokenPositions"].get(actor["id"])
    combat = [_number("AC", actor.get("armorClass")), _number("speed", actor.get("speed"))]
    numbers = " · ".join(
        part
        for part in (
            f"HP {hp_text(actor)}" if actor.get("hp") else "no HP",
            *combat,
            f"initiative {int(actor.get('initiativeBonus', 0)):+d}",
        )
        if part
    )
    facts = [
        f"{KIND_LABELS[actor['type']]}{_hidden_note(actor)}",
        f"Played by {player_name(state, owner)}" if owner else "Played by the GM",
        numbers,
    ]
    abilities = actor.get("abilities")
    if abilities:
        facts.append(" · ".join(f"{name[:3].upper()} {abilities[name]}" for name in ABILITIES))
    if actor.get("stats"):
        facts.append(" · ".join(f"{stat['name']} {stat['value']}" for stat in actor["stats"]))
    if actor.get("conditions"):
        facts.append(f"Conditions: {conditions_text(actor)}")
    if actor.get("inventory"):
        facts.append(f"Inventory: {_inventory_text(state, actor['inventory'])}")
    facts.append(
        f"Token at ({position['x']}, {position['y']})" if position else "No token on the map"
    )
    fights = _names(e for e in state["encounters"].values() if actor["id"] in e["combatants"])
    if fights:
        facts.append(f"Fights in: {fights}")
    summary = " · ".join(
        part
        for part in (
            player_name(state, owner) if owner else "",
            f"HP {hp_text(actor)}" if actor.get("hp") else "",
            _number("AC", actor.get("armorClass")),
            conditions_text(actor),
        )
        if part
    )
    return LibraryRow(
        collection="actors",
        entity_id=actor["id"],
        kind=actor["type"],
        name=actor["name"],
        summary=_short(summary),
        hidden=bool(actor.get("hidden")),
        current=False,
        facts=tuple(facts),
        notes=actor.get("notes", ""),
        gm_notes=actor.get("gmNotes", ""),
        placed=position is not None,
    )


def _item_row(state: Mapping[str, Any], item: Mapping[str, Any]) -> LibraryRow:
    holders = []
    for actor in state["actors"].values():
        for entry in actor["inventory"]:
            if entry["itemId"] == item["id"]:
                count = f" x{entry['quantity']}" if entry["quantity"] != 1 else ""
                worn = " (equipped)" if entry.get("equipped") else ""
                holders.append(f"{actor['name']}{count}{worn}")
    facts = [
        f"Item{_hidden_note(item)}",
        f"Held by: {', '.join(holders)}" if holders else "Nobody holds it",
    ]
    if item.get("imageAsset"):
        facts.append(f"Image {item['imageAsset'][:12]}…")
    description = str(item.get("description", ""))
    return LibraryRow(
        collection="items",
        entity_id=item["id"],
        kind="item",
        name=item["name"],
        summary=_short(description.splitlines()[0] if description else ""),
        hidden=bool(item.get("hidden")),
        current=False,
        facts=tuple(facts),
        notes=description,
        gm_notes=item.get("gmNotes", ""),
    )


def _map_row(state: Mapping[str, Any], game_map: Mapping[str, Any]) -> LibraryRow:
    grid = game_map["grid"]
    current = state["currentSession"].get("currentMapId") == game_map["id"]
    size = game_map.get("imageSize")
    image = f"image {size['width']}x{size['height']}" if size else "no image"
    facts = [
        f"Map{_hidden_note(game_map)}",
        "Players see this map now" if current else "Not shown to players",
        f"Grid {grid['width']}x{grid['height']} ({grid.get('kind', 'square')}) of "
        f"{grid['cellSize']} px, offset ({grid.get('offsetX', 0)}, {grid.get('offsetY', 0)})",
        f"Image {size['width']}x{size['height']} px" if size else "No image",
    ]
    users = _names(e for e in state["encounters"].values() if e.get("mapId") == game_map["id"])
    if users:
        facts.append(f"Map of: {users}")
    return LibraryRow(
        collection="maps",
        entity_id=game_map["id"],
        kind="map",
        name=game_map["name"],
        summary=_short(f"{grid['width']}x{grid['height']} · {image}"),
        hidden=bool(game_map.get("hidden")),
        current=current,
        facts=tuple(facts),
        notes="",
        gm_notes=game_map.get("gmNotes", ""),
    )


def _encounter_row(state: Mapping[str, Any], encounter: Mapping[str, Any]) -> LibraryRow:
    running = state["currentSession"].get("activeEncounterId") == encounter["id"]
    map_name = state["maps"].get(encounter.get("mapId") or "", {}).get("name")
    fighters = [state["actors"][a]["name"] for a in encounter["combatants"] if a in state["actors"]]
    count = len(fighters)
    facts = [
        f"Encounter{_hidden_note(encounter)}",
        "Running now" if running else f"Status: {encounter['status']}",
        f"Map: {map_name}" if map_name else "No map of its own",
        f"Combatants: {', '.join(fighters)}" if fighters else "No combatants yet",
    ]
    parts = (encounter["status"], f"{count} combatant{'s' * (count != 1)}", map_name or "")
    return LibraryRow(
        collection="encounters",
        entity_id=encounter["id"],
        kind="encounter",
        name=encounter["name"],
        summary=_short(" · ".join(part for part in parts if part)),
        hidden=bool(encounter.get("hidden")),
        current=running,
        facts=tuple(facts),
        notes="",
        gm_notes=encounter.get("gmNotes", ""),
    )


def sharing_text(state: Mapping[str, Any], handout: Mapping[str, Any]) -> str:
    """Who reads a handout: nobody (hidden), everyone, or the players named."""
    if handout.get("hidden", True):
        return "hidden"
    shared = handout.get("sharedWith")
    if shared is None:
        return "shared with everyone"
    return f"shared with {', '.join(player_name(state, p) for p in shared) or 'nobody'}"


def _handout_row(state: Mapping[str, Any], handout: Mapping[str, Any]) -> LibraryRow:
    sharing = sharing_text(state, handout)
    facts = [f"Handout · {sharing}"]
    if handout.get("imageAsset"):
        facts.append(f"Image {handout['imageAsset'][:12]}…")
    return LibraryRow(
        collection="handouts",
        entity_id=handout["id"],
        kind="handout",
        name=handout["name"],
        summary=_short(sharing),
        hidden=bool(handout.get("hidden", True)),
        current=False,
        facts=tuple(facts),
        notes=handout.get("text", ""),
        gm_notes=handout.get("gmNotes", ""),
    )


def _hidden_note(entity: Mapping[str, Any]) -> str:
    return " · hidden from players" if entity.get("hidden") else ""


def _number(label: str, value: Any) -> str:
    return "" if value is None else f"{label} {value}"


def _names(entities: Iterable[Mapping[str, Any]]) -> str:
    return ", ".join(sorted((str(e["name"]) for e in entities), key=str.casefold))


def _inventory_text(state: Mapping[str, Any], inventory: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for entry in inventory:
        item = state["items"].get(entry["itemId"], {})
        count = f" x{entry['quantity']}" if entry["quantity"] != 1 else ""
        worn = " (equipped)" if entry.get("equipped") else ""
        parts.append(f"{item.get('name', entry['itemId'])}{count}{worn}")
    return ", ".join(parts)


def _short(text: str) -> str:
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


# -- what the GM does with a row -----------------------------------------------------


def free_cell(state: Mapping[str, Any]) -> tuple[int, int] | None:
    """The first cell of the current map (row by row) without a token; None if full or
    there is no current map."""
    map_id = state["currentSession"].get("currentMapId")
    game_map = state["maps"].get(map_id) if map_id else None
    if game_map is None:
        return None
    taken = {(p["x"], p["y"]) for p in state["currentSession"]["tokenPositions"].values()}
    grid = game_map["grid"]
    for y in range(grid["height"]):
        for x in range(grid["width"]):
            if (x, y) not in taken:
                return x, y
    return None


def copy_name(taken: Iterable[str], name: str) -> str:
    """A name no entity of the collection has: ``Goblin 2`` -> ``Goblin 3``, ``Thorin`` ->
    ``Thorin 2``."""
    used = {existing.casefold() for existing in taken}
    match = re.fullmatch(r"(.*\S)\s+(\d+)", name)
    base, number = (match.group(1), int(match.group(2))) if match else (name, 1)
    while True:
        number += 1
        suffix = f" {number}"
        candidate = base[: NAME_CHARS - len(suffix)] + suffix
        if candidate.casefold() not in used:
            return candidate


def duplicate(state: Mapping[str, Any], collection: str, entity_id: str) -> dict[str, Any]:
    """The ``data`` of a create action making a copy: a new name, nobody's, not running.

    A copied handout starts hidden: a variant the GM is still writing must not reach
    the players it was shared with.
    """
    entity = copy.deepcopy(dict(state[collection][entity_id]))
    entity.pop("id", None)
    entity["name"] = copy_name((e["name"] for e in state[collection].values()), entity["name"])
    if collection == "actors":
        entity["owner"] = None
    elif collection == "encounters":
        entity["status"] = "draft"
    elif collection == "handouts":
        entity["hidden"] = True
        entity["sharedWith"] = None
    return entity


def delete_impact(state: Mapping[str, Any], collection: str, entity_id: str) -> list[str]:
    """What else deleting the entity changes, one line each, from the delete action the
    host would run. Raises the host's ActionError when it would refuse the delete."""
    action = parse_action({"kind": f"delete_{SINGULAR[collection]}", "id": entity_id})
    compiled = compile_action(dict(state), action, GM_CALLER, Context(now_ms=0))
    lines: list[str] = []
    for change in compiled.ops:
        line = _unlinked(state, change)
        if line and line not in lines:
            lines.append(line)
    return lines


def _unlinked(state: Mapping[str, Any], change: Mapping[str, Any]) -> str | None:
    tokens = parse_path(change["path"])
    head = tokens[:1]
    if len(tokens) == 2 and tokens[0] in COLLECTIONS:
        return None  # the entity itself
    if tokens[:2] == ("currentSession", "tokenPositions"):
        return "its token on the map"
    if tokens == ("currentSession", "initiative"):
        return "its place in the running initiative order"
    if tokens == ("currentSession", "turn"):
        return None
    if tokens == ("currentSession", "currentMapId"):
        return "the map players see now: they will see no map"
    if head == ("encounters",) and len(tokens) == 3:
        name = state["encounters"][tokens[1]]["name"]
        if tokens[2] == "combatants":
            return f"its place among the combatants of {name}"
        if tokens[2] == "mapId":
            return f"its use as the map of {name}"
    if head == ("actors",) and tokens[2:] == ("inventory",):
        return f"what {state['actors'][tokens[1]]['name']} carries of it"
    return describe_op(state, change)
