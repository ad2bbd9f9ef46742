"""Edit-then-approve in words, and a stale refusal explained in words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, Label, Select, TextArea

from tests.tui.conftest import join, until
from tests.tui.test_gm_app import give, queue_of, running, thorin_proposes
from tui.app import GmApp
from tui.screens.edit_ops import EditOpsScreen
from tui.widgets.proposal_detail import ProposalDetail
from vtt_host.actions import GM_CALLER
from vtt_host.client import Client


def editor(app: GmApp) -> EditOpsScreen:
    assert isinstance(app.screen, EditOpsScreen)
    return app.screen


def form_titles(app: GmApp) -> list[str]:
    return [str(label.render()) for label in editor(app).query(".form-title").results(Label)]


async def open_editor(app: GmApp, pilot: Any) -> EditOpsScreen:
    await until(pilot, lambda: len(queue_of(app).proposals) == 1, "the proposal")
    await pilot.press("1", "e")
    await until(pilot, lambda: isinstance(app.screen, EditOpsScreen), "the editor")
    await pilot.pause()
    return editor(app)


async def propose(player: Client, summary: str, changes: list[dict[str, Any]]) -> None:
    ack = await player.act({"kind": "propose", "summary": summary, "changes": changes})
    assert ack["status"] == "pending", ack


async def test_gm_changes_the_proposed_hp_in_words(tmp_path: Path, clients: list[Client]) -> None:
    async with running(tmp_path) as (app, pilot):
        alice, thorin, _ = await thorin_proposes(app, clients, 1, "Thorin takes 11 damage")
        screen = await open_editor(app, pilot)
        assert form_titles(app) == ["Thorin: HP 12 →"]
        field = screen.query_one(".form-number", Input)
        assert field.value == "1"
        assert field.has_focus

        await pilot.press(*"6")  # the focused field's value is selected: typing replaces it
        assert screen.current_ops() == [
            {"op": "replace", "path": f"/actors/{thorin}/hp/current", "value": 6}
        ]
        await pilot.press("ctrl+s")
        await alice.wait_for(lambda: alice.view["actors"][thorin]["hp"]["current"] == 6)
        assert alice.view["actors"][thorin]["hp"] == {"current": 6, "max": 12, "temp": 0}


async def test_gm_edits_an_added_condition_in_words(tmp_path: Path, clients: list[Client]) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        thorin = await give(app, "Thorin", alice)
        condition = {"name": "Poisoned", "note": "", "rounds": 3}
        path = f"/actors/{thorin}/conditions/-"
        await propose(alice, "Add Poisoned", [{"op": "add", "path": path, "value": condition}])
        screen = await open_editor(app, pilot)
        assert form_titles(app) == ["Thorin: add condition"]
        name, rounds = screen.query(".form-row Input").results(Input)
        assert (name.value, rounds.value) == ("Poisoned", "3")

        name.value, rounds.value = "Poisoned by a dart", "2"
        assert screen.current_ops() == [
            {
                "op": "add",
                "path": path,
                "value": {"name": "Poisoned by a dart", "note": "", "rounds": 2},
            }
        ]
        await pilot.press("ctrl+s")
        await alice.wait_for(lambda: len(alice.view["actors"][thorin]["conditions"]) == 1)
        assert alice.view["actors"][thorin]["conditions"] == [
            {"name": "Poisoned by a dart", "rounds": 2, "note": ""}
        ]


async def test_gm_picks_which_condition_a_removal_takes_away(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        thorin = await give(app, "Thorin", alice)
        conditions = [
            {"name": "Poisoned", "rounds": 3, "note": ""},
            {"name": "Blessed", "rounds": None, "note": ""},
        ]
        await app.session.submit(
            {"kind": "update_actor", "id": thorin, "set": {"conditions": conditions}}
        )
        base = f"/actors/{thorin}/conditions/0"
        await propose(
            alice,
            "Remove Poisoned",
            [
                {"op": "test", "path": f"{base}/name", "value": "Poisoned"},
                {"op": "remove", "path": base},
            ],
        )
        screen = await open_editor(app, pilot)
        assert form_titles(app) == ["Thorin: remove condition"]
        which = screen.query_one(".form-row Select", Select)
        assert which.value == "0"

        which.value = "1"
        await pilot.pause()
        other = f"/actors/{thorin}/conditions/1"
        assert screen.current_ops() == [
            {"op": "test", "path": f"{other}/name", "value": "Blessed"},
            {"op": "remove", "path": other},
        ]
        await pilot.press("ctrl+s")
        await alice.wait_for(lambda: len(alice.view["actors"][thorin]["conditions"]) == 1)
        assert alice.view["actors"][thorin]["conditions"][0]["name"] == "Poisoned"


async def test_form_and_json_carry_edits_both_ways(tmp_path: Path, clients: list[Client]) -> None:
    async with running(tmp_path) as (app, pilot):
        alice, thorin, _ = await thorin_proposes(app, clients, 1, "Thorin takes 11 damage")
        screen = await open_editor(app, pilot)
        screen.query_one(".form-number", Input).value = "4"

        await pilot.press("ctrl+o")
        await until(pilot, lambda: not screen.in_words, "the JSON editor")
        json_editor = screen.query_one("#ops-editor", TextArea)
        assert '"value": 4' in json_editor.text
        json_editor.text = json_editor.text.replace('"value": 4', '"value": 8')

        await pilot.press("ctrl+o")
        await until(pilot, lambda: screen.in_words, "the form")
        await pilot.pause()
        assert screen.query_one(".form-number", Input).value == "8"
        await pilot.press("ctrl+s")
        await alice.wait_for(lambda: alice.view["actors"][thorin]["hp"]["current"] == 8)


async def test_a_token_move_and_hp_show_as_two_rows(tmp_path: Path, clients: list[Client]) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        thorin = await give(app, "Thorin", alice)
        positions = app.session.manager.state["currentSession"]["tokenPositions"]
        start = positions[thorin]
        await propose(
            alice,
            "Thorin steps back and bandages",
            [
                {
                    "op": "replace",
                    "path": f"/currentSession/tokenPositions/{thorin}",
                    "value": {"x": 5, "y": 6},
                },
                {"op": "replace", "path": f"/actors/{thorin}/hp/current", "value": 11},
            ],
        )
        screen = await open_editor(app, pilot)
        assert form_titles(app) == [
            f"Thorin: position ({start['x']}, {start['y']}) →",
            "Thorin: HP 12 →",
        ]
        x, y, hp = screen.query(".form-number").results(Input)
        assert (x.value, y.value, hp.value) == ("5", "6", "11")
        y.value = "7"
        await pilot.press("ctrl+s")
        await alice.wait_for(
            lambda: alice.view["currentSession"]["tokenPositions"][thorin] == {"x": 5, "y": 7}
        )
        assert alice.view["actors"][thorin]["hp"]["current"] == 11


async def test_a_wrong_number_says_so_and_approves_nothing(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        _, thorin, _ = await thorin_proposes(app, clients, 1, "Thorin takes 11 damage")
        screen = await open_editor(app, pilot)
        screen.query_one(".form-number", Input).value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EditOpsScreen)
        assert "whole number" in str(screen.query_one("#ops-error", Label).render())
        assert app.session.manager.state["actors"][thorin]["hp"]["current"] == 12


async def test_stale_refusal_says_in_words_what_changed(
    tmp_path: Path, clients: list[Client]
) -> None:
    # Refresh only when the test says so, to approve from an outdated screen.
    async with running(tmp_path, refresh_interval_s=3600) as (app, pilot):
        _, thorin, action_id = await thorin_proposes(app, clients, 5, "Thorin is hit")
        app.apply_pending()
        hp = {"current": 3, "max": 12, "temp": 0}
        await app.session.manager.submit(
            {"kind": "update_actor", "id": thorin, "set": {"hp": hp}}, GM_CALLER
        )
        await pilot.press("1", "a")
        await until(pilot, lambda: action_id in queue_of(app).stale, "the stale mark")
        await pilot.pause()
        shown = str(app.screen.query_one(ProposalDetail).render())
        assert "Thorin · HP current: 12 when you looked, 3 now; Alice asked for 5" in shown
