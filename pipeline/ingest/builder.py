"""Assemble a `Document` from blocks, keeping every offset honest.

Every reader produces blocks in reading order and hands them to a `DocumentBuilder`,
which lays them out in one text: blocks separated by a newline, table cells by a tab and
table rows by a newline, so that `Document.text[cell.start:cell.end] == cell.text`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.ingest.offsets import MappedText
from pipeline.schema import Block, BlockKind, Cell, Document, OffsetRun, Source, SourceFormat

CELL_SEP = "\t"
ROW_SEP = "\n"
BLOCK_SEP = "\n"


class DocumentBuilder:
    """Collects blocks; `build()` returns the Document."""

    def __init__(self) -> None:
        self._text: list[str] = []
        self._origin: list[int] = []
        self._length = 0
        self.blocks: list[Block] = []
        self._mapped = True

    def _append(self, piece: str | MappedText) -> tuple[int, int]:
        start = self._length
        if isinstance(piece, MappedText):
            self._text.append(piece.text)
            self._origin.extend(piece.origin)
            self._length += len(piece.text)
        else:
            self._mapped = False
            self._text.append(piece)
            self._length += len(piece)
        return start, self._length

    def _separate(self) -> None:
        if self._length:
            self._text.append(BLOCK_SEP)
            self._origin.append(self._origin[-1] + 1 if self._origin else 0)
            self._length += 1

    def add_text(
        self, kind: BlockKind, text: str | MappedText, *, page: int | None = None, level: int | None = None
    ) -> Block | None:
        """A heading, paragraph, list item or caption; empty text adds nothing."""
        content = text.text if isinstance(text, MappedText) else text
        if not content.strip():
            return None
        self._separate()
        start, end = self._append(text)
        block = Block(kind=kind, start=start, end=end, page=page, level=level)
        self.blocks.append(block)
        return block

    def add_table(
        self,
        rows: list[list[str | MappedText]],
        *,
        page: int | None = None,
        merged: set[tuple[int, int]] | None = None,
        recovered: bool = False,
    ) -> Block | None:
        """A table as rows of cell texts; `merged` marks (row, col) cells that copy a merged cell."""
        kept = [i for i, row in enumerate(rows) if any(_content(c).strip() for c in row)]
        if not kept:
            return None
        # `merged` speaks of the rows as given: re-index it past the empty rows dropped here
        new_index = {old: new for new, old in enumerate(kept)}
        merged = {(new_index[r], c) for r, c in (merged or set()) if r in new_index}
        rows = [rows[i] for i in kept]
        self._separate()
        table_start = self._length
        out_rows: list[list[Cell]] = []
        for r, row in enumerate(rows):
            if r:
                self._append_sep(ROW_SEP)
            cells: list[Cell] = []
            for c, cell in enumerate(row):
                if c:
                    self._append_sep(CELL_SEP)
                start, end = self._append(cell)
                cells.append(
                    Cell(text=_content(cell), start=start, end=end, row=r, col=c, merged=(r, c) in merged)
                )
            out_rows.append(cells)
        block = Block(
            kind="table", start=table_start, end=self._length, page=page, rows=out_rows, recovered=recovered
        )
        self.blocks.append(block)
        return block

    def _append_sep(self, sep: str) -> None:
        self._text.append(sep)
        self._origin.append(self._origin[-1] + 1 if self._origin else 0)
        self._length += 1

    @property
    def text(self) -> str:
        return "".join(self._text)

    def build(
        self,
        *,
        path: Path,
        data: bytes,
        fmt: SourceFormat,
        pages: int | None = None,
        ocr: bool = False,
    ) -> Document:
        runs: list[OffsetRun] = MappedText(self.text, self._origin).runs() if self._mapped else []
        return Document(
            doc_id=hashlib.sha256(data).hexdigest(),
            source=Source(path=str(path), format=fmt, pages=pages, ocr=ocr, size_bytes=len(data)),
            text=self.text,
            blocks=self.blocks,
            offset_map=runs,
            stages=["ingest"],
        )


def _content(cell: str | MappedText) -> str:
    return cell.text if isinstance(cell, MappedText) else cell
