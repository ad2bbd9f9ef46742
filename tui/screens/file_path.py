"""Choose a campaign file to export to or import from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label


@dataclass(frozen=True, slots=True)
class FileChoice:
    path: Path
    replace: bool = False


class FilePathScreen(ModalScreen[FileChoice | None]):
    """Returns the file (and, for imports, whether to replace), or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, *, default: str = "", importing: bool = False) -> None:
        super().__init__()
        self._title = title
        self._default = default
        self._importing = importing

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide"):
            yield Label(self._title, classes="dialog-title")
            yield Input(self._default, placeholder="path/to/campaign.vttcampaign", id="path")
            if self._importing:
                yield Checkbox("Replace the campaign with the same id", False, id="replace")
            yield Label("", id="path-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Import" if self._importing else "Export", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._choose()
        else:
            self.dismiss(None)

    def _choose(self) -> None:
        text = self.query_one("#path", Input).value.strip()
        if not text:
            self.query_one("#path-error", Label).update("Type a file path.")
            return
        path = Path(text).expanduser()
        if self._importing and not path.is_file():
            self.query_one("#path-error", Label).update(f"There is no file {path}.")
            return
        replace = self._importing and self.query_one("#replace", Checkbox).value
        self.dismiss(FileChoice(path, replace))

    def action_cancel(self) -> None:
        self.dismiss(None)
