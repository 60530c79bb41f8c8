"""Indicator rows and score tables read from flattened table text.

Disclosures often arrive as text whose tables were flattened: one cell per line, cells
joined by `|` or tabs, or a row of short values separated by spaces. This reader cuts the
text into cells and finds rows by the shape of their cells (a target, an actual, a weight
and a score), the column order taken from the nearest header. It backs the consistency
checks, and stands in for table mentions when no `tables` stage ran.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.extract.numbers import find_quantities, parse_value
from pipeline.schema import Document, Value

_NUMBER = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
_SPLIT = re.compile(r"[|\t\n]| {2,}|\u3000+")
_HEADING = re.compile(
    r"^(?:产出|效益|满意度|投入|过程|成本|质量|数量|时效|社会效益|经济效益|生态效益|可持续影响|服务对象满意度)?指标[（(]?[0-9.]*分?[）)]?$|^[（(][0-9.]+ ?分[）)]$"
)
_TRAILING_NUMBER = re.compile(r"[\u4e00-\u9fff。）)》”]([0-9]+(?:\.[0-9]+)?)$")
_TOTAL_INLINE = re.compile(r"^(总分|得分合计|自评得分合计)\s+[0-9]+(?:\.[0-9]+)?(?:\s+[0-9]+(?:\.[0-9]+)?)?$")
_TOTAL = re.compile(r"^(?:总分|得分合计|合计|总计|自评得分合计)$")


@dataclass
class Cell:
    text: str
    start: int
    end: int

    @property
    def number(self) -> float | None:
        return float(self.text) if _NUMBER.match(self.text) else None


@dataclass
class Row:
    """One indicator row: its name cell and value cells (any may be missing)."""

    name: Cell
    target: Cell | None = None
    actual: Cell | None = None
    weight: Cell | None = None
    score: Cell | None = None
    target_value: Value | None = None
    actual_value: Value | None = None


@dataclass
class ScoreTotal:
    cell: Cell  # the 总分 / 得分合计 label
    weight: Cell | None
    score: Cell | None


def cells(text: str) -> list[Cell]:
    """Non-empty cells in order; a line of short value tokens splits at single spaces."""
    return list(_cells(text))


@lru_cache(maxsize=8)
def _cells(text: str) -> tuple[Cell, ...]:
    """`cells`, computed once per text: rows, score totals and flags all read the same text."""
    out: list[Cell] = []
    pos = 0
    for m in list(_SPLIT.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        piece = text[pos:end]
        s = piece.strip(" \u3000")
        if s:
            off = pos + piece.index(s)
            tokens = [t for t in s.split(" ") if t]
            # a row of short values, possibly ending with a remark (偏差原因): split at single spaces
            values_then_text = len(tokens) >= 3 and all(_value_like(t) for t in tokens[:-1])
            if len(tokens) > 1 and (all(_value_like(t) for t in tokens) or values_then_text):
                p = off
                for t in tokens:
                    if t:
                        i = text.index(t, p)
                        out.append(Cell(t, i, i + len(t)))
                        p = i + len(t)
            else:
                out.append(Cell(s, off, off + len(s)))
        pos = m.end() if m else len(text)
    return tuple(out)


_CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=65536)
def _value_like(s: str) -> bool:
    """A cell that is a value: a number with at most a few words around it, or a short word."""
    if _NUMBER.match(s):
        return True
    if len(s) > 16:
        return False
    v = parse_value(s)
    if v is None:
        return False
    if v.value is not None or v.op is not None:
        found = find_quantities(s, qualitative=False)
        rest = s
        for q in found:
            rest = rest.replace(q.text, "")
        return len(_CJK.findall(rest)) <= 3
    return v.qualitative is not None and (v.qualitative == s or len(s) <= 2)


def _is_value(c: Cell) -> bool:
    return c.number is None and len(c.text) <= 24 and _value_like(c.text)


def _header_order(text: str, before: int) -> str:
    """'wtas' when the nearest header puts 分值 before 指标值, else 'taws'."""
    region = re.sub(r"[\s|]", "", text[max(0, before - 3000) : before])
    i_w = region.rfind("分值")
    i_t = max(region.rfind("指标值"), region.rfind("目标值"))
    if i_w >= 0 and i_t >= 0 and i_w < i_t:
        return "wtas"
    return "taws"


def indicator_rows(doc: Document) -> list[Row]:
    """Rows with a target and an actual (and a weight and score where the table has them)."""
    cs = cells(doc.text)
    rows: list[Row] = []
    i = 0
    while i < len(cs):
        order = None
        if i + 3 < len(cs):
            a, b, c, d = cs[i : i + 4]
            if _is_value(a) and _is_value(b) and c.number is not None and d.number is not None:
                order = "taws"
            elif a.number is not None and _is_value(b) and _is_value(c) and d.number is not None:
                order = "wtas"
            if order and _header_order(doc.text, a.start) != order:
                order = None
        if order is None:
            i += 1
            continue
        name = _name_before(cs, i)
        if name is None:
            i += 1
            continue
        a, b, c, d = cs[i : i + 4]
        if order == "taws":
            row = Row(name=name, target=a, actual=b, weight=c, score=d)
        else:
            row = Row(name=name, weight=a, target=b, actual=c, score=d)
        row.target_value = parse_value(row.target.text, free_qualitative=True)
        row.actual_value = parse_value(row.actual.text, free_qualitative=True)
        rows.append(row)
        i += 4
    return rows


def _name_before(cs: list[Cell], i: int) -> Cell | None:
    """The cell right before the row's values when it is a name (text, not a value or heading)."""
    if i == 0:
        return None
    c = cs[i - 1]
    if c.number is not None or _is_value(c) or _HEADING.match(c.text) or _TOTAL.match(c.text):
        return None
    return c


