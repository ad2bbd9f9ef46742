"""Each test is named after the attack it stops."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from vtt_host.actions import GM_CALLER
from vtt_host.client import Client, ConnectionRefused
from vtt_host.live import LiveCampaign
from vtt_host.manager import StateManager
from vtt_host.server import KICKED_CLOSE_CODE, Host, HostLimits

from .conftest import (
    HeldSleeps,
    MakeHost,
    actor_named,
    close_code,
    eventually,
    gm_client,
    hello,
    player_client,
    raw,
)

ONE_MIB = 1024 * 1024


async def send_hello(host: Host, **fields: Any) -> int | None:
    ws = await raw(host)
    await ws.send(json.dumps({"type": "hello", "protocol": 1, **fields}))
    return await close_code(ws)


async def test_wrong_join_code_is_refused_with_4001(host: Host) -> None:
    assert await send_hello(host, name="Eve", code="AAAA-AAAA-AA") == 4001


async def test_wrong_gm_token_is_refused_with_4001(host: Host) -> None:
    assert await send_hello(host, gmToken="x" * 43) == 4001


async def test_forged_session_token_is_refused_with_4001(host: Host) -> None:
    assert await send_hello(host, resume="not-a-session", since=0) == 4001


WRONG_CODE = "AAAA-AAAA-AA"


async def send_hello_from(host: Host, local: str, **fields: Any) -> str | int | None:
    """A hello from ``local`` (any of 127.0.0.0/8): the answer's type, or the close code."""
    ws = await connect(host.local_url, max_size=None, local_addr=(local, 0))
    try:
        return str((await hello(ws, **fields))["type"])
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    finally:
        await ws.close()


async def test_brute_force_of_the_join_code_is_slowed_to_one_guess_at_a_time(
    make_host: MakeHost,
) -> None:
    sleeps = HeldSleeps()
    host = await make_host(limits=HostLimits(), clock=lambda: 1000.0, sleep=sleeps)
    for _ in range(5):
        assert await send_hello(host, name="Eve", code=WRONG_CODE) == 4001
    assert sleeps.asked == []
    sixth = asyncio.create_task(send_hello(host, name="Eve", code=WRONG_CODE))
    await eventually(lambda: sleeps.asked == [10.0])
    assert not sixth.done()  # not refused: waiting for its turn
    sleeps.release.set()
    assert await sixth == 4001
    assert host.metrics.hellos_slowed == 1


async def test_a_stranger_guessing_codes_behind_the_same_address_cannot_lock_out_the_table(
    make_host: MakeHost, clients: list[Client]
) -> None:
    sleeps = HeldSleeps()
    host = await make_host(limits=HostLimits(), clock=lambda: 1000.0, sleep=sleeps)
    alice = await player_client(host, clients, "Alice", auto_resume=False)
    session = alice.session
    await alice.close()
    for _ in range(5):
        assert await send_hello(host, name="Eve", code=WRONG_CODE) == 4001
    guess = asyncio.create_task(send_hello(host, name="Eve", code=WRONG_CODE))
    await eventually(lambda: len(sleeps.asked) == 1)
    # While a guess waits for its turn, tokens from the same address get straight in.
    ws = await raw(host)
    assert (await hello(ws, resume=session, since=0))["type"] == "welcome"
    await ws.close()
    gm = await raw(host)
    assert (await hello(gm, gmToken=host.gm_token()))["type"] == "welcome"
    # The right code waits its turn, behind the guess, and then gets in.
    bob = asyncio.create_task(send_hello_from(host, "127.0.0.1", name="Bob", code=host.join_code()))
    await eventually(lambda: len(sleeps.asked) == 2)
    assert sleeps.asked == [10.0, 20.0]
    sleeps.release.set()
    assert await guess == 4001
    assert await bob == "welcome"
    # The guessing goes on, one at a time; it is never answered with a lockout.
    for _ in range(10):
        assert await send_hello(host, name="Eve", code=WRONG_CODE) == 4001
    carol = await send_hello_from(host, "127.0.0.1", name="Carol", code=host.join_code())
    assert carol == "welcome"
    assert host.metrics.hellos_refused[4008] == 0
    await gm.close()


