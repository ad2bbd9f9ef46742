"""LAN discovery: announce a served campaign over mDNS/DNS-SD, and find hosts.

The host announces ``_vtt-host._tcp.local.`` with TXT keys ``name`` (campaign name),
``campaign`` (its id), ``protocol`` (1), ``path`` (the WebSocket path) and ``http``
(the HTTP path of the browser client). Discovery is a convenience: without multicast
(a tunnel, a container, no network interface) every failure is logged and reported as a
status string, and the host goes on serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass, field
from typing import Any

from zeroconf import InterfaceChoice, IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

logger = logging.getLogger(__name__)

SERVICE_TYPE = "_vtt-host._tcp.local."
PROTOCOL_VERSION = 1
TXT_VALUE_BYTES = 200
"""A TXT string holds at most 255 bytes including ``key=``."""
INSTANCE_NAME_BYTES = 63
BROWSE_TIMEOUT_S = 3.0
INFO_TIMEOUT_MS = 1500
Interfaces = InterfaceChoice | list[str]
"""``InterfaceChoice.All``, ``InterfaceChoice.Default`` or a list of addresses."""


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes, never cutting a character in half."""
    return text.encode()[:limit].decode(errors="ignore")


def txt_record(
    campaign_name: str, campaign_id: str, *, ws_path: str = "/ws", http_path: str = "/"
) -> dict[str, str]:
    return {
        "name": _clip(campaign_name, TXT_VALUE_BYTES),
        "campaign": campaign_id,
        "protocol": str(PROTOCOL_VERSION),
        "path": ws_path,
        "http": http_path,
    }


def parse_txt(properties: dict[bytes, bytes | None]) -> dict[str, str]:
    return {
        key.decode(errors="replace"): (value or b"").decode(errors="replace")
        for key, value in properties.items()
    }


def instance_name(campaign_name: str, hostname: str) -> str:
    """A DNS-SD instance label: readable, one label (no dots), at most 63 bytes."""
    label = f"{campaign_name} on {hostname}".replace(".", " ").strip() or "vtt-host"
    return f"{_clip(label, INSTANCE_NAME_BYTES)}.{SERVICE_TYPE}"


@dataclass(frozen=True, slots=True)
class FoundHost:
    """A host seen on the LAN."""

    name: str
    campaign: str
    addresses: tuple[str, ...]
    port: int
    path: str = "/ws"
    http: str = "/"
    protocol: int = PROTOCOL_VERSION
    txt: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        address = self.addresses[0] if self.addresses else "127.0.0.1"
        shown = f"[{address}]" if ":" in address else address
        return f"ws://{shown}:{self.port}{self.path}"


def found_from(info: AsyncServiceInfo) -> FoundHost:
    txt = parse_txt(info.properties)
    try:
        protocol = int(txt.get("protocol", "0"))
    except ValueError:
        protocol = 0
    return FoundHost(
        name=txt.get("name", info.name.removesuffix("." + SERVICE_TYPE)),
        campaign=txt.get("campaign", ""),
        addresses=tuple(info.parsed_scoped_addresses()),
        port=int(info.port or 0),
        path=txt.get("path", "/ws"),
        http=txt.get("http", "/"),
        protocol=protocol,
        txt=txt,
    )


class Announcer:
    """Announces one campaign while the host serves it. ``close`` is idempotent."""

    def __init__(self, *, interfaces: Interfaces = InterfaceChoice.All) -> None:
        self._interfaces = interfaces
        self._zeroconf: AsyncZeroconf | None = None
        self._info: AsyncServiceInfo | None = None
        self.status = "not announced"

    async def start(
        self,
        *,
        port: int,
        campaign_name: str,
        campaign_id: str,
        addresses: list[str] | None = None,
        ws_path: str = "/ws",
        http_path: str = "/",
    ) -> str:
        """Announce; returns (and keeps in ``status``) a line saying how it went."""
        try:
            self._zeroconf = AsyncZeroconf(interfaces=self._interfaces, ip_version=IPVersion.V4Only)
            hostname = socket.gethostname()
            self._info = AsyncServiceInfo(
                SERVICE_TYPE,
                instance_name(campaign_name, hostname),
                port=port,
                properties=txt_record(
                    campaign_name, campaign_id, ws_path=ws_path, http_path=http_path
                ),
                parsed_addresses=addresses or _lan_addresses(),
                server=f"{_clip(hostname.split('.')[0], INSTANCE_NAME_BYTES) or 'vtt-host'}.local.",
            )
            await self._zeroconf.async_register_service(self._info, allow_name_change=True)
        except Exception as error:
            self.status = f"LAN announcement unavailable: {error or type(error).__name__}"
            logger.warning("%s", self.status)
            await self.close()
            return self.status
        self.status = f"announced on the LAN as {self._info.name!r}"
        logger.info("%s", self.status)
        return self.status

    async def close(self) -> None:
        zeroconf, info = self._zeroconf, self._info
        self._zeroconf = self._info = None
        if zeroconf is None:
            return
        with contextlib.suppress(Exception):
            if info is not None:
                await zeroconf.async_unregister_service(info)
        with contextlib.suppress(Exception):
            await zeroconf.async_close()


def _lan_addresses() -> list[str]:
    """The IPv4 address other machines reach this one at (loopback if none).

    Connecting a UDP socket sends nothing; it only asks the OS which local address
    routes outwards.
    """
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))
        address = str(probe.getsockname()[0])
        if not address.startswith("127.") and address != "0.0.0.0":
            return [address]
    return ["127.0.0.1"]


async def browse(
    timeout_s: float = BROWSE_TIMEOUT_S, *, interfaces: Interfaces = InterfaceChoice.All
) -> tuple[list[FoundHost], str]:
    """Hosts seen within ``timeout_s``, and a status line; never raises for the network."""
    try:
        zeroconf = AsyncZeroconf(interfaces=interfaces, ip_version=IPVersion.V4Only)
    except Exception as error:
        status = f"LAN discovery unavailable: {error or type(error).__name__}"
        logger.warning("%s", status)
        return [], status
    names: set[str] = set()

    def on_change(
        zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange, **_: Any
    ) -> None:
        if state_change is not ServiceStateChange.Removed:
            names.add(name)

    found: dict[str, FoundHost] = {}
    browser: AsyncServiceBrowser | None = None
    try:
        browser = AsyncServiceBrowser(zeroconf.zeroconf, SERVICE_TYPE, handlers=[on_change])
        await asyncio.sleep(timeout_s)
        for name in sorted(names):
            info = AsyncServiceInfo(SERVICE_TYPE, name)
            if await info.async_request(zeroconf.zeroconf, INFO_TIMEOUT_MS):
                found[name] = found_from(info)
        status = f"{len(found)} host(s) found"
    except Exception as error:
        status = f"LAN discovery failed: {error or type(error).__name__}"
        logger.warning("%s", status)
    finally:
        if browser is not None:
            with contextlib.suppress(Exception):
                await browser.async_cancel()
        with contextlib.suppress(Exception):
            await zeroconf.async_close()
    return list(found.values()), status
