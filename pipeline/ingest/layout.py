"""Line structure for text without markup: headings, paragraphs, list items and flattened tables.

Plain-text exports and PDF page text arrive as lines. `lines_to_blocks` turns cleaned lines
(each a `MappedText` that remembers its raw offsets) into `RawBlock`s:

- tables that a converter flattened are recovered (`RawBlock.shape` says which shape):
  `pipe` — cells separated by ` | ` and padded with runs of `|`; a row's pipes add up to the
  column count, so rows broken over several lines (down to one cell per line) are rebuilt;
  `cell_lines` — one cell per line between blank lines, a header row of N cells then records
  (labels, then values), right-aligned under the header;
  `grid` — whitespace-separated rows (`产出指标 数量指标 召开会议 2 15`), or runs of lines with the
  same number of tab-separated cells;
  `label_values` — a label line and then its values on the next line (`预算执行率` / `>90% 100% 3 3`);
  `tab_cells` — a Word table saved as text: one tab-indented line per cell, rows between blank
  lines, unindented lines continuing a cell;
  `series` — a chart's data line: k category labels, then k values (two rows);
- under a header whose words say what each column holds (`header_kinds`: labels such as
  一级指标/指标名称, then 指标性质, values, 计量单位, scores, a reason), whitespace rows, label
  lines with their values on the next line, and one-cell-per-line records are cut column by
  column (`_cut_record`): a 一级/二级 cell carried down is left blank on the left, a lone
  operator or unit joins its number unless the header has a column for it (`≥ 90%`, which is
  what `$\\geq$ 90\\%` reads after cleaning), an actual in words is taken before the scores;
- hard-wrapped lines (cut at the page width, often with a blank line between the halves, or by
  a page break) are joined when the break is inside a sentence; headings, list items, table rows,
  titles and labels never are;
- numbered lines (see `numbering`) become headings or list items with a level hint.

Recovery prefers missing a table to inventing one: each shape needs a header or several records
that agree before it is accepted. Every character of the input is kept, once and in order, in
some block (pipes of flattened rows, Markdown separator rows and whitespace excepted), with its raw offset. Linear in the
number of lines.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from pipeline.ingest.builder import DocumentBuilder
from pipeline.ingest.numbering import Numbering, match_numbering
from pipeline.ingest.offsets import MappedText, join
from pipeline.schema import BlockKind

TableShape = str  # "pipe" | "cell_lines" | "grid" | "label_values" | "tab_cells" | "series"


@dataclass
class RawBlock:
    """A block before it is laid into a Document: text, or rows of cells for a table."""

    kind: BlockKind
    text: MappedText | None = None
    rows: list[list[MappedText]] = field(default_factory=list)
    level: int | None = None
    recovered: bool = False
    shape: TableShape | None = None  # for recovered tables: which flattened shape


# --- line predicates -------------------------------------------------------------------------
SENTENCE_END = "。！？；：!?;:…"
CLOSERS = "”’」』）)》】"
HEADING_STYLES = {"part", "cn", "cn_paren", "attachment", "schedule", "table", "table_title"}
LIST_STYLES = {"arabic", "decimal", "arabic_paren", "circled", "goal"}
MAX_HEADING_CHARS = 40
# a wrapped line is at least this long (shorter unpunctuated lines are titles or labels)
MIN_WRAP_CHARS = 16
# lines of equal width at least this wide (in columns, a Chinese character is two) are a local wrap
LOCAL_WRAP_MIN = 24
# a line this wide (50 Chinese characters) is running text, never a title: unfinished, it goes on
LONG_LINE = 100
# cells read before a one-cell-per-line run must show its header
HEADER_LOOKAHEAD = 12
# the widest table a flattened pipe run is read as
MAX_COLUMNS = 60
# label lines allowed between two rows of a grid (a label wrapped in a narrow cell)
MAX_PENDING_LABELS = 10
INNER_PUNCT = re.compile(r"[，。；,;！？]")

_NUMBER = r"(?:\d+(?:[.,]\d+)*|\d*\.\d+)"
_UNIT = r"(?:[%‰℃°]|[万亿千百]?(?:元|人次|人|户|个|次|项|家|所|亩|公里|千米|米|平方米|吨|座|批次|件|天|小时|学时|分|辆|台|套|篇|期|场|处|株|棵|条|册|份|张|名|年|月|日|本|号)(?:[/／][^\s|]{1,6})?|万|亿|[A-Za-z]{1,3}\d?)?"
_OP = r"(?:[≥≤<>=＜＞]=?|>=|<=|约|不低于|不高于|不少于|不超过|达到|大于|小于)?"
QUALITATIVE = (
    "已完成|完成|未完成|达标|合格|显著|是|否|优|良|中|差|优秀|良好|较好|一般|有效|满意|较满意|基本满意"
    "|相关|科学|合理|完整|规范|健全|真实|合规|按时|及时|按时公开|增强|推进|提高|逐步提高|明显提高|有所提高"
    "|持续|长期|降低|减少|下降|稳定|无|零|达到|符合|达成|明显|改善|逐步改善|保障|提升|不适用|/|—|-|——|……"
    "|按时完成|全部完成|基本完成|部分完成|有效改善|明显改善|有所提升|明显提升|显著提升|持续发挥作用"
)
VALUE_TOKEN = re.compile(
    rf"^(?:{_OP}{_NUMBER}{_UNIT}(?:[-~～至]{_NUMBER}{_UNIT})?"
    rf"|\d{{4}}年(?:\d{{1,2}}月(?:\d{{1,2}}日)?|底|末|内)?(?:前)?"
    rf"|每\S{{1,3}}{_NUMBER}\S{{0,3}}|(?:{QUALITATIVE}))$"
)
HEADER_CELL = re.compile(
    r"^(?:[一二三四]级指标|(?:年度|全年)?(?:绩效)?(?:指标值|目标值|实际值|完成值|实际完成值|实际完成指标值|预期目标)"
    r"|分值|(?:自评)?得分|权重|指标名称|指标内容|绩效指标|指标|(?:绩效)?指标性质|(?:绩效)?(?:计量|度量)?单位|备注|评分标准|"
    r"(?:偏差|未完成)原因(?:分析)?(?:及|和)?(?:拟采取的)?(?:改进措施)?"
    r"|(?:全年|年初|调整后)?(?:预算数|执行数|预算执行数|执行率|预算执行率)(?:[（(][A-Z/×0-9%]{1,12}[）)])?"
    r"|(?:年度|全年)?(?:绩效)?(?:指标值|目标值|实际值|完成值)[（(][A-Z/×0-9%]{1,12}[）)]"
    r"|(?:项目)?资金(?:投入)?(?:情况)?[（(]万?元[）)]"
    r"|主要内容|任务名称|项目名称|项目|科目|类别|名称|序号"
    r"|实际完成情况|完成情况|目标实际完成情况)$"
)
# what a header word says its column holds (whitespace rows and one-cell-per-line records are
# cut into cells by these): labels on the left, then values, operators, units, numbers, text
_BRACKET_NOTE = re.compile(r"[（(][^（）()]{1,10}[）)]$")
HEADER_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("label", (r"^(?:[一二三四]级指标|指标名称|指标内容|绩效指标|指标|项目|项目名称|名称|科目|类别|任务名称|主要内容"
                   r"|(?:项目)?资金(?:投入)?(?:情况|来源)?)$")),
        ("nature", r"^(?:绩效)?指标(?:性质|方向)$"),
        ("unit", r"^(?:绩效)?(?:计量|度量)?单位$"),
        ("number", r"^(?:分值|(?:自评)?得分|权重|评分)$"),
        ("value", (r"^(?:(?:年度|全年)?(?:绩效)?(?:指标值|目标值|实际值|完成值|实际完成值|实际完成指标值|预期目标|预期值)"
                   r"|(?:全年|年初|调整后)?(?:预算数|执行数|预算执行数|执行率|预算执行率|决算数)"
                   r"|(?:目标)?实际完成情况|完成情况)$")),
        ("text", r"^(?:(?:偏差|未完成)原因\S{0,12}|备注|评分标准|说明)$"),
    )
)  # fmt: skip
NATURE_WORD = re.compile(
    r"^(?:[≥≤<>=＜＞＝]=?|>=|<=|定性|定量|正向|反向|正向指标|反向指标|大于等于|小于等于|等于|大于|小于)$"
)
LONE_OP = re.compile(r"^(?:[≥≤<>=＜＞＝]=?|>=|<=|约|不低于|不高于|不少于|不超过|达到|大于|小于)$")
LEAD_TAB = re.compile(r"^ *\t")
MD_SEPARATOR = re.compile(r"^\|(?:\s*:?-{3,}:?\s*\|)+\s*$")
PIPE_PADDING = re.compile(r"\|[ \t]*\|[ \t|]*$")
SPACES = re.compile(r"[ \t]+")
TABS = re.compile(r"[ ]*\t[ \t]*")
WIDE_SPACES = re.compile(r"[ \t]{2,}|\t")
# a paragraph that opens with its own label (绩效目标：…) starts anew
LABELLED = re.compile(r"^[^，。；：:\s]{2,8}[：:]")
PROSE_MARKS = re.compile(r"[，、；,;]|[A-Za-z] [A-Za-z]")
PAREN_NOTE = re.compile(r"^[（(][^（）()]{1,12}[）)]$")


def strip(text: MappedText) -> MappedText:
    """`text` without leading and trailing whitespace (origins kept)."""
    s = text.text
    start = len(s) - len(s.lstrip())
    end = len(s.rstrip())
    return text[start:end] if (start or end != len(s)) else text


def is_value(token: str) -> bool:
    return VALUE_TOKEN.match(token) is not None


def header_kind(word: str) -> str | None:
    """The kind of column a header word names (`年度指标值(A)` → "value"), None if unknown."""
    s = _BRACKET_NOTE.sub("", word.replace(" ", ""))
    return next((kind for kind, pattern in HEADER_KINDS if pattern.match(s)), None)


def _is_unit_only(token: str) -> bool:
    return bool(token) and not any(ch.isdigit() for ch in token) and re.fullmatch(_UNIT, token) is not None


def tokens(line: MappedText) -> list[MappedText]:
    """Whitespace-separated pieces of a line (tab-separated where it has tabs), origins kept."""
    out, pos = [], 0
    for m in (TABS if "\t" in line.text else SPACES).finditer(line.text):
        if m.start() > pos:
            out.append(line[pos : m.start()])
        pos = m.end()
    if pos < len(line.text):
        out.append(line[pos:])
    return out


def _is_prose(s: str) -> bool:
    """Running text rather than a cell or a label: long, or a sentence with inner punctuation."""
    return len(s) > 60 or (len(s) > 25 and INNER_PUNCT.search(s[:-1]) is not None)


# --- shape (a): pipe rows --------------------------------------------------------------------
def _is_pipe_line(s: str) -> bool:
    return "|" in s and (s.endswith("|") or " | " in s) and not s.startswith("《")


def _pipe_rows(lines: list[MappedText]) -> list[list[MappedText]]:
    """Rows of cells from consecutive pipe lines; a row's pipes add up to the column count."""
    if len(lines) >= 2 and all(ln.text.startswith("|") and ln.text.endswith("|") for ln in lines):
        # Markdown: | a | b | rows and a |---|---| separator
        lines = [ln[1:] for ln in lines if not MD_SEPARATOR.match(ln.text)]
    counts = [ln.text.count("|") for ln in lines]
    ncols = _pipe_columns(lines, counts)
    rows: list[list[MappedText]] = []
    group: list[MappedText] = []
    acc = 0
    for line, n in zip(lines, counts):
        if group and acc + n > ncols:
            rows.append(_pipe_cells(group))
            group, acc = [], 0
        group.append(line)
        acc += n
        if acc >= ncols:
            rows.append(_pipe_cells(group))
            group, acc = [], 0
    if group:
        rows.append(_pipe_cells(group))
    return [row for row in rows if any(c.text for c in row)]


