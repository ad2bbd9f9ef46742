"""The settings screen: what players may do unasked, what they see of NPCs, and the
app's own preferences (public URL, backups).

The campaign's part is saved in the campaign (``update_settings``), so it travels with
the campaign file and takes effect for players at once; the app's part is saved in the
data folder (tui/preferences.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet

from tui.preferences import Preferences, problems

APPROVALS: Final = (
    ("move_token", "Token moves"),
    ("chat", "Chat messages"),
    ("roll", "Dice rolls"),
    ("next_turn", "Ending their turn"),
    ("sheet_edit", "Edits to their own sheet"),
)
"""The player actions the GM can make wait for approval, in the order shown."""

NPC_HIT_POINTS: Final = (
    ("exact", "Exact numbers"),
    ("bloodied", "Only unhurt / wounded / bloodied / down"),
    ("none", "Nothing"),
)
DEFAULT_NPC_HIT_POINTS: Final = "exact"
"""What a campaign without the setting shows (the host's rule for older campaigns)."""

PREFERENCE_INPUTS: Final = (
    ("public_url", "#public-url"),
    ("backup_every_minutes", "#backup-every"),
    ("keep_newest", "#keep-newest"),
    ("keep_daily_days", "#keep-daily"),
)
FIELD_NAMES: Final = {
    "public_url": "Public URL",
    "backup_every_minutes": "Backup interval (minutes)",
    "keep_newest": "Newest backups kept",
    "keep_daily_days": "Days of daily backups",
}


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """What the GM changed: ``update_settings`` fields, and/or new preferences."""

    campaign: Mapping[str, Any] | None
    preferences: Preferences | None


class SettingsScreen(ModalScreen[SettingsChange | None]):
    """Returns the changes, or None when cancelled or nothing changed."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(
        self,
        gm_settings: Mapping[str, Any],
        preferences: Preferences,
        *,
        public_url_flag: str | None = None,
    ) -> None:
        super().__init__()
        self._approvals = tuple(gm_settings.get("requireApproval", ()))
        self._npc_hit_points = str(gm_settings.get("npcHitPoints", DEFAULT_NPC_HIT_POINTS))
        self._preferences = preferences
        self._public_url_flag = public_url_flag

    def compose(self) -> ComposeResult:
        preferences = self._preferences
        with Vertical(classes="dialog dialog-wide", id="settings"):
            yield Label("Settings", classes="dialog-title")
            with VerticalScroll(id="settings-body"):
                yield Label("This campaign", classes="settings-section")
                yield Label("Players' actions that wait for your approval:", classes="dialog-hint")
                for kind, label in APPROVALS:
                    yield Checkbox(label, kind in self._approvals, id=f"approve-{kind}")
                yield Label("NPC hit points players see:", classes="dialog-hint")
                with RadioSet(id="npc-hit-points"):
                    for value, label in NPC_HIT_POINTS:
                        chosen = value == self._npc_hit_points
                        yield RadioButton(label, chosen, id=f"npc-hp-{value}")
                yield Label("This computer", classes="settings-section")
                yield Label("Public URL players outside your network open:", classes="dialog-hint")
                yield Input(
                    preferences.public_url or "",
                    placeholder="https://table.example.org (empty: the LAN link)",
                    id="public-url",
                )
                if self._public_url_flag:
                    yield Label(
                        f"--public-url {self._public_url_flag} was given: it wins for this run.",
                        classes="dialog-hint",
                    )
                yield Label("", id="public_url-error", classes="dialog-error")
                with Horizontal(classes="dialog-row"):
                    yield Label("Back up every", classes="dialog-label")
                    yield Input(
                        str(preferences.backup_every_minutes), type="integer", id="backup-every"
                    )
                    yield Label("minutes; keep the newest", classes="dialog-label")
                    yield Input(str(preferences.keep_newest), type="integer", id="keep-newest")
                with Horizontal(classes="dialog-row"):
                    yield Label("and one a day for", classes="dialog-label")
                    yield Input(str(preferences.keep_daily_days), type="integer", id="keep-daily")
                    yield Label("days", classes="dialog-label")
                for field in ("backup_every_minutes", "keep_newest", "keep_daily_days"):
                    yield Label("", id=f"{field}-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        preferences = self._read_preferences()
        if preferences is None:
            return
        campaign = self._campaign_changes()
        changed_preferences = preferences if preferences != self._preferences else None
        if not campaign and changed_preferences is None:
            self.dismiss(None)
            return
        self.dismiss(SettingsChange(campaign or None, changed_preferences))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def _campaign_changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        approvals = [
            kind for kind, _ in APPROVALS if self.query_one(f"#approve-{kind}", Checkbox).value
        ]
        # Kinds this screen does not offer stay as they were.
        kept = [kind for kind in self._approvals if kind not in dict(APPROVALS)]
        if set(approvals) != set(self._approvals) - set(kept):
            changes["requireApproval"] = kept + approvals
        pressed = self.query_one("#npc-hit-points", RadioSet).pressed_button
        chosen = (pressed.id or "").removeprefix("npc-hp-") if pressed else self._npc_hit_points
        if chosen != self._npc_hit_points:
            changes["npcHitPoints"] = chosen
        return changes

    def _read_preferences(self) -> Preferences | None:
        """The preferences as typed, or None with each problem shown beside its field."""
        values: dict[str, Any] = {}
        for field, selector in PREFERENCE_INPUTS:
            text = self.query_one(selector, Input).value.strip()
            values[field] = text if field == "public_url" else _whole_number(text)
        found = problems(values)
        for field, _ in PREFERENCE_INPUTS:
            problem = found.get(field)
            shown = f"{FIELD_NAMES[field]}: {problem}" if problem else ""
            self.query_one(f"#{field}-error", Label).update(shown)
        if found:
            return None
        return Preferences.model_validate(values)


def _whole_number(text: str) -> int | str:
    """The number typed, or the text itself so that validation names what is wrong."""
    try:
        return int(text)
    except ValueError:
        return text
