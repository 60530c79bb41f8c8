"""The committed JSON Schema matches the models, and the contract's fields all exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.schema import Amount, Document, Indicator, Value

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "docs" / "schema.json"


def test_committed_schema_matches_models():
    current = Document.model_json_schema(mode="serialization")
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == current, "docs/schema.json is stale: run `jixiao schema -o docs/schema.json`"


CONTRACT_FIELDS = {
    Document: "doc_id source schema_version doc_kind unit_name fiscal_year text sections amounts indicators evaluation flags",
    Amount: "value_yuan raw stage flow item item_text subject start end confidence",
    Indicator: "name level1 level2 target actual weight score achieved subject evidence confidence",
    Value: "text op value upper unit qualitative",
}


def test_contract_fields_exist():
    for model, names in CONTRACT_FIELDS.items():
        missing = [n for n in names.split() if n not in model.model_fields]
        assert not missing, f"{model.__name__} lacks {missing}"


def test_contract_file_fields_exist_when_shared_present(shared_dir):
    """Every field named in a table of ../shared/CONTRACT.md exists in the schema."""
    text = (shared_dir / "CONTRACT.md").read_text(encoding="utf-8")
    fields = set(re.findall(r"^\| `(\w+)`", text, re.M))
    known = set()
    for model in (Document, Amount, Indicator, Value):
        known |= set(model.model_fields)
    assert fields and fields <= known, f"contract fields missing from the schema: {sorted(fields - known)}"


def test_record_round_trips_through_json():
    doc = Document(doc_id="0" * 64, source={"path": "x.txt", "format": "txt"}, text="一、概况")
    again = Document.model_validate_json(doc.model_dump_json())
    assert again.model_dump() == doc.model_dump()
    dumped = json.loads(doc.model_dump_json())
    assert "offset_map" not in dumped and dumped["evaluation"]["score"] is None
