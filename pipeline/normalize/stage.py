"""The `normalize` stage: the canonical record from mentions, rows and the text."""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline.core import Stage, register, resolve_path
from pipeline.normalize import facts as doc_facts
from pipeline.normalize.confidence import CalibrationSet
from pipeline.normalize.flags import find_flags
from pipeline.normalize.money import amount_mention, is_rate_or_bound, label_amounts
from pipeline.normalize.reconcile import (
    fill_unspecified,
    in_report_terms,
    mentions_from_prose,
    mentions_from_relations,
    mentions_from_rows,
    reconcile_amounts,
    reconcile_indicators,
)
from pipeline.normalize.rows import indicator_rows
from pipeline.normalize.settings import DEFAULT_SETTINGS, load_settings
from pipeline.normalize.subjects import assign_subjects
from pipeline.schema import Document, Fact

logger = logging.getLogger(__name__)

DEFAULT_CALIBRATION = "models/calibration"


@register
class NormalizeStage(Stage):
    """Reconcile mentions into amounts and indicators, read document facts, flag contradictions,
    and calibrate every confidence (with `models/calibration/` where it has been fitted)."""

    name = "normalize"
    requires = ("text",)
    assigns = ("amounts", "indicators", "flags", "facts", "evaluation", "unit_name", "fiscal_year", "doc_kind")

    def __init__(
        self, *, config: str = str(DEFAULT_SETTINGS), calibration: str = DEFAULT_CALIBRATION, calibrate: bool = True
    ) -> None:
        self.config = config
        self.calibration = calibration
        self.calibrate = calibrate
        self._settings = load_settings(config)
        path = resolve_path(calibration)
        self._calibrators = (
            CalibrationSet.from_disk(path) if calibrate and (Path(path) / "calibration.json").is_file() else None
        )

    def __call__(self, doc: Document) -> Document:
        return normalize(doc, settings=self._settings, calibrators=self._calibrators)


def normalize(doc: Document, *, settings=None, calibrators: CalibrationSet | None = None) -> Document:
    settings = settings or load_settings()
    kind, kind_fact = doc_facts.doc_kind(doc, settings)
    labeled = label_amounts(doc, settings, default_stage="budget_initial" if kind == "target_table" else None, kind=kind)
    extracted = [m for m in doc.mentions if m.label == "MONEY" and not is_rate_or_bound(doc.text, m.start, m.end)]
    money = in_report_terms(fill_unspecified(extracted, [amount_mention(a) for a in labeled]), kind)
    doc.amounts = reconcile_amounts(money)

    rows = indicator_rows(doc)
    ind_mentions = mentions_from_relations(doc)
    if not any(m.source == "table" for m in ind_mentions):
        ind_mentions += mentions_from_rows(rows)
    ind_mentions += mentions_from_prose(doc)
    doc.indicators = reconcile_indicators(ind_mentions)

    year, year_fact = doc_facts.fiscal_year(doc, settings)
    unit, unit_fact = doc_facts.unit_name(doc, settings)
    doc.fiscal_year, doc.unit_name, doc.doc_kind = year, unit, kind
    assign_subjects(doc, kind=kind)
    for key, fact in (("fiscal_year", year_fact), ("unit_name", unit_fact), ("doc_kind", kind_fact)):
        if fact is not None:
            doc.facts[key] = fact
    doc.evaluation = doc_facts.evaluation(doc)
    if doc.evaluation.confidence is not None:
        doc.facts["evaluation"] = Fact(confidence=doc.evaluation.confidence, evidence=doc.evaluation.evidence)

    doc.flags = find_flags(doc, labeled, doc.indicators, settings, rows=rows)
    if calibrators is not None:
        calibrators.apply(doc, labeled=labeled)
    return doc
