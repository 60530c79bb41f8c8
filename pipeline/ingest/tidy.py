"""Tidy the pieces the structured readers (docx, pdf, html, xlsx) lay out.

`clean_piece` cleans a paragraph or cell (`clean.clean_str`) and strips it, `join_lines`
joins the lines of a wrapped cell or sentence, `compact` drops empty rows and columns of
a table grid.
"""

from __future__ import annotations

from pipeline.ingest.clean import clean_str

Grid = list[list[str]]


def clean_piece(text: str) -> str:
    """A paragraph or cell cleaned of conversion debris, without surrounding whitespace."""
    return clean_str(text).strip()


def compact(rows: Grid, merged: set[tuple[int, int]] | None = None) -> tuple[Grid, set[tuple[int, int]]]:
    """Rows padded to one width, without rows or columns whose cells are all blank.

    `merged` holds (row, col) of cells that copy a merged cell; it is re-indexed to match.
    """
    merged = merged or set()
    width = max((len(r) for r in rows), default=0)
    padded = [list(r) + [""] * (width - len(r)) for r in rows]
    keep_rows = [i for i, r in enumerate(padded) if any(c.strip() for c in r)]
    keep_cols = [j for j in range(width) if any(padded[i][j].strip() for i in keep_rows)]
    row_index = {old: new for new, old in enumerate(keep_rows)}
    col_index = {old: new for new, old in enumerate(keep_cols)}
    grid = [[padded[i][j] for j in keep_cols] for i in keep_rows]
    remapped = {(row_index[i], col_index[j]) for i, j in merged if i in row_index and j in col_index}
    return grid, remapped


def join_lines(lines: list[str]) -> str:
    """Lines of one cell (or one wrapped sentence) as one string.

    Nothing goes between the pieces (Chinese and numbers wrapped in a narrow cell rejoin:
    年度 / 指标值, 12345 / 6.78) except a space between two Latin words.
    """
    out = ""
    for part in (line.strip() for line in lines):
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalpha() and part[0].isascii() and part[0].isalpha():
            out += " "
        out += part
    return out