async def test_guessing_from_many_addresses_hits_the_host_wide_limit(
    make_host: MakeHost, clients: list[Client]
) -> None:
    sleeps = HeldSleeps()
    sleeps.release.set()
    host = await make_host(limits=HostLimits(), clock=lambda: 1000.0, sleep=sleeps)
    alice = await player_client(host, clients, "Alice", auto_resume=False)
    session = alice.session
    await alice.close()
    for index in range(60):  # one guess each: no address reaches its own limit
        assert (
            await send_hello_from(host, f"127.0.1.{index + 1}", name="E", code=WRONG_CODE) == 4001
        )
    assert sleeps.asked == []
    # Now every address's codes are slowed, even one that never failed...
    assert await send_hello_from(host, "127.0.2.1", name="E", code=WRONG_CODE) == 4001
    assert sleeps.asked == [10.0]
    bob = await send_hello_from(host, "127.0.2.2", name="Bob", code=host.join_code())
    assert bob == "welcome"
    assert sleeps.asked == [10.0, 10.0]
    # ...while a session token is not.
    resumed = await send_hello_from(host, "127.0.2.3", resume=session, since=0)
    assert resumed == "welcome"
    assert len(sleeps.asked) == 2


async def test_the_python_client_waits_out_a_slowed_join_longer_than_its_open_timeout(
    make_host: MakeHost, clients: list[Client]
) -> None:
    async def sleep(delay_s: float) -> None:
        await asyncio.sleep(0.5)  # stands for the 10 s turn

    host = await make_host(limits=HostLimits(), clock=lambda: 1000.0, sleep=sleep)
    for _ in range(5):
        assert await send_hello(host, name="Eve", code=WRONG_CODE) == 4001
    bob = await player_client(host, clients, "Bob", open_timeout_s=0.2)
    assert bob.role == "player"
    assert host.metrics.hellos_slowed == 1


async def test_a_crowd_of_waiting_guesses_from_one_address_is_closed_with_4008(
    make_host: MakeHost,
) -> None:
    sleeps = HeldSleeps()
    host = await make_host(limits=HostLimits(), clock=lambda: 1000.0, sleep=sleeps)
    for _ in range(5):
        assert await send_hello(host, name="Eve", code=WRONG_CODE) == 4001
    waiting = [asyncio.create_task(send_hello(host, name="Eve", code=WRONG_CODE)) for _ in range(4)]
    await eventually(lambda: len(sleeps.asked) == 4)
    assert await send_hello(host, name="Eve", code=WRONG_CODE) == 4008
    ws = await raw(host)
    assert (await hello(ws, gmToken=host.gm_token()))["type"] == "welcome"
    await ws.close()
    other = await send_hello_from(host, "127.0.3.1", name="Bob", code=host.join_code())
    assert other == "welcome"
    sleeps.release.set()
    assert await asyncio.gather(*waiting) == [4001] * 4


async def test_waiting_guesses_do_not_hold_up_the_host_closing(make_host: MakeHost) -> None:
    sleeps = HeldSleeps()
    host = await make_host(limits=HostLimits(), clock=lambda: 1000.0, sleep=sleeps)
    for _ in range(5):
        assert await send_hello(host, name="Eve", code=WRONG_CODE) == 4001
    waiting = asyncio.create_task(send_hello(host, name="Eve", code=WRONG_CODE))
    await eventually(lambda: len(sleeps.asked) == 1)
    async with asyncio.timeout(5):
        await host.close()
    assert await waiting == 1001


async def test_failures_older_than_a_minute_no_longer_slow_anyone(make_host: MakeHost) -> None:
    now = [1000.0]
    sleeps = HeldSleeps()
    host = await make_host(limits=HostLimits(), clock=lambda: now[0], sleep=sleeps)
    for _ in range(5):
        assert await send_hello(host, name="Eve", code=WRONG_CODE) == 4001
    now[0] += 60
    ws = await raw(host)
    assert (await hello(ws, name="Eve", code=host.join_code()))["type"] == "welcome"
    assert sleeps.asked == []


async def test_oversized_first_frame_is_closed_with_1009(host: Host) -> None:
    ws = await raw(host)
    await ws.send("x" * (ONE_MIB + 1))
    assert await close_code(ws) == 1009


