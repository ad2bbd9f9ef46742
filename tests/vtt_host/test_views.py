"""Per-player views and op filtering, on hand-picked cases the property test may miss."""

from __future__ import annotations

import json
from typing import Any

import jsonpatch
import pytest

from tests.vtt_host.conftest import actor_named, caller, refused
from vtt_host.actions import GM_CALLER
from vtt_host.errors import Invalid
from vtt_host.manager import Published, StateManager
from vtt_host.views import GM, Audience, player, view


async def follow(
    manager: StateManager, audience: Audience
) -> tuple[dict[str, Any], list[Published]]:
    received: list[Published] = []
    _, initial, _ = await manager.attach(audience, received.append)
    return json.loads(json.dumps(initial)), received


def replay(initial: dict[str, Any], received: list[Published]) -> dict[str, Any]:
    current = initial
    for published in received:
        current = jsonpatch.apply_patch(current, json.loads(json.dumps(published.ops)))
        current["version"] = published.version
    return current


def same_view(manager: StateManager, audience: Audience, replayed: dict[str, Any]) -> bool:
    expected = json.loads(json.dumps(view(dict(manager.state), audience)))
    replayed["lastModified"] = expected["lastModified"]
    return replayed == expected


async def test_whisper_to_others_is_withheld_without_shifting_chat_indices(
    manager: StateManager,
) -> None:
    alice_view, alice_frames = await follow(manager, player("p1"))
    await manager.submit({"kind": "chat", "text": "psst", "to": "gm"}, caller("p2"))
    await manager.submit({"kind": "chat", "text": "hello all"}, caller("p3"))
    await manager.submit(
        {
            "kind": "patch",
            "ops": [
                {
                    "op": "replace",
                    "path": "/currentSession/chatMessages/1/text",
                    "value": "hello everyone",
                }
            ],
        },
        GM_CALLER,
    )
    await manager.submit(
        {"kind": "patch", "ops": [{"op": "remove", "path": "/currentSession/chatMessages/0"}]},
        GM_CALLER,
    )
    assert alice_frames[0].ops == []
    assert alice_frames[0].description is None
    assert alice_frames[2].ops[0]["path"] == "/currentSession/chatMessages/0/text"
    final = replay(alice_view, alice_frames)
    assert [m["text"] for m in final["currentSession"]["chatMessages"]] == ["hello everyone"]
    assert same_view(manager, player("p1"), final)


async def test_revealing_a_hidden_npc_sends_the_whole_actor_and_its_token(
    manager: StateManager,
) -> None:
    boss = actor_named(manager.state, "Goblin Boss")
    bob_view, bob_frames = await follow(manager, player("p2"))
    assert boss not in bob_view["actors"]
    assert boss not in bob_view["currentSession"]["tokenPositions"]
    await manager.submit({"kind": "reveal", "collection": "actors", "id": boss}, GM_CALLER)
    ops = bob_frames[0].ops
    assert ops[0]["op"] == "add"
    assert ops[0]["path"] == f"/actors/{boss}"
    assert "gmNotes" not in ops[0]["value"]
    assert ops[1] == {
        "op": "add",
        "path": f"/currentSession/tokenPositions/{boss}",
        "value": {"x": 18, "y": 3},
    }
    await manager.submit({"kind": "hide", "collection": "actors", "id": boss}, GM_CALLER)
    assert {o["op"] for o in bob_frames[1].ops} == {"remove"}
    assert same_view(manager, player("p2"), replay(bob_view, bob_frames))


async def test_moving_a_hidden_npc_reaches_only_the_gm(manager: StateManager) -> None:
    boss = actor_named(manager.state, "Goblin Boss")
    _, gm_frames = await follow(manager, GM)
    _, cleo_frames = await follow(manager, player("p3"))
    await manager.submit({"kind": "move_token", "tokenId": boss, "x": 1, "y": 1}, GM_CALLER)
    assert gm_frames[0].ops[0]["path"] == f"/currentSession/tokenPositions/{boss}"
    logged = gm_frames[0].ops[-1]["value"]  # the GM's change log says who moved what
    assert logged["description"] == "GM moved Goblin Boss to (1, 1)"
    assert cleo_frames[0].ops == []
    assert cleo_frames[0].description is None
    assert cleo_frames[0].by is None


