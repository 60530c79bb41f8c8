"""The section classifier (fit / predict_proba / to_disk / from_disk) and the `sections` stage."""

from __future__ import annotations

from pipeline.sections.stage import SectionsStage

__all__ = ["SectionsStage"]
