"""Word documents (.docx): paragraphs and tables in body order.

The body's XML children are walked in order (content controls `w:sdt` are opened), so
tables stay where they stand between paragraphs. Paragraph styles decide the block kind:
Title, Heading n and 标题 n (or an outline level) make headings; numbered paragraphs
(`w:numPr`, directly or through the style) and List styles make list items; table-of-
contents paragraphs (TOC n, 目录 n styles) are left out, and so are deleted or moved-away
revisions and text boxes. A one-cell table framing text is read as the text it frames. Table cells
spanning columns (`w:gridSpan`) or rows (`w:vMerge`) are repeated into every grid cell they
cover, the copies marked `merged`. A table nested in a cell is laid out as its own table
block right after the table that holds it; the outer cell keeps its own paragraphs.
Automatic numbering that Word draws (一、 （二） 1. ①) is rendered into the text as a reader
sees it, from numbering.xml: counters per list and level, deeper levels restarting, the
level's format (decimal, Chinese counting, circled, letters, roman); bullets are left out.
"""

from __future__ import annotations

import logging
import re
from io import BytesIO
from pathlib import Path

from pipeline.ingest.builder import DocumentBuilder
from pipeline.ingest.tidy import clean_piece, compact, join_lines
from pipeline.ingest.sniff import check_unpacked_size
from pipeline.schema import Document

log = logging.getLogger(__name__)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d+)$", re.IGNORECASE)
_LIST_STYLE = re.compile(r"^(?:list|列表)", re.IGNORECASE)
# Word allows 63 columns; spans beyond this are hostile or broken
MAX_GRID_COLUMNS = 64
_TOC_STYLE = re.compile(r"^(?:toc|目录)\s*\d*$|^toc heading$", re.IGNORECASE)

Grid = list[list[str]]


def read(path: Path, data: bytes) -> Document:
    import docx

    check_unpacked_size(data, fmt="docx")
    word = docx.Document(BytesIO(data))
    styles = _StyleInfo(word)
    numbering = _Numbering(word, styles)
    builder = DocumentBuilder()
    for element in _flow(word.element.body):
        if element.tag == W + "p":
            body = clean_piece(_paragraph_text(element))
            if not body:
                continue
            kind, level = styles.kind(element)
            if kind == "toc":
                continue
            label = numbering.label(element)
            if kind == "paragraph":  # soft line breaks (Shift+Enter) often stand for paragraph breaks
                for i, line in enumerate(body.split("\n")):
                    builder.add_text(kind, (label if i == 0 else "") + line.strip(), level=level)
            else:
                builder.add_text(kind, label + join_lines(body.split("\n")), level=level)
        elif element.tag == W + "tbl":
            for grid, merged in _tables(element):
                grid, merged = compact(grid, merged)
                builder.add_table(grid, merged=merged)
    return builder.build(path=path, data=data, fmt="docx")


def _flow(parent):
    """Body paragraphs and tables in order; a one-cell table (a frame around text) is opened."""
    for element in _body_elements(parent):
        if element.tag == W + "tbl" and (cell := _only_cell(element)) is not None:
            yield from _flow(cell)
        else:
            yield element


def _only_cell(tbl):
    cells = tbl.findall(f"{W}tr/{W}tc")
    return cells[0] if len(cells) == 1 else None



def _body_elements(parent):
    """Paragraphs and tables in order, looking inside content controls."""
    for child in parent.iterchildren():
        if child.tag in (W + "p", W + "tbl"):
            yield child
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from _body_elements(content)


def _paragraph_text(p) -> str:
    """The visible text of a paragraph: runs, hyperlinks, inserted text; tabs as spaces, line breaks as newlines."""
    parts: list[str] = []
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr", W + "noBreakHyphen", W + "sym"):
        if _inside(el, p, (W + "del", W + "moveFrom", W + "txbxContent")):
            continue
        tag = el.tag
        if tag == W + "t":
            parts.append(el.text or "")
        elif tag == W + "tab":
            parts.append(" ")
        elif tag in (W + "br", W + "cr") and el.get(W + "type") not in ("page", "column"):
            parts.append("\n")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
    return "".join(parts)


def _inside(el, stop, tags: tuple[str, ...]) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


