"""Choose what to annotate next: the documents an annotation would teach the models most.

Three signals, each from the pipeline's own output on the candidate documents:
- uncertainty: fields (amounts, indicators, sections) the pipeline is least confident of;
- disagreement: money the grammar found that no extractor claimed, and model mentions of
  values the grammar does not see as a number;
- rare layout: documents whose shape (format, kind, kinds of tables) the annotated set
  has few or none of.
Documents already annotated are left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core import Pipeline
from pipeline.schema import Document, ErrorRecord

LOW_CONFIDENCE = 0.6
WEIGHTS = {"uncertainty": 1.0, "disagreement": 1.0, "rarity": 0.5}


@dataclass
class Candidate:
    path: Path
    doc_id: str
    score: float
    signals: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


def layout_signature(doc: Document) -> tuple:
    tables = [b for b in doc.blocks if b.kind == "table"]
    return (
        doc.source.format,
        doc.doc_kind,
        "recovered tables" if any(b.recovered for b in tables) else ("tables" if tables else "prose"),
        "many tables" if len(tables) > 3 else "few tables",
    )


def _confidences(doc: Document) -> list[float]:
    return [a.confidence for a in doc.amounts] + [i.confidence for i in doc.indicators] + [s.confidence for s in doc.sections]


def _overlaps(a, b) -> bool:
    return a.start < b.end and b.start < a.end


def signals(doc: Document, *, layout_counts: Counter, annotated: int) -> tuple[dict[str, float], list[str]]:
    reasons: list[str] = []
    conf = _confidences(doc)
    low = [c for c in conf if c < LOW_CONFIDENCE]
    uncertainty = (1 - sum(conf) / len(conf)) if conf else 1.0
    if low:
        reasons.append(f"{len(low)} of {len(conf)} fields below confidence {LOW_CONFIDENCE}")
    elif not conf:
        reasons.append("nothing extracted with confidence")
    money = [q for q in doc.quantities if q.attrs.get("kind") == "money"]
    unclaimed = [q for q in money if not any(m.label == "MONEY" and _overlaps(q, m) for m in doc.mentions)]
    values = [m for m in doc.mentions if m.label in ("MONEY", "TARGET", "ACTUAL") and m.source != "table"]
    unseen = [m for m in values if not any(_overlaps(q, m) for q in doc.quantities)]
    if unclaimed:
        reasons.append(f"{len(unclaimed)} amounts found by the grammar but by no extractor")
    if unseen:
        reasons.append(f"{len(unseen)} model values the grammar does not read as numbers")
    disagreement = (len(unclaimed) + len(unseen)) / max(len(money) + len(values), 1)
    signature = layout_signature(doc)
    seen = layout_counts.get(signature, 0)
    rarity = 1 / (1 + seen)
    if seen == 0:
        reasons.append(f"a layout the annotated set lacks ({', '.join(map(str, signature))})")
    elif annotated and seen / annotated < 0.05:
        reasons.append(f"a rare layout ({seen} annotated documents share it)")
    return {"uncertainty": uncertainty, "disagreement": disagreement, "rarity": rarity}, reasons


def rank(
    paths: list[Path], *, pipeline: Pipeline, annotated_docs: list[Document], annotated_ids: set[str], n: int
) -> tuple[list[Candidate], list[ErrorRecord]]:
    """The `n` most useful documents to annotate next, best first, each with its reasons."""
    layout_counts = Counter(layout_signature(d) for d in annotated_docs)
    candidates: list[Candidate] = []
    errors: list[ErrorRecord] = []
    for path in paths:
        doc = pipeline.process_path(path)
        if isinstance(doc, ErrorRecord):
            errors.append(doc)
            continue
        if doc.doc_id in annotated_ids:
            continue
        sig, reasons = signals(doc, layout_counts=layout_counts, annotated=len(annotated_docs))
        score = sum(WEIGHTS[k] * v for k, v in sig.items())
        candidates.append(Candidate(path=path, doc_id=doc.doc_id, score=round(score, 4), signals=sig, reasons=reasons))
    candidates.sort(key=lambda c: (-c.score, str(c.path)))
    return candidates[:n], errors
