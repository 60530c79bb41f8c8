"""Calibrated confidence: isotonic maps from fused raw scores to probabilities, per field family.

The normalizer fuses model probabilities, agreement between mentions and grammar certainty
into a raw score (`reconcile.fuse`); a `CalibrationSet` fitted on held-out annotated real
documents (`jixiao evaluate calibration --fit`) maps each family's raw scores to calibrated
probabilities: among fields given 0.9, about 9 in 10 are right.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.errors import ModelError
from pipeline.modelio import ModelMeta, library_versions, load_json, load_meta, now_iso, save_json, save_model_dir
from pipeline.normalize.reconcile import UNSPECIFIED
from pipeline.schema import Document

# each attribute of an amount has a confidence of its own (`Amount.stage_confidence` …), calibrated
# as a family of its own
AMOUNT_FIELDS = ("stage", "flow", "item")
FIELD_FAMILY = {f: f"amount_{f}" for f in AMOUNT_FIELDS}
FAMILIES = ("amounts", *FIELD_FAMILY.values(), "indicators", "sections", "facts")
WEIGHTS_FILE = "calibration.json"

# An attribute of an amount is judged by its own raw score, whether it is left unspecified,
# whether our cue-word reading of the same amount names the same value or another one, and whether
# it says `total` (the whole, against a project's or a part's money: the hardest item to judge).
AMOUNT_FIELD_FEATURES = ("field", "field_unspecified", "ours_agree", "ours_disagree", "field_total")
# A whole amount is right when all its attributes are: the product of their raw scores, how many of
# its attributes our cue-word reading names alike and how many it names otherwise, and whether a
# table column or row label gave it (table readings are right more often than their scores say).
# (Repeated document-level CV: mean ECE 0.053 and Brier 0.160, against 0.066 and 0.176 for the
# product alone and 0.109 for a logistic map over 29 features of the amount.)
AMOUNT_FEATURES = ("fields_product", "cue_agreements", "cue_disagreements", "from_table")


def reading_of(a, ours: dict) -> tuple[str, str, str] | None:
    """Our cue-word reading (stage, flow, item) of the amount `a`, from `our_reading(doc)`."""
    return next((v for (s, e), v in ours.items() if s < a.end and a.start < e), None)


def amount_field_features(a, field: str, mine: tuple[str, str, str] | None) -> list[float]:
    """`AMOUNT_FIELD_FEATURES` of one attribute of an Amount; `mine` is `reading_of(a, …)`."""
    value = getattr(a, field)
    unspecified = UNSPECIFIED[field]
    raw = getattr(a, f"{field}_confidence")
    cue = mine[AMOUNT_FIELDS.index(field)] if mine else unspecified
    named = cue != unspecified
    return [raw if raw is not None else a.confidence, float(value == unspecified), float(named and cue == value),
            float(named and cue != value), float(value == "total")]  # fmt: skip


def amount_features(a, mine: tuple[str, str, str] | None, tables: list[tuple[int, int]]) -> list[float]:
    """`AMOUNT_FEATURES` of an Amount, read before its attributes' confidences are calibrated;
    `mine` is `reading_of(a, …)`, `tables` the spans of the MONEY mentions a table gave (`table_spans`)."""
    scores = [getattr(a, f"{f}_confidence") for f in AMOUNT_FIELDS]
    # our reading's `other` item counts: it says the amount is none of the named items
    read = [(cue, getattr(a, f)) for f, cue in zip(AMOUNT_FIELDS, mine or (), strict=False) if cue != "unspecified"]
    from_table = any(s < ev.end and ev.start < e for ev in a.evidence for s, e in tables)
    return [float(np.prod([a.confidence if s is None else s for s in scores])), sum(c == v for c, v in read),
            sum(c != v for c, v in read), float(from_table)]  # fmt: skip


def table_spans(doc: Document) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in doc.mentions if m.label == "MONEY" and m.source == "table"]


def our_reading(doc: Document, labeled: list | None = None) -> dict[tuple[int, int], tuple[str, str, str]]:
    """Our cue-word reading of every amount: span → (stage, flow, item). `labeled`: the
    normalizer's `label_amounts` of this document, when it has them (saves reading again)."""
    if labeled is None:
        from pipeline.normalize.money import label_amounts
        from pipeline.normalize.settings import load_settings

        default = "budget_initial" if doc.doc_kind == "target_table" else None
        labeled = label_amounts(doc, load_settings(), default_stage=default, kind=doc.doc_kind)
    return {(a.start, a.end): (a.stage, a.flow, a.schema_item) for a in labeled}


