"""What the section classifier sees of a section: its heading, its parent's heading, the
first characters of its content, its numbering and where it sits in the document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from pipeline.ingest.numbering import match_numbering
from pipeline.sections.rules import propose_label

CONTENT_CHARS = 80  # characters of content after the heading
UNTITLED_CHARS = 30  # of the next line, standing in for the title of a bare numbering


@dataclass(frozen=True)
class SectionFeatures:
    """The inputs of one prediction (plain values, so that examples can be written as JSON)."""

    title: str  # the heading without its numbering
    parent_title: str  # the enclosing section's heading without numbering ('' at the top)
    content: str  # the first CONTENT_CHARS characters after the heading
    doc_head: str  # the first heading of the document (the title, where there is one)
    style: str  # numbering style (ingest.numbering), or none
    level: int
    position: float  # start / len(text)
    length: int  # characters from heading to section end
    children: int  # number of direct subsections

    def as_dict(self) -> dict:
        return asdict(self)


def strip_number(title: str) -> tuple[str, str]:
    """(title without its numbering, numbering style or 'none')."""
    numbering = match_numbering(title)
    if numbering is None:
        return title.strip(), "none"
    if numbering.style == "table_title":
        return title.strip(), "table_title"
    return title[numbering.end :].strip(), numbering.style


def _next_line(text: str, start: int, end: int) -> str:
    """The first non-empty line after a bare numbering (第一部分, 附件1): it holds the title."""
    for line in text[start : min(end, start + 200)].splitlines():
        if line.strip():
            return line.strip()[:UNTITLED_CHARS]
    return ""


def featurize(
    text: str, spans: Sequence[tuple[int, int, int, int]], parents: Sequence[int | None]
) -> list[SectionFeatures]:
    """Features of every section of one document.

    `spans` holds (start, title_end, end, level) per section in document order; `parents`
    the index of each section's parent (or None).
    """
    n = max(len(text), 1)
    titles = [strip_number(text[s:t]) for s, t, _, _ in spans]
    titles = [(t or _next_line(text, e, end), style) for (t, style), (_, e, end, _) in zip(titles, spans)]
    children = [0] * len(spans)
    for p in parents:
        if p is not None:
            children[p] += 1
    doc_head = titles[0][0] if titles else ""
    out = []
    for i, (start, title_end, end, level) in enumerate(spans):
        title, style = titles[i]
        parent = parents[i]
        content = text[title_end : min(end, title_end + CONTENT_CHARS)]
        out.append(
            SectionFeatures(
                title=title,
                parent_title=titles[parent][0] if parent is not None else "",
                content=" ".join(content.split()),
                doc_head=doc_head,
                style=style,
                level=level,
                position=start / n,
                length=end - start,
                children=children[i],
            )
        )
    return out


def parents_of(levels: Sequence[int]) -> list[int | None]:
    """The parent index of each section from the levels in document order."""
    stack: list[tuple[int, int]] = []
    out: list[int | None] = []
    for i, level in enumerate(levels):
        while stack and stack[-1][0] >= level:
            stack.pop()
        out.append(stack[-1][1] if stack else None)
        stack.append((level, i))
    return out


def categorical(f: SectionFeatures) -> dict[str, float | str]:
    """Numbering, level, position, size and the keyword rule's vote as DictVectorizer input."""
    import math

    return {
        "style": f.style,
        "level": str(min(f.level, 5)),
        "rule": propose_label(f.title),
        "parent_rule": propose_label(f.parent_title) if f.parent_title else "none",
        "position": f.position,
        "log_length": math.log1p(f.length) / 10,
        "empty": float(len(f.content.strip()) == 0),
        "has_children": float(f.children > 0),
        "untitled": float(not f.title),
    }
