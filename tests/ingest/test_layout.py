"""Line structure on our own text: flattened tables of each shape, hard wraps, no false tables."""

from __future__ import annotations

import pytest

from pipeline.ingest.layout import RawBlock, display_width, lines_to_blocks
from pipeline.ingest.offsets import MappedText


def blocks_of(text: str) -> list[RawBlock]:
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append(MappedText.raw(line, pos))
        pos += len(line) + 1
    return lines_to_blocks(lines)


def tables(blocks: list[RawBlock]) -> list[RawBlock]:
    return [b for b in blocks if b.kind == "table"]


def cells(block: RawBlock) -> list[list[str]]:
    return [[c.text for c in row] for row in block.rows]


def assert_offsets(text: str, blocks: list[RawBlock]) -> None:
    """Every kept character of every block points at itself in the source text."""
    for b in blocks:
        pieces = [b.text] if b.text is not None else [c for row in b.rows for c in row]
        for piece in pieces:
            for ch, o in zip(piece.text, piece.origin):
                assert ch == " " or text[o] == ch


# --- shape (a): pipe rows ---------------------------------------------------------------------
PIPE_ROWS = """示范单位项目自评表 | ||||
项目 | 预算数 | 执行数 | 执行率 | |
基本支出 | 120.50 | 118.20 |
98% | |
项目支出 | 60.00 | 55.10 | 92% | |
合计 | 180.50 | 173.30 | 96% | |"""

PIPE_ONE_CELL_PER_LINE = """示范项目绩效表 |
||||
指标 |
目标值 |
完成值 |
得分 |
|
培训人次 |
≥200人次 |
230人次 |
10 |
|
宣传场次 |
≥12场 |
15场 |
8 |
|"""


def test_pipe_rows_with_a_broken_row() -> None:
    blocks = blocks_of(PIPE_ROWS)
    assert [b.kind for b in blocks] == ["table"]
    t = blocks[0]
    assert t.recovered and t.shape == "pipe"
    assert cells(t) == [
        ["示范单位项目自评表"],
        ["项目", "预算数", "执行数", "执行率"],
        ["基本支出", "120.50", "118.20", "98%"],
        ["项目支出", "60.00", "55.10", "92%"],
        ["合计", "180.50", "173.30", "96%"],
    ]
    assert_offsets(PIPE_ROWS, blocks)


def test_pipe_one_cell_per_line() -> None:
    blocks = blocks_of(PIPE_ONE_CELL_PER_LINE)
    t = tables(blocks)[0]
    assert t.shape == "pipe"
    rows = cells(t)
    assert rows[0] == ["示范项目绩效表"]
    assert ["指标", "目标值", "完成值", "得分"] in rows
    assert ["培训人次", "≥200人次", "230人次", "10"] in rows
    assert ["宣传场次", "≥12场", "15场", "8"] in rows
    assert_offsets(PIPE_ONE_CELL_PER_LINE, blocks)


# --- shape (b): one cell per line between blank lines -----------------------------------------
CELL_LINES = "\n\n".join(
    [
        "一级指标", "二级指标", "三级指标", "指标值", "实际完成值",
        "产出指标", "数量指标", "培训人次", "≥200人次", "230人次",
        "组织活动场次", "≥12场", "15场",
        "效益指标", "满意度指标", "群众满意度", "≥90%", "95%",
    ]
)  # fmt: skip


def test_cell_lines() -> None:
    blocks = blocks_of(CELL_LINES)
    assert [b.kind for b in blocks] == ["table"]
    t = blocks[0]
    assert t.shape == "cell_lines"
    assert cells(t) == [
        ["一级指标", "二级指标", "三级指标", "指标值", "实际完成值"],
        ["产出指标", "数量指标", "培训人次", "≥200人次", "230人次"],
        ["", "", "组织活动场次", "≥12场", "15场"],
        ["效益指标", "满意度指标", "群众满意度", "≥90%", "95%"],
    ]
    assert_offsets(CELL_LINES, blocks)


