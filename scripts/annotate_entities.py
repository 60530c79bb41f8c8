"""Pre-annotate entities and relations of the real documents, then apply hand corrections.

Usage: `.venv/bin/python scripts/annotate_entities.py [--only NAME] [--show NAME]`

Proposals come from the numbers grammar (`pipeline.extract.numbers`), a reader for the
flattened tables of the corpus (pipe rows, one-cell-per-line tab rows) and a few cue-word
rules. They are a first draft only: `data/annotations/entity_corrections.json` holds the
per-document corrections made by reading each document (offsets, labels and attributes,
never text), applied last. The result is written through `pipeline.annotate.format.save`
under `data/annotations/entities/`. `--show` prints the proposals of one document to the
terminal (for the annotator's eyes only: nothing printed is stored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.annotate.corpus import real_documents  # noqa: E402
from pipeline.annotate.format import AnnotationFile, AnnRelation, AnnSpan, quote_hash, save  # noqa: E402
from pipeline.extract.numbers import find_quantities, parse_value, qualitative_words  # noqa: E402

CORRECTIONS = REPO / "data" / "annotations" / "entity_corrections.json"

STAGE_CUES = [
    (re.compile(r"调整后?预算|全年预算|调整预算|\(调整\)预算|（调整）预算"), "budget_adjusted"),
    (re.compile(r"决算|实际|执行数|执行|到位|支出了|完成|使用|拨付|支付|已支出|发放"), "actual"),
    (re.compile(r"年初预算|预算数|预算安排|预算为|预算总|预算收入|预算支出|安排|预算|下达|申请"), "budget_initial"),
]
ITEM_CUES = [
    (re.compile(r"三公|因公出国|公务用车|公务接待"), "three_public"),
    (re.compile(r"人员经费|工资福利|对个人和家庭"), "personnel"),
    (re.compile(r"公用经费|商品和服务"), "public"),
    (re.compile(r"基本支出"), "basic"),
    (re.compile(r"项目支出"), "project"),
    (re.compile(r"合计|总计|总收入|总支出|总额|资金总额|收支总|总体"), "total"),
]
FUND_KINDS = re.compile(r"一般公共预算|政府性基金预算|国有资本经营预算|社会保险基金预算|预算单位|预算绩效|预算管理|预算编制")
FLOW_BOTH = re.compile(r"收入、支出|收支")
LEVEL_CELL = re.compile(
    r"^(?:一级|二级)?[^，。,;；]{0,8}?(?:产出|效益|满意度|投入|过程|管理|数量|质量|时效|成本|经济效益|社会效益|"
    r"生态效益|可持续影响|服务对象满意度|社会公众或服务对象满意度|履职|能力)\s*指标"
)
HEAD_NAME = re.compile(r"^(?:三级指标|指标名称|绩效指标|指标内容|具体指标|二级指标及内容)$")
HEAD_TARGET = re.compile(r"(?:年度)?(?:绩效)?(?:指标值|目标值)|预期目标|年度指标值|计划值")
HEAD_ACTUAL = re.compile(r"实际完成|完成值|实际值|实际完成值|全年实际值|实际完成情况")
HEAD_UNIT = re.compile(r"度量单位|计量单位|^单位$")
HEAD_OP = re.compile(r"指标性质|^性质$")
HEAD_WEIGHT = re.compile(r"^分值|权重")
HEAD_SCORE = re.compile(r"^得分$|指标得分")
HEAD_BUDGET_I = re.compile(r"年初预算")
HEAD_BUDGET_A = re.compile(r"全年(?:（调整）|\(调整\))?预算|调整后?预算")
HEAD_EXEC = re.compile(r"全年执行|执行数|决算数|实际支出")


class Draft:
    """Spans and relations of one document under construction (raw offsets)."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.spans: dict[tuple[int, int, str], dict] = {}
        self.relations: set[tuple[tuple[int, int, str], tuple[int, int, str], str]] = set()

    def add(self, start: int, end: int, label: str, **attrs) -> tuple[int, int, str] | None:
        while start < end and self.raw[start].isspace():
            start += 1
        while end > start and self.raw[end - 1].isspace():
            end -= 1
        if start >= end:
            return None
        key = (start, end, label)
        for (s, e, lab) in list(self.spans):
            if s < end and start < e and (s, e, lab) != key:
                if (e - s) >= (end - start):
                    return None  # keep the first, longer proposal
                self.drop(s, e, lab)
        self.spans.setdefault(key, {}).update(attrs)
        return key

    def drop(self, start: int, end: int, label: str) -> None:
        key = (start, end, label)
        self.spans.pop(key, None)
        self.relations = {r for r in self.relations if key not in (r[0], r[1])}

    def relate(self, head, tail, label: str) -> None:
        if head in self.spans and tail in self.spans:
            self.relations.add((head, tail, label))