class _StyleInfo:
    """Heading levels and list-ness of paragraph styles, following `basedOn`."""

    def __init__(self, word) -> None:
        self._by_id: dict[str, object] = {}
        try:
            for style in word.styles:
                if style.style_id:
                    self._by_id[style.style_id] = style
        except (KeyError, AttributeError):  # a document without styles.xml
            self._by_id = {}
        self._memo: dict[str, tuple[str, int | None]] = {}

    def kind(self, p) -> tuple[str, int | None]:
        ppr = p.find(W + "pPr")
        style_id = None
        if ppr is not None:
            ps = ppr.find(W + "pStyle")
            style_id = ps.get(W + "val") if ps is not None else None
        kind, level = self._style_kind(style_id) if style_id else ("paragraph", None)
        if kind in ("heading", "toc"):
            return kind, level
        outline = ppr.find(W + "outlineLvl") if ppr is not None else None
        if outline is not None and (val := outline.get(W + "val", "")).isdigit() and int(val) < 9:
            return "heading", int(val) + 1
        if ppr is not None and (num := ppr.find(W + "numPr")) is not None and _numbered(num):
            return "list_item", None
        return kind, level

    def num_pr(self, style_id: str | None, *, depth: int = 0):
        """The `w:numPr` a paragraph style gives (through `basedOn`), or None."""
        style = self._by_id.get(style_id) if style_id else None
        if style is None or depth > 10:
            return None
        ppr = style.element.find(W + "pPr")
        if ppr is not None and (num := ppr.find(W + "numPr")) is not None:
            return num
        based = style.element.find(W + "basedOn")
        return self.num_pr(based.get(W + "val"), depth=depth + 1) if based is not None else None

    def _style_kind(self, style_id: str) -> tuple[str, int | None]:
        if style_id not in self._memo:
            self._memo[style_id] = self._resolve(style_id, depth=0)
        return self._memo[style_id]

    def _resolve(self, style_id: str, *, depth: int) -> tuple[str, int | None]:
        style = self._by_id.get(style_id)
        if style is None or depth > 10:
            return "paragraph", None
        name = (style.name or "").strip()
        if _TOC_STYLE.match(name):
            return "toc", None
        if name.lower() == "title" or name == "标题":
            return "heading", 1
        if m := _HEADING_STYLE.match(name):
            return "heading", int(m.group(1))
        el = style.element
        ppr = el.find(W + "pPr")
        if ppr is not None:
            outline = ppr.find(W + "outlineLvl")
            if outline is not None and (val := outline.get(W + "val", "")).isdigit() and int(val) < 9:
                return "heading", int(val) + 1
            num = ppr.find(W + "numPr")
            if num is not None and _numbered(num):
                return "list_item", None
        if _LIST_STYLE.match(name):
            return "list_item", None
        based = el.find(W + "basedOn")
        if based is not None and based.get(W + "val"):
            return self._resolve(based.get(W + "val"), depth=depth + 1)
        return "paragraph", None