CELL_LINES_TWO_TABLES = "\n\n".join(
    [
        "全年预算数", "全年执行数", "执行率",
        "年度资金总额", "50.0", "48.0", "96%",
        "其中：财政拨款", "50.0", "48.0", "96%",
        "一级指标", "二级指标", "三级指标", "年度", "指标值", "实际", "完成值", "偏差原因", "分析及", "改进措施",
        "产出指标", "数量指标", "维护里程", "≥30公里", "32公里", "无",
        "时效指标", "完工时间", "2024年底", "2024年底", "无",
    ]
)  # fmt: skip


def test_cell_lines_wrapped_header_and_a_second_table() -> None:
    blocks = blocks_of(CELL_LINES_TWO_TABLES)
    assert [b.shape for b in blocks] == ["cell_lines", "cell_lines"]
    funds, indicators = (cells(b) for b in blocks)
    assert funds[0] == ["全年预算数", "全年执行数", "执行率"]
    assert funds[1:] == [["年度资金总额", "50.0", "48.0", "96%"], ["其中：财政拨款", "50.0", "48.0", "96%"]]
    assert indicators[0] == ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "偏差原因分析及改进措施"]
    assert indicators[1] == ["产出指标", "数量指标", "维护里程", "≥30公里", "32公里", "无"]
    assert indicators[2] == ["", "时效指标", "完工时间", "2024年底", "2024年底", "无"]
    assert_offsets(CELL_LINES_TWO_TABLES, blocks)


CELL_LINES_NATURE_UNIT = "\n\n".join(
    [
        "一级指标", "二级指标", "指标名称", "指标性质", "年度指标值", "计量单位", "偏差原因",
        "产出指标", "数量指标", "维修路灯数量", "≥", "120", "盏", "无",
        "质量指标", "验收合格率", "＝", "100", "%",
        "效益指标", "社会效益指标", "夜间出行条件", "定性", "明显改善",
        "照明覆盖率", "≥", "85", "%", "受施工进度影响，部分路段尚未完成",
    ]
)  # fmt: skip


def test_cell_lines_cut_by_nature_and_unit_columns() -> None:
    blocks = blocks_of(CELL_LINES_NATURE_UNIT)
    assert [b.shape for b in blocks] == ["cell_lines"]
    assert cells(blocks[0])[1:] == [
        ["产出指标", "数量指标", "维修路灯数量", "≥", "120", "盏", "无"],
        ["", "质量指标", "验收合格率", "＝", "100", "%"],
        ["效益指标", "社会效益指标", "夜间出行条件", "定性", "明显改善", ""],
        ["", "", "照明覆盖率", "≥", "85", "%", "受施工进度影响，部分路段尚未完成"],
    ]
    assert_offsets(CELL_LINES_NATURE_UNIT, blocks)


CELL_LINES_THEN_FORM_FIELDS = "\n\n".join(
    [
        "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分",
        "年度资金总额", "80.0", "82.0", "79.5", "10", "97%", "9.7",
        "年度总体目标", "预期目标", "实际完成情况",
        "完成示范片区的绿化养护", "示范片区绿化养护已完成", "按季度开展巡查", "全年巡查四次",
        "一级指标", "二级指标", "三级指标", "指标值", "完成值", "分值", "得分",
        "产出指标", "数量指标", "养护面积", "≥5000平方米", "5200平方米", "20", "20",
    ]
)  # fmt: skip


def test_cell_lines_form_fields_after_the_last_record_are_text() -> None:
    blocks = blocks_of(CELL_LINES_THEN_FORM_FIELDS)
    kinds = [b.kind for b in blocks]
    assert kinds == ["table"] + ["paragraph"] * 7 + ["table"]
    funds, indicators = (cells(b) for b in tables(blocks))
    assert funds[1:] == [["年度资金总额", "80.0", "82.0", "79.5", "10", "97%", "9.7"]]  # one record of values is enough
    assert [b.text.text for b in blocks[1:8]] == [
        "年度总体目标",
        "预期目标",
        "实际完成情况",
        "完成示范片区的绿化养护",
        "示范片区绿化养护已完成",
        "按季度开展巡查",
        "全年巡查四次",
    ]
    assert indicators[1] == ["产出指标", "数量指标", "养护面积", "≥5000平方米", "5200平方米", "20", "20"]
    assert_offsets(CELL_LINES_THEN_FORM_FIELDS, blocks)


