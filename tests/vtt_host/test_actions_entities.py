"""GM actions on campaign entities, raw patches and table settings."""

from __future__ import annotations

import math
from typing import Any

import pytest

from storage import MAX_VERSION
from tests.vtt_host.conftest import actor_named, caller, refused, table_state
from vtt_host.actions import GM_CALLER
from vtt_host.errors import Forbidden, Invalid, NotFound
from vtt_host.manager import Applied, Published, StateManager
from vtt_host.views import GM


def named(manager: StateManager, collection: str, name: str) -> str:
    return next(e["id"] for e in manager.state[collection].values() if e["name"] == name)


def description(manager: StateManager) -> str:
    return str(manager.state["changeLog"][-1]["description"])


def session(manager: StateManager) -> dict[str, Any]:
    current: dict[str, Any] = manager.state["currentSession"]
    return current


# -- create --------------------------------------------------------------------------


async def test_gm_creates_an_actor_with_defaults_filled_in(manager: StateManager) -> None:
    outcome = await manager.submit(
        {"kind": "create_actor", "data": {"name": "Wolf", "type": "monster"}}, GM_CALLER
    )

    assert outcome == Applied(1, {"id": "a_n0001"})
    assert manager.state["actors"]["a_n0001"] == {
        "id": "a_n0001",
        "name": "Wolf",
        "type": "monster",
        "owner": None,
        "hidden": False,
        "hp": None,
        "armorClass": None,
        "abilities": None,
        "speed": None,
        "initiativeBonus": 0,
        "stats": [],
        "conditions": [],
        "inventory": [],
        "imageAsset": None,
        "pluginData": {},
        "notes": "",
        "gmNotes": "",
    }
    assert description(manager) == "GM created actor Wolf"


@pytest.mark.parametrize(
    ("kind", "collection", "data", "singular"),
    [
        ("create_item", "items", {"name": "Torch", "description": "Burns an hour."}, "item"),
        ("create_map", "maps", {"name": "Cave", "hidden": True}, "map"),
        (
            "create_encounter",
            "encounters",
            {"name": "Wolves", "combatants": ["a_0008"]},
            "encounter",
        ),
    ],
)
async def test_gm_creates_items_maps_and_encounters(
    manager: StateManager, kind: str, collection: str, data: dict[str, Any], singular: str
) -> None:
    outcome = await manager.submit({"kind": kind, "data": data}, GM_CALLER)

    created = manager.state[collection][outcome.extra["id"]]
    assert {key: created[key] for key in data} == data
    assert description(manager) == f"GM created {singular} {data['name']}"
    assert manager.version == 1


async def test_create_keeps_an_id_the_gm_chose(manager: StateManager) -> None:
    await manager.submit(
        {"kind": "create_item", "data": {"id": "i_torch", "name": "Torch"}}, GM_CALLER
    )
    assert manager.state["items"]["i_torch"]["name"] == "Torch"


async def test_creating_an_entity_with_an_existing_id_is_invalid(manager: StateManager) -> None:
    action = {"kind": "create_actor", "data": {"id": "a_0005", "name": "Thorin again"}}
    await refused(manager, action, GM_CALLER, Invalid)


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("create_actor", {"type": "monster"}),
        ("create_actor", {"name": "Wolf", "flySpeed": 40}),
        ("create_actor", {"name": "Wolf", "hp": {"current": 3, "max": -1}}),
        ("create_actor", {"name": "Wolf", "type": "dragon"}),
        ("create_actor", {"id": "not an id!", "name": "Wolf"}),
        ("create_actor", {"name": "Wolf", "owner": "p_ghost"}),
        ("create_actor", {"name": "Wolf", "inventory": [{"itemId": "i_ghost"}]}),
        ("create_item", {"name": ""}),
        ("create_map", {"name": "Void", "grid": {"width": 0}}),
        ("create_encounter", {"name": "Ghosts", "combatants": ["a_ghost"]}),
        ("create_encounter", {"name": "Nowhere", "mapId": "m_ghost"}),
    ],
    ids=[
        "no-name",
        "extra-field",
        "negative-max-hp",
        "unknown-type",
        "bad-id",
        "unknown-owner",
        "unknown-item",
        "empty-name",
        "zero-width-grid",
        "unknown-combatant",
        "unknown-map",
    ],
)
async def test_creating_an_invalid_entity_is_refused(
    manager: StateManager, kind: str, data: dict[str, Any]
) -> None:
    await refused(manager, {"kind": kind, "data": data}, GM_CALLER, Invalid)


