"""Finding the keys: the help screen, the footer and the command palette."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandList, CommandPalette
from textual.widgets import Static

from tests.tui.conftest import table_app, until, wait_ready
from tui.app import GmApp
from tui.keys import own_bindings
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen
from tui.screens.reject import RejectScreen
from tui.widgets.approval_queue import ApprovalQueue
from tui.widgets.chat_panel import ChatPanel
from tui.widgets.initiative_tracker import InitiativeTracker
from tui.widgets.library_panel import LibraryPanel
from tui.widgets.map_view import MapView
from tui.widgets.player_list import PlayerList

SIZE = (120, 40)
PANELS = (ApprovalQueue, InitiativeTracker, PlayerList, ChatPanel, MapView, LibraryPanel)
TAB_TITLES = ("1 Queue", "2 Initiative", "3 Players", "4 Chat & log", "5 Map", "6 Library")


def help_text(app: GmApp) -> str:
    assert isinstance(app.screen, HelpScreen)
    return "\n".join(
        str(group.render()) for group in app.screen.query(".help-group").results(Static)
    )


async def test_question_mark_lists_every_key_by_tab_and_escape_closes(table_dir: Path) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        text = help_text(app)
        for cls in (GmApp, MainScreen, *PANELS):
            for binding in own_bindings(cls):
                assert binding.description in text, (cls.__name__, binding)
        for title in ("Anywhere", "Every tab", *TAB_TITLES):
            assert title in text
        assert "1 Queue  (on screen)" in text
        for key, name in (("f2", "Open campaign"), ("f7", "Restore from backup")):
            line = next(line for line in text.splitlines() if name in line)
            assert line.split()[0] == key

        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), "the help to close")


async def test_f1_over_a_dialog_lists_its_keys_and_f1_closes(table_dir: Path) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, RejectScreen), "the reject dialog")
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        text = help_text(app)
        assert "Reject\n  esc" in text
        assert "Cancel" in text
        assert "Approve" not in text  # the queue's keys do not work in the dialog

        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, RejectScreen), "the dialog again")


async def test_palette_names_the_campaign_commands_with_their_f_keys(table_dir: Path) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        for name, key in (
            ("Open campaign", "f2"),
            ("New campaign", "f3"),
            ("Export campaign", "f4"),
            ("Import campaign", "f5"),
            ("Back up now", "f6"),
            ("Restore from backup", "f7"),
        ):
            await pilot.press("ctrl+p")
            await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
            await pilot.press(*name)
            results = app.screen.query_one(CommandList)
            await until(pilot, lambda hits=results: hits.option_count > 0, f"hits for {name}")
            first = str(results.get_option_at_index(0).prompt)
            assert name in first
            assert f"key {key}" in first
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, MainScreen), "the palette to close")


async def test_footer_offers_help(table_dir: Path) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        footer_keys = [
            key.description
            for key in app.screen.query("FooterKey")  # type: ignore[attr-defined]
        ]
        assert "Help" in footer_keys
