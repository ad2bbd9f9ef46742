"""Which tunnel to open, as the GM writes it after ``--tunnel``.

``cloudflared``, ``ngrok`` or ``ssh:[user@]host[:port]``. The ssh target ends up on a
command line, so it is checked strictly here: nothing that could read as an option
(a leading ``-``), no spaces, a port in range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

from vtt_host.errors import VttError

Kind = Literal["cloudflared", "ngrok", "ssh"]
KINDS: tuple[Kind, ...] = get_args(Kind)
USAGE = "use --tunnel cloudflared, --tunnel ngrok or --tunnel ssh:[user@]host[:port]"

USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$")
HOST_NAME = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$")
IPV6 = re.compile(r"^[0-9A-Fa-f:.]{2,45}$")


class TunnelError(VttError):
    """A tunnel that cannot be opened; the message tells the GM what to do."""


@dataclass(frozen=True, slots=True)
class SshTarget:
    """An ssh destination split into its parts (``host`` without IPv6 brackets)."""

    user: str | None
    host: str
    port: int | None

    @property
    def destination(self) -> str:
        """What ssh takes as its destination argument: ``[user@]host``."""
        return f"{self.user}@{self.host}" if self.user else self.host

    @property
    def url_host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host


def parse_ssh_target(text: str) -> SshTarget:
    """``[user@]host[:port]``, with ``[v6::address]`` for an IPv6 host."""
    bad = TunnelError(f"{text!r} is not an ssh target: write ssh:[user@]host[:port]")
    user, at, rest = text.rpartition("@")
    if at and not USER.match(user):
        raise bad
    port_text: str | None = None
    if rest.startswith("["):
        host, bracket, after = rest[1:].partition("]")
        if not bracket or not IPV6.match(host) or (after and not after.startswith(":")):
            raise bad
        port_text = after[1:] if after else None
    else:
        host, colon, port_part = rest.partition(":")
        port_text = port_part if colon else None
        if not HOST_NAME.match(host):
            raise bad
    port: int | None = None
    if port_text is not None:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise bad
        port = int(port_text)
    return SshTarget(user or None, host, port)


@dataclass(frozen=True, slots=True)
class TunnelSpec:
    """A tunnel kind and, for ssh, the server to forward a port on."""

    kind: Kind
    target: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise TunnelError(f"unknown tunnel {self.kind!r}: {USAGE}")
        if self.kind == "ssh":
            if self.target is None:
                raise TunnelError(f"name the ssh server: {USAGE}")
            parse_ssh_target(self.target)
        elif self.target is not None:
            raise TunnelError(f"a {self.kind} tunnel takes no target: {USAGE}")

    @classmethod
    def parse(cls, text: str) -> TunnelSpec:
        """``cloudflared``, ``ngrok`` or ``ssh:gm@example.org:2222``."""
        kind, colon, target = text.strip().partition(":")
        for known in KINDS:
            if kind == known:
                return cls(known, target if colon else None)
        raise TunnelError(f"unknown tunnel {text!r}: {USAGE}")

    @property
    def ssh_target(self) -> SshTarget:
        if self.kind != "ssh" or self.target is None:
            raise TunnelError(f"a {self.kind} tunnel has no ssh target")
        return parse_ssh_target(self.target)

    def __str__(self) -> str:
        return self.kind if self.target is None else f"{self.kind}:{self.target}"
