"""One host per data folder: a second host, or a CLI command that would write under a
running host's feet, is refused at once and told who holds the folder, and the running
host keeps taking changes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from storage import DataFolderInUse
from tests.integration.conftest import Served, start_host
from vtt_host.client import Client
from vtt_host.library import Library


def vtt_host(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vtt_host.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def still_takes_changes(ready: dict[str, object]) -> None:
    async with Client.connect(str(ready["url"]), gm_token=str(ready["gmToken"])) as gm:
        ack = await gm.chat("still here")
        assert ack["status"] == "applied"


async def test_import_replace_while_the_host_serves_is_refused_naming_the_host(
    tmp_path: Path,
) -> None:
    data, exported = tmp_path / "data", tmp_path / "copy.vttcampaign"
    made = vtt_host("new", "Lair", "--demo", "--data-dir", data)
    assert (
        vtt_host("export", made.stdout.strip(), "-o", exported, "--data-dir", data).returncode == 0
    )
    host = start_host(data, "--campaign", "Lair")
    try:
        done = await asyncio.to_thread(
            vtt_host, "import", exported, "--replace", "--data-dir", data
        )
        assert done.returncode == 1
        assert "is in use by vtt-host serve" in done.stderr
        assert f"process {host.process.pid}" in done.stderr
        assert "Traceback" not in done.stderr
        await still_takes_changes(host.ready)
    finally:
        assert host.stop() == 0


async def test_restore_while_the_host_serves_is_refused(tmp_path: Path, served: Served) -> None:
    done = await asyncio.to_thread(
        vtt_host, "restore", str(served.ready["campaign"]), "--data-dir", tmp_path / "data"
    )
    assert done.returncode == 1
    assert "is in use by vtt-host serve" in done.stderr
    await still_takes_changes(served.ready)


async def test_a_second_host_on_the_same_folder_is_refused(tmp_path: Path, served: Served) -> None:
    with pytest.raises(AssertionError, match="in use by vtt-host serve"):
        start_host(tmp_path / "data")
    await still_takes_changes(served.ready)


async def test_the_folder_is_free_again_once_its_host_is_killed(tmp_path: Path) -> None:
    host = start_host(tmp_path / "data", "--demo")
    os.kill(host.process.pid, signal.SIGKILL)
    host.process.wait(timeout=30)
    library = await Library.open(tmp_path / "data")
    await library.close()


async def test_two_libraries_in_one_process_cannot_share_a_folder(tmp_path: Path) -> None:
    first = await Library.open(tmp_path, purpose="the GM app")
    try:
        with pytest.raises(DataFolderInUse, match=rf"the GM app \(process {os.getpid()} "):
            await Library.open(tmp_path)
    finally:
        await first.close()
    second = await Library.open(tmp_path)  # released on close
    await second.close()
