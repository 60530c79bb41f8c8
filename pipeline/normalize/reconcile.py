"""Reconciliation: one Amount per monetary fact and one Indicator per indicator, whatever
the number of mentions, with every mention kept as evidence.

Amounts merge on (value_yuan, stage, flow, item, subject); a mention that leaves stage,
flow or item unspecified joins the one fact it is compatible with (when there is exactly
one). Indicators merge on their name and subject; their target comes from where it is
stated best (a table before prose, then the higher score). Mentions that disagree are kept
apart — never averaged — and `flags.check_indicators` reports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.extract.numbers import parse_value
from pipeline.normalize.rows import Row
from pipeline.normalize.values import achieved
from pipeline.schema import Amount, Document, Indicator, Mention, Span, Value

SOURCE_RANK = {"table": 3, "ner": 2, "grammar": 1, "rules": 1}
UNSPECIFIED = {"stage": "unspecified", "flow": "unspecified", "item": "other"}  # what an attribute says when it names nothing


def _attr_certainty(m: Mention) -> float:
    scores = [m.attrs.get(f"{k}_score", 1.0) for k in ("stage", "flow", "item")]
    return m.score * min(scores)


@dataclass
class _Group:
    key: dict
    mentions: list[Mention] = field(default_factory=list)


def _compatible(m: Mention, key: dict) -> bool:
    return all(m.attrs.get(k, UNSPECIFIED[k]) in (UNSPECIFIED[k], key[k]) for k in UNSPECIFIED)


def fill_unspecified(extracted: list[Mention], ours: list[Mention]) -> list[Mention]:
    """Two readings of the same money: the extractors' mentions, with the attributes they leave
    unspecified filled from our cue-word reading of the same span (at our lower certainty), plus
    our mentions of amounts no extractor stated."""
    out = []
    for m in extracted:
        same = next((o for o in ours if o.start < m.end and m.start < o.end), None)
        if same is not None and m.source != "table":
            m = _prefer_cues(m, same)
        if same is not None and any(m.attrs.get(k, UNSPECIFIED[k]) == UNSPECIFIED[k] for k in UNSPECIFIED):
            attrs = dict(m.attrs)
            for k, unspecified in UNSPECIFIED.items():
                if attrs.get(k, unspecified) == unspecified and same.attrs.get(k, unspecified) != unspecified:
                    attrs[k] = same.attrs[k]
                    attrs[f"{k}_score"] = same.attrs.get(f"{k}_score", same.score)
                    if k == "item" and not attrs.get("item_text"):
                        attrs["item_text"] = same.attrs.get("item_text")
            m = m.model_copy(update={"attrs": attrs})
        out.append(m)
    out += [o for o in ours if not any(m.start < o.end and o.start < m.end for m in extracted)]
    return out


def in_report_terms(mentions: list[Mention], kind: str) -> list[Mention]:
    """A project report's money is its project's own: what a unit's report would call `project`
    money is the whole (`total`) there (the annotation convention: no gold amount of a project
    report is `project`)."""
    if kind != "project_self_eval":
        return mentions
    return [
        m.model_copy(update={"attrs": {**m.attrs, "item": "total"}}) if m.attrs.get("item") == "project" else m
        for m in mentions
    ]


AGREE = 0.5  # how much a cue reading that agrees with the classifier adds to its score (as in `fuse`)


def _prefer_cues(m: Mention, ours: Mention) -> Mention:
    """A change against another year (减少83.89万元) has no stage; where our reading names a
    stage other than the classifier's, the reading decides. Measured on the cross-fitted real
    documents: where the reading decided only for an unsure classifier, it was right 11 times
    where the classifier was, 3 times not; the 2 times the classifier then kept its own stage,
    it was wrong both times."""
    attrs = dict(m.attrs)
    cued = ours.attrs.get("stage", "unspecified")
    if ours.attrs.get("delta"):
        attrs.update(stage="unspecified", delta=True)
    elif attrs.get("stage") == "budget_adjusted" and cued != "budget_adjusted":
        # an adjusted budget needs its word (调整, 全年预算): without one it is the budget (or what
        # our reading names), and the two readings disagree: a coin toss
        attrs.update(stage=cued if cued != "unspecified" else "budget_initial", stage_score=0.5)
    elif cued != "unspecified" and cued != attrs.get("stage"):
        # the reading's stage: a cue word, spending under a 决算 heading (right 11 of 11 times where
        # the classifier said otherwise), or the stage of the total the amount is a part of
        attrs.update(stage=cued, stage_score=ours.attrs.get("stage_score", ours.score))
    for key in ("flow", "item"):
        # where our cue reading names a flow or item, it is right more often than the classifier
        # (cross-fitted real documents: flow 158 vs 145, item 175 vs 169 of 237 amounts)
        cue = ours.attrs.get(key, UNSPECIFIED[key])
        named = cue != UNSPECIFIED[key] or (key == "item" and ours.attrs.get("item_text"))  # 卫生健康支出: other, named
        p_cue = ours.attrs.get(f"{key}_score", ours.score)
        if named and attrs.get(key, UNSPECIFIED[key]) != cue:
            attrs.update({key: cue, f"{key}_score": p_cue})
            if key == "item":
                attrs["item_text"] = ours.attrs.get("item_text") or attrs.get("item_text")
        elif key == "item" and attrs.get("item") == "total" and ours.attrs.get("listed"):
            attrs.update(item=cue, item_score=p_cue)  # a later amount of a list is a part, not the whole
        elif named:  # two readings agree (a cue reading that disagreed did not lower it: measured)
            attrs[f"{key}_score"] = 1 - (1 - attrs.get(f"{key}_score", 1.0)) * (1 - AGREE * p_cue)
    if attrs == m.attrs:
        return m
    return m.model_copy(update={"attrs": attrs})


def reconcile_amounts(mentions: list[Mention]) -> list[Amount]:
    """MONEY mentions → Amounts; confidence is the fused raw score (calibrated later)."""
    money = [m for m in mentions if m.label == "MONEY" and m.attrs.get("value_yuan") is not None]
    by_value: dict[tuple, list[Mention]] = {}
    for m in money:
        key = (round(float(m.attrs["value_yuan"]), 2), m.attrs.get("subject"), bool(m.attrs.get("delta")))
        by_value.setdefault(key, []).append(m)
    amounts: list[Amount] = []
    for (value, subject, _), ms in by_value.items():
        groups: list[_Group] = []
        loose: list[Mention] = []
        for m in ms:
            key = {k: m.attrs.get(k, UNSPECIFIED[k]) for k in UNSPECIFIED}
            if any(key[k] == UNSPECIFIED[k] for k in UNSPECIFIED):
                loose.append(m)
                continue
            g = next((g for g in groups if g.key == key), None)
            if g is None:
                groups.append(g := _Group(key))
            g.mentions.append(m)
        for m in loose:
            fits = [g for g in groups if _compatible(m, g.key)]
            if len(fits) == 1:
                fits[0].mentions.append(m)
                continue
            # merge loose mentions among themselves by their (partial) key
            key = {k: m.attrs.get(k, UNSPECIFIED[k]) for k in UNSPECIFIED}
            g = next((g for g in groups if g.key == key), None)
            if g is None:
                groups.append(g := _Group(key))
            g.mentions.append(m)
        for g in groups:
            amounts.append(_amount(value, subject, g))
    amounts.sort(key=lambda a: a.start)
    return amounts


def _amount(value: float, subject: str | None, g: _Group) -> Amount:
    best = max(g.mentions, key=lambda m: (SOURCE_RANK.get(m.source, 0), _attr_certainty(m), -m.start))
    item_text = next((m.attrs.get("item_text") for m in g.mentions if m.attrs.get("item_text")), None)
    return Amount(
        value_yuan=value,
        raw=best.text,
        stage=g.key["stage"],
        flow=g.key["flow"],
        item=g.key["item"],
        item_text=item_text,
        subject=subject,
        start=best.start,
        end=best.end,
        evidence=[Span(start=m.start, end=m.end) for m in sorted(g.mentions, key=lambda m: m.start)],
        confidence=fuse([_attr_certainty(m) for m in g.mentions]),
        **{f"{k}_confidence": max(m.score * m.attrs.get(f"{k}_score", 1.0) for m in g.mentions) for k in UNSPECIFIED},
    )


def fuse(probabilities: list[float], *, agreement: float = 0.5) -> float:
    """Mentions that agree raise confidence: 1 − Π(1 − p·agreement), from the best one up."""
    if not probabilities:
        return 0.0
    ps = sorted(probabilities, reverse=True)
    rest = 1.0
    for p in ps[1:]:
        rest *= 1 - p * agreement
    return float(min(1.0, 1 - (1 - ps[0]) * rest))


# --- indicators ---------------------------------------------------------------------------

_NAME_JUNK = re.compile(
    r"^(?:[★☆*\s]+|指标[0-9]+[.．:：、]|[0-9]+[.．、]|其中[:：]|（[0-9一二三四五六七八九十]+）|\([0-9]+\))+"
)

# a 二级指标 run into the name's cell or sentence (经济效益指标木材销售收入, 质量指标中…率)
_LEVEL_PREFIX = re.compile(
    r"^(?:产出|效益|满意度|投入|过程|数量|质量|时效|成本|社会效益|经济效益|生态效益|可持续影响|服务对象满意度)"
    r"指标(?:中|[:：])?(?=[\u4e00-\u9fff“\"]{2})"
)
# what cannot be an indicator's name: a level heading (满意度指标), a lone character (项) or a
# table's total row (合计, 总分)
_NOT_A_NAME = re.compile(r"^(?:.|[\u4e00-\u9fff]{0,8}指标(?:[(（][^()（）]*[)）])?|合计|总计|小计|总分|得分合计)$")


def clean_name(name: str) -> str:
    """The name as written without list markers (其中：, 指标1., ★) or a level run into it;
    a template's placeholder note such as `(≥**人)` stays, as the document wrote it."""
    name = _NAME_JUNK.sub("", re.sub(r"[\t\n\r]+", "", name).strip()).strip(" ：:")
    return _LEVEL_PREFIX.sub("", name)