def score_totals(doc: Document) -> list[ScoreTotal]:
    """Each 总分 / 得分合计 cell with the weight and score numbers right after it."""
    cs = cells(doc.text)
    out = []
    for i, c in enumerate(cs):
        inline = _TOTAL_INLINE.match(c.text)
        if inline:  # 总分 100 97 in one cell
            label = Cell(inline.group(1), c.start, c.start + len(inline.group(1)))
            nums = [
                Cell(m.group(0), c.start + m.start(), c.start + m.end())
                for m in re.finditer(r"[0-9]+(?:\.[0-9]+)?", c.text[inline.end(1) :])
            ]
            nums = [Cell(n.text, n.start + inline.end(1), n.end + inline.end(1)) for n in nums]
            out.append(ScoreTotal(label, nums[0], nums[1]) if len(nums) == 2 else ScoreTotal(label, None, nums[0]))
            continue
        if not _TOTAL.match(c.text):
            continue
        nums = [x for x in cs[i + 1 : i + 3] if x.number is not None]
        if not nums:
            continue
        if len(nums) == 2:
            out.append(ScoreTotal(c, nums[0], nums[1]))
        else:
            out.append(ScoreTotal(c, None, nums[0]))
    return out


def score_items(doc: Document, total: ScoreTotal) -> tuple[list[tuple[Cell, Cell | None, Cell | None]], int]:
    """The (name, weight, score) items of the score table that ends at `total`, and how many lack a score.

    Reads back from the total to the table's header (a cell naming 分值 or 得分). Two layouts:
    rows of `… weight score` (value rows), and cells `name, weight, explanation, score`.
    """
    cs = cells(doc.text[: total.cell.start])
    head = 0
    for j in range(len(cs) - 1, -1, -1):
        t = cs[j].text
        if ("分值" in t or "得分" in t) and len(t) <= 12 and j < len(cs) - 3:
            head = j + 1
            # the nearest header with both words above the rows
            if any("得分" in x.text for x in cs[max(0, j - 8) : j + 1]) and any(
                "分值" in x.text for x in cs[max(0, j - 8) : j + 1]
            ):
                break
    body = [c for c in cs[head:] if not _HEADING.match(c.text) and not c.text.startswith("[bookmark")]
    items: list[tuple[Cell, Cell | None, Cell | None]] = []
    missing = 0
    # layout 1: value rows ending with two numbers
    pairs = [(body[k - 3] if _is_value(body[k - 2]) else body[k - 2], body[k], body[k + 1])
             for k in range(2, len(body) - 1)
             if body[k].number is not None and body[k + 1].number is not None
             and (k + 2 >= len(body) or body[k + 2].number is None)
             and body[k - 1].number is None and body[k - 2].number is None]  # fmt: skip
    # layout 2: name, weight, explanation, score (the score may be glued to the explanation)
    k = 0
    while k < len(body) - 2:
        name, weight, expl = body[k], body[k + 1], body[k + 2]
        if name.number is None and weight.number is not None and expl.number is None and len(expl.text) >= 4:
            glued = _TRAILING_NUMBER.search(expl.text)
            if glued:
                score = Cell(glued.group(1), expl.start + glued.start(1), expl.end)
                step = 3
            elif k + 3 < len(body) and body[k + 3].number is not None:
                score, step = body[k + 3], 4
            else:
                score, step = None, 3
            items.append((name, weight, score))
            missing += score is None
            k += step
        else:
            k += 1
    if len(pairs) >= len(items):
        return [(n, w, s) for n, w, s in pairs], 0
    return items, missing


_FUNDING_COLUMNS = re.compile(
    r"(年初预算数|全年[（(]?调整[）)]?预算数|全年预算数|预算数|全年执行数|执行数|分值|权重|执行率|得分)"
)
_COLUMN_SYNONYMS = {"权重": "分值"}
_FUNDING_LABEL = re.compile(r"(年度资金总额|资金总额)[:：]?")


@dataclass
class FundingRow:
    """The 年度资金总额 row of a self-evaluation table, its cells by header column."""

    label: Cell
    columns: dict[str, Cell]

    def number(self, column: str) -> float | None:
        c = self.columns.get(column)
        if c is None:
            return None
        t = c.text.replace("万元", "").replace("万", "").rstrip("%％")
        return float(t) if _NUMBER.match(t) else None


def funding_rows(doc: Document) -> list[FundingRow]:
    """年度资金总额 rows whose header (within 300 characters above) names 执行率: cells by column."""
    text = doc.text
    out = []
    for m in _FUNDING_LABEL.finditer(text):
        header = re.sub(r"[\s|]", "", text[max(0, m.start() - 300) : m.start()])
        cols = [_COLUMN_SYNONYMS.get(c.group(1), c.group(1)) for c in _FUNDING_COLUMNS.finditer(header)]
        starts = [i for i, c in enumerate(cols) if "预算数" in c]
        if "执行率" not in cols or not starts:
            continue
        cols = cols[starts[0] :]
        values = []
        for c in cells(text[m.end() : m.end() + 200]):
            t = c.text.replace("万元", "").replace("万", "").rstrip("%％")
            if not _NUMBER.match(t):
                break
            values.append(Cell(c.text, m.end() + c.start, m.end() + c.end))
        if len(values) <= cols.index("执行率"):
            continue
        out.append(FundingRow(Cell(m.group(0), m.start(), m.end()), dict(zip(cols, values))))
    return out
