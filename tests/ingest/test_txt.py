"""The plain-text reader: decoding, cleaning, structure, and offsets that stay honest.

The real-document tests count errors over every corpus and seed document (never their text).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.annotate.format import project
from pipeline.ingest import txt
from pipeline.ingest.clean import clean_str
from pipeline.ingest.decode import decode_text
from pipeline.ingest.layout import HEADING_STYLES, INNER_PUNCT, MAX_HEADING_CHARS
from pipeline.ingest.numbering import match_numbering
from pipeline.ingest.offsets import clean_to_raw
from pipeline.schema import Document

# what tables and line joins may change: whitespace and the pipes of flattened rows
LAYOUT_CHARS = re.compile(r"[\s|]+")
SENTENCE = re.compile(r"[^。；\n]{4,80}[。；]?")


def read_bytes(data: bytes, name: str = "sample.txt") -> Document:
    return txt.read(Path(name), data)


def assert_blocks_honest(doc: Document) -> int:
    """Every block and cell text equals doc.text[start:end]; returns the number of spans checked."""
    checked = 0
    for b in doc.blocks:
        assert 0 <= b.start <= b.end <= len(doc.text)
        for row in b.rows:
            for cell in row:
                assert doc.text[cell.start : cell.end] == cell.text
                checked += 1
        checked += 1
    return checked


SAMPLE = (
    "\ufeff[bookmark: _Toc11]第一部分 示范单位概况\r\n"
    "一、主要职责 PAGEREF _Toc11 \\h 3\r\n"
    "本单位年度预算１２０．５万元，满意度 $\\geq 90\\%$ 。\r\n"
    "\r\n"
    "项目 | 预算数 | 执行数 | |\r\n"
    "办公经费 | 12.5 | 11.8 | |\r\n"
    "差旅经费 | 6.0 | 5.2 | |\r\n"
)


def test_sample_is_cleaned_and_structured() -> None:
    doc = read_bytes(SAMPLE.encode("utf-8"))
    assert doc.source.format == "txt"
    assert "[bookmark" not in doc.text and "PAGEREF" not in doc.text and "\r" not in doc.text
    assert "120.5万元" in doc.text and "≥90%" in doc.text
    kinds = [b.kind for b in doc.blocks]
    assert kinds == ["heading", "heading", "paragraph", "table"]
    assert [[c.text for c in row] for row in doc.blocks[-1].rows] == [
        ["项目", "预算数", "执行数"],
        ["办公经费", "12.5", "11.8"],
        ["差旅经费", "6.0", "5.2"],
    ]
    assert doc.blocks[-1].recovered
    assert_blocks_honest(doc)


def test_offsets_point_into_the_raw_text() -> None:
    data = SAMPLE.encode("utf-8")
    raw = decode_text(data)
    doc = read_bytes(data)
    for i, ch in enumerate(doc.text):
        if ch.isspace() or ch in "≥%.0123456789":
            continue  # separators and rewritten characters
        assert raw[clean_to_raw(doc.offset_map, i)] == ch
    # a raw span projects onto the same words in the cleaned text
    start = raw.index("差旅经费")
    cs, ce = project(doc, start, start + 4)
    assert doc.text[cs:ce] == "差旅经费"
    start = raw.index("主要职责")
    cs, ce = project(doc, start, raw.index(" PAGEREF"))
    assert doc.text[cs:ce] == "主要职责"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_encodings(encoding: str) -> None:
    text = "一、示范单位概况\n本单位主要负责示范性的公共服务工作，全年预算八十万元。\n"
    doc = read_bytes(text.encode(encoding))
    assert [b.kind for b in doc.blocks] == ["heading", "paragraph"]
    assert doc.text == text.strip()


def test_line_endings() -> None:
    for sep in ("\n", "\r\n", "\r"):
        doc = read_bytes(sep.join(["一、概况", "示范文字第一行。", "示范文字第二行。"]).encode())
        assert doc.text == "一、概况\n示范文字第一行。\n示范文字第二行。"


def test_markdown_by_extension() -> None:
    doc = read_bytes("# 示范标题\n\n正文。\n".encode(), name="sample.md")
    assert doc.source.format == "md"


# --- real documents ------------------------------------------------------------------------------
@pytest.mark.corpus
def test_real_documents_offsets_are_honest(real_documents) -> None:
    errors: dict[str, int] = {}
    spans = checked_sentences = 0
    for real in real_documents:
        data = real.path.read_bytes()
        raw = decode_text(data)
        doc = txt.read(real.path, data)
        spans += assert_blocks_honest(doc)
        bad = 0
        for debris in ("[bookmark:", "PAGEREF", "$\\", "\\geq", "\\leq", "\r"):
            bad += doc.text.count(debris)
        # nothing kept is lost or reordered: the cleaned text is the cleaned raw text, up to layout
        if LAYOUT_CHARS.sub("", doc.text) != LAYOUT_CHARS.sub("", clean_str(raw)):
            bad += 1
        # every sentence-sized raw span projects onto the same characters
        for m in SENTENCE.finditer(raw):
            cs, ce = project(doc, *m.span())
            checked_sentences += 1
            if LAYOUT_CHARS.sub("", doc.text[cs:ce]) != LAYOUT_CHARS.sub("", clean_str(m.group())):
                bad += 1
        if bad:
            errors[real.name] = bad
    assert spans > 1000 and checked_sentences > 1000
    assert errors == {}


def _heading_lines(raw: str) -> list[int]:
    """Raw offsets of the lines that read as headings (numbered, short, no inner punctuation)."""
    out = []
    pos = 0
    for line in raw.split("\n"):
        s = clean_str(line).strip()
        m = match_numbering(s)
        if (
            m is not None
            and m.style in HEADING_STYLES
            and len(s) <= MAX_HEADING_CHARS
            and INNER_PUNCT.search(s.rstrip("。:：")) is None
        ):
            out.append(pos + len(line) - len(line.lstrip()))
        pos += len(line) + 1
    return out


@pytest.mark.corpus
def test_seed_hard_wraps(real_documents) -> None:
    """Counted over the seeds: headings never joined into a paragraph; wrapped lines joined."""
    joined_into = 0
    joins = 0
    for real in (d for d in real_documents if d.name.startswith("seeds/")):
        data = real.path.read_bytes()
        raw = decode_text(data)
        doc = txt.read(real.path, data)
        starts = {b.start for b in doc.blocks}
        for offset in _heading_lines(raw):
            cs, _ = project(doc, offset, offset + 1)
            block = next(b for b in doc.blocks if b.start <= cs < max(b.end, b.start + 1))
            if cs not in starts or block.kind == "paragraph":
                joined_into += 1
        for b in doc.blocks:
            if b.kind != "table":
                joins += raw.count("\n", clean_to_raw(doc.offset_map, b.start), clean_to_raw(doc.offset_map, b.end))
    assert joined_into == 0
    assert joins >= 20, "the PDF-converted seeds have lines wrapped at the page edge"
