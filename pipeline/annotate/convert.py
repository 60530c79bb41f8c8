"""Between pipeline output and the annotation format: raw text, predictions as annotations."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from pipeline.annotate.format import AnnotationFile, AnnRelation, AnnSection, AnnSpan, quote_hash
from pipeline.ingest.decode import decode_text
from pipeline.ingest.offsets import clean_to_raw
from pipeline.schema import ENTITY_LABELS, Document

MONEY_ATTRS = ("stage", "flow", "item", "item_text", "subject")


def raw_text(path: Path, doc: Document) -> str:
    """The text annotations are anchored in: the decoded bytes for text inputs, else the extracted text."""
    if doc.offset_map and doc.source.format in ("txt", "md"):
        return decode_text(Path(path).read_bytes())
    return doc.text


def _to_raw(doc: Document, start: int, end: int) -> tuple[int, int]:
    if not doc.offset_map:
        return start, end
    # the end maps through the last character, so a span never swallows removed text after it
    return clean_to_raw(doc.offset_map, start), clean_to_raw(doc.offset_map, end - 1) + 1


def prediction_from_document(doc: Document, raw: str, *, name: str) -> tuple[AnnotationFile, dict[str, float]]:
    """The pipeline's mentions, relations and sections as an annotation over the raw text, with scores by span id."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    spans: list[AnnSpan] = []
    scores: dict[str, float] = {}
    ids: dict[int, str] = {}
    for i, m in enumerate(doc.mentions):
        if m.label not in ENTITY_LABELS:
            continue
        start, end = _to_raw(doc, m.start, m.end)
        sid = f"p{i}"
        ids[i] = sid
        attrs = {k: m.attrs[k] for k in MONEY_ATTRS if m.label == "MONEY" and m.attrs.get(k) is not None}
        spans.append(AnnSpan(id=sid, start=start, end=end, label=m.label, quote=quote_hash(raw[start:end]), attrs=attrs))
        scores[sid] = m.score
    relations = [
        AnnRelation(head=ids[r.head], tail=ids[r.tail], label=r.label)
        for r in doc.relations
        if r.head in ids and r.tail in ids
    ]
    sections = []
    for s in doc.sections:
        start, end = _to_raw(doc, s.start, s.end)
        title_end = _to_raw(doc, s.start, s.start + max(len(s.title), 1))[1]
        sections.append(
            AnnSection(start=start, title_end=min(title_end, end), end=end, label=s.label, level=s.level,
                       quote=quote_hash(raw[start:min(title_end, end)]))
        )
    facts = {
        "unit_name": doc.unit_name,
        "fiscal_year": doc.fiscal_year,
        "doc_kind": doc.doc_kind,
        "evaluation_score": doc.evaluation.score,
        "evaluation_grade": doc.evaluation.grade,
    }
    ann = AnnotationFile(
        doc_sha256=doc.doc_id, doc_name=name, layer="prediction", annotator="jixiao", created=now,
        sections=sections, entities=spans, relations=relations,
        doc_facts={k: v for k, v in facts.items() if v is not None},
    )
    return ann, scores