@dataclass
class IndicatorMention:
    """One statement of an indicator with whatever its row or sentence gives."""

    name: str
    span: tuple[int, int]
    target: Value | None = None
    actual: Value | None = None
    weight: float | None = None
    score: float | None = None
    level1: str | None = None
    level2: str | None = None
    subject: str | None = None
    source: str = "rules"
    probability: float = 0.8
    spans: list[tuple[int, int]] = field(default_factory=list)


def mentions_from_relations(doc: Document) -> list[IndicatorMention]:
    """INDICATOR mentions of the extractors with their related TARGET/ACTUAL/WEIGHT/SCORE/PROJECT."""
    out = []
    related: dict[int, list] = {}
    for r in doc.relations:
        related.setdefault(r.head, []).append(r)
    for i, m in enumerate(doc.mentions):
        if m.label != "INDICATOR" or _NOT_A_NAME.match(clean_name(m.text)):
            continue
        im = IndicatorMention(
            name=clean_name(m.text), span=(m.start, m.end), source=m.source, probability=m.score,
            level1=m.attrs.get("level1"), level2=m.attrs.get("level2"),
        )  # fmt: skip
        im.spans.append((m.start, m.end))
        for r in related.get(i, []):
            t = doc.mentions[r.tail]
            im.spans.append((t.start, t.end))
            if r.label in ("target", "actual") and t.attrs.get("value"):
                v = Value.model_validate(
                    {k: t.attrs["value"].get(k) for k in Value.model_fields if k in t.attrs["value"]}
                )
                v = v.model_copy(update={"confidence": t.score * r.score})
                setattr(im, r.label, v)
            elif r.label in ("weight", "score") and t.attrs.get("number") is not None:
                setattr(im, r.label, float(t.attrs["number"]))
            elif r.label == "subject":
                im.subject = t.text
            im.probability = min(im.probability, max(r.score, 0.0) or im.probability)
        if im.source != "table" and all(v is None for v in (im.target, im.actual, im.weight, im.score)):
            continue  # a name with no value found: 209 of the 212 gold indicators have one
        out.append(im)
    return out


