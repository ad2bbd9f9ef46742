"""The legacy importer: a scattered MongoDB-style export becomes one campaign document."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from vtt_host.actions import GM_CALLER, Caller
from vtt_host.cli import main
from vtt_host.errors import Invalid
from vtt_host.legacy import (
    LegacyImportError,
    import_legacy_export,
    read_legacy_export,
)
from vtt_host.manager import StateManager
from vtt_host.schema import validate_state
from vtt_host.validation import check_scopes
from vtt_host.views import player, view

CAMPAIGN = "64a000000000000000000c01"
OTHER_CAMPAIGN = "64a000000000000000000c02"
GM = "64a0000000000000000000f0"
ALICE, BOB = "64a0000000000000000000f1", "64a0000000000000000000f2"
THORIN, ELARA, BOSS = (
    "64a0000000000000000000a1",
    "64a0000000000000000000a2",
    "64a0000000000000000000a3",
)
SWORD, POTION = "64a0000000000000000000b1", "64a0000000000000000000b2"
CROSSROADS, LAIR = "64a0000000000000000000d1", "64a0000000000000000000d2"
AMBUSH, LAIR_FIGHT = "64a0000000000000000000e1", "64a0000000000000000000e2"


def oid(value: str) -> dict[str, str]:
    return {"$oid": value}


def scattered_export() -> dict[str, list[dict[str, Any]]]:
    """One campaign as the old host exported it: one list of documents per collection."""
    return {
        "campaigns": [
            {
                "_id": oid(CAMPAIGN),
                "name": "Curse of the Crossroads",
                "description": "Goblins on the old road.",
                "gameMasterId": oid(GM),
                "pluginId": "dnd5e",
                "settings": {"allowPlayerDice": True},
                "tags": ["horror", ""],
                "characters": [oid(THORIN), oid(ELARA)],
                "inviteCode": "XK-42",
                "createdAt": {"$date": "2023-07-01T18:00:00.000Z"},
                "updatedAt": {"$date": {"$numberLong": "1690000000000"}},
                "__v": 7,
            }
        ],
        "users": [
            {"_id": oid(ALICE), "username": "alice", "displayName": "Alice"},
            {"_id": oid(BOB), "name": "Bob", "createdAt": {"$date": 1_688_300_000_000}},
            {"_id": oid(GM), "name": "The GM"},
        ],
        "sessions": [
            {
                "_id": oid("64a000000000000000000500"),
                "campaignId": oid(CAMPAIGN),
                "isActive": False,
                "currentMapId": oid(LAIR),
                "updatedAt": {"$date": "2023-07-08T22:00:00Z"},
            },
            {
                "_id": oid("64a000000000000000000501"),
                "campaignId": oid(CAMPAIGN),
                "isActive": True,
                "activeEncounterId": oid(AMBUSH),
                "currentMapId": CROSSROADS,
                "chatMessages": [{"text": "hello"}, {"text": "roll for it"}],
                "connectedPlayers": [oid(ALICE)],
                "updatedAt": {"$date": "2023-07-15T20:00:00Z"},
            },
        ],
        "actors": [
            {
                "_id": oid(THORIN),
                "campaignId": oid(CAMPAIGN),
                "name": "Thorin",
                "type": "character",
                "owner": oid(ALICE),
                "pluginData": {"class": "fighter", "level": 5},
                "hp": {"current": 30, "max": 44},
                "inventory": [
                    {"itemId": oid(SWORD), "quantity": 1, "equipped": True},
                    {"itemId": "64a0000000000000000000bf", "quantity": 2},
                ],
                "conditions": ["blessed"],
                "imageAssets": {"portrait": "/uploads/thorin.png"},
                "background": "Soldier",
                "__v": 2,
            },
            {
                "_id": oid(ELARA),
                "campaignId": CAMPAIGN,
                "name": "Elara",
                "type": "character",
                "ownerId": BOB,
                "data": {"class": "wizard"},
                "inventory": [{"itemId": POTION, "quantity": {"$numberInt": "3"}}],
                "conditions": [{"name": "poisoned", "duration": 2}],
            },
            {
                "_id": oid(BOSS),
                "campaignId": oid(CAMPAIGN),
                "name": "Goblin Boss",
                "type": "npc",
                "hidden": True,
                "playerId": oid(GM),
                "system": {"cr": 1},
            },
            {
                "_id": oid("64a0000000000000000000a9"),
                "campaignId": oid(OTHER_CAMPAIGN),
                "name": "Stranger from another campaign",
            },
        ],
        "items": [
            {
                "_id": oid(SWORD),
                "campaignId": oid(CAMPAIGN),
                "name": "Longsword",
                "description": "A plain blade.",
                "pluginData": {"damage": "1d8"},
                "imageUrl": "/uploads/sword.png",
            },
            {"_id": oid(POTION), "name": "Potion of Healing", "data": {"heal": "2d4+2"}},
        ],
        "maps": [
            {
                "_id": oid(CROSSROADS),
                "campaignId": oid(CAMPAIGN),
                "name": "The Crossroads",
                "imageUrl": "/uploads/crossroads.jpg",
                "gridData": {"width": 30, "height": 20, "cellSize": 50},
                "layers": [{"name": "trees", "objects": []}],
                "lighting": {"ambient": 0.4},
            },
            {
                "_id": oid(LAIR),
                "campaignId": oid(CAMPAIGN),
                "name": "Goblin Lair",
                "hidden": True,
                "gridData": {"width": 12, "height": 10, "size": 70, "type": "hexagonal"},
            },
        ],
        "encounters": [
            {
                "_id": oid(AMBUSH),
                "campaignId": oid(CAMPAIGN),
                "name": "Ambush at the Crossroads",
                "mapId": oid(CROSSROADS),
                "status": "active",
                "participants": [oid(THORIN), oid(ELARA), oid(BOSS)],
                "round": 3,
                "currentTurn": 1,
                "initiative": [
                    {"actorId": oid(BOSS), "value": 18},
                    {"actorId": oid(THORIN), "initiative": 15},
                    {"actorId": ELARA, "value": 9.0},
                ],
                "activeEffects": [{"name": "Fog", "duration": 10}],
            },
            {
                "_id": oid(LAIR_FIGHT),
                "campaignId": oid(CAMPAIGN),
                "name": "Into the Lair",
                "mapId": oid(LAIR),
                "status": "planning",
                "participants": [oid(BOSS)],
                "initiative": [{"actorId": oid(BOSS), "value": 12}],
            },
        ],
        "tokens": [
            {"_id": "t1", "actorId": oid(THORIN), "mapId": oid(CROSSROADS), "x": 4, "y": 5},
            {"_id": "t2", "actorId": ELARA, "encounterId": AMBUSH, "position": {"x": 6, "y": 5}},
            {
                "_id": "t3",
                "actorId": oid(BOSS),
                "mapId": oid(CROSSROADS),
                "x": 10.4,
                "y": 2,
                "hidden": True,
                "rotation": 90,
            },
            {"_id": "t4", "actorId": oid(BOSS), "mapId": oid(LAIR), "x": 1, "y": 1},
            {"_id": "t5", "actorId": "64a0000000000000000000aa", "mapId": oid(CROSSROADS)},
        ],
        "effects": [
            {
                "_id": "f1",
                "actorId": oid(THORIN),
                "name": "Bless",
                "duration": {"rounds": 10},
                "source": "cleric",
            },
            {"_id": "f2", "encounterId": oid(AMBUSH), "name": "Darkness", "duration": "5 rounds"},
            {"_id": "f3", "actorId": "64a0000000000000000000ab", "name": "Haste"},
        ],
    }


def write_export(
    directory: Path, collections: dict[str, list[dict[str, Any]]], style: str = "json"
) -> Path:
    """Write one file per collection: a JSON array (json), JSON Lines (jsonl/ndjson), or
    documents one per line in a .json file as mongoexport writes them (mongoexport)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, docs in collections.items():
        if style == "json":
            (directory / f"{name}.json").write_text(json.dumps(docs, indent=2))
        else:
            ext = "json" if style == "mongoexport" else style
            lines = "".join(json.dumps(doc) + "\n" for doc in docs)
            (directory / f"{name}.{ext}").write_text(lines)
    return directory


