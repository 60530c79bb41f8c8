"""Throughput of the text layer: tokenization + sentences + headings, beside plain jieba.lcut.

    .venv/bin/python benchmarks/bench_text.py [--mb 5] [--engine rjieba] [--spacy]

Reads the seeds and corpus (../shared or $JIXIAO_SHARED) into Documents once, then processes
them over and over until at least `--mb` MB (UTF-8) of text went through, timing CPU seconds
(process time). `jieba.lcut` runs on the same texts in the same run; the ratio compares the two.
Prints figures only; the documents' text is never printed.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from pipeline.annotate import corpus
from pipeline.ingest import read_document
from pipeline.text.headings import section_tree
from pipeline.text.sentences import segment
from pipeline.text.tokenize import get_segmenter, to_spacy_doc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="MB of text to process (default 5)")
    parser.add_argument("--engine", default="rjieba", choices=["rjieba", "jieba", "characters"])
    parser.add_argument("--spacy", action="store_true", help="also build a spaCy Doc from the tokens")
    args = parser.parse_args()

    if not corpus.available():
        print(f"real documents not found at {corpus.shared_dir()}; set JIXIAO_SHARED", file=sys.stderr)
        return 2
    docs = [read_document(d.path) for d in corpus.real_documents()]
    base_bytes = sum(len(d.text.encode("utf-8")) for d in docs)
    repeats = max(1, int(args.mb * 1e6 / base_bytes + 0.999))
    total_bytes = base_bytes * repeats
    print(f"{len(docs)} documents, {base_bytes / 1e3:.1f} KB of cleaned text, × {repeats} = {total_bytes / 1e6:.2f} MB")

    segmenter = get_segmenter(args.engine)  # dictionaries loaded before timing
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()

    t0 = time.process_time()
    w0 = time.perf_counter()
    tokens = sentences = headings = 0
    for _ in range(repeats):
        for doc in docs:
            toks = segmenter.tokenize(doc.text)
            tokens += len(toks)
            if args.spacy:
                to_spacy_doc(doc.text, toks)
            sentences += len(segment(doc))
            headings += len(section_tree(doc))
    ours_cpu = time.process_time() - t0
    ours_wall = time.perf_counter() - w0

    t0 = time.process_time()
    jieba_tokens = 0
    for _ in range(repeats):
        for doc in docs:
            jieba_tokens += len(jieba.lcut(doc.text))
    jieba_cpu = time.process_time() - t0

    ours_kbs = total_bytes / 1e3 / ours_cpu
    jieba_kbs = total_bytes / 1e3 / jieba_cpu
    label = f"{args.engine} tokens + sentences + headings" + (" + spaCy Doc" if args.spacy else "")
    print(f"{label}: {ours_kbs:,.0f} KB per CPU-second ({ours_cpu:.2f} CPU s, {ours_wall:.2f} wall s; "
          f"{tokens:,} tokens, {sentences:,} sentences, {headings:,} headings)")
    print(f"plain jieba.lcut: {jieba_kbs:,.0f} KB per CPU-second ({jieba_cpu:.2f} CPU s; {jieba_tokens:,} tokens)")
    print(f"ratio: {ours_kbs / jieba_kbs:.2f}× jieba.lcut; floors: ≥ 1,000 KB/s and ≥ 2×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
