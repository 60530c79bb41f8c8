"""Table interpretation: read indicator and money tables by their headers.

A table block (`Block(kind="table")`, read from DOCX/HTML/XLSX or recovered from flattened
text) is scanned row by row. A row whose cells map to at least two canonical columns of
`configs/table_headers.toml` is a header (a second header row just below refines the first);
the rows under it are read against it until the next header:

- an *indicator* row (the header has a name column and a target or actual column) becomes an
  INDICATOR mention (attrs level1, level2, carried down over blank or merged cells) with TARGET /
  ACTUAL (attrs.value, read by the numbers grammar with the row's 度量单位) and WEIGHT / SCORE
  (attrs.number) mentions, linked by relations `target`, `actual`, `weight`, `score`;
- a *money* row (年度资金总额, 基本支出, 项目支出 … under 年初预算数 / 全年预算数 / 全年执行数)
  becomes MONEY mentions with value_yuan, stage, flow, item, item_text; the unit comes from a
  header note `（万元）` or a `单位：万元` line in or just before the table.

Rows of flattened tables often lack their leading merged cells; such short rows are aligned
to the header at the offset where their cells fit the columns best.
"""

from __future__ import annotations

import itertools
import logging
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from pipeline.core import CONFIG_DIR, Stage, register, resolve_path
from pipeline.extract.numbers import parse_number, parse_value, qualitative_words, unit_kind
from pipeline.schema import Block, Cell, Document, Mention, Relation

logger = logging.getLogger(__name__)

__all__ = ["HeaderMap", "TableReading", "TablesStage", "map_header", "normalize_header", "read_table"]

HEADERS_CONFIG = CONFIG_DIR / "table_headers.toml"
MONEY_COLUMNS = {"budget_initial": "budget_initial", "budget_adjusted": "budget_adjusted", "actual_money": "actual"}
INDICATOR_VALUE_COLUMNS = ("target", "actual", "weight", "score")
# header words of indicator tables: a row whose name cell is one of them repeats the header
# (预算执行率 is a header word of money tables, and an indicator name in others)
INDICATOR_HEADER_COLUMNS = frozenset({"level1", "level2", "name", "target", "actual", "weight", "score", "unit", "nature"})
NATURE_OPS = {
    "≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", ">": ">", "<": "<", "=": "=", "＝": "=", "＞": ">", "＜": "<",
    "正向": ">=", "正向指标": ">=", "反向": "<=", "反向指标": "<=", "大于等于": ">=", "小于等于": "<=",
    "大于": ">", "小于": "<", "等于": "=",
}  # fmt: skip
LEVEL1_WORDS = ("产出", "效益", "满意度", "投入", "过程", "决策", "管理", "效果", "成本")  # 成本指标 is both

_FW = str.maketrans("（）：，ＡＢＣ％", "():,ABC%")
_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^】]*】")
_STRIP = re.compile(r"[\s:：、*]")
_BARE_NUMBER = re.compile(r"^\s*[0-9]+(?:\.[0-9]+)?\s*分?\s*$")
_DATE = re.compile(r"(?:19|20)[0-9]{2}\s*年")
_EMPTY = {"", "/", "—", "-", "——", "……", "…", "无", "/ "}


@dataclass(frozen=True)
class _Config:
    synonyms: dict[str, str]  # normalised header text → column
    items: list[tuple[str, str]]  # (normalised label prefix, item), longest first
    default_money_unit: str
    note: re.Pattern[str]
    flows: list[tuple[str, list[str]]] = field(default_factory=list)  # flow → label words


@cache
def _config(path: Path = HEADERS_CONFIG) -> _Config:
    with Path(path).open("rb") as fh:
        raw = tomllib.load(fh)
    synonyms = {normalize_header(s): col for col, words in raw["columns"].items() for s in words}
    items = sorted(
        ((normalize_header(s), item) for item, words in raw["money_items"].items() for s in words),
        key=lambda p: -len(p[0]),
    )
    units = raw.get("units", {})
    return _Config(
        synonyms, items, units.get("default_money_unit", "万元"), re.compile(units["note_pattern"]),
        list(raw.get("money_flow", {}).items()),
    )  # fmt: skip


