"""Render our own Chinese text to page images and image-only PDFs, for OCR tests and benchmarks.

Pages use the items of `ingest.fixtures` (`("heading", text, level)`, `("paragraph", text)`,
`("table", rows)`), so `fixtures.items_text` gives what a perfect reader returns and
`fixtures.char_accuracy` scores a reading. `render_page` draws the items on an A4 page with a
CJK font: paragraphs wrapped with a two-character first-line indent, tables ruled (or, with
`ruled=False`, laid out in aligned columns without rules). All the content here is invented.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
REGULAR = FONT_DIR / "NotoSansCJK-Regular.ttc"
BOLD = FONT_DIR / "NotoSansCJK-Bold.ttc"
A4_MM = (210.0, 297.0)
MARGIN_MM = 25.0

Item = tuple  # ("heading", text, level) | ("paragraph", text) | ("table", rows)


def sample_report() -> list[Item]:
    """An invented 项目支出绩效自评 page: headings, paragraphs and a small indicator table."""
    return [
        ("heading", "云岭县总工会2025年度项目支出绩效自评报告", 1),
        ("heading", "一、项目基本情况", 2),
        (
            "paragraph",
            (
                "云岭县总工会困难职工帮扶项目由县财政局于2025年3月批复，年初预算安排资金86.40万元，"
                "全年预算调整为92.15万元，实际支出88.73万元，预算执行率96.29%。项目主要用于困难职工"
                "生活救助、子女助学和医疗救助，覆盖全县十二个乡镇工会。"
            ),
        ),
        ("heading", "二、绩效目标完成情况", 2),
        (
            "paragraph",
            (
                "全年共帮扶困难职工346人，发放助学金41人次，开展送温暖活动18场。职工满意度调查回收"
                "问卷520份，满意度为95.6%，达到年初设定的目标。"
            ),
        ),
        (
            "table",
            [
                ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
                ["产出指标", "数量指标", "帮扶困难职工人数", "≥320人", "346人", "20", "20"],
                ["产出指标", "时效指标", "资金发放及时率", "100%", "98%", "10", "9"],
                ["效益指标", "社会效益指标", "职工生活改善情况", "有效改善", "有效改善", "20", "18"],
                ["满意度指标", "服务对象满意度", "受助职工满意度", "≥90%", "95.6%", "10", "10"],
            ],
        ),
        ("heading", "三、项目资金使用及管理情况", 2),
        (
            "paragraph",
            (
                "项目资金实行专账核算、专款专用，支出审批严格执行县总工会财务管理办法。全年召开"
                "资金使用专题会议4次，对六个乡镇的帮扶台账进行了抽查，未发现挤占挪用情况。困难职工"
                "档案实行动态管理，全年新增建档职工57人，解困脱困退出39人。"
            ),
        ),
        (
            "paragraph",
            (
                "在政府采购方面，慰问物资通过县公共资源交易平台集中采购，采购金额23.60万元，节约"
                "资金1.85万元。医疗救助资金通过银行直接转入受助职工账户，减少了现金发放环节。"
            ),
        ),
        ("heading", "四、存在的问题及改进措施", 2),
        (
            "paragraph",
            (
                "部分乡镇申报材料报送不及时，影响了资金拨付进度。下一步将建立季度调度机制，"
                "加强对基层工会的业务培训，确保2026年资金按期拨付到位。"
            ),
        ),
        ("heading", "五、自评结论", 2),
        (
            "paragraph",
            (
                "经综合评价，本项目自评得分为92.5分，评价等级为优。项目立项依据充分，资金管理规范，"
                "绩效目标基本实现，社会效益明显。"
            ),
        ),
    ]


def render_page(
    items: list[Item],
    *,
    dpi: int = 300,
    body_pt: float = 12.0,
    heading_pt: float = 15.0,
    table_pt: float = 10.5,
    font: Path = REGULAR,
    bold: Path = BOLD,
    size_mm: tuple[float, float] = A4_MM,
    ruled: bool = True,
) -> Image.Image:
    """Draw the items on a white page (mode "L") of `size_mm` at `dpi`."""
    px = dpi / 25.4
    width, height = round(size_mm[0] * px), round(size_mm[1] * px)
    margin = round(MARGIN_MM * px)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    usable = width - 2 * margin
    y = margin
    for item in items:
        kind, content = item[0], item[1]
        if kind == "heading":
            face = _font(bold if bold.is_file() else font, heading_pt, dpi)
            y = _draw_lines(draw, [str(content)], face, margin, y, indent=0) + _pt(heading_pt, dpi) * 0.6
        elif kind == "paragraph":
            face = _font(font, body_pt, dpi)
            em = _pt(body_pt, dpi)
            lines = _wrap(str(content), face, usable, first_indent=2 * em)
            y = _draw_lines(draw, lines, face, margin, y, indent=2 * em) + em * 0.6
        elif kind == "table":
            face = _font(font, table_pt, dpi)
            em = _pt(table_pt, dpi)
            rows = content  # type: ignore[assignment]
            y = _draw_table(draw, rows, face, margin, y, usable, em, ruled=ruled) + _pt(body_pt, dpi)
        else:
            raise ValueError(f"unknown item kind {kind!r}")
        if y > height - margin:
            raise ValueError("the items do not fit on one page")
    return page


def save_pdf(images: list[Image.Image], path: Path, *, dpi: int = 300, created: datetime | None = None) -> None:
    """An image-only PDF (no text layer), one page per image; `created` fixes its dates."""
    first, *rest = [im.convert("L") for im in images]
    when = (created or datetime.now()).timetuple()
    first.save(
        path, format="PDF", save_all=True, append_images=rest, resolution=float(dpi), creationDate=when, modDate=when
    )


def _pt(points: float, dpi: int) -> float:
    return points * dpi / 72


def _font(path: Path, points: float, dpi: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), round(_pt(points, dpi)))


def _wrap(text: str, face: ImageFont.FreeTypeFont, width: float, *, first_indent: float) -> list[str]:
    lines: list[str] = []
    current = ""
    limit = width - first_indent
    for ch in text:
        if current and face.getlength(current + ch) > limit:
            lines.append(current)
            current = ""
            limit = width
        current += ch
    if current:
        lines.append(current)
    return lines


def _draw_lines(
    draw: ImageDraw.ImageDraw, lines: list[str], face: ImageFont.FreeTypeFont, x: int, y: float, *, indent: float
) -> float:
    step = face.size * 1.5
    for i, line in enumerate(lines):
        draw.text((x + (indent if i == 0 else 0), y), line, font=face, fill=0)
        y += step
    return y


def _draw_table(
    draw: ImageDraw.ImageDraw,
    rows: list[list[str]],
    face: ImageFont.FreeTypeFont,
    x: int,
    y: float,
    usable: int,
    em: float,
    *,
    ruled: bool,
) -> float:
    pad = em * 0.5 if ruled else em * 0.8
    ncols = max(len(r) for r in rows)
    natural = [max(face.getlength(r[c]) if c < len(r) else 0 for r in rows) + 2 * pad for c in range(ncols)]
    scale = usable / sum(natural)
    widths = [w * scale for w in natural] if scale < 1 else natural
    row_h = em + 2 * pad + em * 0.3
    total_w = sum(widths)
    line = max(1, round(em / 20))
    top = y
    for r, row in enumerate(rows):
        cx = x
        for c, cell in enumerate(row):
            draw.text((cx + pad, y + pad), cell, font=face, fill=0)
            cx += widths[c]
        y += row_h
    if not ruled:
        return y
    for r in range(len(rows) + 1):
        yy = top + r * row_h
        draw.line([(x, yy), (x + total_w, yy)], fill=0, width=line)
    cx = x
    for c in range(ncols + 1):
        draw.line([(cx, top), (cx, y)], fill=0, width=line)
        if c < ncols:
            cx += widths[c]
    return y