INDICATOR_FEATURES = (
    "fused", "log_evidence", "has_target", "has_actual", "target_op", "target_number", "target_qualitative",
    "has_weight", "has_score", "comparable", "name_length", "from_table", "from_mentions", "name_has_value",
    "target_confidence", "mention_probability",
)  # fmt: skip


def _overlaps_any(doc: Document, start: int, end: int, *, label: str, source: str | None = None) -> bool:
    return any(
        m.label == label and m.start < end and start < m.end and (source is None or m.source == source)
        for m in doc.mentions
    )


def indicator_features(doc: Document, ind) -> list[float]:
    t = ind.target
    first = ind.evidence[0] if ind.evidence else None
    import re

    probs = [
        m.score
        for m in doc.mentions
        if first and m.label == "INDICATOR" and m.start < first.end and first.start < m.end
    ]
    return [
        ind.confidence, float(np.log1p(len(ind.evidence))), t is not None, ind.actual is not None,
        bool(t and t.op), bool(t and t.value is not None), bool(t and t.qualitative), ind.weight is not None,
        ind.score is not None, ind.achieved is not None, min(len(ind.name), 40) / 40,
        bool(first and _overlaps_any(doc, first.start, first.end, label="INDICATOR", source="table")),
        bool(probs), bool(re.search(r"[0-9%％≥≤><]|大于|小于|达到|不少于|不低于|控制在|[，。；]", ind.name)),
        t.confidence if t is not None and t.confidence is not None else 0.0, max(probs) if probs else 0.0,
    ]  # fmt: skip


def _logit(p):
    p = np.clip(np.asarray(p, dtype=float), 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


class IdentityCalibrator:
    """The fused score as it is: chosen where it is already as well calibrated as any map."""

    def fit(self, features, correct, groups=None) -> IdentityCalibrator:
        return self

    def predict(self, features):
        return np.clip(np.asarray(features, dtype=float).reshape(len(features), -1)[:, 0], 0.0, 1.0)

    def to_dict(self) -> dict:
        return {"kind": "identity"}

    @classmethod
    def from_dict(cls, d: dict) -> IdentityCalibrator:
        return cls()


class LogisticCalibrator:
    """P(correct | features): a logistic regression (scikit-learn contract; state in `coef_`, `intercept_`).

    `logit`: the first input (the fused score, a probability) enters as log-odds (Platt scaling
    of the fused score: coefficient 1 and intercept 0 is the identity)."""

    def __init__(self, *, names: tuple[str, ...] = (), c: float = 1.0, logit: bool = False) -> None:
        self.names = names
        self.c = c  # inverse regularization strength
        self.logit = logit

    def _inputs(self, features) -> np.ndarray:
        x = np.asarray(features, dtype=float)
        x = x.reshape(len(x), -1)[:, : max(1, len(self.names))]
        if self.logit:  # the fused score, a probability, enters as log-odds; counts and flags as they are
            x = np.column_stack([_logit(x[:, 0]), x[:, 1:]])
        return x

    def fit(self, features, correct, groups=None) -> LogisticCalibrator:
        from sklearn.linear_model import LogisticRegression

        x = self._inputs(features)
        y = np.asarray(correct, dtype=int)

        if len(set(y.tolist())) < 2:
            self.coef_ = [0.0] * x.shape[1]
            rate = min(max(float(y.mean()) if len(y) else 0.5, 1e-3), 1 - 1e-3)
            self.intercept_ = float(np.log(rate / (1 - rate)))
            return self
        lr = LogisticRegression(C=self.c, max_iter=2000).fit(x, y)
        self.coef_ = [float(v) for v in lr.coef_[0]]
        self.intercept_ = float(lr.intercept_[0])
        return self

    def predict(self, features):
        x = self._inputs(features)
        if x.shape[1] != len(self.coef_):
            raise ModelError(
                f"a calibration map fitted on {len(self.coef_)} features was given {x.shape[1]}: it is from "
                "another version of jixiao; refit it with `jixiao evaluate calibration --fit`"
            )
        return 1 / (1 + np.exp(-(x @ np.asarray(self.coef_) + self.intercept_)))

    def to_dict(self) -> dict:
        return {"kind": "logistic", "names": list(self.names), "c": self.c, "coef": self.coef_,
                "intercept": self.intercept_, "logit": self.logit}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict) -> LogisticCalibrator:
        c = cls(names=tuple(d["names"]), logit=bool(d.get("logit", False)))
        c.coef_, c.intercept_ = list(d["coef"]), float(d["intercept"])
        return c


