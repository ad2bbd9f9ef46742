"""What is hard to take back asks first: quitting with players here, a new join code,
taking a combatant out. Quitting with nobody here, or on SIGTERM, does not ask."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Label

from tests.tui.conftest import join, serving_config, table_app, until, wait_ready
from tui.app import GmApp
from tui.screens.confirm import ConfirmScreen
from tui.screens.main import MainScreen
from vtt_host.client import Client

SIZE = (120, 40)


def question(app: GmApp) -> str:
    assert isinstance(app.screen, ConfirmScreen)
    return str(app.screen.query_one(".dialog-title", Label).render())


async def test_quit_with_players_connected_asks_first(
    tmp_path: Path, clients: list[Client]
) -> None:
    app = GmApp(serving_config(tmp_path / "data", demo=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        alice = await join(app, clients, "Alice", auto_resume=False)
        await join(app, clients, "Bob")
        await until(pilot, lambda: app.session.players_connected() == 2, "both players")

        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert question(app) == "2 players are connected; quit anyway?"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the table again")
        assert app.is_running
        assert not alice.is_closed

        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await alice.wait_for(lambda: alice.closed_with is not None)
    assert app.return_code == 0


async def test_quit_with_nobody_connected_does_not_ask(tmp_path: Path) -> None:
    app = GmApp(serving_config(tmp_path / "data", demo=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, "the app to stop")
    assert app.return_code == 0


async def test_sigterm_quits_without_asking_even_with_players(
    tmp_path: Path, clients: list[Client]
) -> None:
    app = GmApp(serving_config(tmp_path / "data", demo=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        alice = await join(app, clients, "Alice", auto_resume=False)
        await until(pilot, lambda: app.session.players_connected() == 1, "Alice")
        app._on_signal()  # what the SIGTERM handler calls
        await alice.wait_for(lambda: alice.closed_with is not None)
        await until(pilot, lambda: not app.is_running, "the app to stop")
        assert not isinstance(app.screen, ConfirmScreen)


async def test_new_join_code_asks_first(tmp_path: Path) -> None:
    app = GmApp(serving_config(tmp_path / "data", demo=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        code = app.session.join_code()
        await pilot.press("3", "r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert "new join code" in question(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the table again")
        assert app.session.join_code() == code

        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await until(pilot, lambda: app.session.join_code() != code, "a new code")


async def test_removing_a_combatant_asks_first(table_dir: Path) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        initiative = app.session.manager.state["currentSession"]["initiative"]
        table = app.screen.query_one("#initiative-table", DataTable)
        await pilot.press("2")
        await until(pilot, lambda: table.row_count == 4, "the order")

        await pilot.press("d")  # Pip, first in the order
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert question(app).startswith("Take Pip out of the encounter?")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the table again")
        assert len(initiative) == 4

        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await until(
            pilot,
            lambda: len(app.session.manager.state["currentSession"]["initiative"]) == 3,
            "Pip to leave the order",
        )
