"""Saved maps in a real headless Chromium: no JS error, polygons drawn, names inert.

Every map is drawn from a real :class:`gridgeo.Plan` (``_viz_fixtures``). Skipped
only when no Chromium binary is installed (``.ci/run`` installs Debian's).
Screenshots are kept under pytest's tmp_path (printed with ``-s``; keep them with
``--basetemp=DIR``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _viz_fixtures import EVIL, box_plan, synthetic_county, synthetic_plan

import gridgeo as gg

pytest.importorskip("websockets")
from gridgeo.viz._browser import find_chromium, open_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None, reason="no Chromium installed"),
]

# open the popup of the village whose name is EVIL, return what the page shows
OPEN_EVIL_POPUP = """(() => {
  const m = Object.keys(window).filter(k => k.startsWith('map_'))
    .map(k => window[k])[0];
  for (const l of Object.values(m._layers)) {
    const p = l.getPopup && l.getPopup();
    if (p && String(p.getContent()).includes('alert(1)')) { l.openPopup(); break; }
  }
  const el = document.querySelector('.leaflet-popup-content');
  return el ? el.innerText : '';
})()"""

# circle markers (service points) and the legend's text
COUNT_CIRCLES = """(() => {
  const m = Object.keys(window).filter(k => k.startsWith('map_'))
    .map(k => window[k])[0];
  let n = 0;
  for (const l of Object.values(m._layers)) if (l instanceof L.CircleMarker) n++;
  const legend = document.querySelector('.gg-legend');
  return JSON.stringify({circles: n, legend: legend ? legend.innerText : ''});
})()"""


def test_plan_map_in_chromium(tmp_path):
    names = (EVIL, *(f"村{i}" for i in range(47)))
    plan = box_plan(12, per_village=60, names=names)
    assert type(plan) is gg.Plan
    path = gg.save_map(gg.plan_map(plan, tiles=None, lang="zh"), tmp_path / "p.html")
    shot = tmp_path / "plan.png"
    rep = open_page(path, screenshot=shot, evaluate=OPEN_EVIL_POPUP)
    print("screenshot:", shot)
    assert rep.errors == []
    assert rep.dialogs == []  # the village name did not run
    assert rep.maps == 1
    # 12 grids + 48 villages + 4 townships + hexagons, projected into the view
    assert rep.polygons > 12 + 48 + 4
    assert rep.markers == 12  # grid id labels
    assert EVIL in rep.value  # shown as text in the popup
    assert "图例" in rep.text
    assert "网格" in rep.text
    assert shot.stat().st_size > 10_000


def test_household_status_points_in_chromium(tmp_path):
    plan = box_plan(4, nrows=4, ncols=4, per_village=200)
    visited = pd.Series(
        np.arange(len(plan.households)) % 4 != 0, index=plan.households["household_id"]
    )
    m = gg.plan_map(
        plan,
        tiles=None,
        lang="en",
        households="points",
        exact_households=True,
        visited=visited,
    )
    path = gg.save_map(m, tmp_path / "dots.html")
    rep = open_page(path, screenshot=tmp_path / "dots.png")
    assert rep.errors == []
    assert rep.dot_layers == 1
    assert "Not visited" in rep.text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_coverage_map_in_chromium(tmp_path, lang):
    import json

    plan = synthetic_plan()
    cov = gg.service_coverage(synthetic_county(), max_km=3)
    m = gg.coverage_map(plan, cov, tiles=None, lang=lang)
    path = gg.save_map(m, tmp_path / f"coverage_{lang}.html")
    shot = tmp_path / f"coverage_{lang}.png"
    rep = open_page(path, screenshot=shot, evaluate=COUNT_CIRCLES)
    print("screenshot:", shot)
    assert rep.errors == []
    got = json.loads(rep.value)
    assert got["circles"] == len(plan.county.service_points)
    n_fixed = plan.n_grids + len(plan.county.villages) + len(plan.county.towns)
    assert rep.polygons > n_fixed + len(cov.service_areas)  # + hexagons
    assert rep.markers == plan.n_grids
    words = (
        ("Coverage", "Share uncovered", "Service points")
        if lang == "en"
        else ("覆盖率", "未覆盖比例", "服务点")
    )
    for word in words:
        assert word in got["legend"]