def _pipe_columns(lines: list[MappedText], counts: list[int]) -> int:
    """The column count: the row width under which most rows end on a padding run."""
    best, best_score = max(counts), (-1, -1)
    for k in range(2, min(max(counts), MAX_COLUMNS) + 2):
        padded = covered = acc = 0
        start = 0
        for i, n in enumerate(counts):
            if acc == 0:
                start = i
            acc += n
            if acc == k:
                covered += i - start + 1
                has_text = any(lines[r].text.strip("| \t") for r in range(start, i + 1))
                padded += has_text and PIPE_PADDING.search(lines[i].text) is not None
                acc = 0
            elif acc > k:
                acc = 0
        score = (covered + 2 * padded, padded)
        if score > best_score:
            best, best_score = k, score
    return best


def _pipe_cells(group: list[MappedText]) -> list[MappedText]:
    """Cells of one row: each `|` closes a cell; a line that ends without one continues its cell."""
    cells: list[MappedText] = []
    current: list[MappedText] = []
    for line in group:
        pos = 0
        for m in re.finditer(r"\|", line.text):
            current.append(line[pos : m.start()])
            cells.append(strip(join(current)))
            current = []
            pos = m.end()
        rest = line[pos:]
        if rest.text.strip():
            current.append(strip(rest))
    if current:
        cells.append(strip(join(current)))
    while cells and not cells[-1].text:
        cells.pop()
    return cells


