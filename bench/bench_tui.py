"""GM app benchmark: `python -m bench.bench_tui` prints one table with targets.

The GM app runs the host in its own event loop, next to Textual. This measures what
that costs the players, and how soon the GM sees their proposals. Everything runs in
this one process and loop, the way the app does: the host, the app (headless, 120x40)
and the clients (``vtt_host.client.Client``) over real sockets on 127.0.0.1.

1. Baseline: the sample campaign (``--demo``) in a fresh data dir, served WITHOUT the
   app by ``ServingSession`` (what ``vtt-host serve`` runs). Six clients (the GM by its
   token, five players joining by name with the join code, each given one of the five
   visible actors by the GM) send 50 actions a second in all, paced and open loop
   (~8.3/s each; three token moves to one chat message), for WARMUP_S then LOAD_S s.
   Measured: action -> ack (applied, so durable) as each client sees it.
2. The same campaign, clients and load against ``GmApp`` running headless with
   ``run_test`` (serve on port 0, no LAN announcement, a fresh data dir); the target is
   an ack p99 at most twice the baseline's. Both runs also report how late a probe task
   sleeping LAG_TICK_S wakes up (the event loop's stalls) and the GC pauses, to tell
   the app's own work from the disk's (a slow fsync delays acks in either run).
3. During both loads the players also send PROPOSALS proposals (``propose``), about one
   every PROPOSAL_GAP_S s (jittered, so as not to lock onto the app's refresh timer),
   on top of the 50/s. With the app, each is timed from the client's send to the first
   frame the app composes that shows it. Textual's headless driver composes every frame
   like a terminal driver but writes nothing; the bench wraps ``App._display`` (the
   call that would write the frame), renders each frame to text as a terminal driver
   would, and looks for the proposal in it: its summary (its queue row, or the "New
   proposal" notification) or the queue's title counting it ("N proposals waiting",
   since rows past the table's height are not on screen). So the figure is what the GM
   would see, the app's refresh timer and Textual's rendering included. The moment the
   approval queue widget first holds the proposal (the end of the app's batched
   refresh, ``apply_pending``, also wrapped) is reported too, to tell the two apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import random
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import RenderableType
from textual._compositor import CompositorUpdate
from textual.screen import Screen

from bench._harness import Result, percentile, print_table
from tui.app import GmApp
from tui.config import AppConfig
from tui.widgets.approval_queue import ApprovalQueue
from vtt_host.client import Client
from vtt_host.serving import ServeOptions, ServingSession

PLAYERS = 5
ACTIONS_PER_S = 50.0
"""In all, over the six clients (proposals come on top)."""
CHAT_EVERY = 4
"""Every fourth action of a client is a chat message, the others move its token."""
WARMUP_S = 1.0
LOAD_S = 10.0
PROPOSALS = 20
PROPOSAL_GAP_S = 0.4
PROPOSALS_START_S = 1.0
"""After the warm-up begins; the proposals end well inside the load."""
LAG_TICK_S = 0.005
SHOW_TIMEOUT_S = 5.0
DRAIN_S = 5.0
READY_TIMEOUT_S = 60.0
SIZE = (120, 40)
GRID = (24, 16)  # the demo's Crossroads map
QUEUE_TITLE = re.compile(r"(\d+) proposals? waiting")

TARGET_RATIO = 2.0
TARGET_SHOWN_MS = 100.0


# --- the table: six clients ---------------------------------------------------------


@dataclass
class Seat:
    client: Client
    token: str
    index: int


@dataclass
class Load:
    """What the clients measured during one run."""

    acks: list[tuple[float, float]] = field(default_factory=list)
    """(sent at, latency) per applied move or chat."""
    errors: list[str] = field(default_factory=list)
    proposals_sent: dict[str, float] = field(default_factory=dict)
    """Summary -> when its client sent it."""
    proposal_acks: list[float] = field(default_factory=list)
    window: tuple[float, float] = (0.0, 0.0)
    cpu_s: float = 0.0
    lags: list[float] = field(default_factory=list)
    """How late each LAG_TICK_S sleep of a probe task woke up: the loop's stalls."""
    gc_pauses: list[float] = field(default_factory=list)

    def measured(self) -> list[float]:
        start, end = self.window
        return [latency for sent, latency in self.acks if start <= sent < end]


