"""Steps shared by the map tests: what the screen shows at a cell, the map's geometry."""

from __future__ import annotations

from typing import Any

from tests.browser.pngs import RGB, decode

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
}


async def pixel(page: Any, x: float, y: float) -> RGB:
    """The colour on screen at page point (x, y)."""
    clip = {"x": int(x), "y": int(y), "width": 1, "height": 1}
    shot = await page.screenshot(clip=clip, animations="disabled")
    return decode(shot).at(0, 0)


async def cell_point(page: Any, x: float, y: float, scroll: bool = True) -> tuple[float, float]:
    """The page point of map position (x, y) in cells, scrolled into view first."""
    point = await page.evaluate(
        """([x, y, scroll]) => {
          const map = window.vtt.views.map;
          const viewport = map.viewport;
          if (scroll) {
            viewport.scrollLeft = x * map.cell - viewport.clientWidth / 2;
            viewport.scrollTop = y * map.cell - viewport.clientHeight / 2;
          }
          const rect = map.board.getBoundingClientRect();
          return [rect.left + x * map.cell, rect.top + y * map.cell];
        }""",
        [x, y, scroll],
    )
    return float(point[0]), float(point[1])


async def cell_colour(page: Any, x: int, y: int) -> RGB:
    """The colour on screen at the centre of cell (x, y)."""
    px, py = await cell_point(page, x + 0.5, y + 0.5)
    return await pixel(page, px, py)


def close(seen: RGB, wanted: RGB, tolerance: int = 6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(seen, wanted, strict=True))


async def token_centre(page: Any, actor_id: str) -> tuple[float, float]:
    box = await page.locator(f'.token[data-actor-id="{actor_id}"] .disc').bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


async def token_at(page: Any, x: float, y: float) -> str | None:
    """The actor id of the token a click at page point (x, y) would hit."""
    found = await page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.closest('.token')?.dataset.actorId ?? null",
        [x, y],
    )
    return str(found) if found else None
