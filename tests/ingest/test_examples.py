"""The shipped examples (examples/, made by scripts/make_examples.py) read as intended."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest import read_document

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# example → (format, number of tables at least, a text it must contain)
EXPECTED = {
    "青石县文化馆_2025_部门整体支出绩效自评报告.txt": ("txt", 0, "预算执行率93.14%"),
    "云岭县总工会_2025_项目支出绩效自评表.docx": ("docx", 2, "培训考核合格率"),
    "青石县文化馆_2025_部门决算说明.pdf": ("pdf", 1, "本年支出合计291.02万元"),
    "青石县文化馆_2025_免费开放项目绩效自评.html": ("html", 1, "预算执行率96.35%"),
    "云岭县总工会_2026_绩效目标表.xlsx": ("xlsx", 2, "疗休养职工人数"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_reads(name):
    path = EXAMPLES / name
    assert path.stat().st_size < 100_000
    fmt, tables, needle = EXPECTED[name]
    doc = read_document(path)
    assert doc.source.format == fmt
    assert sum(b.kind == "table" for b in doc.blocks) >= tables
    assert needle in doc.text
    for block in doc.blocks:
        for row in block.rows:
            for cell in row:
                assert doc.text[cell.start : cell.end] == cell.text


def test_examples_are_only_documents():
    # `jixiao extract examples/` reads every file in the folder (the OCR helper adds scanned*)
    documents = {".txt", ".docx", ".pdf", ".html", ".xlsx", ".png", ".jpg", ".tif", ".tiff"}
    others = sorted(p.name for p in EXAMPLES.iterdir() if p.is_file() and p.suffix not in documents)
    assert not others, f"{others} would be read as documents by `make demo`; keep generators in scripts/"
