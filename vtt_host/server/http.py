"""Plain HTTP on the WebSocket port: the browser client, health, metrics and assets.

websockets hands every request to ``process_request`` before its handshake; returning
a Response answers it as HTTP, returning None lets ``/ws`` upgrade. Only GET exists.
Files are served by name from fixed roots: a path segment must look like a file name
(no leading dot, no separators, no escapes), and the resolved file must still lie
inside the root, so neither ``..`` nor a symlink reaches anything else.
"""

from __future__ import annotations

import asyncio
import email.utils
import http
import json
import logging
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

logger = logging.getLogger(__name__)

WS_PATH = "/ws"
ASSET_PATH = re.compile(r"^/assets/([0-9a-f]{64})$")
SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
MAX_WEB_FILE_BYTES = 32 * 1024 * 1024
DEFAULT_WEB_DIR = Path(__file__).resolve().parent.parent / "web"
WEB_HEADERS = {
    "Cache-Control": "no-cache",
    # Join links may carry the code: never leak it to other sites.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

PLACEHOLDER_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vtt-host</title></head>
<body><h1>vtt-host is running</h1>
<p>The browser client is not installed in this build. Players can connect with the
Python client or any program that speaks the protocol at <code>/ws</code>.</p>
</body></html>
"""


class AssetLookup(Protocol):
    """Where an asset's file is (``storage.assets.AssetStore`` provides it)."""

    def path(self, sha256: str) -> Path | None: ...


def response(
    status: http.HTTPStatus,
    body: bytes,
    content_type: str,
    extra: dict[str, str] | None = None,
) -> Response:
    headers = Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Connection", "close"),
            ("Content-Length", str(len(body))),
            ("Content-Type", content_type),
            ("X-Content-Type-Options", "nosniff"),
            *(extra or {}).items(),
        ]
    )
    return Response(status.value, status.phrase, headers, body)


def text_response(status: http.HTTPStatus, text: str) -> Response:
    return response(status, text.encode(), "text/plain; charset=utf-8")


def content_type(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    kind = guessed or "application/octet-stream"
    return (
        f"{kind}; charset=utf-8"
        if kind.startswith("text/") or kind.endswith("javascript")
        else kind
    )


def safe_file(root: Path, url_path: str) -> Path | None:
    """The file under ``root`` a URL path names, or None if it names nothing safe."""
    segments = url_path.strip("/").split("/") if url_path.strip("/") else ["index.html"]
    if not all(SAFE_SEGMENT.match(segment) for segment in segments):
        return None
    try:
        base = root.resolve(strict=True)
        target = base.joinpath(*segments).resolve(strict=True)
    except OSError:
        return None
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target


def _read_limited(path: Path) -> bytes | None:
    if path.stat().st_size > MAX_WEB_FILE_BYTES:
        return None
    return path.read_bytes()


class HttpRoutes:
    """The ``process_request`` hook: answers every path but ``/ws``."""

    def __init__(
        self,
        *,
        health: Callable[[], dict[str, Any]],
        metrics: Callable[[], str],
        assets: AssetLookup | None = None,
        web_dir: Path | None = DEFAULT_WEB_DIR,
    ) -> None:
        self._health = health
        self._metrics = metrics
        self._assets = assets
        self._web_dir = web_dir

    async def __call__(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == WS_PATH:
            return None
        if path == "/healthz":
            body = json.dumps(self._health()).encode()
            return response(
                http.HTTPStatus.OK, body, "application/json", {"Cache-Control": "no-store"}
            )
        if path == "/metrics":
            return response(
                http.HTTPStatus.OK,
                self._metrics().encode(),
                "text/plain; version=0.0.4; charset=utf-8",
            )
        match = ASSET_PATH.match(path)
        if match:
            return await self._asset(match.group(1))
        return await self._web_file(path)

    async def _asset(self, sha: str) -> Response:
        found = self._assets.path(sha) if self._assets is not None else None
        if found is None:
            return text_response(http.HTTPStatus.NOT_FOUND, "no such asset\n")
        data = await asyncio.to_thread(found.read_bytes)
        return response(
            http.HTTPStatus.OK,
            data,
            content_type(found),
            {
                # Content-addressed: the bytes behind a name never change.
                "Cache-Control": "public, max-age=31536000, immutable",
                # An uploaded SVG must not run script in the host's origin.
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
            },
        )

    async def _web_file(self, path: str) -> Response:
        found = safe_file(self._web_dir, path) if self._web_dir is not None else None
        if found is None:
            if path in ("/", "/index.html"):
                return response(
                    http.HTTPStatus.OK, PLACEHOLDER_PAGE, "text/html; charset=utf-8", WEB_HEADERS
                )
            return text_response(http.HTTPStatus.NOT_FOUND, "not found\n")
        data = await asyncio.to_thread(_read_limited, found)
        if data is None:
            return text_response(http.HTTPStatus.NOT_FOUND, "not found\n")
        return response(http.HTTPStatus.OK, data, content_type(found), WEB_HEADERS)
