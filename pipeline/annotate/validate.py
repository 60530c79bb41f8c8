"""Check annotation files against the documents they point to.

Each problem names the file, the JSON line of the offending item and what is wrong:
unknown document, offsets out of range or reversed, text at the offsets changed (quote
hash differs), unknown labels, duplicate ids, relations between spans that do not exist.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from pipeline.annotate.corpus import RealDocument, by_sha256
from pipeline.annotate.format import ANNOTATIONS_DIR, AnnotationFile, quote_hash
from pipeline.core import CONFIG_DIR
from pipeline.ingest.decode import decode_text
from pipeline.schema import ENTITY_LABELS, RELATION_LABELS


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def section_labels() -> set[str]:
    path = CONFIG_DIR / "sections.toml"
    if not path.is_file():
        return set()
    with path.open("rb") as fh:
        return set(tomllib.load(fh).get("labels", {}))


def _line_finder(source: str):
    """Line numbers of the n-th `"start":` key in the file: where each item begins."""
    starts = [source.count("\n", 0, m.start()) + 1 for m in re.finditer(r'"start"\s*:', source)]
    return lambda i: starts[i] if i < len(starts) else 1


def validate_file(path: Path, documents: dict[str, RealDocument], *, known_sections: set[str]) -> list[Problem]:
    source = path.read_text(encoding="utf-8")
    try:
        ann = AnnotationFile.model_validate_json(source)
    except ValidationError as e:
        return [Problem(path, 1, f"not a valid annotation file: {err['loc']}: {err['msg']}") for err in e.errors()]
    except json.JSONDecodeError as e:
        return [Problem(path, e.lineno, f"not JSON: {e.msg}")]
    doc = documents.get(ann.doc_sha256)
    if doc is None:
        return [Problem(path, 1, f"no document with SHA-256 {ann.doc_sha256[:12]}… in the corpus folder")]
    raw = decode_text(doc.path.read_bytes())
    line_of = _line_finder(source)
    problems: list[Problem] = []
    items = [("section", s, s.start, s.title_end, s.label, s.quote) for s in ann.sections]
    items += [("entity", e, e.start, e.end, e.label, e.quote) for e in ann.entities]
    for i, (kind, item, start, end, label, quote) in enumerate(items):
        where = line_of(i)
        if not 0 <= start < end <= len(raw):
            problems.append(Problem(path, where, f"{kind} [{start}, {end}) is outside the text (length {len(raw)})"))
            continue
        if quote_hash(raw[start:end]) != quote:
            problems.append(Problem(path, where, f"{kind} [{start}, {end}): the text at these offsets changed"))
        known = known_sections if kind == "section" else set(ENTITY_LABELS)
        if known and label not in known:
            problems.append(Problem(path, where, f"{kind} label '{label}' is not one of {sorted(known)}"))
        if kind == "section" and not item.title_end <= item.end <= len(raw):
            problems.append(Problem(path, where, f"section end {item.end} is before its title or past the text"))
    ids = [e.id for e in ann.entities]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(Problem(path, 1, f"entity id '{dup}' is used more than once"))
    for rel in ann.relations:
        where = source.count("\n", 0, source.find(f'"head": "{rel.head}"')) + 1
        if rel.label not in RELATION_LABELS:
            problems.append(Problem(path, where, f"relation label '{rel.label}' is not one of {list(RELATION_LABELS)}"))
        for end in (rel.head, rel.tail):
            if end not in ids:
                problems.append(Problem(path, where, f"relation {rel.head}→{rel.tail} points at missing span '{end}'"))
    return problems


def validate_all(root: Path = ANNOTATIONS_DIR, *, corpus_root: Path | None = None) -> tuple[int, list[Problem]]:
    """(files checked, problems) over every annotation file under `root`."""
    documents = by_sha256(corpus_root)
    known = section_labels()
    files = sorted(root.glob("*/*.json"))
    problems: list[Problem] = []
    for path in files:
        problems.extend(validate_file(path, documents, known_sections=known))
    return len(files), problems
