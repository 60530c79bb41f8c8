"""The stand-off annotation format of `data/annotations/` (see its README.md).

One JSON file per document and layer (`sections`, `entities`, …). Spans are anchored in
the document's *raw text* (its bytes decoded, BOM removed, nothing else changed), so that
changes to cleaning never invalidate them; `project()` moves them into a `Document`'s
cleaned text through its offset map. No document text is stored: each span keeps a short
hash of the text it covers, which `validate` checks.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.core import REPO_ROOT
from pipeline.ingest.offsets import raw_to_clean
from pipeline.schema import Document

FORMAT = "jixiao.annotations/1"
ENV_VAR = "JIXIAO_ANNOTATIONS"  # moves the annotation folder (read at import), e.g. to a working copy
ANNOTATIONS_DIR = Path(os.environ.get(ENV_VAR) or REPO_ROOT / "data" / "annotations").resolve()


def quote_hash(text: str) -> str:
    """12 hex digits of the SHA-1 of a span's text: enough to detect a moved anchor."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnnSpan(_Model):
    id: str = Field(description="unique within the document, e.g. e12")
    start: int = Field(ge=0, description="raw-text offset")
    end: int = Field(ge=0, description="raw-text offset, exclusive")
    label: str = Field(description="an entity label of pipeline.schema.ENTITY_LABELS")
    quote: str = Field(description="quote_hash of the raw text at [start, end)")
    attrs: dict[str, Any] = Field(default_factory=dict, description="e.g. stage/flow/item of MONEY")


class AnnRelation(_Model):
    head: str = Field(description="id of the head span")
    tail: str = Field(description="id of the tail span")
    label: str = Field(description="a label of pipeline.schema.RELATION_LABELS")


class AnnSection(_Model):
    start: int = Field(ge=0, description="raw offset of the heading's first character")
    title_end: int = Field(ge=0, description="raw offset one past the heading")
    end: int = Field(ge=0, description="raw offset one past the section's content")
    label: str = Field(description="a label of configs/sections.toml")
    level: int = Field(ge=1)
    quote: str = Field(description="quote_hash of the heading text")


class AnnotationFile(_Model):
    format: Literal["jixiao.annotations/1"] = FORMAT
    doc_sha256: str = Field(description="SHA-256 of the document's bytes")
    doc_name: str = Field(description="where the document lives in the corpus folder, e.g. corpus/c004.txt")
    layer: str = Field(description="sections, entities, …")
    annotator: str
    created: str = Field(description="ISO 8601 time of the last change")
    sections: list[AnnSection] = Field(default_factory=list)
    entities: list[AnnSpan] = Field(default_factory=list)
    relations: list[AnnRelation] = Field(default_factory=list)
    doc_facts: dict[str, Any] = Field(
        default_factory=dict,
        description="gold document facts: unit_name, fiscal_year, doc_kind, evaluation_score, evaluation_grade",
    )


def annotation_path(doc_name: str, layer: str, root: Path = ANNOTATIONS_DIR) -> Path:
    return root / layer / (doc_name.replace("/", "__").removesuffix(".txt") + ".json")


def save(ann: AnnotationFile, root: Path = ANNOTATIONS_DIR) -> Path:
    path = annotation_path(ann.doc_name, ann.layer, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ann.model_dump(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def load_all(root: Path = ANNOTATIONS_DIR, layer: str | None = None) -> dict[str, list[AnnotationFile]]:
    """Annotation files by document SHA-256 (one per layer)."""
    out: dict[str, list[AnnotationFile]] = defaultdict(list)
    pattern = f"{layer}/*.json" if layer else "*/*.json"
    for path in sorted(root.glob(pattern)):
        ann = AnnotationFile.model_validate_json(path.read_text(encoding="utf-8"))
        out[ann.doc_sha256].append(ann)
    return dict(out)


def project(doc: Document, start: int, end: int) -> tuple[int, int]:
    """A raw-text span → the same span in `doc.text` (the cleaned text)."""
    return raw_to_clean(doc.offset_map, start), raw_to_clean(doc.offset_map, end, side="end")
