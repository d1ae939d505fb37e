"""Reference partitioners for the benchmark, each run in a child process.

Every runner takes a :class:`Problem` (the same polygon units, adjacency and
household weights for every tool) and returns ``(labels, note)``. The parameters
chosen for each tool are documented on its runner. :func:`run_limited` runs a runner
in a forked child with a wall-clock and a memory limit, so that a slow or hungry tool
is reported as "timeout" or "out of memory" instead of stopping the benchmark.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import resource
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
from _common import UnitGraph

__all__ = ["REFERENCES", "Problem", "Result", "run_limited"]


@dataclass
class Problem:
    """One job on one dataset, as every tool sees it."""

    units: gpd.GeoDataFrame  # polygons in metres, weight column, x_km / y_km columns
    graph: UnitGraph  # rook adjacency + declared island bridges (shared by all tools)
    weight: str
    n_parts: int  # grids wanted (for tools that take a count)
    lo: float  # lower household bound of a grid
    hi: float  # upper household bound of a grid
    seed: int = 0

    @property
    def target(self) -> float:
        return float(self.units[self.weight].sum()) / self.n_parts

    @property
    def tolerance(self) -> float:
        """Half-width of the bounds over their midpoint (GerryChain's epsilon)."""
        mid = (self.lo + self.hi) / 2
        return (self.hi - self.lo) / 2 / mid


@dataclass
class Result:
    labels: np.ndarray | None
    seconds: float
    status: str  # "ok", "timeout", "out of memory", "error: ..."
    note: str = ""


# ----------------------------------------------------------------------------- helpers


def _libpysal_w(p: Problem):
    """A libpysal W built from the shared adjacency (bridges included, no islands)."""
    from libpysal.weights import W

    csr = p.graph.csr
    neighbors = {
        i: csr.indices[csr.indptr[i] : csr.indptr[i + 1]].tolist()
        for i in range(p.graph.n)
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return W(neighbors, silence_warnings=True)


def _int_weights(w: np.ndarray) -> np.ndarray:
    return np.maximum(np.rint(w), 0).astype(np.int64)


# ----------------------------------------------------------------------------- runners


def run_pymetis(p: Problem) -> tuple[np.ndarray, str]:
    """METIS k-way on the shared graph, vertex weights = households.

    ``contiguous=True`` (METIS_OPTION_CONTIG), ``ufactor`` set from the bounds
    (allowed imbalance = the job's tolerance, at least 1 %), ``seed`` fixed.
    """
    import pymetis

    csr = p.graph.csr
    vw = _int_weights(p.units[p.weight].to_numpy())
    opts = pymetis.Options()
    opts.seed = p.seed
    opts.ufactor = max(10, int(p.tolerance * 1000))
    opts.contig = 1
    try:
        _, parts = pymetis.part_graph(
            p.n_parts,
            xadj=csr.indptr.astype(np.int64),
            adjncy=csr.indices.astype(np.int64),
            vweights=vw,
            options=opts,
        )
        note = f"ufactor={opts.ufactor}, contig"
    except Exception as exc:  # METIS refuses contig on some graphs: retry without
        opts.contig = 0
        _, parts = pymetis.part_graph(
            p.n_parts,
            xadj=csr.indptr.astype(np.int64),
            adjncy=csr.indices.astype(np.int64),
            vweights=vw,
            options=opts,
        )
        note = f"ufactor={opts.ufactor}, contig refused ({exc})"
    return np.asarray(parts), note


def run_gerrychain(p: Problem) -> tuple[np.ndarray, str]:
    """GerryChain ``recursive_tree_part`` (spanning-tree cuts), pop = households.

    ``epsilon`` = the job's tolerance first; when no balanced cut exists it retries
    with 2x, 4x, ... the tolerance (up to 100 %) and notes the epsilon that worked.
    """
    import networkx as nx
    from gerrychain import Graph
    from gerrychain.partition import recursive_tree_part

    g = nx.Graph()
    w = p.units[p.weight].to_numpy()
    g.add_nodes_from((i, {"pop": float(w[i])}) for i in range(p.graph.n))
    g.add_edges_from(map(tuple, p.graph.edges.tolist()))
    graph = Graph.from_networkx(g).convert_from_nx_to_rx()
    eps = max(p.tolerance, 0.005)
    errors = []
    while eps <= 1.0:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                flips = recursive_tree_part(
                    graph,
                    range(p.n_parts),
                    p.target,
                    "pop",
                    eps,
                    rng=p.seed,
                )
            labels = np.empty(p.graph.n, dtype=np.int64)
            for node, part in flips.items():
                labels[graph.original_nx_node_id_for_internal_node_id(node)] = part
            note = f"epsilon={eps:g}"
            if errors:
                tried = ", ".join(f"{e:g}" for e, _ in errors)
                note += f" (failed at {tried}: {errors[0][1]})"
            return labels, note
        except Exception as exc:
            errors.append((eps, f"{type(exc).__name__}: {exc}"[:100]))
            eps *= 2
    msg = "; ".join(f"epsilon={e:g}: {m}" for e, m in errors[:1] + errors[-1:])
    raise RuntimeError(msg)


def _coords_frame(p: Problem) -> gpd.GeoDataFrame:
    gdf = p.units[[p.weight, "x_km", "y_km", "geometry"]].copy()
    gdf[p.weight] = gdf[p.weight].astype(float)
    return gdf.reset_index(drop=True)


def run_skater(p: Problem) -> tuple[np.ndarray, str]:
    """spopt Skater: n_clusters = grids, attributes = centroid x/y (km).

    Skater's ``floor`` counts units, not households, so it is set to half the mean
    number of units per grid; Skater cannot bound households.
    """
    from spopt.region import Skater

    floor = max(1, p.graph.n // (2 * p.n_parts))
    model = Skater(
        _coords_frame(p),
        _libpysal_w(p),
        ["x_km", "y_km"],
        n_clusters=p.n_parts,
        floor=floor,
        islands="ignore",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.solve()
    return np.asarray(model.labels_), f"floor={floor} units"


def run_azp(p: Problem) -> tuple[np.ndarray, str]:
    """spopt AZP: n_clusters = grids, attributes = centroid x/y (km), seeded."""
    from spopt.region import AZP

    model = AZP(
        _coords_frame(p),
        _libpysal_w(p),
        ["x_km", "y_km"],
        n_clusters=p.n_parts,
        random_state=p.seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.solve()
    return np.asarray(model.labels_), ""


def run_maxp(p: Problem) -> tuple[np.ndarray, str]:
    """spopt MaxPHeuristic: threshold = the lower household bound, attrs = x/y (km).

    Max-p chooses the number of grids itself (as many as the floor allows) and has
    no upper bound.
    """
    from spopt.region import MaxPHeuristic

    np.random.seed(p.seed)  # noqa: NPY002 - MaxPHeuristic draws from the global state
    model = MaxPHeuristic(
        _coords_frame(p),
        _libpysal_w(p),
        ["x_km", "y_km"],
        p.weight,
        float(p.lo),
        top_n=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.solve()
    return np.asarray(model.labels_), f"threshold={p.lo:g}, p={model.p}"


REFERENCES: dict[str, Callable[[Problem], tuple[np.ndarray, str]]] = {
    "pymetis": run_pymetis,
    "GerryChain recursive_tree_part": run_gerrychain,
    "spopt Skater": run_skater,
    "spopt AZP": run_azp,
    "spopt MaxPHeuristic": run_maxp,
}


# ----------------------------------------------------------------------------- limits


def _child(fn, problem, conn, mem_bytes):  # pragma: no cover - runs in the child
    if mem_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
    t0 = time.perf_counter()
    try:
        labels, note = fn(problem)
        conn.send(("ok", labels, time.perf_counter() - t0, note))
    except MemoryError:
        conn.send(("out of memory", None, time.perf_counter() - t0, ""))
    except BaseException as exc:
        msg = " ".join(f"error: {type(exc).__name__}: {exc}".split())
        conn.send((msg[:300], None, time.perf_counter() - t0, ""))
    finally:
        conn.close()


def run_limited(
    fn: Callable[[Problem], tuple[np.ndarray, str]],
    problem: Problem,
    *,
    timeout: float,
    mem_gb: float = 12.0,
) -> Result:
    """Run ``fn(problem)`` in a forked child with a time and memory limit."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_child, args=(fn, problem, child, int(mem_gb * 2**30)), daemon=True
    )
    t0 = time.perf_counter()
    proc.start()
    child.close()
    try:
        if parent.poll(timeout):
            status, labels, seconds, note = parent.recv()
        else:
            status, labels, seconds, note = "timeout", None, timeout, f"> {timeout:g} s"
    except EOFError:  # the child died without a word (killed by the OOM killer)
        status, labels, seconds, note = (
            "out of memory",
            None,
            time.perf_counter() - t0,
            "child died",
        )
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        parent.close()
    if status == "ok" and proc.exitcode not in (0, None) and labels is None:
        status = f"died (exit {proc.exitcode})"
    return Result(labels, seconds, status, note)


def parts_for_bounds(total: float, lo: float, hi: float) -> int:
    """Grids for count-based tools under bounds ``[lo, hi]``: total / midpoint."""
    return max(1, math.ceil(total / ((lo + hi) / 2)))
