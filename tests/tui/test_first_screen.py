"""What the GM can do on the first screen, right after the app starts."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import actor_id, table_app, until, wait_ready

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
