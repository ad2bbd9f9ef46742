"""Stand-ins for cloudflared and ngrok: the real tools' output, and a real tunnel.

Run as ``fake_tool.py cloudflared|ngrok ARGS...`` (the tests put an executable of
that name first on PATH). It prints the lines the real tool prints (copied from
cloudflared's quick_tunnel.go / cliutil.LogTable and from ngrok v3's JSON log), with a
hostname of the real form, and then is the tunnel: a TLS listener on 127.0.0.1 that
relays each connection to the ``--url`` / ``http`` target, adding the forwarding
headers the real tool adds, then passes bytes both ways (so WebSocket works too).

Driven by environment variables:

- ``FAKE_TUNNEL_DIR``: where it keeps its start count (a new hostname each start) and
  writes ``argv-N.json`` and ``pid-N`` for the test.
- ``FAKE_TUNNEL_LISTEN``: the TLS port to listen on (the test maps the public name to
  it), ``FAKE_TUNNEL_CERT`` / ``FAKE_TUNNEL_KEY``: its certificate.
- ``FAKE_TUNNEL_MODE``: ``serve`` (default), ``fail`` (the tool's own failure lines,
  then exit 1), ``silent`` (start-up lines, then nothing), ``flood`` (megabytes of log
  before the URL), ``stubborn`` (ignores SIGTERM), ``logfmt`` (ngrok's logfmt form).
"""

# The tools' own lines are long; they are kept whole.
# ruff: noqa: E501

from __future__ import annotations

import asyncio
import json
import os
import signal
import ssl
import sys
import time
from pathlib import Path
from typing import TextIO

WORDS = (
    "seasonal deck organisms sf",
    "symantec transferred lock revenues",
    "four dashed word url",
    "quiet harbor lantern maps",
    "brass owl meadow keys",
)


def stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def next_start(state: Path) -> int:
    counter = state / "starts"
    count = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(count + 1))
    return count


def box(lines: list[str]) -> list[str]:
    """cliutil.asciiBox with padding 2, as cloudflared logs it."""
    width = max(len(line) for line in lines)
    border = "+" + "-" * (width + 4) + "+"
    return [border, *("|  " + line + " " * (width - len(line)) + "  |" for line in lines), border]


def cloudflared_target(argv: list[str]) -> str:
    return argv[argv.index("--url") + 1].removeprefix("http://")


def say(stream: TextIO, line: str) -> None:
    print(line, file=stream, flush=True)


class Cloudflared:
    out = sys.stderr
    forwarded = ("X-Forwarded-For", "Cf-Connecting-Ip", "X-Forwarded-Proto")

    def __init__(self, start: int) -> None:
        self.name = WORDS[start % len(WORDS)].replace(" ", "-")

    def preamble(self) -> None:
        say(
            self.out,
            f"{stamp()} INF Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out. However, be aware that these account-less Tunnels have no uptime guarantee, are subject to the Cloudflare Online Services Terms of Use (https://www.cloudflare.com/website-terms/), and Cloudflare reserves the right to investigate your use of Tunnels for violations of such terms. If you intend to use Tunnels in production you should use a pre-created named tunnel by following: https://developers.cloudflare.com/cloudflare-one/connections/connect-apps",
        )
        say(self.out, f"{stamp()} INF Requesting new quick Tunnel on trycloudflare.com...")

    def fail(self) -> None:
        say(
            self.out,
            'failed to request quick Tunnel: Post "https://api.trycloudflare.com/tunnel": dial tcp: lookup api.trycloudflare.com: no such host',
        )

    def announce(self, target: str) -> None:
        url = f"https://{self.name}.trycloudflare.com"
        heading = "Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):"
        for line in box([heading, url]):
            say(self.out, f"{stamp()} INF {line}")
        say(
            self.out,
            f"{stamp()} INF Cannot determine default configuration path. No file [config.yml config.yaml] in [~/.cloudflared ~/.cloudflare-warp ~/cloudflare-warp /etc/cloudflared /usr/local/etc/cloudflared]",
        )
        say(self.out, f"{stamp()} INF Version 2025.8.1 (Checksum 0000)")
        say(
            self.out,
            f"{stamp()} INF Settings: map[ha-connections:1 no-autoupdate:true protocol:quic url:http://{target}]",
        )
        say(
            self.out,
            f"{stamp()} INF Registered tunnel connection connIndex=0 connection=6e4e0c5d-0c33-4a2f-9d43-8e2d0a0b2d9c event=0 ip=198.41.200.13 location=ams08 protocol=quic",
        )


