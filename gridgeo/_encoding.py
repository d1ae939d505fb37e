"""Text-encoding detection for CSV files and Shapefile attribute tables.

Chinese Excel saves "CSV" as GBK (code page 936) unless told otherwise; modern tools
write UTF-8, Excel's "CSV UTF-8" writes UTF-8 with a BOM. The rule: a BOM decides;
else bytes that decode as UTF-8 are UTF-8 (GBK text of any length almost never
does); else GB18030 (a superset of GBK and GB2312).
"""

from __future__ import annotations

import codecs
from pathlib import Path

__all__ = ["detect_encoding", "shapefile_encoding"]

_SAMPLE = 1 << 20  # bytes: enough for any realistic header + first rows


def _decode_ok(data: bytes, encoding: str) -> bool:
    try:
        # a multi-byte character cut at the end of the sample is not an error
        codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: str | Path, *, sample: int = _SAMPLE) -> str:
    """Guess the encoding of a text file: ``utf-8-sig``, ``utf-8`` or ``gb18030``.

    Parameters
    ----------
    path
        The file.
    sample
        Bytes read from the start of the file; the whole file when it is smaller.

    Returns
    -------
    str
        A Python codec name.
    """
    with open(path, "rb") as fh:
        data = fh.read(sample)
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decode_ok(data, "utf-8"):
        return "utf-8"
    if _decode_ok(data, "gb18030"):
        return "gb18030"
    return "latin-1"


def shapefile_encoding(path: str | Path) -> str | None:
    """Return the encoding of a Shapefile's .dbf, or ``None`` to let GDAL decide.

    A ``.cpg`` file next to the ``.shp`` wins: GDAL reads it (GBK included) and
    ``None`` is returned. Without ``.cpg`` the records of the .dbf (after its binary
    header) are sniffed like a CSV; GDAL would otherwise assume ISO-8859-1 and turn
    Chinese names into mojibake.

    Parameters
    ----------
    path
        The ``.shp`` file.

    Returns
    -------
    str or None
    """
    p = Path(path)
    if p.with_suffix(".cpg").exists() or p.with_suffix(".CPG").exists():
        return None
    dbf = p.with_suffix(".dbf")
    if not dbf.exists():
        dbf = p.with_suffix(".DBF")
    if not dbf.exists():
        return None
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        if len(head) < 32:
            return None
        header_len = int.from_bytes(head[8:10], "little")
        fh.seek(header_len)
        data = fh.read(_SAMPLE)
    if _decode_ok(data, "ascii"):
        return None
    if _decode_ok(data, "utf-8"):
        return "utf-8"
    if _decode_ok(data, "gb18030"):
        return "gb18030"
    return None
