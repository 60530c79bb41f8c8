"""Consistency flags: what the document states that does not add up.

Each check reads the document's own statements (amounts labelled by `money`, rows read by
`rows`, reconciled indicators) and returns `Flag`s with the spans they rest on. Tolerances
come from `configs/normalize.toml` and are named in each message.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from pipeline.extract.numbers import qualitative_words
from pipeline.normalize.money import LabeledAmount, paragraph_bounds
from pipeline.normalize.rows import Row, funding_rows, indicator_rows, score_items, score_totals
from pipeline.normalize.settings import Settings
from pipeline.normalize.values import achieved
from pipeline.schema import Document, Flag, Indicator, Span

CODES = {
    "parts_total_mismatch": "the parts do not add up to their stated total",
    "share_mismatch": "a stated share (占…%) differs from the one its amounts give",
    "rate_mismatch": "a stated execution rate differs from 执行数 / 预算数",
    "growth_rate_mismatch": "a stated change in percent differs from the one its amounts give",
    "score_sum_mismatch": "the items of a score table do not add up to its total",
    "score_above_weight": "a score is above the weight (分值) of its item",
    "achieved_but_missed": "an indicator given full marks whose actual misses its target",
    "indicator_target_conflict": "the same indicator is given different targets",
    "fiscal_year_mismatch": "the report's year is stated differently in different places",
    "unit_mismatch": "the same figure is written in different money units",
    "grade_score_mismatch": "the stated grade does not follow from the stated score",
}

_PCT = r"(?P<pct>[0-9]+(?:\.[0-9]+)?)\s*[%％]"
_GROWTH_AFTER = re.compile(
    rf"^\s*[，,、]?\s*(?:同比|比上年)?\s*(?P<dir>增长|下降|减少|增加|降低|上升|增幅为?|降幅为?)(?:了|为)?\s*{_PCT}"
)
_DECREASE = ("减少", "下降", "降低", "降幅", "节约")


def _span(start: int, end: int) -> Span:
    return Span(start=start, end=end)


def _decimals(s: str) -> int:
    return len(s.split(".")[1]) if "." in s else 0


def _fmt(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".")


def _wan(yuan: float) -> str:
    return _fmt(yuan / 10_000) + "万元"


def _paragraph(text: str, pos: int) -> tuple[int, int]:
    return paragraph_bounds(text, pos)


# --- parts vs total -----------------------------------------------------------------------


def _sum_flag(total: LabeledAmount, parts: list[LabeledAmount], what: str, settings: Settings) -> Flag | None:
    s = sum(p.value_yuan for p in parts)
    unit = total.unit_yuan * 10 ** (-total.decimals)
    tol = settings.tolerance.sum_rounding * unit
    gap = abs(s - total.value_yuan)
    if gap <= tol + 1e-6:
        return None
    rounding = sum(p.half_unit_yuan for p in parts) + total.half_unit_yuan
    severity = "warning" if gap > rounding + 1e-6 else "info"
    names = " + ".join(f"{_part_name(p)}{p.raw}" for p in parts)
    msg = (
        f"{what}: {names} = {_wan(s)}, but the total is {total.raw} (gap {_wan(gap)}; "
        f"tolerance ±{_wan(tol)}, {settings.tolerance.sum_rounding} of the total's last digit"
        + ("; within the rounding of the parts)" if severity == "info" else ")")
    )
    return Flag(
        code="parts_total_mismatch",
        severity=severity,
        message=msg,
        evidence=[_span(total.start, total.end)] + [_span(p.start, p.end) for p in parts],
    )


def _part_name(a: LabeledAmount) -> str:
    """The words that name a part in a message; a bare （项） marker names nothing."""
    name = a.item_text or a.item
    return "" if name.startswith(("（", "(")) or name == "other" else f"{name} "


def _first_after(
    amounts: list[LabeledAmount], i: int, item: str, limit: int, stop_items: tuple[str, ...] = ()
) -> LabeledAmount | None:
    origin = amounts[i]
    for a in amounts[i + 1 :]:
        if a.start - origin.end > limit:
            return None
        if a.delta:
            continue
        if a.item in stop_items and a.value_yuan != origin.value_yuan:
            return None
        if a.item == item and (a.stage == origin.stage or "unspecified" in (a.stage, origin.stage)):
            return a
    return None


def check_parts(doc: Document, amounts: list[LabeledAmount], settings: Settings) -> list[Flag]:
    out: list[Flag] = []
    limit = settings.window.parts_chars
    for i, a in enumerate(amounts):
        if a.delta:
            continue
        if a.item == "basic":
            p = _first_after(amounts, i, "personnel", limit, ("basic",))
            u = _first_after(amounts, i, "public", limit, ("basic",))
            if p and u:
                out.append(_sum_flag(a, [p, u], "人员经费 + 公用经费 vs 基本支出", settings))
        elif a.item == "total" and a.flow in ("expenditure", "both"):
            para_end = _paragraph(doc.text, a.start)[1]
            b = _first_after(amounts, i, "basic", min(limit, para_end - a.end), ("total",))
            pr = _first_after(amounts, i, "project", min(limit, para_end - a.end), ("total",))
            if b and pr and b.start < para_end and pr.start < para_end:
                out.append(_sum_flag(a, [b, pr], "基本支出 + 项目支出 vs 支出合计", settings))
            elif pr and not b:
                p = _first_after(amounts, i, "personnel", min(limit, para_end - a.end), ("total",))
                u = _first_after(amounts, i, "public", min(limit, para_end - a.end), ("total",))
                if p and u:
                    out.append(_sum_flag(a, [p, u, pr], "人员经费 + 公用经费 + 项目支出 vs 支出合计", settings))
        elif a.item == "three_public" and a.stage in ("actual", "unspecified"):
            parts = [_first_after(amounts, i, k, limit, ("three_public",)) for k in
                     ("three_public_trip", "three_public_car", "three_public_reception")]  # fmt: skip
            if all(parts):
                out.append(_sum_flag(a, parts, "“三公”经费的三项 vs “三公”经费合计", settings))
    return [f for f in out if f]


_LIST_OPEN = re.compile(r"其中\s*[：:]\s*$")
_NUMBERED_LINE = re.compile(r"\s*(?:\d{1,2}\s*[.．、]|[（(]\d{1,2}[）)])")
# a partial list (其中 the main items only) sums well below its total: beyond this share of the
# total a shortfall is read as a partial list, not as a contradiction
_PARTIAL_LIST_SHARE = 0.02


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def check_listed_parts(doc: Document, amounts: list[LabeledAmount], settings: Settings) -> list[Flag]:
    """A total whose line ends in 其中：, then numbered lines of one part each (1.…（项）：支出决算为
    A万元): the first amount of each numbered line, summed, against the total."""
    text = doc.text
    out = []
    for i, total in enumerate(amounts):
        end = _line_end(text, total.end)
        if total.delta or total.share is not None or not _LIST_OPEN.search(text, total.end, end):
            continue
        if any(total.end <= a.start < end for a in amounts[i + 1 :]):
            continue  # the line goes on with other amounts: the list is not of this total
        parts, pos = [], end + 1
        while pos < len(text) and _NUMBERED_LINE.match(text, pos):
            end = _line_end(text, pos)
            first = next((a for a in amounts if pos <= a.start < end and not a.delta and a.share is None), None)
            if first is None:
                break
            parts.append(first)
            pos = end + 1
        if len(parts) < 2:
            continue
        shortfall = total.value_yuan - sum(p.value_yuan for p in parts)
        if shortfall > _PARTIAL_LIST_SHARE * total.value_yuan:
            continue
        out.append(_sum_flag(total, parts, "the numbered parts vs their total", settings))
    return [f for f in out if f]


_SOURCE_CLAUSE = re.compile(r"(?:中央|省级?|州级?|市级?|县级?|区级?|本级)(?:财政)?(?:下达|下拨|拨付|安排|配套|补助)")
_SOURCE_TOTAL = re.compile(r"(?:合计|共计|总计|应执行数|总额)[为是达]?\s*$")
_CLAUSE_START = re.compile(r"[^，,；;。：:\n]*$")


def _clause_before(text: str, pos: int) -> str:
    return _CLAUSE_START.search(text, max(0, pos - 40), pos).group(0)


def check_funding_sources(doc: Document, amounts: list[LabeledAmount], settings: Settings) -> list[Flag]:
    """省级下拨 A；市级下拨 B；全年应执行数 T (one paragraph): A + B against T."""
    text = doc.text
    out = []
    parts: list[LabeledAmount] = []
    paragraph = (-1, -1)
    for a in amounts:
        if not paragraph[0] <= a.start < paragraph[1]:
            parts, paragraph = [], _paragraph(text, a.start)
        if a.delta or a.share is not None:
            continue
        clause = _clause_before(text, a.start)
        if _SOURCE_CLAUSE.search(clause):
            parts.append(a)
        elif len(parts) >= 2 and _SOURCE_TOTAL.search(clause):
            out.append(_sum_flag(a, parts, "the amounts by funding source vs their total", settings))
            parts = []
    return [f for f in out if f]


_ITEM_LINE = re.compile(rf"(?:{_NUMBERED_LINE.pattern})?\s*(?P<cls>[\u4e00-\u9fff]{{2,14}}?)(?:支出)?\s*[（(]类[）)]")


def check_class_totals(doc: Document, amounts: list[LabeledAmount], settings: Settings) -> list[Flag]:
    """The 项 lines of a functional class (一般公共服务（类）…（项）：支出决算为A万元), summed,
    against the class's total stated elsewhere (一般公共服务支出160.45万元), same stage."""
    text = doc.text
    lines: dict[str, list[LabeledAmount]] = {}
    on_lines: set[int] = set()
    line_starts: set[int] = set()  # only the first amount of a line is its 项's amount
    for a in amounts:
        start = text.rfind("\n", 0, a.start) + 1
        m = _ITEM_LINE.match(text, start, a.start)
        if not m or a.delta or a.share is not None or "（项）" not in text[start : a.start] and "(项)" not in text[start : a.start]:
            continue
        if start in line_starts:
            continue
        line_starts.add(start)
        lines.setdefault(m.group("cls"), []).append(a)
        on_lines.add(a.start)
    out = []
    for cls, parts in lines.items():
        stages = {p.stage for p in parts} - {"unspecified"}
        named = re.compile(re.escape(cls) + r"(?:支出)?\s*[为是:：]?\s*$")
        total = next(
            (a for a in amounts if a.start not in on_lines and not a.delta and named.search(text, max(0, a.start - 20), a.start)
             and (a.stage == "unspecified" or not stages or a.stage in stages)),
            None,
        )  # fmt: skip
        if total is not None:
            out.append(_sum_flag(total, parts, f"the 项 of {cls}（类） vs the class total", settings))
    return [f for f in out if f]


