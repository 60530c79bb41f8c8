"""Model folders: `meta.json`, a README card generated from it, and weights in safe formats.

Every trained model lives in one folder under `models/`:

    models/<name>/
      meta.json      ModelMeta: versions, labels, config, training-data hash, metrics, weight hashes
      README.md      the model card, generated from meta.json
      <weights>      skops (with an explicit allow-list of types), JSON, or a spaCy to_disk folder

`save_model_dir` writes the folder; `load_meta` reads it back and refuses a model whose
library versions differ in major.minor from the installed ones (`Messages.MODEL_VERSION`)
or whose weight files changed after training (`Messages.MODEL_TAMPERED`). `save_skops` and
`load_skops` store scikit-learn estimators without pickle: loading lists the types the file
would build and refuses any that the caller did not name as trusted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import logging
import platform
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipeline.errors import ModelError, Messages

logger = logging.getLogger(__name__)

META_FILE = "meta.json"
CARD_FILE = "README.md"
_CHUNK = 1 << 20

# distribution names whose versions a model may depend on (import name → distribution)
_DISTRIBUTIONS = {
    "sklearn": "scikit-learn",
    "scikit-learn": "scikit-learn",
    "skops": "skops",
    "spacy": "spacy",
    "numpy": "numpy",
    "scipy": "scipy",
    "jieba": "jieba",
    "rjieba": "rjieba",
    "torch": "torch",
    "transformers": "transformers",
    "pydantic": "pydantic",
}


class ModelMeta(BaseModel):
    """What a trained model is, how it was made, and how well it did (written as meta.json)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="the model's name, also the `jixiao train NAME` that builds it")
    version: str = Field(default="0.1.0", description="version of this model")
    created: str = Field(description="ISO 8601 date and time of training (UTC)")
    description: str = Field(default="", description="one paragraph: what the model does")
    libraries: dict[str, str] = Field(
        default_factory=dict, description="versions of python and the libraries the weights depend on"
    )
    labels: list[str] = Field(default_factory=list, description="the labels the model predicts")
    config: dict[str, Any] = Field(default_factory=dict, description="the training configuration")
    data_sha256: str = Field(
        default="", description="SHA-256 over the training data: annotation files + synthetic generator settings"
    )
    data: dict[str, Any] = Field(
        default_factory=dict, description="what the training data was: document counts, example counts, sources"
    )
    metrics: dict[str, Any] = Field(default_factory=dict, description="evaluation figures and how they were measured")
    files: dict[str, str] = Field(
        default_factory=dict, description="weight file (relative path) → SHA-256 of its bytes"
    )


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def installed_version(lib: str) -> str | None:
    """The installed version of `lib` (`python` for the interpreter); None when not installed."""
    if lib == "python":
        return platform.python_version()
    try:
        return importlib.metadata.version(_DISTRIBUTIONS.get(lib, lib))
    except importlib.metadata.PackageNotFoundError:
        return None