@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    return write_export(tmp_path / "export", scattered_export())


# -- the whole campaign ---------------------------------------------------------------


@pytest.mark.parametrize("style", ["json", "jsonl", "ndjson", "mongoexport"])
def test_scattered_export_becomes_one_valid_campaign(tmp_path: Path, style: str) -> None:
    directory = write_export(tmp_path / style, scattered_export(), style)

    result = import_legacy_export(directory, now_ms=1_700_000_000_000)
    state = result.state

    assert validate_state(state) == state
    check_scopes(state, [(name,) for name in ("players", "items", "actors", "maps", "encounters")])
    assert state["id"] == CAMPAIGN
    assert state["version"] == 0
    assert state["createdAt"] == 1_688_234_400_000
    assert state["lastModified"] == 1_690_000_000_000
    campaign = state["campaign"]
    assert campaign["name"] == "Curse of the Crossroads"
    assert campaign["pluginId"] == "dnd5e"
    assert campaign["tags"] == ["horror"]
    assert campaign["settings"]["allowPlayerDice"] is True
    assert "legacy" not in campaign["settings"]
    assert '"inviteCode": "XK-42"' in campaign["gmNotes"]  # kept, but only for the GM
    assert "XK-42" not in json.dumps(view(state, player(next(iter(state["players"])))))
    assert "__v" not in json.dumps(state)
    assert set(state["actors"]) == {THORIN, ELARA, BOSS}
    assert set(state["items"]) == {SWORD, POTION}
    assert set(state["maps"]) == {CROSSROADS, LAIR}
    assert set(state["encounters"]) == {AMBUSH, LAIR_FIGHT}