def _value_attrs(value) -> dict:
    """A Value as stored in the annotation: no document text (the span holds it)."""
    d = value.model_dump(exclude={"text", "confidence"})
    if d.get("qualitative") and d["qualitative"] not in _QUAL:
        d["qualitative"] = "*"  # the span's own text
    return d


_QUAL = set(qualitative_words())


# --- tables ----------------------------------------------------------------------------


def _pipe_rows(raw: str) -> list[list[tuple[int, int]]]:
    rows = []
    pos = 0
    for line in raw.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if "|" in body:
            cells, s = [], pos
            for part in body.split("|"):
                cells.append((s, s + len(part)))
                s += len(part) + 1
            rows.append(cells)
        else:
            rows.append([])
        pos += len(line)
    return rows


def _tab_rows(raw: str) -> list[list[tuple[int, int]]]:
    """Rows of the one-cell-per-line layout: `\\tcell` lines, rows end at a blank line."""
    rows: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    pos = 0
    for line in raw.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.startswith("\t"):
            current.append((pos + 1, pos + len(body)))
        elif body.strip() == "":
            if current:
                rows.append(current)
            current = []
        elif current:  # a cell's text continues on a line of its own
            s, _ = current[-1]
            current[-1] = (s, pos + len(body))
        else:
            rows.append([])
        pos += len(line)
    if current:
        rows.append(current)
    return rows


def _clean(raw: str, cell: tuple[int, int]) -> tuple[int, int, str]:
    s, e = cell
    txt = raw[s:e]
    m = re.match(r"(?:\[bookmark:[^\]]*\])*", txt)
    s += m.end()
    while s < e and raw[s].isspace():
        s += 1
    while e > s and raw[e - 1].isspace():
        e -= 1
    return s, e, re.sub(r"\s+", "", raw[s:e])


def read_tables(draft: Draft, rows: list[list[tuple[int, int]]]) -> None:
    raw = draft.raw
    header: dict[str, int] | None = None
    money_cols: dict[int, str] = {}
    for row in rows:
        if not row:  # a line outside any table ends the current one
            header, money_cols = None, {}
            continue
        cells = [_clean(raw, c) for c in row]
        texts = [t for _, _, t in cells]
        if not any(texts):
            continue
        _money_pairs(draft, cells)
        # indicator header?
        roles: dict[str, int] = {}
        level3 = [i for i, t in enumerate(texts) if re.fullmatch(r"三级指标|指标名称", t)]
        if level3:
            roles["name"] = level3[0]
        for i, t in enumerate(texts):
            if HEAD_NAME.search(t) and "name" not in roles:
                roles["name"] = i
            elif i == roles.get("name"):
                continue
            elif HEAD_TARGET.search(t) and "target" not in roles:
                roles["target"] = i
            elif HEAD_ACTUAL.search(t) and "actual" not in roles:
                roles["actual"] = i
            elif HEAD_UNIT.search(t) and "unit" not in roles:
                roles["unit"] = i
            elif HEAD_OP.search(t) and "op" not in roles:
                roles["op"] = i
            elif HEAD_WEIGHT.search(t) and "weight" not in roles:
                roles["weight"] = i
            elif HEAD_SCORE.search(t) and "score" not in roles:
                roles["score"] = i
        if "name" in roles and ("target" in roles or "actual" in roles):
            header = roles
            money_cols = {}
            continue
        mroles = {}
        for i, t in enumerate(texts):
            if HEAD_BUDGET_I.search(t):
                mroles[i] = "budget_initial"
            elif HEAD_BUDGET_A.search(t):
                mroles[i] = "budget_adjusted"
            elif HEAD_EXEC.search(t):
                mroles[i] = "actual"
        if len(mroles) >= 2:
            money_cols = mroles
            header = None
            continue
        if header is not None:
            _indicator_row(draft, cells, header)
        elif money_cols:
            _money_row(draft, cells, money_cols)


