"""Shared steps for the browser tests: joining, reading the page's state, frames."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from tests.browser.conftest import Server

TIMEOUT_MS = 10_000
POLL_S = 0.01


@dataclass
class Player:
    """One browser context with a joined page, and every WebSocket frame it received."""

    name: str
    context: Any
    page: Any
    frames: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def player_id(self) -> str:
        return str(await self.page.evaluate("window.vtt.me"))

    async def tab(self, name: str) -> None:
        await self.page.click(f"#tab-{name}")

    def received_text(self) -> str:
        return "\n".join(self.frames)

    def welcomes(self) -> list[dict[str, Any]]:
        found = []
        for text in self.frames:
            if text.startswith('{"type":"welcome"'):
                found.append(json.loads(text))
        return found


def refused_by_policy(text: str, errors: list[str]) -> None:
    """Count what the page's Content-Security-Policy blocked as a page error."""
    if "Content Security Policy" in text:
        errors.append(text)


async def open_page(browser: Any, server: Server, name: str, **context_options: Any) -> Player:
    context = await browser.new_context(**context_options)
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    player = Player(name, context, page)

    def text(payload: str | bytes) -> str:
        return payload if isinstance(payload, str) else payload.decode("utf-8", "replace")

    def on_websocket(ws: Any) -> None:
        ws.on("framereceived", lambda payload: player.frames.append(text(payload)))
        ws.on("framesent", lambda payload: player.sent.append(text(payload)))

    page.on("websocket", on_websocket)
    page.on("pageerror", lambda error: player.errors.append(str(error)))
    page.on("console", lambda message: refused_by_policy(message.text, player.errors))
    await page.goto(f"{server.http}?code={server.join_code}")
    return player


async def join(browser: Any, server: Server, name: str, **context_options: Any) -> Player:
    """Open the join link, enter a new name, join; returns once the map is drawn and the
    player has put the recovery code the page showed them away."""
    player = await open_page(browser, server, name, **context_options)
    page = player.page
    await page.wait_for_selector("#join-screen:not([hidden])")
    assert await page.input_value("#join-code") == server.join_code
    await page.fill("#join-name", name)
    await page.click("#join-button")
    await page.wait_for_selector("#game:not([hidden]) .token")
    await wait_connected(page)
    await page.wait_for_selector("#recovery-notice:not([hidden])")
    await page.click("#recovery-done")
    return player


async def wait_until(page: Any, expression: str, timeout_ms: float = TIMEOUT_MS) -> None:
    """Poll a JavaScript expression until it is truthy.

    Playwright's ``wait_for_function`` evaluates its predicate with ``eval`` inside the
    page, which the page's Content-Security-Policy forbids; ``evaluate`` goes through
    the DevTools protocol, which the policy does not govern.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_ms / 1000
    while not await page.evaluate(expression):
        if loop.time() > deadline:
            raise TimeoutError(f"still false after {timeout_ms:.0f} ms: {expression}")
        await asyncio.sleep(POLL_S)


async def wait_connected(page: Any) -> None:
    await wait_until(page, "document.querySelector('#status').dataset.status === 'connected'")


async def token_cell(page: Any, actor_id: str) -> tuple[int, int]:
    el = page.locator(f'.token[data-actor-id="{actor_id}"]')
    return int(await el.get_attribute("data-x")), int(await el.get_attribute("data-y"))


async def drag_token(page: Any, actor_id: str, x: int, y: int) -> None:
    """Drag a token with the mouse (pointer events) to the centre of cell (x, y)."""
    token = page.locator(f'.token[data-actor-id="{actor_id}"]')
    await token.scroll_into_view_if_needed()
    box = await token.bounding_box()
    board = await page.locator(".map-board").bounding_box()
    cell = await page.evaluate("window.vtt.views.map.cell")
    start_x, start_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    end_x, end_y = board["x"] + (x + 0.5) * cell, board["y"] + (y + 0.5) * cell
    await page.mouse.move(start_x, start_y)
    await page.mouse.down()
    await page.mouse.move((start_x + end_x) / 2, (start_y + end_y) / 2, steps=4)
    await page.mouse.move(end_x, end_y, steps=4)
    await page.mouse.up()


def actor_named(state: dict[str, Any], name: str) -> str:
    return next(a["id"] for a in state["actors"].values() if a["name"] == name)


async def applied(gm: Any, action: dict[str, Any]) -> dict[str, Any]:
    """Send a GM action and insist that it applied; its ack."""
    ack: dict[str, Any] = await gm.act(action)
    assert ack["status"] == "applied", ack
    return ack


async def give(gm: Any, player: Player, actor_name: str) -> str:
    """The GM gives the player the actor of that name; returns once the page shows it."""
    actor = actor_named(gm.view, actor_name)
    player_id = await player.player_id()
    await applied(gm, {"kind": "assign_actor", "actorId": actor, "playerId": player_id})
    await player.page.wait_for_selector(f'.token.mine[data-actor-id="{actor}"]')
    return actor
