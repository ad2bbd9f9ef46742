"""The player's page names grid cells the way the GM app and the change log do.

Positions are the cells as the campaign document stores them, ``(x, y)`` from the
top-left ``(0, 0)``: the GM reads "Thorin at (3, 10)", so the player must too.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.helpers import join
from tui.describe import cell_text

pytestmark = pytest.mark.slow

RENDER_SHEET = """async (view) => {
  const { renderSheet } = await import('/sheet.js');
  const root = document.createElement('div');
  renderSheet(root, view, 'p_alice');
  return root.textContent;
}"""


def sheet_view(x: int, y: int) -> dict[str, Any]:
    thorin = {
        "id": "a_thorin",
        "name": "Thorin",
        "type": "character",
        "owner": "p_alice",
        "hp": {"current": 9, "max": 12, "temp": 0},
        "conditions": [],
        "inventory": [],
    }
    session = {"tokenPositions": {"a_thorin": {"x": x, "y": y}}, "initiative": []}
    return {"actors": {"a_thorin": thorin}, "currentSession": session, "players": {}}


async def test_sheet_shows_the_token_cell_as_the_gm_sees_it(browser: Any, server: Server) -> None:
    page = await browser.new_page()
    await page.goto(server.http)
    text = await page.evaluate(RENDER_SHEET, sheet_view(3, 10))
    assert f"at {cell_text(3, 10)}" in text
    assert cell_text(3, 10) == "(3, 10)"


async def test_map_tokens_are_labelled_with_their_stored_cell(browser: Any, server: Server) -> None:
    player = await join(browser, server, "Cartographer")
    try:
        tokens = player.page.locator(".token")
        assert await tokens.count() > 0
        for index in range(await tokens.count()):
            token = tokens.nth(index)
            x = int(await token.get_attribute("data-x"))
            y = int(await token.get_attribute("data-y"))
            label = await token.get_attribute("aria-label")
            assert f"at {cell_text(x, y)}" in label
    finally:
        await player.context.close()
