"""Flattened tables recovered from the real documents that show each shape.

The documents are named, with the shape they show, never quoted: every expectation below is
derived from the document's own raw lines at test time (a row's cells as the raw line gives
them), so nothing of their text enters the repository.
"""

from __future__ import annotations

import re

import pytest

from pipeline.ingest import txt
from pipeline.ingest.clean import clean_str
from pipeline.ingest.decode import decode_text
from pipeline.ingest.layout import HEADER_CELL, header_kinds, is_value
from pipeline.schema import Block, Document

pytestmark = pytest.mark.corpus

# shape → {document: what it looks like}
SHAPES: dict[str, dict[str, str]] = {
    "pipe": {
        "corpus/c004.txt": "self-evaluation table, one row per line, ` | ` cells padded by `|` runs; a row broken over two lines",
        "corpus/c011.txt": "target declaration table, one row per line padded to 7 pipes, page metadata rows above it",
        "corpus/c020.txt": "self-evaluation table exported one cell per line (`text |`), rows closed by `||…` padding lines",
        "corpus/c032.txt": "transfer-payment self-evaluation table, rows of 8 pipes, two rows broken over two lines",
        "corpus/c035.txt": "target table one cell per line after a numbered prose introduction",
    },
    "cell_lines": {
        "corpus/c010.txt": "department self-evaluation table, one cell per line between blank lines, header cells wrapped",
        "corpus/c016.txt": "regional self-evaluation table, one cell per line between blank lines, indicator records",
        "corpus/c034.txt": "transfer-payment table, one cell per line between blank lines, funds then indicators",
        "corpus/c039.txt": "target declaration table, one cell per line between blank lines, 5-column indicator grid",
    },
    "grid": {
        "corpus/c015.txt": "spreadsheet preview: header and indicator rows separated by spaces, level-2 labels merged",
        "seeds/002_47f93f5bc22d6461.txt": "a sign-off list of two tab-separated columns, one row per line",
    },
    "series": {
        "seeds/001_70d2fb4dfce1c169.txt": "chart data from Word: k category labels then k values on one tab-separated line",
    },
    "label_values": {
        "seeds/004_b10681fc8d1fbec0.txt": "PDF text: indicator label on one line, `target actual weight score` on the next",
    },
    "tab_cells": {
        "seeds/000_1e752f6eb866e815.txt": "Word table as text: each cell a tab-indented line, rows between blank lines (a sign-off list)",
        "seeds/001_70d2fb4dfce1c169.txt": "two Word tables as tab-indented cells, some cells continued on unindented lines",
        "seeds/003_7ca4d67bc1447eb1.txt": "four project target tables as tab-indented cells, empty cells as lone tabs",
    },
}
# documents where a partial table is also recovered (page metadata, chart data, broken rows)
ALSO_TABLES = {"corpus/c012.txt", "corpus/c013.txt"}

VALUE = re.compile(r"^[<>≥≤=]*\d+(?:\.\d+)?%?$")
SPACE = re.compile(r"\s+")


@pytest.fixture(scope="module")
def parsed(real_documents) -> dict[str, tuple[str, Document]]:
    out = {}
    for real in real_documents:
        data = real.path.read_bytes()
        out[real.name] = (decode_text(data), txt.read(real.path, data))
    return out


def recovered(doc: Document) -> list[Block]:
    return [b for b in doc.blocks if b.kind == "table" and b.recovered]


def row_texts(doc: Document) -> list[list[str]]:
    return [[c.text for c in row] for b in recovered(doc) for row in b.rows]


def raw_lines(raw: str) -> list[str]:
    return [clean_str(line).strip() for line in raw.split("\n")]


def test_tables_only_where_expected(parsed) -> None:
    expected = {name for docs in SHAPES.values() for name in docs} | ALSO_TABLES
    unexpected = {name for name, (_, doc) in parsed.items() if recovered(doc) and name not in expected}
    missing = {name for docs in SHAPES.values() for name in docs if not recovered(parsed[name][1])}
    assert unexpected == set(), "prose turned into a table"
    assert missing == set()


@pytest.mark.parametrize("name", sorted(SHAPES["pipe"]))
def test_pipe_rows(parsed, name: str) -> None:
    raw, doc = parsed[name]
    rows = row_texts(doc)
    assert len(rows) >= 10 and sum(len(r) >= 3 for r in rows) >= 5
    cells = {c for row in rows for c in row}
    misses = 0
    for line in raw_lines(raw):
        if "|" not in line:
            continue
        parts = line.split("|")
        # the cells this line closes (its first part may continue a cell of the line before)
        for part in parts[1:-1]:
            if part.strip() and part.strip() not in cells:
                misses += 1
        # a line with two closed cells or more: they are neighbours in one recovered row
        closed = [p.strip() for p in parts[:-1] if p.strip()]
        if len(closed) >= 2 and not any(_contains_run(row, closed[1:]) for row in rows):
            misses += 1
    assert misses == 0


def _contains_run(row: list[str], run: list[str]) -> bool:
    present = [c for c in row if c]
    return any(present[i : i + len(run)] == run for i in range(len(present) - len(run) + 1))