class IsotonicCalibrator:
    """A monotone map raw → probability (scikit-learn contract; state in `x_`, `y_`)."""

    def __init__(self, *, min_points: int = 10) -> None:
        self.min_points = min_points

    def fit(self, raw, correct, groups=None) -> IsotonicCalibrator:
        from sklearn.isotonic import IsotonicRegression

        raw = _first_column(raw)
        correct = np.asarray(correct, dtype=float)
        if len(raw) < self.min_points or len(set(correct.tolist())) < 2:
            # too little to fit a curve: one rate for everything
            self.x_ = [0.0, 1.0]
            rate = float(correct.mean()) if len(correct) else 0.5
            self.y_ = [rate, rate]
            return self
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True).fit(raw, correct)
        self.x_ = [float(x) for x in iso.X_thresholds_]
        self.y_ = [float(y) for y in iso.y_thresholds_]
        return self

    def predict(self, raw):
        return np.clip(np.interp(_first_column(raw), self.x_, self.y_), 0.0, 1.0)

    def to_dict(self) -> dict:
        return {"kind": "isotonic", "x": self.x_, "y": self.y_}

    @classmethod
    def from_dict(cls, d: dict) -> IsotonicCalibrator:
        c = cls()
        c.x_, c.y_ = list(d["x"]), list(d["y"])
        return c