# --- shape (c): whitespace-separated rows -----------------------------------------------------
GRID = """绩效指标完成情况
一级指标 二级指标 三级指标 年度指标值 实际完成值
产出指标 数量指标 召开培训会议 ≥2次 3次
质量指标 培训合格率 ≥95% 98%
效益指标 社会效益指标 政策知晓率 ≥85% 90%
说明：以上数据为示例。"""

GRID_TABS = "项目\t预算数\t执行数\n办公经费\t12.5\t11.8\n差旅经费\t6.0\t5.2\n印刷经费\t3.1\t3.1"


def test_grid() -> None:
    blocks = blocks_of(GRID)
    assert [b.kind for b in blocks] == ["paragraph", "table", "paragraph"]
    t = blocks[1]
    assert t.shape == "grid"
    assert cells(t) == [
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"],
        ["产出指标", "数量指标", "召开培训会议", "≥2次", "3次"],
        ["", "质量指标", "培训合格率", "≥95%", "98%"],
        ["效益指标", "社会效益指标", "政策知晓率", "≥85%", "90%"],
    ]
    assert_offsets(GRID, blocks)


def test_grid_with_tabs() -> None:
    t = tables(blocks_of(GRID_TABS))[0]
    assert cells(t) == [
        ["项目", "预算数", "执行数"],
        ["办公经费", "12.5", "11.8"],
        ["差旅经费", "6.0", "5.2"],
        ["印刷经费", "3.1", "3.1"],
    ]


def test_chart_series_and_tab_rows() -> None:
    text = "示范支出结构\n基本支出\t项目支出\t其他支出\t80.5\t20.1\t0\n姓名\t职务\n甲某\t组长\n乙某\t成员"
    blocks = blocks_of(text)
    assert [b.kind for b in blocks] == ["paragraph", "table", "table"]
    assert blocks[1].shape == "series" and cells(blocks[1]) == [
        ["基本支出", "项目支出", "其他支出"],
        ["80.5", "20.1", "0"],
    ]
    assert cells(blocks[2]) == [["姓名", "职务"], ["甲某", "组长"], ["乙某", "成员"]]
    assert_offsets(text, blocks)


# --- shape (d): a label, then its values on the next line -------------------------------------
LABEL_VALUES = """一级指标 二级指标 三级指标 指标值 完成值 分值 得分
投入指标
（20 分）
预算管理
预算执行率
>90% 96% 5 5
资金到位率
100% 100% 5 4
过程指标
（30 分）
业务管理
制度执行有效性
有效 有效 6 6"""


def test_label_values() -> None:
    blocks = blocks_of(LABEL_VALUES)
    assert [b.kind for b in blocks] == ["table"]
    t = blocks[0]
    assert t.shape == "label_values"
    assert cells(t) == [
        ["一级指标", "二级指标", "三级指标", "指标值", "完成值", "分值", "得分"],
        ["投入指标（20 分）", "预算管理", "预算执行率", ">90%", "96%", "5", "5"],
        ["", "", "资金到位率", "100%", "100%", "5", "4"],
        ["过程指标（30 分）", "业务管理", "制度执行有效性", "有效", "有效", "6", "6"],
    ]
    assert_offsets(LABEL_VALUES, blocks)


# --- shape (e): a Word table as text, one tab-indented line per cell --------------------------
TAB_CELLS = """示范项目绩效目标表
\t项目名称
\t示范道路维护
\t主管部门
\t示范交通局

\t一级指标
\t二级指标
\t指标值

\t产出指标
\t数量指标
\t≥12公里

\t
\t质量指标
\t验收合格率
达到100%

以上为示范内容。"""


def test_tab_cells() -> None:
    blocks = blocks_of(TAB_CELLS)
    assert [b.kind for b in blocks] == ["heading", "table", "paragraph"]
    t = blocks[1]
    assert t.shape == "tab_cells"
    assert cells(t) == [
        ["项目名称", "示范道路维护", "主管部门", "示范交通局"],
        ["一级指标", "二级指标", "指标值"],
        ["产出指标", "数量指标", "≥12公里"],
        ["", "质量指标", "验收合格率达到100%"],
    ]
    assert_offsets(TAB_CELLS, blocks)