def mentions_from_rows(rows: list[Row]) -> list[IndicatorMention]:
    out = []
    for r in rows:
        im = IndicatorMention(
            name=clean_name(r.name.text), span=(r.name.start, r.name.end), target=r.target_value, actual=r.actual_value,
            weight=r.weight.number if r.weight else None, score=r.score.number if r.score else None,
            source="table", probability=0.85,
        )  # fmt: skip
        im.spans = [(c.start, c.end) for c in (r.name, r.target, r.actual, r.weight, r.score) if c is not None]
        if im.name:
            out.append(im)
    return out


# --- indicators stated in prose ------------------------------------------------------------

# a figure with the verb or comparator before it: 达到85%以上, 不少于400人, 为98%, 94件
_PROSE_VALUE = re.compile(
    r"(?P<op>大于或等于|小于或等于|大于等于|小于等于|达到|大于|不少于|不低于|高于|超过|小于|低于|不超过|不高于|控制在|≥|≤|>=|<=|＞|＜|>|<|达|为)?"
    r"[ \t]*(?P<v>[0-9]+(?:\.[0-9]+)?[ \t]*(?P<unit>万人|场次|人次|%|％|场|人|次|个|项|户|天|件|批次|万元|元)(?:以上|以下|以内)?)"
)
_VERBS = ("达到", "达", "为", None)
# where a prose name stops on the left: punctuation, a line end, another figure
_CLAUSE_END = re.compile(r"[，,。；;：:！？!?\n\t|]")
_NAME_LEAD = re.compile(r"^(?:并且|并|且|同时|其中|全年|确保|力争|另外|此外|再|另|共|累计)+")
_NAME_TAIL = re.compile(r"(?:的?(?:年初)?(?:指标值?|目标值?|计划值?)|应|均|都|已|共计|累计|共)+$")
_TARGET_TAIL = re.compile(r"(?:指标值?|目标值?|计划值?)$")
_ACTUAL_NAME = re.compile(r"^(?:实际完成值?|实际值|完成值|实际)$")
_NOT_INDICATOR = re.compile(r"预算|执行率|执行进度|增长|下降|减少|增加|节约|结余|同比|上年|占|比例为|得分|扣|金额|分$")
_TARGET_HEADING = re.compile(r"目标|指标")
_ACHIEVED_HEADING = re.compile(r"实现|完成|分析|自评|成效|结果|效果|绩效情况")
_LEVEL_HEADING = re.compile(r"^[\s0-9（(一二三四五六七八九十、.．)）]*[\u4e00-\u9fff]{0,8}指标[。.：:\s]*$")
_TARGET_LEAD = re.compile(r"[0-9（(一二三四五六七八九十、.．)）\s]*(?:绩效指标|绩效目标|年度目标|目标|计划|产出指标|效益指标|满意度指标)")
_INDICATOR_END = re.compile(r"(?:率|度|数|量|次)$")  # 合格率, 满意度, 人数, 数量, 场次
_INDICATOR_WORDS = re.compile(r"率|度|数|量|次|场|人|件|项|户|面积|发放|完成|覆盖|标准|开展|举办")