# --- shares -------------------------------------------------------------------------------

_LIST_HEAD = re.compile(r"^[^。；\n]{0,6}?(?:其中|主要用于|具体|包括)")


def check_shares(doc: Document, amounts: list[LabeledAmount], settings: Settings) -> list[Flag]:
    out = []
    text = doc.text
    for i, a in enumerate(amounts):
        if a.share is None:
            continue
        head = None
        p0, _ = _paragraph(text, a.start)
        for h in reversed(amounts[:i]):
            if h.start < p0:
                break
            if h.share is None and not h.delta and _LIST_HEAD.match(text[h.end : h.end + 20]):
                head = h
                break
        if head is None and "三公" in text[p0 : a.start]:
            head = next(
                (
                    h
                    for h in reversed(amounts[:i])
                    if h.item == "three_public" and h.stage == "actual" and h.share is None and not h.delta
                ),
                None,
            )
        if head is None or head.value_yuan <= 0:
            continue
        computed = a.value_yuan / head.value_yuan * 100
        tol = settings.tolerance.rate_rounding * 10 ** (-a.share_decimals)
        if abs(computed - a.share) > tol + 1e-9:
            out.append(Flag(
                code="share_mismatch",
                severity="warning",
                message=f"{a.raw} is stated as 占{_fmt(a.share)}% of {head.raw}, but {a.raw} / {head.raw} = {computed:.2f}% "
                f"(tolerance ±{_fmt(tol)} percentage points, {settings.tolerance.rate_rounding} of the last written digit)",
                evidence=[_span(a.start, a.end), _span(*a.share_span), _span(head.start, head.end)],
            ))  # fmt: skip
    return out


