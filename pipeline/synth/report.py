"""Full-length reports: a generated document grown to the size of a real one.

The short documents of `pipeline.synth.generator` hold one of each thing a disclosure holds
(0.8–4 KB of text). Real full reports are 7–42 KB (median ≈ 15 KB): more sections of prose,
several projects each with its own table, the budget sections of a final account. `lengthen`
adds those to a document being built, with the same bookkeeping (marks, gold facts,
relations), until the text reaches a length drawn from a distribution like the real one's.
Every added amount and indicator is a gold fact; added prose carries no money and no rates.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace
from decimal import Decimal

from pipeline.synth import vocab
from pipeline.synth.compose import Block, Heading, Mark, Paragraph, Piece, Table, plain
from pipeline.synth.generator import (
    _Build,
    _d,
    _Facts,
    _indicator,
    _indicator_rows,
    _money_table,
    _pct,
    _rate,
)

__all__ = ["REPORT_BYTES", "lengthen", "report_bytes"]

# (low, median, high) of the UTF-8 size of a full report's text, from the real full documents
REPORT_BYTES = (6_500, 15_000, 45_000)
SPREAD = 0.5  # sigma of the log-normal size distribution
# sections whose bodies take extra prose, and the vocabulary each one draws from
FILLABLE = ("unit_overview", "budget_execution", "performance_targets", "evaluation_process",
            "target_achievement", "conclusion", "problems", "improvements", "results_use")  # fmt: skip
OPENERS = ("", "", "", "年内，", "同时，", "此外，", "为此，", "在此基础上，", "按照工作安排，", "从实际情况看，", "总体上，")
CN_NUMBERS = "一二三四五六七八九十"


def report_bytes(rng: random.Random) -> int:
    """A target text size in bytes, log-normal around the real median, clipped to the real range."""
    low, median, high = REPORT_BYTES
    return int(min(high, max(low, rng.lognormvariate(math.log(median), SPREAD))))


def lengthen(b: _Build, f: _Facts, kind: str) -> None:
    """Grow the document being built in `b` into a full-length report of its kind."""
    target = report_bytes(b.rng)
    GROW[kind](b, f, target)
    _fill(b, f, target)


def _size(blocks: list[Block]) -> int:
    n = 0
    for blk in blocks:
        if isinstance(blk, Table):
            n += sum(len(plain(c).encode("utf-8")) + 3 for row in blk.rows for c in row) + len((blk.title or "").encode("utf-8"))
        else:
            n += len(plain(blk.pieces).encode("utf-8")) + 1
    return n


def _paragraph(rng: random.Random, label: str, f: _Facts, *, sentences: tuple[int, int] = (2, 5)) -> Paragraph:
    """Two to five different sentences of the section's vocabulary, some with an opener."""
    pool = vocab.PROSE[label]
    chosen = rng.sample(pool, k=min(len(pool), rng.randint(*sentences)))
    text = "；".join(
        (rng.choice(OPENERS) if not s.startswith("总体") else "")
        + s.format(unit="本单位", project=f.project, year=f"{f.year}年", n=rng.randint(2, 12), m=rng.randint(3, 11))
        for s in chosen
    )
    return Paragraph([text + "。"])


def _section_end(blocks: list[Block], start: int) -> int:
    """Index just after the body of the heading at `start` (before the next heading of any level)."""
    i = start + 1
    while i < len(blocks) and not isinstance(blocks[i], Heading):
        i += 1
    return i


def _heading_index(blocks: list[Block], label: str) -> int | None:
    return next((i for i, blk in enumerate(blocks) if isinstance(blk, Heading) and blk.label == label), None)


def _unused_indicators(b: _Build, total_weight: int) -> list:
    """Indicators for one more table, none named like one already in the document."""
    rng = b.rng
    used = {rec["ind"].name for rec in b.indicators}
    chosen = []
    for level1 in ("产出指标", "效益指标", "满意度指标"):
        groups = [g for g in vocab.INDICATORS if g[0] == level1]
        for g in rng.sample(groups, k=min(len(groups), rng.randint(1, 3 if level1 == "产出指标" else 2))):
            free = [s for s in vocab.INDICATORS[g] if s[0] not in used]
            for spec in rng.sample(free, k=min(len(free), rng.randint(1, 2))):
                chosen.append((g[0], g[1], spec))
                used.add(spec[0])
    if len(chosen) < 3:
        return []
    base = total_weight // len(chosen)
    weights = [Decimal(base)] * len(chosen)
    weights[0] += total_weight - base * len(chosen)
    return [_indicator(rng, l1, l2, spec, w) for (l1, l2, spec), w in zip(chosen, weights, strict=True)]