def _indicator_row(draft: Draft, cells, header: dict[str, int]) -> None:
    # strip trailing empty cells, find the name cell: first non-empty, non-level cell
    idx = [i for i, c in enumerate(cells) if c[2]]
    if not idx:
        return
    name_i = None
    for i in idx:
        t = cells[i][2]
        if LEVEL_CELL.match(t) and len(t) <= 24:
            continue
        name_i = i
        break
    if name_i is None:
        return
    name = cells[name_i]
    if re.fullmatch(r"[\d.%≥≤＝=<>＞＜]+", name[2]):
        return
    base = header["name"]
    shift = name_i - base

    def cell(role):
        if role not in header:
            return None
        j = header[role] + shift
        return cells[j] if 0 <= j < len(cells) and cells[j][2] else None

    unit_cell = cell("unit")
    op_cell = cell("op")
    unit = unit_cell[2] if unit_cell else None
    ind = draft.add(name[0], name[1], "INDICATOR")
    if ind is None:
        return
    for role, label in (("target", "TARGET"), ("actual", "ACTUAL")):
        c = cell(role)
        if c is None:
            continue
        text = c[2]
        if op_cell and role == "target" and op_cell[2] in ("＝", "=", "≥", "≤", ">", "<", "＞", "＜", ">=", "<="):
            text = op_cell[2] + text
        v = parse_value(text, unit=unit if unit and unit not in ("项",) else None, free_qualitative=True)
        attrs = {"value": _value_attrs(v)} if v else {}
        k = draft.add(c[0], c[1], label, **attrs)
        draft.relate(ind, k, role)
    for role, label in (("weight", "WEIGHT"), ("score", "SCORE")):
        c = cell(role)
        if c is None:
            continue
        m = re.fullmatch(r"(\d+(?:\.\d+)?)分?", c[2])
        if not m:
            continue
        k = draft.add(c[0], c[1], label, number=float(m.group(1)))
        draft.relate(ind, k, role)


MONEY_LABEL = re.compile(r"^(?:预算数|年度资金总额[:：]?|资金总额|部门预算总额.*|其中[:：]?财政资金|财政拨款|财政性资金|其他资金|基本支出|项目支出)$")


def _money_pairs(draft: Draft, cells) -> None:
    """`预算数 | 50.00` in a table whose unit is 万元 (said just before)."""
    raw = draft.raw
    for (ls, le, lt), (vs, ve, vt) in zip(cells, cells[1:]):
        if not MONEY_LABEL.match(lt) or not re.fullmatch(r"[\d,]+(?:\.\d+)?", vt):
            continue
        before = raw[max(0, ls - 400) : ls]
        factor = 10000 if "万元" in before or "万元" in lt else 1
        item = next((it for rx, it in ITEM_CUES if rx.search(lt)), "total" if "预算" in lt or "总额" in lt else "other")
        flow = "expenditure" if "支出" in lt else ("income" if re.search(r"财政|其他资金", lt) else "unspecified")
        value = round(float(vt.replace(",", "")) * factor, 2)
        draft.add(vs, ve, "MONEY", value_yuan=value, stage="budget_initial", flow=flow, item=item, item_text_span=[ls, le])


