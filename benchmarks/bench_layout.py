"""How well flattened tables in plain text are recovered: synthetic shapes and the real documents.

    .venv/bin/python benchmarks/bench_layout.py [--synthetic 450] [--seed 21]

Synthetic: documents from `pipeline.synth.generate` (fixed seed) written as txt, read back
through `read_document`, then the `numbers` and `tables` stages; per flattened-table shape,
the gold indicator rows whose target and actual are both read right (and how many of the
shape's tables came back as table blocks).

Real documents (`pipeline.annotate.corpus.real_documents()`): recovered tables and rows, and
two false-positive counts:
- `prose`: recovered tables most of whose filled cells are running text (a sentence with a
  full stop, or long with inner punctuation): a conservative rule for prose turned into a table;
- `unexp`: recovered tables in documents not listed as having flattened tables in
  `tests/ingest/test_corpus_tables.py` (SHAPES, ALSO_TABLES).
With the gold annotations of `data/annotations/entities/`: annotated target/actual relations
whose head and tail both land in one table block (`in table`), the ones split between a table
and text or two tables (`split`: a table cut through a row), and the ones in text; `read right`: those the table reader links (head and tail overlap).
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SENTENCE = re.compile(r"[。！？]")
INNER = re.compile(r"[，；,;]")


def _pipeline():
    from pipeline.core import build_stage

    numbers, tables = build_stage("numbers", {}), build_stage("tables", {})
    return lambda doc: tables(numbers(doc))


def _value_key(v: dict | None):
    return None if v is None else (v.get("op"), v.get("value"), v.get("unit"), v.get("qualitative"))


def synthetic(run, n: int, seed: int) -> dict[str, list[int]]:
    """shape → [documents, gold rows, names read, target+actual right, table blocks recovered]."""
    from pipeline.ingest import read_document
    from pipeline.synth import generate
    from pipeline.synth.writers import write_txt

    stats: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0, 0, 0])
    with tempfile.TemporaryDirectory() as tmp:
        for d in generate(n, seed=seed):
            if not d.gold["indicators"]:
                continue
            path = Path(tmp) / f"{d.name}.txt"
            write_txt(d, path)
            doc = run(read_document(path))
            got: dict[str, dict] = {m.text: {} for m in doc.mentions if m.label == "INDICATOR"}
            for rel in doc.relations:
                head = doc.mentions[rel.head].text
                got.setdefault(head, {})[rel.label] = doc.mentions[rel.tail].attrs.get("value")
            s = stats[d.style.table_shape]
            s[0] += 1
            s[4] += sum(1 for b in doc.blocks if b.kind == "table" and b.recovered)
            for g in d.gold["indicators"]:
                s[1] += 1
                x = got.get(g["name"])
                s[2] += x is not None
                s[3] += (
                    x is not None
                    and _value_key(x.get("target")) == _value_key(g["target"])
                    and _value_key(x.get("actual")) == _value_key(g["actual"])
                )
    return stats


def _expected_table_docs() -> set[str]:
    sys.path.insert(0, str(ROOT))
    from tests.ingest.test_corpus_tables import ALSO_TABLES, SHAPES

    return {name for docs in SHAPES.values() for name in docs} | set(ALSO_TABLES)


def _prose_table(block) -> bool:
    cells = [c.text for row in block.rows for c in row if c.text]
    prose = sum(1 for t in cells if SENTENCE.search(t[:-1] + "") or (len(t) > 40 and INNER.search(t)))
    return bool(cells) and prose * 2 > len(cells)


def real(run) -> dict[str, int] | None:
    from pipeline.annotate import corpus
    from pipeline.annotate.format import load_all, project
    from pipeline.ingest import read_document

    if not corpus.available():
        return None
    expected = _expected_table_docs()
    anns = load_all(layer="entities")
    totals: collections.Counter = collections.Counter()
    for d in corpus.real_documents():
        doc = run(read_document(d.path))
        tables = [(i, b) for i, b in enumerate(doc.blocks) if b.kind == "table" and b.recovered]
        totals["docs with tables"] += bool(tables)
        totals["tables"] += len(tables)
        totals["rows"] += sum(len(b.rows) for _, b in tables)
        totals["prose"] += sum(_prose_table(b) for _, b in tables)
        totals["unexp"] += len(tables) if d.name not in expected else 0

        mine: dict[tuple[int, int], dict[str, tuple[int, int]]] = {}
        for rel in doc.relations:
            h, t = doc.mentions[rel.head], doc.mentions[rel.tail]
            mine.setdefault((h.start, h.end), {})[rel.label] = (t.start, t.end)

        def table_of(pos: int, tables=tables) -> int | None:
            return next((i for i, b in tables if b.start <= pos < b.end), None)

        for f in anns.get(d.sha256, []):
            ents = {e.id: e for e in f.entities}
            for rel in f.relations:
                if rel.label not in ("target", "actual"):
                    continue
                h = project(doc, ents[rel.head].start, ents[rel.head].end)
                t = project(doc, ents[rel.tail].start, ents[rel.tail].end)
                th, tt = table_of(h[0]), table_of(t[0])
                totals["relations"] += 1
                head = next((k for k in mine if k[0] < h[1] and h[0] < k[1]), None)
                got = mine[head].get(rel.label) if head else None
                totals["read right"] += got is not None and got[0] < t[1] and t[0] < got[1]
                if th is not None and th == tt:
                    totals["in table"] += 1
                elif th is not None or tt is not None:
                    totals["split"] += 1
                else:
                    totals["in text"] += 1
    return dict(totals)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--synthetic", type=int, default=450, help="how many synthetic documents (0: none)")
    ap.add_argument("--seed", type=int, default=21)
    args = ap.parse_args()
    run = _pipeline()
    t0 = time.process_time()
    if args.synthetic:
        stats = synthetic(run, args.synthetic, args.seed)
        print(f"synthetic txt ({args.synthetic} documents, seed {args.seed})")
        print(
            f"{'shape':14s} {'docs':>5s} {'tables':>7s} {'gold rows':>10s} {'name read':>10s} {'target+actual right':>20s}"
        )
        for shape, (docs, gold, name, right, blocks) in sorted(stats.items()):
            print(f"{shape:14s} {docs:5d} {blocks:7d} {gold:10d} {name:10d} {right:14d} ({right / max(gold, 1):4.0%})")
        print()
    totals = real(run)
    if totals is None:
        print("real documents not found: skipped")
    else:
        print("real documents")
        for key in (
            "docs with tables",
            "tables",
            "rows",
            "prose",
            "unexp",
            "relations",
            "in table",
            "split",
            "in text",
            "read right",
        ):
            print(f"  {key:18s} {totals.get(key, 0):6d}")
    print(f"\nCPU {time.process_time() - t0:.1f} s")


if __name__ == "__main__":
    main()
