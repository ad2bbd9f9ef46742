"""What players read of NPCs' hit points: gmSettings.npcHitPoints, filtered on the host."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.vtt_host.conftest import caller
from tests.vtt_host.test_views import follow, replay, same_view
from vtt_host.actions import GM_CALLER
from vtt_host.errors import ActionError, Invalid
from vtt_host.manager import Queued, StateManager
from vtt_host.views import hit_point_status, player, view

THORIN, GOBLIN_1, GOBLIN_2, BOSS = "a_0005", "a_0008", "a_0009", "a_0010"


async def gm(manager: StateManager, **action: Any) -> None:
    await manager.submit(action, GM_CALLER)


def hp_path(actor_id: str, field: str | None = None) -> str:
    return f"/actors/{actor_id}/hp" + (f"/{field}" if field else "")


async def wound(manager: StateManager, actor_id: str, current: int) -> None:
    ops = [{"op": "replace", "path": hp_path(actor_id, "current"), "value": current}]
    await gm(manager, kind="patch", ops=ops)


def hp_seen(manager: StateManager, player_id: str, actor_id: str) -> Any:
    return view(dict(manager.state), player(player_id))["actors"][actor_id]["hp"]


@pytest.mark.parametrize(
    ("current", "most", "status"),
    [
        (7, 7, "unhurt"),
        (9, 7, "unhurt"),
        (6, 7, "wounded"),
        (4, 7, "wounded"),
        (3, 7, "bloodied"),
        (5, 10, "bloodied"),
        (1, 10, "bloodied"),
        (0, 10, "down"),
        (-3, 10, "down"),
    ],
)
def test_the_status_follows_current_against_max(current: int, most: int, status: str) -> None:
    assert hit_point_status({"current": current, "max": most, "temp": 5}) == status


def test_a_new_campaign_shows_players_a_status_for_npcs_and_numbers_for_heroes(
    manager: StateManager,
) -> None:
    assert manager.state["currentSession"]["gmSettings"]["npcHitPoints"] == "bloodied"
    assert hp_seen(manager, "p2", GOBLIN_1) == {"status": "unhurt"}
    assert hp_seen(manager, "p2", THORIN) == {"current": 12, "max": 12, "temp": 0}
    assert view(dict(manager.state), player("p2"))["actors"][GOBLIN_1]["name"] == "Goblin 1"


async def test_an_npcs_hp_change_that_keeps_its_status_sends_players_nothing(
    manager: StateManager,
) -> None:
    bob_view, bob_frames = await follow(manager, player("p2"))

    await wound(manager, GOBLIN_1, 6)  # unhurt -> wounded
    await wound(manager, GOBLIN_1, 5)  # still wounded
    await gm(manager, kind="update_actor", id=GOBLIN_1, set={"hp": {"current": 4, "max": 7}})
    await wound(manager, GOBLIN_1, 3)  # bloodied

    assert bob_frames[0].ops == [
        {"op": "replace", "path": hp_path(GOBLIN_1), "value": {"status": "wounded"}}
    ]
    for quiet in bob_frames[1:3]:
        assert (quiet.ops, quiet.by, quiet.description) == ([], None, None)
    assert bob_frames[3].ops == [
        {"op": "replace", "path": hp_path(GOBLIN_1), "value": {"status": "bloodied"}}
    ]
    received = json.dumps([p.ops for p in bob_frames])
    assert '"current"' not in received
    assert same_view(manager, player("p2"), replay(bob_view, bob_frames))


async def test_with_none_players_read_no_npc_hp_at_all(manager: StateManager) -> None:
    await gm(manager, kind="update_settings", npcHitPoints="none")
    bob_view, bob_frames = await follow(manager, player("p2"))

    await wound(manager, GOBLIN_1, 0)

    assert hp_seen(manager, "p2", GOBLIN_1) is None
    assert bob_frames[0].ops == []
    assert hp_seen(manager, "p2", THORIN)["current"] == 12
    assert same_view(manager, player("p2"), replay(bob_view, bob_frames))


async def test_with_exact_players_read_npc_hp_as_it_is(manager: StateManager) -> None:
    await gm(manager, kind="update_settings", npcHitPoints="exact")
    _, bob_frames = await follow(manager, player("p2"))

    await wound(manager, GOBLIN_1, 5)

    assert bob_frames[0].ops == [
        {"op": "replace", "path": hp_path(GOBLIN_1, "current"), "value": 5}
    ]


async def test_changing_the_setting_resends_every_npcs_hp_in_the_same_patch(
    manager: StateManager,
) -> None:
    await wound(manager, GOBLIN_2, 2)
    alice_view, alice_frames = await follow(manager, player("p1"))
    cleo_view, cleo_frames = await follow(manager, player("p3"))

    await gm(manager, kind="update_settings", npcHitPoints="exact", notes="boss in round 2")

    (frame,) = alice_frames
    assert sorted(frame.ops, key=lambda o: o["path"]) == [
        {"op": "replace", "path": hp_path(GOBLIN_1), "value": {"current": 7, "max": 7, "temp": 0}},
        {"op": "replace", "path": hp_path(GOBLIN_2), "value": {"current": 2, "max": 7, "temp": 0}},
    ]
    assert "boss in round 2" not in json.dumps(frame.ops)
    assert BOSS not in json.dumps(frame.ops)  # hidden: nothing of it moves
    assert cleo_frames[0].ops == frame.ops
    await gm(manager, kind="update_settings", npcHitPoints="bloodied")
    assert alice_frames[1].ops[0]["value"] in ({"status": "unhurt"}, {"status": "bloodied"})
    assert same_view(manager, player("p1"), replay(alice_view, alice_frames))
    assert same_view(manager, player("p3"), replay(cleo_view, cleo_frames))


async def test_an_npc_given_to_a_player_shows_them_its_numbers(manager: StateManager) -> None:
    await wound(manager, GOBLIN_1, 5)
    alice_view, alice_frames = await follow(manager, player("p1"))
    bob_view, bob_frames = await follow(manager, player("p2"))

    await gm(manager, kind="assign_actor", actorId=GOBLIN_1, playerId="p1")

    assert alice_frames[0].ops == [
        {"op": "replace", "path": f"/actors/{GOBLIN_1}/owner", "value": "p1"},
        {"op": "replace", "path": hp_path(GOBLIN_1), "value": {"current": 5, "max": 7, "temp": 0}},
    ]
    assert bob_frames[0].ops == [
        {"op": "replace", "path": f"/actors/{GOBLIN_1}/owner", "value": "p1"}
    ]
    await wound(manager, GOBLIN_1, 4)
    assert alice_frames[1].ops == [
        {"op": "replace", "path": hp_path(GOBLIN_1, "current"), "value": 4}
    ]
    assert bob_frames[1].ops == []
    await gm(manager, kind="assign_actor", actorId=GOBLIN_1, playerId=None)
    assert alice_frames[2].ops[-1] == {
        "op": "replace",
        "path": hp_path(GOBLIN_1),
        "value": {"status": "wounded"},
    }
    assert same_view(manager, player("p1"), replay(alice_view, alice_frames))
    assert same_view(manager, player("p2"), replay(bob_view, bob_frames))


async def test_an_npc_made_a_player_character_shows_everyone_its_numbers(
    manager: StateManager,
) -> None:
    bob_view, bob_frames = await follow(manager, player("p2"))

    await gm(manager, kind="update_actor", id=GOBLIN_1, set={"type": "character"})

    assert hp_seen(manager, "p2", GOBLIN_1) == {"current": 7, "max": 7, "temp": 0}
    assert same_view(manager, player("p2"), replay(bob_view, bob_frames))


async def test_a_proposal_testing_an_npcs_hidden_numbers_is_answered_the_same_either_way(
    manager: StateManager,
) -> None:
    """The player reads a status: a test op on the number is refused as a path their
    view does not have, whether the guess is right or wrong."""
    answers = []
    for guess in (7, 6):
        action = {
            "kind": "propose",
            "summary": "is it 7?",
            "changes": [{"op": "test", "path": hp_path(GOBLIN_1, "current"), "value": guess}],
        }
        try:
            await manager.submit(action, caller("p2"))
        except ActionError as error:
            answers.append((error.code, error.message))
    assert len(answers) == 2
    assert answers[0] == answers[1]
    assert answers[0][0] == Invalid.code


async def test_players_still_propose_changes_to_an_npc_they_read_as_a_status(
    manager: StateManager,
) -> None:
    potion = {"itemId": "i_0001", "quantity": 1, "equipped": False}
    action = {
        "kind": "propose",
        "summary": "I give the goblin a potion",
        "changes": [{"op": "add", "path": f"/actors/{GOBLIN_1}/inventory/-", "value": potion}],
    }

    outcome = await manager.submit(action, caller("p2"))

    assert isinstance(outcome, Queued)
