"""Two players in two browsers and a GM on the Python client, on one demo campaign."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.helpers import (
    actor_named,
    drag_token,
    join,
    open_page,
    token_cell,
    wait_connected,
    wait_until,
)
from vtt_host.client import Client

pytestmark = pytest.mark.slow

WATCH_TOKEN = """([actorId, x, y]) => {
  window.__seenAt = null;
  const board = document.querySelector('.map-board');
  const moved = () => {
    const el = document.querySelector(`.token[data-actor-id="${actorId}"]`);
    return el && el.dataset.x === String(x) && el.dataset.y === String(y);
  };
  const observer = new MutationObserver(() => {
    if (moved()) {
      window.__seenAt = performance.timeOrigin + performance.now();
      observer.disconnect();
    }
  });
  const watched = { attributes: true, subtree: true, attributeFilter: ['data-x', 'data-y'] };
  observer.observe(board, watched);
}"""


async def test_two_players_at_the_table(browser: Any, server: Server, screenshots: Path) -> None:
    gm = await Client.connect(server.url, gm_token=server.gm_token)
    try:
        await play(browser, server, gm, screenshots)
    finally:
        await gm.close()


async def play(browser: Any, server: Server, gm: Client, screenshots: Path) -> None:
    desktop = {"viewport": {"width": 1280, "height": 800}}
    alice = await join(browser, server, "Alice", **desktop)
    bob = await join(browser, server, "Bob", **desktop)
    a_id, b_id = await alice.player_id(), await bob.player_id()
    assert a_id != b_id
    await gm.wait_for(lambda: {a_id, b_id} <= set(gm.view["players"]))

    # The GM gives each player a hero: their token is highlighted as theirs.
    thorin, elara = actor_named(gm.view, "Thorin"), actor_named(gm.view, "Elara")
    boss = actor_named(gm.view, "Goblin Boss")
    for actor, player in ((thorin, a_id), (elara, b_id)):
        ack = await gm.act({"kind": "assign_actor", "actorId": actor, "playerId": player})
        assert ack["status"] == "applied", ack
    await alice.page.wait_for_selector(f'.token.mine[data-actor-id="{thorin}"]')
    await bob.page.wait_for_selector(f'.token.mine[data-actor-id="{elara}"]')
    assert await alice.page.locator(".token.mine").count() == 1
    await alice.tab("sheet")
    await alice.page.wait_for_selector('#sheet [data-actor-id] h3:text("Thorin")')
    assert "Longsword" in await alice.page.inner_text("#sheet")

    # Alice drags Thorin; Bob sees it move. Latency from drop to Bob's DOM, same clock.
    x0, y0 = await token_cell(alice.page, thorin)
    target = (x0 + 2, y0 - 3)
    await bob.page.evaluate(WATCH_TOKEN, [thorin, *target])
    await drag_token(alice.page, thorin, *target)
    assert await token_cell(alice.page, thorin) == target  # optimistic, at once
    await wait_until(bob.page, "window.__seenAt !== null")
    dropped = await alice.page.evaluate("window.vtt.views.map.lastDrop")
    seen = await bob.page.evaluate("window.__seenAt")
    assert (dropped["x"], dropped["y"]) == target
    print(f"\ndrag latency, drop in A -> token moved in B's DOM: {seen - dropped['at']:.1f} ms")
    await gm.wait_for(lambda: positions(gm)[thorin] == {"x": target[0], "y": target[1]})

    # Alice cannot move Bob's hero: the token is not hers, dragging it does nothing.
    bx, by = await token_cell(alice.page, elara)
    await drag_token(alice.page, elara, bx + 1, by)
    assert await token_cell(alice.page, elara) == (bx, by)

    # Chat, a whisper to the GM, a roll with dice.
    await alice.tab("chat")
    await bob.tab("chat")
    await alice.page.fill("#chat-text", "Hello table")
    await alice.page.press("#chat-text", "Enter")
    await bob.page.wait_for_selector('.msg .msg-text:text("Hello table")')
    await alice.page.select_option("#chat-to", "gm")
    await alice.page.fill("#chat-text", "Psst, I pocket the gem")
    await alice.page.click(".chat-form button[type=submit]")
    whisper = alice.page.locator(".msg.whisper", has_text="Psst, I pocket the gem")
    await whisper.wait_for()
    assert "whisper to GM" in await whisper.inner_text()
    await gm.wait_for(lambda: any(m["text"] == "Psst, I pocket the gem" for m in messages(gm)))
    await alice.page.select_option("#chat-to", "")
    await alice.page.fill("#chat-text", "/roll 2d20kh1+3 Attack")
    await alice.page.press("#chat-text", "Enter")
    roll = bob.page.locator(".msg.roll").last
    await roll.wait_for()
    dice = roll.locator(".die")
    assert await dice.count() == 2
    assert await roll.locator(".die.dropped").count() == 1
    total = int(await roll.locator(".roll-total").inner_text())
    kept = int(await roll.locator(".die:not(.dropped)").inner_text())
    assert total == kept + 3
    assert "Attack" in await roll.inner_text()
    # Bob's message after the whisper proves he got the whisper's version, filtered.
    await bob.page.fill("#chat-text", "Hi Alice")
    await bob.page.press("#chat-text", "Enter")
    await alice.page.wait_for_selector('.msg .msg-text:text("Hi Alice")')
    assert "pocket the gem" not in await bob.page.inner_text("body")
    assert "pocket the gem" not in bob.received_text()

    # A proposal: Alice asks for HP 5; the GM approves; the sheet changes.
    await alice.tab("propose")
    await alice.page.select_option("#propose-kind", "hp")
    await alice.page.fill("#propose-number", "5")
    await alice.page.click(".propose-form button[type=submit]")
    await alice.page.wait_for_selector(".pending-item")
    assert "HP to 5" in await alice.page.inner_text(".pending-list")
    await gm.wait_for(lambda: len(gm.view["currentSession"]["pendingActions"]) == 1)
    pending = gm.view["currentSession"]["pendingActions"][0]
    assert pending["playerId"] == a_id
    assert pending["changes"] == [
        {"op": "replace", "path": f"/actors/{thorin}/hp/current", "value": 5}
    ]
    decision = await gm.decide(pending["id"], approve=True, reason="Ouch")
    assert decision["status"] == "applied", decision
    await alice.page.wait_for_selector(".history-list .decided.approved")
    assert "approved" in (await alice.page.inner_text("#toasts")).lower()
    await alice.tab("sheet")
    await wait_until(
        alice.page, "document.querySelector('#sheet [data-testid=hp-current]').textContent === '5'"
    )
    assert await alice.page.locator(".pending-item").count() == 0

    # A rejected one shows the GM's reason.
    await alice.tab("propose")
    await alice.page.select_option("#propose-kind", "add-condition")
    await alice.page.fill("#propose-condition", "Blessed")
    await alice.page.click(".propose-form button[type=submit]")
    await gm.wait_for(lambda: len(gm.view["currentSession"]["pendingActions"]) == 1)
    pending = gm.view["currentSession"]["pendingActions"][0]
    assert pending["changes"][0]["op"] == "add"
    await gm.decide(pending["id"], approve=False, reason="No cleric here")
    rejected = alice.page.locator(".history-list .decided.rejected")
    await rejected.wait_for()
    assert "No cleric here" in await rejected.inner_text()
    await alice.page.screenshot(path=str(screenshots / "desktop-propose.png"))

    # Initiative: the GM starts the encounter; on Alice's turn she ends it.
    encounter = next(iter(gm.view["encounters"]))
    await gm.act({"kind": "start_encounter", "encounterId": encounter})
    await gm.act({"kind": "roll_initiative"})
    while current_actor(gm) != thorin:
        await gm.act({"kind": "next_turn"})
    await alice.tab("turns")
    end_turn = alice.page.locator("#panel-turns .end-turn")
    await end_turn.wait_for()
    assert await alice.page.locator(".init-row.current").inner_text() != ""
    assert "Thorin" in await alice.page.inner_text(".init-row.current")
    assert await bob.page.locator("#end-turn-top").is_hidden()
    await alice.page.screenshot(path=str(screenshots / "desktop-turns.png"))
    await end_turn.click()
    await alice.page.wait_for_selector("#panel-turns .end-turn", state="detached")
    await gm.wait_for(lambda: current_actor(gm) != thorin)

    # A dropped connection resumes with what was missed.
    await alice.page.evaluate("window.vtt.link.ws.close()")
    await gm.chat("Sent while Alice was away")
    await wait_connected(alice.page)
    await alice.tab("chat")
    await alice.page.wait_for_selector('.msg-text:text("Sent while Alice was away")')

    # Reload: the same player, nothing lost, no join screen.
    await alice.tab("chat")
    messages_before = await alice.page.locator(".chat-log .msg").count()
    welcomes_before = len(alice.welcomes())
    await alice.page.reload()
    await alice.page.wait_for_selector(f'.token.mine[data-actor-id="{thorin}"]')
    await wait_connected(alice.page)
    assert await alice.page.locator("#join-screen").is_hidden()
    assert await alice.player_id() == a_id
    assert await alice.page.locator(".chat-log .msg").count() == messages_before
    assert await token_cell(alice.page, thorin) == target
    resumed = alice.welcomes()[welcomes_before:]
    assert resumed
    assert resumed[-1]["playerId"] == a_id
    how = "from the cached view" if resumed[-1]["state"] is None else "with a full view"
    print(f"reload resumed {how}")
    await alice.tab("sheet")
    assert await alice.page.inner_text("#sheet [data-testid=hp-current]") == "5"

    # The hidden boss never reached either page: not in the DOM, not in any frame.
    for player in (alice, bob):
        assert "Goblin Boss" not in await player.page.content()
        assert "Goblin Boss" not in await player.page.inner_text("body")
        assert "Goblin Boss" not in player.received_text()
        assert boss not in player.received_text()
        assert player.frames, "the page received no frames at all?"
        assert not player.errors, player.errors

    # Screenshots: desktop, and a phone-sized page with the same history.
    await alice.tab("chat")
    await alice.page.wait_for_timeout(300)
    await alice.page.screenshot(path=str(screenshots / "desktop.png"))
    await bob.tab("sheet")
    await bob.page.screenshot(path=str(screenshots / "desktop-sheet.png"))
    phone = {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    }
    cleo = await join(browser, server, "Cleo", **phone)
    pip = actor_named(gm.view, "Pip")
    await gm.act({"kind": "assign_actor", "actorId": pip, "playerId": await cleo.player_id()})
    await cleo.page.wait_for_selector(f'.token.mine[data-actor-id="{pip}"]')
    await cleo.page.wait_for_timeout(300)
    await cleo.page.screenshot(path=str(screenshots / "phone.png"))
    await cleo.tab("sheet")
    await cleo.page.screenshot(path=str(screenshots / "phone-sheet.png"))
    # A phone user can tap her token, then tap a square.
    cx, cy = await token_cell(cleo.page, pip)
    await cleo.page.locator(f'.token[data-actor-id="{pip}"]').tap()
    board = await cleo.page.locator(".map-board").bounding_box()
    cell = await cleo.page.evaluate("window.vtt.views.map.cell")
    await cleo.page.touchscreen.tap(board["x"] + (cx + 1.5) * cell, board["y"] + (cy + 0.5) * cell)
    await wait_until(
        cleo.page,
        f"document.querySelector('.token[data-actor-id=\"{pip}\"]').dataset.x === '{cx + 1}'",
    )
    await gm.wait_for(lambda: positions(gm)[pip]["x"] == cx + 1)


def positions(gm: Client) -> dict[str, Any]:
    return dict(gm.view["currentSession"]["tokenPositions"])


def messages(gm: Client) -> list[dict[str, Any]]:
    return list(gm.view["currentSession"]["chatMessages"])


def current_actor(gm: Client) -> str:
    session = gm.view["currentSession"]
    return str(session["initiative"][session["turn"]]["actorId"])


INJECT_INLINE = """() => {
  const script = document.createElement('script');
  script.textContent = 'window.__inlineRan = true';
  document.head.append(script);
  const style = document.createElement('style');
  style.textContent = 'body { --injected: yes; }';
  document.head.append(style);
  const styled = getComputedStyle(document.body).getPropertyValue('--injected').trim();
  return [window.__inlineRan === true, styled];
}"""


async def test_the_page_runs_under_a_policy_that_blocks_injected_script(
    browser: Any, server: Server
) -> None:
    player = await join(browser, server, "Erin")
    page = player.page
    answer = await page.request.get(server.http)
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    ran, styled = await page.evaluate(INJECT_INLINE)
    assert (ran, styled) == (False, "")  # neither the script nor the style applied
    blocked = [text for text in player.errors if "Content Security Policy" in text]
    assert blocked  # what was refused, and only that
    assert len(blocked) == len(player.errors), player.errors


async def test_a_wrong_code_says_so(browser: Any, server: Server) -> None:
    player = await open_page(browser, server, "Mallory")
    page = player.page
    await page.fill("#join-name", "Mallory")
    await page.fill("#join-code", "WRONG-CODE-1234")
    await page.click("#join-button")
    error = page.locator("#join-error")
    await error.wait_for()
    assert re.search(r"join code was not accepted", await error.inner_text())
    assert await page.locator("#game").is_hidden()
    assert await page.locator("#join-button").is_enabled()


async def test_a_kicked_player_is_told(browser: Any, server: Server) -> None:
    dave = await join(browser, server, "Dave")
    async with Client.connect(server.url, gm_token=server.gm_token) as gm:
        await gm.kick(await dave.player_id())
    error = dave.page.locator("#join-error")
    await error.wait_for()
    assert "removed you" in await error.inner_text()
    await dave.page.reload()
    await dave.page.wait_for_selector("#join-screen:not([hidden])")


async def test_joining_a_large_campaign(browser: Any, large_server: Server) -> None:
    """Time from pressing Join to the map and its tokens on screen (~5 MB campaign)."""
    desktop = {"width": 1280, "height": 800}
    player = await open_page(browser, large_server, "Timer", viewport=desktop)
    page = player.page
    await page.fill("#join-name", "Timer")
    loop = asyncio.get_running_loop()
    started = loop.time()
    await page.click("#join-button")
    await wait_until(page, "document.querySelectorAll('.token').length >= 36")
    elapsed_ms = (loop.time() - started) * 1000
    in_page = await page.evaluate("window.vtt.__joinToMap ?? window.__vttJoinToMapMs")
    welcome = player.welcomes()[0]
    size = len(next(f for f in player.frames if f.startswith('{"type":"welcome"')))
    tokens = await page.locator(".token").count()
    print(
        f"\nlarge campaign: welcome {size / 1e6:.2f} MB, {tokens} tokens; "
        f"join pressed -> map and tokens shown: {elapsed_ms:.0f} ms "
        f"(in page, click to rendered: {in_page:.0f} ms)"
    )
    assert welcome["state"]["actors"]
    assert all(not a.get("hidden") for a in welcome["state"]["actors"].values())
    assert not player.errors, player.errors
