"""Sphinx configuration of the gridgeo documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
Notebooks are not executed here: ``tools/run_notebooks.py notebooks`` runs them and
writes executed copies to ``docs/_executed``; this file copies them (or, when they
have not been run, the output-free sources) into ``docs/howto`` before the build.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import gridgeo  # noqa: E402
from gridgeo.cli import build_parser  # noqa: E402

project = "gridgeo"
author = "gridgeo developers"
copyright = "gridgeo developers"
release = gridgeo.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "_executed", "_generated", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
language = "en"

# -- API reference ----------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
python_maximum_signature_line_length = 88  # one parameter per line when long
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- notebooks (executed by tools/run_notebooks.py, not here) ---------------------
nb_execution_mode = "off"
nb_output_stderr = "show"
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- HTML -------------------------------------------------------------------------
html_theme = "furo"
html_title = f"gridgeo {release}"
html_static_path: list[str] = []


def _copy_notebooks() -> None:
    """Put the notebooks into ``howto/``: executed copies when fresh, else sources."""
    dst = DOCS / "howto"
    sources = sorted((ROOT / "notebooks").glob("*.ipynb"))
    names = {p.name for p in sources}
    for old in dst.glob("*.ipynb"):
        if old.name not in names:
            old.unlink()
    for src in sources:
        executed = DOCS / "_executed" / src.name
        fresh = executed.exists() and executed.stat().st_mtime >= src.stat().st_mtime
        use = executed if fresh else src
        target = dst / src.name
        if not target.exists() or target.read_bytes() != use.read_bytes():
            shutil.copyfile(use, target)


def _write_cli_help() -> None:
    """Write ``gridgeo --help`` and each subcommand's help for the CLI page."""
    out = DOCS / "_generated"
    out.mkdir(exist_ok=True)
    parser = build_parser()
    texts = {"gridgeo": parser.format_help()}
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():  # type: ignore[union-attr]
        texts[name] = p.format_help()
    for name, text in texts.items():
        path = out / f"cli_{name}.txt"
        if not path.exists() or path.read_text("utf-8") != text:
            path.write_text(text, "utf-8")


def _copy_benchmarks() -> None:
    """Gather ``benchmarks/README.md`` and the other ``benchmarks/*.md`` results.

    Relative links (to scripts or sibling files that are not documentation pages)
    are turned into their text, so that the include does not break the build.
    """
    bench = ROOT / "benchmarks"
    readme = bench / "README.md"
    files = ([readme] if readme.exists() else []) + sorted(
        p for p in bench.glob("*.md") if p.name != "README.md"
    )
    local_link = re.compile(r"\[([^\]]+)\]\((?!https?:|#|mailto:)[^)]*\)")
    parts = [local_link.sub(r"\1", p.read_text("utf-8")).strip() for p in files]
    text = "\n\n".join(parts) if parts else "No benchmark results yet."
    path = DOCS / "_generated" / "benchmarks_readme.md"
    if not path.exists() or path.read_text("utf-8") != text + "\n":
        path.write_text(text + "\n", "utf-8")


def _copy_sample_readme() -> None:
    """Copy ``data/README.md`` (the sample county's columns) for its page."""
    src = ROOT / "data" / "README.md"
    text = src.read_text("utf-8") if src.exists() else "# Sample data\n"
    text = re.sub(r"\[([^\]]+)\]\((?!https?:|#|mailto:)[^)]*\)", r"\1", text)
    path = DOCS / "_generated" / "sample_data.md"
    if not path.exists() or path.read_text("utf-8") != text:
        path.write_text(text, "utf-8")


_copy_notebooks()
_write_cli_help()
_copy_benchmarks()
_copy_sample_readme()


def _check_api_complete(app: object) -> None:
    """Warn (an error under ``-W``) when a public name is missing from api.rst."""
    from sphinx.util import logging

    text = (DOCS / "api.rst").read_text("utf-8")
    listed = set(re.findall(r"^\s+([A-Za-z_][\w.]*)\s*$", text, flags=re.MULTILINE))
    listed |= set(re.findall(r"gridgeo\.([A-Za-z_]\w*)", text))
    missing = sorted(n for n in gridgeo.__all__ if n not in listed)
    if missing:
        logging.getLogger(__name__).warning(
            "api.rst does not list these names of gridgeo.__all__: %s",
            ", ".join(missing),
        )


def setup(app: object) -> None:
    """Connect the API completeness check to the build."""
    app.connect("builder-inited", _check_api_complete)  # type: ignore[attr-defined]
