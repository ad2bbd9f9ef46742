from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from storage import AssetCorrupt, AssetNotFound, InvalidAssetName
from storage.assets import AssetStore

GIF = b"GIF89a" + b"\x00" * 50


def test_put_get_round_trip_and_dedup(tmp_path: Path) -> None:
    assets = AssetStore(tmp_path)
    sha = assets.put(GIF, "GIF")
    assert sha == hashlib.sha256(GIF).hexdigest()
    assert assets.put(GIF, ".gif") == sha
    assert assets.get(sha) == GIF
    assert assets.path(sha) == tmp_path / "assets" / f"{sha}.gif"


def test_unknown_asset_is_not_found(tmp_path: Path) -> None:
    assets = AssetStore(tmp_path)
    assert assets.path("a" * 64) is None
    with pytest.raises(AssetNotFound):
        assets.get("a" * 64)


@pytest.mark.parametrize("ext", ["html", "exe", "png/../../x", ""])
def test_non_image_extension_is_refused(tmp_path: Path, ext: str) -> None:
    with pytest.raises(InvalidAssetName):
        AssetStore(tmp_path).put(b"x", ext)


@pytest.mark.parametrize("sha", ["../../etc/passwd", "A" * 64, "a" * 63, "a" * 64 + "/x"])
def test_path_traversal_through_sha_is_refused(tmp_path: Path, sha: str) -> None:
    with pytest.raises(InvalidAssetName):
        AssetStore(tmp_path).path(sha)


def test_damaged_asset_file_is_detected(tmp_path: Path) -> None:
    assets = AssetStore(tmp_path)
    sha = assets.put(GIF, "gif")
    path = assets.path(sha)
    assert path is not None
    path.write_bytes(b"GIF89a tampered")
    with pytest.raises(AssetCorrupt):
        assets.get(sha)
