"""Which confidence map calibrates best on held-out real documents: ECE (10 bins) per family,
averaged over 5 document-level fold assignments, for logistic maps of several strengths over
the features, isotonic and Platt maps of the fused score.

    .venv/bin/python benchmarks/normalize_calibration.py

(`jixiao evaluate calibration` reports the chosen maps; this script is how they were chosen.)
"""

from __future__ import annotations

import hashlib

import numpy as np

from pipeline.normalize.calibrate import collect
from pipeline.normalize.confidence import IsotonicCalibrator, LogisticCalibrator, ece


def cv(rows, make, inputs, *, assignments: int = 5, folds: int = 5) -> tuple[float, float]:
    y = np.array([c for _, _, c in rows], dtype=float)
    docs = sorted({d for d, _, _ in rows})
    scores = []
    for seed in range(assignments):
        fold = {d: int(hashlib.sha256(f"{d}{seed}".encode()).hexdigest(), 16) % folds for d in docs}
        held = np.zeros(len(y))
        for k in range(folds):
            test = np.array([fold[d] == k for d, _, _ in rows])
            if test.any():
                held[test] = make().fit(inputs[~test], y[~test]).predict(inputs[test])
        scores.append(ece(held, y))
    return float(np.mean(scores)), float(np.max(scores))


def main() -> None:
    obs, names = collect()
    print(f"{len(names)} annotated real documents")
    for family, rows in obs.rows.items():
        if not rows:
            continue
        x = np.asarray(obs.features[family])
        raw = np.array([r for _, r, _ in rows])
        results = {f"logistic C={c}": cv(rows, lambda c=c: LogisticCalibrator(c=c), x) for c in (0.03, 0.1, 0.3, 1, 3)}
        results["isotonic (fused)"] = cv(rows, IsotonicCalibrator, raw)
        results["Platt (fused)"] = cv(rows, lambda: LogisticCalibrator(c=1), raw.reshape(-1, 1))
        print(f"{family}: {len(rows)} fields, {len({d for d, _, _ in rows})} documents")
        for name, (mean, worst) in results.items():
            print(f"  {name:18s} ECE mean {mean:.3f}  worst {worst:.3f}")


if __name__ == "__main__":
    main()
