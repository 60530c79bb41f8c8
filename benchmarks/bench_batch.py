"""Benchmark `jixiao batch`: throughput, scaling 1 → N workers (local and Dask), peak RSS.

Not a timed test: it prints figures. It writes a corpus of generated text documents
(`jixiao synth`: full-length reports of 6.5–45 KB like the real ones, or `--size short` for
1–4 KB documents; a small built-in generator when pipeline.synth is absent), runs `run_batch` on it
with the default pipeline for each engine and worker count into a fresh DuckDB file, and
times `jieba.lcut` over the same texts in the same process for comparison.

    .venv/bin/python benchmarks/bench_batch.py                 # 2,000 documents, 1 and 2 workers
    .venv/bin/python benchmarks/bench_batch.py --docs 10000 --engines local --workers 2
    .venv/bin/python benchmarks/bench_batch.py --docs 300 --quick   # a smoke run

Throughput is measured two ways: `wall` (the whole run: planning, worker start-up and
model loading, processing, commits) and `steady` (first result to last: what a long run
converges to). KB/s per core = input bytes / steady seconds / workers; KB/CPU-s = input
bytes / CPU seconds the workers spent inside the pipeline (what a core would do with no
other load on the machine, without the parent's and IPC's share). Efficiency =
(steady docs/s with N workers) / (steady docs/s with 1 worker) / N.
Floors (issue 7): ≥ 200 KB/s per core, efficiency ≥ 0.8, peak RSS < 1 GB per worker.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

FLOOR_KB_PER_CORE = 200.0
FLOOR_EFFICIENCY = 0.8
FLOOR_RSS_MB = 1024.0


def generate_corpus(folder: Path, n: int, *, seed: int = 0, size: str = "report") -> str:
    """Write n text documents into `folder`; return which generator wrote them."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        from pipeline.synth import generate
        from pipeline.synth.writers import write_corpus
    except ImportError:
        _simple_corpus(folder, n, seed=seed)
        return "built-in"
    staging = folder.parent / (folder.name + "-synth")
    write_corpus(generate(n, seed=seed, size=size), staging, formats=["txt"])
    for f in staging.glob("*.txt"):  # the inputs only, not the gold records beside them
        f.rename(folder / f.name)
    shutil.rmtree(staging)
    return "jixiao synth"


