"""Retrain every model and compare the new ones with the committed model cards.

`train_all` writes candidates (never over `models/` unless promoted); `evaluate_all`
measures the current annotations + configs by document-level cross-validation and
compares every figure, label by label, with the figures stored in the committed cards,
writing a Markdown and an HTML report that says what got better and what got worse.
"""

from __future__ import annotations

import html
import json
import shutil
import tempfile
import time
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.core import DEFAULT_CONFIG, REPO_ROOT, resolve_path

MODELS_DIR = REPO_ROOT / "models"
MODEL_NAMES = ("sections", "ner", "relations", "calibration")
# which model's card carries which family of figures
FAMILY_OF_MODEL = {"sections": "sections", "ner": "extract", "relations": "extract", "calibration": "calibration"}
TOLERANCE = 0.005  # differences smaller than this are "same"


def _lower_is_better(key: str) -> bool:
    return key.rsplit("/", 1)[-1] in ("ece", "ece_raw", "ece_worst")


@dataclass
class TrainResult:
    seconds: dict[str, float] = field(default_factory=dict)
    folder: Path | None = None
    observations: object = None  # the calibration's cross-fitted observations, reused by `measure`


def candidate_config(folder: Path) -> Path:
    """A pipeline config that uses the candidate models of `folder` (for fitting the calibration on them)."""
    with DEFAULT_CONFIG.open("rb") as fh:
        config = tomllib.load(fh)
    lines = ["[ingest]"] + [f"{k} = {json.dumps(v)}" for k, v in config.get("ingest", {}).items()]
    lines += ["[pipeline]", f"stages = {json.dumps(config['pipeline']['stages'])}"]
    for stage, settings in config.get("stages", {}).items():
        settings = dict(settings)
        for key, value in settings.items():
            if isinstance(value, str) and value.startswith("models/") and Path(value).name in MODEL_NAMES:
                settings[key] = str(folder / Path(value).name)
        if stage == "normalize":
            settings["calibrate"] = False  # fit on raw confidences
        lines.append(f"[stages.{stage}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    path = folder / "pipeline.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def train_all(folder: Path) -> TrainResult:
    """Train every model from data/annotations/ and configs/ into `folder/<name>`."""
    from pipeline.extract import ner, relations
    from pipeline.normalize import calibrate
    from pipeline.sections import train as sections

    folder.mkdir(parents=True, exist_ok=True)
    result = TrainResult(folder=folder)
    steps = {
        "sections": lambda: sections.train(output=folder / "sections"),  # its card keeps its own CV figures
        "ner": lambda: ner.train(output=folder / "ner"),
        "relations": lambda: relations.train(output=folder / "relations"),
    }
    for name, step in steps.items():
        t0 = time.perf_counter()
        shutil.rmtree(folder / name, ignore_errors=True)  # nothing of an earlier candidate stays (a backend's files)
        step()
        result.seconds[name] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    obs, names = calibrate.collect(candidate_config(folder))
    result.observations = obs
    calibrate.fit(obs).to_disk(
        folder / "calibration",
        metrics={},
        data={"documents": len(names), "annotations": "data/annotations/entities"},
        data_sha256=calibrate.annotations_sha256(),
    )
    result.seconds["calibration"] = round(time.perf_counter() - t0, 1)
    return result


def flatten(prefix: str, value, out: dict[str, float]) -> None:
    """Nested figures → {"family/path/figure": number}; lists and non-numbers are left out."""
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(f"{prefix}/{k}" if prefix else str(k), v, out)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out[prefix] = float(value)


def measure(*, folds: int = 5, config: Path | None = None, observations=None) -> dict[str, float]:
    """Every figure, by document-level cross-validation on the real annotated documents
    (`observations`: the calibration's, when `train_all` has just collected them)."""
    from pipeline.extract.evaluate import cross_validate as extract_cv
    from pipeline.extract.features import load_gold
    from pipeline.normalize import calibrate
    from pipeline.sections import evaluate as sections_eval

    figures: dict[str, float] = {}
    sec_cfg = sections_eval.load_config()
    sec = sections_eval.cross_validate(sections_eval.build_dataset(sec_cfg), sec_cfg, folds=folds).metrics(bins=10)
    _sections_figures(sec, figures)
    report = extract_cv(load_gold(), folds=folds, ner_settings=ner_settings()).as_dict()
    _extract_figures(report, figures)

    obs = observations if observations is not None else calibrate.collect(config, folds=folds)[0]
    figures.update(calibrate.figures(calibrate.cross_validate(obs, folds=folds)))
    return figures


def ner_settings(**overrides) -> dict:
    """The NER's settings of configs/ner.toml (its backend's section), with `overrides` (e.g. fewer epochs)."""
    from pipeline.extract.ner import backend_settings

    with resolve_path("configs/ner.toml").open("rb") as fh:
        settings = backend_settings(tomllib.load(fh))
    settings.update(overrides)
    settings["labels"] = tuple(settings.get("labels", ()))
    return settings


def _sections_figures(metrics: dict, figures: dict[str, float]) -> None:
    flatten("sections", {k: metrics[k] for k in ("macro_f1", "accuracy", "ece")}, figures)
    flatten("sections/f1", {lab: row["f1"] for lab, row in metrics["per_label"].items()}, figures)


def _extract_figures(report: dict, figures: dict[str, float]) -> None:
    for kind in ("entities_exact", "entities_overlap"):
        flatten(f"extract/{kind}", {lab: m["f1"] for lab, m in report[kind].items()}, figures)
    for key, value in report.items():
        if isinstance(value, dict) and "f1" in value:
            figures[f"extract/{key}/f1"] = float(value["f1"])


def heldout_figures(
    train: Collection[str], test: Collection[str], *, root: Path | None = None, ner: dict | None = None
) -> dict[str, float]:
    """Figures on the annotated documents named in `test` of models trained only on those named in `train`.

    Names are as in the corpus folder (`corpus/c004.txt`, `seeds/…`); the documents are those of
    `$JIXIAO_SHARED` with the annotations of `root` (default data/annotations or `$JIXIAO_ANNOTATIONS`).
    Retrained: the section classifier (with its configured synthetic examples), the NER (settings of
    configs/ner.toml updated by `ner`) and the relation model; keys as in `measure`, without calibration.
    """
    from pipeline.annotate.format import ANNOTATIONS_DIR
    from pipeline.extract.evaluate import heldout
    from pipeline.extract.features import load_gold
    from pipeline.sections import evaluate as sections_eval

    root = root or ANNOTATIONS_DIR
    train, test = set(train), set(test)
    if train & test:
        raise ValueError(f"documents on both sides: {sorted(train & test)}")
    figures: dict[str, float] = {}
    sec_cfg = sections_eval.load_config()
    data = sections_eval.build_dataset(sec_cfg, root=root)
    fit_idx = np.flatnonzero(np.isin(data.groups, sorted(train)))
    test_idx = np.flatnonzero(np.isin(data.groups, sorted(test)))
    clf = sections_eval.fit(data, sec_cfg, train=fit_idx)
    proba = clf.predict_proba([data.X[i] for i in test_idx])
    result = sections_eval.CVResult(
        data.y[test_idx], clf.classes_[proba.argmax(axis=1)].astype(str), proba.max(axis=1), data.groups[test_idx]
    )
    _sections_figures(result.metrics(bins=10), figures)
    golds = load_gold(root=root)
    report = heldout(
        [g for g in golds if g.name in train],
        [g for g in golds if g.name in test],
        ner_settings=ner_settings(**(ner or {})),
    )
    _extract_figures(report.as_dict(), figures)
    figures["sections/train_documents"] = float(len(set(data.groups[fit_idx])))
    figures["sections/test_documents"] = float(len(set(data.groups[test_idx])))
    figures["extract/train_documents"] = float(sum(g.name in train for g in golds))
    figures["extract/test_documents"] = float(report.documents)
    return figures


def committed_figures(models: Path = MODELS_DIR) -> dict[str, float]:
    """The figures stored in the committed cards (`metrics.evaluation`), keyed like `measure`'s."""
    out: dict[str, float] = {}
    for name in MODEL_NAMES:
        meta = models / name / "meta.json"
        if meta.is_file():
            out.update(json.loads(meta.read_text(encoding="utf-8")).get("metrics", {}).get("evaluation", {}))
    return out


@dataclass
class Comparison:
    rows: list[tuple[str, float | None, float | None, str]]

    @property
    def better(self) -> list[str]:
        return [r[0] for r in self.rows if r[3] == "better"]

    @property
    def worse(self) -> list[str]:
        return [r[0] for r in self.rows if r[3] == "worse"]


def compare(old: dict[str, float], new: dict[str, float]) -> Comparison:
    rows = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a is None:
            verdict = "new"
        elif b is None:
            verdict = "gone"
        else:
            delta = (a - b) if _lower_is_better(key) else (b - a)
            verdict = "better" if delta > TOLERANCE else "worse" if delta < -TOLERANCE else "same"
        rows.append((key, a, b, verdict))
    return Comparison(rows)


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def write_report(comparison: Comparison, out: Path, *, seconds: dict[str, float] | None = None) -> tuple[Path, Path]:
    """report.md and report.html in `out`: a summary, then every figure with committed vs new."""
    out.mkdir(parents=True, exist_ok=True)
    summary = (
        f"{len(comparison.better)} figures better, {len(comparison.worse)} worse, "
        f"{sum(r[3] == 'same' for r in comparison.rows)} the same (tolerance {TOLERANCE}); "
        "ECE: lower is better, every other figure: higher is better."
    )
    md = ["# jixiao: new models vs the committed model cards", "", summary, ""]
    if seconds:
        md += ["Training time: " + ", ".join(f"{k} {v} s" for k, v in seconds.items()) + f" (total {sum(seconds.values()):.0f} s)", ""]
    for title, keys in (("Worse", comparison.worse), ("Better", comparison.better)):
        if keys:
            md += [f"## {title}", ""] + [f"- `{k}`" for k in keys] + [""]
    md += ["## Every figure", "", "| figure | committed | new | verdict |", "|---|---:|---:|---|"]
    md += [f"| `{k}` | {_fmt(a)} | {_fmt(b)} | {v} |" for k, a, b, v in comparison.rows]
    md_path = out / "report.md"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")
    colour = {"better": "#d8f3dc", "worse": "#ffccd5", "same": "#ffffff", "new": "#e7ecef", "gone": "#e7ecef"}
    rows = "".join(
        f'<tr style="background:{colour[v]}"><td><code>{html.escape(k)}</code></td><td>{_fmt(a)}</td>'
        f"<td>{_fmt(b)}</td><td>{v}</td></tr>"
        for k, a, b, v in comparison.rows
    )
    page = (
        '<!doctype html><html lang="zh"><meta charset="utf-8"><title>jixiao evaluation</title>'
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;text-align:right}"
        "td:first-child{text-align:left}</style>"
        f"<h1>New models vs the committed model cards</h1><p>{html.escape(summary)}</p>"
        f"<table><tr><th>figure</th><th>committed</th><th>new</th><th>verdict</th></tr>{rows}</table></html>"
    )
    html_path = out / "report.html"
    html_path.write_text(page, encoding="utf-8")
    return md_path, html_path


def store_figures(folder: Path, figures: dict[str, float]) -> None:
    """Write each family's figures into the `metrics.evaluation` of the cards in `folder`."""
    from pipeline import modelio

    for name in MODEL_NAMES:
        path = folder / name / "meta.json"
        if not path.is_file():
            continue
        meta = modelio.ModelMeta.model_validate_json(path.read_text(encoding="utf-8"))
        family = FAMILY_OF_MODEL[name]
        meta.metrics["evaluation"] = {k: v for k, v in figures.items() if k.startswith(family + "/")}
        modelio.save_model_dir(folder / name, meta, files=list(meta.files))


def promote(folder: Path, models: Path = MODELS_DIR) -> list[Path]:
    """Replace each committed model with its candidate from `folder`."""
    done = []
    for name in MODEL_NAMES:
        src = folder / name
        if not (src / "meta.json").is_file():
            continue
        dst = models / name
        staging = Path(tempfile.mkdtemp(dir=models, prefix=f".{name}-"))
        shutil.rmtree(staging)
        shutil.copytree(src, staging)
        if dst.exists():
            shutil.rmtree(dst)
        staging.rename(dst)  # the committed folder is never half-written
        done.append(dst)
    return done
