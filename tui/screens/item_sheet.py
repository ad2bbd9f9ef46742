"""An item's sheet: name, what the table reads of it, an image, and the GM's notes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, TextArea

from tui.assets import ImageFiles
from tui.screens.sheet import Commit, Problems, SheetScreen, error_slot, label, line, section
from vtt_host.schema import Item


class ItemSheetScreen(SheetScreen):
    """Create (``item`` None) or edit an item; returns SheetSaved or None."""

    MODEL = Item
    IMAGE_TITLE = "Image"

    def __init__(
        self, item: Mapping[str, Any] | None, *, commit: Commit, images: ImageFiles | None = None
    ) -> None:
        title = f"{item['name']}: item" if item else "New item"
        super().__init__(title, item, commit=commit, images=images)

    def compose_fields(self) -> ComposeResult:
        item = self.original
        yield line(label("Name"), Input(item.get("name", ""), id="name", compact=True))
        yield error_slot("name")
        yield line(
            label(""),
            Checkbox("Hidden from players", bool(item.get("hidden")), id="hidden", compact=True),
        )
        yield section("Description (the table reads it)")
        yield TextArea(
            item.get("description", ""), id="description", classes="sheet-text", compact=True
        )
        yield error_slot("description")
        yield from self.compose_image()
        yield section("GM notes (only you)")
        yield TextArea(
            item.get("gmNotes", ""), id="gm-notes", classes="sheet-text gm-text", compact=True
        )
        yield error_slot("gmNotes")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#name", Input).focus()

    def read(self, problems: Problems) -> dict[str, Any]:
        name = self.text_of("name").strip()
        if not name:
            problems.add("name", "Give the item a name")
        return {
            "name": name,
            "hidden": self.query_one("#hidden", Checkbox).value,
            "description": self.query_one("#description", TextArea).text,
            "gmNotes": self.query_one("#gm-notes", TextArea).text,
        }
