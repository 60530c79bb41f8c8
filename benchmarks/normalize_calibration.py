"""Which confidence map calibrates best on held-out real documents: ECE (10 bins) and Brier
score per family, averaged over 10 document-level fold assignments (those of `jixiao evaluate
calibration`), for every candidate map (identity, Platt and isotonic maps of the first feature,
logistic maps over the features) and for the map `jixiao evaluate calibration` uses.

    .venv/bin/python benchmarks/normalize_calibration.py

The confidences are cross-fitted (`collect` refits the trainable stages per fold), so this
takes a few minutes.
"""

from __future__ import annotations

import copy

import numpy as np

from pipeline.normalize.calibrate import _calibrator, collect, fold_assignment
from pipeline.normalize.confidence import SelectedCalibrator, brier, ece, fused_score_maps, inner_cv


def cv(rows, make, inputs, *, assignments: int = 10, folds: int = 5) -> tuple[float, float, float]:
    """(mean ECE, worst ECE, mean Brier) over `assignments` random document-level fold assignments."""
    y = np.array([c for _, _, c in rows], dtype=float)
    groups = np.array([d for d, _, _ in rows])
    docs = sorted(set(groups.tolist()))
    eces, briers = [], []
    for seed in range(assignments):
        held = inner_cv(make, inputs, y, groups, folds=folds, fold_of=fold_assignment(docs, folds, seed))
        eces.append(ece(held, y))
        briers.append(brier(held, y))
    return float(np.mean(eces)), float(np.max(eces)), float(np.mean(briers))


def candidates(family: str) -> dict[str, object]:
    """The one-feature maps of every family, and the logistic maps its selection chooses among."""
    used = _calibrator(family)
    return fused_score_maps() | (used.candidates() if isinstance(used, SelectedCalibrator) else {})


def main() -> None:
    obs, names = collect()
    print(f"{len(names)} annotated real documents (confidences cross-fitted)")
    for family, rows in obs.rows.items():
        if not rows:
            continue
        x = np.asarray(obs.features[family], dtype=float)
        results = {name: cv(rows, lambda c=cal: copy.deepcopy(c), x) for name, cal in candidates(family).items()}
        results["used by jixiao"] = cv(rows, lambda family=family: _calibrator(family), x)
        print(f"{family}: {len(rows)} fields, {len({d for d, _, _ in rows})} documents")
        for name, (mean, worst, b) in results.items():
            print(f"  {name:18s} ECE mean {mean:.3f}  worst {worst:.3f}  Brier {b:.3f}")


if __name__ == "__main__":
    main()
