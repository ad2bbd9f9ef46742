"""The Linux menu entry: packaging/vtt-host.desktop, its icon, and install-desktop.sh
putting both where desktops look (under $XDG_DATA_HOME)."""

from __future__ import annotations

import configparser
import os
import subprocess
import tomllib
from pathlib import Path

import pytest
from PIL import Image

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
INSTALL = PACKAGING / "install-desktop.sh"
GROUP = "Desktop Entry"


def entry() -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(PACKAGING / "vtt-host.desktop", encoding="utf-8")
    assert parser.sections() == [GROUP]
    return dict(parser[GROUP])


def console_scripts() -> set[str]:
    project = tomllib.loads((PACKAGING.parent / "pyproject.toml").read_text())
    return set(project["project"]["scripts"])


def run_install(home: Path, *args: str, data_home: str | None) -> list[Path]:
    env = {key: value for key, value in os.environ.items() if key != "XDG_DATA_HOME"}
    env["HOME"] = str(home)
    if data_home is not None:
        env["XDG_DATA_HOME"] = data_home
    done = subprocess.run(
        ["sh", str(INSTALL), *args], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return [Path(line) for line in done.stdout.splitlines()]


def test_the_entry_opens_the_gm_app_in_a_terminal_from_the_games_menu() -> None:
    keys = entry()
    assert keys["Type"] == "Application"
    assert keys["Name"] == "vtt-host"
    program, *args = keys["Exec"].split()
    assert program in console_scripts()
    assert args == ["run"]
    assert keys["Terminal"] == "true"
    categories = keys["Categories"].split(";")
    assert categories[-1] == ""
    assert "Game" in categories
    assert keys["Icon"] == "vtt-host"


def test_the_icon_is_an_svg_and_a_256_pixel_png() -> None:
    svg = (PACKAGING / "vtt-host.svg").read_text()
    assert svg.startswith("<svg")
    assert 'viewBox="0 0 256 256"' in svg
    with Image.open(PACKAGING / "vtt-host.png") as png:
        assert png.format == "PNG"
        assert png.size == (256, 256)
        alpha = png.convert("RGBA").getchannel("A")
        assert alpha.getpixel((0, 0)) == 0  # transparent outside the rounded square
        assert alpha.getpixel((128, 128)) == 255


@pytest.mark.parametrize("where", ["XDG_DATA_HOME", "default"])
def test_the_script_installs_the_entry_and_the_icon_it_names(tmp_path: Path, where: str) -> None:
    home = tmp_path / "home"
    data = tmp_path / "data" if where == "XDG_DATA_HOME" else home / ".local" / "share"
    installed = run_install(home, data_home=str(data) if where == "XDG_DATA_HOME" else None)
    icon = entry()["Icon"]
    expected = {
        data / "applications" / "vtt-host.desktop": PACKAGING / "vtt-host.desktop",
        data / "icons/hicolor/scalable/apps" / f"{icon}.svg": PACKAGING / "vtt-host.svg",
        data / "icons/hicolor/256x256/apps" / f"{icon}.png": PACKAGING / "vtt-host.png",
    }
    assert set(installed) == set(expected)
    for landed, source in expected.items():
        assert landed.read_bytes() == source.read_bytes()
    if where == "XDG_DATA_HOME":
        assert not (home / ".local").exists()

    run_install(home, "--remove", data_home=str(data) if where == "XDG_DATA_HOME" else None)
    assert not any(path.exists() for path in expected)
