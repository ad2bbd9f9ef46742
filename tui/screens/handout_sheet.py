"""A handout's sheet: what the players will read, an image, and the GM's notes.

Who reads it is not set here but with reveal (to everyone or to chosen players) and
hide, from the library: a new handout stays hidden until the GM shares it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from textual.app import ComposeResult
from textual.widgets import Input, TextArea

from tui.assets import ImageFiles
from tui.screens.sheet import Commit, Problems, SheetScreen, error_slot, label, line, section
from vtt_host import schema


def _handout_model() -> type[BaseModel] | None:
    """The schema's handout model once the host has one (the host checks it anyway)."""
    model = getattr(schema, "Handout", None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


class HandoutSheetScreen(SheetScreen):
    """Create (``handout`` None) or edit a handout; returns SheetSaved or None."""

    MODEL = _handout_model()
    IMAGE_TITLE = "Image"

    def __init__(
        self,
        handout: Mapping[str, Any] | None,
        *,
        commit: Commit,
        images: ImageFiles | None = None,
    ) -> None:
        title = f"{handout['name']}: handout" if handout else "New handout (hidden until shared)"
        super().__init__(title, handout, commit=commit, images=images)

    def compose_fields(self) -> ComposeResult:
        handout = self.original
        yield line(label("Name"), Input(handout.get("name", ""), id="name", compact=True))
        yield error_slot("name")
        yield section("Text (what the players read)")
        yield TextArea(
            handout.get("text", ""), id="text", classes="sheet-text handout-text", compact=True
        )
        yield error_slot("text")
        yield from self.compose_image()
        yield section("GM notes (only you)")
        yield TextArea(
            handout.get("gmNotes", ""), id="gm-notes", classes="sheet-text gm-text", compact=True
        )
        yield error_slot("gmNotes")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#name", Input).focus()

    def read(self, problems: Problems) -> dict[str, Any]:
        name = self.text_of("name").strip()
        if not name:
            problems.add("name", "Give the handout a name")
        return {
            "name": name,
            "text": self.query_one("#text", TextArea).text,
            "gmNotes": self.query_one("#gm-notes", TextArea).text,
        }
