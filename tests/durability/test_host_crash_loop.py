"""SIGKILL the whole host while six clients play, over and over: nothing acknowledged is
ever lost.

Each round starts the real host (``host_child``: ``vtt-host serve`` with checkpoints,
backups and imports made frequent), lets the GM and five players play over real
sockets (chat, rolls, token moves), and kills it at a random moment: at start-up, while
they play, inside a checkpoint, a backup or an import. Then the data folder is opened
as the next start would: it must need no recovery, and every change any client saw
acknowledged must be in the journal exactly as it was made.

``VTT_CRASH_LOOP_ROUNDS`` sets the number of rounds (CI runs a short form; the figures
in docs/reliability.md come from 100 or more). ``VTT_CRASH_SEED`` replays a run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.exceptions import WebSocketException

from storage import JournalRecord
from vtt_host.client import Client, ClientError
from vtt_host.library import Library

REPO_ROOT = Path(__file__).resolve().parents[2]
ROUNDS = int(os.environ.get("VTT_CRASH_LOOP_ROUNDS", "8"))
PLAYERS = ("Ada", "Brom", "Cyra", "Dain", "Esk")
HEROES = ("Thorin", "Elara", "Pip")
READY_TIMEOUT_S = 30.0


@dataclass
class Seat:
    """A player's way back in after a restart: the name and its recovery code."""

    name: str
    recovery: str
    hero: str | None


@dataclass
class Acknowledged:
    version: int
    by: str
    check: tuple[str, Any]  # ("text", marker) or ("move", (actor_id, x, y))


@dataclass
class Totals:
    rounds: int = 0
    acknowledged: int = 0
    moments: dict[str, int] = field(default_factory=dict)


async def start_host(data_dir: Path) -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.durability.host_child", str(data_dir),
        cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )  # fmt: skip
    assert child.stdout is not None
    while True:  # a checkpoint or backup at start-up may be announced first
        line = await asyncio.wait_for(child.stdout.readline(), READY_TIMEOUT_S)
        if not line:
            assert child.stderr is not None
            raise AssertionError((await child.stderr.read()).decode()[-3000:])
        if line.startswith(b"{"):
            return child, json.loads(line)


async def seat_players(ready: dict[str, Any]) -> list[Seat]:
    """The first round: five players join, the GM gives three of them a hero."""
    seats = []
    async with Client.connect(ready["url"], gm_token=ready["gmToken"], auto_resume=False) as gm:
        actors = {a["name"]: a["id"] for a in gm.view["actors"].values()}
        for index, name in enumerate(PLAYERS):
            async with Client.connect(
                ready["url"], name=name, code=ready["joinCode"], auto_resume=False
            ) as player:
                hero = HEROES[index] if index < len(HEROES) else None
                if hero is not None:
                    ack = await gm.act(
                        {
                            "kind": "assign_actor",
                            "actorId": actors[hero],
                            "playerId": player.player_id,
                        }
                    )
                    assert ack["status"] == "applied", ack
                assert player.recovery_code is not None
                seats.append(Seat(name, player.recovery_code, actors.get(hero) if hero else None))
    return seats


async def rejoin(ready: dict[str, Any], seat: Seat) -> Client:
    return await Client.connect(
        ready["url"], name=seat.name, code=ready["joinCode"], recovery=seat.recovery,
        auto_resume=False,
    )  # fmt: skip


async def play(
    client: Client, who: str, hero: str | None, seed: float, acked: list[Acknowledged]
) -> None:
    """Act as fast as acks come back, until the host is gone."""
    rng = random.Random(seed)
    n = 0
    with contextlib.suppress(ClientError, WebSocketException, OSError, asyncio.TimeoutError):
        while True:
            n += 1
            if hero is not None and n % 2 == 0:
                x, y = rng.randrange(10), rng.randrange(10)
                action: dict[str, Any] = {"kind": "move_token", "tokenId": hero, "x": x, "y": y}
                check: tuple[str, Any] = ("move", (hero, x, y))
            else:
                marker = f"{who} line {n} {rng.random():.6f}"
                action, check = {"kind": "chat", "text": marker}, ("text", marker)
            ack = await client.act(action, timeout_s=5)
            if ack.get("status") == "applied":
                acked.append(Acknowledged(int(ack["version"]), client.player_id, check))