def _other_projects(b: _Build, f: _Facts, n: int) -> list[tuple[str, int]]:
    pool = [p for p in vocab.PROJECTS if p[0] != f.project]
    return b.rng.sample(pool, k=min(n, len(pool)))


def _project_table(b: _Build, f: _Facts, project: str, wan: int, *, with_actual: bool) -> Table | None:
    """A project's score table (with_actual) or target table, its amounts and indicators as gold."""
    rng = b.rng
    inds = _unused_indicators(b, 90)
    if not inds:
        return None
    total = _d(Decimal(wan) * _d(rng.uniform(0.6, 1.6), 2), 2)
    fiscal = _d(total * _d(rng.uniform(0.6, 1.0), 2), 2)
    head: list[list[Piece]] = [["项目名称", Mark(project, "PROJECT", b.key("p"))], ["主管部门", b.unit(f.unit)]]
    if with_actual:
        budget = {"total": total, "fiscal": fiscal, "other": total - fiscal}
        actual = {k: _d(v * _d(rng.uniform(0.75, 1.0), 2), 2) for k, v in budget.items() if k != "total"}
        actual["total"] = actual["fiscal"] + actual["other"]
        rate = _rate(actual["total"], budget["total"])
        weight = Decimal(10)
        money = _money_table(
            b, budget=budget, adjusted=dict(budget), actual=actual, subject=project,
            items=[("total", "年度资金总额", "total"), ("fiscal", "其中：财政拨款", "other"), ("other", "其他资金", "other")],
            exec_weight=weight, exec_score=min(weight, _d(rate / 10, 2)), rate_text=f"{_pct(rate)}%",
        )  # fmt: skip
    else:
        money = [
            ["资金情况（万元）", "年初预算数"],
            ["年度资金总额", b.money(total, stage="budget_initial", flow="expenditure", item="total", item_text="年度资金总额", subject=project, suffix="")],
            ["其中：财政拨款", b.money(fiscal, stage="budget_initial", flow="expenditure", item="other", item_text="财政拨款", subject=project, suffix="")],
        ]  # fmt: skip
    ind_rows, merged = _indicator_rows(b, inds, with_actual=with_actual, unit_column=rng.random() < 0.4, subject=project)
    offset = len(head) + len(money)
    rows = head + money + ind_rows
    width = max(len(r) for r in rows)
    rows = [list(r) + [""] * (width - len(r)) for r in rows]
    return Table(rows, {(r + offset, c) for r, c in merged}, title=f"（{f.year}年度）")


