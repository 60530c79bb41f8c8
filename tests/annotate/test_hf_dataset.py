"""The annotations as a Hugging Face dataset: split by document, tags consistent with spans."""

from __future__ import annotations

import pytest

datasets = pytest.importorskip("datasets", reason="the annotate extra (datasets) is not installed")

from pipeline.annotate.hf_dataset import export_dataset, split_of  # noqa: E402


def test_split_is_stable_and_covers_all_splits():
    ids = [f"{i:064x}" for i in range(400)]
    splits = [split_of(i) for i in ids]
    assert splits == [split_of(i) for i in ids]
    assert {"train", "validation", "test"} == set(splits)
    assert 0.7 < splits.count("train") / len(splits) < 0.9


@pytest.mark.slow
def test_export_dataset_of_the_gold_annotations(shared_dir, tmp_path):
    counts = export_dataset(tmp_path / "ds", shared=shared_dir)
    if not sum(counts.values()):
        pytest.skip("no entity annotations committed yet")
    loaded = datasets.load_from_disk(str(tmp_path / "ds"))
    seen = set()
    for split in loaded:
        names = loaded[split].features["ner_tags"].feature.names if len(loaded[split]) else []
        for row in loaded[split]:
            assert row["doc_id"] not in seen  # no document on two sides
            seen.add(row["doc_id"])
            assert len(row["tokens"]) == len(row["ner_tags"]) == len(row["text"])
            for span in row["spans"][:50]:
                tag = names[row["ner_tags"][span["start"]]]
                assert tag.endswith(span["label"])
    assert len(seen) == sum(counts.values())
