"""What to do when the library holds no campaign yet."""

from __future__ import annotations

import enum

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class FirstStep(enum.Enum):
    CREATE = "create"
    DEMO = "demo"
    IMPORT = "import"
    QUIT = "quit"


class WelcomeScreen(ModalScreen[FirstStep]):
    """Offers to create a campaign, the sample one, or import a file."""

    BINDINGS = [
        Binding("n", "choose('create')", "New"),
        Binding("d", "choose('demo')", "Sample"),
        Binding("i", "choose('import')", "Import"),
        Binding("escape,q", "choose('quit')", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("No campaigns here yet.", classes="dialog-title")
            yield Button("New campaign (n)", variant="primary", id="create")
            yield Button("Try the sample campaign (d)", variant="success", id="demo")
            yield Button("Import a campaign file (i)", id="import")
            yield Button("Quit (q)", id="quit")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(FirstStep(event.button.id))

    def action_choose(self, step: str) -> None:
        self.dismiss(FirstStep(step))
