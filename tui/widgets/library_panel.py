"""The library: every actor, item, map, encounter and handout in one filterable list.

Typing in the filter narrows the list by name, the kind selector (or ``k``) by kind;
the selected entry is shown in full beside the list (below it on a narrow terminal).
The keys act through the screen (``screen.library_*``), which runs the host actions.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Label, Select

from tui.catalogue import KIND_FILTERS, LibraryRow, matching
from tui.widgets.library_detail import LibraryDetail

NARROW_BELOW_COLUMNS = 100
"""Under this width the detail goes below the list instead of beside it."""


class LibraryPanel(Vertical):
    """Posts ``LibraryPanel.Opened`` when the GM opens an entry (Enter or a second click)."""

    BINDINGS = [
        Binding("n", "screen.library_new", "New"),
        Binding("d,delete", "screen.library_delete", "Delete"),
        Binding("v", "screen.library_visibility", "Hide/reveal"),
        Binding("c", "screen.library_duplicate", "Copy the entry", show=False),
        Binding("o", "screen.library_assign", "Choose who plays the actor", show=False),
        Binding("m", "screen.library_show_map", "Show the map to players", show=False),
        Binding("t", "screen.library_place_token", "Place the actor's token", show=False),
        Binding("x", "screen.library_remove_token", "Take the token off the map", show=False),
        Binding("s", "screen.library_start_encounter", "Start the encounter", show=False),
        Binding("e", "screen.library_end_encounter", "End the encounter", show=False),
        Binding("slash,f", "focus_filter", "Filter"),
        Binding("k", "cycle_kind", "Show the next kind of entry", show=False),
        Binding("down", "focus_table", "From the filter back to the list", show=False),
        Binding("escape", "clear_filter", "Clear the filters", show=False),
    ]

    rows: reactive[tuple[LibraryRow, ...]] = reactive((), init=False)
    kind: reactive[str] = reactive("all", init=False)

    class Opened(Message):
        def __init__(self, row: LibraryRow) -> None:
            super().__init__()
            self.row = row

    def compose(self) -> ComposeResult:
        with Horizontal(id="library-bar"):
            yield Input(placeholder="Filter by name ( / )", id="library-filter", compact=True)
            yield Select(
                [(kind.label, kind.key) for kind in KIND_FILTERS],
                value="all",
                allow_blank=False,
                id="library-kind",
                compact=True,
            )
            yield Label("", id="library-count")
        with Horizontal(id="library-body"):
            table: DataTable[str | Text] = DataTable(id="library-table", cursor_type="row")
            table.add_column("", key="mark", width=1)
            table.add_column("Kind", key="kind", width=9)
            table.add_column("Name", key="name")
            table.add_column("Details", key="summary")
            yield table
            with VerticalScroll(id="library-detail-scroll"):
                yield LibraryDetail(id="library-detail")

    def on_mount(self) -> None:
        self._fill()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_BELOW_COLUMNS, "-narrow")

    # -- what is shown ---------------------------------------------------------------

    @property
    def shown(self) -> tuple[LibraryRow, ...]:
        """The rows the filters let through, in the table's order."""
        return matching(self.rows, self.query_one("#library-filter", Input).value, self.kind)

    @property
    def selected(self) -> LibraryRow | None:
        table = self.query_one("#library-table", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((row for row in self.rows if row.key == key), None)

    def select(self, collection: str, entity_id: str) -> bool:
        """Put the cursor on an entry (clearing filters that hide it); False if absent."""
        key = f"{collection}/{entity_id}"
        if not any(row.key == key for row in self.rows):
            return False
        if not any(row.key == key for row in self.shown):
            self.query_one("#library-filter", Input).value = ""
            self.kind = "all"
            self._fill()
        table = self.query_one("#library-table", DataTable)
        table.move_cursor(row=table.get_row_index(key), animate=False)
        self._show_selected()
        return True

    def watch_rows(self) -> None:
        self._fill()

    def watch_kind(self, kind: str) -> None:
        select = self.query_one("#library-kind", Select)
        if select.value != kind:
            select.value = kind
        self._fill()

    def _fill(self) -> None:
        if not self.children:
            return  # not composed yet; on_mount fills it
        table = self.query_one("#library-table", DataTable)
        keep = self.selected.key if self.selected else None
        old_index = table.cursor_row
        shown = self.shown
        table.clear()
        for row in shown:
            style = "dim italic" if row.hidden else ("bold" if row.current else "")
            table.add_row(
                Text("▶" if row.current else "", style="bold green"),
                Text(row.label, style=style),
                Text(f"{row.name} (hidden)" if row.hidden else row.name, style=style),
                Text(row.summary, style=style),
                key=row.key,
            )
        if keep is not None and any(row.key == keep for row in shown):
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        elif shown:
            table.move_cursor(row=min(max(old_index, 0), len(shown) - 1), animate=False)
        total = len(self.rows)
        count = f"{len(shown)} of {total}" if len(shown) != total else f"{total}"
        self.query_one("#library-count", Label).update(
            f"{count} entr{'y' if total == 1 else 'ies'}"
        )
        self.set_class(not self.rows, "-empty")
        self._show_selected()

    def _show_selected(self) -> None:
        detail = self.query_one(LibraryDetail)
        detail.empty = not self.rows
        detail.row = self.selected

    # -- events ----------------------------------------------------------------------

    @on(Input.Changed, "#library-filter")
    def _filter_changed(self) -> None:
        self._fill()

    @on(Input.Submitted, "#library-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_focus_table()

    @on(Select.Changed, "#library-kind")
    def _kind_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.kind = event.value

    @on(DataTable.RowHighlighted, "#library-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_selected()

    @on(DataTable.RowSelected, "#library-table")
    def _opened(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.selected
        if row is not None:
            self.post_message(self.Opened(row))

    # -- actions ---------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        self.query_one("#library-filter", Input).focus()

    def action_focus_table(self) -> None:
        self.query_one("#library-table", DataTable).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#library-filter", Input).value = ""
        self.kind = "all"
        self.action_focus_table()

    def action_cycle_kind(self) -> None:
        keys = [kind.key for kind in KIND_FILTERS]
        self.kind = keys[(keys.index(self.kind) + 1) % len(keys)]
