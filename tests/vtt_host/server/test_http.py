"""Plain HTTP on the WebSocket port."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from vtt_host.client import Client
from vtt_host.library import Library
from vtt_host.server import Host
from vtt_host.server.http import safe_file

from .conftest import MakeHost, player_client

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def get(host: Host, path: str) -> tuple[int, dict[str, str], bytes]:
    """A bare HTTP/1.1 GET (no client library: this is what a browser sends)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", host.port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return status, headers, body


async def test_healthz_reports_campaigns_connections_and_versions(
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
    status, _, _ = await get(host, "/ws")
    assert status == 426
