"""Create a campaign: empty, or the sample one."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label


@dataclass(frozen=True, slots=True)
class NewCampaign:
    name: str
    demo: bool


class NewCampaignScreen(ModalScreen[NewCampaign | None]):
    """Returns the campaign to create, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, *, demo: bool = False) -> None:
        super().__init__()
        self._demo = demo

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("New campaign", classes="dialog-title")
            yield Input(placeholder="Name (the sample campaign keeps its own)", id="name")
            yield Checkbox("Fill it with the sample campaign", self._demo, id="demo")
            yield Label("", id="new-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create", variant="primary", id="create")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._create()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create":
            self._create()
        else:
            self.dismiss(None)

    def _create(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        demo = self.query_one("#demo", Checkbox).value
        if not name and not demo:
            self.query_one("#new-error", Label).update("Give the campaign a name.")
            return
        self.dismiss(NewCampaign(name, demo))

    def action_cancel(self) -> None:
        self.dismiss(None)
