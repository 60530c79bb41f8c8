"""Import of a Label Studio JSON export.

The fixture `tests/data/label_studio/export.json` was produced by a real Label Studio
1.23.2 on localhost (`tests/annotate/label_studio_live.py`): our tasks imported through
its API, an annotation submitted, the project exported. Where $JIXIAO_LABEL_STUDIO names a
`label-studio` executable, the live test repeats the whole round trip against it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline.annotate import labelstudio

sys_path = Path(__file__).resolve().parent
import sys  # noqa: E402

sys.path.insert(0, str(sys_path))
import label_studio_live as live  # noqa: E402


def _check_import(export: list[dict]) -> None:
    tasks, _ = live.own_tasks()
    gold_task = tasks[0]
    original, *_ = labelstudio.parse_result(gold_task["data"]["text"], gold_task["annotations"][0]["result"])
    report = labelstudio.import_export(export, {})
    assert report.documents == 1 and not report.conflicts
    files = {f.layer: f for f in report.files}
    spans = {(s.start, s.end): s for s in files["entities"].entities}
    for s in original:  # everything that went out came back
        assert spans[(s.start, s.end)].label == s.label and spans[(s.start, s.end)].attrs == s.attrs
    raw = export[0]["data"]["text"]
    start = raw.index("118.5万元")
    added = spans[(start, start + 7)]  # the annotator's span, with its per-region choice
    assert added.label == "MONEY" and added.attrs == {"stage": "actual"}
    assert {(r.head, r.tail, r.label) for r in files["entities"].relations} == {("e1", "e2", "target"), ("e1", "e3", "actual")}
    assert files["entities"].doc_facts == {"unit_name": "青石县文化馆", "fiscal_year": 2025}


def test_import_of_a_real_label_studio_export():
    _check_import(json.loads(live.FIXTURE.read_text(encoding="utf-8")))


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("JIXIAO_LABEL_STUDIO"), reason="set JIXIAO_LABEL_STUDIO to a label-studio executable")
def test_live_label_studio_round_trip():
    tasks, config = live.own_tasks()
    with live.label_studio(os.environ["JIXIAO_LABEL_STUDIO"]) as base:
        export = live.round_trip(base, tasks, config, live.annotator_edit)
    _check_import(export)
