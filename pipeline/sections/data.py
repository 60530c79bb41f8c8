"""Section annotations ↔ documents: proposals for annotators and training examples.

`propose` turns the section tree of a real document into an `AnnotationFile` of the
`sections` layer (raw-text offsets, heading quote hashes, labels from the keyword rules
where the annotator gave none). `load_examples` reads the annotations back, projects each
section into the cleaned text of `read_document(path)` and returns one `SectionExample`
per annotated section, grouped by document for cross-validation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.annotate import corpus
from pipeline.annotate.format import (
    ANNOTATIONS_DIR,
    AnnotationFile,
    AnnSection,
    annotation_path,
    load_all,
    project,
    quote_hash,
)
from pipeline.ingest import read_document
from pipeline.ingest.offsets import clean_to_raw
from pipeline.modelio import now_iso
from pipeline.schema import Document
from pipeline.sections.rules import propose_label
from pipeline.text.headings import Heading, section_tree

logger = logging.getLogger(__name__)

LAYER = "sections"
ANNOTATOR = "helper-sections"


def raw_text(path: Path) -> str:
    """The raw text annotations point into: the bytes as UTF-8, BOM removed."""
    return Path(path).read_bytes().decode("utf-8").removeprefix("\ufeff")


def _to_raw(doc: Document, start: int, end: int) -> tuple[int, int]:
    if start >= end:
        s = clean_to_raw(doc.offset_map, start)
        return s, s
    return clean_to_raw(doc.offset_map, start), clean_to_raw(doc.offset_map, end - 1) + 1


def propose(
    real: corpus.RealDocument, *, labels: Mapping[int, str] | None = None, annotator: str = ANNOTATOR
) -> tuple[AnnotationFile, list[Heading]]:
    """An annotation file for `real` from its section tree.

    `labels` maps the raw-text offset of a heading to the annotator's label (default: the
    labels of the file already in data/annotations/sections/); headings not in it get the
    keyword rules' label (or their parent's) for the annotator to review.
    Keying by raw offset keeps decisions valid when cleaning or heading detection changes.
    """
    doc = read_document(real.path)
    raw = raw_text(real.path)
    headings = section_tree(doc)
    if labels is None:  # keep the decisions already on file
        existing = annotation_path(real.name, LAYER)
        labels = {}
        if existing.is_file():
            labels = {s.start: s.label for s in AnnotationFile.model_validate_json(existing.read_text(encoding="utf-8")).sections}
    sections = []
    parents: list[tuple[int, str]] = []
    for h in headings:
        start, title_end = _to_raw(doc, h.start, h.title_end)
        label = labels.get(start) or _rule_label(h, parents)
        while parents and parents[-1][0] >= h.level:
            parents.pop()
        parents.append((h.level, label))
        _, end = _to_raw(doc, h.start, h.end)
        sections.append(
            AnnSection(
                start=start,
                title_end=title_end,
                end=max(end, title_end),
                label=label,
                level=h.level,
                quote=quote_hash(raw[start:title_end]),
            )
        )
    ann = AnnotationFile(
        doc_sha256=real.sha256, doc_name=real.name, layer=LAYER, annotator=annotator, created=now_iso(), sections=sections
    )
    return ann, headings


def _rule_label(h: Heading, parents: list[tuple[int, str]]) -> str:
    if h.style in ("title", "toc"):
        return "other"
    label = propose_label(h.title)
    if label == "other":
        for level, parent_label in reversed(parents):
            if level < h.level:
                return parent_label
    return label


@dataclass
class SectionExample:
    """One annotated section, projected into a document's cleaned text."""

    doc_name: str
    doc: Document = field(repr=False)
    start: int
    title_end: int
    end: int
    level: int
    label: str
    index: int  # position among the document's sections
    parent: int | None  # index of the enclosing section


def annotated_documents(root: Path = ANNOTATIONS_DIR) -> list[tuple[corpus.RealDocument, AnnotationFile]]:
    """(document, its sections annotation) for every annotated document found in the corpus folder."""
    by_sha = corpus.by_sha256()
    out = []
    for sha, files in sorted(load_all(root, LAYER).items(), key=lambda kv: kv[1][0].doc_name):
        real = by_sha.get(sha)
        if real is None:
            logger.warning("annotated document %s is not in %s; skipped", files[0].doc_name, corpus.shared_dir())
            continue
        out.append((real, files[0]))
    return out


def annotation_files(root: Path = ANNOTATIONS_DIR) -> list[Path]:
    return sorted((root / LAYER).glob("*.json"))


def examples_for(real: corpus.RealDocument, ann: AnnotationFile) -> list[SectionExample]:
    doc = read_document(real.path)
    out: list[SectionExample] = []
    stack: list[tuple[int, int]] = []  # (level, index)
    for i, s in enumerate(ann.sections):
        start, title_end = project(doc, s.start, s.title_end)
        end = project(doc, s.start, s.end)[1]
        while stack and stack[-1][0] >= s.level:
            stack.pop()
        parent = stack[-1][1] if stack else None
        stack.append((s.level, i))
        out.append(
            SectionExample(
                doc_name=real.name,
                doc=doc,
                start=start,
                title_end=max(title_end, start),
                end=max(end, title_end),
                level=s.level,
                label=s.label,
                index=i,
                parent=parent,
            )
        )
    return out


def load_examples(root: Path = ANNOTATIONS_DIR) -> list[SectionExample]:
    """Every annotated section of every annotated real document, in document order."""
    examples: list[SectionExample] = []
    for real, ann in annotated_documents(root):
        examples.extend(examples_for(real, ann))
    return examples
