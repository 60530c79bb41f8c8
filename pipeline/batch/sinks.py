"""Where records go: JSONL files and an embedded DuckDB database.

Provisional: the DuckDB sink stores whole records; the normalized tables replace it.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

from pipeline.schema import Document, ErrorRecord


class JsonlSink:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("w", encoding="utf-8")

    def write(self, doc: Document) -> None:
        self._fh.write(doc.model_dump_json() + "\n")

    def write_error(self, err: ErrorRecord) -> None:
        pass

    def close(self) -> None:
        self._fh.close()


class Sinks:
    def __init__(self, sinks: list) -> None:
        self.sinks = sinks

    def write(self, doc: Document) -> None:
        for s in self.sinks:
            s.write(doc)

    def write_error(self, err: ErrorRecord) -> None:
        for s in self.sinks:
            s.write_error(err)


@contextmanager
def open_sinks(*, output: Path | None = None, db: Path | None = None, review: Path | None = None):
    sinks: list = []
    if output:
        sinks.append(JsonlSink(output))
    try:
        yield Sinks(sinks)
    finally:
        for s in sinks:
            s.close()
