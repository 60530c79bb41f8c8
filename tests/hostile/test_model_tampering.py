"""Every committed model folder, copied to tmp and tampered with, is refused with a ModelError.

Tampering: one byte of a weight file changed; meta.json naming another hash; meta.json that
is not valid; and, for skops weights, a file holding a type outside the trusted list whose hash
is written into meta.json (an attacker who edits both), which must still be refused.
A source scan checks that nothing in `pipeline/` unpickles.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline import modelio
from pipeline.errors import ModelError

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"


def _loaders():
    from pipeline.extract.ner import load_ner
    from pipeline.extract.relations import RelationModel
    from pipeline.normalize.confidence import CalibrationSet
    from pipeline.sections.classifier import SectionClassifier

    return {
        "sections": SectionClassifier.from_disk,
        "ner": load_ner,
        "relations": RelationModel.from_disk,
        "calibration": CalibrationSet.from_disk,
    }


COMMITTED = sorted(p.name for p in MODELS.iterdir() if (p / "meta.json").is_file()) if MODELS.is_dir() else []


def test_every_committed_model_has_a_loader_here():
    assert COMMITTED, "no model folders under models/"
    assert set(COMMITTED) <= set(_loaders()), "add the new model's loader to this test"


@pytest.fixture(params=COMMITTED)
def model(request, tmp_path) -> tuple[str, Path]:
    copy = tmp_path / request.param
    shutil.copytree(MODELS / request.param, copy)
    return request.param, copy


def _meta(folder: Path) -> dict:
    return json.loads((folder / "meta.json").read_text(encoding="utf-8"))


def _write_meta(folder: Path, meta: dict) -> None:
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def test_the_untouched_copy_loads(model):
    name, folder = model
    assert _loaders()[name](folder) is not None


def test_changed_weight_bytes_are_refused(model):
    name, folder = model
    files = _meta(folder)["files"]
    assert files, f"{name}: meta.json lists no weight files, so tampering cannot be detected"
    rel = max(files, key=lambda r: (folder / r).stat().st_size)
    target = folder / rel
    blob = bytearray(target.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    target.write_bytes(bytes(blob))
    with pytest.raises(ModelError, match="does not match its meta.json"):
        _loaders()[name](folder)


def test_meta_naming_another_hash_is_refused(model):
    name, folder = model
    meta = _meta(folder)
    rel = min(meta["files"])
    meta["files"][rel] = "0" * 64
    _write_meta(folder, meta)
    with pytest.raises(ModelError, match=re.escape(f"SHA-256 of {rel} differs")):
        _loaders()[name](folder)


def test_invalid_meta_is_refused(model):
    name, folder = model
    meta = _meta(folder)
    meta["injected"] = "__import__('os').system('true')"
    _write_meta(folder, meta)
    with pytest.raises(ModelError, match="meta.json is not valid"):
        _loaders()[name](folder)


SKOPS = [(n, r) for n in COMMITTED for r in _meta(MODELS / n)["files"] if r.endswith(".skops")] if COMMITTED else []


@pytest.mark.parametrize(("name", "rel"), SKOPS, ids=[f"{n}/{r}" for n, r in SKOPS])
def test_untrusted_type_in_skops_is_refused_even_with_a_matching_meta(tmp_path, name, rel):
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    folder = tmp_path / name
    shutil.copytree(MODELS / name, folder)
    # a callable the loader would have to import and call: os.system
    sio.dump({"vectorizers": {}, "model": FunctionTransformer(func=__import__("os").system)}, folder / rel)
    meta = _meta(folder)
    meta["files"][rel] = modelio.file_sha256(folder / rel)
    _write_meta(folder, meta)
    with pytest.raises(ModelError, match="not on the trusted list"):
        _loaders()[name](folder)


UNSAFE_LOADS = [
    (re.compile(r"\bpickle\.loads?\("), "pickle.load"),
    (re.compile(r"\b(?:c?pickle|dill|cloudpickle)\.Unpickler\b"), "an Unpickler"),
    (re.compile(r"\bjoblib\.load\("), "joblib.load"),
    (re.compile(r"\btorch\.load\((?![^)]*weights_only\s*=\s*True)"), "torch.load without weights_only=True"),
    (re.compile(r"\btrusted\s*=\s*True\b"), "skops load with trusted=True"),
    (re.compile(r"\bnp\.load\([^)]*allow_pickle\s*=\s*True"), "np.load(allow_pickle=True)"),
    (re.compile(r"\byaml\.load\((?![^)]*SafeLoader)"), "yaml.load without SafeLoader"),
    (re.compile(r"\bmarshal\.loads?\("), "marshal.load"),
    (re.compile(r"\bshelve\.open\("), "shelve.open"),
]


def test_nothing_in_pipeline_unpickles():
    found = []
    for path in sorted((REPO / "pipeline").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for pattern, what in UNSAFE_LOADS:
            for m in pattern.finditer(source):
                line = source.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(REPO)}:{line}: {what}")
    assert not found, "unsafe loading: " + "; ".join(found)


def test_the_scan_catches_what_it_looks_for():
    samples = {
        "pickle.load(": "pickle.load(fh)",
        "joblib": "joblib.load('m.pkl')",
        "torch": "torch.load(path)",
        "trusted": "sio.load(p, trusted=True)",
    }
    for text in samples.values():
        assert any(p.search(text) for p, _ in UNSAFE_LOADS), text
    assert not any(p.search("torch.load(path, weights_only=True)") for p, _ in UNSAFE_LOADS)