@pytest.mark.parametrize("name", sorted(SHAPES["cell_lines"]))
def test_cell_lines(parsed, name: str) -> None:
    raw, doc = parsed[name]
    tables = [b for b in recovered(doc) if len(b.rows) >= 3]
    assert tables
    lines = [s for s in raw_lines(raw) if s]
    for table in tables:
        header = [c.text for c in table.rows[0]]
        assert len(header) >= 3 and all(HEADER_CELL.match(h) for h in header)
        width = len(header)
        kinds = header_kinds(header)
        records = [[c.text for c in row] for row in table.rows[1:]]
        if kinds is None:
            # records are at least as wide as the header (a row label may stand left of it), values last
            full = [r for r in records if len(r) >= width and r[-1] and r[-2]]
            assert len(full) >= 2
        else:
            # cut by the header's columns: labels under the label columns, values under the value
            # columns, a blank text column (偏差原因) at the end may be left out
            first_value = next(c for c, k in enumerate(kinds) if k not in ("label", None))
            short = 1 if kinds[-1] == "text" else 0
            full = [r for r in records if len(r) >= width - short and any(is_value(c) for c in r[first_value:])]
            assert full and all(not is_value(c) for r in full for c in r[:first_value] if c)
        # every cell is a whole line of the document (or lines joined), in the document's order
        pos = misses = 0
        for cell in (c for r in records for c in r if c):
            at = next((k for k in range(pos, len(lines)) if lines[k] and lines[k] in cell), None)
            if at is None:
                misses += 1
            else:
                pos = at + 1
        assert misses == 0


@pytest.mark.parametrize("name", sorted(SHAPES["grid"]))
def test_grid_rows(parsed, name: str) -> None:
    raw, doc = parsed[name]
    rows = row_texts(doc)
    found = misses = 0
    for line in raw_lines(raw):
        if "\t" in line:
            found += 1
            misses += [c.strip() for c in line.split("\t")] not in rows
            continue
        tokens = line.split()
        if len(tokens) >= 3 and all(VALUE.match(t) for t in tokens[-2:]) and not VALUE.match(tokens[0]):
            found += 1
            # the line's values end a row, after the line's own label
            if not any(r[-2:] == tokens[-2:] and tokens[-3] in r[-3] for r in rows):
                misses += 1
    assert found >= 5
    assert misses == 0
    widths = {len(r) for r in rows}
    assert len(widths) == 1, "every row padded to the header's width"


@pytest.mark.parametrize("name", sorted(SHAPES["label_values"]))
def test_label_values(parsed, name: str) -> None:
    raw, doc = parsed[name]
    rows = row_texts(doc)
    lines = [s for s in raw_lines(raw) if s]
    found = misses = 0
    for prev, line in zip(lines, lines[1:]):
        tokens = line.split()
        # a line of values only: target, actual, weight, score (the last two numbers)
        if (
            len(tokens) == 4
            and all(VALUE.match(t) for t in tokens[2:])
            and not any(VALUE.match(t) for t in prev.split())
        ):
            found += 1
            label = SPACE.sub("", prev)
            if not any(r[-4:] == tokens and SPACE.sub("", r[-5]).endswith(label) for r in rows if len(r) >= 5):
                misses += 1
    assert found >= 20
    assert misses == 0
    header = rows[0]
    assert all(HEADER_CELL.match(h) for h in header)
    assert all(len(r) == len(header) for r in rows)


@pytest.mark.parametrize("name", sorted(SHAPES["tab_cells"]))
def test_tab_cells(parsed, name: str) -> None:
    raw, doc = parsed[name]
    tables = [b for b in recovered(doc) if any(len(r) >= 2 for r in b.rows)]
    rows = [[c.text for c in row if c.text] for b in tables for row in b.rows]
    # the document's own rows: runs of tab-indented lines between blank lines
    groups: list[list[str]] = []
    current: list[str] = []
    for line in raw.split("\n"):
        if line.startswith("\t"):
            current.append(clean_str(line).strip())
        elif not line.strip() and current:
            groups.append(current)
            current = []
    groups.append(current)
    found = misses = 0
    for group in groups:
        opened = [c for c in group if c]
        if len(group) < 2 or len(opened) < 2:
            continue
        found += 1
        # each cell of the row starts with what its tab line says (unindented lines may continue it)
        if not any(len(r) == len(opened) and all(a.startswith(b) for a, b in zip(r, opened)) for r in rows):
            misses += 1
    assert found >= 5
    assert misses == 0


@pytest.mark.parametrize("name", sorted(SHAPES["series"]))
def test_series(parsed, name: str) -> None:
    raw, doc = parsed[name]
    tables = [[[c.text for c in row] for row in b.rows] for b in recovered(doc) if len(b.rows) == 2]
    found = misses = 0
    for line in raw_lines(raw):
        cells = [c.strip() for c in line.split("\t")]
        k = len(cells) // 2
        if "\t" in line and len(cells) % 2 == 0 and k >= 2 and all(VALUE.match(c) for c in cells[k:]):
            found += 1
            misses += [cells[:k], cells[k:]] not in tables
    assert found >= 5
    assert misses == 0
