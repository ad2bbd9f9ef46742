"""Token images from the actor sheet: a file becomes the actor's ``imageAsset``."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button, Label

from tests.tui.conftest import join, until
from tests.tui.library_helpers import (
    choose,
    errors_on,
    is_modal,
    on_screen,
    running,
    state,
    typed,
)
from tests.vtt_host.test_images import jpeg, webp_lossy
from tui.app import GmApp
from tui.screens.actor_sheet import ActorSheetScreen
from vtt_host.client import Client


async def open_sheet(app: GmApp, pilot: Pilot[Any], name: str) -> ActorSheetScreen:
    await choose(app, pilot, "actors", name)
    await pilot.press("enter")
    sheet: ActorSheetScreen = await on_screen(pilot, ActorSheetScreen, f"{name}'s sheet")
    return sheet


async def test_a_token_image_reaches_the_players_and_no_image_clears_it(
    tmp_path: Path, clients: list[Client]
) -> None:
    token = tmp_path / "thorin.jpg"
    token.write_bytes(jpeg(256, 256))
    async with running(tmp_path) as (app, pilot):
        alice = await join(app, clients, "Alice")
        thorin = next(a["id"] for a in state(app)["actors"].values() if a["name"] == "Thorin")
        sheet = await open_sheet(app, pilot, "Thorin")
        assert "Now: no image" in str(sheet.query_one("#image-state", Label).render())
        typed(sheet, "image-path", str(token))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not is_modal(app), "the sheet to close")

        sha = state(app)["actors"][thorin]["imageAsset"]
        assert (app.session.lib.assets.root / f"{sha}.jpg").read_bytes() == token.read_bytes()
        await alice.wait_for(lambda: alice.view["actors"][thorin].get("imageAsset") == sha)
        host = app.session.host
        assert host is not None
        url = f"http://127.0.0.1:{host.port}/assets/{sha}"
        served = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())
        assert served == token.read_bytes()

        # Saving again with the path left empty keeps the image ...
        sheet = await open_sheet(app, pilot, "Thorin")
        assert f"Now: image {sha[:12]}" in str(sheet.query_one("#image-state", Label).render())
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not is_modal(app), "the sheet to close")
        assert state(app)["actors"][thorin]["imageAsset"] == sha
        # ... and "No image" takes it away.
        sheet = await open_sheet(app, pilot, "Thorin")
        sheet.query_one("#image-clear", Button).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "Now: no image" in str(sheet.query_one("#image-state", Label).render())
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not is_modal(app), "the sheet to close")
        assert state(app)["actors"][thorin]["imageAsset"] is None
        await alice.wait_for(lambda: alice.view["actors"][thorin].get("imageAsset") is None)


async def test_a_file_that_is_no_token_image_is_refused_beside_its_field(tmp_path: Path) -> None:
    fake = tmp_path / "token.png"
    fake.write_text("<svg onload='alert(1)'></svg>")
    webp = tmp_path / "goblin.webp"
    webp.write_bytes(webp_lossy(64, 64))
    async with running(tmp_path) as (app, pilot):
        goblin = next(a["id"] for a in state(app)["actors"].values() if a["name"] == "Goblin 1")
        before = dict(state(app)["actors"][goblin])
        sheet = await open_sheet(app, pilot, "Goblin 1")
        typed(sheet, "image-path", str(fake))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "error-image-path" in errors_on(sheet), "the image error")
        assert "not a PNG, JPEG or WebP image" in errors_on(sheet)["error-image-path"]
        assert app.screen is sheet
        assert state(app)["actors"][goblin] == before

        typed(sheet, "image-path", str(webp))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not is_modal(app), "the sheet to close")
        sha = state(app)["actors"][goblin]["imageAsset"]
        assert (app.session.lib.assets.root / f"{sha}.webp").exists()
