"""``/join``: the join details and QR codes, shown on this machine and to nobody else."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest

from vtt_host.client import Client
from vtt_host.library import Library
from vtt_host.live import LiveCampaign
from vtt_host.server import Host
from vtt_host.server.http import DEFAULT_WEB_DIR

from .conftest import MakeHost
from .test_http import LAN, get, needs_lan, policy, request

FORBIDDEN = b"the join page is shown only on the host's own machine\n"


async def test_the_page_shows_the_name_code_link_and_qr_code(
    host: Host, campaign: LiveCampaign
) -> None:
    status, headers, body = await get(host, "/join")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    page = body.decode()
    code = host.join_code()
    link = f"http://127.0.0.1:{host.port}/?code={quote(code)}"
    assert host.join_link(campaign.id) == link
    assert f'<h1 id="campaign-1">{campaign.name}</h1>' in page
    assert f"<strong>{code}</strong>" in page
    assert f'<a href="{link}">{link}</a>' in page
    assert re.search(r'<svg [^>]*role="img" aria-label="QR code of the join link', page)


async def test_the_link_is_what_the_host_was_given(
    make_host: MakeHost, campaign: LiveCampaign
) -> None:
    given = "https://table.example/?code=K7QM&campaign=<x>"
    host = await make_host(join_link=lambda campaign_id: f"{given}{campaign_id}")
    assert host.join_link() == given + campaign.id
    page = (await get(host, "/join"))[2].decode()
    assert "https://table.example/?code=K7QM&amp;campaign=&lt;x&gt;" + campaign.id in page
    assert "<x>" not in page


async def test_every_served_campaign_is_listed(
    library: Library, host: Host, campaign: LiveCampaign
) -> None:
    other = await library.open_campaign(await library.create("Sunken Keep", demo=True))
    await host.add_campaign(other)
    page = (await get(host, "/join"))[2].decode()
    assert page.count('<section class="campaign"') == 2
    for served in (campaign, other):
        assert served.name in page
        assert host.join_code(served.id) in page
    await host.remove_campaign(other.id)


async def test_a_rotated_code_shows_on_the_next_load(host: Host) -> None:
    old = host.join_code()
    new = await host.rotate_join_code()
    page = (await get(host, "/join"))[2].decode()
    assert new in page
    assert old not in page


async def test_the_svg_alone(host: Host, campaign: LiveCampaign) -> None:
    status, headers, body = await get(host, f"/join.svg?campaign={campaign.id}")
    assert status == 200
    assert headers["content-type"] == "image/svg+xml; charset=utf-8"
    assert policy(headers)["default-src"] == ["'none'"]
    root = ET.fromstring(body)
    assert root.get("role") == "img"
    assert b"<script" not in body
    assert (await get(host, "/join.svg?campaign=c_nope"))[0] == 404
    assert (await get(host, "/join.svg"))[0] == 404


async def test_head_answers_like_get_without_a_body(host: Host, campaign: LiveCampaign) -> None:
    for path in ("/join", f"/join.svg?campaign={campaign.id}"):
        got = await get(host, path)
        status, headers, body = await request(host, "HEAD", path)
        assert (status, body) == (200, b"")
        assert headers["content-length"] == str(len(got[2]))


async def test_the_page_allows_no_inline_script_or_style(make_host: MakeHost) -> None:
    host = await make_host(web_dir=DEFAULT_WEB_DIR)
    _, headers, body = await get(host, "/join")
    csp = policy(headers)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'none'"]
    assert not re.search(rb"<script|<style|\sstyle=|\son\w+=", body, re.IGNORECASE)
    stylesheet = re.search(rb'<link rel="stylesheet" href="([^"]+)"', body)
    assert stylesheet is not None
    css = await get(host, stylesheet.group(1).decode())
    assert css[0] == 200
    assert css[1]["content-type"] == "text/css; charset=utf-8"


# -- nobody else ------------------------------------------------------------------------


@pytest.fixture
async def lan_host(make_host: MakeHost) -> Host:
    return await make_host(host="0.0.0.0")


@needs_lan
@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_from_the_lan_the_page_is_forbidden_and_tells_nothing(
    lan_host: Host, campaign: LiveCampaign, clients: list[Client], method: str
) -> None:
    assert LAN is not None
    for path in ("/join", f"/join.svg?campaign={campaign.id}", "/join.svg?campaign=c_nope"):
        status, headers, body = await request(lan_host, method, path, address=LAN)
        assert status == 403
        assert headers["content-type"] == "text/plain; charset=utf-8"
        assert body == (FORBIDDEN if method == "GET" else b"")
    # This machine still sees it on the same host.
    assert (await get(lan_host, "/join"))[0] == 200


@pytest.mark.parametrize(
    "relayed",
    [
        {"X-Forwarded-For": "203.0.113.9"},
        {"Forwarded": "for=203.0.113.9"},
        {"X-Real-IP": "203.0.113.9"},
        {"Host": "attacker.example"},
    ],
)
async def test_a_tunnel_or_a_rebound_name_gets_403_whatever_it_asks(
    host: Host, campaign: LiveCampaign, relayed: dict[str, str]
) -> None:
    answers = {
        path: await get(host, path, headers=relayed)
        for path in ("/join", f"/join.svg?campaign={campaign.id}", "/join.svg?campaign=c_nope")
    }
    assert {(status, body) for status, _, body in answers.values()} == {(403, FORBIDDEN)}
    for _, _, body in answers.values():
        assert host.join_code().encode() not in body
        assert campaign.name.encode() not in body
