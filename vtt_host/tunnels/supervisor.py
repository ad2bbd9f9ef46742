"""Run a tunnel tool, read its public URL, keep it running, stop it with the host.

The tool runs in a session (process group) of its own, so the terminal's Ctrl-C goes
to the host alone and ``close`` can end the tool together with anything it started
(ssh's ProxyCommand, say). Its stdout and stderr are read to the end at all times: a
tool blocked on a full pipe would look alive and relay nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from vtt_host.tunnels.providers import Provider, UrlReader, provider_for
from vtt_host.tunnels.spec import TunnelError, TunnelSpec

logger = logging.getLogger(__name__)

OnChange = Callable[[str | None], None]

FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0
STABLE_AFTER_S = 60.0
"""A tool that stayed up this long starts over at the first delay when it dies."""
KILL_AFTER_S = 3.0
DRAIN_AFTER_EXIT_S = 1.0
"""How long to read what is left in the pipes after the tool exited (a child of its
may hold them open)."""
KEPT_LINES = 20
MAX_LINE_CHARS = 8192
CHUNK_BYTES = 65536


async def output_lines(stream: asyncio.StreamReader) -> AsyncIterator[str]:
    """The stream's lines until EOF, each cut to ``MAX_LINE_CHARS`` (never stuck on one
    that is too long, as ``readline`` would be)."""
    pending = b""
    while chunk := await stream.read(CHUNK_BYTES):
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for raw in complete:
            yield raw[:MAX_LINE_CHARS].decode("utf-8", "replace").rstrip("\r")
        if len(pending) > MAX_LINE_CHARS:
            yield pending[:MAX_LINE_CHARS].decode("utf-8", "replace")
            pending = b""
    if pending:
        yield pending[:MAX_LINE_CHARS].decode("utf-8", "replace").rstrip("\r")


class Backoff:
    """The waits before restarts: 1 s, 2 s, 4 s, ... at most 30 s; back to 1 s for a
    tool that had stayed up ``STABLE_AFTER_S`` before it died."""

    def __init__(self) -> None:
        self.delay_s = FIRST_DELAY_S

    def died_after(self, up_s: float) -> float:
        """The wait before the first restart of a tool that was up ``up_s``."""
        if up_s >= STABLE_AFTER_S:
            self.delay_s = FIRST_DELAY_S
        return self.delay_s

    def waited(self) -> float:
        """After a wait: the one before the next try, should this one fail too."""
        self.delay_s = min(self.delay_s * 2, MAX_DELAY_S)
        return self.delay_s


def exit_text(code: int | None) -> str:
    if code is None:
        return "still running"
    return f"killed by signal {-code}" if code < 0 else f"exit {code}"


def kill_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


class ToolRun:
    """One run of the tool: its process, its output, and its URL once announced."""

    def __init__(self, tool: str, process: asyncio.subprocess.Process, reader: UrlReader) -> None:
        self.tool = tool
        self.process = process
        self.lines: deque[str] = deque(maxlen=KEPT_LINES)
        self.url: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._reader = reader
        streams = [s for s in (process.stdout, process.stderr) if s is not None]
        self._drains = [
            asyncio.create_task(self._drain(stream), name=f"{tool} output") for stream in streams
        ]

    @property
    def pid(self) -> int:
        return self.process.pid

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        async for line in output_lines(stream):
            self.lines.append(line)
            logger.debug("%s: %s", self.tool, line)
            url = self._reader.feed(line)
            if url is not None and not self.url.done():
                self.url.set_result(url)

    async def wait_url(self, timeout_s: float) -> str:
        """The public URL; TunnelError (with the last lines) if the tool exits first or
        says nothing of it in time. The caller stops the run on an error."""
        exited = asyncio.ensure_future(self.process.wait())
        either: list[asyncio.Future[Any]] = [self.url, exited]
        try:
            await asyncio.wait(either, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            exited.cancel()
        if self.url.done():
            return self.url.result()
        if self.process.returncode is not None:
            await self.finish_reading()
            what = f"{self.tool} stopped ({exit_text(self.process.returncode)})"
        else:
            what = f"{self.tool} printed no public URL within {timeout_s:g} s"
        raise TunnelError(f"{what} before the tunnel was up{self.last_lines()}")

    def last_lines(self) -> str:
        shown = [line for line in self.lines if line.strip()][-10:]
        if not shown:
            return "; it printed nothing"
        return "; its last lines:\n" + "\n".join(f"  {line}" for line in shown)

    async def finish_reading(self) -> None:
        """Read what the tool wrote before it exited (bounded: see DRAIN_AFTER_EXIT_S)."""
        await asyncio.wait(self._drains, timeout=DRAIN_AFTER_EXIT_S)

    async def stop(self) -> None:
        """SIGTERM to the tool's group, SIGKILL after ``KILL_AFTER_S``; reaps it."""
        if self.process.returncode is None:
            kill_group(self.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.shield(self.process.wait()), KILL_AFTER_S)
            except TimeoutError:
                logger.warning("%s did not stop on SIGTERM; killing it", self.tool)
                kill_group(self.pid, signal.SIGKILL)
                await self.process.wait()
        # Anything the tool started and left behind in its group goes too.
        kill_group(self.pid, signal.SIGKILL)
        await self.finish_reading()
        for drain in self._drains:
            drain.cancel()


