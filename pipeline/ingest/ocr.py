"""OCR for page images and scanned PDF pages, with RapidOCR (its ONNX models ship in the wheel).

`ocr_image` reads one page: RapidOCR finds text lines and recognises them, then the lines are
laid out by their geometry. Lines on one baseline in aligned columns become a table (ruling
lines, where the page has them, give the cell boundaries); the other lines are grouped into
paragraphs by spacing, indentation and line ends, wrapped Chinese lines being joined without a
space; taller or centred lone lines become headings. A skewed scan is levelled first (by the
median slope of its lines). Blocks go to the builder in reading order
(top to bottom; multi-column page layouts are read row by row).

One engine per process, built on first use and shared by threads (calls are serialised: the
engine uses both cores already).
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import statistics
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from pipeline.ingest.builder import DocumentBuilder
from pipeline.ingest.clean import clean_str

logger = logging.getLogger(__name__)

# Pages are OCR'd with their long side at most this many pixels: A4 at ~205 dpi, where body
# text (10.5–12 pt) is 30–35 px high, enough for the recogniser (it works at 48 px).
MAX_SIDE = 2400
# Text detection runs on a copy whose long side is this many pixels; the lines are then cut
# from the full page for recognition. Smaller copies (960, 1280) merge table cells whose gap is
# under two characters into one line; RapidOCR's own pipeline detects on the page itself (long
# side up to 2000 px: its `det_limit_side_len` is ignored with `det_limit_type="max"`), which
# costs half as many pixels more and ~0.3 GB more memory.
DET_SIDE = 1600
# Scanned PDF pages are rendered at this resolution (capped by MAX_SIDE for large pages).
PDF_DPI = 200
# Lines are recognised one at a time: a batch is padded to its widest line, and on CPU the
# padding costs more than batching saves (single-thread CPU per A4 page, RapidOCR detection: 4.0 s at 1,
# 4.7 s at 2–3, 5.5 s at RapidOCR's 6).
REC_BATCH = 1
THREADS = 2  # onnxruntime intra-op threads by default: the target machines have two cores
# `jixiao batch` sets this in its workers so that workers × OCR threads ≤ cores
THREADS_ENV = "JIXIAO_OCR_THREADS"
MIN_SCORE = 0.5  # recognitions below this confidence are dropped
# What the recogniser reads into the margin of a crop (cell borders, specks): stripped from the
# ends of each line, never from inside it.
EDGE_NOISE = " \t‧·•|丨｜"

_engine: Any = None
_engine_lock = threading.Lock()
_run_lock = threading.Lock()


def ocr_threads() -> int:
    """onnxruntime intra-op threads: $JIXIAO_OCR_THREADS when set, else THREADS (at most the cores)."""
    try:
        wanted = int(os.environ.get(THREADS_ENV, "0"))
    except ValueError:
        wanted = 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, wanted or min(THREADS, cores))


def engine() -> Any:
    """The process's RapidOCR engine, built on first use (thread-safe)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                from rapidocr_onnxruntime import RapidOCR

                _engine = RapidOCR(
                    use_cls=False,  # printed pages are upright; the angle classifier only costs time
                    text_score=MIN_SCORE,
                    det_limit_type="max",  # never upscale the (already small) detection copy
                    rec_batch_num=REC_BATCH,
                    intra_op_num_threads=ocr_threads(),
                    inter_op_num_threads=1,
                )
                logger.debug("RapidOCR engine ready")
    return _engine


