"""Excel workbooks (.xlsx): each visible sheet a heading (its name) and a table block.

openpyxl reads cached values (`data_only=True`: formulas give their last computed
result). Merged ranges are repeated into every cell they cover, the copies marked
merged; empty rows and columns are dropped. Numbers are rendered as a reader sees them:
integers without `.0`, no exponent, no float noise (298.75, not 298.74999999999997), the
decimals and percent of the cell's number format where it fixes them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from bisect import bisect_left
from io import BytesIO
from pathlib import Path

from pipeline.ingest.builder import DocumentBuilder
from pipeline.ingest.sniff import check_unpacked_size
from pipeline.ingest.tidy import clean_piece, compact
from pipeline.schema import Document

log = logging.getLogger(__name__)

# significant digits kept of a float: drops binary noise, keeps every digit a person types
_SIGNIFICANT = 15
_DECIMALS = re.compile(r"0\.(0+)")


def read(path: Path, data: bytes) -> Document:
    from openpyxl import load_workbook

    check_unpacked_size(data, fmt="xlsx")
    book = load_workbook(BytesIO(data), data_only=True, read_only=False)
    builder = DocumentBuilder()
    try:
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":
                log.debug("skipping hidden sheet %s", sheet.title)
                continue
            grid, merged = _sheet_grid(sheet)
            grid, merged = compact([[clean_piece(c) for c in row] for row in grid], merged)
            if not grid:
                continue
            builder.add_text("heading", clean_piece(sheet.title), level=1)
            builder.add_table(grid, merged=merged)
    finally:
        book.close()
    return builder.build(path=path, data=data, fmt="xlsx")



def _sheet_grid(sheet) -> tuple[list[list[str]], set[tuple[int, int]]]:
    """The sheet's occupied rows and columns only (a stray value at XFD1048576 costs nothing)."""
    cells: dict[tuple[int, int], str] = {}
    for cell in _stored_cells(sheet):
        if cell.value is not None:
            text = render_value(cell.value, cell.number_format)
            if text.strip():
                cells[(cell.row - 1, cell.column - 1)] = text
    if not cells:
        return [], set()
    rows = sorted({r for r, _ in cells})
    cols = sorted({c for _, c in cells})
    row_at = {r: i for i, r in enumerate(rows)}
    col_at = {c: i for i, c in enumerate(cols)}
    merged: set[tuple[int, int]] = set()
    for rng in sheet.merged_cells.ranges:
        top, left = rng.min_row - 1, rng.min_col - 1
        text = cells.get((top, left), "")
        covered_rows = rows[bisect_left(rows, top) : bisect_left(rows, rng.max_row)]
        covered_cols = cols[bisect_left(cols, left) : bisect_left(cols, rng.max_col)]
        for r in covered_rows:
            for c in covered_cols:
                if (r, c) != (top, left):
                    cells[(r, c)] = text
                    merged.add((row_at[r], col_at[c]))
    grid = [[cells.get((r, c), "") for c in cols] for r in rows]
    return grid, merged


def _stored_cells(sheet):
    """The cells the file stores, without materialising the empty ones in between."""
    stored = getattr(sheet, "_cells", None)
    if isinstance(stored, dict):
        return list(stored.values())
    return [cell for row in sheet.iter_rows() for cell in row]


def render_value(value: object, number_format: str = "General") -> str:
    """A cell value as text, numbers as written (see the module docstring)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return render_number(value, number_format)
    return str(value)


def render_number(value: float, number_format: str = "General") -> str:
    """A number as its cell shows it: decimals, percent, thousands and literal text (`0.00"万元"`) of the format."""
    fmt = (number_format or "General").split(";")[0]
    fmt = re.sub(r"\[[^\]]*\]", "", fmt)  # colours and conditions: [Red], [>=100]
    prefix, fmt, suffix = _literals(fmt)
    return prefix + _render_core(value, fmt) + suffix


def _literals(fmt: str) -> tuple[str, str, str]:
    """(text before the number, the number's format, text after it) of a number format."""
    pieces = re.findall(r'"([^"]*)"|\\(.)|(_.|\*.)|([^"\\_*]+)', fmt)
    before, core, after = [], [], []
    for quoted, escaped, _padding, plain in pieces:
        literal = quoted or escaped
        target = after if core else before
        if literal:
            target.append(literal)
        elif plain:
            if re.search(r"[0#?]", plain) or plain.strip().lower() == "general":
                core.append(plain)
            else:
                target.append(plain)
    return "".join(before), "".join(core) or "General", "".join(after)


def _render_core(value: float, fmt: str) -> str:
    percent = "%" in fmt
    number = value * 100 if percent else value
    decimals = _DECIMALS.search(fmt)
    if decimals or re.search(r"(?<![.\d])0%?$|#,##0%?$", fmt.strip()):
        places = len(decimals.group(1)) if decimals else 0
        text = f"{number:,.{places}f}" if "," in fmt else f"{number:.{places}f}"
    else:
        text = _plain(number)
    return text + "%" if percent else text


def _plain(number: float) -> str:
    """The shortest decimal of the number at 15 significant digits, never in exponent form."""
    if isinstance(number, int) or float(number).is_integer():
        return str(int(number))
    text = f"{number:.{_SIGNIFICANT}g}"
    if "e" in text:
        text = f"{number:.{_SIGNIFICANT}f}".rstrip("0").rstrip(".")
    return text
