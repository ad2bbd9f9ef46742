"""Edit a combatant's hit points and conditions, quickly, in the middle of a fight.

The whole sheet (tui/screens/actor_sheet.py) opens with Enter on the combatant; this
dialog follows the same rules for hit points: empty is "no HP", never 0, and current
above max needs "allow over max".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label

from tui.describe import conditions_text, parse_conditions
from tui.sheet_fields import FieldError, hit_points


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
        self._hp: dict[str, Any] | None = dict(actor["hp"]) if actor.get("hp") else None
        self._conditions = conditions_text(actor)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"{self._name}: hit points and conditions", classes="dialog-title")
            hp = self._hp or {}
            with Horizontal(classes="dialog-row"):
                yield Label("HP", classes="dialog-label")
                yield Input(_text(hp.get("current")), type="integer", id="hp-current")
                yield Label("/", classes="dialog-label")
                yield Input(_text(hp.get("max")), type="integer", id="hp-max")
                yield Label("temp", classes="dialog-label")
                yield Input(_text(hp.get("temp") or None), type="integer", id="hp-temp")
            over = bool(hp) and hp["current"] > hp["max"]
            yield Checkbox("allow over max", over, id="hp-over")
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

    def _typed(self, widget_id: str) -> str:
        return self.query_one(widget_id, Input).value

    def _save(self) -> None:
        try:
            hp = hit_points(
                self._typed("#hp-current"),
                self._typed("#hp-max"),
                self._typed("#hp-temp"),
                allow_over_max=self.query_one("#hp-over", Checkbox).value,
            )
        except FieldError as error:
            self.query_one("#actor-error", Label).update(error.message)
            self.query_one(f"#{error.field}", Input).focus()
            return
        changes: dict[str, Any] = {}
        before = None if self._hp is None else {"temp": 0, **self._hp}
        if hp != before:
            changes["hp"] = hp
        conditions = self.query_one("#conditions", Input).value
        if conditions.strip() != self._conditions:
            changes["conditions"] = parse_conditions(conditions)
        self.dismiss(ActorEdit(changes) if changes else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _text(value: Any) -> str:
    return "" if value is None else str(value)
