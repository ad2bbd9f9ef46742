"""The Host: one port serving WebSocket ``/ws`` and plain HTTP for one or more campaigns.

Use it as ``async with Host(...) as host`` or with ``await host.start()`` and
``await host.close()``. ``close`` is idempotent: it stops accepting, closes every
connection with 1001 (clients resume against the next start), waits for each
connection's handler to finish (so players' leaves are journaled), then drops the
campaigns' mailboxes. The campaigns themselves (and their store) belong to the caller.

``open_relay_port`` adds a second listener on 127.0.0.1 for a tunnel tool on this
machine to relay to: the same routes and WebSocket, but nothing that arrives there is
this machine's own (``access.from_this_machine``); it closes with the host.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import secrets
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers

from vtt_host.gcpolicy import QuietCollector
from vtt_host.previews import large_map_pictures
from vtt_host.server.access import (
    RelayConnection,
    gm_page_may_connect,
    is_loopback,
    valid_metrics_token,
)
from vtt_host.server.admission import GateClosed, HelloGate, Sleep, TooManyWaiting
from vtt_host.server.campaign import CampaignBackend, CampaignHub, Grant, Holder
from vtt_host.server.closes import CLOSE_GOING_AWAY, CLOSE_TOO_MANY, CLOSE_UNAUTHORIZED, Refusal
from vtt_host.server.connection import Connection
from vtt_host.server.frames import PROTOCOL_VERSION, Hello
from vtt_host.server.gm_tickets import GmTickets
from vtt_host.server.http import DEFAULT_WEB_DIR, WS_PATH, AssetLookup, HttpRoutes
from vtt_host.server.join_page import JoinEntry
from vtt_host.server.limits import FailedHelloTracker, HostLimits
from vtt_host.server.metrics import Metrics
from vtt_host.server.writes import WriteCoalescer

logger = logging.getLogger(__name__)

OpenCampaign = Callable[[str], Awaitable[CampaignBackend | None]]
METRICS_TOKEN_BYTES = 32


class HostState(enum.Enum):
    NEW = "new"
    RUNNING = "running"
    CLOSING = "closing"
    CLOSED = "closed"


class HostError(Exception):
    """Misuse of the Host (an unknown campaign, starting twice)."""


class Host:
    """Serves campaigns to players over WebSocket and HTTP on one port."""

    def __init__(
        self,
        *,
        # where to listen
        host: str = "127.0.0.1",
        port: int = 0,
        # what to serve besides campaigns
        assets: AssetLookup | None = None,
        previews: AssetLookup | None = None,
        web_dir: Path | None = DEFAULT_WEB_DIR,
        open_campaign: OpenCampaign | None = None,
        join_link: Callable[[str], str] | None = None,
        # protection
        limits: HostLimits | None = None,
        metrics_token: str | None = None,
        # None by default: websockets deflates on the event loop, and a 4.5 MB welcome
        # then stalls every other player for ~100 ms while gaining little (JSON of
        # campaigns compresses ~1.4:1). Patches are a couple of hundred bytes.
        compression: Literal["deflate"] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if metrics_token is not None and not valid_metrics_token(metrics_token):
            raise HostError("a metrics token is 16 to 256 letters, digits or ._~+/- (then = signs)")
        self._bind = (host, port)
        self._limits = limits or HostLimits()
        self.metrics_token = metrics_token or secrets.token_urlsafe(METRICS_TOKEN_BYTES)
        """The bearer token that opens /metrics and the detailed /healthz to others."""
        self._compression = compression
        self._clock = clock
        self._open_campaign = open_campaign
        self._join_link = join_link
        self.metrics = Metrics()
        self._writes = WriteCoalescer()
        self._collector: asyncio.Task[None] | None = None
        self._failed_hellos = FailedHelloTracker(
            per_address=self._limits.failed_hellos,
            host_wide=self._limits.failed_hellos_host_wide,
            window_s=self._limits.failed_hello_window_s,
            max_wait_s=self._limits.slowed_hello_max_wait_s,
            clock=clock,
        )
        self._gate = HelloGate(
            self._failed_hellos,
            waiting_per_address=self._limits.waiting_hellos_per_address,
            sleep=sleep,
        )
        self._routes = HttpRoutes(
            health=self.health,
            metrics=self._render_metrics,
            metrics_token=self.metrics_token,
            assets=assets,
            previews=previews,
            web_dir=web_dir,
            join_entries=self._join_entries,
        )
        self._previews = previews
        self._warming: set[asyncio.Task[Any]] = set()
        self._gm_tickets = GmTickets(clock=clock)
        self._hubs: dict[str, CampaignHub] = {}
        self._hub_lock = asyncio.Lock()
        self._connections: set[Connection] = set()
        self._server: Server | None = None
        self._relay: Server | None = None
        self._relay_lock = asyncio.Lock()
        self._state = HostState.NEW
        self._closed: asyncio.Future[None] | None = None

    # -- campaigns -------------------------------------------------------------------

    async def add_campaign(self, backend: CampaignBackend) -> CampaignHub:
        """Serve a campaign (before or after ``start``); its credentials are created if new."""
        async with self._hub_lock:
            hub = self._hubs.get(backend.id)
            if hub is None:
                hub = await CampaignHub.open(backend, self._limits)
                self._hubs[backend.id] = hub
                self._warm_previews(backend.manager.state)
            return hub

    def _warm_previews(self, state: Mapping[str, Any]) -> None:
        """Make the previews of the campaign's large map pictures now, in a thread, so
        the first player to join does not wait for one (previews.py)."""
        if self._previews is None:
            return
        for sha in large_map_pictures(state):
            task = asyncio.create_task(asyncio.to_thread(self._previews.path, sha))
            self._warming.add(task)
            task.add_done_callback(self._warming.discard)

    async def remove_campaign(self, campaign_id: str) -> None:
        """Stop serving a campaign: its players are closed with 1001 and may resume later.

        The campaign itself stays open; closing it (checkpoint, backup) is the caller's.
        """
        async with self._hub_lock:
            hub = self._hubs.pop(campaign_id, None)
        if hub is not None:
            await hub.disconnect_all(CLOSE_GOING_AWAY, "the campaign was closed")
            await hub.close()

    def hub(self, campaign_id: str | None = None) -> CampaignHub:
        """A served campaign by id; with none given, the only one."""
        if campaign_id is None:
            if len(self._hubs) != 1:
                raise HostError("name the campaign: the host serves several (or none)")
            return next(iter(self._hubs.values()))
        try:
            return self._hubs[campaign_id]
        except KeyError:
            raise HostError(f"campaign {campaign_id!r} is not served here") from None

    @property
    def campaigns(self) -> list[CampaignHub]:
        return list(self._hubs.values())

    def join_code(self, campaign_id: str | None = None) -> str:
        return self.hub(campaign_id).credentials.join_code

    def join_link(self, campaign_id: str | None = None) -> str:
        """The link to hand a campaign's players (``/join`` shows it and its QR code).

        What the ``join_link`` callable given to the Host says (the start-up code knows
        the LAN address, the tunnel or the public URL); without one, this machine's
        ``local_http_url`` with ``?code=`` the join code.
        """
        hub = self.hub(campaign_id)
        if self._join_link is not None:
            return self._join_link(hub.id)
        code = urllib.parse.quote(hub.credentials.join_code, safe="")
        return f"{self.local_http_url}?code={code}"

    def _join_entries(self) -> list[JoinEntry]:
        return [
            JoinEntry(hub.id, hub.backend.name, self.join_link(hub.id), hub.credentials.join_code)
            for hub in self._hubs.values()
        ]

    def gm_token(self, campaign_id: str | None = None) -> str:
        return self.hub(campaign_id).credentials.gm_token

    def gm_link(self, campaign_id: str | None = None) -> str:
        """A one-time link that lets a browser on this machine in as the GM.

        ``http://127.0.0.1:PORT/?gm=TICKET``: usable once, within two minutes, and only
        from this machine (``gm_tickets``). The host must listen on loopback.
        """
        hub = self.hub(campaign_id)
        if not self._listens_on_loopback():
            raise HostError("the host does not listen on 127.0.0.1: no link can reach it")
        return f"http://127.0.0.1:{self.port}/?gm={self._gm_tickets.issue(hub.id)}"

    def _listens_on_loopback(self) -> bool:
        host = self._bind[0]
        if host in ("0.0.0.0", "", "::", "localhost"):
            return True
        return host.count(".") == 3 and is_loopback(host)

    async def rotate_join_code(self, campaign_id: str | None = None) -> str:
        """A new join code; the old one admits no one (connected players stay)."""
        return await self.hub(campaign_id).rotate_join_code()

    async def kick(self, player_id: str, campaign_id: str | None = None) -> int:
        """Close a player's connections (4004) and void their sessions; returns how many."""
        return await self.hub(campaign_id).kick(player_id)

    # -- life cycle ------------------------------------------------------------------

    @property
    def state(self) -> HostState:
        return self._state

    async def start(self) -> None:
        if self._state is not HostState.NEW:
            raise HostError(f"the host is {self._state.value}; start it only once")
        host, port = self._bind
        self._server = await self._serve(host, port)
        self._state = HostState.RUNNING
        collector = QuietCollector(lambda: self.metrics.frames_in)
        self._collector = asyncio.create_task(collector.run(), name="vtt gc")
        logger.info("serving on port %d", self.port)

    async def _serve(
        self, host: str, port: int, connection_type: type[ServerConnection] = ServerConnection
    ) -> Server:
        return await serve(
            self._handle,
            host,
            port,
            create_connection=connection_type,
            process_request=self._routes,
            process_response=self._routes.harden,
            # limits
            max_size=self._limits.max_frame_bytes,
            open_timeout=self._limits.hello_timeout_s,
            close_timeout=self._limits.close_timeout_s,
            # keepalive finds dead peers whose TCP connection never said so
            ping_interval=20,
            ping_timeout=20,
            compression=self._compression,
            server_header="vtt-host",
        )

    async def open_relay_port(self) -> int:
        """The port of the relay listener on 127.0.0.1, opened on the first call.

        Point a tunnel tool here, not at ``port``: the tool connects from loopback on
        behalf of anyone, and ``ssh -R`` passes a stranger's ``Host`` header on as it
        is, so only the listener can tell the GM's own requests from relayed ones.
        Everything arriving here is a player's (``access.RelayConnection``).
        """
        async with self._relay_lock:
            if self._state is not HostState.RUNNING:
                raise HostError(f"the host is {self._state.value}; open a relay while it runs")
            if self._relay is None:
                self._relay = await self._serve("127.0.0.1", 0, RelayConnection)
                logger.info("relay listener on port %d", self._port_of(self._relay))
            return self._port_of(self._relay)

    @property
    def relay_port(self) -> int | None:
        """The relay listener's port, if ``open_relay_port`` opened one."""
        return self._port_of(self._relay) if self._relay is not None else None

    @staticmethod
    def _port_of(server: Server) -> int:
        return int(server.sockets[0].getsockname()[1])

    @property
    def port(self) -> int:
        if self._server is None:
            raise HostError("the host is not started")
        return self._port_of(self._server)

    @property
    def local_url(self) -> str:
        """The WebSocket URL on this machine (the CLI prints the public one)."""
        host = self._bind[0]
        shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        return f"ws://{shown}:{self.port}{WS_PATH}"

    @property
    def local_http_url(self) -> str:
        return self.local_url.replace("ws://", "http://", 1).removesuffix(WS_PATH) + "/"

    @property
    def metrics_url(self) -> str:
        """Where this machine reads /metrics (others add the metrics token)."""
        return self.local_http_url + "metrics"

    async def close(self) -> None:
        """Stop serving; safe to call more than once and from several tasks."""
        if self._closed is None:
            self._closed = asyncio.get_running_loop().create_future()
            try:
                await self._shutdown()
            finally:
                self._state = HostState.CLOSED
                self._closed.set_result(None)
        await asyncio.shield(self._closed)

    async def _shutdown(self) -> None:
        self._state = HostState.CLOSING
        self._gate.close()
        for task in self._warming:
            task.cancel()  # the thread finishes its picture; nobody waits for it
        if self._collector is not None:
            self._collector.cancel()
        async with self._relay_lock:
            servers = [server for server in (self._server, self._relay) if server is not None]
        for server in servers:
            server.close()
        for server in servers:
            await server.wait_closed()
        for hub in list(self._hubs.values()):
            await hub.close()
        logger.info("host closed")

    async def __aenter__(self) -> Host:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- connections -----------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        headers = ws.request.headers if ws.request is not None else Headers()

        async def authenticate(
            hello: Hello, address: str, holder: Holder
        ) -> tuple[CampaignHub, Grant]:
            return await self._authenticate(hello, address, holder, ws, headers)

        connection = Connection(
            ws,
            authenticate,
            self._limits,
            self.metrics,
            writes=self._writes,
            clock=self._clock,
        )
        self._connections.add(connection)
        self.metrics.connections_total += 1
        try:
            await connection.run()
        finally:
            self._connections.discard(connection)

    async def _authenticate(
        self, hello: Hello, address: str, holder: Holder, ws: ServerConnection, headers: Headers
    ) -> tuple[CampaignHub, Grant]:
        """Find the campaign and role a hello's credential grants; Refusal otherwise.

        Every 4001 counts as a failed attempt of the address (a claim the GM refused or
        let expire included). A join code waits its turn first when failures are past
        the limits; a token is checked at once. A claim on a known name waits in
        ``_admit`` (the holder was sent ``claim_pending``) until the GM decides.
        """
        if hello.code is not None:
            await self._wait_turn(address)
        try:
            if hello.gm_ticket is not None:
                return await self._admit_ticket(hello.gm_ticket, ws, headers)
            return await self._admit(hello, address, holder, ws, headers)
        except Refusal as refusal:
            if refusal.code == CLOSE_UNAUTHORIZED:
                self._failed_hellos.record_failure(address)
                logger.info("refused a hello from %s", address)
            raise

    async def _wait_turn(self, address: str) -> None:
        try:
            waited_s = await self._gate.wait_turn(address)
        except TooManyWaiting:
            logger.info("too many slowed hellos at once from %s", address)
            raise Refusal(CLOSE_TOO_MANY, "too many attempts at once; wait") from None
        except GateClosed:
            raise Refusal(CLOSE_GOING_AWAY, "the host is shutting down") from None
        if waited_s > 0.0:
            self.metrics.hellos_slowed += 1

    async def _admit(
        self, hello: Hello, address: str, holder: Holder, ws: ServerConnection, headers: Headers
    ) -> tuple[CampaignHub, Grant]:
        for hub in await self._candidates(hello.campaign):
            grant = await hub.admit(hello, address, holder)
            if (
                grant is not None
                and grant.role == "gm"
                and hello.resume is not None
                and not gm_page_may_connect(ws, headers, self.port)
            ):
                # GM sessions come from the GM's link, which only this machine may
                # open: a GM session seen from elsewhere was carried off.
                break
            if grant is not None:
                logger.info("%s %s connected to %s", grant.role, grant.player_id, hub.id)
                return hub, grant
        raise Refusal(CLOSE_UNAUTHORIZED, "unauthorized")

    async def _admit_ticket(
        self, ticket: str, ws: ServerConnection, headers: Headers
    ) -> tuple[CampaignHub, Grant]:
        """The GM's browser on this machine, with a ticket of ``gm_link``.

        A ticket from elsewhere, relayed by a proxy, or from a page of another site is
        refused before it is looked at, so such a try does not use it up.
        """
        if not gm_page_may_connect(ws, headers, self.port):
            raise Refusal(CLOSE_UNAUTHORIZED, "unauthorized")
        campaign_id = self._gm_tickets.redeem(ticket)
        hub = self._hubs.get(campaign_id) if campaign_id is not None else None
        if hub is None:
            raise Refusal(CLOSE_UNAUTHORIZED, "unauthorized")
        logger.info("the GM's browser connected to %s", hub.id)
        return hub, await hub.admit_gm()

    async def _candidates(self, campaign: str | None) -> list[CampaignHub]:
        if campaign is None:
            return list(self._hubs.values())
        for hub in self._hubs.values():
            if (
                campaign in (hub.id, hub.backend.name)
                or campaign.casefold() == hub.backend.name.casefold()
            ):
                return [hub]
        if self._open_campaign is not None:
            backend = await self._open_campaign(campaign)
            if backend is not None:
                return [await self.add_campaign(backend)]
        return []

    # -- observability ---------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """The detailed health; HTTP shows anyone else only its ``ok``."""
        return {
            "ok": self._state is HostState.RUNNING,
            "protocol": PROTOCOL_VERSION,
            "connections": len(self._connections),
            "campaigns": {
                hub.id: {
                    "name": hub.backend.name,
                    "version": hub.manager.version,
                    "connections": hub.connection_count,
                }
                for hub in self._hubs.values()
            },
        }

    def _render_metrics(self) -> str:
        return self.metrics.render(
            lambda: {
                "vtt_connections": float(len(self._connections)),
                "vtt_campaigns": float(len(self._hubs)),
                "vtt_failed_hello_addresses": float(len(self._failed_hellos)),
                "vtt_hellos_waiting": float(self._gate.waiting),
            }
        )
