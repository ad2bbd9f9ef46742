"""LAN discovery: TXT encoding, and failures that never stop the host."""

from __future__ import annotations

import uuid

import pytest

from vtt_host.discovery import (
    SERVICE_TYPE,
    Announcer,
    browse,
    instance_name,
    parse_txt,
    txt_record,
)

NO_SUCH_INTERFACE = ["203.0.113.77"]  # TEST-NET-3: never a local address


def test_txt_record_carries_name_protocol_and_paths() -> None:
    txt = txt_record("The Goblin Crossroads", "c_1", ws_path="/ws", http_path="/")
    assert txt == {
        "name": "The Goblin Crossroads",
        "campaign": "c_1",
        "protocol": "1",
        "path": "/ws",
        "http": "/",
    }


def test_long_names_are_clipped_to_fit_a_txt_string_without_breaking_characters() -> None:
    txt = txt_record("é" * 300, "c_1")
    encoded = f"name={txt['name']}".encode()
    assert len(encoded) <= 255
    assert set(txt["name"]) == {"é"}


def test_txt_round_trips_through_the_wire_form() -> None:
    wire = {key.encode(): value.encode() for key, value in txt_record("Ünïcode", "c").items()}
    assert parse_txt({**wire, b"flag": None}) == {**txt_record("Ünïcode", "c"), "flag": ""}


def test_instance_name_is_one_short_label() -> None:
    name = instance_name("My.Campaign " + "x" * 100, "host.example")
    label = name.removesuffix("." + SERVICE_TYPE)
    assert "." not in label
    assert len(label.encode()) <= 63


async def test_announcing_without_a_usable_interface_reports_instead_of_raising() -> None:
    announcer = Announcer(interfaces=NO_SUCH_INTERFACE)
    status = await announcer.start(port=1234, campaign_name="x", campaign_id="c")
    assert status.startswith("LAN announcement unavailable")
    assert announcer.status == status
    await announcer.close()
    await announcer.close()


async def test_browsing_without_a_usable_interface_reports_instead_of_raising() -> None:
    hosts, status = await browse(0.1, interfaces=NO_SUCH_INTERFACE)
    assert hosts == []
    assert status.startswith("LAN discovery unavailable")


async def test_announced_host_is_found_by_browse() -> None:
    campaign_id = f"c_{uuid.uuid4().hex[:8]}"
    announcer = Announcer()
    status = await announcer.start(
        port=4321, campaign_name="Discovery Test", campaign_id=campaign_id
    )
    try:
        if not status.startswith("announced"):
            pytest.skip(f"no multicast here: {status}")
        hosts, _ = await browse(2.0)
        ours = [host for host in hosts if host.campaign == campaign_id]
        if not ours:
            pytest.skip("multicast loopback is not delivered on this machine")
        (host,) = ours
        assert (host.name, host.port, host.protocol, host.path) == (
            "Discovery Test",
            4321,
            1,
            "/ws",
        )
        assert host.url.endswith(":4321/ws")
    finally:
        await announcer.close()
