"""Many clients acting at once, with connections dropping: views still converge."""

from __future__ import annotations

import asyncio
import random

import pytest

from vtt_host.client import Client, ConnectionLost
from vtt_host.live import LiveCampaign
from vtt_host.server import Host

from .conftest import actor_named, comparable, expected_view, gm_client, player_client

HEROES = ("Thorin", "Elara", "Pip")


async def play(client: Client, hero: str, others: list[str], rng: random.Random) -> int:
    """Random moves, chats and whispers; returns how many were acknowledged."""
    acked = 0
    for step in range(25):
        choice = rng.random()
        try:
            if choice < 0.5:
                ack = await client.move(hero, rng.randrange(20), rng.randrange(12))
            elif choice < 0.8:
                ack = await client.chat(f"{client.player_id} says {step}")
            else:
                ack = await client.chat(f"psst {step}", to=rng.choice(others))
        except ConnectionLost:
            continue  # the outcome is unknown; the view still converges
        assert ack["type"] == "ack"
        acked += ack["status"] == "applied"
        if rng.random() < 0.08:
            resumed = client.resumes
            client.ws.transport.abort()
            await client.wait_for(lambda r=resumed: client.resumes > r, timeout_s=10)
    return acked


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_concurrent_players_with_drops_end_with_the_hosts_views(
    host: Host, campaign: LiveCampaign, clients: list[Client], seed: int
) -> None:
    rng = random.Random(seed)
    gm = await gm_client(host, clients)
    players = [await player_client(host, clients, name) for name in ("Ann", "Ben", "Cat")]
    heroes = {}
    for client, name in zip(players, HEROES, strict=True):
        heroes[client.player_id] = actor_named(gm.view, name)
        action = {"kind": "assign_actor", "actorId": heroes[client.player_id]}
        assert (await gm.act({**action, "playerId": client.player_id}))["status"] == "applied"
    ids = [client.player_id for client in players]

    async def gm_moves() -> None:
        goblin = actor_named(gm.view, "Goblin 1")
        for step in range(25):
            await gm.move(goblin, step % 20, 2)

    results = await asyncio.gather(
        gm_moves(),
        *(
            play(
                client,
                heroes[client.player_id],
                [pid for pid in ids if pid != client.player_id],
                random.Random(rng.random()),
            )
            for client in players
        ),
    )
    assert sum(r for r in results if r) > 0
    assert sum(client.resumes for client in players) > 0
    final = campaign.manager.version
    for client in (gm, *players):
        await client.wait_for_version(final, timeout_s=20)
        assert comparable(client.view) == expected_view(campaign, client)
