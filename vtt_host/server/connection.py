"""One WebSocket connection, from its hello to its close.

What happens when a player moves a token reads top to bottom here: the frame is
rate-checked and parsed (``frames``), the action goes to the state manager, whose
publication reaches this connection's ``on_published`` (the patch is queued), and then
the ``ack`` is queued behind it on the same ordered send queue. A writer task drains
the queue to the socket; a queue that overflows (a client that stopped reading) closes
the connection with 1013 instead of holding memory or stalling anyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import TypeVar

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State as WebSocketState

from vtt_host.actions import GM_CALLER, Caller, parse_action
from vtt_host.errors import ActionError, Stale
from vtt_host.manager import Applied, Published
from vtt_host.server import frames
from vtt_host.server.campaign import CampaignHub, Grant, Holder
from vtt_host.server.closes import (
    CLOSE_BAD_HELLO,
    CLOSE_GOING_AWAY,
    CLOSE_INTERNAL_ERROR,
    CLOSE_PROTOCOL,
    CLOSE_TOO_MANY,
    CLOSE_TOO_SLOW,
    Refusal,
    clip_reason,
)
from vtt_host.server.frames import (
    ActionFrame,
    BadFrame,
    ClientFrame,
    DecideClaimFrame,
    DecideFrame,
    Hello,
    KickFrame,
    MapPingFrame,
    NotPlainFrame,
    PingFrame,
    RotateCodeFrame,
    ServerFrame,
    UnsupportedProtocol,
)
from vtt_host.server.limits import HostLimits, RateLimiter, Verdict
from vtt_host.server.metrics import Metrics
from vtt_host.server.pings import PingBudget, PingRefused
from vtt_host.server.writes import WriteCoalescer
from vtt_host.views import GM_ID

logger = logging.getLogger(__name__)

DIRECT_WRITE_MAX_BUFFERED_BYTES = 64 * 1024
"""Past this much unsent data a frame waits in the bounded queue instead."""
FRAGMENT_CHARS = 256 * 1024
"""Frames longer than this (characters of a text, bytes of a ``LargeFrame`` such as a
welcome with a full view) are sent as one message in fragments of about this size."""

_Fragment = TypeVar("_Fragment", str, bytes)


async def _paced(fragments: Iterable[_Fragment]) -> AsyncIterator[_Fragment]:
    for fragment in fragments:
        yield fragment
        await asyncio.sleep(0)  # let other connections write between fragments


def _text_fragments(text: str) -> Iterator[str]:
    for start in range(0, len(text), FRAGMENT_CHARS):
        yield text[start : start + FRAGMENT_CHARS]


def _regroup(pieces: Iterable[bytes], size: int = FRAGMENT_CHARS) -> Iterator[bytes]:
    """UTF-8 pieces as fragments of about ``size`` bytes, copying one fragment at a time.

    Pieces are joined until a fragment is full; the piece that overflows it is cut
    between two characters, so that every fragment is UTF-8 on its own, as when a text
    is cut into fragments.
    """
    group: list[bytes] = []
    room = size
    for piece in pieces:
        start = 0
        while len(piece) - start > room:
            end = start + room
            while piece[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte
                end -= 1
            group.append(piece[start:end])
            yield b"".join(group)
            group, room, start = [], size, end
        group.append(piece[start:])
        room -= len(piece) - start
    if group:
        yield b"".join(group)


def _size(frame: ServerFrame) -> int:
    """What a frame counts for in the queue and the metrics."""
    return len(frame) if isinstance(frame, str) else frame.size


SLOW_CLOSE_TIMEOUT_S = 1.0


Authenticate = Callable[[Hello, str, Holder], Awaitable[tuple[CampaignHub, Grant]]]


class State(enum.Enum):
    HELLO = "hello"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


class SendQueue:
    """A FIFO of frames bounded by count and size (characters, or a large frame's bytes).

    A single frame larger than the byte bound is still accepted into an empty queue: a
    full view may be several megabytes and must reach a client that keeps up.
    """

    def __init__(self, max_frames: int, max_bytes: int) -> None:
        self._items: deque[ServerFrame] = deque()
        self._bytes = 0
        self._max_frames = max_frames
        self._max_bytes = max_bytes
        self._ready = asyncio.Event()
        self._closed = False

    def put(self, frame: ServerFrame) -> bool:
        if self._closed:
            return True
        size = _size(frame)
        if self._items and (
            len(self._items) >= self._max_frames or self._bytes + size > self._max_bytes
        ):
            return False
        self._items.append(frame)
        self._bytes += size
        self._ready.set()
        return True

    async def get(self) -> ServerFrame | None:
        """The next frame, or None once the queue is closed."""
        while not self._items:
            if self._closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        frame = self._items.popleft()
        self._bytes -= _size(frame)
        return frame

    def close(self) -> None:
        """Drop what is queued and wake the writer so it stops."""
        self._closed = True
        self._items.clear()
        self._bytes = 0
        self._ready.set()

    def __len__(self) -> int:
        return len(self._items)


class Connection:
    """A client connection: hello, then frames until either side closes."""

    def __init__(
        self,
        ws: ServerConnection,
        authenticate: Authenticate,
        limits: HostLimits,
        metrics: Metrics,
        *,
        writes: WriteCoalescer | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ws = ws
        self.state = State.HELLO
        self.hub: CampaignHub | None = None
        self.grant: Grant | None = None
        self._authenticate = authenticate
        self._limits = limits
        self._metrics = metrics
        self._clock = clock
        self._queue = SendQueue(limits.send_queue_frames, limits.send_queue_bytes)
        self._writes = writes or WriteCoalescer()
        self._unflushed = 0
        """Characters framed by ``_write_now`` that are not yet handed to the socket."""
        self._rate = RateLimiter(
            rate_per_s=limits.frames_per_s,
            burst=limits.burst_frames,
            close_after_s=limits.over_limit_close_s,
            clock=clock,
        )
        self._pings = PingBudget(burst=limits.ping_burst, per_s=limits.pings_per_s, clock=clock)
        self._held: list[str] | None = []
        """Frames published before ``start``; None once the connection is live."""
        self._writer: asyncio.Task[None] | None = None
        self._writing = False
        self._closer: asyncio.Task[None] | None = None

    @property
    def address(self) -> str:
        remote = self.ws.remote_address
        return str(remote[0]) if remote else "unknown"

    @property
    def caller(self) -> Caller:
        assert self.grant is not None
        if self.grant.role == "gm":
            return GM_CALLER
        return Caller("player", self.grant.player_id, self.grant.name)

    # -- life cycle ------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the connection until it closes; never raises for a client's doing."""
        try:
            hello = await self._receive_hello()
            if hello is None:
                return
            try:
                self.hub, self.grant = await self._authenticate(hello, self.address, self)
            except Refusal as refusal:
                self._metrics.hellos_refused[refusal.code] += 1
                await self._close_now(refusal.code, refusal.reason)
                return
            self.state = State.OPEN
            self._writer = asyncio.create_task(self._write_loop(), name="vtt send")
            await self.hub.attach(self, self.grant, hello.since)
            await self._read_loop()
        except ConnectionClosed:
            pass
        except Exception:
            logger.exception("a connection failed")
            self.close(CLOSE_INTERNAL_ERROR, "internal error; resume")
        finally:
            await self._finish()

    async def _receive_hello(self) -> Hello | None:
        try:
            async with asyncio.timeout(self._limits.hello_timeout_s):
                message = await self.ws.recv()
        except TimeoutError:
            await self._close_now(CLOSE_BAD_HELLO, "no hello in time")
            return None
        self._metrics.frames_in += 1
        try:
            return frames.parse_hello(message)
        except UnsupportedProtocol as error:
            await self._close_now(CLOSE_PROTOCOL, error.message)
        except BadFrame as error:
            await self._close_now(CLOSE_BAD_HELLO, error.message)
        return None

    async def hold(self, frame: str) -> None:
        """A frame before the welcome: the hello waits on the GM (``claim_pending``)."""
        await self.ws.send(frame)
        self._metrics.frames_out += 1
        self._metrics.bytes_out += len(frame)

    async def wait_closed(self) -> None:
        await self.ws.wait_closed()

    def start(self, first: list[ServerFrame]) -> None:
        """Queue the welcome (and missed versions), then what was held meanwhile."""
        held, self._held = self._held or [], None
        for frame in (*first, *held):
            self.send(frame)

    def on_published(self, published: Published) -> None:
        """The manager's listener: runs synchronously inside its publication."""
        assert self.hub is not None
        texts = self.hub.cache.frames_for(published)
        if self._held is not None:
            self._held.extend(texts)
            return
        for text in texts:
            self.send(text)

    def send(self, frame: ServerFrame) -> None:
        """Send one frame now if the socket keeps up, else queue it.

        A large frame is always queued: the writer sends it in fragments. A full queue
        closes the connection so the client resumes.
        """
        if self.state not in (State.OPEN, State.HELLO):
            return
        if isinstance(frame, str) and self._write_now(frame):
            return
        if not self._queue.put(frame):
            self._metrics.closed_slow += 1
            logger.info("closing a connection that does not keep up (%s)", self.address)
            self.close(CLOSE_TOO_SLOW, "too far behind; resume")

    def close(self, code: int, reason: str) -> None:
        """Start closing (idempotent, callable from synchronous code)."""
        if self.state in (State.CLOSING, State.CLOSED):
            return
        self.state = State.CLOSING
        self._queue.close()
        self._closer = asyncio.create_task(self._close_now(code, reason), name="vtt close")

    async def _close_now(self, code: int, reason: str) -> None:
        # A client too slow to read its frames will not read a close frame either:
        # give it a moment, then drop the TCP connection.
        patience = SLOW_CLOSE_TIMEOUT_S if code == CLOSE_TOO_SLOW else None
        try:
            async with asyncio.timeout(patience):
                await self.ws.close(code, clip_reason(reason))
        except TimeoutError:
            self.ws.transport.abort()
        except Exception:
            logger.debug("closing failed", exc_info=True)

    async def _finish(self) -> None:
        if self.state is State.CLOSED:
            return
        self.state = State.CLOSING
        self._queue.close()
        if self.hub is not None:
            await self.hub.detach(self)
        for task in (self._writer, self._closer):
            if task is not None:
                if task is self._writer:
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self._close_now(CLOSE_GOING_AWAY, "closed")
        self.state = State.CLOSED

    def _write_now(self, text: str) -> bool:
        """Frame a frame now, to be written at the end of this loop step.

        Most frames are a couple of hundred bytes for a client that keeps up; waking a
        writer task for each cost more than the write itself. This is the happy path of
        websockets' own ``send`` (frame with the Sans-I/O protocol, hand the bytes to
        the transport) without its await, and with the write coalesced (``writes``);
        anything else goes through the queue, whose bounds still drop a client that
        does not read.
        """
        ws = self.ws
        if (
            self._writing
            or len(text) > FRAGMENT_CHARS
            or len(self._queue)
            or self.state is not State.OPEN
            or ws.protocol.state is not WebSocketState.OPEN
            or ws.transport.get_write_buffer_size() + self._unflushed
            > DIRECT_WRITE_MAX_BUFFERED_BYTES
        ):
            return False
        ws.protocol.send_text(text.encode())
        self._unflushed += len(text)
        self._writes.mark(self)
        self._metrics.frames_out += 1
        self._metrics.bytes_out += len(text)
        return True

    def flush(self) -> None:
        """Write what ``_write_now`` framed, in one system call."""
        self._unflushed = 0
        ws = self.ws
        if ws.protocol.state is not WebSocketState.OPEN:
            ws.send_data()  # closing: websockets knows what else to do
            return
        chunks = ws.protocol.data_to_send()
        if chunks:
            ws.transport.write(b"".join(chunks))

    async def _write_loop(self) -> None:
        while (frame := await self._queue.get()) is not None:
            self._writing = True
            try:
                await self._write(frame)
            except ConnectionClosed:
                return
            finally:
                self._writing = False
            self._metrics.frames_out += 1
            self._metrics.bytes_out += _size(frame)

    async def _write(self, frame: ServerFrame) -> None:
        """Send one frame as one text message, fragmented if it is large.

        A full view (megabytes) goes out in fragments, each written in its own loop
        step, so other players' frames are not held up; a ``LargeFrame``'s pieces are
        already UTF-8 and go out as they are, regrouped.
        """
        if isinstance(frame, str):
            if len(frame) > FRAGMENT_CHARS:
                await self.ws.send(_paced(_text_fragments(frame)))
            else:
                await self.ws.send(frame)
        elif frame.size > FRAGMENT_CHARS:
            await self.ws.send(_paced(_regroup(frame.pieces)), text=True)
        else:
            await self.ws.send(b"".join(frame.pieces), text=True)

    # -- frames ----------------------------------------------------------------------

    async def _read_loop(self) -> None:
        async for message in self.ws:
            if self.state is not State.OPEN:
                return
            self._metrics.frames_in += 1
            received = self._clock()
            verdict = self._rate.check()
            if verdict is Verdict.CLOSE:
                self.close(CLOSE_TOO_MANY, "too many messages")
                return
            try:
                frame = frames.parse_frame(message)
            except BadFrame as error:
                self._refuse_bad_frame(error)
                continue
            if verdict is Verdict.REFUSE:
                self._refuse_rate_limited(frame)
                continue
            await self._dispatch(frame, received)
            # The reply (an ack, after the patch it acknowledges) leaves first.
            self._writes.flush_one(self)

    def _refuse_bad_frame(self, error: BadFrame) -> None:
        if isinstance(error, NotPlainFrame) and error.answered_with_ack:
            self._metrics.action("rejected", error.code)
            self.send(frames.ack_rejected(error.frame_id, error.code, error.message))
        else:
            self.send(frames.error(error.code, error.message, error.frame_id))

    def _refuse_rate_limited(self, frame: ClientFrame) -> None:
        message = "slow down: at most 30 frames a second"
        if isinstance(frame, ActionFrame | DecideFrame):
            # A decide is answered like an action: with an ack, refusals included.
            self._metrics.action("rejected", "rate_limited")
            self.send(frames.ack_rejected(frame.id, "rate_limited", message))
        else:
            self.send(frames.error("rate_limited", message, frame.id))

    async def _dispatch(self, frame: ClientFrame, received: float) -> None:
        if isinstance(frame, ActionFrame):
            await self._on_action(frame, received)
        elif isinstance(frame, DecideFrame):
            await self._on_decide(frame, received)
        elif isinstance(frame, PingFrame):
            self.send(frames.reply("pong", frame.id))
        elif isinstance(frame, MapPingFrame):
            self._on_map_ping(frame)
        elif self.caller.role != "gm":
            self.send(frames.error("forbidden", "only the GM can do that", frame.id))
        elif isinstance(frame, RotateCodeFrame):
            assert self.hub is not None
            code = await self.hub.rotate_join_code()
            self.send(frames.reply("join_code", frame.id, joinCode=code))
        elif isinstance(frame, KickFrame):
            await self._on_kick(frame)
        elif isinstance(frame, DecideClaimFrame):
            self._on_decide_claim(frame)

    async def _on_action(self, frame: ActionFrame, received: float) -> None:
        assert self.hub is not None
        try:
            # Parsed here: the frame decoder already refused what is not plain JSON.
            outcome = await self.hub.manager.submit(parse_action(frame.action), self.caller)
        except ActionError as error:
            self._metrics.action("rejected", error.code)
            self.send(frames.ack_rejected(frame.id, error.code, error.message))
            return
        except Exception:
            logger.exception("an action failed unexpectedly")
            self._metrics.action("rejected", "unavailable")
            self.send(frames.ack_rejected(frame.id, "unavailable", "the host failed; try again"))
            return
        if isinstance(outcome, Applied):
            extra = {"result": dict(outcome.extra)} if outcome.extra else None
            self.send(frames.ack_applied(frame.id, outcome.version, extra))
            self._metrics.action("applied")
        else:
            self.send(frames.ack_pending(frame.id, outcome.action_id, outcome.version))
            self._metrics.action("pending")
        self._metrics.ack_latency.observe(self._clock() - received)

    async def _on_decide(self, frame: DecideFrame, received: float) -> None:
        assert self.hub is not None
        try:
            outcome = await self.hub.manager.decide(
                self.caller,
                frame.action_id,
                approve=frame.approve,
                expected_version=frame.expected_version,
                changes=frame.changes,
                reason=frame.reason,
            )
        except Stale as stale:
            self._metrics.action("retry", "stale")
            self.send(
                frames.action_retry(frame.id, frame.action_id, stale.version, stale.changed_paths)
            )
            return
        except ActionError as error:
            self._metrics.action("rejected", error.code)
            self.send(frames.ack_rejected(frame.id, error.code, error.message))
            return
        except Exception:
            logger.exception("a decision failed unexpectedly")
            self._metrics.action("rejected", "unavailable")
            self.send(frames.ack_rejected(frame.id, "unavailable", "the host failed; try again"))
            return
        self.send(frames.ack_applied(frame.id, outcome.version))
        self._metrics.action("applied")
        self._metrics.ack_latency.observe(self._clock() - received)

    def _on_map_ping(self, frame: MapPingFrame) -> None:
        assert self.hub is not None
        goes, tell = self._pings.take()
        if not goes:
            self._metrics.pings["rate_limited"] += 1
            if tell:
                message = "slow down: at most 5 pings at once, then 2 a second"
                self.send(frames.error("rate_limited", message, frame.id))
            return
        try:
            reached = self.hub.ping(self, frame.x, frame.y, frame.id)
        except PingRefused as refused:
            self._metrics.pings["refused"] += 1
            self.send(frames.error("invalid", refused.message, frame.id))
            return
        self._metrics.pings[reached] += 1

    def _on_decide_claim(self, frame: DecideClaimFrame) -> None:
        assert self.hub is not None
        if not self.hub.decide_claim(frame.claim_id, frame.approve):
            message = "that request is no longer waiting (decided, expired or withdrawn)"
            self.send(frames.error("not_found", message, frame.id))
            return
        reply = frames.reply(
            "claim_decided", frame.id, claimId=frame.claim_id, approved=frame.approve
        )
        self.send(reply)

    async def _on_kick(self, frame: KickFrame) -> None:
        assert self.hub is not None
        if frame.player_id == GM_ID:
            self.send(frames.error("invalid", "the GM cannot be kicked", frame.id))
            return
        if not self.hub.knows_player(frame.player_id):
            self.send(frames.error("not_found", f"no player {frame.player_id!r}", frame.id))
            return
        closed = await self.hub.kick(frame.player_id)
        self.send(frames.reply("kicked", frame.id, playerId=frame.player_id, closed=closed))
