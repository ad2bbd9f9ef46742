"""Someone typed a known player's name: the GM says whether it is really them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from vtt_host.server import Claim


class ClaimScreen(ModalScreen[bool | None]):
    """True to let the claimant in as the player, False to refuse; None when the claim
    ended before the GM answered (expired, withdrawn, or decided elsewhere)."""

    BINDINGS = [
        Binding("a", "answer(True)", "Approve"),
        Binding("r", "answer(False)", "Refuse"),
        Binding("escape", "answer(False)", "Refuse"),
    ]

    def __init__(self, claim: Claim) -> None:
        super().__init__()
        self.claim = claim

    def compose(self) -> ComposeResult:
        claim = self.claim
        minutes = max(1, round(claim.seconds_left() / 60))
        with Vertical(classes="dialog", id="claim-dialog"):
            yield Label(f"Is this {claim.name}?", classes="dialog-title")
            yield Label(
                f"A device at {claim.address} asks to join as {claim.name}, "
                f"with their character and their whispers."
            )
            yield Label(
                "Approve only if you know it is them (a new phone, a cleared browser). "
                f"Unanswered, it is refused in about {minutes} min.",
                classes="dialog-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"Approve {claim.name} (a)", variant="warning", id="approve")
                yield Button("Refuse (r)", variant="error", id="refuse")

    def on_mount(self) -> None:
        self.query_one("#refuse", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "approve")

    def action_answer(self, approve: bool) -> None:
        self.dismiss(approve)
