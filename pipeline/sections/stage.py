"""The `sections` stage: label every section of the tree with the trained classifier."""

from __future__ import annotations

from pipeline.core import Stage, register, resolve_path
from pipeline.schema import Document
from pipeline.sections.classifier import SectionClassifier
from pipeline.sections.features import featurize, parents_of


@register
class SectionsStage(Stage):
    """Fill `label` and calibrated `confidence` of `Document.sections` (from the `headings` stage).

    `model`: the model folder, relative to the repository (built by `jixiao train sections`).
    """

    name = "sections"
    requires = ("text", "sections")
    assigns = ("sections",)

    def __init__(self, *, model: str = "models/sections") -> None:
        self.model = model
        self.classifier = SectionClassifier.from_disk(resolve_path(model))

    def __call__(self, doc: Document) -> Document:
        if not doc.sections:
            return doc
        spans = [(s.start, s.start + len(s.title), s.end, s.level) for s in doc.sections]
        features = featurize(doc.text, spans, parents_of([s.level for s in doc.sections]))
        proba = self.classifier.predict_proba(features)
        classes = self.classifier.classes_
        for section, row in zip(doc.sections, proba):
            best = int(row.argmax())
            section.label = str(classes[best])
            section.confidence = float(round(row[best], 4))
        return doc
