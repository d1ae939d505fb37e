"""Execute every notebook of a folder and fail on the first error in any of them.

Usage::

    python tools/run_notebooks.py notebooks
    python tools/run_notebooks.py notebooks/02_zoned_plan.ipynb --executed-dir /tmp/nb

Each notebook runs in a fresh ``python3`` kernel with its own folder as the working
directory. The notebooks in git are never rewritten: they must hold no outputs (the
run fails otherwise, see ``tools/strip_notebooks.py``), and the executed copies, with
their outputs, are written to ``--executed-dir`` (default ``docs/_executed``), where
the documentation build picks them up. The exit code is 1 when any notebook fails;
the message names the notebook, the cell and the error.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from strip_notebooks import is_stripped, notebooks

__all__ = ["main", "run_notebook"]

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 60.0  # each notebook should run in under a minute on the sample county
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _failed_cell(nb: nbformat.NotebookNode) -> tuple[int, str]:
    """Return the number (1-based, code cells counted) and source of the failed cell."""
    n = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        n += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return n, cell.source
    return n, ""


def run_notebook(path: Path, *, timeout: int, executed_dir: Path | None) -> str | None:
    """Execute one notebook; return an error message, or ``None`` when it ran."""
    nb = nbformat.read(path, as_version=4)
    if not is_stripped(nb):
        return (
            f"{path}: holds outputs; strip it before committing "
            f"(python tools/strip_notebooks.py {path})"
        )
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as exc:
        number, source = _failed_cell(nb)
        first = source.strip().splitlines()[0] if source.strip() else "?"
        detail = ANSI.sub("", str(exc)).strip().splitlines()
        tail = "\n    ".join(detail[-12:])
        error = f"{path}: code cell {number} ({first!r}) failed:\n    {tail}"
    if executed_dir is not None:  # only a notebook that ran goes to the docs
        executed_dir.mkdir(parents=True, exist_ok=True)
        copy = executed_dir / path.name
        if error is None:
            nbformat.write(nb, copy)
        else:
            copy.unlink(missing_ok=True)
    return error


def main(argv: list[str] | None = None) -> int:
    """Run the notebooks given on the command line; 0 when all ran, else 1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="notebooks or folders of notebooks")
    parser.add_argument(
        "--executed-dir",
        type=Path,
        default=ROOT / "docs" / "_executed",
        help="where executed copies go (default: docs/_executed)",
    )
    parser.add_argument(
        "--no-copies", action="store_true", help="do not write executed copies"
    )
    parser.add_argument(
        "--timeout", type=int, default=300, help="seconds per cell (default: 300)"
    )
    args = parser.parse_args(argv)
    paths = notebooks(args.paths)
    if not paths:
        print(f"no notebooks found in {' '.join(args.paths)}", file=sys.stderr)
        return 1
    failures = []
    for path in paths:
        t0 = time.perf_counter()
        error = run_notebook(
            path,
            timeout=args.timeout,
            executed_dir=None if args.no_copies else args.executed_dir,
        )
        seconds = time.perf_counter() - t0
        status = "FAILED" if error else "ok"
        slow = f"  (over the {BUDGET_S:.0f} s budget)" if seconds > BUDGET_S else ""
        print(f"{status:>6}  {path}  {seconds:.1f} s{slow}", flush=True)
        if error:
            failures.append(error)
    for error in failures:
        print(f"\n{error}", file=sys.stderr)
    print(f"{len(paths) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
