"""The GM's approval queue, stale decisions by path overlap, and undo."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

import pytest

from tests.vtt_host.conftest import actor_named, caller, ids, table_state
from vtt_host.actions import GM_CALLER
from vtt_host.errors import Forbidden, Invalid, NotFound, Stale
from vtt_host.manager import (
    PENDING_PER_PLAYER_LIMIT,
    Applied,
    Decision,
    Published,
    Queued,
    StateManager,
)
from vtt_host.views import player

THORIN = "a_0005"
ELARA = "a_0006"
HP_PATH = f"/actors/{THORIN}/hp/current"


@contextlib.contextmanager
def nothing_changes(manager: StateManager) -> Iterator[None]:
    """The block must leave the campaign exactly as it was, version included."""
    before = copy.deepcopy(dict(manager.state))
    yield
    assert dict(manager.state) == before
    assert manager.version == before["version"]


def drink_potion(hp: int = 8) -> dict[str, Any]:
    return {
        "kind": "propose",
        "summary": "drink a potion",
        "changes": [{"op": "replace", "path": HP_PATH, "value": hp}],
    }


def hp(manager: StateManager, actor_id: str = THORIN) -> int:
    return int(manager.state["actors"][actor_id]["hp"]["current"])


def queue(manager: StateManager) -> list[dict[str, Any]]:
    pending: list[dict[str, Any]] = manager.state["currentSession"]["pendingActions"]
    return pending


def description(manager: StateManager) -> str:
    return str(manager.state["changeLog"][-1]["description"])


async def propose(manager: StateManager, action: dict[str, Any] | None = None) -> Queued:
    outcome = await manager.submit(action or drink_potion(), caller("p1"))
    assert isinstance(outcome, Queued)
    return outcome


# -- proposing -----------------------------------------------------------------------


async def test_player_proposal_waits_in_the_gms_queue(manager: StateManager) -> None:
    outcome = await manager.submit(drink_potion(), caller("p1"))

    assert outcome == Queued("act_n0001", 1)
    assert hp(manager) == 12
    assert queue(manager) == [
        {
            "id": "act_n0001",
            "playerId": "p1",
            "kind": "propose",
            "summary": "drink a potion",
            "changes": [{"op": "replace", "path": HP_PATH, "value": 8}],
            "createdAt": 5_000,
            "version": 0,
        }
    ]
    assert description(manager) == "Alice proposed: drink a potion"


async def test_gm_cannot_propose(manager: StateManager) -> None:
    with nothing_changes(manager), pytest.raises(Invalid):
        await manager.submit(drink_potion(), GM_CALLER)


@pytest.mark.parametrize(
    "changes",
    [
        [],
        [{"op": "replace", "path": f"/actors/{THORIN}/nothing/here", "value": 1}],
        [{"op": "replace", "path": f"/actors/{THORIN}/hp/max", "value": -3}],
        [{"op": "replace", "path": "/version", "value": 0}],
        [{"op": "remove", "path": "/changeLog/0"}],
        [{"op": "replace", "value": 1}],
    ],
    ids=["no-changes", "missing-path", "invalid-result", "version", "changeLog", "no-path"],
)
async def test_proposal_that_cannot_apply_is_refused(
    manager: StateManager, changes: list[dict[str, Any]]
) -> None:
    await manager.submit({"kind": "chat", "text": "for the change log"}, GM_CALLER)
    action = {"kind": "propose", "summary": "do it", "changes": changes}
    with nothing_changes(manager), pytest.raises(Invalid):
        await manager.submit(action, caller("p1"))


async def test_proposal_keeps_only_the_members_its_ops_define(manager: StateManager) -> None:
    """RFC 6902: undefined members are ignored, so the GM's queue never shows them."""
    changes = [
        {"op": "replace", "path": HP_PATH, "value": 3, "extra": True, "from": "/version"},
        {"op": "remove", "path": f"/actors/{THORIN}/imageAsset", "value": "stray"},
    ]

    await manager.submit({"kind": "propose", "summary": "do it", "changes": changes}, caller("p1"))

    (pending,) = manager.state["currentSession"]["pendingActions"]
    assert pending["changes"] == [
        {"op": "replace", "path": HP_PATH, "value": 3},
        {"op": "remove", "path": f"/actors/{THORIN}/imageAsset"},
    ]