def _money_row(draft: Draft, cells, money_cols: dict[int, str]) -> None:
    texts = [c[2] for c in cells]
    label_i = next((i for i, t in enumerate(texts) if t and not re.fullmatch(r"[\d.,]+(?:万元)?", t)), None)
    if label_i is None:
        return
    label = texts[label_i]
    item = "other"
    for rx, it in ITEM_CUES:
        if rx.search(label):
            item = it
            break
    flow = "expenditure" if "支出" in label else ("income" if re.search(r"财政拨款|其他资金|收入|结转", label) else "unspecified")
    nums = [(i, c) for i, c in enumerate(cells) if re.fullmatch(r"[\d,]+(?:\.\d+)?(?:万元)?", c[2])]
    first_col = min(money_cols)
    # cells after the label line up with the money columns in order
    for k, (i, c) in enumerate(nums[: len(money_cols)]):
        stage = list(money_cols.values())[k] if label_i is not None and label_i < first_col or True else None
        value = float(c[2].replace(",", "").removesuffix("万元")) * 10000
        attrs = {"value_yuan": round(value, 2), "stage": stage, "flow": flow, "item": item}
        if label_i is not None:
            attrs["item_text_span"] = [cells[label_i][0], cells[label_i][1]]
        draft.add(c[0], c[1], "MONEY", **attrs)


# --- prose -----------------------------------------------------------------------------

CLAUSE_END = re.compile(r"[。；;！？\n]")


def prose_money(draft: Draft, doc_kind: str | None) -> None:
    raw = draft.raw
    for q in find_quantities(raw, bare=False, qualitative=False):
        if q.kind != "money" or q.value.value is None:
            continue
        if q.value.op is not None:
            continue  # a target such as ≤30万元: an indicator value, not a money fact
        if q.value.unit and q.value.unit != "元":
            continue  # 元/人 and friends are rates
        s = q.start
        # the clause before the amount
        ls = max(raw.rfind(ch, 0, s) for ch in "。；;\n") + 1
        ctx = raw[ls:s]
        near = re.split(r"[，,：:]", ctx)
        last = near[-1] if near else ctx
        stage = "unspecified"
        delta = bool(re.search(r"(?:增加|减少|增长|下降|节约|结余|相比|比上年|同比)[^，,]*$", last)) or bool(
            re.search(r"(增加|减少|下降|增长)\s*$", ctx)
        )
        if not delta:
            best = -1
            cues = FUND_KINDS.sub(lambda m: "#" * len(m.group(0)), ctx)
            for rx, st in STAGE_CUES:
                for m in rx.finditer(cues):
                    if m.end() > best or (m.end() == best and st == "budget_adjusted"):
                        best, stage = m.end(), st
            if stage == "unspecified":
                back = FUND_KINDS.sub("", raw[max(0, s - 600) : s])
                j, k = back.rfind("决算"), back.rfind("预算")
                if j > k or (doc_kind == "final_accounts" and k == -1):
                    stage = "actual"
        item = "other"
        best = -1
        for rx, it in ITEM_CUES:
            for m in rx.finditer(ctx):
                if m.end() > best:
                    best, item = m.end(), it
        if FLOW_BOTH.search(last):
            flow = "both"
        else:
            ci = max(last.rfind("收入"), ctx.rfind("收入"))
            cx = max(last.rfind("支出"), ctx.rfind("支出"), ctx.rfind("经费"))
            flow = "unspecified" if ci == cx == -1 else ("income" if ci > cx else "expenditure")
        attrs = {"value_yuan": q.value.value, "stage": stage, "flow": flow, "item": item}
        if delta:
            attrs["delta"] = True
        m = re.search(r"([^，,：:、（）()“”\"]{2,24}?)(?:为|是|共计|合计|约|达|计)?\s*$", last)
        if m and item == "other":
            attrs["item_text_span"] = [ls + len(ctx) - len(last) + m.start(1), ls + len(ctx) - len(last) + m.end(1)]
        draft.add(q.start, q.end, "MONEY", **attrs)