def test_players_come_from_owners_named_by_users(export_dir: Path) -> None:
    state = import_legacy_export(export_dir).state

    assert state["players"] == {
        ALICE: {"id": ALICE, "name": "Alice", "joinedAt": 1_688_234_400_000},
        BOB: {"id": BOB, "name": "Bob", "joinedAt": 1_688_300_000_000},
    }
    actors = state["actors"]
    assert actors[THORIN]["owner"] == ALICE
    assert actors[ELARA]["owner"] == BOB
    assert actors[BOSS]["owner"] is None  # the GM's own NPC
    assert actors[BOSS]["hidden"] is True
    assert actors[BOSS]["type"] == "npc"


def test_an_owner_without_a_name_hint_is_named_by_id(export_dir: Path) -> None:
    (export_dir / "users.json").unlink()
    state = import_legacy_export(export_dir).state
    assert state["players"][ALICE]["name"] == ALICE
    assert GM not in state["players"]  # the campaign's gameMasterId says who the GM is
    assert state["actors"][BOSS]["owner"] is None


def test_actors_items_and_maps_keep_their_data(export_dir: Path) -> None:
    state = import_legacy_export(export_dir).state
    thorin = state["actors"][THORIN]

    assert thorin["pluginData"]["class"] == "fighter"
    assert thorin["pluginData"]["legacy"] == {
        "background": "Soldier",
        "imageAssets": {"portrait": "/uploads/thorin.png"},
        "tokens": [{"mapId": CROSSROADS, "x": 4, "y": 5}],
        "effects": [{"source": "cleric", "name": "Bless"}],
    }
    assert thorin["hp"] == {"current": 30, "max": 44, "temp": 0}
    assert thorin["inventory"] == [{"itemId": SWORD, "quantity": 1, "equipped": True}]
    assert state["actors"][ELARA]["inventory"] == [
        {"itemId": POTION, "quantity": 3, "equipped": False}
    ]
    assert state["actors"][ELARA]["pluginData"]["class"] == "wizard"
    assert state["actors"][BOSS]["pluginData"]["cr"] == 1

    sword = state["items"][SWORD]
    assert sword["description"] == "A plain blade."
    assert sword["pluginData"] == {"damage": "1d8", "legacy": {"imageUrl": "/uploads/sword.png"}}
    assert state["items"][POTION]["pluginData"] == {"heal": "2d4+2"}

    crossroads = state["maps"][CROSSROADS]
    assert crossroads["grid"] == {
        "width": 30,
        "height": 20,
        "cellSize": 50,
        "offsetX": 0,
        "offsetY": 0,
        "kind": "square",
    }
    assert crossroads["layers"] == [{"name": "trees", "objects": []}]
    assert crossroads["lighting"] == {"ambient": 0.4}
    assert "/uploads/crossroads.jpg" in crossroads["gmNotes"]  # maps have no pluginData
    lair = state["maps"][LAIR]
    assert lair["hidden"] is True
    assert lair["grid"] == {
        "width": 12,
        "height": 10,
        "cellSize": 70,
        "offsetX": 0,
        "offsetY": 0,
        "kind": "hex",
    }


