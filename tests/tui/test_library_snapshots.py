"""Snapshots of the library and of the sheets, wide (120x40) and small (80x24).

Same campaign, clock and settings as test_snapshots.py, so the pictures are the same
on every run. Update them with ``pytest tests/tui --snapshot-update`` after checking
the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.conftest import actor_id, wait_ready
from tests.tui.test_snapshots import SMALL, WIDE, table_app
from tui.screens.actor_sheet import ActorSheetScreen
from tui.widgets.library_panel import LibraryPanel

SIZES = {"120x40": WIDE, "80x24": SMALL}


def on_library(*keys: str, actor: str | None = None) -> Any:
    """Show the library (with ``actor`` selected), then press ``keys``."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_ready(pilot)
        await pilot.press("6")
        await pilot.pause()
        if actor is not None:
            app = pilot.app
            panel = app.screen.query_one(LibraryPanel)
            state = app.session.manager.state  # type: ignore[attr-defined]
            assert panel.select("actors", actor_id(state, actor))
        if keys:
            await pilot.press(*keys)
        await pilot.pause(0.2)
        await pilot.wait_for_scheduled_animations()

    return run_before


@pytest.mark.parametrize("size", list(SIZES))
def test_library(size: str, table_dir: Path, snap_compare: Any) -> None:
    run_before = on_library(actor="Goblin Boss")
    assert snap_compare(table_app(table_dir), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", list(SIZES))
def test_actor_sheet(size: str, table_dir: Path, snap_compare: Any) -> None:
    run_before = on_library("enter", actor="Thorin")
    assert snap_compare(table_app(table_dir), terminal_size=SIZES[size], run_before=run_before)


def test_actor_sheet_small_scrolled_to_its_notes(table_dir: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_library("enter", actor="Thorin")(pilot)
        pilot.app.screen.query_one("#image-path", Input).focus()
        await pilot.pause(0.2)

    assert snap_compare(table_app(table_dir), terminal_size=SMALL, run_before=run_before)


def test_actor_sheet_small_with_errors(table_dir: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await on_library("enter", actor="Thorin")(pilot)
        sheet = pilot.app.screen
        assert isinstance(sheet, ActorSheetScreen)
        sheet.query_one("#hp-current", Input).value = "30"
        sheet.query_one("#armor-class", Input).value = "-2"
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)

    assert snap_compare(table_app(table_dir), terminal_size=SMALL, run_before=run_before)


def test_new_map_sheet_small(table_dir: Path, snap_compare: Any) -> None:
    run_before = on_library("k", "k", "k", "k", "k", "k", "n")
    assert snap_compare(table_app(table_dir), terminal_size=SMALL, run_before=run_before)
