"""The approval queue: players' pending proposals, newest marked, one selected."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.reactive import reactive
from textual.widgets import DataTable, Label

from tui.viewmodels import ProposalRow
from tui.widgets.proposal_detail import ProposalDetail


class ApprovalQueue(Vertical):
    """Proposals in arrival order; the selection survives updates of the queue."""

    BINDINGS = [
        Binding("a", "screen.approve", "Approve"),
        Binding("e", "screen.edit_approve", "Edit+approve"),
        Binding("x", "screen.reject", "Reject"),
    ]

    proposals: reactive[tuple[ProposalRow, ...]] = reactive((), init=False)
    stale: reactive[Mapping[str, tuple[str, ...]]] = reactive(dict, init=False)
    stale_notes: reactive[Mapping[str, tuple[str, ...]]] = reactive(dict, init=False)
    """Per stale proposal, what changed since the GM looked, in words."""

    def compose(self) -> ComposeResult:
        yield Label("", id="queue-title")
        table: DataTable[str | Text] = DataTable(id="queue-table", cursor_type="row")
        table.add_column("", key="mark", width=2)
        table.add_column("Player", key="player")
        table.add_column("Kind", key="kind")
        table.add_column("Summary", key="summary")
        table.add_column("At", key="at")
        yield table
        with VerticalScroll(id="queue-detail-scroll"):
            yield ProposalDetail(id="queue-detail")

    def on_mount(self) -> None:
        self._fill()

    @property
    def selected(self) -> ProposalRow | None:
        table = self.query_one("#queue-table", DataTable)
        if not self.proposals or table.row_count == 0:
            return None
        row_key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key
        return next((p for p in self.proposals if p.action_id == row_key.value), None)

    def watch_proposals(self) -> None:
        self._fill()

    def watch_stale(self) -> None:
        self._fill()

    def watch_stale_notes(self) -> None:
        if self.children:
            self._show_selected()

    def _fill(self) -> None:
        if not self.children:
            return  # not composed yet; on_mount fills it
        table = self.query_one("#queue-table", DataTable)
        keep = (
            table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
            if table.row_count
            else None
        )
        old_index = table.cursor_row
        table.clear()
        newest = self.proposals[-1].action_id if self.proposals else None
        for proposal in self.proposals:
            is_new = proposal.action_id == newest
            style = "bold" if is_new else ""
            mark = "!" if proposal.action_id in self.stale else ("●" if is_new else "")
            table.add_row(
                Text(mark, style="bold red" if mark == "!" else "bold yellow"),
                Text(proposal.player, style=style),
                Text(proposal.kind, style=style),
                Text(proposal.summary, style=style),
                Text(proposal.created, style=style),
                key=proposal.action_id,
            )
        if keep is not None and keep in {p.action_id for p in self.proposals}:
            table.move_cursor(row=table.get_row_index(keep), animate=False)
        elif self.proposals:
            table.move_cursor(row=min(max(old_index, 0), len(self.proposals) - 1), animate=False)
        count = len(self.proposals)
        title = f"{count} proposal{'s' if count != 1 else ''} waiting" if count else "Queue empty"
        self.query_one("#queue-title", Label).update(title)
        self.set_class(count == 0, "-empty")
        self._show_selected()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_selected()

    def _show_selected(self) -> None:
        detail = self.query_one(ProposalDetail)
        selected = self.selected
        detail.proposal = selected
        detail.stale_paths = self.stale.get(selected.action_id, ()) if selected else ()
        detail.stale_notes = self.stale_notes.get(selected.action_id, ()) if selected else ()
