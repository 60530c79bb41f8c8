"""Model folders: meta and card written, versions and weight hashes checked, untrusted types refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

from pipeline import modelio
from pipeline.errors import ModelError


def _trained(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = LogisticRegression().fit(X, y)
    folder = tmp_path / "toy"
    folder.mkdir()
    modelio.save_skops(clf, folder / "model.skops")
    modelio.save_json({"threshold": 0.5}, folder / "extra.json")
    meta = modelio.ModelMeta(
        name="toy",
        created=modelio.now_iso(),
        libraries=modelio.library_versions(["sklearn", "skops", "numpy"]),
        labels=["neg", "pos"],
        config={"C": 1.0},
        data_sha256="0" * 64,
        metrics={"accuracy": 1.0, "per_label": {"pos": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 20}}},
    )
    meta = modelio.save_model_dir(folder, meta, ["model.skops", "extra.json"])
    return folder, clf, X


TRUSTED = ["sklearn.linear_model._logistic.LogisticRegression"]


def test_round_trip_and_card(tmp_path):
    folder, clf, X = _trained(tmp_path)
    meta = modelio.load_meta(folder, expect_libs=["sklearn", "skops"])
    assert set(meta.files) == {"model.skops", "extra.json"}
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "toy" in card and meta.libraries["sklearn"] in card and "| pos |" in card
    loaded = modelio.load_skops(folder / "model.skops", trusted=TRUSTED)
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))


def test_tampered_weight_is_refused(tmp_path):
    folder, _, _ = _trained(tmp_path)
    path = folder / "extra.json"
    path.write_text(json.dumps({"threshold": 0.9}), encoding="utf-8")
    with pytest.raises(ModelError, match="SHA-256 of extra.json differs"):
        modelio.load_meta(folder)


def test_missing_weight_is_refused(tmp_path):
    folder, _, _ = _trained(tmp_path)
    (folder / "model.skops").unlink()
    with pytest.raises(ModelError, match="model.skops is missing"):
        modelio.load_meta(folder)


def test_version_mismatch_is_refused(tmp_path):
    folder, _, _ = _trained(tmp_path)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta["libraries"]["sklearn"] = "0.1.0"
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match=r"trained with sklearn 0\.1\.0"):
        modelio.load_meta(folder, expect_libs=["sklearn"])
    # a patch-level difference is accepted
    installed = modelio.installed_version("sklearn")
    major, minor = installed.split(".")[:2]
    meta["libraries"]["sklearn"] = f"{major}.{minor}.999"
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert modelio.load_meta(folder, expect_libs=["sklearn"]).name == "toy"


def test_untrusted_type_is_refused(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    modelio.save_skops(FunctionTransformer(func=json.dumps), folder / "model.skops")
    with pytest.raises(ModelError, match="not on the trusted list"):
        modelio.load_skops(folder / "model.skops", trusted=TRUSTED)


def test_missing_model_names_the_command(tmp_path):
    with pytest.raises(ModelError, match="jixiao train"):
        modelio.load_meta(tmp_path / "nothing")


def test_data_hash_depends_on_content_and_settings(tmp_path):
    a = tmp_path / "a.json"
    a.write_text("1", encoding="utf-8")
    h1 = modelio.data_hash([a])
    assert modelio.data_hash([a]) == h1
    assert modelio.data_hash([a], extra={"synthetic": 10}) != h1
    a.write_text("2", encoding="utf-8")
    assert modelio.data_hash([a]) != h1
