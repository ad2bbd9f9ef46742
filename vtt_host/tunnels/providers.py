"""What each tunnel tool is run with, and how its output announces the public URL.

The lines matched here are the tools' own:

- cloudflared (``cmd/cloudflared/tunnel/quick_tunnel.go``) logs, on stderr, a box made
  by ``cliutil.LogTable``: a row "Your quick Tunnel has been created! Visit it at (it
  may take some time to be reachable):" and then a row with ``https://<words>.
  trycloudflare.com``. Its errors name ``https://api.trycloudflare.com``, which is why
  only a box row after that heading counts.
- ngrok v3 with ``--log stdout --log-format json`` prints one JSON object a line; the
  one with ``"msg": "started tunnel"`` has the public URL in ``"url"``. The logfmt form
  (``msg="started tunnel" ... url=https://...``) is read too. Without an authtoken it
  fails with ``ERR_NGROK_4018``.
- OpenSSH (``ssh.c``) logs "Allocated port N for remote forward to HOST:PORT" on
  stderr when ``-R 0:...`` was granted a port, and with ``ExitOnForwardFailure`` exits
  when it was not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Protocol

from vtt_host.tunnels.spec import SshTarget, TunnelSpec

LOCAL_ADDRESS = "127.0.0.1"
TUNNEL_FORMS = ("cloudflared", "ngrok", "ssh:[user@]host[:port]")


class UrlReader(Protocol):
    """Reads a tool's output lines, in order, for one run of it."""

    def feed(self, line: str) -> str | None:
        """The public base URL (ending in ``/``) if this line announces it."""
        ...


class Provider:
    """One tunnel tool: how to find it, run it and read it."""

    tool: str
    get_it: str
    """Where the GM gets the tool, for the "not installed" message."""

    def command(self, executable: str, local_port: int) -> list[str]:
        raise NotImplementedError

    def reader(self, local_port: int) -> UrlReader:
        raise NotImplementedError

    def explain(self, lines: Sequence[str]) -> str | None:
        """A message for a failure the tool's output shows, if it is one we know."""
        return None

    def missing(self) -> str:
        others = [f"--tunnel {kind}" for kind in TUNNEL_FORMS if not kind.startswith(self.tool)]
        return (
            f"{self.tool} is not installed (not found on PATH): get it from {self.get_it}, "
            f"or use {' or '.join(others)}"
        )


# -- cloudflared ---------------------------------------------------------------------

CLOUDFLARED_HEADING = "Your quick Tunnel has been created!"
CLOUDFLARED_ROW = re.compile(
    r"\|\s*(https://[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.trycloudflare\.com)/?\s*\|", re.IGNORECASE
)


class CloudflaredReader:
    def __init__(self) -> None:
        self._in_box = False

    def feed(self, line: str) -> str | None:
        if CLOUDFLARED_HEADING in line:
            self._in_box = True
            return None
        if self._in_box:
            match = CLOUDFLARED_ROW.search(line)
            if match:
                self._in_box = False
                return match.group(1).lower() + "/"
        return None


class Cloudflared(Provider):
    tool = "cloudflared"
    get_it = (
        "https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/downloads/"
    )

    def command(self, executable: str, local_port: int) -> list[str]:
        return [
            executable,
            "tunnel",
            "--no-autoupdate",
            "--url",
            f"http://{LOCAL_ADDRESS}:{local_port}",
        ]

    def reader(self, local_port: int) -> UrlReader:
        return CloudflaredReader()


# -- ngrok ---------------------------------------------------------------------------

NGROK_STARTED = "started tunnel"
NGROK_LOGFMT_URL = re.compile(r'\burl="?(https://[^\s"]+)')
NGROK_NO_AUTHTOKEN = "ERR_NGROK_4018"
PUBLIC_HTTPS = re.compile(r"^https://[A-Za-z0-9.-]{1,253}(?::\d{1,5})?/?$")


