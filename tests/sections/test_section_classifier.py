"""The section classifier: overfitting round trip, refusals on disk, the committed model."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from text.sample import REPORT

from pipeline import modelio
from pipeline.core import REPO_ROOT, Pipeline, build_stage
from pipeline.errors import ModelError
from pipeline.ingest import read_document
from pipeline.sections.classifier import SectionClassifier
from pipeline.sections.evaluate import expected_calibration_error, taxonomy
from pipeline.sections.features import SectionFeatures
from pipeline.sections.synth import generate_examples

COMMITTED = REPO_ROOT / "models" / "sections"


def _few() -> tuple[list[SectionFeatures], list[str]]:
    def f(title, parent="", content="", style="cn", level=1):
        return SectionFeatures(title=title, parent_title=parent, content=content, doc_head="自评报告", style=style,
                               level=level, position=0.5, length=100, children=0)

    X = [
        f("部门基本情况", content="内设科室3个"), f("机构设置", "部门基本情况", "编制12人", "cn_paren", 2),
        f("收入支出决算总体情况说明", content="本年收入合计"), f("预算执行情况", content="执行率98%"),
        f("存在的主要问题", content="一是预算编制不细"), f("问题及原因", content="二是指标难量化"),
        f("评价结论", content="得分95分"), f("自评等级", content="等级为优"),
    ]
    y = ["unit_overview", "unit_overview", "budget_execution", "budget_execution", "problems", "problems",
         "conclusion", "conclusion"]
    return X, y


def test_fit_contract():
    clf = SectionClassifier(C=3.0)
    assert clf.get_params()["C"] == 3.0 and not hasattr(clf, "classes_")
    X, y = _few()
    assert clf.fit(X, y) is clf
    assert list(clf.classes_) == sorted(set(y)) and clf.temperature_ == 1.0


def test_overfitting_round_trip(tmp_path):
    X, y = _few()
    clf = SectionClassifier(C=100.0, class_weight=None).fit(X, y)
    assert list(clf.predict(X)) == y  # memorised
    meta = clf.to_disk(tmp_path / "m", modelio.ModelMeta(name="sections", created=modelio.now_iso()))
    assert set(meta.files) == {"classifier.skops", "state.json"}
    loaded = SectionClassifier.from_disk(tmp_path / "m")
    assert list(loaded.predict(X)) == y
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))
    assert (tmp_path / "m" / "README.md").read_text(encoding="utf-8").startswith("# Model card: sections")


def test_temperature_is_fitted_on_held_out_groups():
    X, y = generate_examples(per_label=6, seed=1)
    groups = [f"d{i % 6}" for i in range(len(y))]
    clf = SectionClassifier().fit(X, y, groups=groups)
    assert clf.temperature_ > 0 and clf.temperature_ != 1.0
    proba = clf.predict_proba(X[:5])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_tampered_weights_are_refused(tmp_path):
    folder = tmp_path / "sections"
    shutil.copytree(COMMITTED, folder)
    state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    state["temperature"] = 0.01
    (folder / "state.json").write_text(json.dumps(state), encoding="utf-8")
    with pytest.raises(ModelError, match="SHA-256 of state.json differs"):
        SectionClassifier.from_disk(folder)


def test_version_mismatch_is_refused(tmp_path):
    folder = tmp_path / "sections"
    shutil.copytree(COMMITTED, folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["libraries"]["sklearn"] = "0.24.2"
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="retrain with `jixiao train sections`"):
        SectionClassifier.from_disk(folder)


def test_committed_model_labels_a_document_of_our_own(tmp_path):
    meta = modelio.load_meta(COMMITTED, expect_libs=["sklearn", "skops"])
    assert set(meta.labels) <= set(taxonomy())
    assert meta.metrics["macro_f1"] >= 0.90 and meta.metrics["ece"] <= 0.05
    path = tmp_path / "report.txt"
    path.write_text(REPORT, encoding="utf-8")
    pipeline = Pipeline([build_stage("sentences", {}), build_stage("headings", {}), build_stage("sections", {})])
    doc = pipeline(read_document(path))
    labels = {s.title: s.label for s in doc.sections}
    assert labels["（一）部门概况"] == "unit_overview"
    assert labels["（二）部门收支预决算情况"] == "budget_execution"
    assert labels["二、自评工作开展情况"] == "evaluation_process"
    assert labels["三、评价结论和评价等级"] == "conclusion"
    assert labels["（一）存在的主要问题"] == "problems"
    assert labels["（二）针对问题提出具体的改进措施或建议"] == "improvements"
    assert labels["六、评价工作组人员名单及签字"] == "signatures"
    assert all(0.0 < s.confidence <= 1.0 for s in doc.sections)


def test_expected_calibration_error():
    conf = np.array([0.95, 0.95, 0.55, 0.55])
    correct = np.array([1, 1, 1, 0])
    # bin 9: |1 − 0.95| × 2, bin 5: |0.5 − 0.55| × 2 → 0.05
    assert expected_calibration_error(conf, correct) == pytest.approx(0.05)
    assert expected_calibration_error(np.array([1.0]), np.array([1])) == 0.0
