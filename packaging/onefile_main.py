"""What the one-file executable runs: the ``vtt-host`` console script (tui.cli:main)."""

import sys

from tui.cli import main

if __name__ == "__main__":
    sys.exit(main())
