"""Who may read the detailed health and /metrics: the decision as a pure function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from websockets.datastructures import Headers

from vtt_host.server.access import (
    bearer_token,
    is_local_request,
    is_loopback,
    is_own_loopback_origin,
    may_read_details,
    names_loopback,
    valid_metrics_token,
)

TOKEN = "k" * 43


@dataclass
class Peer:
    """What a request arrived on, as far as access asks: its remote address."""

    address: str

    @property
    def remote_address(self) -> Any:
        return (self.address, 50000)


@pytest.mark.parametrize(
    ("peer", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.4.5", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("192.168.1.20", False),
        ("10.0.0.1", False),
        ("::ffff:192.168.1.20", False),
        ("fe80::1%eth0", False),
        ("0.0.0.0", False),
        ("localhost", False),  # a peer is an address, never a name
        ("", False),
        (None, False),
    ],
)
def test_loopback_peers(peer: str | None, loopback: bool) -> None:
    assert is_loopback(peer) is loopback


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("localhost", True),
        ("localhost:8765", True),
        ("LOCALHOST.:8765", True),
        ("127.0.0.1:8765", True),
        ("127.0.0.1", True),
        ("[::1]:8765", True),
        ("[::1]", True),
        ("attacker.example:8765", False),
        ("localhost.attacker.example", False),
        ("127.0.0.1.nip.io:8765", False),
        ("192.168.1.20:8765", False),
        ("[::1]x", False),
        ("[::1", False),
        ("::1", False),
        ("", False),
    ],
)
def test_host_headers_that_name_this_machine(host: str, local: bool) -> None:
    assert names_loopback(host) is local


def headers(*fields: tuple[str, str]) -> Headers:
    return Headers(list(fields))


def test_a_local_request_is_from_loopback_for_loopback_and_not_relayed() -> None:
    assert is_local_request("127.0.0.1", headers(("Host", "127.0.0.1:8765")))
    assert not is_local_request("192.168.1.20", headers(("Host", "127.0.0.1:8765")))
    assert not is_local_request("127.0.0.1", headers(("Host", "table.example")))
    assert not is_local_request("127.0.0.1", headers())
    two_hosts = headers(("Host", "localhost"), ("Host", "attacker.example"))
    assert not is_local_request("127.0.0.1", two_hosts)
    relayed = headers(("Host", "localhost:8765"), ("x-forwarded-for", "203.0.113.9"))
    assert not is_local_request("127.0.0.1", relayed)


@pytest.mark.parametrize(
    ("authorization", "token"),
    [
        (f"Bearer {TOKEN}", TOKEN),
        (f"bearer   {TOKEN} ", TOKEN),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer", None),
        ("Bearer ", None),
        (TOKEN, None),
    ],
)
def test_bearer_tokens(authorization: str, token: str | None) -> None:
    assert bearer_token(headers(("Authorization", authorization))) == token


def test_details_need_this_machine_or_the_token() -> None:
    lan = headers(("Host", "192.168.1.20:8765"))
    assert not may_read_details(Peer("192.168.1.30"), lan, TOKEN)
    with_token = headers(("Host", "192.168.1.20:8765"), ("Authorization", f"Bearer {TOKEN}"))
    assert may_read_details(Peer("192.168.1.30"), with_token, TOKEN)
    wrong = headers(("Host", "192.168.1.20:8765"), ("Authorization", f"Bearer {TOKEN}x"))
    assert not may_read_details(Peer("192.168.1.30"), wrong, TOKEN)
    doubled = headers(
        ("Authorization", "Bearer nope"), ("Authorization", f"Bearer {TOKEN}"), ("Host", "x")
    )
    assert not may_read_details(Peer("192.168.1.30"), doubled, TOKEN)


@pytest.mark.parametrize(
    ("token", "valid"),
    [
        ("k" * 43, True),
        ("abcDEF0123456789", True),
        ("a-b.c_d~e+f/g123==", True),
        ("short", False),
        ("x" * 257, False),
        ("has space in it!!", False),
        ("line\r\nbreak-injected", False),
        ("=leading-equals-sign", False),
    ],
)
def test_metrics_tokens(token: str, valid: bool) -> None:
    assert valid_metrics_token(token) is valid


@pytest.mark.parametrize(
    ("origin", "own"),
    [
        ("http://127.0.0.1:8765", True),
        ("http://localhost:8765", True),
        ("http://[::1]:8765", True),
        ("http://127.1.2.3:8765", True),
        ("http://127.0.0.1", False),
        ("http://127.0.0.1:80", False),
        ("https://127.0.0.1:8765", False),
        ("http://127.0.0.1:8765/", False),
        ("http://user@127.0.0.1:8765", False),
        ("http://localhost.evil.example:8765", False),
        ("http://192.168.1.5:8765", False),
        ("null", False),
        ("", False),
    ],
)
def test_only_this_hosts_own_loopback_page_is_its_origin(origin: str, own: bool) -> None:
    assert is_own_loopback_origin(origin, 8765) is own