def prose_rates_scores(draft: Draft) -> None:
    raw = draft.raw
    for m in re.finditer(r"(预算执行率|执行率|完成预算的?|资金到位率)\s*(?:为|达到?|是)?\s*([0-9]+(?:\.[0-9]+)?)\s*[%％]", raw):
        draft.add(m.start(2), m.end(), "RATE", value=float(m.group(2)), of=m.group(1).rstrip("的"))
    for m in re.finditer(r"(?:评价得分|自评得分|综合得分|自评总分|总得分|自评分|得分)(?:\(分\)|（分）)?\s*(?:为|是|:|：)?\s*([0-9]{2,3}(?:\.[0-9]+)?)\s*分?", raw):
        draft.add(m.start(1), m.end(), "SCORE", number=float(m.group(1)), evaluation=True)
    for m in re.finditer(r"(?:评价等级|绩效等级|自评等级|等级)(?:为|是|:|：)\s*[“\"]?(优秀|良好|优|良|中|差|合格|一般)", raw):
        draft.add(m.start(1), m.end(1), "GRADE", grade=m.group(1))


PROSE_IND = re.compile(
    r"(?P<name>[^，,。；;：:\n、（）()]{3,30}?)\s*(?P<cue>达到|达|为|不少于|不低于|大于|小于|不超过|不高于|≥|≤|＞|＜|>|<)\s*"
)


def prose_indicators(draft: Draft) -> None:
    """`绩效指标：…人数不少于400人` and `质量指标：…精准率达到100%` in prose."""
    raw = draft.raw
    for line in re.finditer(r"[^\n]+", raw):
        t = line.group(0)
        if not re.search(r"绩效指标|数量指标|质量指标|时效指标|成本指标|效益指标|满意度", t):
            continue
        for q in find_quantities(raw, line.start(), line.end(), bare=False, qualitative=False):
            if q.kind not in ("percent", "count") or q.value.value is None:
                continue
            ctx = raw[max(line.start(), q.start - 40) : q.start]
            m = None
            for m0 in PROSE_IND.finditer(ctx):
                if m0.end() == len(ctx):
                    m = m0
            cue_in_q = q.value.op is not None
            if m is None and not cue_in_q:
                continue
            if m is None:
                m2 = re.search(r"([^，,。；;：:\n、（）()]{3,30}?)\s*$", ctx)
                if not m2:
                    continue
                ns, ne = q.start - len(ctx) + m2.start(1), q.start - len(ctx) + m2.end(1)
                cue = ""
            else:
                ns, ne = q.start - len(ctx) + m.start("name"), q.start - len(ctx) + m.end("name")
                cue = m.group("cue")
            name = raw[ns:ne]
            name = re.sub(r"^(?:其中|全年|（\d）|\(\d\)|\d[.、])", "", name)
            ns = ne - len(name)
            if len(name.strip()) < 3:
                continue
            target = q.value.op is not None or cue in ("不少于", "不低于", "大于", "小于", "不超过", "不高于", "≥", "≤", "＞", "＜", ">", "<")
            target = target or bool(re.search(r"目标|指标[：:]", raw[line.start() : ns]))
            label = "TARGET" if target else "ACTUAL"
            v = parse_value(raw[q.start : q.end])
            if cue and cue not in ("达到", "达", "为") and v is not None and v.op is None:
                v = parse_value(cue + raw[q.start : q.end]) or v
            ind = draft.add(ns, ne, "INDICATOR")
            k = draft.add(q.start, q.end, label, value=_value_attrs(v) if v else {})
            if ind and k:
                draft.relate(ind, k, label.lower())


# --- document facts ----------------------------------------------------------------------