@dataclass
class _Box:
    """One recognised text line, as an axis-aligned box in page pixels."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class _Row:
    """Boxes sharing a baseline, left to right."""

    boxes: list[_Box] = field(default_factory=list)

    @property
    def y0(self) -> float:
        return min(b.y0 for b in self.boxes)

    @property
    def y1(self) -> float:
        return max(b.y1 for b in self.boxes)

    @property
    def x0(self) -> float:
        return min(b.x0 for b in self.boxes)

    @property
    def x1(self) -> float:
        return max(b.x1 for b in self.boxes)

    @property
    def h(self) -> float:
        return statistics.median(b.h for b in self.boxes)


@dataclass
class _Grid:
    """A ruled table: its bounding box and the positions of its rules."""

    x0: float
    y0: float
    x1: float
    y1: float
    ys: list[float]
    xs: list[float]

    def holds(self, box: _Box) -> bool:
        return self.x0 <= box.cx <= self.x1 and self.y0 <= box.cy <= self.y1


def ocr_image(builder: DocumentBuilder, image: Image.Image | np.ndarray, *, page: int | None = None) -> int:
    """OCR one page image (PIL, or an RGB/grey array) into blocks; returns the characters added."""
    gray = _to_gray(image)
    if gray.shape[0] < 8 or gray.shape[1] < 8 or int(gray.max()) - int(gray.min()) < 16:
        return 0  # too small or blank: nothing to read
    scale = min(1.0, MAX_SIDE / max(gray.shape))
    if scale < 1.0:
        size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
        gray = np.asarray(Image.fromarray(gray).resize(size, Image.Resampling.LANCZOS))
    boxes, gray = _recognise(gray)
    if not boxes:
        return 0
    added = 0
    for kind, content in _layout(boxes, gray):
        if kind == "table":
            block = builder.add_table(content, page=page)
            if block:
                added += sum(len(c.text) for row in block.rows for c in row)
        else:
            block = builder.add_text(kind, content, page=page)
            if block:
                added += block.end - block.start
    return added


def ocr_pdf_page(builder: DocumentBuilder, pdfium_page: Any, *, page: int) -> int:
    """Render a pypdfium2 page (PDF_DPI, long side ≤ MAX_SIDE) and OCR it; returns the characters added."""
    width, height = pdfium_page.get_size()
    scale = min(PDF_DPI / 72, MAX_SIDE / max(width, height, 1))
    bitmap = pdfium_page.render(scale=scale, grayscale=True)
    try:
        image = bitmap.to_pil()
        return ocr_image(builder, image, page=page)
    finally:
        bitmap.close()


# -- recognition ---------------------------------------------------------------------------


def _to_gray(image: Image.Image | np.ndarray) -> np.ndarray:
    """An 8-bit grey array of any PIL mode or array (transparency over white)."""
    if isinstance(image, np.ndarray):
        arr = image
        if arr.ndim == 3 and arr.shape[2] == 4:
            image = Image.fromarray(arr.astype(np.uint8), "RGBA")
        elif arr.ndim == 3:
            return np.asarray(Image.fromarray(arr[..., :3].astype(np.uint8), "RGB").convert("L"))
        else:
            return _as_uint8(arr)
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        return _as_uint8(np.asarray(image))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("L"))


def _as_uint8(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == np.uint8:
        return arr
    arr = arr.astype(np.float64)
    low, high = float(arr.min()), float(arr.max())
    if high <= low:
        return np.full(arr.shape, 255, np.uint8)
    return ((arr - low) * (255.0 / (high - low))).astype(np.uint8)


def _recognise(gray: np.ndarray) -> tuple[list[_Box], np.ndarray]:
    """The recognised lines, levelled if the page is skewed, and the page levelled with them.

    Lines are detected on a copy at most DET_SIDE pixels long and recognised from the page.
    """
    import cv2

    scale = min(1.0, DET_SIDE / max(gray.shape))
    small = gray
    if scale < 1.0:
        small = cv2.resize(
            gray, (round(gray.shape[1] * scale), round(gray.shape[0] * scale)), interpolation=cv2.INTER_AREA
        )
    ocr = engine()
    with _run_lock:
        quads, _ = ocr.text_det(np.repeat(small[..., None], 3, axis=2))
        if quads is None or len(quads) == 0:
            return [], gray
        quads = (np.asarray(quads, np.float32) / scale).astype(np.float32)
        line_h = float(np.median(np.linalg.norm(quads[:, 3] - quads[:, 0], axis=1)))
        page = _without_rules(gray, line_h)
        crops = ocr.get_crop_img_list(np.repeat(page[..., None], 3, axis=2), list(quads))
        recognised, _ = ocr.text_rec(crops)
    lines = [
        (quad.astype(np.float64), clean_str(found[0]).strip(EDGE_NOISE))
        for quad, found in zip(quads, recognised, strict=True)
        if found[1] >= MIN_SCORE
    ]
    lines = [(quad, text) for quad, text in lines if text]
    angle = _skew(quad for quad, _ in lines)
    if angle:
        # rotate the line boxes and the page (for its ruling lines) by the same transform
        centre = (gray.shape[1] / 2, gray.shape[0] / 2)
        matrix = cv2.getRotationMatrix2D(centre, float(np.degrees(angle)), 1.0)
        gray = cv2.warpAffine(gray, matrix, (gray.shape[1], gray.shape[0]), borderValue=255)
        lines = [(quad @ matrix[:, :2].T + matrix[:, 2], text) for quad, text in lines]
    boxes = [_Box(text, quad[:, 0].min(), quad[:, 1].min(), quad[:, 0].max(), quad[:, 1].max()) for quad, text in lines]
    return boxes, gray


def _skew(quads: Iterable[np.ndarray]) -> float:
    """The page's skew in radians (median slope of long lines' top edges), 0 when under 0.15°."""
    angles = []
    for quad in quads:
        dx, dy = quad[1] - quad[0]
        height = float(np.linalg.norm(quad[3] - quad[0]))
        if dx > 3 * max(height, 1.0):
            angles.append(float(np.arctan2(dy, dx)))
    if len(angles) < 3:
        return 0.0
    angle = statistics.median(angles)
    return angle if abs(angle) >= np.radians(0.15) else 0.0


# -- layout --------------------------------------------------------------------------------


def _layout(boxes: list[_Box], gray: np.ndarray) -> list[tuple[str, Any]]:
    """(kind, content) in reading order: ("table", rows of cell texts) or (kind, text)."""
    line_h = statistics.median(b.h for b in boxes)
    grids = _grids(gray, line_h)
    in_grid: dict[int, list[_Box]] = {i: [] for i in range(len(grids))}
    free: list[_Box] = []
    for box in boxes:
        for i, grid in enumerate(grids):
            if grid.holds(box):
                in_grid[i].append(box)
                break
        else:
            free.append(box)

    # each piece is (top y, kind, content); tables and paragraphs are then merged by position
    pieces: list[tuple[float, str, Any]] = []
    for i, grid in enumerate(grids):
        rows = _grid_table(grid, in_grid[i], line_h)
        if rows and max(len(r) for r in rows) >= 2:
            pieces.append((grid.y0, "table", rows))
        else:
            free.extend(in_grid[i])  # a frame around text, not a table

    rows = _rows(free)
    start = 0
    while start < len(rows):
        end = _table_run(rows, start, line_h)
        if end - start >= 2:
            pieces.append((rows[start].y0, "table", _aligned_table(rows[start:end], line_h)))
            start = end
            continue
        # plain lines up to the next table run
        stop = start + 1
        while stop < len(rows) and _table_run(rows, stop, line_h) - stop < 2:
            stop += 1
        for y, kind, text in _paragraphs(rows[start:stop], boxes, line_h):
            pieces.append((y, kind, text))
        start = stop
    pieces.sort(key=lambda p: p[0])
    return [(kind, content) for _, kind, content in pieces]


def _rows(boxes: list[_Box]) -> list[_Row]:
    """Group boxes whose vertical extents overlap by half the smaller height into rows."""
    rows: list[_Row] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        row = rows[-1] if rows else None
        if row is not None:
            overlap = min(row.y1, box.y1) - max(row.y0, box.y0)
            if overlap >= 0.5 * min(row.h, box.h):
                row.boxes.append(box)
                continue
        rows.append(_Row([box]))
    for row in rows:
        row.boxes.sort(key=lambda b: b.x0)
    return rows


def _segments(row: _Row, line_h: float) -> list[list[_Box]]:
    """Boxes of a row split where the horizontal gap is wider than a character."""
    segments: list[list[_Box]] = [[row.boxes[0]]]
    for box in row.boxes[1:]:
        if box.x0 - segments[-1][-1].x1 > 1.0 * line_h:
            segments.append([box])
        else:
            segments[-1].append(box)
    return segments


def _table_run(rows: list[_Row], start: int, line_h: float) -> int:
    """End of the run of rows from `start` that look like an unruled table (≥2 aligned cells each)."""
    end = start
    previous: list[tuple[float, float]] | None = None
    while end < len(rows):
        segs = _segments(rows[end], line_h)
        if len(segs) < 2:
            break
        spans = [(s[0].x0, s[-1].x1) for s in segs]
        if previous is not None:
            if rows[end].y0 - rows[end - 1].y1 > 2.5 * line_h:
                break
            aligned = sum(any(_overlap(a, b) > 0 for b in previous) for a in spans)
            if aligned < 2:
                break
        previous = spans
        end += 1
    return end


def _aligned_table(rows: list[_Row], line_h: float) -> list[list[str]]:
    """Cells of an unruled table: columns are the union of the rows' overlapping segments."""
    segs_by_row = [_segments(row, line_h) for row in rows]
    spans = sorted((s[0].x0, s[-1].x1) for segs in segs_by_row for s in segs)
    columns: list[list[float]] = []
    for x0, x1 in spans:
        if columns and x0 <= columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    table: list[list[str]] = []
    for segs in segs_by_row:
        cells: list[list[_Box]] = [[] for _ in columns]
        for seg in segs:
            c = max(range(len(columns)), key=lambda i: _overlap((seg[0].x0, seg[-1].x1), tuple(columns[i])))
            cells[c].extend(seg)
        table.append([_join_line(cell) for cell in cells])
    return table


