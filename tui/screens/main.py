"""The GM's table: approval queue, initiative, players, chat and log, map.

The app hands this screen each batch of published changes (``apply``); the screen
rebuilds the panels' view models from the live document and assigns them. Every GM
action here runs in a worker that calls the session and reports failures as
notifications, so the interface never waits on the journal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Label, TabbedContent, TabPane

from tui import catalogue, viewmodels
from tui.chat_commands import ChatCommandError, parse_chat
from tui.describe import cell_text, player_name, stale_lines
from tui.library_actions import LibraryActions
from tui.screens.confirm import ConfirmScreen
from tui.screens.edit_actor import ActorEdit, EditActorScreen
from tui.screens.edit_ops import EditOpsScreen
from tui.screens.pick import PickScreen
from tui.screens.reject import Rejection, RejectScreen
from tui.session import GmSession, NoCampaign
from tui.widgets.approval_queue import ApprovalQueue
from tui.widgets.change_log import CHANGE_LOG_LINES, ChangeLog
from tui.widgets.chat_log import ChatLog
from tui.widgets.chat_panel import ChatPanel
from tui.widgets.initiative_tracker import InitiativeTracker
from tui.widgets.join_info import JoinInfo
from tui.widgets.join_line import JoinLine
from tui.widgets.library_panel import LibraryPanel
from tui.widgets.map_view import MapView
from tui.widgets.player_list import PlayerList
from tui.widgets.status_bar import StatusBar, StatusInfo
from vtt_host.errors import ActionError, Stale, VttError
from vtt_host.manager import Published

if TYPE_CHECKING:
    from tui.app import GmApp

logger = logging.getLogger(__name__)

PROPOSAL_PATH = "/currentSession/pendingActions/-"
GM_LINK_NOTICE_S = 120.0
"""The GM link is shown as long as it works."""
TABS = ("queue", "initiative", "players", "chat", "map", "library")
PANEL_FOCUS = {
    "queue": "#queue-table",
    "initiative": "#initiative-table",
    "players": "#players-table",
    "chat": "#chat-input",
    "map": "#map-view",
    "library": "#library-table",
}
"""What takes the keys when a tab is shown: a panel's bindings work only inside it."""


REVEAL_REACH = 3
"""Squares on each side of the token that r reveals."""