def _first_column(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x if x.ndim == 1 else x[:, 0]


CALIBRATOR_KINDS = {"identity": IdentityCalibrator, "logistic": LogisticCalibrator, "isotonic": IsotonicCalibrator}


def inner_cv(make, x, y, groups, *, folds: int = 3, fold_of=None) -> np.ndarray:
    """Out-of-fold predictions of the calibrators `make()` builds, folds grouped by document
    (`fold_of`: group → fold; default the groups' sorted order, round robin)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y)
    groups = np.asarray(groups if groups is not None else np.arange(len(y)))
    if fold_of is None:
        fold_of = {g: i % folds for i, g in enumerate(sorted(set(groups.tolist())))}
    fold = np.array([fold_of[g] for g in groups.tolist()])
    held = np.full(len(y), float(y.mean()) if len(y) else 0.5)
    for k in range(folds):
        test = fold == k
        if test.any() and (~test).any():
            held[test] = make().fit(x[~test], y[~test], groups[~test]).predict(x[test])
    return held


def brier(p, y) -> float:
    """Mean squared error of probabilities: a proper score (calibration and sharpness together)."""
    return float(np.mean((np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2)) if len(y) else 0.0


def fused_score_maps() -> dict[str, object]:
    """The one-feature maps of the fused score: as it is, Platt-scaled, isotonic."""
    return {
        "identity": IdentityCalibrator(),
        "platt": LogisticCalibrator(names=("fused",), c=10.0, logit=True),
        "isotonic": IsotonicCalibrator(),
    }


class SelectedCalibrator:
    """The candidate (identity, Platt, isotonic, a logistic over features) with the best Brier score
    on an inner document-level CV of the training data: with few documents a richer map often
    calibrates worse on new ones than the fused score itself; ECE alone would pick a constant."""

    def __init__(self, *, names: tuple[str, ...] = ("fused",)) -> None:
        self.names = names

    def candidates(self) -> dict[str, object]:
        if len(self.names) > 1:
            # with features, only their logistic maps: on a few training documents the inner CV
            # often preferred the fused score alone by a hair of Brier, and calibrated worse on
            # new documents (benchmarks/normalize_calibration.py)
            return {f"features_c{c}": LogisticCalibrator(names=self.names, c=c) for c in (0.1, 0.3, 1.0)}
        return fused_score_maps()

    def fit(self, features, correct, groups=None) -> SelectedCalibrator:
        import copy

        x, y = np.asarray(features, dtype=float), np.asarray(correct, dtype=int)
        x = x.reshape(len(x), -1)
        scores = {
            name: brier(inner_cv(lambda c=cal: copy.deepcopy(c), x, y, groups), y)
            for name, cal in self.candidates().items()
        }
        self.scores_ = scores
        self.chosen_ = min(scores, key=scores.get)
        self.calibrator_ = self.candidates()[self.chosen_].fit(x, y, groups)
        return self

    def predict(self, features):
        return self.calibrator_.predict(features)

    def to_dict(self) -> dict:
        return {**self.calibrator_.to_dict(), "chosen": self.chosen_, "inner_cv_brier": self.scores_}


class CalibrationSet:
    """One calibrator per field family; `apply` rewrites a document's confidences."""

    def __init__(self, calibrators: dict[str, object]) -> None:
        self.calibrators = calibrators

    def _map(self, family: str, raw: float) -> float:
        return self._predict(family, [raw], raw)

    def _predict(self, family: str, features: list[float], raw: float) -> float:
        """Every calibrator reads the columns it was fitted on; the fused score comes first."""
        c = self.calibrators.get(family)
        return raw if c is None else float(c.predict([features])[0])

    def apply(self, doc: Document, *, labeled: list | None = None) -> Document:
        """Calibrated confidences for every field; `labeled`: see `our_reading`."""
        ours = our_reading(doc, labeled) if doc.amounts else {}
        tables = table_spans(doc)
        for a in doc.amounts:
            mine = reading_of(a, ours)
            joint = amount_features(a, mine, tables)  # from the raw attribute scores, before they are mapped
            for field, family in FIELD_FAMILY.items():
                if family in self.calibrators:
                    x = amount_field_features(a, field, mine)
                    setattr(a, f"{field}_confidence", self._predict(family, x, x[0]))
            a.confidence = self._predict("amounts", joint, a.confidence)
        for ind in doc.indicators:
            fused = ind.confidence
            ind.confidence = self._predict("indicators", indicator_features(doc, ind), fused)
            for v in (ind.target, ind.actual):
                if v is not None and v.confidence is not None:
                    # a value is as sure as its indicator, scaled by its own share of the fused score
                    v.confidence = float(min(1.0, ind.confidence * min(1.0, v.confidence / max(fused, 1e-9))))
        for s in doc.sections:
            s.confidence = self._map("sections", s.confidence)
        for f in doc.facts.values():
            f.confidence = self._map("facts", f.confidence)
        if doc.evaluation.confidence is not None and "evaluation" in doc.facts:
            doc.evaluation.confidence = doc.facts["evaluation"].confidence
        return doc

    def to_disk(self, path: Path, *, metrics: dict, data: dict, data_sha256: str) -> ModelMeta:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        save_json({k: c.to_dict() for k, c in self.calibrators.items()}, path / WEIGHTS_FILE)
        meta = ModelMeta(
            name="calibration",
            created=now_iso(),
            description="Calibrated confidence of the normalizer's fields, one map per field family fitted on "
            "cross-fitted readings of the annotated real documents: a whole amount, a logistic map over the product "
            "of its attributes' raw scores, its cue-word agreements and whether a table gave it; each attribute of an "
            "amount and each indicator, a logistic map over the field's features; sections and facts, the identity, "
            "Platt or isotonic map of the fused score. ECE measured by document-level cross-validation, averaged over "
            "10 fold assignments.",
            libraries=library_versions(["scikit-learn", "numpy"]),
            labels=sorted(self.calibrators),
            config={
                "method": {f: getattr(c, "chosen_", type(c).__name__) for f, c in self.calibrators.items()},
                "features": {
                    "amounts": list(AMOUNT_FEATURES),
                    "amount attributes": list(AMOUNT_FIELD_FEATURES),
                    "indicators": list(INDICATOR_FEATURES),
                },
                "cv": "document-level k-fold, 10 fold assignments",
            },
            data_sha256=data_sha256,
            data=data,
            metrics=metrics,
        )
        return save_model_dir(path, meta, [WEIGHTS_FILE])

    @classmethod
    def from_disk(cls, path: Path) -> CalibrationSet:
        load_meta(Path(path))
        raw = load_json(Path(path) / WEIGHTS_FILE)
        return cls({k: CALIBRATOR_KINDS[v.get("kind", "isotonic")].from_dict(v) for k, v in raw.items()})


def ece(probabilities, correct, *, bins: int = 10) -> float:
    """Expected calibration error with `bins` equal-width bins."""
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(correct, dtype=float)
    if len(p) == 0:
        return float("nan")
    idx = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            total += mask.sum() / len(p) * abs(p[mask].mean() - y[mask].mean())
    return float(total)


def reliability_diagram(probabilities, correct, path: Path, *, title: str, bins: int = 10) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(correct, dtype=float)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    centers, accs, counts = [], [], []
    for b in range(bins):
        mask = idx == b
        if mask.any():
            centers.append(p[mask].mean())
            accs.append(y[mask].mean())
            counts.append(int(mask.sum()))
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=100)
    ax.plot([0, 1], [0, 1], "--", color="grey", lw=1, label="perfect")
    ax.plot(centers, accs, "o-", color="tab:blue", label="held-out")
    for c, a, n in zip(centers, accs, counts):
        ax.annotate(str(n), (c, a), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence")
    ax.set_ylabel("fraction correct")
    ax.set_title(f"{title}\nECE {ece(p, y, bins=bins):.3f} here, n={len(p)}", fontsize=9)
    ax.legend(loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
