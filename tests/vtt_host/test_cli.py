"""The command line as a script or a test uses it: exit codes, stdout, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vtt_host.cli import main
from vtt_host.schema import json_schema

SCHEMA_FILE = Path(__file__).parents[2] / "docs" / "campaign-state.schema.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_schema_command_prints_the_published_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    assert json.loads(out) == json_schema()


def test_committed_schema_matches_the_code() -> None:
    """docs/campaign-state.schema.json is what other tools read: keep it in sync.

    Regenerate with: vtt-host schema > docs/campaign-state.schema.json
    """
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema()


def test_new_then_list_shows_the_campaign_id_first(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "new", "Curse of the Crossroads", "--data-dir", str(tmp_path))
    assert code == 0
    campaign_id = out.strip()
    code, out, _ = run(capsys, "list", "--data-dir", str(tmp_path))
    assert code == 0
    first = out.splitlines()[0].split("\t")
    assert first[:2] == [campaign_id, "Curse of the Crossroads"]


def test_data_dir_before_the_command_is_honoured(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "--data-dir", str(tmp_path), "new", "Early option")
    _, out, _ = run(capsys, "list", "--data-dir", str(tmp_path))
    assert "Early option" in out


def test_export_of_an_unknown_campaign_fails_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys, "export", "nope", "-o", str(tmp_path / "x.vttcampaign"), "--data-dir", str(tmp_path)
    )
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "no campaign 'nope'" in err
    assert "Traceback" not in err


def test_export_import_round_trip_prints_the_new_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source, target = tmp_path / "a", tmp_path / "b"
    _, out, _ = run(capsys, "new", "Demo", "--demo", "--data-dir", str(source))
    campaign_id = out.strip()
    file = tmp_path / "demo.vttcampaign"
    assert run(capsys, "export", campaign_id, "-o", str(file), "--data-dir", str(source))[0] == 0
    code, out, _ = run(capsys, "import", str(file), "--data-dir", str(target))
    assert code == 0
    assert out.strip() == campaign_id  # a fresh data dir keeps the id


def test_import_of_a_file_that_is_not_a_campaign_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bogus = tmp_path / "notes.vttcampaign"
    bogus.write_text("just some notes")
    code, _, err = run(capsys, "import", str(bogus), "--data-dir", str(tmp_path))
    assert code == 1
    assert "not a campaign file" in err
    assert run(capsys, "list", "--data-dir", str(tmp_path))[1] == ""


def test_help_explains_how_to_start(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "run --demo" in out
    for command in ("serve", "export", "import", "import-legacy", "backups", "restore"):
        assert command in out