def _grid_table(grid: _Grid, boxes: list[_Box], line_h: float) -> list[list[str]]:
    """Cells of a ruled table: a box belongs to the band between rules that holds its centre."""
    if not boxes:
        return []
    ys = grid.ys if len(grid.ys) >= 2 else []
    xs = grid.xs if len(grid.xs) >= 2 else []
    if ys:
        row_of = {id(b): _band(ys, b.cy) for b in boxes}
    else:
        row_of = {}
        for r, row in enumerate(_rows(boxes)):
            for b in row.boxes:
                row_of[id(b)] = r
    if xs:
        col_of = {id(b): _band(xs, b.cx) for b in boxes}
    else:
        # three-line tables: columns by alignment of the boxes
        spans = sorted((b.x0, b.x1) for b in boxes)
        columns: list[list[float]] = []
        for x0, x1 in spans:
            if columns and x0 <= columns[-1][1]:
                columns[-1][1] = max(columns[-1][1], x1)
            else:
                columns.append([x0, x1])
        col_of = {
            id(b): max(range(len(columns)), key=lambda i: _overlap((b.x0, b.x1), tuple(columns[i]))) for b in boxes
        }
    used_rows = sorted(set(row_of.values()))
    used_cols = sorted(set(col_of.values()))
    cells: dict[tuple[int, int], list[_Box]] = {}
    for b in boxes:
        cells.setdefault((used_rows.index(row_of[id(b)]), used_cols.index(col_of[id(b)])), []).append(b)
    table: list[list[str]] = []
    for r in range(len(used_rows)):
        table.append([_join_lines(cells.get((r, c), []), line_h) for c in range(len(used_cols))])
    return table