class MainScreen(LibraryActions):
    """Six panels in tabs, the status bar and the footer (the library's actions are
    inherited from LibraryActions)."""

    BINDINGS = [
        Binding("1", "show_tab('queue')", "Show the approval queue", show=False),
        Binding("2", "show_tab('initiative')", "Show initiative", show=False),
        Binding("3", "show_tab('players')", "Show players and join details", show=False),
        Binding("4", "show_tab('chat')", "Show chat and the change log", show=False),
        Binding("5", "show_tab('map')", "Show the map", show=False),
        Binding("6", "show_tab('library')", "Show the library", show=False),
        Binding("ctrl+z", "undo", "Undo the last GM change", show=False),
        Binding("slash", "chat", "Write in chat", show=False),
        Binding("b", "map_in_browser", "Map in browser", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.shown_version = 0
        """The version the GM is looking at: decisions are checked against it."""
        self._stale: dict[str, tuple[str, ...]] = {}
        self._looked_at: dict[str, viewmodels.ProposalRow] = {}
        """A stale proposal's row as the GM saw it when deciding (values "when you looked")."""
        self._log_behind = False
        """Changes arrived while the change log was hidden: rebuild it when shown."""
        self._move_lock = asyncio.Lock()

    @property
    def gm_app(self) -> GmApp:
        from tui.app import GmApp

        assert isinstance(self.app, GmApp)
        return self.app

    @property
    def session(self) -> GmSession:
        return self.gm_app.session

    def compose(self) -> ComposeResult:
        yield Header()
        yield JoinLine(id="join-line")
        with TabbedContent(initial="queue", id="tabs"):
            with TabPane("1 Queue", id="queue"):
                yield ApprovalQueue(id="approval-queue")
            with TabPane("2 Initiative", id="initiative"):
                yield InitiativeTracker(id="initiative-tracker")
            with TabPane("3 Players", id="players"):
                yield PlayerList(id="player-list")
            with TabPane("4 Chat & log", id="chat"), Horizontal(id="chat-row"):
                yield ChatPanel(id="chat-panel")
                yield ChangeLog(id="change-log")
            with TabPane("5 Map", id="map"):
                yield Label("No map", id="map-title")
                yield MapView(id="map-view")
            with TabPane("6 Library", id="library"):
                yield LibraryPanel(id="library-panel")
        yield StatusBar(id="status-bar")
        yield Footer()

    # -- showing changes -------------------------------------------------------------

    def reset(self) -> None:
        """A campaign was (re)opened: show it from scratch."""
        self._stale = {}
        self._looked_at = {}
        self._log_behind = False
        self.query_one(ChangeLog).clear()
        state = self.session.manager.state
        self.query_one(ChangeLog).show(
            (entry["version"], player_name(state, entry["by"]), entry["description"])
            for entry in state["changeLog"]
        )
        self.query_one("#chat-log", ChatLog).messages = ()
        self.apply([])

    def apply(self, batch: Sequence[Published]) -> None:
        """Show the live document after ``batch`` (the changes since the last call)."""
        state = self.session.manager.state
        self.shown_version = self.session.manager.version
        queue = self.query_one(ApprovalQueue)
        proposals = viewmodels.proposals(state)
        live_ids = {p.action_id for p in proposals}
        self._stale = {k: v for k, v in self._stale.items() if k in live_ids}
        queue.proposals = proposals
        queue.stale = dict(self._stale)
        queue.stale_notes = self._stale_notes(state, proposals)
        # Only the tab on screen is redrawn: under a flood of moves, redrawing hidden
        # panels cost layout passes that delayed the players' acks. A tab catches up
        # when it is shown (``on_tabbed_content_tab_activated``).
        active = self.query_one("#tabs", TabbedContent).active
        if active == "initiative":
            self.query_one(InitiativeTracker).order = viewmodels.initiative(state)
        elif active == "players":
            self.query_one(PlayerList).rows = viewmodels.players(state)
            self._show_join_info()
        elif active == "chat":
            self.query_one("#chat-log", ChatLog).messages = viewmodels.chat(state)
        elif active == "map":
            self.query_one(MapView).board = viewmodels.board(state)
        elif active == "library":
            self.query_one(LibraryPanel).rows = catalogue.rows(state)
        if batch:
            if active == "chat" and not self._log_behind:
                self.query_one(ChangeLog).show(
                    (p.version, player_name(state, p.by), p.description)
                    for p in batch[-CHANGE_LOG_LINES:]
                )
            else:
                self._log_behind = True
            self._announce_proposals(state, batch)

    def _stale_notes(
        self, state: Mapping[str, Any], proposals: Sequence[viewmodels.ProposalRow]
    ) -> dict[str, tuple[str, ...]]:
        """For each stale proposal: what changed, the value now and what the player wants."""
        notes = {}
        for row in proposals:
            paths = self._stale.get(row.action_id)
            if paths is not None:
                seen = self._looked_at.get(row.action_id, row)
                notes[row.action_id] = tuple(
                    stale_lines(state, row.ops, seen.before, paths, row.player)
                )
        return notes

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """Bring the panel just shown up to date (hidden panels are not redrawn)."""
        if self.session.campaign is None:
            return
        # However the tab was chosen (a click leaves the focus on the tab bar), its keys
        # and typing go to the panel: the chat box, the queue's approve key.
        self.focus_panel()
        if event.pane.id == "chat" and self._log_behind:
            self._log_behind = False
            state = self.session.manager.state
            log = self.query_one(ChangeLog)
            log.clear()
            log.show(
                (entry["version"], player_name(state, entry["by"]), entry["description"])
                for entry in state["changeLog"][-CHANGE_LOG_LINES:]
            )
        self.apply([])

    def show_status(self) -> None:
        """Refresh the status bar (cheap; the app calls it on every tick)."""
        self._show_join_line()
        status = self.session.status()
        bar = self.query_one(StatusBar)
        if status is None:
            bar.info = None
            return
        state = self.session.manager.state
        bar.info = StatusInfo(
            version=status.version,
            durable_version=status.durable_version,
            last_durable_at=status.last_durable_at,
            last_backup_at=status.last_backup_at,
            last_backup_version=status.last_backup_version,
            lan=self.session.lan_endpoint(),
            announced=self.session.announced,
            players_connected=len(state["currentSession"]["connectedPlayers"]),
            players_known=len(state["players"]),
        )

    def _show_join_line(self) -> None:
        line = self.query_one(JoinLine)
        line.code = self.session.join_code()
        line.link = self.session.join_link()

    def _show_join_info(self) -> None:
        self._show_join_line()
        info = self.query_one(JoinInfo)
        info.code = self.session.join_code()
        info.link = self.session.join_link()
        info.lan = self.session.lan_endpoint()
        info.metrics = self.session.metrics_access()

    def _announce_proposals(self, state: Mapping[str, Any], batch: Sequence[Published]) -> None:
        for published in batch:
            for change in published.ops:
                if change["op"] == "add" and change["path"] == PROPOSAL_PATH:
                    pending = change["value"]
                    who = player_name(state, pending.get("playerId"))
                    self.notify(f"{who}: {pending.get('summary', '')}", title="New proposal")

    @on(MapView.Selected)
    def _show_selection(self, event: MapView.Selected) -> None:
        board = self.query_one(MapView).board
        title = self.query_one("#map-title", Label)
        if board.map_name is None:
            title.update("No current map")
            return
        hidden = " (hidden from players)" if board.hidden_map else ""
        token = event.token
        selected = (
            f" · {token.name}{' (hidden)' if token.hidden else ''} at {cell_text(token.x, token.y)}"
            if token
            else ""
        )
        title.update(f"{board.map_name} {board.width}x{board.height}{hidden}{selected}")

    # -- running GM actions ----------------------------------------------------------

    @work(group="actions")
    async def submit(self, action: dict[str, Any], done: str | None = None) -> None:
        """Send one GM action; a refusal becomes an error notification."""
        try:
            await self.session.submit(action)
        except (ActionError, NoCampaign) as error:
            self.notify(_message(error), title="Not done", severity="error")
            return
        if done:
            self.notify(done)

    @work(group="actions")
    async def decide(
        self,
        action_id: str,
        *,
        approve: bool,
        changes: list[dict[str, Any]] | None = None,
        reason: str | None = None,
        seen: viewmodels.ProposalRow | None = None,
    ) -> None:
        """Approve or reject; ``seen`` is the proposal as the GM looked at it."""
        try:
            await self.session.decide(
                action_id,
                approve=approve,
                expected_version=self.shown_version,
                changes=changes,
                reason=reason,
            )
        except Stale as stale:
            self._stale[action_id] = tuple(stale.changed_paths)
            if seen is not None:
                self._looked_at[action_id] = seen
            queue = self.query_one(ApprovalQueue)
            queue.stale = dict(self._stale)
            queue.stale_notes = self._stale_notes(self.session.manager.state, queue.proposals)
            self.notify(
                "Something it touches changed since you looked; review it again.",
                title="Stale decision",
                severity="warning",
            )
            return
        except (ActionError, NoCampaign) as error:
            self.notify(_message(error), title="Not decided", severity="error")
            return
        self._stale.pop(action_id, None)
        self._looked_at.pop(action_id, None)
        self.notify("Approved" if approve else "Rejected")

    # -- approval queue --------------------------------------------------------------

    def _selected_proposal(self) -> viewmodels.ProposalRow | None:
        proposal = self.query_one(ApprovalQueue).selected
        if proposal is None:
            self.notify("No proposal is selected.", severity="warning")
        return proposal

    def action_approve(self) -> None:
        proposal = self._selected_proposal()
        if proposal is not None:
            self.decide(proposal.action_id, approve=True, seen=proposal)

    def action_edit_approve(self) -> None:
        proposal = self._selected_proposal()
        if proposal is None:
            return

        def approve_edited(ops: list[dict[str, Any]] | None) -> None:
            if ops is not None:
                self.decide(proposal.action_id, approve=True, changes=ops, seen=proposal)

        screen = EditOpsScreen(proposal.summary, proposal.ops, state=self.session.manager.state)
        self.app.push_screen(screen, approve_edited)

    def action_reject(self) -> None:
        proposal = self._selected_proposal()
        if proposal is None:
            return

        def reject(rejection: Rejection | None) -> None:
            if rejection is not None:
                self.decide(
                    proposal.action_id, approve=False, reason=rejection.reason, seen=proposal
                )

        self.app.push_screen(RejectScreen(proposal.summary), reject)

    # -- initiative ------------------------------------------------------------------

    def action_next_turn(self) -> None:
        self.submit({"kind": "next_turn"})

    def action_prev_turn(self) -> None:
        self.submit({"kind": "prev_turn"})

    def action_roll_initiative(self) -> None:
        self.submit({"kind": "roll_initiative"})

    def action_start_encounter(self) -> None:
        state = self.session.manager.state
        choices = [
            (e["id"], f"{e['name']} ({e['status']}, {len(e['combatants'])} combatants)")
            for e in state["encounters"].values()
            if e["status"] != "active"
        ]

        def start(encounter_id: str | None) -> None:
            if encounter_id is not None:
                self.submit({"kind": "start_encounter", "encounterId": encounter_id})
                self.action_show_tab("initiative")

        self.app.push_screen(PickScreen("Start which encounter?", choices), start)

    def action_end_encounter(self) -> None:
        def end(sure: bool | None) -> None:
            if sure:
                self.submit({"kind": "end_encounter"}, "Encounter ended")

        self.app.push_screen(ConfirmScreen("End the running encounter?", yes="End it"), end)

    def action_add_combatant(self) -> None:
        state = self.session.manager.state
        in_order = {entry["actorId"] for entry in state["currentSession"]["initiative"]}
        choices = [
            (actor["id"], actor["name"] + (" (hidden)" if actor.get("hidden") else ""))
            for actor in state["actors"].values()
            if actor["id"] not in in_order
        ]

        def add(actor_id: str | None) -> None:
            if actor_id is not None:
                self.submit({"kind": "add_combatant", "actorId": actor_id})

        self.app.push_screen(PickScreen("Add which actor?", choices), add)

    def _selected_combatant(self) -> viewmodels.CombatantRow | None:
        row = self.query_one(InitiativeTracker).selected
        if row is None:
            self.notify("No combatant is selected.", severity="warning")
        return row

    def action_remove_combatant(self) -> None:
        row = self._selected_combatant()
        if row is None:
            return

        def remove(sure: bool | None) -> None:
            if sure:
                self.submit({"kind": "remove_combatant", "actorId": row.actor_id})

        question = f"Take {row.name} out of the encounter? Their initiative is lost."
        self.app.push_screen(ConfirmScreen(question, yes="Remove"), remove)

    def action_edit_combatant(self) -> None:
        row = self._selected_combatant()
        if row is None:
            return
        actor = self.session.manager.state["actors"].get(row.actor_id)
        if actor is None:
            return

        def save(edit: ActorEdit | None) -> None:
            if edit is not None:
                changes = dict(edit.changes)
                self.submit({"kind": "update_actor", "id": row.actor_id, "set": changes})

        self.app.push_screen(EditActorScreen(actor), save)

    def action_adjust_hp(self, delta: int) -> None:
        row = self._selected_combatant()
        if row is None:
            return
        actor = self.session.manager.state["actors"].get(row.actor_id, {})
        hp = actor.get("hp")
        if not hp:
            self.notify(f"{row.name} has no hit points to change.", severity="warning")
            return
        changed = {**hp, "current": hp["current"] + delta}
        self.submit({"kind": "update_actor", "id": row.actor_id, "set": {"hp": changed}})

    # -- players ---------------------------------------------------------------------

    def action_copy_link(self) -> None:
        link = self.session.join_link()
        if link is None:
            self.notify("Players are not being served.", severity="warning")
            return
        self.app.copy_to_clipboard(link)
        self.notify(f"Copied {link}", title="Join link")

    def action_map_in_browser(self) -> None:
        """Open the table in the GM's browser with a one-time link, printed as well."""
        try:
            link = self.session.gm_link()
        except NoCampaign as error:
            self.notify(str(error).capitalize() + ".", severity="warning")
            return
        self.notify(
            f"{link}\nWorks once, on this machine, for 2 minutes.",
            title="Map in browser",
            timeout=GM_LINK_NOTICE_S,
        )
        self._open_in_browser(link)

    @work(group="browser", thread=True)
    def _open_in_browser(self, link: str) -> None:
        """Launching a browser can take a while: not on the event loop."""
        try:
            opened = self.gm_app.open_link(link)
        except Exception:
            logger.debug("opening a browser failed", exc_info=True)
            opened = False
        if not opened:
            self.app.call_from_thread(
                self.notify,
                "No browser could be opened here: open the link above yourself.",
                severity="warning",
            )

    def action_rotate_code(self) -> None:
        def rotate(sure: bool | None) -> None:
            if sure:
                self._rotate_code()

        question = "Make a new join code? The current code and link stop working for new joins."
        self.app.push_screen(ConfirmScreen(question, yes="New code"), rotate)

    @work(group="players")
    async def _rotate_code(self) -> None:
        try:
            code = await self.session.rotate_join_code()
        except (VttError, NoCampaign) as error:
            self.notify(str(error), severity="warning")
            return
        self._show_join_info()
        self.notify(f"New join code {code}; the old one no longer admits anyone.")

    def _selected_player(self) -> viewmodels.PlayerRow | None:
        row = self.query_one(PlayerList).selected
        if row is None:
            self.notify("No player is selected.", severity="warning")
        return row

    def action_kick(self) -> None:
        row = self._selected_player()
        if row is None:
            return

        def kick(sure: bool | None) -> None:
            if sure:
                self._kick(row.player_id, row.name)

        question = f"Kick {row.name}? They must join again with the code."
        self.app.push_screen(ConfirmScreen(question, yes="Kick"), kick)

    @work(group="players")
    async def _kick(self, player_id: str, name: str) -> None:
        try:
            closed = await self.session.kick(player_id)
        except (VttError, NoCampaign) as error:
            self.notify(str(error), severity="warning")
            return
        self.notify(f"Kicked {name} ({closed} connection{'s' if closed != 1 else ''}).")

    def action_remove_player(self) -> None:
        row = self._selected_player()
        if row is None:
            return
        if row.connected:
            self.notify(f"{row.name} is connected: kick them first.", severity="warning")
            return

        def remove(sure: bool | None) -> None:
            if sure:
                action = {"kind": "remove_player", "playerId": row.player_id}
                self.submit(action, f"{row.name} removed; their seat is free")

        question = (
            f"Remove {row.name}? Their actors come back to you, their proposals are dropped, "
            "and they must join again as a new player."
        )
        self.app.push_screen(ConfirmScreen(question, yes="Remove"), remove)

    def action_assign_actor(self) -> None:
        row = self._selected_player()
        if row is None:
            return
        state = self.session.manager.state
        choices = []
        for actor in state["actors"].values():
            owner = actor.get("owner")
            note = f" — {player_name(state, owner)}'s" if owner else ""
            if owner == row.player_id:
                note = f" — {row.name}'s (choose to take it back)"
            choices.append((actor["id"], f"{actor['name']}{note}"))

        def assign(actor_id: str | None) -> None:
            if actor_id is None:
                return
            owner = state["actors"][actor_id].get("owner")
            target = None if owner == row.player_id else row.player_id
            action = {"kind": "assign_actor", "actorId": actor_id, "playerId": target}
            self.submit(action)

        self.app.push_screen(PickScreen(f"Give which actor to {row.name}?", choices), assign)

    def action_whisper(self) -> None:
        row = self._selected_player()
        if row is not None:
            self.action_show_tab("chat")
            self.query_one(ChatPanel).prefill(f"/w {row.name} ")

    # -- chat and map ----------------------------------------------------------------

    def action_chat(self) -> None:
        self.action_show_tab("chat")
        self.query_one(ChatPanel).prefill("")

    def action_roll_dice(self) -> None:
        self.action_show_tab("chat")
        self.query_one(ChatPanel).prefill("/r ")

    @on(ChatPanel.Said)
    def _say(self, event: ChatPanel.Said) -> None:
        try:
            action = parse_chat(event.text, self.session.manager.state["players"])
        except ChatCommandError as error:
            self.notify(str(error), severity="warning")
            return
        self.submit(action)

    @on(MapView.Nudged)
    def _nudge(self, event: MapView.Nudged) -> None:
        self._move(event.actor_id, dx=event.dx, dy=event.dy)

    @on(MapView.MoveRequested)
    def _move_to(self, event: MapView.MoveRequested) -> None:
        self._move(event.actor_id, to=(event.x, event.y))

    @work(group="moves")
    async def _move(
        self, actor_id: str, *, dx: int = 0, dy: int = 0, to: tuple[int, int] | None = None
    ) -> None:
        """Moves run one at a time, each from where the last one left the token."""
        async with self._move_lock:
            state = self.session.manager.state
            position = state["currentSession"]["tokenPositions"].get(actor_id)
            if position is None and to is None:
                return
            x, y = to if to is not None else (position["x"] + dx, position["y"] + dy)
            map_id = state["currentSession"].get("currentMapId")
            grid = state["maps"][map_id]["grid"] if map_id in state["maps"] else None
            if grid and not (0 <= x < grid["width"] and 0 <= y < grid["height"]):
                self.app.bell()
                return
            try:
                await self.session.submit(
                    {"kind": "move_token", "tokenId": actor_id, "x": x, "y": y}
                )
            except (ActionError, NoCampaign) as error:
                self.notify(_message(error), title="Not moved", severity="error")

    def action_toggle_hidden(self) -> None:
        token = self.query_one(MapView).selected_token
        if token is None:
            self.notify("Select a token on the map first.", severity="warning")
            return
        kind = "reveal" if token.hidden else "hide"
        done = f"{token.name} is {'visible to players' if token.hidden else 'hidden'}"
        self.submit({"kind": kind, "collection": "actors", "id": token.actor_id}, done)

    def action_toggle_fog(self) -> None:
        board = self.query_one(MapView).board
        if board.map_id is None:
            self.notify("Show a map first (m).", severity="warning")
            return
        enabled = board.fog is None
        done = "Fog covers the map: reveal squares with r" if enabled else "The fog is lifted"
        self.submit({"kind": "set_fog", "mapId": board.map_id, "enabled": enabled}, done)

    def action_reveal_around(self, reveal: bool) -> None:
        """Reveal (or cover again) the squares within REVEAL_REACH of the selected token:
        the room a hero walks into, from the keyboard."""
        view = self.query_one(MapView)
        token, board = view.selected_token, view.board
        if token is None or board.map_id is None:
            self.notify("Select a token on the map first.", severity="warning")
            return
        if board.fog is None:
            self.notify("The fog is off: f covers the map.", severity="warning")
            return
        side = 2 * REVEAL_REACH + 1
        area = {
            "x": token.x - REVEAL_REACH,
            "y": token.y - REVEAL_REACH,
            "width": side,
            "height": side,
        }
        action = {"kind": "paint_fog", "mapId": board.map_id, "reveal": reveal, "areas": [area]}
        word = "revealed" if reveal else "covered"
        self.submit(action, f"{side} x {side} squares around {token.name} {word}")

    def action_undo(self) -> None:
        self.submit({"kind": "undo"}, "Undone")

    # -- navigation ------------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        if tab not in TABS:
            return
        self.query_one("#tabs", TabbedContent).active = tab
        self.focus_panel()

    def focus_panel(self) -> None:
        """Focus the main widget of the tab on screen (the first focusable one if unnamed)."""
        tabs = self.query_one("#tabs", TabbedContent)
        pane = tabs.active_pane
        if pane is None:
            return
        selector = PANEL_FOCUS.get(tabs.active)
        if selector is not None:
            self.query_one(selector).focus()
            return
        first = next((widget for widget in pane.query("*") if widget.focusable), None)
        if first is not None:
            first.focus()

    def action_focus_tabs(self) -> None:
        self.query_one("#tabs", TabbedContent).query_one("Tabs").focus()


def _message(error: Exception) -> str:
    return error.message if isinstance(error, ActionError) else str(error)
