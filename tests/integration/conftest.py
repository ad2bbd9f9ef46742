"""``vtt-host serve --headless`` as a real subprocess on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

READY_TIMEOUT_S = 30


@dataclass
class Served:
    process: subprocess.Popen[str]
    ready: dict[str, Any]

    def stop(self) -> int:
        """SIGTERM, as a service manager would; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_host(data_dir: Path, *args: str, port: int = 0) -> Served:
    command = [
        sys.executable, "-m", "vtt_host.cli", "serve", "--headless",
        "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port), "--no-announce",
        *args,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    line = _read_line(process)
    ready = json.loads(line)
    assert ready["event"] == "ready"
    return Served(process, ready)


def _read_line(process: subprocess.Popen[str]) -> str:
    import selectors

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
    return line


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    host = start_host(tmp_path / "data", "--demo")
    yield host
    assert host.stop() == 0
