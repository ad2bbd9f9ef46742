"""Edit a combatant's hit points and conditions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from tui.describe import conditions_text, parse_conditions


@dataclass(frozen=True, slots=True)
class ActorEdit:
    """The fields to ``set`` on the actor (``update_actor``)."""

    changes: Mapping[str, Any]


class EditActorScreen(ModalScreen[ActorEdit | None]):
    """Returns what changed, or None when cancelled or nothing changed."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, actor: Mapping[str, Any]) -> None:
        super().__init__()
        self._name = str(actor.get("name", "?"))
        self._hp = dict(actor.get("hp") or {"current": 0, "max": 0, "temp": 0})
        self._had_hp = actor.get("hp") is not None
        self._conditions = conditions_text(actor)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"{self._name}: hit points and conditions", classes="dialog-title")
            with Horizontal(classes="dialog-row"):
                yield Label("HP", classes="dialog-label")
                yield Input(str(self._hp["current"]), type="integer", id="hp-current")
                yield Label("/", classes="dialog-label")
                yield Input(str(self._hp["max"]), type="integer", id="hp-max")
                yield Label("temp", classes="dialog-label")
                yield Input(str(self._hp.get("temp", 0)), type="integer", id="hp-temp")
            yield Label("Conditions, comma separated; rounds in parentheses", classes="dialog-hint")
            yield Input(self._conditions, placeholder="Poisoned (3), Prone", id="conditions")
            yield Label("", id="actor-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self._save()
        else:
            self.dismiss(None)

    def _number(self, widget_id: str) -> int:
        text = self.query_one(widget_id, Input).value.strip()
        try:
            return int(text or "0")
        except ValueError:
            raise ValueError(f"{text!r} is not a whole number") from None

    def _save(self) -> None:
        try:
            hp = {
                "current": self._number("#hp-current"),
                "max": self._number("#hp-max"),
                "temp": self._number("#hp-temp"),
            }
        except ValueError as error:
            self.query_one("#actor-error", Label).update(str(error))
            return
        if hp["max"] < 0 or hp["temp"] < 0:
            self.query_one("#actor-error", Label).update("max and temp HP cannot be negative")
            return
        changes: dict[str, Any] = {}
        if hp != {**{"temp": 0}, **self._hp} and (self._had_hp or any(hp.values())):
            changes["hp"] = hp
        conditions = self.query_one("#conditions", Input).value
        if conditions.strip() != self._conditions:
            changes["conditions"] = parse_conditions(conditions)
        self.dismiss(ActorEdit(changes) if changes else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
