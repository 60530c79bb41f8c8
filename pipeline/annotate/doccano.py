"""doccano's JSONL (sequence labelling with relations): export and import.

One line per document: `text`, `entities` [{id, label, start_offset, end_offset}],
`relations` [{id, from_id, to_id, type}], plus our `doc_sha256`, `doc_name` and `attrs`
(MONEY attributes by entity id), which doccano keeps as metadata.
"""

from __future__ import annotations

import json

from pipeline.annotate.format import AnnotationFile, AnnRelation, AnnSpan, quote_hash
from pipeline.annotate.labelstudio import merge_layers


def to_doccano(raw: str, files: list[AnnotationFile]) -> dict:
    ann = merge_layers(files)
    numeric = {s.id: i + 1 for i, s in enumerate(ann.entities)}
    return {
        "text": raw,
        "doc_sha256": ann.doc_sha256,
        "doc_name": ann.doc_name,
        "entities": [
            {"id": numeric[s.id], "label": s.label, "start_offset": s.start, "end_offset": s.end} for s in ann.entities
        ],
        "relations": [
            {"id": i + 1, "from_id": numeric[r.head], "to_id": numeric[r.tail], "type": r.label}
            for i, r in enumerate(ann.relations)
            if r.head in numeric and r.tail in numeric
        ],
        "attrs": {str(numeric[s.id]): s.attrs for s in ann.entities if s.attrs},
        "span_ids": {str(numeric[s.id]): s.id for s in ann.entities},
    }


def from_doccano(line: dict, *, annotator: str, created: str) -> AnnotationFile:
    raw = line["text"]
    names = line.get("span_ids", {})
    attrs = line.get("attrs", {})
    spans = [
        AnnSpan(
            id=names.get(str(e["id"]), f"e{e['id']}"),
            start=e["start_offset"],
            end=e["end_offset"],
            label=e["label"],
            quote=quote_hash(raw[e["start_offset"] : e["end_offset"]]),
            attrs=attrs.get(str(e["id"]), {}),
        )
        for e in line.get("entities", [])
    ]
    by_num = {e["id"]: s.id for e, s in zip(line.get("entities", []), spans)}
    relations = [
        AnnRelation(head=by_num[r["from_id"]], tail=by_num[r["to_id"]], label=r["type"])
        for r in line.get("relations", [])
        if r["from_id"] in by_num and r["to_id"] in by_num
    ]
    return AnnotationFile(
        doc_sha256=line["doc_sha256"], doc_name=line.get("doc_name", ""), layer="entities",
        annotator=annotator, created=created, entities=spans, relations=relations,
    )


def dumps(lines: list[dict]) -> str:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
