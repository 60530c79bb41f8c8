"""Cross-fitted reading of the annotated real documents: every document is read by the whole
configured pipeline, with the trainable stages' models (sections, ner, relations) refitted on
the other folds' documents, so the output is what a new document would get. Calibration
(`normalize.calibrate.collect`) and the extraction figures read these outputs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.annotate import corpus
from pipeline.annotate.format import ANNOTATIONS_DIR, load_all
from pipeline.core import Pipeline
from pipeline.ingest import read_document
from pipeline.schema import Document

logger = logging.getLogger(__name__)


def document_folds(names: list[str], folds: int) -> dict[str, int]:
    """Document name → fold, the folds of `jixiao evaluate extract`; one fold for folds ≤ 1."""
    from pipeline.extract.evaluate import folds_by_document

    if folds <= 1:
        return {n: 0 for n in names}
    return {names[i]: k for k, fold in enumerate(folds_by_document(names, folds)) for i in fold}


@dataclass
class TrainingData:
    """The gold the trainable stages learn from (entities for ner and relations, sections)."""

    gold: list
    sections: Any
    sections_config: dict

    @classmethod
    def load(cls, annotations: Path = ANNOTATIONS_DIR) -> TrainingData:
        from pipeline.extract.features import load_gold
        from pipeline.sections import evaluate as sections_eval

        config = sections_eval.load_config()
        return cls(load_gold(root=annotations), sections_eval.build_dataset(config, root=annotations), config)

    def refit(self, pipe: Pipeline, *, exclude: set[str]) -> None:
        """Give `pipe`'s trainable stages models fitted on every document but `exclude`'s, with the
        settings of their training configs (stages without a model keep what they have)."""
        from pipeline.extract.features import training_settings
        from pipeline.extract.ner import DEFAULT_CONFIG as NER_CONFIG
        from pipeline.extract.ner import NerStage, backend_settings, make_ner
        from pipeline.extract.relations import DEFAULT_CONFIG as RELATIONS_CONFIG
        from pipeline.extract.relations import RelationModel, RelationsStage
        from pipeline.sections import evaluate as sections_eval
        from pipeline.sections.stage import SectionsStage

        train = [g for g in self.gold if g.name not in exclude]
        for stage in pipe.stages:
            if isinstance(stage, SectionsStage):
                keep = np.flatnonzero(~np.isin(self.sections.groups, sorted(exclude)))
                stage.classifier = sections_eval.fit(self.sections, self.sections_config, train=keep)
            elif isinstance(stage, NerStage):
                cfg, _, _ = training_settings(None, None, default_config=NER_CONFIG, default_output="models/ner")
                stage._model = make_ner(backend_settings(cfg)).fit(
                    [(g.doc.text, [(m.start, m.end, m.label) for m in g.mentions]) for g in train]
                )
            elif isinstance(stage, RelationsStage):
                _, settings, _ = training_settings(
                    None, None, default_config=RELATIONS_CONFIG, default_output="models/relations"
                )
                stage._model = RelationModel(**settings).fit([(g.doc.text, g.mentions, g.relations) for g in train])


def cross_fitted(
    pipe: Pipeline, *, folds: int = 5, annotations: Path = ANNOTATIONS_DIR, layer: str = "entities"
) -> Iterator[tuple[corpus.RealDocument, Document]]:
    """(real document, the pipeline's record of it) for every real document annotated in `layer`,
    fold by fold; with `folds` > 1 the trainable stages are refitted without the fold's documents
    (`folds` ≤ 1 reads with the configured models: in-sample for the documents they learned from)."""
    gold = load_all(annotations, layer=layer)
    docs = [rd for rd in corpus.real_documents() if gold.get(rd.sha256)]
    fold_of = document_folds([rd.name for rd in docs], folds)
    training = TrainingData.load(annotations) if folds > 1 else None
    for k in sorted(set(fold_of.values())):
        held = [rd for rd in docs if fold_of[rd.name] == k]
        if training is not None:
            training.refit(pipe, exclude={rd.name for rd in held})
            logger.info("fold %d: models refitted without its %d documents", k, len(held))
        for rd in held:
            yield rd, pipe(read_document(rd.path))
