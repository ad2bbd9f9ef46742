from __future__ import annotations

import hashlib
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

from storage import (
    MAX_VERSION,
    ArchiveTooLarge,
    AssetMismatch,
    CampaignFileError,
    ChecksumMismatch,
    InvalidManifest,
    InvalidState,
    InvalidVersion,
    MissingMember,
    MissingMigration,
    NotACampaignFile,
    NotPlainJsonMember,
    SchemaTooNew,
    UnsafeMemberName,
    UnsupportedFormat,
)
from storage.campaign_file import (
    LIMITS,
    CampaignFile,
    read_campaign_file,
    read_manifest,
    verify_archive,
    write_campaign_file,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 100
PNG_NAME = f"{hashlib.sha256(PNG).hexdigest()}.png"
STATE: dict[str, Any] = {"id": "c1", "version": 7, "campaign": {"name": "Keep"}, "n": 1}


def require_name(state: dict[str, Any]) -> dict[str, Any]:
    if "campaign" not in state:
        raise ValueError("campaign is required\n  (line two of a long message)")
    return state


def read(path: Path, schema: int = 3, migrations: Any = None) -> CampaignFile:
    return read_campaign_file(
        path, current_schema_version=schema, migrations=migrations or {}, validate=require_name
    )


def write(path: Path, state: dict[str, Any] = STATE, schema: int = 3) -> Path:
    write_campaign_file(
        path, json.dumps(state).encode(), campaign_id="c1", name="Keep", version=7,
        schema_version=schema, assets={PNG_NAME: PNG},
    )  # fmt: skip
    return path


def raw_zip(
    path: Path,
    members: dict[str, bytes],
    manifest: dict[str, Any] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """A zip with arbitrary names; a manifest listing the members unless one is given."""
    if manifest is None:
        manifest = {
            "format": "vttcampaign", "formatVersion": 1, "schemaVersion": 3,
            "campaignId": "c1", "name": "Keep", "version": 7,
            "exportedAt": "2025-01-01T00:00:00Z",
            "members": {n: hashlib.sha256(d).hexdigest() for n, d in members.items()},
        }  # fmt: skip
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_round_trip_keeps_state_and_assets_identical(tmp_path: Path) -> None:
    result = read(write(tmp_path / "c.vttcampaign"))
    assert result.state == STATE
    assert result.assets == {PNG_NAME: PNG}
    assert result.manifest["campaignId"] == "c1"
    assert result.manifest["exportedAt"].endswith("Z")
    assert read_manifest(tmp_path / "c.vttcampaign")["version"] == 7
    assert not list(tmp_path.glob(".tmp-*"))


def test_older_schema_is_migrated_step_by_step(tmp_path: Path) -> None:
    path = write(tmp_path / "old.vttcampaign", schema=1)

    def step1(s: dict[str, Any]) -> dict[str, Any]:
        return {**s, "steps": [*s.get("steps", []), 1]}

    def step2(s: dict[str, Any]) -> dict[str, Any]:
        return {**s, "steps": [*s["steps"], 2]}

    assert read(path, 3, {1: step1, 2: step2}).state["steps"] == [1, 2]
    with pytest.raises(MissingMigration, match="schema version 2"):
        read(path, 3, {1: step1})


def test_refuses_newer_schema_version(tmp_path: Path) -> None:
    with pytest.raises(SchemaTooNew, match="update vtt-host"):
        read(write(tmp_path / "new.vttcampaign", schema=4), schema=3)


def test_refuses_unknown_format_version(tmp_path: Path) -> None:
    members = {"state.json": json.dumps(STATE).encode()}
    manifest = {"format": "vttcampaign", "formatVersion": 2, "members": {}}
    with pytest.raises(UnsupportedFormat, match="newer vtt-host"):
        read(raw_zip(tmp_path / "f.vttcampaign", members, manifest))
    manifest = {"format": "something-else", "formatVersion": 1}
    with pytest.raises(UnsupportedFormat, match="not a vtt-host campaign file"):
        read(raw_zip(tmp_path / "g.vttcampaign", members, manifest))


def test_refuses_state_that_fails_validation_with_one_line_message(tmp_path: Path) -> None:
    with pytest.raises(InvalidState) as info:
        read(write(tmp_path / "bad.vttcampaign", state={"id": "c1", "version": 7}))
    assert "campaign is required" in str(info.value)
    assert "\n" not in str(info.value)


def test_refuses_state_that_is_not_json(tmp_path: Path) -> None:
    with pytest.raises(InvalidState, match="not valid JSON"):
        read(raw_zip(tmp_path / "s.vttcampaign", {"state.json": b"{nope"}))


def test_refuses_file_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "x.vttcampaign"
    path.write_bytes(b"just some text, not an archive")
    with pytest.raises(NotACampaignFile, match="not a campaign file"):
        read(path)


def test_refuses_truncated_archive(tmp_path: Path) -> None:
    path = write(tmp_path / "t.vttcampaign")
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(NotACampaignFile):
        read(path)


def test_refuses_archive_without_manifest(tmp_path: Path) -> None:
    path = tmp_path / "m.vttcampaign"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("state.json", json.dumps(STATE))
    with pytest.raises(MissingMember, match=r"manifest\.json"):
        read(path)


def test_refuses_archive_without_state(tmp_path: Path) -> None:
    with pytest.raises(MissingMember, match=r"state\.json"):
        read(raw_zip(tmp_path / "m.vttcampaign", {}))


@pytest.mark.parametrize(
    "evil_name",
    [
        "../evil",
        "/abs/path",
        "assets/../../x",
        "assets\\..\\..\\x",
        "C:/windows/x",
        "assets/" + "a" * 64 + ".exe",
        "assets/" + "a" * 63 + ".png",
        "state.json/../state.json",
        "assets/",
    ],
)
def test_zip_slip_member_names_are_refused(tmp_path: Path, evil_name: str) -> None:
    members = {"state.json": json.dumps(STATE).encode(), evil_name: b"payload"}
    with pytest.raises(UnsafeMemberName):
        read(raw_zip(tmp_path / "slip.vttcampaign", members))


def test_zip_bomb_by_declared_size_is_refused_before_decompressing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.vttcampaign"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", "{}")
        with archive.open("state.json", "w", force_zip64=True) as handle:
            zeros = bytes(16 * 1024 * 1024)
            for _ in range(19):  # 304 MiB of zeros, about 300 KiB compressed
                handle.write(zeros)
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(ArchiveTooLarge, match="unpack"):
        read(path)


def test_zip_bomb_by_compression_ratio_is_refused(tmp_path: Path) -> None:
    members = {"state.json": json.dumps({"pad": " " * 3_000_000}).encode()}
    with pytest.raises(ArchiveTooLarge, match="zip bomb"):
        read(raw_zip(tmp_path / "ratio.vttcampaign", members))


def test_member_larger_than_its_header_says_is_not_trusted(tmp_path: Path) -> None:
    """Headers that understate the size: reading stops at the declared size."""
    path = write(tmp_path / "lie.vttcampaign")
    data = bytearray(path.read_bytes())
    state_len = len(json.dumps(STATE).encode())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo("state.json").header_offset
        central = data.find(b"state.json", archive.start_dir) - 46
    for offset in (local + 22, central + 24):  # uncompressed size fields
        assert struct.unpack_from("<I", data, offset)[0] == state_len
        struct.pack_into("<I", data, offset, state_len - 10)
    path.write_bytes(bytes(data))
    with pytest.raises(ChecksumMismatch):
        read(path)


def test_member_with_wrong_checksum_is_refused(tmp_path: Path) -> None:
    members = {"state.json": json.dumps(STATE).encode()}
    manifest_members = {"state.json": "0" * 64}
    manifest = {
        "format": "vttcampaign", "formatVersion": 1, "schemaVersion": 3, "campaignId": "c1",
        "name": "Keep", "version": 7, "exportedAt": "2025-01-01T00:00:00Z",
        "members": manifest_members,
    }  # fmt: skip
    with pytest.raises(ChecksumMismatch, match=r"state\.json"):
        read(raw_zip(tmp_path / "sum.vttcampaign", members, manifest))


def test_asset_whose_content_does_not_match_its_name_is_refused(tmp_path: Path) -> None:
    members = {"state.json": json.dumps(STATE).encode(), "assets/" + "b" * 64 + ".png": PNG}
    with pytest.raises(AssetMismatch):
        read(raw_zip(tmp_path / "asset.vttcampaign", members))


def test_member_missing_from_manifest_is_refused(tmp_path: Path) -> None:
    members = {"state.json": json.dumps(STATE).encode(), "assets/" + PNG_NAME: PNG}
    manifest = {
        "format": "vttcampaign", "formatVersion": 1, "schemaVersion": 3, "campaignId": "c1",
        "name": "Keep", "version": 7, "exportedAt": "2025-01-01T00:00:00Z",
        "members": {"state.json": hashlib.sha256(members["state.json"]).hexdigest()},
    }  # fmt: skip
    with pytest.raises(InvalidManifest, match="not listed"):
        read(raw_zip(tmp_path / "unlisted.vttcampaign", members, manifest))


def test_writer_refuses_asset_named_after_other_content(tmp_path: Path) -> None:
    with pytest.raises(AssetMismatch):
        write_campaign_file(
            tmp_path / "w.vttcampaign", b"{}", campaign_id="c1", name="n", version=1,
            schema_version=1, assets={"c" * 64 + ".png": PNG},
        )  # fmt: skip


# -- what the writer writes, the reader reads back -------------------------------------


def test_a_campaign_that_compresses_extremely_well_is_written_so_it_reads_back(
    tmp_path: Path,
) -> None:
    blank = {**STATE, "proposals": [{"summary": " " * 2000} for _ in range(2000)]}
    written = write(tmp_path / "blank.vttcampaign", blank)
    assert read(written).state == blank


def test_a_campaign_larger_than_a_file_holds_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    huge = {**STATE, "lore": "x" * LIMITS.max_state_bytes}
    with pytest.raises(ArchiveTooLarge, match="campaign document is"):
        write(tmp_path / "huge.vttcampaign", huge)
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temporary one


def test_every_limit_the_reader_applies_is_the_writers(tmp_path: Path) -> None:
    """Just under each limit writes and reads back; just over it is refused on write."""
    state = json.dumps(STATE).encode()
    pad = LIMITS.max_state_bytes - len(state) - len(', "p": ""')
    fits = {**STATE, "p": "y" * pad}
    assert len(json.dumps(fits).encode()) == LIMITS.max_state_bytes
    assert read(write(tmp_path / "fits.vttcampaign", fits)).state == fits
    with pytest.raises(ArchiveTooLarge):
        write(tmp_path / "over.vttcampaign", {**fits, "p": "y" * (pad + 1)})


@pytest.mark.parametrize("flip", [0x01, 0x80, 0xFF])
def test_a_flipped_byte_anywhere_in_a_campaign_file_is_refused_or_harmless(
    tmp_path: Path, flip: int
) -> None:
    """Every byte of a small file, one at a time: refused with our error, or read intact."""
    good = write(tmp_path / "good.vttcampaign").read_bytes()
    path = tmp_path / "flipped.vttcampaign"
    refused = 0
    for offset in range(len(good)):
        damaged = bytearray(good)
        damaged[offset] ^= flip
        path.write_bytes(bytes(damaged))
        try:
            verify_archive(path)
            campaign = read(path)
        except CampaignFileError:
            refused += 1
            continue
        # The zip format has bytes no reader looks at (timestamps, unused header fields):
        # a flip there must leave the content intact.
        assert (campaign.state, campaign.assets) == (STATE, {PNG_NAME: PNG}), offset
    assert refused > len(good) // 2


# --- values a campaign cannot hold ----------------------------------------------------


def state_text(value: str) -> bytes:
    """STATE's JSON with ``value`` (raw JSON text) in place of its "n"."""
    return json.dumps(STATE).replace('"n": 1', f'"n": {value}').encode()


NOT_PLAIN_STATES = {
    "nan": state_text("NaN"),
    "infinity": state_text("-Infinity"),
    "1e400": state_text("1e400"),
    "integer-of-400-digits": state_text("9" * 400),
    "integer-of-ten-million-digits": state_text("1" * 10_000_000),
    "lone-surrogate": state_text('"\\ud800"'),
    "lone-surrogate-in-a-key": state_text('{"\\udc00": 1}'),
    "surrogate-encoded-in-utf8": state_text('"x"').replace(b'"x"', b'"\xed\xbf\xbf"'),
    "duplicate-key": state_text('{"a": 1, "a": 2}'),
    "nested-200-levels": state_text("[" * 200 + "]" * 200),
    "nested-a-million-levels": state_text("[" * 1_000_000 + "]" * 1_000_000),
}


@pytest.mark.parametrize("attack", list(NOT_PLAIN_STATES))
def test_state_that_plain_json_cannot_carry_is_refused_in_one_line(
    tmp_path: Path, attack: str
) -> None:
    validated: list[dict[str, Any]] = []
    members = {"state.json": NOT_PLAIN_STATES[attack]}
    # Stored as they are: what deflates this well is refused as a zip bomb before this.
    path = raw_zip(tmp_path / f"{attack}.vttcampaign", members, compression=zipfile.ZIP_STORED)
    with pytest.raises(NotPlainJsonMember) as refused:
        read_campaign_file(path, current_schema_version=3, migrations={}, validate=validated.append)  # type: ignore[arg-type]
    assert refused.value.member == "state.json"
    message = str(refused.value)
    assert message.startswith(f"{attack}.vttcampaign: state.json holds values")
    assert "\n" not in message
    assert len(message) < 200
    assert validated == []  # refused before the schema ever sees it


def test_manifest_that_plain_json_cannot_carry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.vttcampaign"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", '{"format": "vttcampaign", "version": 1e400}')
        archive.writestr("state.json", json.dumps(STATE))
    with pytest.raises(NotPlainJsonMember, match=r"manifest\.json holds values"):
        read(path)