def _prose_role(doc: Document, paragraph_start: int) -> str | None:
    """What the prose of a paragraph states: "target" (a 绩效指标：… paragraph, or under a
    heading of targets), "actual" (under 实现情况, 完成情况, 分析 …, or a paragraph naming
    指标 there), or None (prose about something else: 部门概况, money)."""
    text = doc.text
    if _TARGET_LEAD.match(text, paragraph_start):
        return "target"
    for b in reversed(doc.blocks):
        if b.kind != "heading" or b.end > paragraph_start:
            continue
        title = text[b.start : b.end]
        if _LEVEL_HEADING.match(title):  # (1)数量指标: a level of either
            continue
        if _ACHIEVED_HEADING.search(title):
            return "actual"
        if _TARGET_HEADING.search(title):
            return "target"
    before = text.rfind("\n", 0, max(0, paragraph_start - 1)) + 1  # the line before goes on
    if before < paragraph_start and _TARGET_LEAD.match(text, before):
        return "target"
    lines = text[before : text.find("\n", paragraph_start) % (len(text) + 1)]
    return "actual" if "指标" in lines else None


def _prose_name(text: str, lo: int, hi: int) -> tuple[int, str] | None:
    """The indicator name written in text[lo:hi] just before a figure: (start, cleaned name)."""
    piece = text[lo:hi]
    cut = max((m.end() for m in _CLAUSE_END.finditer(piece)), default=0)
    start = lo + cut
    raw = text[start:hi].strip()
    lead = _NAME_LEAD.match(raw)
    if lead:
        raw = raw[lead.end() :]
    name = clean_name(_NAME_TAIL.sub("", raw))
    if not name or not re.match(r"[\u4e00-\u9fff“\"]", name) or len(name) > 30:
        return None
    if name.count("（") + name.count("(") != name.count("）") + name.count(")"):
        name = re.split(r"[)）]", name)[-1]  # 项目(工程)验收合格率 cut inside the brackets
    if len(name) < 2 or name[0] in "的之和与及" or name[-1] == "的":
        return None
    return text.index(name, start, hi), name


