"""Pictures on the map and the tokens a player reads there: token art, a large map
picture that never holds the map back, colours per kind, stacks, names on a tap."""

from __future__ import annotations

from typing import Any

import pytest

from storage.assets import AssetStore
from tests.browser.conftest import Server
from tests.browser.helpers import actor_named, applied, give, join, wait_until
from tests.browser.maps import DESKTOP, PHONE, close, pixel, token_at, token_centre
from tests.browser.pngs import encode_flat
from vtt_host.client import Client

pytestmark = pytest.mark.slow

GREEN = (40, 200, 90)
UNKNOWN_SHA = "0" * 64


async def test_a_token_shows_its_picture_and_keeps_initials_without_one(
    browser: Any, table: Server, gm: Client
) -> None:
    sha = AssetStore(table.data_dir).put(encode_flat(64, 64, GREEN), "png")
    ada = await join(browser, table, "Ada", **DESKTOP)
    page = ada.page
    thorin = actor_named(gm.view, "Thorin")
    goblin = actor_named(gm.view, "Goblin 1")
    goblin_2 = actor_named(gm.view, "Goblin 2")
    await applied(gm, {"kind": "update_actor", "id": thorin, "set": {"imageAsset": sha}})
    await page.wait_for_selector(f'.token.has-art[data-actor-id="{thorin}"]')
    x, y = await token_centre(page, thorin)
    assert close(await pixel(page, x, y), GREEN)

    # No picture: the initials, on the monster's red.
    initials = page.locator(f'.token[data-actor-id="{goblin}"] .initials')
    assert await initials.inner_text() == "G1"
    assert await initials.is_visible()

    # A picture the host does not have: the initials stay.
    await applied(gm, {"kind": "update_actor", "id": goblin_2, "set": {"imageAsset": UNKNOWN_SHA}})
    broken = page.locator(f'.token[data-actor-id="{goblin_2}"]')
    await wait_until(
        page,
        f"""(() => {{ const el = document.querySelector('.token[data-actor-id="{goblin_2}"]');
             return el.dataset.image && !el.querySelector('.token-img'); }})()""",
    )
    assert "has-art" not in (await broken.get_attribute("class") or "")
    assert await broken.locator(".initials").is_visible()
    assert await broken.locator(".initials").inner_text() == "G2"
    assert not ada.errors, ada.errors


WATCH_LOADING = """() => {
  const map = window.vtt.views.map;
  const seen = { tokensAt: null, imageAt: null, placeholder: false };
  window.__loading = seen;
  const check = () => {
    const now = performance.now();
    const drawn = map.title.textContent === "Big Map" && map.tokens.size > 0;
    if (seen.tokensAt === null && drawn) seen.tokensAt = now;
    if (map.board.classList.contains("image-loading")) seen.placeholder = true;
    if (seen.imageAt === null && map.board.classList.contains("has-image")) seen.imageAt = now;
  };
  const all = { subtree: true, attributes: true, childList: true, characterData: true };
  new MutationObserver(check).observe(map.root, all);
}"""


