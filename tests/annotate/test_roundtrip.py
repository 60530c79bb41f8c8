"""Label Studio and doccano round trips lose nothing."""

from __future__ import annotations

import json

import pytest

from pipeline.annotate import doccano, labelstudio
from pipeline.annotate.format import ANNOTATIONS_DIR, AnnotationFile, AnnSection, AnnSpan, AnnRelation, load_all, quote_hash
from pipeline.ingest.decode import decode_text

RAW = "一、项目概况\n𠀀培训人数指标值为300人，实际完成320人；资金120万元。\n"


def _own_annotation() -> AnnotationFile:
    def span(i, needle, label, **attrs):
        start = RAW.index(needle)
        return AnnSpan(id=f"e{i}", start=start, end=start + len(needle), label=label, quote=quote_hash(needle), attrs=attrs)

    return AnnotationFile(
        doc_sha256="a" * 64, doc_name="own/x.txt", layer="entities", annotator="t", created="2026-01-01T00:00:00+00:00",
        entities=[span(1, "培训人数", "INDICATOR"), span(2, "300人", "TARGET"), span(3, "320人", "ACTUAL"),
                  span(4, "120万元", "MONEY", stage="actual", item="project", item_text="项目支出")],
        relations=[AnnRelation(head="e1", tail="e2", label="target"), AnnRelation(head="e1", tail="e3", label="actual")],
        sections=[AnnSection(start=0, title_end=6, end=len(RAW), label="unit_overview", level=1, quote=quote_hash(RAW[:6]))],
        doc_facts={"unit_name": "某县某局", "fiscal_year": 2025},
    )


def _content(files):
    merged = labelstudio.merge_layers(files)
    return (
        sorted((s.id, s.start, s.end, s.label, json.dumps(s.attrs, sort_keys=True)) for s in merged.entities),
        sorted((r.head, r.tail, r.label) for r in merged.relations),
        sorted((s.start, s.title_end, s.end, s.label, s.level) for s in merged.sections),
        merged.doc_facts,
    )


def test_utf16_offsets_round_trip():
    for i in range(len(RAW) + 1):
        assert labelstudio.python_index(RAW, labelstudio.utf16_index(RAW, i)) == i
    assert labelstudio.utf16_index(RAW, RAW.index("培")) == RAW.index("培") + 1  # 𠀀 is two UTF-16 units


def test_label_studio_round_trip_of_our_own_annotation():
    ann = _own_annotation()
    task = labelstudio.task(RAW, doc_sha256=ann.doc_sha256, doc_name=ann.doc_name, gold=[ann])
    exported = json.loads(json.dumps([task], ensure_ascii=False))  # as a file would carry it
    report = labelstudio.import_export(exported, {})
    assert not report.conflicts
    assert _content(report.files) == _content([ann])


def test_label_studio_conflict_is_reported_not_overwritten():
    ann = _own_annotation()
    task = labelstudio.task(RAW, doc_sha256=ann.doc_sha256, doc_name=ann.doc_name, gold=[ann])
    for item in task["annotations"][0]["result"]:
        if item.get("type") == "labels" and item["value"]["labels"] == ["TARGET"]:
            item["value"]["labels"] = ["ACTUAL"]
    report = labelstudio.import_export([task], {ann.doc_sha256: [ann]})
    assert len(report.conflicts) == 1 and "kept TARGET" in report.conflicts[0]
    kept = [s for f in report.files for s in f.entities if s.id == "e2"]
    assert kept and kept[0].label == "TARGET"


def test_labeling_config_is_xml_with_every_label():
    from xml.etree import ElementTree

    root = ElementTree.fromstring(labelstudio.labeling_config(["unit_overview", "other"]))
    values = {el.get("value") for el in root.iter("Label")}
    assert {"INDICATOR", "TARGET", "ACTUAL", "MONEY", "unit_overview"} <= values


def test_doccano_round_trip_of_our_own_annotation():
    ann = _own_annotation()
    line = json.loads(doccano.dumps([doccano.to_doccano(RAW, [ann])]))
    back = doccano.from_doccano(line, annotator="t", created=ann.created)
    assert _content([back])[:2] == _content([ann])[:2]


def test_every_committed_annotation_survives_label_studio(real_documents):
    """Export → import of unchanged tasks reproduces the annotations exactly, for every annotated document."""
    existing = load_all(ANNOTATIONS_DIR)
    if not existing:
        pytest.skip("no annotations committed yet")
    docs = {d.sha256: d for d in real_documents}
    tasks = []
    for sha, files in existing.items():
        raw = decode_text(docs[sha].path.read_bytes())
        tasks.append(labelstudio.task(raw, doc_sha256=sha, doc_name=files[0].doc_name, gold=files))
    exported = json.loads(json.dumps(tasks, ensure_ascii=False))
    fresh = labelstudio.import_export(exported, {})
    assert not fresh.conflicts
    by_doc: dict[str, list] = {}
    for f in fresh.files:
        by_doc.setdefault(f.doc_sha256, []).append(f)
    for sha, files in existing.items():
        assert _content(by_doc[sha]) == _content(files), files[0].doc_name
    again = labelstudio.import_export(exported, existing)
    assert not again.conflicts and again.added == 0
