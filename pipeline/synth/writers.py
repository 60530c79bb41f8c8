"""Write synthetic documents as files: txt (with gold and annotations), docx, pdf, html, xlsx, png.

The txt file is the annotated text itself; the other formats lay out the same blocks the way
such documents are published (Word tables with merged cells, a PDF with a CJK font, a portal
page, a spreadsheet, a scanned-looking page image). Their gold record is the txt one: values,
facts and flags are the same, offsets point into the txt rendering.
"""

from __future__ import annotations

import html
import io
import json
import logging
import re
import zipfile
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from pathlib import Path

from pipeline.synth.generator import SynthDoc, plain_blocks

logger = logging.getLogger(__name__)

FORMATS = ("txt", "docx", "pdf", "html", "xlsx", "png")
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FIXED_TIME = datetime(2026, 1, 1)  # document properties and zip entries: same seed, same bytes


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _fixed_zip(data: bytes) -> bytes:
    """The same zip package with every entry dated FIXED_TIME (Office files are zips)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = _MODIFIED.sub(rb"\g<1>" + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", data)
            dst.writestr(fixed, data)
    return out.getvalue()


def write_corpus(docs: Iterable[SynthDoc], outdir: Path, *, formats: Iterable[str] = ("txt",)) -> int:
    """Write every document in every format (plus `<name>.gold.json`); returns how many documents."""
    formats = tuple(formats)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown format(s) {unknown}; choose among {', '.join(FORMATS)}")
    outdir.mkdir(parents=True, exist_ok=True)
    n = 0
    for doc in docs:
        for fmt in formats:
            WRITERS[fmt](doc, outdir / f"{doc.name}.{fmt}")
        (outdir / f"{doc.name}.gold.json").write_text(json.dumps(doc.gold, ensure_ascii=False), encoding="utf-8")
        n += 1
    return n


def write_txt(doc: SynthDoc, path: Path) -> None:
    """The text, with its stand-off annotations beside it (`.entities.json`, `.sections.json`)."""
    path.write_text(doc.text, encoding="utf-8")
    stem = path.with_suffix("")
    for ann in (doc.entities, doc.sections):
        Path(f"{stem}.{ann.layer}.json").write_text(
            json.dumps(ann.model_dump(), ensure_ascii=False) + "\n", encoding="utf-8"
        )


def _runs(rows: list[list[str]], merged: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """(row, col) of each merged region's top cell → how many rows it spans."""
    spans: dict[tuple[int, int], int] = {}
    for r, row in enumerate(rows):
        for c in range(len(row)):
            if (r, c) in merged:
                continue
            n = 1
            while (r + n, c) in merged:
                n += 1
            if n > 1:
                spans[(r, c)] = n
    return spans


def write_docx(doc: SynthDoc, path: Path) -> None:
    import docx
    from docx.oxml.ns import qn

    d = docx.Document()
    style = d.styles["Normal"]
    style.font.name = "宋体"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for kind, content, extra in plain_blocks(doc):
        if kind == "heading":
            d.add_heading(content, level=min(extra, 3))
        elif kind == "paragraph":
            d.add_paragraph(content)
        else:
            merged, title = extra
            if title:
                d.add_paragraph(title)
            rows = content
            width = max(len(r) for r in rows)
            table = d.add_table(rows=len(rows), cols=width)
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    if (r, c) not in merged:
                        table.cell(r, c).text = text
            for (r, c), n in _runs(rows, merged).items():
                table.cell(r, c).merge(table.cell(r + n - 1, c))
    d.core_properties.title = doc.name
    d.core_properties.created = d.core_properties.modified = FIXED_TIME
    buf = io.BytesIO()
    d.save(buf)
    path.write_bytes(_fixed_zip(buf.getvalue()))


