"""An actor's whole sheet: who it is, its numbers, conditions, stats, inventory, notes.

Used for characters, NPCs and monsters, from the library (create and edit) and from
the initiative tab (Enter on a combatant). Hit points follow the rules of
tui.sheet_fields: empty is "no HP", never 0, and current above max needs the GM's
tick in "allow over max".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Checkbox, Input, Select, TextArea

from tui.assets import ImageFiles
from tui.catalogue import ABILITIES
from tui.screens.sheet import (
    Commit,
    Problems,
    SheetScreen,
    error_slot,
    label,
    line,
    section,
)
from tui.sheet_fields import FieldError, ability_scores, hit_points, whole_number
from tui.widgets.condition_row import ConditionRow
from tui.widgets.inventory_row import InventoryRow
from tui.widgets.sheet_row import SheetRow
from tui.widgets.stat_row import StatRow
from vtt_host.schema import Actor

ACTOR_TYPES = (("Player character", "character"), ("NPC", "npc"), ("Monster", "monster"))
NOBODY = "-"
"""The owner choice meaning "the GM plays it"."""


class ActorSheetScreen(SheetScreen):
    """Create (``actor`` None) or edit an actor; returns SheetSaved or None."""

    MODEL = Actor
    IMAGE_TITLE = "Token image"
    ERROR_SLOTS = {
        "hp-current": "hp",
        "hp-max": "hp",
        "hp-temp": "hp",
        "armor-class": "numbers",
        "speed": "numbers",
        "initiative-bonus": "numbers",
        **{f"ability-{name}": "abilities" for name in ABILITIES},
        "armorClass": "numbers",
        "initiativeBonus": "numbers",
        "hp": "hp",
        "abilities": "abilities",
    }

    def __init__(
        self,
        actor: Mapping[str, Any] | None,
        *,
        commit: Commit,
        players: Sequence[tuple[str, str]],
        items: Sequence[tuple[str, str]],
        images: ImageFiles | None = None,
        kind: str = "npc",
    ) -> None:
        name = actor["name"] if actor else None
        super().__init__(
            f"{name}: sheet" if name else "New actor", actor, commit=commit, images=images
        )
        self._players = players
        self._items = items
        self._kind = str(actor.get("type", kind)) if actor else kind

    def compose_fields(self) -> ComposeResult:
        actor = self.original
        hp = actor.get("hp") or {}
        owner = actor.get("owner")
        owners = [("Nobody (the GM plays it)", NOBODY), *((n, p) for p, n in self._players)]
        if owner and all(player_id != owner for player_id, _ in self._players):
            owners.append((owner, owner))
        yield line(label("Name"), Input(actor.get("name", ""), id="name", compact=True))
        yield error_slot("name")
        yield line(
            label("Type"),
            Select(ACTOR_TYPES, value=self._kind, allow_blank=False, id="type", compact=True),
            label("Player"),
            Select(owners, value=owner or NOBODY, allow_blank=False, id="owner", compact=True),
        )
        yield line(
            label(""),
            Checkbox("Hidden from players", bool(actor.get("hidden")), id="hidden", compact=True),
        )
        yield section("Hit points (all empty: none; temp empty: no temporary HP)")
        yield line(
            label("HP"),
            _number(hp.get("current"), "hp-current", "now"),
            label("/", classes="sheet-sep"),
            _number(hp.get("max"), "hp-max", "max"),
            label("temp"),
            _number(hp.get("temp") or None, "hp-temp", "none"),
            Checkbox("allow over max", _over_max(hp), id="hp-over", compact=True),
        )
        yield error_slot("hp")
        yield line(
            label("AC"),
            _number(actor.get("armorClass"), "armor-class", "none"),
            label("Speed"),
            _number(actor.get("speed"), "speed", "none"),
            label("Initiative"),
            _number(actor.get("initiativeBonus", 0), "initiative-bonus", "+0", signed=True),
        )
        yield error_slot("numbers")
        abilities = actor.get("abilities") or {}
        yield section("Ability scores (all six, or none)")
        yield line(
            *(
                widget
                for name in ABILITIES
                for widget in (
                    label(name[:3].upper(), classes="sheet-label-short"),
                    _number(abilities.get(name), f"ability-{name}", "—"),
                )
            )
        )
        yield error_slot("abilities")
        yield section("Conditions (rounds empty: until you remove it)")
        with Vertical(id="conditions", classes="sheet-list"):
            for condition in actor.get("conditions", []):
                yield ConditionRow(condition)
        yield Button("+ Condition", id="add-condition", classes="sheet-add", compact=True)
        yield section("Stats (any named number: Level, Sanity, Stress…)")
        with Vertical(id="stats", classes="sheet-list"):
            for stat in actor.get("stats", []):
                yield StatRow(stat)
        yield Button("+ Stat", id="add-stat", classes="sheet-add", compact=True)
        yield error_slot("stats")
        yield section("Inventory")
        with Vertical(id="inventory", classes="sheet-list"):
            for entry in actor.get("inventory", []):
                yield InventoryRow(self._items, entry)
        yield Button("+ Item", id="add-item", classes="sheet-add", compact=True)
        yield section("Notes (the table reads them)")
        yield TextArea(actor.get("notes", ""), id="notes", classes="sheet-text", compact=True)
        yield error_slot("notes")
        yield section("GM notes (only you)")
        yield TextArea(
            actor.get("gmNotes", ""), id="gm-notes", classes="sheet-text gm-text", compact=True
        )
        yield error_slot("gmNotes")
        yield from self.compose_image()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#name", Input).focus()

    # -- lists -----------------------------------------------------------------------

    @on(Button.Pressed, "#add-condition")
    async def _add_condition(self, event: Button.Pressed) -> None:
        event.stop()
        await self._add_row("#conditions", ConditionRow())

    @on(Button.Pressed, "#add-stat")
    async def _add_stat(self, event: Button.Pressed) -> None:
        event.stop()
        await self._add_row("#stats", StatRow())

    @on(Button.Pressed, "#add-item")
    async def _add_item(self, event: Button.Pressed) -> None:
        event.stop()
        if not self._items:
            self.notify("The campaign has no items yet: create them in the library.")
            return
        await self._add_row("#inventory", InventoryRow(self._items))

    async def _add_row(self, container: str, row: SheetRow) -> None:
        await self.query_one(container, Vertical).mount(row)
        row.focus_first()
        row.scroll_visible()

    # -- reading ---------------------------------------------------------------------

    def read(self, problems: Problems) -> dict[str, Any]:
        data: dict[str, Any] = {}
        name = self.text_of("name").strip()
        if not name:
            problems.add("name", "Give the actor a name")
        data["name"] = name
        data["type"] = self.query_one("#type", Select).value
        owner = self.query_one("#owner", Select).value
        data["owner"] = None if owner == NOBODY else owner
        data["hidden"] = self.query_one("#hidden", Checkbox).value
        data["hp"] = problems.take(
            lambda: hit_points(
                self.text_of("hp-current"),
                self.text_of("hp-max"),
                self.text_of("hp-temp"),
                allow_over_max=self.query_one("#hp-over", Checkbox).value,
            )
        )
        data["armorClass"] = problems.take(
            lambda: whole_number(
                self.text_of("armor-class"),
                field="armor-class",
                label="Armour class",
                required=False,
                minimum=0,
            )
        )
        data["speed"] = problems.take(
            lambda: whole_number(
                self.text_of("speed"), field="speed", label="Speed", required=False, minimum=0
            )
        )
        data["initiativeBonus"] = problems.take(
            lambda: whole_number(
                self.text_of("initiative-bonus"),
                field="initiative-bonus",
                label="Initiative bonus (0 for none)",
            )
        )
        data["abilities"] = problems.take(
            lambda: ability_scores({name: self.text_of(f"ability-{name}") for name in ABILITIES})
        )
        data["conditions"] = self._rows("#conditions", problems)
        data["stats"] = self._rows("#stats", problems)
        data["inventory"] = self._rows("#inventory", problems)
        data["notes"] = self.query_one("#notes", TextArea).text
        data["gmNotes"] = self.query_one("#gm-notes", TextArea).text
        names = [stat["name"].casefold() for stat in data["stats"]]
        if len(names) != len(set(names)):
            problems.add("stats", "Two stats have the same name")
        return data

    def _rows(self, container: str, problems: Problems) -> list[dict[str, Any]]:
        """A list's entries; a bad line shows its error under itself."""
        values = []
        for row in self.query_one(container, Vertical).query(SheetRow):
            try:
                value = row.value()
            except FieldError as error:
                if not problems.found:
                    row.focus_first()
                problems.add("", error.message)
                row.show_error(error.message)
                continue
            row.show_error("")
            if value is not None:
                values.append(value)
        return values


def _over_max(hp: Mapping[str, Any]) -> bool:
    """An actor already above its max keeps that without the GM ticking the box again."""
    return bool(hp) and int(hp.get("current", 0)) > int(hp.get("max", 0))


def _number(value: Any, widget_id: str, placeholder: str, *, signed: bool = False) -> Input:
    text = "" if value is None else (f"{int(value):+d}" if signed else str(value))
    return Input(
        text,
        placeholder=placeholder,
        type="text" if signed else "integer",
        id=widget_id,
        classes="sheet-number",
        compact=True,
    )