async def test_decision_ignores_members_its_edited_ops_do_not_define(
    manager: StateManager,
) -> None:
    queued = await propose(manager)
    edited = [{"op": "replace", "path": HP_PATH, "value": 2, "from": "/version", "note": "x"}]

    await manager.decide(
        GM_CALLER, queued.action_id, approve=True, expected_version=1, changes=edited
    )

    assert manager.state["actors"][THORIN]["hp"]["current"] == 2
    record = next(r for r in manager.history_since(0) or [] if r.meta.get("kind") == "decide")
    assert {"op": "replace", "path": HP_PATH, "value": 2} in record.ops
    assert all(set(op) <= {"op", "path", "value", "from"} for op in record.ops)


async def test_decision_with_an_op_without_a_path_is_invalid(manager: StateManager) -> None:
    """Not a KeyError deep in the applier ("the host failed"): the GM hears what is wrong."""
    queued = await propose(manager)
    with nothing_changes(manager), pytest.raises(Invalid, match="path"):
        await manager.decide(
            GM_CALLER, queued.action_id, approve=True, expected_version=1,
            changes=[{"op": "remove"}],
        )  # fmt: skip


async def test_decision_whose_reason_is_not_valid_unicode_is_invalid(
    manager: StateManager,
) -> None:
    """The reason goes to the proposer as it is; a lone surrogate could not be sent."""
    queued = await propose(manager)
    with nothing_changes(manager), pytest.raises(Invalid):
        await manager.decide(
            GM_CALLER, queued.action_id, approve=False, expected_version=1, reason="no\ud800"
        )


async def test_proposal_needs_a_summary(manager: StateManager) -> None:
    with nothing_changes(manager), pytest.raises(Invalid):
        await manager.submit({**drink_potion(), "summary": "   "}, caller("p1"))


async def test_player_can_propose_setting_a_value_to_null(manager: StateManager) -> None:
    changes = [{"op": "replace", "path": f"/actors/{THORIN}/hp", "value": None}]

    outcome = await manager.submit(
        {"kind": "propose", "summary": "forget hp", "changes": changes}, caller("p1")
    )

    assert isinstance(outcome, Queued)


async def test_each_player_may_have_only_so_many_proposals_waiting(
    manager: StateManager,
) -> None:
    for _ in range(PENDING_PER_PLAYER_LIMIT):
        await propose(manager)

    with nothing_changes(manager), pytest.raises(Invalid):
        await manager.submit(drink_potion(), caller("p1"))
    other = {
        **drink_potion(),
        "changes": [{"op": "replace", "path": f"/actors/{ELARA}/hp/current", "value": 1}],
    }
    assert isinstance(await manager.submit(other, caller("p2")), Queued)


async def test_required_approval_routes_a_players_move_to_the_queue(
    manager: StateManager,
) -> None:
    await manager.submit({"kind": "update_settings", "requireApproval": ["move_token"]}, GM_CALLER)
    move = {"kind": "move_token", "tokenId": THORIN, "x": 1, "y": 2}

    queued = await manager.submit(move, caller("p1"))

    assert isinstance(queued, Queued)
    positions = manager.state["currentSession"]["tokenPositions"]
    assert positions[THORIN] == {"x": 3, "y": 10}
    assert queue(manager)[0]["kind"] == "move_token"
    assert queue(manager)[0]["summary"] == "Alice moved Thorin to (1, 2)"

    await manager.decide(
        GM_CALLER, queued.action_id, approve=True, expected_version=manager.version
    )
    assert positions[THORIN] == {"x": 1, "y": 2}


async def test_required_approval_does_not_hold_back_the_gm(manager: StateManager) -> None:
    await manager.submit({"kind": "update_settings", "requireApproval": ["move_token"]}, GM_CALLER)

    outcome = await manager.submit(
        {"kind": "move_token", "tokenId": THORIN, "x": 1, "y": 2}, GM_CALLER
    )

    assert isinstance(outcome, Applied)
    assert queue(manager) == []


# -- deciding ------------------------------------------------------------------------


async def test_gm_approves_a_proposal_and_the_player_is_told(manager: StateManager) -> None:
    queued = await propose(manager)
    received: list[Published] = []
    await manager.attach(player("p1"), received.append)

    outcome = await manager.decide(
        GM_CALLER, queued.action_id, approve=True, expected_version=queued.version
    )

    assert outcome == Applied(2)
    assert hp(manager) == 8
    assert queue(manager) == []
    logged = [entry["description"] for entry in manager.state["changeLog"][-2:]]
    assert logged[0] == "GM approved Alice's proposal: drink a potion"
    assert received[0].decision == Decision(queued.action_id, "p1", True, None)
    told = manager.state["currentSession"]["chatMessages"][-1]
    assert (told["to"], told["text"]) == ("p1", "Your proposal was approved: drink a potion")