def _grow_overall(b: _Build, f: _Facts, target: int) -> None:
    rng = b.rng
    at = _heading_index(b.blocks, "target_achievement")
    first = _section_end(b.blocks, at + 1)  # after （一）分项绩效目标实现情况
    added: list[Block] = [Heading(["（二）项目支出绩效目标完成情况"], 2, "target_achievement")]
    room = max(1, min(4, (target - _size(b.blocks)) // 5_000))
    for i, (project, wan) in enumerate(_other_projects(b, f, room), 1):
        table = _project_table(b, f, project, wan, with_actual=True)
        if table is None:
            break
        added.append(Heading([f"{i}.{project}项目"], 3, "target_achievement"))
        added += [_paragraph(rng, "target_achievement", replace(f, project=project)) for _ in range(rng.randint(1, 3))]
        added.append(table)
    b.blocks[first:first] = added
    end = _heading_index(b.blocks, "appendix_table")
    b.blocks[end:end] = [Heading(["七、评价结果应用"], 1, "results_use"), _paragraph(rng, "results_use", f)]
    signatures = _heading_index(b.blocks, "signatures")
    if signatures is not None:
        b.blocks[signatures].pieces = ["八、评价工作组人员名单"]


def _grow_project(b: _Build, f: _Facts, target: int) -> None:
    rng = b.rng
    sections = (
        ("一、项目基本情况", "performance_targets"), ("二、项目资金使用及管理情况", "budget_execution"),
        ("三、项目组织实施情况", "evaluation_process"), ("四、项目绩效目标完成情况", "target_achievement"),
        ("五、存在的问题及原因", "problems"), ("六、改进措施和建议", "improvements"), ("七、评价结果应用", "results_use"),
    )  # fmt: skip
    added: list[Block] = [Paragraph([f"{f.project}项目绩效自评报告"])]
    for title, label in sections:
        added += [Heading([title], 1, label), _paragraph(rng, label, f)]
    at = _heading_index(b.blocks, "appendix_table")
    b.blocks[at:at] = added


def _grow_target_table(b: _Build, f: _Facts, target: int) -> None:
    rng = b.rng
    b.blocks[1:1] = [Heading(["项目概况"], 1, "performance_targets"), _paragraph(rng, "performance_targets", f)]
    room = max(1, min(4, (target - _size(b.blocks)) // 4_000))
    for project, wan in _other_projects(b, f, room):
        table = _project_table(b, f, project, wan, with_actual=False)
        if table is None:
            break
        b.blocks += [
            Heading([f"{project}项目绩效目标表"], 1, "appendix_table"),
            Paragraph([f"{project}项目立项依据：根据上级部门工作部署和本单位年度工作计划设立。"]),
            table,
        ]


def _grow_final_accounts(b: _Build, f: _Facts, target: int) -> None:
    rng = b.rng
    at = _heading_index(b.blocks, "glossary")
    added: list[Block] = []
    number = 7  # the short document's budget sections end at 六、支出决算表

    def section(title: str, *body: Block) -> None:
        nonlocal number
        added.append(Heading([f"{CN_NUMBERS[number - 1] if number <= 10 else '十' + CN_NUMBERS[number - 11]}、{title}"], 2, "budget_execution"))
        added.extend(body)
        number += 1

    section("政府性基金预算财政拨款支出决算情况说明", Paragraph([vocab.PROSE["final_accounts"][0] + "。"]))
    section("国有资本经营预算财政拨款支出决算情况说明", Paragraph([vocab.PROSE["final_accounts"][1] + "。"]))
    running = _d(rng.uniform(5, 80), 2)
    section("机关运行经费支出情况说明", Paragraph([
        f"{f.year}年度机关运行经费支出", b.money(running, stage="actual", flow="expenditure", item="other", item_text="机关运行经费"),
        "。", vocab.PROSE["final_accounts"][5], "。",
    ]))  # fmt: skip
    bought = _d(rng.uniform(2, 150), 2)
    section("政府采购支出情况说明", Paragraph([
        f"{f.year}年度政府采购支出总额", b.money(bought, stage="actual", flow="expenditure", item="other", item_text="政府采购支出总额"),
        "。政府采购事项均按规定编报采购计划，采购程序规范。",
    ]))  # fmt: skip
    section("国有资产占用情况说明", Paragraph([
        f"截至{f.year}年12月31日，本单位共有车辆{rng.randint(0, 6)}辆，其他资产均为日常办公设备。",
    ]))
    section("预算绩效管理工作开展情况说明", _paragraph(rng, "performance_targets", f), _paragraph(rng, "evaluation_process", f))
    b.blocks[at:at] = added
    b.blocks += [Paragraph([f"{i}.{g}。"]) for i, g in enumerate(rng.sample(vocab.GLOSSARY, rng.randint(3, len(vocab.GLOSSARY))), 2)]


GROW = {
    "overall_self_eval": _grow_overall,
    "project_self_eval": _grow_project,
    "target_table": _grow_target_table,
    "final_accounts": _grow_final_accounts,
}


def _fill(b: _Build, f: _Facts, target: int) -> None:
    """Prose paragraphs at the ends of prose sections until the text reaches `target` bytes."""
    rng = b.rng
    size = _size(b.blocks)
    while size < target:
        heads = [i for i, blk in enumerate(b.blocks) if isinstance(blk, Heading) and blk.label in FILLABLE]
        if not heads:
            return
        i = rng.choice(heads)
        label = b.blocks[i].label
        if label == "budget_execution" and rng.random() < 0.3:
            label = "final_accounts"
        p = _paragraph(rng, label, f)
        b.blocks.insert(_section_end(b.blocks, i), p)
        size += _size([p])
