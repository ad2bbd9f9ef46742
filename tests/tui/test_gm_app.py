"""The GM drives the app with keys while players are connected over real sockets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Label
from websockets.asyncio.client import connect

from tests.tui.conftest import actor_id, join, serving_config, until, wait_ready
from tui.app import GmApp
from tui.screens.claim import ClaimScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.edit_ops import EditOpsScreen
from tui.screens.pick import PickScreen
from tui.widgets.approval_queue import ApprovalQueue
from tui.widgets.join_info import JoinInfo
from tui.widgets.map_view import MapView
from tui.widgets.proposal_detail import ProposalDetail
from vtt_host.actions import GM_CALLER, Caller
from vtt_host.client import Client, ConnectionRefused

SIZE = (120, 40)


def demo_app(tmp_path: Path, **options: Any) -> GmApp:
    return GmApp(serving_config(tmp_path / "data", demo=True, **options))


@asynccontextmanager
async def running(tmp_path: Path, **options: Any) -> AsyncIterator[tuple[GmApp, Pilot[Any]]]:
    """The demo campaign's GM app, run headless until it has opened the campaign."""
    app = demo_app(tmp_path, **options)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        yield app, pilot


async def give(app: GmApp, name: str, player: Client) -> str:
    """The GM assigns the actor called ``name`` to ``player``; returns its id."""
    actor = actor_id(app.session.manager.state, name)
    await app.session.submit(
        {"kind": "assign_actor", "actorId": actor, "playerId": player.player_id}
    )
    return actor


async def propose_hp(player: Client, actor: str, value: int, summary: str) -> str:
    ack = await player.act(
        {
            "kind": "propose",
            "summary": summary,
            "changes": [{"op": "replace", "path": f"/actors/{actor}/hp/current", "value": value}],
        }
    )
    assert ack["status"] == "pending", ack
    return str(ack["actionId"])


async def thorin_proposes(
    app: GmApp, clients: list[Client], hp: int, summary: str
) -> tuple[Client, str, str]:
    """Alice joins, the GM gives her Thorin, and she proposes a new HP for him.

    Returns (Alice's client, Thorin's id, the proposal's action id).
    """
    alice = await join(app, clients, "Alice")
    thorin = await give(app, "Thorin", alice)
    return alice, thorin, await propose_hp(alice, thorin, hp, summary)


def queue_of(app: GmApp) -> ApprovalQueue:
    return app.screen.query_one(ApprovalQueue)


async def test_gm_approves_a_proposal_and_the_player_receives_it(
    tmp_path: Path, clients: list[Client]
) -> None:
    app = demo_app(tmp_path)
    notes: list[str | None] = []
    notify = app.notify

    def remember(message: str, **options: Any) -> None:
        notes.append(options.get("title"))
        notify(message, **options)

    app.notify = remember  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        alice, thorin, action_id = await thorin_proposes(
            app, clients, 5, "Thorin is hit by an arrow"
        )
        await until(pilot, lambda: len(queue_of(app).proposals) == 1, "the proposal")

        detail = app.screen.query_one(ProposalDetail)
        assert detail.proposal is not None
        assert detail.proposal.changes == ("Thorin · HP current: 12 → 5",)
        assert any(title == "New proposal" for title in notes)

        await pilot.press("1", "a")
        await alice.wait_for(lambda: alice.view["actors"][thorin]["hp"]["current"] == 5)
        decided = await alice.next_frame("decided")
        assert decided["actionId"] == action_id
        assert decided["approved"] is True
        await until(pilot, lambda: not queue_of(app).proposals, "the queue to empty")


