"""Sentence segmentation over the blocks of a Document.

A table row is one unit (from its first cell to its last). Other blocks are split after
。！？； (and ! ? ; between non-digits), keeping closing quotes and brackets with the sentence
they close, never inside a bracket or quote pair (（）《》“”〔〕﹝﹞【】…, so 井财监﹝2026﹞1号
and 《……。》 stay whole) and never inside a number. A line break inside a block ends a
sentence only when the line before it ends a clause; brackets left open at a line break are
closed there, so one stray bracket cannot swallow a page. Text outside every block (rare) is
split the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.schema import Block, Document, Span

TERMINALS = frozenset("。！？；!?;")
# ASCII terminals split only between non-digits (3;4 is not a boundary)
_ASCII_TERMINALS = frozenset("!?;")
OPENERS = {"（": "）", "(": ")", "《": "》", "“": "”", "‘": "’", "〔": "〕", "﹝": "﹞", "【": "】", "[": "]", "「": "」", "『": "』", "〈": "〉", "｛": "｝"}
CLOSERS = frozenset(OPENERS.values())
# characters that stay with the sentence they follow: closing quotes/brackets, ellipses
_TRAILING = CLOSERS | frozenset("…")
# a line that ends with one of these is a finished clause: the line break is a boundary
_LINE_END = TERMINALS | frozenset("：:")


# the characters split_text acts on; it jumps over every other one
_ACTIVE = re.compile("[" + re.escape("".join(sorted(set(OPENERS) | CLOSERS | TERMINALS | {"\n"}))) + "]")


def split_text(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sentence spans of `text[start:end]`, whitespace trimmed, empty ones dropped."""
    stack: list[str] = []
    sent_start = start
    i = start
    while i < end:
        m = _ACTIVE.search(text, i, end)
        if m is None:
            break
        i = m.start()
        ch = text[i]
        if ch in OPENERS:
            stack.append(OPENERS[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif ch in CLOSERS and ch in stack:  # close an inner bracket left open
            while stack and stack.pop() != ch:
                pass
        elif ch == "\n":
            line_ends = _prev_visible(text, sent_start, i)
            if line_ends is None or text[line_ends] in _LINE_END or text[line_ends] in CLOSERS:
                stack.clear()
                yield from _trimmed(text, sent_start, i)
                sent_start = i + 1
            elif stack:
                stack.clear()
        elif ch in TERMINALS and not stack:
            if ch in _ASCII_TERMINALS and _between_digits(text, i, start, end):
                i += 1
                continue
            j = i + 1
            while j < end and (text[j] in TERMINALS or text[j] in _TRAILING):
                j += 1
            yield from _trimmed(text, sent_start, j)
            sent_start = j
            i = j
            continue
        i += 1
    yield from _trimmed(text, sent_start, end)


def _between_digits(text: str, i: int, lo: int, hi: int) -> bool:
    return i > lo and i + 1 < hi and text[i - 1].isdigit() and text[i + 1].isdigit()


def _prev_visible(text: str, lo: int, i: int) -> int | None:
    j = i - 1
    while j >= lo and text[j].isspace():
        j -= 1
    return j if j >= lo else None


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end


def row_spans(block: Block) -> Iterator[tuple[int, int]]:
    """One span per table row: from the first cell's start to the last cell's end."""
    for row in block.rows:
        cells = [c for c in row if c.end > c.start]
        if cells:
            yield min(c.start for c in cells), max(c.end for c in cells)


def segment(doc: Document) -> list[Span]:
    """Sentence spans of `doc`, in order, without overlaps."""
    text = doc.text
    spans: list[tuple[int, int]] = []
    pos = 0
    for block in sorted(doc.blocks, key=lambda b: (b.start, b.end)):
        if block.end <= pos:
            continue
        begin = max(block.start, pos)
        if begin > pos:  # text between blocks
            spans.extend(split_text(text, pos, begin))
        if block.kind == "table" and block.rows:
            spans.extend(s for s in row_spans(block) if s[0] >= begin)
        else:
            spans.extend(split_text(text, begin, block.end))
        pos = max(pos, block.end)
    if pos < len(text):
        spans.extend(split_text(text, pos, len(text)))
    spans.sort()
    out: list[Span] = []
    last_end = -1
    for s, e in spans:
        if s >= last_end:
            out.append(Span(start=s, end=e))
            last_end = e
    return out