class Ngrok:
    out = sys.stdout
    forwarded = ("X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto")

    def __init__(self, start: int, *, logfmt: bool = False) -> None:
        self.name = f"{0xAB12 + start:x}-203-0-113-7.ngrok-free.app"
        self.logfmt = logfmt

    def log(self, **fields: object) -> None:
        if self.logfmt:
            parts = [f"t={stamp()}"]
            for key, value in fields.items():
                text = str(value)
                parts.append(f'{key}="{text}"' if " " in text or not text else f"{key}={text}")
            say(self.out, " ".join(parts))
        else:
            say(self.out, json.dumps({**fields, "t": stamp()}, separators=(",", ":")))

    def preamble(self) -> None:
        self.log(lvl="info", msg="no configuration paths supplied")
        self.log(
            lvl="info",
            msg="using configuration at default config path",
            path="/root/.config/ngrok/ngrok.yml",
        )
        self.log(
            lvl="info", msg="open config file", path="/root/.config/ngrok/ngrok.yml", err="nil"
        )
        self.log(
            lvl="info",
            msg="starting web service",
            obj="web",
            addr="127.0.0.1:4040",
            allow_hosts="[]",
        )

    def fail(self) -> None:
        err = "authentication failed: Usage of ngrok requires a verified account and authtoken.\n\nSign up for an account: https://dashboard.ngrok.com/signup\nInstall your authtoken: https://dashboard.ngrok.com/get-started/your-authtoken\r\n\r\nERR_NGROK_4018\r\n"
        self.log(lvl="eror", msg="failed to reconnect session", obj="tunnels.session", err=err)
        self.log(lvl="eror", msg="session closing", obj="tunnels.session", err=err)
        self.log(lvl="crit", msg="command failed", err=err)
        say(
            sys.stderr,
            "ERROR:  authentication failed: Usage of ngrok requires a verified account and authtoken.",
        )
        say(sys.stderr, "ERROR:  ")
        say(sys.stderr, "ERROR:  Sign up for an account: https://dashboard.ngrok.com/signup")
        say(
            sys.stderr,
            "ERROR:  Install your authtoken: https://dashboard.ngrok.com/get-started/your-authtoken",
        )
        say(sys.stderr, "ERROR:  ")
        say(sys.stderr, "ERROR:  ERR_NGROK_4018")
        say(sys.stderr, "ERROR:  https://ngrok.com/docs/errors/err_ngrok_4018")

    def announce(self, target: str) -> None:
        self.log(lvl="info", msg="client session established", obj="tunnels.session")
        self.log(lvl="info", msg="tunnel session started", obj="tunnels.session")
        self.log(
            lvl="info",
            msg="started tunnel",
            obj="tunnels",
            name="command_line",
            addr=f"http://{target}",
            url=f"https://{self.name}",
        )


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


def relay(target: str, forwarded: tuple[str, ...], public_host: str) -> object:
    host, _, port = target.rpartition(":")

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            head = await client_r.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            client_w.close()
            return
        first, *fields = head[:-4].split(b"\r\n")
        values = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": public_host}
        added = [f"{name}: {values.get(name, '203.0.113.9')}".encode() for name in forwarded]
        upstream_r, upstream_w = await asyncio.open_connection(host, int(port))
        upstream_w.write(b"\r\n".join([first, *fields, *added]) + b"\r\n\r\n")
        await asyncio.gather(pipe(client_r, upstream_w), pipe(upstream_r, client_w))

    return handle


async def serve(tool: Cloudflared | Ngrok, target: str) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.environ["FAKE_TUNNEL_CERT"], os.environ["FAKE_TUNNEL_KEY"])
    server = await asyncio.start_server(
        relay(target, tool.forwarded, tool.name),  # type: ignore[arg-type]
        "127.0.0.1",
        int(os.environ["FAKE_TUNNEL_LISTEN"]),
        ssl=context,
        reuse_address=True,
    )
    tool.announce(target)
    async with server:
        await server.serve_forever()


def main() -> None:
    kind, args = sys.argv[1], sys.argv[2:]
    state = Path(os.environ["FAKE_TUNNEL_DIR"])
    start = next_start(state)
    (state / f"argv-{start}.json").write_text(json.dumps([kind, *args]))
    (state / f"pid-{start}").write_text(str(os.getpid()))
    mode = os.environ.get("FAKE_TUNNEL_MODE", "serve")
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    tool: Cloudflared | Ngrok
    if kind == "cloudflared":
        tool, target = Cloudflared(start), cloudflared_target(args)
    else:
        tool, target = Ngrok(start, logfmt=mode == "logfmt"), args[1]
    tool.preamble()
    if mode == "fail":
        tool.fail()
        sys.exit(1)
    if mode == "silent":
        signal.pause()
    if mode == "flood":
        for index in range(40_000):  # ~4 MB: far past any pipe's buffer
            say(tool.out, f"{stamp()} DBG edge attempt={index} " + "x" * 60)
    asyncio.run(serve(tool, target))


if __name__ == "__main__":
    main()
