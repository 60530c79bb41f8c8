"""The spaCy NER: overfitting round trip on our own examples, and the committed model."""

from __future__ import annotations

import pytest

from pipeline.core import REPO_ROOT
from pipeline.extract.ner import NerModel, NerStage, to_mentions
from pipeline.extract.numbers import find_quantities, quantity_mention
from pipeline.schema import Document, Source

# Invented sentences (no text of the real documents).
EXAMPLES = [
    ("2023年度青禾县文化馆年初预算总收入128.40万元，决算支出126.10万元。", ["YEAR", "MONEY", "MONEY"]),
    ("绩效指标：送戏下乡场次不少于40场，实际完成42场。", ["INDICATOR", "TARGET", "ACTUAL"]),
    ("评价得分为93分，其中预算执行率分值10分。", ["SCORE", "WEIGHT"]),
    ("2022年度项目支出预算35.5万元，实际支出33.2万元。", ["YEAR", "MONEY", "MONEY"]),
]


def _spans(text: str, labels: list[str]) -> list[tuple[int, int, str]]:
    """Spans of the examples, found by the grammar (amounts, years) and by the cue words."""
    qs = [q for q in find_quantities(text) if q.kind != "qualitative"]
    out = []
    for label in labels:
        if label == "YEAR":
            i = text.index("年度")
            out.append((i - 4, i + 2, label))
        elif label == "INDICATOR":
            s = text.index("：") + 1
            out.append((s, text.index("不少于"), label))
        else:
            q = qs.pop(0)
            out.append((q.start, q.end, label))
    return out


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    data = [(t, _spans(t, labels)) for t, labels in EXAMPLES]
    model = NerModel(epochs=150, width=48, depth=2, embed_size=1000, dropout=0.0, seed=3).fit(data)
    path = tmp_path_factory.mktemp("ner")
    model.to_disk(path)
    return data, model, path


@pytest.mark.slow
def test_overfits_saves_and_loads(trained):
    data, model, path = trained
    for text, spans in data:
        got = {(s, e, lab) for s, e, lab, _ in model.predict(text)}
        assert got == set(spans), text
    loaded = NerModel.from_disk(path, check=False)
    for text, _ in data:
        assert loaded.predict(text) == model.predict(text)


def test_training_is_deterministic():
    data = [(t, _spans(t, labels)) for t, labels in EXAMPLES[:2]]
    a = NerModel(epochs=2, width=16, depth=1, embed_size=300, seed=1).fit(data)
    b = NerModel(epochs=2, width=16, depth=1, embed_size=300, seed=1).fit(data)
    assert a.losses_ == b.losses_


def test_grammar_snaps_money_and_adds_what_the_model_missed():
    text = "年初预算12.5万元，年末结余3.2万元。"
    qs = [quantity_mention(q) for q in find_quantities(text)]
    s = text.index("12.5")
    mentions = to_mentions(text, [(s, s + 3, "MONEY", 0.9)], qs)  # a partial span
    money = [m for m in mentions if m.label == "MONEY"]
    assert [(m.text, m.attrs["value_yuan"], m.source) for m in money] == [
        ("12.5万元", 125000.0, "ner"),
        ("3.2万元", 32000.0, "grammar"),
    ]


def test_committed_model_extracts_from_our_own_document():
    path = REPO_ROOT / "models" / "ner"
    if not (path / "meta.json").is_file():
        pytest.fail("models/ner is not committed: run `jixiao train ner`")
    text = "清河县图书馆2024年度部门整体支出绩效自评报告\n2024年度部门年初预算总收入156.20万元，实际总支出150.08万元。\n"
    doc = Document(doc_id="0" * 64, source=Source(path="own.txt", format="txt"), text=text)
    doc = NerStage(model=str(path))(doc)
    assert doc.mentions
    for m in doc.mentions:
        assert doc.text[m.start : m.end] == m.text
    money = {m.attrs["value_yuan"] for m in doc.mentions if m.label == "MONEY"}
    assert {1562000.0, 1500800.0} <= money
