"""Exports for spreadsheets: CSV whose cells cannot run as formulas.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some programs, a tab or
carriage return first) as a formula, so text copied from a hostile document could call out
(`=HYPERLINK(...)`, `=cmd|'/c calc'!A1`). Every such text cell is written with a leading `'`,
which spreadsheets show as text; numbers, and texts that are plain numbers (`-12.5`), are kept.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?%?")


def neutralise(value: object) -> object:
    """A cell value that a spreadsheet shows as text and never evaluates."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write a header and rows to `path` (UTF-8 with BOM, which Excel needs for Chinese); returns the row count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([neutralise(c) for c in columns])
        for row in rows:
            writer.writerow([neutralise(v) for v in row])
            n += 1
    return n