# --- prose stays prose ------------------------------------------------------------------------
PROSE = """第一部分 示范单位概况
一、主要职责
本单位 2023 年度收入合计 1250.35 万元，支出合计 1180.20 万元，结余 70.15 万元。
（一）收入情况
1. 财政拨款收入 1000.00 万元 占 80.0%
2. 其他收入 250.35 万元 占 20.0%
二、目录
一、单位概况 3
二、收支情况 5
三、绩效情况 8
附件1
示范项目绩效自评表
本年度共开展培训 12 次 参训 860 人次 满意度 96%
下一步将继续加强管理，提高资金使用效益。"""


def test_prose_is_not_a_table() -> None:
    blocks = blocks_of(PROSE)
    assert not tables(blocks)
    kinds = {b.text.text: (b.kind, b.level) for b in blocks if b.text is not None}
    assert kinds["第一部分 示范单位概况"] == ("heading", 1)
    assert kinds["一、主要职责"] == ("heading", 2)
    assert kinds["（一）收入情况"] == ("heading", 3)
    assert kinds["附件1"] == ("heading", 1)
    assert kinds["示范项目绩效自评表"][0] == "heading"
    assert len(blocks) == len(PROSE.split("\n")), "no line of this text is a wrap"


# --- hard wraps -------------------------------------------------------------------------------
# a converter cut these lines at one page width (24 Chinese characters), blank lines between
WRAPPED = """一、示范单位绩效目标完成情况

本年度示范单位围绕年度目标认真组织实施各项工作任务，全年共

开展业务培训十二次，参训人员八百六十人次，培训合格率达到九

十八个百分点，服务对象满意度保持较高水平，各项指标均按计划

完成。

（一）存在的问题

部分项目前期论证不够充分，预算编制的精细化程度仍需进一步提

高，绩效目标设置的针对性和可衡量性有待加强，资金支出进度偏

慢。

二、改进措施

下一步将加强项目前期论证，细化预算编制，完善绩效目标设置。"""


def test_hard_wraps_are_joined_and_headings_never() -> None:
    blocks = blocks_of(WRAPPED)
    texts = [(b.kind, b.text.text) for b in blocks]
    assert [k for k, _ in texts] == ["heading", "paragraph", "heading", "paragraph", "heading", "paragraph"]
    assert texts[1][1].startswith("本年度") and texts[1][1].endswith("完成。")
    assert "九十八个百分点" in texts[1][1]
    assert texts[3][1].endswith("偏慢。")
    assert_offsets(WRAPPED, blocks)


def test_short_unfinished_lines_are_not_joined() -> None:
    text = "示范项目基本信息\n项目名称\n示范道路维护\n主管部门\n示范交通局"
    blocks = blocks_of(text)
    assert [b.text.text for b in blocks] == text.split("\n")


def test_narrow_cell_wrap_is_joined() -> None:
    # text wrapped inside a narrow cell: equal-width lines, the first ones unfinished
    text = "任务1 示范培训\n组织开展面向基层的业务能力培\n训活动，提升工作人员专业水平\n，全年覆盖所有科室。"
    blocks = blocks_of(text)
    assert [b.kind for b in blocks] == ["heading", "paragraph"]
    assert blocks[1].text.text.endswith("全年覆盖所有科室。")


def test_latin_words_keep_a_space_when_joined() -> None:
    first, second = "The demo unit finished its yearly plan", "for training across all of its offices."
    assert abs(display_width(first) - display_width(second)) <= 2
    blocks = blocks_of(f"{first}\n{second}")
    assert [b.text.text for b in blocks] == [f"{first} {second}"]
    joined = blocks[0].text
    assert joined.origin[len(first)] == len(first), "the inserted space points at the line break"


def test_display_width() -> None:
    assert display_width("ab") == 2 and display_width("示范") == 4 and display_width("示范1") == 5


