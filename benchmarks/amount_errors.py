"""Where the amounts' stage, flow and item go wrong: every attribute of every amount that a gold
mention of the same value contradicts, on cross-fitted readings of the annotated real documents
(models refitted without each document's fold, as `jixiao evaluate calibration` reads them).

    .venv/bin/python benchmarks/amount_errors.py                 # counts, then every error
    .venv/bin/python benchmarks/amount_errors.py --attr item     # one attribute's errors only

Prints the confusion counts (ours → gold) and, per error, the document, the offsets and the text
around the amount, to read against the convention of data/annotations/README.md. Takes about
two minutes (the whole pipeline, five times refitted).
"""

from __future__ import annotations

import argparse
from collections import Counter

from pipeline.annotate.crossfit import cross_fitted
from pipeline.annotate.format import ANNOTATIONS_DIR, load_all, project
from pipeline.core import Pipeline
from pipeline.normalize.calibrate import same_value
from pipeline.normalize.confidence import AMOUNT_FIELDS
from pipeline.normalize.stage import NormalizeStage


def attribute_errors(doc, ann) -> list[tuple[str, str, str, object]]:
    """(attribute, ours, gold, amount) for every attribute a gold MONEY mention of the same value,
    under the amount's evidence, contradicts (no such mention: the attribute is not judged)."""
    money = [(project(doc, e.start, e.end), e) for e in ann.entities if e.label == "MONEY"]
    out = []
    for a in doc.amounts:
        same = same_value(a, money)
        for f in AMOUNT_FIELDS if same else ():
            if not any(e.attrs.get(f) == getattr(a, f) for e in same):
                out.append((f, getattr(a, f), same[0].attrs.get(f), a))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attr", choices=AMOUNT_FIELDS, help="list only this attribute's errors")
    args = parser.parse_args()
    pipe = Pipeline.from_config()
    for stage in pipe.stages:
        if isinstance(stage, NormalizeStage):
            stage._calibrators = None  # the readings, not the confidences, are judged
    gold = load_all(ANNOTATIONS_DIR, layer="entities")
    errors, judged = [], Counter()
    for rd, doc in cross_fitted(pipe):
        found = attribute_errors(doc, gold[rd.sha256][0])
        judged["amounts"] += len(doc.amounts)
        errors += [(rd.name, doc, *e) for e in found]
    counts = Counter((f, ours, want) for _, _, f, ours, want, _ in errors)
    print(f"{judged['amounts']} amounts read; attribute errors by (attribute, ours, gold):")
    for (f, ours, want), n in counts.most_common():
        print(f"  {n:3d}  {f:5s} {ours} → {want}")
    for name, doc, f, ours, want, a in errors:
        if args.attr in (None, f):
            context = doc.text[max(0, a.start - 40) : a.end + 10].replace("\n", "⏎")
            print(f"{f:5s} {ours:>14s} → {want:<14s} {name} {a.start}-{a.end} | {context}")


if __name__ == "__main__":
    main()
