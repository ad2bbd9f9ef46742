"""The process the file-operation kill test kills: backups, exports, imports and restores
in a loop, as fast as it can.

Run from the repository root: ``python -m tests.durability.files_child DATA_DIR OUT_DIR``.
It prints ``ready`` once the campaign is open, then one line per finished operation.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from vtt_host.actions import GM_CALLER
from vtt_host.library import Library

from .script import CAMPAIGN_ID, initial_state


def say(line: str) -> None:
    os.write(sys.stdout.fileno(), f"{line}\n".encode())


async def chat(library: Library, text: str) -> None:
    live = await library.open_campaign(CAMPAIGN_ID)
    for line in range(3):
        await live.manager.submit({"kind": "chat", "text": f"{text} {line}"}, GM_CALLER)


async def loop(data_dir: Path, out_dir: Path) -> None:
    library = await Library.open(data_dir)
    if await library.find_id(CAMPAIGN_ID) is None:
        await library.add_state(initial_state())
    await chat(library, "opened")
    say("ready")
    exported = out_dir / "campaign.vttcampaign"
    while True:
        await library.backup_now(CAMPAIGN_ID)
        say("backup")
        await library.export(CAMPAIGN_ID, exported)
        say("export")
        copy = await library.import_file(exported)
        await library.store.delete_campaign(copy.campaign_id)
        say("import")
        await library.restore(CAMPAIGN_ID)
        await chat(library, "restored")
        say("restore")


if __name__ == "__main__":
    asyncio.run(loop(Path(sys.argv[1]), Path(sys.argv[2])))
