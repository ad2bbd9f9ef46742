"""A player's edits to their own sheet: at once, or through the GM (``sheet_edit``)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.vtt_host.conftest import caller, refused
from tests.vtt_host.test_views import follow, replay, same_view
from vtt_host.actions import GM_CALLER
from vtt_host.errors import Invalid
from vtt_host.manager import Applied, Queued, StateManager
from vtt_host.views import player

THORIN, ELARA, GOBLIN_1 = "a_0005", "a_0006", "a_0008"
"""Thorin is Alice's (p1), Elara Bob's (p2); the goblin nobody's."""


def propose(*changes: dict[str, Any], summary: str = "drink a potion") -> dict[str, Any]:
    return {"kind": "propose", "summary": summary, "changes": list(changes)}


def thorin(field: str, value: Any, op: str = "replace") -> dict[str, Any]:
    return {"op": op, "path": f"/actors/{THORIN}/{field}", "value": value}


async def without_sheet_approval(manager: StateManager) -> None:
    await manager.submit({"kind": "update_settings", "requireApproval": []}, GM_CALLER)


async def test_by_default_a_sheet_edit_waits_for_the_gm(manager: StateManager) -> None:
    outcome = await manager.submit(propose(thorin("hp/current", 8)), caller("p1"))

    assert isinstance(outcome, Queued)
    assert manager.state["actors"][THORIN]["hp"]["current"] == 12


async def test_without_sheet_edit_listed_a_player_edits_their_own_sheet_at_once(
    manager: StateManager,
) -> None:
    await without_sheet_approval(manager)
    bob_view, bob_frames = await follow(manager, player("p2"))
    poisoned = [{"name": "Poisoned", "rounds": 2, "note": ""}]
    potion = {"itemId": "i_0001", "quantity": 1, "equipped": False}

    outcome = await manager.submit(
        propose(
            thorin("hp/current", 8),
            thorin("conditions", poisoned),
            thorin("notes", "owes Pip a potion"),
            thorin("inventory/-", potion, op="add"),
            thorin("armorClass", 16),
        ),
        caller("p1"),
    )

    assert outcome == Applied(2)
    actor = manager.state["actors"][THORIN]
    assert (actor["hp"]["current"], actor["conditions"], actor["armorClass"]) == (8, poisoned, 16)
    assert actor["inventory"][-1] == potion
    assert manager.state["currentSession"]["pendingActions"] == []
    (record,) = manager.history_since(1) or []
    assert record.by == "p1"
    assert record.description == "Alice edited Thorin: drink a potion"
    assert bob_frames[0].by == "p1"
    assert bob_frames[0].description == "Alice edited Thorin: drink a potion"
    assert same_view(manager, player("p2"), replay(bob_view, bob_frames))


async def test_the_gm_can_ask_for_sheet_edits_again(manager: StateManager) -> None:
    await without_sheet_approval(manager)
    await manager.submit({"kind": "update_settings", "requireApproval": ["sheet_edit"]}, GM_CALLER)

    outcome = await manager.submit(propose(thorin("hp/current", 8)), caller("p1"))

    assert isinstance(outcome, Queued)


@pytest.mark.parametrize(
    "changes",
    [
        [{"op": "replace", "path": f"/actors/{ELARA}/hp/current", "value": 1}],
        [{"op": "replace", "path": f"/actors/{GOBLIN_1}/notes", "value": "mine"}],
        [thorin("owner", "p2")],
        [thorin("hidden", True)],
        [thorin("type", "monster")],
        [thorin("imageAsset", "0" * 64)],
        [thorin("name", "Thorin the Great")],
        [thorin("initiativeBonus", 9)],
        [thorin("hp/current", 8), {"op": "replace", "path": "/campaign/name", "value": "x"}],
        [{"op": "copy", "from": f"/actors/{GOBLIN_1}/hp", "path": f"/actors/{THORIN}/hp"}],
    ],
    ids=[
        "another-players-actor",
        "an-npc",
        "owner",
        "hidden",
        "type",
        "image",
        "name",
        "initiative-bonus",
        "sheet-and-more",
        "copied-from-an-npc",
    ],
)
async def test_anything_but_ones_own_sheet_still_waits(
    manager: StateManager, changes: list[dict[str, Any]]
) -> None:
    """Including a copy from an NPC's hit points: applied at once it would show the
    player numbers their view only has as a status."""
    await without_sheet_approval(manager)
    before = copy.deepcopy(manager.state["actors"])

    outcome = await manager.submit(propose(*changes), caller("p1"))

    assert isinstance(outcome, Queued)
    assert manager.state["actors"] == before


@pytest.mark.parametrize(
    "changes",
    [
        [thorin("hp/max", -3)],
        [thorin("gmNotes", "I am the chosen one", op="add")],
        [thorin("inventory/0", {"itemId": "i_0004", "quantity": 1, "equipped": False}, "add")],
        [thorin("inventory/-", {"itemId": "i_0004", "quantity": 1, "equipped": False}, "add")],
    ],
    ids=["invalid-hp", "gm-notes", "inventory-position", "hidden-item"],
)
async def test_a_sheet_edit_is_checked_like_any_proposal(
    manager: StateManager, changes: list[dict[str, Any]]
) -> None:
    await without_sheet_approval(manager)
    await refused(manager, propose(*changes), caller("p1"), Invalid)


async def test_a_sheet_edit_refused_for_a_hidden_item_reads_as_for_a_missing_one(
    manager: StateManager,
) -> None:
    await without_sheet_approval(manager)
    answers = []
    for item in ("i_0004", "i_9999"):  # the hidden Cursed Amulet, and nothing
        entry = {"itemId": item, "quantity": 1, "equipped": False}
        error = await refused(
            manager, propose(thorin("inventory/-", entry, "add")), caller("p1"), Invalid
        )
        answers.append(error.message.replace(item, "ITEM"))
    assert answers[0] == answers[1]
