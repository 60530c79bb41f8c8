"""Builders of real DOCX, PDF and XLSX files from invented content, and `char_accuracy`.

Shared by the ingest tests, `examples/make_examples.py` and `benchmarks/bench_ingest.py`
(which put `tests/` on `sys.path` and import `ingest.fixtures`). All content is ours.

Content is a list of items in reading order:
- `("heading", text, level)`, `("paragraph", text)`, `("list", text)`,
- `("table", rows)` or `("table", rows, spans)` with `spans = {(row, col): (rowspan, colspan)}`
  for merged cells (the covered cells' entries in `rows` are ignored).
"""

from __future__ import annotations

import datetime
import difflib
import os
import functools
import hashlib
import re
import tempfile
from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
CJK_FONT = FONT_DIR / "NotoSansCJK-Regular.ttc"
CJK_FONT_INDEX = 2  # Noto Sans CJK SC in the collection
A4 = (595.27, 841.89)  # points
MARGIN = 72.0
FIXED_TIME = datetime.datetime(2026, 1, 1)


def char_accuracy(expected: str, got: str) -> float:
    """1 − edits / len(expected), whitespace ignored, never below 0.

    Edits are counted from difflib's opcodes (a replace of n by m counts max(n, m)), an
    upper bound of the edit distance, so the accuracy is never overstated.
    """
    a = "".join(expected.split())
    b = "".join(got.split())
    if not a:
        return 1.0 if not b else 0.0
    edits = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            edits += max(i2 - i1, j2 - j1)
    return max(0.0, 1.0 - edits / len(a))


def items_text(items: list[tuple]) -> str:
    """What a perfect reader returns for the items: blocks by newline, cells by tab."""
    parts: list[str] = []
    for item in items:
        if item[0] == "table":
            rows, spans = item[1], (item[2] if len(item) > 2 else {})
            for r, row in enumerate(_expand(rows, spans)):
                parts.append("\t".join(row))
        else:
            parts.append(item[1])
    return "\n".join(parts)


def _expand(rows: list[list[str]], spans: dict) -> list[list[str]]:
    """Rows with each merged cell's text repeated into the cells it covers."""
    out = [list(r) for r in rows]
    for (r, c), (rs, cs) in spans.items():
        for i in range(r, r + rs):
            for j in range(c, c + cs):
                out[i][j] = rows[r][c]
    return out


# --- DOCX ------------------------------------------------------------------------------


def write_docx(path: Path, items: list[tuple], *, chinese_heading_styles: bool = False) -> Path:
    """A .docx of the items; headings use Heading n (or 标题 n) styles, tables real merges."""
    import docx

    document = docx.Document()
    if chinese_heading_styles:
        for n in range(1, 4):
            document.styles[f"Heading {n}"].name = f"标题 {n}"
    for item in items:
        kind = item[0]
        if kind == "heading":
            style = f"标题 {item[2]}" if chinese_heading_styles else f"Heading {item[2]}"
            document.add_paragraph(item[1], style=style)
        elif kind == "paragraph":
            document.add_paragraph(item[1])
        elif kind == "list":
            document.add_paragraph(item[1], style="List Number")
        elif kind == "table":
            rows, spans = item[1], (item[2] if len(item) > 2 else {})
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            covered = {
                (i, j) for (r, c), (rs, cs) in spans.items() for i in range(r, r + rs) for j in range(c, c + cs)
            }
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    if (r, c) not in covered:
                        table.cell(r, c).text = text
            for (r, c), (rs, cs) in spans.items():
                cell = table.cell(r, c).merge(table.cell(r + rs - 1, c + cs - 1))
                cell.text = rows[r][c]
        else:
            raise ValueError(f"unknown item kind {kind!r}")
    document.core_properties.created = FIXED_TIME
    document.core_properties.modified = FIXED_TIME
    document.core_properties.last_modified_by = "jixiao"
    path = Path(path)
    document.save(path)
    _fix_zip_times(path)
    return path


