"""The PDF reader on text PDFs built here with reportlab and Noto Sans CJK (invented content)."""

from __future__ import annotations

import pytest
from ingest.fixtures import char_accuracy, items_text, write_pdf

from pipeline.errors import IngestError
from pipeline.ingest import read_document

HEADER = "青石县文化馆2025年度部门决算"
FOOTER = "青石县财政局监制"
LONG = (
    "本年支出合计291.02万元，其中基本支出178.66万元，占61.39%，主要用于人员工资、社会保障缴费和日常办公；"
    "项目支出112.36万元，占38.61%，主要用于公共文化服务免费开放和乡村文化振兴。年末结转和结余21.44万元。"
)
TABLE = [
    ["一级指标", "二级指标", "三级指标", "指标值", "完成值"],
    ["产出指标", "数量指标", "群众文化活动场次", "≥60场", "65场"],
    ["", "质量指标", "非遗项目档案完整率", "100%", "100%"],
    ["效益指标", "社会效益指标", "服务群众人次", "≥4万人次", "4.2万人次"],
]
PAGES = [
    [
        ("heading", "青石县文化馆2025年度部门决算说明", 1),
        ("heading", "一、收入支出决算总体情况说明", 2),
        ("paragraph", "2025年度收入、支出总计均为312.46万元，与上年相比增加18.32万元，增长6.23%。"),
        ("paragraph", LONG),
    ],
    [
        ("heading", "二、绩效目标完成情况", 2),
        ("paragraph", "全年组织群众文化活动65场，服务群众4.2万人次。"),
        ("table", TABLE, {(1, 0): (2, 1)}),
        ("paragraph", "表中数据为年度实际完成情况。"),
    ],
    [
        ("heading", "三、“三公”经费支出情况", 2),
        ("paragraph", "“三公”经费支出3.86万元，比年初预算减少0.54万元。"),
    ],
]


