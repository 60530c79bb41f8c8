"""The Chinese text layer: segmentation (tokenize), sentences, headings and the section tree.

Stages: `sentences` fills `Document.sentences`; `headings` fills `Document.sections` with
the section tree (label `other` and confidence 0 until the `sections` stage classifies them).
"""

from __future__ import annotations

from pipeline.text.stages import HeadingsStage, SentencesStage

__all__ = ["HeadingsStage", "SentencesStage"]
