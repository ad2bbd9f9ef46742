"""Campaign files end to end: export, import, replace, restore, and hostile files.

A campaign must survive the trip to another host unchanged (document and images), an
import must never lose or rewind what is already there, and a hostile file must be
refused by the CLI with one line, importing nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import random
import sys
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from storage import MAX_DOCUMENT_DEPTH
from storage.campaign_file import verify_archive, write_campaign_file
from vtt_host.actions import GM_CALLER
from vtt_host.library import Library
from vtt_host.schema import SCHEMA_VERSION

from .conftest import play, run_cli
from .script import (
    CAMPAIGN_ID,
    ExpectedCampaign,
    apply_script,
    first_difference,
    initial_state,
    jsonable,
)

pytestmark = pytest.mark.usefixtures("scripted")

REPO_ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


def without_version(state: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in state.items() if key != "version"}


async def played_with_portrait(root: Path) -> tuple[Library, str]:
    """An open library whose campaign (at version 41) shows a stored image."""
    library = await Library.open(root / "origin")
    await library.add_state(json.loads(json.dumps(ExpectedCampaign().manager.state)))
    live = await library.open_campaign(CAMPAIGN_ID)
    await apply_script(live.manager, 40)
    sha = library.assets.put(PNG, "png")
    hero = next(a for a in live.manager.state["actors"].values() if a["type"] == "character")
    await live.manager.submit(
        {"kind": "update_actor", "id": hero["id"], "set": {"imageAsset": sha}}, GM_CALLER
    )
    return library, sha


async def document(library: Library, campaign_id: str) -> dict[str, Any]:
    state: dict[str, Any] = jsonable((await library.open_campaign(campaign_id)).manager.state)
    return state


async def test_export_then_import_elsewhere_gives_the_same_document_and_image_bytes(
    tmp_path: Path,
) -> None:
    origin, sha = await played_with_portrait(tmp_path)
    try:
        exported = await origin.export(CAMPAIGN_ID, tmp_path / "out.vttcampaign")
        original = await document(origin, CAMPAIGN_ID)
    finally:
        await origin.close()

    elsewhere = await Library.open(tmp_path / "elsewhere")
    try:
        imported = await elsewhere.import_file(exported)
        assert (imported.campaign_id, imported.version, imported.replaced) == (
            CAMPAIGN_ID,
            41,
            False,
        )
        arrived = await document(elsewhere, CAMPAIGN_ID)
        assert arrived == original, first_difference(arrived, original)
        assert elsewhere.assets.get(sha) == PNG
    finally:
        await elsewhere.close()


async def test_importing_the_same_file_again_makes_a_copy_with_a_new_id(tmp_path: Path) -> None:
    origin, _ = await played_with_portrait(tmp_path)
    try:
        exported = await origin.export(CAMPAIGN_ID, tmp_path / "out.vttcampaign")
        original = await document(origin, CAMPAIGN_ID)
        copy = await origin.import_file(exported)
        assert not copy.replaced
        assert copy.campaign_id != CAMPAIGN_ID
        assert sorted(c.id for c in await origin.campaigns()) == sorted(
            [CAMPAIGN_ID, copy.campaign_id]
        )
        assert await document(origin, CAMPAIGN_ID) == original  # the original is untouched
        assert await document(origin, copy.campaign_id) == {**original, "id": copy.campaign_id}
    finally:
        await origin.close()


async def test_import_with_replace_keeps_a_backup_and_never_moves_the_version_back(
    tmp_path: Path,
) -> None:
    origin, _ = await played_with_portrait(tmp_path)
    try:
        exported = await origin.export(CAMPAIGN_ID, tmp_path / "at-41.vttcampaign")
        at_41 = await document(origin, CAMPAIGN_ID)
        live = await origin.open_campaign(CAMPAIGN_ID)
        await apply_script(live.manager, 70)  # the script continues after the portrait
        at_70 = await document(origin, CAMPAIGN_ID)

        replaced = await origin.import_file(exported, replace=True)
        assert replaced.replaced
        assert replaced.campaign_id == CAMPAIGN_ID
        assert replaced.version == 71
        assert [c.id for c in await origin.campaigns()] == [CAMPAIGN_ID]
        now = await document(origin, CAMPAIGN_ID)
        assert now["version"] == 71
        assert without_version(now) == without_version(at_41)

        before = [b for b in origin.list_backups(CAMPAIGN_ID) if b.reason == "before-import"]
        assert [b.version for b in before] == [70]
        _, saved = await read_backup(before[0].path)
        assert saved == at_70
    finally:
        await origin.close()
    reopened = await Library.open(tmp_path / "origin")
    try:
        assert reopened.recovery_reports == []
        assert (await document(reopened, CAMPAIGN_ID))["version"] == 71
    finally:
        await reopened.close()


async def read_backup(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json")), json.loads(archive.read("state.json"))


async def test_restore_twice_does_not_bring_back_the_state_the_first_one_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = ExpectedCampaign()
    library = await Library.open(tmp_path)
    try:
        await library.add_state(jsonable(expected.manager.state))
        live = await library.open_campaign(CAMPAIGN_ID)
        await apply_script(live.manager, 10)
        good = await library.backup_now(CAMPAIGN_ID)
        await apply_script(live.manager, 20)  # the evening the GM wants to undo
    finally:
        await library.close()
    for backup in Library.list_backups(library, CAMPAIGN_ID):  # as if the host was killed
        if backup.time > good.time:
            backup.path.unlink()
    at_10 = without_version(await expected.state_at(10, keep=True))
    capsys.readouterr()
    for attempt in (1, 2):
        assert await run_cli("restore", CAMPAIGN_ID, "--data-dir", tmp_path) == 0
        said = capsys.readouterr().err
        used = Path(said.split("from backup ", 1)[1].splitlines()[0])
        if attempt == 1:
            assert used == good.path
        assert await asyncio.to_thread(used.exists), said  # named exactly, for the GM
        library = await Library.open(tmp_path)
        try:
            restored = await document(library, CAMPAIGN_ID)
        finally:
            await library.close()
        assert restored["version"] == 20 + attempt
        assert without_version(restored) == at_10, first_difference(restored, at_10)


async def test_restore_at_a_time_picks_the_newest_backup_at_or_before_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = ExpectedCampaign()
    library = await Library.open(tmp_path)
    try:
        await library.add_state(json.loads(json.dumps(expected.manager.state)))
        live = await library.open_campaign(CAMPAIGN_ID)
        made = []
        for version in (10, 20, 30):
            await apply_script(live.manager, version)
            made.append(await library.backup_now(CAMPAIGN_ID))
        await apply_script(live.manager, 35)
    finally:
        await library.close()
    first, second, third = made
    assert first.time < second.time < third.time
    at_20 = await expected.state_at(20, keep=True)

    just_before_third = (third.time - timedelta(microseconds=1)).isoformat()
    assert (
        await run_cli("restore", CAMPAIGN_ID, "--at", just_before_third, "--data-dir", tmp_path)
        == 0
    )
    assert capsys.readouterr().out.splitlines() == [f"{CAMPAIGN_ID}\tv36"]

    library = await Library.open(tmp_path)
    try:
        restored = await document(library, CAMPAIGN_ID)
        assert restored["version"] == 36  # forward from 35, never back to 20
        assert without_version(restored) == without_version(at_20)
        before = [b for b in library.list_backups(CAMPAIGN_ID) if b.reason == "before-restore"]
        assert [b.version for b in before] == [35]
        # A time before every backup is refused, and changes nothing.
        too_early = (first.time - timedelta(seconds=1)).isoformat()
    finally:
        await library.close()
    assert await run_cli("restore", CAMPAIGN_ID, "--at", too_early, "--data-dir", tmp_path) == 1
    assert "no backup" in capsys.readouterr().err


async def test_campaign_file_whose_id_is_not_a_safe_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ids become backup folder names: one that could not be backed up never gets in."""
    state = initial_state()
    state["id"] = "c:1"
    path = tmp_path / "colon.vttcampaign"
    write_campaign_file(
        path, json.dumps(state).encode(), campaign_id="c:1", name="Colon", version=0,
        schema_version=SCHEMA_VERSION, assets={},
    )  # fmt: skip
    data_dir = tmp_path / "host"
    assert await run_cli("import", path, "--data-dir", data_dir) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "id" in err
    assert await run_cli("list", "--data-dir", data_dir) == 0
    assert capsys.readouterr().out == ""