async def test_gm_rejects_with_a_reason_the_player_reads(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        alice, thorin, _ = await thorin_proposes(app, clients, 99, "Thorin feels great")
        await until(pilot, lambda: len(queue_of(app).proposals) == 1, "the proposal")

        await pilot.press("1", "x")
        await pilot.pause()
        await pilot.press(*"Nice try", "enter")
        decided = await alice.next_frame("decided")
        assert decided["approved"] is False
        assert decided["reason"] == "Nice try"
        assert alice.view["actors"][thorin]["hp"]["current"] == 12


async def test_gm_edits_the_changes_before_approving(tmp_path: Path, clients: list[Client]) -> None:
    async with running(tmp_path) as (app, pilot):
        alice, thorin, _ = await thorin_proposes(app, clients, 1, "Thorin takes 11 damage")
        await until(pilot, lambda: len(queue_of(app).proposals) == 1, "the proposal")

        await pilot.press("1", "e")
        await until(pilot, lambda: isinstance(app.screen, EditOpsScreen), "the editor")
        await pilot.press("ctrl+o")  # the raw JSON Patch, under the form in words
        editor = app.screen.query_one("#ops-editor")
        edited = [{"op": "replace", "path": f"/actors/{thorin}/hp/current", "value": 6}]
        editor.text = json.dumps(edited)  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await alice.wait_for(lambda: alice.view["actors"][thorin]["hp"]["current"] == 6)


async def test_stale_approval_is_marked_with_what_changed_and_stays(
    tmp_path: Path, clients: list[Client]
) -> None:
    # Refresh only when the test says so, to approve from an outdated screen.
    async with running(tmp_path, refresh_interval_s=3600) as (app, pilot):
        alice, thorin, action_id = await thorin_proposes(app, clients, 5, "Thorin is hit")
        app.apply_pending()
        assert len(queue_of(app).proposals) == 1

        hp = {"current": 3, "max": 12, "temp": 0}
        await app.session.manager.submit(
            {"kind": "update_actor", "id": thorin, "set": {"hp": hp}}, GM_CALLER
        )
        await pilot.press("1", "a")
        path = f"/actors/{thorin}/hp"
        await until(pilot, lambda: action_id in queue_of(app).stale, "the stale mark")
        assert any(p.startswith(path) for p in queue_of(app).stale[action_id])
        assert app.session.manager.state["currentSession"]["pendingActions"][0]["id"] == action_id
        detail = app.screen.query_one(ProposalDetail)
        assert detail.has_class("-stale")
        assert "Stale" in str(detail.render())

        app.apply_pending()
        await pilot.press("a")
        await alice.wait_for(lambda: alice.view["actors"][thorin]["hp"]["current"] == 5)
        app.apply_pending()
        assert not queue_of(app).proposals


async def test_gm_runs_initiative_and_players_follow_the_turns(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")

        await pilot.press("2", "s")
        await until(pilot, lambda: isinstance(app.screen, PickScreen), "the encounter list")
        await pilot.press("enter")
        await alice.wait_for(lambda: alice.view["currentSession"]["activeEncounterId"] is not None)
        await pilot.press("r")
        await alice.wait_for(
            lambda: all(e["value"] is not None for e in alice.view["currentSession"]["initiative"])
        )
        session = alice.view["currentSession"]
        count, first = len(session["initiative"]), session["turn"]
        await pilot.press("n")
        await alice.wait_for(lambda: session["turn"] == (first + 1) % count)
        await pilot.press("p")
        await alice.wait_for(lambda: session["turn"] == first)
        for _ in range(count - first):
            await pilot.press("n")
        await alice.wait_for(lambda: session["round"] == 2)
        assert session["turn"] == 0

        await pilot.press("e")
        await pilot.pause()
        await pilot.press("y")
        await alice.wait_for(lambda: alice.view["currentSession"]["activeEncounterId"] is None)


async def test_gm_edits_hit_points_and_conditions(tmp_path: Path, clients: list[Client]) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        thorin = await give(app, "Thorin", alice)
        encounter = next(iter(app.session.manager.state["encounters"]))
        await app.session.submit({"kind": "start_encounter", "encounterId": encounter})
        await pilot.press("2")
        await until(
            pilot,
            lambda: app.screen.query_one("#initiative-table", DataTable).row_count > 0,
            "rows",
        )

        await pilot.press("minus", "minus")
        await alice.wait_for(lambda: alice.view["actors"][thorin]["hp"]["current"] == 10)
        await pilot.press("h")
        await pilot.pause()
        conditions = app.screen.query_one("#conditions")
        conditions.value = "Prone, Blessed (2)"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await alice.wait_for(lambda: len(alice.view["actors"][thorin]["conditions"]) == 2)
        assert alice.view["actors"][thorin]["conditions"][1] == {
            "name": "Blessed",
            "rounds": 2,
            "note": "",
        }


async def test_gm_moves_a_token_with_the_arrow_keys(tmp_path: Path, clients: list[Client]) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        await pilot.press("5")
        token = app.screen.query_one(MapView).selected_token
        assert token is not None
        start = app.session.manager.state["currentSession"]["tokenPositions"][token.actor_id]

        await pilot.press("right", "right", "right", "down")
        positions = alice.view["currentSession"]["tokenPositions"]
        await alice.wait_for(
            lambda: positions.get(token.actor_id) == {"x": start["x"] + 3, "y": start["y"] + 1}
        )
        await until(
            pilot,
            lambda: app.screen.query_one(MapView).selected_token.x == start["x"] + 3,  # type: ignore[union-attr]
            "the map to follow",
        )


async def test_hidden_token_is_marked_and_revealed_to_players(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        boss = actor_id(app.session.manager.state, "Goblin Boss")
        assert boss not in alice.view["actors"]
        await pilot.press("5")
        map_view = app.screen.query_one(MapView)
        map_view.selected = boss
        assert map_view.selected_token is not None
        assert map_view.selected_token.hidden

        await pilot.press("v")
        await alice.wait_for(lambda: boss in alice.view["actors"])
        await until(pilot, lambda: not map_view.selected_token.hidden, "the mark to go")  # type: ignore[union-attr]


async def test_gm_chats_whispers_and_rolls(tmp_path: Path, clients: list[Client]) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        bob = await join(app, clients, "Bob")
        await pilot.press("4")
        await pilot.press(*"Welcome to the table", "enter")
        await pilot.press(*"/w Alice the amulet is cursed", "enter")
        await pilot.press(*"/r 1d20+2 Ambush", "enter")

        def texts(client: Client) -> list[str]:
            return [m["text"] for m in client.view["currentSession"]["chatMessages"]]

        await alice.wait_for(lambda: len(texts(alice)) == 3)
        assert texts(alice)[:2] == ["Welcome to the table", "the amulet is cursed"]
        assert alice.view["currentSession"]["chatMessages"][2]["roll"]["label"] == "Ambush"
        await bob.wait_for(lambda: len(texts(bob)) == 2)
        assert "the amulet is cursed" not in texts(bob)


async def test_players_panel_shows_join_details_and_kicks(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path, public_url="https://table.example/") as (app, pilot):
        alice = await join(app, clients, "Alice")
        code = app.session.join_code()
        assert app.session.join_link() == f"https://table.example/?code={code}"
        await pilot.press("3")
        await until(
            pilot, lambda: app.screen.query_one("#players-table", DataTable).row_count == 1, "Alice"
        )

        await pilot.press("c")
        assert app.clipboard == f"https://table.example/?code={code}"
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await until(pilot, lambda: app.session.join_code() != code, "a new code")

        await pilot.press("k")
        await pilot.pause()
        await pilot.press("y")
        await alice.wait_for(lambda: alice.closed_with is not None)
        assert alice.closed_with is not None
        assert alice.closed_with[0] == 4004
        await until(
            pilot,
            lambda: not app.session.manager.state["currentSession"]["connectedPlayers"],
            "Alice to be gone",
        )


async def test_players_panel_shows_where_to_read_metrics_and_their_token(
    tmp_path: Path,
) -> None:
    token = "scrape-token-for-prometheus-0123"
    async with running(tmp_path, metrics_token=token) as (app, pilot):
        await pilot.press("3")
        await pilot.pause()
        shown = str(app.screen.query_one(JoinInfo).render())
        assert app.session.host is not None
        assert f"{app.session.host.metrics_url}" in shown
        assert f"Authorization: Bearer {token}" in shown


async def test_every_palette_command_names_an_action_that_exists(tmp_path: Path) -> None:
    from tui.commands import COMMANDS
    from tui.screens.main import MainScreen

    for command in COMMANDS:
        target = GmApp if command.action.startswith("app.") else MainScreen
        name = command.action.removeprefix("app.").split("(")[0]
        assert callable(getattr(target, f"action_{name}", None)), command


async def test_command_palette_runs_an_action(tmp_path: Path, clients: list[Client]) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        encounter = next(iter(app.session.manager.state["encounters"]))
        await app.session.submit({"kind": "start_encounter", "encounterId": encounter})

        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Next turn")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await alice.wait_for(lambda: alice.view["currentSession"]["turn"] == 1)


async def test_flood_of_player_moves_is_applied_in_batches(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    applied: list[int] = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("5")  # the map is on screen, so it is redrawn with each batch
        screen = app.screen
        original = screen.apply  # type: ignore[attr-defined]

        def counting(batch: Any) -> None:
            applied.append(len(batch))
            original(batch)

        screen.apply = counting  # type: ignore[attr-defined]
        manager = app.session.manager
        pip = actor_id(manager.state, "Pip")
        await manager.join("p_flood", "Flood")
        await manager.submit(
            {"kind": "assign_actor", "actorId": pip, "playerId": "p_flood"}, GM_CALLER
        )
        player = Caller("player", "p_flood", "Flood")
        await asyncio.gather(
            *(
                manager.submit({"kind": "move_token", "tokenId": pip, "x": i % 20, "y": 2}, player)
                for i in range(400)
            )
        )
        # 402: the join and the assignment are changes too, shown in the same batches.
        await until(pilot, lambda: sum(applied) >= 402, "every change to be shown")
        assert len(applied) < 100, "the widgets were updated per change, not per batch"
        token = next(t for t in screen.query_one(MapView).board.tokens if t.actor_id == pip)
        assert (token.x, token.y) == (399 % 20, 2)


async def test_gm_moves_a_token_with_the_mouse(tmp_path: Path, clients: list[Client]) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        await pilot.press("5")
        map_view = app.screen.query_one(MapView)
        goblin = actor_id(app.session.manager.state, "Goblin 1")
        position = app.session.manager.state["currentSession"]["tokenPositions"][goblin]

        await pilot.click(MapView, offset=(position["x"] * 2, position["y"]))
        assert map_view.selected == goblin
        await pilot.click(MapView, offset=(2 * 2, 1))
        positions = alice.view["currentSession"]["tokenPositions"]
        await alice.wait_for(lambda: positions.get(goblin) == {"x": 2, "y": 1})


def claim_text(app: GmApp) -> str:
    return " ".join(str(label.render()) for label in app.screen.query(Label))


async def test_gm_is_asked_before_a_known_name_gets_in_and_approves_with_a_key(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        thorin = await give(app, "Thorin", alice)
        phone = asyncio.create_task(join(app, clients, "alice"))
        await until(pilot, lambda: isinstance(app.screen, ClaimScreen), "the claim prompt")
        assert "Is this Alice?" in claim_text(app)
        assert "127.0.0.1" in claim_text(app)
        assert not phone.done()

        await pilot.press("a")
        device = await phone
        assert device.player_id == alice.player_id
        assert device.view["actors"][thorin]["owner"] == alice.player_id
        await until(pilot, lambda: not isinstance(app.screen, ClaimScreen), "the prompt to go")


async def test_gm_refuses_a_claim_and_the_claimant_is_turned_away(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        stranger = asyncio.create_task(join(app, clients, "Alice"))
        await until(pilot, lambda: isinstance(app.screen, ClaimScreen), "the claim prompt")

        await pilot.press("r")
        with pytest.raises(ConnectionRefused) as refused:
            await stranger
        assert refused.value.code == 4001
        assert not alice.is_closed
        assert list(app.session.manager.state["players"]) == [alice.player_id]


async def test_claim_prompt_goes_away_when_the_claimant_gives_up(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        await join(app, clients, "Alice")
        host = app.session.host
        assert host is not None
        ws = await connect(host.local_url)
        hello = {"type": "hello", "protocol": 1, "name": "Alice", "code": app.session.join_code()}
        await ws.send(json.dumps(hello))
        await until(pilot, lambda: isinstance(app.screen, ClaimScreen), "the claim prompt")
        await ws.close()
        await until(pilot, lambda: not isinstance(app.screen, ClaimScreen), "the prompt to go")
        assert app.session.pending_claims() == []


async def test_gm_removes_an_away_player_to_make_room(
    tmp_path: Path, clients: list[Client]
) -> None:
    async with running(tmp_path) as (app, pilot):
        eve = await join(app, clients, "Eve", auto_resume=False)
        thorin = await give(app, "Thorin", eve)
        await eve.close()
        state = app.session.manager.state
        await until(pilot, lambda: not state["currentSession"]["connectedPlayers"], "Eve to leave")
        await pilot.press("3")
        await until(
            pilot, lambda: app.screen.query_one("#players-table", DataTable).row_count == 1, "Eve"
        )

        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        await until(pilot, lambda: eve.player_id not in state["players"], "Eve to be removed")
        assert state["actors"][thorin]["owner"] is None
