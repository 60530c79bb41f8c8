"""`jixiao evaluate sections` on the real documents: the floors, by document-level CV."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.sections.evaluate import build_dataset, cross_validate, load_config


@pytest.mark.corpus
@pytest.mark.slow
def test_document_level_cv_meets_the_floors(real_documents, tmp_path):
    cfg = load_config()
    data = build_dataset(cfg)
    assert data.documents >= 45 and len(data.y) >= 350
    result = cross_validate(data, cfg, folds=4)
    m = result.metrics()
    assert m["macro_f1"] >= 0.88, m["per_label"]
    assert m["ece"] <= 0.06


@pytest.mark.corpus
@pytest.mark.slow
def test_cli_writes_table_and_diagram(real_documents, tmp_path):
    png = tmp_path / "rel.png"
    result = CliRunner().invoke(app, ["evaluate", "sections", "--folds", "3", "--diagram", str(png), "--json", str(tmp_path / "m.json")])
    assert result.exit_code == 0, result.output
    assert "macro" in result.output and "ECE" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
