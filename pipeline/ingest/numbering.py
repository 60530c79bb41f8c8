"""The numbering systems of Chinese government documents, as compiled patterns.

Headings and list items in these documents are numbered in a conventional hierarchy:
第一部分 › 一、 › （一） › 1. / 1、 › （1） / 1） › ①, with 附件1 / 附表2 for attachments,
表1 / …表 for tables and 目标1： / 任务1 for goal and task lists. `match_numbering` reads the
numbering at the start of a line (or, for table titles, the 表 at its end) and says which
system it belongs to, how deep that system usually sits, the number as written and its value.

The level hint is the conventional depth of the system (1 = top); documents skip levels, so
heading detection should rank the systems in the order a document uses them rather than trust
the hint alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

NumberingStyle = Literal[
    "part",  # 第一部分, 第三章, 第二节
    "cn",  # 一、 十二、 三.
    "cn_paren",  # （一） (二)
    "arabic",  # 1、 1. 1．
    "decimal",  # 1.1 2.3.1 (followed by a space or 、)
    "arabic_paren",  # （1） (1) 1） ⑴
    "circled",  # ① … ⑳
    "attachment",  # 附件 / 附件1 / 附件：
    "schedule",  # 附表 / 附表2
    "table",  # 表1 / 表一
    "table_title",  # a short line ending in 表 (收入支出决算总表)
    "goal",  # 目标1： / 任务1 / 任务一、
]

LEVEL_HINT: dict[str, int] = {
    "part": 1,
    "attachment": 1,
    "schedule": 1,
    "cn": 2,
    "cn_paren": 3,
    "arabic": 4,
    "decimal": 4,
    "arabic_paren": 5,
    "goal": 5,
    "circled": 6,
    "table": 2,
    "table_title": 2,
}

CN_DIGITS = "零〇一二三四五六七八九十百两"
_CN = f"[{CN_DIGITS}]{{1,5}}"
_DIGITS = "0-9０-９"
_NUM = f"[{_DIGITS}]{{1,3}}"
_OPEN = "[（(]"
_CLOSE = "[）)]"
_WS = r"[ \t\u3000\u00a0]*"

# The start of every pattern: optional indentation. Each pattern captures the marker as
# `mark` and the number as `num`; `end` of the whole match is where the title begins.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("part", re.compile(rf"{_WS}(?P<mark>第{_WS}(?P<num>{_CN}|{_NUM}){_WS}(?:部分|章|节|篇))[:：、．.]?{_WS}")),
    ("attachment", re.compile(rf"{_WS}(?P<mark>附件{_WS}(?P<num>{_NUM}|{_CN})?)(?:[:：、．.\-—]|{_WS}){_WS}")),
    ("schedule", re.compile(rf"{_WS}(?P<mark>附表{_WS}(?P<num>{_NUM}|{_CN})?)(?:[:：、．.\-—]|{_WS}){_WS}")),
    ("cn_paren", re.compile(rf"{_WS}(?P<mark>{_OPEN}{_WS}(?P<num>{_CN}){_WS}{_CLOSE})[、．.]?{_WS}")),
    ("cn", re.compile(rf"{_WS}(?P<mark>(?P<num>{_CN})[、．.](?![{_DIGITS}]))[、]?{_WS}")),
    ("arabic_paren", re.compile(rf"{_WS}(?P<mark>{_OPEN}{_WS}(?P<num>{_NUM}){_WS}{_CLOSE}|(?P<num2>{_NUM})[）)])[、．.]?{_WS}")),
    ("arabic_paren", re.compile(rf"{_WS}(?P<mark>(?P<circ>[\u2474-\u2487]))[、．.]?{_WS}")),
    (
        "decimal",
        re.compile(rf"{_WS}(?P<mark>(?P<num>{_NUM})(?:[.．]{_NUM}){{1,3}})[.．]?(?:[、 \t\u3000]{_WS})?(?=[\u4e00-\u9fff“《（(])(?![万亿元个人次%])"),
    ),
    ("arabic", re.compile(rf"{_WS}(?P<mark>(?P<num>{_NUM})(?:、|[.．](?![{_DIGITS}])))[、]?{_WS}")),
    ("circled", re.compile(rf"{_WS}(?P<mark>(?P<circ>[\u2460-\u2473]))[、．.]?{_WS}")),
    ("table", re.compile(rf"{_WS}(?P<mark>表{_WS}(?P<num>{_NUM}|{_CN})(?:[-—－]{_NUM})?)(?:[:：、．.]|{_WS})(?![{_DIGITS}]){_WS}")),
    (
        "goal",
        re.compile(rf"{_WS}(?P<mark>(?:目标|任务){_WS}(?:(?P<num>{_NUM})|(?P<num2>{_CN})(?=[:：、．.]))){_WS}[:：、．.]?{_WS}"),
    ),
]

# the first character of any numbering (a cheap test before the patterns)
_CAN_START = re.compile(rf"{_WS}[第附表目任（({_DIGITS}{CN_DIGITS}\u2460-\u2487]")

# a title that names a table: short, ends in 表 (optionally followed by a bracketed note such as
# （2024年度） or (单位：万元)), and has no sentence punctuation inside
TABLE_TITLE = re.compile(
    rf"^{_WS}(?P<title>[^。；;，,！？!?]{{2,48}}?表){_WS}(?:{_OPEN}[^（）()]{{1,20}}{_CLOSE})?{_WS}$"
)

_CN_VALUE = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True)
class Numbering:
    """The numbering that opens a line (or the 表 that ends a table title)."""

    style: NumberingStyle
    level: int  # conventional depth of the style (1 = top), a hint only
    number: str  # the marker as written: "（一）", "1.", "第二部分", "附件2"
    value: int | None  # the integer it stands for; None for 附件 without a number and table titles
    end: int  # offset in the line where the title text begins (after marker and separator)
    table_title: bool = False  # the line also reads as a table title (ends in 表)


def cn_to_int(text: str) -> int | None:
    """A Chinese numeral up to the hundreds (一, 十二, 二十三, 一百零五) → int; None if unreadable."""
    if not text:
        return None
    if all(ch in _CN_VALUE for ch in text):  # positional: 一〇五
        value = 0
        for ch in text:
            value = value * 10 + _CN_VALUE[ch]
        return value
    total, digit = 0, None
    for ch in text:
        if ch in _CN_VALUE:
            digit = _CN_VALUE[ch]
        elif ch == "十":
            total += (digit if digit is not None else 1) * 10
            digit = None
        elif ch == "百":
            total += (digit if digit is not None else 1) * 100
            digit = None
        else:
            return None
    return total + (digit or 0)


def number_value(text: str | None) -> int | None:
    """Arabic (half- or full-width), circled, parenthesized or Chinese digits → int."""
    if not text:
        return None
    ch = text[0]
    if len(text) == 1 and "\u2460" <= ch <= "\u2473":
        return ord(ch) - 0x2460 + 1
    if len(text) == 1 and "\u2474" <= ch <= "\u2487":
        return ord(ch) - 0x2474 + 1
    ascii_digits = text.translate(_FULLWIDTH_DIGITS)
    if ascii_digits.isdigit():
        return int(ascii_digits)
    return cn_to_int(text)


def match_numbering(line: str) -> Numbering | None:
    """The numbering at the start of `line`, or a table title; None for an unnumbered line."""
    title = "表" in line and TABLE_TITLE.match(line) is not None
    if not title and not _CAN_START.match(line):
        return None
    for style, pattern in _PATTERNS:
        m = pattern.match(line)
        if m is None:
            continue
        if style in ("arabic", "arabic_paren", "circled") and m.end() >= len(line.rstrip()):
            # a bare "1." / "①" / "(50)" with nothing after it is a value, not a numbering
            continue
        groups = m.groupdict()
        raw_num = groups.get("num") or groups.get("num2") or groups.get("circ")
        return Numbering(
            style=style,  # type: ignore[arg-type]
            level=LEVEL_HINT[style],
            number=m.group("mark"),
            value=number_value(raw_num),
            end=m.end(),
            table_title=title,
        )
    if title:
        return Numbering(style="table_title", level=LEVEL_HINT["table_title"], number="", value=None, end=0, table_title=True)
    return None


def is_table_title(line: str) -> bool:
    """A short line ending in 表 (with an optional bracketed note), e.g. 收入支出决算总表."""
    return TABLE_TITLE.match(line) is not None
