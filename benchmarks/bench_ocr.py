"""Speed and accuracy of OCR on a 300-dpi A4 page of invented report text.

    .venv/bin/python benchmarks/bench_ocr.py [--runs 5] [--compare-default]

Renders an A4 page (headings, paragraphs, a ruled indicator table; ~700 characters of our own
text) at 300 dpi with Noto Sans CJK, saves it as PNG and reads it `--runs` times with
`read_document` (after one warm-up read that loads the models). Prints the median seconds per
page (and of CPU time, a figure that other work on the machine disturbs less), characters per
second, the character accuracy (1 − edits / length, whitespace ignored)
and the process's peak RSS, beside the floors. `--compare-default` also times RapidOCR with its
default settings on the same page. Floors: ≤ 3 s per page, accuracy ≥ 0.90.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from ingest.fixtures import char_accuracy, items_text
from ingest.render import render_page, sample_report

from pipeline.ingest import read_document

FLOOR_SECONDS = 3.0
FLOOR_ACCURACY = 0.90


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare-default", action="store_true", help="also time RapidOCR's default settings")
    args = parser.parse_args()

    items = sample_report()
    expected = items_text(items)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        image = render_page(items, dpi=300)
        image.save(path, dpi=(300, 300))
        started = time.perf_counter()
        doc = read_document(path)
        first = time.perf_counter() - started
        times: list[float] = []
        cpu: list[float] = []
        for _ in range(args.runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            doc = read_document(path)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
    seconds = statistics.median(times)
    chars = len("".join(doc.text.split()))
    accuracy = char_accuracy(expected, doc.text)
    tables = [b for b in doc.blocks if b.kind == "table"]
    print(f"page: A4 at 300 dpi ({image.width}×{image.height}), {len(''.join(expected.split()))} characters")
    print(f"first read (loads the models): {first:.2f} s")
    print(f"runs: {', '.join(f'{t:.2f}' for t in times)}")
    print(f"median: {seconds:.2f} s/page (floor ≤ {FLOOR_SECONDS}) {'ok' if seconds <= FLOOR_SECONDS else 'OVER'}")
    print(
        f"CPU time: {statistics.median(cpu):.2f} s/page (both cores' work; wall time on an idle 2-core machine is less)"
    )
    print(f"speed: {chars / seconds:.0f} characters/s")
    print(f"accuracy: {accuracy:.4f} (floor ≥ {FLOOR_ACCURACY}) {'ok' if accuracy >= FLOOR_ACCURACY else 'UNDER'}")
    print(f"blocks: {len(doc.blocks)} ({len(tables)} table, {sum(len(t.rows) for t in tables)} rows)")
    print(f"peak RSS: {_peak_rss_mb():.0f} MB")

    if args.compare_default:
        import numpy as np
        from rapidocr_onnxruntime import RapidOCR

        engine = RapidOCR()
        pixels = np.asarray(image.convert("RGB"))[..., ::-1]
        engine(pixels)
        default_times, default_cpu = [], []
        for _ in range(args.runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            result, _ = engine(pixels)
            default_times.append(time.perf_counter() - started)
            default_cpu.append(time.process_time() - cpu_started)
        got = "\n".join(r[1] for r in result or [])
        print(
            f"RapidOCR defaults: median {statistics.median(default_times):.2f} s/page "
            f"(CPU {statistics.median(default_cpu):.2f} s), "
            f"accuracy {char_accuracy(expected, got):.4f} (no layout), peak RSS now {_peak_rss_mb():.0f} MB"
        )


if __name__ == "__main__":
    main()
