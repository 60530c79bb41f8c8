"""Same annotations and config, same model: retraining reproduces the committed models.

Each test retrains a model from the committed annotations and configs and checks that (1) its
card names the same training data as the committed card, and (2) it reads a document of our
own exactly as the committed model does. A failure on (1) means the annotations changed after
the model was trained: retrain (`jixiao train all --promote`) so the card says which data made it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.core import REPO_ROOT, Pipeline, build_stage

EXAMPLE = next((REPO_ROOT / "examples").glob("*部门整体支出绩效自评报告.txt"))


def _card(folder: Path) -> dict:
    return json.loads((folder / "meta.json").read_text(encoding="utf-8"))


def _read(overrides: dict[str, dict]):
    names = ["sentences", "headings", "sections", "numbers", "tables", "ner", "relations"]
    stages = [build_stage(n, overrides.get(n, {})) for n in names]
    return Pipeline(stages=stages).process_path(EXAMPLE)


@pytest.mark.slow
def test_relations_retrained_are_the_committed_ones(shared_dir, tmp_path):
    from pipeline.extract.relations import train

    train(output=tmp_path / "relations")
    assert _card(tmp_path / "relations")["data_sha256"] == _card(REPO_ROOT / "models/relations")["data_sha256"]
    mine = _read({"relations": {"model": str(tmp_path / "relations")}})
    committed = _read({})
    assert [r.model_dump() for r in mine.relations] == [r.model_dump() for r in committed.relations]
    assert [m.attrs for m in mine.mentions] == [m.attrs for m in committed.mentions]


@pytest.mark.slow
def test_sections_retrained_are_the_committed_ones(shared_dir, tmp_path):
    from pipeline.sections.train import train

    train(output=tmp_path / "sections", evaluate=False)
    assert _card(tmp_path / "sections")["data_sha256"] == _card(REPO_ROOT / "models/sections")["data_sha256"]
    mine = _read({"sections": {"model": str(tmp_path / "sections")}})
    committed = _read({})
    assert [s.label for s in mine.sections] == [s.label for s in committed.sections]
    # the same up to floating-point summation order (threaded BLAS)
    assert [s.confidence for s in mine.sections] == pytest.approx([s.confidence for s in committed.sections], abs=1e-3)