async def test_gm_approves_with_edited_changes(manager: StateManager) -> None:
    queued = await propose(manager, drink_potion(hp=12))
    edited = [{"op": "replace", "path": HP_PATH, "value": 10}]

    await manager.decide(
        GM_CALLER, queued.action_id, approve=True, expected_version=1, changes=edited
    )

    assert hp(manager) == 10
    assert queue(manager) == []


async def test_gm_rejects_a_proposal_with_a_reason(manager: StateManager) -> None:
    queued = await propose(manager)
    received: list[Published] = []
    await manager.attach(player("p1"), received.append)

    outcome = await manager.decide(
        GM_CALLER, queued.action_id, approve=False, expected_version=1, reason="no potions left"
    )

    assert outcome == Applied(2)
    assert hp(manager) == 12
    assert queue(manager) == []
    assert manager.state["changeLog"][-2]["description"] == "GM rejected Alice's proposal"
    assert received[0].decision == Decision(queued.action_id, "p1", False, "no potions left")
    told = manager.state["currentSession"]["chatMessages"][-1]["text"]
    assert told == "Your proposal was rejected: drink a potion (no potions left)"


async def test_player_cannot_decide(manager: StateManager) -> None:
    queued = await propose(manager)
    with nothing_changes(manager), pytest.raises(Forbidden):
        await manager.decide(caller("p2"), queued.action_id, approve=True, expected_version=1)


async def test_deciding_an_unknown_proposal_is_not_found(manager: StateManager) -> None:
    await propose(manager)
    with nothing_changes(manager), pytest.raises(NotFound):
        await manager.decide(GM_CALLER, "act_ghost", approve=True, expected_version=1)


async def test_deciding_on_a_future_version_is_invalid(manager: StateManager) -> None:
    queued = await propose(manager)
    with nothing_changes(manager), pytest.raises(Invalid):
        await manager.decide(GM_CALLER, queued.action_id, approve=True, expected_version=2)


@pytest.mark.parametrize(
    "edited",
    [
        [{"op": "replace", "path": "/version", "value": 0}],
        [{"op": "remove", "path": "/changeLog/0"}],
        [{"op": "replace", "path": f"/actors/{THORIN}/nothing/here", "value": 1}],
        [{"op": "replace", "path": f"/actors/{THORIN}/hp/max", "value": -3}],
    ],
    ids=["version", "changeLog", "missing-path", "invalid-result"],
)
async def test_approval_with_bad_edited_changes_is_refused_and_stays_queued(
    manager: StateManager, edited: list[dict[str, Any]]
) -> None:
    queued = await propose(manager)
    with nothing_changes(manager), pytest.raises(Invalid):
        await manager.decide(
            GM_CALLER, queued.action_id, approve=True, expected_version=1, changes=edited
        )
    assert [p["id"] for p in queue(manager)] == [queued.action_id]


@pytest.mark.parametrize("source", ["/changeLog/0", "/version"])
async def test_approval_cannot_move_what_the_host_manages(
    manager: StateManager, source: str
) -> None:
    queued = await propose(manager)
    edited = [{"op": "move", "from": source, "path": "/campaign/settings/taken"}]
    with nothing_changes(manager), pytest.raises(Invalid):
        await manager.decide(
            GM_CALLER, queued.action_id, approve=True, expected_version=1, changes=edited
        )


# -- stale or not --------------------------------------------------------------------


async def test_another_players_token_move_does_not_make_a_decision_stale(
    manager: StateManager,
) -> None:
    queued = await propose(manager)
    seen = manager.version
    await manager.submit({"kind": "move_token", "tokenId": ELARA, "x": 1, "y": 1}, caller("p2"))
    await manager.submit({"kind": "chat", "text": "hurry up"}, caller("p3"))

    await manager.decide(GM_CALLER, queued.action_id, approve=True, expected_version=seen)

    assert hp(manager) == 8