# --- shapes (c) and (d): whitespace grids and label/value lines ------------------------------
@dataclass
class _GridLine:
    labels: list[MappedText]
    values: list[MappedText]
    header: bool = False
    tabbed: bool = False  # cells separated by tabs: their boundaries are given, never merged


def _grid_line(line: MappedText) -> _GridLine | None:
    """A header line, or a line that ends in at least two value tokens; None otherwise."""
    s = line.text
    if "|" in s or _is_prose(s) or "。" in s:
        return None
    toks = tokens(line)
    if len(toks) >= 3 and all(HEADER_CELL.match(t.text) for t in toks):
        return _GridLine(labels=toks, values=[], header=True)
    tabbed = "\t" in s
    if (
        tabbed
        and len(toks) >= 3
        and any(HEADER_CELL.match(t.text) for t in toks)
        and not any(is_value(t.text) for t in toks)
    ):
        return _GridLine(labels=toks, values=[], header=True, tabbed=True)
    k = len(toks)
    while k > 0 and is_value(toks[k - 1].text):
        k -= 1
    values = toks[k:]
    if len(values) < 2:
        return None
    labels = toks[:k]
    if len(labels) > 3 and "\t" not in s:
        return None
    return _GridLine(labels=labels, values=values, tabbed=tabbed)


def _is_label_line(s: str) -> bool:
    return 0 < len(s) <= 30 and not _is_prose(s) and "|" not in s


def _fit(cells: list[MappedText], n_labels: int, width: int) -> list[MappedText]:
    """Merge label cells until the row has at most `width` cells; pad merged columns on the left."""
    labels, values = cells[:n_labels], cells[n_labels:]
    # a bracketed note (（15 分）) or a one- or two-character tail belongs to the label before it
    i = 1
    while len(labels) + len(values) > width and i < len(labels):
        t = labels[i].text
        if PAREN_NOTE.match(t) or len(t) <= 2:
            labels[i - 1 : i + 1] = [labels[i - 1] + labels[i]]
        else:
            i += 1
    # the last label was wrapped over several lines: join its pieces
    while len(labels) + len(values) > width and len(labels) >= 2:
        labels[-2:] = [labels[-2] + labels[-1]]
    row = labels + values
    if len(row) < width:
        row = [MappedText("", [])] * (width - len(row)) + row
    return row


