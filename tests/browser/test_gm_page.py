"""The GM's own page (``/?gm``): every token, hidden actors dimmed, any token dragged,
actors placed, revealed and hidden, fog painted; and what a player's page then shows,
and never shows, in its DOM and in every frame it received."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.helpers import (
    Player,
    actor_named,
    applied,
    drag_token,
    join,
    open_page,
    token_cell,
    wait_until,
)
from tests.browser.maps import DESKTOP, cell_colour, cell_point, close
from vtt_host.client import Client

pytestmark = pytest.mark.slow

FOG = (7, 8, 11)


async def open_gm_page(browser: Any, server: Server, gm: Client) -> Player:
    """The GM's page, resuming a GM session as a page opened from a GM link does."""
    page_gm = await open_page(browser, server, "GM", **DESKTOP)
    page = page_gm.page
    await page.goto(f"{server.http}?gm")
    record = {"session": gm.session, "playerId": "gm", "name": "GM"}
    sessions = {"last": server.campaign, "byCampaign": {server.campaign: record}}
    await page.evaluate(
        "(value) => localStorage.setItem(`vtt-host:${location.host}:gm:sessions`, value)",
        json.dumps(sessions),
    )
    await page.reload()
    await page.wait_for_selector("#game:not([hidden]) .token")
    return page_gm


async def test_the_gm_page_shows_every_token_and_moves_places_and_reveals(
    browser: Any, table: Server, gm: Client
) -> None:
    boss = actor_named(gm.view, "Goblin Boss")
    goblin = actor_named(gm.view, "Goblin 1")
    master = await open_gm_page(browser, table, gm)
    ola = await join(browser, table, "Ola", **DESKTOP)
    page = master.page
    assert await page.locator("#tab-actors").is_visible()
    assert await page.locator("#tab-chat").is_visible()
    assert not await page.locator("#tab-sheet").is_visible()
    secret = page.locator(f'.token.secret[data-actor-id="{boss}"]')
    await secret.wait_for()
    assert "hidden" in (await secret.get_attribute("aria-label") or "")
    assert await ola.page.locator(f'[data-actor-id="{boss}"]').count() == 0

    # Any token can be dragged; the player's page follows.
    await drag_token(page, goblin, 4, 12)
    await wait_until(
        ola.page, f"document.querySelector('.token[data-actor-id=\"{goblin}\"]').dataset.x === '4'"
    )
    assert await token_cell(ola.page, goblin) == (4, 12)

    # An actor not on the map yet: pick it in the list, then tap a square.
    ack = await applied(gm, {"kind": "create_actor", "data": {"name": "Scout", "type": "npc"}})
    scout = ack["result"]["id"]
    row = page.locator(f'.gm-actor[data-actor-id="{scout}"]')
    await row.locator("[data-act=place]").click()
    x, y = await cell_point(page, 9.5, 5.5)
    await page.mouse.click(x, y)
    await ola.page.wait_for_selector(f'.token[data-actor-id="{scout}"]')
    assert await token_cell(ola.page, scout) == (9, 5)

    # Revealed from the list: the player sees the boss; hidden again: gone.
    await page.locator(f'.gm-actor[data-actor-id="{boss}"] [data-act=reveal]').click()
    await ola.page.wait_for_selector(f'.token[data-actor-id="{boss}"]')
    await page.wait_for_selector(f'.token[data-actor-id="{boss}"]:not(.secret)')
    await page.locator(f'.gm-actor[data-actor-id="{boss}"] [data-act=hide]').click()
    await ola.page.wait_for_selector(f'.token[data-actor-id="{boss}"]', state="detached")
    assert not master.errors, master.errors
    assert not ola.errors, ola.errors


async def paint(page: Any, tool: str, cells: list[tuple[int, int]]) -> None:
    await page.click(f"[data-tool={tool}]")
    points = [await cell_point(page, x + 0.5, y + 0.5, scroll=False) for x, y in cells]
    await page.mouse.move(*points[0])
    await page.mouse.down()
    for point in points[1:]:
        await page.mouse.move(*point, steps=3)
    await page.mouse.up()
    await page.click(f"[data-tool={tool}]")


