"""Campaigns of an older schema open and import as the current one, losing nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from storage.campaign_file import write_campaign_file
from vtt_host.demo import demo_state
from vtt_host.library import Library
from vtt_host.migrations import migrate
from vtt_host.schema import SCHEMA_VERSION, validate_state

NOW_MS = 1_764_072_000_000
V2_ACTOR_FIELDS = ("armorClass", "abilities", "speed", "stats", "notes")


def version_1_document() -> dict[str, Any]:
    """The sample campaign as a host of schema version 1 wrote it."""
    state = demo_state("c_old", now_ms=NOW_MS)
    state["schemaVersion"] = 1
    for actor in state["actors"].values():
        for field in V2_ACTOR_FIELDS:
            actor.pop(field, None)
    for game_map in state["maps"].values():
        game_map.pop("imageSize", None)
        game_map["grid"].pop("offsetX", None)
        game_map["grid"].pop("offsetY", None)
    del state["handouts"]
    state["currentSession"]["gmSettings"] = {"requireApproval": ["chat"], "notes": ""}
    return state


def test_a_version_1_document_reads_as_it_was() -> None:
    old = version_1_document()

    current = validate_state(migrate(copy.deepcopy(old)))

    assert current["schemaVersion"] == SCHEMA_VERSION
    for actor_id, actor in old["actors"].items():
        migrated = current["actors"][actor_id]
        assert {key: migrated[key] for key in actor} == {**actor}
        assert migrated["stats"] == []
        assert migrated["notes"] == ""
        assert migrated["armorClass"] is None
        assert migrated["abilities"] is None
    for map_id, game_map in old["maps"].items():
        assert current["maps"][map_id]["grid"]["offsetX"] == 0
        assert current["maps"][map_id]["name"] == game_map["name"]
    assert current["handouts"] == {}


def test_a_version_1_table_keeps_showing_exact_npc_hp_and_approving_every_proposal() -> None:
    """Its players saw every NPC's numbers and every proposal waited: both stay so,
    where a new campaign shows a status and lets players edit their own sheets only
    if the GM takes ``sheet_edit`` off the list."""
    current = validate_state(migrate(version_1_document()))
    new = demo_state("c_new", now_ms=NOW_MS)

    settings = current["currentSession"]["gmSettings"]
    assert settings["npcHitPoints"] == "exact"
    assert settings["requireApproval"] == ["chat", "sheet_edit"]
    fresh = new["currentSession"]["gmSettings"]
    assert (fresh["npcHitPoints"], fresh["requireApproval"]) == ("bloodied", ["sheet_edit"])


async def test_a_version_1_campaign_file_imports_as_the_current_schema(tmp_path: Path) -> None:
    old = version_1_document()
    path = tmp_path / "old.vttcampaign"
    write_campaign_file(
        path,
        json.dumps(old).encode(),
        campaign_id=old["id"],
        name=old["campaign"]["name"],
        version=old["version"],
        schema_version=1,
        assets={},
    )
    library = await Library.open(tmp_path / "data")
    try:
        imported = await library.import_file(path)
        live = await library.open_campaign(imported.campaign_id)
        state = live.manager.state
        assert state["schemaVersion"] == SCHEMA_VERSION
        assert {a["name"] for a in state["actors"].values()} == {
            a["name"] for a in old["actors"].values()
        }
    finally:
        await library.close()


@pytest.mark.parametrize(
    "stats",
    [
        [{"name": "Sanity", "value": 45}, {"name": "sanity", "value": 3}],
        [{"name": "", "value": 1}],
        [{"name": "Luck", "value": "high"}],
    ],
    ids=["same-name", "empty-name", "not-a-number"],
)
def test_free_stats_are_named_numbers(stats: list[dict[str, Any]]) -> None:
    state = demo_state("c_new", now_ms=NOW_MS)
    actor = next(iter(state["actors"].values()))
    actor["stats"] = stats

    with pytest.raises(ValueError, match="stats"):
        validate_state(state)
