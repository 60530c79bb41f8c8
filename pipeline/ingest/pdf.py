"""PDF: text per page in reading order, ruled tables as table blocks, running heads removed.

pypdfium2 opens the file first (fast, and its errors tell a password from damage);
pdfplumber then gives, per page, the ruled tables (`find_tables`) and the text lines
outside them, merged in top-to-bottom order. Lines that repeat at the top or bottom of
most pages (running headers and footers, after digits are masked) and page numbers
(第 3 页, - 3 -, 3/10, a lone 3) at the page edges are dropped, and a table running on
from one page to the next becomes one table (its repeated header row dropped). Lines set larger than the
body text become headings; the other lines are joined into paragraphs where the text
was hard-wrapped (a line that fills the measure continues on the next). A page without
a text layer, or whose glyphs mostly lack a Unicode mapping, is handed to OCR
(`pipeline.ingest.ocr.ocr_pdf_page`). Glyphs drawn twice to embolden are deduplicated.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from statistics import median

from pipeline.errors import IngestError, Messages
from pipeline.ingest.builder import DocumentBuilder
from pipeline.ingest.tidy import clean_piece, compact, join_lines
from pipeline.schema import Document

log = logging.getLogger(__name__)

# lines within this many lines of a page's top or bottom are candidates for running heads
EDGE_LINES = 2
# a candidate repeated on at least this share of pages (and on 2 pages at least) is a running head
REPEAT_SHARE = 0.5
# a page on which more than this share of glyphs has no Unicode mapping is read by OCR
MAX_UNMAPPED_SHARE = 0.3
# table finding is skipped on pages with more ruling lines and boxes than this (charts, maps)
MAX_RULINGS = 5000
# a zlib stream may inflate to at most this, and past RATIO_CHECKED_BYTES to at most MAX_STREAM_RATIO
# times its packed size (a blank A4 page scanned at 600 dpi in RGB is 104 MB packed ~1000x: under the bar)
MAX_STREAM_BYTES = 512 * 1024 * 1024
RATIO_CHECKED_BYTES = 128 * 1024 * 1024
MAX_STREAM_RATIO = 200
# references followed from one before a chain is taken for a loop
MAX_REFERENCE_CHAIN = 64
_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")
# a line at least this much larger than the body text is a heading
HEADING_RATIO = 1.15
PAGE_NUMBER = re.compile(
    r"^(?:第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|共\s*\d+\s*页\s*第\s*\d+\s*页|[-—–－]\s*\d+\s*[-—–－]"
    r"|\d+\s*/\s*\d+|\d{1,4}|page\s*\d+(?:\s*of\s*\d+)?|[(（]?\s*\d+\s*[)）]?)$",
    re.IGNORECASE,
)


@dataclass
class Line:
    """A text line of a page with its geometry (points, top-down)."""

    text: str
    top: float
    bottom: float
    x0: float
    x1: float
    size: float


@dataclass
class Table:
    """A ruled table of a page: its grid, merged-copy cells and vertical extent."""

    top: float
    bottom: float
    grid: list[list[str]]
    merged: set[tuple[int, int]]


@dataclass
class PageContent:
    """A page's lines outside tables and its tables."""

    number: int
    width: float
    lines: list[Line]
    tables: list[Table]
    scanned: bool = False


def read(path: Path, data: bytes) -> Document:
    import pdfplumber
    import pypdfium2

    try:
        pdfium_doc = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as e:
        if "password" in str(e).lower():
            raise IngestError(Messages.ENCRYPTED) from e
        raise IngestError(Messages.CORRUPT.format(fmt="pdf", detail=str(e))) from e
    try:
        if len(pdfium_doc) == 0:
            raise IngestError(Messages.CORRUPT.format(fmt="pdf", detail="it has no pages"))
        check_stream_sizes(data)
        _harden_pdfminer()
        pages: list[PageContent] = []
        with pdfplumber.open(BytesIO(data)) as pdf:
            for n, page in enumerate(pdf.pages, 1):
                pages.append(_page_content(page, n))
                page.close()  # drop the page's parsed objects: long PDFs stay small in memory
        builder = DocumentBuilder()
        _drop_running_heads(pages)
        _join_continued_tables(pages)
        body_size = _body_size(pages)
        heading_sizes = _heading_levels(pages, body_size)
        ocr_pages = 0
        for content in pages:
            if content.scanned:
                if _ocr_page(builder, pdfium_doc[content.number - 1], content.number):
                    ocr_pages += 1
                continue
            _lay_out(builder, content, body_size, heading_sizes)
        scanned_all = ocr_pages > 0 and not any(p.lines or p.tables for p in pages)
        doc = builder.build(
            path=path, data=data, fmt="pdf-scan" if scanned_all else "pdf", pages=len(pages), ocr=ocr_pages > 0
        )
        doc.offset_map = []  # a PDF has no raw text to map back to
        return doc
    finally:
        pdfium_doc.close()