def wanted(record: JournalRecord, ack: Acknowledged) -> bool:
    kind, what = ack.check
    if record.by != ack.by:
        return False
    if kind == "text":
        return what in json.dumps(record.ops)
    actor_id, x, y = what
    return any(
        op["path"] == f"/currentSession/tokenPositions/{actor_id}"
        and op.get("value") == {"x": x, "y": y}
        for op in record.ops
    )


async def check_after_kill(data_dir: Path, acked: list[Acknowledged], since: int) -> int:
    library = await Library.open(data_dir)
    try:
        assert library.recovery_reports == [], "a kill damaged the database"
        assert not (data_dir / "damaged").exists()
        (info,) = [i for i in await library.campaigns() if i.name == "The Goblin Crossroads"]
        if acked:
            assert info.version >= max(a.version for a in acked), "an acknowledged version was lost"
        records = await library.store.records_since(info.id, since)
        assert records is not None
        by_version = {record.version: record for record in records}
        for ack in acked:
            record = by_version.get(ack.version)
            assert record is not None, f"version {ack.version} is not in the journal"
            assert wanted(record, ack), f"version {ack.version} is not {ack}"
        return info.version
    finally:
        await library.close()
    assert await asyncio.to_thread(lambda: list(data_dir.rglob(".tmp-*"))) == []


async def test_killing_the_host_while_six_clients_play_never_loses_an_acknowledged_change(
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("VTT_CRASH_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    data_dir = tmp_path / "data"
    totals = Totals()
    seats: list[Seat] = []
    version = 0
    for index in range(ROUNDS):
        child, ready = await start_host(data_dir)
        moments: list[str] = []
        reader = asyncio.create_task(_note_moments(child, moments))
        acked: list[Acknowledged] = []
        clients: list[Client] = []
        try:
            if not seats:
                seats = await seat_players(ready)
            mode = "start-up" if index % 5 == 4 else "play"
            if mode == "play":
                clients.append(
                    await Client.connect(ready["url"], gm_token=ready["gmToken"], auto_resume=False)
                )
                for seat in seats:
                    clients.append(await rejoin(ready, seat))
                heroes = [None, *(seat.hero for seat in seats)]
                players = [
                    asyncio.create_task(play(c, f"c{i}", heroes[i], rng.random(), acked))
                    for i, c in enumerate(clients)
                ]
                await asyncio.sleep(rng.uniform(0.2, 1.5))
            else:
                players = []
                await asyncio.sleep(rng.uniform(0.0, 0.3))
            child.send_signal(signal.SIGKILL)
            await child.wait()
            await asyncio.gather(*players)
        finally:
            for client in clients:
                with contextlib.suppress(Exception):
                    await client.close()
            if child.returncode is None:
                child.kill()
                await child.wait()
            await reader
        assert child.returncode == -signal.SIGKILL
        try:
            version = await check_after_kill(data_dir, acked, version)
        except AssertionError as error:
            raise AssertionError(f"round {index}, VTT_CRASH_SEED={seed}: {error}") from error
        totals.rounds += 1
        totals.acknowledged += len(acked)
        last = moments[-1] if moments else mode
        totals.moments[last] = totals.moments.get(last, 0) + 1
    print(
        f"host crash loop (seed {seed}): {totals.rounds} SIGKILLs, {totals.acknowledged} "
        f"acknowledged changes, all found; last thing each host started: {totals.moments}"
    )
    assert totals.acknowledged > 0


async def _note_moments(child: asyncio.subprocess.Process, moments: list[str]) -> None:
    """What the host announced it was starting (checkpoint, backup, import)."""
    names = {"C": "checkpoint", "B": "backup", "I": "import"}
    assert child.stdout is not None
    while line := await child.stdout.readline():
        kind = line.decode().split(" ", 1)[0].strip()
        if kind in names:
            moments.append(names[kind])
