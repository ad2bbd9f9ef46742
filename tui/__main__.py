"""``python -m tui``: the GM app without the rest of the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tui.app import run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui", description="The vtt-host GM app.")
    parser.add_argument("--data-dir", type=Path, default=None, help="where campaigns live")
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port (0 = any free one)")
    parser.add_argument("--public-url", default=None, help="the join address through a tunnel")
    parser.add_argument("--campaign", default=None, help="campaign name or id")
    parser.add_argument("--demo", action="store_true", help="create the sample if there is none")
    parser.add_argument("--no-announce", action="store_true", help="no zeroconf announcement")
    args = parser.parse_args(argv)
    return run(
        data_dir=args.data_dir,
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        campaign=args.campaign,
        demo=args.demo,
        announce=not args.no_announce,
    )


if __name__ == "__main__":
    sys.exit(main())
