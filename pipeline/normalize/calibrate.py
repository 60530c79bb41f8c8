"""Fit and measure the calibration of the normalizer's confidences on the annotated real documents.

Each field the pipeline outputs is scored against the gold annotations of
`data/annotations/entities/` (amounts: value, stage, flow and item of a gold MONEY span
under its evidence; indicators: a gold INDICATOR under its name with the same target;
facts: the gold `doc_facts`). Calibration is measured by document-level k-fold
cross-validation: the isotonic map of each fold is fitted on the other folds' documents.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.annotate.crossfit import cross_fitted
from pipeline.annotate.format import ANNOTATIONS_DIR, load_all, project
from pipeline.core import Pipeline
from pipeline.errors import ModelError
from pipeline.normalize.confidence import (
    AMOUNT_FEATURES,
    AMOUNT_FIELD_FEATURES,
    AMOUNT_FIELDS,
    FAMILIES,
    FIELD_FAMILY,
    INDICATOR_FEATURES,
    CalibrationSet,
    LogisticCalibrator,
    SelectedCalibrator,
    amount_features,
    amount_field_features,
    ece,
    indicator_features,
    inner_cv,
    our_reading,
    reading_of,
    reliability_diagram,
    table_spans,
)
from pipeline.normalize.stage import NormalizeStage
from pipeline.schema import Document

logger = logging.getLogger(__name__)

MODEL_FREE_STAGES = ("numbers", "tables", "normalize")


@dataclass
class Observations:
    """(document, raw confidence, correct) per field family."""

    rows: dict[str, list[tuple[str, float, bool]]] = field(default_factory=lambda: {f: [] for f in FAMILIES})
    features: dict[str, list[list[float]]] = field(default_factory=lambda: {f: [] for f in FAMILIES})

    def add(self, family: str, doc: str, raw: float, correct: bool, features: list[float] | None = None) -> None:
        self.rows[family].append((doc, float(raw), bool(correct)))
        self.features[family].append([float(x) for x in (features if features is not None else [raw])])


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _same_value(ours, gold: dict | None) -> bool:
    if ours is None or gold is None:
        return ours is None and gold is None
    gv, gq = gold.get("value"), gold.get("qualitative")
    if gv is not None or ours.value is not None:
        return gv is not None and ours.value is not None and abs(float(gv) - ours.value) < 1e-6 * max(1, abs(gv))
    return (gq or "*") in ("*", ours.qualitative)


def same_value(a, money: list) -> list:
    """The gold MONEY entities (of `money`: (projected span, entity) pairs) under the amount's
    evidence with its value: the mentions its attributes are judged against."""
    return [
        e for s, e in money
        if any(_overlaps((ev.start, ev.end), s) for ev in a.evidence)
        and abs(float(e.attrs.get("value_yuan", -1)) - a.value_yuan) < 0.5
    ]  # fmt: skip


def score_document(doc: Document, ann, obs: Observations, name: str) -> None:
    gold = [(project(doc, e.start, e.end), e) for e in ann.entities]
    money = [(s, e) for s, e in gold if e.label == "MONEY"]
    # a family is judged only in documents whose gold annotates it at all (several corpus
    # excerpts are still under-annotated: no gold there is no evidence of a wrong field)
    ours = our_reading(doc) if money else {}
    tables = table_spans(doc)
    for a in doc.amounts if money else []:
        same = same_value(a, money)
        mine = reading_of(a, ours)
        for f, family in FIELD_FAMILY.items():  # an attribute is right when a gold mention of the value agrees
            x = amount_field_features(a, f, mine)
            obs.add(family, name, x[0], any(e.attrs.get(f) == getattr(a, f) for e in same), x)
        ok = any(all(e.attrs.get(f) == getattr(a, f) for f in AMOUNT_FIELDS) for e in same)
        x = amount_features(a, mine, tables)
        obs.add("amounts", name, x[0], ok, x)
    by_id = {e.id: (s, e) for s, e in gold}
    targets = {r.head: by_id.get(r.tail) for r in ann.relations if r.label == "target"}
    gold_ind = [(s, e) for s, e in gold if e.label == "INDICATOR"]
    for ind in doc.indicators if gold_ind else []:
        if not ind.evidence:
            continue
        name_span = (ind.evidence[0].start, ind.evidence[0].end)
        hit = [(s, e) for s, e in gold_ind if _overlaps(name_span, s)]
        ok = False
        for _, e in hit:
            t = targets.get(e.id)
            ok = ok or _same_value(ind.target, t[1].attrs.get("value") if t else None)
        obs.add("indicators", name, ind.confidence, ok, indicator_features(doc, ind))
    facts = ann.doc_facts
    for key in ("fiscal_year", "doc_kind", "unit_name"):
        if key not in doc.facts or key not in facts:
            continue
        g = facts[key]
        if key == "unit_name" and isinstance(g, dict):
            s, e = project(doc, g["start"], g["end"])
            ok = doc.unit_name == doc.text[s:e]
        else:
            ok = getattr(doc, key) == g
        obs.add("facts", name, doc.facts[key].confidence, ok)
    if "evaluation" in doc.facts and "evaluation_score" in facts:
        obs.add("facts", name, doc.facts["evaluation"].confidence, doc.evaluation.score == facts["evaluation_score"])


def score_sections(doc: Document, ann, obs: Observations, name: str) -> None:
    """A section is right when a gold section starts at its heading with the same label."""
    gold = [(project(doc, s.start, s.title_end)[0], s.label) for s in ann.sections]
    for sec in doc.sections:
        ok = any(abs(start - sec.start) <= 2 and label == sec.label for start, label in gold)
        obs.add("sections", name, sec.confidence, ok)


def collect(
    config: Path | None = None, *, annotations: Path = ANNOTATIONS_DIR, folds: int = 5
) -> tuple[Observations, list[str]]:
    """Run the pipeline (uncalibrated) over every annotated real document and score its fields
    (sections against the `sections` layer where the pipeline has a sections stage).

    With `folds` > 1 the confidences are cross-fitted: the trainable stages (sections, ner,
    relations) get models refitted on the other folds' documents, so every document is read by
    models that never saw it, as in use. In-sample confidences (`folds=1`: the configured
    models, which were trained on these very documents) are far more often right than the same
    confidences on a new document, and a map fitted on them would be overconfident.
    """
    try:
        pipe = Pipeline.from_config(config)
    except ModelError as e:  # a stage's model is not trained yet: measure what runs without it
        logger.warning("%s; calibrating the stages that need no model", e)
        pipe = Pipeline.from_config(config, only=MODEL_FREE_STAGES)
    for stage in pipe.stages:
        if isinstance(stage, NormalizeStage):
            stage._calibrators = None
    gold = load_all(annotations, layer="entities")
    gold_sections = load_all(annotations, layer="sections")
    obs = Observations()
    names = []
    for rd, doc in cross_fitted(pipe, folds=folds, annotations=annotations):
        score_document(doc, gold[rd.sha256][0], obs, rd.name)
        if gold_sections.get(rd.sha256) and doc.sections:
            score_sections(doc, gold_sections[rd.sha256][0], obs, rd.name)
        names.append(rd.name)
    return obs, names


def fold_assignment(docs: list[str], folds: int, repeat: int = 0) -> dict[str, int]:
    """Document → fold; repeat 0 is the assignment of every earlier figure, the others reshuffle."""
    salt = str(repeat) if repeat else ""
    return {d: int(hashlib.sha256((d + salt).encode()).hexdigest(), 16) % folds for d in docs}


def cross_validate(obs: Observations, *, folds: int = 5, repeats: int = 10) -> dict[str, dict]:
    """Held-out calibrated confidences per family, with ECE before and after.

    With some forty documents the held-out ECE moves by ±0.04 with the assignment of documents
    to folds, so it is measured over `repeats` assignments: `ece` is their mean, `ece_worst` the
    highest; `held_out` (for the diagrams) and `ece_first` are those of the first assignment."""
    out = {}
    for family, rows in obs.rows.items():
        if not rows:
            continue
        docs = sorted({d for d, _, _ in rows})
        raw = np.array([r for _, r, _ in rows])
        y = np.array([c for _, _, c in rows], dtype=float)
        helds = [
            inner_cv(
                lambda family=family: _calibrator(family), obs.features[family], y, [d for d, _, _ in rows],
                folds=folds, fold_of=fold_assignment(docs, folds, r),
            )
            for r in range(repeats)
        ]  # fmt: skip
        out[family] = _summary(raw, helds, y, docs)
    fields = [out[family] for family in FIELD_FAMILY.values() if family in out]
    if fields:  # every attribute of every amount, each with its own confidence
        raw = np.concatenate([r["raw"] for r in fields])
        helds = [np.concatenate([r["repeats"][k] for r in fields]) for k in range(repeats)]
        y = np.concatenate([r["correct"] for r in fields])
        out["amount_fields"] = _summary(raw, helds, y, sorted(set().union(*(r["docs"] for r in fields))))
    return out


# The project's floors on held-out ECE (the normalizer issue): mean over fold assignments.
ECE_FLOORS = {"amounts": 0.05, "indicators": 0.05}


def figures(results: dict[str, dict]) -> dict[str, float]:
    """`cross_validate`'s results as the flat figures of the model cards (`calibration/<family>/…`)."""
    keys = ("ece", "ece_worst", "accuracy", "ece_if_perfect")
    return {f"calibration/{family}/{k}": float(r[k]) for family, r in results.items() for k in keys}


