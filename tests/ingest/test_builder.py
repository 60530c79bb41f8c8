"""DocumentBuilder keeps offsets honest and merged marks on the right cells."""

from __future__ import annotations

from pathlib import Path

from pipeline.ingest.builder import DocumentBuilder


def test_offsets_and_merged_marks_survive_dropped_empty_rows():
    b = DocumentBuilder()
    b.add_text("heading", "一、概况", level=1)
    b.add_table([["", ""], ["产出指标", "数量"], ["产出指标", "质量"]], merged={(2, 0)})
    doc = b.build(path=Path("x.txt"), data=b"x", fmt="txt")
    table = doc.blocks[1]
    assert len(table.rows) == 2
    assert [c.merged for c in table.rows[1]] == [True, False] and not any(c.merged for c in table.rows[0])
    for row in table.rows:
        for cell in row:
            assert doc.text[cell.start : cell.end] == cell.text
    assert doc.text[doc.blocks[0].start : doc.blocks[0].end] == "一、概况"
