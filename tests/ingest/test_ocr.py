"""OCR of page images and scanned PDF pages: our own invented text rendered at 300 dpi, read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from ingest.fixtures import char_accuracy, items_text
from ingest.render import render_page, sample_report, save_pdf
from PIL import Image

from pipeline.errors import IngestError
from pipeline.ingest import read_document
from pipeline.ingest.builder import DocumentBuilder
from pipeline.ingest.ocr import ocr_image, ocr_pdf_page
from pipeline.schema import Document

HALF_A4 = (210.0, 148.5)
SHORT_PAGE = [
    ("heading", "一、项目概况", 2),
    (
        "paragraph",
        (
            "云岭县总工会职工书屋建设项目年初预算安排资金12.80万元，全年实际支出11.96万元，"
            "新建职工书屋六个，购置图书3200册，惠及职工1450人。"
        ),
    ),
]
SECOND_PAGE = [
    ("heading", "二、下一步工作安排", 2),
    ("paragraph", "继续做好书屋图书更新工作，每季度开展一次读书分享活动，提高书屋使用率。"),
]
PLAIN_TABLE = [
    ["指标名称", "目标值", "完成值"],
    ["新建职工书屋数量", "6个", "6个"],
    ["图书购置数量", "≥3000册", "3200册"],
    ["职工满意度", "≥90%", "93%"],
]


def assert_offsets_honest(doc: Document) -> None:
    for block in doc.blocks:
        assert 0 <= block.start <= block.end <= len(doc.text)
        for row in block.rows:
            for cell in row:
                assert cell.text == doc.text[cell.start : cell.end]


def tables(doc: Document):
    return [b for b in doc.blocks if b.kind == "table"]


@pytest.fixture(scope="module")
def report_page() -> Image.Image:
    return render_page(sample_report(), dpi=300)


@pytest.fixture(scope="module")
def png_doc(report_page, tmp_path_factory) -> Document:
    path = tmp_path_factory.mktemp("ocr") / "report.png"
    report_page.save(path, dpi=(300, 300))
    return read_document(path)


@pytest.mark.slow
def test_png_page_reads_accurately_with_blocks_in_order(png_doc):
    expected = items_text(sample_report())
    assert char_accuracy(expected, png_doc.text) >= 0.90
    assert png_doc.source.format == "image"
    assert png_doc.source.ocr is True
    assert png_doc.source.pages == 1
    assert {b.page for b in png_doc.blocks} == {1}
    assert_offsets_honest(png_doc)
    # the section headings come back as headings, in reading order
    headings = [png_doc.text[b.start : b.end] for b in png_doc.blocks if b.kind == "heading"]
    wanted = [item[1] for item in sample_report() if item[0] == "heading"]
    assert len(headings) == len(wanted)
    assert all(char_accuracy(w, h) >= 0.8 for w, h in zip(wanted, headings))


@pytest.mark.slow
def test_wrapped_chinese_lines_join_into_one_paragraph(png_doc):
    paragraphs = [png_doc.text[b.start : b.end] for b in png_doc.blocks if b.kind == "paragraph"]
    wanted = [item[1] for item in sample_report() if item[0] == "paragraph"]
    assert len(paragraphs) == len(wanted)
    for want, got in zip(wanted, paragraphs):
        assert "\n" not in got and " " not in got.strip()
        assert char_accuracy(want, got) >= 0.9


@pytest.mark.slow
def test_ruled_table_comes_back_as_cells_in_rows_and_columns(png_doc):
    expected = next(item[1] for item in sample_report() if item[0] == "table")
    (table,) = tables(png_doc)
    assert len(table.rows) == len(expected)
    for want_row, row in zip(expected, table.rows):
        assert [c.col for c in row] == list(range(len(want_row)))
        for want, cell in zip(want_row, row):
            assert char_accuracy(want, cell.text) >= 0.75, (want, cell.text)
    assert table.rows[1][2].text == "帮扶困难职工人数"
    assert table.rows[3][0].text == "效益指标"


@pytest.mark.slow
def test_unruled_table_is_found_by_alignment_in_an_rgb_array():
    items = [("heading", "三、绩效指标完成情况", 2), ("table", PLAIN_TABLE), ("paragraph", "以上指标均已完成。")]
    builder = DocumentBuilder()
    pixels = np.asarray(render_page(items, dpi=300, size_mm=HALF_A4, ruled=False).convert("RGB"))
    added = ocr_image(builder, pixels, page=3)
    doc = builder.build(path=Path("cols.png"), data=b"cols", fmt="image", pages=1, ocr=True)
    assert added == len(doc.text.replace("\t", "").replace("\n", ""))
    (table,) = tables(doc)
    assert table.page == 3
    assert [[c.text for c in row] for row in table.rows][:2] == PLAIN_TABLE[:2]
    assert len(table.rows) == len(PLAIN_TABLE) and all(len(r) == 3 for r in table.rows)
    assert_offsets_honest(doc)


@pytest.mark.slow
def test_jpeg_page(tmp_path):
    path = tmp_path / "page.jpg"
    render_page(SHORT_PAGE, dpi=300, size_mm=HALF_A4).convert("RGB").save(path, quality=85)
    doc = read_document(path)
    assert doc.source.format == "image" and doc.source.ocr and doc.source.pages == 1
    assert char_accuracy(items_text(SHORT_PAGE), doc.text) >= 0.90


@pytest.mark.slow
def test_multipage_tiff_gives_one_page_per_frame(tmp_path):
    path = tmp_path / "pages.tif"
    first = render_page(SHORT_PAGE, dpi=300, size_mm=HALF_A4)
    second = render_page(SECOND_PAGE, dpi=300, size_mm=HALF_A4)
    first.save(path, save_all=True, append_images=[second], compression="tiff_lzw", dpi=(300, 300))
    doc = read_document(path)
    assert doc.source.pages == 2
    by_page = {p: "".join(doc.text[b.start : b.end] for b in doc.blocks if b.page == p) for p in (1, 2)}
    assert char_accuracy(items_text(SHORT_PAGE), by_page[1]) >= 0.90
    assert char_accuracy(items_text(SECOND_PAGE), by_page[2]) >= 0.90
    assert [b.page for b in doc.blocks] == sorted(b.page for b in doc.blocks)


@pytest.mark.slow
def test_skewed_scan_is_levelled_before_layout(tmp_path):
    items = [*SHORT_PAGE, ("table", PLAIN_TABLE)]
    page = render_page(items, dpi=300, size_mm=HALF_A4).rotate(-2.5, fillcolor=255, resample=Image.Resampling.BICUBIC)
    path = tmp_path / "skewed.jpg"
    page.save(path, quality=80)
    doc = read_document(path)
    assert char_accuracy(items_text(items), doc.text) >= 0.90
    (table,) = tables(doc)
    assert [len(row) for row in table.rows] == [3] * len(PLAIN_TABLE)
    assert [row[0].text for row in table.rows] == [row[0] for row in PLAIN_TABLE]
    paragraphs = [b for b in doc.blocks if b.kind == "paragraph"]
    assert len(paragraphs) == 1


def image_only_pdf(path: Path, pages: list[Image.Image]) -> Path:
    save_pdf(pages, path, dpi=300)
    pdf = pdfium.PdfDocument(str(path))
    try:
        for page in pdf:
            assert page.get_textpage().get_text_range() == "", "the test PDF must have no text layer"
    finally:
        pdf.close()
    return path


@pytest.mark.slow
def test_ocr_pdf_page_reads_an_image_only_page(tmp_path):
    path = image_only_pdf(tmp_path / "scan.pdf", [render_page(SHORT_PAGE, dpi=300, size_mm=HALF_A4)])
    pdf = pdfium.PdfDocument(str(path))
    try:
        builder = DocumentBuilder()
        added = ocr_pdf_page(builder, pdf[0], page=1)
    finally:
        pdf.close()
    doc = builder.build(path=path, data=path.read_bytes(), fmt="pdf-scan", pages=1, ocr=True)
    assert added > 0 and {b.page for b in doc.blocks} == {1}
    assert char_accuracy(items_text(SHORT_PAGE), doc.text) >= 0.90


@pytest.mark.slow
def test_scanned_pdf_through_read_document(tmp_path, report_page):
    pytest.importorskip("pipeline.ingest.pdf", reason="the PDF reader (pipeline/ingest/pdf.py) is not written yet")
    path = image_only_pdf(tmp_path / "report.pdf", [report_page])
    doc = read_document(path)
    assert doc.source.ocr is True and doc.source.pages == 1
    assert char_accuracy(items_text(sample_report()), doc.text) >= 0.90
    assert len(tables(doc)) == 1
    assert_offsets_honest(doc)


def test_too_many_pixels_refused_before_decoding(tmp_path):
    # 12000×9000 = 108 megapixels: over our limit, under Pillow's own
    path = tmp_path / "big.png"
    Image.new("1", (12000, 9000), 1).save(path)
    with pytest.raises(IngestError, match=r"108,000,000 pixels \(12000×9000\).*decompression bomb"):
        read_document(path)


def test_decompression_bomb_beyond_pillows_limit_refused(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("1", (20000, 10000), 1).save(path)
    with pytest.raises(IngestError, match=r"200,000,000 pixels.*over the limit of 100,000,000"):
        read_document(path)


def test_blank_and_tiny_images_give_empty_text(tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("L", (600, 800), 255).save(blank)
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (3, 2), (0, 0, 0)).save(tiny)
    for path in (blank, tiny):
        doc = read_document(path)
        assert doc.text == "" and doc.blocks == []
        assert doc.source.ocr is True and doc.source.pages == 1
