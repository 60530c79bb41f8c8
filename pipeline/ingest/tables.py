"""Tidy a table grid before it is laid out: drop empty rows and columns, keep merge marks right."""

from __future__ import annotations

Grid = list[list[str]]


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
