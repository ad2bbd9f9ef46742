"""Who may read the host's details over HTTP: its own machine, or a metrics token holder.

The detailed health and ``/metrics`` name campaigns and count players, which nobody on
the LAN or behind a tunnel needs to learn. A request is this machine's own only if it
comes from a loopback address, names a loopback host (a page on another site that
rebinds its DNS name to 127.0.0.1 still sends its own name), and carries no header a
proxy or tunnel adds: a tunnel client on this machine connects from loopback on behalf
of anyone. And never one that came in on the host's relay listener
(``Host.open_relay_port``), where the tunnel tools deliver strangers: ``ssh -R`` relays
raw bytes, so a stranger there could send a loopback ``Host`` and no proxy header.
Everything else needs the host's metrics token as a bearer token.

Server code asks ``from_this_machine`` (and the two checks built on it); the rest are
pure functions of the peer address and the request's headers.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from typing import Any, Protocol

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers

FORWARDING_HEADERS = (
    "Forwarded",
    "X-Forwarded-For",
    "X-Forwarded-Host",
    "X-Real-IP",
    "CF-Connecting-IP",
    "True-Client-IP",
)
"""Headers proxies and tunnels (ngrok, cloudflared, nginx, ...) add to what they relay."""
TOKEN68 = re.compile(r"^[A-Za-z0-9._~+/-]+=*$")
"""RFC 6750's syntax of a bearer token (header-safe, no spaces)."""
METRICS_TOKEN_MIN_CHARS = 16
METRICS_TOKEN_MAX_CHARS = 256


def is_loopback(peer: str | None) -> bool:
    """Whether a peer address is this machine's loopback (127.0.0.0/8, ::1, mapped)."""
    if not peer:
        return False
    try:
        ip = ipaddress.ip_address(peer.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def names_loopback(host: str) -> bool:
    """Whether a Host header names this machine: ``localhost`` or a loopback literal."""
    name = host.strip()
    if name.startswith("["):
        name, bracket, rest = name[1:].partition("]")
        if not bracket or (rest and not re.fullmatch(r":\d{1,5}", rest)):
            return False
        return is_loopback(name)
    base, colon, port = name.rpartition(":")
    if colon and port.isdigit():
        name = base
    name = name.rstrip(".").lower()
    return name == "localhost" or (name.count(".") == 3 and is_loopback(name))


ORIGIN = re.compile(
    r"^http://(?P<host>[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::(?P<port>\d{1,5}))?$"
)


def is_own_loopback_origin(origin: str, port: int) -> bool:
    """Whether an ``Origin`` is this host's own page on a loopback name and its port.

    What a page of this host opened at ``http://127.0.0.1:PORT/`` (or localhost, or
    ``[::1]``) sends; a page of any other site sends its own origin, and ``null``
    (a sandboxed or file page) is no origin of ours either.
    """
    match = ORIGIN.match(origin)
    if match is None or not names_loopback(match["host"]):
        return False
    return int(match["port"] or 80) == port


def _one(headers: Headers, name: str) -> str | None:
    values = headers.get_all(name)
    return values[0] if len(values) == 1 else None


class RelayConnection(ServerConnection):
    """A connection that came in on the relay listener: a tunnel tool's, made on
    behalf of anyone, so never this machine's own whatever it says."""


class Arrival(Protocol):
    """What a request arrived on (a websockets ``ServerConnection``)."""

    @property
    def remote_address(self) -> Any: ...


def from_this_machine(connection: Arrival, headers: Headers) -> bool:
    """Whether a request is this machine's own: the one test every loopback-only route
    and GM check makes (``is_local_request``, and never through the relay listener)."""
    if isinstance(connection, RelayConnection):
        return False
    remote = connection.remote_address
    peer = str(remote[0]) if remote else None
    return is_local_request(peer, headers)


def is_local_request(peer: str | None, headers: Headers) -> bool:
    """A request from this machine, for this machine, not relayed by a proxy.

    The peer and headers alone: server code asks ``from_this_machine``, which also
    knows which listener the request came in on.
    """
    if not is_loopback(peer):
        return False
    if any(headers.get_all(name) for name in FORWARDING_HEADERS):
        return False
    host = _one(headers, "Host")
    return host is not None and names_loopback(host)


def bearer_token(headers: Headers) -> str | None:
    """The token of a single ``Authorization: Bearer`` header, if there is one."""
    value = _one(headers, "Authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    return token or None


def holds_token(headers: Headers, token: str) -> bool:
    """Whether the request carries ``token`` as its bearer token (constant-time)."""
    given = bearer_token(headers)
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def gm_page_may_connect(connection: Arrival, headers: Headers, port: int) -> bool:
    """Whether a WebSocket may come in (or resume) as the GM without the GM token.

    Only this machine's own request (``from_this_machine``: a tunnel on this machine
    relays strangers from loopback) and, when a browser sent an ``Origin``, only from
    a page of this host on a loopback name and its port.
    """
    if not from_this_machine(connection, headers):
        return False
    origins = headers.get_all("Origin")
    return not origins or (len(origins) == 1 and is_own_loopback_origin(origins[0], port))


def may_read_details(connection: Arrival, headers: Headers, token: str) -> bool:
    return from_this_machine(connection, headers) or holds_token(headers, token)


def valid_metrics_token(token: str) -> bool:
    """A token one can put in a header and that is long enough not to be guessed."""
    return (
        METRICS_TOKEN_MIN_CHARS <= len(token) <= METRICS_TOKEN_MAX_CHARS
        and TOKEN68.match(token) is not None
    )