def _band(edges: list[float], v: float) -> int:
    """Index of the interval between consecutive sorted edges that holds v."""
    for i in range(len(edges) - 1):
        if v < edges[i + 1]:
            return i
    return len(edges) - 2


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return min(a[1], b[1]) - max(a[0], b[0])


def _paragraphs(rows: list[_Row], boxes: list[_Box], line_h: float) -> list[tuple[float, str, str]]:
    """(top y, kind, text) of the paragraphs and headings that the rows make."""
    if not rows:
        return []
    left = _mode_edge([r.x0 for r in rows], line_h)
    right = float(np.percentile([b.x1 for b in boxes], 90))
    gaps = [b.y0 - a.y1 for a, b in itertools.pairwise(rows) if b.y0 > a.y1]
    usual_gap = statistics.median(gaps) if gaps else 0.5 * line_h
    ems = [e for e in (_em(r) for r in rows) if e is not None]
    body_em = statistics.median(ems) if ems else None
    out: list[tuple[float, str, str]] = []
    current: list[_Row] = []
    current_kind = "paragraph"

    def flush() -> None:
        if current:
            text = _join_lines([b for row in current for b in row.boxes], line_h, rows=current)
            out.append((current[0].y0, current_kind, text))

    for i, row in enumerate(rows):
        multi = len(_segments(row, line_h)) > 1
        heading = not multi and _is_heading(row, left, right, line_h, body_em)
        if current and heading and current_kind == "heading":
            # a heading that wraps: the previous heading line ran to the margin
            prev = current[-1]
            new = prev.x1 < right - 2.0 * line_h or row.y0 - prev.y1 > usual_gap + 0.5 * line_h
        else:
            new = not current or heading or multi or current_kind == "heading"
        if current and not new and not heading:
            prev = current[-1]
            new = (
                row.y0 - prev.y1 > usual_gap + 0.5 * line_h  # extra space
                or row.x0 > left + 1.0 * line_h  # first-line indent
                or prev.x1 < right - 2.0 * line_h  # the previous line ended short
                or len(_segments(prev, line_h)) > 1
            )
        if new:
            flush()
            current = [row]
            current_kind = "heading" if heading else "paragraph"
        else:
            current.append(row)
    flush()
    return out


