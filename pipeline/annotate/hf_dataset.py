"""The gold annotations as a Hugging Face `datasets` dataset, split by document.

One row per document: its cleaned text, characters with BIO tags, entity spans,
relations (by span index) and labelled sections, all in cleaned-text offsets. The split
is by document (a stable hash of its SHA-256), so no document is on two sides.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.annotate.dataset import LabelledSpan, bio_tags
from pipeline.annotate.format import ANNOTATIONS_DIR, load_all, project

SPLITS = (("train", 0.8), ("validation", 0.1), ("test", 0.1))


def split_of(doc_id: str) -> str:
    """A stable split for a document: the same on every machine and every run."""
    x = int(hashlib.sha256(doc_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    total = 0.0
    for name, share in SPLITS:
        total += share
        if x <= total:
            return name
    return SPLITS[-1][0]


def document_rows(*, root: Path = ANNOTATIONS_DIR, shared: Path | None = None) -> list[dict]:
    from pipeline.extract.features import load_gold

    sections_by_doc = load_all(root, layer="sections")
    rows = []
    for gold in load_gold(root=root, shared=shared):
        doc = gold.doc
        spans = [LabelledSpan(m.start, m.end, m.label) for m in gold.mentions]
        sections = []
        for ann in sections_by_doc.get(doc.doc_id, []):
            for sec in ann.sections:
                start, end = project(doc, sec.start, sec.end)
                sections.append({"start": start, "end": end, "label": sec.label, "level": sec.level})
        rows.append(
            {
                "doc_id": doc.doc_id,
                "doc_name": gold.name,
                "text": doc.text,
                "tokens": list(doc.text),
                "ner_tags": bio_tags(len(doc.text), spans),
                "spans": [{"start": m.start, "end": m.end, "label": m.label} for m in gold.mentions],
                "relations": [{"head": r.head, "tail": r.tail, "label": r.label} for r in gold.relations],
                "sections": sections,
            }
        )
    return rows


def export_dataset(out: Path, *, root: Path = ANNOTATIONS_DIR, shared: Path | None = None) -> dict[str, int]:
    """Write a DatasetDict to `out` (datasets' `save_to_disk`); returns documents per split."""
    try:
        from datasets import ClassLabel, Dataset, DatasetDict, Sequence
    except ImportError as e:
        from pipeline.errors import ConfigError

        raise ConfigError("export-dataset needs the `datasets` package: pip install 'jixiao[annotate]'") from e
    rows = document_rows(root=root, shared=shared)
    tag_names = sorted({t for r in rows for t in r["ner_tags"]} | {"O"})
    by_split: dict[str, list[dict]] = {name: [] for name, _ in SPLITS}
    for row in rows:
        by_split[split_of(row["doc_id"])].append(row)
    parts = {}
    for name, items in by_split.items():
        ds = Dataset.from_list(items) if items else Dataset.from_dict({k: [] for k in rows[0]} if rows else {})
        if items:
            ds = ds.cast_column("ner_tags", Sequence(ClassLabel(names=tag_names)))
        parts[name] = ds
    DatasetDict(parts).save_to_disk(str(out))
    return {name: len(items) for name, items in by_split.items()}