async def test_creating_an_entity_with_a_non_text_id_is_invalid(manager: StateManager) -> None:
    action = {"kind": "create_actor", "data": {"id": ["a_1"], "name": "Wolf"}}
    await refused(manager, action, GM_CALLER, Invalid)


# -- update --------------------------------------------------------------------------


async def test_gm_updates_an_actors_hit_points(manager: StateManager) -> None:
    thorin = actor_named(manager.state, "Thorin")
    hp = {"current": 4, "max": 12, "temp": 2}

    await manager.submit({"kind": "update_actor", "id": thorin, "set": {"hp": hp}}, GM_CALLER)

    assert manager.state["actors"][thorin]["hp"] == hp
    assert description(manager) == "GM updated Thorin (hp)"
    assert manager.version == 1


@pytest.mark.parametrize(
    ("kind", "collection", "name", "changes"),
    [
        ("update_item", "items", "Longsword", {"description": "Notched.", "gmNotes": "Cursed"}),
        ("update_map", "maps", "Crossroads", {"grid": {"width": 30, "height": 30}}),
        ("update_encounter", "encounters", "Ambush at the Crossroads", {"name": "Road Ambush"}),
    ],
)
async def test_gm_updates_items_maps_and_encounters(
    manager: StateManager, kind: str, collection: str, name: str, changes: dict[str, Any]
) -> None:
    entity_id = named(manager, collection, name)

    await manager.submit({"kind": kind, "id": entity_id, "set": changes}, GM_CALLER)

    updated = manager.state[collection][entity_id]
    assert {key: updated[key] for key in changes} == changes
    assert description(manager) == f"GM updated {name} ({', '.join(changes)})"


async def test_gm_can_update_a_hidden_actor(manager: StateManager) -> None:
    boss = actor_named(manager.state, "Goblin Boss")
    await manager.submit({"kind": "update_actor", "id": boss, "set": {"gmNotes": ""}}, GM_CALLER)
    assert manager.state["actors"][boss]["gmNotes"] == ""


@pytest.mark.parametrize(
    "changes",
    [
        {"flySpeed": 30},
        {"id": "a_other"},
        {"hp": {"current": 1, "max": -5}},
        {"owner": "p_ghost"},
        {"inventory": [{"itemId": "i_ghost"}]},
        {"name": ""},
        {},
    ],
    ids=[
        "unknown-field",
        "id",
        "negative-max-hp",
        "unknown-owner",
        "unknown-item",
        "empty",
        "nothing",
    ],
)
async def test_invalid_actor_updates_are_refused(
    manager: StateManager, changes: dict[str, Any]
) -> None:
    thorin = actor_named(manager.state, "Thorin")
    await refused(
        manager, {"kind": "update_actor", "id": thorin, "set": changes}, GM_CALLER, Invalid
    )


@pytest.mark.parametrize("kind", ["update_actor", "update_item", "update_map", "update_encounter"])
async def test_updating_an_unknown_entity_is_not_found(manager: StateManager, kind: str) -> None:
    action = {"kind": kind, "id": "x_ghost", "set": {"name": "Ghost"}}
    await refused(manager, action, GM_CALLER, NotFound)


# -- delete --------------------------------------------------------------------------


async def test_deleting_an_actor_removes_its_token_and_combat_entries(
    manager: StateManager,
) -> None:
    goblin = actor_named(manager.state, "Goblin 1")
    encounter = named(manager, "encounters", "Ambush at the Crossroads")
    await manager.submit({"kind": "start_encounter", "encounterId": encounter}, GM_CALLER)

    await manager.submit({"kind": "delete_actor", "id": goblin}, GM_CALLER)

    assert goblin not in manager.state["actors"]
    assert goblin not in session(manager)["tokenPositions"]
    assert goblin not in [entry["actorId"] for entry in session(manager)["initiative"]]
    assert goblin not in manager.state["encounters"][encounter]["combatants"]
    assert description(manager) == "GM deleted actor Goblin 1"
    assert manager.version == 2


