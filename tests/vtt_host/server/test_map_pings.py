"""Map pings between real clients: who sees them, who does not, and the rate limit."""

from __future__ import annotations

import json
from typing import Any

import pytest

from vtt_host.client import Client
from vtt_host.live import LiveCampaign
from vtt_host.server import Host, HostLimits
from vtt_host.server.pings import PingRefused, Reach, route

from .conftest import MakeHost, gm_client, player_client


class Clock:
    """The host's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def record(client: Client) -> list[dict[str, Any]]:
    """Every frame the client receives from now on."""
    seen: list[dict[str, Any]] = []
    client.on_frame.append(seen.append)
    return seen


def pings(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [frame for frame in frames if frame.get("type") == "map_ping"]


def current_map(campaign: LiveCampaign) -> str:
    map_id = campaign.manager.state["currentSession"]["currentMapId"]
    assert isinstance(map_id, str)
    return map_id


async def ping(client: Client, x: float, y: float) -> dict[str, Any]:
    """Ping and wait for the host's answer to the sender (its copy, or an error)."""
    return await client.request({"type": "map_ping", "x": x, "y": y})


async def test_a_ping_reaches_every_player_and_the_gm(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    bob = await player_client(host, clients, "Bob")
    version = campaign.manager.version

    own = await ping(alice, 12.5, 3.25)
    got = await bob.next_frame("map_ping")
    at_gm = await gm.next_frame("map_ping")

    expected = {
        "type": "map_ping",
        "from": alice.player_id,
        "fromName": "Alice",
        "mapId": current_map(campaign),
        "x": 12.5,
        "y": 3.25,
    }
    for frame in (own, got, at_gm):
        assert {k: v for k, v in frame.items() if k not in ("at", "id")} == expected
        assert isinstance(frame["at"], int)
    assert own["id"].startswith("c")
    assert "id" not in got
    assert campaign.manager.version == version  # nothing changed, nothing journaled
    records = await campaign.records_since(0) or []
    assert all(record.version <= version for record in records)


async def test_a_ping_in_fog_reaches_the_gm_and_not_the_other_player(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    bob = await player_client(host, clients, "Bob")
    bob_saw, gm_saw = record(bob), record(gm)
    map_id = current_map(campaign)
    await gm.act({"kind": "set_fog", "mapId": map_id, "enabled": True})
    reveal = {"x": 0, "y": 0, "width": 6, "height": 4}
    ack = await gm.act({"kind": "paint_fog", "mapId": map_id, "reveal": True, "areas": [reveal]})
    await bob.wait_for_version(ack["version"])

    for sender in (alice, gm):
        own = await ping(sender, 10.5, 2.5)  # in fog
        assert (own["type"], own["mapId"]) == ("map_ping", map_id)
    seen = await ping(alice, 5.75, 3.5)  # revealed
    assert seen["type"] == "map_ping"
    await bob.wait_for(lambda: bool(pings(bob_saw)))
    await gm.wait_for(lambda: len(pings(gm_saw)) == 3)

    at_gm = [(p["from"], p["x"]) for p in pings(gm_saw)]
    assert at_gm == [(alice.player_id, 10.5), ("gm", 10.5), (alice.player_id, 5.75)]

    assert [(p["from"], p["x"]) for p in pings(bob_saw)] == [(alice.player_id, 5.75)]
    assert "10.5" not in json.dumps(bob_saw)
    assert 'vtt_map_pings_total{outcome="gm_only"} 2' in host._render_metrics()


async def test_the_gm_pings_as_gm(host: Host, clients: list[Client]) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    await ping(gm, 0, 0)
    got = await alice.next_frame("map_ping")
    assert (got["from"], got["fromName"], got["x"], got["y"]) == ("gm", "GM", 0, 0)


async def test_while_the_map_is_hidden_a_gm_ping_stays_with_the_gm(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    other_gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    alice_saw = record(alice)
    map_id = current_map(campaign)
    await gm.act({"kind": "hide", "collection": "maps", "id": map_id})

    own = await ping(gm, 4, 4)
    assert own["mapId"] == map_id
    assert (await other_gm.next_frame("map_ping"))["mapId"] == map_id
    await gm.act({"kind": "reveal", "collection": "maps", "id": map_id})
    await alice.wait_for(lambda: alice.view["currentSession"]["currentMapId"] == map_id)
    assert pings(alice_saw) == []


async def test_a_player_pinging_a_hidden_map_learns_nothing_of_it(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    bob = await player_client(host, clients, "Bob")
    bob_saw = record(bob)
    map_id = current_map(campaign)
    await gm.act({"kind": "hide", "collection": "maps", "id": map_id})
    await alice.wait_for(lambda: alice.view["currentSession"]["currentMapId"] is None)

    own = await ping(alice, 2, 3)
    assert own["mapId"] is None
    assert (await gm.next_frame("map_ping"))["mapId"] == map_id
    # Far outside the hidden map: not refused (that would tell its size), not passed on.
    far = await ping(alice, 5000, 5000)
    assert (far["type"], far["mapId"]) == ("map_ping", None)
    await ping(gm, 1, 1)
    assert (await gm.next_frame("map_ping"))["from"] == "gm"  # the GM heard only the first

    await gm.act({"kind": "reveal", "collection": "maps", "id": map_id})
    await bob.wait_for(lambda: bob.view["currentSession"]["currentMapId"] == map_id)
    assert pings(bob_saw) == []
    assert map_id not in json.dumps([frame for frame in alice.frames if frame is not own])


async def test_pings_past_the_limit_are_dropped_with_one_error_per_burst(
    make_host: MakeHost, clients: list[Client]
) -> None:
    clock = Clock()
    host = await make_host(limits=HostLimits(), clock=clock)
    alice = await player_client(host, clients, "Alice")
    bob = await player_client(host, clients, "Bob")
    bob_saw = record(bob)

    for n in range(5):
        assert (await ping(alice, n, 0))["type"] == "map_ping"
    refused = await ping(alice, 5, 0)
    assert (refused["type"], refused["error"]) == ("error", "rate_limited")
    for n in range(6, 9):  # dropped without another error
        await alice.send({"type": "map_ping", "x": n, "y": 0})
    assert (await alice.request({"type": "ping"}))["type"] == "pong"  # all were read
    clock.now += 0.5  # one more ping's worth
    assert (await ping(alice, 9, 0))["x"] == 9
    again = await ping(alice, 10, 0)
    assert again["error"] == "rate_limited"  # a new burst over the limit: told again

    await bob.wait_for(lambda: any(p["x"] == 9 for p in pings(bob_saw)))
    assert [p["x"] for p in pings(bob_saw)] == [0, 1, 2, 3, 4, 9]
    assert [f["error"] for f in alice.frames if f.get("type") == "error"] == [
        "rate_limited",
        "rate_limited",
    ]
    assert 'vtt_map_pings_total{outcome="rate_limited"} 5' in host._render_metrics()
    assert 'vtt_map_pings_total{outcome="everyone"} 6' in host._render_metrics()


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        ({"x": -1, "y": 0}, "bad_message"),
        ({"x": 0}, "bad_message"),
        ({"x": "1", "y": 1}, "bad_message"),
        ({"x": True, "y": 1}, "bad_message"),
        ({"x": None, "y": 1}, "bad_message"),
        ({"x": 1, "y": 1, "mapId": "m_x"}, "bad_message"),
        ({"x": 1, "y": 1, "from": "gm"}, "bad_message"),
        ({"x": 24.01, "y": 1}, "invalid"),  # the demo map is 24x16 cells
        ({"x": 1, "y": 16.5}, "invalid"),
    ],
)
async def test_bad_pings_reach_nobody(
    host: Host, clients: list[Client], frame: dict[str, Any], error: str
) -> None:
    alice = await player_client(host, clients, "Alice")
    bob = await player_client(host, clients, "Bob")
    bob_saw = record(bob)
    answer = await alice.request({"type": "map_ping", **frame, "id": "p1"})
    assert (answer["type"], answer["error"], answer["id"]) == ("error", error, "p1")
    await ping(alice, 24, 16)  # the far corner is on the map
    await bob.next_frame("map_ping")
    assert [(p["x"], p["y"]) for p in pings(bob_saw)] == [(24, 16)]


async def test_not_plain_numbers_are_invalid(host: Host, clients: list[Client]) -> None:
    alice = await player_client(host, clients, "Alice")
    for number in ("1e400", "-1e400", "NaN", "Infinity"):
        await alice.ws.send(f'{{"type": "map_ping", "id": "n", "x": {number}, "y": 1}}')
        answer = await alice.next_frame("error")
        assert answer["error"] in ("invalid", "bad_message"), number


async def test_no_current_map_is_invalid(host: Host, clients: list[Client]) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    await gm.act({"kind": "set_current_map", "mapId": None})
    await alice.wait_for(lambda: alice.view["currentSession"]["currentMapId"] is None)
    for sender in (gm, alice):
        answer = await ping(sender, 1, 1)
        assert (answer["type"], answer["error"]) == ("error", "invalid")
        assert "no map" in answer["message"]


# -- the rule, on a state with fog -------------------------------------------------------


def fogged_state(*, enabled: bool = True, hidden: bool = False) -> dict[str, Any]:
    """A 24x16 map whose row 3 is revealed from x 0 to 10, and the far corner cell."""
    fog = {"enabled": enabled, "revealed": {"3": [[0, 10]], "15": [[23, 24]]}}
    game_map = {"id": "m_1", "name": "Cave", "hidden": hidden, "fog": fog}
    game_map["grid"] = {"width": 24, "height": 16}
    return {"maps": {"m_1": game_map}, "currentSession": {"currentMapId": "m_1"}}


@pytest.mark.parametrize(
    ("x", "y", "reach"),
    [
        (5.5, 3.2, Reach.EVERYONE),
        (0, 3, Reach.EVERYONE),
        (9.99, 3.99, Reach.EVERYONE),
        (10, 3, Reach.GM_ONLY),
        (5.5, 4, Reach.GM_ONLY),
        (5.5, 2.99, Reach.GM_ONLY),
        (24, 16, Reach.EVERYONE),  # the far corner is the last cell's
    ],
)
def test_a_ping_in_fog_reaches_only_the_gm(x: float, y: float, reach: Reach) -> None:
    for by_gm in (True, False):
        way = route(fogged_state(), by_gm=by_gm, x=x, y=y)
        assert way is not None
        assert (way.map_id, way.reach, way.sender_sees_map) == ("m_1", reach, True)


def test_disabled_fog_hides_nothing() -> None:
    way = route(fogged_state(enabled=False), by_gm=False, x=20, y=10)
    assert way is not None
    assert way.reach is Reach.EVERYONE


def test_a_hidden_map_keeps_every_ping_with_the_gm() -> None:
    state = fogged_state(hidden=True)
    by_gm = route(state, by_gm=True, x=5, y=3)
    assert by_gm is not None
    assert (by_gm.reach, by_gm.sender_sees_map) == (Reach.GM_ONLY, True)
    by_player = route(state, by_gm=False, x=5, y=3)
    assert by_player is not None
    assert (by_player.reach, by_player.sender_sees_map) == (Reach.GM_ONLY, False)
    assert route(state, by_gm=False, x=500, y=3) is None
    with pytest.raises(PingRefused):
        route(state, by_gm=True, x=500, y=3)
