"""Synthetic disclosures with their gold records and stand-off annotations.

`generate(n, seed)` yields `SynthDoc`s: the text (as a .txt disclosure would read, artifacts
included), the blocks the other formats are written from, the gold record (a `Document`-shaped
dict: unit_name, fiscal_year, doc_kind, amounts, indicators, evaluation, flags with evidence
offsets into the text) and annotation files in the format of `pipeline/annotate/format.py`
(entities with relations, sections), anchored in the text. Every number is consistent (parts
sum to totals, rates are actual / budget, scores never exceed weights, the grade follows the
score) except where an inconsistency is injected on purpose; those are listed in the gold
`flags`. Deterministic for a seed.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pipeline.annotate.format import AnnotationFile, AnnRelation, AnnSection, AnnSpan, quote_hash
from pipeline.schema import Value
from pipeline.synth import vocab
from pipeline.synth.compose import Block, Heading, Mark, Paragraph, Piece, Style, Table, plain, render_text

__all__ = ["DOC_KINDS", "FLAG_CODES", "SIZES", "SynthDoc", "generate", "generate_one"]

DOC_KINDS = ("overall_self_eval", "project_self_eval", "target_table", "final_accounts")
SIZES = ("short", "report")
FLAG_CODES = {
    "parts_sum_mismatch": "基本支出与项目支出之和不等于合计",
    "execution_rate_mismatch": "所述预算执行率与执行数/预算数不符",
    "score_exceeds_weight": "指标得分高于分值",
    "grade_score_mismatch": "评价等级与得分不符",
}
CREATED = "2026-01-01T00:00:00+00:00"
# header words of the tables, varied as the real templates vary them
HEADER_WORDS = {
    "name": ("三级指标", "三级指标", "指标名称"),
    "nature": ("指标性质", "绩效指标性质"),
    "target": ("年度指标值", "年度指标值", "指标值", "年度目标值", "绩效指标值", "年度指标值(A)"),
    "unit": ("度量单位", "计量单位", "绩效度量单位"),
    "actual": ("实际完成值", "实际完成值", "全年实际值", "完成值", "实际完成指标值", "全年实际值(B)"),
    "weight": ("分值", "分值", "权重"),
    "score": ("得分", "得分", "自评得分"),
    "deviation": ("偏差原因分析", "偏差原因分析及改进措施", "未完成原因分析"),
}
INJECT_PROBABILITY = 0.2


@dataclass
class SynthDoc:
    """One synthetic document: text, blocks for the other formats, gold record, annotations."""

    name: str
    kind: str
    text: str
    blocks: list[Block]
    gold: dict[str, Any]
    entities: AnnotationFile
    sections: AnnotationFile
    style: Style


def _d(x: float | Decimal, places: int = 2) -> Decimal:
    return Decimal(str(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _wan(x: Decimal) -> str:
    """A 万元 figure as the disclosures write it (two decimals, no trailing zeros kept sometimes)."""
    return f"{x:.2f}"


def _yuan(wan: Decimal) -> float:
    return float(_d(wan * 10_000, 2))


def _pct(x: Decimal) -> str:
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return s


@dataclass
class _Build:
    """Collects blocks, marks, gold facts and relations while a document is composed."""

    rng: random.Random
    blocks: list[Block] = field(default_factory=list)
    amounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    relations: list[tuple[str, str, str]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    evaluation: dict[str, Any] = field(default_factory=lambda: {"score": None, "grade": None, "keys": []})
    year_keys: list[str] = field(default_factory=list)
    unit_keys: list[str] = field(default_factory=list)
    _n: int = 0

    def key(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def h(self, level: int, label: str, *pieces: Piece) -> None:
        self.blocks.append(Heading(list(pieces), level, label))

    def p(self, *pieces: Piece) -> None:
        self.blocks.append(Paragraph(list(pieces)))

    def year(self, y: int, suffix: str = "年度") -> Mark:
        k = self.key("y")
        self.year_keys.append(k)
        return Mark(f"{y}{suffix}", "YEAR", k, {"year": y})

    def unit(self, name: str) -> Mark:
        k = self.key("u")
        self.unit_keys.append(k)
        return Mark(name, "UNIT_NAME", k)

    def money(
        self, wan: Decimal, *, stage: str, flow: str, item: str, item_text: str | None, subject: str | None = None,
        suffix: str = "万元", fact: str | None = None, delta: bool = False,
    ) -> Mark:
        """A MONEY mark; `fact` groups mentions of one amount (evidence)."""
        k = self.key("m")
        text = _wan(wan) + suffix
        attrs = {"value_yuan": _yuan(wan), "stage": stage, "flow": flow, "item": item}
        if item_text:
            attrs["item_text"] = item_text
        if delta:
            attrs["delta"] = True
        fact = fact or (k if delta else f"{stage}:{flow}:{item}:{subject}:{_yuan(wan)}")
        if fact not in self.amounts:
            self.amounts[fact] = {
                "value_yuan": _yuan(wan), "raw": text, "stage": stage, "flow": flow, "item": item,
                "item_text": item_text, "subject": subject, "keys": [],
            }  # fmt: skip
        self.amounts[fact]["keys"].append(k)
        return Mark(text, "MONEY", k, attrs)

    def flag(self, code: str, *keys: str) -> None:
        self.flags.append({"code": code, "severity": "warning", "message": FLAG_CODES[code], "keys": list(keys)})


# --- values of indicators ---------------------------------------------------------------


@dataclass
class _Ind:
    level1: str
    level2: str
    name: str
    target: Value
    actual: Value
    weight: Decimal
    score: Decimal
    achieved: bool
    target_latex: str | None = None


def _target_phrase(rng: random.Random, target: Value) -> tuple[str, Value]:
    """A target as prose writes it (≥90%, 90%以上, 不低于90%), with its Value."""
    if target.op != ">=" or target.value is None or target.unit in (None, "元"):
        return target.text, target
    number = _num_text(target.value) + target.unit
    text = rng.choice((target.text, f"{number}以上", f"不低于{number}", f"达到{number}以上"))
    return text, target.model_copy(update={"text": text})


def _round_count(rng: random.Random, low: float, high: float) -> int:
    n = rng.uniform(low, high)
    mag = 10 ** max(0, len(str(int(n))) - 2)
    return max(1, int(round(n / mag) * mag))


def _indicator(rng: random.Random, level1: str, level2: str, spec, weight: Decimal) -> _Ind:
    name, kind, unit, low, high = spec
    miss = rng.random() < 0.15
    latex = None
    if kind == "count":
        n = _round_count(rng, low, high)
        op = rng.choice((">=", ">=", None))
        target = Value(text=f"{'≥' if op else ''}{n}{unit}", op=op, value=n, unit=unit)
        got = int(n * rng.uniform(0.7, 0.95)) if miss else int(n * rng.uniform(1.0, 1.2))
        actual = Value(text=f"{got}{unit}", value=got, unit=unit)
        achieved = got >= n
    elif kind == "percent":
        t = _d(rng.choice((low, high, round(rng.uniform(low, high)))), 0)
        op = ">=" if t < 100 else rng.choice(("=", None))
        sign = {">=": "≥", "=": "=", None: ""}[op]
        target = Value(text=f"{sign}{t}%", op=op, value=float(t), unit="%")
        if op == ">=":
            latex = f"$\\geq {t}\\%$"
        a = _d(rng.uniform(float(t) - 8, float(t) - 0.5), 1) if miss else _d(rng.uniform(float(t), 100), 1)
        a = min(a, Decimal(100))
        actual = Value(text=f"{_pct(a)}%", value=float(_pct(a)), unit="%")
        achieved = a >= t
    elif kind == "money":
        t = _d(rng.uniform(low, high), 2)
        target = Value(text=f"≤{_wan(t)}万元", op="<=", value=_yuan(t), unit="元")
        a = _d(float(t) * (rng.uniform(1.02, 1.15) if miss else rng.uniform(0.85, 1.0)), 2)
        actual = Value(text=f"{_wan(a)}万元", value=_yuan(a), unit="元")
        achieved = a <= t
    elif kind == "days":
        n = int(rng.uniform(low, high))
        target = Value(text=f"≤{n}天", op="<=", value=n, unit="天")
        got = n + rng.randint(5, 30) if miss else n - rng.randint(0, n // 4)
        actual = Value(text=f"{got}天", value=got, unit="天")
        achieved = got <= n
    else:
        word = rng.choice(vocab.QUALITATIVE_TARGETS)
        target = Value(text=word, qualitative=word)
        got = rng.choice(vocab.QUALITATIVE_MISSES) if miss else word
        actual = Value(text=got, qualitative=got)
        achieved = not miss
    score = weight if achieved else _d(weight * Decimal(rng.choice(("0.5", "0.6", "0.8"))), 1)
    return _Ind(level1, level2, name, target, actual, weight, score, achieved, latex)


def _pick_indicators(rng: random.Random, total_weight: int) -> list[_Ind]:
    groups = list(vocab.INDICATORS)
    chosen: list[tuple[str, str, tuple]] = []
    for level1 in ("产出指标", "效益指标", "满意度指标"):
        mine = [g for g in groups if g[0] == level1]
        for g in rng.sample(mine, k=min(len(mine), rng.randint(1, 3 if level1 == "产出指标" else 2))):
            for spec in rng.sample(vocab.INDICATORS[g], k=rng.randint(1, min(2, len(vocab.INDICATORS[g])))):
                chosen.append((g[0], g[1], spec))
    n = len(chosen)
    base = total_weight // n
    weights = [Decimal(base)] * n
    weights[0] += total_weight - base * n
    return [_indicator(rng, l1, l2, spec, w) for (l1, l2, spec), w in zip(chosen, weights, strict=True)]


def _flag_score_over_weight(b: _Build, victim: _Ind) -> None:
    keys = next(rec["keys"] for rec in b.indicators if rec["ind"] is victim)
    b.flag("score_exceeds_weight", keys["weight"], keys["score"])


def _grade(score: Decimal) -> str:
    return "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"


# --- tables -----------------------------------------------------------------------------


def _indicator_rows(b: _Build, inds: list[_Ind], *, with_actual: bool, unit_column: bool, subject: str | None) -> tuple[list[list[Piece]], set]:
    """Header + one row per indicator; 一级/二级 cells merged down."""
    pick = b.rng.choice
    header: list[Piece] = ["一级指标", "二级指标", pick(HEADER_WORDS["name"])]
    if unit_column:
        header += [pick(HEADER_WORDS["nature"]), pick(HEADER_WORDS["target"]), pick(HEADER_WORDS["unit"])]
    else:
        header += [pick(HEADER_WORDS["target"])]
    if with_actual:
        header += [pick(HEADER_WORDS["actual"]), pick(HEADER_WORDS["weight"]), pick(HEADER_WORDS["score"]), pick(HEADER_WORDS["deviation"])]
    rows: list[list[Piece]] = [header]
    merged: set[tuple[int, int]] = set()
    prev: tuple[str, str] | None = None
    for ind in inds:
        r = len(rows)
        if prev and prev[0] == ind.level1:
            merged.add((r, 0))
            if prev[1] == ind.level2:
                merged.add((r, 1))
        prev = (ind.level1, ind.level2)
        name_k, t_k = b.key("i"), b.key("t")
        row: list[Piece] = [ind.level1, ind.level2, Mark(ind.name, "INDICATOR", name_k, {"level1": ind.level1, "level2": ind.level2})]
        tv = ind.target
        if unit_column and tv.value is not None and tv.unit:
            # the value cell holds the bare number, the operator and the unit have their own cells
            shown_unit = "万元" if tv.unit == "元" else tv.unit
            number = tv.value / 10_000 if tv.unit == "元" else tv.value
            num_text = _num_text(number)
            nature = {">=": "≥", "<=": "≤", "=": "＝", None: ""}[tv.op]
            row += [nature, Mark(num_text, "TARGET", t_k, {"value": tv.model_dump(), "unit_text": shown_unit}), shown_unit]
        elif unit_column:  # a qualitative target: no operator, no unit
            row += ["定性", Mark(tv.text, "TARGET", t_k, {"value": tv.model_dump()}), ""]
        else:
            row.append(Mark(tv.text, "TARGET", t_k, {"value": tv.model_dump()}, latex=ind.target_latex))
        b.relations.append((name_k, t_k, "target"))
        keys = {"name": name_k, "target": t_k}
        if with_actual:
            a_k, w_k, s_k = b.key("a"), b.key("w"), b.key("s")
            av = ind.actual
            a_attrs: dict[str, Any] = {"value": av.model_dump()}
            if unit_column and av.value is not None and av.unit:
                a_text = _num_text(av.value / 10_000 if av.unit == "元" else av.value)
                a_attrs["unit_text"] = "万元" if av.unit == "元" else av.unit
            else:
                a_text = av.text
            row += [
                Mark(a_text, "ACTUAL", a_k, a_attrs),
                Mark(_num_text(ind.weight), "WEIGHT", w_k, {"number": float(ind.weight)}),
                Mark(_num_text(ind.score), "SCORE", s_k, {"number": float(ind.score)}),
                "" if ind.achieved else "受客观因素影响未完全达到预期",
            ]
            b.relations += [(name_k, a_k, "actual"), (name_k, w_k, "weight"), (name_k, s_k, "score")]
            keys.update(actual=a_k, weight=w_k, score=s_k)
        rows.append(row)
        b.indicators.append({"ind": ind, "keys": keys, "subject": subject, "with_actual": with_actual})
    return rows, merged


def _num_text(x: float | Decimal) -> str:
    d = Decimal(str(x))
    return str(d.quantize(Decimal(1))) if d == d.to_integral() else format(d.normalize(), "f")


def _money_table(b: _Build, *, budget: dict[str, Decimal], adjusted: dict[str, Decimal], actual: dict[str, Decimal],
                 subject: str | None, items: list[tuple[str, str, str]], exec_weight: Decimal, exec_score: Decimal,
                 rate_text: str) -> list[list[Piece]]:  # fmt: skip
    pick = b.rng.choice
    rows: list[list[Piece]] = [[
        pick(("资金情况（万元）", "项目资金（万元）", "资金投入情况（万元）")), pick(("年初预算数", "年初预算数(A)")),
        pick(("全年预算数", "调整后预算数", "全年预算数(A)")), pick(("全年执行数", "全年执行数(B)", "预算执行数")),
        pick(HEADER_WORDS["weight"]), pick(("执行率", "执行率(B/A)", "预算执行率")), pick(HEADER_WORDS["score"]),
    ]]  # fmt: skip
    for key, label, item in items:
        row: list[Piece] = [label]
        for stage, values in (("budget_initial", budget), ("budget_adjusted", adjusted), ("actual", actual)):
            row.append(
                b.money(values[key], stage=stage, flow="expenditure", item=item, item_text=label.removeprefix("其中："),
                        subject=subject, suffix="")  # fmt: skip
            )
        if item == "total":
            w_k = b.key("w")
            row += [Mark(_num_text(exec_weight), "WEIGHT", w_k, {"number": float(exec_weight)}), rate_text, _num_text(exec_score)]
        else:
            row += ["", "", ""]
        rows.append(row)
    return rows


# --- document kinds ---------------------------------------------------------------------


@dataclass
class _Facts:
    unit: str
    year: int
    project: str
    project_wan: int


def _place(rng: random.Random) -> str:
    return "".join(rng.sample(vocab.PLACE_SYLLABLES, 2)) + rng.choice(vocab.PLACE_SUFFIXES)


def _budget(rng: random.Random, size: float) -> dict[str, dict[str, Decimal]]:
    basic = _d(rng.uniform(0.5, 0.85) * size, 2)
    project = _d(rng.uniform(0.15, 0.5) * size, 2)
    adj_basic = _d(float(basic) * rng.uniform(1.0, 1.08), 2)
    adj_project = _d(float(project) * rng.uniform(0.9, 1.3), 2)
    act_basic = _d(float(adj_basic) * rng.uniform(0.9, 1.0), 2)
    act_project = _d(float(adj_project) * rng.uniform(0.7, 1.0), 2)
    out = {
        "budget_initial": {"basic": basic, "project": project},
        "budget_adjusted": {"basic": adj_basic, "project": adj_project},
        "actual": {"basic": act_basic, "project": act_project},
    }
    for v in out.values():
        v["total"] = v["basic"] + v["project"]
    return out


def _rate(actual: Decimal, budget: Decimal) -> Decimal:
    return _d(actual / budget * 100, 2) if budget else Decimal(0)


def _overall_self_eval(b: _Build, f: _Facts) -> None:
    rng = b.rng
    money = _budget(rng, rng.uniform(150, 3000))
    bi, ba, ac = money["budget_initial"], money["budget_adjusted"], money["actual"]
    inject = rng.random() < INJECT_PROBABILITY
    inject_code = rng.choice(tuple(FLAG_CODES)) if inject else None
    b.p(b.unit(f.unit), "部门")
    b.p(b.year(f.year), "整体支出绩效自评报告")
    b.p("根据财政部门关于开展绩效自评工作的通知要求，遵循“真实性、准确性、合理性”的原则，对", b.unit(f.unit), b.year(f.year),
        "整体支出情况实施了绩效自评价，形成本评价报告。")  # fmt: skip
    b.h(1, "unit_overview", "一、部门基本情况")
    b.h(2, "unit_overview", "（一）部门概况")
    for i, fn in enumerate(rng.sample(vocab.FUNCTIONS, 3), 1):
        b.p(f"{i}、{fn}。")
    b.p(f"组织机构：本部门共有在职人员{rng.randint(5, 80)}名，内设机构{rng.randint(2, 9)}个。")
    b.h(2, "budget_execution", "（二）部门收支预决算情况")
    basic_wan = bi["basic"]
    basic_key = "s:basic:budget_initial"
    if inject_code == "parts_sum_mismatch":
        basic_wan = bi["basic"] + _d(rng.uniform(1, 20), 2)
    basic_mark = b.money(basic_wan, stage="budget_initial", flow="expenditure", item="basic", item_text="基本支出", fact=basic_key)
    total_mark = b.money(bi["total"], stage="budget_initial", flow="expenditure", item="total", item_text="预算总支出")
    b.p(b.year(f.year), "部门年初预算总收入",
        b.money(bi["total"], stage="budget_initial", flow="income", item="total", item_text="预算总收入"),
        "，预算总支出为", total_mark, "，其中基本支出", basic_mark, "，项目支出",
        b.money(bi["project"], stage="budget_initial", flow="expenditure", item="project", item_text="项目支出"),
        "。全年调整后预算为",
        b.money(ba["total"], stage="budget_adjusted", flow="expenditure", item="total", item_text="调整后预算"),
        "，实际总支出为",
        b.money(ac["total"], stage="actual", flow="expenditure", item="total", item_text="总支出", fact="s:total:actual_prose"),
        "。")  # fmt: skip
    if inject_code == "parts_sum_mismatch":
        b.flag("parts_sum_mismatch", total_mark.key, basic_mark.key)
    rate = _rate(ac["total"], ba["total"])
    stated = rate + _d(rng.uniform(3, 9), 2) if inject_code == "execution_rate_mismatch" else rate
    rate_k = b.key("r")
    rate_mark = Mark(f"{_pct(stated)}%", "RATE", rate_k, {"value": float(_pct(stated)), "of": "预算执行率"})
    b.p("全年预算执行率为", rate_mark, "。")
    if inject_code == "execution_rate_mismatch":
        b.flag("execution_rate_mismatch", rate_k)
    b.h(2, "performance_targets", "（三）部门整体支出绩效目标")
    b.p("围绕部门职责，做好各项业务工作，保障机构正常运转，提升公共服务水平。")
    target_sentences_at = len(b.blocks)  # 绩效指标：… sentences, filled once the indicators exist
    b.h(1, "evaluation_process", "二、自评工作开展情况")
    b.p("成立绩效评价工作小组，制定评价方案，收集整理相关数据和资料，对照绩效目标逐项开展自评。")

    exec_weight = Decimal(10)
    exec_score = min(exec_weight, _d(rate / 10, 2))
    inds = _pick_indicators(rng, 90)
    if inject_code == "score_exceeds_weight":
        victim = rng.choice(inds)
        victim.score = victim.weight + rng.choice((Decimal(2), Decimal(5)))
    total_score = exec_score + sum(i.score for i in inds)
    b.h(1, "target_achievement", "三、部门整体支出绩效目标实现情况及指标分析")
    b.h(2, "target_achievement", "（一）分项绩效目标实现情况")
    prose_inds = rng.sample(inds, k=min(3, len(inds)))
    b.blocks.append(Paragraph([]))  # placeholder replaced below, once the table rows give the keys
    prose_at = len(b.blocks) - 1

    b.h(1, "conclusion", "四、评价结论和评价等级")
    score_k, grade_k = b.key("s"), b.key("g")
    grade = _grade(total_score)
    if inject_code == "grade_score_mismatch":
        grade = {"优": "中", "良": "优", "中": "优", "差": "良"}[grade]
        b.flag("grade_score_mismatch", score_k, grade_k)
    b.p("经综合评价，本部门", b.year(f.year), "整体支出绩效自评得分为",
        Mark(f"{_num_text(total_score)}分", "SCORE", score_k, {"number": float(total_score), "evaluation": True}),
        "，评价等级为“", Mark(grade, "GRADE", grade_k, {"grade": grade}), "”。")  # fmt: skip
    b.evaluation = {"score": float(total_score), "grade": grade, "keys": [score_k, grade_k]}
    b.h(1, "problems", "五、存在的问题")
    for i, pr in enumerate(rng.sample(vocab.PROBLEMS, 2), 1):
        b.p(f"{i}.{pr}。")
    b.h(1, "improvements", "六、改进措施和建议")
    for i, im in enumerate(rng.sample(vocab.IMPROVEMENTS, 2), 1):
        b.p(f"{i}.{im}。")

    b.h(1, "appendix_table", "附表：部门整体支出绩效自评表")
    money_rows = _money_table(
        b, budget=bi, adjusted=ba, actual=ac, subject=None,
        items=[("total", "年度资金总额", "total"), ("basic", "其中：基本支出", "basic"), ("project", "项目支出", "project")],
        exec_weight=exec_weight, exec_score=exec_score, rate_text=f"{_pct(rate)}%",
    )  # fmt: skip
    ind_rows, merged = _indicator_rows(b, inds, with_actual=True, unit_column=rng.random() < 0.3, subject=None)
    if inject_code == "score_exceeds_weight":
        _flag_score_over_weight(b, victim)
    offset = len(money_rows)
    merged = {(r + offset, c) for r, c in merged}
    rows = money_rows + ind_rows + [["总分", "", "", "", "", "", Mark(_num_text(total_score), "SCORE", b.key("s"), {"number": float(total_score), "evaluation": True})]]
    width = max(len(r) for r in rows)
    rows = [list(r) + [""] * (width - len(r)) for r in rows]
    b.blocks.append(Table(rows, merged, title="单位：万元"))
    # prose about some indicators, mentioning the same facts as the table
    pieces: list[Piece] = []
    for ind in prose_inds:
        rec = next(x for x in b.indicators if x["ind"] is ind)
        n_k, t_k, a_k = b.key("i"), b.key("t"), b.key("a")
        rec.setdefault("prose_keys", []).extend([n_k, t_k, a_k])
        t_text, t_value = _target_phrase(rng, ind.target)
        name = Mark(ind.name, "INDICATOR", n_k, {"level1": ind.level1, "level2": ind.level2})
        target = Mark(t_text, "TARGET", t_k, {"value": t_value.model_dump()},
                      latex=ind.target_latex if t_text == ind.target.text else None)
        actual = Mark(ind.actual.text, "ACTUAL", a_k, {"value": ind.actual.model_dump()})
        pieces += rng.choice((
            [name, "目标值为", target, "，实际完成", actual],
            [name, "年初目标", target, "，全年实际完成", actual],
            ["在", name, "方面，计划", target, "，实际", actual],
        ))  # fmt: skip
        pieces.append("，" if ind.achieved else "，未完全达到目标；")
        b.relations += [(n_k, t_k, "target"), (n_k, a_k, "actual")]
    pieces.append("各项工作按计划推进。")
    b.blocks[prose_at] = Paragraph(pieces)
    stated: list[Paragraph] = []
    for ind in rng.sample(inds, k=min(2, len(inds))):
        rec = next(x for x in b.indicators if x["ind"] is ind)
        n_k, t_k = b.key("i"), b.key("t")
        rec.setdefault("prose_keys", []).extend([n_k, t_k, ""])
        t_text, t_value = _target_phrase(rng, ind.target)
        stated.append(Paragraph([
            "绩效指标：", Mark(ind.name, "INDICATOR", n_k, {"level1": ind.level1, "level2": ind.level2}),
            rng.choice(("", "目标")), Mark(t_text, "TARGET", t_k, {"value": t_value.model_dump()}), "。",
        ]))  # fmt: skip
        b.relations.append((n_k, t_k, "target"))
    b.blocks[target_sentences_at:target_sentences_at] = stated
    if rng.random() < 0.5:
        b.h(1, "signatures", "七、评价工作组人员名单")
        sign_rows: list[list[Piece]] = [["姓名", "工作单位", "职务", "签字"]]
        for _ in range(rng.randint(3, 6)):
            person = rng.choice(vocab.SIGNERS_FAMILY) + rng.choice(vocab.SIGNERS_GIVEN)
            sign_rows.append([person, f.unit[3:], rng.choice(vocab.POSTS), ""])
        b.blocks.append(Table(sign_rows))


def _project_self_eval(b: _Build, f: _Facts) -> None:
    rng = b.rng
    size = Decimal(f.project_wan) * _d(rng.uniform(0.6, 1.6), 2)
    budget = {"total": _d(size, 2)}
    budget["fiscal"] = _d(budget["total"] * _d(rng.uniform(0.6, 1.0), 2), 2)
    budget["other"] = budget["total"] - budget["fiscal"]
    adjusted = {k: v for k, v in budget.items()}
    actual = {k: _d(v * _d(rng.uniform(0.75, 1.0), 2), 2) for k, v in budget.items() if k != "total"}
    actual["total"] = actual["fiscal"] + actual["other"]
    rate = _rate(actual["total"], adjusted["total"])
    inject_code = rng.choice(("score_exceeds_weight", "grade_score_mismatch")) if rng.random() < INJECT_PROBABILITY else None
    exec_weight = Decimal(10)
    exec_score = min(exec_weight, _d(rate / 10, 2))
    inds = _pick_indicators(rng, 90)
    if inject_code == "score_exceeds_weight":
        victim = rng.choice(inds)
        victim.score = victim.weight + Decimal(3)
    total = exec_score + sum(i.score for i in inds)
    grade = _grade(total)
    b.p(b.year(f.year), "项目支出绩效自评表")
    b.h(1, "appendix_table", "项目支出绩效自评表")
    head_rows: list[list[Piece]] = [
        ["项目名称", Mark(f.project, "PROJECT", b.key("p")), "", "", "", "", ""],
        ["主管部门", b.unit(f.unit), "", "实施单位", f.unit, "", ""],
    ]
    money_rows = _money_table(
        b, budget=budget, adjusted=adjusted, actual=actual, subject=f.project,
        items=[("total", "年度资金总额", "total"), ("fiscal", "其中：财政拨款", "other"), ("other", "其他资金", "other")],
        exec_weight=exec_weight, exec_score=exec_score, rate_text=f"{_pct(rate)}%",
    )  # fmt: skip
    ind_rows, merged = _indicator_rows(b, inds, with_actual=True, unit_column=rng.random() < 0.4, subject=f.project)
    if inject_code == "score_exceeds_weight":
        _flag_score_over_weight(b, victim)
    offset = len(head_rows) + len(money_rows) + 1
    goal = [["年度总体目标", "预期目标：按计划完成项目建设任务", "", "", "实际完成情况：已按计划完成", "", ""]]
    merged = {(r + offset, c) for r, c in merged}
    score_k, grade_k = b.key("s"), b.key("g")
    if inject_code == "grade_score_mismatch":
        grade = {"优": "良", "良": "优", "中": "良", "差": "中"}[grade]
        b.flag("grade_score_mismatch", score_k, grade_k)
    rows = head_rows + money_rows + goal + ind_rows + [
        ["总分", "", "", "", "", "", Mark(_num_text(total), "SCORE", score_k, {"number": float(total), "evaluation": True})],
        ["评价等级", Mark(grade, "GRADE", grade_k, {"grade": grade}), "", "", "", "", ""],
    ]
    width = max(len(r) for r in rows)
    rows = [list(r) + [""] * (width - len(r)) for r in rows]
    b.blocks.append(Table(rows, merged, title=f"（{f.year}年度）"))
    b.evaluation = {"score": float(total), "grade": grade, "keys": [score_k, grade_k]}
    # the project's amounts carry their item names for the gold: 财政拨款 → other
    b.p("填报说明：资金单位为万元。")


def _target_table(b: _Build, f: _Facts) -> None:
    rng = b.rng
    total = _d(Decimal(f.project_wan) * _d(rng.uniform(0.6, 1.6), 2), 2)
    fiscal = _d(total * _d(rng.uniform(0.6, 1.0), 2), 2)
    b.p(b.year(f.year), "项目绩效目标表")
    b.h(1, "appendix_table", "项目绩效目标表")
    rows: list[list[Piece]] = [
        ["项目名称", Mark(f.project, "PROJECT", b.key("p")), "", ""],
        ["主管部门", b.unit(f.unit), "", ""],
        ["资金情况（万元）", "年初预算数", "", ""],
        ["年度资金总额", b.money(total, stage="budget_initial", flow="expenditure", item="total", item_text="年度资金总额", subject=f.project, suffix=""), "", ""],
        ["其中：财政拨款", b.money(fiscal, stage="budget_initial", flow="expenditure", item="other", item_text="财政拨款", subject=f.project, suffix=""), "", ""],
        ["年度绩效目标", "按计划完成项目各项任务，服务对象满意度达到预期", "", ""],
    ]  # fmt: skip
    inds = _pick_indicators(rng, 90)
    ind_rows, merged = _indicator_rows(b, inds, with_actual=False, unit_column=rng.random() < 0.4, subject=f.project)
    offset = len(rows)
    merged = {(r + offset, c) for r, c in merged}
    rows = rows + ind_rows
    width = max(len(r) for r in rows)
    rows = [list(r) + [""] * (width - len(r)) for r in rows]
    b.blocks.append(Table(rows, merged, title=f"（{f.year}年度）"))


def _final_accounts(b: _Build, f: _Facts) -> None:
    rng = b.rng
    money = _budget(rng, rng.uniform(150, 3000))
    ac, bi, ba = money["actual"], money["budget_initial"], money["budget_adjusted"]
    total = ac["total"]
    fiscal = _d(total * _d(rng.uniform(0.85, 1.0), 2), 2)
    other_income = total - fiscal
    last = _d(float(total) * rng.uniform(0.8, 1.2), 2)
    delta = abs(total - last)
    up = total >= last
    personnel = _d(ac["basic"] * _d(rng.uniform(0.75, 0.92), 2), 2)
    public = ac["basic"] - personnel
    three = [_d(rng.uniform(0, 1.5), 2) if rng.random() < 0.3 else Decimal("0.00"), _d(rng.uniform(0, 8), 2), _d(rng.uniform(0, 3), 2)]
    three_total = sum(three)
    inject_code = "parts_sum_mismatch" if rng.random() < INJECT_PROBABILITY else None
    b.p(b.unit(f.unit), b.year(f.year), "部门决算说明")
    b.h(1, "unit_overview", "第一部分 部门概况")
    b.h(2, "unit_overview", "一、部门职责")
    for i, fn in enumerate(rng.sample(vocab.FUNCTIONS, 3), 1):
        b.p(f"{i}.{fn}。")
    b.h(2, "unit_overview", "二、机构设置")
    b.p(f"本部门下属二级预算单位{rng.randint(0, 4)}个。")
    b.h(1, "budget_execution", "第二部分 ", b.year(f.year), "部门决算情况说明")
    b.h(2, "budget_execution", "一、收入支出决算总体情况说明")
    b.p(b.year(f.year), "收入、支出总计均为",
        b.money(total, stage="actual", flow="both", item="total", item_text="收入、支出总计"),
        f"。与{f.year - 1}年度相比，收入、支出总计各{'增加' if up else '减少'}",
        b.money(delta, stage="unspecified", flow="both", item="total", item_text="收入、支出总计", delta=True),
        f"，{'增长' if up else '下降'}{_pct(_d(delta / last * 100, 2))}%。")  # fmt: skip
    b.h(2, "budget_execution", "二、收入决算情况说明")
    b.p(b.year(f.year), "本年收入合计",
        b.money(total, stage="actual", flow="income", item="total", item_text="本年收入合计"),
        "，其中：财政拨款收入",
        b.money(fiscal, stage="actual", flow="income", item="other", item_text="财政拨款收入"),
        f"，占{_pct(_d(fiscal / total * 100, 2))}%；其他收入",
        b.money(other_income, stage="actual", flow="income", item="other", item_text="其他收入"),
        f"，占{_pct(_d(other_income / total * 100, 2))}%。")  # fmt: skip
    if rng.random() < 0.5:  # the residue of a chart: its unit and its numbers, one per line (not annotated)
        b.p("单位（万元）")
        for x in (fiscal, other_income):
            b.p(_wan(x))
    b.h(2, "budget_execution", "三、支出决算情况说明")
    basic_shown = ac["basic"] + (_d(rng.uniform(1, 15), 2) if inject_code else 0)
    total_mark = b.money(total, stage="actual", flow="expenditure", item="total", item_text="本年支出合计")
    basic_mark = b.money(basic_shown, stage="actual", flow="expenditure", item="basic", item_text="基本支出")
    b.p(b.year(f.year), "本年支出合计", total_mark, "，其中：基本支出", basic_mark,
        f"，占{_pct(_d(basic_shown / total * 100, 2))}%；项目支出",
        b.money(ac["project"], stage="actual", flow="expenditure", item="project", item_text="项目支出"),
        f"，占{_pct(_d(ac['project'] / total * 100, 2))}%。")  # fmt: skip
    if inject_code:
        b.flag("parts_sum_mismatch", total_mark.key, basic_mark.key)
    b.h(2, "budget_execution", "四、一般公共预算财政拨款基本支出决算情况说明")
    b.p(b.year(f.year), "一般公共预算财政拨款基本支出",
        b.money(ac["basic"], stage="actual", flow="expenditure", item="basic", item_text="基本支出"), "，其中：人员经费",
        b.money(personnel, stage="actual", flow="expenditure", item="personnel", item_text="人员经费"),
        "，主要包括基本工资、津贴补贴、奖金等；公用经费",
        b.money(public, stage="actual", flow="expenditure", item="public", item_text="公用经费"),
        "，主要包括办公费、印刷费、水电费等。")  # fmt: skip
    b.h(2, "budget_execution", "五、财政拨款“三公”经费支出决算情况说明")
    b.p(b.year(f.year), "“三公”经费财政拨款支出决算为",
        b.money(three_total, stage="actual", flow="expenditure", item="three_public", item_text="“三公”经费"),
        "，其中：因公出国（境）费",
        b.money(three[0], stage="actual", flow="expenditure", item="three_public", item_text="因公出国（境）费"),
        "，公务用车购置及运行维护费",
        b.money(three[1], stage="actual", flow="expenditure", item="three_public", item_text="公务用车购置及运行维护费"),
        "，公务接待费",
        b.money(three[2], stage="actual", flow="expenditure", item="three_public", item_text="公务接待费"), "。")  # fmt: skip
    b.h(2, "budget_execution", "六、支出决算表")
    rows: list[list[Piece]] = [["项目", "年初预算数", "调整后预算数", "决算数"]]
    for item, label in (("total", "合计"), ("basic", "基本支出"), ("project", "项目支出")):
        row: list[Piece] = [label]
        for stage, values in (("budget_initial", bi), ("budget_adjusted", ba), ("actual", ac)):
            row.append(b.money(values[item], stage=stage, flow="expenditure", item=item, item_text=label, suffix=""))
        rows.append(row)
    b.blocks.append(Table(rows, title="单位：万元"))
    b.h(1, "glossary", "第三部分 名词解释")
    b.p("基本支出：指为保障机构正常运转、完成日常工作任务而发生的人员经费和公用经费。")


BUILDERS = {
    "overall_self_eval": _overall_self_eval,
    "project_self_eval": _project_self_eval,
    "target_table": _target_table,
    "final_accounts": _final_accounts,
}


# --- assembly ---------------------------------------------------------------------------


def generate_one(index: int, *, seed: int = 0, kind: str | None = None, size: str = "short") -> SynthDoc:
    """The `index`-th document of the stream for `seed` (deterministic).

    `size`: "short" (one of each part, 0.8–4 KB of text) or "report" (a full-length report,
    6.5–45 KB, median ≈ 15 KB like the real ones: `pipeline.synth.report`).
    """
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose among {', '.join(SIZES)}")
    rng = random.Random(f"jixiao-synth/{seed}/{index}")
    kind = kind or rng.choice(DOC_KINDS)
    project, project_wan = rng.choice(vocab.PROJECTS)
    facts = _Facts(unit=_place(rng) + rng.choice(vocab.ORGS), year=rng.randint(2019, 2026), project=project, project_wan=project_wan)
    b = _Build(rng=rng)
    BUILDERS[kind](b, facts)
    if size == "report":
        from pipeline.synth.report import lengthen  # it builds on this module's parts

        lengthen(b, facts, kind)
    style = Style.sample(rng)
    text, spans, sections = render_text(b.blocks, rng=rng, style=style)
    name = f"synth_{seed}_{index:06d}"
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    by_key = {s.key: s for s in spans}

    def ev(keys: list[str]) -> list[dict[str, int]]:
        return [{"start": by_key[k].start, "end": by_key[k].end} for k in keys if k in by_key]

    amounts = []
    for a in b.amounts.values():
        first = by_key[a["keys"][0]]
        amounts.append({
            "value_yuan": a["value_yuan"], "raw": text[first.start : first.end], "stage": a["stage"], "flow": a["flow"],
            "item": a["item"], "item_text": a["item_text"], "subject": a["subject"], "start": first.start,
            "end": first.end, "evidence": ev(a["keys"]), "confidence": 1.0,
        })  # fmt: skip
    indicators = []
    for rec in b.indicators:
        ind: _Ind = rec["ind"]
        keys = rec["keys"]
        indicators.append({
            "name": ind.name, "level1": ind.level1, "level2": ind.level2, "target": ind.target.model_dump(),
            "actual": ind.actual.model_dump() if rec["with_actual"] else None,
            "weight": float(ind.weight) if rec["with_actual"] else None,
            "score": float(ind.score) if rec["with_actual"] else None,
            "achieved": ind.achieved if rec["with_actual"] else None, "subject": rec["subject"],
            "evidence": ev([keys["name"], *rec.get("prose_keys", [])[::3]]), "confidence": 1.0,
        })  # fmt: skip
    gold = {
        "doc_id": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "source": {"path": f"{name}.txt", "format": "txt", "pages": None, "ocr": False, "size_bytes": len(text.encode("utf-8"))},
        "doc_kind": kind,
        "unit_name": facts.unit,
        "fiscal_year": facts.year,
        "text": text,
        "sections": [
            {"title": text[s.start : s.title_end], "label": s.label, "confidence": 1.0, "start": s.start, "end": s.end, "level": s.level}
            for s in sections
        ],
        "amounts": amounts,
        "indicators": indicators,
        "evaluation": {"score": b.evaluation["score"], "grade": b.evaluation["grade"], "confidence": 1.0, "evidence": ev(b.evaluation["keys"])},
        "flags": [
            {"code": fl["code"], "severity": fl["severity"], "message": fl["message"], "evidence": ev(fl["keys"])}
            for fl in b.flags
        ],
    }  # fmt: skip
    doc_name = f"synth/{name}.txt"
    ids = {s.key: f"e{i}" for i, s in enumerate(spans, 1)}
    entities = AnnotationFile.model_construct(
        format="jixiao.annotations/1", doc_sha256=sha, doc_name=doc_name, layer="entities", annotator="synth",
        created=CREATED, sections=[],
        entities=[
            AnnSpan.model_construct(id=ids[s.key], start=s.start, end=s.end, label=s.label,
                                    quote=quote_hash(text[s.start : s.end]), attrs=s.attrs)
            for s in spans
        ],
        relations=[AnnRelation.model_construct(head=ids[h], tail=ids[t], label=lab) for h, t, lab in b.relations if h in ids and t in ids],
        doc_facts={"unit_name": facts.unit, "fiscal_year": facts.year, "doc_kind": kind,
                   "evaluation_score": b.evaluation["score"], "evaluation_grade": b.evaluation["grade"]},
    )  # fmt: skip
    section_ann = AnnotationFile.model_construct(
        format="jixiao.annotations/1", doc_sha256=sha, doc_name=doc_name, layer="sections", annotator="synth",
        created=CREATED, entities=[], relations=[], doc_facts={},
        sections=[
            AnnSection.model_construct(start=s.start, title_end=s.title_end, end=s.end, label=s.label, level=s.level,
                                       quote=quote_hash(text[s.start : s.title_end]))
            for s in sections
        ],
    )  # fmt: skip
    return SynthDoc(name, kind, text, b.blocks, gold, entities, section_ann, style)


def generate(n: int, seed: int = 0, *, kinds: tuple[str, ...] | None = None, size: str = "short") -> Iterator[SynthDoc]:
    """`n` synthetic documents, deterministic for `seed`; `kinds` restricts the document kinds;
    `size` is "short" or "report" (full-length reports, see `generate_one`)."""
    for i in range(n):
        kind = kinds[i % len(kinds)] if kinds else None
        yield generate_one(i, seed=seed, kind=kind, size=size)


def plain_blocks(doc: SynthDoc) -> list[tuple[str, Any]]:
    """The blocks as plain content for the format writers: (kind, text or rows, extra)."""
    out: list[tuple[str, Any]] = []
    for blk in doc.blocks:
        if isinstance(blk, Heading):
            out.append(("heading", plain(blk.pieces), blk.level))
        elif isinstance(blk, Paragraph):
            out.append(("paragraph", plain(blk.pieces), None))
        else:
            out.append(("table", [[plain(c) for c in row] for row in blk.rows], (blk.merged, blk.title)))
    return out
