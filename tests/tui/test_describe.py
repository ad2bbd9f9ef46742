"""Readable proposals and chat commands, without a terminal."""

from __future__ import annotations

import pytest

from tests.tui.conftest import actor_id, table_state
from tui.chat_commands import ChatCommandError, parse_chat
from tui.describe import authored, describe_op, parse_conditions, stale_lines, values_at
from tui.viewmodels import token_mark


def test_replaced_hit_points_read_with_the_old_and_new_value() -> None:
    state = table_state()
    thorin = actor_id(state, "Thorin")
    change = {"op": "replace", "path": f"/actors/{thorin}/hp/current", "value": 4}
    assert describe_op(state, change) == "Thorin · HP current: 9 → 4"


def test_token_move_reads_as_positions() -> None:
    state = table_state()
    pip = actor_id(state, "Pip")
    change = {
        "op": "replace",
        "path": f"/currentSession/tokenPositions/{pip}",
        "value": {"x": 1, "y": 2},
    }
    assert describe_op(state, change) == "Pip · position: (4, 10) → (1, 2)"


def test_added_and_removed_list_entries_are_named() -> None:
    state = table_state()
    thorin = actor_id(state, "Thorin")
    added = {"op": "add", "path": f"/actors/{thorin}/conditions/-", "value": {"name": "Prone"}}
    removed = {"op": "remove", "path": f"/actors/{thorin}/conditions/0"}
    assert describe_op(state, added) == "Thorin · conditions new: + Prone"
    assert describe_op(state, removed) == "Thorin · conditions #1: removed (Poisoned)"


def test_a_malformed_path_is_shown_as_it_is() -> None:
    assert describe_op(table_state(), {"op": "replace", "path": "nope"}) == "replace nope"


def test_conditions_parse_with_rounds() -> None:
    assert parse_conditions("Poisoned (3), Prone,") == [
        {"name": "Poisoned", "rounds": 3, "note": ""},
        {"name": "Prone", "rounds": None, "note": ""},
    ]


def test_chat_line_commands_become_actions() -> None:
    players = table_state()["players"]
    assert parse_chat("hello all", players) == {"kind": "chat", "text": "hello all"}
    assert parse_chat("/w alice psst", players) == {"kind": "chat", "text": "psst", "to": "p_alice"}
    assert parse_chat("/r 2d20kh1+5 Stealth check", players) == {
        "kind": "roll",
        "expr": "2d20kh1+5",
        "label": "Stealth check",
    }
    assert parse_chat("/rw Bob 1d20", players) == {"kind": "roll", "expr": "1d20", "to": "p_bob"}


@pytest.mark.parametrize("line", ["/w Nobody hi", "/w Alice", "/r", "/dance"])
def test_malformed_chat_commands_are_refused_with_a_hint(line: str) -> None:
    with pytest.raises(ChatCommandError):
        parse_chat(line, table_state()["players"])


def test_token_marks() -> None:
    assert token_mark("Thorin") == "Th"
    assert token_mark("Goblin 2") == "G2"
    assert token_mark("Goblin Boss") == "GB"


def test_change_log_author_is_named_once() -> None:
    assert authored("Bob", "Bob proposed: a potion") == ("Bob", " proposed: a potion")
    assert authored("GM", "GM: hello") == ("GM", ": hello")
    assert authored("Bobby", "Bob left") == ("Bobby: ", "Bob left")
    assert authored("Eve", None) == ("Eve: ", "(no description)")


def test_stale_lines_say_what_was_seen_what_is_and_what_was_asked() -> None:
    state = table_state()
    thorin = actor_id(state, "Thorin")
    base = f"/actors/{thorin}/conditions/0"
    ops = [
        {"op": "test", "path": f"{base}/name", "value": "Poisoned"},
        {"op": "remove", "path": base},
        {"op": "replace", "path": f"/actors/{thorin}/hp/current", "value": 5},
    ]
    seen = values_at(state, ops)
    state["actors"][thorin]["conditions"] = [{"name": "Prone", "rounds": None, "note": ""}]
    lines = stale_lines(state, ops, seen, [f"/actors/{thorin}/conditions"], "Alice")
    assert lines == [
        "Thorin · conditions #1 name: Poisoned when Alice asked, Prone now",
        "Thorin · conditions #1: Poisoned when you looked, Prone now; Alice asked to remove it",
    ]
