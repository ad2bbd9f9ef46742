"""A real host with a relay port, real tunnel processes, and plain HTTP to read them.

``sshd`` is the system's OpenSSH server on 127.0.0.1 with keys made for the test; the
client side is the system's ``ssh``, found on PATH through a one-line wrapper that adds
``-F`` with the test's client config (ssh reads ``~/.ssh/config`` from the password
database, not from ``$HOME``, so a temporary HOME alone would not reach it).
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from vtt_host.library import Library
from vtt_host.server import Host

SSHD = Path("/usr/sbin/sshd")
PRIVSEP_DIR = Path("/run/sshd")
READY_TIMEOUT_S = 20.0


@pytest.fixture
async def library(tmp_path: Path) -> AsyncIterator[Library]:
    lib = await Library.open(tmp_path / "data")
    yield lib
    await lib.close()


@pytest.fixture
async def host(library: Library) -> AsyncIterator[Host]:
    async with demo_host(library) as served:
        yield served


@contextlib.asynccontextmanager
async def demo_host(library: Library) -> AsyncIterator[Host]:
    """The demo campaign with the browser client, on 127.0.0.1 port 0."""
    campaign = await library.open_campaign(await library.create("Crossroads", demo=True))
    served = Host(assets=library.assets, previews=library.previews)
    await served.add_campaign(campaign)
    async with served:
        yield served


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


async def http_get(port: int, path: str, *, host: str | None = None, **headers: str) -> Answer:
    """One GET to 127.0.0.1:port, with exactly the headers given (``Host`` defaults to
    the loopback address, as a stranger relayed by ``ssh -R`` may send it)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"GET {path} HTTP/1.1", f"Host: {host or f'127.0.0.1:{port}'}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    writer.write(("\r\n".join([*lines, "Connection: close", "", ""])).encode())
    await writer.drain()
    async with asyncio.timeout(10):
        data = await reader.read()
    writer.close()
    return parse_answer(data)


def parse_answer(data: bytes) -> Answer:
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *fields = head.decode("latin-1").split("\r\n")
    parsed = {}
    for line in fields:
        name, _, value = line.partition(":")
        parsed[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), parsed, body)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_exists(pid: int) -> bool:
    """Whether a process with this id is still there (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    try:
        return status.read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@dataclass
class SshServer:
    port: int
    user: str
    bin_dir: Path
    """Holds the ``ssh`` wrapper; put it first on PATH."""
    log: list[str] = field(default_factory=list)

    @property
    def target(self) -> str:
        return f"{self.user}@127.0.0.1:{self.port}"


def keygen(path: Path) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path.with_suffix(".pub").read_text().strip()


def sshd_config(root: Path) -> str:
    return "\n".join(
        [
            "ListenAddress 127.0.0.1",
            f"HostKey {root / 'host_key'}",
            f"PidFile {root / 'sshd.pid'}",
            f"AuthorizedKeysFile {root / 'authorized_keys'}",
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "AllowTcpForwarding yes",
            "GatewayPorts yes",
            "",
        ]
    )


def client_config(root: Path) -> str:
    return "\n".join(
        [
            "Host *",
            f"  IdentityFile {root / 'client_key'}",
            "  IdentitiesOnly yes",
            f"  UserKnownHostsFile {root / 'known_hosts'}",
            "  StrictHostKeyChecking yes",
            "",
        ]
    )


def wait_for_line(stream: object, marker: str, sink: list[str]) -> bool:
    """Read ``stream`` in a thread for good; True once a line holds ``marker``."""
    seen = threading.Event()

    def read() -> None:
        for line in stream:  # type: ignore[attr-defined]
            sink.append(line.rstrip("\n"))
            del sink[:-200]
            if marker in line:
                seen.set()

    threading.Thread(target=read, daemon=True).start()
    return seen.wait(READY_TIMEOUT_S)


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    if not SSHD.exists() or shutil.which("ssh") is None:
        pytest.skip(f"{SSHD} is not installed (apt-get install openssh-server)")
    if not PRIVSEP_DIR.is_dir():
        if os.geteuid() != 0:
            pytest.skip(f"sshd needs {PRIVSEP_DIR}, which only root can make here")
        PRIVSEP_DIR.mkdir(mode=0o755)
    root = tmp_path_factory.mktemp("sshd")
    host_key = keygen(root / "host_key")
    (root / "authorized_keys").write_text(keygen(root / "client_key") + "\n")
    (root / "sshd_config").write_text(sshd_config(root))
    (root / "ssh_config").write_text(client_config(root))
    port = free_port()
    key_type, key_body = host_key.split()[:2]
    (root / "known_hosts").write_text(f"[127.0.0.1]:{port} {key_type} {key_body}\n")
    bin_dir = root / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "ssh"
    real_ssh = shutil.which("ssh")
    wrapper.write_text(f'#!/bin/sh\nexec {real_ssh} -F {root / "ssh_config"} "$@"\n')
    wrapper.chmod(0o755)
    server = SshServer(port, getpass.getuser(), bin_dir)
    argv = [str(SSHD), "-D", "-e", "-f", str(root / "sshd_config"), "-p", str(port)]
    process = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
    try:
        if not wait_for_line(process.stderr, "Server listening", server.log):
            raise RuntimeError(f"sshd did not start: {server.log}")
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def ssh_on_path(sshd: SshServer, monkeypatch: pytest.MonkeyPatch) -> SshServer:
    monkeypatch.setenv("PATH", f"{sshd.bin_dir}{os.pathsep}{os.environ['PATH']}")
    return sshd


class Changes:
    """What a tunnel's ``on_change`` was told, in order, and a way to wait for it."""

    def __init__(self) -> None:
        self.seen: list[str | None] = []
        self._changed = asyncio.Event()

    def __call__(self, url: str | None) -> None:
        self.seen.append(url)
        self._changed.set()

    async def wait_for(self, count: int, timeout_s: float = 30.0) -> list[str | None]:
        async with asyncio.timeout(timeout_s):
            while len(self.seen) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.seen


