"""Plain text and Markdown: decode, clean, recover structure.

Provisional: decodes UTF-8 only and makes one paragraph per line; the encoding detection,
cleaning and flattened-table recovery replace this.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.ingest.builder import DocumentBuilder
from pipeline.ingest.offsets import MappedText
from pipeline.schema import Document


def read(path: Path, data: bytes) -> Document:
    raw = data.decode("utf-8-sig")
    builder = DocumentBuilder()
    pos = 0
    for line in raw.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        builder.add_text("paragraph", MappedText.raw(body, pos))
        pos += len(line)
    return builder.build(path=path, data=data, fmt="txt")
