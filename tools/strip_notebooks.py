"""Strip outputs from notebooks so that git holds only their sources.

Usage::

    python tools/strip_notebooks.py notebooks            # rewrite in place
    python tools/strip_notebooks.py --check notebooks    # exit 1 if any has outputs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

__all__ = ["is_stripped", "main", "strip"]

KEEP_METADATA = ("kernelspec", "language_info")


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs, execution counts and volatile metadata, in place."""
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in KEEP_METADATA}
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k == "tags"}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def is_stripped(nb: nbformat.NotebookNode) -> bool:
    """Return whether no code cell holds an output or an execution count."""
    return all(
        not cell.get("outputs") and cell.get("execution_count") is None
        for cell in nb.cells
        if cell.cell_type == "code"
    )


def notebooks(paths: list[str]) -> list[Path]:
    """Expand folders into their ``*.ipynb`` files, sorted."""
    found: list[Path] = []
    for p in map(Path, paths):
        found += sorted(p.glob("*.ipynb")) if p.is_dir() else [p]
    return found


def main(argv: list[str] | None = None) -> int:
    """Strip (or with ``--check`` only verify) every notebook given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="notebooks or folders")
    parser.add_argument("--check", action="store_true", help="only check, exit 1")
    args = parser.parse_args(argv)
    dirty = []
    for path in notebooks(args.paths):
        nb = nbformat.read(path, as_version=4)
        if args.check:
            if not is_stripped(nb):
                dirty.append(path)
            continue
        before = nbformat.writes(nb)
        after = nbformat.writes(strip(nb))
        if after != before:
            path.write_text(after + ("" if after.endswith("\n") else "\n"), "utf-8")
            print(f"stripped {path}")
    for path in dirty:
        print(f"{path} holds outputs: run python tools/strip_notebooks.py {path}")
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main())
