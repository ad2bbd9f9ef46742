"""Fog as a player sees it, the ruler and map pings, in Chromium against a real host."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.helpers import join, wait_until
from tests.browser.maps import (
    DESKTOP,
    PHONE,
    Touch,
    cell_colour,
    cell_point,
    close,
    frames_sent,
    inject_map_fields,
    sent_frames,
)
from vtt_host.client import Client

pytestmark = pytest.mark.slow

FOG = (7, 8, 11)


def current_map(gm: Client) -> str:
    return str(gm.view["currentSession"]["currentMapId"])


def free_cells(gm: Client) -> set[tuple[int, int]]:
    taken = {(p["x"], p["y"]) for p in gm.view["currentSession"]["tokenPositions"].values()}
    return {(x, y) for x in range(30) for y in range(20)} - taken


async def test_fog_covers_unrevealed_cells_and_clears_where_revealed(
    browser: Any, table: Server, gm: Client
) -> None:
    eve = await join(browser, table, "Eve", **DESKTOP)
    page = eve.page
    await page.click("[data-zoom=fit]")
    fog = {"enabled": True, "revealed": {"3": [[2, 6]], "4": [[2, 6], [9, 10]]}}
    await inject_map_fields(page, current_map(gm), {"fog": fog})
    await wait_until(page, "!document.querySelector('.fog-layer').hidden")
    free = free_cells(gm)
    clear_cells = [c for c in [(2, 3), (5, 4), (9, 4)] if c in free]
    fogged = [c for c in [(6, 3), (1, 4), (10, 4), (20, 15), (9, 3)] if c in free]
    for x, y in fogged:
        assert close(await cell_colour(page, x, y), FOG), (x, y)
    for x, y in clear_cells:
        assert not close(await cell_colour(page, x, y), FOG, 30), (x, y)

    # Fog turned off: nothing is fogged.
    await inject_map_fields(page, current_map(gm), {"fog": {**fog, "enabled": False}})
    await wait_until(page, "document.querySelector('.fog-layer').hidden")
    for x, y in fogged:
        assert not close(await cell_colour(page, x, y), FOG, 30), (x, y)
    await inject_map_fields(page, current_map(gm), {"fog": None})
    assert not eve.errors, eve.errors


async def shift_drag(page: Any, start: tuple[int, int], end: tuple[int, int]) -> str:
    """Shift-drag between the centres of two cells; the ruler's label."""
    x0, y0 = await cell_point(page, start[0] + 0.5, start[1] + 0.5, scroll=False)
    x1, y1 = await cell_point(page, end[0] + 0.5, end[1] + 0.5, scroll=False)
    await page.keyboard.down("Shift")
    await page.mouse.move(x0, y0)
    await page.mouse.down()
    await page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=3)
    await page.mouse.move(x1, y1, steps=3)
    await page.mouse.up()
    await page.keyboard.up("Shift")
    return str(await page.inner_text(".ruler-label"))


async def test_the_ruler_measures_in_the_maps_units_and_diagonal_rules(
    browser: Any, table: Server, gm: Client
) -> None:
    fay = await join(browser, table, "Fay", **DESKTOP)
    page = fay.page
    await page.click("[data-zoom=fit]")
    assert await shift_drag(page, (2, 1), (8, 1)) == "6 squares · 30 ft"
    assert await shift_drag(page, (2, 1), (6, 5)) == "4 squares · 20 ft"  # 5-5-5 by default
    map_id = current_map(gm)
    await inject_map_fields(
        page, map_id, {"measure": {"perCell": 5, "unit": "ft", "diagonal": "5-10-5"}}
    )
    assert await shift_drag(page, (2, 1), (6, 5)) == "6 squares · 30 ft"
    assert await shift_drag(page, (2, 1), (3, 2)) == "1 square · 5 ft"
    await inject_map_fields(
        page, map_id, {"measure": {"perCell": 1.5, "unit": "m", "diagonal": "euclidean"}}
    )
    assert await shift_drag(page, (2, 1), (5, 5)) == "5 squares · 7.5 m"
    assert await shift_drag(page, (2, 1), (3, 2)) == "1.4 squares · 2.1 m"
    # The ruler is the player's own: nothing about it was sent.
    assert not [f for f in fay.sent if "measure" in f or "ruler" in f]
    await page.keyboard.press("Escape")
    await page.locator(".ruler-label").wait_for(state="hidden")
    await inject_map_fields(page, map_id, {"measure": None})
    assert not fay.errors, fay.errors


