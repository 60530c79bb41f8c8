"""Speed of the plain-text reader (decode, clean, layout, build) and what layout recovers.

    .venv/bin/python benchmarks/bench_txt.py [--runs 5]

Reads the seed and corpus documents of the shared folder ($JIXIAO_SHARED, default ../shared)
`--runs` times and prints KB/s on the seeds and on the corpus (floor: 200 KB/s per core),
the share of time spent in cleaning and in layout, and, per document, the flattened tables
recovered by shape. Prints document names and counts only, never their text.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.annotate import corpus  # noqa: E402
from pipeline.ingest import layout, txt  # noqa: E402
from pipeline.ingest.clean import clean_inline  # noqa: E402
from pipeline.ingest.decode import decode_text  # noqa: E402
from pipeline.ingest.offsets import MappedText  # noqa: E402


def kb_per_s(files: list[tuple[Path, bytes]], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for path, data in files:
            txt.read(path, data)
        times.append(time.perf_counter() - start)
    return sum(len(d) for _, d in files) / 1024 / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not corpus.available():
        sys.exit(f"no real documents at {corpus.shared_dir()}; set JIXIAO_SHARED")
    docs = corpus.real_documents()
    seeds = [(d.path, d.path.read_bytes()) for d in docs if d.name.startswith("seeds/")]
    excerpts = [(d.path, d.path.read_bytes()) for d in docs if d.name.startswith("corpus/")]
    for path, data in seeds + excerpts:  # warm up (imports, regex compilation)
        txt.read(path, data)
    print(f"seeds : {sum(len(d) for _, d in seeds) / 1024:7.1f} KB  {kb_per_s(seeds, args.runs):7.0f} KB/s")
    print(f"corpus: {sum(len(d) for _, d in excerpts) / 1024:7.1f} KB  {kb_per_s(excerpts, args.runs):7.0f} KB/s")

    clean_s = layout_s = 0.0
    for _, data in seeds:
        raw = decode_text(data)
        start = time.perf_counter()
        cleaned = clean_inline(MappedText.raw(raw))
        clean_s += time.perf_counter() - start
        lines = [cleaned[a : a + len(t)] for a, t in _line_spans(cleaned.text)]
        start = time.perf_counter()
        layout.lines_to_blocks(lines)
        layout_s += time.perf_counter() - start
    print(f"seeds : clean {clean_s * 1000:.1f} ms, layout {layout_s * 1000:.1f} ms (one pass)")

    totals: Counter[str] = Counter()
    for d in docs:
        raw = decode_text(d.path.read_bytes())
        cleaned = clean_inline(MappedText.raw(raw))
        blocks = layout.lines_to_blocks([cleaned[a : a + len(t)] for a, t in _line_spans(cleaned.text)])
        shapes = Counter(b.shape for b in blocks if b.kind == "table")
        rows = Counter()
        for b in blocks:
            if b.kind == "table":
                rows[b.shape] += len(b.rows)
        if shapes:
            print(f"  {d.name:34s} " + ", ".join(f"{s}: {n} table(s), {rows[s]} rows" for s, n in sorted(shapes.items())))
        totals.update(shapes)
    print("tables by shape:", dict(sorted(totals.items())))


def _line_spans(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


if __name__ == "__main__":
    main()
