"""Initiative: the running encounter's order, round and turn, with HP and conditions."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.reactive import reactive
from textual.widgets import DataTable, Label

from tui.viewmodels import CombatantRow, InitiativeView

NO_ENCOUNTER = InitiativeView(None, 0, 0, ())


class InitiativeTracker(Vertical):
    """The order of the active encounter; the current combatant is marked ▶."""

    BINDINGS = [
        Binding("n", "screen.next_turn", "Next turn"),
        Binding("p", "screen.prev_turn", "Prev turn"),
        Binding("r", "screen.roll_initiative", "Roll init"),
        Binding("a", "screen.add_combatant", "Add"),
        Binding("d", "screen.remove_combatant", "Remove"),
        Binding("h", "screen.edit_combatant", "HP/conditions"),
        Binding("minus", "screen.adjust_hp(-1)", "HP-1"),
        Binding("plus,equals_sign", "screen.adjust_hp(1)", "HP+1"),
        Binding("s", "screen.start_encounter", "Start"),
        Binding("e", "screen.end_encounter", "End"),
    ]

    order: reactive[InitiativeView] = reactive(NO_ENCOUNTER, init=False)

    def compose(self) -> ComposeResult:
        yield Label("", id="initiative-title")
        table: DataTable[str | Text] = DataTable(id="initiative-table", cursor_type="row")
        table.add_column("", key="turn", width=1)
        table.add_column("Init", key="init", width=4)
        table.add_column("Name", key="name")
        table.add_column("HP", key="hp")
        table.add_column("Conditions", key="conditions")
        table.add_column("Player", key="owner")
        yield table

    def on_mount(self) -> None:
        self._fill()

    @property
    def selected(self) -> CombatantRow | None:
        table = self.query_one("#initiative-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((row for row in self.order.rows if row.actor_id == key), None)

    def watch_order(self) -> None:
        self._fill()

    def _fill(self) -> None:
        if not self.children:
            return  # not composed yet; on_mount fills it
        order = self.order
        title = self.query_one("#initiative-title", Label)
        self.set_class(order.encounter is None, "-idle")
        if order.encounter is None:
            title.update("No encounter running. Press s to start one.")
        else:
            title.update(f"{order.encounter} · round {order.round} · turn {order.turn + 1}")
        table = self.query_one("#initiative-table", DataTable)
        keep = self.selected.actor_id if self.selected else None
        table.clear()
        for row in order.rows:
            style = "bold reverse" if row.current else ("dim italic" if row.hidden else "")
            name = f"{row.name} (hidden)" if row.hidden else row.name
            table.add_row(
                Text("▶" if row.current else ""),
                Text(row.initiative, style=style),
                Text(name, style=style),
                Text(row.hp, style=style),
                Text(row.conditions, style=style),
                Text(row.owner, style=style),
                key=row.actor_id,
            )
        if keep is not None and any(row.actor_id == keep for row in order.rows):
            table.move_cursor(row=table.get_row_index(keep), animate=False)
