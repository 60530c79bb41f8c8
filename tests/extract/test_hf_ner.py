"""The transformers backend on a tiny randomly initialised BERT built here: train, save, load, same output."""

from __future__ import annotations

import pytest

from pipeline.annotate.dataset import LabelledSpan, bio_examples

torch = pytest.importorskip("torch", reason="the transformers extra is not installed")
transformers = pytest.importorskip("transformers", reason="the transformers extra is not installed")

from pipeline.extract.hf_ner import TransformersTagger  # noqa: E402

TEXTS = [
    ("本年度预算资金为120万元，实际支出118万元。", [(8, 13, "MONEY"), (18, 22, "MONEY")]),
    ("培训人数指标值为300人，实际完成320人。", [(0, 4, "INDICATOR"), (8, 12, "TARGET"), (17, 21, "ACTUAL")]),
    ("满意度指标值为90%，实际完成95%。", [(0, 3, "INDICATOR"), (7, 10, "TARGET"), (15, 18, "ACTUAL")]),
]


def _examples():
    out = []
    for text, spans in TEXTS:
        out += bio_examples(text, [LabelledSpan(s, e, lab) for s, e, lab in spans], max_chars=64)
    return out


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    """A 1-layer BERT with a character vocabulary of our own text, randomly initialised."""
    path = tmp_path_factory.mktemp("tiny-bert")
    chars = sorted({ch for text, _ in TEXTS for ch in text})
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(path / "vocab.txt"), tokenize_chinese_chars=True)
    tokenizer.save_pretrained(path)
    config = transformers.BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128,
    )
    torch.manual_seed(0)
    transformers.BertForTokenClassification(config).save_pretrained(path)
    return path


@pytest.mark.slow
def test_overfit_save_load_predict_same(tiny_checkpoint, tmp_path):
    examples = _examples()
    tagger = TransformersTagger(base_model=tiny_checkpoint, max_steps=150, learning_rate=5e-3, batch_size=4, seed=0)
    tagger.fit(examples)
    predicted = tagger.predict(examples)
    gold = [[(s, e, lab) for s, e, lab in spans] for _, spans in TEXTS]
    assert [[sp[:3] for sp in p] for p in predicted] == gold  # memorised

    tagger.to_disk(tmp_path / "model")
    assert (tmp_path / "model" / "model.safetensors").is_file()
    again = TransformersTagger.from_disk(tmp_path / "model")
    reloaded = again.predict(examples)
    assert [[sp[:3] for sp in p] for p in reloaded] == [[sp[:3] for sp in p] for p in predicted]
    flat = [sp[3] for p in reloaded for sp in p]
    assert flat == pytest.approx([sp[3] for p in predicted for sp in p], abs=1e-5)


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    from pipeline.errors import ModelError

    with pytest.raises(ModelError, match="no trained model"):
        TransformersTagger.from_disk(tmp_path)


@pytest.mark.slow
def test_stage_reads_a_document_with_the_fine_tuned_model(tiny_checkpoint, tmp_path):
    from pipeline.core import build_stage
    from pipeline.ingest import read_document

    TransformersTagger(base_model=tiny_checkpoint, max_steps=150, learning_rate=5e-3, batch_size=4, seed=0).fit(
        _examples()
    ).to_disk(tmp_path / "model")
    text, spans = TEXTS[1]
    (tmp_path / "doc.txt").write_text(text + "\n", encoding="utf-8")
    doc = read_document(tmp_path / "doc.txt")
    stage = build_stage("hf_ner", {"model": str(tmp_path / "model")})
    doc = stage(doc)
    found = {(m.start, m.end, m.label) for m in doc.mentions if m.source == "transformers"}
    assert found == set(spans)
    assert all(doc.text[m.start : m.end] == m.text for m in doc.mentions)


@pytest.mark.slow
def test_cli_fine_tunes_a_local_checkpoint_on_the_gold(shared_dir, tiny_checkpoint, tmp_path):
    import json
    import subprocess
    import sys

    out = tmp_path / "ner-hf"
    r = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "train", "ner", "--backend", "transformers",
         "--base-model", str(tiny_checkpoint), "-o", str(out), "--epochs", "0.05"],
        capture_output=True, text=True, timeout=900,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["data"]["real_documents"] >= 40 and "model.safetensors" in meta["files"]
    assert TransformersTagger.from_disk(out).tags_ == meta["labels"]