def library_versions(libs: Iterable[str]) -> dict[str, str]:
    """`{"python": "3.11.7", "sklearn": "1.9.1", …}` for python and each installed lib."""
    out = {"python": platform.python_version()}
    for lib in libs:
        version = installed_version(lib)
        if version is not None:
            out[lib] = version
    return out


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def data_hash(paths: Iterable[Path], *, extra: Mapping[str, Any] | None = None) -> str:
    """SHA-256 over files (sorted by path, each name and content) and optional settings.

    `extra` holds what else decides the training data, e.g. the synthetic generator's
    seed and counts; it is hashed as canonical JSON.
    """
    h = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        h.update(path.name.encode("utf-8") + b"\0")
        h.update(file_sha256(path).encode("ascii") + b"\n")
    if extra:
        h.update(json.dumps(extra, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
    return h.hexdigest()


def _weight_files(folder: Path, files: Iterable[str | Path]) -> dict[str, str]:
    """Relative path → SHA-256 for each weight file; a folder (spaCy to_disk) adds every file inside."""
    out: dict[str, str] = {}
    for item in files:
        path = folder / item
        targets = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for target in targets:
            out[target.relative_to(folder).as_posix()] = file_sha256(target)
    return out


def save_model_dir(path: Path, meta: ModelMeta, files: Iterable[str | Path]) -> ModelMeta:
    """Hash the weight `files` (already written under `path`), write meta.json and README.md.

    Returns the meta with `files` filled in.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    meta = meta.model_copy(update={"files": _weight_files(path, files)})
    (path / META_FILE).write_text(meta.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (path / CARD_FILE).write_text(model_card(meta), encoding="utf-8")
    return meta


def load_meta(path: Path, *, expect_libs: Iterable[str] = (), check_files: bool = True) -> ModelMeta:
    """Read and check a model folder's meta.json.

    Raises `ModelError` when the folder or meta is missing (`MODEL_MISSING`), when one of
    `expect_libs` was recorded at a different major.minor version than the installed one
    (`MODEL_VERSION`), or when a weight file is missing or its SHA-256 differs (`MODEL_TAMPERED`).
    """
    path = Path(path)
    meta_path = path / META_FILE
    if not meta_path.is_file():
        raise ModelError(Messages.MODEL_MISSING.format(path=path, what=path.name), path=str(path))
    try:
        meta = ModelMeta.model_validate_json(meta_path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise ModelError(
            Messages.MODEL_TAMPERED.format(path=path, detail=f"meta.json is not valid: {e}"), path=str(path)
        ) from e
    for lib in expect_libs:
        trained = meta.libraries.get(lib)
        installed = installed_version(lib)
        if trained is None or installed is None or _major_minor(trained) != _major_minor(installed):
            raise ModelError(
                Messages.MODEL_VERSION.format(
                    path=path, lib=lib, trained=trained or "(not recorded)", installed=installed or "(none)", what=meta.name
                ),
                path=str(path),
            )
    if check_files:
        for rel, expected in meta.files.items():
            target = path / rel
            if not target.is_file():
                raise ModelError(Messages.MODEL_TAMPERED.format(path=path, detail=f"{rel} is missing"), path=str(path))
            if file_sha256(target) != expected:
                raise ModelError(
                    Messages.MODEL_TAMPERED.format(path=path, detail=f"SHA-256 of {rel} differs"), path=str(path)
                )
    return meta


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def save_skops(obj: Any, path: Path) -> None:
    """Write a scikit-learn object with skops (no pickle)."""
    import skops.io as sio

    sio.dump(obj, Path(path))


def load_skops(path: Path, *, trusted: Iterable[str]) -> Any:
    """Load a skops file, refusing it when it would build any type not in `trusted`.

    `trusted` is the caller's allow-list of fully qualified type names
    (e.g. `sklearn.linear_model._logistic.LogisticRegression`).
    """
    import skops.io as sio

    path = Path(path)
    allowed = set(trusted)
    try:
        unknown = sio.get_untrusted_types(file=path)
    except Exception as e:  # skops raises plain exceptions on a damaged archive
        raise ModelError(Messages.MODEL_TAMPERED.format(path=path, detail=f"unreadable skops file: {e}"), path=str(path)) from e
    refused = sorted(set(unknown) - allowed)
    if refused:
        raise ModelError(Messages.MODEL_UNTRUSTED.format(path=path, types=", ".join(refused)), path=str(path))
    return sio.load(path, trusted=sorted(set(unknown) & allowed))


def save_json(obj: Any, path: Path) -> None:
    Path(path).write_text(json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def load_json(path: Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def model_card(meta: ModelMeta) -> str:
    """A README.md for the model folder, generated from its meta (never edited by hand)."""
    lines = [
        f"# Model card: {meta.name} {meta.version}",
        "",
        "Generated from `meta.json` by `pipeline.modelio`; do not edit by hand.",
        "",
    ]
    if meta.description:
        lines += [meta.description, ""]
    lines += [
        f"- created: {meta.created}",
        f"- training data SHA-256: `{meta.data_sha256 or '(not recorded)'}`",
        f"- labels ({len(meta.labels)}): {', '.join(meta.labels) or '(none)'}",
        "",
        "## Libraries",
        "",
        "| library | version |",
        "|---|---|",
    ]
    lines += [f"| {lib} | {version} |" for lib, version in sorted(meta.libraries.items())]
    lines += ["", "## Training data", ""]
    lines += [f"- {key}: {_fmt(value)}" for key, value in meta.data.items()] or ["(not recorded)"]
    lines += ["", "## Configuration", "", "```json", json.dumps(meta.config, ensure_ascii=False, indent=2, sort_keys=True), "```"]
    lines += ["", "## Metrics", ""]
    lines += _metrics_lines(meta.metrics)
    lines += ["", "## Files", "", "| file | SHA-256 |", "|---|---|"]
    lines += [f"| {rel} | `{sha[:16]}…` |" for rel, sha in sorted(meta.files.items())]
    return "\n".join(lines) + "\n"


def _metrics_lines(metrics: Mapping[str, Any]) -> list[str]:
    if not metrics:
        return ["(not measured)"]
    out: list[str] = []
    per_label = metrics.get("per_label")
    for key, value in metrics.items():
        if key == "per_label":
            continue
        if isinstance(value, (dict, list)):
            out.append(f"- {key}: `{json.dumps(value, ensure_ascii=False, sort_keys=True)}`")
        else:
            out.append(f"- {key}: {_fmt(value)}")
    if isinstance(per_label, Mapping) and per_label:
        out += ["", "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        for label, row in per_label.items():
            out.append(
                f"| {label} | {_fmt(row.get('precision'))} | {_fmt(row.get('recall'))} | "
                f"{_fmt(row.get('f1'))} | {row.get('support', '')} |"
            )
    return out


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)
