"""Network benchmark: `python -m bench.bench_network` prints one table with targets.

Everything is measured by clients over real sockets on 127.0.0.1, against hosts running
in child processes, so the clients' CPU does not count against the host (they still
share the machine's cores; the table says how much CPU each side used).

1-4. The ~5 MB benchmark campaign served by ``vtt-host serve --headless`` (the default
     HostLimits and compression, a Library with synchronous=FULL). The GM and the five
     players (registered as p1..p5 owning a0..a4; they come in with their names and
     recovery codes, as from a new device, so no GM has to approve them) each move a
     token 20 times a second, under the protocol's 30 frames a second. Measured: the
     action -> durable ack round trip, the time until every other client has applied
     that version, the size of a token-move patch another player receives, then ten
     more connections of those players (a full view in each welcome) while the six keep
     moving: connect -> welcome applied, and the movers' ack latency meanwhile. The
     joins are repeated with a client that does not offer permessage-deflate, to show
     what compression costs.
5.   Fan-out: 100 small campaigns (the demo, with five players owning a token each) and
     6 clients each, in one host process (``python -m bench._net``), every client
     moving a token twice a second (1,200 actions/s in all) for 10 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import multiprocessing
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from bench._harness import Result, percentile, print_table
from bench._net import HostProcess, RawClient, histogram_percentile
from bench.campaign import PLAYER_IDS, large_campaign
from vtt_host.client import Client, parse_large
from vtt_host.demo import demo_state
from vtt_host.library import Library
from vtt_host.schema import validate_state
from vtt_host.server import frames
from vtt_host.server.credentials import RECOVERY_PREFIX, digest, normalize_code

LARGE_ID = "c_bench"
MOVES_PER_S = 20.0
WARMUP_S = 1.0
STEADY_S = 8.0
JOINS = 10
JOIN_GAP_S = 0.3
FANOUT_CAMPAIGNS = 100
FANOUT_ACTIONS_PER_S = 2.0
FANOUT_S = 10.0
FANOUT_CONNECT_CONCURRENCY = 25
DRAIN_S = 5.0
PINGS = 40
FLOOR_COMMITS = 100

TARGET_ACK_P50_MS = 0.8
TARGET_ACK_P99_MS = 2.0
TARGET_PATCH_BYTES = 150
TARGET_WELCOME_MS = 50.0
TARGET_ACK_DURING_JOINS_P99_MS = 5.0
TARGET_FANOUT_P99_MS = 20.0

GM_TOKENS = ["a5", "a6", "a7", "a8"]  # visible monsters of the large campaign
RECOVERY_CODE = "BNCH-2345-6789"
"""Every bench player's recovery code: a known name gets in with it, without a GM."""


async def give_recovery_codes(library: Library, campaign_id: str) -> None:
    """Store the bench players' recovery code the way the host does: as a digest."""
    live = await library.open_campaign(campaign_id)
    for pid in PLAYER_IDS:
        await live.set_secret(RECOVERY_PREFIX + pid, digest(normalize_code(RECOVERY_CODE)))
    await library.close_campaign(campaign_id)


# --- the 5 MB campaign: six movers --------------------------------------------------


@dataclass
class Mover:
    client: Client
    tokens: list[str]
    index: int
    samples: list[tuple[float, float, int]] = field(default_factory=list)
    """(sent at, ack latency, version) per applied move."""
    arrivals: dict[int, float] = field(default_factory=dict)
    """When each version's patch was applied here."""
    patch_sizes: list[int] = field(default_factory=list)
    bare_sizes: list[int] = field(default_factory=list)
    """The same patches without ``by`` and ``description``."""
    errors: list[str] = field(default_factory=list)

    def hook(self) -> Callable[[dict[str, Any]], None]:
        own = self.client.player_id

        def on_frame(frame: dict[str, Any]) -> None:
            if frame.get("type") != "patch":
                return
            self.arrivals[frame["version"]] = time.perf_counter()
            ops = frame["ops"]
            if (
                own != "gm"
                and frame.get("by") not in (own, None)
                and ops
                and ops[0]["path"].startswith("/currentSession/tokenPositions/")
            ):
                # The host's own encoding (frames.dump) of the frame as received.
                self.patch_sizes.append(len(frames.dump(frame).encode()))
                bare = {"type": "patch", "version": frame["version"], "ops": ops}
                self.bare_sizes.append(len(frames.dump(bare).encode()))

        return on_frame


