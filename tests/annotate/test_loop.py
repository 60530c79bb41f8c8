"""Comparison of figures and promotion of candidate models (the retrain loop's bookkeeping)."""

from __future__ import annotations

import json

from pipeline.annotate import loop


def test_compare_knows_which_direction_is_better():
    old = {"sections/macro_f1": 0.90, "sections/ece": 0.05, "extract/amount_value/f1": 0.95, "gone/x": 1.0}
    new = {"sections/macro_f1": 0.93, "sections/ece": 0.08, "extract/amount_value/f1": 0.951, "new/y": 0.5}
    c = loop.compare(old, new)
    verdicts = {k: v for k, _, _, v in c.rows}
    assert verdicts == {
        "sections/macro_f1": "better", "sections/ece": "worse", "extract/amount_value/f1": "same",
        "gone/x": "gone", "new/y": "new",
    }


def test_report_lists_worse_and_better(tmp_path):
    c = loop.compare({"a/f1": 0.5, "b/ece": 0.1}, {"a/f1": 0.7, "b/ece": 0.2})
    md, page = loop.write_report(c, tmp_path, seconds={"ner": 10.0})
    text = md.read_text(encoding="utf-8")
    assert "## Worse" in text and "`b/ece`" in text.split("## Better")[0]
    assert "`a/f1`" in text.split("## Better")[1]
    assert "<table>" in page.read_text(encoding="utf-8")


def test_promote_replaces_only_models_with_a_candidate(tmp_path):
    models, cand = tmp_path / "models", tmp_path / "cand"
    for root, tag in ((models, "old"), (cand, "new")):
        (root / "ner").mkdir(parents=True)
        (root / "ner" / "meta.json").write_text(json.dumps({"tag": tag}))
    (models / "sections").mkdir()
    (models / "sections" / "meta.json").write_text(json.dumps({"tag": "old"}))
    loop.promote(cand, models)
    assert json.loads((models / "ner" / "meta.json").read_text())["tag"] == "new"
    assert json.loads((models / "sections" / "meta.json").read_text())["tag"] == "old"
    assert sorted(p.name for p in models.iterdir()) == ["ner", "sections"]