def check_stream_sizes(data: bytes, *, limit: int = MAX_STREAM_BYTES, ratio: int = MAX_STREAM_RATIO) -> None:
    """Refuse a PDF with a zlib stream that inflates past `limit` bytes, or past `ratio` times its
    packed size once over `RATIO_CHECKED_BYTES` (a decompression bomb). Each stream is inflated in
    bounded chunks and thrown away, so the check itself stays small in memory."""
    for found in _STREAM_START.finditer(data):
        start = found.end()
        if len(data) < start + 2 or data[start] & 0x0F != 8 or (data[start] * 256 + data[start + 1]) % 31:
            continue  # not a zlib header (another filter, or encrypted)
        end = data.find(b"endstream", start)
        packed = data[start : end if end > 0 else len(data)]
        allowed = min(limit, max(RATIO_CHECKED_BYTES, ratio * len(packed)))
        inflater = zlib.decompressobj()
        size, pending = 0, packed
        try:
            while pending and size <= allowed:
                size += len(inflater.decompress(pending, 1 << 20))
                pending = inflater.unconsumed_tail
        except zlib.error:
            continue  # a damaged stream: pdfminer copes or fails on its own
        if size > allowed:
            raise IngestError(
                Messages.PDF_STREAM_BOMB.format(offset=start, size=allowed, ratio=size / max(len(packed), 1))
            )


def _harden_pdfminer() -> None:
    """Make pdfminer fail on a loop of references (1 0 R → 2 0 R → 1 0 R), which it follows forever,
    and inflate a zlib stream with a bad checksum in linear time (its own way is quadratic: a
    70 KB file took minutes)."""
    from pdfminer import pdftypes
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.pdftypes import PDFObjRef

    if getattr(PDFObjRef.resolve, "_bounded", False):
        return
    decompress_corrupted.replaced = pdftypes.decompress_corrupted
    pdftypes.decompress_corrupted = decompress_corrupted
    single_step = PDFObjRef.resolve

    def resolve(self, default=None):
        target = single_step(self, default=default)
        for _ in range(MAX_REFERENCE_CHAIN):
            if not isinstance(target, PDFObjRef):
                return target
            target = single_step(target, default=default)
        raise PDFSyntaxError(f"a chain of more than {MAX_REFERENCE_CHAIN} references from object {self.objid} (a loop)")

    resolve._bounded = True
    PDFObjRef.resolve = resolve


def decompress_corrupted(data: bytes, *, chunk: int = 1 << 16) -> bytes:
    """What pdfminer's `decompress_corrupted` gives (the bytes inflated before a bad checksum;
    an error earlier than the last 3 bytes is raised), in linear time: whole chunks first, the
    failing chunk again byte by byte."""
    inflater = zlib.decompressobj()
    out = bytearray()
    for at in range(0, len(data), chunk):
        piece = data[at : at + chunk]
        trial = inflater.copy()
        try:
            out += trial.decompress(piece)
            inflater = trial
            continue
        except zlib.error:
            pass
        for i in range(len(piece)):
            try:
                out += inflater.decompress(piece[i : i + 1])
            except zlib.error:
                if at + i < len(data) - 3:
                    raise
                log.warning("data lost while inflating a damaged stream")
                return bytes(out)
    return bytes(out)


