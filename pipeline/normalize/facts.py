"""Document facts: the reporting unit, the fiscal year, the kind of document and the
overall evaluation (score and grade), each with a confidence and its evidence."""

from __future__ import annotations

import re
from collections import Counter

from pipeline.normalize.flags import title_years
from pipeline.normalize.money import wrapped
from pipeline.normalize.rows import score_totals
from pipeline.normalize.settings import Settings
from pipeline.schema import Document, Evaluation, Fact, Span

_LABELLED_UNIT = (
    r"(?:部门[（(]单位[）)]名称|单位名称|部门名称|填报单位[（(]盖章[）)]|单位[（(]盖章[）)]|实施单位|预算单位名称|资金使用单位"
    r"|来源|发布机构|主管部门)"
)
# an organ named as the issuer of a cited document is not the reporting unit
_CITED = re.compile(r"(?:根据|按照|依据|经|《)[^》。\n]{0,30}$")
_SCORE = re.compile(
    r"(?P<cue>部门整体绩效自评得分|自评得分|评价得分|自评总分|总得分|综合得分|项目自评分|自评分)[（(]?分?[)）]?\s*[:：为是|\s]*\s*(?:为\s*)?(?P<s>[0-9]+(?:\.[0-9]+)?)"
)
_GRADE = re.compile(
    r"(?:评价等级|绩效等级|综合等级|自评等级)\s*(?:为|是|：|:|确定为)?\s*[“\"「『]?(?P<g>优秀|良好|一般|较差|优|良|中|差)(?![\u4e00-\u9fff])|自评(?:结果)?为\s*[“\"]?(?P<g2>优秀|良好|一般|较差)"
)
_LEADING = re.compile(r"^(?:[0-9]*日|年度|我单位|纳入|关于|对|为|在|由|根据)+")
# the document's overall score before the scores of its items and projects
_SCORE_PRIORITY = [
    "部门整体绩效自评得分",
    "总得分",
    "综合得分",
    "自评总分",
    "评价得分",
    "自评得分",
    "项目自评分",
    "自评分",
]


def _span(s: int, e: int) -> Span:
    return Span(start=s, end=e)


def fiscal_year(doc: Document, settings: Settings) -> tuple[int | None, Fact | None]:
    years = title_years(doc, settings)
    if years:
        counts = Counter(y for y, _, _ in years)
        year, n = counts.most_common(1)[0]
        agree = n / len(years)
        conf = (0.6 + 0.35 * agree) if n > 1 else 0.75 * agree
        return year, Fact(confidence=conf, evidence=[_span(s, e) for y, s, e in years if y == year])
    m = list(re.finditer(r"((?:19|20)[0-9]{2})\s*年度", doc.text))
    if m:
        counts = Counter(int(x.group(1)) for x in m)
        year, n = counts.most_common(1)[0]
        return year, Fact(
            confidence=0.5 * n / len(m), evidence=[_span(x.start(1), x.end(1)) for x in m if int(x.group(1)) == year]
        )
    for mention in doc.mentions:
        if mention.label == "YEAR" and mention.attrs.get("year"):
            return int(mention.attrs["year"]), Fact(
                confidence=0.4 * mention.score, evidence=[_span(mention.start, mention.end)]
            )
    return None, None


def unit_name(doc: Document, settings: Settings) -> tuple[str | None, Fact | None]:
    suffixes = "|".join(map(re.escape, sorted(settings.facts.get("unit_suffixes", []), key=len, reverse=True)))
    name_re = rf"[\u4e00-\u9fff（）()]{{2,30}}?(?:{suffixes})"
    votes: dict[str, list[tuple[float, int, int]]] = {}

    def vote(name: str, weight: float, s: int, e: int) -> None:
        if _CITED.search(text[max(0, s - 30) : s]):
            return
        lead = _LEADING.match(name)
        if lead:
            name, s = name[lead.end() :], s + lead.end()
        name = name.strip("（）() ")
        if 3 <= len(name) <= 32:
            votes.setdefault(name, []).append((weight, s, e))

    text = doc.text
    for m in re.finditer(rf"{_LABELLED_UNIT}[:：\s|]*(?P<n>{name_re})(?![\u4e00-\u9fff])", text):
        vote(m.group("n"), 1.0, m.start("n"), m.end("n"))
    for m in doc.mentions:
        if m.label == "UNIT_NAME":
            vote(m.text, 0.9 * m.score, m.start, m.end)
    head = text[:800]
    for m in re.finditer(
        rf"(?P<n>{name_re})(?:部门|单位)?\s*(?:[（(][^）)]*[）)])?\s*(?:(?:19|20)[0-9]{{2}}\s*年|整体|关于|部门整体)",
        head,
    ):
        vote(m.group("n"), 0.8, m.start("n"), m.end("n"))
    for m in re.finditer(rf"(?m)^\s*(?P<n>{name_re})\s*$", text[-300:]):
        off = len(text) - 300 if len(text) > 300 else 0
        vote(m.group("n"), 0.6, off + m.start("n"), off + m.end("n"))
    if not votes:
        return None, None
    # a longer name that contains a shorter candidate takes its votes (井陉县总工会 ⊃ 总工会)
    names = sorted(votes, key=len, reverse=True)
    for short in names:
        for long in names:
            if long != short and short in long and short in votes and long in votes:
                votes[long].extend(votes.pop(short))
                break
    best = max(votes, key=lambda n: (sum(w for w, _, _ in votes[n]), len(n)))
    total = sum(w for v in votes.values() for w, _, _ in v)
    support = sum(w for w, _, _ in votes[best])
    conf = min(0.97, 0.45 + 0.45 * support / total + 0.05 * min(len(votes[best]), 3) / 3)
    return best, Fact(confidence=conf, evidence=[_span(s, e) for _, s, e in votes[best]])


