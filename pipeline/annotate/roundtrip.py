"""Export documents as annotation tasks (with the model's pre-annotations) and import corrections."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pipeline.annotate import doccano, labelstudio
from pipeline.annotate.convert import prediction_from_document, raw_text
from pipeline.annotate.format import ANNOTATIONS_DIR, load_all, save
from pipeline.annotate.validate import section_labels
from pipeline.core import Pipeline
from pipeline.schema import ErrorRecord

FORMATS = ("label-studio", "doccano")


@dataclass
class ExportResult:
    tasks: int
    errors: list[ErrorRecord]
    files: list[Path]


def export_tasks(
    paths: list[Path], out: Path, *, fmt: str, pipeline: Pipeline, root: Path = ANNOTATIONS_DIR
) -> ExportResult:
    """Write tasks for `paths`: gold annotations where we have them, the model's output as predictions."""
    gold = load_all(root)
    tasks: list[dict] = []
    errors: list[ErrorRecord] = []
    for path in paths:
        doc = pipeline.process_path(path)
        if isinstance(doc, ErrorRecord):
            errors.append(doc)
            continue
        raw = raw_text(path, doc)
        prediction, scores = prediction_from_document(doc, raw, name=path.name)
        existing = gold.get(doc.doc_id, [])
        name = existing[0].doc_name if existing else path.name
        if fmt == "label-studio":
            tasks.append(
                labelstudio.task(raw, doc_sha256=doc.doc_id, doc_name=name, gold=existing,
                                 prediction=prediction, prediction_scores=scores)
            )
        else:
            tasks.append(doccano.to_doccano(raw, existing or [prediction]))
    out.parent.mkdir(parents=True, exist_ok=True)
    files = [out]
    if fmt == "label-studio":
        out.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
        config = out.with_suffix(".xml")
        config.write_text(labelstudio.labeling_config(sorted(section_labels())), encoding="utf-8")
        files.append(config)
    else:
        out.write_text(doccano.dumps(tasks), encoding="utf-8")
    return ExportResult(tasks=len(tasks), errors=errors, files=files)


def import_tasks(export: Path, *, fmt: str, root: Path = ANNOTATIONS_DIR, write: bool = True) -> labelstudio.ImportReport:
    """Merge an export into `root`; conflicts are reported and the annotation already there is kept."""
    existing = load_all(root)
    text = export.read_text(encoding="utf-8")
    if fmt == "label-studio":
        report = labelstudio.import_export(json.loads(text), existing)
    else:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        tasks = []
        for line in filter(None, map(str.strip, text.splitlines())):
            ann = doccano.from_doccano(json.loads(line), annotator="doccano", created=now)
            tasks.append(labelstudio.task(json.loads(line)["text"], doc_sha256=ann.doc_sha256, doc_name=ann.doc_name, gold=[ann]))
        report = labelstudio.import_export(tasks, existing, annotator_default="doccano")
    if write:
        for f in report.files:
            save(f, root)
    return report