async def test_oversized_frame_after_hello_is_closed_with_1009(
    host: Host, clients: list[Client]
) -> None:
    alice = await player_client(host, clients, "Alice", auto_resume=False)
    await alice.send(
        {"type": "action", "id": "big", "action": {"kind": "chat", "text": "x" * ONE_MIB}}
    )
    await alice.wait_for(lambda: alice.is_closed)
    assert alice.closed_with is not None
    assert alice.closed_with[0] == 1009


async def test_frame_of_exactly_one_mib_is_accepted(host: Host, clients: list[Client]) -> None:
    alice = await player_client(host, clients, "Alice")
    frame = {"type": "action", "id": "a", "action": {"kind": "chat", "text": "hi"}, "pad": ""}
    padding = ONE_MIB - len(json.dumps(frame))
    frame["pad"] = "x" * padding
    await alice.ws.send(json.dumps(frame))
    error = await alice.next_frame("error")
    assert error["error"] == "bad_message"  # refused for the unknown field, not the size


async def test_garbage_json_hello_is_closed_with_4003(host: Host) -> None:
    ws = await raw(host)
    await ws.send('{"type": "hello", ')
    assert await close_code(ws) == 4003


async def test_binary_hello_is_closed_with_4003(host: Host) -> None:
    ws = await raw(host)
    await ws.send(b"\x89PNG")
    assert await close_code(ws) == 4003


async def test_hello_with_unknown_fields_is_closed_with_4003(host: Host) -> None:
    assert await send_hello(host, name="Eve", code=host.join_code(), admin=True) == 4003


async def test_hello_with_two_credentials_is_closed_with_4003(host: Host) -> None:
    assert (
        await send_hello(host, name="Eve", code=host.join_code(), gmToken=host.gm_token()) == 4003
    )


async def test_hello_with_no_credential_is_closed_with_4003(host: Host) -> None:
    assert await send_hello(host, name="Eve") == 4003


async def test_hello_for_another_protocol_version_is_closed_with_4002(host: Host) -> None:
    ws = await raw(host)
    await ws.send(json.dumps({"type": "hello", "protocol": 2, "gmToken": host.gm_token()}))
    assert await close_code(ws) == 4002


async def test_malformed_hellos_do_not_count_as_failed_attempts(host: Host) -> None:
    for _ in range(8):
        assert await send_hello(host, name="Eve") == 4003
    ws = await raw(host)
    assert (await hello(ws, name="Eve", code=host.join_code()))["type"] == "welcome"
    assert host.metrics.hellos_slowed == 0


async def test_silent_connection_is_closed_at_the_hello_deadline(make_host: MakeHost) -> None:
    host = await make_host(limits=HostLimits(hello_timeout_s=0.3))
    ws = await raw(host)
    assert await close_code(ws, timeout_s=5) == 4003


async def test_flood_gets_rate_limited_acks_then_4008(make_host: MakeHost) -> None:
    now = [0.0]
    host = await make_host(limits=HostLimits(), clock=lambda: now[0])
    ws = await raw(host)
    await hello(ws, name="Eve", code=host.join_code())
    chat = {"kind": "chat", "text": "spam"}
    for index in range(61):
        await ws.send(json.dumps({"type": "action", "id": f"f{index}", "action": chat}))
    statuses: dict[str, str] = {}
    while len(statuses) < 61:
        frame = json.loads(await ws.recv())
        if frame["type"] == "ack":
            statuses[frame["id"]] = frame.get("error", frame["status"])
    assert list(statuses.values()).count("applied") == 60
    assert statuses["f60"] == "rate_limited"
    # Keep sending faster than 30 a second: ten seconds over the limit closes it.
    refused = 0

    async def flood() -> None:
        nonlocal refused
        for _ in range(40):
            now[0] += 0.5
            for _ in range(20):
                await ws.send(json.dumps({"type": "ping"}))
            answered = 0
            while answered < 20:
                frame = json.loads(await ws.recv())
                answered += frame["type"] in ("pong", "error")
                refused += frame.get("error") == "rate_limited"

    with pytest.raises(ConnectionClosed) as closed:
        await flood()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4008
    assert now[0] == 10.0  # over the limit since t=0, closed at t=10
    assert refused >= 19 * 5


