"""Sentence segmentation: terminals split, brackets, quotes, numbers and table cells do not."""

from __future__ import annotations

import re

import pytest
from text.sample import REPORT

from pipeline.ingest import read_document
from pipeline.schema import Block, Cell, Document, Source
from pipeline.text.sentences import OPENERS, segment, split_text


def _split(text: str) -> list[str]:
    return [text[s:e] for s, e in split_text(text, 0, len(text))]


def test_terminals_split_and_closers_stay():
    assert _split("第一句。第二句！第三句？第四句；尾巴") == ["第一句。", "第二句！", "第三句？", "第四句；", "尾巴"]
    assert _split("他说：“完成了。”然后离开。") == ["他说：“完成了。”然后离开。"]


def test_no_split_inside_brackets_quotes_and_document_numbers():
    text = "根据《关于印发办法的通知。》（青财监﹝2026﹞1号；附件略）要求执行。下一句。"
    assert _split(text) == ["根据《关于印发办法的通知。》（青财监﹝2026﹞1号；附件略）要求执行。", "下一句。"]


def test_no_split_inside_numbers():
    assert _split("执行率3.5%;比例1;2不拆。完") == ["执行率3.5%;", "比例1;2不拆。", "完"]
    assert _split("增长12.5个百分点。下降0.3。") == ["增长12.5个百分点。", "下降0.3。"]


def test_line_breaks():
    # a line that ends a clause is a boundary; a wrapped line is not
    assert _split("标题：\n内容第一行没有标点\n继续。") == ["标题：", "内容第一行没有标点\n继续。"]
    # an unclosed bracket does not swallow the next lines
    parts = _split("（未闭合：\n下一行。再一句。")
    assert parts[-1] == "再一句。"


def _doc_with_table() -> Document:
    text = "前言一句。\n指标\t目标值。\t完成值\n培训人次\t≥300。\t326\n后记。"
    rows = []
    lines = text.split("\n")
    pos = len(lines[0]) + 1
    for r, line in enumerate(lines[1:3]):
        cells, col_start = [], pos
        for c, cell in enumerate(line.split("\t")):
            cells.append(Cell(text=cell, start=col_start, end=col_start + len(cell), row=r, col=c))
            col_start += len(cell) + 1
        rows.append(cells)
        pos += len(line) + 1
    blocks = [
        Block(kind="paragraph", start=0, end=len(lines[0])),
        Block(kind="table", start=rows[0][0].start, end=rows[-1][-1].end, rows=rows),
        Block(kind="paragraph", start=pos, end=len(text)),
    ]
    return Document(doc_id="0" * 64, source=Source(path="t.txt", format="txt"), text=text, blocks=blocks)


def test_each_table_row_is_one_unit():
    doc = _doc_with_table()
    got = [doc.text[s.start : s.end] for s in segment(doc)]
    assert got == ["前言一句。", "指标\t目标值。\t完成值", "培训人次\t≥300。\t326", "后记。"]


def boundary_errors(doc: Document) -> dict[str, int]:
    """Sentence ends that fall inside a number, a bracket pair of one line, or a table cell."""
    text = doc.text
    ends = [s.end for s in doc.sentences[:-1]]
    cells = [(c.start, c.end) for b in doc.blocks for row in b.rows for c in row]
    pairs = []
    for m in re.finditer(r"[^\n]+", text):
        stack = []
        for i in range(m.start(), m.end()):
            ch = text[i]
            if ch in OPENERS:
                stack.append((i, OPENERS[ch]))
            elif stack and ch == stack[-1][1]:
                pairs.append((stack.pop()[0], i))
    errors = {"number": 0, "bracket": 0, "cell": 0}
    for b in ends:
        if 0 < b < len(text) and text[b - 1].isdigit() and text[b] in ".．" or (
            0 < b < len(text) - 1 and text[b - 1] in ".．" and text[b].isdigit() and text[b - 2].isdigit()
        ):
            errors["number"] += 1
        errors["bracket"] += sum(1 for o, c in pairs if o < b <= c)
        errors["cell"] += sum(1 for s, e in cells if s < b < e)
    return errors


def test_boundaries_in_our_report(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text(REPORT, encoding="utf-8")
    doc = read_document(path)
    doc.sentences = segment(doc)
    assert len(doc.sentences) >= 25
    assert boundary_errors(doc) == {"number": 0, "bracket": 0, "cell": 0}
    texts = [doc.text[s.start : s.end] for s in doc.sentences]
    assert any("青财监﹝2026﹞1号" in t for t in texts)


@pytest.mark.corpus
def test_boundaries_in_the_real_documents(real_documents):
    totals = {"number": 0, "bracket": 0, "cell": 0}
    sentences = 0
    for real in real_documents:
        doc = read_document(real.path)
        doc.sentences = segment(doc)
        sentences += len(doc.sentences)
        for key, n in boundary_errors(doc).items():
            totals[key] += n
        # sentences are ordered, inside the text, non-empty and do not overlap
        last = 0
        for s in doc.sentences:
            assert last <= s.start < s.end <= len(doc.text)
            last = s.end
    assert sentences > 1000
    assert totals == {"number": 0, "bracket": 0, "cell": 0}