async def seat_table(url: str, code: str, gm_token: str) -> list[Seat]:
    """The GM and five players; the GM gives each player a visible actor."""
    gm = await Client.connect(url, gm_token=gm_token)
    clients = [gm]
    try:
        for n in range(1, PLAYERS + 1):
            clients.append(await Client.connect(url, name=f"Player {n}", code=code))
        actors = gm.view["actors"]
        visible = [a for a in actors.values() if not a.get("hidden")]
        hidden = [a for a in actors.values() if a.get("hidden")]
        assert len(visible) >= PLAYERS, f"the demo has {len(visible)} visible actors"
        seats = [Seat(gm, hidden[0]["id"], 0)]
        for n, (player, actor) in enumerate(zip(clients[1:], visible, strict=False), 1):
            ack = await gm.act(
                {"kind": "assign_actor", "actorId": actor["id"], "playerId": player.player_id}
            )
            assert ack.get("status") == "applied", ack
            seats.append(Seat(player, actor["id"], n))
        latest = max(c.version for c in clients)
        for client in clients:
            await client.wait_for_version(latest)
        return seats
    except BaseException:
        for client in clients:
            with contextlib.suppress(Exception):
                await client.close()
        raise


async def timed(client: Client, action: dict[str, Any], load: Load) -> None:
    sent = time.perf_counter()
    try:
        ack = await client.act(action)
    except Exception as error:  # a timeout or a dropped connection
        load.errors.append(f"{action['kind']}: {error!r}")
        return
    if ack.get("type") == "ack" and ack.get("status") == "applied":
        load.acks.append((sent, time.perf_counter() - sent))
    else:
        load.errors.append(f"{action['kind']}: {ack}")