# --- stated vs computed rates -------------------------------------------------------------


def _rate_flag(stated: float, decimals: int, actual: float, budget: float, spans: list[Span], what: str, settings: Settings,
               *, fmt=_wan) -> Flag | None:  # fmt: skip
    if budget <= 0:
        return None
    computed = actual / budget * 100
    tol = settings.tolerance.rate_rounding * 10 ** (-decimals)
    if abs(computed - stated) <= tol + 1e-9:
        return None
    return Flag(
        code="rate_mismatch",
        severity="warning",
        message=f"{what} is stated as {_fmt(stated)}%, but {fmt(actual)} / {fmt(budget)} = {computed:.2f}% "
        f"(tolerance ±{_fmt(tol)} percentage points, {settings.tolerance.rate_rounding} of the last written digit)",
        evidence=spans,
    )


def check_rates(doc: Document, amounts: list[LabeledAmount], settings: Settings) -> list[Flag]:
    """预算执行率 (and 完成预算的, 资金使用率) in prose against the amounts before it."""
    text = doc.text
    cues = sorted(settings.rate_cues.get("execution", []), key=len, reverse=True)
    pattern = re.compile(rf"(?P<cue>{'|'.join(map(re.escape, cues))})\s*(?:达到|达|为|是)?\s*{_PCT}")
    actual_cues = settings.rate_cues.get("actual", [])
    out = []
    for m in pattern.finditer(text):
        p0, _ = _paragraph(text, m.start())
        prev_p0 = _paragraph(text, max(0, p0 - 2))[0] if p0 > 0 else p0
        before = [a for a in amounts if prev_p0 <= a.start and a.end <= m.start() and not a.delta and a.share is None]
        if len(before) < 2:
            continue
        actual = next(
            (
                a
                for a in reversed(before)
                if a.stage == "actual" and any(c in text[max(0, a.start - 10) : a.start] for c in actual_cues[:-1])
            ),
            None,
        )
        if actual is None:
            actual = next(
                (
                    a
                    for a in reversed(before)
                    if a.stage == "actual" and not re.search("结转|结余", text[max(0, a.start - 8) : a.start])
                ),
                None,
            )
        if actual is None:
            continue
        budget = next((b for b in reversed(before) if b.end <= actual.start and b.stage.startswith("budget")), None)
        if budget is None and "实际支出" in text[max(0, actual.start - 8) : actual.start]:
            k = before.index(actual)
            if k > 0 and before[k - 1].end >= _paragraph(text, actual.start)[0] - 1:
                budget = before[k - 1]
        if budget is None or budget.value_yuan < actual.value_yuan * 0.2:
            continue
        stated = float(m.group("pct"))
        f = _rate_flag(
            stated, _decimals(m.group("pct")), actual.value_yuan, budget.value_yuan,
            [_span(m.start(), m.end()), _span(actual.start, actual.end), _span(budget.start, budget.end)],
            m.group("cue"), settings,
        )  # fmt: skip
        if f:
            out.append(f)
    return out


