"""The DOCX reader on real .docx files built here with python-docx (invented content)."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from ingest.fixtures import char_accuracy, items_text, write_docx

from pipeline.errors import IngestError
from pipeline.ingest import read_document
from pipeline.ingest.sniff import check_unpacked_size

INDICATORS = [
    ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
    ["产出指标", "数量指标", "帮扶职工人数", "≥320人", "346人", "20", "20"],
    ["", "", "送温暖活动场次", "≥15场", "18场", "10", "10"],
    ["", "时效指标", "资金发放及时率", "100%", "98%", "10", "9"],
    ["效益指标", "社会效益指标", "职工生活改善情况", "有效改善", "有效改善", "20", "18"],
    ["合计", "", "", "", "", "60", "57"],
]
SPANS = {(1, 0): (3, 1), (1, 1): (2, 1), (5, 0): (1, 5)}
ITEMS = [
    ("heading", "青石县文化馆2025年度项目支出绩效自评报告", 1),
    ("paragraph", "本项目年初预算安排资金86.40万元，全年预算92.15万元，实际支出88.73万元，预算执行率96.29%。"),
    ("heading", "一、绩效指标完成情况", 2),
    ("table", INDICATORS, SPANS),
    ("paragraph", "表后说明：得分按指标完成比例计算。"),
    ("list", "加强基层工会业务培训。"),
    ("list", "建立季度调度机制。"),
    ("heading", "（一）资金使用情况", 3),
    ("paragraph", "资金实行专账核算、专款专用。"),
]


def _doc(tmp_path, items=ITEMS, **kwargs):
    return read_document(write_docx(tmp_path / "report.docx", items, **kwargs))


def _offsets_honest(doc):
    for block in doc.blocks:
        assert 0 <= block.start <= block.end <= len(doc.text)
        for row in block.rows:
            for cell in row:
                assert doc.text[cell.start : cell.end] == cell.text


def test_text_matches_what_was_written(tmp_path):
    doc = _doc(tmp_path)
    assert doc.source.format == "docx"
    assert char_accuracy(items_text(ITEMS), doc.text) >= 0.98
    _offsets_honest(doc)


def test_blocks_in_body_order_with_kinds_and_levels(tmp_path):
    doc = _doc(tmp_path)
    kinds = [(b.kind, b.level) for b in doc.blocks]
    assert kinds == [
        ("heading", 1),
        ("paragraph", None),
        ("heading", 2),
        ("table", None),
        ("paragraph", None),
        ("list_item", None),
        ("list_item", None),
        ("heading", 3),
        ("paragraph", None),
    ]


def test_chinese_heading_style_names(tmp_path):
    doc = _doc(tmp_path, chinese_heading_styles=True)
    headings = [(doc.text[b.start : b.end], b.level) for b in doc.blocks if b.kind == "heading"]
    assert headings == [
        ("青石县文化馆2025年度项目支出绩效自评报告", 1),
        ("一、绩效指标完成情况", 2),
        ("（一）资金使用情况", 3),
    ]


def test_cells_in_their_rows_and_columns_with_merges_repeated(tmp_path):
    doc = _doc(tmp_path)
    table = next(b for b in doc.blocks if b.kind == "table")
    grid = [[c.text for c in row] for row in table.rows]
    assert len(grid) == 6 and all(len(r) == 7 for r in grid)
    assert grid[0] == INDICATORS[0]
    assert [r[0] for r in grid[1:4]] == ["产出指标"] * 3
    assert [r[1] for r in grid[1:4]] == ["数量指标", "数量指标", "时效指标"]
    assert grid[2][2:] == INDICATORS[2][2:]
    assert grid[5][:5] == ["合计"] * 5 and grid[5][5:] == ["60", "57"]
    merged = {(c.row, c.col) for row in table.rows for c in row if c.merged}
    assert merged == {(2, 0), (3, 0), (2, 1), (5, 1), (5, 2), (5, 3), (5, 4)}
    assert all((c.row, c.col) == (r, k) for r, row in enumerate(table.rows) for k, c in enumerate(row))


def test_nested_table_follows_its_outer_table(tmp_path):
    document = docx.Document()
    document.add_paragraph("项目支出绩效自评表")
    outer = document.add_table(rows=2, cols=2)
    outer.cell(0, 0).text = "项目名称"
    outer.cell(0, 1).text = "文化惠民演出"
    outer.cell(1, 0).text = "资金情况"
    inner = outer.cell(1, 1).add_table(rows=2, cols=2)
    for r, row in enumerate([["年初预算", "实际支出"], ["12.00", "11.46"]]):
        for c, text in enumerate(row):
            inner.cell(r, c).text = text
    document.add_paragraph("表后段落")
    path = tmp_path / "nested.docx"
    document.save(path)
    doc = read_document(path)
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 2
    assert [[c.text for c in row] for row in tables[1].rows] == [["年初预算", "实际支出"], ["12.00", "11.46"]]
    assert tables[0].rows[0][1].text == "文化惠民演出"
    assert [b.kind for b in doc.blocks] == ["paragraph", "table", "table", "paragraph"]
    _offsets_honest(doc)


def test_truncated_docx_is_corrupt(tmp_path):
    data = write_docx(tmp_path / "full.docx", ITEMS).read_bytes()
    cut = tmp_path / "cut.docx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError, match="damaged or truncated"):
        read_document(cut)


def test_unpacked_size_limit(tmp_path):
    data = write_docx(tmp_path / "full.docx", ITEMS).read_bytes()
    check_unpacked_size(data, fmt="docx")  # far under the default limit
    with pytest.raises(IngestError, match="would unpack to"):
        check_unpacked_size(data, fmt="docx", limit=10_000)


@pytest.mark.slow
def test_zip_bomb_is_refused_before_parsing(tmp_path):
    data = write_docx(tmp_path / "full.docx", ITEMS).read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        with dst.open("word/media/padding.bin", "w") as member:
            chunk = bytes(1 << 20)
            for _ in range(600):
                member.write(chunk)
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(buffer.getvalue())
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(IngestError, match="would unpack to"):
        read_document(bomb)


def _numbered_docx(path):
    """Paragraphs numbered by Word (一、 then （一） then 1.), the numbers not in their text."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    numbering = document.part.numbering_part.element
    levels = [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3.")]
    lvl_xml = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )
    numbering.insert(0, parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">{lvl_xml}</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def numbered(text, ilvl, style=None):
        p = document.add_paragraph(text, style=style)
        p._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="90"/></w:numPr>')
        )

    numbered("部门基本情况", 0, "Heading 1")
    numbered("部门职能", 1, "Heading 2")
    numbered("组织群众文化活动。", 2)
    numbered("开展公益培训。", 2)
    numbered("人员情况", 1, "Heading 2")
    numbered("年度支出情况", 0, "Heading 1")
    numbered("预算执行", 1, "Heading 2")
    document.add_paragraph("本年支出合计291.02万元。")
    document.save(path)
    return path


