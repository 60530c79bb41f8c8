"""Headings and the section tree.

Heading candidates come from the blocks of a Document: blocks the reader marked as headings
(DOCX styles, HTML h1–h6, layout's numbered short lines), lines that open with a numbering of
`pipeline.ingest.numbering` and read as a title (short, no clause punctuation, or a short
run-in title before ：/。), table titles (…表, also as the lone first row of a table) and a
table of contents (目录 with its entries, kept as one section).

Levels come from the order in which a document nests its numbering styles, not from the
numbers: a stack of the styles open above the current heading. A style already on the stack
closes everything below it (a sibling); a new style opens one level deeper; 第一部分, 附件
and 附表 start again at the top. So a number that skips (一、 then 三、) or repeats (two 二、)
changes nothing in the tree. A section runs from its heading to the next heading at its level
or above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.ingest.numbering import LEVEL_HINT, Numbering, is_table_title, match_numbering
from pipeline.schema import Block, Document

# styles whose heading starts the tree again at the top
TOP_STYLES = frozenset({"part", "attachment", "schedule"})
# list styles: a heading only when the title is short and stands alone
LIST_STYLES = frozenset({"arabic", "decimal", "arabic_paren", "circled", "goal"})
MAX_TITLE = 30  # characters of a standalone title after its number
MAX_LIST_TITLE = 20
MAX_RUN_IN = 16  # a run-in title: 一、部门职责：本部门主要…
MAX_DOC_TITLE = 60
_CLAUSE = re.compile(r"[。；;，,！？!?]")
_RUN_IN = re.compile(r"[：:。]")
# 目录 ending a line (a converter may have glued a title or navigation text before it)
_TOC = re.compile(r"(?m)(?P<toc>目[ \t\u3000]*录)[ \t\u3000]*$")
_SPACE = " \t\u3000\u00a0"


@dataclass
class Heading:
    """A heading and the section it opens (offsets into Document.text)."""

    title: str
    start: int
    title_end: int
    style: str  # a numbering style, or table_title, headingN (reader-marked, level N), toc, title
    number: str | None
    value: int | None
    level: int = 1
    end: int = 0


def _lines(text: str, start: int, end: int):
    pos = start
    for line in text[start:end].split("\n"):
        yield pos, line
        pos += len(line) + 1


def heading_in_line(line: str, *, marked: bool = False) -> tuple[int, int, Numbering | None] | None:
    """(title start, title end, numbering) within `line` when it reads as a heading, else None."""
    lead = len(line) - len(line.lstrip(_SPACE))
    body = line.strip(_SPACE)
    if not body or "|" in body:
        return None
    numbering = match_numbering(line)
    if numbering is not None and numbering.style == "table_title":
        return lead, lead + len(body), numbering
    if numbering is None:
        if marked and len(body) <= MAX_DOC_TITLE:
            return lead, lead + len(body), None
        if is_table_title(body):
            return lead, lead + len(body), None
        return None
    rest = line[numbering.end :].rstrip(_SPACE)
    core = rest.rstrip("。：:")
    if numbering.style in LIST_STYLES and _list_sentence(rest):
        return None
    limit = MAX_LIST_TITLE if numbering.style in LIST_STYLES else MAX_TITLE
    if marked and len(core) <= MAX_DOC_TITLE:
        return lead, numbering.end + len(rest), numbering
    if len(core) <= limit and not _CLAUSE.search(core):
        if numbering.style in LIST_STYLES and (not core or _list_sentence(rest)):
            return None
        return lead, numbering.end + len(rest), numbering
    if numbering.style not in LIST_STYLES:
        m = _RUN_IN.search(rest)
        if m and 0 < m.start() <= MAX_RUN_IN and not _CLAUSE.search(rest[: m.start()]):
            return lead, numbering.end + m.start(), numbering
    return None


def _list_sentence(rest: str) -> bool:
    """A numbered list item that is a sentence (承担…交办的其他事项。), not a title."""
    return "、" in rest or (rest.endswith("。") and len(rest) > 9)


def find_headings(doc: Document) -> list[Heading]:
    """Heading candidates in text order (before levels and ends are set)."""
    text = doc.text
    found: list[Heading] = []
    for block in sorted(doc.blocks, key=lambda b: b.start):
        if block.kind == "table":
            title = _table_title_row(text, block)
            if title:
                found.append(title)
            continue
        for pos, line in _lines(text, block.start, block.end):
            hit = heading_in_line(line, marked=block.kind == "heading" and pos == block.start)
            if hit is None:
                continue
            s, e, numbering = hit
            if numbering:
                style = numbering.style
            elif block.kind == "heading":  # a reader's heading (DOCX style, HTML hN): its level ranks it
                style = f"heading{block.level or 1}"
            else:
                style = "table_title"
            found.append(
                Heading(
                    title=text[pos + s : pos + e],
                    start=pos + s,
                    title_end=pos + e,
                    style=style,
                    number=numbering.number if numbering and numbering.number else None,
                    value=numbering.value if numbering else None,
                )
            )
    return _fold_toc(doc.text, found)


def _table_title_row(text: str, block: Block) -> Heading | None:
    if not block.rows:
        return None
    cells = {(c.start, c.end) for c in block.rows[0] if c.end > c.start}
    if len(cells) != 1:
        return None
    start, end = cells.pop()
    title = text[start:end].strip()
    if not is_table_title(title):
        return None
    start = text.index(title, start)
    return Heading(title=title, start=start, title_end=start + len(title), style="table_title", number=None, value=None)


def _fold_toc(text: str, headings: list[Heading]) -> list[Heading]:
    """A 目录 line and the entries after it become one `toc` heading."""
    toc_at = _TOC.search(text)
    if toc_at is None:
        return headings
    toc_start = toc_at.start("toc")
    entries = [h for h in headings if h.start > toc_start]
    if len(entries) < 2:
        return headings
    first = entries[0]
    # the body starts where the first entry's numbering comes again
    body = next(
        (h for h in entries[1:] if h.style == first.style and h.value == first.value and h.number == first.number),
        None,
    )
    toc_end = body.start if body else entries[0].start
    if body is None:
        return headings
    toc = Heading(
        title=toc_at.group("toc"),
        start=toc_start,
        title_end=toc_at.end("toc"),
        style="toc",
        number=None,
        value=None,
    )
    kept = [h for h in headings if h.start < toc_start or h.start >= toc_end]
    kept.append(toc)
    kept.sort(key=lambda h: h.start)
    return kept


def doc_title(doc: Document, first_heading: int) -> Heading | None:
    """The document's own title: the first non-empty line before the first heading, when short."""
    text = doc.text
    for pos, line in _lines(text, 0, first_heading):
        body = line.strip(_SPACE)
        if not body:
            continue
        if len(body) <= MAX_DOC_TITLE and not _CLAUSE.search(body) and "|" not in body:
            s = pos + line.index(body)
            return Heading(title=body, start=s, title_end=s + len(body), style="title", number=None, value=None)
        return None  # the text opens with prose or navigation: no title
    return None


