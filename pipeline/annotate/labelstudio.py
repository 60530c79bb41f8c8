"""Label Studio round trip: tasks with pre-annotations out, the JSON export back in.

Tasks show the document's raw text (the text annotations are anchored in), so that an
unchanged task comes back as exactly the annotation it went out as. Model predictions,
made on the cleaned text, are moved to raw offsets on the way out. Label Studio counts
offsets in UTF-16 code units (JavaScript strings); this module converts both ways.

Region attributes that Label Studio has no label for travel in per-region controls
(MONEY's stage/flow/item as choices, item_text/subject as text areas, which override) and
in the region `meta` (all attributes; a section's level and end), which Label Studio keeps
in its export.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from html import escape

from pipeline.annotate.format import AnnotationFile, AnnRelation, AnnSection, AnnSpan, quote_hash
from pipeline.schema import ENTITY_LABELS, RELATION_LABELS

ENTITY_CONTROL = "label"
SECTION_CONTROL = "section"
TEXT_NAME = "text"
MONEY_CHOICES = {
    "stage": ("budget_initial", "budget_adjusted", "actual", "unspecified"),
    "flow": ("income", "expenditure", "both", "unspecified"),
    "item": ("total", "basic", "personnel", "public", "project", "three_public", "other"),
}
MONEY_TEXTS = ("item_text", "subject")
DOC_FACTS = ("unit_name", "fiscal_year", "doc_kind", "evaluation_score", "evaluation_grade")

_COLOURS = ("#f4a261", "#2a9d8f", "#e76f51", "#8ab17d", "#e9c46a", "#a8dadc", "#bc6c25", "#cdb4db", "#90be6d")


@lru_cache(maxsize=16)
def _astral(text: str) -> list[int]:
    """Positions of the characters outside the BMP (two UTF-16 units each), once per text."""
    return [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]


def utf16_index(text: str, index: int) -> int:
    """Python string index → UTF-16 code-unit index (Label Studio's offsets)."""
    return index + bisect.bisect_left(_astral(text), index)


def python_index(text: str, index16: int) -> int:
    """UTF-16 code-unit index → Python string index (the first one at or past it)."""
    lo, hi = 0, len(text)
    while lo < hi:  # utf16_index grows with the index: the least index reaching index16
        mid = (lo + hi) // 2
        if utf16_index(text, mid) >= index16:
            hi = mid
        else:
            lo = mid + 1
    return lo


def labeling_config(section_labels: Iterable[str]) -> str:
    """The labelling configuration (XML) for our entities, relations, money attributes and sections."""
    lines = ["<View>", f'  <Relations>']
    lines += [f'    <Relation value="{escape(r)}"/>' for r in RELATION_LABELS]
    lines += ["  </Relations>", f'  <Labels name="{ENTITY_CONTROL}" toName="{TEXT_NAME}">']
    lines += [
        f'    <Label value="{escape(lab)}" background="{_COLOURS[i % len(_COLOURS)]}"/>'
        for i, lab in enumerate(ENTITY_LABELS)
    ]
    lines += ["  </Labels>", f'  <Labels name="{SECTION_CONTROL}" toName="{TEXT_NAME}">']
    lines += [f'    <Label value="{escape(lab)}" background="#dddddd"/>' for lab in section_labels]
    lines += ["  </Labels>", f'  <Text name="{TEXT_NAME}" value="$text" granularity="symbol"/>']
    for name, choices in MONEY_CHOICES.items():
        lines.append(f'  <Choices name="{name}" toName="{TEXT_NAME}" perRegion="true" visibleWhen="region-selected" whenLabelValue="MONEY">')
        lines += [f'    <Choice value="{c}"/>' for c in choices]
        lines.append("  </Choices>")
    for name in MONEY_TEXTS:
        lines.append(f'  <TextArea name="{name}" toName="{TEXT_NAME}" perRegion="true" visibleWhen="region-selected" whenLabelValue="MONEY"/>')
    for name in DOC_FACTS:
        lines.append(f'  <TextArea name="{name}" toName="{TEXT_NAME}" maxSubmissions="1"/>')
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def _region(raw: str, rid: str, start: int, end: int, control: str, label: str, score: float | None = None) -> dict:
    item = {
        "id": rid,
        "from_name": control,
        "to_name": TEXT_NAME,
        "type": "labels",
        "value": {
            "start": utf16_index(raw, start),
            "end": utf16_index(raw, end),
            "text": raw[start:end],
            "labels": [label],
        },
    }
    if score is not None:
        item["score"] = round(float(score), 4)
    return item


def _per_region(raw: str, rid: str, start: int, end: int, control: str, kind: str, value) -> dict:
    key = "choices" if kind == "choices" else "text"
    return {
        "id": rid,
        "from_name": control,
        "to_name": TEXT_NAME,
        "type": kind,
        "value": {"start": utf16_index(raw, start), "end": utf16_index(raw, end), key: [value]},
    }


def annotation_result(raw: str, ann: AnnotationFile) -> list[dict]:
    """An AnnotationFile as a Label Studio `result` list over the raw text."""
    result: list[dict] = []
    for span in ann.entities:
        region = _region(raw, span.id, span.start, span.end, ENTITY_CONTROL, span.label)
        if span.attrs:  # every attribute rides along; the per-region controls below may override them
            region["meta"] = {"text": [json.dumps({"attrs": span.attrs}, ensure_ascii=False)]}
        result.append(region)
        for name in MONEY_CHOICES:
            if name in span.attrs:
                result.append(_per_region(raw, span.id, span.start, span.end, name, "choices", span.attrs[name]))
        for name in MONEY_TEXTS:
            if span.attrs.get(name) is not None:
                result.append(_per_region(raw, span.id, span.start, span.end, name, "textarea", str(span.attrs[name])))
    for i, sec in enumerate(ann.sections):
        region = _region(raw, f"s{i}", sec.start, sec.title_end, SECTION_CONTROL, sec.label)
        region["meta"] = {"text": [json.dumps({"level": sec.level, "end": sec.end})]}
        result.append(region)
    for rel in ann.relations:
        result.append({"type": "relation", "from_id": rel.head, "to_id": rel.tail, "direction": "right", "labels": [rel.label]})
    for name in DOC_FACTS:
        if name in ann.doc_facts:
            result.append(
                {"id": f"fact-{name}", "from_name": name, "to_name": TEXT_NAME, "type": "textarea",
                 "value": {"text": [json.dumps(ann.doc_facts[name], ensure_ascii=False)]}}
            )
    return result


def task(
    raw: str,
    *,
    doc_sha256: str,
    doc_name: str,
    gold: list[AnnotationFile] = (),
    prediction: AnnotationFile | None = None,
    prediction_scores: dict[str, float] | None = None,
    model_version: str = "jixiao",
) -> dict:
    """One Label Studio task: the raw text, the gold so far as an annotation, the model's spans as a prediction."""
    out: dict = {"data": {TEXT_NAME: raw, "doc_sha256": doc_sha256, "doc_name": doc_name}}
    if gold:
        merged = merge_layers(gold)
        out["annotations"] = [{"result": annotation_result(raw, merged), "ground_truth": False}]
    if prediction is not None:
        result = annotation_result(raw, prediction)
        scores = prediction_scores or {}
        for item in result:
            if item.get("type") == "labels" and item["id"] in scores:
                item["score"] = round(float(scores[item["id"]]), 4)
        overall = sum(scores.values()) / len(scores) if scores else None
        out["predictions"] = [{"model_version": model_version, "score": overall, "result": result}]
    return out


def merge_layers(files: Iterable[AnnotationFile]) -> AnnotationFile:
    files = list(files)
    first = files[0]
    merged = first.model_copy(deep=True, update={"layer": "all"})
    for f in files[1:]:
        merged.sections += f.sections
        merged.entities += f.entities
        merged.relations += f.relations
        merged.doc_facts.update(f.doc_facts)
    return merged


def parse_result(raw: str, result: list[dict]) -> tuple[list[AnnSpan], list[AnnSection], list[AnnRelation], dict]:
    """A Label Studio `result` list → spans, sections, relations and document facts over the raw text."""
    spans: dict[str, AnnSpan] = {}
    sections: list[AnnSection] = []
    relations: list[AnnRelation] = []
    facts: dict = {}
    per_region: list[dict] = []
    for item in result:
        kind = item.get("type")
        if kind == "relation":
            for label in item.get("labels") or []:  # an unlabelled relation carries nothing we keep
                relations.append(AnnRelation(head=item["from_id"], tail=item["to_id"], label=label))
            continue
        value = item.get("value", {})
        if item.get("from_name") in DOC_FACTS:
            facts[item["from_name"]] = json.loads(value["text"][0]) if value.get("text") else None
            continue
        if kind != "labels":
            per_region.append(item)
            continue
        start, end = python_index(raw, value["start"]), python_index(raw, value["end"])
        label = value["labels"][0]
        if item.get("from_name") == SECTION_CONTROL:
            meta = json.loads(item.get("meta", {}).get("text", ["{}"])[0] or "{}")
            sections.append(
                AnnSection(
                    start=start, title_end=end, end=meta.get("end", end), label=label,
                    level=meta.get("level", 1), quote=quote_hash(raw[start:end]),
                )
            )
        else:
            meta = json.loads(item.get("meta", {}).get("text", ["{}"])[0] or "{}")
            spans[item["id"]] = AnnSpan(
                id=item["id"], start=start, end=end, label=label, quote=quote_hash(raw[start:end]),
                attrs=dict(meta.get("attrs", {})),
            )
    for item in per_region:
        span = spans.get(item.get("id"))
        if span is None:
            continue
        value = item["value"]
        if item["type"] == "choices" and value.get("choices"):
            span.attrs[item["from_name"]] = value["choices"][0]
        elif value.get("text"):
            span.attrs[item["from_name"]] = value["text"][0]
    return list(spans.values()), sections, relations, facts


@dataclass
class ImportReport:
    documents: int = 0
    added: int = 0
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)
    files: list[AnnotationFile] = field(default_factory=list)