def _grid_table(items: list[tuple[MappedText, _GridLine | None]]) -> tuple[list[list[MappedText]], TableShape]:
    """Rows from a run of grid lines and the label lines between them."""
    header: list[MappedText] | None = None
    raw_rows: list[tuple[list[MappedText], int]] = []
    pending: list[MappedText] = []
    separate = 0
    for line, grid in items:
        if grid is None:
            pending.append(strip(line))
            continue
        if grid.header:
            raw_rows.extend(([p], 1) for p in pending)  # never reached by _scan_grid; never lose text
            pending = []
            header = grid.labels
            raw_rows.append((header, len(header)))
            continue
        if not grid.labels and pending:
            separate += 1
        labels = pending + grid.labels
        raw_rows.append((labels + grid.values, -1 if grid.tabbed else len(labels)))
        pending = []
    widths = Counter(len(r) for r, _ in raw_rows if r is not header)
    width = len(header) if header else (widths.most_common(1)[0][0] if widths else 0)
    rows = [r if r is header else _fit(r, n, max(width, len(r) if n < 0 else len(r) - n)) for r, n in raw_rows]
    shape = "label_values" if separate * 2 >= len(raw_rows) - (1 if header else 0) else "grid"
    return rows, shape


# --- records cut by the header's columns (whitespace rows, label lines, one cell per line) ----
BLANK = MappedText("", [])
BARE_NUMBER = re.compile(r"^\d+(?:\.\d+)?分?$")
# a cell of a text column (偏差原因) in a stream of cells: long, or saying why
REASON = re.compile(r"原因|影响|未完成|未达|[，。；,;]")
NO_TEXT = frozenset({"无", "/", "—", "-", "——", "……", "…"})  # an empty text cell written out


def header_kinds(words: list[str]) -> list[str | None] | None:
    """Column kinds of a header row, or None when the words are not a header: three known
    header words or more, two thirds of all, a label column first and a value column."""
    kinds = [header_kind(w) for w in words]
    known = sum(k is not None for k in kinds)
    if len(words) < 3 or known < 3 or known * 3 < 2 * len(words) or any(len(w) > 20 for w in words):
        return None
    if kinds[0] != "label" or not any(k in ("value", "number") for k in kinds):
        return None
    return kinds


def _label_columns(kinds: list[str | None]) -> int:
    return next((c for c, k in enumerate(kinds) if k not in ("label", None)), len(kinds))


def _opens_values(cells: list[MappedText], pos: int) -> bool:
    t = cells[pos].text
    return is_value(t) or NATURE_WORD.match(t) is not None


def _cut_record(
    cells: list[MappedText], pos: int, kinds: list[str | None], *, whole: bool, n_given: int | None = None
) -> tuple[list[MappedText], int]:
    """One record from `cells[pos:]` under a header of `kinds`: its label cells up to the first
    value, fitted to the label columns (a missing 一级/二级 cell left blank on the left), then
    one cell per value column where the next cell suits it (blank where it does not). An
    operator or a unit standing alone joins its number when the header has no column for it.
    `whole`: the cells are one line's, so a text column takes the rest and nothing is left over.
    `n_given`: the record's first `n_given` cells are its labels, all the others values.
    Returns the row and the position after it."""
    n, n_labels = len(cells), _label_columns(kinds)
    labels: list[MappedText] = []
    while pos < n and (pos < n_given if n_given is not None else not _opens_values(cells, pos)):
        labels.append(cells[pos])
        pos += 1
    row = _fit(labels, len(labels), n_labels) if labels else [BLANK] * n_labels
    rest = cells[pos:]
    numbers = [c for c, k in enumerate(kinds) if k == "number"]
    if whole and len(rest) == len(numbers) >= 2 and all(BARE_NUMBER.match(c.text) for c in rest):
        # only scores (总分 100 97): under the number columns
        by_col = dict(zip(numbers, rest, strict=True))
        row += [by_col.get(c, BLANK) for c in range(n_labels, numbers[-1] + 1)]
        return row, len(cells)
    has_nature, has_unit = "nature" in kinds, "unit" in kinds
    last = ""  # text of the last value taken
    for kind in kinds[n_labels:]:
        cell: MappedText | None = None
        t = cells[pos].text if pos < n else ""
        if not t:
            pass
        elif kind == "nature":
            cell = cells[pos] if NATURE_WORD.match(t) else None
        elif kind == "unit":
            # a unit of the list, or any word of one or two characters (盏, 平方米 is listed)
            unit = _is_unit_only(t) or (len(t) <= 2 and not any(ch.isdigit() for ch in t) and not NATURE_WORD.match(t))
            cell = cells[pos] if last[-1:].isdigit() and unit else None
        elif kind == "number":
            cell = cells[pos] if BARE_NUMBER.match(t) else None
        elif kind == "text":
            if whole:
                cell = join(cells[pos:])
                pos = n - 1
            elif len(t) >= 12 or REASON.search(t) or t in NO_TEXT:
                cell = cells[pos]
        elif not has_nature and LONE_OP.match(t) and pos + 1 < n and is_value(cells[pos + 1].text):
            cell = cells[pos] + cells[pos + 1]
            pos += 1
        elif is_value(t) or (
            (n_given is not None or last in ("定性", "定量")) and len(t) <= 16 and not t.endswith("指标")
        ):
            cell = cells[pos]
        elif last and len(t) <= 12 and not t.endswith("指标") and "number" in kinds and not INNER_PUNCT.search(t):
            # an actual in words after its target, before the row's scores (有所提升 … 18 14.4)
            following = cells[pos + 1 :] if whole else cells[pos + 1 : pos + 2]
            if any(BARE_NUMBER.match(c.text) for c in following):
                cell = cells[pos]
        if cell is None:
            row.append(BLANK)
            continue
        pos += 1
        unit_follows = pos < n and cell.text[-1:].isdigit() and _is_unit_only(cells[pos].text)
        if kind not in ("nature", "unit", "number", "text") and not has_unit and unit_follows:
            cell, pos = cell + cells[pos], pos + 1
        row.append(cell)
        last = cell.text
    if whole and pos < n:
        row.extend(cells[pos:])  # cells no column took: kept, at the end
        pos = n
    while len(row) > len(kinds) and not row[-1].text:
        row.pop()
    # a text column left blank at the end of a row is no cell
    while len(row) > n_labels and not row[-1].text and kinds[len(row) - 1] == "text":
        row.pop()
    return row, pos


