"""Map size / write time / load time: gridgeo maps vs GeoDataFrame.explore().

Run: ``python benchmarks/bench_maps.py [--sizes 150000 2000000] [--explore-max N]``

For each size: the synthetic county (300 villages, 20 townships, 25 service points;
no roads, so coverage is straight-line) is partitioned into 60 grids with
:func:`gridgeo.partition`; then, in one run,

- ``gg.plan_map`` (grids, villages, townships, service points, household hexagons);
- ``gg.coverage_map`` (the same plus service areas, uncovered-share hexagons and the
  coverage choropleth; ``gg.service_coverage`` runs before the clock starts);
- ``gg.plan_map(households="points", exact_households=True, visited=...)``: the
  opt-in per-household status layer (up to 200,000 households);
- ``GeoDataFrame.explore()`` of the villages (coloured by grid) plus the household
  points (up to ``--explore-max`` households).

"write s" is building the map and saving it; every page is saved **offline**: gridgeo's
with ``gg.save_map``; explore()'s with Leaflet, jQuery and jQuery UI inlined from the
``xstatic-leaflet`` / ``xstatic-jquery`` / ``xstatic-jquery-ui`` packages (its other
CDN links -- Bootstrap, Font Awesome, awesome-markers -- only style controls and are
dropped), so both load the same way with no network. Load time is navigation start
-> two animation frames after the load event in headless Chromium
(``gridgeo.viz._browser.open_page``), tiles off. Prints a markdown table and writes
it to ``benchmarks/maps.md``.
"""

from __future__ import annotations

import argparse
import platform
import re
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

import gridgeo as gg
from gridgeo.errors import OutOfBoundsWarning
from gridgeo.viz._browser import open_page
from gridgeo.viz.offline import _inline_css, _xstatic_file

HERE = Path(__file__).parent
_SCRIPT = re.compile(r'<script\s+src="([^"]+)"\s*>\s*</script>', re.IGNORECASE)
_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]+)"\s*/?>', re.IGNORECASE)


def _jquery_file(url: str) -> Path | None:
    if "code.jquery.com/ui/" in url:
        import xstatic.pkg.jquery_ui as pkg

        return Path(pkg.BASE_DIR) / "jquery-ui.min.js"
    if re.search(r"code\.jquery\.com/jquery-[\d.]+(\.min)?\.js", url):
        import xstatic.pkg.jquery as pkg

        return Path(pkg.BASE_DIR) / "jquery.min.js"
    return None


def explore_offline(m, path: Path) -> Path:
    """Save an explore() map with its scripts inlined (see the module docstring)."""
    page = m.get_root().render()

    def script(match: re.Match[str]) -> str:
        url = match.group(1)
        file = _xstatic_file(url) or _jquery_file(url)
        if file is None:
            return ""
        js = file.read_text(encoding="utf-8").replace("</script", "<\\/script")
        return f"<script>{js}</script>"

    def link(match: re.Match[str]) -> str:
        file = _xstatic_file(match.group(1))
        return f"<style>{_inline_css(file)}</style>" if file is not None else ""

    path.write_text(_LINK.sub(link, _SCRIPT.sub(script, page)), encoding="utf-8")
    return path


def measure(label, n, build, out: Path, rows):
    t = time.perf_counter()
    saved = build(out)
    write = time.perf_counter() - t
    rep = open_page(saved, timeout=900)
    rows.append(
        {
            "households": f"{n:,}",
            "map": label,
            "write s": f"{write:.1f}",
            "size MB": f"{saved.stat().st_size / 1e6:.1f}",
            "load s": f"{rep.load_ms / 1e3:.2f}",
            "JS errors": len(rep.errors),
            "polygons drawn": rep.polygons,
        }
    )
    print(rows[-1], flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[150_000, 2_000_000])
    ap.add_argument(
        "--explore-max",
        type=int,
        default=150_000,
        help="run GeoDataFrame.explore() only up to this many households",
    )
    args = ap.parse_args()
    rows = []
    notes = []
    tmp = Path(tempfile.mkdtemp(prefix="gg-bench-maps-"))
    for n in args.sizes:
        t = time.perf_counter()
        county = gg.datasets.synthetic_county(0, n_households=n, roads=False)
        with warnings.catch_warnings():  # balance does not matter for a map
            warnings.simplefilter("ignore", OutOfBoundsWarning)
            plan = gg.partition(county, n_grids=60, seed=0, strict=False)
        t_cov = time.perf_counter()
        cov = gg.service_coverage(county, max_km=5)
        t_end = time.perf_counter()
        notes.append(
            f"{n:,} households: county + partition {t_cov - t:.0f} s, "
            f"service_coverage ({cov.method}, 5 km) {t_end - t_cov:.1f} s "
            f"(not in 'write s'); {plan!r}; {cov.share:.0%} covered."
        )
        print(notes[-1], flush=True)

        def save(m, path):
            return gg.save_map(m, path)

        measure(
            "gg.plan_map (hexagons)",
            n,
            lambda path, p=plan: save(gg.plan_map(p, tiles=None), path),
            tmp / f"plan_{n}.html",
            rows,
        )
        measure(
            "gg.coverage_map (+ service areas, uncovered share)",
            n,
            lambda path, p=plan, c=cov: save(gg.coverage_map(p, c, tiles=None), path),
            tmp / f"coverage_{n}.html",
            rows,
        )
        if n <= 200_000:
            visited = pd.Series(
                np.arange(len(plan.households)) % 5 != 0,
                index=plan.households["household_id"].to_numpy(),
            )
            measure(
                "gg.plan_map households='points' + visited",
                n,
                lambda path, p=plan, v=visited: save(
                    gg.plan_map(
                        p,
                        tiles=None,
                        households="points",
                        exact_households=True,
                        visited=v,
                    ),
                    path,
                ),
                tmp / f"pts_{n}.html",
                rows,
            )
        if n <= args.explore_max:

            def explore(path, p=plan, c=county):
                grid = c.villages["village_id"].map(p.village_grid)
                m = c.villages.assign(grid_id=grid).explore(
                    column="grid_id", categorical=True, tiles=None
                )
                gpd.GeoDataFrame(geometry=c.households.geometry).explore(
                    m=m, tiles=None
                )
                return explore_offline(m, path)

            measure(
                "GeoDataFrame.explore() villages + households",
                n,
                explore,
                tmp / f"explore_{n}.html",
                rows,
            )
        del county, plan, cov
    table = pd.DataFrame(rows).to_markdown(index=False)
    print(table)
    machine = f"{platform.machine()}, Python {platform.python_version()}"
    (HERE / "maps.md").write_text(
        "# Map benchmarks (`python benchmarks/bench_maps.py`)\n\n"
        f"Headless Chromium, tiles off, all pages offline; {machine}.\n\n"
        + table
        + "\n\n"
        + "\n".join(f"- {note}" for note in notes)
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
