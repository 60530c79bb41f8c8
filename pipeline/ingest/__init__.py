"""Ingestion: one reader per format, each returning a `Document` with cleaned text and blocks.

`read_document` sniffs the format from the bytes and hands them to the reader of
`pipeline.ingest.<format>` (a module with `read(path, data) -> Document`).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from pipeline.errors import IngestError, Messages
from pipeline.ingest.sniff import sniff
from pipeline.schema import Document

DEFAULT_MAX_BYTES = 100 * 1024 * 1024

# sniffed format → module that reads it
READERS = {
    "txt": "pipeline.ingest.txt",
    "docx": "pipeline.ingest.docx",
    "pdf": "pipeline.ingest.pdf",
    "html": "pipeline.ingest.html",
    "xlsx": "pipeline.ingest.xlsx",
    "image": "pipeline.ingest.image",
}


def read_document(path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read one file into a Document; raise `IngestError` naming the file and the reason."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(Messages.TOO_LARGE.format(size=size, limit=max_bytes), path=str(path))
        data = path.read_bytes()
    except OSError as e:
        raise IngestError(f"cannot read the file: {e.strerror or e}", path=str(path)) from e
    if not data.strip():
        raise IngestError(Messages.EMPTY_FILE, path=str(path))
    fmt, detail = sniff(data)
    if fmt is None:
        raise IngestError(Messages.UNSUPPORTED.format(what=detail), path=str(path))
    reader = importlib.import_module(READERS[fmt])
    try:
        return reader.read(path, data)
    except IngestError as e:
        e.path = e.path or str(path)
        raise
    except Exception as e:  # a reader's library failed on bad bytes
        raise IngestError(Messages.CORRUPT.format(fmt=fmt, detail=f"{type(e).__name__}: {e}"), path=str(path)) from e