def _cut_records(cells: list[MappedText], kinds: list[str | None]) -> list[list[MappedText]]:
    """Records from a stream of cells (one cell per line) under a header of `kinds`."""
    rows: list[list[MappedText]] = []
    pos = 0
    while pos < len(cells):
        row, nxt = _cut_record(cells, pos, kinds, whole=False)
        if nxt == pos:  # a value no column takes: a row of its own, never lost
            row, nxt = [cells[pos]], pos + 1
        elif not any(c.text for c in row[_label_columns(kinds) :]):
            row = [c for c in row if c.text]  # labels whose values the excerpt does not have
        rows.append(row)
        pos = nxt
    return rows


def _scan_header_rows(
    lines: list[MappedText], i: int, kinds: list[str | None]
) -> tuple[list[list[MappedText]], TableShape, int] | None:
    """A whitespace-separated header line at `i` and the rows under it, each line a record (or
    label lines, then a line of values: a row's labels wrapped or written one per line)."""
    n = len(lines)
    rows = [tokens(lines[i])]
    pending: list[MappedText] = []
    end = j = i + 1
    separate = 0
    while j < n:
        s = lines[j].text
        if not s:
            j += 1
            continue
        toks = tokens(lines[j])
        if "|" in s or "\t" in s or any(_is_prose(t.text) for t in toks) or len(toks) > 3 * len(kinds):
            break
        if header_kinds([t.text for t in toks]) is not None:
            break  # another table's header
        values = "。" not in s and any(_opens_values(toks, k) for k in range(len(toks)))
        # after label lines, a line of no more cells than the value columns, ending in a score,
        # is values only (持续发挥作用 持续发挥作用 12 12)
        scored = BARE_NUMBER.match(toks[-1].text) or (
            len(toks) >= 2 and kinds[-1] == "text" and BARE_NUMBER.match(toks[-2].text)  # then a reason
        )
        given = bool(pending) and len(toks) <= len(kinds) - _label_columns(kinds) and bool(scored)
        if all(NATURE_WORD.match(t.text) for t in toks):
            values = given = False  # 定性 on a line of its own: the first of the values that follow
        value_columns = sum(k in ("value", "number") for k in kinds)
        if len(toks) == 1 and value_columns > 1 and not any(ch.isdigit() for ch in s):
            values = given = False  # one word (完成) where a row has several values: a wrapped label's end
        # the label lines' own labels: all but a trailing 指标性质 word (定性, ≥)
        n_given = len(pending)
        while n_given and NATURE_WORD.match(pending[n_given - 1].text):
            n_given -= 1
        if (values or given) and (len(toks) >= 2 or pending):
            separate += bool(pending) and (given or _opens_values(toks, 0))
            row, _ = _cut_record(pending + toks, 0, kinds, whole=True, n_given=n_given if given else None)
            rows.append(row)
            pending = []
            end = j + 1
        elif len(s) <= 30 and len(toks) <= 3 and len(pending) < MAX_PENDING_LABELS + 1:
            numbering = match_numbering(s)
            if numbering is not None and numbering.style in HEADING_STYLES:
                break
            pending.append(lines[j])  # a label line is one cell (its spaces belong to it)
        else:
            break
        j += 1
    records = [r for r in rows[1:] if sum(1 for c in r if c.text) >= 2]
    if len(records) < 2:
        return None
    return rows, ("label_values" if separate * 2 >= len(records) else "grid"), end


# --- shape (b): one cell per line between blank lines -----------------------------------------
def _header_at(cells: list[MappedText], p: int) -> tuple[list[MappedText], int]:
    """Header cells from `p`, pieces of a header cell wrapped over short lines joined
    (年度 / 指标值, 偏差原因 / 分析及 / 改进措施); returns them and the index after them."""
    out: list[MappedText] = []
    q = p
    while q < len(cells):
        cell, nxt = cells[q], q + 1
        if not HEADER_CELL.match(cell.text):
            # the first piece of a wrapped header cell
            if not (len(cell.text) <= 4 and nxt < len(cells) and HEADER_CELL.match(cell.text + cells[nxt].text)):
                break
            cell, nxt = cell + cells[nxt], nxt + 1
        while (
            nxt < len(cells)
            and len(cells[nxt].text) <= 4
            and not HEADER_CELL.match(cells[nxt].text)
            and HEADER_CELL.match(cell.text + cells[nxt].text)
        ):
            cell, nxt = cell + cells[nxt], nxt + 1
        out.append(cell)
        q = nxt
    return out, q


