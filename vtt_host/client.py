"""A Python client for protocol v1 (docs/protocol.md), for tests, bots and benchmarks.

``async with Client.connect(url, name="Alice", code="...") as client`` opens a
connection, waits for the ``welcome`` and keeps ``client.view`` equal to the host's view
for this client by applying every ``patch``. ``await client.act(action)`` returns the
action's ``ack``. A dropped connection, or a gap in the versions, is repaired by
reconnecting with ``resume`` and ``since``; requests that were waiting for an answer
then fail with ConnectionLost, because the host may or may not have applied them.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import logging
from collections import deque
from collections.abc import Callable, Generator
from types import TracebackType
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from vtt_host.errors import VttError
from vtt_host.patching import apply_patch

logger = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
MAX_FRAME_BYTES = 256 * 1024 * 1024
"""The host's frames may be as large as a full view: accept generously."""
FINAL_CLOSE_CODES = frozenset({4001, 4002, 4003, 4004})
"""Refusals and kicks: resuming would be refused again."""
RESUME_DELAYS_S = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
RESUME_ATTEMPTS = 30
KEPT_FRAMES = 1000
WELCOME_TIMEOUT_S = 60.0
"""How long a hello may wait for its welcome: past the failed-attempt limits the host
checks a join code only at its turn (docs/protocol.md "Failed attempts": up to 10 s
each, one at a time)."""
Frame = dict[str, Any]


def parse_large(text: str | bytes) -> Any:
    """``json.loads`` for a welcome, with the cyclic garbage collector paused.

    A 5 MB view is ~150,000 new containers and no cycles; collections triggered in
    the middle of the parse would walk the growing tree again and again (up to half
    the parse time, measured).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return json.loads(text)
    finally:
        if was_enabled:
            gc.enable()


class ClientError(VttError):
    """Base class of the client's errors."""


