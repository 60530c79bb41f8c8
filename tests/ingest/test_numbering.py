"""Numbering systems: style, level hint, the marker as written and its value."""

from __future__ import annotations

import pytest

from pipeline.ingest.numbering import cn_to_int, is_table_title, match_numbering

# (line, style, number as written, value): our own lines
NUMBERED = [
    ("第一部分 单位概况", "part", "第一部分", 1),
    ("第十二部分：附录", "part", "第十二部分", 12),
    ("第3章 绩效分析", "part", "第3章", 3),
    ("一、基本情况", "cn", "一、", 1),
    ("十二、政府采购情况表", "cn", "十二、", 12),
    ("二十三、其他说明", "cn", "二十三、", 23),
    ("三．收支说明", "cn", "三．", 3),
    ("（一）资金投入", "cn_paren", "（一）", 1),
    ("(四)改进措施", "cn_paren", "(四)", 4),
    ("（ 二 ）存在问题", "cn_paren", "（ 二 ）", 2),
    ("1、数量指标", "arabic", "1、", 1),
    ("2.质量指标", "arabic", "2.", 2),
    ("3．时效指标", "arabic", "3．", 3),
    ("12. 成本指标", "arabic", "12.", 12),
    ("１、全角编号", "arabic", "１、", 1),
    ("1.1 项目概况", "decimal", "1.1", 1),
    ("2.3.1评价方法", "decimal", "2.3.1", 2),
    ("（1）项目立项", "arabic_paren", "（1）", 1),
    ("(2) 资金到位", "arabic_paren", "(2)", 2),
    ("3）绩效目标", "arabic_paren", "3）", 3),
    ("⑷ 实施情况", "arabic_paren", "⑷", 4),
    ("①培训人数", "circled", "①", 1),
    ("⑩满意度", "circled", "⑩", 10),
    ("附件1", "attachment", "附件1", 1),
    ("附件：绩效自评表", "attachment", "附件", None),
    ("附件二 项目清单", "attachment", "附件二", 2),
    ("附表2", "schedule", "附表2", 2),
    ("附表：1.自评打分表", "schedule", "附表", None),
    ("表1 收入支出总表", "table", "表1", 1),
    ("表3-2：项目明细", "table", "表3-2", 3),
    ("目标1：完成培训", "goal", "目标1", 1),
    ("目标2开展检查", "goal", "目标2", 2),
    ("任务 3 建设平台", "goal", "任务 3", 3),
    ("任务一、宣传", "goal", "任务一", 1),
]

NOT_NUMBERED = [
    "2.38",
    "1.20 | 3",
    "1.5万亩",
    "2023年度收入",
    "一般公共预算",
    "三公经费支出",
    "一是加强管理",
    "表明工作成效",
    "目标完成度较高",
    "(万元)",
    "（2024年度）",
    "(50)",
    "1.",
    "100%",
    "附加说明",
]


@pytest.mark.parametrize(("line", "style", "number", "value"), NUMBERED)
def test_numbered(line: str, style: str, number: str, value: int | None) -> None:
    m = match_numbering(line)
    assert m is not None
    assert (m.style, m.number, m.value) == (style, number, value)
    assert line[m.end :].strip() == line[m.end :], "the title starts after the separator"


@pytest.mark.parametrize("line", NOT_NUMBERED)
def test_not_numbered(line: str) -> None:
    assert match_numbering(line) is None


def test_levels_follow_the_convention() -> None:
    levels = [match_numbering(s).level for s in ("第一部分 甲", "一、甲", "（一）甲", "1.甲", "（1）甲", "①甲")]
    assert levels == sorted(levels) and len(set(levels)) == len(levels)


def test_table_titles() -> None:
    assert is_table_title("收入支出决算总表")
    assert is_table_title("项目支出绩效自评表（2024年度）")
    m = match_numbering("七、一般公共预算财政拨款基本支出决算表")
    assert m is not None and m.style == "cn" and m.table_title
    assert match_numbering("部门整体支出绩效自评表").style == "table_title"
    assert not is_table_title("本单位按要求填报了自评表，数据真实。")
    assert not is_table_title("表")


@pytest.mark.parametrize(("text", "value"), [("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("九十九", 99), ("一百零五", 105), ("两", 2)])
def test_cn_to_int(text: str, value: int) -> None:
    assert cn_to_int(text) == value
