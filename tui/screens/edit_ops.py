"""Edit a proposal's JSON Patch before approving it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea

from vtt_host.errors import ActionError
from vtt_host.patching import check_op


def readable_op(change: Mapping[str, Any]) -> dict[str, Any]:
    """An op without the empty fields stored proposals carry (``"from": null``)."""
    needs_value = change.get("op") in ("add", "replace", "test")
    needs_from = change.get("op") in ("move", "copy")
    return {
        key: value
        for key, value in change.items()
        if (key != "value" or needs_value) and (key != "from" or needs_from)
    }


def parse_ops(text: str) -> list[dict[str, Any]]:
    """The edited ops, or ValueError saying what is wrong with them."""
    try:
        ops = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON: {error.msg} (line {error.lineno})") from None
    if not isinstance(ops, list) or not ops:
        raise ValueError("the changes must be a non-empty JSON list of operations")
    for index, change in enumerate(ops):
        try:
            check_op(change)
        except ActionError as error:
            raise ValueError(f"operation {index + 1}: {error.message}") from None
    return ops


class EditOpsScreen(ModalScreen[list[dict[str, Any]] | None]):
    """Returns the edited ops to approve with, or None to go back to the queue."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "approve", "Approve edited"),
    ]

    def __init__(self, summary: str, ops: Sequence[Mapping[str, Any]]) -> None:
        super().__init__()
        self._summary = summary
        self._text = json.dumps([readable_op(o) for o in ops], indent=2, ensure_ascii=False)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide"):
            yield Label(f"Edit, then approve: {self._summary}", classes="dialog-title")
            yield TextArea(self._text, language="json", id="ops-editor")
            yield Label("", id="ops-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Approve edited (ctrl+s)", variant="success", id="approve")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "approve":
            self.action_approve()
        else:
            self.dismiss(None)

    def action_approve(self) -> None:
        try:
            ops = parse_ops(self.query_one("#ops-editor", TextArea).text)
        except ValueError as error:
            self.query_one("#ops-error", Label).update(str(error))
            return
        self.dismiss(ops)

    def action_cancel(self) -> None:
        self.dismiss(None)
