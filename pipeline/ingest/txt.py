"""Plain text and Markdown: decode, clean, recover structure.

The raw text is the decoded bytes (BOM removed, nothing else changed); stand-off annotations
are anchored in it. Cleaning and line joining keep each character's raw offset, so the
Document's offset map projects raw spans into the cleaned text.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.ingest.builder import DocumentBuilder
from pipeline.ingest.clean import clean_inline
from pipeline.ingest.decode import decode_text
from pipeline.ingest.layout import add_blocks, lines_to_blocks
from pipeline.ingest.offsets import MappedText
from pipeline.schema import Document

# Markdown: ATX headings, fenced code, or pipe tables with a separator row
MARKDOWN = re.compile(r"^(?:#{1,6} \S|```|\|?\s*:?-{3,}:?\s*\|)", re.MULTILINE)


def read(path: Path, data: bytes) -> Document:
    raw = decode_text(data, ext=Path(path).suffix.lstrip(".").lower() or "txt")
    return read_text(raw, path=path, data=data)


def read_text(raw: str, *, path: Path, data: bytes) -> Document:
    """A Document from already-decoded raw text (offsets are offsets into `raw`)."""
    cleaned = clean_inline(MappedText.raw(raw))
    lines: list[MappedText] = []
    pos = 0
    text = cleaned.text
    while True:
        nl = text.find("\n", pos)
        if nl < 0:
            lines.append(cleaned[pos:])
            break
        lines.append(cleaned[pos:nl])
        pos = nl + 1
    builder = DocumentBuilder()
    add_blocks(builder, lines_to_blocks(lines))
    suffix = Path(path).suffix.lower()
    fmt = "md" if suffix in (".md", ".markdown") or (suffix != ".txt" and MARKDOWN.search(raw)) else "txt"
    return builder.build(path=Path(path), data=data, fmt=fmt)
