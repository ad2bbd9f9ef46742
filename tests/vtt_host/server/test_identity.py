"""A player's identity is their device's secret, not their name; each test is named
after the attack it stops (impersonation, lookalike names, registration floods)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from vtt_host.actions import GM_CALLER
from vtt_host.client import Client
from vtt_host.live import LiveCampaign
from vtt_host.server import Host, HostLimits
from vtt_host.server.credentials import digest, normalize_code

from .conftest import (
    MakeHost,
    actor_named,
    eventually,
    gm_client,
    player_client,
)

DAY_MS = 24 * 3600 * 1000


async def open_hello(host: Host, local: str | None = None, **fields: Any) -> ClientConnection:
    """A raw connection (from ``local``, a loopback address) that has sent its hello."""
    options: dict[str, Any] = {"max_size": None}
    if local is not None:
        options["local_addr"] = (local, 0)
    ws = await connect(host.local_url, **options)
    await ws.send(json.dumps({"type": "hello", "protocol": 1, **fields}))
    return ws


async def answer(ws: ClientConnection, timeout_s: float = 10.0) -> dict[str, Any] | tuple[int, str]:
    """The next frame, or (close code, reason) if the host closed the connection."""
    try:
        async with asyncio.timeout(timeout_s):
            return dict(json.loads(await ws.recv()))
    except ConnectionClosed as closed:
        received = closed.rcvd
    assert received is not None, "the connection dropped without a close frame"
    return received.code, received.reason


async def next_of(client: Client, kind: str) -> dict[str, Any]:
    return await client.next_frame(kind)


async def alice_at_the_table(
    host: Host, clients: list[Client], campaign: LiveCampaign
) -> tuple[Client, Client, str]:
    """The GM gives Alice Thorin and whispers her a secret; returns (gm, alice, thorin)."""
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    thorin = actor_named(gm.view, "Thorin")
    assign = {"kind": "assign_actor", "actorId": thorin, "playerId": alice.player_id}
    assert (await gm.act(assign))["status"] == "applied"
    whisper = {"kind": "chat", "text": "the amulet is cursed", "to": alice.player_id}
    assert (await gm.act(whisper))["status"] == "applied"
    await alice.wait_for_version(campaign.manager.version)
    return gm, alice, thorin


# -- claims ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Alice", "alice", "\uff21\uff2c\uff29\uff23\uff25", "  Alice "])
async def test_typing_an_existing_name_does_not_take_over_the_player(
    host: Host, clients: list[Client], campaign: LiveCampaign, typed: str
) -> None:
    gm, alice, _ = await alice_at_the_table(host, clients, campaign)
    version = campaign.manager.version

    mallory = await open_hello(host, name=typed, code=host.join_code())
    assert await answer(mallory) == {"type": "claim_pending", "timeoutMs": 120_000}
    claim = await next_of(gm, "claim")
    assert (claim["playerId"], claim["name"], claim["address"]) == (
        alice.player_id,
        "Alice",
        "127.0.0.1",
    )
    assert 0 < claim["expiresInMs"] <= 120_000

    refused = await gm.decide_claim(claim["claimId"], approve=False)
    assert refused == {
        "type": "claim_decided",
        "id": refused["id"],
        "claimId": claim["claimId"],
        "approved": False,
    }
    assert await answer(mallory) == (4001, "the GM did not confirm that this is you")
    ended = await next_of(gm, "claim_ended")
    assert ended == {"type": "claim_ended", "claimId": claim["claimId"], "outcome": "refused"}
    # Nothing of Alice's reached the claimant, and nothing changed.
    assert campaign.manager.version == version
    assert not alice.is_closed
    assert (await alice.chat("still me"))["status"] == "applied"


async def test_gm_approval_lets_a_claimant_in_as_the_player(
    host: Host, clients: list[Client], campaign: LiveCampaign
) -> None:
    gm, alice, thorin = await alice_at_the_table(host, clients, campaign)
    second = asyncio.create_task(player_client(host, clients, "Alice"))
    claim = await next_of(gm, "claim")
    assert not second.done()

    await gm.decide_claim(claim["claimId"], approve=True)
    device = await second
    assert device.player_id == alice.player_id
    assert device.session != alice.session
    assert device.recovery_code is None  # given only at the first registration
    assert device.view["actors"][thorin]["owner"] == alice.player_id
    assert (await next_of(gm, "claim_ended"))["outcome"] == "approved"
    # The new device resumes with its own token from now on.
    assert (await device.move(thorin, 5, 5))["status"] == "applied"


async def test_a_gm_who_connects_later_is_told_of_waiting_claims(
    host: Host, clients: list[Client]
) -> None:
    await player_client(host, clients, "Alice")
    claimant = await open_hello(host, name="Alice", code=host.join_code())
    assert (await answer(claimant))["type"] == "claim_pending"
    gm = await gm_client(host, clients)
    claim = await next_of(gm, "claim")
    assert claim["name"] == "Alice"


async def test_claim_that_the_gm_does_not_answer_is_refused_when_it_expires(
    make_host: MakeHost, clients: list[Client]
) -> None:
    host = await make_host(limits=HostLimits(claim_timeout_s=0.3))
    gm = await gm_client(host, clients)
    await player_client(host, clients, "Alice")
    claimant = await open_hello(host, name="Alice", code=host.join_code())
    assert await answer(claimant) == {"type": "claim_pending", "timeoutMs": 300}
    assert await answer(claimant) == (4001, "the GM did not answer in time; try again")
    claim = await next_of(gm, "claim")
    assert await next_of(gm, "claim_ended") == {
        "type": "claim_ended",
        "claimId": claim["claimId"],
        "outcome": "expired",
    }
    late = await gm.request({"type": "decide_claim", "claimId": claim["claimId"], "approve": True})
    assert (late["type"], late["error"]) == ("error", "not_found")


async def test_claimant_who_leaves_withdraws_the_claim(host: Host, clients: list[Client]) -> None:
    gm = await gm_client(host, clients)
    await player_client(host, clients, "Alice")
    claimant = await open_hello(host, name="Alice", code=host.join_code())
    assert (await answer(claimant))["type"] == "claim_pending"
    await claimant.close()
    assert (await next_of(gm, "claim_ended"))["outcome"] == "withdrawn"
    assert host.hub().claims.pending == []


async def test_repeated_claims_from_one_address_are_refused_with_4008(
    host: Host, clients: list[Client]
) -> None:
    await player_client(host, clients, "Alice")
    waiting = [await open_hello(host, name="Alice", code=host.join_code()) for _ in range(2)]
    for ws in waiting:
        assert (await answer(ws))["type"] == "claim_pending"
    third = await open_hello(host, name="Alice", code=host.join_code())
    assert await answer(third) == (4008, "you already have a request waiting for the GM")


async def test_player_cannot_decide_claims(host: Host, clients: list[Client]) -> None:
    alice = await player_client(host, clients, "Alice")
    claimant = await open_hello(host, name="Alice", code=host.join_code())
    assert (await answer(claimant))["type"] == "claim_pending"
    (claim,) = host.hub().claims.pending
    refused = await alice.request({"type": "decide_claim", "claimId": claim.id, "approve": True})
    assert (refused["type"], refused["error"]) == ("error", "forbidden")
    assert host.hub().claims.pending == [claim]


# -- recovery codes -------------------------------------------------------------------


async def test_recovery_code_lets_the_player_in_from_a_new_device_without_the_gm(
    host: Host, clients: list[Client], campaign: LiveCampaign
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    code = alice.recovery_code
    assert code is not None
    assert len(normalize_code(code)) == 12
    secrets = await campaign.get_secrets()
    assert code not in json.dumps(secrets)
    assert digest(normalize_code(code)) in secrets.values()

    laptop = await player_client(host, clients, "alice", recovery=code.lower())
    assert laptop.player_id == alice.player_id
    assert laptop.recovery_code is None
    assert not any(frame.get("type") == "claim" for frame in gm.frames)


async def test_guessed_recovery_code_is_refused_with_4001(
    host: Host, clients: list[Client]
) -> None:
    await player_client(host, clients, "Alice")
    guess = await open_hello(host, name="Alice", code=host.join_code(), recovery="AAAA-AAAA-AAAA")
    assert (await answer(guess))[0] == 4001
    # A recovery code for a name nobody has registers no one.
    stray = await open_hello(host, name="Zed", code=host.join_code(), recovery="AAAA-AAAA-AAAA")
    assert (await answer(stray))[0] == 4001
    assert [p["name"] for p in host.hub().manager.state["players"].values()] == ["Alice"]


async def test_recovery_code_of_one_player_does_not_open_another(
    host: Host, clients: list[Client]
) -> None:
    await player_client(host, clients, "Alice")
    bob = await player_client(host, clients, "Bob")
    borrowed = await open_hello(
        host, name="Alice", code=host.join_code(), recovery=bob.recovery_code
    )
    assert (await answer(borrowed))[0] == 4001


# -- names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("\u0410lice", "cannot mix alphabets"),  # Cyrillic A
        ("Ali\u0441e", "cannot mix alphabets"),  # Cyrillic es
        ("B\u03bfb", "cannot mix alphabets"),  # Greek omicron
        ("Al\u200bice", "invisible or control characters (U+200B)"),  # zero-width space
        ("Ali\u200dce", "invisible or control characters (U+200D)"),  # zero-width joiner
        ("\u202eecilA", "invisible or control characters (U+202E)"),  # right-to-left override
        ("Alice\u2066", "invisible or control characters (U+2066)"),  # bidi isolate
        ("Al\u00adice", "invisible or control characters (U+00AD)"),  # soft hyphen
        ("A\nB", "invisible or control characters (U+000A)"),
        ("\u3164", "invisible or control characters"),  # Hangul filler
        ("GM", "reserved for the game master"),
        ("gm", "reserved for the game master"),
        ("\uff27\uff2d", "reserved for the game master"),  # fullwidth GM
        ("Game  Master", "reserved for the game master"),
        ("   ", "at least one visible character"),
        ("e\u0301\u0301\u0301\u0301\u0301", "too many accents"),
    ],
)
async def test_lookalike_and_invisible_names_are_refused_with_4003(
    host: Host, clients: list[Client], typed: str, reason: str
) -> None:
    await player_client(host, clients, "Bob")
    players = dict(host.hub().manager.state["players"])
    ws = await open_hello(host, name=typed, code=host.join_code())
    code, said = await answer(ws)  # type: ignore[misc]
    assert code == 4003
    assert reason in said
    assert dict(host.hub().manager.state["players"]) == players


async def test_name_reading_like_a_taken_one_is_refused_with_4003(
    host: Host, clients: list[Client]
) -> None:
    await player_client(host, clients, "Alice")
    # All Cyrillic (no mixing): A, palochka, i, es, ie.
    ws = await open_hello(host, name="\u0410\u04cf\u0456\u0441\u0435", code=host.join_code())
    assert await answer(ws) == (4003, "that name looks like a player's already at this table")


async def test_names_are_normalised_before_they_are_stored_and_compared(
    host: Host, clients: list[Client]
) -> None:
    zoe = await player_client(host, clients, "  Zoe\u0308\u00a0 the   Brave ")
    stored = host.hub().manager.state["players"][zoe.player_id]["name"]
    assert stored == "Zo\u00eb the Brave"
    assert zoe.welcome["name"] == stored
    again = await open_hello(host, name="ZO\u00cb THE BRAVE", code=host.join_code())
    assert (await answer(again))["type"] == "claim_pending"
    bob = await player_client(host, clients, "\uff22\uff4f\uff42")  # fullwidth
    assert host.hub().manager.state["players"][bob.player_id]["name"] == "Bob"


# -- registration floods --------------------------------------------------------------


async def flood(host: Host, attempts: int, addresses: list[str]) -> list[Any]:
    """Throwaway names with the right code, one after another; each answer."""
    answers = []
    for n in range(attempts):
        ws = await open_hello(
            host, addresses[n % len(addresses)], name=f"Throwaway {n}", code=host.join_code()
        )
        answers.append(await answer(ws))
        await ws.close()
    return answers


async def test_registration_flood_from_one_address_is_refused_after_a_few_names(
    host: Host, clients: list[Client], campaign: LiveCampaign
) -> None:
    answers = await flood(host, 1500, ["127.0.0.1"])
    welcomed = [a for a in answers if isinstance(a, dict)]
    assert len(welcomed) == HostLimits().new_players_per_address
    refusals = {a for a in answers if isinstance(a, tuple)}
    assert refusals == {(4008, "too many new players from your network lately; ask the GM")}
    assert len(campaign.manager.state["players"]) == len(welcomed)
    # A real player on another network still gets in.
    ws = await open_hello(host, "127.0.0.9", name="Dana", code=host.join_code())
    assert (await answer(ws))["type"] == "welcome"


async def test_registration_flood_from_many_addresses_fills_the_table_and_no_more(
    host: Host, clients: list[Client], campaign: LiveCampaign
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    thorin = actor_named(gm.view, "Thorin")
    await gm.act({"kind": "assign_actor", "actorId": thorin, "playerId": alice.player_id})
    limits = HostLimits()
    addresses = [f"127.0.{n // 250}.{n % 250 + 2}" for n in range(300)]
    listeners = campaign.manager.listener_count

    answers = await flood(host, 1500, addresses)

    welcomed = [a for a in answers if isinstance(a, dict)]
    assert len(welcomed) == limits.table_players - 1  # Alice holds a seat
    refusals = {a for a in answers if isinstance(a, tuple)}
    assert refusals == {(4008, f"the table is full ({limits.table_players} players); ask the GM")}
    await eventually(lambda: len(campaign.manager.state["currentSession"]["connectedPlayers"]) == 1)
    # What every move pays for is bounded: the players, the mailboxes kept for players
    # who are away, and the subscriptions each change is filtered for.
    hub = host.hub()
    assert len(campaign.manager.state["players"]) == limits.table_players
    assert hub.mailbox_count == 1 + 1 + limits.idle_mailboxes  # GM, Alice, the idle ones
    assert campaign.manager.listener_count == listeners + limits.idle_mailboxes
    ack = await alice.move(thorin, 3, 4)
    assert ack["status"] == "applied"
    await gm.wait_for(
        lambda: gm.view["currentSession"]["tokenPositions"][thorin] == {"x": 3, "y": 4}
    )


# -- forgetting who never came back ---------------------------------------------------


async def test_players_who_never_came_back_are_forgotten_at_start_up(
    make_host: MakeHost, clients: list[Client], campaign: LiveCampaign
) -> None:
    first = await make_host(limits=HostLimits())
    gone = await player_client(first, clients, "Gone", auto_resume=False)
    owner = await player_client(first, clients, "Owner", auto_resume=False)
    recent = await player_client(first, clients, "Recent", auto_resume=False)
    for client in (gone, owner, recent):
        await client.close()
    await first.close()
    manager = campaign.manager
    long_ago = manager.state["players"][gone.player_id]["lastSeenAt"] - 31 * DAY_MS
    thorin = actor_named(manager.state, "Thorin")
    ops = [
        {"op": "replace", "path": f"/players/{pid}/lastSeenAt", "value": long_ago}
        for pid in (gone.player_id, owner.player_id)
    ]
    ops.append({"op": "replace", "path": f"/actors/{thorin}/owner", "value": owner.player_id})
    await manager.submit({"kind": "patch", "ops": ops}, GM_CALLER)
    version = manager.version

    second = await make_host(limits=HostLimits())

    assert set(manager.state["players"]) == {owner.player_id, recent.player_id}
    assert manager.version == version + 1
    assert manager.state["changeLog"][-1]["description"] == "1 player who never came back forgotten"
    secrets = await campaign.get_secrets()
    assert not any(gone.player_id in key for key in secrets)
    ws = await open_hello(second, resume=gone.session, since=version)
    assert (await answer(ws))[0] == 4001
    ws = await open_hello(second, resume=recent.session)
    assert (await answer(ws))["type"] == "welcome"


async def test_removed_player_cannot_resume(host: Host, clients: list[Client]) -> None:
    gm = await gm_client(host, clients)
    eve = await player_client(host, clients, "Eve", auto_resume=False)
    await eve.close()
    await eventually(lambda: not host.hub().members_of(eve.player_id))
    await gm.wait_for(lambda: not gm.view["currentSession"]["connectedPlayers"])
    ack = await gm.act({"kind": "remove_player", "playerId": eve.player_id})
    assert ack["status"] == "applied", ack
    ws = await open_hello(host, resume=eve.session)
    assert (await answer(ws))[0] == 4001
    # The name is free again: a new registration, not a claim.
    ws = await open_hello(host, name="Eve", code=host.join_code())
    welcome = await answer(ws)
    assert isinstance(welcome, dict)
    assert welcome["type"] == "welcome"
    assert welcome["playerId"] != eve.player_id
