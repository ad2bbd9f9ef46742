"""Per-player views and op filtering, on hand-picked cases the property test may miss."""

from __future__ import annotations

import json
from typing import Any

import jsonpatch

from tests.vtt_host.conftest import actor_named, caller
from vtt_host.actions import GM_CALLER
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
