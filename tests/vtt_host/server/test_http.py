"""Plain HTTP on the WebSocket port: what it tells whom, and what it refuses."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import serve

from vtt_host.client import Client
from vtt_host.library import Library
from vtt_host.live import LiveCampaign
from vtt_host.server import Host
from vtt_host.server.http import DEFAULT_WEB_DIR, HttpRoutes, safe_file

from .conftest import MakeHost, player_client

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
Answer = tuple[int, dict[str, str], bytes]


async def send(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    *,
    address: str = "127.0.0.1",
    body: bytes = b"",
) -> Answer | None:
    """One bare HTTP/1.1 request (what a browser or curl sends); None if not answered."""
    fields = {"Host": f"{address}:{port}", **(headers or {})}
    if body:
        fields["Content-Length"] = str(len(body))
    head = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    reader, writer = await asyncio.open_connection(address, port)
    writer.write(f"{method} {path} HTTP/1.1\r\n{head}\r\n".encode() + body)
    await writer.drain()
    data = await reader.read()
    writer.close()
    if not data:
        return None
    head_bytes, _, content = data.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    parsed = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return status, parsed, content


async def request(host: Host, method: str, path: str, **options: Any) -> Answer:
    answer = await send(host.port, method, path, **options)
    assert answer is not None
    return answer


async def get(host: Host, path: str, **options: Any) -> Answer:
    return await request(host, "GET", path, **options)


def lan_address() -> str | None:
    """This machine's address on its network, or None when it has only loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))  # TEST-NET-2: no packet is sent
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address


LAN = lan_address()
needs_lan = pytest.mark.skipif(LAN is None, reason="this machine has no non-loopback address")


async def test_healthz_from_this_machine_reports_campaigns_connections_and_versions(
    host: Host, clients: list[Client]
) -> None:
    await player_client(host, clients, "Alice")
    status, headers, body = await get(host, "/healthz")
    assert status == 200
    assert headers["content-type"] == "application/json"
    health = json.loads(body)
    assert health["ok"] is True
    assert health["connections"] == 1
    (campaign,) = health["campaigns"].values()
    assert campaign["connections"] == 1
    assert campaign["version"] >= 1


async def test_metrics_are_prometheus_text(host: Host, clients: list[Client]) -> None:
    alice = await player_client(host, clients, "Alice")
    await alice.chat("hi")
    await alice.act({"kind": "patch", "ops": [{"op": "remove", "path": "/actors"}]})
    status, headers, body = await get(host, "/metrics")
    assert status == 200
    assert headers["content-type"].startswith("text/plain; version=0.0.4")
    text = body.decode()
    assert "vtt_connections 1" in text
    assert 'vtt_actions_total{status="applied",code=""} 1' in text
    assert 'vtt_actions_total{status="rejected",code="forbidden"} 1' in text
    assert 'vtt_ack_latency_seconds_bucket{le="+Inf"} 1' in text
    assert "vtt_frames_in_total" in text
    assert "vtt_hellos_slowed_total 0" in text
    assert "vtt_hellos_waiting 0" in text


async def test_asset_is_served_with_its_content_type(library: Library, host: Host) -> None:
    sha = library.assets.put(PNG, "png")
    status, headers, body = await get(host, f"/assets/{sha}")
    assert status == 200
    assert headers["content-type"] == "image/png"
    assert body == PNG
    assert "immutable" in headers["cache-control"]


@pytest.mark.parametrize(
    "path",
    ["/assets/" + "0" * 64, "/assets/xyz", "/assets/../../etc/passwd", "/assets/" + "A" * 64],
)
async def test_unknown_or_malformed_asset_is_404(host: Host, path: str) -> None:
    status, _, _ = await get(host, path)
    assert status == 404


async def test_placeholder_page_without_a_web_client(host: Host) -> None:
    status, headers, body = await get(host, "/")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert b"vtt-host" in body