def _page_content(page, number: int) -> PageContent:
    chars = page.chars
    if not chars or _unmapped_share(chars) > MAX_UNMAPPED_SHARE:
        # no text layer, or glyphs without Unicode mapping ("(cid:123)"): the page must be read as an image
        return PageContent(number, float(page.width), [], [], scanned=bool(page.images) or bool(chars))
    if _has_doubled_glyphs(chars):  # glyphs drawn twice, a little shifted, to embolden
        page = page.dedupe_chars()
    rulings = len(page.rects) + len(page.lines)
    tables = page.find_tables() if 0 < rulings <= MAX_RULINGS else []
    if rulings > MAX_RULINGS:
        log.warning("page %d has %d ruling lines (a drawing?); its tables are read as text", number, rulings)
    boxes = [t.bbox for t in tables]
    outside = page.filter(lambda obj: not _inside_any(obj, boxes)) if boxes else page
    lines = [_line(d) for d in outside.extract_text_lines(return_chars=True, strip=True) if d["text"].strip()]
    grids = [Table(t.bbox[1], t.bbox[3], *_grid(t)) for t in tables]
    return PageContent(number, float(page.width), lines, grids)


def _has_doubled_glyphs(chars: list[dict]) -> bool:
    """Whether some glyph is drawn again within a point of itself (cheaper than deduplicating)."""
    seen: set[tuple[str, int, int]] = set()
    for c in chars:
        if c["text"].isspace():
            continue
        x, y = round(c["x0"]), round(c["top"])
        keys = [(c["text"], x + dx, y + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        if any(k in seen for k in keys):
            return True
        seen.add((c["text"], x, y))
    return False


def _unmapped_share(chars: list[dict]) -> float:
    return sum(1 for c in chars if c["text"].startswith("(cid:")) / len(chars)


def _inside_any(obj, boxes) -> bool:
    if obj.get("object_type") != "char":
        return False
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def _line(d: dict) -> Line:
    sizes = [c["size"] for c in d["chars"] if not c["text"].isspace()]
    return Line(d["text"], d["top"], d["bottom"], d["x0"], d["x1"], median(sizes) if sizes else 0.0)


def _grid(table) -> tuple[list[list[str]], set[tuple[int, int]]]:
    """The table's cells, with a merged cell's text repeated into the grid cells it covers."""
    texts = table.extract()
    bbox_text: dict[tuple, str] = {}
    for r, row in enumerate(table.rows):
        for c, bbox in enumerate(row.cells):
            if bbox is not None and texts[r][c] is not None:
                bbox_text[tuple(bbox)] = texts[r][c]
    columns = table.columns
    merged: set[tuple[int, int]] = set()
    grid: list[list[str]] = []
    for r, row in enumerate(table.rows):
        out: list[str] = []
        for c, bbox in enumerate(row.cells):
            text = texts[r][c]
            if text is None:
                x = (columns[c].bbox[0] + columns[c].bbox[2]) / 2 if c < len(columns) else None
                y = (row.bbox[1] + row.bbox[3]) / 2
                text = _covering(bbox_text, x, y)
                if text is not None:
                    merged.add((r, c))
            out.append(_unwrap(text or ""))
        grid.append(out)
    return grid, merged


def _covering(bbox_text: dict[tuple, str], x: float | None, y: float) -> str | None:
    if x is None:
        return None
    for (x0, top, x1, bottom), text in bbox_text.items():
        if x0 <= x <= x1 and top <= y <= bottom:
            return text
    return None


def _unwrap(text: str) -> str:
    """A wrapped cell's lines as one string (see `tidy.join_lines`)."""
    return join_lines(text.split("\n"))


def _mask(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _drop_running_heads(pages: list[PageContent]) -> None:
    """Remove lines repeated at page tops or bottoms, and page numbers at the edges."""
    text_pages = [p for p in pages if p.lines]
    counts: Counter[str] = Counter()
    for p in text_pages:
        edges = {_mask(line.text) for line in p.lines[:EDGE_LINES] + p.lines[-EDGE_LINES:]}
        counts.update(edges)
    threshold = max(2, REPEAT_SHARE * len(text_pages))
    repeated = {text for text, n in counts.items() if n >= threshold}
    for p in text_pages:
        n = len(p.lines)
        keep: list[Line] = []
        for i, line in enumerate(p.lines):
            at_edge = i < EDGE_LINES or i >= n - EDGE_LINES
            if at_edge and (_mask(line.text) in repeated or PAGE_NUMBER.match(line.text.strip())):
                continue
            keep.append(line)
        p.lines = keep


def _join_continued_tables(pages: list[PageContent]) -> None:
    """A table that ends one page and one that starts the next, with as many columns, are one table.

    The rows move to the table on the earlier page; a header row that the next page
    repeats is dropped.
    """
    for before, after in zip(pages, pages[1:]):
        if not before.tables or not after.tables:
            continue
        last, first = max(before.tables, key=lambda t: t.top), min(after.tables, key=lambda t: t.top)
        ends_page = not any(line.top > last.bottom for line in before.lines)
        starts_page = not any(line.bottom < first.top for line in after.lines)
        width = len(last.grid[0]) if last.grid else 0
        if not (ends_page and starts_page and width and all(len(r) == width for r in first.grid)):
            continue
        rows = first.grid
        skip = 1 if rows and last.grid and rows[0] == last.grid[0] else 0
        offset = len(last.grid) - skip
        last.grid.extend(rows[skip:])
        last.merged |= {(r + offset, c) for r, c in first.merged if r >= skip}
        after.tables.remove(first)


def _body_size(pages: list[PageContent]) -> float:
    sizes: Counter[float] = Counter()
    for p in pages:
        for line in p.lines:
            sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _heading_levels(pages: list[PageContent], body: float) -> dict[float, int]:
    """Sizes larger than the body, largest first → heading levels 1, 2, …"""
    sizes = {round(line.size, 1) for p in pages for line in p.lines if line.size >= body * HEADING_RATIO}
    return {size: level for level, size in enumerate(sorted(sizes, reverse=True), 1)}


def _lay_out(builder: DocumentBuilder, content: PageContent, body: float, levels: dict[float, int]) -> None:
    """The page's headings, paragraphs and tables, top to bottom.

    Lines set larger than the body are headings. The other lines between two tables or
    headings are joined where the page wrapped them (a line that reaches the right edge,
    followed by one that is not indented) and handed to `layout.lines_to_blocks`, which
    finds numbered headings, list items and tables flattened into text lines.
    """
    items: list[tuple[float, str, object]] = [(line.top, "line", line) for line in content.lines]
    items += [(t.top, "table", (t.grid, t.merged)) for t in content.tables]
    items.sort(key=lambda t: t[0])
    right = max((line.x1 for line in content.lines), default=content.width)
    left = min((line.x0 for line in content.lines), default=0.0)
    paragraph: list[Line] = []
    chunk: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            text = clean_piece(join_lines([ln.text for ln in paragraph]))
            if text:
                chunk.append(text)
            paragraph.clear()

    def flush() -> None:
        end_paragraph()
        if chunk:
            _add_text_lines(builder, chunk, page=content.number)
            chunk.clear()

    for _, kind, item in items:
        if kind == "table":
            flush()
            grid, merged = item
            grid, merged = compact([[clean_piece(c) for c in row] for row in grid], merged)
            builder.add_table(grid, merged=merged, page=content.number)
            continue
        line: Line = item
        level = levels.get(round(line.size, 1))
        if level is not None:
            flush()
            builder.add_text("heading", clean_piece(line.text), page=content.number, level=level)
            continue
        em = line.size or body or 10.0
        indented = line.x0 > left + em * 1.2
        if paragraph and (indented or paragraph[-1].x1 < right - em * 1.5):
            end_paragraph()
        paragraph.append(line)
    flush()


def _add_text_lines(builder: DocumentBuilder, lines: list[str], *, page: int) -> None:
    """Paragraph lines through `layout.lines_to_blocks` when it exists, else one paragraph each."""
    try:
        from pipeline.ingest.layout import add_blocks, lines_to_blocks
    except ImportError:
        for text in lines:
            builder.add_text("paragraph", text, page=page)
        return
    from pipeline.ingest.offsets import MappedText

    add_blocks(builder, lines_to_blocks([MappedText.raw(text) for text in lines]), page=page)


def _ocr_page(builder: DocumentBuilder, pdfium_page, number: int) -> bool:
    try:
        from pipeline.ingest.ocr import ocr_pdf_page
    except ImportError:
        log.warning(Messages.NO_TEXT_PAGE.format(page=number))
        return False
    ocr_pdf_page(builder, pdfium_page, page=number)
    return True
