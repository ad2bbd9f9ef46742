"""Pick any number of things (players to share a handout with)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, SelectionList
from textual.widgets.selection_list import Selection


class PickManyScreen(ModalScreen[list[str] | None]):
    """Returns the ticked ids (in the order offered), or None when dismissed."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "choose", "Done"),
    ]

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[str, str]],
        *,
        chosen: Collection[str] = (),
        at_least_one: bool = True,
    ) -> None:
        super().__init__()
        self._title = title
        self._choices = choices
        self._chosen = set(chosen)
        self._at_least_one = at_least_one

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self._title, classes="dialog-title")
            if self._choices:
                yield SelectionList[str](
                    *(Selection(text, key, key in self._chosen) for key, text in self._choices),
                    id="pick-many",
                )
            else:
                yield Label("Nothing to choose from.", classes="dialog-hint")
            yield Label("Space ticks · ctrl+s or Done: done · Esc cancels", classes="dialog-hint")
            yield Label("", id="pick-many-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Done", variant="primary", id="done")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "done":
            self.action_choose()
        else:
            self.dismiss(None)

    def action_choose(self) -> None:
        ticked = (
            set(self.query_one("#pick-many", SelectionList).selected) if self._choices else set()
        )
        if self._at_least_one and not ticked:
            self.query_one("#pick-many-error", Label).update("Tick at least one (space).")
            return
        self.dismiss([key for key, _ in self._choices if key in ticked])

    def action_cancel(self) -> None:
        self.dismiss(None)
