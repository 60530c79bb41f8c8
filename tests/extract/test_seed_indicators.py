"""All five seeds: every indicator row of every indicator table comes out with its target and actual.

The expected rows come from the gold annotations (`data/annotations/entities/`): every
INDICATOR that the gold links to a TARGET or an ACTUAL read from a table row. The
extraction is the full configured pipeline (`configs/pipeline.toml`) and its final record.
"""

from __future__ import annotations

from collections import Counter

import pytest

from pipeline.core import Pipeline
from pipeline.extract.evaluate import indicators_from_mentions, indicators_from_record
from pipeline.extract.features import load_gold


def _table_rows(gold) -> list[tuple]:
    """Gold (name, target, actual) of indicators whose values sit in a table row (not prose)."""
    text = gold.doc.text
    in_table = set()
    for r in gold.relations:
        if r.label not in ("target", "actual"):
            continue
        head, tail = gold.mentions[r.head], gold.mentions[r.tail]
        between = text[min(head.end, tail.end) : max(head.start, tail.start)]
        if any(sep in between for sep in ("\t", "|", "\n")):  # another cell or the next line
            in_table.add(r.head)
    rows = indicators_from_mentions(gold.mentions, gold.relations)
    index = [i for i, m in enumerate(gold.mentions) if m.label == "INDICATOR"]
    return [row for i, row in zip(index, rows) if i in in_table]


@pytest.fixture(scope="module")
def seeds(shared_dir):
    golds = [g for g in load_gold(shared=shared_dir) if g.name.startswith("seeds/")]
    if len(golds) != 5:
        pytest.fail(f"expected gold entity annotations for 5 seeds, found {len(golds)}")
    pipeline = Pipeline.from_config()
    out = []
    for g in golds:
        doc = pipeline(g.doc.model_copy(deep=True))
        pred = indicators_from_record(doc) if doc.indicators else indicators_from_mentions(doc.mentions, doc.relations)
        out.append((g, pred))
    return out


@pytest.mark.slow
def test_every_table_indicator_row_of_every_seed(seeds):
    missing = {}
    total = 0
    for gold, pred in seeds:
        rows = _table_rows(gold)
        total += len(rows)
        lost = Counter(rows) - Counter(pred)
        if lost:
            missing[gold.name] = sorted(lost.elements(), key=str)
    assert total > 0
    assert not missing, {k: len(v) for k, v in missing.items()}
