"""Layout-independent document content and its rendering into annotated plain text.

A synthetic document is first a list of blocks (headings, paragraphs, tables) whose pieces
may be `Mark`s: a span that becomes an entity annotation (MONEY, INDICATOR, TARGET …) and,
for the gold record, evidence of a fact. `render_text` lays the blocks out as the plain text
of the real disclosures (with their artifacts: `[bookmark: _Toc…]`, LaTeX comparators,
hard-wrapped lines, tables flattened in four shapes) and returns the offsets of every mark.
The other formats render the same blocks without artifacts (`plain`).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

# pipe: `a | b | c` rows; lines: a tab-indented cell per line, a blank line between rows;
# cell_lines: a cell per line with a blank line after every cell; spaces: whitespace-separated
# rows; label_values: the row's labels one per line, then its values on one line.
TableShape = Literal["pipe", "lines", "cell_lines", "spaces", "label_values"]
TABLE_SHAPES: tuple[TableShape, ...] = ("pipe", "lines", "cell_lines", "spaces", "label_values")
VALUE_LABELS = frozenset({"TARGET", "ACTUAL", "WEIGHT", "SCORE", "MONEY", "RATE"})


@dataclass
class Mark:
    """A piece of text that is an entity: `key` names it for relations and gold facts."""

    text: str
    label: str
    key: str
    attrs: dict[str, Any] = field(default_factory=dict)
    latex: str | None = None  # the LaTeX form (`$\\geq 90\\%$`) used where the layout has such artifacts


Piece = str | Mark


def plain(pieces: list[Piece] | Piece) -> str:
    if isinstance(pieces, str):
        return pieces
    if isinstance(pieces, Mark):
        return pieces.text
    return "".join(p if isinstance(p, str) else p.text for p in pieces)


@dataclass
class Heading:
    pieces: list[Piece]
    level: int
    label: str  # section label (configs/sections.toml)


@dataclass
class Paragraph:
    pieces: list[Piece]


@dataclass
class Table:
    rows: list[list[Piece]]
    merged: set[tuple[int, int]] = field(default_factory=set)  # (row, col) cells that copy the cell above
    title: str | None = None


Block = Heading | Paragraph | Table


@dataclass
class Style:
    """The artifacts of one document's text rendering."""

    bookmarks: bool = False
    latex: bool = False
    wrap: int = 0  # hard-wrap prose at about this many characters (0: no wrapping)
    table_shape: TableShape = "pipe"
    indent: str = ""
    spaced: bool = False  # prose with spaces around numbers, as text extracted from PDFs reads


    @classmethod
    def sample(cls, rng: random.Random) -> Style:
        return cls(
            bookmarks=rng.random() < 0.4,
            latex=rng.random() < 0.25,
            wrap=rng.choice((0, 0, 0, 28, 34, 40)),
            table_shape=rng.choice(TABLE_SHAPES),
            indent=rng.choice(("", "", "　　", "    ")),
            spaced=rng.random() < 0.15,
        )


@dataclass
class RenderedSpan:
    key: str
    label: str
    start: int
    end: int
    attrs: dict[str, Any]


@dataclass
class RenderedSection:
    start: int
    title_end: int
    end: int
    label: str
    level: int


_DIGIT_THEN_WORD = re.compile(r"(?<=[0-9])(?=[\u4e00-\u9fff%])|(?<=[\u4e00-\u9fff≥≤><=])(?=[0-9])")


def _spaced(p: Piece) -> Piece:
    """`大于150场` → `大于 150 场` (marks keep their attrs, with the value's text updated)."""
    if isinstance(p, str):
        return _DIGIT_THEN_WORD.sub(" ", p)
    text = _DIGIT_THEN_WORD.sub(" ", p.text)
    if text == p.text:
        return p
    attrs = dict(p.attrs)
    if isinstance(attrs.get("value"), dict):
        attrs["value"] = {**attrs["value"], "text": text}
    return replace(p, text=text, attrs=attrs, latex=None)


def _is_value(p: Piece) -> bool:
    if isinstance(p, Mark):
        return p.label in VALUE_LABELS
    s = p.strip()
    return bool(s) and len(s) <= 8 and (any(ch.isdigit() for ch in s) or s in ("≥", "≤", "＝", "%"))


