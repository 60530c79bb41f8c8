"""The numbers grammar: real-world forms (invented numbers), properties, the stage."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pipeline.core import build_stage
from pipeline.extract.numbers import (
    COMPARATORS,
    MEASURE_WORDS,
    find_quantities,
    parse_number,
    parse_value,
    qualitative_words,
)
from pipeline.schema import Document, Source, Value


def one(text: str):
    found = [q for q in find_quantities(text) if q.kind != "qualitative"]
    assert len(found) == 1, (text, found)
    return found[0]


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("298.75万元", 2_987_500),
        ("32.254万元", 322_540),
        ("10.42万元", 104_200),
        ("1,234.5元", 1234.5),
        ("1，234元", 1234),
        ("三十二万元", 320_000),
        ("1.2亿元", 120_000_000),
        ("3.5千元", 3500),
        ("0.09万元", 900),
        ("１２.５万元", 125_000),
        ("0.1万元", 1000),
        ("7.77万元", 77_700),
    ],
)
def test_money_in_yuan_rounded_to_cents(text, yuan):
    q = one(f"全年支出{text}，")
    assert q.kind == "money" and q.text == text
    assert q.value.value == yuan and q.value.unit == "元"
    assert q.value_yuan == yuan


def test_money_has_no_float_noise():
    for s in ("0.07万元", "19.99万元", "123456.78万元", "0.01元"):
        v = one(s).value.value
        assert v == float(round(Decimal(s.rstrip("万元")) * (10_000 if "万" in s else 1), 2))
        assert round(v, 2) == v


@pytest.mark.parametrize(
    ("text", "value", "op"),
    [
        ("83.47%", 83.47, None),
        ("90％", 90, None),
        ("百分之九十", 90, None),
        ("百分之12.5", 12.5, None),
        ("≥90%", 90, ">="),
        ("不低于95%", 95, ">="),
        ("80%以上", 80, ">="),
        ("达到80%以上", 80, ">="),
        ("<5%", 5, "<"),
        ("≤3%", 3, "<="),
        ("＞85%", 85, ">"),
        ("=100%", 100, "="),
        ("$\\geq 90\\%$", 90, ">="),
    ],
)
def test_percentages_and_comparators(text, value, op):
    q = one(text)
    assert q.kind == "percent" and q.value.unit == "%"
    assert q.value.value == value and q.value.op == op


@pytest.mark.parametrize(
    ("text", "value", "unit", "op"),
    [
        ("400人", 400, "人", None),
        (">=21933人", 21933, "人", ">="),
        ("≥12场", 12, "场", ">="),
        ("不少于3批次", 3, "批次", ">="),
        ("1500人次", 1500, "人次", None),
        ("56户", 56, "户", None),
        ("不超过30天", 30, "天", "<="),
        ("3个月", 3, "个月", None),
        ("15平方米", 15, "平方米", None),
        ("1.2万亩", 12000, "亩", None),
        ("2万人次", 20000, "人次", None),
        ("8公里", 8, "公里", None),
        ("5人/天", 5, "人/天", None),
        ("十二个", 12, "个", None),
        ("≥90分", 90, "分", ">="),
        ("6辆", 6, "辆", None),
        ("3年", 3, "年", None),
    ],
)
def test_counts_with_measure_words(text, value, unit, op):
    q = one(text)
    assert q.kind == "count"
    assert (q.value.value, q.value.unit, q.value.op) == (value, unit, op)


def test_compound_money_unit():
    q = one("补助标准300元/人·月")
    assert q.kind == "number" and q.value.value == 300 and q.value.unit == "元/人·月"  # a price, not MONEY
    assert q.value_yuan is None


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("85%-90%", 85, 90, "%"),
        ("85%～90%", 85, 90, "%"),
        ("85-90%", 85, 90, "%"),
        ("3至5天", 3, 5, "天"),
        ("1-2万元", 10000, 20000, "元"),
    ],
)
def test_ranges(text, low, high, unit):
    q = one(text)
    assert q.value.op == "range" and (q.value.value, q.value.upper, q.value.unit) == (low, high, unit)
    assert q.text == text


def test_placeholder_keeps_text_without_value():
    q = one("≥**人")
    assert q.text == "≥**人" and q.value.value is None and q.value.op == ">=" and q.value.unit == "人"


def test_threshold_with_grade():
    q = one("≥100优")
    assert q.value.op == ">=" and q.value.value == 100 and q.value.qualitative == "优"


@pytest.mark.parametrize(
    "text",
    [
        "2025年",
        "2025年度",
        "2025年12月31日",
        "2022-04-07",
        "2024.3.15",
        "2022-2025年",
        "12月31日",
        "井财〔2025〕3号",
        "冀财预﹝2026﹞12号",
        "第3部分",
        "第三章",
        "[bookmark: _Toc27555]",
        "1、加强管理",
        "（2）提升服务",
        "3.组织开展",
        "一是明确内容",
        "统一部署",
        "15:25",
    ],
)
def test_not_quantities(text):
    assert [q for q in find_quantities(text) if q.kind != "qualitative"] == []


def test_years_do_not_hide_amounts_beside_them():
    text = "2025年度部门年初预算总收入298.75万元，2025年12月31日前完成85%。"
    kinds = [(q.text, q.kind) for q in find_quantities(text)]
    assert kinds == [("298.75万元", "money"), ("85%", "percent")]


def test_bare_numbers_are_optional():
    text = "年度资金总额 | 1172.55 | 1268.72 | 10 | 10"
    assert [q.value.value for q in find_quantities(text)] == [1172.55, 1268.72, 10, 10]
    assert find_quantities(text, bare=False) == []


def test_qualitative_only_where_it_stands_alone():
    text = "社会公众满意度\n满意\n完成绩效目标\t优良\t有效\n工作完成情况较好"
    found = [(q.text, q.kind) for q in find_quantities(text)]
    assert found == [("满意", "qualitative"), ("优良", "qualitative"), ("有效", "qualitative")]
    assert find_quantities(text, qualitative=False) == []


def test_start_end_window():
    text = "共50人，共60人，共70人"
    found = find_quantities(text, 5, 10)
    assert [q.text for q in found] == ["60人"] and text[found[0].start : found[0].end] == "60人"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("≥400人", Value(text="≥400人", op=">=", value=400, unit="人")),
        ("100%", Value(text="100%", value=100, unit="%")),
        ("优良", Value(text="优良", qualitative="优良")),
        (">90%", Value(text=">90%", op=">", value=90, unit="%")),
        (" 85%-90% ", Value(text="85%-90%", op="range", value=85, upper=90, unit="%")),
        ("满意", Value(text="满意", qualitative="满意")),
        ("按时完成", Value(text="按时完成", qualitative="按时完成")),
        ("10.42万元", Value(text="10.42万元", value=104200, unit="元")),
    ],
)
def test_parse_value(text, expected):
    assert parse_value(text) == expected


def test_parse_value_applies_row_unit_to_bare_numbers():
    assert parse_value("1.5", unit="万元") == Value(text="1.5", value=15000, unit="元")
    assert parse_value("95", unit="%") == Value(text="95", value=95, unit="%")
    assert parse_value("≥95", unit="％") == Value(text="≥95", op=">=", value=95, unit="%")
    assert parse_value("2.5", unit="万亩") == Value(text="2.5", value=25000, unit="亩")
    assert parse_value("30", unit="人次") == Value(text="30", value=30, unit="人次")
    # an explicit unit in the cell wins over the row's
    assert parse_value("90%", unit="万元").unit == "%"


def test_parse_value_empty_and_free_text():
    assert parse_value("") is None and parse_value("   ") is None
    assert parse_value("推动工作上台阶") is None
    assert parse_value("逐步改善服务", free_qualitative=True) == Value(text="逐步改善服务", qualitative="逐步改善服务")


def test_parse_number():
    assert parse_number("1,234.5") == Decimal("1234.5")
    assert parse_number("三十二万") == 320000
    assert parse_number("一点五") == Decimal("1.5")
    assert parse_number("") is None and parse_number("万万") is None


def test_vocabulary_loaded_from_config():
    words = qualitative_words()
    assert {"优良", "满意", "基本满意", "按时完成", "合规", "达标"} <= set(words)
    assert list(words) == sorted(words, key=lambda w: (-len(w), w))


# --- properties ---------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
PREFIX_OPS = [k for k in COMPARATORS if not k.startswith("\\")]
filler = st.sampled_from(["，", "。", "；", "为", "共计", "\n", "\t", " | "])


@given(amounts, st.sampled_from(["元", "万元", "亿元", "千元"]), filler, filler)
def test_money_round_trip(amount, unit, before, after):
    factor = {"元": 1, "万元": 10_000, "亿元": 10**8, "千元": 1000}[unit]
    written = f"{amount:f}{unit}"
    text = f"预算{before}{written}{after}其中"
    q = one(text)
    assert q.text == written and text[q.start : q.end] == written
    assert q.value.value == float(round(amount * factor, 2))


@given(st.integers(min_value=0, max_value=10**8), st.sampled_from(MEASURE_WORDS), st.sampled_from([None, *PREFIX_OPS]))
def test_count_round_trip(n, word, op):
    written = f"{op or ''}{n}{word}"
    q = one(f"完成{written}。")
    assert q.text == written
    assert q.value.value == (n * 10_000 if word == "万亩" else n)
    assert q.value.op == (COMPARATORS[op] if op else None)


@given(
    st.decimals(min_value=0, max_value=100, places=2),
    st.decimals(min_value=0, max_value=100, places=2),
    st.sampled_from(["-", "～", "~", "至"]),
    st.booleans(),
)
def test_percent_range_round_trip(a, b, sep, both):
    written = f"{a:f}{'%' if both else ''}{sep}{b:f}%"
    q = one(f"比例{written}，")
    assert q.text == written
    assert (q.value.op, q.value.value, q.value.upper, q.value.unit) == ("range", float(a), float(b), "%")


@given(st.integers(min_value=1, max_value=99_999_999), st.sampled_from(["元", "万元", "人", "%", "个"]))
def test_chinese_numerals_round_trip(n, unit):
    import cn2an

    assume(unit not in ("人", "个") or n > 3)  # 一人, 两个, 三项 in prose are not counted on purpose
    written = cn2an.an2cn(n) + unit
    q = one(f"计{written}。")
    assert q.text == written
    assert q.value.value == n * (10_000 if unit == "万元" else 1)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("0123456789.,%％-～万亿元人次≥≤<>=不低于以上下年月日号第〔〕（）() \n\t|*优良满意一二三十百千点之分/·")), max_size=60))
def test_never_crashes_and_offsets_are_honest(text):
    for q in find_quantities(text):
        assert 0 <= q.start < q.end <= len(text)
        assert text[q.start : q.end] == q.text == q.value.text
    parse_value(text)
    parse_value(text, unit="万元", free_qualitative=True)


@given(st.text(max_size=200))
def test_never_crashes_on_arbitrary_strings(text):
    found = find_quantities(text)
    for q in found:
        assert text[q.start : q.end] == q.text
    assert [q.start for q in found] == sorted(q.start for q in found)
    parse_value(text)


def test_stage_fills_quantities_with_the_attrs_contract():
    stage = build_stage("numbers", {})
    text = "年初预算总收入298.75万元，执行率83.47%，服务≥400人次。\n满意\n"
    doc = Document(doc_id="x", source=Source(path="x.txt", format="txt"), text=text)
    doc = stage(doc)
    got = [(m.label, m.text, m.attrs["kind"]) for m in doc.quantities]
    assert got == [
        ("MONEY", "298.75万元", "money"),
        ("PERCENT", "83.47%", "percent"),
        ("COUNT", "≥400人次", "count"),
        ("QUALITATIVE", "满意", "qualitative"),
    ]
    money = doc.quantities[0]
    assert money.attrs["value_yuan"] == 2_987_500
    assert Value.model_validate(money.attrs["value"]).unit == "元"
    for m in doc.quantities:
        assert text[m.start : m.end] == m.text
    # the record round-trips through JSON
    assert Document.model_validate_json(doc.model_dump_json()).quantities == doc.quantities


def test_real_documents_money_and_offsets(real_documents):
    """On the real texts: every quantity's text is the text at its offsets, and money is found."""
    total_money = 0
    for d in real_documents:
        text = d.path.read_text(encoding="utf-8")
        found = find_quantities(text)
        for q in found:
            assert text[q.start : q.end] == q.text
            if q.kind == "money" and q.value.value is not None:
                assert q.value.value >= 0 and round(q.value.value, 2) == q.value.value
        total_money += sum(q.kind == "money" for q in found)
    assert total_money > 100