def mentions_from_prose(doc: Document) -> list[IndicatorMention]:
    """Indicators stated in sentences: 会议举办场次大于 150 场 (a target: a comparator, or a
    绩效指标 sentence), 培训合格率达 100% (an actual where the prose reports results),
    优抚金发放指标为100%实际完成值为100% (both)."""
    text = doc.text
    out: list[IndicatorMention] = []
    prev_end = 0
    para_start, para_end, context, names_indicators = -1, -1, None, False
    for m in _PROSE_VALUE.finditer(text):
        if "\t" in text[text.rfind("\n", 0, m.start()) + 1 : m.start()] or "|" in text[max(0, m.start() - 40) : m.start()]:
            prev_end = m.end()
            continue  # a table row: the tables stage reads it
        op, unit = m.group("op"), m.group("unit")
        lo = max(prev_end, m.start() - 40, text.rfind("\n", 0, m.start()) + 1)
        prev_end = m.end()
        found = _prose_name(text, lo, m.start("op") if op else m.start("v"))
        if found is None:
            continue
        start, name = found
        if m.start() >= para_end:
            para_start = text.rfind("\n", 0, m.start()) + 1
            para_end = text.find("\n", m.start()) % (len(text) + 1)
            context = _prose_role(doc, para_start)
            names_indicators = "指标" in text[text.rfind("\n", 0, max(0, para_start - 1)) + 1 : para_end]
        raw_name = text[start : m.start("op") if op else m.start("v")]
        if _ACTUAL_NAME.match(name):  # 实际完成值为100%: the actual of the indicator just before
            if out and out[-1].actual is None and m.start() - out[-1].span[1] < 40:
                out[-1].actual = parse_value(m.group("v"))
                out[-1].spans.append((m.start("v"), m.end("v")))
            continue
        if context is None or "元" in unit or _NOT_INDICATOR.search(name) or not _INDICATOR_WORDS.search(name):
            continue
        if op in _VERBS and not (names_indicators or _INDICATOR_END.search(name)):
            continue  # 发放租赁补贴 5000户: a result told in prose, not an indicator
        if op in _VERBS and not (context == "target" or _TARGET_TAIL.search(raw_name.strip())):
            v, role = parse_value(m.group("v")), "actual"
        else:
            v, role = parse_value((op or "") + m.group("v")), "target"
            if v is not None and v.op is None and op in ("达到", "达") and v.value is not None:
                v = v.model_copy(update={"op": ">="})
        if v is None or v.value is None:
            continue
        im = IndicatorMention(name=name, span=(start, start + len(name)), source="rules", probability=0.6)
        setattr(im, role, v)
        im.spans = [im.span, (m.start("op") if op else m.start("v"), m.end("v"))]
        out.append(im)
    return out