def test_conditions_come_from_the_actor_and_its_effects(export_dir: Path) -> None:
    state = import_legacy_export(export_dir).state

    assert state["actors"][THORIN]["conditions"] == [
        {"name": "blessed", "rounds": None, "note": ""},
        {"name": "Bless", "rounds": 10, "note": ""},
    ]
    assert state["actors"][ELARA]["conditions"] == [{"name": "poisoned", "rounds": 2, "note": ""}]
    effects = state["encounters"][AMBUSH]["pluginData"]["effects"]
    assert [(effect["name"], effect["rounds"]) for effect in effects] == [
        ("Fog", 10),
        ("Darkness", 5),
    ]


def test_the_active_session_becomes_the_current_session(export_dir: Path) -> None:
    state = import_legacy_export(export_dir).state
    session = state["currentSession"]

    assert session["activeEncounterId"] == AMBUSH
    assert session["currentMapId"] == CROSSROADS
    assert session["initiative"] == [
        {"actorId": BOSS, "value": 18},
        {"actorId": THORIN, "value": 15},
        {"actorId": ELARA, "value": 9},
    ]
    assert (session["round"], session["turn"]) == (3, 1)
    assert session["chatMessages"] == []
    assert session["connectedPlayers"] == []

    ambush = state["encounters"][AMBUSH]
    assert ambush["status"] == "active"
    assert ambush["mapId"] == CROSSROADS
    assert ambush["combatants"] == [THORIN, ELARA, BOSS]
    assert "initiative" not in ambush["pluginData"].get("legacy", {})
    lair_fight = state["encounters"][LAIR_FIGHT]
    assert lair_fight["status"] == "draft"
    assert lair_fight["pluginData"]["legacy"]["initiative"] == [{"actorId": BOSS, "value": 12}]


def test_token_positions_only_for_the_current_map(export_dir: Path) -> None:
    state = import_legacy_export(export_dir).state

    assert state["currentSession"]["tokenPositions"] == {
        THORIN: {"x": 4, "y": 5},
        ELARA: {"x": 6, "y": 5},  # placed through its encounter's map
        BOSS: {"x": 10, "y": 2},
    }
    boss_tokens = state["actors"][BOSS]["pluginData"]["legacy"]["tokens"]
    assert [token["mapId"] for token in boss_tokens] == [CROSSROADS, LAIR]
    assert boss_tokens[0]["rotation"] == 90
    # The hidden boss and its token stay out of a player's view.
    alice_view = view(state, player(ALICE))
    assert BOSS not in alice_view["actors"]
    assert BOSS not in alice_view["currentSession"]["tokenPositions"]
    assert LAIR not in alice_view["maps"]


