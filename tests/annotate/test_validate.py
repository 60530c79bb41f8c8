"""`jixiao annotations validate` finds every kind of broken annotation, with file and line."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import pytest

from pipeline.annotate.corpus import ENV_VAR
from pipeline.annotate.format import AnnotationFile, AnnRelation, AnnSection, AnnSpan, quote_hash, save
from pipeline.annotate.validate import validate_all

TEXT = "一、部门概况\n本单位2025年预算收入120.5万元，实际支出118万元。\n"


@pytest.fixture
def tiny_corpus(tmp_path, monkeypatch):
    root = tmp_path / "shared"
    (root / "corpus").mkdir(parents=True)
    data = TEXT.encode("utf-8")
    (root / "corpus" / "x001.txt").write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    (root / "corpus" / "MANIFEST.tsv").write_text(f"file\tkind\tchars\tsha256\turl\nx001.txt\tother\t{len(TEXT)}\t{sha}\t-\n")
    monkeypatch.setenv(ENV_VAR, str(root))
    return root, sha


def _span(i, start, end, label):
    return AnnSpan(id=f"e{i}", start=start, end=end, label=label, quote=quote_hash(TEXT[start:end]))


def _file(sha, **layers):
    return AnnotationFile(
        doc_sha256=sha, doc_name="corpus/x001.txt", layer="entities", annotator="test",
        created=datetime.now(timezone.utc).isoformat(), **layers,
    )


def test_clean_annotations_pass(tiny_corpus, tmp_path):
    root, sha = tiny_corpus
    start = TEXT.index("120.5万元")
    ann = _file(sha, entities=[_span(1, start, start + 7, "MONEY")],
                sections=[AnnSection(start=0, title_end=6, end=len(TEXT), label="unit_overview", level=1, quote=quote_hash(TEXT[:6]))])
    save(ann, tmp_path / "ann")
    checked, problems = validate_all(tmp_path / "ann", corpus_root=root)
    assert checked == 1 and problems == []


def test_each_problem_is_reported_with_file_and_line(tiny_corpus, tmp_path):
    root, sha = tiny_corpus
    start = TEXT.index("120.5万元")
    good = _span(1, start, start + 7, "MONEY")
    moved = good.model_copy(update={"id": "e2", "start": start + 1, "end": start + 8})
    ann = _file(sha, entities=[good, moved, _span(3, 0, 2, "NOT_A_LABEL"), _span(4, 5, 999, "MONEY")],
                relations=[AnnRelation(head="e1", tail="e9", label="target")])
    path = save(ann, tmp_path / "ann")
    _, problems = validate_all(tmp_path / "ann", corpus_root=root)
    messages = "\n".join(str(p) for p in problems)
    assert "text at these offsets changed" in messages
    assert "NOT_A_LABEL" in messages
    assert "outside the text" in messages
    assert "missing span 'e9'" in messages
    assert all(str(p).startswith(f"{path}:") for p in problems)
    lines = json.dumps(ann.model_dump(), ensure_ascii=False, indent=1)
    assert {p.line for p in problems} - {1}, "problems point at the lines of their items"
    assert max(p.line for p in problems) <= lines.count("\n") + 1


def test_unknown_document(tiny_corpus, tmp_path):
    root, _ = tiny_corpus
    save(_file("f" * 64), tmp_path / "ann")
    _, problems = validate_all(tmp_path / "ann", corpus_root=root)
    assert len(problems) == 1 and "no document with SHA-256" in problems[0].message


def test_committed_annotations_are_valid(shared_dir):
    from pipeline.annotate.format import ANNOTATIONS_DIR

    checked, problems = validate_all(ANNOTATIONS_DIR, corpus_root=shared_dir)
    assert not problems, "\n".join(str(p) for p in problems[:20])