_CHINESE_DIGITS = "零一二三四五六七八九"
_TRADITIONAL = "甲乙丙丁戊己庚辛壬癸"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (counting style)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _CHINESE_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CHINESE_DIGITS[tens]) + "十" + (_CHINESE_DIGITS[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        tail = "" if not rest else ("零" + _chinese_number(rest) if rest < 10 else _chinese_number(rest))
        if 10 <= rest < 20:
            tail = "一" + tail
        return _CHINESE_DIGITS[hundreds] + "百" + tail
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, numeral in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        while n >= value:
            out += numeral
            n -= value
    return out


def _letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("a") + rem) + out
    return out


def format_number(n: int, fmt: str) -> str:
    """A list counter in one of Word's number formats (`w:numFmt`)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographDigital"):
        return _chinese_number(n)
    if fmt in ("ideographTraditional", "ideographZodiac") and 1 <= n <= 10:
        return _TRADITIONAL[n - 1]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return _CIRCLED[n - 1]
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)


class _Numbering:
    """Renders the automatic number of numbered paragraphs, counting as Word does."""

    def __init__(self, word, styles: _StyleInfo) -> None:
        self._styles = styles
        self._levels: dict[str, dict[int, tuple[str, str, int, str]]] = {}  # numId → ilvl → (fmt, text, start, suff)
        self._abstract_of: dict[str, str] = {}
        self._counters: dict[str, list[int]] = {}
        try:
            root = word.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):  # no numbering.xml
            return
        abstract: dict[str, dict[int, tuple[str, str, int, str]]] = {}
        for an in root.iterchildren(W + "abstractNum"):
            abstract[an.get(W + "abstractNumId", "")] = {
                _int_val_attr(lvl, "ilvl"): _level_def(lvl) for lvl in an.iterchildren(W + "lvl")
            }
        for num in root.iterchildren(W + "num"):
            num_id = num.get(W + "numId", "")
            ref = num.find(W + "abstractNumId")
            abstract_id = ref.get(W + "val", "") if ref is not None else ""
            levels = dict(abstract.get(abstract_id, {}))
            for override in num.iterchildren(W + "lvlOverride"):
                ilvl = _int_val_attr(override, "ilvl")
                if (lvl := override.find(W + "lvl")) is not None:
                    levels[ilvl] = _level_def(lvl)
                if (start := override.find(W + "startOverride")) is not None and ilvl in levels:
                    fmt, text, _, suff = levels[ilvl]
                    levels[ilvl] = (fmt, text, _int_val(start), suff)
            self._levels[num_id] = levels
            self._abstract_of[num_id] = abstract_id

    def label(self, p) -> str:
        """The paragraph's number as Word draws it ('' when it has none), advancing the counters."""
        ppr = p.find(W + "pPr")
        num_pr = ppr.find(W + "numPr") if ppr is not None else None
        style_id = None
        if ppr is not None and (ps := ppr.find(W + "pStyle")) is not None:
            style_id = ps.get(W + "val")
        style_num = self._styles.num_pr(style_id)
        num_id = _child_val(num_pr, "numId") or _child_val(style_num, "numId")
        if not num_id or num_id == "0" or num_id not in self._levels:
            return ""
        ilvl_text = _child_val(num_pr, "ilvl") or _child_val(style_num, "ilvl") or "0"
        ilvl = int(ilvl_text) if ilvl_text.isdigit() else 0
        levels = self._levels[num_id]
        if ilvl not in levels:
            return ""
        counters = self._counters.setdefault(num_id, [0] * 9)
        starts = [levels[i][2] if i in levels else 1 for i in range(9)]
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else starts[ilvl]
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        fmt, text, _, suff = levels[ilvl]
        if fmt in ("bullet", "none") or not text:
            return ""

        def level_number(match: re.Match[str]) -> str:
            k = int(match.group(1)) - 1
            value = counters[k] or starts[k]
            return format_number(value, levels[k][0] if k in levels else "decimal")

        label = re.sub(r"%([1-9])", level_number, text)
        return label + (" " if suff != "nothing" and label[-1:].isascii() and label[-1:].isalnum() else "")


def _level_def(lvl) -> tuple[str, str, int, str]:
    fmt = _child_val(lvl, "numFmt") or "decimal"
    text = _child_val(lvl, "lvlText") or ""
    start = _child_val(lvl, "start")
    suff = _child_val(lvl, "suff") or "tab"
    return fmt, text, int(start) if start and start.isdigit() else 1, suff


def _child_val(el, name: str) -> str | None:
    if el is None:
        return None
    child = el.find(W + name)
    return child.get(W + "val") if child is not None else None


def _int_val_attr(el, name: str) -> int:
    val = el.get(W + name, "0")
    return int(val) if val.isdigit() else 0


def _numbered(num_pr) -> bool:
    """numPr with numId 0 switches numbering off."""
    num_id = num_pr.find(W + "numId")
    return num_id is None or num_id.get(W + "val") != "0"


def _tables(tbl) -> list[tuple[Grid, set[tuple[int, int]]]]:
    """The table as a grid (merged cells repeated) and its nested tables after it."""
    grid: Grid = []
    merged: set[tuple[int, int]] = set()
    nested: list[tuple[Grid, set[tuple[int, int]]]] = []
    # the text of the cell that starts a vertical merge, by grid column
    above: dict[int, str] = {}
    for tr in tbl.iterchildren(W + "tr"):
        row: list[str] = []
        trpr = tr.find(W + "trPr")
        before = _int_val(trpr.find(W + "gridBefore")) if trpr is not None else 0
        row.extend([""] * min(before, MAX_GRID_COLUMNS))
        for tc in _row_cells(tr):
            tcpr = tc.find(W + "tcPr")
            span = max(1, _int_val(tcpr.find(W + "gridSpan"))) if tcpr is not None else 1
            span = min(span, MAX_GRID_COLUMNS - len(row)) if len(row) < MAX_GRID_COLUMNS else 1
            vmerge = tcpr.find(W + "vMerge") if tcpr is not None else None
            hmerge = tcpr.find(W + "hMerge") if tcpr is not None else None  # legacy horizontal merge
            col = len(row)
            if hmerge is not None and hmerge.get(W + "val") != "restart" and row:
                text = row[-1]
                continues = True
            elif vmerge is not None and vmerge.get(W + "val") != "restart":
                text = above.get(col, "")
                continues = True
            else:
                text = _cell_text(tc, nested)
                continues = False
                if vmerge is not None:
                    above[col] = text
                else:
                    above.pop(col, None)
            for k in range(span):
                if continues or k:
                    merged.add((len(grid), col + k))
                row.append(text)
        grid.append(row)
    width = max((len(r) for r in grid), default=0)
    for r in grid:
        r.extend([""] * (width - len(r)))
    return [(grid, merged), *nested]


def _row_cells(tr):
    for child in tr.iterchildren():
        if child.tag == W + "tc":
            yield child
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from content.iterchildren(W + "tc")


def _cell_text(tc, nested: list) -> str:
    parts: list[str] = []
    for el in _body_elements(tc):
        if el.tag == W + "p":
            text = clean_piece(_paragraph_text(el))
            if text:
                parts.append(text)
        else:
            nested.extend(_tables(el))
    return join_lines("\n".join(parts).split("\n"))


def _int_val(el) -> int:
    if el is None:
        return 0
    val = el.get(W + "val", "")
    return int(val) if val.isdigit() else 0
