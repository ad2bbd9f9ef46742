"""The process the crash test kills: it plays the script as fast as it can.

Run from the repository root: ``python -m tests.durability.crash_child DATA_DIR``.
Environment: ``CHECKPOINT_EVERY_OPS`` (optional) replaces the host's checkpoint interval.

Lines on stdout, each written with one unbuffered write:

- ``R <version>``: the campaign is open at ``version``;
- ``C <version>``: a checkpoint at ``version`` is about to be written;
- ``A <version> <fingerprint>``: ``manager.submit`` returned Applied(version) for the
  scripted action with that fingerprint. A version is acknowledged once its line is out.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import vtt_host.live
from storage import Store
from vtt_host.actions import GM_CALLER
from vtt_host.library import Library
from vtt_host.manager import Applied

from .script import CAMPAIGN_ID, ScriptedManager, action_for, fingerprint, initial_state


def say(line: str) -> None:
    os.write(sys.stdout.fileno(), f"{line}\n".encode())


def instrument() -> None:
    """Deterministic clock and ids in the live campaign; announce each checkpoint write."""
    setattr(vtt_host.live, "StateManager", ScriptedManager)  # noqa: B010
    every = os.environ.get("CHECKPOINT_EVERY_OPS")
    if every:
        vtt_host.live.CHECKPOINT_EVERY_OPS = int(every)
    write_checkpoint = Store.checkpoint

    async def announced(
        self: Store, campaign_id: str, version: int, snapshot: Any, **options: Any
    ) -> None:
        say(f"C {version}")
        await write_checkpoint(self, campaign_id, version, snapshot, **options)

    setattr(Store, "checkpoint", announced)  # noqa: B010


async def play(data_dir: Path) -> None:
    library = await Library.open(data_dir)
    if library.recovery_reports:
        raise SystemExit(f"unexpected recovery: {library.recovery_reports}")
    if await library.find_id(CAMPAIGN_ID) is None:
        await library.add_state(initial_state())
    live = await library.open_campaign(CAMPAIGN_ID)
    say(f"R {live.manager.version}")
    while True:
        version = live.manager.version + 1
        action = action_for(version)
        outcome = await live.manager.submit(action, GM_CALLER)
        if not isinstance(outcome, Applied) or outcome.version != version:
            raise SystemExit(f"expected Applied({version}), got {outcome}")
        say(f"A {outcome.version} {fingerprint(action)}")


def main() -> None:
    instrument()
    asyncio.run(play(Path(sys.argv[1])))


if __name__ == "__main__":
    main()