async def test_deleting_an_item_takes_it_out_of_every_inventory(manager: StateManager) -> None:
    potion = named(manager, "items", "Potion of Healing")

    await manager.submit({"kind": "delete_item", "id": potion}, GM_CALLER)

    assert potion not in manager.state["items"]
    carried = [e["itemId"] for a in manager.state["actors"].values() for e in a["inventory"]]
    assert potion not in carried
    assert len(carried) == 2
    assert description(manager) == "GM deleted item Potion of Healing"


async def test_deleting_the_current_map_clears_it_everywhere(manager: StateManager) -> None:
    crossroads = named(manager, "maps", "Crossroads")
    encounter = named(manager, "encounters", "Ambush at the Crossroads")

    await manager.submit({"kind": "delete_map", "id": crossroads}, GM_CALLER)

    assert crossroads not in manager.state["maps"]
    assert session(manager)["currentMapId"] is None
    assert manager.state["encounters"][encounter]["mapId"] is None
    assert description(manager) == "GM deleted map Crossroads"


async def test_gm_deletes_an_encounter_that_is_not_running(manager: StateManager) -> None:
    encounter = named(manager, "encounters", "Ambush at the Crossroads")

    await manager.submit({"kind": "delete_encounter", "id": encounter}, GM_CALLER)

    assert manager.state["encounters"] == {}
    assert description(manager) == "GM deleted encounter Ambush at the Crossroads"


async def test_deleting_the_running_encounter_is_invalid(manager: StateManager) -> None:
    encounter = named(manager, "encounters", "Ambush at the Crossroads")
    await manager.submit({"kind": "start_encounter", "encounterId": encounter}, GM_CALLER)

    await refused(manager, {"kind": "delete_encounter", "id": encounter}, GM_CALLER, Invalid)


@pytest.mark.parametrize("kind", ["delete_actor", "delete_item", "delete_map", "delete_encounter"])
async def test_deleting_an_unknown_entity_is_not_found(manager: StateManager, kind: str) -> None:
    await refused(manager, {"kind": kind, "id": "x_ghost"}, GM_CALLER, NotFound)


# -- reveal / hide -------------------------------------------------------------------


async def test_gm_reveals_a_hidden_actor(manager: StateManager) -> None:
    boss = actor_named(manager.state, "Goblin Boss")

    await manager.submit({"kind": "reveal", "collection": "actors", "id": boss}, GM_CALLER)

    assert manager.state["actors"][boss]["hidden"] is False
    assert description(manager) == "GM revealed Goblin Boss"
    assert manager.version == 1


async def test_gm_hides_a_visible_item(manager: StateManager) -> None:
    rope = named(manager, "items", "Hempen Rope")

    await manager.submit({"kind": "hide", "collection": "items", "id": rope}, GM_CALLER)

    assert manager.state["items"][rope]["hidden"] is True
    assert description(manager) == "GM hid Hempen Rope"


async def test_revealed_actor_becomes_movable_by_its_owner(manager: StateManager) -> None:
    boss = actor_named(manager.state, "Goblin Boss")
    move = {"kind": "move_token", "tokenId": boss, "x": 1, "y": 1}
    await refused(manager, move, caller("p2"), NotFound)

    await manager.submit({"kind": "reveal", "collection": "actors", "id": boss}, GM_CALLER)
    await manager.submit({"kind": "assign_actor", "actorId": boss, "playerId": "p2"}, GM_CALLER)
    await manager.submit(move, caller("p2"))

    assert session(manager)["tokenPositions"][boss] == {"x": 1, "y": 1}


