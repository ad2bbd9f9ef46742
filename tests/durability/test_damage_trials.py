"""Random damage to the database, its write-ahead log and its backups, many times over.

Each trial flips a few bytes or cuts a file short at a random place, then starts the
library as the GM's next start would. Exactly two outcomes are allowed:

- recovered, with the loss reported: the campaign opens at a version, its document is
  exactly the script's at that version, and any version short of the newest saved one
  (100) is named in a report;
- refused, data kept: opening raises one of our errors and the damaged files are still
  there for someone to look at.

Never an older version served as if it were current. ``VTT_DAMAGE_TRIALS`` sets the
number of trials per kind of file; ``VTT_DAMAGE_SEED`` replays a run.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from storage import StorageError
from vtt_host.errors import VttError
from vtt_host.library import Library

from .conftest import DB_FILE, play
from .script import CAMPAIGN_ID, ExpectedCampaign, first_difference, jsonable

pytestmark = pytest.mark.usefixtures("scripted")

TRIALS = int(os.environ.get("VTT_DAMAGE_TRIALS", "12"))
SEED = int(os.environ.get("VTT_DAMAGE_SEED", random.randrange(2**32)))
NEWEST = 100
BACKED_UP = 60


@pytest.fixture(scope="module")
def expected_states() -> dict[int, dict[str, Any]]:
    return {}


@pytest.fixture
async def images(tmp_path: Path) -> tuple[Path, Path]:
    """(a crash image with its WAL, a cleanly closed data folder), played to 100."""
    played = await play(tmp_path / "played", backed_up=BACKED_UP, final=NEWEST)
    return played.crash_image, played.closed


async def state_at(version: int, cache: dict[int, dict[str, Any]]) -> dict[str, Any]:
    if not cache:
        expected = ExpectedCampaign()
        for each in range(NEWEST + 1):
            cache[each] = await expected.state_at(each, keep=True)
    return cache[version]


def damage(folder: Path, target: str, rng: random.Random) -> str:
    """Flip bytes in, or cut short, one file of ``folder``; returns what was done."""
    if target == "backup":
        candidates = sorted((folder / "backups").rglob("*.vttcampaign"))
    else:
        name = DB_FILE if target == "database" else f"{DB_FILE}-wal"
        candidates = [folder / name] if (folder / name).exists() else []
    if not candidates:
        return "nothing to damage"
    path = rng.choice(candidates)
    if target == "backup":  # and the database with it, so that recovery needs the backups
        database = folder / DB_FILE
        database.write_bytes(database.read_bytes()[: database.stat().st_size // 2])
    raw = bytearray(path.read_bytes())
    if not raw:
        return "an empty file"
    if rng.random() < 0.3:
        cut = rng.randrange(len(raw))
        path.write_bytes(bytes(raw[:cut]))
        return f"{path.name} cut to {cut} of {len(raw)} bytes"
    offsets = [rng.randrange(len(raw)) for _ in range(rng.randint(1, 8))]
    for offset in offsets:
        raw[offset] ^= rng.randint(1, 255)
    path.write_bytes(bytes(raw))
    return f"{path.name}: {len(offsets)} bytes flipped at {offsets}"


async def outcome(folder: Path, cache: dict[int, dict[str, Any]]) -> str:
    try:
        library = await Library.open(folder)
    except (StorageError, VttError) as refused:
        assert (folder / DB_FILE).exists() or (folder / "damaged").exists(), "data was lost"
        return f"refused: {refused}"
    try:
        reports = library.recovery_reports
        if await library.find_id(CAMPAIGN_ID) is None:
            (report,) = reports
            assert report.recovered_to_version is None
            assert report.lost.startswith("the whole campaign"), report
            return "lost, reported"
        live = await library.open_campaign(CAMPAIGN_ID)
        version = live.manager.version
        found, want = jsonable(live.manager.state), await state_at(version, cache)
        assert found == want, first_difference(found, want)
        if version < NEWEST:
            assert reports, f"version {version} was served as current without a word"
            (report,) = [r for r in reports if r.campaign_id == CAMPAIGN_ID]
            assert report.recovered_to_version == version
            assert report.lost == f"versions {version + 1}..{NEWEST}", report
        return "recovered" if reports else "intact"
    finally:
        await library.close()


@pytest.mark.parametrize("target", ["database", "wal", "backup"])
@pytest.mark.parametrize("image", ["crashed", "closed"])
async def test_random_damage_is_recovered_with_the_loss_reported_or_refused(
    tmp_path: Path,
    images: tuple[Path, Path],
    expected_states: dict[int, dict[str, Any]],
    target: str,
    image: str,
) -> None:
    rng = random.Random(f"{SEED}-{target}-{image}")
    source = images[0] if image == "crashed" else images[1]
    seen: dict[str, int] = {}
    refusals: list[str] = []
    for trial in range(TRIALS):
        folder = tmp_path / f"trial-{trial}"
        shutil.copytree(source, folder)
        what = damage(folder, target, rng)
        try:
            result = await outcome(folder, expected_states)
        except AssertionError as error:
            raise AssertionError(
                f"VTT_DAMAGE_SEED={SEED}, trial {trial}, {what}: {error}"
            ) from error
        kind = result.split(":", 1)[0]
        seen[kind] = seen.get(kind, 0) + 1
        if kind == "refused":
            refusals.append(f"{what} -> {result}")
        shutil.rmtree(folder)
    print(f"damage trials ({image} {target}, seed {SEED}): {seen}")
    for refusal in refusals:
        print(f"  {refusal}")