@cache
def _pdf_font() -> str:
    """reportlab cannot embed the CFF outlines of the Noto CJK collection, so the PDFs use the
    standard CID font STSong-Light (Adobe-GB1, UCS-2 encoded: viewers substitute a Song face and
    text extraction maps the codes back to Unicode)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def write_pdf(doc: SynthDoc, path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _pdf_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10, wordWrap="CJK")
    heads = {lvl: ParagraphStyle(f"h{lvl}", fontName=font, fontSize=15 - 2 * lvl, leading=22 - 2 * lvl, spaceBefore=6) for lvl in (1, 2, 3)}
    story = []
    for kind, content, extra in plain_blocks(doc):
        if kind == "heading":
            story.append(Paragraph(html.escape(content), heads[min(extra, 3)]))
        elif kind == "paragraph":
            story.append(Paragraph(html.escape(content), body))
        else:
            merged, title = extra
            if title:
                story.append(Paragraph(html.escape(title), body))
            rows = [[Paragraph(html.escape(t), cell) if (r, c) not in merged else "" for c, t in enumerate(row)] for r, row in enumerate(content)]
            width = max(len(r) for r in rows)
            rows = [r + [""] * (width - len(r)) for r in rows]
            commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
            commands += [("SPAN", (c, r), (c, r + n - 1)) for (r, c), n in _runs(content, merged).items()]
            table = Table(rows, colWidths=[(A4[0] - 30 * mm) / width] * width, repeatRows=0)
            table.setStyle(TableStyle(commands))
            story += [table, Spacer(1, 4 * mm)]
    SimpleDocTemplate(str(path), pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, title=doc.name, invariant=1).build(story)


def write_html(doc: SynthDoc, path: Path) -> None:
    """A government-portal-like page: navigation, breadcrumb, article, footer."""
    title = next((c for k, c, _ in plain_blocks(doc) if k in ("heading", "paragraph")), doc.name)
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;margin:0}nav{background:#b22;color:#fff;padding:8px}"
        "table{border-collapse:collapse}td{border:1px solid #333;padding:2px 6px}</style></head><body>",
        '<header><div class="logo">人民政府门户网站</div></header>',
        "<nav><a href='#'>首页</a> <a href='#'>政务公开</a> <a href='#'>财政预决算</a> <a href='#'>互动交流</a></nav>",
        '<div class="breadcrumb">您现在所在的位置：首页 &gt; 政务公开 &gt; 财政资金 &gt; 绩效评价</div>',
        '<div class="info">发布时间：<span>2026-03-15</span> 来源：本站 【字体：大 中 小】 打印</div>',
        '<div class="article">',
    ]
    for kind, content, extra in plain_blocks(doc):
        if kind == "heading":
            lvl = min(extra + 1, 4)
            out.append(f"<h{lvl}>{html.escape(content)}</h{lvl}>")
        elif kind == "paragraph":
            out.append(f"<p>{html.escape(content)}</p>")
        else:
            merged, title_text = extra
            if title_text:
                out.append(f"<p>{html.escape(title_text)}</p>")
            spans = _runs(content, merged)
            out.append("<table>")
            for r, row in enumerate(content):
                cells = []
                for c, text in enumerate(row):
                    if (r, c) in merged:
                        continue
                    rowspan = f' rowspan="{spans[(r, c)]}"' if (r, c) in spans else ""
                    cells.append(f"<td{rowspan}>{html.escape(text)}</td>")
                out.append("<tr>" + "".join(cells) + "</tr>")
            out.append("</table>")
    out += ["</div>", "<footer>主办单位：人民政府办公室 网站标识码：0000000000 备案号：示例ICP备00000000号</footer>", "</body></html>"]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def write_xlsx(doc: SynthDoc, path: Path) -> None:
    """One sheet, as such tables are published: prose lines in column A, tables with merged cells."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    wb = Workbook()
    ws = wb.active
    ws.title = "绩效"
    r0 = 1
    for kind, content, extra in plain_blocks(doc):
        if kind in ("heading", "paragraph"):
            ws.cell(row=r0, column=1, value=content)
            r0 += 1
            continue
        merged, title = extra
        if title:
            ws.cell(row=r0, column=1, value=title)
            r0 += 1
        for r, row in enumerate(content):
            for c, text in enumerate(row):
                if (r, c) not in merged and text:
                    ws.cell(row=r0 + r, column=c + 1, value=text).alignment = Alignment(wrap_text=True, vertical="center")
        for (r, c), n in _runs(content, merged).items():
            ws.merge_cells(start_row=r0 + r, start_column=c + 1, end_row=r0 + r + n - 1, end_column=c + 1)
        r0 += len(content) + 1
    wb.properties.creator = "jixiao synth"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_fixed_zip(buf.getvalue()))


@cache
def _png_fonts(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(CJK_FONT), size)


def write_png(doc: SynthDoc, path: Path, *, dpi: int = 200, max_pages: int = 4) -> None:
    """Pages rendered at `dpi` (A4): `<name>.png` is page 1, `<name>.p2.png` … the next ones."""
    from PIL import Image, ImageDraw

    width, height = int(8.27 * dpi), int(11.69 * dpi)
    margin = int(0.7 * dpi)
    body = _png_fonts(int(dpi * 0.15))
    small = _png_fonts(int(dpi * 0.11))
    line_h = int(dpi * 0.24)
    pages: list = []

    def new_page():
        img = Image.new("L", (width, height), 255)
        pages.append(img)
        return ImageDraw.Draw(img), margin

    draw, y = new_page()

    def wrap(text: str, font, limit: int) -> list[str]:
        lines, cur = [], ""
        for ch in text:
            if font.getlength(cur + ch) > limit:
                lines.append(cur)
                cur = ch
            else:
                cur += ch
        return [*lines, cur] if cur else lines or [""]

    for kind, content, extra in plain_blocks(doc):
        if len(pages) > max_pages:
            break
        if kind in ("heading", "paragraph"):
            for line in wrap(content, body, width - 2 * margin):
                if y + line_h > height - margin:
                    draw, y = new_page()
                draw.text((margin, y), line, fill=0, font=body)
                y += line_h
            continue
        merged, title = extra
        if title:
            draw.text((margin, y), title, fill=0, font=body)
            y += line_h
        ncols = max(len(r) for r in content)
        col_w = (width - 2 * margin) // ncols
        for r, row in enumerate(content):
            cells = [wrap(t, small, col_w - 8) if (r, c) not in merged else [] for c, t in enumerate(row)]
            row_h = max(1, *(len(c) for c in cells)) * int(dpi * 0.16) + 8
            if y + row_h > height - margin:
                draw, y = new_page()
            for c in range(ncols):
                x = margin + c * col_w
                draw.rectangle([x, y, x + col_w, y + row_h], outline=0, width=2)
                for i, line in enumerate(cells[c] if c < len(cells) else []):
                    draw.text((x + 4, y + 4 + i * int(dpi * 0.16)), line, fill=0, font=small)
            y += row_h
        y += line_h
    for i, img in enumerate(pages[:max_pages]):
        target = path if i == 0 else path.with_name(f"{path.stem}.p{i + 1}.png")
        img.save(target, format="PNG", dpi=(dpi, dpi), optimize=False)


WRITERS = {"txt": write_txt, "docx": write_docx, "pdf": write_pdf, "html": write_html, "xlsx": write_xlsx, "png": write_png}