@pytest.mark.parametrize(
    ("kind", "collection", "name"),
    [("reveal", "actors", "Thorin"), ("hide", "maps", "Goblin Lair")],
)
async def test_revealing_what_is_visible_or_hiding_what_is_hidden_is_invalid(
    manager: StateManager, kind: str, collection: str, name: str
) -> None:
    action = {"kind": kind, "collection": collection, "id": named(manager, collection, name)}
    error = await refused(manager, action, GM_CALLER, Invalid)
    assert name in error.message


async def test_revealing_an_unknown_entity_is_not_found(manager: StateManager) -> None:
    action = {"kind": "reveal", "collection": "items", "id": "i_ghost"}
    await refused(manager, action, GM_CALLER, NotFound)


async def test_revealing_in_an_unknown_collection_is_invalid(manager: StateManager) -> None:
    action = {"kind": "reveal", "collection": "players", "id": "p1"}
    await refused(manager, action, GM_CALLER, Invalid)


# -- set_current_map -----------------------------------------------------------------


async def test_gm_opens_another_map(manager: StateManager) -> None:
    lair = named(manager, "maps", "Goblin Lair")

    await manager.submit({"kind": "set_current_map", "mapId": lair}, GM_CALLER)

    assert session(manager)["currentMapId"] == lair
    assert description(manager) == "GM opened the map Goblin Lair"
    assert manager.version == 1


async def test_gm_clears_the_current_map(manager: StateManager) -> None:
    await manager.submit({"kind": "set_current_map", "mapId": None}, GM_CALLER)

    assert session(manager)["currentMapId"] is None
    assert description(manager) == "GM cleared the map"


async def test_opening_an_unknown_map_is_not_found(manager: StateManager) -> None:
    await refused(manager, {"kind": "set_current_map", "mapId": "m_ghost"}, GM_CALLER, NotFound)


async def test_set_current_map_needs_a_map_id_field(manager: StateManager) -> None:
    await refused(manager, {"kind": "set_current_map"}, GM_CALLER, Invalid)


# -- assign_actor --------------------------------------------------------------------


async def test_gm_gives_an_actor_to_a_player_who_can_then_move_it(
    manager: StateManager,
) -> None:
    goblin = actor_named(manager.state, "Goblin 1")

    await manager.submit({"kind": "assign_actor", "actorId": goblin, "playerId": "p2"}, GM_CALLER)
    await manager.submit({"kind": "move_token", "tokenId": goblin, "x": 0, "y": 0}, caller("p2"))

    assert manager.state["actors"][goblin]["owner"] == "p2"
    assert manager.state["changeLog"][0]["description"] == "GM gave Goblin 1 to Bob"
    assert session(manager)["tokenPositions"][goblin] == {"x": 0, "y": 0}


async def test_gm_takes_back_an_actor_from_its_player(manager: StateManager) -> None:
    thorin = actor_named(manager.state, "Thorin")

    await manager.submit({"kind": "assign_actor", "actorId": thorin, "playerId": None}, GM_CALLER)

    assert manager.state["actors"][thorin]["owner"] is None
    assert description(manager) == "GM took back Thorin"
    move = {"kind": "move_token", "tokenId": thorin, "x": 0, "y": 0}
    await refused(manager, move, caller("p1"), Forbidden)


@pytest.mark.parametrize(
    ("actor", "player"), [("a_ghost", "p1"), ("a_0005", "p_ghost")], ids=["actor", "player"]
)
async def test_assigning_with_unknown_ids_is_not_found(
    manager: StateManager, actor: str, player: str
) -> None:
    action = {"kind": "assign_actor", "actorId": actor, "playerId": player}
    await refused(manager, action, GM_CALLER, NotFound)


# -- patch ---------------------------------------------------------------------------


async def test_gm_patch_applies_every_op(manager: StateManager) -> None:
    thorin = actor_named(manager.state, "Thorin")
    ops = [
        {"op": "replace", "path": f"/actors/{thorin}/hp/current", "value": 5},
        {"op": "add", "path": "/campaign/tags/-", "value": "goblins"},
    ]

    outcome = await manager.submit({"kind": "patch", "ops": ops}, GM_CALLER)

    assert outcome == Applied(1)
    assert manager.state["actors"][thorin]["hp"]["current"] == 5
    assert manager.state["campaign"]["tags"] == ["goblins"]
    assert description(manager) == "GM edited the campaign (2 changes)"