def check_rate_tables(doc: Document, settings: Settings) -> list[Flag]:
    """Funding rows of self-evaluation tables: 预算数, 执行数 … 执行率 in the columns of the header."""
    out = []
    for row in funding_rows(doc):
        before_rate = list(row.columns)[: list(row.columns).index("执行率")]
        budget_col = next((c for c in reversed(before_rate) if "预算数" in c), None)
        actual_col = next((c for c in before_rate if "执行数" in c), None)
        if budget_col is None or actual_col is None:
            continue
        budget, actual, rate = row.number(budget_col), row.number(actual_col), row.number("执行率")
        if None in (budget, actual, rate):
            continue
        rc = row.columns["执行率"]
        if not rc.text.endswith(("%", "％")):  # a column read out of place, not a rate
            continue
        f = _rate_flag(
            rate, _decimals(rc.text.rstrip("%％")), actual, budget,
            [_span(row.label.start, row.label.end)]
            + [_span(row.columns[c].start, row.columns[c].end) for c in (budget_col, actual_col, "执行率")],
            f"执行率 of the {row.label.text.rstrip(':：')} row", settings, fmt=_fmt,
        )  # fmt: skip
        if f:
            out.append(f)
    return out


# --- growth rates -------------------------------------------------------------------------


def check_growth(doc: Document, amounts: list[LabeledAmount], settings: Settings) -> list[Flag]:
    """增加 D万元，增长 Y%: Y against D / (current − D)."""
    text = doc.text
    out = []
    for i, d in enumerate(amounts):
        if not d.delta or d.value_yuan <= 0:
            continue
        m = _GROWTH_AFTER.match(text[d.end : d.end + 24])
        if not m:
            continue
        p0, _ = _paragraph(text, d.start)
        current = next((a for a in reversed(amounts[:i]) if a.start >= p0 and not a.delta and a.share is None), None)
        if current is None:
            continue
        word = text[max(0, d.start - 4) : d.start]
        down = any(w in word for w in _DECREASE)
        previous = current.value_yuan + d.value_yuan if down else current.value_yuan - d.value_yuan
        if previous <= 0:
            continue
        computed = d.value_yuan / previous * 100
        stated = float(m.group("pct"))
        tol = settings.tolerance.rate_rounding * 10 ** (-_decimals(m.group("pct")))
        if abs(computed - stated) <= tol + 1e-9:
            continue
        out.append(Flag(
            code="growth_rate_mismatch",
            severity="warning",
            message=f"a change of {d.raw} from {_wan(previous)} to {current.raw} is stated as {_fmt(stated)}%, "
            f"but {d.raw} / {_wan(previous)} = {computed:.2f}% (tolerance ±{_fmt(tol)} percentage points)",
            evidence=[_span(current.start, current.end), _span(d.start, d.end), _span(d.end + m.start("pct"), d.end + m.end())],
        ))  # fmt: skip
    return out


