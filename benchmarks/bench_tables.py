"""How well the table reader reads: real documents (against data/annotations) and synthetic ones.

    .venv/bin/python benchmarks/bench_tables.py [--synthetic 120]

Prints, per real document with tables: the indicator rows read and those with both a target and
an actual, and how many annotated INDICATOR → TARGET/ACTUAL relations the table reader finds
(relations in prose are counted too: the table reader does not read prose, the NER does).
Then, on synthetic documents written as txt and read back through `read_document`: per
flattened-table shape, the gold indicators whose target and actual are read right.
"""

from __future__ import annotations

import argparse
import collections
import tempfile
from pathlib import Path


def _pipeline():
    from pipeline.core import build_stage
    from pipeline.extract.numbers import NumbersStage

    numbers, tables = NumbersStage(), build_stage("tables", {})
    return lambda doc: tables(numbers(doc))


def real(run) -> None:
    from pipeline.annotate import corpus
    from pipeline.annotate.format import load_all, project
    from pipeline.extract.tables import _config, _header_line_before, read_table
    from pipeline.ingest import read_document

    if not corpus.available():
        print(f"real documents not found at {corpus.shared_dir()}: skipped")
        return
    anns = load_all(layer="entities")
    print(f"{'document':34s} {'rows':>5s} {'t+a':>5s} {'annotated relations found':>27s}")
    totals = collections.Counter()
    for d in corpus.real_documents():
        doc = run(read_document(d.path))
        rows = both = 0
        for i, block in enumerate(doc.blocks):
            if block.kind == "table":
                hint = _header_line_before(doc, i, _config())
                r = read_table(block, context=doc.text[max(0, block.start - 120) : block.start], header_hint=hint)
                rows += r.indicator_rows
                both += r.indicator_rows_with_target_and_actual
        mine: dict[tuple[int, int], dict[str, tuple[int, int]]] = {}
        for rel in doc.relations:
            h, t = doc.mentions[rel.head], doc.mentions[rel.tail]
            mine.setdefault((h.start, h.end), {})[rel.label] = (t.start, t.end)
        found = annotated = 0
        for f in anns.get(d.sha256, []):
            ents = {e.id: e for e in f.entities}
            for rel in f.relations:
                if rel.label not in ("target", "actual"):
                    continue
                annotated += 1
                hs, he = project(doc, ents[rel.head].start, ents[rel.head].end)
                ts, te = project(doc, ents[rel.tail].start, ents[rel.tail].end)
                head = next((s for s in mine if s[0] < he and hs < s[1]), None)
                got = mine[head].get(rel.label) if head else None
                found += got is not None and got[0] < te and ts < got[1]
        totals.update(rows=rows, both=both, found=found, annotated=annotated)
        if rows or annotated:
            print(f"{d.name:34s} {rows:5d} {both:5d} {found:13d} / {annotated:<11d}")
    print(f"{'total':34s} {totals['rows']:5d} {totals['both']:5d} {totals['found']:13d} / {totals['annotated']:<11d}")


def synthetic(run, n: int) -> None:
    from pipeline.ingest import read_document
    from pipeline.synth import generate
    from pipeline.synth.writers import write_txt

    def key(v):
        return None if v is None else (v.get("op"), v.get("value"), v.get("unit"), v.get("qualitative"))

    stats: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    with tempfile.TemporaryDirectory() as tmp:
        for d in generate(n, seed=21):
            if not d.gold["indicators"]:
                continue
            path = Path(tmp) / f"{d.name}.txt"
            write_txt(d, path)
            doc = run(read_document(path))
            got: dict[str, dict] = {m.text: {} for m in doc.mentions if m.label == "INDICATOR"}
            for rel in doc.relations:
                got[doc.mentions[rel.head].text][rel.label] = doc.mentions[rel.tail].attrs.get("value")
            s = stats[d.style.table_shape + (" +latex" if d.style.latex else "")]
            for g in d.gold["indicators"]:
                s[0] += 1
                x = got.get(g["name"])
                s[1] += x is not None
                s[2] += x is not None and key(x.get("target")) == key(g["target"]) and key(x.get("actual")) == key(g["actual"])
    print(f"\n{'synthetic txt, table shape':28s} {'gold':>6s} {'name read':>10s} {'target+actual right':>20s}")
    for shape, (gold, name, right) in sorted(stats.items()):
        print(f"{shape:28s} {gold:6d} {name:10d} {right:20d}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--synthetic", type=int, default=120, help="how many synthetic documents (0: none)")
    args = ap.parse_args()
    run = _pipeline()
    real(run)
    if args.synthetic:
        synthetic(run, args.synthetic)


if __name__ == "__main__":
    main()