async def test_the_measure_tool_measures_with_one_finger(
    browser: Any, table: Server, gm: Client
) -> None:
    gus = await join(browser, table, "Gus", **PHONE)
    page = gus.page
    await page.tap("[data-tool=measure]")
    assert await page.get_attribute("[data-tool=measure]", "aria-pressed") == "true"
    start = await cell_point(page, 4.5, 2.5)
    end = await cell_point(page, 4.5, 5.5, scroll=False)
    touch = await Touch.on(page)
    await touch.drag([start], [end])
    assert await page.inner_text(".ruler-label") == "3 squares · 15 ft"
    assert not gus.errors, gus.errors


async def test_p_pings_the_point_under_the_mouse_and_a_ping_shows_its_name(
    browser: Any, table: Server, gm: Client
) -> None:
    hal = await join(browser, table, "Hal", **DESKTOP)
    page = hal.page
    await page.click("[data-zoom=fit]")
    x, y = await cell_point(page, 12.5, 3.25, scroll=False)
    await page.mouse.move(x, y)
    await page.keyboard.press("p")
    pings = await frames_sent(hal.sent, "map_ping")
    assert len(pings) == 1, hal.sent[-3:]
    assert abs(pings[0]["x"] - 12.5) < 0.05, pings
    assert abs(pings[0]["y"] - 3.25) < 0.05, pings
    assert set(pings[0]) == {"type", "x", "y"}
    # The host sends the ping back to its sender too.
    await page.locator(".ping", has_text="Hal").wait_for()

    # A ping frame from the host: a ring with the pinger's name, gone after ~3 s.
    frame = {
        "type": "map_ping",
        "from": "p_x",
        "fromName": "Alice",
        "mapId": current_map(gm),
        "x": 5.5,
        "y": 4.5,
        "at": 1,
    }
    await page.evaluate("(frame) => window.vtt.link.receive(frame)", frame)
    ping = page.locator(".ping", has_text="Alice")
    await ping.wait_for()
    assert await ping.locator(".ping-name").inner_text() == "Alice"
    await ping.wait_for(state="detached", timeout=5000)
    # A ping on another map is not drawn here.
    await page.evaluate("(frame) => window.vtt.link.receive(frame)", {**frame, "mapId": "m_other"})
    assert await page.locator(".ping").count() == 0


async def test_a_long_press_pings_on_a_phone(browser: Any, table: Server, gm: Client) -> None:
    ivy = await join(browser, table, "Ivy", **PHONE)
    page = ivy.page
    x, y = await cell_point(page, 6.5, 8.5)
    touch = await Touch.on(page)
    await touch.hold(x, y, 700)
    pings = await frames_sent(ivy.sent, "map_ping")
    assert len(pings) == 1, ivy.sent[-3:]
    assert abs(pings[0]["x"] - 6.5) < 0.1, pings
    assert abs(pings[0]["y"] - 8.5) < 0.1, pings
    # A short tap is not a ping.
    await touch.hold(x, y, 50)
    await page.wait_for_timeout(700)  # past the long press's 500 ms
    assert len(sent_frames(ivy.sent, "map_ping")) == 1


async def test_a_ping_reaches_the_other_page(browser: Any, table: Server, gm: Client) -> None:
    jo = await join(browser, table, "Jo", **DESKTOP)
    kai = await join(browser, table, "Kai", **PHONE)
    await jo.page.click("[data-zoom=fit]")
    x, y = await cell_point(jo.page, 7.5, 7.5, scroll=False)
    await jo.page.mouse.move(x, y)
    await jo.page.keyboard.press("p")
    ping = kai.page.locator(".ping")
    await ping.wait_for()
    assert await ping.locator(".ping-name").inner_text() == "Jo"
    await jo.page.locator(".ping").wait_for()
    assert not kai.errors, kai.errors
    assert not jo.errors, jo.errors
