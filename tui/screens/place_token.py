"""Choose the cell of the current map where an actor's token goes."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from tui.sheet_fields import FieldError, whole_number


@dataclass(frozen=True, slots=True)
class Cell:
    x: int
    y: int


class PlaceTokenScreen(ModalScreen[Cell | None]):
    """Offers ``start`` (a free cell); returns the cell chosen on the grid, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, name: str, map_name: str, size: tuple[int, int], start: Cell) -> None:
        super().__init__()
        self._name = name
        self._map_name = map_name
        self._width, self._height = size
        self._start = start

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Place {self._name} on {self._map_name}", classes="dialog-title")
            with Horizontal(classes="dialog-row"):
                yield Label("x", classes="dialog-label")
                yield Input(str(self._start.x), type="integer", id="cell-x")
                yield Label("y", classes="dialog-label")
                yield Input(str(self._start.y), type="integer", id="cell-y")
            yield Label(
                f"The grid is {self._width}x{self._height}: x 0 to {self._width - 1}, "
                f"y 0 to {self._height - 1}. Enter places it; move it later on the map tab.",
                classes="dialog-hint",
            )
            yield Label("", id="cell-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Place", variant="primary", id="place")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._place()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "place":
            self._place()
        else:
            self.dismiss(None)

    def _place(self) -> None:
        try:
            x = whole_number(
                self.query_one("#cell-x", Input).value,
                field="cell-x",
                label="x",
                minimum=0,
                maximum=self._width - 1,
            )
            y = whole_number(
                self.query_one("#cell-y", Input).value,
                field="cell-y",
                label="y",
                minimum=0,
                maximum=self._height - 1,
            )
        except FieldError as error:
            self.query_one("#cell-error", Label).update(error.message)
            return
        assert x is not None
        assert y is not None
        self.dismiss(Cell(x, y))

    def action_cancel(self) -> None:
        self.dismiss(None)
