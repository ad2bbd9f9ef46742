"""An inventory line on an actor's sheet: which item, how many, whether equipped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Select

from tui.sheet_fields import whole_number
from tui.widgets.sheet_row import SheetRow


class InventoryRow(SheetRow):
    """A line with no item chosen is dropped; a chosen one needs a quantity."""

    def __init__(
        self, items: Sequence[tuple[str, str]], entry: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(classes="sheet-row")
        self._items = items
        self._entry = dict(entry or {"quantity": 1, "equipped": False})

    def compose_fields(self) -> ComposeResult:
        known = {item_id for item_id, _ in self._items}
        chosen = self._entry.get("itemId")
        yield Select(
            [(name, item_id) for item_id, name in self._items],
            value=chosen if chosen in known else Select.NULL,
            prompt="Choose an item",
            classes="row-first row-item",
            compact=True,
        )
        yield Input(
            str(self._entry.get("quantity", 1)),
            placeholder="qty",
            type="integer",
            classes="row-number",
            compact=True,
        )
        yield Checkbox("equipped", bool(self._entry.get("equipped")), compact=True)

    def value(self) -> dict[str, Any] | None:
        item = self.query_one(".row-item", Select).value
        if not isinstance(item, str):
            return None
        name = next((name for item_id, name in self._items if item_id == item), item)
        quantity = whole_number(
            self.query_one(".row-number", Input).value,
            field="inventory",
            label=f"{name}'s quantity",
            minimum=0,
        )
        equipped = self.query_one(Checkbox).value
        return {"itemId": item, "quantity": quantity, "equipped": equipped}
