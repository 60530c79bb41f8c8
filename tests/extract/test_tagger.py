"""The linear character tagger: learning, persistence, determinism, edge cases, backend choice.

All text here is invented (units, indicators and numbers made up by a seeded generator).
"""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest

from pipeline.errors import ModelError
from pipeline.extract.ner import NerModel, NerStage, backend_settings, load_ner, make_ner
from pipeline.extract.tagger import LinearTagger, bio_tags, decode
from pipeline.modelio import ModelMeta, library_versions, now_iso
from pipeline.schema import Document, Source

UNITS = ["青禾县文化馆", "白鹭镇卫生院", "东湖区档案局", "石桥乡农技站", "云岭县图书馆", "南湾市体育中心"]
INDICATORS = [
    "培训人次", "送戏下乡场次", "设备完好率", "群众满意度", "资金到位率", "验收合格率",
    "新增藏书册数", "义诊覆盖人数", "项目按期完成率", "档案数字化比例",
]
LABELS = ("INDICATOR", "TARGET", "ACTUAL", "MONEY", "YEAR")


def invented_lines(rng: random.Random, n: int, *, names: list[str]) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """`n` invented lines of three shapes (budget prose, indicator prose, indicator table row)."""
    out = []
    for _ in range(n):
        parts: list[tuple[str, str | None]] = []
        shape = rng.randrange(3)
        if shape == 0:
            year = rng.randint(2019, 2026)
            a, b = rng.randint(10, 999), rng.randint(10, 999)
            parts = [
                (rng.choice(UNITS), None), (f"{year}年度", "YEAR"), ("部门年初预算", None),
                (f"{a}.{rng.randint(10, 99)}万元", "MONEY"), ("，实际支出", None),
                (f"{b}.{rng.randint(10, 99)}万元", "MONEY"), ("。", None),
            ]
        elif shape == 1:
            t = rng.randint(50, 99)
            parts = [
                ("绩效指标：", None), (rng.choice(names), "INDICATOR"), ("，目标值", None), (f"≥{t}%", "TARGET"),
                ("，实际完成", None), (f"{rng.randint(t, 100)}%", "ACTUAL"), ("。", None),
            ]
        else:
            t = rng.randint(5, 500)
            parts = [
                ("产出指标\t", None), (rng.choice(names), "INDICATOR"), ("\t", None), (f"≥{t}人", "TARGET"),
                ("\t", None), (f"{t + rng.randint(0, 40)}人", "ACTUAL"), (f"\t{rng.randint(5, 20)}", None),
            ]
        text, spans = "", []
        for piece, label in parts:
            if label:
                spans.append((len(text), len(text) + len(piece), label))
            text += piece
        out.append((text + "\n", spans))
    return out


def as_documents(lines, per_doc: int = 8):
    """Lines grouped into small documents (text, spans)."""
    docs = []
    for i in range(0, len(lines), per_doc):
        text, spans = "", []
        for line, line_spans in lines[i : i + per_doc]:
            spans += [(s + len(text), e + len(text), lab) for s, e, lab in line_spans]
            text += line
        docs.append((text, spans))
    return docs


SETTINGS = {
    "labels": LABELS, "buckets_log2": 16, "min_count": 1, "max_iter": 40, "stack": True, "stack_folds": 2, "seed": 0,
}


@pytest.fixture(scope="module")
def data():
    rng = random.Random(7)
    train = as_documents(invented_lines(rng, 160, names=INDICATORS[:7]))
    test = as_documents(invented_lines(rng, 40, names=INDICATORS[7:]))  # indicator names never seen
    return train, test


@pytest.fixture(scope="module")
def trained(data):
    return LinearTagger(**SETTINGS).fit(data[0])


def test_recovers_held_out_spans_of_a_clear_pattern(trained, data):
    _, test = data
    gold = {(i, s, e, lab) for i, (_, spans) in enumerate(test) for s, e, lab in spans}
    pred = {(i, s, e, lab) for i, (text, _) in enumerate(test) for s, e, lab, _ in trained.predict(text)}
    recall = len(gold & pred) / len(gold)
    precision = len(gold & pred) / len(pred)
    assert recall >= 0.9 and precision >= 0.9, (precision, recall)
    names = {lab for *_, lab in gold & pred}
    assert "INDICATOR" in names  # names it never saw, found by their context


def test_scores_are_probabilities(trained, data):
    text = data[1][0][0]
    found = trained.predict(text)
    assert found
    assert all(0.0 <= sc <= 1.0 for *_, sc in found)
    proba = trained.predict_proba(text)
    assert proba.shape == (len(text), 2 * len(LABELS) + 1)
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-4)
    floors = copy.copy(trained)
    floors.min_score, floors.label_min_score = 0.0, {"INDICATOR": 0.99}
    other = floors.predict(text)
    assert all(sc >= 0.99 for _, _, lab, sc in other if lab == "INDICATOR")
    kept = {x for x in found if x[2] != "INDICATOR"}
    assert kept <= {x for x in other if x[2] != "INDICATOR"}  # a lower floor keeps every span a higher one keeps


