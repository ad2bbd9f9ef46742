"""What ``pipx install vtt-host`` gives a GM: the wheel and sdist ``python -m build``
makes, installed into a fresh venv, serving players from there.

Builds run from a copy of the project's files, so stale ``build/`` output in the checkout
cannot end up in the wheel; pip and build download through pip's own cache.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tarfile
import urllib.request
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vtt_host.client import Client
from vtt_host.demo import DEMO_NAME

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2]
VERSION = "0.1.0"
READY_TIMEOUT_S = 30
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
    ".*_cache", ".hypothesis", "artifacts", "node_modules", "snapshot_report.html",
)  # fmt: skip
PACKAGES = {"vtt_host", "storage", "tui"}


@dataclass
class Dists:
    wheel: Path
    sdist: Path


def build(source: Path, out: Path, *kinds: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", *kinds, "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )


def only(directory: Path, pattern: str) -> Path:
    (found,) = directory.glob(pattern)
    return found


def files_of(wheel: Path) -> dict[str, str]:
    """Each file's name and the hash of its bytes; RECORD is left out (it lists these)."""
    with zipfile.ZipFile(wheel) as archive:
        return {
            name: hashlib.sha256(archive.read(name)).hexdigest()
            for name in archive.namelist()
            if not name.endswith(".dist-info/RECORD")
        }


def sources(package: str, pattern: str) -> set[str]:
    return {
        path.relative_to(PROJECT).as_posix()
        for path in (PROJECT / package).rglob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """The sdist and the wheel, both built straight from the project's files."""
    source = tmp_path_factory.mktemp("source") / "vtt-host"
    shutil.copytree(PROJECT, source, ignore=NOT_SOURCES)
    out = tmp_path_factory.mktemp("dist")
    build(source, out, "--sdist", "--wheel")
    return Dists(wheel=only(out, "vtt_host-*.whl"), sdist=only(out, "vtt_host-*.tar.gz"))


def test_the_wheel_holds_the_web_client_and_the_styles_and_nothing_stray(dists: Dists) -> None:
    assert dists.wheel.name == f"vtt_host-{VERSION}-py3-none-any.whl"
    names = set(files_of(dists.wheel))
    tops = {name.split("/")[0] for name in names}
    assert tops == PACKAGES | {f"vtt_host-{VERSION}.dist-info"}
    web = sources("vtt_host/web", "*")
    assert {"vtt_host/web/index.html", "vtt_host/web/app.js"} <= web
    assert web <= names
    styles = sources("tui", "*.tcss")
    assert styles
    assert styles <= names
    stray = [
        name
        for name in names
        if {"tests", "bench", "__pycache__"} & set(name.split("/")) or name.endswith(".pyc")
    ]
    assert stray == []


def test_the_sdist_builds_the_same_wheel(dists: Dists, tmp_path: Path) -> None:
    with tarfile.open(dists.sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    (unpacked,) = tmp_path.iterdir()
    out = tmp_path / "rebuilt"
    build(unpacked, out, "--wheel")
    rebuilt = only(out, "vtt_host-*.whl")
    assert rebuilt.name == dists.wheel.name
    assert files_of(rebuilt) == files_of(dists.wheel)


@dataclass
class Installed:
    program: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.program), *args], capture_output=True, text=True, timeout=60
        )


@pytest.fixture(scope="module")
def installed(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel in a venv of its own, as pipx makes it (not editable, no project on the path)."""
    home = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(home)
    subprocess.run(
        [str(home / "bin" / "python"), "-m", "pip", "install", "-q", str(dists.wheel)],
        check=True,
        capture_output=True,
        timeout=240,
        cwd=home,
    )
    return Installed(program=home / "bin" / "vtt-host")


def test_the_installed_program_says_its_version(installed: Installed) -> None:
    done = installed.run("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"vtt-host {VERSION}"


def read_ready_line(process: subprocess.Popen[str]) -> dict[str, Any]:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(READY_TIMEOUT_S):
            process.kill()
            raise AssertionError("the host printed no ready line")
    line = process.stdout.readline()
    if not line:
        stderr = process.stderr.read() if process.stderr else ""
        raise AssertionError(f"the host exited before it was ready: {stderr}")
    ready: dict[str, Any] = json.loads(line)
    assert ready["event"] == "ready"
    return ready


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, answer.read()


async def join(ready: dict[str, Any]) -> Client:
    player = await Client.connect(ready["url"], name="Alice", code=ready["joinCode"])
    await player.close()
    return player


def test_the_installed_host_serves_the_web_client_and_a_player_joins(
    installed: Installed, tmp_path: Path
) -> None:
    process = subprocess.Popen(
        [str(installed.program), "--data-dir", str(tmp_path / "data"), "serve",
         "--headless", "--port", "0", "--demo", "--no-announce"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        ready = read_ready_line(process)
        status, page = fetch(ready["http"])
        assert status == 200
        assert page == (PROJECT / "vtt_host/web/index.html").read_bytes()
        status, module = fetch(ready["http"] + "app.js")
        assert status == 200
        assert module == (PROJECT / "vtt_host/web/app.js").read_bytes()
        status, health = fetch(ready["http"] + "healthz")
        assert status == 200
        assert json.loads(health)["ok"] is True
        player = asyncio.run(join(ready))
        assert player.role == "player"
        assert player.campaign == ready["campaign"]
        assert player.view["campaign"]["name"] == DEMO_NAME
        assert "gmNotes" not in player.view["campaign"]
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 0, process.stderr.read() if process.stderr else ""
