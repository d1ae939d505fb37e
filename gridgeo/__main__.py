"""Run the gridgeo command line: ``python -m gridgeo demo``."""

from __future__ import annotations

import sys

from gridgeo.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
