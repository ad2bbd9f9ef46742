"""The table on a phone (390 px wide, touch): the whole map at Fit, pinch and two-finger
pan, text fields that do not make iOS zoom, finger-sized targets, and a page that
reconnects by itself when it is shown again."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.helpers import actor_named, applied, join, token_cell, wait_connected, wait_until
from tests.browser.maps import PHONE, Touch, frames_sent
from vtt_host.client import Client

pytestmark = pytest.mark.slow

GEOMETRY = """() => {
  const map = window.vtt.views.map;
  const v = map.viewport.getBoundingClientRect();
  const b = map.board.getBoundingClientRect();
  return { cell: map.cell, v: [v.left, v.top, v.right, v.bottom],
           b: [b.left, b.top, b.right, b.bottom],
           scroll: [map.viewport.scrollLeft, map.viewport.scrollTop] };
}"""


async def test_fit_pinch_and_two_finger_pan_on_a_phone(browser: Any, table: Server) -> None:
    lea = await join(browser, table, "Lea", **PHONE)
    page = lea.page
    await page.tap("[data-zoom=fit]")
    fit = await page.evaluate(GEOMETRY)
    v, b = fit["v"], fit["b"]
    assert b[0] >= v[0], fit
    assert b[1] >= v[1], fit
    assert b[2] <= v[2], fit
    assert b[3] <= v[3], fit

    touch = await Touch.on(page)
    cx, cy = (v[0] + v[2]) / 2, (v[1] + v[3]) / 2
    await touch.drag([(cx - 30, cy), (cx + 30, cy)], [(cx - 90, cy), (cx + 90, cy)])
    pinched = await page.evaluate(GEOMETRY)
    assert pinched["cell"] >= fit["cell"] * 2.5, (fit, pinched)

    await touch.drag([(cx - 40, cy), (cx + 40, cy)], [(cx - 140, cy - 60), (cx - 60, cy - 60)])
    panned = await page.evaluate(GEOMETRY)
    assert abs(panned["cell"] - pinched["cell"]) <= 1, (pinched, panned)
    assert panned["scroll"][0] - pinched["scroll"][0] > 60, (pinched, panned)
    assert panned["scroll"][1] - pinched["scroll"][1] > 30, (pinched, panned)
    assert not lea.errors, lea.errors


SMALL_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll('button, input, select, [role=tab], summary')) {
    if (el.closest('.token') || !el.getClientRects().length) continue;
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const label = el.id || el.dataset.zoom || el.dataset.tool || el.textContent.trim().slice(0, 20);
    const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
    if (r.width < 44 || r.height < 44) small.push(`${label}: ${size}`);
    const field = el.tagName === 'INPUT' || el.tagName === 'SELECT';
    if (field && parseFloat(style.fontSize) < 16) small.push(`${label}: font ${style.fontSize}`);
  }
  return small;
}"""


async def test_phone_targets_are_finger_sized_and_fields_do_not_zoom(
    browser: Any, table: Server
) -> None:
    max_ = await join(browser, table, "Max", **PHONE)
    page = max_.page
    for tab in ("chat", "sheet", "turns", "handouts", "propose"):
        await max_.tab(tab)
        assert await page.evaluate(SMALL_TARGETS) == [], tab
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390


SILENT_DROP = """() => {
  const ws = window.vtt.link.ws;
  ws.onclose = null;
  ws.onmessage = null;
  ws.close();
}"""

SHOW_AGAIN = """() => {
  for (const state of ['hidden', 'visible']) {
    Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }
}"""


async def test_a_page_shown_again_resumes_if_its_socket_dropped(
    browser: Any, table: Server, gm: Client
) -> None:
    ned = await join(browser, table, "Ned", **PHONE)
    page = ned.page
    await page.evaluate(SILENT_DROP)
    hellos = len([f for f in ned.sent if '"type":"hello"' in f.replace(" ", "")])
    await page.evaluate(SHOW_AGAIN)
    resumed = await frames_sent(ned.sent, "hello", hellos + 1)
    assert "resume" in resumed[-1], resumed[-1]
    await wait_connected(page)
    goblin = actor_named(gm.view, "Goblin 1")
    await applied(gm, {"kind": "move_token", "tokenId": goblin, "x": 1, "y": 1})
    await wait_until(
        page, f"document.querySelector('.token[data-actor-id=\"{goblin}\"]').dataset.x === '1'"
    )
    assert await token_cell(page, goblin) == (1, 1)
    assert not ned.errors, ned.errors