class NgrokReader:
    def feed(self, line: str) -> str | None:
        url: object = None
        text = line.strip()
        if text.startswith("{"):
            try:
                event = json.loads(text)
            except ValueError:
                return None
            if isinstance(event, dict) and event.get("msg") == NGROK_STARTED:
                url = event.get("url")
        elif f'msg="{NGROK_STARTED}"' in text:
            match = NGROK_LOGFMT_URL.search(text)
            url = match.group(1) if match else None
        if isinstance(url, str) and PUBLIC_HTTPS.match(url):
            return url.rstrip("/") + "/"
        return None


class Ngrok(Provider):
    tool = "ngrok"
    get_it = "https://ngrok.com/download (then run: ngrok config add-authtoken TOKEN)"

    def command(self, executable: str, local_port: int) -> list[str]:
        return [
            executable,
            "http",
            f"{LOCAL_ADDRESS}:{local_port}",
            "--log",
            "stdout",
            "--log-format",
            "json",
        ]

    def reader(self, local_port: int) -> UrlReader:
        return NgrokReader()

    def explain(self, lines: Sequence[str]) -> str | None:
        if any(NGROK_NO_AUTHTOKEN in line for line in lines):
            return (
                "ngrok needs an authtoken (ERR_NGROK_4018): sign up at "
                "https://dashboard.ngrok.com/signup, then run "
                "`ngrok config add-authtoken TOKEN` with the token from "
                "https://dashboard.ngrok.com/get-started/your-authtoken"
            )
        return None


# -- ssh -----------------------------------------------------------------------------

SSH_ALLOCATED = re.compile(r"Allocated port (\d{1,5}) for remote forward to ([^\s:]+):(\d{1,5})")
SSH_OPTIONS = (
    "ExitOnForwardFailure=yes",
    "ServerAliveInterval=15",
    "ServerAliveCountMax=3",
    "BatchMode=yes",
)


class SshReader:
    def __init__(self, url_host: str, local_port: int) -> None:
        self._url_host = url_host
        self._local_port = local_port

    def feed(self, line: str) -> str | None:
        match = SSH_ALLOCATED.search(line)
        if match is None or int(match.group(3)) != self._local_port:
            return None
        port = int(match.group(1))
        if not 1 <= port <= 65535:
            return None
        return f"http://{self._url_host}:{port}/"


class Ssh(Provider):
    """``ssh -R``: the server opens a port of its own and relays it here.

    ``*`` as the bind address asks for every interface: honoured by a server with
    ``GatewayPorts clientspecified``, implied by ``GatewayPorts yes``; with the default
    ``no`` the port opens on the server's loopback only and players cannot reach it.
    """

    tool = "ssh"
    get_it = "your system's OpenSSH client package (openssh-client)"

    def __init__(self, target: SshTarget) -> None:
        self._target = target

    def command(self, executable: str, local_port: int) -> list[str]:
        target = self._target
        argv = [executable, "-N", "-T"]
        for option in SSH_OPTIONS:
            argv += ["-o", option]
        argv += ["-R", f"*:0:{LOCAL_ADDRESS}:{local_port}"]
        if target.port is not None:
            argv += ["-p", str(target.port)]
        return [*argv, target.destination]

    def reader(self, local_port: int) -> UrlReader:
        return SshReader(self._target.url_host, local_port)

    def explain(self, lines: Sequence[str]) -> str | None:
        text = "\n".join(lines)
        if "Host key verification failed" in text:
            return (
                "ssh does not know the server's host key yet: connect once by hand "
                f"(ssh {self._target.destination}) and accept it, then try again"
            )
        if "remote port forwarding failed" in text:
            return "the ssh server refused to open a port for the tunnel (AllowTcpForwarding?)"
        return None


def provider_for(spec: TunnelSpec) -> Provider:
    if spec.kind == "cloudflared":
        return Cloudflared()
    if spec.kind == "ngrok":
        return Ngrok()
    return Ssh(spec.ssh_target)
