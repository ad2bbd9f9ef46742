"""Handouts: prepared in secret, shown to everyone or to some players, never leaking."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.vtt_host.conftest import caller, refused
from tests.vtt_host.test_views import follow, replay, same_view
from vtt_host.actions import GM_CALLER
from vtt_host.errors import Forbidden, Invalid, NotFound
from vtt_host.manager import Applied, StateManager
from vtt_host.views import GM, player, view

LETTER = "h_n0001"
SECRET_TEXT = "The baron is the smuggler."


async def gm(manager: StateManager, **action: Any) -> Applied:
    outcome = await manager.submit(action, GM_CALLER)
    assert isinstance(outcome, Applied)
    return outcome


async def write_the_letter(manager: StateManager, **data: Any) -> str:
    outcome = await gm(
        manager,
        kind="create_handout",
        data={"name": "The Letter", "text": SECRET_TEXT, "gmNotes": "forged", **data},
    )
    return str(outcome.extra["id"])


def handouts_seen(manager: StateManager, player_id: str) -> dict[str, Any]:
    seen: dict[str, Any] = view(dict(manager.state), player(player_id))["handouts"]
    return seen


# -- creating, updating, deleting ------------------------------------------------------


async def test_gm_creates_a_handout_that_stays_hidden_until_revealed(
    manager: StateManager,
) -> None:
    _, alice_frames = await follow(manager, player("p1"))

    handout_id = await write_the_letter(manager)

    assert handout_id == LETTER
    assert manager.state["handouts"][LETTER] == {
        "id": LETTER,
        "name": "The Letter",
        "text": SECRET_TEXT,
        "imageAsset": None,
        "hidden": True,
        "sharedWith": None,
        "gmNotes": "forged",
    }
    assert manager.state["changeLog"][-1]["description"] == "GM created handout The Letter"
    (frame,) = alice_frames
    assert (frame.ops, frame.by, frame.description) == ([], None, None)
    assert handouts_seen(manager, "p1") == {}


async def test_a_handout_text_is_at_most_20000_characters(manager: StateManager) -> None:
    action = {"kind": "create_handout", "data": {"name": "Tome", "text": "x" * 20_001}}
    await refused(manager, action, GM_CALLER, Invalid)


async def test_a_handout_created_open_reaches_everyone_with_its_description(
    manager: StateManager,
) -> None:
    _, bob_frames = await follow(manager, player("p2"))

    await write_the_letter(manager, hidden=False)

    (frame,) = bob_frames
    assert frame.ops == [
        {
            "op": "add",
            "path": f"/handouts/{LETTER}",
            "value": {"id": LETTER, "name": "The Letter", "text": SECRET_TEXT, "imageAsset": None},
        }
    ]
    assert frame.description == "GM created handout The Letter"


async def test_updating_a_handout_reaches_only_the_players_it_is_shown_to(
    manager: StateManager,
) -> None:
    await write_the_letter(manager)
    await gm(manager, kind="reveal", collection="handouts", id=LETTER, playerIds=["p1"])
    alice_view, alice_frames = await follow(manager, player("p1"))
    bob_view, bob_frames = await follow(manager, player("p2"))

    await gm(manager, kind="update_handout", id=LETTER, set={"text": "Burn after reading."})

    assert alice_frames[0].ops == [
        {"op": "replace", "path": f"/handouts/{LETTER}/text", "value": "Burn after reading."}
    ]
    assert alice_frames[0].description == "GM updated The Letter (text)"
    assert (bob_frames[0].ops, bob_frames[0].description, bob_frames[0].by) == ([], None, None)
    assert same_view(manager, player("p1"), replay(alice_view, alice_frames))
    assert same_view(manager, player("p2"), replay(bob_view, bob_frames))


async def test_deleting_a_handout_removes_it_from_its_readers(manager: StateManager) -> None:
    await write_the_letter(manager, hidden=False)
    alice_view, alice_frames = await follow(manager, player("p1"))

    await gm(manager, kind="delete_handout", id=LETTER)

    assert LETTER not in manager.state["handouts"]
    assert alice_frames[0].ops == [{"op": "remove", "path": f"/handouts/{LETTER}"}]
    assert alice_frames[0].description == "GM deleted handout The Letter"
    assert same_view(manager, player("p1"), replay(alice_view, alice_frames))


# -- revealing and hiding ------------------------------------------------------------


async def test_revealing_a_handout_to_one_player_shows_it_to_them_alone(
    manager: StateManager,
) -> None:
    await write_the_letter(manager)
    alice_view, alice_frames = await follow(manager, player("p1"))
    bob_view, bob_frames = await follow(manager, player("p2"))
    _, gm_frames = await follow(manager, GM)

    await gm(manager, kind="reveal", collection="handouts", id=LETTER, playerIds=["p1"])

    handout = manager.state["handouts"][LETTER]
    assert (handout["hidden"], handout["sharedWith"]) == (False, ["p1"])
    (added,) = alice_frames[0].ops
    assert added["op"] == "add"
    assert added["value"] == {
        "id": LETTER,
        "name": "The Letter",
        "text": SECRET_TEXT,
        "imageAsset": None,
    }
    # Who else reads it is the GM's to know: not in Alice's view, nor in any text.
    assert gm_frames[0].description == "GM showed The Letter to Alice"
    assert alice_frames[0].description is None
    bob_received = json.dumps([(p.ops, p.by, p.description) for p in bob_frames])
    for secret in (LETTER, "The Letter", SECRET_TEXT, "forged"):
        assert secret not in bob_received
    assert bob_frames[0].ops == []
    assert same_view(manager, player("p1"), replay(alice_view, alice_frames))
    assert same_view(manager, player("p2"), replay(bob_view, bob_frames))


async def test_revealing_to_more_players_later_keeps_the_first_ones(
    manager: StateManager,
) -> None:
    await write_the_letter(manager)
    await gm(manager, kind="reveal", collection="handouts", id=LETTER, playerIds=["p1"])
    alice_view, alice_frames = await follow(manager, player("p1"))
    bob_view, bob_frames = await follow(manager, player("p2"))

    await gm(manager, kind="reveal", collection="handouts", id=LETTER, playerIds=["p2", "p1"])

    assert manager.state["handouts"][LETTER]["sharedWith"] == ["p1", "p2"]
    # Alice already had it: nothing tells her that Bob now reads it too.
    assert (alice_frames[0].ops, alice_frames[0].description, alice_frames[0].by) == (
        [],
        None,
        None,
    )
    assert bob_frames[0].ops[0]["op"] == "add"
    assert set(handouts_seen(manager, "p2")) == {LETTER}
    assert handouts_seen(manager, "p3") == {}
    assert same_view(manager, player("p1"), replay(alice_view, alice_frames))
    assert same_view(manager, player("p2"), replay(bob_view, bob_frames))


async def test_revealing_to_everyone_shows_it_to_the_rest_of_the_table(
    manager: StateManager,
) -> None:
    await write_the_letter(manager)
    await gm(manager, kind="reveal", collection="handouts", id=LETTER, playerIds=["p1"])
    cleo_view, cleo_frames = await follow(manager, player("p3"))

    await gm(manager, kind="reveal", collection="handouts", id=LETTER)

    assert manager.state["handouts"][LETTER]["sharedWith"] is None
    assert [o["op"] for o in cleo_frames[0].ops] == ["add"]
    assert all(LETTER in handouts_seen(manager, pid) for pid in ("p1", "p2", "p3"))
    assert same_view(manager, player("p3"), replay(cleo_view, cleo_frames))


async def test_hiding_a_handout_takes_it_back_from_everyone(manager: StateManager) -> None:
    await write_the_letter(manager)
    await gm(manager, kind="reveal", collection="handouts", id=LETTER, playerIds=["p1", "p2"])
    alice_view, alice_frames = await follow(manager, player("p1"))
    cleo_view, cleo_frames = await follow(manager, player("p3"))

    await gm(manager, kind="hide", collection="handouts", id=LETTER)

    handout = manager.state["handouts"][LETTER]
    assert (handout["hidden"], handout["sharedWith"]) == (True, None)
    assert alice_frames[0].ops == [{"op": "remove", "path": f"/handouts/{LETTER}"}]
    assert alice_frames[0].description is None
    assert cleo_frames[0].ops == []
    assert same_view(manager, player("p1"), replay(alice_view, alice_frames))
    assert same_view(manager, player("p3"), replay(cleo_view, cleo_frames))
    # Revealed again to Bob alone, it starts afresh: Alice does not get it back.
    await gm(manager, kind="reveal", collection="handouts", id=LETTER, playerIds=["p2"])
    assert manager.state["handouts"][LETTER]["sharedWith"] == ["p2"]
    assert handouts_seen(manager, "p1") == {}


async def test_a_players_view_of_a_handout_never_holds_its_sharing_or_notes(
    manager: StateManager,
) -> None:
    await write_the_letter(manager)
    await gm(manager, kind="reveal", collection="handouts", id=LETTER, playerIds=["p1", "p3"])

    seen = handouts_seen(manager, "p1")[LETTER]

    assert set(seen) == {"id", "name", "text", "imageAsset"}


@pytest.mark.parametrize(
    ("action", "error"),
    [
        ({"kind": "reveal", "collection": "actors", "id": "a_0010", "playerIds": ["p1"]}, Invalid),
        ({"kind": "hide", "collection": "handouts", "id": LETTER, "playerIds": ["p1"]}, Invalid),
        ({"kind": "reveal", "collection": "handouts", "id": LETTER, "playerIds": []}, Invalid),
        ({"kind": "reveal", "collection": "handouts", "id": LETTER, "playerIds": ["p9"]}, NotFound),
        ({"kind": "reveal", "collection": "handouts", "id": "h_ghost"}, NotFound),
        ({"kind": "hide", "collection": "handouts", "id": LETTER}, Invalid),
    ],
    ids=[
        "player-ids-for-an-actor",
        "player-ids-to-hide",
        "no-players",
        "unknown-player",
        "unknown-handout",
        "already-hidden",
    ],
)
async def test_revealing_or_hiding_wrongly_is_refused(
    manager: StateManager, action: dict[str, Any], error: type[Exception]
) -> None:
    await write_the_letter(manager)
    await refused(manager, action, GM_CALLER, error)  # type: ignore[arg-type]


async def test_revealing_what_everyone_already_reads_is_refused(manager: StateManager) -> None:
    await write_the_letter(manager, hidden=False)
    for extra in ({}, {"playerIds": ["p1"]}):
        action = {"kind": "reveal", "collection": "handouts", "id": LETTER, **extra}
        await refused(manager, action, GM_CALLER, Invalid)


async def test_only_the_gm_handles_handouts(manager: StateManager) -> None:
    await write_the_letter(manager, hidden=False)
    for action in (
        {"kind": "create_handout", "data": {"name": "Forgery"}},
        {"kind": "update_handout", "id": LETTER, "set": {"text": "mine now"}},
        {"kind": "delete_handout", "id": LETTER},
        {"kind": "reveal", "collection": "handouts", "id": LETTER, "playerIds": ["p1"]},
    ):
        await refused(manager, action, caller("p1"), Forbidden)


# -- secrecy -------------------------------------------------------------------------


async def test_probing_a_handout_one_cannot_read_is_answered_as_for_a_missing_one(
    manager: StateManager,
) -> None:
    """Hidden, or shown to another player: the refusal is the one for an id that does
    not exist, so it confirms neither that the handout exists nor what it says."""
    await write_the_letter(manager)
    shown_to_bob = await write_the_letter(manager, name="For Bob")
    await gm(manager, kind="reveal", collection="handouts", id=shown_to_bob, playerIds=["p2"])
    answers = []
    for handout_id in (LETTER, shown_to_bob, "h_n9999"):
        probe = {
            "kind": "propose",
            "summary": "peek",
            "changes": [{"op": "test", "path": f"/handouts/{handout_id}/text", "value": "x"}],
        }
        error = await refused(manager, probe, caller("p1"), Invalid)
        answers.append((error.code, error.message.replace(handout_id, "ID")))
    assert answers[0] == answers[1] == answers[2]


async def test_removing_a_player_takes_them_off_every_handout(manager: StateManager) -> None:
    await write_the_letter(manager)
    await gm(manager, kind="reveal", collection="handouts", id=LETTER, playerIds=["p1", "p3"])
    await gm(manager, kind="assign_actor", actorId="a_0007", playerId=None)  # Cleo's hero

    await gm(manager, kind="remove_player", playerId="p3")

    assert manager.state["handouts"][LETTER]["sharedWith"] == ["p1"]


async def test_a_handout_cannot_be_shared_with_someone_who_is_not_a_player(
    manager: StateManager,
) -> None:
    await write_the_letter(manager)
    action = {"kind": "update_handout", "id": LETTER, "set": {"sharedWith": ["p_stranger"]}}
    await refused(manager, action, GM_CALLER, Invalid)