async def test_gm_patch_uses_the_description_given(manager: StateManager) -> None:
    ops = [{"op": "replace", "path": "/campaign/name", "value": "The Long Road"}]

    await manager.submit({"kind": "patch", "ops": ops, "description": "Renamed"}, GM_CALLER)

    assert manager.state["campaign"]["name"] == "The Long Road"
    assert description(manager) == "Renamed"


@pytest.mark.parametrize(
    ("source", "scope"),
    [
        ("/actors/a_0005/name", "/actors/a_0005"),
        ("/currentSession/tokenPositions/a_0005/x", "/currentSession/tokenPositions/a_0005"),
    ],
    ids=["required-field", "position-coordinate"],
)
async def test_gm_patch_cannot_move_what_its_source_needs_out_of_it(
    manager: StateManager, source: str, scope: str
) -> None:
    ops = [{"op": "move", "from": source, "path": "/campaign/settings/taken"}]
    error = await refused(manager, {"kind": "patch", "ops": ops}, GM_CALLER, Invalid)
    assert error.message.startswith(f"{scope}: ")


async def test_gm_patch_can_set_a_value_to_null(manager: StateManager) -> None:
    thorin = actor_named(manager.state, "Thorin")
    ops = [{"op": "replace", "path": f"/actors/{thorin}/owner", "value": None}]

    await manager.submit({"kind": "patch", "ops": ops}, GM_CALLER)

    assert manager.state["actors"][thorin]["owner"] is None


@pytest.mark.parametrize(
    "op",
    [
        {"op": "replace", "path": "/version", "value": 99},
        {"op": "replace", "path": "/lastModified", "value": 0},
        {"op": "replace", "path": "/id", "value": "c_other"},
        {"op": "add", "path": "/changeLog/-", "value": {"version": 1, "by": "gm"}},
        {"op": "remove", "path": "/changeLog/0"},
        {"op": "move", "from": "/changeLog", "path": "/campaign/settings/log"},
        {"op": "replace", "path": "/currentSession", "value": {}},
        {"op": "replace", "path": "/", "value": {}},
    ],
    ids=[
        "version",
        "lastModified",
        "id",
        "add-changeLog",
        "remove-changeLog",
        "move-from-changeLog",
        "whole-session",
        "empty-key",
    ],
)
async def test_patch_cannot_write_what_the_host_manages(
    manager: StateManager, op: dict[str, Any]
) -> None:
    await manager.submit({"kind": "chat", "text": "something for the log"}, GM_CALLER)
    await refused(manager, {"kind": "patch", "ops": [op]}, GM_CALLER, Invalid)


async def test_patch_that_fails_halfway_changes_nothing(manager: StateManager) -> None:
    thorin = actor_named(manager.state, "Thorin")
    ops = [
        {"op": "replace", "path": f"/actors/{thorin}/hp/current", "value": 1},
        {"op": "test", "path": f"/actors/{thorin}/name", "value": "Not Thorin"},
    ]
    error = await refused(manager, {"kind": "patch", "ops": ops}, GM_CALLER, Invalid)
    assert "op 1" in error.message


@pytest.mark.parametrize(
    "op",
    [
        {"op": "replace", "path": "/actors/a_0005/hp/max", "value": -1},
        {"op": "add", "path": "/currentSession/tokenPositions/a_ghost", "value": {"x": 1, "y": 1}},
        {"op": "remove", "path": "/items/i_0001"},
        {"op": "replace", "path": "/currentSession/currentMapId", "value": "m_ghost"},
        {"op": "add", "path": "/actors/a_0005/flySpeed", "value": 30},
    ],
    ids=["negative-max-hp", "orphan-position", "carried-item", "unknown-map", "unknown-field"],
)
async def test_patch_that_would_break_the_campaign_is_invalid(
    manager: StateManager, op: dict[str, Any]
) -> None:
    await refused(manager, {"kind": "patch", "ops": [op]}, GM_CALLER, Invalid)


