"""The settings screen (F8): the campaign's approvals and NPC hit points, and the app's
public URL and backup policy, saved where each belongs and in effect at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Label, RadioButton

from tests.tui.conftest import join, serving_config, until, wait_ready
from tui.app import GmApp
from tui.config import AppConfig
from tui.preferences import Preferences
from tui.screens.settings import SettingsScreen
from vtt_host.client import Client

WIDE, SMALL = (120, 40), (80, 24)


def settings_app(data_dir: Path) -> GmApp:
    return GmApp(AppConfig(data_dir=data_dir, serve=False, announce=False))


def saved_preferences(data_dir: Path) -> dict[str, Any]:
    saved: dict[str, Any] = json.loads((data_dir / "gm-app.json").read_text())["preferences"]
    return saved


async def open_settings(pilot: Pilot[Any]) -> SettingsScreen:
    await wait_ready(pilot)
    await pilot.press("f8")
    await until(pilot, lambda: isinstance(pilot.app.screen, SettingsScreen), "the settings")
    screen = pilot.app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def type_into(pilot: Pilot[Any], screen: SettingsScreen, selector: str, text: str) -> None:
    field = screen.query_one(selector, Input)
    field.value = ""
    field.focus()
    await pilot.press(*text)


# -- the campaign's settings ---------------------------------------------------------


async def test_an_approval_ticked_makes_players_rolls_wait(table_dir: Path) -> None:
    app = GmApp(serving_config(table_dir))
    clients: list[Client] = []
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_settings(pilot)
        assert not screen.query_one("#approve-roll", Checkbox).value
        screen.query_one("#approve-roll", Checkbox).value = True
        await pilot.press("ctrl+s")
        state = app.session.manager.state
        await until(
            pilot,
            lambda: "roll" in state["currentSession"]["gmSettings"]["requireApproval"],
            "the approval to be saved",
        )
        carol = await join(app, clients, "Carol")
        try:
            ack = await carol.act({"kind": "roll", "expr": "1d20"})
            assert ack["status"] == "pending"
        finally:
            for client in clients:
                await client.close()


async def test_npc_hit_points_follow_the_choice_for_players(table_dir: Path) -> None:
    app = GmApp(serving_config(table_dir))
    clients: list[Client] = []
    async with app.run_test(size=WIDE) as pilot:
        await wait_ready(pilot)
        state = app.session.manager.state
        goblin = next(a["id"] for a in state["actors"].values() if a["name"] == "Goblin 1")
        carol = await join(app, clients, "Carol")
        try:
            screen = await open_settings(pilot)
            screen.query_one("#npc-hp-none", RadioButton).value = True
            await pilot.press("ctrl+s")
            await until(
                pilot,
                lambda: state["currentSession"]["gmSettings"]["npcHitPoints"] == "none",
                "the setting to be saved",
            )
            await until(
                pilot, lambda: carol.view["actors"][goblin]["hp"] is None, "the player's view"
            )
            screen = await open_settings(pilot)
            screen.query_one("#npc-hp-exact", RadioButton).value = True
            await pilot.press("ctrl+s")
            exact = state["actors"][goblin]["hp"]
            await until(pilot, lambda: carol.view["actors"][goblin]["hp"] == exact, "exact numbers")
        finally:
            for client in clients:
                await client.close()


async def test_cancel_changes_nothing(table_dir: Path) -> None:
    app = settings_app(table_dir)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_settings(pilot)
        version = app.session.manager.version
        screen.query_one("#approve-chat", Checkbox).value = True
        await type_into(pilot, screen, "#backup-every", "1")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        assert app.session.manager.version == version
        assert not (table_dir / "gm-app.json").exists() or "preferences" not in json.loads(
            (table_dir / "gm-app.json").read_text()
        )


# -- the app's preferences -----------------------------------------------------------


async def test_a_public_url_becomes_the_join_link(table_dir: Path) -> None:
    app = GmApp(serving_config(table_dir))
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_settings(pilot)
        await type_into(pilot, screen, "#public-url", "https://table.example.org/")
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, SettingsScreen), "the save")
        link = app.session.join_link()
        assert link is not None
        assert link.startswith("https://table.example.org/?code=")
        assert saved_preferences(table_dir)["public_url"] == "https://table.example.org"


async def test_the_backup_policy_applies_now_and_after_a_restart(table_dir: Path) -> None:
    app = settings_app(table_dir)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_settings(pilot)
        await type_into(pilot, screen, "#backup-every", "2")
        await type_into(pilot, screen, "#keep-newest", "4")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, SettingsScreen), "the save")
        library = app.session.lib
        assert library.backup_policy.interval_s == 120.0
        assert library.backups.keep_newest == 4
        assert app.session.live.backup_policy.interval_s == 120.0

    again = settings_app(table_dir)
    async with again.run_test(size=WIDE) as pilot:
        await wait_ready(pilot)
        assert again.session.lib.backup_policy.interval_s == 120.0
        assert again.session.live.backup_policy.keep_newest == 4


@pytest.mark.parametrize(
    ("selector", "typed", "field", "shown"),
    [
        ("#backup-every", "0", "backup_every_minutes", "greater than or equal to 1"),
        ("#keep-newest", "many", "keep_newest", "valid integer"),
        ("#public-url", "table.example.org", "public_url", "starts with https://"),
        ("#public-url", "https://t.example/?code=ABCD", "public_url", "no ?query"),
    ],
    ids=["no-interval", "not-a-number", "no-scheme", "a-query"],
)
async def test_bad_values_are_named_and_nothing_is_saved(
    table_dir: Path, selector: str, typed: str, field: str, shown: str
) -> None:
    app = settings_app(table_dir)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_settings(pilot)
        await type_into(pilot, screen, selector, typed)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen, "the screen stays open to fix the value"
        assert shown in str(screen.query_one(f"#{field}-error", Label).render())
    assert app.session.preferences == Preferences()


def test_unreadable_saved_preferences_fall_back_to_the_defaults() -> None:
    assert Preferences.from_settings({"preferences": {"keep_newest": 0}}) == Preferences()
    assert Preferences.from_settings({"preferences": "nonsense"}) == Preferences()
    kept = Preferences.from_settings({"preferences": {"keep_newest": 3, "unknown": 1}})
    assert kept.keep_newest == 3


# -- how it looks ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [WIDE, SMALL], ids=["120x40", "80x24"])
def test_settings_snapshot(size: tuple[int, int], table_dir: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await open_settings(pilot)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()

    assert snap_compare(settings_app(table_dir), terminal_size=size, run_before=run_before)
