"""The text stages: sentences and the section tree."""

from __future__ import annotations

from pipeline.core import Stage, register
from pipeline.schema import Document, Section
from pipeline.text.headings import section_tree
from pipeline.text.sentences import segment

UNLABELLED = "other"


@register
class SentencesStage(Stage):
    """Sentence spans: split on 。！？； and line ends, one unit per table row."""

    name = "sentences"
    requires = ("text", "blocks")
    assigns = ("sentences",)

    def __call__(self, doc: Document) -> Document:
        doc.sentences = segment(doc)
        return doc


@register
class HeadingsStage(Stage):
    """The section tree from headings; `label` stays `other` (confidence 0) until `sections` runs.

    `keep_title`: also emit the document's own title line (and the text before the first
    heading) as a level-1 section.
    """

    name = "headings"
    requires = ("text", "blocks")
    assigns = ("sections",)

    def __init__(self, *, keep_title: bool = True) -> None:
        self.keep_title = keep_title

    def __call__(self, doc: Document) -> Document:
        doc.sections = [
            Section(
                title=h.title,
                label=UNLABELLED,
                confidence=0.0,
                start=h.start,
                end=h.end,
                level=h.level,
                number=h.number,
            )
            for h in section_tree(doc)
            if self.keep_title or h.style != "title"
        ]
        return doc
