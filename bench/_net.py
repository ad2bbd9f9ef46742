"""Helpers for the network benchmark: hosts in child processes, and a cheap raw client.

``HostProcess`` starts a host as a child process, reads its one-line JSON ``ready``
event and reports the CPU time the child used (from ``/proc``), so the benchmark's own
clients do not count against the host.

``python -m bench._net --data-dir DIR`` serves every campaign of DIR on one port, the
way ``vtt-host serve`` serves one (Library, Host with the protocol's limits, the
library's assets), and prints ``{"event": "ready", "url": ..., "campaigns": {id:
{"joinCode": ..., "gmToken": ...}}}``. SIGTERM closes the host, then the library.

``RawClient`` speaks just enough of the protocol for the fan-out: hello, welcome, send
actions, time their acks. It offers permessage-deflate like a browser does, counts
patches without parsing them and parses only acks, so 600 of them stay cheap.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from vtt_host.serving import tune_interpreter

PROTOCOL_VERSION = 1
READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 120.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


class HostProcess:
    """A host started as ``python -m <module> <args>``; use ``await HostProcess.start``."""

    def __init__(self, process: asyncio.subprocess.Process, ready: dict[str, Any]) -> None:
        self.process = process
        self.ready = ready

    @classmethod
    async def start(cls, module: str, *args: str, log: Path) -> HostProcess:
        with log.open("ab") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                module,
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
            )
        assert process.stdout is not None
        try:
            async with asyncio.timeout(READY_TIMEOUT_S):
                while True:
                    line = await process.stdout.readline()
                    if not line:
                        raise RuntimeError(f"{module} exited before it was ready; see {log}")
                    with contextlib.suppress(ValueError):
                        event = json.loads(line)
                        if isinstance(event, dict) and event.get("event") == "ready":
                            return cls(process, event)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise

    @property
    def url(self) -> str:
        return str(self.ready["url"])

    def cpu_s(self) -> float:
        return process_cpu_s(self.process.pid)

    async def ack_histogram(self) -> dict[float, int]:
        """The host's own ``vtt_ack_latency_seconds`` buckets (cumulative counts)."""
        url = self.url.replace("ws://", "http://", 1).removesuffix("/ws") + "/metrics"

        def fetch() -> str:
            with urllib.request.urlopen(url, timeout=10) as response:
                return str(response.read().decode())

        buckets: dict[float, int] = {}
        for line in (await asyncio.to_thread(fetch)).splitlines():
            if line.startswith('vtt_ack_latency_seconds_bucket{le="'):
                bound = line.split('"')[1]
                buckets[float(bound)] = int(float(line.rsplit(" ", 1)[1]))
        return buckets

    async def stop(self) -> None:
        """SIGTERM (the host closes cleanly: checkpoint and backup), then wait."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def histogram_percentile(before: dict[float, int], after: dict[float, int], pct: float) -> float:
    """The bucket bound under which ``pct`` % of the observations between two reads fall."""
    bounds = sorted(after)
    total = after[bounds[-1]] - before.get(bounds[-1], 0)
    for bound in bounds:
        if after[bound] - before.get(bound, 0) >= pct / 100 * total:
            return bound
    return float("inf")


class RawClient:
    """One connection: acks are timed by frame id, patches only counted."""

    def __init__(self, ws: ClientConnection, welcome: dict[str, Any]) -> None:
        self.ws = ws
        self.welcome = welcome
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.patches = 0
        self._sent: dict[str, float] = {}
        self._ids = 0
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, url: str, **credential: str) -> RawClient:
        ws = await connect(url, open_timeout=60, ping_interval=None, max_size=None)
        await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL_VERSION, **credential}))
        welcome = json.loads(await ws.recv())
        if welcome.get("type") != "welcome":
            await ws.close()
            raise RuntimeError(f"expected a welcome, got {welcome}")
        return cls(ws, welcome)

    async def act(self, action: dict[str, Any]) -> None:
        self._ids += 1
        frame_id = str(self._ids)
        text = json.dumps({"type": "action", "id": frame_id, "action": action})
        self._sent[frame_id] = time.perf_counter()
        try:
            await self.ws.send(text)
        except ConnectionClosed:
            self._sent.pop(frame_id, None)
            self.errors.append("closed before sending")

    @property
    def unanswered(self) -> int:
        return len(self._sent)

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                now = time.perf_counter()
                assert isinstance(message, str)
                if message.startswith('{"type":"patch"'):
                    self.patches += 1
                    continue
                frame = json.loads(message)
                sent = self._sent.pop(str(frame.get("id")), None)
                if frame.get("type") == "ack" and frame.get("status") == "applied":
                    if sent is not None:
                        self.latencies.append(now - sent)
                elif frame.get("type") != "decided":
                    self.errors.append(f"{frame.get('type')}: {frame.get('error')}")
        except ConnectionClosed as closed:
            self.errors.append(f"connection closed: {closed}")

    async def close(self) -> None:
        await self.ws.close()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


# -- the many-campaign host (child process) -------------------------------------------


async def _serve_all(data_dir: Path) -> None:
    from vtt_host.library import Library
    from vtt_host.server import Host

    library = await Library.open(data_dir)
    try:
        host = Host(host="127.0.0.1", port=0, assets=library.assets)
        campaigns: dict[str, dict[str, str]] = {}
        for info in await library.campaigns():
            await host.add_campaign(await library.open_campaign(info.id))
            campaigns[info.id] = {
                "joinCode": host.join_code(info.id),
                "gmToken": host.gm_token(info.id),
            }
        await host.start()
        ready = {"event": "ready", "url": host.local_url, "campaigns": campaigns}
        print(json.dumps(ready), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        await host.close()
    finally:
        await library.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="serve every campaign of a data dir")
    parser.add_argument("--data-dir", type=Path, required=True)
    tune_interpreter()
    asyncio.run(_serve_all(parser.parse_args().data_dir))


if __name__ == "__main__":
    main()
