"""Recently served assets, kept in memory within a bound.

websockets answers plain HTTP with one whole body, so an asset cannot be streamed to
the socket in pieces; what can be saved is reading it again and again. When the GM
shows a 20 MB map, every player's browser asks for it at once: the file is read once,
off the event loop, and the same bytes answer them all. Assets are content-addressed,
so a cached copy is never stale. Large files beyond the bound are read per request
(still in a thread) and not kept.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from pathlib import Path

DEFAULT_CACHE_BYTES = 64 * 1024 * 1024


class AssetCache:
    """Asset bytes by SHA-256, least recently used dropped first. One event loop."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self._max_bytes = max_bytes
        self._kept: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._reading: dict[str, asyncio.Future[bytes]] = {}
        self.reads = 0
        """Files read from disk (what the cache saves shows here)."""

    async def read(self, sha256: str, path: Path) -> bytes:
        """The asset's bytes: kept ones at once, a file being read by its one reader."""
        kept = self._kept.get(sha256)
        if kept is not None:
            self._kept.move_to_end(sha256)
            return kept
        pending = self._reading.get(sha256)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._reading[sha256] = future
        try:
            self.reads += 1
            data = await asyncio.to_thread(path.read_bytes)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as error:
            future.set_exception(error)
            future.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        finally:
            del self._reading[sha256]
        future.set_result(data)
        self._keep(sha256, data)
        return data

    def _keep(self, sha256: str, data: bytes) -> None:
        if len(data) > self._max_bytes // 2:
            return  # one file must not push out everything else
        self._kept[sha256] = data
        self._bytes += len(data)
        while self._bytes > self._max_bytes:
            _, dropped = self._kept.popitem(last=False)
            self._bytes -= len(dropped)
