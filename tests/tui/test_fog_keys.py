"""Fog of war from the keyboard: f covers the map, r reveals around the selected token."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import actor_id, table_app, until, wait_ready
from tui.widgets.map_view import MapView
from vtt_host.views import player, view

SIZE = (120, 40)


async def test_the_gm_covers_the_map_and_reveals_the_room_a_token_stands_in(
    table_dir: Path,
) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        manager = app.session.manager
        goblin = actor_id(manager.state, "Goblin 1")
        map_view = app.screen.query_one(MapView)

        def seen_by_players() -> dict[str, object]:
            actors: dict[str, object] = view(dict(manager.state), player("p"))["actors"]
            return actors

        await pilot.press("5")

        await pilot.press("f")
        await until(pilot, lambda: map_view.board.fog is not None, "fog on")
        assert next(t for t in map_view.board.tokens if t.actor_id == goblin).in_fog
        assert goblin not in seen_by_players()
        line = "".join(segment.text for segment in map_view.render_line(0))
        assert "░░" in line  # players see fog there

        map_view.selected = goblin
        await pilot.press("r")
        await until(
            pilot, lambda: goblin in view(dict(manager.state), player("p"))["actors"], "seen"
        )
        assert not next(t for t in map_view.board.tokens if t.actor_id == goblin).in_fog

        await pilot.press("R")
        await until(pilot, lambda: goblin not in seen_by_players(), "the goblin in fog again")
        await pilot.press("f")
        await until(pilot, lambda: map_view.board.fog is None, "fog off")