async def test_a_large_map_picture_appears_after_grid_and_tokens(
    browser: Any, table: Server, gm: Client
) -> None:
    size = 4096
    sha = AssetStore(table.data_dir).put(encode_flat(size, size, (90, 70, 50)), "png")
    bea = await join(browser, table, "Bea", **DESKTOP)
    page = bea.page
    await page.evaluate(WATCH_LOADING)
    big = "m_big"
    data = {
        "id": big,
        "name": "Big Map",
        "imageAsset": sha,
        "imageSize": {"width": size, "height": size},
        "grid": {"width": 40, "height": 40, "cellSize": size // 40},
    }
    await applied(gm, {"kind": "create_map", "data": data})
    await applied(gm, {"kind": "set_current_map", "mapId": big})
    await wait_until(page, "document.querySelector('.map-image').dataset.loaded === 'yes'", 30_000)
    seen = await page.evaluate("window.__loading")
    assert seen["tokensAt"] is not None, seen
    assert seen["imageAt"] is not None, seen
    assert seen["tokensAt"] <= seen["imageAt"], seen
    assert seen["placeholder"], seen
    assert await page.get_attribute(".map-image", "decoding") == "async"
    # At Fit the host's small preview is drawn; zoomed in, the whole picture replaces it.
    assert (await page.get_attribute(".map-image", "src") or "").endswith(f"/assets/{sha}/preview")
    for _ in range(8):
        await page.click("[data-zoom=in]")
    await wait_until(page, "document.querySelector('.map-image').dataset.full === 'yes'", 30_000)
    assert (await page.get_attribute(".map-image", "src") or "").endswith(f"/assets/{sha}")
    crossroads = next(m for m in gm.view["maps"] if m != big and not gm.view["maps"][m]["hidden"])
    await applied(gm, {"kind": "set_current_map", "mapId": crossroads})
    assert not bea.errors, bea.errors


DISC_COLOURS = """(ids) => ids.map((id) => {
  const disc = document.querySelector(`.token[data-actor-id="${id}"] .disc`);
  const style = getComputedStyle(disc);
  return [style.backgroundImage, style.borderTopColor, style.borderTopWidth];
})"""


async def test_kinds_have_their_colours_and_a_stack_fans_out(
    browser: Any, table: Server, gm: Client
) -> None:
    cleo = await join(browser, table, "Cleo", **DESKTOP)
    page = cleo.page
    mine = await give(gm, cleo, "Pip")
    other_pc = actor_named(gm.view, "Thorin")
    monster = actor_named(gm.view, "Goblin 1")
    ack = await applied(gm, {"kind": "create_actor", "data": {"name": "Innkeeper", "type": "npc"}})
    npc = ack["result"]["id"] if "result" in ack else ack["extra"]["id"]
    await applied(gm, {"kind": "move_token", "tokenId": npc, "x": 2, "y": 2})
    await page.wait_for_selector(f'.token[data-actor-id="{npc}"]')
    colours = await page.evaluate(DISC_COLOURS, [other_pc, npc, monster, mine])
    backgrounds = [c[0] for c in colours[:3]]
    assert len(set(backgrounds)) == 3, backgrounds
    # Your own token: the gold ring, thicker than the others'.
    assert colours[3][1] == "rgb(240, 180, 41)", colours[3]
    assert float(colours[3][2].rstrip("px")) > float(colours[0][2].rstrip("px"))

    # Three tokens on one cell: all seen, counted, and each can be picked.
    stack = [other_pc, monster, npc]
    for actor in stack:
        await applied(gm, {"kind": "move_token", "tokenId": actor, "x": 6, "y": 4})
    badge = page.locator(".stack-count")
    await wait_until(page, "document.querySelector('.stack-count')?.textContent === '3'")
    assert await badge.count() == 1
    await page.wait_for_timeout(300)  # the fan's slide is a CSS transition
    for actor in stack:
        x, y = await token_centre(page, actor)
        assert await token_at(page, x, y) == actor
        assert await page.locator(f'.token[data-actor-id="{actor}"]').is_visible()
    await applied(gm, {"kind": "move_token", "tokenId": npc, "x": 7, "y": 4})
    await wait_until(page, "document.querySelector('.stack-count')?.textContent === '2'")
    await applied(gm, {"kind": "move_token", "tokenId": monster, "x": 8, "y": 4})
    await wait_until(page, "!document.querySelector('.stack-count')")
    assert not cleo.errors, cleo.errors


async def test_on_a_phone_a_tap_on_a_token_shows_its_name(
    browser: Any, table: Server, gm: Client
) -> None:
    dan = await join(browser, table, "Dan", **PHONE)
    page = dan.page
    goblin = actor_named(gm.view, "Goblin 2")
    token = page.locator(f'.token[data-actor-id="{goblin}"]')
    await token.scroll_into_view_if_needed()
    await token.tap()
    tip = page.locator(".token-tip")
    await tip.wait_for(state="visible")
    assert await tip.inner_text() == "Goblin 2"
    assert not dan.errors, dan.errors
