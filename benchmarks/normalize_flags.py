"""Flags on synthetic disclosures with injected inconsistencies: recall per code, false-flag rate.

    .venv/bin/python benchmarks/normalize_flags.py [N] [SEED]

The generator (`pipeline.synth`) names its injected inconsistencies with its own codes;
`SYNTH_CODES` maps them to the normalizer's. A document without an injected inconsistency
that gets any flag counts as a false flag.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from pipeline.core import Pipeline
from pipeline.ingest import read_document
from pipeline.synth import generate

SYNTH_CODES = {
    "parts_sum_mismatch": "parts_total_mismatch",
    "execution_rate_mismatch": "rate_mismatch",
    "score_exceeds_weight": "score_above_weight",
    "grade_score_mismatch": "grade_score_mismatch",
}


def run(n: int = 200, seed: int = 11) -> dict:
    pipe = Pipeline.from_config(only=("numbers", "tables", "normalize"))
    found, missed, clean, false = Counter(), Counter(), 0, []
    with tempfile.TemporaryDirectory() as tmp:
        for d in generate(n, seed):
            path = Path(tmp) / f"{d.name}.txt"
            path.write_text(d.text, encoding="utf-8")
            got = {f.code for f in pipe(read_document(path)).flags}
            want = {SYNTH_CODES[f["code"]] for f in d.gold["flags"]}
            for code in want:
                (found if code in got else missed)[code] += 1
            if not want:
                clean += 1
                if got:
                    false.append((d.name, sorted(got)))
    return {"found": found, "missed": missed, "clean": clean, "false": false}


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    t0 = time.perf_counter()
    r = run(n, seed)
    print(f"{n} synthetic documents (seed {seed}) in {time.perf_counter() - t0:.1f}s")
    for code in sorted(set(r["found"]) | set(r["missed"])):
        total = r["found"][code] + r["missed"][code]
        print(f"  {code:24s} recall {r['found'][code]}/{total} = {r['found'][code] / total:.2f}")
    print(
        f"  false-flag rate on documents without an injected inconsistency: {len(r['false'])}/{r['clean']}"
        f" = {len(r['false']) / max(r['clean'], 1):.3f}"
    )
    for name, codes in r["false"][:20]:
        print("   ", name, codes)
