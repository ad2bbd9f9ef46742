"""Pictures of the map for the docs: art, tokens, fog and a ruler, desktop and phone."""

from __future__ import annotations

from typing import Any

import pytest

from storage.assets import AssetStore
from tests.browser.conftest import ROOT, Server
from tests.browser.helpers import actor_named, applied, join, wait_until
from tests.browser.maps import DESKTOP, PHONE, Touch, cell_point
from tests.browser.pngs import encode_rgb
from vtt_host.client import Client

pytestmark = pytest.mark.slow

IMAGES = ROOT / "docs" / "images"


def ground(x: int, y: int) -> tuple[int, int, int]:
    road = abs((y // 24) - 8) <= 1 or abs((x // 24) - 11) <= 1
    if road:
        return 150, 125, 90
    shade = ((x * 7 + y * 13) // 40) % 3
    return 50 + 8 * shade, 95 + 10 * shade, 55


async def test_map_pictures_for_the_docs(browser: Any, table: Server, gm: Client) -> None:
    sha = AssetStore(table.data_dir).put(encode_rgb(24 * 24, 16 * 24, ground), "png")
    map_id = gm.view["currentSession"]["currentMapId"]
    size = {"width": 24 * 24, "height": 16 * 24}
    grid = {"width": 24, "height": 16, "cellSize": 24}
    art = {"imageAsset": sha, "imageSize": size, "grid": grid}
    await applied(gm, {"kind": "update_map", "id": map_id, "set": art})
    await applied(gm, {"kind": "set_fog", "mapId": map_id, "enabled": True})
    in_fog = actor_named(gm.view, "Goblin 2")
    area = {"x": 0, "y": 2, "width": 15, "height": 12}  # Goblin 2, at (16, 6), stays in fog
    await applied(gm, {"kind": "paint_fog", "mapId": map_id, "reveal": True, "areas": [area]})
    for name, options, path in (
        ("Uma", DESKTOP, IMAGES / "map-desktop.png"),
        ("Vic", PHONE, IMAGES / "map-phone.png"),
    ):
        player = await join(browser, table, name, **options)
        page = player.page
        await wait_until(page, "document.querySelector('.map-image').dataset.loaded === 'yes'")
        await page.wait_for_selector(".fog-layer:not([hidden])")
        assert await page.locator(f'.token[data-actor-id="{in_fog}"]').count() == 0
        if options is PHONE:
            await page.tap("[data-tool=measure]")
            start = await cell_point(page, 3.5, 10.5, scroll=False)
            end = await cell_point(page, 9.5, 6.5, scroll=False)
            await (await Touch.on(page)).drag([start], [end])
        else:
            start = await cell_point(page, 3.5, 10.5, scroll=False)
            end = await cell_point(page, 9.5, 6.5, scroll=False)
            await page.keyboard.down("Shift")
            await page.mouse.move(*start)
            await page.mouse.down()
            await page.mouse.move(*end, steps=4)
            await page.mouse.up()
            await page.keyboard.up("Shift")
        await page.locator(".ruler-label").wait_for()
        await page.screenshot(path=str(path), animations="disabled")
        await player.context.close()