@pytest.mark.parametrize(
    "ops",
    [
        [],
        [{"op": "frobnicate", "path": "/campaign/name"}],
        [{"op": "replace", "path": "/campaign/name"}],
        [{"op": "move", "path": "/campaign/name", "from": None}],
        [{"op": "remove"}],
        [{"op": "replace", "path": "/campaign/nope/deeper", "value": "X"}],
    ],
    ids=["no-ops", "unknown-op", "missing-value", "null-from", "no-path", "missing-parent"],
)
async def test_malformed_patch_is_invalid(manager: StateManager, ops: list[Any]) -> None:
    await refused(manager, {"kind": "patch", "ops": ops}, GM_CALLER, Invalid)


async def test_members_an_op_does_not_define_are_ignored_and_never_journaled(
    manager: StateManager,
) -> None:
    """RFC 6902 section 4: undefined members are ignored; they must not be kept either."""
    received: list[Published] = []
    manager.subscribe(GM, received.append)
    ops = [
        {"op": "replace", "path": "/campaign/name", "value": "X", "why": "because"},
        {"op": "remove", "path": "/campaign/tags", "value": 1, "from": "/version"},
    ]

    await manager.submit({"kind": "patch", "ops": ops}, GM_CALLER)

    assert manager.state["campaign"]["name"] == "X"
    assert "tags" not in manager.state["campaign"]
    expected = [
        {"op": "replace", "path": "/campaign/name", "value": "X"},
        {"op": "remove", "path": "/campaign/tags"},
    ]
    (record,) = manager.history_since(0) or []
    assert record.ops[:2] == expected
    assert received[0].ops[:2] == expected


# -- update_settings -----------------------------------------------------------------


async def test_gm_chooses_which_player_actions_need_approval(manager: StateManager) -> None:
    action = {"kind": "update_settings", "requireApproval": ["roll", "move_token", "roll"]}

    await manager.submit(action, GM_CALLER)

    settings = session(manager)["gmSettings"]
    assert settings["requireApproval"] == ["move_token", "roll"]
    assert settings["notes"] == ""
    assert description(manager) == "GM changed the table settings"
    assert manager.version == 1


async def test_gm_keeps_private_notes_in_the_settings(manager: StateManager) -> None:
    await manager.submit({"kind": "update_settings", "notes": "Boss at round 2"}, GM_CALLER)

    assert session(manager)["gmSettings"] == {
        "requireApproval": ["sheet_edit"],
        "npcHitPoints": "bloodied",
        "notes": "Boss at round 2",
    }


@pytest.mark.parametrize(
    "fields",
    [{"requireApproval": ["propose"]}, {"requireApproval": ["fly"]}, {}, {"theme": "dark"}],
    ids=["propose", "unknown-kind", "nothing", "extra-field"],
)
async def test_invalid_settings_are_refused(manager: StateManager, fields: dict[str, Any]) -> None:
    await refused(manager, {"kind": "update_settings", **fields}, GM_CALLER, Invalid)


# -- only the GM ---------------------------------------------------------------------

# Ids from the demo campaign of conftest.table_state(): a_0005 Thorin (p1), a_0006 Elara,
# a_0008 Goblin 1, a_0010 the hidden Goblin Boss, i_0001 a potion, m_0011 Crossroads,
# e_0013 the ambush.
GM_ACTIONS = [
    {"kind": "create_actor", "data": {"name": "Wolf"}},
    {"kind": "create_item", "data": {"name": "Torch"}},
    {"kind": "create_map", "data": {"name": "Cave"}},
    {"kind": "create_encounter", "data": {"name": "Wolves"}},
    {"kind": "update_actor", "id": "a_0005", "set": {"hp": {"current": 99, "max": 99}}},
    {"kind": "update_item", "id": "i_0001", "set": {"name": "Elixir"}},
    {"kind": "update_map", "id": "m_0011", "set": {"name": "Mine"}},
    {"kind": "update_encounter", "id": "e_0013", "set": {"name": "Mine"}},
    {"kind": "delete_actor", "id": "a_0006"},
    {"kind": "delete_item", "id": "i_0001"},
    {"kind": "delete_map", "id": "m_0011"},
    {"kind": "delete_encounter", "id": "e_0013"},
    {"kind": "reveal", "collection": "actors", "id": "a_0010"},
    {"kind": "hide", "collection": "actors", "id": "a_0006"},
    {"kind": "set_current_map", "mapId": None},
    {"kind": "assign_actor", "actorId": "a_0008", "playerId": "p1"},
    {"kind": "patch", "ops": [{"op": "replace", "path": "/campaign/name", "value": "Mine"}]},
    {"kind": "update_settings", "notes": "mine"},
]


