"""Pilot helpers for the library tests: run the app, find entries, drive dialogs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, Label

from tests.tui.conftest import serving_config, until, wait_ready
from tui.app import GmApp
from tui.screens.pick import PickScreen
from tui.widgets.library_panel import LibraryPanel

SIZE = (120, 40)


@asynccontextmanager
async def running(tmp_path: Path, **options: Any) -> AsyncIterator[tuple[GmApp, Pilot[Any]]]:
    """The sample campaign's GM app, serving on loopback, on the library tab."""
    app = GmApp(serving_config(tmp_path / "data", demo=True, **options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("6")
        await pilot.pause()
        yield app, pilot


def panel(app: GmApp) -> LibraryPanel:
    return app.get_default_screen().query_one(LibraryPanel)


def is_modal(app: GmApp) -> bool:
    return app.screen is not app.get_default_screen()


def state(app: GmApp) -> Any:
    return app.session.manager.state


def shown_names(app: GmApp) -> list[str]:
    return [row.name for row in panel(app).shown]


def entity_named(app: GmApp, collection: str, name: str) -> str:
    return str(next(e["id"] for e in state(app)[collection].values() if e["name"] == name))


async def choose(app: GmApp, pilot: Pilot[Any], collection: str, name: str) -> None:
    """Select an entry the way the GM does: filter by its name, Enter, then Escape
    clears the filter with the entry still selected."""
    await pilot.press("slash", *name, "enter")
    await until(pilot, lambda: panel(app).selected is not None, f"{name} in the list")
    row = panel(app).selected
    assert row is not None
    if row.name != name:
        assert panel(app).select(collection, entity_named(app, collection, name))
    await pilot.pause()


async def on_screen(pilot: Pilot[Any], kind: type, what: str) -> Any:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, kind), what)
    await pilot.pause()
    return app.screen


def typed(screen: Any, widget_id: str, text: str) -> None:
    screen.query_one(f"#{widget_id}", Input).value = text


def errors_on(screen: Any) -> dict[str, str]:
    """The error slots shown on a sheet, by id."""
    return {
        str(label.id): str(label.render())
        for label in screen.query(".field-error").results(Label)
        if label.has_class("-shown")
    }


async def pick(pilot: Pilot[Any], text: str) -> None:
    """Choose the option of a PickScreen whose text starts with ``text``, by keys."""
    screen = await on_screen(pilot, PickScreen, "the choice")
    options = screen.query_one("#pick-list")
    index = next(
        i
        for i in range(options.option_count)
        if str(options.get_option_at_index(i).prompt).startswith(text)
    )
    for _ in range(index):
        await pilot.press("down")
    await pilot.press("enter")
    await pilot.pause()