async def pace(seat: Seat, start_at: float, end_at: float, load: Load) -> None:
    """ACTIONS_PER_S / 6 actions a second on a fixed schedule, not waiting for acks."""
    loop = asyncio.get_running_loop()
    period = (PLAYERS + 1) / ACTIONS_PER_S
    deadline = start_at + random.uniform(0, period)
    pending: set[asyncio.Task[None]] = set()
    n = 0
    while deadline < end_at:
        await asyncio.sleep(max(0.0, deadline - loop.time()))
        if n % CHAT_EVERY == CHAT_EVERY - 1:
            action: dict[str, Any] = {"kind": "chat", "text": f"{seat.index}: message {n}"}
        else:
            step = n + seat.index * 5
            x, y = step % GRID[0], (step // GRID[0] + seat.index) % GRID[1]
            action = {"kind": "move_token", "tokenId": seat.token, "x": x, "y": y}
        task = asyncio.create_task(timed(seat.client, action, load))
        pending.add(task)
        task.add_done_callback(pending.discard)
        n += 1
        deadline += period
    if pending:
        await asyncio.wait(pending, timeout=DRAIN_S)


async def propose(seats: list[Seat], start_at: float, load: Load) -> None:
    """PROPOSALS proposals, one every PROPOSAL_GAP_S, from the players in turn."""
    loop = asyncio.get_running_loop()
    players = seats[1:]
    send_at = start_at
    for n in range(PROPOSALS):
        # Jittered, so that the sends do not keep one phase of the app's refresh timer.
        send_at += random.uniform(0.75, 1.25) * PROPOSAL_GAP_S
        await asyncio.sleep(max(0.0, send_at - loop.time()))
        seat = players[n % len(players)]
        summary = f"bench proposal {n:02d}"
        action = {
            "kind": "propose",
            "summary": summary,
            "changes": [
                {"op": "replace", "path": f"/actors/{seat.token}/hp/current", "value": n % 7 + 1}
            ],
        }
        sent = time.perf_counter()
        load.proposals_sent[summary] = sent
        ack = await seat.client.act(action)
        if ack.get("status") == "pending":
            load.proposal_acks.append(time.perf_counter() - sent)
        else:
            load.errors.append(f"propose: {ack}")


async def watch_loop(until: float, load: Load) -> None:
    """Sleep LAG_TICK_S at a time and record how late each wake-up is."""
    loop = asyncio.get_running_loop()
    while (before := loop.time()) < until:
        await asyncio.sleep(LAG_TICK_S)
        load.lags.append(max(0.0, loop.time() - before - LAG_TICK_S))


async def run_load(seats: list[Seat], load: Load) -> Load:
    """Warm up, then LOAD_S s of 50 actions/s, with the proposals on top."""
    loop = asyncio.get_running_loop()
    collecting: list[float] = []

    def time_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting.append(time.perf_counter())
        elif collecting:
            load.gc_pauses.append(time.perf_counter() - collecting.pop())

    gc.collect()
    gc.freeze()
    gc.callbacks.append(time_gc)
    try:
        start_at = loop.time() + 0.1
        measure_at, end_at = start_at + WARMUP_S, start_at + WARMUP_S + LOAD_S
        offset = time.perf_counter() - loop.time()
        load.window = (measure_at + offset, end_at + offset)
        cpu0 = time.process_time()
        await asyncio.gather(
            *(pace(seat, start_at, end_at, load) for seat in seats),
            propose(seats, start_at + PROPOSALS_START_S, load),
            watch_loop(end_at, load),
        )
        load.cpu_s = time.process_time() - cpu0
    finally:
        gc.callbacks.remove(time_gc)
        gc.unfreeze()
    return load


async def close_all(seats: list[Seat]) -> None:
    for seat in seats:
        with contextlib.suppress(Exception):
            await seat.client.close()


# --- 1. without the app -------------------------------------------------------------


async def baseline(root: Path) -> Load:
    options = ServeOptions(
        data_dir=root / "serve", host="127.0.0.1", port=0, demo=True, announce=False
    )
    serving = await ServingSession.start(options)
    try:
        seats = await seat_table(serving.host.local_url, serving.join_code, serving.gm_token)
        try:
            return await run_load(seats, Load())
        finally:
            await close_all(seats)
    finally:
        await serving.close()


# --- 2, 3. with the app -------------------------------------------------------------


class ScreenWatch:
    """When each proposal first reaches the queue widget, and first reaches a frame.

    Wraps the app's ``_display`` (every frame Textual composes goes through it; the
    headless driver then drops it) and ``apply_pending`` (the app's batched refresh, on
    its timer) on the instance; nothing of the app's code changes.
    """

    def __init__(self, app: GmApp, sent: dict[str, float]) -> None:
        self.app = app
        self.sent = sent
        """Summary -> send time, filled by the proposing client as it sends."""
        self.in_widget: dict[str, float] = {}
        self.on_screen: dict[str, float] = {}
        self.frames = 0
        self.render_s = 0.0
        self.refresh_s: list[float] = []
        """How long each of the app's batched refreshes (``apply_pending``) ran."""
        display: Callable[[Screen[Any], RenderableType | None], None] = app._display
        apply_pending: Callable[[], None] = app.apply_pending

        def watched_display(screen: Screen[Any], renderable: RenderableType | None) -> None:
            display(screen, renderable)
            if isinstance(renderable, CompositorUpdate):
                self._frame(renderable)

        def watched_apply() -> None:
            started = time.perf_counter()
            apply_pending()
            self.refresh_s.append(time.perf_counter() - started)
            self._widget()

        app._display = watched_display  # type: ignore[method-assign]
        app.apply_pending = watched_apply  # type: ignore[method-assign]

    @property
    def waiting(self) -> list[str]:
        return [s for s in self.sent if s not in self.on_screen]

    def _frame(self, update: CompositorUpdate) -> None:
        started = time.perf_counter()
        self.frames += 1
        # What a terminal driver would write for this frame (the headless one skips it).
        text = update.render_segments(self.app.console)
        now = time.perf_counter()
        self.render_s += now - started
        # The queue's title counts the proposals; its rows past the table's height and
        # the "New proposal" notifications show the summary itself.
        title = QUEUE_TITLE.search(text)
        counted = int(title.group(1)) if title else 0
        for index, summary in enumerate(self.sent):
            if summary not in self.on_screen and (index < counted or summary in text):
                self.on_screen[summary] = now

    def _widget(self) -> None:
        if len(self.in_widget) == len(self.sent):
            return
        with contextlib.suppress(Exception):  # the screen may be closing
            queue = self.app.screen.query_one(ApprovalQueue)
            now = time.perf_counter()
            for proposal in queue.proposals:
                self.in_widget.setdefault(proposal.summary, now)


@dataclass
class AppRun:
    load: Load
    shown: list[float]
    """Send -> first frame showing it, per proposal shown."""
    in_widget: list[float]
    widget_to_frame: list[float]
    """From the end of the refresh that put it in the queue widget to that frame."""
    frames_per_s: float
    render_ms_per_frame: float
    refresh_s: list[float]


async def with_app(root: Path, overrides: dict[str, Any] | None = None) -> AppRun:
    config = AppConfig(
        data_dir=root / "app",
        demo=True,
        host="127.0.0.1",
        port=0,
        serve=True,
        announce=False,
        lan_address="127.0.0.1",
    )
    app = GmApp(replace(config, **(overrides or {})))
    load = Load()
    watch = ScreenWatch(app, load.proposals_sent)
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not app.ready:
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not open the campaign in time")
            await pilot.pause(0.02)
        session = app.session
        host, live, code = session.host, session.campaign, session.join_code()
        if host is None or live is None or code is None:
            raise RuntimeError("the app is not serving players")
        seats = await seat_table(host.local_url, code, host.gm_token(live.id))
        try:
            await pilot.pause(0.3)
            frames0, render0, wall0 = watch.frames, watch.render_s, time.perf_counter()
            refreshes0 = len(watch.refresh_s)
            await run_load(seats, load)
            wall = time.perf_counter() - wall0
            frames, render = watch.frames - frames0, watch.render_s - render0
            refresh_s = watch.refresh_s[refreshes0:]
            deadline = time.monotonic() + SHOW_TIMEOUT_S
            while watch.waiting and time.monotonic() < deadline:
                await pilot.pause(0.01)
        finally:
            await close_all(seats)
        await app.action_quit()
    sent = load.proposals_sent
    return AppRun(
        load,
        shown=[watch.on_screen[s] - t for s, t in sent.items() if s in watch.on_screen],
        in_widget=[watch.in_widget[s] - t for s, t in sent.items() if s in watch.in_widget],
        widget_to_frame=[
            watch.on_screen[s] - watch.in_widget[s]
            for s in sent
            if s in watch.on_screen and s in watch.in_widget
        ],
        frames_per_s=frames / wall,
        render_ms_per_frame=render / max(1, frames) * 1000,
        refresh_s=refresh_s,
    )


# --- report -------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _p(samples: list[float]) -> str:
    return f"{_ms(percentile(samples, 50))} / {_ms(percentile(samples, 99))}"


def _info(metric: str, measured: str) -> Result:
    return Result(metric, "", measured, None)


def _load_rows(label: str, load: Load) -> list[Result]:
    acks = load.measured()
    errors = len(load.errors)
    return [
        Result(
            f"{label}: acks measured (50 actions/s in all)",
            "0 errors",
            f"{len(acks)} in {LOAD_S:.0f} s, {errors} errors"
            + (f" (first: {load.errors[0]})" if errors else ""),
            errors == 0,
        ),
        _info(f"{label}: action -> ack p50 / p99", _p(acks)),
        _info(f"{label}: action -> ack max", _ms(max(acks))),
        _info(
            f"{label}: propose -> pending ack p50 / max",
            f"{_ms(percentile(load.proposal_acks, 50))} / {_ms(max(load.proposal_acks))}",
        ),
        _info(
            f"{label}: event-loop stalls p99 / max",
            f"{_ms(percentile(load.lags, 99))} / {_ms(max(load.lags))}",
        ),
        _info(
            f"{label}: GC pauses, count / max",
            f"{len(load.gc_pauses)} / {_ms(max(load.gc_pauses, default=0.0))}",
        ),
        _info(
            f"{label}: process CPU during the load",
            f"{load.cpu_s / (WARMUP_S + LOAD_S) * 100:.0f}% of a core",
        ),
    ]


def report(base: Load, run: AppRun) -> list[Result]:
    base_p99 = percentile(base.measured(), 99)
    app_acks = run.load.measured()
    app_p99 = percentile(app_acks, 99)
    ratio = app_p99 / base_p99
    missing = PROPOSALS - len(run.shown)
    shown = run.shown or [float("inf")]
    widget = run.in_widget or [float("inf")]
    to_frame = run.widget_to_frame or [float("inf")]
    return [
        _info("machine cores (os.cpu_count)", str(os.cpu_count())),
        *_load_rows("1. no app (ServingSession)", base),
        *_load_rows("2. GM app (headless)", run.load),
        Result(
            "2. ack p99 with the app / without",
            f"<= {TARGET_RATIO:g}x",
            f"{ratio:.2f}x ({_ms(app_p99)} / {_ms(base_p99)})",
            ratio <= TARGET_RATIO,
        ),
        _info(
            f"2. app refresh (apply_pending, every {AppConfig().refresh_interval_s * 1000:g} ms) "
            "p50 / max",
            f"{_ms(percentile(run.refresh_s, 50))} / {_ms(max(run.refresh_s))}",
        ),
        _info(
            "2. frames composed / s, text rendering per frame",
            f"{run.frames_per_s:.0f}, {run.render_ms_per_frame:.2f} ms",
        ),
        Result(
            f"3. proposals shown ({PROPOSALS} sent)",
            f"{PROPOSALS}",
            f"{len(run.shown)}" + (f", {missing} never shown" if missing else ""),
            missing == 0,
        ),
        _info(
            "3. send -> in the queue widget p50 / max",
            f"{_ms(percentile(widget, 50))} / {_ms(max(widget))}",
        ),
        _info(
            "3. queue widget -> first frame showing it p50 / max",
            f"{_ms(percentile(to_frame, 50))} / {_ms(max(to_frame))}",
        ),
        _info("3. send -> first frame showing it p50", _ms(percentile(shown, 50))),
        Result(
            "3. send -> first frame showing it max",
            f"<= {TARGET_SHOWN_MS:g} ms",
            _ms(max(shown)),
            max(shown) * 1000 <= TARGET_SHOWN_MS,
        ),
    ]


async def main() -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        root = Path(tmp)
        base = await baseline(root)
        run = await with_app(root)
    rows = report(base, run)
    rows.append(_info("benchmark wall time", f"{time.perf_counter() - started:.0f} s"))
    print_table(
        "GM app benchmark: the demo campaign, 6 clients, 50 actions/s, "
        f"{PROPOSALS} proposals; without and with the app",
        rows,
    )


if __name__ == "__main__":
    asyncio.run(main())
