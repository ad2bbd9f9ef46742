"""Key ``b``: the GM's one-time link to the table in a browser, opened and printed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.tui.conftest import serving_config, table_app, until, wait_ready
from tui.app import GmApp
from tui.screens.main import MainScreen

SIZE = (120, 40)
LINK = re.compile(r"http://127\.0\.0\.1:\d+/\?gm=[A-Za-z0-9_-]{32}")


def notices(app: GmApp) -> list[str]:
    return [str(note.message) for note in app._notifications]


async def gm_hello(link: str) -> dict[str, Any]:
    """What a page opened at the link is told when it says hello with the ticket."""
    parts = urlsplit(link)
    ticket = parse_qs(parts.query)["gm"][0]
    origin = f"http://{parts.netloc}"
    async with connect(f"ws://{parts.netloc}/ws", origin=origin, max_size=None) as ws:  # type: ignore[arg-type]
        await ws.send(json.dumps({"type": "hello", "protocol": 1, "gmTicket": ticket}))
        return dict(json.loads(await ws.recv()))


async def test_b_opens_the_map_in_the_browser_with_a_link_that_works_once(
    tmp_path: Path,
) -> None:
    opened: list[str] = []

    def open_link(link: str) -> bool:
        opened.append(link)
        return True

    app = GmApp(serving_config(tmp_path / "data", demo=True), open_link=open_link)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("b")
        await until(pilot, lambda: bool(opened), "the browser to be asked")
        link = opened[0]
        assert LINK.fullmatch(link)
        assert any(link in note for note in notices(app))

        welcome = await gm_hello(link)
        assert (welcome["type"], welcome["role"]) == ("welcome", "gm")
        assert welcome["campaign"] == app.session.live.id
        with pytest.raises(ConnectionClosed) as refused:
            await gm_hello(link)
        assert refused.value.rcvd is not None
        assert refused.value.rcvd.code == 4001
        assert isinstance(app.screen, MainScreen)


async def test_without_a_browser_the_printed_link_is_enough(tmp_path: Path) -> None:
    def no_browser(link: str) -> bool:
        return False

    app = GmApp(serving_config(tmp_path / "data", demo=True), open_link=no_browser)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("b")
        await until(
            pilot,
            lambda: any("open the link above yourself" in n for n in notices(app)),
            "the warning",
        )
        link = next(m.group() for n in notices(app) if (m := LINK.search(n)))
        assert (await gm_hello(link))["role"] == "gm"


async def test_without_a_host_there_is_no_link(table_dir: Path) -> None:
    opened: list[str] = []
    app = table_app(table_dir)
    app.open_link = opened.append  # type: ignore[assignment]
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await pilot.press("b")
        await until(pilot, lambda: any("not being served" in n for n in notices(app)), "why")
        assert opened == []