def doc_kind(doc: Document, settings: Settings) -> tuple[str, Fact]:
    head = re.sub(r"\s", "", doc.text[:600])
    order = ["overall_self_eval", "project_self_eval", "target_table", "final_accounts", "budget"]
    found = []
    for kind in order:
        for w in settings.doc_kind.get(kind, []):
            i = head.find(w)
            if i >= 0:
                found.append((i, kind, w))
    if not found:
        labels = Counter(s.label for s in doc.sections)
        return "other", Fact(confidence=0.5 if not labels else 0.4)
    first_pos = min(i for i, _, _ in found)
    # in the title region (the first cue and 40 characters on) the longest cue wins; a tie goes to the order above
    i, kind, word = min(found, key=lambda f: (f[0] > first_pos + 40, -len(f[2]), order.index(f[1]), f[0]))
    kinds = {k for _, k, _ in found}
    conf = 0.9 if len(kinds) == 1 else 0.7
    pos = doc.text.find(word[:2])
    return kind, Fact(confidence=conf, evidence=[_span(pos, pos + len(word))] if pos >= 0 else [])


_NEWLINE = re.compile("\n")


def _unwrapped(text: str) -> tuple[str, list[int]]:
    """The text without line breaks (phrases wrapped across lines read whole), and offsets back."""
    pieces: list[str] = []
    back: list[int] = []
    prev = 0
    for nl in (m.start() for m in _NEWLINE.finditer(text)):
        if wrapped(text, nl):
            pieces.append(text[prev:nl])
            back.extend(range(prev, nl))
            prev = nl + 1
    pieces.append(text[prev:])
    back.extend(range(prev, len(text) + 1))
    return "".join(pieces), back


def evaluation(doc: Document) -> Evaluation:
    text, back = _unwrapped(doc.text)

    def _span(s: int, e: int) -> Span:  # offsets of the unwrapped text → the document's
        return Span(start=back[s], end=back[e - 1] + 1)

    score = None
    score_span = None
    conf = 0.0
    candidates = [(m.group("cue"), float(m.group("s")), m.start("s"), m.end("s")) for m in _SCORE.finditer(text)]
    candidates = [c for c in candidates if 0 <= c[1] <= 100]
    if candidates:
        _, score, s, e = min(candidates, key=lambda c: (_SCORE_PRIORITY.index(c[0]), c[2]))
        score_span = _span(s, e)
        conf = 0.85 if len({c[1] for c in candidates}) == 1 else 0.7
    for t in score_totals(doc):
        if t.score is not None and (t.weight is None or t.weight.number == 100):
            if score is None:
                score, score_span, conf = t.score.number, Span(start=t.score.start, end=t.score.end), 0.75
            elif abs(score - t.score.number) < 1e-9:
                conf = min(0.95, conf + 0.1)
            break
    m = _GRADE.search(text)
    g = ("g" if m.group("g") else "g2") if m else None
    grade = m.group(g) if m else None
    evidence = [x for x in (score_span, _span(m.start(g), m.end(g)) if m else None) if x]
    if score is None and grade is None:
        return Evaluation()
    if grade is not None:
        conf = max(conf, 0.7) if score is None else min(0.95, conf + 0.05)
    return Evaluation(score=score, grade=grade, confidence=conf, evidence=evidence)