# --- scores -------------------------------------------------------------------------------


def check_scores(doc: Document, settings: Settings) -> list[Flag]:
    out = []
    tol = settings.tolerance.score_points
    for total in score_totals(doc):
        items, missing = score_items(doc, total)
        if len(items) < 3:
            continue
        for row in funding_rows(doc):
            scored = row.number("分值") is not None and row.number("得分") is not None
            if scored and row.label.end <= total.cell.start and not any(w is row.columns["分值"] for _, w, _ in items):
                items.append((row.label, row.columns["分值"], row.columns["得分"]))
        weight_sum = sum(w.number for _, w, _ in items if w is not None)
        expected = total.weight.number if total.weight is not None else 100.0
        if abs(weight_sum - expected) > tol:
            # the rows read do not make up the whole table: no sum can be trusted
            continue
        for name, w, s in items:
            if w is not None and s is not None and s.number > w.number + tol:
                out.append(Flag(
                    code="score_above_weight", severity="warning",
                    message=f"{name.text[:30]}: score {s.text} is above its weight {w.text}",
                    evidence=[_span(name.start, name.end), _span(w.start, w.end), _span(s.start, s.end)],
                ))  # fmt: skip
        score_sum = sum(s.number for _, _, s in items if s is not None)
        if total.score is not None and abs(score_sum - total.score.number) > tol:
            note = f"; {missing} item(s) have no score" if missing else ""
            out.append(Flag(
                code="score_sum_mismatch", severity="warning",
                message=f"the {len(items)} items of the score table add up to {_fmt(score_sum)}{note}, "
                f"but {total.cell.text} is {total.score.text} (tolerance ±{_fmt(tol)} points)",
                evidence=[_span(total.cell.start, total.score.end)],
            ))  # fmt: skip
    return out


def check_rows(doc: Document, rows: list[Row]) -> list[Flag]:
    """Indicators given full marks whose actual misses the target."""
    out = []
    for r in rows:
        if r.weight is None or r.score is None or r.score.number < r.weight.number:
            continue
        if achieved(r.target_value, r.actual_value, name=r.name.text) is False:
            out.append(Flag(
                code="achieved_but_missed", severity="warning",
                message=f"{r.name.text[:40]}: full marks ({r.score.text} of {r.weight.text}) but the actual {r.actual.text} "
                f"misses the target {r.target.text}",
                evidence=[_span(r.name.start, r.name.end), _span(r.target.start, r.target.end), _span(r.actual.start, r.actual.end)],
            ))  # fmt: skip
    return out


