"""Which confidence map calibrates best on held-out real documents: ECE (10 bins) and Brier
score per family, averaged over 5 document-level fold assignments, for every candidate map
(identity, Platt and isotonic maps of the fused score, logistic maps over the features) and
for the per-fold selection `jixiao evaluate calibration` uses (`SelectedCalibrator`).

    .venv/bin/python benchmarks/normalize_calibration.py

The confidences are cross-fitted (`collect` refits the trainable stages per fold), so this
takes a few minutes.
"""

from __future__ import annotations

import copy
import hashlib

import numpy as np

from pipeline.normalize.calibrate import _calibrator, collect
from pipeline.normalize.confidence import brier, ece, inner_cv


def cv(rows, make, inputs, *, assignments: int = 5, folds: int = 5) -> tuple[float, float, float]:
    """(mean ECE, worst ECE, mean Brier) over `assignments` random document-level fold assignments."""
    y = np.array([c for _, _, c in rows], dtype=float)
    groups = np.array([d for d, _, _ in rows])
    docs = sorted(set(groups.tolist()))
    eces, briers = [], []
    for seed in range(assignments):
        fold = {d: int(hashlib.sha256(f"{d}{seed}".encode()).hexdigest(), 16) % folds for d in docs}
        held = inner_cv(make, inputs, y, groups, folds=folds, fold_of=fold)
        eces.append(ece(held, y))
        briers.append(brier(held, y))
    return float(np.mean(eces)), float(np.max(eces)), float(np.mean(briers))


def main() -> None:
    obs, names = collect()
    print(f"{len(names)} annotated real documents (confidences cross-fitted)")
    for family, rows in obs.rows.items():
        if not rows:
            continue
        x = np.asarray(obs.features[family], dtype=float)
        selector = _calibrator(family)
        results = {name: cv(rows, lambda c=cal: copy.deepcopy(c), x) for name, cal in selector.candidates().items()}
        results["selected per fold"] = cv(rows, lambda family=family: _calibrator(family), x)
        print(f"{family}: {len(rows)} fields, {len({d for d, _, _ in rows})} documents")
        for name, (mean, worst, b) in results.items():
            print(f"  {name:18s} ECE mean {mean:.3f}  worst {worst:.3f}  Brier {b:.3f}")


if __name__ == "__main__":
    main()
