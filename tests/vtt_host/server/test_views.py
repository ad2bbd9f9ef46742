"""After a whole scripted session, every client's view is the host's view for it."""

from __future__ import annotations

import json
from typing import Any

from vtt_host.client import Client
from vtt_host.live import LiveCampaign
from vtt_host.server import Host

from .conftest import actor_named, comparable, expected_view, gm_client, player_client


def record(client: Client) -> list[str]:
    """Every frame text the client received, the welcome first."""
    texts = [json.dumps(client.welcome)]
    client.on_frame.append(lambda frame: texts.append(json.dumps(frame)))
    return texts


def secrets_of(state: dict[str, Any]) -> list[str]:
    """Ids and texts of the demo's hidden things: a player must never receive them."""
    hidden = [
        entity_id
        for collection in ("actors", "items", "maps")
        for entity_id, entity in state[collection].items()
        if entity.get("hidden")
    ]
    notes = [state["campaign"]["gmNotes"]] + [
        entity["gmNotes"]
        for collection in ("actors", "encounters")
        for entity in state[collection].values()
        if entity.get("gmNotes")
    ]
    return hidden + notes


async def test_scripted_session_leaves_every_view_equal_to_the_hosts(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    state = campaign.manager.state
    secrets = secrets_of(dict(state))
    assert len(secrets) >= 5
    boss = actor_named(dict(state), "Goblin Boss")
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    bob = await player_client(host, clients, "Bob")
    cleo = await player_client(host, clients, "Cleo")
    players = [alice, bob, cleo]
    received = {client.player_id: record(client) for client in players}

    heroes = {}
    for client, hero in zip(players, ("Thorin", "Elara", "Pip"), strict=True):
        heroes[client.player_id] = actor_named(gm.view, hero)
        assign = {"kind": "assign_actor", "actorId": heroes[client.player_id]}
        ack = await gm.act({**assign, "playerId": client.player_id})
        assert ack["status"] == "applied"
    for index, client in enumerate(players):
        await client.wait_for_version(gm.version)
        assert (await client.move(heroes[client.player_id], 5 + index, 6))["status"] == "applied"

    assert (await alice.chat("Hello, table"))["status"] == "applied"
    assert (await bob.chat("psst, Cleo", to=cleo.player_id))["status"] == "applied"
    assert (await gm.chat("Alice, you hear something", to=alice.player_id))["status"] == "applied"
    assert (await cleo.roll("2d20kh1+5", label="stealth"))["status"] == "applied"
    assert (await alice.roll("1d20", label="secret"))["status"] == "applied"

    # GM-only work a player must not see anything of.
    secret_ops = [
        {"op": "replace", "path": f"/actors/{boss}/hp/current", "value": 15},
        {"op": "replace", "path": f"/actors/{boss}/gmNotes", "value": "now furious"},
    ]
    assert (await gm.act({"kind": "patch", "ops": secret_ops}))["status"] == "applied"
    assert (await gm.move(boss, 17, 4))["status"] == "applied"
    secrets.append("now furious")

    # Proposals: one approved, one rejected, one stale then retried.
    def propose(hero: str, value: int) -> dict[str, Any]:
        path = f"/actors/{hero}/hp/current"
        change = [{"op": "replace", "path": path, "value": value}]
        return {"kind": "propose", "summary": f"hp to {value}", "changes": change}

    first = await alice.act(propose(heroes[alice.player_id], 4))
    second = await bob.act(propose(heroes[bob.player_id], 99))
    third = await cleo.act(propose(heroes[cleo.player_id], 7))
    assert [a["status"] for a in (first, second, third)] == ["pending"] * 3
    await gm.wait_for_version(third["version"])
    seen = gm.version
    approved = await gm.decide(first["actionId"], approve=True)
    rejected = await gm.decide(second["actionId"], approve=False, reason="nice try")
    assert (approved["status"], rejected["status"]) == ("applied", "applied")
    pip_hp = [{"op": "replace", "path": f"/actors/{heroes[cleo.player_id]}/hp/current", "value": 2}]
    assert (await gm.act({"kind": "patch", "ops": pip_hp}))["status"] == "applied"
    retry = await gm.decide(third["actionId"], approve=True, expected_version=seen)
    assert retry["type"] == "action_retry"
    retried = await gm.decide(third["actionId"], approve=True, expected_version=retry["version"])
    assert retried["status"] == "applied"
    assert (await alice.next_frame("decided"))["approved"] is True
    assert (await bob.next_frame("decided"))["reason"] == "nice try"
    assert (await cleo.next_frame("decided"))["approved"] is True

    # Initiative: the GM starts the encounter and passes turns.
    encounter = next(iter(gm.view["encounters"]))
    assert (await gm.act({"kind": "start_encounter", "encounterId": encounter}))[
        "status"
    ] == "applied"
    assert (await gm.act({"kind": "next_turn"}))["status"] == "applied"

    final = campaign.manager.version
    for client in (gm, *players):
        await client.wait_for_version(final)
        assert client.version == final
        assert comparable(client.view) == expected_view(campaign, client)
    assert cleo.view["actors"][heroes[cleo.player_id]]["hp"]["current"] == 7
    for player_id, texts in received.items():
        everything = "\n".join(texts)
        leaked = [secret for secret in secrets if secret in everything]
        assert leaked == [], f"{player_id} received {leaked}"
    bob_texts = "\n".join(received[bob.player_id])
    assert "you hear something" not in bob_texts  # the GM's whisper to Alice
    assert "psst" not in "\n".join(received[alice.player_id])


async def test_revealing_and_hiding_an_actor_reaches_players_as_add_and_remove(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    boss = actor_named(gm.view, "Goblin Boss")
    assert boss not in alice.view["actors"]
    reveal = await gm.act({"kind": "reveal", "collection": "actors", "id": boss})
    await alice.wait_for_version(reveal["version"])
    assert boss in alice.view["actors"]
    assert "gmNotes" not in alice.view["actors"][boss]
    assert boss in alice.view["currentSession"]["tokenPositions"]
    assert comparable(alice.view) == expected_view(campaign, alice)
    hide = await gm.act({"kind": "hide", "collection": "actors", "id": boss})
    await alice.wait_for_version(hide["version"])
    assert boss not in alice.view["actors"]
    assert boss not in alice.view["currentSession"]["tokenPositions"]
    assert comparable(alice.view) == expected_view(campaign, alice)


async def test_identical_patches_are_encoded_once_for_all_players(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    players = [await player_client(host, clients, name) for name in ("A", "B", "C", "D")]
    goblin = actor_named(gm.view, "Goblin 1")
    hub = host.hub()
    before = hub.cache.encoded
    ack = await gm.move(goblin, 3, 3)
    for client in players:
        await client.wait_for_version(ack["version"])
    # One encoding for the GM (who also gets the change-log op), one shared by the
    # four players, their four mailboxes and the GM's mailbox reuse them.
    assert hub.cache.encoded - before == 2


async def test_a_hidden_npcs_condition_ending_never_reaches_a_players_connection(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    texts = record(alice)
    boss = actor_named(gm.view, "Goblin Boss")
    encounter = next(iter(gm.view["encounters"]))
    enraged = [{"name": "Enraged", "rounds": 1, "note": ""}]
    for action in (
        {"kind": "update_actor", "id": boss, "set": {"conditions": enraged}},
        {"kind": "add_combatant", "actorId": boss, "encounterId": encounter},
        {"kind": "start_encounter", "encounterId": encounter},
    ):
        assert (await gm.act(action))["status"] == "applied"
    for _ in range(len(gm.view["currentSession"]["initiative"]) - 1):
        assert (await gm.act({"kind": "next_turn"}))["status"] == "applied"
    sent_before = len(texts)

    ended = await gm.act({"kind": "next_turn"})  # the boss's turn ends

    await alice.wait_for_version(ended["version"])
    await gm.wait_for_version(ended["version"])
    told = gm.view["currentSession"]["chatMessages"][-1]
    assert (told["text"], told["to"], told["from"]) == (
        "Goblin Boss is no longer Enraged.",
        "gm",
        "system",
    )
    (frame,) = [
        frame
        for frame in map(json.loads, texts[sent_before:])
        if frame.get("version") == ended["version"]
    ]
    assert frame["type"] == "patch"
    assert frame["ops"] == [{"op": "replace", "path": "/currentSession/round", "value": 2}]
    assert "description" not in frame
    for secret in ("Enraged", "Goblin Boss", boss):
        assert secret not in "\n".join(texts)
    assert comparable(alice.view) == expected_view(campaign, alice)
