"""Column names shared by every module (the data contract of a County and a Plan)."""

from __future__ import annotations

__all__ = [
    "CANDIDATE_ID",
    "GRID_ID",
    "HOUSEHOLDS",
    "HOUSEHOLD_ID",
    "INDUSTRY",
    "LOCATED",
    "PERSONS",
    "ROAD_CLASS",
    "SITE_ID",
    "SPEED",
    "TOWN_ID",
    "TOWN_NAME",
    "UNIT_ID",
    "VILLAGE_ID",
    "VILLAGE_NAME",
    "ZONE",
]

VILLAGE_ID = "village_id"  # str, e.g. a 12-digit 统计用区划代码
VILLAGE_NAME = "name"
TOWN_ID = "town_id"  # str, township (乡镇/街道) code
TOWN_NAME = "town_name"
HOUSEHOLD_ID = "household_id"  # str
HOUSEHOLDS = "households"  # int count per village / unit / grid
PERSONS = "persons"  # int count
LOCATED = "located"  # bool: household has its own coordinates
ZONE = "zone"  # urban / plain / hill / mountain
INDUSTRY = "industry"  # planting / orchard / livestock / processing / commerce
UNIT_ID = "unit_id"  # str: village id, or "<village_id>-<k>" for a split part
GRID_ID = "grid_id"  # int, 0..n_grids-1 in a stable order
SITE_ID = "site_id"  # str: service point or candidate site id
CANDIDATE_ID = "site_id"
ROAD_CLASS = "road_class"
SPEED = "speed_kmh"
