"""Inline cleaning: each artifact removed or rewritten, every kept character keeps its raw offset."""

from __future__ import annotations

import pytest

from pipeline.ingest.clean import clean_inline, clean_str, latex_to_text
from pipeline.ingest.offsets import MappedText

# (raw, cleaned): all strings are ours
CASES = [
    ("[bookmark: _Toc101]一、单位概况", "一、单位概况"),
    ("[bookmark: _Toc1][bookmark: _Toc22][bookmark: OLE_LINK3] 二、收支情况", " 二、收支情况"),
    ("[bookmark: _GoBack]本年收入88.1万元", "本年收入88.1万元"),
    ("一、单位职责 PAGEREF _Toc5512 \\h 3", "一、单位职责  3"),
    ("{ PAGEREF _Toc5512 \\h }4", "4"),
    ('{ TOC \\o "1-3" \\h \\z \\u }第一部分', "第一部分"),
    ('HYPERLINK \\l "_Toc778" 三、绩效目标', " 三、绩效目标"),
    ("收入\u200b合计\ufeff", "收入合计"),
    ("甲\x07乙\x1f丙", "甲乙丙"),
    ("单位\u00a0名称\u3000测试", "单位 名称 测试"),
    ("满意度 $\\geq 90\\%$ 。", "满意度 ≥90% 。"),
    ("得分 $70 \\leq$ 得分", "得分 70≤ 得分"),
    ("误差$\\le 5\\%$", "误差≤5%"),
    ("覆盖率$\\geqslant 98\\%$", "覆盖率≥98%"),
    ("超支$\\leqslant 2$万元", "超支≤2万元"),
    ("面积$3 \\times 4$", "面积3×4"),
    ("$\\text{合格率}\\ge 95\\%$", "合格率≥95%"),
    ("面积12$m^{2}$", "面积12m²"),
    ("区间$10\\sim 20$天", "区间10~20天"),
    ("偏差$\\pm 3\\%$", "偏差±3%"),
    ("完成率 \\% 以上", "完成率 % 以上"),
    ("人数 \\geq 300 人", "人数 ≥ 300 人"),
    ("残留$符号", "残留符号"),
    ("价格$100", "价格$100"),
    ("金额１２３．５万元，占比９８％", "金额123.5万元，占比98%"),
    ("ＡＢＣ＝ａｂｃ＋１－２＜３＞０", "ABC=abc+1-2<3>0"),
    ("标点保持：“甲”（乙）；丙。", "标点保持：“甲”（乙）；丙。"),
    ("第一行\r\n第二行\r第三行\x0c第四行", "第一行\n第二行\n第三行\n第四行"),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_clean_str(raw: str, expected: str) -> None:
    assert clean_str(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_clean_inline_keeps_offsets(raw: str, expected: str) -> None:
    cleaned = clean_inline(MappedText.raw(raw, 1000))
    assert cleaned.text == expected
    assert len(cleaned.origin) == len(cleaned.text)
    assert all(1000 <= o < 1000 + len(raw) for o in cleaned.origin)
    assert cleaned.origin == sorted(cleaned.origin), "cleaning never reorders characters"
    # a character that cleaning did not rewrite points at itself in the raw text
    unchanged = [(c, o) for c, o in zip(cleaned.text, cleaned.origin) if c in raw and not c.isspace()]
    wrong = [(c, o) for c, o in unchanged if raw[o - 1000] != c and c not in "%$≥≤×~±"]
    assert not wrong


def test_latex_split_by_a_line_wrap_is_rejoined() -> None:
    # a converter wrapped the formula inside the command name: $60 \le⏎q$
    raw = "等级：$60 \\le\nq$ 得分 < 75"
    assert clean_str(raw) == "等级：60≤ 得分 < 75"
    cleaned = clean_inline(MappedText.raw(raw))
    assert cleaned.text == clean_str(raw)
    assert raw[cleaned.origin[cleaned.text.index("得")]] == "得"


def test_math_spanning_a_paragraph_break_is_not_taken() -> None:
    raw = "价格$5\n\n另一段$落"
    assert "\n\n" in clean_str(raw)


@pytest.mark.parametrize(
    ("math", "plain"),
    [("\\geq 90\\%", "≥90%"), ("\\leq", "≤"), ("a \\times b", "a×b"), ("x^{3}", "x³"), ("10^{-6}", "10-6")],
)
def test_latex_to_text(math: str, plain: str) -> None:
    assert latex_to_text(math) == plain


def test_clean_is_idempotent() -> None:
    for raw, _ in CASES:
        once = clean_str(raw)
        assert clean_str(once) == once


# --- properties over generated text -----------------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PIECES = st.sampled_from(
    [
        "示范", "单位", "收入", "，", "。", "（", "）", "“", "”", " ", "\n", "\r\n", "\t", "\u3000", "\u00a0",
        "\u200b", "\ufeff", "[bookmark: _Toc9]", "PAGEREF _Toc9 \\h", '{ TOC \\o "1-3" \\h }', "$\\geq 90\\%$",
        "$\\le", "q$", "\\%", "\\times", "$", "１２", "％", "．", "Ａｂ", "12.5", "万元", "|", "a", "\\", "{", "}",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_cleaning_properties(raw: str) -> None:
    cleaned = clean_inline(MappedText.raw(raw))
    assert cleaned.text == clean_str(raw)
    assert len(cleaned.origin) == len(cleaned.text)
    assert all(0 <= o < len(raw) for o in cleaned.origin)
    assert cleaned.origin == sorted(cleaned.origin)
    assert "[bookmark" not in cleaned.text and "\r" not in cleaned.text and "\u200b" not in cleaned.text
    # Chinese characters are never rewritten: each one points at itself
    for ch, o in zip(cleaned.text, cleaned.origin):
        if "\u4e00" <= ch <= "\u9fff":
            assert raw[o] == ch
