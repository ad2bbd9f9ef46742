"""What a player reads at the table: the full sheet, the map's picture on its grid, and
the others on the map as the host lets them be seen. A real host of its own (these tests
change the demo campaign), a GM on the Python client, players in Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from storage.assets import AssetStore
from tests.browser.conftest import Server
from tests.browser.helpers import actor_named, applied, give, join, wait_until
from tests.browser.maps import DESKTOP, PHONE
from tests.browser.pngs import RGB, decode, encode_rgb
from vtt_host.client import Client

pytestmark = pytest.mark.slow

MINUS = "\N{MINUS SIGN}"  # as printed sheets write a negative modifier


# The picture of a 24 x 16 map with 16-pixel cells whose first cell starts at (8, 12):
# every cell has its own colour, the margin around the grid is magenta, and a dark grid
# is painted into the picture, as on a scanned battle map.
CELL_PX, OFFSET_X, OFFSET_Y, COLUMNS, ROWS = 16, 8, 12, 24, 16
IMAGE_W, IMAGE_H = OFFSET_X + COLUMNS * CELL_PX + 8, OFFSET_Y + ROWS * CELL_PX + 4
MARGIN: RGB = (255, 0, 255)
LINE: RGB = (20, 20, 20)


def cell_colour(x: int, y: int) -> RGB:
    return 30 + 9 * x, 30 + 13 * y, 90 + 80 * ((x + y) % 2)


def picture_pixel(px: int, py: int) -> RGB:
    gx, gy = px - OFFSET_X, py - OFFSET_Y
    if not (0 <= gx < COLUMNS * CELL_PX and 0 <= gy < ROWS * CELL_PX):
        return MARGIN
    if gx % CELL_PX == 0 or gy % CELL_PX == 0:
        return LINE
    return cell_colour(gx // CELL_PX, gy // CELL_PX)


# -- the sheet ------------------------------------------------------------------------

NOTES = "Oath: <b>never</b> retreat.\nOwes Pip 3 gold."


async def test_a_player_on_a_phone_reads_their_whole_sheet(
    browser: Any, table: Server, gm: Client, screenshots: Path
) -> None:
    nia = await join(browser, table, "Nia", **PHONE)
    thorin = await give(gm, nia, "Thorin")
    sheet = {
        "armorClass": 16,
        "speed": 25,
        "abilities": {
            "strength": 16,
            "dexterity": 9,
            "constitution": 10,
            "intelligence": 8,
            "wisdom": 13,
            "charisma": 20,
        },
        "stats": [{"name": "Level", "value": 3}, {"name": "Inspiration", "value": 1}],
        "notes": NOTES,
        "conditions": [
            {"name": "Poisoned", "rounds": 3, "note": "the goblin's blade"},
            {"name": "Blessed", "rounds": 1},
            {"name": "Hungry"},
        ],
    }
    await applied(gm, {"kind": "update_actor", "id": thorin, "set": sheet})
    page = nia.page
    await nia.tab("sheet")
    card = page.locator(f'#sheet .sheet-card[data-actor-id="{thorin}"]')
    await card.locator("[data-testid=ac]").wait_for()
    assert "16" in await card.locator("[data-testid=ac]").inner_text()
    assert "25 ft" in await card.locator("[data-testid=speed]").inner_text()
    assert "+2" in await card.locator("[data-testid=init]").inner_text()
    modifiers = await card.locator(".ability [data-testid=modifier]").all_inner_texts()
    assert modifiers == ["+3", f"{MINUS}1", "+0", f"{MINUS}1", "+1", "+5"]
    scores = await card.locator(".ability-score").all_inner_texts()
    assert [s.split()[-1] for s in scores] == ["16", "9", "10", "8", "13", "20"]
    stats = await card.locator(".stats .stat").all_inner_texts()
    assert [" ".join(s.split()) for s in stats] == ["Level 3", "Inspiration 1"]

    # Notes are text: the tag shows as written, nothing becomes markup, lines are kept.
    notes = card.locator("[data-testid=notes]")
    assert await notes.inner_text() == NOTES
    assert await page.locator("#sheet b").count() == 0
    conditions = " ".join((await card.locator(".conditions").inner_text()).split())
    assert "Poisoned · 3 rounds left" in conditions
    assert "the goblin's blade" in conditions
    assert "Blessed · 1 round left" in conditions
    assert "Hungry" in conditions
    assert "Longsword" in await card.locator(".inventory").inner_text()
    assert await card.locator("[data-testid=hp-current]").inner_text() == "12"

    # Nothing is wider than the phone: no sideways scrolling anywhere.
    widths = await page.evaluate(
        """() => [document.documentElement.scrollWidth,
                  document.querySelector('#panel-sheet').scrollWidth,
                  document.querySelector('#panel-sheet').clientWidth]"""
    )
    assert widths[0] <= 390, widths
    assert widths[1] <= widths[2], widths
    await page.screenshot(path=str(screenshots / "phone-sheet-full.png"), full_page=True)

    # The sheet follows the GM's changes while it is open.
    abilities = {**sheet["abilities"], "strength": 18}
    await applied(gm, {"kind": "update_actor", "id": thorin, "set": {"abilities": abilities}})
    first_modifier = "document.querySelector('#sheet .ability [data-testid=modifier]').textContent"
    await wait_until(page, f"{first_modifier} === '+4'")
    await applied(gm, {"kind": "update_actor", "id": thorin, "set": {"abilities": None}})
    await wait_until(page, "!document.querySelector('#sheet .abilities')")
    assert not nia.errors, nia.errors


# -- the map's picture ----------------------------------------------------------------


async def sample(page: Any, x: int, y: int) -> RGB:
    """The colour on screen at the centre of map cell (x, y), scrolled into view."""
    point = await page.evaluate(
        """([x, y]) => {
          const map = window.vtt.views.map;
          const viewport = map.viewport;
          viewport.scrollLeft = (x + 0.5) * map.cell - viewport.clientWidth / 2;
          viewport.scrollTop = (y + 0.5) * map.cell - viewport.clientHeight / 2;
          const rect = map.board.getBoundingClientRect();
          return [rect.left + (x + 0.5) * map.cell, rect.top + (y + 0.5) * map.cell];
        }""",
        [x, y],
    )
    clip = {"x": int(point[0]), "y": int(point[1]), "width": 1, "height": 1}
    shot = await page.screenshot(clip=clip, animations="disabled")
    return decode(shot).at(0, 0)


def close(seen: RGB, wanted: RGB, tolerance: int = 4) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(seen, wanted, strict=True))


async def image_geometry(page: Any) -> dict[str, float]:
    return dict(
        await page.evaluate(
            """() => {
              const map = window.vtt.views.map;
              const board = map.board.getBoundingClientRect();
              const image = map.image.getBoundingClientRect();
              return {cell: map.cell, left: image.left - board.left, top: image.top - board.top,
                      width: image.width, height: image.height};
            }"""
        )
    )


async def test_the_maps_picture_lies_under_its_grid_at_every_zoom(
    browser: Any, table: Server, gm: Client, screenshots: Path
) -> None:
    png = encode_rgb(IMAGE_W, IMAGE_H, picture_pixel)
    sha = AssetStore(table.data_dir).put(png, "png")
    omar = await join(browser, table, "Omar", **DESKTOP)
    page = omar.page
    crossroads = gm.view["currentSession"]["currentMapId"]
    # The demo's map has no picture: the plain grid.
    assert await page.locator(".map-art").is_hidden()
    assert not await page.locator(".map-board.has-image").count()

    mill = "m_mill"
    data = {
        "id": mill,
        "name": "Old Mill",
        "imageAsset": sha,
        "imageSize": {"width": IMAGE_W, "height": IMAGE_H},
        "grid": {
            "width": COLUMNS,
            "height": ROWS,
            "cellSize": CELL_PX,
            "offsetX": OFFSET_X,
            "offsetY": OFFSET_Y,
        },
    }
    await applied(gm, {"kind": "create_map", "data": data})
    await applied(gm, {"kind": "set_current_map", "mapId": mill})
    await wait_until(page, "document.querySelector('.map-image').dataset.loaded === 'yes'")
    assert await page.inner_text("#map-title") == "Old Mill"
    assert await page.get_attribute(".map-image", "src") == f"/assets/{sha}"

    taken = {(p["x"], p["y"]) for p in gm.view["currentSession"]["tokenPositions"].values()}
    cells = [(0, 0), (23, 15), (5, 2), (12, 9), (20, 4), (1, 14)]
    cells = [c for c in cells if c not in taken]
    for zoom_clicks in (0, 2):
        for _ in range(zoom_clicks):
            await page.click("[data-zoom=in]")
        geometry = await image_geometry(page)
        scale = geometry["cell"] / CELL_PX
        assert abs(geometry["left"] + OFFSET_X * scale) < 1, geometry
        assert abs(geometry["top"] + OFFSET_Y * scale) < 1, geometry
        assert abs(geometry["width"] - IMAGE_W * scale) < 1, geometry
        assert abs(geometry["height"] - IMAGE_H * scale) < 1, geometry
        for x, y in cells:
            seen = await sample(page, x, y)
            assert close(seen, cell_colour(x, y)), (zoom_clicks, x, y, seen, cell_colour(x, y))
    await page.click("[data-zoom=fit]")
    await page.screenshot(path=str(screenshots / "desktop-map-image.png"))

    # Without a recorded size the picture's own size is used, to the same effect.
    await applied(gm, {"kind": "update_map", "id": mill, "set": {"imageSize": None}})
    await wait_until(page, "window.vtt.views.map.imageSize === null")
    geometry = await image_geometry(page)
    assert abs(geometry["width"] - IMAGE_W * geometry["cell"] / CELL_PX) < 1, geometry
    assert close(await sample(page, 5, 2), cell_colour(5, 2))

    # Back on a map without a picture, the plain grid again.
    await applied(gm, {"kind": "set_current_map", "mapId": crossroads})
    await wait_until(page, "!document.querySelector('.map-board').classList.contains('has-image')")
    assert await page.locator(".map-art").is_hidden()
    assert not omar.errors, omar.errors


# -- the others on the map ----------------------------------------------------------------


async def test_an_npc_reaches_the_page_only_once_revealed(
    browser: Any, table: Server, gm: Client
) -> None:
    pia = await join(browser, table, "Pia", **DESKTOP)
    page = pia.page
    boss = actor_named(gm.view, "Goblin Boss")
    goblin = actor_named(gm.view, "Goblin 1")
    await pia.tab("sheet")
    await page.wait_for_selector(f'#sheet .other-card[data-actor-id="{goblin}"]')
    assert await page.locator(f'[data-actor-id="{boss}"]').count() == 0
    assert "Goblin Boss" not in await page.content()
    assert "Goblin Boss" not in pia.received_text()

    await applied(gm, {"kind": "reveal", "collection": "actors", "id": boss})
    token = page.locator(f'.token[data-actor-id="{boss}"]')
    await token.wait_for()
    assert (await token.get_attribute("title") or "").startswith("Goblin Boss")
    await page.wait_for_selector(f'#sheet .other-card[data-actor-id="{boss}"]')
    assert "Goblin Boss" in await page.inner_text("#sheet .others")

    await applied(gm, {"kind": "hide", "collection": "actors", "id": boss})
    await token.wait_for(state="detached")
    await page.wait_for_selector(f'#sheet .other-card[data-actor-id="{boss}"]', state="detached")
    assert not pia.errors, pia.errors


HP_SHAPES = """async ([actorId, shapes]) => {
  const app = window.vtt;
  const seen = [];
  for (const hp of shapes) {
    app.link.view.actors[actorId].hp = hp;
    const op = { op: "replace", path: `/actors/${actorId}/hp`, value: hp };
    app.link.handlers.onPatch({ ops: [op] });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const token = document.querySelector(`.token[data-actor-id="${actorId}"]`);
    const card = document.querySelector(`#sheet .other-card[data-actor-id="${actorId}"]`);
    const other = card.querySelector("[data-testid=health]");
    seen.push({ title: token.title, health: token.dataset.health ?? null,
                badge: other ? other.textContent : null });
  }
  return seen;
}"""


async def test_the_page_shows_each_shape_of_hit_points_it_may_receive(
    browser: Any, table: Server, gm: Client
) -> None:
    """Numbers, a status word or nothing, in any order, without a page error. The view is
    changed in the page itself, so this holds whatever the host's setting is."""
    quin = await join(browser, table, "Quin", **DESKTOP)
    goblin = actor_named(gm.view, "Goblin 2")
    await quin.tab("sheet")
    await quin.page.wait_for_selector(f'#sheet .other-card[data-actor-id="{goblin}"]')
    shapes = [
        {"current": 3, "max": 7, "temp": 0},
        {"status": "bloodied"},
        None,
        {"status": "down"},
        {"current": 7, "max": 7, "temp": 2},
        {"status": "wounded"},
        {"status": "unhurt"},
        {},
        {"status": "shaken"},
    ]
    seen = await quin.page.evaluate(HP_SHAPES, [goblin, shapes])
    assert seen[0] == {"title": "Goblin 2 · HP 3/7", "health": "bloodied", "badge": "HP 3/7"}
    assert seen[1] == {
        "title": "Goblin 2 · Bloodied",
        "health": "bloodied",
        "badge": "Hit points: Bloodied",
    }
    assert seen[2] == {"title": "Goblin 2", "health": None, "badge": None}
    assert seen[3]["title"] == "Goblin 2 · Down"
    assert seen[4]["title"] == "Goblin 2 · HP 7/7 (+2 temp)"
    assert seen[5]["health"] == "wounded"
    assert seen[6]["title"] == "Goblin 2 · Unhurt"
    assert seen[7] == {"title": "Goblin 2", "health": None, "badge": None}
    assert seen[8]["title"] == "Goblin 2 · Shaken"
    assert not quin.errors, quin.errors
