"""The ``vtt-host`` program: the GM app for ``run`` (the default), the rest from vtt_host."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tui.app import run
from vtt_host import cli


def _run_app(args: argparse.Namespace) -> int:
    return run(
        data_dir=args.data_dir,
        host=getattr(args, "host", "0.0.0.0"),
        port=getattr(args, "port", 8765),
        public_url=getattr(args, "public_url", None),
        campaign=getattr(args, "campaign", None),
        demo=getattr(args, "demo", False),
        announce=not getattr(args, "no_announce", False),
        metrics_token=getattr(args, "metrics_token", None),
    )


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, run_app=_run_app)


if __name__ == "__main__":
    sys.exit(main())