def _is_heading(row: _Row, left: float, right: float, line_h: float, body_em: float | None) -> bool:
    """A lone line in a larger font (wider characters) than the body, or centred."""
    em = _em(row)
    taller = em is not None and body_em is not None and em >= 1.12 * body_em
    centred = (
        row.x0 > left + 3 * line_h
        and right - row.x1 > 3 * line_h
        and abs((row.x0 + row.x1) / 2 - (left + right) / 2) < 2 * line_h
    )
    return taller or centred


def _em(row: _Row) -> float | None:
    """The row's character pitch: box width per character (Latin characters count about half)."""
    pitches = []
    for box in row.boxes:
        units = sum(0.55 if ord(ch) < 0x2E80 else 1.0 for ch in box.text if not ch.isspace())
        if units >= 3:
            pitches.append((box.x1 - box.x0) / units)
    return statistics.median(pitches) if pitches else None


def _mode_edge(values: list[float], line_h: float) -> float:
    """The most common left edge (within half a line height), the body's margin."""
    best, best_count = min(values), 0
    for v in values:
        count = sum(abs(w - v) <= 0.5 * line_h for w in values)
        if count > best_count or (count == best_count and v < best):
            best, best_count = v, count
    return best


_LATIN_END = re.compile(r"[A-Za-z0-9.,;:%)\]]$")
_LATIN_START = re.compile(r"^[A-Za-z0-9(\[]")


def _join_line(boxes: list[_Box]) -> str:
    """Boxes of one line left to right: a space only between Latin words."""
    text = ""
    for box in sorted(boxes, key=lambda b: b.x0):
        text = _glue(text, box.text)
    return text


def _join_lines(boxes: list[_Box], line_h: float, *, rows: list[_Row] | None = None) -> str:
    """Lines of one paragraph or cell top to bottom, wrapped lines joined (no space for Chinese)."""
    rows = rows if rows is not None else _rows(boxes)
    text = ""
    for row in rows:
        line = " ".join(_join_line(seg) for seg in _segments(row, line_h))
        text = _glue(text, line)
    return text


def _glue(left: str, right: str) -> str:
    if not left:
        return right
    if _LATIN_END.search(left) and _LATIN_START.search(right):
        return f"{left} {right}"
    return left + right


# -- ruling lines --------------------------------------------------------------------------


def _grids(gray: np.ndarray, line_h: float) -> list[_Grid]:
    """Ruled tables: connected sets of long horizontal and vertical lines."""
    import cv2

    horizontal, vertical = _rules(gray, line_h)
    joined = cv2.dilate(horizontal | vertical, np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined)
    grids: list[_Grid] = []
    for i in range(1, count):
        x, y, w, h, _ = stats[i]
        if w < 8 * line_h or h < 1.5 * line_h:
            continue
        ys = _rule_positions(horizontal[y : y + h, x : x + w], axis=1, offset=y, min_len=0.5 * w)
        xs = _rule_positions(vertical[y : y + h, x : x + w], axis=0, offset=x, min_len=1.5 * line_h)
        if len(ys) < 2:
            continue
        grids.append(_Grid(float(x), float(y), float(x + w), float(y + h), ys, xs))
    return grids


def _rules(gray: np.ndarray, line_h: float) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the long horizontal and vertical ink lines (ruling lines, underlines)."""
    import cv2

    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    long_h = max(12, int(4 * line_h))
    long_v = max(12, int(2.5 * line_h))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (long_h, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, long_v)))
    return horizontal, vertical


def _without_rules(gray: np.ndarray, line_h: float) -> np.ndarray:
    """The page with its ruling lines painted white, so that cell crops hold only text."""
    import cv2

    horizontal, vertical = _rules(gray, line_h)
    mask = cv2.dilate(horizontal | vertical, np.ones((5, 5), np.uint8))
    if not mask.any():
        return gray
    clean = gray.copy()
    clean[mask > 0] = 255
    return clean


def _rule_positions(mask: np.ndarray, *, axis: int, offset: int, min_len: float) -> list[float]:
    """Centres of the rules in a mask: runs of rows (axis=1) or columns (axis=0) with long ink."""
    lengths = (mask > 0).sum(axis=axis)
    on = lengths >= min_len
    positions: list[float] = []
    i = 0
    while i < len(on):
        if on[i]:
            j = i
            while j < len(on) and on[j]:
                j += 1
            positions.append(offset + (i + j - 1) / 2)
            i = j
        else:
            i += 1
    return positions
