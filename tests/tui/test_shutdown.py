"""Quitting, or SIGTERM, stops serving and leaves a final checkpoint and a backup."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.tui.conftest import join, serving_config, until, wait_ready
from tui.app import GmApp
from tui.screens.confirm import ConfirmScreen
from vtt_host.client import Client
from vtt_host.library import Library

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30.0


async def saved_state(data_dir: Path) -> tuple[int, int, list[tuple[str, int]], list[object]]:
    """(version, checkpoint version, backups as (reason, version), connected players)."""
    library = await Library.open(data_dir)
    try:
        (info,) = await library.campaigns()
        backups = [(b.reason, b.version) for b in library.list_backups(info.id)]
        live = await library.open_campaign(info.id)
        connected = list(live.manager.state["currentSession"]["connectedPlayers"])
        return info.version, info.snapshot_version, backups, connected
    finally:
        await library.close()


async def test_quit_closes_the_host_then_checkpoints_and_backs_up(
    tmp_path: Path, clients: list[Client]
) -> None:
    data_dir = tmp_path / "data"
    app = GmApp(serving_config(data_dir, demo=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot)
        alice = await join(app, clients, "Alice", auto_resume=False)
        await pilot.press("5", "right")
        await until(pilot, lambda: app.session.manager.version >= 2, "the move")
        version = app.session.manager.version

        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")  # Alice is connected: the app asks first
        await alice.wait_for(lambda: alice.closed_with is not None)

    assert app.return_code == 0
    final, checkpoint, backups, connected = await saved_state(data_dir)
    # Alice's leave was journaled before the library closed.
    assert final == version + 1
    assert checkpoint == final
    assert ("shutdown", final) in backups
    assert connected == []


def _tmux(socket: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tmux", "-L", socket, *args], capture_output=True, text=True, check=False
    )


def _wait_for_screen(socket: str, text: str) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        screen = _tmux(socket, "capture-pane", "-p", "-t", "gm").stdout
        if text in screen:
            return screen
        assert time.monotonic() < deadline, f"{text!r} never appeared:\n{screen}"
        time.sleep(0.1)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux for a real terminal")
def test_sigterm_shuts_the_real_program_down_cleanly(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    socket = f"vtt-gm-test-{os.getpid()}"
    command = f"exec {sys.executable} -m tui --data-dir {data_dir} --host 127.0.0.1 --port 0 --demo"
    started = _tmux(
        socket, "new-session", "-d", "-s", "gm", "-x", "120", "-y", "40", "-c", str(REPO), command
    )
    assert started.returncode == 0, started.stderr
    try:
        _wait_for_screen(socket, "LAN 127.0.0.1")
        pid = int(_tmux(socket, "display-message", "-p", "-t", "gm", "#{pane_pid}").stdout)
        _tmux(socket, "send-keys", "-t", "gm", "5")
        # A key pressed before the map has its selection would move nothing.
        _wait_for_screen(socket, "Thorin at (3, 10)")
        _tmux(socket, "send-keys", "-t", "gm", "Right")
        _wait_for_screen(socket, "Thorin at (4, 10)")

        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + START_TIMEOUT_S
        while _tmux(socket, "has-session", "-t", "gm").returncode == 0:
            assert time.monotonic() < deadline, "the app did not exit on SIGTERM"
            time.sleep(0.1)
    finally:
        _tmux(socket, "kill-server")

    version, checkpoint, backups, connected = asyncio.run(saved_state(data_dir))
    assert version >= 1
    assert checkpoint == version
    assert ("shutdown", version) in backups
    assert connected == []
    log = data_dir / "gm-app.log"
    assert "ERROR" not in (log.read_text() if log.exists() else "")