def _cell_tables(cells: list[MappedText]) -> list[tuple[list[list[MappedText]], list[MappedText]]] | None:
    """Header of N cells, then records (labels then values) right-aligned to N columns; a new
    header (three header cells or more) starts another table. Each table comes with the cells
    after its last record that are text, not rows (more than N cells without a value: a form's
    fields)."""
    header, p = _header_at(cells, 0)
    if len(header) < 3:
        return None
    tables: list[tuple[list[list[MappedText]], list[MappedText]]] = []
    while True:
        width = len(header)
        rows: list[list[MappedText]] = [header]
        labels: list[MappedText] = []
        values: list[MappedText] = []
        following: tuple[list[MappedText], int] | None = None
        kinds = header_kinds([h.text for h in header])
        q = p
        while q < len(cells):
            cell = cells[q]
            if HEADER_CELL.match(cell.text) or len(cell.text) <= 4:
                nxt_header = _header_at(cells, q)
                if len(nxt_header[0]) >= 3:
                    following = nxt_header
                    break
            q += 1
            if kinds is not None:
                continue  # cut by the header's columns below
            if is_value(cell.text):
                values.append(cell)
                continue
            if values:
                rows.append(_fit(labels + values, len(labels), max(width, len(values) + 1)))
                labels, values = [], []
            labels.append(cell)
        if kinds is not None:
            rows.extend(_cut_records(cells[p:q], kinds))
        elif values:
            rows.append(_fit(labels + values, len(labels), max(width, len(values) + 1)))
        elif labels:
            rows.append(labels)  # labels whose values the excerpt does not have (or a form's fields)
        # rows without a value at the end: a row whose values the excerpt lacks, or text
        tail: list[list[MappedText]] = []
        while len(rows) > 1 and not any(is_value(c.text) or NATURE_WORD.match(c.text) for c in rows[-1]):
            tail.insert(0, rows.pop())
        leftover = [c for r in tail for c in r if c.text]
        if len(leftover) <= width:
            rows.extend(tail)
            leftover = []
        records = [r for r in rows[1:] if sum(1 for c in r if c.text) >= 2]
        # a header whose words say what each column holds needs one record, as does a record of
        # three values or more; others two
        strong = kinds is not None or any(sum(is_value(c.text) for c in r) >= 3 for r in records)
        if not tables and len(records) < (1 if strong else 2):
            return None
        tables.append((rows, leftover))
        if following is None:
            return tables
        header, p = following


# --- the scan ----------------------------------------------------------------------------------
def lines_to_blocks(lines: list[MappedText]) -> list[RawBlock]:
    """Blocks in reading order from cleaned lines (one `MappedText` per line, no newline)."""
    tabbed = ["\t" in ln.text for ln in lines]  # tab-indented lines are cells, never wrapped prose
    lead_tab = [LEAD_TAB.match(ln.text) is not None for ln in lines]
    lines = [strip(ln) for ln in lines]
    n = len(lines)
    wrap = wrap_width(lines)
    grids = [_grid_line(ln) if ln.text else None for ln in lines]
    next_grid = [n + 2 * MAX_PENDING_LABELS + 2] * (n + 1)  # index of the next grid line
    for k in range(n - 1, -1, -1):
        next_grid[k] = k if grids[k] is not None else next_grid[k + 1]
    blocks: list[RawBlock] = []
    i = 0
    para: list[MappedText] = []  # lines of the paragraph being built
    para_last = -1  # index of its last line
    # scans starting before these indices are known to fail (a later start reads a suffix of the run)
    tab_scan_failed = pipe_scan_failed = cells_scan_failed = header_scan_failed = 0
    para_kind: BlockKind = "paragraph"
    para_level: int | None = None

    def flush() -> None:
        nonlocal para, para_kind, para_level
        if para:
            blocks.append(RawBlock(kind=para_kind, text=_join_wrapped(para), level=para_level))
        para, para_kind, para_level = [], "paragraph", None

    while i < n:
        s = lines[i].text
        # (e) one cell per tab-indented line, rows between blank lines (Word tables as text)
        if lead_tab[i] and i >= tab_scan_failed:
            table_e = _scan_tab_cells(lines, lead_tab, i)
            if table_e is None:
                # a later start inside the same run reads a suffix of it: it would fail too
                tab_scan_failed = _tab_run_end(lines, lead_tab, i)
            else:
                rows, j = table_e
                flush()
                blocks.append(RawBlock(kind="table", rows=rows, recovered=True, shape="tab_cells"))
                i = j
                continue
        if not s:
            i += 1
            continue
        # (c) tab-separated: chart series (labels then as many values) and runs of equal rows
        if tabbed[i] and not lead_tab[i]:
            table_c = _scan_tab_rows(lines, i)
            if table_c is not None:
                rows, shape, j = table_c
                flush()
                blocks.append(RawBlock(kind="table", rows=rows, recovered=True, shape=shape))
                i = j
                continue
        # (a) pipe rows
        if i >= pipe_scan_failed and _is_pipe_line(s):
            j = i
            run: list[MappedText] = []
            while j < n and (lines[j].text == "" or _is_pipe_line(lines[j].text)):
                if lines[j].text:
                    run.append(lines[j])
                j += 1
            rows = _pipe_rows(run)
            if len(rows) >= 2 and sum(len(r) >= 2 for r in rows) >= 2:
                flush()
                blocks.append(RawBlock(kind="table", rows=rows, recovered=True, shape="pipe"))
                i = j
                continue
            pipe_scan_failed = j  # the rest of the run would fail the same way
        # (c)/(d) whitespace rows under a header line whose words say what each column holds
        if i >= header_scan_failed and " " in s and (kinds := header_kinds([t.text for t in tokens(lines[i])])):
            found_rows = _scan_header_rows(lines, i, kinds)
            if found_rows is not None:
                rows, shape, j = found_rows
                flush()
                blocks.append(RawBlock(kind="table", rows=rows, recovered=True, shape=shape))
                i = j
                continue
            header_scan_failed = i + 1
        # (c)/(d) whitespace grids and label/value lines
        if next_grid[i] - i <= 2 * MAX_PENDING_LABELS + 1:
            table = _scan_grid(lines, i, grids)
            if table is not None:
                rows, shape, j = table
                flush()
                blocks.append(RawBlock(kind="table", rows=rows, recovered=True, shape=shape))
                i = j
                continue
        # (b) one cell per line between blank lines
        if i >= cells_scan_failed and HEADER_CELL.match(s):
            found, j = _scan_cells(lines, i)
            if found is None:
                cells_scan_failed = j
            else:
                flush()
                for rows, leftover in found:
                    blocks.append(RawBlock(kind="table", rows=rows, recovered=True, shape="cell_lines"))
                    blocks.extend(RawBlock(kind="paragraph", text=cell) for cell in leftover)
                i = j
                continue
        # headings, list items, paragraphs with hard wraps joined
        numbering = match_numbering(s)
        kind, level = _line_kind(s, numbering)
        if (
            para
            and not tabbed[i]
            and not tabbed[para_last]
            and _continues(para, s, numbering, para_kind, wrap=wrap, blank=not lines[i - 1].text)
        ):
            para.append(lines[i])
        else:
            flush()
            para, para_kind, para_level = [lines[i]], kind, level
        para_last = i
        i += 1
    flush()
    return blocks