def test_markdown_table() -> None:
    text = "| 项目 | 预算数 | 执行数 |\n|---|:---:|---:|\n| 办公经费 | 12.5 | 11.8 |\n| 差旅经费 | 6.0 | 5.2 |"
    t = tables(blocks_of(text))[0]
    assert cells(t) == [["项目", "预算数", "执行数"], ["办公经费", "12.5", "11.8"], ["差旅经费", "6.0", "5.2"]]


def test_add_blocks_lays_out_tables_and_pages() -> None:
    from pathlib import Path

    from pipeline.ingest.builder import DocumentBuilder
    from pipeline.ingest.layout import add_blocks

    builder = DocumentBuilder()
    add_blocks(builder, blocks_of("一、示范标题\n" + PIPE_ROWS), page=3)
    doc = builder.build(path=Path("x.txt"), data=b"x", fmt="txt")
    assert [b.kind for b in doc.blocks] == ["heading", "table"]
    assert all(b.page == 3 for b in doc.blocks)
    table = doc.blocks[1]
    assert table.recovered and table.rows[2][1].text == "120.50"
    assert all(doc.text[c.start : c.end] == c.text for row in table.rows for c in row)


# --- whitespace rows cut by the header's columns ---------------------------------------------
NATURE_UNIT_ROWS = """一级指标 二级指标  指标名称 绩效指标性质 绩效指标值  计量单位 实际完成值 分值 自评得分 未完成原因分析
产出指标  数量指标 举办讲座次数 ≥   12 次  14  10 10
受训人数 ≥ 300  人 280 10   8 受天气影响 未全部开展
效益指标 社会效益指标  居民参与度 定性 明显提高 明显提高 10 10
总分 88"""


def test_space_rows_with_nature_and_unit_columns() -> None:
    blocks = blocks_of(NATURE_UNIT_ROWS)
    assert [b.kind for b in blocks] == ["table"]
    assert cells(blocks[0]) == [
        [
            "一级指标",
            "二级指标",
            "指标名称",
            "绩效指标性质",
            "绩效指标值",
            "计量单位",
            "实际完成值",
            "分值",
            "自评得分",
            "未完成原因分析",
        ],
        ["产出指标", "数量指标", "举办讲座次数", "≥", "12", "次", "14", "10", "10"],
        ["", "", "受训人数", "≥", "300", "人", "280", "10", "8", "受天气影响未全部开展"],
        ["效益指标", "社会效益指标", "居民参与度", "定性", "明显提高", "", "明显提高", "10", "10"],
        ["", "", "总分", "", "88", "", "", "", ""],  # a lone number takes the first value column
    ]
    assert_offsets(NATURE_UNIT_ROWS, blocks)


# a row wider than a sentence (a long reason, many spaces) and an actual in words
LONG_ROWS = """一级指标   二级指标  指标名称   指标性质   年度指标值(A)  绩效度量单位  实际完成值  分值  得分   未完成原因分析
产出指标  时效指标 场地开放及时性   定性   有效改善  略有改善  18   14.4 受汛期封闭管理影响部分场地未能按计划开放
效益指标 社会效益指标   健身人数 ≥  5200 人  4800   12   9.6   受汛期封闭管理影响部分场地未能按计划开放"""


def test_long_space_rows_and_actuals_in_words() -> None:
    blocks = blocks_of(LONG_ROWS)
    assert [b.kind for b in blocks] == ["table"]
    assert cells(blocks[0])[1:] == [
        [
            "产出指标",
            "时效指标",
            "场地开放及时性",
            "定性",
            "有效改善",
            "",
            "略有改善",
            "18",
            "14.4",
            "受汛期封闭管理影响部分场地未能按计划开放",
        ],
        [
            "效益指标",
            "社会效益指标",
            "健身人数",
            "≥",
            "5200",
            "人",
            "4800",
            "12",
            "9.6",
            "受汛期封闭管理影响部分场地未能按计划开放",
        ],
    ]


