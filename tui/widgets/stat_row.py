"""A named number on an actor's sheet (Sanity 45, Level 3), any game system's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input

from tui.sheet_fields import FieldError, whole_number
from tui.widgets.sheet_row import SheetRow


class StatRow(SheetRow):
    """Both the name and the number are needed: an empty value is not a 0."""

    def __init__(self, stat: Mapping[str, Any] | None = None) -> None:
        super().__init__(classes="sheet-row")
        self._stat = dict(stat or {})

    def compose_fields(self) -> ComposeResult:
        value = self._stat.get("value")
        yield Input(
            self._stat.get("name", ""),
            placeholder="Name (Sanity)",
            max_length=60,
            classes="row-first row-name",
            compact=True,
        )
        yield Input(
            "" if value is None else str(value),
            placeholder="value",
            type="integer",
            classes="row-number",
            compact=True,
        )

    def value(self) -> dict[str, Any] | None:
        name = self.query_one(".row-name", Input).value.strip()
        number_text = self.query_one(".row-number", Input).value
        if not name and not number_text.strip():
            return None
        if not name:
            raise FieldError("stats", "Name the stat, or remove the line")
        number = whole_number(number_text, field="stats", label=name)
        return {"name": name, "value": number}