async def test_a_gm_paints_a_reveal_and_the_players_fog_clears_there(
    browser: Any, table: Server, gm: Client
) -> None:
    master = await open_gm_page(browser, table, gm)
    pat = await join(browser, table, "Pat", **DESKTOP)
    for page in (master.page, pat.page):
        await page.click("[data-zoom=fit]")
    await master.page.click("#fog-toggle")
    await wait_until(pat.page, "!document.querySelector('.fog-layer').hidden")
    assert close(await cell_colour(pat.page, 20, 1), FOG)
    await paint(master.page, "reveal", [(18, 1), (22, 1), (22, 2)])
    await wait_until(
        pat.page,
        "(() => { const view = window.vtt.link.view;"
        " const f = view.maps[view.currentSession.currentMapId].fog;"
        " return f && f.revealed && f.revealed['1']; })()",
    )
    assert not close(await cell_colour(pat.page, 20, 1), FOG, 30)
    assert close(await cell_colour(pat.page, 20, 5), FOG)
    await master.page.click("#fog-toggle")
    await wait_until(pat.page, "document.querySelector('.fog-layer').hidden")


async def test_an_npc_in_fog_never_reaches_the_player_until_revealed(
    browser: Any, table: Server, gm: Client
) -> None:
    """Not in the DOM and not in any frame: neither the NPC's id nor its name."""
    map_id = gm.view["currentSession"]["currentMapId"]
    await applied(gm, {"kind": "set_fog", "mapId": map_id, "enabled": True})
    ack = await applied(
        gm, {"kind": "create_actor", "data": {"name": "Lurking Ghoul", "type": "monster"}}
    )
    ghoul = ack["result"]["id"]
    await applied(gm, {"kind": "move_token", "tokenId": ghoul, "x": 20, "y": 14})
    try:
        master = await open_gm_page(browser, table, gm)
        rue = await join(browser, table, "Rue", **DESKTOP)

        def unseen() -> None:
            assert ghoul not in rue.received_text()
            assert "Lurking Ghoul" not in rue.received_text()

        unseen()
        assert "Lurking Ghoul" not in await rue.page.content()
        # The GM drags it about inside the fog: still nothing.
        await drag_token(master.page, ghoul, 21, 14)
        await wait_until(
            master.page, f"window.vtt.link.view.currentSession.tokenPositions['{ghoul}'].x === 21"
        )
        unseen()
        # Its area revealed: it shows.
        await paint(master.page, "reveal", [(19, 14), (23, 14)])
        await rue.page.wait_for_selector(f'.token[data-actor-id="{ghoul}"]')
        assert "Lurking Ghoul" in await rue.page.content()
    finally:
        await applied(gm, {"kind": "set_fog", "mapId": map_id, "enabled": False})
        await applied(gm, {"kind": "delete_actor", "id": ghoul})


async def test_a_gm_drags_an_npc_out_of_fog_and_the_player_then_sees_it(
    browser: Any, table: Server, gm: Client
) -> None:
    map_id = gm.view["currentSession"]["currentMapId"]
    await applied(gm, {"kind": "set_fog", "mapId": map_id, "enabled": True})
    areas = [{"x": 0, "y": 0, "width": 10, "height": 16}]
    await applied(gm, {"kind": "paint_fog", "mapId": map_id, "reveal": True, "areas": areas})
    ack = await applied(gm, {"kind": "create_actor", "data": {"name": "Shade", "type": "npc"}})
    shade = ack["result"]["id"]
    await applied(gm, {"kind": "move_token", "tokenId": shade, "x": 20, "y": 8})
    master = await open_gm_page(browser, table, gm)
    sol = await join(browser, table, "Sol", **DESKTOP)
    assert await sol.page.locator(f'[data-actor-id="{shade}"]').count() == 0
    await master.page.click("[data-zoom=fit]")
    await drag_token(master.page, shade, 5, 8)
    await sol.page.wait_for_selector(f'.token[data-actor-id="{shade}"]')
    assert await token_cell(sol.page, shade) == (5, 8)
    await applied(gm, {"kind": "set_fog", "mapId": map_id, "enabled": False})