class Tunnel:
    """A running tunnel tool that makes this host reachable at ``public_url``.

    ``on_change`` hears every change after ``start``: None when the tool died (the
    join link does not work until it is back), the new URL once it is back (a quick
    cloudflared tunnel gets a new name on every start).
    """

    def __init__(
        self,
        spec: TunnelSpec,
        provider: Provider,
        executable: str,
        *,
        local_port: int,
        on_change: OnChange | None,
        ready_timeout_s: float,
    ) -> None:
        self.spec = spec
        self.public_url: str | None = None
        """The public base URL (ending in ``/``); None while the tool restarts."""
        self.status = f"{provider.tool}: starting"
        """One line for the GM on how the tunnel is doing."""
        self.restarts = 0
        """How many times the tool was started again after it died."""
        self._provider = provider
        self._executable = executable
        self._local_port = local_port
        self._on_change = on_change
        self._ready_timeout_s = ready_timeout_s
        self._run: ToolRun | None = None
        self._up_since = 0.0
        self._supervisor: asyncio.Task[None] | None = None
        self._closed: asyncio.Future[None] | None = None

    @classmethod
    async def start(
        cls,
        spec: TunnelSpec,
        *,
        local_port: int,
        on_change: OnChange | None = None,
        ready_timeout_s: float = 30.0,
    ) -> Tunnel:
        """Start the tool and return once its public URL is known (TunnelError if the
        tool is missing, exits first or says nothing in ``ready_timeout_s``)."""
        provider = provider_for(spec)
        executable = shutil.which(provider.tool)
        if executable is None:
            raise TunnelError(provider.missing())
        tunnel = cls(
            spec,
            provider,
            executable,
            local_port=local_port,
            on_change=on_change,
            ready_timeout_s=ready_timeout_s,
        )
        tunnel._up(await tunnel._launch(), announce=False)
        tunnel._supervisor = asyncio.create_task(tunnel._supervise(), name=f"{spec.kind} tunnel")
        return tunnel

    @property
    def pid(self) -> int | None:
        """The tool's process id while one runs (for the GM's details, and tests)."""
        run = self._run
        return run.pid if run is not None and run.process.returncode is None else None

    async def _launch(self) -> str:
        argv = self._provider.command(self._executable, self._local_port)
        logger.info("starting %s", " ".join(argv))
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as error:
            raise TunnelError(f"{self._provider.tool} could not be started: {error}") from None
        run = ToolRun(self._provider.tool, process, self._provider.reader(self._local_port))
        self._run = run
        try:
            return await run.wait_url(self._ready_timeout_s)
        except TunnelError as error:
            await run.stop()
            known = self._provider.explain(list(run.lines))
            raise TunnelError(known) if known else error from None
        except BaseException:
            await run.stop()
            raise

    def _up(self, url: str, *, announce: bool = True) -> None:
        self.public_url = url
        self._up_since = time.monotonic()
        self.status = f"{self._provider.tool}: {url} (up)"
        logger.info("tunnel up: %s", url)
        if announce:
            self._announce(url)

    def _down(self, status: str) -> None:
        self.public_url = None
        self.status = status
        logger.warning("%s", status)
        self._announce(None)

    def _announce(self, url: str | None) -> None:
        if self._on_change is None:
            return
        try:
            self._on_change(url)
        except Exception:
            # The listener's bug must not stop the tunnel from coming back.
            logger.exception("the tunnel's on_change failed")

    async def _supervise(self) -> None:
        backoff = Backoff()
        tool = self._provider.tool
        while True:
            run = self._run
            assert run is not None
            code = await run.process.wait()
            await run.stop()
            delay = backoff.died_after(time.monotonic() - self._up_since)
            self._down(f"{tool} died ({exit_text(code)}); restarting in {delay:g} s")
            while True:
                await asyncio.sleep(delay)
                delay = backoff.waited()
                self.restarts += 1
                try:
                    url = await self._launch()
                except TunnelError as error:
                    reason = str(error).split(";", 1)[0]
                    self.status = f"{reason}; retrying in {delay:g} s"
                    logger.warning("%s", error)
                    continue
                self._up(url)
                break

    async def close(self) -> None:
        """Stop the tool (SIGTERM, SIGKILL after 3 s); safe to call more than once."""
        if self._closed is None:
            self._closed = asyncio.get_running_loop().create_future()
            try:
                if self._supervisor is not None:
                    self._supervisor.cancel()
                    await asyncio.wait([self._supervisor])
                if self._run is not None:
                    await self._run.stop()
            finally:
                self.public_url = None
                self.status = f"{self._provider.tool}: stopped"
                self._closed.set_result(None)
        await asyncio.shield(self._closed)
