"""``python -m tui``: the GM app, with the options of ``vtt-host run``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tui.cli import main as vtt_host


def main(argv: Sequence[str] | None = None) -> int:
    return vtt_host(["run", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
