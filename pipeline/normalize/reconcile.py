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
from collections.abc import Iterator
from dataclasses import dataclass, field

from pipeline.extract.numbers import parse_value
from pipeline.normalize.rows import Row
from pipeline.normalize.values import achieved
from pipeline.schema import Amount, Document, Indicator, Mention, Span, Value

SOURCE_RANK = {"table": 3, "ner": 2, "grammar": 1, "rules": 1}
_UNSPEC = {"stage": "unspecified", "flow": "unspecified", "item": "other"}


def _attr_certainty(m: Mention) -> float:
    scores = [m.attrs.get(f"{k}_score", 1.0) for k in ("stage", "flow", "item")]
    return m.score * min(scores)


@dataclass
class _Group:
    key: dict
    mentions: list[Mention] = field(default_factory=list)


def _compatible(m: Mention, key: dict) -> bool:
    return all(m.attrs.get(k, _UNSPEC[k]) in (_UNSPEC[k], key[k]) for k in _UNSPEC)


def fill_unspecified(extracted: list[Mention], ours: list[Mention]) -> list[Mention]:
    """Two readings of the same money: the extractors' mentions, with the attributes they leave
    unspecified filled from our cue-word reading of the same span (at our lower certainty), plus
    our mentions of amounts no extractor stated."""
    out = []
    for m in extracted:
        same = next((o for o in ours if o.start < m.end and m.start < o.end), None)
        if same is not None and any(m.attrs.get(k, _UNSPEC[k]) == _UNSPEC[k] for k in _UNSPEC):
            attrs = dict(m.attrs)
            for k, unspecified in _UNSPEC.items():
                if attrs.get(k, unspecified) == unspecified and same.attrs.get(k, unspecified) != unspecified:
                    attrs[k] = same.attrs[k]
                    attrs[f"{k}_score"] = same.attrs.get(f"{k}_score", same.score)
                    if k == "item" and not attrs.get("item_text"):
                        attrs["item_text"] = same.attrs.get("item_text")
            m = m.model_copy(update={"attrs": attrs})
        out.append(m)
    out += [o for o in ours if not any(m.start < o.end and o.start < m.end for m in extracted)]
    return out


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
            key = {k: m.attrs.get(k, _UNSPEC[k]) for k in _UNSPEC}
            if any(key[k] == _UNSPEC[k] for k in _UNSPEC):
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
            key = {k: m.attrs.get(k, _UNSPEC[k]) for k in _UNSPEC}
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
_PROSE_TARGET = re.compile(
    r"(?P<name>[\u4e00-\u9fff“”\"]{3,24}?)(?<![不计划目标为])\s*(?:的?(?:年初)?(?:目标值?|计划值?)(?:为|是)?)?\s*(?P<op>达到|大于等于|大于|不少于|不低于|高于|超过|小于等于|小于|低于|不超过|控制在)\s*"
    r"(?P<v>[0-9]+(?:\.[0-9]+)?\s*(?:万人|场次|人次|%|％|场|人|次|个|项|户|天|万元|元)(?:以上|以下|以内)?)"
)


# a 二级指标 run into the name's cell or sentence (经济效益指标木材销售收入, 质量指标中…率)
_LEVEL_PREFIX = re.compile(
    r"^(?:产出|效益|满意度|投入|过程|数量|质量|时效|成本|社会效益|经济效益|生态效益|可持续影响|服务对象满意度)"
    r"指标(?:中|[:：])?(?=[\u4e00-\u9fff“\"]{2})"
)
# what cannot be an indicator's name: a level heading (满意度指标) or a lone character (项)
_NOT_A_NAME = re.compile(r"^(?:.|[\u4e00-\u9fff]{0,8}指标(?:[(（][^()（）]*[)）])?)$")


def clean_name(name: str) -> str:
    """The name as written without list markers (其中：, 指标1., ★) or a level run into it;
    a template's placeholder note such as `(≥**人)` stays, as the document wrote it."""
    name = _NAME_JUNK.sub("", name.strip()).strip(" ：:")
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


# Every character _PROSE_TARGET can match (keep the two in step): a match lies inside one
# stretch of these, so only the stretches holding a comparison word are searched.
_PROSE_STRETCH = re.compile(r"[\u4e00-\u9fff“”\"\s0-9.%％]{4,}")
_COMPARISON = re.compile(r"达到|大于|不少于|不低于|高于|超过|小于|低于|不超过|控制在")


def _prose_targets(text: str) -> Iterator[re.Match]:
    """`_PROSE_TARGET.finditer(text)`, without running the pattern over stretches it cannot match."""
    for stretch in _PROSE_STRETCH.finditer(text):
        a, b = stretch.span()
        if _COMPARISON.search(text, a, b):
            yield from _PROSE_TARGET.finditer(text, a, b)


def mentions_from_prose(doc: Document) -> list[IndicatorMention]:
    """绩效指标 sentences: 会议举办场次大于 150 场 → an indicator with its target."""
    out = []
    for m in _prose_targets(doc.text):
        name = clean_name(m.group("name"))
        if len(name) < 3:
            continue
        v = parse_value(m.group("op") + m.group("v"))
        if v is None:
            continue
        im = IndicatorMention(
            name=name, span=(m.start("name"), m.end("name")), target=v, source="rules", probability=0.6
        )
        im.spans = [im.span, (m.start("op"), m.end("v"))]
        out.append(im)
    return out


def _same_target(a: Value | None, b: Value | None) -> bool:
    """Compatible targets: a bare number (no operator, no unit) agrees with the same number written in full."""
    if a is None or b is None:
        return True
    if a.value is not None and a.value == b.value and (None in (a.unit, b.unit) or a.unit == b.unit):
        return a.op is None or b.op is None or a.op == b.op
    return (a.op or ">=", a.value, a.unit, a.qualitative) == (b.op or ">=", b.value, b.unit, b.qualitative)


def reconcile_indicators(mentions: list[IndicatorMention]) -> list[Indicator]:
    """Group by (name, subject); one Indicator per distinct target within a group."""
    groups: dict[tuple, list[list[IndicatorMention]]] = {}
    for im in sorted(mentions, key=lambda m: (-SOURCE_RANK.get(m.source, 0), -m.probability, m.span[0])):
        clusters = groups.setdefault((im.name, im.subject), [])
        # two table rows are two indicators (one per project or table), whatever their names
        home = next((c for c in clusters if _same_target(c[0].target, im.target)
                     and not (im.source == "table" and any(m.source == "table" for m in c))), None)  # fmt: skip
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