# -- the fake cloudflared and ngrok (fake_tool.py) -------------------------------------

FAKE_TOOL = Path(__file__).with_name("fake_tool.py")


@dataclass
class Certificate:
    cert: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        """Trusts the fake tunnel's certificate, for the public names it was made for."""
        context = ssl.create_default_context(cafile=str(self.cert))
        return context


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("tls"))


def make_certificate(root: Path) -> Certificate:
    """A self-signed certificate for the tunnels' public names (``openssl req``)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (apt-get install openssl)")
    made = Certificate(root / "cert.pem", root / "key.pem")
    names = "DNS:*.trycloudflare.com,DNS:*.ngrok-free.app"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(made.key),
            "-out",
            str(made.cert),
            "-subj",
            "/CN=vtt-host test tunnel",
            "-addext",
            f"subjectAltName={names}",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
        ],
        check=True,
        capture_output=True,
    )
    return made


@dataclass
class FakeTools:
    """Fake ``cloudflared`` and ``ngrok`` first on PATH, and what they did."""

    state: Path
    listen_port: int
    certificate: Certificate
    monkeypatch: pytest.MonkeyPatch

    def mode(self, mode: str) -> None:
        self.monkeypatch.setenv("FAKE_TUNNEL_MODE", mode)

    def starts(self) -> int:
        counter = self.state / "starts"
        return int(counter.read_text()) if counter.exists() else 0

    def argv(self, start: int = 0) -> list[str]:
        return list(json.loads((self.state / f"argv-{start}.json").read_text()))

    def pids(self) -> list[int]:
        return [int((self.state / f"pid-{n}").read_text()) for n in range(self.starts())]


@pytest.fixture
def fake_tools(
    tmp_path: Path, certificate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> FakeTools:
    return install_fake_tools(tmp_path, certificate, monkeypatch)


def install_fake_tools(
    tmp_path: Path, certificate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> FakeTools:
    """Fake ``cloudflared`` and ``ngrok`` first on PATH, listening on a free port."""
    bin_dir = tmp_path / "fake-bin"
    state = tmp_path / "fake-state"
    bin_dir.mkdir()
    state.mkdir()
    for tool in ("cloudflared", "ngrok"):
        script = bin_dir / tool
        script.write_text(f'#!/bin/sh\nexec {sys.executable} {FAKE_TOOL} {tool} "$@"\n')
        script.chmod(0o755)
    port = free_port()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_TUNNEL_DIR", str(state))
    monkeypatch.setenv("FAKE_TUNNEL_LISTEN", str(port))
    monkeypatch.setenv("FAKE_TUNNEL_CERT", str(certificate.cert))
    monkeypatch.setenv("FAKE_TUNNEL_KEY", str(certificate.key))
    monkeypatch.delenv("FAKE_TUNNEL_MODE", raising=False)
    return FakeTools(state, port, certificate, monkeypatch)


async def https_get(tools: FakeTools, url: str, path: str) -> Answer:
    """A GET of ``url`` + path through the fake tunnel, as a browser elsewhere sends it:
    TLS for the public name, that name as ``Host``."""
    name = urllib.parse.urlsplit(url).hostname
    assert name is not None
    reader, writer = await asyncio.open_connection(
        "127.0.0.1",
        tools.listen_port,
        ssl=tools.certificate.client_context(),
        server_hostname=name,
    )
    request = f"GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n"
    writer.write(request.encode())
    await writer.drain()
    async with asyncio.timeout(10):
        data = await reader.read()
    writer.close()
    return parse_answer(data)


async def wss_hello(tools: FakeTools, url: str, **hello: Any) -> dict[str, Any] | int:
    """The first answer to a hello over ``wss://`` through the fake tunnel, or the code
    the host closed the connection with."""
    name = urllib.parse.urlsplit(url).hostname
    assert name is not None
    async with connect(
        f"wss://{name}/ws",
        host="127.0.0.1",
        port=tools.listen_port,
        ssl=tools.certificate.client_context(),
        origin=Origin(url.rstrip("/")),
        max_size=None,
    ) as ws:
        await ws.send(json.dumps({"type": "hello", "protocol": 1, **hello}))
        try:
            return dict(json.loads(await ws.recv()))
        except ConnectionClosed:
            await ws.wait_closed()
            assert ws.close_code is not None
            return ws.close_code


async def eventually(predicate: Callable[[], bool], timeout_s: float = 20.0) -> None:
    """Poll what has no event to wait on (a tunnel's status line)."""
    async with asyncio.timeout(timeout_s):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.02)
