"""Reject a proposal, optionally telling the player why."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str | None


class RejectScreen(ModalScreen[Rejection | None]):
    """Returns the rejection (with its reason), or None to keep the proposal."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, summary: str) -> None:
        super().__init__()
        self._summary = summary

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Reject: {self._summary}", classes="dialog-title")
            yield Input(placeholder="Reason for the player (optional)", id="reason")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Reject", variant="error", id="reject")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._reject()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "reject":
            self._reject()
        else:
            self.dismiss(None)

    def _reject(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        self.dismiss(Rejection(reason or None))

    def action_cancel(self) -> None:
        self.dismiss(None)