class _Writer:
    def __init__(self, rng: random.Random, style: Style) -> None:
        self.rng = rng
        self.style = style
        self.parts: list[str] = []
        self.pos = 0
        self.spans: list[RenderedSpan] = []
        self.sections: list[RenderedSection] = []

    def add(self, s: str) -> None:
        if s:
            self.parts.append(s)
            self.pos += len(s)

    def piece(self, p: Piece) -> None:
        if isinstance(p, str):
            self.add(p)
            return
        text = p.latex if (p.latex and self.style.latex) else p.text
        start = self.pos
        self.add(text)
        self.spans.append(RenderedSpan(p.key, p.label, start, self.pos, p.attrs))

    def prose(self, pieces: list[Piece]) -> None:
        """A paragraph, hard-wrapped inside plain pieces only (marks are never split)."""
        width = self.style.wrap
        self.add(self.style.indent)
        column = len(self.style.indent)
        if self.style.spaced:
            spaced: list[Piece] = []
            for p in pieces:
                p = _spaced(p)
                if spaced and _DIGIT_THEN_WORD.match(plain(spaced[-1])[-1:] + plain(p)[:1], 1):
                    spaced.append(" ")  # the boundary between two pieces
                spaced.append(p)
            pieces = spaced
        for p in pieces:
            if isinstance(p, Mark) or not width:
                self.piece(p)
                column += len(p.text if isinstance(p, Mark) else p)
                continue
            text = p
            while column + len(text) > width and width:
                cut = max(1, width - column)
                if cut >= len(text):
                    break
                self.add(text[:cut] + "\n")
                text = text[cut:]
                column = 0
            self.add(text)
            column += len(text)
        self.add("\n")

    def heading(self, h: Heading, counter: list[int]) -> None:
        if self.style.bookmarks and self.rng.random() < 0.6:
            for _ in range(self.rng.randint(1, 3)):
                counter[0] += 1
                self.add(f"[bookmark: _Toc{self.rng.randint(1000, 99_999_999)}]")
        start = self.pos
        for p in h.pieces:
            self.piece(p)
        self.sections.append(RenderedSection(start, self.pos, -1, h.label, h.level))
        self.add("\n")

    def table(self, t: Table) -> None:
        shape = self.style.table_shape
        if t.title:
            self.add(t.title + "\n")
        for r, row in enumerate(t.rows):
            cells = [(c, (r, i) in t.merged or not plain(c).strip()) for i, c in enumerate(row)]
            if shape == "pipe":
                for i, (c, blank) in enumerate(cells):
                    if i:
                        self.add(" | ")
                    if not blank:
                        self.piece(c)
                self.add("\n")
            elif shape == "lines":
                for c, blank in cells:
                    if blank:
                        continue
                    self.add("\t")
                    self.piece(c)
                    self.add("\n")
                self.add("\n")
            elif shape == "spaces":
                first = True
                for c, blank in cells:
                    if blank:
                        continue
                    if not first:
                        self.add(self.rng.choice(("  ", "   ", " ")))
                    self.piece(c)
                    first = False
                self.add("\n")
            elif shape == "cell_lines":
                for c, blank in cells:
                    if not blank:
                        self.piece(c)
                        self.add("\n\n")
            else:  # label_values: labels one per line, then the values on one line
                kept = [c for c, blank in cells if not blank]
                first_value = next((i for i, c in enumerate(kept) if _is_value(c)), len(kept))
                if first_value == len(kept):  # a header or a text row: one line
                    for i, c in enumerate(kept):
                        if i:
                            self.add(" ")
                        self.piece(c)
                    self.add("\n")
                    continue
                for c in kept[:first_value]:
                    self.piece(c)
                    self.add("\n")
                for i, c in enumerate(kept[first_value:]):
                    if i:
                        self.add(" ")
                    self.piece(c)
                self.add("\n")

    def close_sections(self) -> None:
        end = self.pos
        for i, s in enumerate(self.sections):
            nxt = next((o.start for o in self.sections[i + 1 :] if o.level <= s.level), end)
            s.end = max(nxt, s.title_end)


def render_text(blocks: list[Block], *, rng: random.Random, style: Style) -> tuple[str, list[RenderedSpan], list[RenderedSection]]:
    """The document as plain text with artifacts, the offsets of its marks and its sections."""
    w = _Writer(rng, style)
    counter = [0]
    for b in blocks:
        if isinstance(b, Heading):
            w.heading(b, counter)
        elif isinstance(b, Paragraph):
            w.prose(b.pieces)
        else:
            w.table(b)
            w.add("\n")
    w.close_sections()
    return "".join(w.parts), w.spans, w.sections