UNIT_RX = re.compile(
    r"[\u4e00-\u9fa5]{2,20}?(?:总工会|人民政府|人民法院|中级人民法院|妇女联合会|妇联|林业局|林业和草原局|自然资源局|"
    r"财政局|教育局|政协|委员会|联合会|残联|中学|小学|医院|局|办公室|中心|委|院|会|馆|所|站|队)"
)


def facts(draft: Draft, kind: str | None) -> dict:
    raw = draft.raw
    head = raw[:600]
    years = Counter(int(y) for y in re.findall(r"(20[0-3][0-9])\s*年度?", head))
    fy = years.most_common(1)[0][0] if years else None
    out = {"fiscal_year": fy, "doc_kind": _doc_kind(kind)}
    if fy:
        for m in re.finditer(rf"{fy}\s*年度?", raw):
            draft.add(m.start(), m.end(), "YEAR", year=fy)
    return out


def _doc_kind(kind: str | None) -> str:
    return {
        "final_accounts": "final_accounts",
        "target_table": "target_table",
        "overall_self_eval": "overall_self_eval",
        "project_self_eval": "project_self_eval",
        "self_eval_table": "overall_self_eval",
    }.get(kind or "", "other")


# --- corrections ---------------------------------------------------------------------------


def apply_corrections(draft: Draft, doc_facts: dict, fixes: dict) -> None:
    """Per-document corrections: offsets, labels and attributes only (no text)."""
    for s, e, label in fixes.get("drop", []):
        draft.drop(s, e, label)
    for s, e in fixes.get("drop_range", []):
        for key in [k for k in draft.spans if k[0] >= s and k[1] <= e]:
            draft.drop(*key)
    for item in fixes.get("add", []):
        s, e, label = item[:3]
        attrs = item[3] if len(item) > 3 else {}
        for key in [k for k in draft.spans if k[0] < e and s < k[1]]:
            draft.drop(*key)
        draft.spans[(s, e, label)] = dict(attrs)
    for item in fixes.get("attrs", []):
        s, e, label, attrs = item
        if (s, e, label) not in draft.spans:
            for key in [k for k in draft.spans if k[0] < e and s < k[1]]:
                draft.drop(*key)
            draft.spans[(s, e, label)] = {}
        draft.spans[(s, e, label)].update(attrs)
    for h, t, label in fixes.get("relate", []):
        draft.relations.add((tuple(h), tuple(t), label))
    for h, t, label in fixes.get("unrelate", []):
        draft.relations.discard((tuple(h), tuple(t), label))
    doc_facts.update(fixes.get("facts", {}))
    for attrs in draft.spans.values():
        value = attrs.get("value")
        if isinstance(value, dict) and value.get("qualitative") and value["qualitative"] not in _QUAL:
            value["qualitative"] = "*"


SPACE_ROW = re.compile(r"^(\S+) (\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$")
LEVEL_LINE = re.compile(r"^(?:[^，。]{0,6}指标|（\s*\d+\s*分）|\(\s*\d+\s*分\))$")


def read_space_rows(draft: Draft) -> None:
    """PDF text: a name line, then `target actual weight score` on one line."""
    raw = draft.raw
    lines = []
    pos = 0
    for line in raw.splitlines(keepends=True):
        lines.append((pos, line.rstrip("\r\n")))
        pos += len(line)
    active = False
    block: list[tuple[int, str]] = []
    for start, text in lines:
        t = text.strip()
        if re.search(r"三级指标.*指标值.*完成值", t):
            active, block = True, []
            continue
        if not active:
            continue
        if t.startswith("总分") or t.startswith("注"):
            active = False
            continue
        m = SPACE_ROW.match(t)
        if not m:
            if t and not LEVEL_LINE.match(t):
                block.append((start, text))
            continue
        if not block:
            continue
        first = len(block) - 1
        for i, (_, bt) in enumerate(block):
            if "：" in bt:
                first = i
                break
        ns = block[first][0] + len(block[first][1]) - len(block[first][1].lstrip())
        ne = block[-1][0] + len(block[-1][1].rstrip())
        block = []
        ind = draft.add(ns, ne, "INDICATOR")
        off = start + (len(text) - len(text.lstrip()))
        spans = []
        for g in range(1, 5):
            spans.append((off + m.start(g), off + m.end(g), m.group(g)))
        for (s, e, gt), label, rel in zip(spans, ("TARGET", "ACTUAL", "WEIGHT", "SCORE"), ("target", "actual", "weight", "score")):
            if label in ("TARGET", "ACTUAL"):
                v = parse_value(gt, free_qualitative=True)
                k = draft.add(s, e, label, value=_value_attrs(v) if v else {})
            else:
                k = draft.add(s, e, label, number=float(gt))
            draft.relate(ind, k, rel)