def check_indicator_scores(indicators: list[Indicator], settings: Settings) -> list[Flag]:
    """Indicators (as the extractors read them) whose score is above their weight."""
    tol = settings.tolerance.score_points
    return [
        Flag(
            code="score_above_weight", severity="warning",
            message=f"{ind.name[:40]}: score {_fmt(ind.score)} is above its weight {_fmt(ind.weight)}",
            evidence=list(ind.evidence),
        )
        for ind in indicators
        if ind.weight is not None and ind.score is not None and ind.score > ind.weight + tol
    ]  # fmt: skip


def check_indicators(indicators: list[Indicator]) -> list[Flag]:
    """The same indicator (name and subject) with different targets."""
    by: dict[tuple, list[Indicator]] = {}
    for ind in indicators:
        t = ind.target
        # a bare number with neither operator nor unit is too weak a reading to contradict another
        # free text read as a target (a remark, another row's name) is too weak to contradict
        known = t is not None and (t.value is not None or t.qualitative in qualitative_words())
        if known and (t.op or t.unit or t.qualitative) and len(ind.name) >= 3:
            by.setdefault((ind.name, ind.subject), []).append(ind)
    out = []
    for (name, _), group in by.items():
        targets = {(g.target.op, g.target.value, g.target.unit, g.target.qualitative) for g in group}
        if len(targets) > 1:
            out.append(Flag(
                code="indicator_target_conflict", severity="warning",
                message=f"{name}: targets differ between mentions ({' vs '.join(g.target.text for g in group)}); kept apart",
                evidence=[e for g in group for e in g.evidence[:1]],
            ))  # fmt: skip
    return out


# --- fiscal year, units -------------------------------------------------------------------


def title_years(doc: Document, settings: Settings) -> list[tuple[int, int, int]]:
    """(year, start, end) of years in report-title phrases (2025年度…自评报告), not inside cited notices."""
    nouns = "|".join(map(re.escape, sorted(settings.facts.get("report_nouns", []), key=len, reverse=True)))
    notice = settings.facts.get("notice_words", [])
    pat = re.compile(rf"(?P<y>(?:19|20)[0-9]{{2}})\s*年度?(?:[)）]|[^。，,；;：:\n《》“”]{{0,30}}?(?:{nouns}))")
    out = []
    text = doc.text
    for m in pat.finditer(text):
        if m.group(0).endswith((")", "）")) and not re.search(r"[（(]\s*$", text[max(0, m.start() - 3) : m.start()]):
            continue
        lo = text.rfind("《", 0, m.start())
        hi = text.rfind("》", 0, m.start())
        if lo > hi:  # inside a cited title
            close = text.find("》", m.start())
            cited = text[lo : close if close > 0 else m.end()]
            if any(w in cited for w in notice):
                continue
        if "关于" in text[max(0, m.start() - 12) : m.start()]:
            continue
        out.append((int(m.group("y")), m.start("y"), m.start("y") + 4))
    return out


def check_fiscal_year(doc: Document, settings: Settings) -> list[Flag]:
    years = title_years(doc, settings)
    counts = Counter(y for y, _, _ in years)
    if len(counts) < 2:
        return []
    return [Flag(
        code="fiscal_year_mismatch", severity="warning",
        message="the report's year is stated as " + " and ".join(f"{y} ({n}×)" for y, n in sorted(counts.items()))
        + " in its title phrases",
        evidence=[_span(s, e) for _, s, e in years],
    )]  # fmt: skip


def check_units(doc: Document, amounts: list[LabeledAmount], settings: Settings) -> list[Flag]:
    """The same digits written as 元 here and 万元 there (174.57元 vs 174.57万元)."""
    by_digits: dict[str, list[LabeledAmount]] = {}
    for a in amounts:
        digits = re.match(r"[0-9.,]+", a.raw)
        if digits and len(digits.group(0).replace(".", "").replace(",", "").lstrip("0")) >= 3:
            by_digits.setdefault(digits.group(0), []).append(a)
    out = []
    for digits, group in by_digits.items():
        units = {a.unit_yuan for a in group}
        if len(units) > 1 and max(units) / min(units) >= settings.tolerance.unit_ratio:
            small = [a for a in group if a.unit_yuan == min(units)]
            large = [a for a in group if a.unit_yuan == max(units)]
            out.append(Flag(
                code="unit_mismatch", severity="warning",
                message=f"{digits} is written as {small[0].raw} here and {large[0].raw} elsewhere, with no stated conversion",
                evidence=[_span(a.start, a.end) for a in small + large[:1]],
            ))  # fmt: skip
    return out