async def test_token_move_is_one_replace_op(manager: StateManager) -> None:
    thorin = actor_named(manager.state, "Thorin")
    _, frames = await follow(manager, player("p2"))
    await manager.submit({"kind": "move_token", "tokenId": thorin, "x": 7, "y": 8}, caller("p1"))
    assert frames[0].ops == [
        {
            "op": "replace",
            "path": f"/currentSession/tokenPositions/{thorin}",
            "value": {"x": 7, "y": 8},
        }
    ]
    assert frames[0].by == "p1"
    assert frames[0].description is None  # the op says it all; it keeps the frame small


def test_player_view_drops_gm_only_parts(manager: StateManager) -> None:
    seen = view(dict(manager.state), player("p1"))
    assert "changeLog" not in seen
    assert "gmSettings" not in seen["currentSession"]
    assert "gmNotes" not in seen["campaign"]
    assert all(not a.get("hidden") and "gmNotes" not in a for a in seen["actors"].values())
    assert all(not m.get("hidden") for m in seen["maps"].values())
    assert all(not i.get("hidden") for i in seen["items"].values())
    assert set(seen["currentSession"]["tokenPositions"]) <= set(seen["actors"])


def test_gm_view_is_the_whole_document(manager: StateManager) -> None:
    assert view(dict(manager.state), GM) == dict(manager.state)


# -- references to hidden entities ---------------------------------------------------

BOSS, THORIN, ELARA, PIP = "a_0010", "a_0005", "a_0006", "a_0007"
AMBUSH, CROSSROADS, LAIR = "e_0013", "m_0011", "m_0012"
POTION, AMULET = "i_0001", "i_0004"


async def gm(manager: StateManager, **action: Any) -> None:
    await manager.submit(action, GM_CALLER)


async def fight_with_the_boss_second(manager: StateManager) -> None:
    """The ambush with the hidden boss in second place: Thorin, Boss, Elara, Pip..."""
    await gm(manager, kind="add_combatant", actorId=BOSS, encounterId=AMBUSH)
    await gm(manager, kind="start_encounter", encounterId=AMBUSH)
    order = manager.state["currentSession"]["initiative"]
    moved = [order[0], order[-1], *order[1:-1]]
    await gm(
        manager,
        kind="patch",
        ops=[{"op": "replace", "path": "/currentSession/initiative", "value": moved}],
    )


def turn_of(seen: dict[str, Any]) -> str:
    session = seen["currentSession"]
    return str(session["initiative"][session["turn"]]["actorId"])


async def test_hidden_combatant_is_absent_from_a_players_order_and_combatants(
    manager: StateManager,
) -> None:
    bob_view, bob_frames = await follow(manager, player("p2"))
    await fight_with_the_boss_second(manager)
    seen = view(dict(manager.state), player("p2"))
    assert BOSS in [e["actorId"] for e in manager.state["currentSession"]["initiative"]]
    assert BOSS not in [e["actorId"] for e in seen["currentSession"]["initiative"]]
    assert BOSS not in seen["encounters"][AMBUSH]["combatants"]
    assert BOSS not in json.dumps([p.ops for p in bob_frames])
    assert same_view(manager, player("p2"), replay(bob_view, bob_frames))


async def test_players_turn_stays_on_the_combatant_acting_and_skips_hidden_ones(
    manager: StateManager,
) -> None:
    await fight_with_the_boss_second(manager)
    bob_view, bob_frames = await follow(manager, player("p2"))
    seen = []
    for _ in range(5):
        acting = turn_of(dict(manager.state))
        seen.append((acting, turn_of(view(dict(manager.state), player("p2")))))
        await gm(manager, kind="next_turn")
    # While the boss acts, players already see the next combatant they can see.
    assert seen == [(THORIN, THORIN), (BOSS, ELARA), (ELARA, ELARA), (PIP, PIP), ("a_0008",) * 2]
    assert bob_frames[1].ops == []  # the boss's turn ends: nothing moves for players
    assert bob_frames[1].description is None
    assert same_view(manager, player("p2"), replay(bob_view, bob_frames))


async def test_players_turn_wraps_to_the_first_visible_combatant(manager: StateManager) -> None:
    await gm(manager, kind="add_combatant", actorId=BOSS, encounterId=AMBUSH)
    await gm(manager, kind="start_encounter", encounterId=AMBUSH)
    for _ in range(5):  # to the boss, last in the order
        await gm(manager, kind="next_turn")
    assert turn_of(dict(manager.state)) == BOSS
    seen = view(dict(manager.state), player("p1"))
    assert turn_of(seen) == THORIN
    assert seen["currentSession"]["round"] == 1