# --- hostile files ----------------------------------------------------------------------


def rewrite(
    source: Path,
    target: Path,
    *,
    members: dict[str, bytes] | None = None,
    manifest: dict[str, Any] | None = None,
    honest_sums: bool = True,
    compress: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """A copy of a campaign file with members added or replaced.

    With ``honest_sums`` the manifest lists every member with its true sha256, so only
    the damage under test is wrong.
    """
    with zipfile.ZipFile(source) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    listed = json.loads(contents.pop("manifest.json"))
    contents.update(members or {})
    if honest_sums:
        listed["members"] = {
            name: hashlib.sha256(data).hexdigest() for name, data in contents.items()
        }
    listed.update(manifest or {})
    with zipfile.ZipFile(target, "w", compress) as archive:
        archive.writestr("manifest.json", json.dumps(listed))
        for name, data in contents.items():
            archive.writestr(name, data)
    return target


def state_of(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        state: dict[str, Any] = json.loads(archive.read("state.json"))
        return state


def zip_slip(good: Path, target: Path) -> Path:
    return rewrite(good, target, members={"../../escaped.png": PNG})


def zip_slip_through_assets(good: Path, target: Path) -> Path:
    return rewrite(good, target, members={"assets/../../escaped.png": PNG})


def zip_bomb(good: Path, target: Path) -> Path:
    padded = state_of(good)
    padded["campaign"]["description"] = ""
    bomb = json.dumps(padded).encode()[:-1] + b" " * (24 * 1024 * 1024) + b"}"
    return rewrite(good, target, members={"state.json": bomb})


def bad_checksum(good: Path, target: Path) -> Path:
    state = state_of(good)
    state["campaign"]["gmNotes"] = "edited after export"
    return rewrite(
        good, target, members={"state.json": json.dumps(state).encode()}, honest_sums=False
    )


def unknown_format_version(good: Path, target: Path) -> Path:
    return rewrite(good, target, manifest={"formatVersion": 99})


def actor_id_not_its_key(good: Path, target: Path) -> Path:
    state = state_of(good)
    key, actor = next(iter(state["actors"].items()))
    actor["id"] = key + "x"
    return rewrite(good, target, members={"state.json": json.dumps(state).encode()})


def token_for_unknown_actor(good: Path, target: Path) -> Path:
    state = state_of(good)
    state["currentSession"]["tokenPositions"]["a_nobody"] = {"x": 1, "y": 1}
    return rewrite(good, target, members={"state.json": json.dumps(state).encode()})


def with_setting(value: Any) -> Callable[[Path, Path], Path]:
    """A campaign file whose state carries ``value`` (as Python's json writes it)."""

    def make(good: Path, target: Path) -> Path:
        state = state_of(good)
        state["campaign"]["settings"]["x"] = value
        return rewrite(good, target, members={"state.json": json.dumps(state).encode()})

    return make


def nested(levels: int) -> Any:
    value: Any = 0
    for _ in range(levels):
        value = [value]
    return value


def at_version(version: int, *, state_version: int | None = None) -> Callable[[Path, Path], Path]:
    """A campaign file claiming ``version`` (and its state ``state_version``)."""

    def make(good: Path, target: Path) -> Path:
        state = state_of(good)
        state["version"] = version if state_version is None else state_version
        return rewrite(
            good,
            target,
            members={"state.json": json.dumps(state).encode()},
            manifest={"version": version},
        )

    return make


HOSTILE: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "zip-slip": (zip_slip, "unsafe entry"),
    "zip-slip-through-assets": (zip_slip_through_assets, "unsafe entry"),
    "zip-bomb": (zip_bomb, "zip bomb"),
    "bad-checksum": (bad_checksum, "does not match its checksum"),
    "unknown-format-version": (unknown_format_version, "newer vtt-host"),
    "actor-id-not-its-key": (actor_id_not_its_key, "invalid"),
    "token-for-unknown-actor": (token_for_unknown_actor, "unknown actor"),
    "nan": (with_setting(math.nan), "NaN is not a number"),
    "infinity": (with_setting(math.inf), "Infinity is not a number"),
    "integer-beyond-a-double": (with_setting(10**400), "does not fit a double"),
    "lone-surrogate": (with_setting("Gr\ud800m"), "lone surrogate"),
    "lone-surrogate-in-a-key": (with_setting({"\udfff": 1}), "lone surrogate"),
    "nested-500-levels": (with_setting(nested(500)), "levels deep"),
    "nested-past-the-document-depth": (with_setting(nested(MAX_DOCUMENT_DEPTH)), "levels deep"),
    "negative-version": (at_version(-1), "whole number from 0"),
    "version-10**30": (at_version(10**30), "whole number from 0"),
    "version-2**63-1": (at_version(2**63 - 1), "whole number from 0"),
    "version-past-2**53": (at_version(2**53), "whole number from 0"),
    "version-not-the-manifests": (at_version(12, state_version=13), "manifest.json says 12"),
}


def tree(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "sqlite3" not in path.name
    }


def escaped_files(root: Path) -> list[Path]:
    return list(root.rglob("escaped.png"))


@pytest.mark.parametrize("attack", list(HOSTILE))
async def test_hostile_campaign_file_is_refused_by_the_cli_and_imports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], attack: str
) -> None:
    played = await play(tmp_path / "play", backed_up=5, final=10)
    data_dir = played.closed
    good = tmp_path / "files" / "good.vttcampaign"
    good.parent.mkdir()
    assert await run_cli("export", CAMPAIGN_ID, "-o", good, "--data-dir", data_dir) == 0
    capsys.readouterr()
    make, reason = HOSTILE[attack]
    hostile = make(good, tmp_path / "files" / f"{attack}.vttcampaign")

    assert await run_cli("list", "--data-dir", data_dir) == 0
    listed_before = capsys.readouterr().out
    files_before = tree(data_dir)

    assert await run_cli("import", hostile, "--data-dir", data_dir) == 1
    out, err = capsys.readouterr()
    assert out == ""
    [message] = err.splitlines()
    assert message.startswith(f"vtt-host: {hostile.name}: ")
    assert reason in message

    assert await run_cli("list", "--data-dir", data_dir) == 0
    assert capsys.readouterr().out == listed_before
    assert tree(data_dir) == files_before  # no asset, backup or stray file was written
    assert escaped_files(tmp_path) == []


async def test_a_kill_during_backups_exports_imports_and_restores_leaves_no_temp_file(
    tmp_path: Path,
) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    out.mkdir()
    rng = random.Random(11)
    operations_seen: set[str] = set()
    for _ in range(12):
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.durability.files_child", str(data), str(out),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=REPO_ROOT,
        )  # fmt: skip
        assert child.stdout is not None
        first = await asyncio.wait_for(child.stdout.readline(), 30)
        assert first.strip() == b"ready", await child.stderr.read()  # type: ignore[union-attr]
        await asyncio.sleep(rng.uniform(0.0, 0.4))
        child.kill()
        said = (await child.stdout.read()).decode().split()
        operations_seen.update(said)
        await child.wait()
        library = await Library.open(data)  # opening sweeps what the killed process left
        try:
            await library.export(CAMPAIGN_ID, out / "campaign.vttcampaign")
        finally:
            await library.close()
        left = [p.name for p in [*data.rglob(".tmp-*"), *out.rglob(".tmp-*")]]
        assert left == []
        verify_archive(out / "campaign.vttcampaign")
    assert {"backup", "export", "import", "restore"} <= operations_seen