@pytest.fixture(scope="module", params=["第 {n} 页", "- {n} -", "{n}/{total}", "{n}"])
def report(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    write_pdf(path, PAGES, header=HEADER, footer=FOOTER, page_number=request.param)
    return read_document(path)


def test_text_matches_what_was_written(report):
    assert report.source.format == "pdf"
    assert report.source.pages == 3
    assert not report.source.ocr
    expected = "\n".join(items_text(page) for page in PAGES)
    assert char_accuracy(expected, report.text) >= 0.98


def test_running_heads_and_page_numbers_are_gone(report):
    lines = report.text.splitlines()
    assert HEADER not in lines
    assert FOOTER not in report.text
    assert not any(line.strip() in {"1", "2", "3", "- 1 -", "第 2 页", "3/3"} for line in lines)
    assert report.text.rstrip().endswith("比年初预算减少0.54万元。")


def test_headings_paragraphs_and_pages(report):
    headings = [(report.text[b.start : b.end], b.level, b.page) for b in report.blocks if b.kind == "heading"]
    assert headings == [
        ("青石县文化馆2025年度部门决算说明", 1, 1),
        ("一、收入支出决算总体情况说明", 2, 1),
        ("二、绩效目标完成情况", 2, 2),
        ("三、“三公”经费支出情况", 2, 3),
    ]
    paragraphs = [report.text[b.start : b.end] for b in report.blocks if b.kind == "paragraph"]
    assert LONG in paragraphs  # its hard-wrapped lines joined into one block
    assert [b.page for b in report.blocks][-1] == 3


def test_table_cells_rows_columns_and_merges(report):
    tables = [b for b in report.blocks if b.kind == "table"]
    assert len(tables) == 1 and tables[0].page == 2
    grid = [[c.text for c in row] for row in tables[0].rows]
    expected = [list(r) for r in TABLE]
    expected[2][0] = "产出指标"
    assert grid == expected
    assert [(c.row, c.col) for row in tables[0].rows for c in row if c.merged] == [(2, 0)]
    # the paragraph after the table stays after it
    kinds = [b.kind for b in report.blocks if b.page == 2]
    assert kinds == ["heading", "paragraph", "table", "paragraph"]


def test_offsets_are_honest(report):
    for block in report.blocks:
        assert 0 <= block.start <= block.end <= len(report.text)
        for row in block.rows:
            for cell in row:
                assert report.text[cell.start : cell.end] == cell.text


def test_password_protected_pdf(tmp_path):
    path = write_pdf(tmp_path / "locked.pdf", PAGES[:1], encrypt="s3cret")
    with pytest.raises(IngestError, match="password-protected"):
        read_document(path)


@pytest.mark.parametrize("keep", [0.3, 0.7, 0.95])
def test_truncated_pdf_is_corrupt(tmp_path, keep):
    data = write_pdf(tmp_path / "full.pdf", PAGES).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(IngestError, match="damaged or truncated"):
        read_document(cut)


def test_single_page_without_running_heads(tmp_path):
    path = write_pdf(tmp_path / "one.pdf", PAGES[2:], page_number=None)
    doc = read_document(path)
    assert char_accuracy(items_text(PAGES[2]), doc.text) >= 0.98


def _image_page_pdf(path, text_page, image_lines):
    """Page 1 a text page; page 2 only a picture of `image_lines` (no text layer)."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    from ingest.fixtures import A4, CJK_FONT

    text_pdf = write_pdf(path.with_name("text.pdf"), [text_page], page_number=None)
    scale = 200 / 72
    image = Image.new("L", (round(A4[0] * scale), round(A4[1] * scale)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(CJK_FONT), 40, index=2)
    for i, line in enumerate(image_lines):
        draw.text((150, 200 + i * 80), line, font=font, fill=0)
    scan = path.with_name("scan.pdf")
    canvas = Canvas(str(scan), pagesize=A4, invariant=1)
    canvas.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
    canvas.showPage()
    canvas.save()
    import pypdfium2

    merged = pypdfium2.PdfDocument(str(text_pdf))
    merged.import_pages(pypdfium2.PdfDocument(str(scan)))
    merged.save(str(path))
    merged.close()
    return path


@pytest.mark.slow
def test_page_without_text_layer_goes_to_ocr(tmp_path):
    pytest.importorskip("pipeline.ingest.ocr", reason="the OCR reader is not there yet")
    lines = ["四、自评结论", "本项目自评得分为92.5分，评价等级为优。"]
    path = _image_page_pdf(tmp_path / "mixed.pdf", PAGES[2], lines)
    doc = read_document(path)
    assert doc.source.pages == 2
    assert doc.source.ocr and doc.source.format == "pdf"
    page2 = "".join(doc.text[b.start : b.end] for b in doc.blocks if b.page == 2)
    assert char_accuracy("".join(lines), page2) >= 0.9
    assert char_accuracy(items_text(PAGES[2]), "".join(doc.text[b.start : b.end] for b in doc.blocks if b.page == 1)) >= 0.98
    scan_only = read_document(tmp_path / "scan.pdf")  # the picture page alone
    assert scan_only.source.format == "pdf-scan" and scan_only.source.ocr
    assert char_accuracy("".join(lines), scan_only.text) >= 0.9


def test_borderless_table_recovered_from_text_lines(tmp_path):
    rows = [
        ["一级指标", "二级指标", "三级指标", "指标值", "完成值"],
        ["产出指标", "数量指标", "群众文化活动场次", "≥60场", "65场"],
        ["产出指标", "质量指标", "档案完整率", "100%", "100%"],
        ["效益指标", "社会效益指标", "服务群众人次", "≥4万人次", "4.2万人次"],
    ]
    page = [("paragraph", "（一）绩效指标完成情况。"), *[("list", "  ".join(r)) for r in rows], ("paragraph", "以上指标均已完成。")]
    doc = read_document(write_pdf(tmp_path / "flat.pdf", [page], page_number=None))
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 1 and tables[0].recovered
    assert [[c.text for c in row] for row in tables[0].rows] == rows
    assert doc.blocks[-1].kind == "paragraph" and doc.text[doc.blocks[-1].start :] == "以上指标均已完成。"


def test_numbers_wrapped_in_narrow_cells_rejoin(tmp_path):
    from pipeline.ingest.pdf import _unwrap

    assert _unwrap("12345\n67.89万元") == "1234567.89万元"
    assert _unwrap("Budget\nperformance") == "Budget performance"
    assert _unwrap("全年预算\n调整数") == "全年预算调整数"


def test_glyphs_drawn_twice_to_embolden_are_read_once(tmp_path):
    doc = read_document(write_pdf(tmp_path / "bold.pdf", PAGES[:1], page_number=None, fake_bold=True))
    headings = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "heading"]
    assert headings == ["青石县文化馆2025年度部门决算说明", "一、收入支出决算总体情况说明"]


def test_table_continued_on_next_page_is_one_table(tmp_path):
    header = ["三级指标", "年度指标值", "实际完成值", "得分"]
    first = [header, ["免费开放天数", "≥300天", "312天", "20"], ["公益培训班期数", "≥40期", "48期", "15"]]
    second = [header, ["服务群众人次", "≥4万人次", "4.2万人次", "25"], ["群众满意度", "≥95%", "97.1%", "20"]]
    pages = [
        [("heading", "一、绩效指标完成情况", 2), ("paragraph", "各项指标完成情况如下表。"), ("table", first)],
        [("table", second), ("paragraph", "以上指标均已完成。")],
    ]
    doc = read_document(write_pdf(tmp_path / "continued.pdf", pages, header=HEADER, page_number="- {n} -"))
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 1 and tables[0].page == 1
    assert [[c.text for c in row] for row in tables[0].rows] == first + second[1:]
    assert [b.kind for b in doc.blocks] == ["heading", "paragraph", "table", "paragraph"]
    for row in tables[0].rows:
        for cell in row:
            assert doc.text[cell.start : cell.end] == cell.text


def test_tables_separated_by_text_stay_apart(tmp_path):
    table = [["项目", "金额"], ["基本支出", "178.66"]]
    pages = [[("table", table), ("paragraph", "表后说明。")], [("table", table)]]
    doc = read_document(write_pdf(tmp_path / "apart.pdf", pages, page_number="{n}"))
    assert sum(b.kind == "table" for b in doc.blocks) == 2
