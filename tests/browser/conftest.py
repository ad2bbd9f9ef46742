"""A real host in a subprocess and the system Chromium, driven by Playwright.

The host is started as ``vtt-host serve --headless --demo --data-dir DIR --port 0`` and
its one JSON "ready" line is read from stdout (docs/protocol.md "Headless start").
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
READY_TIMEOUT_S = 60.0


def _vtt_host_command() -> list[str]:
    beside_python = Path(sys.executable).with_name("vtt-host")
    if beside_python.exists():
        return [str(beside_python)]
    found = shutil.which("vtt-host")
    return [found] if found else [sys.executable, "-m", "vtt_host.cli"]


class Server:
    """One host process and what its ready line said."""

    def __init__(
        self, process: subprocess.Popen[str], ready: dict[str, Any], data_dir: Path
    ) -> None:
        self.process = process
        self.data_dir = data_dir
        self.ready = ready
        self.http: str = ready["http"]
        self.url: str = ready["url"]
        self.join_code: str = ready["joinCode"]
        self.gm_token: str = ready["gmToken"]
        self.campaign: str = ready["campaign"]
        self.stderr_lines: list[str] = []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _read_ready(process: subprocess.Popen[str]) -> dict[str, Any] | None:
    """The ready event, or None if the process ended without printing one."""
    result: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip().startswith("{"):
                result.append(line)
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(READY_TIMEOUT_S)
    if not result:
        return None
    ready = json.loads(result[0])
    assert ready.get("event") == "ready", ready
    return dict(ready)


def start_server(data_dir: Path, *extra: str, port: int = 0) -> Server:
    args = ["serve", "--headless", "--no-announce", "--data-dir", str(data_dir)]
    args += ["--port", str(port), *extra]
    # The installed script imports the package it was installed from; PYTHONPATH makes
    # it run the code of the checkout under test.
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": path}
    argv = [*_vtt_host_command(), *args]
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    ready = _read_ready(process)
    if ready is None:
        process.kill()
        _, err = process.communicate()
        raise RuntimeError(f"{' '.join(argv)} did not get ready: {err.strip()[-2000:]}")
    server = Server(process, ready, data_dir)
    _drain(process, server.stderr_lines)
    return server


def _drain(process: subprocess.Popen[str], sink: list[str]) -> None:
    """Keep reading the host's stderr so a chatty log never blocks it."""

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            sink.append(line)
            del sink[:-200]

    threading.Thread(target=read, daemon=True).start()


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[Server]:
    """The demo campaign, served for the whole session."""
    host = start_server(tmp_path_factory.mktemp("vtt-data"), "--demo")
    yield host
    host.stop()


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[Server]:
    """A demo campaign of the module's own, for tests that change what the demo shows."""
    host = start_server(tmp_path_factory.mktemp("vtt-table"), "--demo")
    yield host
    host.stop()


@pytest.fixture
async def gm(table: Server) -> AsyncIterator[Any]:
    """The GM of ``table`` on the Python client."""
    from vtt_host.client import Client

    async with Client.connect(table.url, gm_token=table.gm_token) as client:
        yield client


@pytest.fixture(scope="session")
def large_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[Server]:
    """bench/campaign.py's ~5 MB campaign, imported into a fresh data dir."""
    sys.path.insert(0, str(ROOT))
    from bench.campaign import large_campaign
    from vtt_host.library import Library

    data_dir = tmp_path_factory.mktemp("vtt-large")

    async def load() -> str:
        library = await Library.open(data_dir)
        try:
            return (await library.add_state(large_campaign())).campaign_id
        finally:
            await library.close()

    campaign_id = asyncio.run(load())
    host = start_server(data_dir, "--campaign", campaign_id)
    yield host
    host.stop()


@pytest.fixture
async def browser(chromium_path: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