# after cleaning: `$\geq$ 95\%` reads `≥ 95%`, `$\leq 30$ 万元` reads `≤30 万元`
SPACED_VALUES = r"""一级指标 二级指标 三级指标 年度指标值(A) 实际完成值 分值 得分
产出指标 质量指标 验收合格率 $\geq$ 95\%  98%  10 10
成本指标 单次维护成本 $\leq 30$ 万元 28 万元 10 10
满意度指标 服务对象满意度指标 住户满意度 $\geq 90\%$ 93% 10 10"""


def test_space_rows_join_operators_and_units_to_their_numbers(tmp_path) -> None:
    from pipeline.ingest.txt import read_text

    doc = read_text(SPACED_VALUES, path=tmp_path / "demo.txt", data=SPACED_VALUES.encode())
    table = next(b for b in doc.blocks if b.kind == "table")
    rows = [[c.text for c in row] for row in table.rows]
    assert rows[1:] == [
        ["产出指标", "质量指标", "验收合格率", "≥95%", "98%", "10", "10"],
        ["", "成本指标", "单次维护成本", "≤30万元", "28万元", "10", "10"],
        ["满意度指标", "服务对象满意度指标", "住户满意度", "≥90%", "93%", "10", "10"],
    ]
    assert all(doc.text[c.start : c.end] == c.text for row in table.rows for c in row if c.text)


LABEL_LINES_UNDER_HEADERS = """资金情况（万元） 年初预算数 全年预算数 全年执行数 分值 执行率 得分
年度资金总额
50.00 52.00 49.40 10 95% 9.5
其中：财政拨款
45.00 47.00 44.90
年度总体目标 完成示范片区的道路养护任务，服务对象满意度达到预期
一级指标 二级指标 三级指标 年度指标值(A) 实际完成值 分值 得分
产出指标
时效指标
养护完成及时率
≥95% 97% 20 20
质量指标
路面完好率
≥90% 88% 20 16
效益指标
社会效益指标
居民出行便利度
持续改善 基本改善 20 18"""


def test_label_lines_then_values_under_lenient_headers() -> None:
    blocks = blocks_of(LABEL_LINES_UNDER_HEADERS)
    assert [b.kind for b in blocks] == ["table", "paragraph", "table"]
    money, indicators = (cells(b) for b in tables(blocks))
    assert money[1:] == [
        ["年度资金总额", "50.00", "52.00", "49.40", "10", "95%", "9.5"],
        ["其中：财政拨款", "45.00", "47.00", "44.90", "", "", ""],
    ]
    assert indicators[1:] == [
        ["产出指标", "时效指标", "养护完成及时率", "≥95%", "97%", "20", "20"],
        ["", "质量指标", "路面完好率", "≥90%", "88%", "20", "16"],
        ["效益指标", "社会效益指标", "居民出行便利度", "持续改善", "基本改善", "20", "18"],  # values in words
    ]
    assert tables(blocks)[1].shape == "label_values"
    assert_offsets(LABEL_LINES_UNDER_HEADERS, blocks)


# labels one per line, 定性 on a line of its own, then the values (a reason after the scores)
LABEL_LINES_NATURE = """一级指标 二级指标 指标名称 指标性质 年度指标值 计量单位 实际完成值 分值 得分 偏差原因
产出指标
时效指标
巡查到位及时性
定性
按时完成 基本完成 10 8 受设备检修影响
数量指标
巡查次数
≥
40 次 42 10 10"""


def test_label_lines_with_a_nature_line_then_values() -> None:
    blocks = blocks_of(LABEL_LINES_NATURE)
    assert [b.kind for b in blocks] == ["table"]
    assert cells(blocks[0])[1:] == [
        ["产出指标", "时效指标", "巡查到位及时性", "定性", "按时完成", "", "基本完成", "10", "8", "受设备检修影响"],
        ["", "数量指标", "巡查次数", "≥", "40", "次", "42", "10", "10"],
    ]
    assert_offsets(LABEL_LINES_NATURE, blocks)


# a label wrapped so that its last word (完成) stands alone, and a totals row of scores only
WRAPPED_LABEL_AND_TOTAL = """一级指标 二级指标 三级指标 指标值 完成值 分值 得分
产出指标
年度重点任务
完成
示范任务按期完成率
100% 100% 10 10
总分 100 96"""