async def test_revealing_and_hiding_a_combatant_updates_the_order_players_see(
    manager: StateManager,
) -> None:
    await fight_with_the_boss_second(manager)
    await gm(manager, kind="next_turn")
    await gm(manager, kind="next_turn")  # Elara acts
    cleo_view, cleo_frames = await follow(manager, player("p3"))
    assert turn_of(cleo_view) == ELARA
    await gm(manager, kind="reveal", collection="actors", id=BOSS)
    revealed = replay(cleo_view, cleo_frames)
    assert [e["actorId"] for e in revealed["currentSession"]["initiative"]][:3] == [
        THORIN,
        BOSS,
        ELARA,
    ]
    assert turn_of(revealed) == ELARA
    assert BOSS in revealed["encounters"][AMBUSH]["combatants"]
    await gm(manager, kind="hide", collection="actors", id=BOSS)
    hidden = replay(cleo_view, cleo_frames)
    assert BOSS not in [e["actorId"] for e in hidden["currentSession"]["initiative"]]
    assert BOSS not in hidden["encounters"][AMBUSH]["combatants"]
    assert turn_of(hidden) == ELARA
    assert same_view(manager, player("p3"), hidden)


async def test_a_hidden_map_is_no_players_current_map_nor_an_encounters(
    manager: StateManager,
) -> None:
    alice_view, alice_frames = await follow(manager, player("p1"))
    await gm(manager, kind="set_current_map", mapId=LAIR)
    await gm(manager, kind="update_encounter", id=AMBUSH, set={"mapId": LAIR})
    seen = replay(alice_view, alice_frames)
    assert seen["currentSession"]["currentMapId"] is None
    assert seen["encounters"][AMBUSH]["mapId"] is None
    assert LAIR not in json.dumps([(p.ops, p.description) for p in alice_frames])
    await gm(manager, kind="reveal", collection="maps", id=LAIR)
    seen = replay(alice_view, alice_frames)
    assert seen["currentSession"]["currentMapId"] == LAIR
    assert seen["encounters"][AMBUSH]["mapId"] == LAIR
    assert same_view(manager, player("p1"), seen)


async def test_a_hidden_running_encounter_is_no_players_active_encounter(
    manager: StateManager,
) -> None:
    await gm(manager, kind="hide", collection="encounters", id=AMBUSH)
    bob_view, bob_frames = await follow(manager, player("p2"))
    await gm(manager, kind="start_encounter", encounterId=AMBUSH)
    seen = replay(bob_view, bob_frames)
    assert seen["currentSession"]["activeEncounterId"] is None
    assert AMBUSH not in json.dumps([(p.ops, p.description) for p in bob_frames])
    assert same_view(manager, player("p2"), seen)


async def test_a_hidden_item_is_not_in_a_players_view_of_an_inventory(
    manager: StateManager,
) -> None:
    alice_view, alice_frames = await follow(manager, player("p1"))
    amulet = {"itemId": AMULET, "quantity": 1, "equipped": True}
    await gm(
        manager,
        kind="patch",
        ops=[{"op": "add", "path": f"/actors/{ELARA}/inventory/0", "value": amulet}],
    )
    await gm(
        manager,
        kind="patch",
        ops=[{"op": "replace", "path": f"/actors/{ELARA}/inventory/1/quantity", "value": 1}],
    )
    assert AMULET not in json.dumps([p.ops for p in alice_frames])
    assert alice_frames[0].ops == []
    seen = replay(alice_view, alice_frames)
    assert seen["actors"][ELARA]["inventory"] == [
        {"itemId": POTION, "quantity": 1, "equipped": False}
    ]
    await gm(manager, kind="reveal", collection="items", id=AMULET)
    seen = replay(alice_view, alice_frames)
    assert [e["itemId"] for e in seen["actors"][ELARA]["inventory"]] == [AMULET, POTION]
    assert same_view(manager, player("p1"), seen)


async def test_a_token_move_stays_one_op_when_hidden_combatants_fight(
    manager: StateManager,
) -> None:
    await fight_with_the_boss_second(manager)
    _, frames = await follow(manager, player("p2"))
    await manager.submit({"kind": "move_token", "tokenId": THORIN, "x": 2, "y": 2}, caller("p1"))
    assert frames[0].ops == [
        {
            "op": "replace",
            "path": f"/currentSession/tokenPositions/{THORIN}",
            "value": {"x": 2, "y": 2},
        }
    ]


# -- descriptions --------------------------------------------------------------------