def _line_kind(s: str, numbering: Numbering | None) -> tuple[BlockKind, int | None]:
    if numbering is None:
        return "paragraph", None
    short = len(s) <= MAX_HEADING_CHARS and INNER_PUNCT.search(s.rstrip("。:：")) is None
    if numbering.style in HEADING_STYLES and short:
        return "heading", numbering.level
    if numbering.style in LIST_STYLES:
        return ("heading" if short and len(s) <= 24 else "list_item"), numbering.level
    return "paragraph", None


WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def display_width(s: str) -> int:
    """Columns the line takes on a page: Chinese characters count twice."""
    return len(s) + len(WIDE.findall(s))


def wrap_width(lines: list[MappedText]) -> int | None:
    """The width at which a converter wrapped lines: the most common width of long lines.

    Lines cut at the page edge share one width (give or take a character); documents whose
    paragraphs are one line each have no such mode, and then nothing is joined by width.
    """
    widths = [display_width(ln.text) for ln in lines if len(ln.text) >= MIN_WRAP_CHARS]
    if len(widths) < 3:
        return None
    buckets = Counter(w // 4 for w in widths)
    bucket, count = buckets.most_common(1)[0]
    if count < 5 or count < 0.15 * len(widths):
        return None
    return bucket * 4 + 3


def _continues(
    para: list[MappedText],
    line: str,
    numbering: Numbering | None,
    prev_kind: BlockKind,
    *,
    wrap: int | None,
    blank: bool,
) -> bool:
    """Whether `line` continues the sentence that the paragraph's last line broke off (a hard wrap).

    `wrap` is the document's wrap width (None: no wrapping seen); `blank` says a blank line
    lies between the two. Text wrapped inside a narrow table cell has its own width: two lines
    of the same width, the first unfinished, are a wrap too.
    """
    prev = para[-1].text
    if numbering is not None or not prev or prev[-1] in SENTENCE_END:
        return False
    if prev[-1] in CLOSERS and len(prev) >= 2 and prev[-2] in SENTENCE_END:
        return False
    if PAREN_NOTE.match(line) or HEADER_CELL.match(line) or LABELLED.match(line):
        return False
    finished = line[-1] in SENTENCE_END or (line[-1] in CLOSERS and line[-2:-1] in tuple(SENTENCE_END))
    if prev_kind == "heading":
        # a heading wrapped at the page edge keeps only a short, finished tail (…设定情 / 况。)
        return len(line) <= 6 and finished and wrap is not None and display_width(prev) >= 0.85 * wrap
    if len(line) <= 4 and not finished:
        return False  # a word on its own line (目录, 预算) is a label, not the end of a sentence
    if blank and len(line) < MIN_WRAP_CHARS and not finished and PROSE_MARKS.search(line) is None:
        return False  # a short unpunctuated line after a blank is a title
    # titles, breadcrumbs and labels can reach any width; wrapped prose has commas
    prose = PROSE_MARKS.search(prev) is not None or PROSE_MARKS.search(line) is not None
    width = display_width(prev)
    at_edge = wrap is not None and width >= 0.85 * wrap
    if not at_edge and width >= LONG_LINE:
        at_edge = True  # a long line that stops mid-sentence was cut by a page break
    if not at_edge and width >= LOCAL_WRAP_MIN:
        before = display_width(para[-2].text) if len(para) >= 2 else None
        at_edge = abs(width - (before if before is not None else display_width(line))) <= 2
    if at_edge and prose:
        return True
    # an unfinished clause (ends in a comma) continues on the next line when nothing lies between
    return not blank and len(prev) >= MIN_WRAP_CHARS and prev[-1] in "，、,"


def _join_wrapped(parts: list[MappedText]) -> MappedText:
    out = parts[0]
    for part in parts[1:]:
        if out.text[-1:].isascii() and out.text[-1:].isalnum() and part.text[:1].isascii() and part.text[:1].isalnum():
            out = out + out.inserted(" ", out.origin[-1] + 1)
        out = out + part
    return out


def _scan_grid(
    lines: list[MappedText], i: int, grids: list[_GridLine | None]
) -> tuple[list[list[MappedText]], TableShape, int] | None:
    """A run of grid lines starting at `i` (label lines allowed between them), or None."""
    n = len(lines)
    items: list[tuple[MappedText, _GridLine | None]] = []
    j, last_grid, labels_since = i, -1, 0
    while j < n:
        s = lines[j].text
        if not s:
            j += 1
            continue
        grid = grids[j]
        if grid is not None and grid.header and last_grid >= 0:
            break  # a second header starts another table
        if grid is not None:
            items.append((lines[j], grid))
            last_grid, labels_since = len(items), 0
        elif _is_label_line(s) and labels_since < MAX_PENDING_LABELS:
            if match_numbering(s) is not None and match_numbering(s).style in HEADING_STYLES - {"table_title"}:
                break
            items.append((lines[j], None))
            labels_since += 1
        else:
            break
        j += 1
    if last_grid < 0:
        return None
    items = items[:last_grid]
    grids = [g for _, g in items if g is not None]
    records = [g for g in grids if not g.header]
    has_header = any(g.header for g in grids)
    if len(records) < 2 or (len(records) < 3 and not has_header):
        return None
    first_grid = next(g for _, g in items if g is not None)
    if first_grid.header and items[0][1] is not first_grid:
        return None  # the table starts at its header; the lines before it are text
    if not has_header and items[0][1] is None:
        # without a header, a table starts at its first record, or at the label line whose
        # values follow on the next line
        nxt = items[1][1] if len(items) > 1 else None
        if nxt is None or nxt.labels:
            return None
    # the table ends at its last grid line; give back the label lines after it
    end = i
    count = 0
    while count < len(items):
        if lines[end].text:
            count += 1
        end += 1
    rows, shape = _grid_table(items)
    return rows, shape, end


def _scan_cells(
    lines: list[MappedText], i: int
) -> tuple[list[tuple[list[list[MappedText]], list[MappedText]]] | None, int]:
    """One cell per line, the lines separated by blank lines, from a header at `i`.

    Returns the tables and the index after them; or None and the index before which another
    start would fail too (`i` itself when there is no header at `i`, since one may follow).
    """
    n = len(lines)
    cells: list[MappedText] = []
    j = i
    while j < n:
        s = lines[j].text
        if not s:
            j += 1
            continue
        if _is_prose(s) or "|" in s or (cells and lines[j - 1].text):
            break  # running text, another shape, or two content lines without a blank between
        cells.append(lines[j])
        j += 1
        if len(cells) == HEADER_LOOKAHEAD and len(_header_at(cells, 0)[0]) < 3:
            return None, i
    if len(_header_at(cells, 0)[0]) < 3:
        return None, i
    tables = _cell_tables(cells) if len(cells) >= 6 else None
    return tables, j


def _scan_tab_rows(lines: list[MappedText], i: int) -> tuple[list[list[MappedText]], TableShape, int] | None:
    """A chart's data line (k labels, then k values) or three or more lines of equal tab-separated cells."""
    first = tokens(lines[i])
    k = len(first)
    while k > 0 and is_value(first[k - 1].text):
        k -= 1
    if k >= 2 and len(first) == 2 * k:
        return [first[:k], first[k:]], "series", i + 1
    width = len(first)
    if width < 2:
        return None
    rows = [first]
    j = i + 1
    while j < len(lines) and "\t" in lines[j].text and len(row := tokens(lines[j])) == width:
        rows.append(row)
        j += 1
    if len(rows) < 3:
        return None
    return rows, "grid", j


def _tab_run_end(lines: list[MappedText], lead_tab: list[bool], i: int) -> int:
    """The index after the run of tab-indented lines, blank lines and continuations from `i`."""
    j = i
    while j < len(lines) and (lead_tab[j] or not lines[j].text or (j > i and lead_tab[j - 1])):
        j += 1
    return j


def _scan_tab_cells(lines: list[MappedText], lead_tab: list[bool], i: int) -> tuple[list[list[MappedText]], int] | None:
    """Rows of cells from `i`: a tab-indented line opens a cell, an unindented line continues it,
    a blank line ends the row; the table ends where the next row would not open with a tab."""
    n = len(lines)
    rows: list[list[list[MappedText]]] = []
    row: list[list[MappedText]] = []
    j = i
    while j < n:
        if lead_tab[j]:
            row.append([lines[j]] if lines[j].text else [])
        elif lines[j].text:
            if not row:
                break
            row[-1].append(lines[j])
        else:
            if row:
                rows.append(row)
                row = []
            k = j + 1
            while k < n and not lines[k].text and not lead_tab[k]:
                k += 1
            if k >= n or not lead_tab[k]:
                break
        j += 1
    if row:
        rows.append(row)
    table = [[_join_wrapped(c) if c else MappedText("", []) for c in r] for r in rows]
    if len(table) < 2 or sum(1 for r in table if sum(1 for c in r if c.text) >= 2) < 2:
        return None
    texts = [c.text for r in table for c in r if c.text]
    if sum(1 for t in texts if _is_prose(t)) * 3 > len(texts):
        return None  # paragraphs indented with a tab, not cells
    return table, j


def add_blocks(builder: DocumentBuilder, blocks: list[RawBlock], *, page: int | None = None) -> None:
    """Lay `blocks` into `builder` in order."""
    for block in blocks:
        if block.kind == "table":
            builder.add_table(block.rows, page=page, recovered=block.recovered)  # type: ignore[arg-type]
        elif block.text is not None:
            builder.add_text(block.kind, block.text, page=page, level=block.level)
