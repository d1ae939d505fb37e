"""Private builder of the synthetic county's territory and households (metric plane).

Used by :func:`gridgeo.datasets.synthetic_layers`. Coordinates are metres in a local
transverse Mercator plane centred on the county; ``datasets.py`` converts to EPSG:4326.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from gridgeo._synth_geom import (
    Tiling,
    grow_regions,
    kmeans_centres,
    outline_rho,
    sample_in_polygons,
    smooth_field,
    voronoi_tiling,
)

__all__ = ["INDUSTRIES", "ZONES", "Territory", "make_households", "make_territory"]

ZONES = ("urban", "plain", "hill", "mountain")
INDUSTRIES = ("planting", "orchard", "livestock", "processing", "commerce")

# Share of villages per zone (urban = the communities of the county town) and
# share of households per zone, with the spread (lognormal sigma) of village sizes.
_ZONE_VILLAGE_SHARE = {"urban": 0.08, "plain": 0.62, "hill": 0.20, "mountain": 0.10}
_ZONE_HH_SHARE = {"urban": 0.25, "plain": 0.55, "hill": 0.15, "mountain": 0.05}
_ZONE_SIGMA = {"urban": 0.5, "plain": 0.6, "hill": 0.8, "mountain": 1.1}
_ZONE_PERSONS = {
    "urban": 1.8,
    "plain": 2.4,
    "hill": 2.3,
    "mountain": 2.0,
}  # 1 + Poisson
_ZONE_SPREAD_M = {"plain": 160.0, "hill": 110.0, "mountain": 70.0}  # hamlet radius
# Industry preference per zone (rows: ZONES, columns: INDUSTRIES).
_INDUSTRY_BIAS = np.array(
    [
        [-3.0, -3.0, -3.0, 0.6, 1.6],  # urban: commerce, processing
        [1.2, 0.1, -0.3, -0.3, -1.0],  # plain: planting
        [0.2, 1.0, 0.5, -0.6, -1.5],  # hill: orchard, livestock
        [-0.2, 0.6, 1.1, -1.2, -2.0],  # mountain: livestock, orchard
    ]
)

_PLACE_CHARS = (
    "东西南北上下中前后大小新老黄石山溪口坑岭坪垟源湾塘桥头岙岗坞田洋园林竹枫梅"
    "桃李杨柳松云龙凤金银玉清白青朱赤马牛龟鹤沙泉河江湖潭滩岩峰坳背底里外高低长"
)
_TOWN_CHARS = "云和浮紧崇赤石塘凤溪安沙铺雾溪石浦元和白龙黄源大源梅湾竹坪雾岭朱村"


@dataclass
class Territory:
    """The county in the local metric plane."""

    tiling: Tiling  # village seeds, cells, adjacency
    town_of: np.ndarray  # township index of each village
    town_codes: list[str]  # 9-digit code of each township
    town_names: list[str]
    town_seat: np.ndarray  # village index of each township's seat
    village_ids: np.ndarray  # 12-digit codes (str)
    village_names: np.ndarray
    zone: np.ndarray  # str
    industry: np.ndarray  # str
    elevation: np.ndarray  # metres
    centre: np.ndarray  # county town centre (x, y)
    outline: shapely.Polygon


def _seed_points(
    rng: np.random.Generator, n: int, radius: float, density, rho
) -> np.ndarray:
    """Seeds in a box around the outline, with intensity ``density``, relaxed once."""
    half = 1.9 * radius
    probe = rng.uniform(-half, half, size=(20_000, 2))
    lam = density(probe)
    inside = rho(probe) < radius
    n_box = int(np.ceil(1.15 * n * lam.sum() / max(lam[inside].sum(), 1e-9)))
    lam_max = lam.max()
    n_draw = int(n_box * lam_max / lam.mean() * 1.2) + 100
    cand = rng.uniform(-half, half, size=(n_draw, 2))
    keep = rng.random(n_draw) * lam_max < density(cand)
    seeds = cand[keep][:n_box]
    # One damped Lloyd step: regular cells, density gradient kept.
    frame = shapely.box(-half, -half, half, half)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(seeds), extend_to=frame, ordered=True
        )
    )
    cent = shapely.get_coordinates(shapely.centroid(shapely.intersection(cells, frame)))
    return seeds + 0.6 * (cent - seeds)


def _unique_names(
    rng: np.random.Generator, chars: str, n: int, suffix: np.ndarray
) -> np.ndarray:
    c = np.array(list(dict.fromkeys(chars)))
    pairs = np.arange(c.size * c.size)
    pairs = pairs[pairs // c.size != pairs % c.size]
    pick = rng.choice(pairs, size=n, replace=False)
    return np.char.add(np.char.add(c[pick // c.size], c[pick % c.size]), suffix)


def make_territory(
    rng: np.random.Generator,
    *,
    n_villages: int,
    n_towns: int,
    area_km2: float,
    county_code: str = "331125",
) -> Territory:
    """Build the county outline, villages, townships, zones and industries."""
    radius = np.sqrt(area_km2 * 1e6 / np.pi)
    rho = outline_rho(rng)
    angle = rng.uniform(0, 2 * np.pi)
    centre = 0.22 * radius * np.array([np.cos(angle), np.sin(angle)])
    relief = smooth_field(rng, 0.3 * radius)

    def elevation_raw(xy: np.ndarray) -> np.ndarray:
        d = np.hypot(*(xy - centre).T) / radius
        return 0.55 * relief(xy) + 1.6 * np.minimum(d, 1.6)

    def density(xy: np.ndarray) -> np.ndarray:
        d2 = ((xy - centre) ** 2).sum(axis=1) / (0.07 * radius) ** 2
        return (1.0 + 25.0 * np.exp(-0.5 * d2)) * np.exp(-0.5 * elevation_raw(xy))

    seeds = _seed_points(rng, n_villages, radius, density, rho)
    prio = rho(seeds)
    tiling = voronoi_tiling(seeds, n_villages, prio, int(np.argmin(prio)))
    # Scale to the exact area (identical shared vertices stay identical).
    s = np.sqrt(area_km2 * 1e6 / shapely.area(tiling.cells).sum())
    elev = elevation_raw(tiling.seeds)
    tiling = Tiling(
        seeds=tiling.seeds * s,
        cells=shapely.transform(tiling.cells, lambda c: c * s),
        edges=tiling.edges,
    )
    centre = centre * s
    xy = tiling.seeds
    n = len(xy)

    # Zones: urban = the communities nearest the county town; the rest by elevation.
    dist = np.hypot(*(xy - centre).T)
    n_urban = max(1, round(_ZONE_VILLAGE_SHARE["urban"] * n))
    zone = np.empty(n, dtype=object)
    urban = np.argsort(dist, kind="stable")[:n_urban]
    zone[urban] = "urban"
    rest = np.setdiff1d(np.arange(n), urban)
    by_elev = rest[np.argsort(elev[rest], kind="stable")]
    shares = np.array([_ZONE_VILLAGE_SHARE[z] for z in ZONES[1:]])
    cuts = np.round(np.cumsum(shares / shares.sum()) * rest.size).astype(int)
    for z, part in zip(ZONES[1:], np.split(by_elev, cuts[:-1]), strict=True):
        zone[part] = z
    zone = zone.astype(str)
    e_min, e_max = elev.min(), elev.max()
    elevation = np.round(40 + 1100 * ((elev - e_min) / (e_max - e_min)) ** 1.3)

    # Industry: zone preference + smooth random fields + a little noise.
    zi = pd.Categorical(zone, categories=ZONES).codes
    fields = np.column_stack(
        [smooth_field(rng, 0.2 * radius * s)(xy) for _ in INDUSTRIES]
    )
    score = _INDUSTRY_BIAS[zi] + 0.9 * fields + 0.25 * rng.normal(size=fields.shape)
    industry = np.array(INDUSTRIES)[np.argmax(score, axis=1)]
    # The county town: commerce in the core, processing (industrial parks) outside.
    industry[urban] = np.where(
        np.arange(n_urban) < 0.65 * n_urban, "commerce", "processing"
    )

    # Townships: area-balanced centres, grown over the village graph.
    probe, _ = sample_in_polygons(
        tiling.cells,
        np.maximum(
            1,
            np.round(
                20_000 * shapely.area(tiling.cells) / shapely.area(tiling.cells).sum()
            ),
        ).astype(int),
        rng,
    )
    centres = kmeans_centres(probe, n_towns, rng)
    seat_town = int(np.argmin(dist))
    _, near = cKDTree(xy).query(centres, k=min(n, n_towns + 1))
    near = np.atleast_2d(near)
    closest = int(np.argmin(np.hypot(*(centres - xy[seat_town]).T)))
    seats = np.full(n_towns, -1)
    seats[closest] = seat_town
    used = {seat_town}
    for t in range(n_towns):
        if seats[t] >= 0:
            continue
        cand = [int(v) for v in near[t] if int(v) not in used]
        seats[t] = cand[0]
        used.add(cand[0])
    town_raw = grow_regions(xy, tiling.edges, seats)

    # Township codes: 街道 (001..) for towns with urban communities, then 镇 (101..)
    # and 乡 (201..) by distance from the county town.
    has_urban = np.bincount(town_raw[zone == "urban"], minlength=n_towns) > 0
    order = np.lexsort((np.hypot(*(xy[seats] - centre).T), ~has_urban))
    n_street = int(has_urban.sum())
    n_zhen = int(np.ceil(0.6 * (n_towns - n_street)))
    codes, kinds = [], []
    for rank in range(n_towns):
        if rank < n_street:
            codes.append(f"{county_code}{rank + 1:03d}")
            kinds.append("街道")
        elif rank < n_street + n_zhen:
            codes.append(f"{county_code}{101 + rank - n_street:03d}")
            kinds.append("镇")
        else:
            codes.append(f"{county_code}{201 + rank - n_street - n_zhen:03d}")
            kinds.append("乡")
    new_index = np.empty(n_towns, dtype=int)
    new_index[order] = np.arange(n_towns)
    town_of = new_index[town_raw]
    town_seat = seats[order]
    town_names = list(_unique_names(rng, _TOWN_CHARS, n_towns, np.array(kinds)))

    # Village codes: communities 001.., villages 201.. inside each township.
    village_ids = np.empty(n, dtype=object)
    key = np.lexsort((xy[:, 0], -xy[:, 1], zone != "urban", town_of))
    counter: dict[tuple[int, bool], int] = {}
    for v in key:
        t, is_urban = int(town_of[v]), bool(zone[v] == "urban")
        k = counter.get((t, is_urban), 0)
        counter[(t, is_urban)] = k + 1
        village_ids[v] = f"{codes[t]}{(1 if is_urban else 201) + k:03d}"
    suffix = np.where(zone == "urban", "社区", "村")
    village_names = _unique_names(rng, _PLACE_CHARS, n, suffix)

    outline = shapely.coverage_union_all(tiling.cells)
    return Territory(
        tiling=tiling,
        town_of=town_of,
        town_codes=codes,
        town_names=town_names,
        town_seat=town_seat,
        village_ids=village_ids.astype(str),
        village_names=village_names,
        zone=zone,
        industry=industry,
        elevation=elevation,
        centre=centre,
        outline=outline,
    )


def household_counts(
    rng: np.random.Generator, zone: np.ndarray, n_households: int
) -> np.ndarray:
    """Very uneven household counts per village, summing to ``n_households``."""
    n = zone.size
    weight = np.zeros(n)
    for z in ZONES:
        m = zone == z
        if not m.any():
            continue
        w = rng.lognormal(0.0, _ZONE_SIGMA[z], int(m.sum()))
        weight[m] = _ZONE_HH_SHARE[z] * w / w.sum()
    weight /= weight.sum()
    floor = min(5, n_households // n)
    raw = floor + weight * (n_households - floor * n)
    counts = np.floor(raw).astype(np.int64)
    short = n_households - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:short]] += 1
    return counts


def make_households(
    rng: np.random.Generator, terr: Territory, n_households: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Household points clustered in hamlets (rural) or spread (urban communities).

    Returns ``(xy, village_index, persons, hamlets)`` where ``hamlets`` holds the
    (x, y) of each village's main settlement.
    """
    cells = terr.tiling.cells
    zone = terr.zone
    counts = household_counts(rng, zone, n_households)
    # Keep points 3 m inside their village so rounding never moves them out.
    inner = shapely.buffer(cells, -3.0)
    inner = np.where(shapely.is_empty(inner), cells, inner)
    n_hamlets = np.where(
        zone == "urban", 1, 1 + np.minimum(rng.poisson(counts / 120), 7)
    )
    hxy, howner = sample_in_polygons(inner, n_hamlets, rng)
    first = np.searchsorted(howner, np.arange(len(cells)))
    main_hamlet = hxy[first]
    # Households per hamlet: gamma-weighted split of each village's count.
    w = rng.gamma(1.2, size=howner.size)
    w[first] += 2.0  # the main settlement is the largest
    share = w / np.bincount(howner, weights=w)[howner]
    raw = share * counts[howner]
    per = np.floor(raw).astype(np.int64)
    short = counts - np.bincount(howner, weights=per, minlength=len(cells)).astype(
        np.int64
    )
    frac_order = np.lexsort((-(raw - per), howner))
    rank = np.arange(howner.size) - np.searchsorted(
        howner[frac_order], howner[frac_order]
    )
    bump = frac_order[rank < short[howner[frac_order]]]
    per[bump] += 1

    urban = zone == "urban"
    # Urban communities: households spread over the whole community.
    uxy, uowner = sample_in_polygons(inner, np.where(urban, counts, 0), rng)
    # Rural: Gaussian scatter around each hamlet, redrawn until inside the village.
    h_idx = np.repeat(np.arange(howner.size), np.where(urban[howner], 0, per))
    owner = howner[h_idx]
    sigma = np.array([_ZONE_SPREAD_M.get(z, 100.0) for z in zone])[owner]
    xy = hxy[h_idx] + rng.normal(size=(h_idx.size, 2)) * sigma[:, None]
    shapely.prepare(inner)
    bad = ~shapely.contains_xy(inner[owner], xy[:, 0], xy[:, 1])
    for _ in range(30):
        if not bad.any():
            break
        sigma[bad] *= 0.8
        xy[bad] = (
            hxy[h_idx[bad]] + rng.normal(size=(int(bad.sum()), 2)) * sigma[bad, None]
        )
        bad[bad] = ~shapely.contains_xy(inner[owner[bad]], xy[bad, 0], xy[bad, 1])
    xy[bad] = hxy[h_idx[bad]]
    all_xy = np.concatenate([uxy, xy])
    all_owner = np.concatenate([uowner, owner])
    order = np.argsort(all_owner, kind="stable")
    all_xy, all_owner = all_xy[order], all_owner[order]
    lam = np.array([_ZONE_PERSONS[z] for z in zone])[all_owner]
    persons = np.minimum(1 + rng.poisson(lam), 9)
    return all_xy, all_owner, persons, main_hamlet


def village_frame(terr: Territory) -> pd.DataFrame:
    """Attribute table of the villages (no geometry, no counts)."""
    t = terr.town_of
    return pd.DataFrame(
        {
            "village_id": terr.village_ids,
            "name": terr.village_names,
            "town_id": np.array(terr.town_codes)[t],
            "town_name": np.array(terr.town_names)[t],
            "zone": terr.zone,
            "industry": terr.industry,
            "elevation_m": terr.elevation.astype(np.int64),
        }
    )
