"""One entry of a list on a sheet (a condition, a stat, an inventory line), removable."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label


class SheetRow(Vertical):
    """Its fields on one line, ✕ to remove it, its error under it.

    ``value()`` is the entry (None for a line left blank, which is dropped) or raises
    tui.sheet_fields.FieldError; the sheet shows that error with ``show_error``.
    """

    def compose(self) -> ComposeResult:
        with Horizontal(classes="sheet-line"):
            yield from self.compose_fields()
            yield Button("✕", classes="sheet-row-remove", compact=True, tooltip="Remove this line")
        yield Label("", classes="row-error")

    def compose_fields(self) -> ComposeResult:
        raise NotImplementedError
        yield

    def value(self) -> dict[str, Any] | None:
        raise NotImplementedError

    def show_error(self, message: str) -> None:
        error = self.query_one(".row-error", Label)
        error.update(message)
        error.set_class(bool(message), "-shown")

    def focus_first(self) -> None:
        self.query(".row-first").first().focus()

    @on(Button.Pressed, ".sheet-row-remove")
    def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        self.screen.focus_previous()
        self.remove()
