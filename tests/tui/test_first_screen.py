"""What the GM can do on the first screen, right after the app starts."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TabbedContent

from tests.tui.conftest import actor_id, serving_config, table_app, until, wait_ready
from tui.app import GmApp
from tui.widgets.join_line import JoinLine

SIZE = (120, 40)


async def test_queue_keys_work_right_after_start(table_dir: Path) -> None:
    app = table_app(table_dir)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        state = app.session.manager.state
        elara = actor_id(state, "Elara")

        await pilot.press("a")  # approves the first proposal: Elara's potion
        await until(
            pilot, lambda: len(state["currentSession"]["pendingActions"]) == 1, "the approval"
        )
        assert state["actors"][elara]["hp"]["current"] == 9
        assert state["currentSession"]["pendingActions"][0]["id"] == "act_02"


async def test_join_link_and_code_are_on_the_first_tab(tmp_path: Path) -> None:
    app = GmApp(serving_config(tmp_path / "data", demo=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        assert app.screen.query_one("#tabs", TabbedContent).active == "queue"
        line = app.screen.query_one(JoinLine)
        code, link = app.session.join_code(), app.session.join_link()
        assert code is not None
        assert link is not None
        await until(pilot, lambda: code in str(line.render()), "the join line")
        assert link in str(line.render())
        assert line.region.height == 1  # on screen, above the tabs

        await pilot.press("5")  # still there on another tab
        await pilot.pause()
        assert line.is_on_screen
        assert code in str(line.render())
