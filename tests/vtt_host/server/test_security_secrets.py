"""Reading what the GM hides: each test is named after the attack it stops.

A player holding a join code is the adversary. Whatever they send, the acks, errors
and patches they get back must read the same whether or not the GM hides something.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from vtt_host.client import Client
from vtt_host.live import LiveCampaign
from vtt_host.server import Host

from .conftest import actor_named, comparable, expected_view, gm_client, player_client


def named(state: Any, collection: str, name: str) -> str:
    return next(key for key, e in state[collection].items() if e["name"] == name)


def refusal(ack: dict[str, Any]) -> tuple[str, str, str]:
    """What a refused ack tells its sender (its id aside)."""
    return ack["status"], ack.get("error", ""), ack.get("message", "")


async def propose(client: Client, *changes: dict[str, Any]) -> dict[str, Any]:
    return await client.act({"kind": "propose", "summary": "just looking", "changes": changes})


def failing_last(thorin: str) -> dict[str, Any]:
    """An op that always fails, to see which op a refusal names."""
    return {"op": "remove", "path": f"/actors/{thorin}/pluginData/nothing-here"}


# -- proposals as an oracle ----------------------------------------------------------


async def test_proposal_test_op_cannot_read_a_hidden_actors_hit_points(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    boss, thorin = named(gm.view, "actors", "Goblin Boss"), named(gm.view, "actors", "Thorin")
    hp = f"/actors/{boss}/hp/current"
    assert gm.view["actors"][boss]["hp"]["current"] == 21

    right = await propose(alice, {"op": "test", "path": hp, "value": 21}, failing_last(thorin))
    wrong = await propose(alice, {"op": "test", "path": hp, "value": 20}, failing_last(thorin))
    await gm.act({"kind": "delete_actor", "id": boss})
    gone = await propose(alice, {"op": "test", "path": hp, "value": 21}, failing_last(thorin))

    assert refusal(right) == refusal(wrong) == refusal(gone)
    assert refusal(right)[0] == "rejected"
    assert "21" not in json.dumps(right)


@pytest.mark.parametrize(
    ("path", "secret", "guess"),
    [
        ("/campaign/gmNotes", "The boss waits in the trees until round 2.", "nothing"),
        ("/actors/{Thorin}/gmNotes", "", "something"),
        ("/encounters/{Ambush at the Crossroads}/gmNotes", "Add the boss in round 2.", ""),
        ("/currentSession/gmSettings/requireApproval", [], ["chat"]),
        ("/currentSession/gmSettings/notes", "", "anything"),
        ("/items/{Cursed Amulet}/name", "Cursed Amulet", "Rope"),
        ("/maps/{Goblin Lair}/grid/width", 20, 30),
    ],
    ids=[
        "campaign-notes",
        "actor-notes",
        "encounter-notes",
        "settings",
        "settings-notes",
        "hidden-item",
        "hidden-map",
    ],
)
async def test_proposal_test_ops_cannot_tell_a_right_guess_from_a_wrong_one(
    host: Host, clients: list[Client], path: str, secret: Any, guess: Any
) -> None:
    gm = await gm_client(host, clients)
    bob = await player_client(host, clients, "Bob")
    state = gm.view
    ids = {
        name: key
        for collection in ("actors", "items", "maps", "encounters")
        for key, entity in state[collection].items()
        for name in [entity["name"]]
    }
    path = path.format(**ids)
    last = failing_last(ids["Thorin"])

    right = await propose(bob, {"op": "test", "path": path, "value": secret}, last)
    wrong = await propose(bob, {"op": "test", "path": path, "value": guess}, last)

    assert refusal(right) == refusal(wrong)
    assert refusal(right)[0] == "rejected"
    if isinstance(secret, str) and secret:
        assert secret not in json.dumps(right)


async def test_proposal_cannot_tell_a_hidden_id_from_an_unknown_one(
    host: Host, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    boss = named(gm.view, "actors", "Goblin Boss")
    probes = [
        [{"op": "test", "path": f"/actors/{boss}/name", "value": "Goblin Boss"}],
        [{"op": "add", "path": f"/actors/{boss}/conditions/-", "value": {"name": "Seen"}}],
        [{"op": "remove", "path": f"/currentSession/tokenPositions/{boss}"}],
        [{"op": "copy", "from": f"/actors/{boss}/hp", "path": "/campaign/settings/hp"}],
    ]
    while_hidden = [refusal(await propose(alice, *probe)) for probe in probes]
    await gm.act({"kind": "delete_actor", "id": boss})
    once_gone = [refusal(await propose(alice, *probe)) for probe in probes]

    assert while_hidden == once_gone
    assert {status for status, _, _ in while_hidden} == {"rejected"}
    assert "Goblin Boss" not in json.dumps(while_hidden[1:])


async def test_proposal_cannot_write_gm_notes_or_gm_settings(
    host: Host, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    thorin = named(gm.view, "actors", "Thorin")

    def write(field: str, session_field: str) -> list[list[dict[str, Any]]]:
        return [
            [{"op": "add", "path": f"/actors/{thorin}/{field}", "value": "mine now"}],
            [{"op": "replace", "path": f"/campaign/{field}", "value": "mine now"}],
            [{"op": "add", "path": f"/currentSession/{session_field}", "value": {"notes": "x"}}],
        ]

    secret = [refusal(await propose(alice, *ops)) for ops in write("gmNotes", "gmSettings")]
    unknown = [refusal(await propose(alice, *ops)) for ops in write("gmNotez", "gmSettingz")]

    def anonymous(answers: list[tuple[str, str, str]], field: str, session_field: str) -> Any:
        text = json.dumps(answers)
        return text.replace(session_field, "FIELD").replace(field, "FIELD")

    assert anonymous(secret, "gmNotes", "gmSettings") == anonymous(unknown, "gmNotez", "gmSettingz")
    assert {status for status, _, _ in secret} == {"rejected"}
    assert gm.view["currentSession"]["gmSettings"]["notes"] == ""


async def test_proposal_cannot_reach_other_players_whispers_by_position(
    host: Host, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    bob = await player_client(host, clients, "Bob")
    await bob.chat("psst, the GM is not looking", to="gm")
    await alice.chat("hello all")
    await alice.wait_for_version(gm.version)
    assert len(alice.view["currentSession"]["chatMessages"]) == 1
    # Index 0 is Bob's whisper in the campaign, Alice's own message in her view.
    probes = [
        [{"op": "test", "path": "/currentSession/chatMessages/0/text", "value": "hello all"}],
        [{"op": "replace", "path": "/currentSession/chatMessages/0/text", "value": "edited"}],
        [{"op": "remove", "path": "/currentSession/chatMessages/1"}],
        [{"op": "replace", "path": "/currentSession/chatMessages", "value": []}],
        [{"op": "test", "path": "/currentSession/pendingActions", "value": []}],
    ]
    answers = [await propose(alice, *probe) for probe in probes]

    assert [a["status"] for a in answers] == ["rejected"] * len(probes)
    assert "psst" not in json.dumps(answers)
    assert [m["text"] for m in gm.view["currentSession"]["chatMessages"]] == [
        "psst, the GM is not looking",
        "hello all",
    ]


async def test_proposal_may_append_to_a_list_it_sees_in_part(
    host: Host, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    thorin = named(gm.view, "actors", "Thorin")
    rope = named(gm.view, "items", "Hempen Rope")
    entry = {"itemId": rope, "quantity": 1, "equipped": False}
    ack = await propose(
        alice, {"op": "add", "path": f"/actors/{thorin}/inventory/-", "value": entry}
    )
    assert ack["status"] == "pending"
    decided = await gm.decide(ack["actionId"], approve=True)
    assert decided["status"] == "applied"
    assert gm.view["actors"][thorin]["inventory"][-1] == entry


async def test_refused_proposal_cannot_leave_a_change_behind(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    alice = await player_client(host, clients, "Alice")
    thorin = actor_named(dict(campaign.manager.state), "Thorin")
    before = copy.deepcopy(dict(campaign.manager.state))
    # Move a list, grow it in its new place, overwrite that place, then fail.
    ack = await propose(
        alice,
        {
            "op": "move",
            "from": f"/actors/{thorin}/conditions",
            "path": f"/actors/{thorin}/pluginData/c",
        },
        {"op": "add", "path": f"/actors/{thorin}/pluginData/c/-", "value": {"name": "Blessed"}},
        {"op": "replace", "path": f"/actors/{thorin}/pluginData", "value": {}},
        {"op": "test", "path": f"/actors/{thorin}/name", "value": "not Thorin"},
    )
    assert ack["status"] == "rejected"
    assert dict(campaign.manager.state) == before
    assert campaign.manager.state["actors"][thorin]["conditions"] == []


# -- what reaches players ------------------------------------------------------------


async def test_players_never_receive_hidden_combatants_maps_or_items(
    host: Host, campaign: LiveCampaign, clients: list[Client]
) -> None:
    gm = await gm_client(host, clients)
    alice = await player_client(host, clients, "Alice")
    received = [json.dumps(alice.welcome)]
    alice.on_frame.append(lambda frame: received.append(json.dumps(frame)))
    state = gm.view
    boss, thorin = named(state, "actors", "Goblin Boss"), named(state, "actors", "Thorin")
    lair, amulet = named(state, "maps", "Goblin Lair"), named(state, "items", "Cursed Amulet")
    ambush = named(state, "encounters", "Ambush at the Crossroads")
    amulet_entry = {"itemId": amulet, "quantity": 1, "equipped": True}
    for action in (
        {"kind": "add_combatant", "actorId": boss, "encounterId": ambush},
        {"kind": "update_encounter", "id": ambush, "set": {"mapId": lair}},
        {"kind": "start_encounter", "encounterId": ambush},
        {"kind": "roll_initiative"},
        {"kind": "next_turn"},
        {"kind": "next_turn"},
        {"kind": "set_current_map", "mapId": lair},
        {
            "kind": "patch",
            "ops": [{"op": "add", "path": f"/actors/{thorin}/inventory/0", "value": amulet_entry}],
        },
        {"kind": "update_actor", "id": boss, "set": {"gmNotes": "Really furious now"}},
        {"kind": "move_token", "tokenId": boss, "x": 2, "y": 2},
        {"kind": "undo"},
    ):
        ack = await gm.act(action)
        assert ack["status"] == "applied", (action, ack)
    await alice.wait_for_version(gm.version)

    everything = "\n".join(received)
    for secret in (boss, lair, amulet, "Goblin Boss", "Goblin Lair", "Cursed Amulet", "furious"):
        assert secret not in everything
    assert comparable(alice.view) == expected_view(campaign, alice)
    assert alice.view["currentSession"]["currentMapId"] is None
    assert len(alice.view["currentSession"]["initiative"]) == 5
