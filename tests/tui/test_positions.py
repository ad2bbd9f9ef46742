"""The GM app names grid cells as the document stores them, like the player's page."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label

from tests.tui.conftest import actor_id, log_text, table_app, until, wait_ready
from tui.describe import cell_text
from tui.widgets.change_log import ChangeLog
from tui.widgets.map_view import MapView

SIZE = (120, 40)


async def test_map_title_and_change_log_show_the_stored_cell(table_dir: Path) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        state = app.session.manager.state
        thorin = actor_id(state, "Thorin")
        start = dict(state["currentSession"]["tokenPositions"][thorin])
        await pilot.press("5")
        app.screen.query_one(MapView).selected = thorin
        await pilot.pause()
        title = app.screen.query_one("#map-title", Label)
        assert f"Thorin at ({start['x']}, {start['y']})" in str(title.render())

        await pilot.press("right")
        moved = (start["x"] + 1, start["y"])
        await until(pilot, lambda: f"Thorin at {cell_text(*moved)}" in str(title.render()), "move")
        await pilot.press("4")
        await pilot.pause()
        lines = log_text(app.screen.query_one(ChangeLog))
        assert any(line.endswith(f"GM moved Thorin to {cell_text(*moved)}") for line in lines)
