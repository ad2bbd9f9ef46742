"""Snapshots of the GM app's panels, wide (120x40) and small (80x24).

The campaign has fixed ids and times, the clock zone is UTC and the app does not
serve (no port or join code on screen), so the pictures are the same on every run.
Update them with ``pytest tests/tui --snapshot-update`` after checking the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.conftest import wait_ready
from tui.app import GmApp
from tui.config import AppConfig
from tui.widgets.join_info import JoinInfo

WIDE, SMALL = (120, 40), (80, 24)
TABS = {"queue": "1", "initiative": "2", "players": "3", "chat": "4", "map": "5"}


def table_app(data_dir: Path) -> GmApp:
    return GmApp(AppConfig(data_dir=data_dir, serve=False, announce=False))


def showing(*keys: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_ready(pilot)
        if keys:
            await pilot.press(*keys)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()

    return run_before


@pytest.mark.parametrize("tab", list(TABS))
def test_panels_wide(tab: str, table_dir: Path, snap_compare: Any) -> None:
    assert snap_compare(table_app(table_dir), terminal_size=WIDE, run_before=showing(TABS[tab]))


@pytest.mark.parametrize("tab", ["queue", "initiative", "map", "chat"])
def test_panels_small(tab: str, table_dir: Path, snap_compare: Any) -> None:
    assert snap_compare(table_app(table_dir), terminal_size=SMALL, run_before=showing(TABS[tab]))


def test_players_with_join_details(table_dir: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await showing("3")(pilot)
        info = pilot.app.screen.query_one(JoinInfo)
        info.code, info.lan = "K7QM-4XPD-TR", "192.168.1.20:8765"
        info.link = "https://table.example/?code=K7QM-4XPD-TR"
        await pilot.pause()

    assert snap_compare(table_app(table_dir), terminal_size=WIDE, run_before=run_before)


def test_queue_with_the_join_line(table_dir: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await showing()(pilot)
        # As if serving: the screen reads the join details from the session on each tick.
        session = pilot.app.session  # type: ignore[attr-defined]
        session.join_code = lambda: "K7QM-4XPD-TR"
        session.join_link = lambda: "http://192.168.1.20:8765/?code=K7QM-4XPD-TR"
        session.lan_endpoint = lambda: "192.168.1.20:8765"
        pilot.app.screen.show_status()  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(table_app(table_dir), terminal_size=SMALL, run_before=run_before)


def test_help_screen(table_dir: Path, snap_compare: Any) -> None:
    assert snap_compare(table_app(table_dir), terminal_size=WIDE, run_before=showing("f1"))


def test_reject_dialog(table_dir: Path, snap_compare: Any) -> None:
    assert snap_compare(table_app(table_dir), terminal_size=WIDE, run_before=showing("1", "x"))


def test_edit_before_approving_dialog(table_dir: Path, snap_compare: Any) -> None:
    run_before = showing("1", "down", "e")
    assert snap_compare(table_app(table_dir), terminal_size=WIDE, run_before=run_before)


def test_empty_library_offers_to_create(tmp_path: Path, snap_compare: Any) -> None:
    app = GmApp(AppConfig(data_dir=tmp_path / "empty", serve=False, announce=False))

    async def run_before(pilot: Pilot[Any]) -> None:
        while type(pilot.app.screen).__name__ != "WelcomeScreen":
            await pilot.pause(0.02)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)
