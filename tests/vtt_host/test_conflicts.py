"""Which paths a change writes, and when two changes overlap."""

from __future__ import annotations

from typing import Any

import pytest

from tests.vtt_host.conftest import caller
from vtt_host.actions import GM_CALLER
from vtt_host.conflicts import overlapping, overlaps, written_paths
from vtt_host.errors import Stale
from vtt_host.manager import Queued, StateManager


def paths(*ops: dict[str, Any]) -> list[tuple[str, ...]]:
    return written_paths(list(ops))


# -- written_paths -------------------------------------------------------------------


def test_replace_writes_exactly_its_path() -> None:
    assert paths({"op": "replace", "path": "/actors/a_1/hp/current", "value": 3}) == [
        ("actors", "a_1", "hp", "current")
    ]


def test_replacing_a_list_element_writes_just_that_element() -> None:
    assert paths({"op": "replace", "path": "/currentSession/initiative/2", "value": {}}) == [
        ("currentSession", "initiative", "2")
    ]


@pytest.mark.parametrize(
    "op",
    [
        {"op": "add", "path": "/currentSession/chatMessages/-", "value": {}},
        {"op": "add", "path": "/currentSession/chatMessages/0", "value": {}},
        {"op": "remove", "path": "/currentSession/chatMessages/12"},
        {"op": "copy", "from": "/x", "path": "/currentSession/chatMessages/3"},
    ],
    ids=["append", "insert", "remove", "copy-into"],
)
def test_adding_or_removing_a_list_element_writes_the_whole_list(op: dict[str, Any]) -> None:
    assert paths(op) == [("currentSession", "chatMessages")]


def test_adding_an_object_member_writes_just_that_member() -> None:
    op = {"op": "add", "path": "/currentSession/tokenPositions/a_1", "value": {"x": 1, "y": 1}}
    assert paths(op) == [("currentSession", "tokenPositions", "a_1")]


def test_move_writes_both_where_it_takes_from_and_where_it_puts() -> None:
    op = {"op": "move", "from": "/actors/a_1/inventory/0", "path": "/actors/a_2/inventory/-"}
    assert paths(op) == [("actors", "a_2", "inventory"), ("actors", "a_1", "inventory")]


def test_copy_writes_only_its_target() -> None:
    op = {"op": "copy", "from": "/actors/a_1/hp", "path": "/actors/a_2/hp"}
    assert paths(op) == [("actors", "a_2", "hp")]


def test_test_ops_write_nothing() -> None:
    assert paths({"op": "test", "path": "/actors/a_1/hp", "value": None}) == []


def test_paths_are_unescaped_tokens() -> None:
    assert paths({"op": "replace", "path": "/campaign/settings/a~1b~0c", "value": 1}) == [
        ("campaign", "settings", "a/b~c")
    ]


@pytest.mark.parametrize(
    "op",
    [
        {"op": "add", "path": "/currentSession/pendingActions/-", "value": {}},
        {"op": "remove", "path": "/currentSession/pendingActions/0"},
        {"op": "replace", "path": "/currentSession/pendingActions/0/summary", "value": "x"},
        {"op": "add", "path": "/changeLog/-", "value": {}},
        {"op": "remove", "path": "/changeLog/0"},
    ],
)
def test_the_queue_and_the_change_log_are_never_compared(op: dict[str, Any]) -> None:
    assert paths(op) == []


def test_the_queue_is_skipped_by_token_not_by_text_prefix() -> None:
    op = {"op": "replace", "path": "/currentSession/pendingActionsNote", "value": 1}
    assert paths(op) == [("currentSession", "pendingActionsNote")]


def test_adding_an_object_member_with_a_numeric_key_is_not_widened() -> None:
    op = {"op": "add", "path": "/currentSession/tokenPositions/7", "value": {"x": 1, "y": 1}}
    assert paths(op) == [("currentSession", "tokenPositions", "7")]