async def test_web_files_are_served_by_name(make_host: MakeHost, tmp_path: Path) -> None:
    web = tmp_path / "web"
    (web / "js").mkdir(parents=True)
    (web / "index.html").write_text("<h1>client</h1>")
    (web / "js" / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("keep out")
    host = await make_host(web_dir=web)
    assert (await get(host, "/"))[2] == b"<h1>client</h1>"
    status, headers, body = await get(host, "/js/app.js")
    assert (status, body) == (200, b"console.log(1)")
    assert "javascript" in headers["content-type"]
    for attack in ("/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt", "/.hidden"):
        assert (await get(host, attack))[0] == 404


def test_directory_traversal_and_symlinks_out_of_the_root_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "web"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("no")
    (root / "link.txt").symlink_to(tmp_path / "outside.txt")
    (root / "ok.txt").write_text("yes")
    assert safe_file(root, "/ok.txt") == (root / "ok.txt").resolve()
    assert safe_file(root, "/link.txt") is None
    assert safe_file(root, "/../outside.txt") is None
    assert safe_file(root, "/sub/") is None


async def test_plain_get_of_the_websocket_path_is_refused(host: Host) -> None:
    status, headers, _ = await get(host, "/ws")
    assert status == 426
    assert headers["x-content-type-options"] == "nosniff"
    assert policy(headers)["default-src"] == ["'none'"]


# -- what HTTP tells whom ---------------------------------------------------------------


@pytest.fixture
async def lan_host(make_host: MakeHost) -> Host:
    return await make_host(host="0.0.0.0")


@needs_lan
async def test_health_from_the_lan_is_a_bare_ok(lan_host: Host, clients: list[Client]) -> None:
    assert LAN is not None
    await player_client(lan_host, clients, "Alice")
    status, headers, body = await request(lan_host, "GET", "/healthz", address=LAN)
    assert (status, json.loads(body)) == (200, {"ok": True})
    assert headers["cache-control"] == "no-store"


@needs_lan
async def test_metrics_from_the_lan_need_the_metrics_token(lan_host: Host) -> None:
    assert LAN is not None
    status, headers, body = await request(lan_host, "GET", "/metrics", address=LAN)
    assert status == 401
    assert headers["www-authenticate"].startswith("Bearer")
    assert b"vtt_" not in body
    wrong = {"Authorization": "Bearer " + "x" * 43}
    assert (await request(lan_host, "GET", "/metrics", address=LAN, headers=wrong))[0] == 401
    token = {"Authorization": f"Bearer {lan_host.metrics_token}"}
    status, _, body = await request(lan_host, "GET", "/metrics", address=LAN, headers=token)
    assert status == 200
    assert b"vtt_connections " in body


@needs_lan
async def test_detailed_health_from_the_lan_with_the_metrics_token(
    lan_host: Host, campaign: LiveCampaign
) -> None:
    assert LAN is not None
    token = {"Authorization": f"bearer {lan_host.metrics_token}"}
    status, _, body = await request(lan_host, "GET", "/healthz", address=LAN, headers=token)
    assert status == 200
    assert json.loads(body)["campaigns"][campaign.id]["name"] == campaign.name


async def test_a_page_rebinding_its_name_to_loopback_cannot_read_metrics_or_details(
    host: Host, campaign: LiveCampaign
) -> None:
    evil = {"Host": f"attacker.example:{host.port}"}
    assert (await get(host, "/metrics", headers=evil))[0] == 401
    _, _, body = await get(host, "/healthz", headers=evil)
    assert json.loads(body) == {"ok": True}
    assert campaign.name.encode() not in body


@pytest.mark.parametrize(
    "relayed",
    [
        {"X-Forwarded-For": "203.0.113.9"},
        {"Forwarded": "for=203.0.113.9"},
        {"X-Real-IP": "203.0.113.9"},
        {"CF-Connecting-IP": "203.0.113.9"},
    ],
)
async def test_a_tunnel_relaying_strangers_from_loopback_does_not_make_them_local(
    host: Host, relayed: dict[str, str]
) -> None:
    assert (await get(host, "/metrics", headers=relayed))[0] == 401
    assert json.loads((await get(host, "/healthz", headers=relayed))[2]) == {"ok": True}


async def test_health_says_503_when_the_host_is_not_running() -> None:
    details = {"ok": False, "protocol": 1, "campaigns": {"c_x": {"name": "Secret"}}}
    routes = HttpRoutes(health=lambda: details, metrics=lambda: "", metrics_token="t" * 43)

    async def handler(_: object) -> None:
        return None

    async with serve(handler, "127.0.0.1", 0, process_request=routes) as server:
        port = server.sockets[0].getsockname()[1]
        relayed = {"X-Forwarded-For": "203.0.113.9"}
        answer = await send(port, "GET", "/healthz", relayed)
        assert answer is not None
        assert (answer[0], json.loads(answer[2])) == (503, {"ok": False})


# -- methods ----------------------------------------------------------------------------

PATHS = ["/", "/index.html", "/healthz", "/metrics", "/ws", "/assets/" + "0" * 64, "/nope"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
@pytest.mark.parametrize("path", PATHS)
async def test_only_get_and_head_are_answered(host: Host, method: str, path: str) -> None:
    status, headers, body = await request(host, method, path)
    assert status == 405
    assert headers["allow"] == "GET, HEAD"
    assert body == b"method not allowed\n"


async def test_a_post_changes_nothing(library: Library, host: Host, campaign: LiveCampaign) -> None:
    sha = library.assets.put(PNG, "png")
    version = campaign.manager.version
    upgrade = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    for method in ("POST", "PUT", "DELETE"):
        assert (await request(host, method, "/ws", headers=upgrade))[0] == 405
        assert (await request(host, method, f"/assets/{sha}"))[0] == 405
    # A request with a body is not even read: the connection is closed unanswered.
    assert await send(host.port, "POST", "/healthz", body=b'{"ok": false}') is None
    assert campaign.manager.version == version
    assert (await get(host, f"/assets/{sha}"))[2] == PNG
    assert host.health()["connections"] == 0


@pytest.mark.parametrize("path", PATHS)
async def test_head_gets_the_headers_of_get_without_a_body(make_host: MakeHost, path: str) -> None:
    host = await make_host(web_dir=DEFAULT_WEB_DIR)
    got_status, got_headers, got_body = await get(host, path)
    status, headers, body = await request(host, "HEAD", path)
    assert body == b""
    assert status == (426 if path == "/ws" else got_status)
    if path != "/ws":
        assert headers["content-length"] == str(len(got_body))
        assert headers["content-type"] == got_headers["content-type"]


# -- what pages and errors say ----------------------------------------------------------


def policy(headers: dict[str, str]) -> dict[str, list[str]]:
    directives = [part.split() for part in headers["content-security-policy"].split(";")]
    return {words[0]: words[1:] for words in directives if words}


async def test_the_browser_client_gets_a_strict_content_security_policy(
    make_host: MakeHost,
) -> None:
    host = await make_host(web_dir=DEFAULT_WEB_DIR)
    for path in ("/", "/app.js", "/style.css"):
        status, headers, _ = await get(host, path)
        assert status == 200
        csp = policy(headers)
        assert csp["default-src"] == ["'none'"]
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        assert csp["img-src"] == ["'self'", "data:"]
        where = f"127.0.0.1:{host.port}"
        assert csp["connect-src"] == ["'self'", f"ws://{where}", f"wss://{where}"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["base-uri"] == ["'none'"]
        assert "'unsafe-inline'" not in headers["content-security-policy"]
        assert "'unsafe-eval'" not in headers["content-security-policy"]


async def test_a_hostile_host_header_cannot_widen_the_policy(make_host: MakeHost) -> None:
    host = await make_host(web_dir=DEFAULT_WEB_DIR)
    for hostile in ("x; script-src *", "a b", "evil.example/path", "x" * 300):
        _, headers, _ = await get(host, "/", headers={"Host": hostile})
        assert policy(headers)["connect-src"] == ["'self'"]
        assert policy(headers)["script-src"] == ["'self'"]


def test_the_browser_client_needs_nothing_the_policy_forbids() -> None:
    page = (DEFAULT_WEB_DIR / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "inline script"
    assert "<style" not in page, "inline style element"
    assert not re.search(r"\sstyle=", page), "style attribute"
    assert not re.search(r"\son[a-z]+=", page), "inline event handler"
    assert not re.search(r"javascript:", page, re.I)
    for script in DEFAULT_WEB_DIR.glob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"\beval\(|new Function\(|setTimeout\(\s*[\"'`]", text), script.name
        assert "innerHTML" not in text, script.name  # could carry inline styles or handlers


@pytest.mark.parametrize(
    "path", ["/nope", "/assets/" + "0" * 64, "/.git/config", "/../../etc/passwd", "/%00"]
)
async def test_errors_name_no_path_and_no_version(host: Host, path: str) -> None:
    status, headers, body = await get(host, path)
    assert status == 404
    assert body in (b"not found\n", b"no such asset\n")
    assert headers["server"] == "vtt-host"
    assert policy(headers)["default-src"] == ["'none'"]
    assert headers["x-content-type-options"] == "nosniff"


async def test_answers_that_are_not_pages_allow_nothing_to_run(host: Host) -> None:
    for path in ("/healthz", "/metrics"):
        _, headers, _ = await get(host, path)
        assert policy(headers) == {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}
