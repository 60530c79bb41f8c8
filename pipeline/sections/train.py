"""`jixiao train sections`: fit on every annotated real document (+ synthetic examples),
measure by document-level cross-validation, write models/sections/ with its card."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pipeline import modelio
from pipeline.core import REPO_ROOT
from pipeline.sections.classifier import SectionClassifier
from pipeline.sections.evaluate import (
    MODEL_CONFIG,
    build_dataset,
    cross_validate,
    data_sha256,
    fit,
    load_config,
    reliability_diagram,
    taxonomy,
)

logger = logging.getLogger(__name__)

MODEL_DIR = REPO_ROOT / "models" / "sections"
NAME = "sections"
RELIABILITY_PNG = "reliability.png"  # out-of-fold reliability diagram, beside the card
DESCRIPTION = (
    "Labels each section of a budget-performance disclosure (部门整体支出绩效自评, 项目支出绩效自评, 绩效目标表, "
    "部门决算说明) with a label of configs/sections.toml: TF-IDF character n-grams of the heading, its parent's "
    "heading, the first characters of its content and the document's first heading, plus numbering, level, "
    "position and keyword-rule features, into a logistic regression; probabilities are calibrated by a "
    "temperature fitted on out-of-fold scores of held-out documents."
)


def train(
    *, config_path: Path = MODEL_CONFIG, output: Path = MODEL_DIR, evaluate: bool = True
) -> tuple[SectionClassifier, modelio.ModelMeta]:
    config = load_config(config_path)
    data = build_dataset(config)
    metrics: dict[str, Any] = {}
    bins = config.get("evaluate", {}).get("ece_bins", 10)
    result = None
    if evaluate:
        result = cross_validate(data, config)
        metrics = result.metrics(bins=bins)
        metrics["reliability_diagram"] = RELIABILITY_PNG
    clf = fit(data, config)
    known = taxonomy()
    unknown = sorted(set(data.y) - set(known))
    if unknown:
        raise ValueError(f"annotations use labels missing from configs/sections.toml: {unknown}")
    meta = modelio.ModelMeta(
        name=NAME,
        created=modelio.now_iso(),
        description=DESCRIPTION,
        config=config,
        data_sha256=data_sha256(config),
        data={
            "real_documents": data.documents,
            "real_sections": len(data.y),
            "synthetic_sections": len(data.synthetic_y),
            "annotations": "data/annotations/sections/ (stand-off, layer sections)",
            "temperature": round(clf.temperature_, 4),
        },
        metrics=metrics,
    )
    meta = clf.to_disk(output, meta)
    if result is not None:
        reliability_diagram(result, Path(output) / RELIABILITY_PNG, bins=bins)
    return clf, meta
