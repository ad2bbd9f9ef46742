"""Every key of the app and of the screen in use, grouped by where it works."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from tui.keys import KeyGroup

KEY_COLUMN_WIDTH = 12


def group_text(group: KeyGroup) -> Text:
    text = Text()
    text.append(group.title, style="bold underline")
    if group.current:
        text.append("  (on screen)", style="dim")
    for key in group.keys:
        text.append("\n  ")
        text.append(key.keys.ljust(KEY_COLUMN_WIDTH), style="bold")
        text.append(f" {key.description}")
    return text


class HelpScreen(ModalScreen[None]):
    """Shows ``groups`` (see tui.keys.key_groups); Escape, ? or F1 closes it."""

    BINDINGS = [Binding("escape,question_mark", "close", "Close help")]

    def __init__(self, groups: Sequence[KeyGroup]) -> None:
        super().__init__()
        self.groups = tuple(groups)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide", id="help-dialog"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(id="help-keys"):
                for group in self.groups:
                    yield Static(group_text(group), classes="help-group")
            yield Label(
                "Esc, ? or F1 closes this · Ctrl+P finds any action by name", classes="dialog-hint"
            )

    def action_close(self) -> None:
        self.dismiss(None)
