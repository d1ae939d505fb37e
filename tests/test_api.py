"""The public surface: every exported name is documented; import has no side effects."""

from __future__ import annotations

import subprocess
import sys

import gridgeo as gg


def test_all_names_exist_and_are_documented() -> None:
    for name in gg.__all__:
        obj = getattr(gg, name)
        if name == "__version__":
            assert isinstance(obj, str)
            continue
        assert obj.__doc__, f"gg.{name} has no docstring"
        summary = obj.__doc__.strip().splitlines()[0]
        assert len(summary) > 10, f"gg.{name}: summary line too short"


def test_import_loads_no_optional_dependency_and_warns_nothing() -> None:
    code = (
        "import sys, warnings\n"
        "warnings.simplefilter('error')\n"
        "import gridgeo\n"
        "bad = [m for m in ('dask', 'distributed', 'dask_geopandas', 'spopt', "
        "'gerrychain', 'pymetis', 'matplotlib') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_strategies_are_frozen_and_print_their_parameters() -> None:
    spec = gg.ByVillages(6, 8)
    assert repr(spec).startswith("ByVillages(min=6, max=8")
    try:
        spec.min = 3  # type: ignore[misc]
    except AttributeError:
        pass
    else:  # pragma: no cover - the dataclass must be frozen
        msg = "strategies must be immutable"
        raise AssertionError(msg)
