"""Throughput of the numbers grammar on the seed documents (or any text files given).

    .venv/bin/python benchmarks/bench_numbers.py [FILES…] [--repeat N]

Prints KB/s and MB/s of `find_quantities` and of the `numbers` stage, beside `jieba.lcut`
over the same text as a yardstick. Without arguments it reads ../shared/seeds/*.txt
($JIXIAO_SHARED), falling back to synthetic documents when the folder is absent.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def _texts(files: list[str]) -> tuple[list[str], str]:
    if files:
        return [Path(f).read_text(encoding="utf-8") for f in files], f"{len(files)} files"
    from pipeline.annotate import corpus

    seeds = sorted((corpus.shared_dir() / "seeds").glob("*.txt"))
    if seeds:
        return [p.read_text(encoding="utf-8") for p in seeds], f"{len(seeds)} seeds"
    from pipeline.synth import generate

    return [d.text for d in generate(50, seed=0)], "50 synthetic documents"


def _rate(fn, texts: list[str], repeat: int) -> tuple[float, int]:
    size = sum(len(t.encode("utf-8")) for t in texts)
    best = float("inf")
    count = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        count = sum(len(fn(t)) for t in texts)
        best = min(best, time.perf_counter() - t0)
    return size / best, count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    texts, what = _texts(args.files)

    from pipeline.extract.numbers import NumbersStage, find_quantities
    from pipeline.schema import Document, Source

    stage = NumbersStage()

    def run_stage(text: str) -> list:
        doc = Document(doc_id="bench", source=Source(path="bench", format="txt"), text=text)
        return stage(doc).quantities

    find_quantities(texts[0])  # compile and load the vocabulary outside the timing
    size = sum(len(t.encode("utf-8")) for t in texts)
    print(f"input: {what}, {size / 1024:.1f} KB UTF-8, best of {args.repeat}")
    for name, fn in (("find_quantities", find_quantities), ("numbers stage", run_stage)):
        rate, count = _rate(fn, texts, args.repeat)
        print(f"{name:16s} {rate / 1024:10.0f} KB/s  ({rate / 1e6:.2f} MB/s, {count} quantities)")
    try:
        import jieba

        jieba.setLogLevel(60)
        jieba.lcut(texts[0])
        rate, _ = _rate(jieba.lcut, texts, max(1, args.repeat // 2))
        print(f"{'jieba.lcut':16s} {rate / 1024:10.0f} KB/s  ({rate / 1e6:.2f} MB/s)")
    except ImportError:
        pass


if __name__ == "__main__":
    main()