def _key(span: AnnSpan) -> tuple[int, int]:
    return span.start, span.end


def import_export(
    tasks: list[dict], existing: dict[str, list[AnnotationFile]], *, annotator_default: str = "label-studio"
) -> ImportReport:
    """Merge a Label Studio JSON export into the existing annotation files (by document SHA-256).

    Spans new to a document are added; the same span with another label or other attributes
    is a conflict: reported, never overwritten. Returns the updated files (layer `entities`
    and `sections`) without writing them.
    """
    report = ImportReport()
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for t in tasks:
        data = t.get("data", {})
        raw, sha, name = data.get(TEXT_NAME, ""), data.get("doc_sha256"), data.get("doc_name", "")
        annotations = [a for a in t.get("annotations", []) if not a.get("was_cancelled")]
        if not sha or not annotations:
            continue
        latest = max(annotations, key=lambda a: a.get("updated_at") or a.get("created_at") or "")
        spans, sections, relations, facts = parse_result(raw, latest.get("result", []))
        who = latest.get("completed_by")
        annotator = who.get("email") if isinstance(who, dict) else (str(who) if who else annotator_default)
        report.documents += 1
        layers = {f.layer: f for f in existing.get(sha, [])}
        ent = layers.get("entities") or AnnotationFile(doc_sha256=sha, doc_name=name, layer="entities", annotator=annotator, created=now)
        sec = layers.get("sections") or AnnotationFile(doc_sha256=sha, doc_name=name, layer="sections", annotator=annotator, created=now)
        ent, sec = ent.model_copy(deep=True), sec.model_copy(deep=True)
        changed_ent = _merge_spans(ent, spans, relations, facts, report, name)
        changed_sec = _merge_sections(sec, sections, report, name)
        for f, changed in ((ent, changed_ent), (sec, changed_sec)):
            if changed:
                f.annotator, f.created = annotator, now
            if f.entities or f.sections or f.doc_facts:
                report.files.append(f)
    return report


