"""Plain HTTP on the WebSocket port: the browser client, health, metrics and assets.

websockets hands every request to ``process_request`` before its handshake; returning
a Response answers it as HTTP, returning None lets ``/ws`` upgrade. Only GET and HEAD
are answered (anything else: 405, nothing happens). Files are served by name from fixed
roots: a path segment must look like a file name (no leading dot, no separators, no
escapes), and the resolved file must still lie inside the root, so neither ``..`` nor a
symlink reaches anything else. Anyone gets a bare health answer; the detailed one and
``/metrics`` only this machine or a metrics token holder (``access``); the ``/join`` page
(and its QR codes) only this machine. A request through the relay listener is never
this machine's, whatever its headers (``access.from_this_machine``). Pages carry a
Content-Security-Policy that allows only the host's own scripts, styles, images and
WebSocket; every other answer one that allows nothing.
"""

from __future__ import annotations

import asyncio
import email.utils
import http
import json
import logging
import mimetypes
import re
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from vtt_host.qr import qr_svg
from vtt_host.server.access import from_this_machine, may_read_details
from vtt_host.server.asset_cache import AssetCache
from vtt_host.server.conditional import entity_tag, none_match
from vtt_host.server.join_page import JoinEntry, join_page

logger = logging.getLogger(__name__)