def _same_target(a: Value | None, b: Value | None) -> bool:
    """Compatible targets: a bare number (no operator, no unit) agrees with the same number written in full."""
    if a is None or b is None:
        return True
    if a.value is not None and a.value == b.value and (None in (a.unit, b.unit) or a.unit == b.unit):
        return a.op is None or b.op is None or a.op == b.op
    return (a.op or ">=", a.value, a.unit, a.qualitative) == (b.op or ">=", b.value, b.unit, b.qualitative)


def _joins(cluster: list[IndicatorMention], im: IndicatorMention) -> bool:
    """Whether `im` states the indicator of `cluster`. Readings of different extractors join
    when their targets agree; two rows of tables are two indicators (one per project or
    table), and two sentences are one only when they repeat the same target."""
    if not _same_target(cluster[0].target, im.target):
        return False
    same_source = [m for m in cluster if m.source == im.source]
    if im.source == "table" and same_source:
        return False
    return all(m.target is not None and im.target is not None for m in same_source)


def reconcile_indicators(mentions: list[IndicatorMention]) -> list[Indicator]:
    """Group by (name, subject); one Indicator per distinct target within a group."""
    groups: dict[tuple, list[list[IndicatorMention]]] = {}
    for im in sorted(mentions, key=lambda m: (-SOURCE_RANK.get(m.source, 0), -m.probability, m.span[0])):
        clusters = groups.setdefault((im.name, im.subject), [])
        home = next((c for c in clusters if _joins(c, im)), None)
        if home is None:
            clusters.append([im])
        else:
            home.append(im)
    out = []
    for (name, subject), clusters in groups.items():
        for c in clusters:
            best_target = next((m for m in c if m.target is not None), None)
            best_actual = next((m for m in c if m.actual is not None), None)
            target = best_target.target if best_target else None
            if target is not None and target.value is not None and (target.op is None or target.unit is None):
                # a table's bare number completed by the same number written in full elsewhere
                full = next((m.target for m in c if m.target is not None and m.target.value == target.value
                             and m.target.op and m.target.unit), None)  # fmt: skip
                if full is not None:
                    target = target.model_copy(update={"op": target.op or full.op, "unit": target.unit or full.unit})
            actual = best_actual.actual if best_actual else None
            probs = [m.probability for m in c]
            conf = fuse(probs)
            if target is not None and target.confidence is None:
                target = target.model_copy(
                    update={"confidence": fuse([m.probability for m in c if m.target is not None])}
                )
            if actual is not None and actual.confidence is None:
                actual = actual.model_copy(
                    update={"confidence": fuse([m.probability for m in c if m.actual is not None])}
                )
            spans = sorted({s for m in c for s in m.spans})
            out.append(Indicator(
                name=name, level1=next((m.level1 for m in c if m.level1), None), level2=next((m.level2 for m in c if m.level2), None),
                target=target, actual=actual, weight=next((m.weight for m in c if m.weight is not None), None),
                score=next((m.score for m in c if m.score is not None), None), achieved=achieved(target, actual, name=name),
                subject=subject, evidence=[Span(start=s, end=e) for s, e in spans], confidence=conf,
            ))  # fmt: skip
    out.sort(key=lambda i: i.evidence[0].start if i.evidence else 0)
    return out
