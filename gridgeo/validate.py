"""Validation that loses nothing: the ValidationReport of every rejected or repaired row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

__all__ = ["REPORT_COLUMNS", "ValidationReport"]

REPORT_COLUMNS = ["layer", "row", "id", "field", "check", "action", "message"]
Action = Literal["rejected", "repaired", "assigned", "info"]


@dataclass
class ValidationReport:
    """Every rejected, repaired or re-assigned input row, with the reason.

    ``row`` is the 0-based data row of the source (the line in a CSV is ``row + 2``
    with a header). ``action`` is one of ``rejected`` (row not loaded), ``repaired``
    (loaded with a changed value), ``assigned`` (loaded, placed by rule, e.g. the
    nearest village) or ``info``. ``counts`` holds, per layer, rows ``read`` and
    ``loaded``; the invariant ``loaded + rejected == read`` holds for every layer.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(
        self,
        layer: str,
        row: int | None,
        id: Any,  # noqa: A002 - the column is called id
        field: str | None,
        check: str,
        action: Action,
        message: str,
    ) -> None:
        """Record one row's problem."""
        self.rows.append(
            dict(zip(REPORT_COLUMNS, [layer, row, id, field, check, action, message]))
        )

    def extend(self, records: Iterable[dict[str, Any]]) -> None:
        """Record many rows at once (dicts with the REPORT_COLUMNS keys)."""
        self.rows.extend({k: r.get(k) for k in REPORT_COLUMNS} for r in records)

    def set_counts(self, layer: str, read: int, loaded: int) -> None:
        """Record how many rows a layer had and how many were loaded."""
        self.counts[layer] = {"read": int(read), "loaded": int(loaded)}

    def to_frame(self) -> pd.DataFrame:
        """Return the report as a DataFrame with the REPORT_COLUMNS columns."""
        return pd.DataFrame(self.rows, columns=REPORT_COLUMNS)

    def rejected(self, layer: str | None = None) -> pd.DataFrame:
        """Rows that were not loaded (optionally of one layer)."""
        df = self.to_frame()
        df = df[df["action"] == "rejected"]
        return df if layer is None else df[df["layer"] == layer]

    def to_file(self, path: str) -> None:
        """Write the report to CSV (UTF-8 with BOM, so Excel shows Chinese) or .xlsx."""
        df = self.to_frame()
        if str(path).lower().endswith(".xlsx"):
            df.to_excel(path, index=False)
        else:
            df.to_csv(path, index=False, encoding="utf-8-sig")

    def summary(self) -> str:
        """Return a readable summary: per layer read / loaded / rejected / repaired."""
        df = self.to_frame()
        lines = ["Validation report"]
        layers = list(dict.fromkeys([*self.counts, *df["layer"].dropna()]))
        if not layers:
            return "Validation report: nothing read yet"
        for layer in layers:
            c = self.counts.get(layer, {})
            sub = df[df["layer"] == layer]
            by_action = sub["action"].value_counts()
            lines.append(
                f"  {layer:<15} read {c.get('read', 0):>9,}  loaded {c.get('loaded', 0):>9,}"
                f"  rejected {by_action.get('rejected', 0):>6,}"
                f"  repaired {by_action.get('repaired', 0):>6,}"
                f"  assigned {by_action.get('assigned', 0):>6,}"
            )
            for check, n in sub["check"].value_counts().items():
                lines.append(f"      {check}: {n:,}")
        return "\n".join(lines)

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"<ValidationReport: {len(self.rows):,} rows over {len(self.counts)} layers>"

    def _repr_html_(self) -> str:
        head = self.summary().replace("\n", "<br>").replace("  ", "&nbsp;&nbsp;")
        return f"<div><tt>{head}</tt></div>" + self.to_frame().head(50).to_html()