async def move_loop(mover: Mover, stop: asyncio.Event, grid: tuple[int, int]) -> None:
    """Move at MOVES_PER_S on a fixed schedule (no catching up: the rate limit holds)."""
    loop = asyncio.get_running_loop()
    period = 1 / MOVES_PER_S
    deadline = loop.time() + random.uniform(0, period)
    n = 0
    while not stop.is_set():
        await asyncio.sleep(max(0.0, deadline - loop.time()))
        if stop.is_set():
            break
        token = mover.tokens[n % len(mover.tokens)]
        x, y = (n + mover.index * 7) % grid[0], (n // grid[0] + mover.index) % grid[1]
        sent = time.perf_counter()
        ack = await mover.client.move(token, x, y)
        latency = time.perf_counter() - sent
        if ack.get("status") == "applied":
            mover.samples.append((sent, latency, int(ack["version"])))
        else:
            mover.errors.append(str(ack))
        n += 1
        deadline = max(deadline + period, loop.time())


@dataclass
class Join:
    total: float
    handshake: float
    welcome: float  # hello sent -> whole welcome received (host work, transfer, inflate)
    parse: float
    size: int
    window: tuple[float, float]


async def join_once(url: str, session: str, deflate: bool) -> Join:
    """Connect, hello, and hold the view: what Client.connect does, timed in parts.

    The hello resumes a seated player's session without ``since``, which the host
    answers with the full view, as it answers a new player's first hello (a table lets
    an address register only a few new names an hour)."""
    started = time.perf_counter()
    ws = await connect(
        url, max_size=None, compression="deflate" if deflate else None, ping_interval=None
    )
    opened = time.perf_counter()
    await ws.send(json.dumps({"type": "hello", "protocol": 1, "resume": session}))
    text = await ws.recv()
    received = time.perf_counter()
    welcome = parse_large(text)  # what vtt_host.client does with a welcome
    view = welcome["state"]
    done = time.perf_counter()
    assert welcome["type"] == "welcome"
    assert len(view["actors"]) > 100
    await ws.close()
    assert isinstance(text, str)
    return Join(
        done - started, opened - started, received - opened, done - received,
        len(text.encode()), (started, done),
    )  # fmt: skip


def child_ready() -> None:
    """Run in the joiners' process first: it is started, with this module imported."""


def join_in_child(url: str, session: str, deflate: bool) -> Join:
    """One join, run in a separate process: parsing a 4.5 MB welcome takes ~20 ms of
    CPU, which must not be charged to the movers' clients in this process."""
    return asyncio.run(join_once(url, session, deflate))


async def join_series(url: str, sessions: list[str], deflate: bool) -> list[Join]:
    joins = []
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        # Start the child and import this module there before timing anything.
        await loop.run_in_executor(pool, child_ready)
        for n in range(JOINS):
            session = sessions[n % len(sessions)]
            joins.append(await loop.run_in_executor(pool, join_in_child, url, session, deflate))
            await asyncio.sleep(JOIN_GAP_S)
    return joins


def acks_between(movers: list[Mover], start: float, end: float) -> list[float]:
    return [lat for m in movers for sent, lat, _ in m.samples if start <= sent < end]


def broadcast_latencies(movers: list[Mover], start: float, end: float) -> tuple[list[float], int]:
    """Sent -> applied by every other mover; and how many versions someone never got."""
    spans, missing = [], 0
    for mover in movers:
        others = [o for o in movers if o is not mover]
        for sent, _, version in mover.samples:
            if not start <= sent < end:
                continue
            times = [o.arrivals.get(version) for o in others]
            if any(t is None for t in times):
                missing += 1
            else:
                spans.append(max(t for t in times if t is not None) - sent)
    return spans, missing


def paced_commits(data_dir: Path) -> list[float]:
    """The disk's floor: one small SQLite FULL commit every 20 ms, as paced moves see it."""
    conn = sqlite3.connect(data_dir / "floor.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE j (v INTEGER PRIMARY KEY, ops TEXT)")
    samples = []
    for _ in range(FLOOR_COMMITS):
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO j (ops) VALUES (?)", ("x" * 200,))
        conn.execute("COMMIT")
        samples.append(time.perf_counter() - started)
        time.sleep(1 / MOVES_PER_S)
    conn.close()
    return samples


async def back_to_back_pings(client: Client) -> list[float]:
    """The same round trip with no pause between: neither side's CPU has gone idle."""
    samples = []
    for _ in range(PINGS):
        started = time.perf_counter()
        await client.request({"type": "ping"})
        samples.append(time.perf_counter() - started)
    return samples


async def pings(client: Client) -> list[float]:
    """Application-level round trips (no state change, no disk): the transport's floor."""
    samples = []
    for _ in range(PINGS):
        started = time.perf_counter()
        await client.request({"type": "ping"})
        samples.append(time.perf_counter() - started)
        await asyncio.sleep(random.uniform(0.5, 1.5) / MOVES_PER_S)
    return samples


async def large_campaign_session(root: Path) -> dict[str, Any]:
    data_dir = root / "large"
    state = large_campaign(campaign_id=LARGE_ID)
    size_mb = len(json.dumps(state)) / 1e6
    library = await Library.open(data_dir)
    await library.add_state(state)
    await give_recovery_codes(library, LARGE_ID)
    await library.close()
    del state
    floor_commits = await asyncio.to_thread(paced_commits, root)
    host = await HostProcess.start(
        "vtt_host.cli", "serve", "--headless", "--data-dir", str(data_dir),
        "--host", "127.0.0.1", "--port", "0", "--campaign", LARGE_ID, log=root / "large.log",
    )  # fmt: skip
    url, code = host.url, host.ready["joinCode"]
    clients: list[Client] = []
    try:
        clients.append(await Client.connect(url, gm_token=host.ready["gmToken"]))
        for pid in PLAYER_IDS:
            client = await Client.connect(
                url, name=f"Player {pid}", code=code, recovery=RECOVERY_CODE
            )
            assert client.player_id == pid, f"Player {pid} joined as {client.player_id}"
            clients.append(client)
        latest = max(c.version for c in clients)
        for client in clients:
            await client.wait_for_version(latest)
        movers = [Mover(clients[0], GM_TOKENS, 0)] + [
            Mover(c, [f"a{i}"], i + 1) for i, c in enumerate(clients[1:])
        ]
        for mover in movers:
            mover.client.on_frame.append(mover.hook())
        gc.collect()
        gc.freeze()
        rtts = [rtt for done in await asyncio.gather(*(pings(c) for c in clients)) for rtt in done]
        hot_rtts = await back_to_back_pings(clients[0])

        stop = asyncio.Event()
        tasks = [asyncio.create_task(move_loop(m, stop, (100, 100))) for m in movers]
        await asyncio.sleep(WARMUP_S)
        steady_start, cpu_start = time.perf_counter(), host.cpu_s()
        histogram_start = await host.ack_histogram()
        await asyncio.sleep(STEADY_S)
        steady_end, cpu_end = time.perf_counter(), host.cpu_s()
        histogram_end = await host.ack_histogram()
        sessions = [str(c.session) for c in clients[1:]]
        joins = await join_series(url, sessions, deflate=True)
        plain_joins = await join_series(url, sessions, deflate=False)
        stop.set()
        await asyncio.gather(*tasks)
        latest = max(c.version for c in clients)
        for client in clients:
            await client.wait_for_version(latest)
    finally:
        for client in clients:
            with contextlib.suppress(Exception):
                await client.close()
        await host.stop()
        gc.unfreeze()

    steady = acks_between(movers, steady_start, steady_end)
    spans, missing = broadcast_latencies(movers, steady_start, steady_end)
    return {
        "size_mb": size_mb,
        "floor_commits": floor_commits,
        "rtts": rtts,
        "hot_rtts": hot_rtts,
        "host_ack_p50": histogram_percentile(histogram_start, histogram_end, 50),
        "host_ack_p99": histogram_percentile(histogram_start, histogram_end, 99),
        "steady": steady,
        "steady_s": steady_end - steady_start,
        "host_cpu_per_move": (cpu_end - cpu_start) / max(1, len(steady)),
        "broadcast": spans,
        "missing": missing,
        "patch_sizes": [s for m in movers for s in m.patch_sizes],
        "bare_sizes": [s for m in movers for s in m.bare_sizes],
        "errors": [e for m in movers for e in m.errors],
        "joins": joins,
        "during_joins": acks_between(movers, joins[0].window[0], joins[-1].window[1]),
        "plain_joins": plain_joins,
        "during_plain_joins": acks_between(
            movers, plain_joins[0].window[0], plain_joins[-1].window[1]
        ),
    }


# --- fan-out: 100 small campaigns x 6 clients ---------------------------------------


def fanout_state(campaign_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The demo with players p1..p5 owning its five visible actors; who moves what."""
    counter = iter(range(1_000_000))
    state = demo_state(campaign_id, now_ms=1_700_000_000_000,
                       make_id=lambda prefix: f"{prefix}{next(counter)}")  # fmt: skip
    visible = [a for a in state["actors"].values() if not a.get("hidden")]
    hidden = [a for a in state["actors"].values() if a.get("hidden")]
    tokens = {"gm": hidden[0]["id"]}
    for pid, actor in zip(PLAYER_IDS, visible, strict=True):
        state["players"][pid] = {"id": pid, "name": f"Player {pid}", "joinedAt": 1}
        actor["owner"] = pid
        tokens[pid] = actor["id"]
    return validate_state(state), tokens


async def fanout_session(root: Path) -> dict[str, Any]:
    data_dir = root / "fanout"
    library = await Library.open(data_dir)
    tokens: dict[str, dict[str, str]] = {}
    for n in range(FANOUT_CAMPAIGNS):
        state, tokens[f"c_fan{n:03d}"] = fanout_state(f"c_fan{n:03d}")
        await library.add_state(state)
        await give_recovery_codes(library, f"c_fan{n:03d}")
    await library.close()
    host = await HostProcess.start(
        "bench._net", "--data-dir", str(data_dir), log=root / "fanout.log"
    )
    url = host.url
    clients: list[tuple[RawClient, str]] = []
    gate = asyncio.Semaphore(FANOUT_CONNECT_CONCURRENCY)

    async def join(campaign: str, who: str) -> None:
        secrets = host.ready["campaigns"][campaign]
        credential = (
            {"gmToken": secrets["gmToken"]}
            if who == "gm"
            else {"name": f"Player {who}", "code": secrets["joinCode"], "recovery": RECOVERY_CODE}
        )
        async with gate:
            client = await RawClient.connect(url, campaign=campaign, **credential)
        assert client.welcome["playerId"] == who
        clients.append((client, tokens[campaign][who]))

    try:
        connect_start = time.perf_counter()
        await asyncio.gather(
            *(join(c, who) for c in host.ready["campaigns"] for who in ["gm", *PLAYER_IDS])
        )
        connect_s = time.perf_counter() - connect_start
        await asyncio.sleep(0.5)
        gc.collect()
        gc.freeze()
        loop = asyncio.get_running_loop()
        period = 1 / FANOUT_ACTIONS_PER_S
        start_at = loop.time() + 0.2
        end_at = start_at + FANOUT_S

        async def pace(client: RawClient, token: str) -> int:
            deadline = start_at + random.uniform(0, period)
            n = 0
            while deadline < end_at:
                await asyncio.sleep(max(0.0, deadline - loop.time()))
                x, y = n % 20, (n // 20) % 16  # the demo map is 24 x 16
                await client.act({"kind": "move_token", "tokenId": token, "x": x, "y": y})
                n += 1
                deadline += period
            return n

        histogram_start = await host.ack_histogram()
        wall0, cpu0, host0 = time.perf_counter(), time.process_time(), host.cpu_s()
        sent = sum(await asyncio.gather(*(pace(c, t) for c, t in clients)))
        wall1, cpu1, host1 = time.perf_counter(), time.process_time(), host.cpu_s()
        for _ in range(int(DRAIN_S / 0.05)):
            if not any(c.unanswered for c, _ in clients):
                break
            await asyncio.sleep(0.05)
        histogram_end = await host.ack_histogram()
        latencies = [lat for c, _ in clients for lat in c.latencies]
        errors = [e for c, _ in clients for e in c.errors]
        unanswered = sum(c.unanswered for c, _ in clients)
        patches = sum(c.patches for c, _ in clients)
    finally:
        await asyncio.gather(*(c.close() for c, _ in clients), return_exceptions=True)
        await host.stop()
        gc.unfreeze()
    wall = wall1 - wall0
    return {
        "connections": len(clients),
        "connect_s": connect_s,
        "sent": sent,
        "rate": sent / wall,
        "latencies": latencies,
        "errors": errors,
        "unanswered": unanswered,
        "patches_per_s": patches / wall,
        "host_cpu": (host1 - host0) / wall,
        "client_cpu": (cpu1 - cpu0) / wall,
        "host_cpu_per_action": (host1 - host0) / max(1, sent),
        "host_ack_p50": histogram_percentile(histogram_start, histogram_end, 50),
        "host_ack_p99": histogram_percentile(histogram_start, histogram_end, 99),
    }


# --- report -------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _p(samples: list[float]) -> str:
    """p50 / p99 of latencies."""
    return f"{_ms(percentile(samples, 50))} / {_ms(percentile(samples, 99))}"


def _bucket(bound: float) -> str:
    return f"<= {bound * 1000:g} ms"


def _judge(metric: str, target_ms: float, seconds: float) -> Result:
    return Result(metric, f"<= {target_ms:g} ms", _ms(seconds), seconds * 1000 <= target_ms)


def _info(metric: str, measured: str) -> Result:
    return Result(metric, "", measured, None)


def _join_rows(label: str, joins: list[Join], acks: list[float], judged: bool) -> list[Result]:
    totals = [j.total for j in joins]
    worst, p99 = max(totals), percentile(acks, 99)
    parts = " / ".join(
        _ms(percentile([getattr(j, part) for j in joins], 50))
        for part in ("handshake", "welcome", "parse")
    )
    if judged:
        welcome = _judge(f"{label}: welcome, worst of {len(joins)}", TARGET_WELCOME_MS, worst)
        during = _judge(
            f"{label}: movers' ack p99 during joins ({len(acks)} acks)",
            TARGET_ACK_DURING_JOINS_P99_MS,
            p99,
        )
    else:
        welcome = _info(f"{label}: welcome, worst of {len(joins)}", _ms(worst))
        during = _info(f"{label}: movers' ack p99 during joins ({len(acks)} acks)", _ms(p99))
    return [
        _info(f"{label}: welcome, connect -> applied p50", _ms(percentile(totals, 50))),
        welcome,
        _info(f"{label}:   handshake / hello->received / parse, p50", parts),
        during,
        _info(f"{label}: movers' ack max during joins", _ms(max(acks))),
    ]


def report(large: dict[str, Any], fan: dict[str, Any]) -> list[Result]:
    steady, spans = large["steady"], large["broadcast"]
    sizes, bare = large["patch_sizes"], large["bare_sizes"]
    joins, plain = large["joins"], large["plain_joins"]
    welcome_ratio = percentile([j.total for j in joins], 50) / percentile(
        [j.total for j in plain], 50
    )
    fan_errors = len(fan["errors"]) + fan["unanswered"]
    refused = len(large["errors"])
    return [
        _info("machine cores (os.cpu_count)", str(os.cpu_count())),
        Result("campaign size (GM view)", "~5 MB", f"{large['size_mb']:.2f} MB", None),
        _info("floor: ping -> pong round trip p50 / p99", _p(large["rtts"])),
        _info("floor: the same, back to back (no idle CPU) p50 / p99", _p(large["hot_rtts"])),
        _info("floor: SQLite FULL commit every 50 ms p50 / p99", _p(large["floor_commits"])),
        Result(
            "1. moves measured (6 clients x 20/s, default limits)",
            "0 refused",
            f"{len(steady)} in {large['steady_s']:.1f} s, {refused} refused",
            refused == 0,
        ),
        _judge("1. move -> durable ack p50", TARGET_ACK_P50_MS, percentile(steady, 50)),
        _judge("1. move -> durable ack p99", TARGET_ACK_P99_MS, percentile(steady, 99)),
        _info("1. move -> durable ack max", _ms(max(steady))),
        _info(
            "1. host-side ack latency p50 / p99 (/metrics)",
            f"{_bucket(large['host_ack_p50'])} / {_bucket(large['host_ack_p99'])}",
        ),
        _info("1. host CPU per move (6 recipients)", f"{large['host_cpu_per_move'] * 1e6:.0f} us"),
        _info(
            "1. ack p50 / ping p50",
            f"{percentile(steady, 50) / percentile(large['rtts'], 50):.1f}x",
        ),
        _info(
            "1. ack p50 above the floors (ack - ping - commit)",
            _ms(
                percentile(steady, 50)
                - percentile(large["rtts"], 50)
                - percentile(large["floor_commits"], 50)
            ),
        ),
        _info("2. move -> applied by all 5 others p50", _ms(percentile(spans, 50))),
        _info("2. move -> applied by all 5 others p99", _ms(percentile(spans, 99))),
        Result(
            "2. broadcast p50 / ack p50",
            "",
            f"{percentile(spans, 50) / percentile(steady, 50):.2f}x, "
            f"{large['missing']} never arrived",
            None if not large["missing"] else False,
        ),
        Result(
            f"3. token-move patch received by a player (max of {len(sizes)})",
            f"<= {TARGET_PATCH_BYTES} B",
            f"{max(sizes)} B (p50 {percentile(sizes, 50)} B)",
            max(sizes) <= TARGET_PATCH_BYTES,
        ),
        _info(
            "3. the same without by + description", f"{max(bare)} B (p50 {percentile(bare, 50)} B)"
        ),
        _info("4. welcome frame (full player view)", f"{joins[0].size / 1e6:.2f} MB"),
        *_join_rows("4. deflate", joins, large["during_joins"], judged=True),
        *_join_rows("4. no deflate (diagnostic)", plain, large["during_plain_joins"], False),
        _info("4. welcome p50 deflate / no deflate", f"{welcome_ratio:.2f}x"),
        _info(
            "4. ack p99 during joins / steady",
            f"{percentile(large['during_joins'], 99) / percentile(steady, 99):.1f}x",
        ),
        _info(
            "5. fan-out connections (campaigns x 6)",
            f"{fan['connections']} ({FANOUT_CAMPAIGNS} campaigns), connected in "
            f"{fan['connect_s']:.1f} s",
        ),
        Result("5. actions sent", "~1,200/s", f"{fan['sent']:,} ({fan['rate']:,.0f}/s)", None),
        _info("5. patches received", f"{fan['patches_per_s']:,.0f}/s"),
        _info("5. ack p50", _ms(percentile(fan["latencies"], 50))),
        _judge("5. ack p99", TARGET_FANOUT_P99_MS, percentile(fan["latencies"], 99)),
        _info("5. ack max", _ms(max(fan["latencies"]))),
        _info(
            "5. host-side ack latency p50 / p99 (/metrics)",
            f"{_bucket(fan['host_ack_p50'])} / {_bucket(fan['host_ack_p99'])}",
        ),
        Result(
            "5. errors, refusals, unanswered",
            "0",
            str(fan_errors) + (f" (first: {fan['errors'][0]})" if fan["errors"] else ""),
            fan_errors == 0,
        ),
        _info("5. host process CPU", f"{fan['host_cpu'] * 100:.0f}% of a core"),
        _info("5. host CPU per action", f"{fan['host_cpu_per_action'] * 1e6:.0f} us"),
        _info("5. client side (bench process) CPU", f"{fan['client_cpu'] * 100:.0f}% of a core"),
    ]


async def main() -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        root = Path(tmp)
        large = await large_campaign_session(root)
        # The first host's shutdown (checkpoint, backup) leaves megabytes for the kernel
        # to write back; flush them now rather than under the fan-out's commits.
        await asyncio.to_thread(os.sync)
        fan = await fanout_session(root)
    rows = report(large, fan)
    rows.append(Result("benchmark wall time", "", f"{time.perf_counter() - started:.0f} s", None))
    print_table(
        f"network benchmark: one ~{large['size_mb']:.0f} MB campaign with 6 clients; "
        f"{FANOUT_CAMPAIGNS} campaigns x 6 clients",
        rows,
    )


if __name__ == "__main__":
    asyncio.run(main())