_GRADES = r"(优秀|良好|一般|较差|不合格|合格|优|良|中|差)"
_GE = r"(?:≥|>=|＞=|\\geq|\\ge)"
_LE = r"(?:≤|<=|＜=|\\leq|\\le)"
_SCALE = (
    re.compile(rf"得分\s*\$?\s*{_GE}\s*\$?\s*(?P<lo>[0-9]+(?:\.[0-9]+)?)\s*分?\s*(?:的)?为\s*[“\"]?{_GRADES}"),
    re.compile(
        rf"(?P<lo>[0-9]+(?:\.[0-9]+)?)\s*\$?\s*{_LE}\s*\$?\s*得分\s*\$?\s*[<＜]\s*\$?\s*[0-9.]+\s*分?\s*(?:的)?为\s*[“\"]?{_GRADES}"
    ),
    re.compile(
        rf"(?P<lo>[0-9]+(?:\.[0-9]+)?)\s*分\s*[（(]?含[^）)]*[）)]?\s*(?:以上|及以上)?\s*(?:的)?为\s*[“\"]?{_GRADES}"
    ),
)


def grade_scale(doc: Document, settings: Settings) -> tuple[dict[str, float], bool]:
    """Lowest score per grade: as the document states it, else the default of the settings."""
    stated: dict[str, float] = {}
    for pat in _SCALE:
        for m in pat.finditer(doc.text):
            stated.setdefault(m.group(m.lastindex), float(m.group("lo")))
    return (stated, True) if len(stated) >= 2 else (dict(settings.grade_scale), False)


def check_grade(doc: Document, settings: Settings) -> list[Flag]:
    ev = doc.evaluation
    if ev.score is None or ev.grade is None:
        return []
    scale, stated = grade_scale(doc, settings)
    if ev.grade not in scale:
        return []
    # grades of the same family as the stated one, best first
    family = sorted(((lo, g) for g, lo in scale.items() if (len(g) > 1) == (len(ev.grade) > 1)), reverse=True)
    expected = next((g for lo, g in family if ev.score >= lo), None)
    if expected is None or expected == ev.grade:
        return []
    where = "the scale the document states" if stated else "the usual scale (configs/normalize.toml)"
    return [Flag(
        code="grade_score_mismatch", severity="warning",
        message=f"the grade is stated as {ev.grade} for a score of {_fmt(ev.score)}, but {where} gives {expected}",
        evidence=list(ev.evidence),
    )]  # fmt: skip


def merge(flags: Iterable[Flag]) -> list[Flag]:
    """One flag per code and message; evidence of repeats is kept, in order."""
    out: dict[tuple[str, str], Flag] = {}
    for f in flags:
        key = (f.code, f.message)
        if key in out:
            seen = {(s.start, s.end) for s in out[key].evidence}
            out[key].evidence.extend(s for s in f.evidence if (s.start, s.end) not in seen)
        else:
            out[key] = f
    return list(out.values())


def find_flags(doc: Document, amounts: list[LabeledAmount], indicators: list[Indicator], settings: Settings,
               rows: list[Row] | None = None) -> list[Flag]:  # fmt: skip
    """Every consistency flag of the document, in a stable order."""
    rows = indicator_rows(doc) if rows is None else rows
    flags = [
        *check_fiscal_year(doc, settings),
        *check_parts(doc, amounts, settings),
        *check_listed_parts(doc, amounts, settings),
        *check_class_totals(doc, amounts, settings),
        *check_funding_sources(doc, amounts, settings),
        *check_shares(doc, amounts, settings),
        *check_rates(doc, amounts, settings),
        *check_rate_tables(doc, settings),
        *check_growth(doc, amounts, settings),
        *check_scores(doc, settings),
        *check_rows(doc, rows),
        *check_indicators(indicators),
        *check_indicator_scores(indicators, settings),
        *check_units(doc, amounts, settings),
        *check_grade(doc, settings),
    ]
    return merge(flags)
