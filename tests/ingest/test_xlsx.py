"""The XLSX reader on workbooks built here with openpyxl (invented content)."""

from __future__ import annotations

import pytest
from ingest.fixtures import write_xlsx
from openpyxl import Workbook
from openpyxl.styles import Font

from pipeline.errors import IngestError
from pipeline.ingest import read_document
from pipeline.ingest.xlsx import render_number

TARGETS = [
    ["云岭县总工会2026年度项目支出绩效目标表", None, None, None],
    ["项目名称", "职工疗休养项目", None, None],
    ["一级指标", "二级指标", "三级指标", "指标值"],
    ["产出指标", "数量指标", "疗休养职工人数", "≥600人"],
    [None, "成本指标", "人均疗休养费用", "≤750元"],
    ["满意度指标", "服务对象满意度指标", "参加职工满意度", "≥95%"],
]
SPANS = {(0, 0): (1, 4), (1, 1): (1, 3), (3, 0): (2, 1)}
MONEY = [
    ["项目", "金额（元）", "万元", "占比"],
    ["交通费", 100000, 10, (0.3012, "0.00%")],
    ["住宿费", 298.75 * 1000 - 0.0000000001, 29.875, (0.4388, "0.00%")],
    ["其他", (1234567.891, "#,##0.00"), 0.1 + 0.2, (0.26, "0%")],
]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "targets.xlsx"
    return read_document(write_xlsx(path, {"绩效目标表": (TARGETS, SPANS), "资金": (MONEY, {})}))


def _grid(block):
    return [[c.text for c in row] for row in block.rows]


def test_sheet_names_are_headings_before_their_tables(book):
    assert book.source.format == "xlsx"
    layout = [(b.kind, book.text[b.start : b.end] if b.kind == "heading" else None) for b in book.blocks]
    assert layout == [("heading", "绩效目标表"), ("table", None), ("heading", "资金"), ("table", None)]


def test_merged_cells_repeated_and_marked(book):
    table = book.blocks[1]
    grid = _grid(table)
    assert grid[0] == ["云岭县总工会2026年度项目支出绩效目标表"] * 4
    assert grid[1] == ["项目名称", "职工疗休养项目", "职工疗休养项目", "职工疗休养项目"]
    assert [r[0] for r in grid[3:5]] == ["产出指标", "产出指标"]
    assert grid[4][1:] == ["成本指标", "人均疗休养费用", "≤750元"]
    merged = sorted((c.row, c.col) for row in table.rows for c in row if c.merged)
    assert merged == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (4, 0)]
    for block in book.blocks:
        for row in block.rows:
            for cell in row:
                assert book.text[cell.start : cell.end] == cell.text


def test_numbers_as_written(book):
    assert _grid(book.blocks[3]) == [
        ["项目", "金额（元）", "万元", "占比"],
        ["交通费", "100000", "10", "30.12%"],
        ["住宿费", "298750", "29.875", "43.88%"],
        ["其他", "1,234,567.89", "0.3", "26%"],
    ]


@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [
        (298.74999999999997, "General", "298.75"),
        (100000.0, "General", "100000"),
        (1e-05, "General", "0.00001"),
        (123456789012.0, "General", "123456789012"),
        (0.5, "0.00%", "50.00%"),
        (86.4, "0.00", "86.40"),
        (-3.5, "General", "-3.5"),
        (12.5, '0.00"万元"', "12.50万元"),
        (1234.5, "#,##0.00_);[Red](#,##0.00)", "1,234.50"),
        (3, '"第"0"名"', "第3名"),
        (12, "0\\%", "12%"),
    ],
)
def test_render_number(value, fmt, text):
    assert render_number(value, fmt) == text


def test_trailing_empty_rows_and_columns_trimmed_and_hidden_sheets_skipped(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "预算"
    sheet["B2"] = "年初预算"
    sheet["C2"] = 86.4
    sheet["B3"] = "实际支出"
    sheet["C3"] = 88.73
    sheet["H40"].number_format = "0.00"  # styled but empty: extends the sheet's dimensions
    sheet["H40"].font = Font(bold=True)
    hidden = book.create_sheet("lookup")
    hidden["A1"] = "不应出现"
    hidden.sheet_state = "hidden"
    book.create_sheet("空表")
    path = tmp_path / "budget.xlsx"
    book.save(path)
    doc = read_document(path)
    assert [b.kind for b in doc.blocks] == ["heading", "table"]
    assert _grid(doc.blocks[1]) == [["年初预算", "86.4"], ["实际支出", "88.73"]]
    assert "不应出现" not in doc.text


def test_truncated_xlsx_is_corrupt(tmp_path):
    data = write_xlsx(tmp_path / "ok.xlsx", {"表": (TARGETS, SPANS)}).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(IngestError, match="damaged or truncated"):
        read_document(cut)


def test_stray_far_cell_costs_nothing(tmp_path):
    import time

    book = Workbook()
    sheet = book.active
    sheet["A1"] = "年初预算"
    sheet["B1"] = 86.4
    sheet["XFD1048576"] = "备注"
    sheet.merge_cells("A3:XFD3")
    sheet["A3"] = "合计"
    path = tmp_path / "sparse.xlsx"
    book.save(path)
    start = time.perf_counter()
    doc = read_document(path)
    assert time.perf_counter() - start < 5
    grid = _grid(doc.blocks[1])
    assert grid[0][:2] == ["年初预算", "86.4"] and grid[-1][-1] == "备注"
    assert len(grid) == 3 and len(grid[0]) == 3