def _fix_zip_times(path: Path) -> None:
    """Rewrite a zip with fixed member times, so that the same content gives the same bytes."""
    import zipfile

    with zipfile.ZipFile(path) as src:
        members = [(info.filename, src.read(info)) for info in src.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    members = [
        (name, re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp, blob) if name == "docProps/core.xml" else blob)
        for name, blob in members
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, blob in members:
            dst.writestr(zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6]), blob, zipfile.ZIP_DEFLATED)


# --- PDF -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def cjk_font(chars: frozenset[str]) -> str:
    """Register (once) a TrueType subset of Noto Sans CJK SC covering `chars`; its reportlab name.

    reportlab embeds only TrueType outlines and Noto CJK has CFF outlines, so the glyphs
    needed are subset with fontTools and converted to quadratic curves.
    """
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont as RLTTFont

    wanted = "".join(sorted(chars | set(" 0123456789.%-/")))
    key = hashlib.sha1(wanted.encode()).hexdigest()[:12]
    name = f"NotoSC-{key}"
    out = Path(tempfile.gettempdir()) / f"jixiao-{name}-v3.ttf"
    if not out.is_file():
        font = TTFont(str(CJK_FONT), fontNumber=CJK_FONT_INDEX, recalcTimestamp=False)
        options = subset.Options()
        options.desubroutinize = True
        options.layout_features = []
        options.drop_tables += ["VORG", "GSUB", "GPOS", "BASE", "vhea", "vmtx", "DSIG"]
        options.name_IDs = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=wanted)
        subsetter.subset(font)
        order = font.getGlyphOrder()
        glyph_set = font.getGlyphSet()
        quadratic = {}
        for glyph_name in order:
            pen = TTGlyphPen(glyph_set)
            glyph_set[glyph_name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            quadratic[glyph_name] = pen.glyph()
        font["loca"] = newTable("loca")
        font["glyf"] = glyf = newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = quadratic
        del font["CFF "]
        font["maxp"] = maxp = newTable("maxp")
        maxp.tableVersion = 0x00010000
        for attr in (
            "maxZones",
            "maxTwilightPoints",
            "maxStorage",
            "maxFunctionDefs",
            "maxInstructionDefs",
            "maxStackElements",
            "maxSizeOfInstructions",
            "maxComponentElements",
        ):
            setattr(maxp, attr, 1 if attr == "maxZones" else 0)
        post = font["post"]
        post.formatType = 2.0
        post.extraNames = []
        post.mapping = {}
        post.glyphOrder = order
        font.sfntVersion = "\000\001\000\000"
        # a name of its own: reportlab keys faces by PostScript name, and every subset would share one
        for record in font["name"].names:
            if record.nameID in (1, 3, 4, 6):
                record.string = name
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        font.save(str(tmp))
        tmp.replace(out)
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(RLTTFont(name, str(out)))
    return name


def write_pdf(
    path: Path,
    pages: list[list[tuple]],
    *,
    header: str | None = None,
    footer: str | None = None,
    page_number: str | None = "第 {n} 页",
    encrypt: str | None = None,
    body_pt: float = 11.0,
    fake_bold: bool = False,
) -> Path:
    """A text PDF: one list of items per page, with a running header, footer and page number.

    Paragraphs are hard-wrapped to the text width (as real PDFs are); tables are drawn as
    ruled cells, merged cells as one rectangle. `encrypt` sets a user password; `fake_bold`
    draws headings twice, shifted a little, as some PDF producers embolden text.
    """
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen.canvas import Canvas

    chars = set()
    for page in pages:
        chars |= set(items_text(page))
    chars |= set(header or "") | set(footer or "") | set(page_number or "")
    font = cjk_font(frozenset(chars))
    encryption = StandardEncryption(encrypt, ownerPassword=encrypt + "-owner") if encrypt else None
    canvas = Canvas(str(path), pagesize=A4, invariant=1, encrypt=encryption)
    width, height = A4
    usable = width - 2 * MARGIN
    for n, items in enumerate(pages, 1):
        if header:
            canvas.setFont(font, 9)
            canvas.drawCentredString(width / 2, height - 40, header)
            canvas.line(MARGIN, height - 46, width - MARGIN, height - 46)
        y = height - MARGIN
        for item in items:
            y = _draw_item(canvas, item, font, y, usable, body_pt, fake_bold=fake_bold)
            if y < MARGIN:
                raise ValueError(f"page {n} overflows; put less on it")
        if footer:
            canvas.setFont(font, 9)
            canvas.drawString(MARGIN, 40, footer)
        if page_number:
            canvas.setFont(font, 9)
            canvas.drawCentredString(width / 2, 25, page_number.format(n=n, total=len(pages)))
        canvas.showPage()
    canvas.save()
    return Path(path)


def _draw_item(
    canvas, item: tuple, font: str, y: float, usable: float, body_pt: float, *, fake_bold: bool = False
) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    kind = item[0]
    if kind in ("heading", "paragraph", "list"):
        size = body_pt + (4 - min(item[2], 3)) * 2 if kind == "heading" else body_pt
        indent = 2 * size if kind == "paragraph" else 0
        lines: list[str] = []
        line, limit = "", usable - indent
        for ch in item[1]:
            if line and stringWidth(line + ch, font, size) > limit:
                lines.append(line)
                line, limit = "", usable
            line += ch
        lines.append(line)
        canvas.setFont(font, size)
        for i, text in enumerate(lines):
            y -= size * 1.6
            canvas.drawString(MARGIN + (indent if i == 0 else 0), y, text)
            if kind == "heading" and fake_bold:  # drawn twice, slightly shifted, as some producers embolden
                canvas.drawString(MARGIN + (indent if i == 0 else 0) + 0.4, y, text)
        return y - size * 0.5
    if kind == "table":
        rows, spans = item[1], (item[2] if len(item) > 2 else {})
        size = body_pt - 1.5
        ncols = len(rows[0])
        natural = [max(stringWidth(r[c], font, size) for r in rows) + 8 for c in range(ncols)]
        scale = min(1.0, usable / sum(natural))
        widths = [w * scale for w in natural]
        xs = [MARGIN + sum(widths[:c]) for c in range(ncols + 1)]
        row_h = size * 2.0
        top = y - size
        covered = {(i, j) for (r, c), (rs, cs) in spans.items() for i in range(r, r + rs) for j in range(c, c + cs)}
        canvas.setFont(font, size)
        canvas.setLineWidth(0.6)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                rs, cs = spans.get((r, c), (1, 1))
                if (r, c) in covered and (r, c) not in spans:
                    continue
                x0, x1 = xs[c], xs[c + cs]
                y1 = top - r * row_h
                y0 = y1 - rs * row_h
                canvas.rect(x0, y0, x1 - x0, y1 - y0)
                canvas.drawString(x0 + 4, (y0 + y1) / 2 - size * 0.35, text)
        return top - len(rows) * row_h - body_pt
    raise ValueError(f"unknown item kind {kind!r}")


# --- XLSX ------------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: dict[str, tuple[list[list[object]], dict]]) -> Path:
    """A workbook: sheet name → (rows of values, spans {(row, col): (rowspan, colspan)}).

    A value may be a `(value, number_format)` pair, e.g. `(0.3011, "0.00%")`.
    """
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, (rows, spans) in sheets.items():
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                if isinstance(value, tuple):  # (value, number format)
                    sheet.cell(row=r, column=c, value=value[0]).number_format = value[1]
                elif value is not None and value != "":
                    sheet.cell(row=r, column=c, value=value)
        for (r, c), (rs, cs) in spans.items():
            sheet.merge_cells(start_row=r + 1, start_column=c + 1, end_row=r + rs, end_column=c + cs)
    book.properties.created = book.properties.modified = FIXED_TIME
    book.save(path)
    _fix_zip_times(Path(path))
    return Path(path)
