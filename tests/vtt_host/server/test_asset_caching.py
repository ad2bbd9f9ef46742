"""Assets are cached by browsers: an ETag, immutable, and 304 for what they have."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from tests.vtt_host.test_previews import picture
from vtt_host.actions import GM_CALLER
from vtt_host.library import Library
from vtt_host.live import LiveCampaign
from vtt_host.server import Host
from vtt_host.server.asset_cache import AssetCache
from vtt_host.server.conditional import none_match

from .conftest import MakeHost
from .test_http import PNG, get, request

SHA = "ab" * 32


async def test_an_asset_carries_its_sha_as_a_strong_etag(library: Library, host: Host) -> None:
    sha = library.assets.put(PNG, "png")
    status, headers, body = await get(host, f"/assets/{sha}")
    assert (status, body) == (200, PNG)
    assert headers["etag"] == f'"{sha}"'
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-length"] == str(len(PNG))


@pytest.mark.parametrize(
    "if_none_match",
    ['"{sha}"', 'W/"{sha}"', "*", '"0000", "{sha}"', ' "x" ,W/"{sha}" ', '"a", , "{sha}"'],
)
async def test_a_browser_that_has_the_asset_gets_304_without_a_body(
    library: Library, host: Host, if_none_match: str
) -> None:
    sha = library.assets.put(PNG, "png")
    headers = {"If-None-Match": if_none_match.format(sha=sha)}
    for method in ("GET", "HEAD"):
        status, answer, body = await request(host, method, f"/assets/{sha}", headers=headers)
        assert (status, body) == (304, b"")
        assert answer["etag"] == f'"{sha}"'
        assert "immutable" in answer["cache-control"]
        assert "content-type" not in answer


@pytest.mark.parametrize(
    "if_none_match", ['"{other}"', 'W/"{other}"', "{sha}", '"{sha}" "x"', '"{sha}', "**", ""]
)
async def test_anything_else_gets_the_whole_asset(
    library: Library, host: Host, if_none_match: str
) -> None:
    sha = library.assets.put(PNG, "png")
    headers = {"If-None-Match": if_none_match.format(sha=sha, other="1" * 64)}
    status, answer, body = await get(host, f"/assets/{sha}", headers=headers)
    assert (status, body) == (200, PNG)
    assert answer["etag"] == f'"{sha}"'


async def test_a_match_spread_over_two_headers_counts(library: Library, host: Host) -> None:
    sha = library.assets.put(PNG, "png")
    raw = f"GET /assets/{sha} HTTP/1.1\r\nHost: 127.0.0.1:{host.port}\r\n"
    raw += f'If-None-Match: "nope"\r\nIf-None-Match: "{sha}"\r\n\r\n'
    reader, writer = await asyncio.open_connection("127.0.0.1", host.port)
    writer.write(raw.encode())
    answer = await reader.read()
    writer.close()
    assert answer.startswith(b"HTTP/1.1 304 ")
    assert answer.endswith(b"\r\n\r\n")


async def test_a_missing_asset_is_404_even_for_star(host: Host) -> None:
    status, _, _ = await get(host, "/assets/" + "0" * 64, headers={"If-None-Match": "*"})
    assert status == 404


async def test_head_tells_the_size_without_a_body(library: Library, host: Host) -> None:
    sha = library.assets.put(PNG, "png")
    status, headers, body = await request(host, "HEAD", f"/assets/{sha}")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(len(PNG))
    assert headers["etag"] == f'"{sha}"'


async def test_a_big_map_asked_by_every_player_at_once_is_read_once(
    library: Library, host: Host
) -> None:
    big = PNG + bytes(range(256)) * (20 * 1024 * 4)  # a 20 MB map
    sha = library.assets.put(big, "png")
    answers = await asyncio.gather(*(get(host, f"/assets/{sha}") for _ in range(6)))
    assert all(status == 200 and body == big for status, _, body in answers)
    assert host._routes._asset_cache.reads == 1


# -- the pieces --------------------------------------------------------------------------


def test_none_match_compares_weakly_and_refuses_malformed_lists() -> None:
    assert none_match([f'"{SHA}"'], SHA)
    assert none_match([f'W/"{SHA}"'], SHA)
    assert none_match(["*"], SHA)
    assert none_match(['"a"', f'"{SHA}"'], SHA)
    assert not none_match([], SHA)
    assert not none_match([SHA], SHA)
    assert not none_match([f'w/"{SHA}"'], SHA)  # the prefix is case-sensitive
    assert not none_match([f'"{SHA}"junk'], SHA)
    assert not none_match([f'"{SHA.upper()}"'], SHA)


async def test_the_cache_keeps_recent_assets_within_its_bound(tmp_path: Path) -> None:
    cache = AssetCache(max_bytes=100)
    files = {}
    for name, size in (("a", 40), ("b", 40), ("c", 40), ("huge", 60)):
        files[name] = tmp_path / name
        files[name].write_bytes(name.encode()[:1] * size)
    assert await cache.read("a", files["a"]) == b"a" * 40
    await cache.read("b", files["b"])
    await cache.read("a", files["a"])  # a is now the most recent
    assert cache.reads == 2
    await cache.read("c", files["c"])  # over 100 bytes: b goes
    await cache.read("a", files["a"])
    assert cache.reads == 3
    await cache.read("b", files["b"])
    assert cache.reads == 4
    await cache.read("huge", files["huge"])
    await cache.read("huge", files["huge"])  # more than half the bound: never kept
    assert cache.reads == 6


async def test_a_failed_read_is_not_kept(tmp_path: Path) -> None:
    cache = AssetCache()
    missing = tmp_path / "gone"
    for _ in range(2):
        with pytest.raises(FileNotFoundError):
            await cache.read("gone", missing)
    assert cache.reads == 2


async def test_a_large_map_picture_has_a_small_preview_cached_like_the_picture(
    library: Library, host: Host
) -> None:
    big = picture(2400, 1600)
    sha = library.assets.put(big, "png")

    status, headers, body = await get(host, f"/assets/{sha}/preview")

    assert status == 200
    assert headers["content-type"] == "image/webp"
    assert body[:4] == b"RIFF"
    with Image.open(io.BytesIO(body)) as shown:
        assert shown.size == (1024, 683)
    assert headers["etag"] == f'"{sha}.preview"'
    assert "immutable" in headers["cache-control"]
    again = {"If-None-Match": headers["etag"]}
    assert (await get(host, f"/assets/{sha}/preview", headers=again))[0] == 304
    assert (await get(host, f"/assets/{sha}", headers=again))[0] == 200  # not the same file


async def test_no_preview_of_a_missing_asset_or_of_something_not_a_picture(
    library: Library, host: Host
) -> None:
    assert (await get(host, "/assets/" + "0" * 64 + "/preview"))[0] == 404
    svg = library.assets.put(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "svg")
    assert (await get(host, f"/assets/{svg}/preview"))[0] == 404


async def test_previews_of_large_map_pictures_are_made_when_the_campaign_is_served(
    library: Library, campaign: LiveCampaign, make_host: MakeHost
) -> None:
    sha = library.assets.put(picture(2400, 1600), "png")
    state = campaign.manager.state
    game_map = state["currentSession"]["currentMapId"]
    picture_fields = {"imageAsset": sha, "imageSize": {"width": 2400, "height": 1600}}
    await campaign.manager.submit(
        {"kind": "update_map", "id": game_map, "set": picture_fields}, GM_CALLER
    )
    made = library.data_dir / "previews" / f"{sha}.webp"
    assert not made.exists()

    await make_host()

    for _ in range(200):
        if made.exists():
            break
        await asyncio.sleep(0.05)
    assert made.read_bytes()[:4] == b"RIFF"
