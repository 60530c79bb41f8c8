"""Calibrated confidence: isotonic maps from fused raw scores to probabilities, per field family.

The normalizer fuses model probabilities, agreement between mentions and grammar certainty
into a raw score (`reconcile.fuse`); a `CalibrationSet` fitted on held-out annotated real
documents (`jixiao evaluate calibration --fit`) maps each family's raw scores to calibrated
probabilities: among fields given 0.9, about 9 in 10 are right.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.modelio import ModelMeta, load_json, load_meta, now_iso, save_json, save_model_dir
from pipeline.schema import Document

FAMILIES = ("amounts", "indicators", "sections", "facts")
WEIGHTS_FILE = "calibration.json"


class IsotonicCalibrator:
    """A monotone map raw → probability (scikit-learn contract; state in `x_`, `y_`)."""

    def __init__(self, *, min_points: int = 10) -> None:
        self.min_points = min_points

    def fit(self, raw, correct) -> IsotonicCalibrator:
        from sklearn.isotonic import IsotonicRegression

        raw = np.asarray(raw, dtype=float)
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
        return np.clip(np.interp(np.asarray(raw, dtype=float), self.x_, self.y_), 0.0, 1.0)

    def to_dict(self) -> dict:
        return {"x": self.x_, "y": self.y_}

    @classmethod
    def from_dict(cls, d: dict) -> IsotonicCalibrator:
        c = cls()
        c.x_, c.y_ = list(d["x"]), list(d["y"])
        return c


class CalibrationSet:
    """One calibrator per field family; `apply` rewrites a document's confidences."""

    def __init__(self, calibrators: dict[str, IsotonicCalibrator]) -> None:
        self.calibrators = calibrators

    def _map(self, family: str, raw: float) -> float:
        c = self.calibrators.get(family)
        return float(c.predict([raw])[0]) if c is not None else raw

    def apply(self, doc: Document) -> Document:
        for a in doc.amounts:
            a.confidence = self._map("amounts", a.confidence)
        for ind in doc.indicators:
            ind.confidence = self._map("indicators", ind.confidence)
            for v in (ind.target, ind.actual):
                if v is not None and v.confidence is not None:
                    v.confidence = self._map("indicators", v.confidence)
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
            description="Isotonic calibration of the normalizer's fused confidences, one map per field family "
            "(amounts, indicators, sections, facts), fitted on the annotated real documents.",
            libraries={},
            labels=sorted(self.calibrators),
            config={"method": "isotonic", "families": list(FAMILIES), "cv": "document-level k-fold"},
            data_sha256=data_sha256,
            data=data,
            metrics=metrics,
        )
        return save_model_dir(path, meta, [WEIGHTS_FILE])

    @classmethod
    def from_disk(cls, path: Path) -> CalibrationSet:
        load_meta(Path(path))
        raw = load_json(Path(path) / WEIGHTS_FILE)
        return cls({k: IsotonicCalibrator.from_dict(v) for k, v in raw.items()})


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
    ax.set_title(f"{title} (ECE {ece(p, y, bins=bins):.3f}, n={len(p)})")
    ax.legend(loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
