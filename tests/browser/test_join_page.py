"""``/join`` in Chromium: a phone's camera reads the join link off the page, and the
link it reads opens the join form with the code filled in.

The picture goes to artifacts/screenshots; with ``VTT_DOCS_PICTURES=1`` also to
docs/images/join-page.png (each run has its own port and code, so it is not rewritten
on every run)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image

from tests.browser.conftest import ROOT, Server
from tests.browser.helpers import open_page
from tests.qr_images import decoded

pytestmark = pytest.mark.slow

TV = {"viewport": {"width": 1280, "height": 800}}
PICTURE = ROOT / "docs" / "images" / "join-page.png"


async def test_a_camera_reads_the_join_link_off_the_page(
    browser: Any, server: Server, screenshots: Path
) -> None:
    screen = await open_page(browser, server, "tv", **TV)
    page = screen.page
    answer = await page.goto(server.http + "join")
    assert answer is not None
    assert answer.status == 200
    await page.locator(".qr svg").wait_for()
    link = f"{server.http}?code={quote(server.join_code)}"
    assert await page.locator(".link a").get_attribute("href") == link
    assert await page.locator(".code strong").inner_text() == server.join_code

    shot = await page.screenshot(animations="disabled")
    assert decoded(Image.open(io.BytesIO(shot))) == [link]
    box = await page.locator(".qr svg").bounding_box()
    assert box is not None
    assert box["height"] >= 0.5 * 800  # big enough to read from across a table
    # join.css was applied: the policy let the page's own stylesheet in.
    card = "getComputedStyle(document.querySelector('.qr')).backgroundColor"
    assert await page.evaluate(card) == "rgb(255, 255, 255)"
    assert screen.errors == []
    (screenshots / PICTURE.name).write_bytes(shot)
    if os.environ.get("VTT_DOCS_PICTURES") == "1":
        PICTURE.write_bytes(shot)

    player = await open_page(browser, server, "phone")
    await player.page.goto(decoded(Image.open(io.BytesIO(shot)))[0])
    await player.page.wait_for_selector("#join-screen:not([hidden])")
    assert await player.page.input_value("#join-code") == server.join_code
    await screen.context.close()
    await player.context.close()