def _hint(style: str) -> int:
    if style.startswith("heading") and style[7:].isdigit():
        return int(style[7:])
    return LEVEL_HINT.get(style, 2)


def section_tree(doc: Document) -> list[Heading]:
    """Headings with levels (1 = top) and section ends, in text order, the preamble first."""
    headings = find_headings(doc)
    first = headings[0].start if headings else len(doc.text)
    title = doc_title(doc, first)
    if title is not None:
        headings.insert(0, title)
    stack: list[str] = []
    for h in headings:
        if h.style in ("title", "toc"):
            h.level = 1
            stack = []
            continue
        if h.style in TOP_STYLES:
            stack = [s for s in stack[:1] if s == h.style]
            if not stack:
                stack = [h.style]
            h.level = 1
            continue
        if h.style in stack:
            del stack[stack.index(h.style) + 1 :]
        else:
            # a conventionally senior style (一、) never nests under a junior one (1、, ①):
            # close those first (a form's goal list or a table's items before the report body)
            while stack and _hint(stack[-1]) > _hint(h.style):
                stack.pop()
            stack.append(h.style)
        h.level = len(stack)
    text = doc.text
    for i, h in enumerate(headings):
        end = len(text)
        for later in headings[i + 1 :]:
            if later.level <= h.level or later.style in ("title", "toc"):
                end = later.start
                break
        while end > h.title_end and text[end - 1].isspace():
            end -= 1
        h.end = max(end, h.title_end)
    return headings
