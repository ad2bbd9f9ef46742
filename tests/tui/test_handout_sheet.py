"""The handout sheet on its own: what it hands to the host's create/update_handout.

The sheet is pushed in a bare app with a commit that records (tests/tui/test_handouts.py
goes the whole way, through the host to the players).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App
from textual.widgets import Input, Label, TextArea

from tests.tui.conftest import until
from tests.vtt_host.test_images import png
from tui.assets import ImageFiles
from tui.screens.handout_sheet import HandoutSheetScreen
from tui.screens.sheet import SheetSaved


class Assets:
    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}

    def put(self, data: bytes, ext: str) -> str:
        key = f"{len(self.stored):064x}"
        self.stored[key] = data
        return key


async def test_new_handout_sheet_hands_over_name_text_image_and_gm_notes(tmp_path: Path) -> None:
    image = tmp_path / "letter.png"
    image.write_bytes(png(8, 8))
    committed: list[dict[str, Any]] = []
    results: list[SheetSaved | None] = []

    async def commit(data: dict[str, Any]) -> str:
        committed.append(data)
        return "h_1"

    assets = Assets()
    app: App[None] = App()
    async with app.run_test(size=(80, 24)) as pilot:
        sheet = HandoutSheetScreen(None, commit=commit, images=ImageFiles(assets))
        app.push_screen(sheet, results.append)
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Give the handout a name" in str(sheet.query_one("#error-name", Label).render())
        assert committed == []

        await pilot.press(*"Letter", "tab", *"Dear friend,")
        sheet.query_one("#gm-notes", TextArea).text = "Forged."
        sheet.query_one("#image-path", Input).value = str(image)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: bool(results), "the sheet to close")

    (data,) = committed
    (sha,) = assets.stored
    assert data == {
        "name": "Letter",
        "text": "Dear friend,",
        "gmNotes": "Forged.",
        "imageAsset": sha,
    }
    assert results == [SheetSaved("h_1", data)]
