"""Fuzzing of the text stages: cleaning, the numbers grammar, table recovery.

Inputs are random text built from the characters these stages care about (digits, Chinese
numerals, units, full-width forms, LaTeX, field codes, separators, invisibles) mixed with any
Unicode, plus mutations of a realistic line. Properties: no exception, offsets stay honest
(every span slices back to its text), no example longer than JIXIAO_FUZZ_SECONDS.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzzing import FUZZ, alarm, mutate, mutations
from hypothesis import given
from hypothesis import strategies as st

from pipeline.extract.numbers import find_quantities, parse_value
from pipeline.ingest.clean import clean_inline
from pipeline.ingest.layout import lines_to_blocks
from pipeline.ingest.offsets import MappedText

ALPHABET = (
    "0123456789.,，。:：;；%％‰-—–~～至到(（)）[]【】<>《》≥≤＞＜=+±*/×÷ \t\u3000\u00a0\u200b\ufeff\r\n|｜"
    "〇一二三四五六七八九十百千万亿零壹贰叁肆伍陆柒捌玖拾佰仟元万元亿元人次个项天年月日分优良中差是否"
    "ＡＢ０１２３$\\{}^_fracdisplaystyle"
)
TOKENS = [
    "万元", "亿元", "元", "%", "个百分点", "人次", "≥", "≤", "不低于", "不超过", "约", "共计", "合计", "其中",
    "\\frac{1}{2}", "$x$", "{ PAGE }", "MERGEFORMAT", "①", "（一）", "1.", "2025年", "12月31日", "86.40", "1,234.56",
    "1.2e5", "三千五百万", "百分之九十", "—", "|", "\t", "\n", "  ", "表1", "项目名称", "绩效指标", "目标值", "实际值",
]  # fmt: skip
text = st.lists(
    st.one_of(st.text(alphabet=ALPHABET, max_size=12), st.sampled_from(TOKENS), st.text(max_size=6)), max_size=60
).map("".join)
LINE = "产出指标：完成培训≥400人次，实际完成436人次，年初预算86.40万元，执行率98.6%，较上年增长3个百分点。"
mutated_line = mutations.map(lambda steps: mutate(LINE.encode("utf-8"), steps).decode("utf-8", errors="replace"))
any_text = st.one_of(text, mutated_line)


def honest(mapped: MappedText, raw: str) -> None:
    assert len(mapped.origin) == len(mapped.text)
    assert all(0 <= o < max(len(raw), 1) for o in mapped.origin)


@pytest.mark.slow
@FUZZ
@given(raw=any_text)
def test_clean_inline(raw):
    with alarm():
        cleaned = clean_inline(MappedText.raw(raw))
    honest(cleaned, raw)


@pytest.mark.slow
@FUZZ
@given(source=any_text, bare=st.booleans(), qualitative=st.booleans())
def test_find_quantities(source, bare, qualitative):
    with alarm():
        found = find_quantities(source, bare=bare, qualitative=qualitative)
    last = 0
    for q in found:
        assert 0 <= q.start < q.end <= len(source) and source[q.start : q.end] == q.text
        assert q.start >= last - len(q.text)  # in order (overlaps allowed only within a quantity)
        last = q.start


@pytest.mark.slow
@FUZZ
@given(value=any_text, unit=st.one_of(st.none(), st.sampled_from(["万元", "元", "%", "人次", "个", "天", "", "亿元", "分"])),
       free=st.booleans())  # fmt: skip
def test_parse_value(value, unit, free):
    with alarm():
        parse_value(value, unit=unit, free_qualitative=free)


@pytest.mark.slow
@FUZZ
@given(lines=st.lists(any_text.map(lambda s: s.replace("\n", " ").replace("\r", " ")), max_size=40))
def test_lines_to_blocks(lines):
    raw = "\n".join(lines)
    mapped, pos = [], 0
    for line in lines:
        mapped.append(MappedText.raw(line, pos))
        pos += len(line) + 1
    with alarm():
        blocks = lines_to_blocks(mapped)
    for block in blocks:
        pieces = [block.text] if block.text is not None else [cell for row in block.rows for cell in row]
        for piece in pieces:
            honest(piece, raw)


HEADER_WORDS = ["指标名称", "一级指标", "二级指标", "三级指标", "年度指标值", "目标值", "实际完成值", "实际值", "分值", "得分",
                "预算数", "执行数", "执行率", "全年预算数", "全年执行数", "偏差原因", "单位：万元", "计量单位", "指标性质"]  # fmt: skip
cell = st.one_of(st.sampled_from(HEADER_WORDS), any_text.map(lambda s: s.replace("\n", " ").replace("\r", " ")[:40]))


@pytest.mark.slow
@FUZZ
@given(grid=st.integers(1, 7).flatmap(lambda cols: st.lists(st.lists(cell, min_size=cols, max_size=cols), min_size=1, max_size=8)),
       context=st.one_of(st.just(""), st.sampled_from(["单位：万元", "金额单位：元", "（单位：亿元）"]), text))  # fmt: skip
def test_read_table(grid, context):
    """Table interpretation over any grid: no exception, every mention slices back to the document."""
    from pipeline.extract.tables import read_table
    from pipeline.ingest.builder import DocumentBuilder

    builder = DocumentBuilder()
    if builder.add_table(grid) is None:
        return
    doc = builder.build(path=Path("fuzz.txt"), data=repr(grid).encode(), fmt="txt")
    with alarm():
        reading = read_table(doc.blocks[0], context=context)
    for m in reading.mentions:
        assert 0 <= m.start <= m.end <= len(doc.text)