def build(doc, fixes: dict) -> AnnotationFile:
    raw = doc.path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    draft = Draft(raw)
    kind = doc.kind or ("overall_self_eval" if doc.name.startswith("seeds/") else None)
    read_tables(draft, _tab_rows(raw))
    read_tables(draft, _pipe_rows(raw))
    read_space_rows(draft)
    prose_money(draft, kind)
    prose_rates_scores(draft)
    prose_indicators(draft)
    doc_facts = facts(draft, kind)
    apply_corrections(draft, doc_facts, fixes)
    for key in ("unit_name", "evaluation_grade"):
        span = doc_facts.get(key)
        if isinstance(span, list):
            doc_facts[key] = {"start": span[0], "end": span[1], "quote": quote_hash(raw[span[0] : span[1]])}
    keys = sorted(draft.spans, key=lambda k: (k[0], k[1], k[2]))
    ids = {k: f"e{i}" for i, k in enumerate(keys)}
    entities = [
        AnnSpan(id=ids[k], start=k[0], end=k[1], label=k[2], quote=quote_hash(raw[k[0] : k[1]]), attrs=draft.spans[k])
        for k in keys
    ]
    relations = [
        AnnRelation(head=ids[h], tail=ids[t], label=lab)
        for h, t, lab in sorted(draft.relations)
        if h in ids and t in ids
    ]
    return AnnotationFile(
        doc_sha256=doc.sha256,
        doc_name=doc.name,
        layer="entities",
        annotator="jixiao-entities (rules + hand corrections)",
        created=dt.datetime(2026, 11, 25, tzinfo=dt.UTC).isoformat(),
        entities=entities,
        relations=relations,
        doc_facts=doc_facts,
    )


def show(ann: AnnotationFile, raw: str) -> str:
    lines = [json.dumps(ann.doc_facts, ensure_ascii=False)]
    by_id = {e.id: e for e in ann.entities}
    rel = {}
    for r in ann.relations:
        rel.setdefault(r.head, []).append(f"{r.label}->{r.tail}")
    for e in ann.entities:
        a = {k: v for k, v in e.attrs.items() if k not in ("item_text_span",)}
        if "value" in a and isinstance(a["value"], dict):
            a["value"] = {k: v for k, v in a["value"].items() if v is not None}
        lines.append(f"{e.id:5} {e.start:6}-{e.end:<6} {e.label:9} {raw[e.start:e.end][:40]!r} {a} {rel.get(e.id, '')}")
    del by_id
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=None)
    ap.add_argument("--show", default=None)
    args = ap.parse_args()
    fixes_all = json.loads(CORRECTIONS.read_text(encoding="utf-8")) if CORRECTIONS.is_file() else {}
    for doc in real_documents():
        if args.only and args.only not in doc.name:
            continue
        if args.show and args.show not in doc.name:
            continue
        ann = build(doc, fixes_all.get(doc.name, {}))
        if args.show:
            raw = doc.path.read_bytes().decode("utf-8").removeprefix("\ufeff")
            print(f"=== {doc.name} ({doc.kind})")
            print(show(ann, raw))
            continue
        save(ann)
    return None


if __name__ == "__main__":
    main()