def _money_flow(label: str) -> str:
    """A money row's flow from its label: 基本支出 → expenditure, 财政拨款 → income, 年度资金总额 → unspecified."""
    return next((flow for flow, words in _config().flows if any(w in label for w in words)), "unspecified")


def normalize_header(text: str) -> str:
    """`年度指标值（A）` → `年度指标值`; `分值(10分)` → `分值`; `年度\\n指标值` → `年度指标值`."""
    s = text.translate(_FW)
    s = _BRACKETS.sub("", s)
    s = _STRIP.sub("", s)
    return s.replace("“", "").replace("”", "").replace('"', "")


@dataclass
class HeaderMap:
    """Canonical column → table column index, plus the money unit the header states."""

    row: int
    columns: dict[str, int] = field(default_factory=dict)
    money_unit: str | None = None
    width: int = 0

    @property
    def is_indicator(self) -> bool:
        """A name column and a value column (a score table of 分值 / 得分 has names too)."""
        c = self.columns
        return "name" in c and any(k in c for k in INDICATOR_VALUE_COLUMNS)

    @property
    def is_money(self) -> bool:
        return any(k in self.columns for k in MONEY_COLUMNS)


def map_header(cells: list[Cell], row: int, *, config: _Config | None = None, least: int = 2) -> HeaderMap | None:
    """A header row's column map, or None when fewer than `least` cells are known headers."""
    cfg = config or _config()
    hm = HeaderMap(row=row, width=len(cells))
    for cell in cells:
        col = cfg.synonyms.get(normalize_header(cell.text))
        # the rightmost name column is the most specific (绩效指标 | 一级 | 二级 | 三级指标)
        if col and (col not in hm.columns or col == "name"):
            hm.columns[col] = cell.col
        m = cfg.note.search(cell.text)
        if m and hm.money_unit is None and (col or "元" in cell.text):
            hm.money_unit = m.group(1) or m.group(2)
    keys = set(hm.columns)
    if len(keys) < least or not (keys & {"name", "target", "actual", *MONEY_COLUMNS, *(() if least > 1 else INDICATOR_VALUE_COLUMNS)}):
        return None
    return hm


def _merge_headers(top: HeaderMap, below: HeaderMap) -> HeaderMap:
    """Two header rows: the lower row's cells name the columns, the upper fills the rest.

    An upper row with fewer cells lost them to a cell merged over the left columns
    (`绩效评价指标分值 | 指标解释 | 自评得分` above `一级指标 | … | 指标分值 | | |`): its columns
    are counted from the right.
    """
    shift = below.width - top.width if 0 < top.width < below.width else 0
    top_columns = {k: v + shift for k, v in top.columns.items()}
    merged = HeaderMap(row=below.row, columns=top_columns, money_unit=below.money_unit or top.money_unit)
    taken = set(below.columns.values())
    merged.columns = {k: v for k, v in merged.columns.items() if v not in taken}
    merged.columns.update(below.columns)
    merged.width = max(top.width, below.width)
    return merged


@dataclass
class TableReading:
    """What one table yielded, with indices into the mention list it was appended to."""

    mentions: list[Mention] = field(default_factory=list)
    relations: list[tuple[int, int, str]] = field(default_factory=list)  # local indices
    indicator_rows: int = 0
    indicator_rows_with_target_and_actual: int = 0
    money_rows: int = 0


def _is_empty(text: str) -> bool:
    return text.strip() in _EMPTY


