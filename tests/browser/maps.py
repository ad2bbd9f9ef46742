"""Steps shared by the map tests: what the screen shows at a cell, the map's geometry."""

from __future__ import annotations

import asyncio
import json
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


class Touch:
    """Fingers on a touch screen, through the DevTools protocol: the page gets the
    touch and pointer events a phone sends (Playwright's ``tap`` is one finger only)."""

    def __init__(self, cdp: Any) -> None:
        self.cdp = cdp

    @classmethod
    async def on(cls, page: Any) -> Touch:
        return cls(await page.context.new_cdp_session(page))

    async def send(self, kind: str, points: list[tuple[float, float]]) -> None:
        touch_points = [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]
        await self.cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touch_points})

    async def drag(
        self, points: list[tuple[float, float]], to: list[tuple[float, float]], steps: int = 6
    ) -> None:
        """Put fingers down at ``points``, move them to ``to`` in steps, lift them."""
        await self.send("touchStart", points[:1])
        if len(points) > 1:
            await self.send("touchStart", points)
        for step in range(1, steps + 1):
            t = step / steps
            now = [
                (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
                for a, b in zip(points, to, strict=True)
            ]
            await self.send("touchMove", now)
        await self.send("touchEnd", [])

    async def hold(self, x: float, y: float, ms: int) -> None:
        """One finger held still for ``ms`` (a long press), then lifted."""
        await self.send("touchStart", [(x, y)])
        await asyncio.sleep(ms / 1000)
        await self.send("touchEnd", [])


async def inject_map_fields(page: Any, map_id: str, fields: dict[str, Any]) -> None:
    """Set fields of a map in the page's own copy of the view and redraw, as a patch
    from the host would (for map fields the host may not send yet)."""
    await page.evaluate(
        """([mapId, fields]) => {
          const app = window.vtt;
          const ops = [];
          for (const [key, value] of Object.entries(fields)) {
            app.link.view.maps[mapId][key] = value;
            ops.push({ op: "replace", path: `/maps/${mapId}/${key}`, value });
          }
          app.link.handlers.onPatch({ ops });
        }""",
        [map_id, fields],
    )


def sent_frames(frames: list[str], kind: str) -> list[dict[str, Any]]:
    found = []
    for text in frames:
        if f'"type":"{kind}"' in text.replace(" ", ""):
            found.append(json.loads(text))
    return found


async def frames_sent(
    frames: list[str], kind: str, count: int = 1, timeout_s: float = 10.0
) -> list[dict[str, Any]]:
    """Wait until at least ``count`` frames of that type were sent; all of them."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while len(found := sent_frames(frames, kind)) < count:
        if loop.time() > deadline:
            raise TimeoutError(f"{len(found)} {kind} frames sent, wanted {count}")
        await asyncio.sleep(0.01)
    return found