def test_automatic_numbering_rendered(tmp_path):
    doc = read_document(_numbered_docx(tmp_path / "numbered.docx"))
    got = [(b.kind, b.level, doc.text[b.start : b.end]) for b in doc.blocks]
    assert got == [
        ("heading", 1, "一、部门基本情况"),
        ("heading", 2, "（一）部门职能"),
        ("list_item", None, "1.组织群众文化活动。"),
        ("list_item", None, "2.开展公益培训。"),
        ("heading", 2, "（二）人员情况"),
        ("heading", 1, "二、年度支出情况"),
        ("heading", 2, "（一）预算执行"),
        ("paragraph", None, "本年支出合计291.02万元。"),
    ]


@pytest.mark.parametrize(
    ("n", "fmt", "text"),
    [
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (11, "chineseCountingThousand", "十一"),
        (23, "chineseCounting", "二十三"),
        (105, "chineseCounting", "一百零五"),
        (3, "decimalEnclosedCircle", "③"),
        (2, "ideographTraditional", "乙"),
        (28, "lowerLetter", "ab"),
        (14, "upperRoman", "XIV"),
        (7, "decimal", "7"),
    ],
)
def test_format_number(n, fmt, text):
    from pipeline.ingest.docx import format_number

    assert format_number(n, fmt) == text


def test_table_of_contents_left_out_and_one_cell_frame_opened(tmp_path):
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    toc = document.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("目录")
    document.add_paragraph("一、部门基本情况\t1", style=toc)
    document.add_paragraph("二、支出情况\t2", style=toc)
    frame = document.add_table(rows=1, cols=1).cell(0, 0)
    frame.paragraphs[0].text = "一、部门基本情况"
    frame.add_paragraph("本部门年初预算298.75万元。")
    inner = frame.add_table(rows=2, cols=2)
    for r, row in enumerate([["项目", "金额（万元）"], ["基本支出", "178.66"]]):
        for c, text in enumerate(row):
            inner.cell(r, c).text = text
    frame.add_paragraph("二、支出情况")
    path = tmp_path / "framed.docx"
    document.save(path)
    doc = read_document(path)
    got = [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks]
    assert got == [
        ("paragraph", "目录"),
        ("paragraph", "一、部门基本情况"),
        ("paragraph", "本部门年初预算298.75万元。"),
        ("table", "项目\t金额（万元）\n基本支出\t178.66"),
        ("paragraph", "二、支出情况"),
    ]


def test_soft_line_breaks(tmp_path):
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    p = document.add_paragraph("本年收入合计298.75万元。")
    p.add_run().add_break()
    p.add_run("本年支出合计291.02万元。")
    p.add_run().add_break(WD_BREAK.PAGE)
    heading = document.add_paragraph("二、支出决算", style="Heading 2")
    heading.add_run().add_break()
    heading.add_run("情况说明")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "年初预算"
    cell = table.cell(0, 1).paragraphs[0]
    cell.add_run("298.75")
    cell.add_run().add_break()
    cell.add_run("万元")
    path = tmp_path / "breaks.docx"
    document.save(path)
    doc = read_document(path)
    assert [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks] == [
        ("paragraph", "本年收入合计298.75万元。"),
        ("paragraph", "本年支出合计291.02万元。"),
        ("heading", "二、支出决算情况说明"),
        ("table", "年初预算\t298.75万元"),
    ]


def test_absurd_grid_span_is_capped(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "年初预算"
    table.cell(0, 1).text = "86.40"
    tcpr = table.cell(0, 0)._tc.get_or_add_tcPr()
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    tcpr.append(parse_xml(f'<w:gridSpan {nsdecls("w")} w:val="2000000000"/>'))
    path = tmp_path / "wide.docx"
    document.save(path)
    doc = read_document(path)
    table_block = next(b for b in doc.blocks if b.kind == "table")
    from pipeline.ingest.docx import MAX_GRID_COLUMNS

    assert len(table_block.rows[0]) == MAX_GRID_COLUMNS + 1  # the span capped, the next cell kept
    assert table_block.rows[0][-1].text == "86.40"
