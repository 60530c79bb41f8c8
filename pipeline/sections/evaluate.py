"""Training data, document-level cross-validation and the figures of `jixiao evaluate sections`.

Every figure comes from real documents only: folds split by document (no document on both
sides), synthetic examples join the training side of every fold and never the test side.
"""

from __future__ import annotations

import logging
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import GroupKFold

from pipeline import modelio
from pipeline.annotate.format import ANNOTATIONS_DIR
from pipeline.core import CONFIG_DIR
from pipeline.sections.classifier import SectionClassifier
from pipeline.sections.data import annotation_files, load_examples
from pipeline.sections.features import SectionFeatures, featurize
from pipeline.sections.synth import generate_examples

logger = logging.getLogger(__name__)

MODEL_CONFIG = CONFIG_DIR / "sections_model.toml"
TAXONOMY = CONFIG_DIR / "sections.toml"


def load_config(path: Path = MODEL_CONFIG) -> dict[str, Any]:
    with Path(path).open("rb") as fh:
        return tomllib.load(fh)


def taxonomy(path: Path = TAXONOMY) -> dict[str, str]:
    """Label → Chinese description, in the order of configs/sections.toml."""
    with Path(path).open("rb") as fh:
        return {label: spec.get("description", "") for label, spec in tomllib.load(fh)["labels"].items()}


@dataclass
class Dataset:
    """Real annotated sections (features, labels, document names) and synthetic ones."""

    X: list[SectionFeatures]
    y: np.ndarray
    groups: np.ndarray
    synthetic_X: list[SectionFeatures] = field(default_factory=list)
    synthetic_y: list[str] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return len(set(self.groups))


def build_dataset(config: dict[str, Any], *, root: Path = ANNOTATIONS_DIR) -> Dataset:
    X: list[SectionFeatures] = []
    y: list[str] = []
    groups: list[str] = []
    for name, grp in groupby(load_examples(root), key=lambda e: e.doc_name):
        examples = list(grp)
        doc = examples[0].doc
        spans = [(e.start, e.title_end, e.end, e.level) for e in examples]
        X.extend(featurize(doc.text, spans, [e.parent for e in examples]))
        y.extend(e.label for e in examples)
        groups.extend([name] * len(examples))
    synth = config.get("synthetic", {})
    sX, sy = generate_examples(per_label=synth.get("per_label", 0), seed=synth.get("seed", 0)) if synth.get("per_label") else ([], [])
    return Dataset(X, np.array(y), np.array(groups), sX, sy)


def data_sha256(config: dict[str, Any]) -> str:
    return modelio.data_hash(annotation_files(), extra={"synthetic": config.get("synthetic", {})})


def fit(data: Dataset, config: dict[str, Any], *, train: np.ndarray | None = None) -> SectionClassifier:
    """A classifier fitted on the real examples `train` (default: all) plus every synthetic one."""
    idx = np.arange(len(data.y)) if train is None else train
    X = [data.X[i] for i in idx] + data.synthetic_X
    y = list(data.y[idx]) + data.synthetic_y
    groups = list(data.groups[idx]) + ["synthetic"] * len(data.synthetic_y)
    calibrate = [True] * len(idx) + [False] * len(data.synthetic_y)
    return SectionClassifier(**config.get("model", {})).fit(X, y, groups=groups, calibrate=calibrate)


@dataclass
class CVResult:
    y: np.ndarray
    pred: np.ndarray
    confidence: np.ndarray
    groups: np.ndarray

    def metrics(self, *, bins: int = 10) -> dict[str, Any]:
        labels = sorted(set(self.y))
        p, r, f, s = precision_recall_fscore_support(self.y, self.pred, labels=labels, zero_division=0)
        per_label = {
            lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, lab in enumerate(labels)
        }
        confusions = Counter((str(a), str(b)) for a, b in zip(self.y, self.pred) if a != b)
        return {
            "method": "document-level cross-validation over the real documents (seeds + corpus); synthetic examples only on the training side",
            "documents": len(set(self.groups)),
            "sections": len(self.y),
            "accuracy": float((self.y == self.pred).mean()),
            "macro_f1": float(np.mean(f)),
            "ece": expected_calibration_error(self.confidence, self.y == self.pred, bins=bins),
            "ece_bins": bins,
            "per_label": per_label,
            "confusions": [{"gold": a, "predicted": b, "count": n} for (a, b), n in confusions.most_common()],
        }


def cross_validate(data: Dataset, config: dict[str, Any], *, folds: int | None = None) -> CVResult:
    """Out-of-fold predictions with folds grouped by document."""
    folds = min(folds or config.get("evaluate", {}).get("folds", 8), data.documents)
    pred = np.empty(len(data.y), dtype=object)
    confidence = np.zeros(len(data.y))
    for train, test in GroupKFold(n_splits=folds).split(data.X, data.y, data.groups):
        clf = fit(data, config, train=train)
        proba = clf.predict_proba([data.X[i] for i in test])
        pred[test] = clf.classes_[proba.argmax(axis=1)]
        confidence[test] = proba.max(axis=1)
    return CVResult(data.y, pred.astype(str), confidence, data.groups)


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, *, bins: int = 10) -> float:
    """ECE: the mean |accuracy − confidence| over equal-width confidence bins, weighted by size."""
    confidence = np.asarray(confidence, float)
    correct = np.asarray(correct, float)
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total / max(len(confidence), 1))


def reliability_diagram(result: CVResult, path: Path, *, bins: int = 10) -> Path:
    """A reliability diagram (accuracy against confidence per bin) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    correct = (result.y == result.pred).astype(float)
    which = np.minimum((result.confidence * bins).astype(int), bins - 1)
    centers, accs, confs, counts = [], [], [], []
    for b in range(bins):
        mask = which == b
        if mask.any():
            centers.append((b + 0.5) / bins)
            accs.append(correct[mask].mean())
            confs.append(result.confidence[mask].mean())
            counts.append(int(mask.sum()))
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.bar(centers, accs, width=1 / bins, alpha=0.6, edgecolor="black", label="accuracy")
    ax.plot(confs, accs, marker="o", color="C3", label="mean confidence → accuracy")
    for x, a, n in zip(centers, accs, counts):
        ax.annotate(str(n), (x, a), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=7)
    ece = expected_calibration_error(result.confidence, correct, bins=bins)
    ax.set(xlim=(0, 1), ylim=(0, 1.05), xlabel="confidence", ylabel="accuracy",
           title=f"sections: reliability (ECE {ece:.3f}, {len(result.y)} sections)")
    ax.legend(loc="upper left", fontsize=8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