async def test_burst_within_limits_is_not_refused(make_host: MakeHost) -> None:
    now = [0.0]
    host = await make_host(limits=HostLimits(), clock=lambda: now[0])
    ws = await raw(host)
    await hello(ws, name="Eve", code=host.join_code())
    for index in range(50):
        await ws.send(json.dumps({"type": "ping", "id": f"p{index}"}))
    replies = [json.loads(await ws.recv()) for _ in range(50)]
    assert {frame["type"] for frame in replies} <= {"pong", "patch"}


async def test_client_that_never_reads_is_dropped_while_others_keep_receiving(
    make_host: MakeHost, campaign: LiveCampaign, clients: list[Client]
) -> None:
    host = await make_host(limits=HostLimits(send_queue_frames=50, send_queue_bytes=256 * 1024))
    # A client that stops reading: its socket buffers fill and the host's queue for it
    # overflows. max_queue=1 makes the client library stop reading almost at once.
    stalled = await connect(host.local_url, max_size=None, max_queue=1)
    await hello(stalled, name="Mallory", code=host.join_code())
    alice = await player_client(host, clients, "Alice")
    goblin = actor_named(campaign.manager.state, "Goblin 1")
    blob = base64.b64encode(os.urandom(150_000)).decode()  # deflate cannot shrink it
    manager: StateManager = campaign.manager
    for index in range(120):
        ops = [
            {
                "op": "replace",
                "path": f"/actors/{goblin}/pluginData",
                "value": {"n": index, "b": blob},
            }
        ]
        await manager.submit({"kind": "patch", "ops": ops}, GM_CALLER)
        await asyncio.sleep(0)
    await alice.wait_for_version(manager.version, timeout_s=30)
    assert alice.view["actors"][goblin]["pluginData"]["n"] == 119
    assert host.metrics.closed_slow == 1
    await eventually(lambda: host.health()["connections"] == 1)


async def test_player_cannot_send_gm_frames(host: Host, clients: list[Client]) -> None:
    alice = await player_client(host, clients, "Alice")
    bob = await player_client(host, clients, "Bob")
    for frame in ({"type": "rotate_code"}, {"type": "kick", "playerId": bob.player_id}):
        answer = await alice.request(frame)
        assert (answer["type"], answer["error"]) == ("error", "forbidden")
    decide = await alice.decide("act_x", approve=True)
    assert (decide["status"], decide["error"]) == ("rejected", "forbidden")
    patch = await alice.act({"kind": "patch", "ops": [{"op": "remove", "path": "/actors"}]})
    assert (patch["status"], patch["error"]) == ("rejected", "forbidden")
    assert not bob.is_closed


async def test_kicked_player_cannot_resume_with_the_old_session(
    host: Host, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    bob = await player_client(host, clients, "Bob")
    old_session = bob.session
    answer = await gm.kick(bob.player_id)
    assert (answer["type"], answer["closed"]) == ("kicked", 1)
    await bob.wait_for(lambda: bob.is_closed)
    assert bob.closed_with is not None
    assert bob.closed_with[0] == KICKED_CLOSE_CODE
    assert await send_hello(host, resume=old_session, since=0) == 4001
    again = await player_client(host, clients, "Bob", recovery=bob.recovery_code)
    assert again.player_id == bob.player_id


async def test_client_refusal_raises_with_the_close_code(host: Host) -> None:
    with pytest.raises(ConnectionRefused) as refused:
        await Client.connect(host.local_url, name="Eve", code="WRONG-CODE-00")
    assert refused.value.code == 4001


async def test_rate_limited_decide_is_answered_with_an_ack(make_host: MakeHost) -> None:
    host = await make_host(limits=HostLimits(), clock=lambda: 0.0)
    ws = await raw(host)
    await hello(ws, gmToken=host.gm_token())
    for _ in range(60):
        await ws.send(json.dumps({"type": "ping"}))
    decide = {"type": "decide", "id": "d1", "actionId": "act_1", "approve": True}
    await ws.send(json.dumps({**decide, "expectedVersion": 0}))
    while (frame := json.loads(await ws.recv()))["type"] != "ack":
        assert frame["type"] == "pong"
    assert (frame["id"], frame["status"], frame["error"]) == ("d1", "rejected", "rate_limited")


async def test_hello_with_a_huge_unknown_field_name_still_gets_4003(host: Host) -> None:
    assert await send_hello(host, gmToken="t", **{"é" * 500: 1}) == 4003