def test_what_was_dropped_is_reported(export_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    warnings = import_legacy_export(export_dir).warnings
    text = "\n".join(warnings)

    assert "skipped 1 actors of other campaigns" in text
    assert "tokens.json line" in text
    assert "unknown actor '64a0000000000000000000aa'" in text
    assert "unknown item '64a0000000000000000000bf'" in text
    assert "effect on '64a0000000000000000000ab'" in text
    assert "2 chat messages were not imported" in text

    with caplog.at_level(logging.WARNING, logger="vtt_host.legacy"):
        state = read_legacy_export(export_dir)
    assert state["id"] == CAMPAIGN
    assert len(caplog.records) == len(warnings)


async def test_the_imported_campaign_can_be_played(export_dir: Path) -> None:
    state = import_legacy_export(export_dir).state
    manager = StateManager(state, make_id=lambda prefix: f"{prefix}_x", clock=lambda: 5_000)

    await manager.submit({"kind": "next_turn"}, GM_CALLER)
    alice = Caller("player", ALICE, "Alice")
    await manager.submit({"kind": "move_token", "tokenId": THORIN, "x": 5, "y": 5}, alice)

    session = manager.state["currentSession"]
    assert session["turn"] == 2
    assert session["tokenPositions"][THORIN] == {"x": 5, "y": 5}


# -- liberal input ----------------------------------------------------------------------


def test_extended_json_forms_and_unsafe_ids(tmp_path: Path) -> None:
    long_id = "x" * 100
    collections: dict[str, list[dict[str, Any]]] = {
        "campaigns": [
            {
                "_id": "my campaign/1",
                "title": "Old Friends",
                "createdAt": {"$date": {"$numberLong": "1600000000000"}},
            }
        ],
        "actors": [
            {"_id": "Thorin Oakenshield/1", "name": "Thorin", "owner": "alice@example.com"},
            {"_id": long_id, "name": "Long", "type": "creature"},
            {"name": "No id at all", "type": "dragon"},
        ],
        "encounters": [
            {
                "_id": "e 1",
                "name": "Fight",
                "status": "running",
                "participants": ["Thorin Oakenshield/1", {"actorId": long_id}],
                "currentTurn": long_id,
                "round": {"$numberInt": "2"},
            }
        ],
        "tokens": [{"actorId": long_id, "mapId": "m 1", "x": {"$numberDouble": "3.0"}, "y": 4}],
        "maps": [{"_id": "m 1", "name": "Field", "gridData": {"width": 5000, "cellSize": 1}}],
    }
    directory = write_export(tmp_path / "export", collections, "jsonl")

    result = import_legacy_export(directory)
    state = result.state

    assert state["id"] == "my_campaign_1"
    assert state["createdAt"] == 1_600_000_000_000
    assert state["campaign"]["name"] == "Old Friends"
    thorin = state["actors"]["Thorin_Oakenshield_1"]
    assert thorin["pluginData"]["legacy"]["id"] == "Thorin Oakenshield/1"
    assert thorin["owner"] == "alice_example.com"
    assert state["players"]["alice_example.com"]["name"] == "alice@example.com"
    long_actor = next(a for a in state["actors"].values() if a["name"] == "Long")
    assert len(long_actor["id"]) <= 64
    assert long_actor["type"] == "monster"
    nameless = next(a for a in state["actors"].values() if a["name"] == "No id at all")
    assert nameless["type"] == "npc"
    assert nameless["pluginData"]["legacy"]["type"] == "dragon"
    # With no session, the one running encounter is the active one.
    session = state["currentSession"]
    assert session["activeEncounterId"] == "e_1"
    assert session["currentMapId"] is None
    assert [entry["actorId"] for entry in session["initiative"]] == [
        thorin["id"],
        long_actor["id"],
    ]
    assert (session["round"], session["turn"]) == (2, 0)
    assert state["maps"]["m_1"]["grid"]["width"] == 1000
    assert state["maps"]["m_1"]["grid"]["cellSize"] == 4
    assert any("out of range" in warning for warning in result.warnings)


def test_turn_is_clamped_to_the_order(tmp_path: Path) -> None:
    collections = scattered_export()
    ambush = collections["encounters"][0]
    ambush["currentTurn"] = 7
    ambush["initiative"].append({"actorId": "64a0000000000000000000ee", "value": 1})
    directory = write_export(tmp_path / "export", collections)

    result = import_legacy_export(directory)

    session = result.state["currentSession"]
    assert len(session["initiative"]) == 3
    assert session["turn"] == 2
    assert any("initiative entry for unknown actor" in w for w in result.warnings)


def test_a_second_active_encounter_is_paused(tmp_path: Path) -> None:
    collections = scattered_export()
    collections["encounters"][1]["status"] = "active"
    directory = write_export(tmp_path / "export", collections)

    state = import_legacy_export(directory).state

    assert state["encounters"][AMBUSH]["status"] == "active"
    assert state["encounters"][LAIR_FIGHT]["status"] == "paused"


def test_only_the_campaigns_file_is_required(tmp_path: Path) -> None:
    directory = tmp_path / "export"
    directory.mkdir()
    (directory / "campaigns.json").write_text('[{"_id": "c1", "name": "Bare"}]')
    (directory / "notes.txt").write_text("not a collection")

    state = import_legacy_export(directory).state

    assert state["campaign"]["name"] == "Bare"
    assert state["actors"] == {}
    assert state["currentSession"]["initiative"] == []


# -- errors -------------------------------------------------------------------------------


def error_for(directory: Path) -> str:
    with pytest.raises(LegacyImportError) as caught:
        read_legacy_export(directory)
    assert isinstance(caught.value, Invalid)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_missing_directory(tmp_path: Path) -> None:
    message = error_for(tmp_path / "nowhere")
    assert message == f"{tmp_path / 'nowhere'}: no such directory"


def test_no_campaigns_file(tmp_path: Path) -> None:
    collections = scattered_export()
    del collections["campaigns"]
    directory = write_export(tmp_path / "export", collections)
    assert "no campaigns file" in error_for(directory)


def test_malformed_json_lines_names_file_and_line(tmp_path: Path) -> None:
    directory = write_export(tmp_path / "export", scattered_export(), "jsonl")
    lines = (directory / "actors.jsonl").read_text().splitlines()
    lines[2] = lines[2][:-5]
    (directory / "actors.jsonl").write_text("\n".join(lines) + "\n")
    assert error_for(directory).startswith("actors.jsonl line 3: malformed JSON")
    (directory / "actors.jsonl").unlink()
    (directory / "actors.json").write_text("\n".join(lines) + "\n")  # as mongoexport writes
    assert error_for(directory).startswith("actors.json line 3: malformed JSON")


def test_malformed_json_array_names_file_and_line(tmp_path: Path) -> None:
    directory = tmp_path / "export"
    directory.mkdir()
    (directory / "campaigns.json").write_text('[{"_id": "c1", "name": "A"}]')
    (directory / "items.json").write_text('[\n  {"_id": "i1", "name": "Rope"},\n  {"_id": "i2",\n]')
    assert error_for(directory).startswith("items.json line 4: malformed JSON")
    (directory / "items.json").write_text('[\n  {"_id": "i1"}\n  {"_id": "i2"}\n]')
    assert error_for(directory) == (
        "items.json line 3: malformed JSON (expected ',' or ']' between documents)"
    )
    (directory / "items.json").write_text('[\n  {"_id": "i1"},\n')
    assert "the array is not closed" in error_for(directory)


def test_a_document_that_is_not_an_object(tmp_path: Path) -> None:
    directory = tmp_path / "export"
    directory.mkdir()
    (directory / "campaigns.json").write_text('[{"_id": "c1", "name": "A"}]')
    (directory / "maps.json").write_text('[\n  {"_id": "m1", "name": "Field"},\n  42\n]')
    assert error_for(directory) == (
        "maps.json line 3: a document must be a JSON object, not a number"
    )


def test_several_campaigns_are_refused_and_listed(tmp_path: Path) -> None:
    collections = scattered_export()
    collections["campaigns"].append({"_id": oid(OTHER_CAMPAIGN), "name": "Side Quest"})
    directory = write_export(tmp_path / "export", collections, "jsonl")
    message = error_for(directory)
    assert message.startswith("campaigns.jsonl: it holds 2 campaigns")
    assert f"{CAMPAIGN} 'Curse of the Crossroads' at line 1" in message
    assert f"{OTHER_CAMPAIGN} 'Side Quest' at line 2" in message


def test_an_active_encounter_that_does_not_exist(tmp_path: Path) -> None:
    collections = scattered_export()
    collections["sessions"][1]["activeEncounterId"] = "64a0000000000000000000ef"
    directory = write_export(tmp_path / "export", collections, "jsonl")
    message = error_for(directory)
    assert message.startswith("sessions.jsonl line 2: the session's active encounter")
    assert "'64a0000000000000000000ef'" in message


def test_a_current_map_that_does_not_exist(tmp_path: Path) -> None:
    collections = scattered_export()
    collections["sessions"][1]["currentMapId"] = "gone"
    directory = write_export(tmp_path / "export", collections, "jsonl")
    assert "the session's current map 'gone' is not in the maps file" in error_for(directory)


def test_the_same_id_twice(tmp_path: Path) -> None:
    collections = scattered_export()
    collections["items"][1]["_id"] = oid(SWORD)
    directory = write_export(tmp_path / "export", collections, "jsonl")
    assert error_for(directory) == (
        f"items.jsonl line 2: item id '{SWORD}' is used twice (also at items.jsonl line 1)"
    )


def test_a_collection_exported_twice(export_dir: Path) -> None:
    (export_dir / "actors.jsonl").write_text("")
    assert "actors is exported twice (actors.json, actors.jsonl)" in error_for(export_dir)


# -- through the command line -----------------------------------------------------------


def test_cli_imports_and_exports_the_campaign(
    export_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "data")

    assert main(["import-legacy", str(export_dir), "--data-dir", data]) == 0
    campaign_id = capsys.readouterr().out.strip()
    assert campaign_id == CAMPAIGN

    output = tmp_path / "crossroads.vttcampaign"
    assert main(["export", campaign_id, "-o", str(output), "--data-dir", data]) == 0
    assert capsys.readouterr().out.strip() == str(output)
    assert output.stat().st_size > 0

    assert main(["list", "--data-dir", data]) == 0
    assert "Curse of the Crossroads" in capsys.readouterr().out


def test_cli_reports_a_bad_export_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "export"
    directory.mkdir()
    (directory / "campaigns.jsonl").write_text('{"_id": "c1", "name": "A"}\n{"_id": \n')

    assert main(["import-legacy", str(directory), "--data-dir", str(tmp_path / "data")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("vtt-host: campaigns.jsonl line 2: malformed JSON")
    assert "\n" not in err
