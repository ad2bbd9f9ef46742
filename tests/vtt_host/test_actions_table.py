"""Table actions anyone may take (move_token, chat, roll) and host-sent presence."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.vtt_host.conftest import actor_named, caller, ids, refused, table_state
from vtt_host import dice
from vtt_host.actions import GM_CALLER, Caller
from vtt_host.errors import Forbidden, Invalid, NotFound
from vtt_host.manager import Applied, Published, StateManager
from vtt_host.schema import CHAT_HISTORY_LIMIT
from vtt_host.views import player


def position(manager: StateManager, name: str) -> dict[str, int] | None:
    actor_id = actor_named(manager.state, name)
    result: dict[str, int] | None = manager.state["currentSession"]["tokenPositions"].get(actor_id)
    return result


def last_log(manager: StateManager) -> dict[str, Any]:
    entry: dict[str, Any] = manager.state["changeLog"][-1]
    return entry


def messages(manager: StateManager) -> list[dict[str, Any]]:
    chat: list[dict[str, Any]] = manager.state["currentSession"]["chatMessages"]
    return chat


def move(manager: StateManager, name: str, x: int, y: int) -> dict[str, Any]:
    return {"kind": "move_token", "tokenId": actor_named(manager.state, name), "x": x, "y": y}


# -- move_token ----------------------------------------------------------------------


async def test_owner_moves_their_token(manager: StateManager) -> None:
    outcome = await manager.submit(move(manager, "Thorin", 6, 7), caller("p1"))

    assert outcome == Applied(1)
    assert manager.version == 1
    assert position(manager, "Thorin") == {"x": 6, "y": 7}
    assert last_log(manager)["description"] == "Alice moved Thorin to (6, 7)"
    assert last_log(manager)["by"] == "p1"


async def test_token_move_is_a_single_replace_op(manager: StateManager) -> None:
    await manager.submit(move(manager, "Thorin", 6, 7), caller("p1"))

    (record,) = manager.history_since(0) or []
    thorin = actor_named(manager.state, "Thorin")
    changes = [op for op in record.ops if not op["path"].startswith("/changeLog")]
    assert changes == [
        {
            "op": "replace",
            "path": f"/currentSession/tokenPositions/{thorin}",
            "value": {"x": 6, "y": 7},
        }
    ]


async def test_moving_an_actor_without_a_position_places_it(manager: StateManager) -> None:
    created = await manager.submit(
        {"kind": "create_actor", "data": {"name": "Wolf", "type": "monster"}}, GM_CALLER
    )
    wolf = created.extra["id"]

    await manager.submit({"kind": "move_token", "tokenId": wolf, "x": 0, "y": 0}, GM_CALLER)

    assert manager.state["currentSession"]["tokenPositions"][wolf] == {"x": 0, "y": 0}


async def test_gm_moves_any_token_including_hidden_ones(manager: StateManager) -> None:
    await manager.submit(move(manager, "Elara", 1, 1), GM_CALLER)
    await manager.submit(move(manager, "Goblin Boss", 2, 2), GM_CALLER)

    assert position(manager, "Elara") == {"x": 1, "y": 1}
    assert position(manager, "Goblin Boss") == {"x": 2, "y": 2}
    assert last_log(manager)["description"] == "GM moved Goblin Boss to (2, 2)"
    assert manager.version == 2


async def test_player_cannot_move_another_players_token(manager: StateManager) -> None:
    error = await refused(manager, move(manager, "Elara", 1, 1), caller("p1"), Forbidden)
    assert "Elara" in error.message


async def test_player_cannot_move_an_unowned_monster(manager: StateManager) -> None:
    await refused(manager, move(manager, "Goblin 1", 1, 1), caller("p1"), Forbidden)


async def test_player_naming_a_hidden_actor_is_told_it_does_not_exist(
    manager: StateManager,
) -> None:
    boss = actor_named(manager.state, "Goblin Boss")
    hidden = await refused(
        manager, {"kind": "move_token", "tokenId": boss, "x": 1, "y": 1}, caller("p1"), NotFound
    )
    missing = await refused(
        manager, {"kind": "move_token", "tokenId": "a_9999", "x": 1, "y": 1}, caller("p1"), NotFound
    )
    assert hidden.message.replace(boss, "ID") == missing.message.replace("a_9999", "ID")


async def test_moving_an_unknown_token_is_not_found(manager: StateManager) -> None:
    await refused(
        manager, {"kind": "move_token", "tokenId": "a_9999", "x": 1, "y": 1}, GM_CALLER, NotFound
    )


@pytest.mark.parametrize(("x", "y"), [(-1, 0), (0, -1), (24, 0), (0, 16), (23, 16)])
async def test_move_off_the_current_map_is_invalid(manager: StateManager, x: int, y: int) -> None:
    error = await refused(manager, move(manager, "Thorin", x, y), caller("p1"), Invalid)
    assert "off the map" in error.message


async def test_move_to_the_far_corner_of_the_map_is_allowed(manager: StateManager) -> None:
    await manager.submit(move(manager, "Thorin", 23, 15), caller("p1"))
    assert position(manager, "Thorin") == {"x": 23, "y": 15}


async def test_without_a_current_map_tokens_are_not_bounded_by_a_grid(
    manager: StateManager,
) -> None:
    await manager.submit({"kind": "set_current_map", "mapId": None}, GM_CALLER)

    await manager.submit(move(manager, "Thorin", 500, -40), caller("p1"))

    assert position(manager, "Thorin") == {"x": 500, "y": -40}


async def test_a_players_move_is_not_checked_against_a_hidden_map(
    manager: StateManager,
) -> None:
    # The players see no current map, so the lair's grid must not answer for it: an
    # "off the map" here would tell them how big the hidden map is.
    await manager.submit({"kind": "set_current_map", "mapId": "m_0012"}, GM_CALLER)

    await manager.submit(move(manager, "Thorin", 21, 21), caller("p1"))

    assert position(manager, "Thorin") == {"x": 21, "y": 21}
    await refused(manager, move(manager, "Goblin 1", 21, 21), GM_CALLER, Invalid)


@pytest.mark.parametrize(
    "fields",
    [
        {"x": 1.5},
        {"y": None},
        {"x": 10_001},
        {"tokenId": "not an id!"},
        {"speed": 30},
    ],
    ids=["x-fraction", "y-null", "x-too-far", "bad-id", "extra-field"],
)
async def test_move_token_with_bad_fields_is_invalid(
    manager: StateManager, fields: dict[str, Any]
) -> None:
    action = {**move(manager, "Thorin", 1, 1), **fields}
    await refused(manager, action, caller("p1"), Invalid)


async def test_move_token_without_coordinates_is_invalid(manager: StateManager) -> None:
    action = {"kind": "move_token", "tokenId": actor_named(manager.state, "Thorin")}
    await refused(manager, action, caller("p1"), Invalid)


async def test_unknown_action_kind_is_invalid(manager: StateManager) -> None:
    error = await refused(manager, {"kind": "teleport", "to": "moon"}, caller("p1"), Invalid)
    assert "teleport" in error.message


async def test_action_without_a_kind_is_invalid(manager: StateManager) -> None:
    await refused(manager, {"text": "hello"}, caller("p1"), Invalid)


# -- remove_token --------------------------------------------------------------------


async def test_gm_takes_a_token_off_the_map_and_players_lose_it(manager: StateManager) -> None:
    thorin = actor_named(manager.state, "Thorin")
    received: list[Published] = []
    _, view, _ = await manager.attach(player("p2"), received.append)
    assert thorin in view["currentSession"]["tokenPositions"]

    await manager.submit({"kind": "remove_token", "tokenId": thorin}, GM_CALLER)

    assert thorin not in manager.state["currentSession"]["tokenPositions"]
    assert thorin in manager.state["actors"]
    assert last_log(manager)["description"] == "GM took Thorin's token off the map"
    (published,) = received
    assert published.ops == [{"op": "remove", "path": f"/currentSession/tokenPositions/{thorin}"}]
    assert published.description == "GM took Thorin's token off the map"


async def test_removing_a_hidden_token_tells_players_nothing(manager: StateManager) -> None:
    boss = actor_named(manager.state, "Goblin Boss")
    received: list[Published] = []
    await manager.attach(player("p2"), received.append)

    await manager.submit({"kind": "remove_token", "tokenId": boss}, GM_CALLER)

    assert boss not in manager.state["currentSession"]["tokenPositions"]
    assert all("Goblin Boss" not in str(p.description) for p in received)
    assert all(not p.ops for p in received)


async def test_removing_a_token_that_is_not_on_the_map_is_not_found(
    manager: StateManager,
) -> None:
    thorin = actor_named(manager.state, "Thorin")
    await manager.submit({"kind": "remove_token", "tokenId": thorin}, GM_CALLER)

    error = await refused(manager, {"kind": "remove_token", "tokenId": thorin}, GM_CALLER, NotFound)
    assert "Thorin has no token" in error.message


async def test_players_cannot_take_tokens_off_the_map(manager: StateManager) -> None:
    thorin = actor_named(manager.state, "Thorin")
    await refused(manager, {"kind": "remove_token", "tokenId": thorin}, caller("p1"), Forbidden)


async def test_removing_a_token_is_undone_with_its_position(manager: StateManager) -> None:
    thorin = actor_named(manager.state, "Thorin")
    before = dict(manager.state["currentSession"]["tokenPositions"][thorin])
    await manager.submit({"kind": "remove_token", "tokenId": thorin}, GM_CALLER)

    await manager.submit({"kind": "undo"}, GM_CALLER)

    assert manager.state["currentSession"]["tokenPositions"][thorin] == before


# -- chat ----------------------------------------------------------------------------


async def test_chat_message_is_appended_with_its_sender(manager: StateManager) -> None:
    outcome = await manager.submit({"kind": "chat", "text": "  hello all  "}, caller("p2"))

    assert outcome == Applied(1)
    assert messages(manager) == [
        {
            "id": "m_n0001",
            "from": "p2",
            "fromName": "Bob",
            "text": "hello all",
            "to": None,
            "at": 5_000,
            "roll": None,
        }
    ]
    assert last_log(manager)["description"] == "Bob: hello all"


async def test_chat_description_shows_at_most_80_characters(manager: StateManager) -> None:
    text = "x" * 200
    await manager.submit({"kind": "chat", "text": text}, caller("p2"))

    assert messages(manager)[-1]["text"] == text
    assert last_log(manager)["description"] == "Bob: " + "x" * 80


async def test_whisper_description_does_not_reveal_the_text(manager: StateManager) -> None:
    await manager.submit({"kind": "chat", "text": "the boss is near", "to": "gm"}, caller("p1"))
    await manager.submit({"kind": "chat", "text": "run", "to": "p2"}, caller("p1"))
    await manager.submit({"kind": "chat", "text": "a secret", "to": "p3"}, GM_CALLER)

    assert [m["to"] for m in messages(manager)] == ["gm", "p2", "p3"]
    descriptions = [entry["description"] for entry in manager.state["changeLog"]]
    assert descriptions == [
        "Alice whispered to GM",
        "Alice whispered to Bob",
        "GM whispered to Cleo",
    ]
    assert manager.version == 3


async def test_chat_history_drops_the_oldest_message_past_the_limit() -> None:
    state = table_state()
    state["currentSession"]["chatMessages"] = [
        {"id": f"m_{i}", "from": "p1", "fromName": "Alice", "text": str(i), "to": None, "at": 1}
        | {"roll": None}
        for i in range(CHAT_HISTORY_LIMIT)
    ]
    manager = StateManager(state, make_id=ids("n"), clock=lambda: 5_000)

    await manager.submit({"kind": "chat", "text": "newest"}, caller("p2"))

    chat = messages(manager)
    assert len(chat) == CHAT_HISTORY_LIMIT
    assert chat[0]["text"] == "1"
    assert chat[-1]["text"] == "newest"


@pytest.mark.parametrize(
    "fields",
    [{"text": ""}, {"text": "   "}, {"text": "x" * 2001}, {"text": 42}, {"colour": "red"}],
    ids=["empty", "blank", "too-long", "not-text", "extra-field"],
)
async def test_chat_with_bad_fields_is_invalid(
    manager: StateManager, fields: dict[str, Any]
) -> None:
    await refused(manager, {"kind": "chat", "text": "hi", **fields}, caller("p1"), Invalid)


async def test_whisper_to_yourself_is_invalid(manager: StateManager) -> None:
    await refused(manager, {"kind": "chat", "text": "hi", "to": "p1"}, caller("p1"), Invalid)


async def test_whisper_to_an_unknown_player_is_not_found(manager: StateManager) -> None:
    await refused(manager, {"kind": "chat", "text": "hi", "to": "p_ghost"}, caller("p1"), NotFound)


# -- roll ----------------------------------------------------------------------------


async def test_roll_posts_the_result_to_chat(manager: StateManager) -> None:
    expected = dice.roll("2d6+3", random.Random(7))

    outcome = await manager.submit(
        {"kind": "roll", "expr": "2d6 + 3", "label": "Damage"}, caller("p3")
    )

    assert outcome == Applied(1, {"total": expected.total})
    (message,) = messages(manager)
    assert message["from"] == "p3"
    assert message["to"] is None
    assert message["text"] == f"Damage: {expected.describe()}"
    assert message["roll"] == {**expected.to_json(), "label": "Damage"}
    assert last_log(manager)["description"] == f"Cleo rolled 2d6+3 = {expected.total}"


async def test_roll_without_a_label_shows_just_the_dice(manager: StateManager) -> None:
    await manager.submit({"kind": "roll", "expr": "1d20"}, GM_CALLER)

    (message,) = messages(manager)
    assert message["text"].startswith("1d20 = [")
    assert message["roll"]["label"] is None
    assert 1 <= message["roll"]["total"] <= 20


async def test_roll_can_be_whispered_to_the_gm(manager: StateManager) -> None:
    await manager.submit({"kind": "roll", "expr": "d20adv", "to": "gm"}, caller("p1"))

    (message,) = messages(manager)
    assert message["to"] == "gm"
    assert len(message["roll"]["terms"][0]["dice"]) == 2


@pytest.mark.parametrize("expr", ["", "2d", "3d0", "fireball", "d20" * 100])
async def test_roll_with_a_bad_expression_is_invalid(manager: StateManager, expr: str) -> None:
    await refused(manager, {"kind": "roll", "expr": expr}, caller("p1"), Invalid)


@pytest.mark.parametrize(
    "fields",
    [{"label": "x" * 201}, {"to": "p1"}, {"advantage": True}],
    ids=["label-too-long", "to-self", "extra-field"],
)
async def test_roll_with_bad_fields_is_invalid(
    manager: StateManager, fields: dict[str, Any]
) -> None:
    await refused(manager, {"kind": "roll", "expr": "1d20", **fields}, caller("p1"), Invalid)


async def test_roll_whispered_to_an_unknown_player_is_not_found(manager: StateManager) -> None:
    await refused(
        manager, {"kind": "roll", "expr": "1d20", "to": "p_ghost"}, caller("p1"), NotFound
    )


# -- presence (sent by the host itself) ----------------------------------------------


async def test_join_registers_a_new_player_and_marks_them_connected(
    manager: StateManager,
) -> None:
    version = await manager.join("p_new", "Dana")

    assert version == manager.version == 1
    assert manager.state["players"]["p_new"] == {
        "id": "p_new",
        "name": "Dana",
        "joinedAt": 5_000,
        "lastSeenAt": 5_000,
    }
    connected = manager.state["currentSession"]["connectedPlayers"]
    assert connected == [{"playerId": "p_new", "name": "Dana", "since": 5_000}]
    assert last_log(manager)["description"] == "Dana joined"


async def test_leave_marks_a_player_disconnected(manager: StateManager) -> None:
    await manager.join("p1", "Alice")

    assert await manager.leave("p1") == 2
    assert manager.state["currentSession"]["connectedPlayers"] == []
    assert "p1" in manager.state["players"]
    assert await manager.leave("p1") is None
    assert manager.version == 2


async def test_joining_and_leaving_stamp_when_the_player_was_last_seen() -> None:
    now = [5_000]
    manager = StateManager(table_state(), make_id=ids("n"), clock=lambda: now[0])
    assert "lastSeenAt" not in manager.state["players"]["p1"]
    await manager.join("p1", "Alice")
    assert manager.state["players"]["p1"]["lastSeenAt"] == 5_000
    now[0] = 9_000
    await manager.leave("p1")
    assert manager.state["players"]["p1"]["lastSeenAt"] == 9_000
    assert manager.state["players"]["p1"]["joinedAt"] == 1_000


async def test_forgetting_players_removes_them_in_one_change(manager: StateManager) -> None:
    await manager.join("p_a", "Ann")
    await manager.join("p_b", "Ben")
    await manager.leave("p_a")
    await manager.leave("p_b")
    version = manager.version

    assert await manager.forget_players(["p_a", "p_b", "p_gone"]) == version + 1
    assert "p_a" not in manager.state["players"]
    assert "p_b" not in manager.state["players"]
    assert last_log(manager)["description"] == "2 players who never came back forgotten"
    assert await manager.forget_players(["p_a"]) is None
    assert manager.version == version + 1


async def test_forgetting_a_player_who_owns_an_actor_is_refused(manager: StateManager) -> None:
    with pytest.raises(Invalid):
        await manager.forget_players(["p1"])
    assert "p1" in manager.state["players"]
    assert manager.version == 0


async def test_gm_removes_a_player_and_takes_back_their_actors(manager: StateManager) -> None:
    thorin = actor_named(manager.state, "Thorin")
    proposal = {
        "kind": "propose",
        "summary": "heal",
        "changes": [{"op": "replace", "path": f"/actors/{thorin}/hp/current", "value": 3}],
    }
    await manager.submit(proposal, caller("p1"))
    await manager.submit(proposal, caller("p2"))

    await manager.submit({"kind": "remove_player", "playerId": "p1"}, GM_CALLER)

    assert "p1" not in manager.state["players"]
    assert manager.state["actors"][thorin]["owner"] is None
    pending = manager.state["currentSession"]["pendingActions"]
    assert [p["playerId"] for p in pending] == ["p2"]
    assert last_log(manager)["description"] == "GM removed Alice"


async def test_gm_cannot_remove_a_connected_player(manager: StateManager) -> None:
    await manager.join("p1", "Alice")
    refusal = await refused(
        manager, {"kind": "remove_player", "playerId": "p1"}, GM_CALLER, Invalid
    )
    assert "kick them first" in refusal.message


async def test_players_cannot_remove_players(manager: StateManager) -> None:
    await refused(manager, {"kind": "remove_player", "playerId": "p2"}, caller("p1"), Forbidden)


@pytest.mark.parametrize("who", [GM_CALLER, caller("p1")], ids=["gm", "player"])
@pytest.mark.parametrize(
    "action",
    [
        {"kind": "join", "playerId": "p9", "name": "Eve"},
        {"kind": "leave", "playerId": "p1"},
        {"kind": "forget_players", "playerIds": ["p1"]},
    ],
    ids=["join", "leave", "forget"],
)
async def test_clients_cannot_send_presence_changes(
    manager: StateManager, action: dict[str, Any], who: Caller
) -> None:
    await manager.join("p1", "Alice")
    await refused(manager, action, who, Forbidden)