def _merge_spans(ann: AnnotationFile, spans, relations, facts, report: ImportReport, name: str) -> bool:
    by_key = {_key(s): s for s in ann.entities}
    id_map: dict[str, str] = {}
    changed = False
    used = {s.id for s in ann.entities}
    for span in spans:
        old = by_key.get(_key(span))
        if old is None:
            new_id = span.id if span.id not in used else f"e{len(used) + 1}"
            used.add(new_id)
            id_map[span.id] = new_id
            added = span.model_copy(update={"id": new_id})
            ann.entities.append(added)
            by_key[_key(span)] = added
            report.added += 1
            changed = True
            continue
        id_map[span.id] = old.id
        if old.label != span.label or any(old.attrs[k] != v for k, v in span.attrs.items() if k in old.attrs):
            report.conflicts.append(
                f"{name} [{span.start},{span.end}): kept {old.label} {old.attrs}, the export says {span.label} {span.attrs}"
            )
        elif extra := {k: v for k, v in span.attrs.items() if k not in old.attrs}:
            old.attrs.update(extra)  # attributes the annotator added to a span we had
            report.added += 1
            changed = True
        else:
            report.unchanged += 1
    have = {(r.head, r.tail, r.label) for r in ann.relations}
    for rel in relations:
        head, tail = id_map.get(rel.head), id_map.get(rel.tail)
        if head and tail and (head, tail, rel.label) not in have:
            ann.relations.append(AnnRelation(head=head, tail=tail, label=rel.label))
            have.add((head, tail, rel.label))
            changed = True
    for key, value in facts.items():
        if key not in ann.doc_facts:
            ann.doc_facts[key] = value
            changed = True
        elif ann.doc_facts[key] != value:
            report.conflicts.append(f"{name} {key}: kept {ann.doc_facts[key]!r}, the export says {value!r}")
    return changed


def _merge_sections(ann: AnnotationFile, sections, report: ImportReport, name: str) -> bool:
    by_start = {s.start: s for s in ann.sections}
    changed = False
    for sec in sections:
        old = by_start.get(sec.start)
        if old is None:
            ann.sections.append(sec)
            report.added += 1
            changed = True
        elif (old.label, old.title_end, old.level, old.end) != (sec.label, sec.title_end, sec.level, sec.end):
            report.conflicts.append(f"{name} section at {sec.start}: kept {old.label}, the export says {sec.label}")
        else:
            report.unchanged += 1
    ann.sections.sort(key=lambda s: s.start)
    return changed