def _simple_corpus(folder: Path, n: int, *, seed: int) -> None:
    rng = random.Random(seed)
    for i in range(n):
        year = rng.choice(range(2019, 2025))
        unit = f"示范{rng.choice('东南西北中')}县第{i % 97}局"
        lines = [f"{unit}{year}年度部门整体支出绩效自评报告", "一、部门基本情况", f"{unit}共有编制{rng.randint(8, 80)}人。"]
        lines.append(f"二、预算执行情况\n年初预算{rng.randint(50, 900)}.{rng.randint(0, 99):02d}万元，全年执行{rng.randint(40, 800)}万元。")
        lines.append("三、绩效指标完成情况")
        for j in range(rng.randint(3, 12)):
            lines.append(f"产出指标 数量指标 培训人次{j} ≥{rng.randint(50, 500)}人 {rng.randint(40, 520)}人 10 {rng.randint(6, 10)}")
        lines.append(f"四、自评结论\n综合自评得分{rng.randint(70, 99)}分，评价等级为优。")
        (folder / f"doc{i:06d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def jieba_baseline(folder: Path) -> tuple[float, float]:
    """CPU seconds and KB of `jieba.lcut` over every text in `folder` (dictionary loaded first)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    texts = [f.read_text(encoding="utf-8") for f in sorted(folder.glob("*.txt"))]
    jieba.lcut("预热")
    t0 = time.process_time()
    for text in texts:
        jieba.lcut(text)
    seconds = time.process_time() - t0
    kb = sum(len(t.encode("utf-8")) for t in texts) / 1024
    return seconds, kb


def run_once(folder: Path, work: Path, *, engine: str, workers: int, config: Path | None = None) -> dict:
    from pipeline.batch.run import run_batch

    db = work / f"{engine}-{workers}.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    marks: list[float] = []
    cpu = [0.0]

    def seen(outcome) -> None:
        marks.append(time.perf_counter())
        cpu[0] += outcome.cpu_seconds

    t0, parent0 = time.perf_counter(), _cpu_self()
    summary = run_batch(folder, db=db, engine=engine, workers=workers, commit_every=500, config=config, on_outcome=seen)
    wall, parent = time.perf_counter() - t0, _cpu_self() - parent0
    n = summary.processed + summary.failed
    # steady state: from the first result to the last, for the documents in between
    steady = (marks[-1] - marks[0]) if len(marks) > 1 else wall
    steady_docs = max(len(marks) - 1, 1)
    kb = summary.bytes / 1024
    return {
        "engine": engine,
        "workers": workers,
        "docs": n,
        "failed": summary.failed,
        "wall_s": wall,
        "wall_docs_s": n / wall,
        "steady_docs_s": steady_docs / steady,
        "kb_s_core": kb * (steady_docs / max(n, 1)) / steady / workers,
        "kb_per_cpu_s": kb / cpu[0] if cpu[0] else 0.0,
        "peak_rss_mb": max(summary.peak_rss_mb.values(), default=0.0),
        "parent_ms_doc": parent / max(n, 1) * 1000,
        "db_mb": db.stat().st_size / 2**20,
    }


def _cpu_self() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=2000, help="documents to generate (10000 for the long run)")
    ap.add_argument("--engines", default="local,dask", help="comma-separated engines to measure")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--size", choices=("report", "short"), default="report",
                    help="generated documents: full-length reports (default) or short ones")
    ap.add_argument("--keep", type=Path, default=None, help="keep the corpus and databases in this folder")
    ap.add_argument("--quick", action="store_true", help="local engine only, 1 and 2 workers (a smoke run)")
    ap.add_argument("--config", type=Path, default=None,
                    help="pipeline config (default: configs/pipeline.toml); one with `stages = []` measures the batch machinery alone")
    args = ap.parse_args(argv)
    engines = ["local"] if args.quick else [e.strip() for e in args.engines.split(",") if e.strip()]
    counts = sorted({int(w) for w in args.workers.split(",")})

    work = args.keep or Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / f"corpus-{args.size}-{args.docs}"
    if not corpus.is_dir() or len(list(corpus.glob("*.txt"))) != args.docs:
        shutil.rmtree(corpus, ignore_errors=True)
        t0 = time.perf_counter()
        source = generate_corpus(corpus, args.docs, size=args.size)
        print(f"generated {args.docs} documents with {source} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    files = list(corpus.glob("*.txt"))
    total_kb = sum(f.stat().st_size for f in files) / 1024
    print(f"corpus: {len(files)} text documents, {total_kb:,.0f} KB ({total_kb / len(files):.1f} KB each); "
          f"cores visible: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")

    jb_s, jb_kb = jieba_baseline(corpus)
    jieba_kb_s = jb_kb / jb_s
    results = []
    for engine in engines:
        for w in counts:
            r = run_once(corpus, work, engine=engine, workers=w, config=args.config)
            results.append(r)
            print(f"  {engine} × {w}: {r['docs']} docs in {r['wall_s']:.1f} s", file=sys.stderr)

    base = {r["engine"]: r for r in results if r["workers"] == 1}
    header = ("engine", "workers", "docs", "failed", "wall s", "docs/s wall", "docs/s steady", "KB/s/core",
              "KB/CPU-s", "× jieba", "speedup", "efficiency", "peak RSS MB", "parent ms/doc", "DB MB")
    print("\n" + " | ".join(header))
    print(" | ".join("---" for _ in header))
    for r in results:
        b = base.get(r["engine"])
        speedup = r["steady_docs_s"] / b["steady_docs_s"] if b else float("nan")
        r["efficiency"] = speedup / r["workers"]
        print(" | ".join([
            r["engine"], str(r["workers"]), str(r["docs"]), str(r["failed"]), f"{r['wall_s']:.1f}",
            f"{r['wall_docs_s']:.1f}", f"{r['steady_docs_s']:.1f}", f"{r['kb_s_core']:.0f}", f"{r['kb_per_cpu_s']:.0f}",
            f"{r['kb_per_cpu_s'] / jieba_kb_s:.2f}", f"{speedup:.2f}", f"{r['efficiency']:.2f}", f"{r['peak_rss_mb']:.0f}",
            f"{r['parent_ms_doc']:.1f}", f"{r['db_mb']:.1f}",
        ]))
    print(f"\njieba.lcut, same texts, one core: {jieba_kb_s:,.0f} KB per CPU-second ({jb_s:.2f} CPU-s for {jb_kb:,.0f} KB);"
          " '× jieba' = KB/CPU-s of the pipeline ÷ this")
    best = max((r["kb_s_core"] for r in results), default=0.0)
    worst_eff = min((r["efficiency"] for r in results if r["workers"] > 1), default=float("nan"))
    peak = max((r["peak_rss_mb"] for r in results), default=0.0)
    print(f"floors: KB/s per core {best:.0f} (≥ {FLOOR_KB_PER_CORE:.0f}: {'ok' if best >= FLOOR_KB_PER_CORE else 'MISSED'}); "
          f"efficiency {worst_eff:.2f} (≥ {FLOOR_EFFICIENCY}: {'ok' if worst_eff >= FLOOR_EFFICIENCY else 'MISSED'}); "
          f"peak RSS {peak:.0f} MB (< {FLOOR_RSS_MB:.0f}: {'ok' if peak < FLOOR_RSS_MB else 'MISSED'})")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
