"""Stand-in for ``vtt-host serve --headless`` while the CLI command is not wired.

Same arguments and the same one-line JSON "ready" event on stdout (PROTOCOL.md,
"Headless start"); SIGTERM/SIGINT close the host and the library cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from pathlib import Path

from vtt_host.library import Library
from vtt_host.server import Host


async def main(args: argparse.Namespace) -> None:
    library = await Library.open(args.data_dir)
    try:
        if args.campaign:
            campaign_id = (await library.require(args.campaign)).id
        else:
            campaigns = await library.campaigns()
            if campaigns:
                campaign_id = campaigns[-1].id
            elif args.demo:
                campaign_id = await library.create("", demo=True)
            else:
                campaign_id = await library.create("New campaign")
        campaign = await library.open_campaign(campaign_id)
        host = Host(port=args.port, assets=library.assets)
        await host.add_campaign(campaign)
        await host.start()
        ready = {
            "event": "ready",
            "url": host.local_url,
            "http": host.local_http_url,
            "campaign": campaign_id,
            "joinCode": host.join_code(),
            "gmToken": host.gm_token(),
        }
        print(json.dumps(ready), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await host.close()
    finally:
        await library.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--campaign")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--headless", action="store_true")
    asyncio.run(main(parser.parse_args()))
