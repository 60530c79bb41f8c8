"""The annotation loop end to end: select → annotate → validate → retrain → held-out figures.

Candidate pool: 30 synthetic txt disclosures written by `jixiao synth` (they stand in for new
documents an annotator receives). `jixiao annotate select` (the real CLI) chooses 10; the
"annotator" is the generator's own gold (`.entities.json`, `.sections.json`, anchored in the
same bytes), filed into working copies of the corpus folder ($JIXIAO_SHARED) and of
data/annotations ($JIXIAO_ANNOTATIONS); `jixiao annotations validate` must pass on them.

Retrained, once without and once with the 10 new documents: the section classifier (with its
configured synthetic examples), the relation model, and the NER with the settings of
configs/ner.toml except fewer epochs (NER_EPOCHS, to keep CI time modest). Measured on the
same held-out real documents — those `hf_dataset.split_of` puts outside "train", never trained
on — the headline figures must not drop by more than TOLERANCE. Other figures are printed
(`-s`) but not asserted: entity F1 per label moves with the synthetic gold's conventions (its
YEAR spans, for one, leave the fiscal year of a form's subtitle unannotated).
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.annotate import corpus, loop
from pipeline.annotate import format as annotation_format
from pipeline.annotate.format import ANNOTATIONS_DIR, AnnotationFile, load_all, save
from pipeline.annotate.hf_dataset import split_of

pytestmark = pytest.mark.slow

JIXIAO = [sys.executable, "-m", "pipeline.cli"]
POOL, CHOSEN, SEED = 30, 10, 8
NER_EPOCHS = 6
TOLERANCE = 0.02  # a drop smaller than this on ~9 held-out documents is noise, not "worse"
HEADLINE = ("sections/macro_f1", "extract/amount_value/f1", "extract/indicator_name/f1", "extract/indicator_full/f1")


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*JIXIAO, *args], check=False, env=env, cwd=cwd, capture_output=True, text=True, timeout=900)


def annotate(doc: Path, *, corpus_dir: Path, annotations: Path) -> str:
    """File `doc` into the corpus copy (with a MANIFEST row) and its gold as the annotator's work."""
    name = f"corpus/{doc.name}"
    data = doc.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    shutil.copyfile(doc, corpus_dir / doc.name)
    anns = [AnnotationFile.model_validate_json(doc.with_suffix(f".{layer}.json").read_text(encoding="utf-8"))
            for layer in ("entities", "sections")]  # fmt: skip
    kind = anns[0].doc_facts.get("doc_kind", "other")
    with (corpus_dir / "MANIFEST.tsv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter="\t", lineterminator="\n").writerow([doc.name, kind, len(data.decode("utf-8")), sha, ""])
    for ann in anns:
        assert ann.doc_sha256 == sha  # the generator anchors in the bytes written: nothing to re-anchor
        save(ann.model_copy(update={"doc_name": name, "annotator": "loop-test (synthetic gold)"}), annotations)
    return name


def test_annotating_selected_documents_does_not_make_heldout_figures_worse(shared_dir, tmp_path, monkeypatch):
    shared, annotations, pool = tmp_path / "shared", tmp_path / "annotations", tmp_path / "pool"
    for sub in ("corpus", "seeds"):
        shutil.copytree(shared_dir / sub, shared / sub)
    shutil.copytree(ANNOTATIONS_DIR, annotations)
    env = {**os.environ, corpus.ENV_VAR: str(shared), annotation_format.ENV_VAR: str(annotations)}
    monkeypatch.setenv(corpus.ENV_VAR, str(shared))

    done = run("synth", str(POOL), str(pool), "--seed", str(SEED), "--size", "short", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = run("annotate", "select", str(pool / "*.txt"), "--n", str(CHOSEN), "-o", "select.tsv", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    with (tmp_path / "select.tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    chosen = [Path(r["path"]) for r in rows]
    assert len(set(chosen)) == CHOSEN and all(p.suffix == ".txt" and p.parent == pool for p in chosen)
    assert all(r["reasons"] for r in rows)

    before = load_all(annotations)
    real = [d.name for d in corpus.real_documents(shared) if d.sha256 in before]
    new = [annotate(p, corpus_dir=shared / "corpus", annotations=annotations) for p in chosen]
    done = run("annotations", "validate", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert f"{len(list(annotations.glob('*/*.json')))} annotation files checked, 0 problems" in done.stdout + done.stderr

    sha_of = {d.name: d.sha256 for d in corpus.real_documents(shared)}
    test = [n for n in real if split_of(sha_of[n]) != "train"]
    train = [n for n in real if n not in test]
    assert len(test) >= 5 and not set(new) & set(test)
    baseline = loop.heldout_figures(train, test, root=annotations, ner={"epochs": NER_EPOCHS})
    after = loop.heldout_figures(train + new, test, root=annotations, ner={"epochs": NER_EPOCHS})

    for family in ("sections", "extract"):
        assert after[f"{family}/train_documents"] == baseline[f"{family}/train_documents"] + CHOSEN
        assert after[f"{family}/test_documents"] == baseline[f"{family}/test_documents"] == len(test)
    changes = loop.compare(baseline, after)
    table = "\n".join(f"{k}: {a:.3f} → {b:.3f} ({v})" for k, a, b, v in changes.rows if k in HEADLINE or v != "same")
    print(f"\nheld-out real documents: {len(test)}; trained on {len(train)} real (+{CHOSEN} selected)\n{table}")
    worse = [k for k in HEADLINE if after[k] < baseline[k] - TOLERANCE]
    assert not worse, f"worse after annotating the selected documents:\n{table}"
