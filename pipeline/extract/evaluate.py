"""`jixiao evaluate extract`: extraction measured on real documents held out by document.

Folds group whole documents (no document on both sides); each fold trains the NER and the
relation model on the others' gold and predicts on its own documents. Figures:
- entity P/R/F1 per label, exact (same span and label) and overlap (same label, spans overlap);
- amount value F1 (a predicted MONEY matches a gold MONEY it overlaps with the same yuan value)
  and value+stage F1 (the stage agrees too);
- indicator name F1 (names as written, per document) and indicator full F1 (name, target and
  actual all right).
When a `normalize` stage is registered, the amounts and indicators are read from the final
`Document` record it builds; otherwise from the mentions and relations (`source` says which).
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pipeline.extract.features import NER_LABELS, GoldDoc
from pipeline.schema import Document, Mention, Relation

logger = logging.getLogger(__name__)


@dataclass
class PRF:
    tp: float = 0.0
    n_pred: float = 0.0
    n_gold: float = 0.0

    @property
    def precision(self) -> float:
        return self.tp / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.n_pred += other.n_pred
        self.n_gold += other.n_gold

    def as_dict(self) -> dict[str, float]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "pred": self.n_pred,
            "gold": self.n_gold,
        }


# --- matching -------------------------------------------------------------------------------


def entity_scores(
    gold: Iterable[tuple[int, int, str]], pred: Iterable[tuple[int, int, str]], *, overlap: bool = False
) -> dict[str, PRF]:
    """Per-label counts; overlap matching pairs each gold span with at most one prediction."""
    gold, pred = list(gold), list(pred)
    out: dict[str, PRF] = defaultdict(PRF)
    for _, _, lab in gold:
        out[lab].n_gold += 1
    for _, _, lab in pred:
        out[lab].n_pred += 1
    if not overlap:
        g = Counter(gold)
        for p in pred:
            if g[p] > 0:
                g[p] -= 1
                out[p[2]].tp += 1
        return dict(out)
    used: set[int] = set()
    for ps, pe, plab in sorted(pred):
        for i, (gs, ge, glab) in enumerate(gold):
            if i not in used and glab == plab and gs < pe and ps < ge:
                used.add(i)
                out[plab].tp += 1
                break
    return dict(out)


def multiset_prf(gold: Iterable[Any], pred: Iterable[Any]) -> PRF:
    g, p = Counter(gold), Counter(pred)
    return PRF(tp=sum((g & p).values()), n_pred=sum(p.values()), n_gold=sum(g.values()))


def amount_scores(gold: list[tuple[int, int, float, str]], pred: list[tuple[int, int, float, str]]) -> tuple[PRF, PRF]:
    """(value, value+stage) counts over amounts given as (start, end, value_yuan, stage)."""
    value, staged = PRF(n_pred=len(pred), n_gold=len(gold)), PRF(n_pred=len(pred), n_gold=len(gold))
    used_v: set[int] = set()
    used_s: set[int] = set()
    for ps, pe, pv, pst in pred:
        for i, (gs, ge, gv, gst) in enumerate(gold):
            if gs < pe and ps < ge and abs(gv - pv) < 0.5:
                if i not in used_v:
                    used_v.add(i)
                    value.tp += 1
                break
        for i, (gs, ge, gv, gst) in enumerate(gold):
            if i not in used_s and gs < pe and ps < ge and abs(gv - pv) < 0.5 and gst == pst:
                used_s.add(i)
                staged.tp += 1
                break
    return value, staged


def value_key(value: dict | None) -> tuple | None:
    if not value:
        return None
    v = value.get("value")
    if v is not None:
        return (value.get("op") or "", round(float(v), 4), value.get("upper"), value.get("unit") or "")
    q = value.get("qualitative") or value.get("text") or ""
    return ("q", "".join(str(q).split()))


def norm_name(name: str) -> str:
    return "".join(name.split())


def indicators_from_mentions(mentions: list[Mention], relations: list[Relation]) -> list[tuple]:
    """(name, target key, actual key) for every INDICATOR mention."""
    out = []
    linked: dict[int, dict[str, Mention]] = defaultdict(dict)
    for r in relations:
        if r.label in ("target", "actual") and 0 <= r.tail < len(mentions):
            linked[r.head][r.label] = mentions[r.tail]
    for i, m in enumerate(mentions):
        if m.label != "INDICATOR":
            continue
        t, a = linked[i].get("target"), linked[i].get("actual")
        out.append(
            (
                norm_name(m.text),
                value_key(t.attrs.get("value")) if t else None,
                value_key(a.attrs.get("value")) if a else None,
            )
        )
    return out


def amounts_from_mentions(mentions: list[Mention]) -> list[tuple[int, int, float, str]]:
    return [
        (m.start, m.end, float(m.attrs["value_yuan"]), str(m.attrs.get("stage", "unspecified")))
        for m in mentions
        if m.label == "MONEY" and m.attrs.get("value_yuan") is not None
    ]


def amounts_from_record(doc: Document) -> list[tuple[int, int, float, str]]:
    out = []
    for a in doc.amounts:
        spans = a.evidence or [a]
        for s in spans:
            out.append((s.start, s.end, a.value_yuan, a.stage))
    return out


def indicators_from_record(doc: Document) -> list[tuple]:
    return [
        (
            norm_name(i.name),
            value_key(i.target.model_dump() if i.target else None),
            value_key(i.actual.model_dump() if i.actual else None),
        )
        for i in doc.indicators
    ]


# --- the report -------------------------------------------------------------------------------


@dataclass
class Report:
    source: str
    folds: int
    documents: int
    exact: dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    overlap: dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    amount_value: PRF = field(default_factory=PRF)
    amount_value_stage: PRF = field(default_factory=PRF)
    indicator_name: PRF = field(default_factory=PRF)
    indicator_full: PRF = field(default_factory=PRF)
    seconds: float = 0.0
    errors: list[dict] = field(default_factory=list)

    def add_document(self, gold: GoldDoc, pred_doc: Document, *, record: bool) -> None:
        g_ents = [(m.start, m.end, m.label) for m in gold.mentions if m.label in NER_LABELS]
        p_ents = [(m.start, m.end, m.label) for m in pred_doc.mentions if m.label in NER_LABELS]
        for lab, prf in entity_scores(g_ents, p_ents).items():
            self.exact[lab].add(prf)
        for lab, prf in entity_scores(g_ents, p_ents, overlap=True).items():
            self.overlap[lab].add(prf)
        g_amounts = amounts_from_mentions(gold.mentions)
        p_amounts = amounts_from_record(pred_doc) if record else amounts_from_mentions(pred_doc.mentions)
        v, vs = amount_scores(g_amounts, p_amounts)
        self.amount_value.add(v)
        self.amount_value_stage.add(vs)
        g_ind = indicators_from_mentions(gold.mentions, gold.relations)
        p_ind = indicators_from_record(pred_doc) if record else indicators_from_mentions(pred_doc.mentions, pred_doc.relations)
        self.indicator_name.add(multiset_prf([i[0] for i in g_ind], [i[0] for i in p_ind]))
        self.indicator_full.add(multiset_prf(g_ind, p_ind))
        missed = Counter(g_ind) - Counter(p_ind)
        for name, t, a in list(missed)[:50]:
            self.errors.append({"doc": gold.name, "kind": "indicator", "name_len": len(name), "target": t, "actual": a})

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "folds": self.folds,
            "documents": self.documents,
            "seconds": round(self.seconds, 1),
            "entities_exact": {k: v.as_dict() for k, v in sorted(self.exact.items())},
            "entities_overlap": {k: v.as_dict() for k, v in sorted(self.overlap.items())},
            "amount_value": self.amount_value.as_dict(),
            "amount_value_stage": self.amount_value_stage.as_dict(),
            "indicator_name": self.indicator_name.as_dict(),
            "indicator_full": self.indicator_full.as_dict(),
        }


FLOORS = {"amount_value": 0.95, "amount_value_stage": 0.90, "indicator_name": 0.90, "indicator_full": 0.85}


def folds_by_document(names: list[str], k: int) -> list[list[int]]:
    """Round-robin assignment of documents (sorted by name) to k folds: deterministic."""
    order = sorted(range(len(names)), key=lambda i: names[i])
    folds: list[list[int]] = [[] for _ in range(k)]
    for j, i in enumerate(order):
        folds[j % k].append(i)
    return [f for f in folds if f]


def predict_document(gold: GoldDoc, ner, relations, stages: list) -> Document:
    """Run the grammar, the stages given (tables …), the NER and the relations on a fresh copy."""
    from pipeline.extract.ner import append_mentions, to_mentions
    from pipeline.extract.numbers import find_quantities, quantity_mention
    from pipeline.extract.relations import apply_relations

    doc = gold.doc.model_copy(deep=True)
    doc.quantities = [quantity_mention(q) for q in find_quantities(doc.text)]
    doc.mentions, doc.relations = [], []
    for stage in stages:
        doc = stage(doc)
    found = ner.predict(doc.text, quantities=doc.quantities)
    doc = append_mentions(doc, to_mentions(doc.text, found, doc.quantities))
    return apply_relations(doc, relations)


def cross_validate(
    golds: list[GoldDoc], *, folds: int = 5, ner_settings: dict | None = None, rel_settings: dict | None = None
) -> Report:
    """Train per fold on the other folds' documents, predict and score the held-out ones."""
    t0 = time.perf_counter()
    extra, normalizer = _stages_around_models()
    report = Report(source="record" if normalizer else "mentions", folds=folds, documents=len(golds))
    for test in folds_by_document([g.name for g in golds], folds):
        train = [g for i, g in enumerate(golds) if i not in set(test)]
        _train_and_score(train, [golds[i] for i in test], report, ner_settings, rel_settings, extra, normalizer)
        logger.info("fold done: %d test documents", len(test))
    report.seconds = time.perf_counter() - t0
    return report


