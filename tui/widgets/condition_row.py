"""A condition on an actor's sheet: its name and how many rounds it lasts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input

from tui.sheet_fields import FieldError, whole_number
from tui.widgets.sheet_row import SheetRow


class ConditionRow(SheetRow):
    """Rounds left empty: the condition lasts until the GM removes it."""

    def __init__(self, condition: Mapping[str, Any] | None = None) -> None:
        super().__init__(classes="sheet-row")
        self._condition = dict(condition or {})

    def compose_fields(self) -> ComposeResult:
        rounds = self._condition.get("rounds")
        yield Input(
            self._condition.get("name", ""),
            placeholder="Condition (Poisoned)",
            classes="row-first row-name",
            compact=True,
        )
        yield Input(
            "" if rounds is None else str(rounds),
            placeholder="rounds",
            type="integer",
            classes="row-number",
            compact=True,
        )

    def value(self) -> dict[str, Any] | None:
        name = self.query_one(".row-name", Input).value.strip()
        rounds_text = self.query_one(".row-number", Input).value
        if not name and not rounds_text.strip():
            return None
        if not name:
            raise FieldError("conditions", "Name the condition, or remove the line")
        rounds = whole_number(
            rounds_text, field="conditions", label=f"{name}'s rounds", required=False, minimum=0
        )
        return {"name": name, "rounds": rounds, "note": self._condition.get("note", "")}