async def test_other_proposals_do_not_make_a_decision_stale(manager: StateManager) -> None:
    queued = await propose(manager)
    seen = manager.version
    elara_heals = {
        **drink_potion(),
        "changes": [{"op": "replace", "path": f"/actors/{ELARA}/hp/current", "value": 9}],
    }
    await manager.submit(elara_heals, caller("p2"))
    await manager.submit(drink_potion(hp=1), caller("p1"))

    await manager.decide(GM_CALLER, queued.action_id, approve=True, expected_version=seen)

    assert hp(manager) == 8
    assert len(queue(manager)) == 2


@pytest.mark.parametrize(
    "change",
    [
        {"op": "replace", "path": HP_PATH, "value": 3},
        {"op": "replace", "path": f"/actors/{THORIN}/hp", "value": {"current": 3, "max": 12}},
    ],
    ids=["same-path", "parent-path"],
)
async def test_a_change_to_the_same_hp_makes_the_decision_stale(
    manager: StateManager, change: dict[str, Any]
) -> None:
    queued = await propose(manager)
    seen = manager.version
    await manager.submit({"kind": "patch", "ops": [change]}, GM_CALLER)

    with nothing_changes(manager), pytest.raises(Stale) as stale:
        await manager.decide(GM_CALLER, queued.action_id, approve=True, expected_version=seen)

    assert stale.value.changed_paths == [change["path"]]
    assert stale.value.version == manager.version == 2
    assert [p["id"] for p in queue(manager)] == [queued.action_id]
    assert hp(manager) == 3


async def test_stale_decision_succeeds_once_the_gm_looks_again(manager: StateManager) -> None:
    queued = await propose(manager)
    await manager.submit(
        {"kind": "patch", "ops": [{"op": "replace", "path": HP_PATH, "value": 3}]}, GM_CALLER
    )
    with pytest.raises(Stale):
        await manager.decide(GM_CALLER, queued.action_id, approve=True, expected_version=1)

    await manager.decide(GM_CALLER, queued.action_id, approve=True, expected_version=2)

    assert hp(manager) == 8


async def test_staleness_is_judged_on_the_edited_changes(manager: StateManager) -> None:
    queued = await propose(manager)
    await manager.submit(
        {"kind": "patch", "ops": [{"op": "replace", "path": HP_PATH, "value": 3}]}, GM_CALLER
    )
    elara_instead = [{"op": "replace", "path": f"/actors/{ELARA}/hp/current", "value": 2}]

    await manager.decide(
        GM_CALLER, queued.action_id, approve=True, expected_version=1, changes=elara_instead
    )

    assert (hp(manager), hp(manager, ELARA)) == (3, 2)


async def test_rejection_is_never_stale(manager: StateManager) -> None:
    queued = await propose(manager)
    await manager.submit(
        {"kind": "patch", "ops": [{"op": "replace", "path": HP_PATH, "value": 3}]}, GM_CALLER
    )

    await manager.decide(GM_CALLER, queued.action_id, approve=False, expected_version=1)

    assert queue(manager) == []


async def test_decision_older_than_the_kept_history_is_stale() -> None:
    manager = StateManager(table_state(), history_limit=3, make_id=ids("n"), clock=lambda: 5_000)
    queued = await propose(manager)
    for text in ("one", "two", "three", "four"):
        await manager.submit({"kind": "chat", "text": text}, caller("p3"))

    with nothing_changes(manager), pytest.raises(Stale) as stale:
        await manager.decide(GM_CALLER, queued.action_id, approve=True, expected_version=1)

    assert stale.value.changed_paths == ["/"]
    await manager.decide(GM_CALLER, queued.action_id, approve=True, expected_version=2)
    assert hp(manager) == 8


# -- undo ----------------------------------------------------------------------------


def rename(name: str) -> dict[str, Any]:
    return {"kind": "patch", "ops": [{"op": "replace", "path": "/campaign/name", "value": name}]}


async def test_undo_reverts_the_gms_last_change(manager: StateManager) -> None:
    await manager.submit(rename("The Long Road"), GM_CALLER)

    outcome = await manager.submit({"kind": "undo"}, GM_CALLER)

    assert outcome == Applied(2)
    assert manager.state["campaign"]["name"] == "The Goblin Crossroads"
    assert description(manager) == "GM undid: GM edited the campaign (1 change)"