# -- overlap rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (("actors", "a_1", "hp"), ("actors", "a_1", "hp")),
        (("actors", "a_1"), ("actors", "a_1", "hp", "current")),
        (("actors", "a_1", "hp", "current"), ("actors", "a_1")),
        (("currentSession", "chatMessages"), ("currentSession", "chatMessages", "3", "text")),
    ],
    ids=["same", "parent", "child", "widened-list"],
)
def test_a_path_overlaps_itself_its_parents_and_its_children(
    left: tuple[str, ...], right: tuple[str, ...]
) -> None:
    assert overlaps(left, right)
    assert overlaps(right, left)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (("actors", "a_1", "hp"), ("actors", "a_1", "name")),
        (("actors", "a_1"), ("actors", "a_10")),
        (("actors", "a_1"), ("items", "a_1")),
        (("currentSession", "tokenPositions", "a_1"), ("currentSession", "tokenPositions", "a_2")),
    ],
    ids=["siblings", "id-prefix-is-not-a-path-prefix", "other-collection", "other-token"],
)
def test_unrelated_paths_do_not_overlap(left: tuple[str, ...], right: tuple[str, ...]) -> None:
    assert not overlaps(left, right)
    assert not overlaps(right, left)


def test_overlapping_lists_the_later_paths_once_each_as_pointers() -> None:
    mine = [("actors", "a_1", "hp", "current"), ("campaign", "name")]
    theirs = [
        ("actors", "a_1", "hp"),
        ("actors", "a_2", "hp"),
        ("campaign", "name"),
        ("actors", "a_1", "hp"),
        ("campaign", "settings", "a/b"),
        ("campaign",),
    ]
    assert overlapping(mine, theirs) == ["/actors/a_1/hp", "/campaign/name", "/campaign"]


def test_nothing_overlaps_an_empty_change() -> None:
    assert overlapping([], [("actors",), ("campaign",)]) == []


# -- through the state manager -------------------------------------------------------


async def test_a_new_condition_makes_a_decision_on_a_condition_index_stale(
    manager: StateManager,
) -> None:
    conditions = "/actors/a_0005/conditions"
    poisoned = {"name": "Poisoned", "note": "typo hree"}
    await manager.submit(
        {"kind": "patch", "ops": [{"op": "add", "path": f"{conditions}/-", "value": poisoned}]},
        GM_CALLER,
    )
    fix = [{"op": "replace", "path": f"{conditions}/0/note", "value": "typo here"}]
    queued = await manager.submit(
        {"kind": "propose", "summary": "fix my typo", "changes": fix}, caller("p1")
    )
    assert isinstance(queued, Queued)
    blessed = {"op": "add", "path": f"{conditions}/0", "value": {"name": "Blessed"}}
    await manager.submit({"kind": "patch", "ops": [blessed]}, GM_CALLER)

    with pytest.raises(Stale) as stale:
        await manager.decide(
            GM_CALLER, queued.action_id, approve=True, expected_version=queued.version
        )

    assert stale.value.changed_paths == [conditions]


async def test_other_proposals_and_their_rejection_do_not_make_a_decision_stale(
    manager: StateManager,
) -> None:
    thorin_hp = [{"op": "replace", "path": "/actors/a_0005/hp/current", "value": 1}]
    first = await manager.submit(
        {"kind": "propose", "summary": "ouch", "changes": thorin_hp}, caller("p1")
    )
    assert isinstance(first, Queued)
    await manager.submit(
        {"kind": "propose", "summary": "ouch again", "changes": thorin_hp}, caller("p1")
    )
    await manager.decide(GM_CALLER, first.action_id, approve=False, expected_version=2)
    await manager.submit({"kind": "chat", "text": "gm note", "to": "p1"}, GM_CALLER)

    pending = manager.state["currentSession"]["pendingActions"]
    await manager.decide(GM_CALLER, pending[0]["id"], approve=True, expected_version=first.version)

    assert manager.state["actors"]["a_0005"]["hp"]["current"] == 1
