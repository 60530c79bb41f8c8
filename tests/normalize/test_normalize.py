"""The normalizer on documents we write: reconciliation, facts, values, flags, calibration."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core import Pipeline
from pipeline.extract.numbers import parse_value

# the stages that need no trained model: the tests run without models/
MODEL_FREE_STAGES = ("numbers", "tables", "normalize")
from pipeline.ingest import read_document
from pipeline.normalize.confidence import CalibrationSet, IsotonicCalibrator, ece
from pipeline.normalize.values import achieved
from pipeline.schema import Value


def _doc(tmp_path: Path, text: str, name: str = "doc.txt"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return Pipeline.from_config(only=MODEL_FREE_STAGES)(read_document(p))


def codes(doc) -> list[str]:
    return sorted(f.code for f in doc.flags)


def test_one_amount_for_every_mention(tmp_path):
    doc = _doc(tmp_path, (
        "2031年度本年支出合计为123.45万元。\n"
        "2031年度本年支出合计123.45万元，其中：基本支出100.00万元，占81.00%；项目支出23.45万元，占19.00%。\n"
        "123.45\n单位（万元）\n"
    ))  # fmt: skip
    amounts = [a for a in doc.amounts if a.value_yuan == 1234500]
    assert len(amounts) == 1, [(a.stage, a.flow, a.item) for a in amounts]
    assert len(amounts[0].evidence) == 2
    assert amounts[0].raw == "123.45万元"
    assert 0 < amounts[0].confidence <= 1
    assert not doc.flags


def test_consistent_document_has_no_flags(tmp_path):
    doc = _doc(tmp_path, (
        "青禾县总工会部门\n2031年度整体支出绩效自评报告\n"
        "根据《关于开展2032年绩效自评工作的通知》，于2032年3月对2031年度进行评价。\n"
        "本年支出合计200.00万元，其中：基本支出150.00万元，占75%；项目支出50.00万元，占25%。\n"
        "基本支出150.00万元，其中：人员经费120.00万元，公用经费30.00万元。\n"
        "该项目预算安排 20.00 万元，实际支出 15.00 万元，预算执行率达 75.00%。\n"
        "收入合计200.00万元，比上年增加40.00万元，增长25%。\n"
        "评价得分为92分，综合绩效评价等级为“优”。\n"
    ))  # fmt: skip
    assert doc.flags == []
    assert doc.fiscal_year == 2031  # written in 2032, about 2031
    assert doc.unit_name == "青禾县总工会"
    assert doc.doc_kind == "overall_self_eval"
    assert doc.evaluation.score == 92 and doc.evaluation.grade == "优"
    assert {"fiscal_year", "unit_name", "doc_kind", "evaluation"} <= set(doc.facts)


def test_contradictions_are_flagged(tmp_path):
    doc = _doc(tmp_path, (
        "青禾县总工会2031年度整体支出绩效自评报告\n"
        "本年支出合计200.00万元，其中：基本支出150.00万元，占70%；项目支出49.00万元，占25%。\n"
        "基本支出150.00万元，其中：人员经费120.00万元，公用经费31.00万元。\n"
        "该项目预算安排 20.00 万元，实际支出 15.00 万元，预算执行率达 75.10%。\n"
        "收入合计200.00万元，比上年增加40.00万元，增长20%。\n"
        "支出预算总额180.25元，支出决算总额180.25万元。\n"
        "附：青禾县总工会2030年度整体支出绩效自评表\n"
    ))  # fmt: skip
    got = codes(doc)
    for code in ("parts_total_mismatch", "share_mismatch", "rate_mismatch", "growth_rate_mismatch", "unit_mismatch",
                 "fiscal_year_mismatch"):  # fmt: skip
        assert code in got, (code, [f.message for f in doc.flags])
    rate = next(f for f in doc.flags if f.code == "rate_mismatch")
    assert "75.1%" in rate.message and "75.00%" in rate.message and "tolerance ±0.005" in rate.message
    assert all(doc.text[e.start : e.end] for f in doc.flags for e in f.evidence)


def test_table_rows_full_marks_but_missed_and_score_sum(tmp_path):
    doc = _doc(tmp_path, (
        "项目绩效自评表（2031年度）\n"
        "三级指标 | 分值 | 年度指标值 | 全年实际值 | 得分 |\n"
        "培训人数 |\n10 |\n>=300人 |\n280人 |\n10 |\n"
        "满意度 |\n10 |\n>=90% |\n95% |\n10 |\n"
    ))  # fmt: skip
    assert "achieved_but_missed" in codes(doc)
    by_name = {i.name: i for i in doc.indicators}
    assert by_name["培训人数"].achieved is False and by_name["满意度"].achieved is True
    assert by_name["满意度"].target.value == 90 and by_name["满意度"].target.unit == "%"

    doc = _doc(tmp_path, (
        "一级指标 二级指标 三级指标 指标值 完成值 分值 得分\n"
        "预算执行率\n>90% 100% 40 40\n"
        "社会公众满意度\n≥90% 95% 30 28\n"
        "职工群众满意度\n≥90% 93% 30 29\n"
        "总分 100 99\n"
    ), "score.txt")  # fmt: skip
    assert codes(doc) == ["score_sum_mismatch"], [f.message for f in doc.flags]
    assert doc.evaluation.score == 99


def test_indicator_targets_that_disagree_are_kept_apart(tmp_path):
    doc = _doc(tmp_path, (
        "绩效指标：全年举办职工运动会场次大于 12 场，职工参与人数达到 800 人。\n"
        "产出指标：（1）数量指标：全年举办职工运动会场次大于 9 场。\n"
        "职工参与人数达到 800 人。\n"
    ))  # fmt: skip
    same = [i for i in doc.indicators if i.name == "举办职工运动会场次"]  # 全年 is not part of the name
    assert sorted(i.target.value for i in same) == [9, 12]
    assert "indicator_target_conflict" in codes(doc)
    people = [i for i in doc.indicators if i.name == "职工参与人数"]
    assert len(people) == 1 and len(people[0].evidence) == 4


@pytest.mark.parametrize(
    ("target", "actual", "expected"),
    [
        (">=400人", "426人", True), ("≥90%", "85%", False), ("<10%", "0", True), ("85%-90%", "88%", True),
        ("10.42万元", "104200元", True), ("<=5300元/户", "5830元/户", False), ("满意", "满意", True),
        ("达标", "完成", True), ("优良", "100%", None), ("≥400人", "95%", None), (">3", "3", False), ("=1", "1", True),
    ],
)  # fmt: skip
def test_achieved(target, actual, expected):
    assert achieved(parse_value(target, free_qualitative=True), parse_value(actual, free_qualitative=True)) is expected


def test_bare_target_is_a_ceiling_for_rates_of_harm():
    t, a = Value(text="0.9", value=0.9, unit="%"), Value(text="0", value=0.0, unit="%")
    assert achieved(t, a, name="森林火灾受害率") is True
    assert achieved(t, a, name="造林成活率") is False


def test_calibration_round_trip_and_ece(tmp_path):
    raw = [i / 100 for i in range(100)]
    correct = [i % 3 != 0 if r > 0.5 else i % 3 == 0 for i, r in enumerate(raw)]
    cal = IsotonicCalibrator().fit(raw, correct)
    cs = CalibrationSet({"amounts": cal})
    cs.to_disk(tmp_path / "cal", metrics={"x": 1}, data={}, data_sha256="0" * 64)
    back = CalibrationSet.from_disk(tmp_path / "cal")
    assert list(back.calibrators["amounts"].predict([0.2, 0.9])) == list(cal.predict([0.2, 0.9]))
    assert ece(cal.predict(raw), correct) < ece(raw, correct)
    assert (tmp_path / "cal" / "README.md").is_file()
    assert ece([1.0, 1.0], [True, False]) == pytest.approx(0.5)


def test_grade_that_does_not_follow_the_score(tmp_path):
    text = "评价得分为78分，综合绩效评价等级为“优”。\n"
    assert codes(_doc(tmp_path, text)) == ["grade_score_mismatch"]
    own_scale = "得分≥75分为优；60≤得分<75分为良。\n" + text
    assert codes(_doc(tmp_path, own_scale, "scale.txt")) == []


def test_extractor_mentions_keep_their_attributes_and_gain_ours():
    from pipeline.normalize.reconcile import fill_unspecified, reconcile_amounts
    from pipeline.schema import Mention

    ner = Mention(label="MONEY", start=10, end=18, text="12.30万元", score=0.9, source="ner",
                  attrs={"value_yuan": 123000.0, "stage": "actual", "flow": "unspecified", "item": "other"})  # fmt: skip
    ours = Mention(label="MONEY", start=10, end=18, text="12.30万元", score=0.7, source="rules",
                   attrs={"value_yuan": 123000.0, "stage": "unspecified", "flow": "expenditure", "item": "basic"})  # fmt: skip
    alone = ours.model_copy(update={"start": 40, "end": 48, "attrs": {**ours.attrs, "stage": "budget_initial"}})
    merged = fill_unspecified([ner], [ours, alone])
    assert merged[0].attrs["stage"] == "actual"  # where our reading names no stage, the extractor's stands
    assert merged[0].attrs["flow"] == "expenditure" and merged[0].attrs["item"] == "basic"
    amounts = reconcile_amounts(merged)
    assert len(amounts) == 2 and {a.stage for a in amounts} == {"actual", "budget_initial"}
    # where it names one the extractor does not (a cue word, a 决算 heading), the reading decides
    named = fill_unspecified([ner], [alone.model_copy(update={"start": 10, "end": 18})])
    assert named[0].attrs["stage"] == "budget_initial"


def test_a_total_row_is_not_an_indicator():
    from pipeline.normalize.reconcile import mentions_from_relations
    from pipeline.schema import Document, Mention, Relation

    text = "巡查河道里程\t≥300公里\t326公里\n合计\t合计\t100\t98\n"
    mentions = [
        Mention(label="INDICATOR", start=0, end=6, text="巡查河道里程", source="ner"),
        Mention(label="TARGET", start=7, end=13, text="≥300公里", source="ner",
                attrs={"value": {"text": "≥300公里", "op": ">=", "value": 300.0, "unit": "公里"}}),
        Mention(label="INDICATOR", start=20, end=22, text="合计", source="ner"),  # a merged total cell
        Mention(label="SCORE", start=30, end=32, text="98", source="ner", attrs={"number": 98.0}),
    ]  # fmt: skip
    relations = [Relation(head=0, tail=1, label="target"), Relation(head=2, tail=3, label="score")]
    doc = Document(doc_id="0" * 64, source={"path": "own.txt", "format": "txt"}, text=text, mentions=mentions, relations=relations)
    assert [m.name for m in mentions_from_relations(doc)] == ["巡查河道里程"]


def test_rates_and_bounds_are_not_amounts(tmp_path):
    doc = _doc(tmp_path, (
        "2031年度项目资金共计48.60万元，慰问标准为每户0.05万元，补助标准为每生每学年1000元。\n"
        "单价50万元（含）以上的设备须报批；单笔最高3000元。\n"
    ))  # fmt: skip
    assert sorted(a.value_yuan for a in doc.amounts) == [486000]


def test_stage_words_and_the_part_of_the_document(tmp_path):
    doc = _doc(tmp_path, (
        "一、部门收支情况\n"
        "2031年年初预算安排12.50万元；调整预算数（含上年结转）收入、支出为13.20万元；全年应执行数为13.20万元。\n"
        "（三）项目实施情况分析\n"
        "本项目包括宣传经费2.30万元，培训经费4.10万元。\n"
    ))  # fmt: skip
    stage = {a.value_yuan: a.stage for a in doc.amounts}
    # a cue word right before the amount decides; 应执行数 is the full-year (adjusted) budget;
    # amounts with no cue under an 实施情况 heading were spent
    assert stage == {125000: "budget_initial", 132000: "budget_adjusted", 23000: "actual", 41000: "actual"}


def test_items_and_flows_named_by_the_words_around_an_amount(tmp_path):
    doc = _doc(tmp_path, (
        "2031年度一般公共预算财政拨款支出56.70万元，主要用于以下方面：城乡社区支出40.20万元，卫生健康支出16.50万元。\n"
        "2031年度基本支出30.00万元，其中：工资福利支出21.00万元；商品和服务支出9.00万元。\n"
        "2031年市财政下达我局城市绿化专项资金88.00万元。其中,苗木采购12.00万元,养护管理76.00万元。\n"
        "我局从结余资金中分配14.00万元用于支持社区公园建设，下发街道补助资金6.00万元。\n"
        "资金来源：财政性资金33.30万元。\n"
        "（三）公务接待费支出0.18万元，其中：国内接待费支出0.18万元。\n"
    ))  # fmt: skip
    read = {a.value_yuan: (a.flow, a.item) for a in doc.amounts}
    # a functional class is a named part, not the total; the economic classes of 基本支出 are its parts
    assert read[402000][1] == read[165000][1] == "other"
    assert read[210000][1] == "personnel" and read[90000][1] == "public"
    # the parts listed after a total (其中, across the full stop) share its flow
    assert read[880000][0] == read[120000][0] == read[760000][0] == "income"
    # the words after an amount say where it goes; money handed down is spent, a source is income
    assert read[140000][0] == read[60000][0] == "expenditure" and read[333000][0] == "income"
    # the parts of the “三公” items are “三公” money
    assert {a.item for a in doc.amounts if a.value_yuan == 1800} == {"three_public"}


def test_the_items_of_a_functional_class_against_its_total(tmp_path):
    text = (
        "2031年度一般公共预算财政拨款支出88.80万元，主要用于以下方面：城乡社区支出70.30万元，占79.17%；卫生健康支出18.50万元，占20.83%。\n"
        "1.城乡社区（类）城乡社区管理事务（款）行政运行（项）：2031年支出决算为50.10万元，完成预算100%。\n"
        "2.城乡社区（类）城乡社区管理事务（款）其他城乡社区管理事务支出（项）：2031年支出决算为20.10万元，完成预算100%。\n"
        "3.卫生健康支出（类）行政事业单位医疗（款）行政单位医疗（项）：2031年支出决算为18.50万元，完成预算100%。\n"
    )
    flags = [f for f in _doc(tmp_path, text).flags if "（类）" in f.message]
    # 50.10 + 20.10 = 70.20 against 70.30; the one 项 of 卫生健康 adds up
    assert len(flags) == 1 and "城乡社区" in flags[0].message and "70.30万元" in flags[0].message
    assert flags[0].severity == "warning"
    consistent = text.replace("20.10万元", "20.20万元")
    assert not [f for f in _doc(tmp_path, consistent, "ok.txt").flags if "（类）" in f.message]


def test_a_projects_own_funds_are_the_whole_of_a_project_report(tmp_path):
    body = "一、项目概况\n2031年该项目预算安排36.00万元，实际支出35.10万元。\n"
    unit = _doc(tmp_path, "某县档案馆2031年度部门整体支出绩效自评报告\n" + body, "unit.txt")
    project = _doc(tmp_path, "某县档案馆2031年度档案数字化项目支出绩效自评报告\n" + body, "project.txt")
    assert unit.doc_kind == "overall_self_eval" and project.doc_kind == "project_self_eval"
    assert {a.item for a in unit.amounts if a.value_yuan == 360000} == {"project"}
    assert {a.item for a in project.amounts if a.value_yuan == 360000} == {"total"}


def test_a_change_against_last_year_is_a_change_of_the_amount_before_it(tmp_path):
    doc = _doc(tmp_path, "2031年部门决算收支情况。\n1、收入合计92.20万元。同比上年度增加9.25万元,增加11.15%。\n")
    change = next(a for a in doc.amounts if a.value_yuan == 92500)
    assert (change.stage, change.flow, change.item) == ("unspecified", "income", "total")


def test_funding_sources_parts_and_bare_totals(tmp_path):
    doc = _doc(tmp_path, (
        "一、部门收支情况\n"
        "2031年度收入、支出为45.60万元。\n"
        "2031年全年支出32.00万元，其中中央资金20.00万元，地方资金12.00万元。\n"
        "资金投入情况：\n年度资金总额：\n50.00万元\n其中：省级资金\n30.00万元\n"
    ))  # fmt: skip
    read = {a.value_yuan: (a.flow, a.item, a.item_text) for a in doc.amounts}
    # a bare 收入/支出 before the first amount of a sentence states the whole
    assert read[456000][1] == read[320000][1] == "total"
    # the sources of a total that names its side share that side; a source on its own is income
    assert read[200000] == ("expenditure", "other", "中央资金") and read[120000][:2] == ("expenditure", "other")
    assert read[300000] == ("income", "other", "省级资金")


def test_a_budget_listed_with_its_target_table_is_a_projects_budget(tmp_path):
    doc = _doc(tmp_path, (
        "第二部分 项目绩效目标\n"
        "1.2031年社区养老服务补助经费15万元绩效目标表3\n"
        "2.2031年殡葬服务专项公用经费8万元绩效目标表4\n"
    ))  # fmt: skip
    read = {a.value_yuan: (a.stage, a.item) for a in doc.amounts}
    # 公用经费 in a project's name does not make its budget 公用经费
    assert read == {150000: ("budget_initial", "project"), 80000: ("budget_initial", "project")}


def test_a_later_amount_of_a_list_at_the_same_stage_is_a_part(tmp_path):
    from pipeline.normalize.money import label_amounts
    from pipeline.normalize.settings import load_settings

    doc = _doc(tmp_path, "2031年收到上级下达资金10.00万元，自治区下达3.00万元。\n2031年项目预算数为9.00万元，执行数为8.00万元。\n")
    listed = {a.value_yuan: a.listed for a in label_amounts(doc, load_settings())}
    assert listed == {100000: False, 30000: True, 90000: False, 80000: False}


def test_a_project_reports_project_money_is_its_whole():
    from pipeline.normalize.reconcile import in_report_terms
    from pipeline.schema import Mention

    m = Mention(label="MONEY", start=0, end=5, text="36万元", score=0.9, source="ner", attrs={"value_yuan": 360000, "item": "project"})
    assert in_report_terms([m], "project_self_eval")[0].attrs["item"] == "total"
    assert in_report_terms([m], "overall_self_eval")[0].attrs["item"] == "project"
    assert m.attrs["item"] == "project"  # the mention itself is left as it was