async def test_repeated_undo_walks_back_through_the_gms_changes(manager: StateManager) -> None:
    goblin = actor_named(manager.state, "Goblin 1")
    await manager.submit(rename("The Long Road"), GM_CALLER)
    await manager.submit({"kind": "delete_actor", "id": goblin}, GM_CALLER)
    await manager.submit({"kind": "hide", "collection": "actors", "id": THORIN}, GM_CALLER)
    original = table_state()

    await manager.submit({"kind": "undo"}, GM_CALLER)
    assert manager.state["actors"][THORIN]["hidden"] is False
    await manager.submit({"kind": "undo"}, GM_CALLER)
    assert manager.state["actors"][goblin] == original["actors"][goblin]
    await manager.submit({"kind": "undo"}, GM_CALLER)

    for key in ("campaign", "actors", "encounters", "currentSession"):
        assert manager.state[key] == original[key]
    assert manager.version == 6
    with nothing_changes(manager), pytest.raises(Invalid):
        await manager.submit({"kind": "undo"}, GM_CALLER)


async def test_repeated_undo_walks_back_over_moves_of_the_same_token(
    manager: StateManager,
) -> None:
    for x in (1, 2):
        await manager.submit({"kind": "move_token", "tokenId": THORIN, "x": x, "y": x}, GM_CALLER)

    await manager.submit({"kind": "undo"}, GM_CALLER)
    await manager.submit({"kind": "undo"}, GM_CALLER)

    assert manager.state["currentSession"]["tokenPositions"][THORIN] == {"x": 3, "y": 10}


async def test_nothing_to_undo_is_invalid(manager: StateManager) -> None:
    with nothing_changes(manager), pytest.raises(Invalid):
        await manager.submit({"kind": "undo"}, GM_CALLER)


async def test_players_changes_are_not_undone(manager: StateManager) -> None:
    await manager.submit({"kind": "move_token", "tokenId": THORIN, "x": 1, "y": 1}, caller("p1"))
    await manager.submit({"kind": "chat", "text": "hi"}, caller("p2"))

    with nothing_changes(manager), pytest.raises(Invalid):
        await manager.submit({"kind": "undo"}, GM_CALLER)


async def test_undo_skips_over_unrelated_player_changes(manager: StateManager) -> None:
    await manager.submit(rename("The Long Road"), GM_CALLER)
    await manager.submit({"kind": "move_token", "tokenId": THORIN, "x": 1, "y": 1}, caller("p1"))

    await manager.submit({"kind": "undo"}, GM_CALLER)

    assert manager.state["campaign"]["name"] == "The Goblin Crossroads"
    assert manager.state["currentSession"]["tokenPositions"][THORIN] == {"x": 1, "y": 1}


async def test_undo_is_stale_when_a_later_change_touched_the_same_path(
    manager: StateManager,
) -> None:
    await manager.submit({"kind": "move_token", "tokenId": THORIN, "x": 5, "y": 5}, GM_CALLER)
    await manager.submit({"kind": "move_token", "tokenId": THORIN, "x": 1, "y": 1}, caller("p1"))

    with nothing_changes(manager), pytest.raises(Stale) as stale:
        await manager.submit({"kind": "undo"}, GM_CALLER)

    assert stale.value.changed_paths == [f"/currentSession/tokenPositions/{THORIN}"]


async def test_undo_reverts_an_approved_proposal(manager: StateManager) -> None:
    queued = await propose(manager)
    await manager.decide(GM_CALLER, queued.action_id, approve=True, expected_version=1)

    await manager.submit({"kind": "undo"}, GM_CALLER)

    assert hp(manager) == 12


async def test_undo_reverts_an_approval_after_the_queue_changed(manager: StateManager) -> None:
    first = await propose(manager)
    elara_heals = {
        **drink_potion(),
        "changes": [{"op": "replace", "path": f"/actors/{ELARA}/hp/current", "value": 2}],
    }
    second = await manager.submit(elara_heals, caller("p2"))
    assert isinstance(second, Queued)
    await manager.decide(GM_CALLER, second.action_id, approve=True, expected_version=2)
    await manager.decide(GM_CALLER, first.action_id, approve=False, expected_version=3)

    await manager.submit({"kind": "undo"}, GM_CALLER)

    assert hp(manager, ELARA) == 9


async def test_player_cannot_undo(manager: StateManager) -> None:
    await manager.submit(rename("The Long Road"), GM_CALLER)
    with nothing_changes(manager), pytest.raises(Forbidden):
        await manager.submit({"kind": "undo"}, caller("p1"))


async def test_undo_takes_no_fields(manager: StateManager) -> None:
    await manager.submit(rename("The Long Road"), GM_CALLER)
    with nothing_changes(manager), pytest.raises(Invalid):
        await manager.submit({"kind": "undo", "steps": 2}, GM_CALLER)