def test_round_trip_gives_identical_predictions(trained, data, tmp_path):
    meta = ModelMeta(name="ner", created=now_iso(), libraries=library_versions(trained.libraries), labels=list(LABELS))
    trained.to_disk(tmp_path / "m", meta=meta)
    loaded = LinearTagger.from_disk(tmp_path / "m")  # checks versions and weight hashes
    assert loaded.get_config() == trained.get_config()
    for text, _ in data[1]:
        assert loaded.predict(text) == trained.predict(text)
    size = sum(p.stat().st_size for p in (tmp_path / "m").iterdir())
    assert size < 5_000_000


def test_same_seed_same_weights(data):
    small = data[0][:6]
    a = LinearTagger(**{**SETTINGS, "max_iter": 10}).fit(small)
    b = LinearTagger(**{**SETTINGS, "max_iter": 10}).fit(small)
    assert len(a.tables_) == len(b.tables_) == 2
    for ta, tb in zip(a.tables_, b.tables_):
        for xa, xb in zip(ta, tb):
            assert np.array_equal(xa, xb)


def test_empty_whitespace_and_very_long_text(trained, data):
    assert trained.predict("") == []
    assert trained.predict(" \n\t  \n") == []
    assert trained.predict_proba("").shape == (0, 2 * len(LABELS) + 1)
    text = "".join(t for t, _ in data[1]) * 25  # ~ 100,000 characters
    found = trained.predict(text)
    assert len(found) > 100
    assert all(0 <= s < e <= len(text) for s, e, *_ in found)


def test_skip_plain_keeps_offsets_into_the_whole_text(trained, data):
    prose = "本单位认真贯彻落实各项工作要求，加强内部管理。\n"
    text = "".join(prose + t for t, _ in data[1])
    full = trained.predict(text)
    skipped = trained.predict(text, skip_plain=True)
    assert skipped
    for s, e, *_ in skipped:
        assert "\n" not in text[s:e] and text[s:e].strip()
        line_start = text.rfind("\n", 0, s) + 1
        assert any(ch.isdigit() for ch in text[line_start : text.find("\n", s)]) or "指标" in text[line_start:e]
    same = {x[:3] for x in full} & {x[:3] for x in skipped}
    assert len(same) >= 0.9 * len(skipped)


def test_bio_tags_and_greedy_decode():
    tags = bio_tags("ab 2023年 cd", [(3, 8, "YEAR"), (0, 3, "INDICATOR")], ("INDICATOR", "YEAR"))
    assert tags.tolist() == [1, 2, 0, 3, 4, 4, 4, 4, 0, 0, 0]  # the trailing space of "ab " is trimmed
    proba = np.zeros((6, 5))
    proba[:, 0] = 1.0
    proba[1, 0], proba[1, 4] = 0.2, 0.8  # an I-YEAR with no B-: still a span
    proba[2, 0], proba[2, 4] = 0.4, 0.6
    proba[3, 0], proba[3, 3] = 0.1, 0.9  # B-YEAR right after: a new span
    assert decode(proba, ("INDICATOR", "YEAR")) == [(1, 3, "YEAR", 0.7), (3, 4, "YEAR", 0.9)]


def test_backend_settings_and_factory():
    cfg = {"backend": "linear", "model": {"epochs": 3}, "linear": {"labels": ["YEAR"], "max_iter": 5}}
    settings = backend_settings(cfg)
    assert settings == {"backend": "linear", "labels": ("YEAR",), "max_iter": 5}
    model = make_ner({**settings, "epochs": 2})  # an override only the spaCy model takes is left out
    assert isinstance(model, LinearTagger) and model.max_iter == 5
    assert isinstance(make_ner(backend_settings(cfg, backend="spacy")), NerModel)
    with pytest.raises(ModelError):
        make_ner({"backend": "crf"})


@pytest.mark.slow
def test_stage_loads_the_backend_its_model_folder_names(trained, data, tmp_path):
    meta = ModelMeta(name="ner", created=now_iso(), libraries=library_versions(("numpy", "scipy", "spacy", "thinc")))
    trained.to_disk(tmp_path / "linear", meta=meta)
    spacy_model = NerModel(labels=LABELS, epochs=1, width=16, depth=1, embed_size=300, seed=0).fit(data[0][:2])
    spacy_model.to_disk(tmp_path / "spacy", meta=meta)
    assert isinstance(load_ner(tmp_path / "linear"), LinearTagger)
    assert isinstance(load_ner(tmp_path / "spacy"), NerModel)
    text = data[1][0][0]
    for folder in ("linear", "spacy"):
        doc = Document(doc_id="0" * 64, source=Source(path="own.txt", format="txt"), text=text)
        doc = NerStage(model=str(tmp_path / folder))(doc)
        assert all(doc.text[m.start : m.end] == m.text for m in doc.mentions)
    doc = Document(doc_id="0" * 64, source=Source(path="own.txt", format="txt"), text=text)
    doc = NerStage(model=str(tmp_path / "linear"))(doc)
    ner = [m for m in doc.mentions if m.source == "ner"]
    assert {m.label for m in ner} >= {"INDICATOR", "TARGET"}