async def test_descriptions_naming_a_hidden_entity_reach_only_the_gm(
    manager: StateManager,
) -> None:
    _, gm_frames = await follow(manager, GM)
    _, bob_frames = await follow(manager, player("p2"))
    await gm(manager, kind="create_actor", data={"name": "Lurker", "hidden": True})
    lurker = next(a for a, e in manager.state["actors"].items() if e["name"] == "Lurker")
    for action in (
        {"kind": "add_combatant", "actorId": BOSS, "encounterId": AMBUSH},
        {"kind": "remove_combatant", "actorId": BOSS, "encounterId": AMBUSH},
        {"kind": "set_current_map", "mapId": LAIR},
        {"kind": "update_actor", "id": BOSS, "set": {"initiativeBonus": 5}},
        {"kind": "assign_actor", "actorId": BOSS, "playerId": "p2"},
        {"kind": "update_item", "id": AMULET, "set": {"description": "Warm now."}},
        {"kind": "delete_actor", "id": lurker},
        {"kind": "undo"},
    ):
        await manager.submit(action, GM_CALLER)
    assert len(bob_frames) == 9
    assert [p.description for p in bob_frames] == [None] * 9
    assert all(p.description for p in gm_frames)
    for secret in ("Lurker", "Goblin Boss", "Goblin Lair", "Cursed Amulet", BOSS, LAIR):
        assert secret not in json.dumps([(p.ops, p.by, p.description) for p in bob_frames])
    # Revealing and hiding send the boss itself, but not "GM revealed Goblin Boss":
    # players could not see it before (or after) the change.
    await gm(manager, kind="reveal", collection="actors", id=BOSS)
    await gm(manager, kind="hide", collection="actors", id=BOSS)
    assert [p.description for p in bob_frames[9:]] == [None, None]
    assert bob_frames[9].ops[0]["op"] == "add"


async def test_descriptions_of_visible_changes_still_reach_players(
    manager: StateManager,
) -> None:
    _, bob_frames = await follow(manager, player("p2"))
    await gm(manager, kind="update_actor", id=PIP, set={"initiativeBonus": 5})
    await gm(manager, kind="start_encounter", encounterId=AMBUSH)
    await gm(manager, kind="undo")
    assert [p.description for p in bob_frames] == [
        "GM updated Pip (initiativeBonus)",
        "GM started the encounter Ambush at the Crossroads",
        "GM undid: GM started the encounter Ambush at the Crossroads",
    ]


async def test_undoing_a_change_named_after_a_hidden_map_does_not_name_it(
    manager: StateManager,
) -> None:
    await gm(manager, kind="set_current_map", mapId=LAIR)
    bob_view, bob_frames = await follow(manager, player("p2"))
    await gm(manager, kind="undo")
    assert manager.state["changeLog"][-1]["description"] == (
        "GM undid: GM opened the map Goblin Lair"
    )
    # Players see the map come back, but not what it replaced.
    assert replay(bob_view, bob_frames)["currentSession"]["currentMapId"] == CROSSROADS
    assert bob_frames[0].by == "gm"
    assert bob_frames[0].description is None


async def test_proposer_sees_an_approval_waiting_without_the_hosts_ops(
    manager: StateManager,
) -> None:
    await fight_with_the_boss_second(manager)
    await gm(manager, kind="update_settings", requireApproval=["next_turn"])
    alice_view, alice_frames = await follow(manager, player("p1"))
    await manager.submit({"kind": "next_turn"}, caller("p1"))
    (pending,) = manager.state["currentSession"]["pendingActions"]
    assert pending["changes"] == [{"op": "replace", "path": "/currentSession/turn", "value": 1}]
    seen = replay(alice_view, alice_frames)
    (mine,) = seen["currentSession"]["pendingActions"]
    assert (mine["kind"], mine["summary"], mine["changes"]) == (
        "next_turn",
        "Alice ended their turn",
        [],
    )
    assert same_view(manager, player("p1"), seen)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/actors", []),
        ("/items", "none"),
        ("/currentSession/tokenPositions", []),
        ("/currentSession/chatMessages", {}),
        ("/actors/a_0005", []),
    ],
    ids=["actors", "items", "positions", "chat", "one-actor"],
)
async def test_a_patch_giving_a_part_the_wrong_shape_is_refused_while_players_watch(
    manager: StateManager, path: str, value: Any
) -> None:
    _, frames = await follow(manager, player("p1"))
    ops = [{"op": "replace", "path": path, "value": value}]
    await refused(manager, {"kind": "patch", "ops": ops}, GM_CALLER, Invalid)
    assert frames == []