@pytest.mark.parametrize(
    ("version", "error"),
    [
        (-1, InvalidVersion),
        (2**53, InvalidVersion),
        (2**63 - 1, InvalidVersion),
        (10**30, InvalidVersion),
        (True, InvalidManifest),
        (7.0, InvalidManifest),
        ("7", InvalidManifest),
    ],
    ids=["negative", "past-2**53", "sqlite-max", "10**30", "true", "float", "text"],
)
def test_absurd_versions_are_refused(
    tmp_path: Path, version: object, error: type[CampaignFileError]
) -> None:
    """SQLite stores 64 bits and must still take version + 1; browsers hold versions in
    doubles. A version outside 0..2**53 - 1 would make the campaign unsaveable or its
    clients lose count."""
    state = json.dumps({**STATE, "version": version}).encode()
    members = {"state.json": state}
    manifest = {
        "format": "vttcampaign", "formatVersion": 1, "schemaVersion": 3, "campaignId": "c1",
        "name": "Keep", "version": version, "exportedAt": "2025-01-01T00:00:00Z",
        "members": {"state.json": hashlib.sha256(state).hexdigest()},
    }  # fmt: skip
    with pytest.raises(error) as refused:
        read(raw_zip(tmp_path / "v.vttcampaign", members, manifest))
    assert "version" in str(refused.value)