WS_PATH = "/ws"
JOIN_PATH = "/join"
JOIN_SVG_PATH = "/join.svg"
NOT_THIS_MACHINE = "the join page is shown only on the host's own machine\n"
ASSET_PATH = re.compile(r"^/assets/([0-9a-f]{64})(/preview)?$")
SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
MAX_WEB_FILE_BYTES = 32 * 1024 * 1024
DEFAULT_WEB_DIR = Path(__file__).resolve().parent.parent / "web"
ALLOWED_METHODS = ("GET", "HEAD")
WEB_HEADERS = {
    "Cache-Control": "no-cache",
    # Join links may carry the code: never leak it to other sites.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
NOTHING_CSP = "default-src 'none'; frame-ancestors 'none'"
"""For answers that are not pages (JSON, text, errors): nothing in them may run."""
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'{sockets}; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
"""The browser client's own files only: no inline script or style, no other origin.
``data:`` images are the page's empty favicon; ``connect-src`` names the WebSocket
on the page's own host explicitly (ws: and wss:), for browsers whose 'self' does not
cover it."""
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
"""Content-addressed: the bytes behind a name never change."""
ASSET_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
"""An uploaded SVG must not run script in the host's origin."""
HOST_HEADER = re.compile(r"^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$")

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
    fields = {
        "Date": email.utils.formatdate(usegmt=True),
        "Connection": "close",
        "Content-Length": str(len(body)),
        "Content-Type": content_type,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": NOTHING_CSP,
        **(extra or {}),
    }
    return Response(status.value, status.phrase, Headers(fields.items()), body)


def without_body(answer: Response) -> Response:
    """The answer to HEAD: the GET answer's headers (its Content-Length too), no body."""
    return Response(answer.status_code, answer.reason_phrase, answer.headers, b"")


def page_csp(host: str | None) -> str:
    """The pages' policy; the WebSocket named on the host the browser asked for."""
    if host is None or not HOST_HEADER.match(host):
        return PAGE_CSP.format(sockets="")
    return PAGE_CSP.format(sockets=f" ws://{host} wss://{host}")


def text_response(
    status: http.HTTPStatus, text: str, extra: dict[str, str] | None = None
) -> Response:
    return response(status, text.encode(), "text/plain; charset=utf-8", extra)


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
    """The ``process_request`` hook: answers every request but a GET of ``/ws``."""

    def __init__(
        self,
        *,
        health: Callable[[], dict[str, Any]],
        metrics: Callable[[], str],
        metrics_token: str,
        assets: AssetLookup | None = None,
        previews: AssetLookup | None = None,
        web_dir: Path | None = DEFAULT_WEB_DIR,
        join_entries: Callable[[], Sequence[JoinEntry]] = tuple,
    ) -> None:
        self._health = health
        self._join_entries = join_entries
        self._metrics = metrics
        self._metrics_token = metrics_token
        self._assets = assets
        self._previews = previews
        self._asset_cache = AssetCache()
        self._web_dir = web_dir

    async def __call__(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.method not in ALLOWED_METHODS:
            return text_response(
                http.HTTPStatus.METHOD_NOT_ALLOWED,
                "method not allowed\n",
                {"Allow": ", ".join(ALLOWED_METHODS)},
            )
        path = request.path.split("?", 1)[0]
        if path == WS_PATH and request.method == "GET":
            return None
        answer = await self._answer(connection, request, path)
        return without_body(answer) if request.method == "HEAD" else answer

    def harden(
        self, connection: ServerConnection, request: Request, answer: Response
    ) -> Response | None:
        """The ``process_response`` hook: websockets' own refusals (a bad handshake on
        ``/ws``, which quote the client's headers) get the headers every answer has."""
        if answer.status_code != http.HTTPStatus.SWITCHING_PROTOCOLS:
            for name, value in (
                ("X-Content-Type-Options", "nosniff"),
                ("Content-Security-Policy", NOTHING_CSP),
            ):
                if name not in answer.headers:
                    answer.headers[name] = value
        return None

    async def _answer(self, connection: ServerConnection, request: Request, path: str) -> Response:
        if path == WS_PATH:
            return text_response(
                http.HTTPStatus.UPGRADE_REQUIRED, "upgrade required\n", {"Upgrade": "websocket"}
            )
        if path == "/healthz":
            return self._health_answer(self._details_allowed(connection, request))
        if path == "/metrics":
            return self._metrics_answer(self._details_allowed(connection, request))
        if path in (JOIN_PATH, JOIN_SVG_PATH):
            if not self._from_this_machine(connection, request):
                # The same answer whatever is asked: nothing about the campaigns served.
                return text_response(http.HTTPStatus.FORBIDDEN, NOT_THIS_MACHINE)
            if path == JOIN_SVG_PATH:
                return self._join_svg(request.path)
            return self._join_page(request.headers.get_all("Host"))
        match = ASSET_PATH.match(path)
        if match:
            return await self._asset(match.group(1), request, preview=bool(match.group(2)))
        return await self._web_file(path, request.headers.get_all("Host"))

    def _from_this_machine(self, connection: ServerConnection, request: Request) -> bool:
        """Whether a request is this machine's own (``access.from_this_machine``: never
        one through the relay listener)."""
        return from_this_machine(connection, request.headers)

    def _join_page(self, hosts: list[str]) -> Response:
        headers = {
            **WEB_HEADERS,
            "Cache-Control": "no-store",  # join codes change
            "Content-Security-Policy": page_csp(hosts[0] if len(hosts) == 1 else None),
        }
        body = join_page(self._join_entries())
        return response(http.HTTPStatus.OK, body, "text/html; charset=utf-8", headers)

    def _join_svg(self, target: str) -> Response:
        """``/join.svg?campaign=<id>``: one campaign's QR code alone."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
        asked = query.get("campaign", [])
        found = [e for e in self._join_entries() if len(asked) == 1 and e.campaign_id == asked[0]]
        if not found:
            return text_response(http.HTTPStatus.NOT_FOUND, "no such campaign\n")
        entry = found[0]
        svg = qr_svg(entry.link, f"QR code of the join link of {entry.name}")
        return response(
            http.HTTPStatus.OK,
            svg.encode(),
            "image/svg+xml; charset=utf-8",
            {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    def _details_allowed(self, connection: ServerConnection, request: Request) -> bool:
        """This machine (``access.from_this_machine``) or a metrics token holder."""
        return may_read_details(connection, request.headers, self._metrics_token)

    def _health_answer(self, detailed: bool) -> Response:
        health = self._health()
        body = health if detailed else {"ok": bool(health["ok"])}
        status = http.HTTPStatus.OK if health["ok"] else http.HTTPStatus.SERVICE_UNAVAILABLE
        return response(
            status, json.dumps(body).encode(), "application/json", {"Cache-Control": "no-store"}
        )

    def _metrics_answer(self, allowed: bool) -> Response:
        if not allowed:
            return text_response(
                http.HTTPStatus.UNAUTHORIZED,
                "metrics are for this machine or a metrics token\n",
                {"WWW-Authenticate": 'Bearer realm="vtt-host metrics"'},
            )
        return response(
            http.HTTPStatus.OK,
            self._metrics().encode(),
            "text/plain; version=0.0.4; charset=utf-8",
            {"Cache-Control": "no-store"},
        )

    async def _asset(self, sha: str, request: Request, *, preview: bool = False) -> Response:
        """An asset (or its preview, previews.py), or 304 when the browser already has
        it; HEAD reads no bytes. A preview is made on its first request."""
        if preview:
            lookup, key = self._previews, f"{sha}.preview"
            found = await asyncio.to_thread(lookup.path, sha) if lookup is not None else None
        else:
            key = sha
            found = self._assets.path(sha) if self._assets is not None else None
        if found is None:
            return text_response(http.HTTPStatus.NOT_FOUND, "no such asset\n")
        headers = {
            "Date": email.utils.formatdate(usegmt=True),
            "Connection": "close",
            "ETag": entity_tag(key),
            "Cache-Control": ASSET_CACHE_CONTROL,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": ASSET_CSP,
        }
        if none_match(request.headers.get_all("If-None-Match"), key):
            status = http.HTTPStatus.NOT_MODIFIED
            return Response(status.value, status.phrase, Headers(headers.items()), b"")
        headers["Content-Type"] = content_type(found)
        if request.method == "HEAD":
            size = (await asyncio.to_thread(found.stat)).st_size
            headers["Content-Length"] = str(size)
            return Response(200, "OK", Headers(headers.items()), b"")
        data = await self._asset_cache.read(key, found)
        headers["Content-Length"] = str(len(data))
        return Response(200, "OK", Headers(headers.items()), data)

    async def _web_file(self, path: str, hosts: list[str]) -> Response:
        page_headers = {
            **WEB_HEADERS,
            "Content-Security-Policy": page_csp(hosts[0] if len(hosts) == 1 else None),
        }
        found = safe_file(self._web_dir, path) if self._web_dir is not None else None
        if found is None:
            if path in ("/", "/index.html"):
                return response(
                    http.HTTPStatus.OK, PLACEHOLDER_PAGE, "text/html; charset=utf-8", page_headers
                )
            return text_response(http.HTTPStatus.NOT_FOUND, "not found\n")
        data = await asyncio.to_thread(_read_limited, found)
        if data is None:
            return text_response(http.HTTPStatus.NOT_FOUND, "not found\n")
        return response(http.HTTPStatus.OK, data, content_type(found), page_headers)
