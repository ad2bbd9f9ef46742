"""Writes coalesced per loop step: the mover's patch and ack travel together, first."""

from __future__ import annotations

import asyncio
from typing import Any

from vtt_host.client import Client
from vtt_host.live import LiveCampaign
from vtt_host.server import Host
from vtt_host.server.connection import Connection
from vtt_host.server.writes import WriteCoalescer

from .conftest import MakeHost, actor_named, comparable, expected_view, gm_client, player_client


def record_writes(connection: Any, who: str, log: list[tuple[str, bytes]]) -> None:
    """Log every write the host hands this connection's socket."""
    assert isinstance(connection, Connection)
    transport = connection.ws.transport
    write = transport.write

    def logged(data: bytes) -> None:
        log.append((who, bytes(data)))
        write(data)

    transport.write = logged  # type: ignore[method-assign]


async def test_the_movers_patch_and_ack_leave_in_one_write_before_the_others(
    host: Host, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    bob = await player_client(host, clients, "Bob")
    for client in (gm, alice, bob):
        await client.wait_for_version(bob.version)
    log: list[tuple[str, bytes]] = []
    hub = host.hub()
    for who, client in (("gm", gm), ("alice", alice), ("bob", bob)):
        (connection,) = hub.members_of(client.player_id)
        record_writes(connection, who, log)

    goblin = actor_named(gm.view, "Goblin 1")
    ack = await gm.move(goblin, 3, 4)
    await alice.wait_for_version(ack["version"])
    await bob.wait_for_version(ack["version"])

    assert log[0][0] == "gm"
    assert sorted(who for who, _ in log) == ["alice", "bob", "gm"]  # one write each
    gm_bytes = log[0][1]
    assert gm_bytes.index(b'"type":"patch"') < gm_bytes.index(b'"type":"ack"')


class Recorder:
    def __init__(self, name: str, flushed: list[str]) -> None:
        self.name = name
        self._flushed = flushed

    def flush(self) -> None:
        self._flushed.append(self.name)


async def test_frames_marked_in_one_step_are_flushed_once_when_the_step_ends() -> None:
    flushed: list[str] = []
    writes = WriteCoalescer()
    a, b = Recorder("a", flushed), Recorder("b", flushed)
    writes.mark(a)
    writes.mark(b)
    writes.mark(a)
    assert flushed == []  # nothing is written inside the step
    await asyncio.sleep(0)
    assert flushed == ["a", "b"]
    await asyncio.sleep(0)
    assert flushed == ["a", "b"]


async def test_the_answered_connection_is_written_at_once_the_others_at_the_step_end() -> None:
    flushed: list[str] = []
    writes = WriteCoalescer()
    a, b, c = (Recorder(name, flushed) for name in "abc")
    for connection in (a, b, c):
        writes.mark(connection)
    writes.flush_one(c)
    assert flushed == ["c"]
    await asyncio.sleep(0)
    assert flushed == ["c", "a", "b"]
    assert len(writes) == 0


async def test_players_on_compressed_connections_get_the_same_patches(
    make_host: MakeHost, campaign: LiveCampaign, clients: list[Client]
) -> None:
    host = await make_host(compression="deflate")
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    assert alice.ws.protocol.extensions  # permessage-deflate was negotiated
    goblin = actor_named(gm.view, "Goblin 1")
    ack = await gm.move(goblin, 5, 6)
    await alice.wait_for_version(ack["version"])
    assert alice.view["currentSession"]["tokenPositions"][goblin] == {"x": 5, "y": 6}
    assert comparable(alice.view) == expected_view(campaign, alice)


class Broken:
    def flush(self) -> None:
        raise RuntimeError("the socket is gone")


async def test_one_broken_connection_does_not_hold_up_the_others() -> None:
    flushed: list[str] = []
    writes = WriteCoalescer()
    writes.mark(Broken())
    writes.mark(Recorder("a", flushed))
    await asyncio.sleep(0)
    assert flushed == ["a"]
