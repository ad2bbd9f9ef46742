"""Preparing the campaign: what the GM does from the library tab (and the map tab).

The main screen inherits these actions, so its key bindings and the command palette
reach them like every other action. Each one reads the live document, asks what it
must (a sheet, a confirmation, a player), and submits ordinary host actions through
the session; a refusal becomes a notification, or, on a sheet, an error on the sheet.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.screen import Screen
from textual.widgets import DataTable, TabbedContent

from tui import catalogue
from tui.assets import ImageFiles
from tui.catalogue import SINGULAR, LibraryRow
from tui.describe import player_name
from tui.screens.actor_sheet import ActorSheetScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.encounter_sheet import EncounterSheetScreen
from tui.screens.handout_sheet import HandoutSheetScreen
from tui.screens.item_sheet import ItemSheetScreen
from tui.screens.map_sheet import MapSheetScreen
from tui.screens.pick import PickScreen
from tui.screens.pick_many import PickManyScreen
from tui.screens.place_token import Cell, PlaceTokenScreen
from tui.screens.sheet import Commit, SheetSaved, SheetScreen
from tui.sheet_fields import changed_fields
from tui.widgets.library_panel import LibraryPanel
from tui.widgets.map_view import MapView
from vtt_host.errors import ActionError
from vtt_host.manager import Applied

if TYPE_CHECKING:
    from tui.session import GmSession

NEW_KINDS = (
    ("character", "Player character"),
    ("npc", "NPC"),
    ("monster", "Monster"),
    ("item", "Item"),
    ("map", "Map (from an image file)"),
    ("encounter", "Encounter"),
    ("handout", "Handout"),
)
COLLECTION_OF_KIND = {
    "character": "actors",
    "npc": "actors",
    "monster": "actors",
    "item": "items",
    "map": "maps",
    "encounter": "encounters",
    "handout": "handouts",
}
NOBODY = "-"


class LibraryActions(Screen[None]):
    """The library's actions, for the main screen to inherit."""

    # -- what the actions read -------------------------------------------------------

    @property
    def _session(self) -> GmSession:
        from tui.app import GmApp

        assert isinstance(self.app, GmApp)
        return self.app.session

    @property
    def _doc(self) -> Mapping[str, Any]:
        return self._session.manager.state

    def _panel(self) -> LibraryPanel:
        return self.query_one(LibraryPanel)

    def _chosen(self, *collections: str) -> LibraryRow | None:
        """The library's selected row, if it is of one of ``collections`` (any if none)."""
        self.query_one("#tabs", TabbedContent).active = "library"
        row = self._panel().selected
        if row is None:
            self.notify("Select something in the library first.", severity="warning")
            return None
        if collections and row.collection not in collections:
            wanted = " or ".join(SINGULAR[c] for c in collections)
            article = "an" if wanted[0] in "aeiou" else "a"
            self.notify(f"Select {article} {wanted} first.")
            return None
        return row

    def _images(self) -> ImageFiles:
        return ImageFiles(self._session.lib.assets)

    def _players(self) -> list[tuple[str, str]]:
        players = self._doc["players"].values()
        return sorted(((p["id"], p["name"]) for p in players), key=lambda p: p[1].casefold())

    def _named(self, collection: str, *, mark_hidden: bool = True) -> list[tuple[str, str]]:
        entities = self._doc.get(collection, {}).values()
        named = [
            (e["id"], e["name"] + (" (hidden)" if mark_hidden and e.get("hidden") else ""))
            for e in entities
        ]
        return sorted(named, key=lambda pair: pair[1].casefold())

    def _fighters(self) -> list[tuple[str, str]]:
        fighters = []
        for row in catalogue.rows(self._doc):
            if row.collection == "actors":
                hidden = ", hidden" if row.hidden else ""
                fighters.append((row.entity_id, f"{row.name} ({row.label}{hidden})"))
        return fighters

    @work(group="library")
    async def _act(self, action: dict[str, Any], done: str | None = None) -> None:
        """Send one host action; a refusal becomes an error notification."""
        await self._submit(action, done)

    async def _submit(self, action: dict[str, Any], done: str | None = None) -> bool:
        try:
            await self._session.submit(action)
        except ActionError as error:
            self.notify(error.message, title="Not done", severity="error")
            return False
        if done:
            self.notify(done)
        return True

    def _refresh_library(self) -> None:
        self._panel().rows = catalogue.rows(self._doc)

    # -- creating and editing --------------------------------------------------------

    def action_library_new(self) -> None:
        """Create an entry; the kind filter, when it names one kind, says which."""
        self.query_one("#tabs", TabbedContent).active = "library"
        kinds = catalogue.FILTERS_BY_KEY[self._panel().kind].kinds
        if len(kinds) == 1:
            self._new(next(iter(kinds)))
            return
        supported = catalogue.handouts_supported(self._doc)
        choices = [
            (kind, text)
            for kind, text in NEW_KINDS
            if kind in kinds and (kind != "handout" or supported)
        ]

        def chosen(kind: str | None) -> None:
            if kind is not None:
                self._new(kind)

        self.app.push_screen(PickScreen("Create what?", choices), chosen)

    def _new(self, kind: str) -> None:
        collection = COLLECTION_OF_KIND[kind]
        if collection == "handouts" and not catalogue.handouts_supported(self._doc):
            self.notify("This host keeps no handouts yet.", severity="warning")
            return
        self._open_sheet(collection, None, kind=kind)

    def action_library_edit(self) -> None:
        row = self._chosen()
        if row is not None:
            self._open_sheet(row.collection, row.entity_id)

    @on(LibraryPanel.Opened)
    def _library_opened(self, event: LibraryPanel.Opened) -> None:
        self._open_sheet(event.row.collection, event.row.entity_id)

    @on(DataTable.RowSelected, "#initiative-table")
    def _combatant_opened(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value
        if key in self._doc["actors"]:
            self._open_sheet("actors", key)

    def action_combatant_sheet(self) -> None:
        table = self.query_one("#initiative-table", DataTable)
        if table.row_count == 0:
            self.notify("No combatant is selected.", severity="warning")
            return
        table.action_select_cursor()

    def _open_sheet(self, collection: str, entity_id: str | None, *, kind: str = "npc") -> None:
        original = (
            None if entity_id is None else copy.deepcopy(dict(self._doc[collection][entity_id]))
        )
        commit = self._committer(collection, original)
        sheet = self._sheet(collection, original, commit, kind)

        def saved(result: SheetSaved | None) -> None:
            if result is None:
                return
            name = result.data.get("name", "")
            self.notify(f"{name} created" if original is None else f"{name} saved")
            self._refresh_library()
            self._panel().select(collection, result.entity_id)

        self.app.push_screen(sheet, saved)

    def _sheet(
        self, collection: str, original: dict[str, Any] | None, commit: Commit, kind: str
    ) -> SheetScreen:
        images = self._images()
        if collection == "actors":
            return ActorSheetScreen(
                original,
                commit=commit,
                players=self._players(),
                items=self._named("items"),
                images=images,
                kind=kind,
            )
        if collection == "items":
            return ItemSheetScreen(original, commit=commit, images=images)
        if collection == "maps":
            return MapSheetScreen(original, commit=commit, images=images)
        if collection == "encounters":
            return EncounterSheetScreen(
                original, commit=commit, maps=self._named("maps"), actors=self._fighters()
            )
        return HandoutSheetScreen(original, commit=commit, images=images)

    def _committer(self, collection: str, original: dict[str, Any] | None) -> Commit:
        """What saving a sheet does: create the entity, or send what the GM changed.

        Changes are taken against the sheet as it was opened, so a field the GM did
        not touch never overwrites what a player changed meanwhile.
        """
        singular = SINGULAR[collection]
        session = self._session

        async def create(data: dict[str, Any]) -> str:
            outcome = await session.submit({"kind": f"create_{singular}", "data": data})
            assert isinstance(outcome, Applied)
            return str(outcome.extra["id"])

        async def update(data: dict[str, Any]) -> str:
            assert original is not None
            entity_id = str(original["id"])
            changes = changed_fields(original, data)
            follow_ups = self._follow_ups(collection, original, changes)
            if changes:
                await session.submit(
                    {"kind": f"update_{singular}", "id": entity_id, "set": changes}
                )
            for action in follow_ups:
                await session.submit(action)
            return entity_id

        return create if original is None else update

    def _follow_ups(
        self, collection: str, original: Mapping[str, Any], changes: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Changes that have an action of their own, taken out of ``changes``: a new
        owner (assign_actor), and the combatants of a running encounter (which must
        join or leave the live initiative order too)."""
        actions: list[dict[str, Any]] = []
        if collection == "actors" and "owner" in changes:
            owner = changes.pop("owner")
            actions.append({"kind": "assign_actor", "actorId": original["id"], "playerId": owner})
        running = self._doc["currentSession"].get("activeEncounterId") == original.get("id")
        if collection == "encounters" and running and "combatants" in changes:
            after = changes.pop("combatants")
            before = original["combatants"]
            actions.extend(
                {"kind": "remove_combatant", "actorId": a} for a in before if a not in after
            )
            actions.extend(
                {"kind": "add_combatant", "actorId": a} for a in after if a not in before
            )
        return actions

    def action_library_duplicate(self) -> None:
        row = self._chosen()
        if row is None:
            return
        data = catalogue.duplicate(self._doc, row.collection, row.entity_id)
        self._duplicate(row.collection, data)

    @work(group="library")
    async def _duplicate(self, collection: str, data: dict[str, Any]) -> None:
        try:
            outcome = await self._session.submit(
                {"kind": f"create_{SINGULAR[collection]}", "data": data}
            )
        except ActionError as error:
            self.notify(error.message, title="Not copied", severity="error")
            return
        assert isinstance(outcome, Applied)
        self._refresh_library()
        self._panel().select(collection, str(outcome.extra["id"]))
        self.notify(f"Copied as {data['name']}")

    def action_library_delete(self) -> None:
        row = self._chosen()
        if row is None:
            return
        try:
            impact = catalogue.delete_impact(self._doc, row.collection, row.entity_id)
        except ActionError as error:
            self.notify(error.message, title="Cannot delete", severity="warning")
            return
        also = (
            "This also removes:\n" + "\n".join(f" • {line}" for line in impact)
            if impact
            else "Nothing else refers to it."
        )
        question = f"Delete {row.name} ({row.label})?\n{also}\nctrl+z takes it back."
        action = {"kind": f"delete_{SINGULAR[row.collection]}", "id": row.entity_id}

        def delete(sure: bool | None) -> None:
            if sure:
                self._act(action, f"{row.name} deleted")

        self.app.push_screen(ConfirmScreen(question, yes="Delete"), delete)

    # -- what players see ------------------------------------------------------------

    def action_library_visibility(self) -> None:
        row = self._chosen()
        if row is None:
            return
        if row.collection == "handouts":
            self._share_handout(row)
            return
        kind = "reveal" if row.hidden else "hide"
        done = f"{row.name} is {'visible to players' if row.hidden else 'hidden from players'}"
        self._act({"kind": kind, "collection": row.collection, "id": row.entity_id}, done)

    def _share_handout(self, row: LibraryRow) -> None:
        handout = self._doc["handouts"][row.entity_id]
        choices = [
            ("everyone", "Reveal to everyone"),
            ("players", "Reveal to chosen players…"),
        ]
        if not handout.get("hidden", True):
            choices.append(("hide", "Hide from everyone"))
        base = {"collection": "handouts", "id": row.entity_id}

        def chosen(how: str | None) -> None:
            if how == "everyone":
                self._act({"kind": "reveal", **base}, f"{row.name} shared with everyone")
            elif how == "hide":
                self._act({"kind": "hide", **base}, f"{row.name} is hidden")
            elif how == "players":
                self._pick_readers(row, handout)

        now = catalogue.sharing_text(self._doc, handout)
        self.app.push_screen(PickScreen(f"{row.name} ({now}): share how?", choices), chosen)

    def _pick_readers(self, row: LibraryRow, handout: Mapping[str, Any]) -> None:
        """Reveal to the players ticked. A reveal only adds readers, so taking some
        away (or narrowing "everyone") sets ``sharedWith`` with update_handout."""
        hidden = handout.get("hidden", True)
        current: list[str] | None = handout.get("sharedWith")

        def chosen(player_ids: list[str] | None) -> None:
            if not player_ids:
                return
            names = ", ".join(player_name(self._doc, p) for p in player_ids)
            done = f"{row.name} is read by {names}"
            if hidden or (current is not None and set(current) <= set(player_ids)):
                known = set(current or ())
                added = player_ids if hidden else [p for p in player_ids if p not in known]
                if not added:
                    self.notify(f"{names} already read {row.name}.")
                    return
                base = {"kind": "reveal", "collection": "handouts", "id": row.entity_id}
                self._act({**base, "playerIds": added}, done)
            else:
                changes = {"sharedWith": player_ids}
                self._act({"kind": "update_handout", "id": row.entity_id, "set": changes}, done)

        title = f"Who reads {row.name}?"
        readers = current or ()
        self.app.push_screen(PickManyScreen(title, self._players(), chosen=readers), chosen)

    def action_library_assign(self) -> None:
        row = self._chosen("actors")
        if row is None:
            return
        owner = self._doc["actors"][row.entity_id].get("owner")
        choices = [(NOBODY, "Nobody: the GM plays it" + ("  ← now" if owner is None else ""))]
        choices.extend(
            (player_id, name + ("  ← plays it now" if player_id == owner else ""))
            for player_id, name in self._players()
        )

        def assign(player_id: str | None) -> None:
            if player_id is None:
                return
            target = None if player_id == NOBODY else player_id
            if target == owner:
                return
            who = player_name(self._doc, target) if target else "the GM"
            action = {"kind": "assign_actor", "actorId": row.entity_id, "playerId": target}
            self._act(action, f"{row.name} is played by {who}")

        self.app.push_screen(PickScreen(f"Who plays {row.name}?", choices), assign)

    def action_library_show_map(self) -> None:
        row = self._chosen("maps")
        if row is None:
            return
        if row.current:
            self._act({"kind": "set_current_map", "mapId": None}, "Players see no map now")
        else:
            self._act(
                {"kind": "set_current_map", "mapId": row.entity_id}, f"Players see {row.name}"
            )

    def action_choose_map(self) -> None:
        """Pick the map players see (from the map tab)."""
        current = self._doc["currentSession"].get("currentMapId")
        choices = [("-", "No map" + ("  ← shown now" if current is None else ""))]
        choices.extend(
            (map_id, name + ("  ← shown now" if map_id == current else ""))
            for map_id, name in self._named("maps")
        )

        def show(map_id: str | None) -> None:
            if map_id is None or map_id == (current or "-"):
                return
            target = None if map_id == "-" else map_id
            done = "Players see no map now" if target is None else "Map shown to players"
            self._act({"kind": "set_current_map", "mapId": target}, done)

        self.app.push_screen(PickScreen("Which map do players see?", choices), show)

    # -- tokens ----------------------------------------------------------------------

    def action_library_place_token(self) -> None:
        row = self._chosen("actors")
        if row is not None:
            self._place(row.entity_id)

    def action_place_token(self) -> None:
        """Pick an actor and place its token on the current map (from the map tab)."""
        positions = self._doc["currentSession"]["tokenPositions"]
        choices = [
            (actor_id, name + ("  (on the map: moves it)" if actor_id in positions else ""))
            for actor_id, name in self._named("actors")
        ]

        def chosen(actor_id: str | None) -> None:
            if actor_id is not None:
                self._place(actor_id)

        self.app.push_screen(PickScreen("Place whose token?", choices), chosen)

    def _place(self, actor_id: str) -> None:
        state = self._doc
        map_id = state["currentSession"].get("currentMapId")
        if map_id is None:
            self.notify(
                "Players see no map: show one first (m on a map in the library).",
                severity="warning",
            )
            return
        game_map = state["maps"][map_id]
        actor = state["actors"][actor_id]
        position = state["currentSession"]["tokenPositions"].get(actor_id)
        start = (position["x"], position["y"]) if position else catalogue.free_cell(state)
        if start is None:
            self.notify(f"{game_map['name']} has no free cell.", severity="warning")
            return
        grid = game_map["grid"]
        screen = PlaceTokenScreen(
            actor["name"], game_map["name"], (grid["width"], grid["height"]), Cell(*start)
        )

        def place(cell: Cell | None) -> None:
            if cell is not None:
                action = {"kind": "move_token", "tokenId": actor_id, "x": cell.x, "y": cell.y}
                self._act(action, f"{actor['name']} at ({cell.x}, {cell.y}) on {game_map['name']}")

        self.app.push_screen(screen, place)

    def action_library_remove_token(self) -> None:
        row = self._chosen("actors")
        if row is None:
            return
        if not row.placed:
            self.notify(f"{row.name} has no token on the map.")
            return
        self._act({"kind": "remove_token", "tokenId": row.entity_id}, f"{row.name} is off the map")

    def action_remove_token(self) -> None:
        """Take the map tab's selected token off the map."""
        token = self.query_one(MapView).selected_token
        if token is None:
            self.notify("Select a token on the map first.", severity="warning")
            return
        self._act(
            {"kind": "remove_token", "tokenId": token.actor_id}, f"{token.name} is off the map"
        )

    # -- encounters ------------------------------------------------------------------

    def action_library_start_encounter(self) -> None:
        row = self._chosen("encounters")
        if row is None:
            return
        self._start(row.entity_id, row.name)

    @work(group="library")
    async def _start(self, encounter_id: str, name: str) -> None:
        action = {"kind": "start_encounter", "encounterId": encounter_id}
        if await self._submit(action, f"{name} started: round 1"):
            self._show_initiative()

    def _show_initiative(self) -> None:
        show: Callable[[str], None] | None = getattr(self, "action_show_tab", None)
        if show is not None:
            show("initiative")

    def action_library_end_encounter(self) -> None:
        row = self._chosen("encounters")
        if row is None:
            return
        if not row.current:
            self.notify(f"{row.name} is not running.")
            return

        def end(sure: bool | None) -> None:
            if sure:
                self._act({"kind": "end_encounter"}, f"{row.name} ended")

        self.app.push_screen(ConfirmScreen(f"End {row.name}?", yes="End it"), end)