@pytest.mark.parametrize("action", GM_ACTIONS, ids=[a["kind"] for a in GM_ACTIONS])
async def test_player_cannot_send_gm_actions(manager: StateManager, action: dict[str, Any]) -> None:
    error = await refused(manager, action, caller("p1"), Forbidden)
    assert "only the GM" in error.message


# -- values a campaign cannot hold -----------------------------------------------------


def nested(levels: int) -> Any:
    value: Any = 0
    for _ in range(levels):
        value = {"k": value}
    return value


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, 10**400, "Gr\ud800m", {"\udfff": 1}, nested(200), (1, 2), {1: 2}],
    ids=[
        "nan", "infinity", "integer-beyond-a-double", "lone-surrogate", "surrogate-key",
        "nested-200-levels", "tuple", "integer-key",
    ],
)  # fmt: skip
async def test_gm_patch_with_a_value_json_cannot_carry_is_invalid_and_changes_nothing(
    manager: StateManager, value: Any
) -> None:
    """In process (the GM app) no decoder stands in the way: the applier refuses it."""
    ops = [{"op": "add", "path": "/campaign/settings/x", "value": value}]
    error = await refused(manager, {"kind": "patch", "ops": ops}, GM_CALLER, Invalid)
    assert "not valid" in error.message


async def test_chat_with_a_lone_surrogate_is_invalid(manager: StateManager) -> None:
    await refused(manager, {"kind": "chat", "text": "hi \ud83d"}, GM_CALLER, Invalid)


@pytest.mark.parametrize(
    "action",
    [
        {"kind": "create_actor", "data": {"name": "Wolf", "pluginData": {"k": {"\ud800": None}}}},
        {"kind": "update_actor", "id": "a_0005", "set": {"pluginData": {"x": math.nan}}},
        {"kind": "chat", "text": "hi", "to": None, "\udc00": 1},
    ],
    ids=["surrogate-key-in-data", "nan-in-set", "surrogate-field-name"],
)
async def test_gm_app_action_that_is_not_plain_json_is_invalid_before_any_handler(
    manager: StateManager, action: dict[str, Any]
) -> None:
    """Found by the fuzz test: pydantic carried the key into the handler, whose dump then
    raised UnicodeEncodeError, not a refusal."""
    error = await refused(manager, action, GM_CALLER, Invalid)
    assert "not valid" in error.message


async def test_numbers_the_schema_names_stay_within_what_a_browser_holds_exactly(
    manager: StateManager,
) -> None:
    """2**53 + 1 reads as 2**53 in JavaScript: a player's view would quietly differ."""
    path = f"/actors/{actor_named(manager.state, 'Thorin')}/hp/current"
    too_big = [{"op": "replace", "path": path, "value": 2**53}]
    await refused(manager, {"kind": "patch", "ops": too_big}, GM_CALLER, Invalid)
    largest = [{"op": "replace", "path": path, "value": 2**53 - 1}]
    assert await manager.submit({"kind": "patch", "ops": largest}, GM_CALLER) == Applied(1)


async def test_a_campaign_at_the_largest_version_refuses_any_change() -> None:
    """Past 2**53 - 1 clients could no longer count versions; SQLite keeps room for + 1."""
    state = table_state()
    state["version"] = MAX_VERSION
    manager = StateManager(state, clock=lambda: 5_000)
    action = {"kind": "chat", "text": "one more"}
    error = await refused(manager, action, GM_CALLER, Invalid)
    assert "largest version" in error.message
