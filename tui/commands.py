"""The command palette: every action of the app, findable by name."""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.keys import keys_by_action


@dataclass(frozen=True, slots=True)
class Command:
    title: str
    help: str
    action: str
    """An action string run on the screen the palette was opened from (``app.`` for the app)."""


COMMANDS: tuple[Command, ...] = (
    # approval queue
    Command("Approve proposal", "Apply the selected proposal as proposed", "approve"),
    Command(
        "Edit and approve proposal", "Edit the proposal's JSON Patch, then apply it", "edit_approve"
    ),
    Command("Reject proposal", "Refuse the selected proposal, with a reason", "reject"),
    # initiative
    Command("Next turn", "Advance the initiative to the next combatant", "next_turn"),
    Command("Previous turn", "Go back one turn", "prev_turn"),
    Command("Roll initiative", "Roll for every combatant without a value", "roll_initiative"),
    Command("Add combatant", "Add an actor to the running encounter", "add_combatant"),
    Command(
        "Remove combatant", "Take the selected combatant out of the encounter", "remove_combatant"
    ),
    Command(
        "Edit HP and conditions",
        "Change the selected combatant's HP and conditions",
        "edit_combatant",
    ),
    Command("Start encounter", "Start one of the campaign's encounters", "start_encounter"),
    Command("End encounter", "End the running encounter", "end_encounter"),
    # players
    Command("Copy join link", "Copy the link players open to join", "copy_link"),
    Command(
        "Show the join QR code",
        "The join link as a QR code, big, for phones to join by camera",
        "app.join_qr",
    ),
    Command(
        "Map in browser",
        "Open the table in your browser as the GM (a one-time link, shown too)",
        "map_in_browser",
    ),
    Command("Rotate join code", "Make a new join code; the old one stops working", "rotate_code"),
    Command("Kick player", "Disconnect the selected player and void their sessions", "kick"),
    Command(
        "Remove player",
        "Forget the selected player (away only); their actors come back to you",
        "remove_player",
    ),
    Command("Give actor to player", "Assign an actor to the selected player", "assign_actor"),
    Command("Whisper to player", "Write a whisper to the selected player", "whisper"),
    # chat and map
    Command("Say in chat", "Write to the whole table", "chat"),
    Command("Roll dice", "Roll dice in the chat (e.g. 2d20kh1+5)", "roll_dice"),
    Command(
        "Hide or reveal token",
        "Hide the selected map token from players, or reveal it",
        "toggle_hidden",
    ),
    Command("Fog of war on or off", "Cover the current map with fog, or lift it", "toggle_fog"),
    Command(
        "Reveal around the token",
        "Show players the squares around the selected token (R covers them again)",
        "reveal_around(True)",
    ),
    Command("Undo", "Take back the last GM change", "undo"),
    Command("Show keys", "List every key of the app and of this screen", "app.help"),
    # panels
    Command("Show approval queue", "Go to the approval queue", "show_tab('queue')"),
    Command("Show initiative", "Go to the initiative tracker", "show_tab('initiative')"),
    Command("Show players", "Go to players and join details", "show_tab('players')"),
    Command("Show chat and log", "Go to chat and the change log", "show_tab('chat')"),
    Command("Show map", "Go to the map", "show_tab('map')"),
    # library: preparing the campaign
    Command("Show library", "Go to the library of actors, items, maps, ...", "show_tab('library')"),
    Command(
        "New actor, item, map, encounter or handout",
        "Create an entry in the library",
        "library_new",
    ),
    Command("Edit library entry", "Open the selected entry's sheet", "library_edit"),
    Command("Copy library entry", "Duplicate the selected entry", "library_duplicate"),
    Command(
        "Delete library entry",
        "Delete the selected entry, after saying what else it removes",
        "library_delete",
    ),
    Command(
        "Hide, reveal or share",
        "Hide the selected entry from players or reveal it (handouts: to chosen players)",
        "library_visibility",
    ),
    Command("Give actor to a player", "Choose who plays the selected actor", "library_assign"),
    Command("Show map to players", "Make the selected map the one players see", "library_show_map"),
    Command("Choose the map players see", "Pick the current map from a list", "choose_map"),
    Command(
        "Place token on the map",
        "Put the selected actor's token on the current map",
        "library_place_token",
    ),
    Command(
        "Place a token (pick the actor)",
        "Choose an actor and put its token on the current map",
        "place_token",
    ),
    Command(
        "Take token off the map",
        "Remove the selected actor's token from the map",
        "library_remove_token",
    ),
    Command(
        "Take the selected map token off",
        "Remove the token selected on the map tab",
        "remove_token",
    ),
    Command(
        "Start selected encounter",
        "Start the encounter selected in the library",
        "library_start_encounter",
    ),
    Command(
        "End selected encounter",
        "End the encounter selected in the library",
        "library_end_encounter",
    ),
    Command(
        "Open combatant's sheet",
        "The full sheet of the combatant selected in initiative",
        "combatant_sheet",
    ),
    # campaigns
    Command("New campaign", "Create a campaign and open it", "app.new_campaign"),
    Command("Open campaign", "Switch to another campaign", "app.open_campaign"),
    Command("Export campaign", "Write the campaign to a .vttcampaign file", "app.export_campaign"),
    Command("Import campaign", "Read a .vttcampaign file", "app.import_campaign"),
    Command("Back up now", "Write a backup of the campaign now", "app.backup"),
    Command("Restore from backup", "Replace the campaign with one of its backups", "app.restore"),
    Command(
        "Settings",
        "Approvals, NPC hit points, the public URL and backups (F8)",
        "app.settings",
    ),
    Command("Quit", "Save, back up and stop serving players", "app.quit"),
)


class TableCommands(Provider):
    """Offers ``COMMANDS``; each runs on the screen the palette was opened over.

    Each command's help ends with the keys that run it there, read from the bindings,
    so the palette also teaches the keys (F2 to open a campaign, a to approve).
    """

    async def discover(self) -> Hits:
        keys = keys_by_action(self.app, self.screen)
        for command in COMMANDS:
            yield DiscoveryHit(command.title, self._runner(command), help=_help(command, keys))

    async def search(self, query: str) -> Hits:
        keys = keys_by_action(self.app, self.screen)
        matcher = self.matcher(query)
        for command in COMMANDS:
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command.title),
                    self._runner(command),
                    text=command.title,
                    help=_help(command, keys),
                )

    def _runner(self, command: Command) -> partial[Coroutine[Any, Any, bool]]:
        return partial(self.app.run_action, command.action, self.screen)


def _help(command: Command, keys: dict[str, str]) -> str:
    shown = keys.get(command.action.removeprefix("app."))
    return f"{command.help} · key {shown}" if shown else command.help