@lru_cache(maxsize=8192)
def _cell_fit(column: str, text: str) -> float:
    """How well a cell's text suits a column (alignment of short rows)."""
    s = text.strip()
    if _is_empty(s):
        return 0.0
    numeric = bool(_BARE_NUMBER.match(s))
    if column in ("level1", "level2"):
        if numeric:
            return -1.0
        norm = normalize_header(s)  # 数量指标 (必填) → 数量指标
        if not norm.endswith("指标"):
            return -0.5 if len(norm) > 10 else 0.0  # level names are short
        is_level1 = any(norm.startswith(w) for w in LEVEL1_WORDS) and len(norm) <= 6
        if column == "level1":  # 成本指标 is a 二级指标 in older templates, a 一级指标 in newer ones
            return (1.0 if norm.startswith("成本") else 2.0) if is_level1 else -0.5
        return 0.5 if is_level1 and not norm.startswith("成本") else 1.5
    if column == "name":
        if numeric:
            return -1.5
        v = parse_value(s) if len(s) <= 14 else None
        if v is not None and v.value is not None and v.unit:  # 1600元/亩 is a value
            return -1.0
        if s in qualitative_words():  # 已完成, 合规: a value, not a name
            return -0.5
        norm = normalize_header(s)
        return 0.2 if norm.endswith("指标") and len(norm) <= 8 else 1.0  # 数量指标 is a level, not a name
    if column in ("target", "actual"):
        if parse_value(s) is not None:
            return 1.0
        if _DATE.search(s):  # a deadline: 2025年12月31日, 2025年底
            return 0.8
        return 0.5 if len(s) <= 10 else 0.0  # a short word value (科学, 按时公开)
    if column in ("weight", "score"):
        return 1.0 if numeric else -1.0
    if column == "unit":
        if any(ch.isdigit() for ch in s) or len(s) > 6:
            return -1.0
        return 1.0 if unit_kind(s) != "number" else -0.5  # 人次, 万元, % — not 长期
    if column == "nature":
        if s in NATURE_OPS or s in ("定性", "定量"):
            return 1.0
        return -1.0 if any(ch.isdigit() for ch in s) else 0.0
    return 0.0


MAX_ALIGN = 40  # wider rows or headers are read in place
GAP_COST = 0.3  # a header column with no cell between two placed cells (a blank cell lost)
DROP_BLANK_COST = 0.75  # a leading blank cell that stands for nothing
DROP_CELL_COST = 1.5  # a cell with text that fits no column
DROP_TRAILING_COST = 0.5  # a cell beyond the header's last column