def _summary(raw, helds: list, y, docs: list[str]) -> dict:
    eces = [ece(h, y) for h in helds]
    return {
        "n": len(y), "documents": len(docs), "accuracy": float(y.mean()), "ece_raw": ece(raw, y),
        "ece": float(np.mean(eces)), "ece_worst": float(np.max(eces)), "ece_first": eces[0], "repeats": helds,
        "ece_if_perfect": ece_if_perfect(helds[0]), "held_out": helds[0], "correct": y, "raw": raw, "docs": docs,
    }  # fmt: skip


def ece_if_perfect(confidences, *, draws: int = 1000, seed: int = 0) -> float:
    """The ECE a perfectly calibrated predictor with these confidences shows on average, from
    outcomes drawn with exactly those probabilities: the noise floor of ECE at this sample size
    (about 0.06 for 200 fields), to read a measured ECE against."""
    p = np.asarray(confidences, dtype=float)
    if not len(p):
        return float("nan")
    rng = np.random.default_rng(seed)
    return float(np.mean([ece(p, rng.random(len(p)) < p) for _ in range(draws)]))


def _calibrator(family: str):
    """Per family: a whole amount, a logistic map over `AMOUNT_FEATURES` (the product of its
    attributes' raw scores as log-odds, cue-word agreements, whether a table gave it);
    an attribute of an amount and an indicator, the logistic map over the field's features that
    an inner document-level CV on the training documents prefers; the others, the identity,
    Platt or isotonic map of the fused score that it prefers (compare
    `benchmarks/normalize_calibration.py`)."""
    if family == "amounts":
        return LogisticCalibrator(names=AMOUNT_FEATURES, c=1.0, logit=True)
    names = {"indicators": INDICATOR_FEATURES} | dict.fromkeys(FIELD_FAMILY.values(), AMOUNT_FIELD_FEATURES)
    return SelectedCalibrator(names=names.get(family, ("fused",)))


def fit(obs: Observations) -> CalibrationSet:
    cals = {}
    for family, rows in obs.rows.items():
        if rows:
            cals[family] = _calibrator(family).fit(
                obs.features[family], [c for _, _, c in rows], groups=[d for d, _, _ in rows]
            )
    return CalibrationSet(cals)


def diagrams(results: dict[str, dict], out_dir: Path) -> list[Path]:
    return [
        reliability_diagram(
            r["held_out"],
            r["correct"],
            Path(out_dir) / f"reliability_{family}.png",
            title=f"{family}, first of {len(r['repeats'])} fold assignments (mean ECE {r['ece']:.3f})",
        )
        for family, r in results.items()
    ]


def annotations_sha256(annotations: Path = ANNOTATIONS_DIR) -> str:
    h = hashlib.sha256()
    for p in sorted(Path(annotations).glob("entities/*.json")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()
