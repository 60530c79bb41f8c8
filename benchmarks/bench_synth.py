"""Speed of the synthetic generator: documents/s in memory and written as txt (+ gold, annotations).

    .venv/bin/python benchmarks/bench_synth.py [--n 1000] [--formats txt]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--formats", default="txt")
    args = ap.parse_args()

    from pipeline.synth import generate
    from pipeline.synth.writers import write_corpus

    t0 = time.perf_counter()
    size = sum(len(d.text.encode("utf-8")) for d in generate(args.n, seed=0))
    dt = time.perf_counter() - t0
    print(f"generate (memory)   {args.n / dt:8.0f} documents/s  ({size / dt / 1024:.0f} KB/s of text)")
    formats = [f for f in args.formats.split(",") if f]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_corpus(generate(args.n, seed=0), Path(tmp), formats=formats)
        dt = time.perf_counter() - t0
    print(f"write {','.join(formats):13s} {args.n / dt:8.0f} documents/s")


if __name__ == "__main__":
    main()