def _align(row: list[Cell], header: HeaderMap) -> dict[str, Cell]:
    """Map a row's cells to the header's columns, in order, where they fit best.

    Rows of flattened tables lose their blank and merged cells (on the left, where 一级/二级
    cells were merged, or in the middle), so cells are aligned to columns like sequences: a
    column may be skipped (free on the left and right, GAP_COST in between), a cell dropped
    (leading blanks cheaply). Rows as wide as the header stay in place unless the fit says
    otherwise by more than the costs.
    """
    by_col = {v: k for k, v in header.columns.items()}
    width = max(header.width, max(header.columns.values()) + 1)
    n = len(row)
    if n > MAX_ALIGN or width > MAX_ALIGN:  # very wide: read in place (bounds the cost)
        return {by_col[c.col]: c for c in row if c.col in by_col}
    neg = float("-inf")
    # best[i][j]: cells[:i] placed within columns[:j]; back[i][j]: the move that got there
    best = [[neg] * (width + 1) for _ in range(n + 1)]
    back: list[list[str | None]] = [[None] * (width + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(width + 1):
            here = best[i][j]
            if here == neg:
                continue
            if i < n and j < width:  # place cell i in column j
                key = by_col.get(j)
                score = here + (_cell_fit(key, row[i].text) if key else 0.0)
                if score > best[i + 1][j + 1] + 1e-9:
                    best[i + 1][j + 1], back[i + 1][j + 1] = score, "place"
            if j < width:  # column j has no cell
                cost = 0.0 if i == 0 or i == n else GAP_COST
                if here - cost > best[i][j + 1] + 1e-9:
                    best[i][j + 1], back[i][j + 1] = here - cost, "skip"
            if i < n:  # cell i stands for no column
                if j == width:  # past the header's last column (a column the header lacks)
                    cost = DROP_TRAILING_COST
                elif _is_empty(row[i].text) and all(_is_empty(c.text) for c in row[:i]):
                    cost = DROP_BLANK_COST
                else:
                    cost = DROP_CELL_COST
                if here - cost > best[i + 1][j] + 1e-9:
                    best[i + 1][j], back[i + 1][j] = here - cost, "drop"
    out: dict[str, Cell] = {}
    i, j = n, width
    while i or j:
        move = back[i][j]
        if move == "place":
            key = by_col.get(j - 1)
            if key:
                out[key] = row[i - 1]
            i, j = i - 1, j - 1
        elif move == "skip":
            j -= 1
        else:
            i -= 1
    return out


def _money_item(text: str, cfg: _Config) -> str | None:
    s = normalize_header(text)
    s = s.removeprefix("其中")
    for prefix, item in cfg.items:
        if s == prefix or (len(prefix) >= 3 and s.startswith(prefix)):
            return item
    return None


def _mention(label: str, cell: Cell, attrs: dict, *, score: float = 0.95) -> Mention:
    return Mention(label=label, start=cell.start, end=cell.end, text=cell.text, score=score, source="table", attrs=attrs)


def _money_mention(
    cell: Cell, v, *, stage: str, item: str, label: Cell, unit_known: bool,
    attr_scores: tuple[float, float, float], score: float,
) -> Mention:
    """A MONEY mention of a table cell; `attr_scores` are the stage, flow and item certainties."""
    return _mention(
        "MONEY",
        cell,
        {
            "value_yuan": v.value,
            "value": v.model_dump(),
            "stage": stage,
            "flow": _money_flow(label.text),
            "item": item,
            "item_text": _item_text(label.text),
            "unit_source": "cell" if "元" in cell.text else ("note" if unit_known else "default"),
            "stage_score": attr_scores[0],
            "flow_score": attr_scores[1],
            "item_score": attr_scores[2],
        },
        score=score,
    )


# How often a table reading's stage, flow and item are right, as measured on the annotated real
# documents (2026-11-25, every table amount: a money column 27 of 27 right in all three; a row
# label with a money cell 12 of 12 in stage and item, 8 of 12 in flow; items named above their
# cells 3 of 3; a label line over a value line 6 of 6 in stage, 4 of 6 in item), shrunk towards
# 0.5 by one right and one wrong reading: raw scores on the scale of the classifier's.
MONEY_COLUMN_CERTAINTY = (0.97, 0.97, 0.97)
MONEY_LABEL_CERTAINTY = (0.93, 0.64, 0.93)
ITEMS_ABOVE_CERTAINTY = (0.8, 0.8, 0.8)
LABEL_LINE_CERTAINTY = {"stage": 0.88, "item": 0.63}


def _read_money_row(row: list[Cell], header: HeaderMap, unit: str, unit_known: bool, out: TableReading) -> bool:
    cfg = _config()
    label_idx = next((i for i, c in enumerate(row) if not _is_empty(c.text) and _money_item(c.text, cfg)), None)
    if label_idx is None:
        return False
    label = row[label_idx]
    item = _money_item(label.text, cfg)
    # values follow the label in the header's column order (rows of flattened tables lose
    # their leading merged cells, so positions are counted from the label)
    # the label column: the header's item column, else the one just before the first money column
    item_col = header.columns.get("item", min(header.columns.values()) - 1)
    order = sorted((col, key) for key, col in header.columns.items() if col > item_col)
    found = False
    for cell, (_, key) in zip(row[label_idx + 1 :], order, strict=False):
        stage = MONEY_COLUMNS.get(key)
        if key == "rate" and not _is_empty(cell.text):  # 执行率 of this row's money
            r = parse_value(cell.text, unit="%")
            if r is not None and r.value is not None and r.unit == "%":
                out.mentions.append(_mention("RATE", cell, {"value": r.value, "of": "预算执行率", "item": item}))
            continue
        if stage is None or _is_empty(cell.text):
            continue
        v = parse_value(cell.text, unit=unit)
        if v is None or v.value is None or (v.unit not in ("元", None)):
            continue
        if v.unit is None:  # a bare number in a table without a unit note
            continue
        explicit = "元" in cell.text
        out.mentions.append(
            _money_mention(
                cell, v, stage=stage, item=item, label=label, unit_known=unit_known,
                attr_scores=MONEY_COLUMN_CERTAINTY, score=0.97 if explicit or unit_known else 0.7,
            )
        )
        found = True
    if found:
        out.money_rows += 1
    return found


def _read_label_money(row: list[Cell], unit: str, unit_known: bool, out: TableReading, cfg: _Config) -> bool:
    """`年度资金总额： | 245` without a money header (绩效目标表): planned amounts, stage budget_initial."""
    cells = [c for c in row if not _is_empty(c.text)]
    found = False
    for k, (label, cell) in enumerate(itertools.pairwise(cells)):
        following = cells[k + 2] if k + 2 < len(cells) else None
        if re.fullmatch(r"\s*[0-9]{1,2}\s*", cell.text) and following is not None and _number(following.text) is not None:
            continue  # 年度资金总额 | 1 | 52.8: the 1 numbers the row (行次)
        item, stage = _money_item(label.text, cfg), "budget_initial"
        if item is None:  # 预算数 | 50.00: a stage word labels the total
            stage = MONEY_COLUMNS.get(cfg.synonyms.get(normalize_header(label.text), ""))
            if stage is None:
                continue
            item = "total"
        v = parse_value(cell.text, unit=unit)
        if v is None or v.value is None or v.unit != "元" or v.op is not None:
            continue
        out.mentions.append(
            _money_mention(
                cell, v, stage=stage, item=item, label=label, unit_known=unit_known,
                attr_scores=MONEY_LABEL_CERTAINTY, score=0.9 if unit_known or "元" in cell.text else 0.6,
            )
        )
        found = True
    if found:
        out.money_rows += 1
    return found


def _indicator_row_first(row: list[Cell], cfg: _Config) -> bool:
    """Under an indicator header, a row is an indicator unless it opens with a money total
    (`“三公经费”变动情况 | 4` of a score table names an indicator, not 4 万元 of 三公经费)."""
    first = next((c for c in row if not _is_empty(c.text)), None)
    return first is None or _money_item(first.text, cfg) != "total"


def _item_text(label: str) -> str:
    return re.sub(r"^其中\s*[:：]?", "", label.strip()).rstrip(":：").strip()


def _number(text: str) -> float | None:
    s = text.strip().removesuffix("分").strip()
    if not _BARE_NUMBER.match(s):
        return None
    d = parse_number(s)
    return None if d is None else float(d)


_LIST_MARKER = re.compile(r"\s*(?:指标\s*[0-9]+|[0-9]+\s*[.．、:：])")  # 指标4. / 3、: a name of its own


def _name_pieces(cells: dict[str, Cell], text: str | None) -> Cell | None:
    """A name broken over the level cells by stray tabs (`可持续影响：持续发挥 | 着联系…桥 | 梁纽带…`):
    the level cells just before the name that cannot be levels (long, not …指标) join it."""
    name = cells.get("name")
    if text is None or name is None or _LIST_MARKER.match(name.text):
        return None
    start = name.start
    for level in ("level2", "level1"):
        cell = cells.get(level)
        norm = normalize_header(cell.text) if cell is not None else ""
        if cell is None or len(norm) <= 8 or norm.endswith("指标") or _LIST_MARKER.match(cell.text):
            break
        if text[cell.end : start].strip(" \t|"):
            break
        start = cell.start
    if start == name.start:
        return None
    return Cell(text=text[start : name.end], start=start, end=name.end, row=name.row, col=name.col)


def _read_indicator_row(
    row: list[Cell], header: HeaderMap, carry: dict[str, str | None], out: TableReading, text: str | None = None
) -> bool:
    cells = _align(row, header)
    joined = _name_pieces(cells, text)
    if joined is not None:
        cells = {k: v for k, v in cells.items() if v.start >= joined.end or k == "name"}
        cells["name"] = joined
    for level in ("level1", "level2"):  # blank or merged 一级/二级 cells carry down
        cell = cells.get(level)
        if cell is not None and not _is_empty(cell.text) and not _BARE_NUMBER.match(cell.text):
            if level == "level1" and carry["level1"] != cell.text.strip():
                carry["level2"] = None  # a new 一级指标 starts its own 二级指标
            carry[level] = cell.text.strip()
    name = cells.get("name")
    if name is None or _is_empty(name.text) or _BARE_NUMBER.match(name.text):
        return False
    if _config().synonyms.get(normalize_header(name.text)) in INDICATOR_HEADER_COLUMNS:  # a repeated header row
        return False
    if normalize_header(name.text) in TOTAL_SCORE_LABELS:  # 得分合计 with no score of its own
        return False
    present = {k: cells[k] for k in INDICATOR_VALUE_COLUMNS if k in cells and not _is_empty(cells[k].text)}
    if not present:
        return False
    unit_cell = cells.get("unit")
    unit = unit_cell.text.strip() if unit_cell is not None and not _is_empty(unit_cell.text) else None
    nature_cell = cells.get("nature")
    nature_op = NATURE_OPS.get(nature_cell.text.strip()) if nature_cell is not None else None
    name_unit, name_op = _unit_in_name(name.text)
    unit = unit or name_unit
    nature_op = nature_op or name_op

    head = len(out.mentions)
    attrs = {"level1": carry.get("level1"), "level2": carry.get("level2")}
    if unit:
        attrs["unit_text"] = unit
    if nature_cell is not None and not _is_empty(nature_cell.text):
        attrs["nature"] = nature_cell.text.strip()
    out.mentions.append(_mention("INDICATOR", name, attrs))
    got = set()
    for key in ("target", "actual"):
        cell = present.get(key)
        if cell is None:
            continue
        v = parse_value(cell.text, unit=unit, free_qualitative=True)
        if v is None:
            continue
        if key == "target" and v.op is None and nature_op and v.value is not None:
            v = v.model_copy(update={"op": nature_op})
        out.mentions.append(_mention(key.upper(), cell, {"value": v.model_dump()}))
        out.relations.append((head, len(out.mentions) - 1, key))
        got.add(key)
    for key in ("weight", "score"):
        cell = present.get(key)
        number = _number(cell.text) if cell is not None else None
        if number is None:
            continue
        out.mentions.append(_mention(key.upper(), cell, {"number": number}))
        out.relations.append((head, len(out.mentions) - 1, key))
    out.indicator_rows += 1
    out.indicator_rows_with_target_and_actual += got == {"target", "actual"}
    return True


_NAME_NOTE = re.compile(r"[(（]\s*([^()（）]{1,10}?)\s*[)）]\s*$")


def _unit_in_name(name: str) -> tuple[str | None, str | None]:
    """`面积(亩)` → (亩, None); `成活率(≥**%)` → (%, >=): the unit and operator a name announces."""
    m = _NAME_NOTE.search(name.strip())
    if m is None:
        return None, None
    inner = m.group(1)
    if unit_kind(inner) != "number":
        return inner, None
    v = parse_value(inner)
    if v is not None and v.value is None and v.unit:  # a placeholder such as ≥**%
        return ("万元" if v.unit == "元" and "万" in inner else v.unit), v.op
    return None, None


def _note_unit(text: str, cfg: _Config) -> str | None:
    m = None
    for m in cfg.note.finditer(text):
        pass
    return (m.group(1) or m.group(2)) if m else None


def read_table(
    block: Block, *, context: str = "", config: _Config | None = None, header_hint: list[Cell] | None = None,
    text: str | None = None,
) -> TableReading:
    """Interpret one table block.

    `context` is the text just before it (for 单位：万元 notes); `header_hint` the cells of a
    header line the layout left outside the table (used until the table states its own header);
    `text` the document's text (lets a name broken over several cells be read whole).
    """
    cfg = config or _config()
    out = TableReading()
    table_unit = _note_unit(context, cfg)
    header: HeaderMap | None = map_header(header_hint, -1, config=cfg) if header_hint else None
    carry: dict[str, str | None] = {"level1": None, "level2": None}
    prev_was_header = False
    partial: HeaderMap | None = None  # a row naming one column, kept in case a header follows
    items_above: tuple[str, dict[int, Cell]] | None = None  # 资金总额 | 财政拨款 | 其他资金
    for r, row in enumerate(block.rows):
        texts = [c.text for c in row]
        hm = map_header(row, r, config=cfg)
        if hm is not None:
            if prev_was_header and header is not None:
                header = _merge_headers(header, hm)
            else:
                header = _merge_headers(partial, hm) if partial is not None else hm
                carry = {"level1": None, "level2": None}
            prev_was_header = True
            partial = None
            continue
        prev_was_header = False
        partial = map_header(row, r, config=cfg, least=1)
        if items_above and _read_items_above(row, items_above, table_unit or cfg.default_money_unit, table_unit is not None, out):
            items_above = None
            continue
        items_above = _items_row(row, cfg)
        note = _note_unit(" ".join(texts), cfg) if any("单位" in t or "元" in t for t in texts) else None
        if note:  # 项目资金（万元） or 单位：万元: the unit of this row and the rows below
            table_unit = note
            if not any(_money_item(t, cfg) for t in texts):
                continue
        if header is None or not (header.is_money or header.is_indicator and _indicator_row_first(row, cfg)):
            unit = note or table_unit
            if _read_label_money(row, unit or cfg.default_money_unit, unit is not None, out, cfg):
                continue
        if header is None:
            continue
        if header.is_money:
            unit = header.money_unit or table_unit
            if _read_money_row(row, header, unit or cfg.default_money_unit, unit is not None, out):
                continue
        if header.is_indicator and not _read_total_score(row, header, out):
            _read_indicator_row(row, header, carry, out, text)
    return out


def _items_row(row: list[Cell], cfg: _Config) -> tuple[str, dict[int, Cell]] | None:
    """A row naming money items column by column (`年度部门整体支出预算 | 资金总额 | 财政拨款 |
    其他资金`), the figures in the row below: (the stage its first cell names, column → label)."""
    cells = [c for c in row if not _is_empty(c.text)]
    items = {c.col: c for c in cells if _money_item(c.text, cfg)}
    if len(items) < 2 or any(_number(c.text) is not None for c in cells):
        return None
    first = normalize_header(cells[0].text) if cells[0].col not in items else ""
    stage = "actual" if re.search("决算|执行", first) else "budget_initial" if "预算" in first else None
    if stage is None:  # 2024年支出合计 | 基本支出 | …: the data of a chart, not a table of the report
        return None
    return stage, items


def _read_items_above(
    row: list[Cell], items_above: tuple[str, dict[int, Cell]], unit: str, unit_known: bool, out: TableReading
) -> bool:
    stage, labels = items_above
    cfg = _config()
    found = False
    for cell in row:
        label = labels.get(cell.col)
        if label is None or _number(cell.text) is None:
            continue
        v = parse_value(cell.text, unit=unit)
        if v is None or v.value is None or v.unit != "元":
            continue
        out.mentions.append(_money_mention(
            cell, v, stage=stage, item=_money_item(label.text, cfg) or "other", label=label,
            unit_known=unit_known, attr_scores=ITEMS_ABOVE_CERTAINTY, score=0.8 if unit_known else 0.6,
        ))  # fmt: skip
        found = True
    return found


TOTAL_SCORE_LABELS = frozenset({"总分", "合计", "总计", "自评总分", "综合得分", "合计得分", "自评得分", "总得分", "得分合计"})


def _read_total_score(row: list[Cell], header: HeaderMap, out: TableReading) -> bool:
    """A 总分 row: the document's overall score as a SCORE mention with attrs.evaluation."""
    at = next((i for i, c in enumerate(row) if normalize_header(c.text) in TOTAL_SCORE_LABELS), None)
    if at is None:
        return False
    numbers = [c for c in row[at + 1 :] if _number(c.text) is not None]
    if not numbers:
        return False
    score_col = header.columns.get("score")
    cell = next((c for c in numbers if c.col == score_col), numbers[-1])
    out.mentions.append(_mention("SCORE", cell, {"number": _number(cell.text), "evaluation": True}, score=0.9))
    return True


_TOKEN = re.compile(r"[^\s|]+")


def _header_line_before(doc: Document, index: int, cfg: _Config) -> list[Cell] | None:
    """The header of a table whose layout left it outside, as the paragraph just before it.

    Whitespace-separated rows lose their header line to the paragraph before the table when
    the header has no number in it; its words become cells when they map to a header and the
    table has no header row of its own.
    """
    block = doc.blocks[index]
    if index == 0 or any(map_header(row, r, config=cfg) for r, row in enumerate(block.rows[:3])):
        return None
    before = doc.blocks[index - 1]
    if before.kind != "paragraph" or block.start - before.end > 2:
        return None
    line = doc.text[before.start : before.end]
    cells = [
        Cell(text=m.group(0), start=before.start + m.start(), end=before.start + m.end(), row=0, col=c)
        for c, m in enumerate(_TOKEN.finditer(line))
    ]
    return cells if cells and map_header(cells, -1, config=cfg) else None


_LINE_NUMBER = re.compile(r"^\s*[0-9]+(?:\.[0-9]+)?\s*$")
_MONEY_LABEL_WORDS = ("万元", "资金", "支出", "预算", "经费", "决算")
_LABEL_SEGMENT = re.compile(r"[：:、)）]")


def label_number_lines(doc: Document, cfg: _Config, *, note_chars: int = 120) -> list[Mention]:
    """Money written one cell per line outside any table: a label line (`部门预算总额（万元）`,
    `（1）基本支出`, `预算数:`) and a bare number on the next line. The stage comes from a stage
    word of the label (预算数, 执行数) or 预算 in it; otherwise it is left to the classifier."""
    out: list[Mention] = []
    blocks = [b for b in doc.blocks if b.kind != "table"]
    for label_block, block in itertools.pairwise(blocks):
        value_text = doc.text[block.start : block.end]
        label = doc.text[label_block.start : label_block.end].strip()
        if not _LINE_NUMBER.match(value_text) or not label or block.start - label_block.end > 2 or _LINE_NUMBER.match(label):
            continue
        if len(label) > 20 or label.startswith("单位") or "表" in label:  # prose, a unit note, a table title
            continue
        segment = normalize_header(_LABEL_SEGMENT.split(label.rstrip("：: "))[-1] or label)
        stage = MONEY_COLUMNS.get(cfg.synonyms.get(normalize_header(label), ""))
        item = _money_item(segment, cfg)
        if stage is None and item is None and not any(w in label for w in _MONEY_LABEL_WORDS):
            continue
        note = _note_unit(doc.text[max(0, label_block.start - note_chars) : label_block.end], cfg)
        v = parse_value(value_text.strip(), unit=note or cfg.default_money_unit)
        if v is None or v.value is None or v.unit != "元":
            continue
        if stage is None and "预算" in doc.text[max(0, label_block.start - 60) : label_block.end]:
            stage = "budget_initial"  # 部门预算总额（万元） and the lines that break it down
        start = block.start + (len(value_text) - len(value_text.lstrip()))
        cell = Cell(text=value_text.strip(), start=start, end=start + len(value_text.strip()), row=0, col=0)
        attrs = {"value_yuan": v.value, "value": v.model_dump(), "item": item or ("total" if "总额" in label else "other"),
                 "item_text": _item_text(segment), "unit_source": "note" if note else "default", "item_score": LABEL_LINE_CERTAINTY["item"]}  # fmt: skip
        if stage is not None:
            attrs.update(stage=stage, stage_score=LABEL_LINE_CERTAINTY["stage"])
        out.append(_mention("MONEY", cell, attrs, score=0.8 if note else 0.6))
    return out


@register
class TablesStage(Stage):
    """Read indicator and money tables by header into mentions and relations (source="table")."""

    name = "tables"
    requires = ("text", "blocks", "quantities")
    assigns = ("mentions", "relations")

    def __init__(self, *, headers: str = "configs/table_headers.toml", context_chars: int = 120) -> None:
        self.headers = headers
        self.context_chars = context_chars

    def __call__(self, doc: Document) -> Document:
        cfg = _config(resolve_path(self.headers))
        for i, block in enumerate(doc.blocks):
            if block.kind != "table" or not block.rows:
                continue
            context = doc.text[max(0, block.start - self.context_chars) : block.start]
            hint = _header_line_before(doc, i, cfg)
            reading = read_table(block, context=context, config=cfg, header_hint=hint, text=doc.text)
            base = len(doc.mentions)
            doc.mentions.extend(reading.mentions)
            doc.relations.extend(
                Relation(head=base + h, tail=base + t, label=label, score=0.95, source="table")
                for h, t, label in reading.relations
            )
        taken = [(m.start, m.end) for m in doc.mentions]
        doc.mentions.extend(
            m for m in label_number_lines(doc, cfg) if not any(a < m.end and m.start < b for a, b in taken)
        )
        return doc