@pytest.mark.parametrize("state_version", [8, 6, None, True, 7.0], ids=str)
def test_state_whose_version_is_not_the_manifests_is_refused(
    tmp_path: Path, state_version: object
) -> None:
    state = {**STATE, "version": state_version}
    with pytest.raises(InvalidVersion, match=r"manifest\.json says 7"):
        read(write(tmp_path / "mismatch.vttcampaign", state))


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("formatVersion", True, UnsupportedFormat),
        ("formatVersion", 10**30, UnsupportedFormat),
        ("schemaVersion", True, InvalidManifest),
        ("schemaVersion", 0, InvalidManifest),
        ("schemaVersion", 10**30, InvalidManifest),
    ],
    ids=["format-true", "format-10**30", "schema-true", "schema-0", "schema-10**30"],
)
def test_absurd_format_and_schema_versions_are_refused(
    tmp_path: Path, field: str, value: object, error: type[CampaignFileError]
) -> None:
    members = {"state.json": json.dumps(STATE).encode()}
    manifest = {
        "format": "vttcampaign", "formatVersion": 1, "schemaVersion": 3, "campaignId": "c1",
        "name": "Keep", "version": 7, "exportedAt": "2025-01-01T00:00:00Z",
        "members": {"state.json": hashlib.sha256(members["state.json"]).hexdigest()},
        field: value,
    }  # fmt: skip
    with pytest.raises(error):
        read(raw_zip(tmp_path / "f.vttcampaign", members, manifest))


def test_a_campaign_at_the_largest_version_is_read(tmp_path: Path) -> None:
    state = {**STATE, "version": MAX_VERSION}
    path = tmp_path / "last.vttcampaign"
    write_campaign_file(
        path, json.dumps(state).encode(), campaign_id="c1", name="Keep", version=MAX_VERSION,
        schema_version=3, assets={},
    )  # fmt: skip
    assert read(path).state["version"] == MAX_VERSION == 2**53 - 1
