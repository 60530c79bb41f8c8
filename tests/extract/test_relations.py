"""Relation and money-attribute classifiers: overfitting round trip, and the committed model."""

from __future__ import annotations

import pytest

from pipeline.core import REPO_ROOT
from pipeline.extract.relations import RelationModel, apply_relations
from pipeline.schema import Document, Mention, Relation, Source


def _doc(rows: list[tuple[str, str, str]], money: list[tuple[str, str, str, str, float]]):
    """Invented text: indicator rows `name | target | actual`, then money sentences."""
    text, mentions, relations = "", [], []
    for name, target, actual in rows:
        i = len(mentions)
        for label, piece in (("INDICATOR", name), ("TARGET", target), ("ACTUAL", actual)):
            mentions.append(Mention(label=label, start=len(text), end=len(text) + len(piece), text=piece))
            text += piece + " | "
        text += "\n"
        relations += [Relation(head=i, tail=i + 1, label="target"), Relation(head=i, tail=i + 2, label="actual")]
    for cue, amount, stage, flow, yuan in money:
        text += cue
        mentions.append(
            Mention(
                label="MONEY", start=len(text), end=len(text) + len(amount), text=amount,
                attrs={"value_yuan": yuan, "stage": stage, "flow": flow, "item": "total"},
            )
        )
        text += amount + "。\n"
    return text, mentions, relations


DOCS = [
    _doc(
        [("培训人次", "≥300人次", "320人次"), ("群众满意度", "≥90%", "95%")],
        [("年初预算收入", "100万元", "budget_initial", "income", 1e6), ("决算支出", "98万元", "actual", "expenditure", 9.8e5)],
    ),
    _doc(
        [("设备采购数量", "≥5台", "6台"), ("验收合格率", "100%", "100%"), ("按时完成率", "≥95%", "97%")],
        [("调整预算支出", "80万元", "budget_adjusted", "expenditure", 8e5), ("实际收入", "79万元", "actual", "income", 7.9e5)],
    ),
]


def test_overfits_saves_and_loads(tmp_path):
    model = RelationModel(c=100.0).fit(DOCS)
    for text, mentions, relations in DOCS:
        rels, attrs = model.predict(text, mentions)
        assert {(r.head, r.tail, r.label) for r in rels} == {(r.head, r.tail, r.label) for r in relations}
        for d in attrs:
            m = mentions[d["index"]]
            assert (d["stage"], d["flow"]) == (m.attrs["stage"], m.attrs["flow"])
            assert 0 < d["stage_score"] <= 1
    model.to_disk(tmp_path)
    loaded = RelationModel.from_disk(tmp_path, check=False)
    for text, mentions, _ in DOCS:
        assert loaded.predict(text, mentions) == model.predict(text, mentions)


def test_committed_model_links_and_classifies_our_own_document():
    path = REPO_ROOT / "models" / "relations"
    if not (path / "meta.json").is_file():
        pytest.fail("models/relations is not committed: run `jixiao train relations`")
    model = RelationModel.from_disk(path)
    text, mentions, _ = _doc([("走访慰问户数", "≥200户", "215户")], [("年初预算支出", "35万元", "budget_initial", "expenditure", 3.5e5)])
    for m in mentions:
        m.attrs = {k: v for k, v in m.attrs.items() if k == "value_yuan"}
    doc = Document(doc_id="0" * 64, source=Source(path="own.txt", format="txt"), text=text, mentions=mentions)
    doc = apply_relations(doc, model)
    for r in doc.relations:
        assert doc.mentions[r.head].label == "INDICATOR"
        assert r.label == doc.mentions[r.tail].label.lower()
    money = doc.mentions[-1]
    assert money.attrs["stage"] in ("budget_initial", "budget_adjusted", "actual", "unspecified")
    assert 0 < money.attrs["stage_score"] <= 1