def test_label_line_ending_in_a_value_word_and_a_totals_row() -> None:
    blocks = blocks_of(WRAPPED_LABEL_AND_TOTAL)
    assert [b.kind for b in blocks] == ["table"]
    assert cells(blocks[0])[1:] == [
        ["产出指标", "年度重点任务完成", "示范任务按期完成率", "100%", "100%", "10", "10"],
        ["", "", "总分", "", "", "100", "96"],
    ]
    assert_offsets(WRAPPED_LABEL_AND_TOTAL, blocks)


HEADER_WORDS_IN_PROSE = """一级指标 二级指标 指标名称 指标值
本表的指标按年度计划设定，完成情况见下文的分项说明，此处不再逐项列出。
各项指标均已完成。
项目 名称 完成情况 说明
示范项目 已完成"""


def test_header_words_without_records_are_no_table() -> None:
    blocks = blocks_of(HEADER_WORDS_IN_PROSE)
    assert not tables(blocks)


# --- properties over generated line sequences --------------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LINES = st.sampled_from(
    [
        "", "一、示范标题", "（一）示范小节", "1.示范条目", "附件2", "示范收支决算表",
        "本年度示范单位围绕年度目标认真组织实施各项工作任务，全年共",
        "开展业务培训十二次，参训人员八百六十人次。", "项目名称", "示范道路维护",
        "一级指标 二级指标 三级指标 指标值 完成值", "产出指标 数量指标 培训人次 ≥200人次 230人次",
        "预算执行率", ">90% 96% 5 5", "（20 分）", "一级指标", "二级指标", "三级指标", "≥12场", "15场",
        "基本支出 | 120.50 | 118.20 |", "98% | |", "示范表 | ||||", "|", "||||", "项目\t预算数\t执行数",
        "办公经费\t12.5\t11.8", "\t示范单元", "\t", "\t12.5", "The demo unit finished its yearly plan", "for training across all of its offices.",
        "一级指标 二级指标 指标名称 指标性质 指标值 计量单位 实际完成值 分值 得分 偏差原因", "受训人数 ≥ 300 人 280 10 8 受天气影响",
        "定性 明显提高 明显提高 10 10", "$\\geq$ 95\\% 98% 10 10", "≥ 12 次 14", "资金情况（万元） 年初预算数 全年执行数 执行率",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=40))
def test_layout_keeps_every_character_in_order(lines: list[str]) -> None:
    text = "\n".join(lines)
    blocks = blocks_of(text)
    kept = [
        (ch, o)
        for b in blocks
        for piece in ([b.text] if b.text is not None else [c for row in b.rows for c in row])
        for ch, o in zip(piece.text, piece.origin)
        if not ch.isspace() and ch != "|"
    ]
    expected = [(ch, i) for i, ch in enumerate(text) if not ch.isspace() and ch != "|"]
    assert kept == expected, "every character but spaces and pipes, once, in order, at its offset"


@pytest.mark.timeout(60)
def test_adversarial_runs_stay_linear() -> None:
    """Runs that look like a table but are not: a failed scan must not restart at every line
    (quadratic, these would take hours)."""
    cases = [
        "\n".join(["甲 | " + "|" * 200] * 1500),  # pipe rows of one cell
        "\n\n".join(["\t本单位按计划开展示范工作，完成情况良好，群众满意度较高，各项指标均达标。"] * 1500),
        "\n\n".join(["一级指标", "二级指标", "三级指标"] + ["示范"] * 1500),  # a header without records
        "\n\n".join(["指标", "项目", "分值", "示范内容", "说明文字"] * 1000),
        "\n".join(["一级指标 二级指标 指标名称 指标值 分值", "示范"] * 1500),  # headers without records
        "\n".join(["一级指标 二级指标 指标名称 指标值 分值"] + ["示范 ≥ 1"] + ["示范"] * 3000),
    ]
    for text in cases:
        blocks = blocks_of(text)
        assert sum(len(b.text.text) if b.text else sum(len(c.text) for r in b.rows for c in r) for b in blocks) > 0
