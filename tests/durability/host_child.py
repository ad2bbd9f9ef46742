"""The whole host the crash loop kills: ``vtt-host serve`` as a GM runs it, with its
checkpoints, backups and imports made frequent so that kills land in them too.

Run from the repository root: ``python -m tests.durability.host_child DATA_DIR``.
It prints the ``ready`` line of ``serve --headless`` and then, each on its own line,
``C <version>`` before a checkpoint, ``B <version>`` before a backup and ``I`` before an
import (a copy of the campaign, imported and deleted again).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import vtt_host.live
from storage import Store
from storage.backups import BackupPolicy, BackupSet
from vtt_host.serving import ServeOptions, ServingSession

CHECKPOINT_EVERY_OPS = 40
BACKUP_EVERY_S = 0.3
IMPORT_EVERY_S = 0.4


def say(line: str) -> None:
    os.write(sys.stdout.fileno(), f"{line}\n".encode())


def instrument() -> None:
    vtt_host.live.CHECKPOINT_EVERY_OPS = CHECKPOINT_EVERY_OPS
    vtt_host.live.MAINTENANCE_TICK_S = 0.05
    checkpoint, backup = Store.checkpoint, BackupSet.write

    async def announced_checkpoint(self: Store, campaign_id: str, version: int, *a: Any,
                                   **k: Any) -> None:  # fmt: skip
        say(f"C {version}")
        await checkpoint(self, campaign_id, version, *a, **k)

    def announced_backup(self: BackupSet, campaign_id: str, state: bytes, name: str,
                         version: int, *a: Any, **k: Any) -> Any:  # fmt: skip
        say(f"B {version}")
        return backup(self, campaign_id, state, name, version, *a, **k)

    setattr(Store, "checkpoint", announced_checkpoint)  # noqa: B010
    setattr(BackupSet, "write", announced_backup)  # noqa: B010


async def import_copies(session: ServingSession, scratch: Path) -> None:
    """Export the campaign and import it again as a copy, over and over."""
    library = session.library
    while True:
        await asyncio.sleep(IMPORT_EVERY_S)
        exported = await library.export(session.campaign.id, scratch / "copy.vttcampaign")
        say("I")
        copy = await library.import_file(exported)
        await library.store.delete_campaign(copy.campaign_id)


async def serve(data_dir: Path) -> None:
    options = ServeOptions(
        data_dir=data_dir,
        host="127.0.0.1",
        port=0,
        demo=True,
        announce=False,
        backup_policy=BackupPolicy(interval_s=BACKUP_EVERY_S),
    )
    session = await ServingSession.start(options)
    say(json.dumps(session.ready_event()))
    scratch = data_dir.parent / "scratch"
    scratch.mkdir(exist_ok=True)
    await import_copies(session, scratch)


if __name__ == "__main__":
    instrument()
    asyncio.run(serve(Path(sys.argv[1])))
