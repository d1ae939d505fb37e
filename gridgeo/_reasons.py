"""Why a grid misses its bounds: the reasons ``Plan.out_of_bounds`` gives."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gridgeo._columns import GRID_ID, HOUSEHOLDS, TOWN_ID, UNIT_ID, VILLAGE_ID, ZONE
from gridgeo.graph import components_within

if TYPE_CHECKING:
    from gridgeo.plan import Plan

__all__ = ["count_reason", "household_reason"]


def household_reason(plan: Plan, grid: int, value: float, lo: float, hi: float) -> str:
    """Explain an out-of-bounds grid from its units and its neighbours."""
    u = plan._units
    lab = u[GRID_ID].to_numpy()
    w = u[HOUSEHOLDS].to_numpy(dtype=float)
    town = u[TOWN_ID].to_numpy()
    adj = plan._adjacency
    members = np.flatnonzero(lab == grid)
    nbr_units = np.unique(adj[members].indices) if adj is not None else np.array([])
    nbr_units = nbr_units[
        (lab[nbr_units] != grid) & (town[nbr_units] == town[members[0]])
    ]
    totals = pd.Series(w).groupby(lab).sum()
    b = plan._bounds
    note = b["note"].get(grid, "") if "note" in b else ""
    if isinstance(note, str) and note:
        return note

    def keeps_whole(i: int) -> bool:
        rest = members[members != i]
        return len(rest) > 0 and components_within(adj, rest).max() == 0

    if value > hi:
        if len(members) == 1:
            return f"one unit of {value:,.0f} households that may not be cut"
        movable = [
            (i, h)
            for i in members
            for h in np.unique(lab[np.intersect1d(adj[[i]].indices, nbr_units)])
            if totals[h] + w[i] <= b.loc[h, "hi"] and value - w[i] >= lo
        ]
        if not movable:
            return (
                "no bordering unit fits in a neighbouring grid of its township "
                "without pushing that grid over its bound"
            )
        if not any(keeps_whole(i) for i, _ in movable):
            return "every unit that would fit next door holds the grid together"
        i, h = next((i, h) for i, h in movable if keeps_whole(i))
        return (
            f"moving unit {u[UNIT_ID].iat[i]} to grid {h} would mend it; "
            "the search missed it"
        )
    if len(nbr_units) == 0:
        return "it holds all the households of its part of the township"
    gives = [
        i
        for i in nbr_units
        if totals[lab[i]] - w[i] >= b.loc[lab[i], "lo"] and value + w[i] <= hi
    ]
    if not gives:
        return (
            "no neighbouring grid of its township can give up a bordering unit "
            f"without falling under its bound or pushing this one over {hi:,.0f}"
        )
    return (
        f"taking unit {u[UNIT_ID].iat[gives[0]]} would mend it "
        "if its grid stays whole; the search missed it"
    )


def count_reason(plan: Plan, grid: int, lo: float, hi: float) -> str:
    """Explain a grid whose village count misses ``[lo, hi]``.

    The grids of its township (and zone) under the same rule share that
    township's villages; when no sharing among that many grids can give each
    ``lo``–``hi`` villages, the arithmetic says so.
    """
    g = plan._grid_fields.set_index(GRID_ID)
    b = plan._bounds.reindex(g.index)
    same = (b["measure"] == "villages") & (b["lo"] == lo) & (b["hi"] == hi)
    for col in (TOWN_ID, ZONE):
        if col in g:
            same &= g[col] == g.at[grid, col]
    peers = g.index[same.to_numpy()]
    u = plan._units
    v = int(u.loc[u[GRID_ID].isin(peers), VILLAGE_ID].nunique())
    k = len(peers)
    where = f"its township's {g.at[grid, ZONE]} zone" if ZONE in g else "its township"
    fewest, most = int(np.ceil(v / hi - 1e-9)), int(np.floor(v / lo + 1e-9))
    if fewest > most:
        return (
            f"{where} has {v} villages: no number of grids of {lo:,.0f}–{hi:,.0f} "
            "villages adds up to that"
        )
    if not fewest <= k <= most:
        need = f"{fewest}" if fewest == most else f"{fewest}–{most}"
        return (
            f"{where} has {v} villages for {k} grids; at {lo:,.0f}–{hi:,.0f} "
            f"villages a grid it needs {need} (the grid count was shared out by "
            "households)"
        )
    return (
        f"{where}'s {v} villages could fill {k} grids of {lo:,.0f}–{hi:,.0f}; the "
        "search found no such sharing with every grid in one piece"
    )
