"""Amounts of money read from the text with their stage, flow and item from nearby cue words.

The normalizer's own reading of money statements: it backs the consistency checks (which
need the item and stage of every amount, whoever extracted it) and stands in for MONEY
mentions when no extractor stage ran. Cue words live in `configs/normalize.toml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.extract.numbers import find_quantities
from pipeline.normalize.settings import Settings
from pipeline.schema import Document, Mention

# Words that contain 预算 but name a kind of fund, not a budget figure.
FUND_WORDS = (
    "一般公共预算",
    "政府性基金预算",
    "国有资本经营预算",
    "社会保险基金预算",
    "预算单位",
    "预算绩效",
    "部门预算项目",
)
SENTENCE_END = "。；;\t|"  # table cells are sentences of their own
# A line break ends a paragraph unless it only wraps a long line of prose mid-sentence.
_WRAP_MIN = 24
_CLOSING = "。；;！？!?）)”】"  # a line ending with ： goes on (其中：↵ 基本支出…)


def wrapped(text: str, nl: int) -> bool:
    """Whether the line break at `nl` wraps prose (a long line cut mid-sentence)."""
    start = text.rfind("\n", 0, nl) + 1
    line = text[start:nl].rstrip()
    return (
        len(line) >= _WRAP_MIN and line[-1:] not in _CLOSING and "\t" not in line and "|" not in line
        and nl + 1 < len(text) and text[nl + 1] not in "\n"
    )  # fmt: skip


def paragraph_bounds(text: str, pos: int) -> tuple[int, int]:
    """The paragraph around `pos`: lines joined across wrapped line breaks."""
    start = text.rfind("\n", 0, pos)
    while start > 0 and wrapped(text, start):
        start = text.rfind("\n", 0, start)
    end = text.find("\n", pos)
    while end >= 0 and wrapped(text, end):
        end = text.find("\n", end + 1)
    return start + 1, len(text) if end < 0 else end


def sentence_start(text: str, pos: int) -> int:
    p0, _ = paragraph_bounds(text, pos)
    return max([p0] + [text.rfind(c, p0, pos) + 1 for c in SENTENCE_END])


DELTA_BEFORE = re.compile(
    r"(?:增加|减少|增长|下降|降低|上升|节约|结余|增减|减|增)(?:了)?[ \t]*(?:（减少）|\(减少\))?[ \t]*$"
)
SHARE_AFTER = re.compile(r"^[ \t]*[，,]?[ \t]*占(?:比)?[ \t]*(?P<pct>[0-9]+(?:\.[0-9]+)?)[ \t]*[%％]")
# Sub-items of the “三公” total keep their own name for the parts-vs-total check.
SUBITEMS = {
    "three_public_trip": "three_public",
    "three_public_car": "three_public",
    "three_public_reception": "three_public",
}


@dataclass
class LabeledAmount:
    """One written amount of money with what the words around it say about it."""

    start: int
    end: int
    raw: str
    value_yuan: float
    stage: str = "unspecified"
    flow: str = "unspecified"
    item: str = "other"  # may be a three_public_* sub-item; `schema_item` maps it
    item_text: str | None = None
    decimals: int = 0
    unit_yuan: float = 1.0  # yuan per written unit: 10000 for 万元
    delta: bool = False
    share: float | None = None  # the 占Y% written right after it
    share_span: tuple[int, int] | None = None
    share_decimals: int = 0
    cues: int = 0  # how many of stage/flow/item the words around it decide (not a default)
    final_accounts: bool = False  # under a heading (or title) that names 决算
    listed: bool = False  # a later amount of a list in one sentence, at the same stage: a part

    @property
    def schema_item(self) -> str:
        return SUBITEMS.get(self.item, self.item)

    @property
    def half_unit_yuan(self) -> float:
        """Half a unit of the last written digit, in yuan (rounding of this figure)."""
        return 0.5 * self.unit_yuan * 10 ** (-self.decimals)


def _decimals(number_text: str) -> int:
    m = re.search(r"[.．]([0-9０-９]+)", number_text)
    return len(m.group(1)) if m else 0


def _unit_yuan(raw: str) -> float:
    for unit, factor in (("亿元", 1e8), ("千万元", 1e7), ("百万元", 1e6), ("万元", 1e4), ("千元", 1e3), ("万", 1e4)):
        if unit in raw:
            return factor
    return 1.0


def _nearest(window: str, groups: dict[str, list[str]]) -> tuple[str | None, str | None]:
    """The group whose cue ends nearest to the end of `window`, and the cue word."""
    best: tuple[int, int, str, str] | None = None
    for key, words in groups.items():
        for w in words:
            i = window.rfind(w)
            if i < 0:
                continue
            rank = (i + len(w), len(w))
            if best is None or rank > best[:2]:
                best = (rank[0], rank[1], key, w)
    return (best[2], best[3]) if best else (None, None)


def _cue_window(text: str, start: int, end: int) -> str:
    """The text the cue words of an amount are looked for in: one line, fund kinds masked."""
    return _mask_funds(text[start:end].replace("\n", ""))


def _mask_funds(window: str) -> str:
    for w in FUND_WORDS:
        window = window.replace(w, "＿" * len(w))
    return window


def _in_actual_context(text: str, pos: int, settings: Settings) -> bool:
    """Whether the nearest heading-like line above `pos` (or the title) names 决算."""
    actual = settings.context.get("actual_headings", [])
    other = settings.context.get("other_headings", [])
    end = text.rfind("\n", 0, pos)
    for _ in range(40):
        if end <= 0:
            break
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if len(line.strip()) <= 40 and not re.search(r"[0-9]\s*万?元", line):
            if any(w in line for w in actual):
                return True
            if any(w in line for w in other):
                return False
        end = start - 1
    head = text[:300]
    return any(w in head for w in actual) and not any(w in head for w in other[1:])


CHANGE_REACH = 24  # how far after an amount a change against another year is read as its change
SOURCE_REACH = 10  # how far before an amount its funding source (其中：中央资金) is read
TARGET_TABLE_REACH = 20  # how far after an amount the 绩效目标表 it heads is read
TARGET_TABLE_AFTER = re.compile(r"[^，。；,;\t\n]*?绩效目标")
PROJECT_FUNDS = "project_funds"  # the [item_cues] group whose item depends on the kind of report
_PARTS_AFTER = re.compile(r"^[。；;，,\s]*其中")
_YEAR_LEAD = re.compile(r"\s*(?:19|20)[0-9]{2}\s*年")

# a bare flow word, only link words after it: not a part (其中…) and not a fund kind (masked ＿)
_BARE_FLOW = re.compile(r"^(?!.*(?:其中|＿)).*(?:收入|支出|收支)数?(?:[（(][^）)]*[）)]|[、均为是:：\s]|收入|支出)*$")


def label_amounts(
    doc: Document, settings: Settings, *, default_stage: str | None = None, kind: str | None = None
) -> list[LabeledAmount]:
    """Every amount of money in yuan the grammar finds, labelled from the words before it.

    `kind`: the document's kind; a project's own funds (专项资金, 该项目 …) are the whole (`total`)
    of a project report and `project` money in any other report.
    `default_stage`: the stage of amounts with no cue of their own and no 决算 context (a
    绩效目标表 states budgets).
    """
    text = doc.text
    # a value of an indicator (≤30万元 as a 成本指标 target) is a TARGET or ACTUAL, not money
    values = [(m.start, m.end) for m in doc.mentions if m.label in ("TARGET", "ACTUAL")]
    quantities = [
        q for q in find_quantities(text, bare=False, qualitative=False)
        if q.kind == "money" and not any(s < q.end and q.start < e for s, e in values)
    ]  # fmt: skip
    out: list[LabeledAmount] = []
    prev_end = 0
    prev: LabeledAmount | None = None
    for q in quantities:
        if q.value.unit != "元" or q.value.value is None or q.value.op not in (None, "=") or is_rate_or_bound(text, q.start, q.end):
            prev_end = q.end
            continue
        sent_start = sentence_start(text, q.start)
        window = _cue_window(text, max(sent_start, prev_end, q.start - settings.window.cue_chars), q.start)
        a = LabeledAmount(
            start=q.start,
            end=q.end,
            raw=q.text,
            value_yuan=float(q.value.value),
            decimals=_decimals(q.text),
            unit_yuan=_unit_yuan(q.text),
            delta=bool(DELTA_BEFORE.search(text[max(0, q.start - 6) : q.start])),
        )
        stage, stage_word = _nearest(window, settings.stage_cues)
        flow_window = _cue_window(text, max(sent_start, prev_end, q.start - settings.window.flow_chars), q.start)
        flow, _ = _nearest(flow_window, settings.flow_cues)
        for key in ("both",):
            if any(w in window for w in settings.flow_cues.get(key, [])):
                flow = key
        if flow is None:  # 分配20977.80万元用于支持…: the words after the amount say where it goes
            after = text[q.end : q.end + 8].lstrip(" \t,，")
            flow = next((k for k, words in settings.flow_after.items() if after.startswith(tuple(words))), None)
        item, item_word = _nearest(window, settings.item_cues)
        if item == PROJECT_FUNDS:
            item = "total" if kind == "project_self_eval" else "project"
        between = text[prev.end : q.start] if prev is not None else ""
        # the parts listed after a total (…1883.00万元。其中,公共数字文化建设47.00万元) share its flow and stage
        parts = prev is not None and bool(_PARTS_AFTER.match(between))
        # (a year right after the amount before, 其他资金859.6万元2023年支出…, starts a clause of its own)
        same_sentence = (
            prev is not None and (prev.end >= sent_start or parts) and not prev.delta and not _YEAR_LEAD.match(between)
        )
        # a later amount of a list at the same stage (收到中央下达1372.7万元，自治区下达98.6万元), or one
        # after 其中, is a part, not the whole; one at another stage (预算数为1132万元，执行数为1132万元) is not
        a.listed = not a.delta and (
            "其中" in window or (same_sentence and (stage is None or prev.stage in ("unspecified", stage)))
        )
        if same_sentence and "比" not in window:
            # the parts after a total (…合计X万元，其中：…) are not the total
            if item is None and prev.item not in ("other", "total") and "其中" not in between:
                item, item_word = prev.item, prev.item_text
            if stage is None and prev.stage != "unspecified" and not a.delta:
                stage = prev.stage
            if flow is None and prev.flow != "unspecified" and not a.delta:
                flow = prev.flow
        # 其中区级资金122.51万元: a source of the unit's money (income, item other) where neither
        # its own words nor the total it is a part of (支出2310.4万元，其中中央资金…) say otherwise
        # (the label of a one-cell-per-line table row sits on the line above: no sentence bound here)
        source_window = _cue_window(text, max(prev_end, q.start - SOURCE_REACH), q.start)
        source, source_word = _nearest(source_window, settings.flow_sources)
        flow = flow or source
        if source_word is not None and (item is None or source_word.endswith(item_word)):
            item, item_word = "other", source_word  # 中央财政专项资金 is a source, not the project's 专项资金
        # 2022年殡葬专项公用经费27万绩效目标表: the budget of a project that has its own target table
        if TARGET_TABLE_AFTER.match(text[q.end : q.end + TARGET_TABLE_REACH]):
            item, item_word = "project", None
            if stage_word is None:
                stage = "budget_initial"
        if item is None and not same_sentence and not a.delta and _BARE_FLOW.search(window):
            item = "total"  # 2、支出:799.12万元: a bare 收入 or 支出 before a sentence's first amount states the whole
        if a.delta and prev is not None and not prev.delta and len(between) <= CHANGE_REACH:
            # a change right after an amount (收入792.22万元。同比上年度增加189.25万元) is of that amount
            item, item_word = (item, item_word) if item is not None else (prev.item, prev.item_text)
            flow = flow or (prev.flow if prev.flow != "unspecified" else None)
        a.cues = sum(x is not None for x in (stage, flow, item))  # the words said it, not a default
        a.final_accounts = _in_actual_context(text, q.start, settings)
        if stage is None and not a.delta:
            stage = "actual" if a.final_accounts else default_stage
        if a.delta:
            stage = None
        a.stage = stage or "unspecified"
        a.flow = flow or "unspecified"
        a.item = item or "other"
        a.item_text = item_word
        m = SHARE_AFTER.match(text[q.end : q.end + 16])
        if m:
            a.share = float(m.group("pct"))
            a.share_span = (q.end + m.start("pct"), q.end + m.end())
            a.share_decimals = _decimals(m.group("pct"))
        out.append(a)
        prev, prev_end = a, q.end
    return out


def amount_mention(a: LabeledAmount) -> Mention:
    """A labelled amount as a MONEY mention with the attrs contract of `Mention`."""
    certainty = 0.5 + 0.5 * a.cues / 3
    attrs = {
        "value_yuan": a.value_yuan,
        "stage": a.stage,
        "flow": a.flow,
        "item": a.schema_item,
        "item_text": a.item_text,
        "stage_score": certainty,
        "flow_score": certainty,
        "item_score": certainty,
    }
    if a.delta:
        attrs["delta"] = True
    if a.final_accounts:
        attrs["final_accounts"] = True
    if a.listed:
        attrs["listed"] = True
    return Mention(label="MONEY", start=a.start, end=a.end, text=a.raw, score=certainty, source="rules", attrs=attrs)


# A rate or a bound is not a monetary fact: 每户0.05万元, 每卷(册)2元的标准, 一户年最高5300元,
# 单价100万元（含）以上.
_PER_UNIT_BEFORE = re.compile(r"(?:每[^，。；,;、\s\d]{1,6}|最高|最低|上限|下限)\s*$")
_BOUND_AFTER = re.compile(r"^\s*(?:[（(]含[)）])?\s*(?:及|或)?(?:以上|以下|以内)|^\s*[/／]")


def is_rate_or_bound(text: str, start: int, end: int) -> bool:
    """Whether the money at `start:end` is a per-unit standard or a threshold, not an amount."""
    return bool(_PER_UNIT_BEFORE.search(text[max(0, start - 8) : start]) or _BOUND_AFTER.match(text[end : end + 8]))