class ConnectionRefused(ClientError):
    """The host closed the connection with a refusal code (4001, 4003, ...)."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"connection refused ({code}): {reason}")
        self.code = code
        self.reason = reason


class ConnectionLost(ClientError):
    """The connection dropped while a request waited for its answer."""


class Client:
    """One connection to a host, resumed automatically. Use ``Client.connect``."""

    def __init__(
        self,
        url: str,
        *,
        name: str | None = None,
        code: str | None = None,
        gm_token: str | None = None,
        campaign: str | None = None,
        recovery: str | None = None,
        auto_resume: bool = True,
        open_timeout_s: float = 10.0,
        welcome_timeout_s: float = WELCOME_TIMEOUT_S,
        claim_timeout_s: float = 180.0,
    ) -> None:
        self.url = url
        self._credential: Frame = {"protocol": PROTOCOL_VERSION}
        if code is not None:
            self._credential.update(name=name, code=code)
        if recovery is not None:
            self._credential["recovery"] = recovery
        if gm_token is not None:
            self._credential["gmToken"] = gm_token
        if campaign is not None:
            self._credential["campaign"] = campaign
        self.auto_resume = auto_resume
        self.open_timeout_s = open_timeout_s
        self.welcome_timeout_s = welcome_timeout_s
        self.claim_timeout_s = claim_timeout_s
        """How long to wait for the GM after ``claim_pending`` (the host decides sooner)."""
        self.claim_pending = False
        """The host asked the GM whether this is the player named (a known name)."""
        self.welcome: Frame = {}
        self.view: Frame = {}
        self.version = -1
        self.session: str | None = None
        self.frames: deque[Frame] = deque(maxlen=KEPT_FRAMES)
        """The latest frames other than patches (decided, error, ...), oldest first."""
        self.patches_received = 0
        self.resumes = 0
        self.closed_with: tuple[int | None, str] | None = None
        self.on_frame: list[Callable[[Frame], None]] = []
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._waiting: dict[str, asyncio.Future[Frame]] = {}
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self._closing = False

    @classmethod
    def connect(cls, url: str, **options: Any) -> _Connect:
        """``await Client.connect(...)`` or ``async with Client.connect(...) as c``."""
        return _Connect(cls(url, **options))

    # -- what the host said ----------------------------------------------------------

    @property
    def player_id(self) -> str:
        return str(self.welcome["playerId"])

    @property
    def role(self) -> str:
        return str(self.welcome["role"])

    @property
    def campaign(self) -> str:
        return str(self.welcome["campaign"])

    @property
    def recovery_code(self) -> str | None:
        """Given once, in the welcome of a player's first registration."""
        code = self.welcome.get("recoveryCode")
        return None if code is None else str(code)

    @property
    def ws(self) -> ClientConnection:
        if self._ws is None:
            raise ClientError("not connected")
        return self._ws

    # -- life cycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Connect and wait for the welcome; ConnectionRefused if the host says no."""
        await self._open(dict(self._credential, type="hello"))
        self._reader = asyncio.create_task(self._read_loop(), name="vtt client")

    async def _open(self, hello: Frame) -> None:
        ws = await connect(self.url, max_size=MAX_FRAME_BYTES, open_timeout=self.open_timeout_s)
        try:
            await ws.send(json.dumps(hello))
            async with asyncio.timeout(self.welcome_timeout_s):
                welcome = parse_large(await ws.recv())
            if welcome.get("type") == "claim_pending":
                self.claim_pending = True
                await self._notify()
                async with asyncio.timeout(self.claim_timeout_s):
                    welcome = parse_large(await ws.recv())
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
            reason = closed.rcvd.reason if closed.rcvd else "connection closed"
            raise ConnectionRefused(code, reason) from None
        except BaseException:
            await ws.close()
            raise
        if welcome.get("type") != "welcome":
            await ws.close()
            raise ClientError(f"expected a welcome, got {welcome.get('type')!r}")
        self._ws = ws
        self.welcome = welcome
        self.session = welcome["session"]
        if welcome["state"] is not None:
            self.view = welcome["state"]
        self.version = int(welcome["version"])
        self.view["version"] = self.version

    async def close(self) -> None:
        """Close the connection and stop resuming (idempotent)."""
        self._closing = True
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self._fail_waiting(ConnectionLost("the client was closed"))

    async def _read_loop(self) -> None:
        while True:
            gap = await self._pump()
            if self._closing:
                return
            self._fail_waiting(ConnectionLost("the connection dropped"))
            code = self.closed_with[0] if self.closed_with else None
            final = not self.auto_resume or code in FINAL_CLOSE_CODES
            if (final and not gap) or not await self._resume():
                await self._notify()
                return

    async def _pump(self) -> bool:
        """Handle frames until the connection closes (False) or a gap shows (True)."""
        try:
            async for message in self.ws:
                if not await self._receive(json.loads(message)):
                    return True
            self.closed_with = (self.ws.close_code, self.ws.close_reason or "")
        except ConnectionClosed as error:
            rcvd = error.rcvd
            self.closed_with = (rcvd.code, rcvd.reason) if rcvd else (None, "dropped")
        return False

    async def _resume(self) -> bool:
        with contextlib.suppress(Exception):
            await self.ws.close()
        for attempt in range(RESUME_ATTEMPTS):
            delay = RESUME_DELAYS_S[min(attempt, len(RESUME_DELAYS_S) - 1)]
            await asyncio.sleep(delay)
            hello: Frame = {"type": "hello", "protocol": PROTOCOL_VERSION}
            hello.update(resume=self.session, since=self.version)
            if "campaign" in self._credential:
                hello["campaign"] = self._credential["campaign"]
            try:
                await self._open(hello)
            except ConnectionRefused as refused:
                if refused.code in FINAL_CLOSE_CODES:
                    self.closed_with = (refused.code, refused.reason)
                    return False
            except (OSError, TimeoutError, ConnectionClosed, ClientError):
                continue
            else:
                self.resumes += 1
                await self._notify()
                return True
        return False

    async def _receive(self, frame: Frame) -> bool:
        """Handle one frame; False when a version gap means a resume is needed."""
        kind = frame.get("type")
        if kind == "patch":
            if frame["version"] != self.version + 1:
                logger.warning(
                    "version gap (%d after %d): resuming", frame["version"], self.version
                )
                return False
            apply_patch(self.view, frame["ops"])  # the host's own applier: a few us a patch
            self.version = self.view["version"] = frame["version"]
            self.patches_received += 1
        else:
            self.frames.append(frame)
            waiter = self._waiting.pop(str(frame.get("id")), None) if "id" in frame else None
            if waiter is not None and not waiter.done():
                waiter.set_result(frame)
        for hook in self.on_frame:
            hook(frame)
        await self._notify()
        return True

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _fail_waiting(self, error: ClientError) -> None:
        waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            if not future.done():
                future.set_exception(error)

    # -- requests --------------------------------------------------------------------

    async def send(self, frame: Frame) -> None:
        """Send a raw frame (tests use it for malformed ones)."""
        await self.ws.send(json.dumps(frame))

    async def request(self, frame: Frame, timeout_s: float = 10.0) -> Frame:
        """Send a frame with a fresh ``id`` and return the frame answering it."""
        frame_id = frame.get("id") or f"c{next(self._ids)}"
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._waiting[frame_id] = future
        try:
            try:
                await self.send({**frame, "id": frame_id})
            except ConnectionClosed:
                raise ConnectionLost("the connection dropped before the frame was sent") from None
            async with asyncio.timeout(timeout_s):
                return await future
        finally:
            self._waiting.pop(frame_id, None)

    async def act(self, action: Frame, timeout_s: float = 10.0) -> Frame:
        """Send an action; its ``ack`` (or ``error``) frame."""
        return await self.request({"type": "action", "action": action}, timeout_s)

    async def decide(
        self,
        action_id: str,
        *,
        approve: bool,
        expected_version: int | None = None,
        changes: list[Frame] | None = None,
        reason: str | None = None,
    ) -> Frame:
        """A GM decision; its ``ack`` or ``action_retry``."""
        frame: Frame = {
            "type": "decide",
            "actionId": action_id,
            "approve": approve,
            "expectedVersion": self.version if expected_version is None else expected_version,
        }
        if changes is not None:
            frame["changes"] = changes
        if reason is not None:
            frame["reason"] = reason
        return await self.request(frame)

    async def chat(self, text: str, to: str | None = None) -> Frame:
        return await self.act({"kind": "chat", "text": text, **({"to": to} if to else {})})

    async def roll(self, expr: str, label: str | None = None) -> Frame:
        return await self.act({"kind": "roll", "expr": expr, **({"label": label} if label else {})})

    async def move(self, token_id: str, x: int, y: int) -> Frame:
        return await self.act({"kind": "move_token", "tokenId": token_id, "x": x, "y": y})

    async def rotate_code(self) -> str:
        """GM only: a new join code (extension frame ``rotate_code``)."""
        return str((await self.request({"type": "rotate_code"}))["joinCode"])

    async def kick(self, player_id: str) -> Frame:
        """GM only: close a player's connections and void their sessions."""
        return await self.request({"type": "kick", "playerId": player_id})

    async def decide_claim(self, claim_id: str, *, approve: bool) -> Frame:
        """GM only: let a claimant in as the player they named, or refuse them."""
        return await self.request({"type": "decide_claim", "claimId": claim_id, "approve": approve})

    # -- waiting ---------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
        """Wait until ``predicate()`` holds (checked after every frame)."""
        async with asyncio.timeout(timeout_s), self._changed:
            await self._changed.wait_for(predicate)

    async def wait_for_version(self, version: int, timeout_s: float = 10.0) -> None:
        await self.wait_for(lambda: self.version >= version, timeout_s)

    async def next_frame(self, kind: str, timeout_s: float = 10.0) -> Frame:
        """The first kept frame of a type (``decided``, ``error``...), removing it."""
        found: list[Frame] = []

        def take() -> bool:
            for frame in self.frames:
                if frame.get("type") == kind:
                    self.frames.remove(frame)
                    found.append(frame)
                    return True
            return False

        await self.wait_for(take, timeout_s)
        return found[0]

    @property
    def is_closed(self) -> bool:
        return self._reader is None or self._reader.done()


class _Connect:
    """Awaitable and async context manager returned by ``Client.connect``."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def __await__(self) -> Generator[Any, None, Client]:
        return self._start().__await__()

    async def _start(self) -> Client:
        await self._client.start()
        return self._client

    async def __aenter__(self) -> Client:
        return await self._start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._client.close()