def heldout(
    train: list[GoldDoc], test: list[GoldDoc], *, ner_settings: dict | None = None, rel_settings: dict | None = None
) -> Report:
    """Train the NER and the relation model on `train`'s gold once, predict and score `test`'s documents."""
    t0 = time.perf_counter()
    extra, normalizer = _stages_around_models()
    report = Report(source="record" if normalizer else "mentions", folds=1, documents=len(test))
    _train_and_score(train, test, report, ner_settings, rel_settings, extra, normalizer)
    report.seconds = time.perf_counter() - t0
    return report


def _stages_around_models() -> tuple[list, Any]:
    """The registered stages the figures go through: tables before the models, normalize after."""
    from pipeline.core import build_stage, registered

    known = registered()
    extra = [build_stage("tables", {})] if "tables" in known else []
    # the figures read values, not confidences: the record is not calibrated (nor tied to the saved maps)
    normalizer = build_stage("normalize", {"calibrate": False}) if "normalize" in known else None
    return extra, normalizer


def _train_and_score(
    train: list[GoldDoc], test: list[GoldDoc], report: Report, ner_settings, rel_settings, extra: list, normalizer
) -> None:
    from pipeline.extract.ner import make_ner
    from pipeline.extract.relations import RelationModel

    ner = make_ner(ner_settings or {}).fit(
        [(g.doc.text, [(m.start, m.end, m.label) for m in g.mentions]) for g in train]
    )
    rel = RelationModel(**(rel_settings or {})).fit([(g.doc.text, g.mentions, g.relations) for g in train])
    for gold in test:
        pred = predict_document(gold, ner, rel, extra)
        if normalizer is not None:
            pred = normalizer(pred)
        report.add_document(gold, pred, record=normalizer is not None)
