"""Small copies of map pictures, so a page shows the map's art at once.

A map picture may be 8k x 8k and 20 MB: a phone takes seconds to download and decode it,
and may not manage at all. The page therefore draws a preview (at most
``PREVIEW_SIDE_PX`` on its longer side, WebP) first and swaps in the full picture once
that has decoded. Previews are made from the asset on first use, kept beside the assets
(data_dir/previews/<sha256>.webp, named by the original's checksum, so a preview never
goes stale) and made again if one is missing or unreadable.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from storage.assets import AssetStore, write_atomic
from vtt_host.images import ImageError, image_info

logger = logging.getLogger(__name__)

PREVIEWS_DIR_NAME = "previews"
PREVIEW_SIDE_PX = 1024
PREVIEW_QUALITY = 75
MAX_SOURCE_PIXELS = 8192 * 8192
"""The largest picture a preview is made of (pixels); larger ones are shown whole only."""


def make_preview(data: bytes, side: int = PREVIEW_SIDE_PX) -> bytes | None:
    """A WebP of the picture scaled to fit ``side`` x ``side``, or None when the bytes
    are not a picture this host accepts, or one too large to decode here."""
    try:
        info = image_info(data)
    except ImageError:
        return None
    if info.width * info.height > MAX_SOURCE_PIXELS:
        return None
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.draft("RGB", (side, side))  # JPEG: decode at a fraction of the size
            picture.thumbnail((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
            shown: Image.Image = picture
            if shown.mode not in ("RGB", "RGBA"):
                shown = shown.convert("RGBA" if "A" in shown.getbands() else "RGB")
            out = io.BytesIO()
            shown.save(out, "WEBP", quality=PREVIEW_QUALITY, method=2)
            return out.getvalue()
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        logger.info("no preview for a picture Pillow cannot read", exc_info=True)
        return None


def large_map_pictures(state: Mapping[str, Any]) -> list[str]:
    """The assets of the campaign's map pictures that pages show as a preview first:
    those larger than a preview on their longer side (the page's own rule, map.js)."""
    found = []
    maps = state.get("maps")
    for game_map in maps.values() if isinstance(maps, Mapping) else ():
        size, sha = game_map.get("imageSize"), game_map.get("imageAsset")
        if not isinstance(size, Mapping) or not isinstance(sha, str):
            continue
        if max(size.get("width", 0), size.get("height", 0)) > PREVIEW_SIDE_PX:
            found.append(sha)
    return found


class PreviewStore:
    """Previews of assets, made once each; blocking: call from a thread."""

    def __init__(self, data_dir: Path, assets: AssetStore) -> None:
        self.root = data_dir / PREVIEWS_DIR_NAME
        self._assets = assets
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def path(self, sha256: str) -> Path | None:
        """The preview's file, made now if needed; None if the asset has none."""
        source = self._assets.path(sha256)
        if source is None:
            return None
        target = self.root / f"{sha256}.webp"
        with self._lock(sha256):
            if _readable(target):
                return target
            preview = make_preview(source.read_bytes())
            if preview is None:
                return None
            self.root.mkdir(parents=True, exist_ok=True)
            write_atomic(target, preview)
            return target

    def _lock(self, sha256: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(sha256, threading.Lock())


def _readable(path: Path) -> bool:
    try:
        image_info(path.read_bytes())
    except (OSError, ImageError):
        return False
    return True