@pytest.mark.parametrize(
    ("text", "value", "unit", "op"),
    [("10余名", 10, "名", ">"), ("200多人", 200, "人", ">"), ("5000多万元", 50_000_000, "元", ">"), ("二十余人", 20, "人", ">")],
)
def test_approximate_counts_are_lower_bounds(text, value, unit, op):
    q = one(text)
    assert (q.value.value, q.value.unit, q.value.op) == (value, unit, op)


@pytest.mark.parametrize("text", ["12月底前完成", "于3月、6月开展", "11月上旬"])
def test_months_are_not_counts(text):
    assert [q for q in find_quantities(text) if q.kind != "qualitative"] == []


def test_grammar_finds_the_annotated_values_of_the_real_documents(shared_dir):
    """Every annotated MONEY / TARGET / ACTUAL span of data/annotations is found by the grammar (recall)."""
    from pipeline.annotate import corpus
    from pipeline.annotate.format import load_all

    anns = load_all(layer="entities")
    docs = corpus.by_sha256(shared_dir)
    total = found = money_right = money = 0
    for sha, files in anns.items():
        if sha not in docs:
            continue
        text = docs[sha].path.read_text(encoding="utf-8")
        qs = find_quantities(text)
        for f in files:
            for e in f.entities:
                if e.label not in ("MONEY", "TARGET", "ACTUAL"):
                    continue
                total += 1
                hits = [q for q in qs if q.start <= e.start < e.end <= q.end or e.start <= q.start < q.end <= e.end]
                found += bool(hits)
                if e.label == "MONEY" and e.attrs.get("value_yuan") is not None:
                    money += 1
                    v = parse_value(text[e.start : e.end], unit="万元")
                    money_right += v is not None and abs(v.value - e.attrs["value_yuan"]) < 0.01
    if total == 0:
        pytest.skip("no entity annotations of the real documents in data/annotations yet")
    assert found / total >= 0.97, (found, total)
    assert money_right / money >= 0.99, (money_right, money)


@pytest.mark.parametrize(("text", "unit"), [(">=530元/人*月", "元/人·月"), ("5人／天", "人/天"), ("2次/年", "次/年")])
def test_compound_units_are_normalised(text, unit):
    assert parse_value(text).unit == unit


def test_bare_wan_after_a_figure_is_money_but_not_before_a_measure_word():
    found = {q.text: q for q in find_quantities("专项工作经费6.5万绩效目标表，服务2.5万人次，造林3万余亩，共1.2万亩")}
    assert found["6.5万"].kind == "money" and found["6.5万"].value.value == 65000.0
    assert found["2.5万人次"].kind == "count" and found["2.5万人次"].value.value == 25000.0
    assert "3万" not in found  # 3万余亩: an approximate count, not money
    assert found["1.2万亩"].value.unit == "亩"
