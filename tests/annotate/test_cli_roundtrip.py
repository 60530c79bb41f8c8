"""`jixiao annotate export` then `import` through the real CLI, on a document of our own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

JIXIAO = [sys.executable, "-m", "pipeline.cli"]
DOC = "一、基本情况\n青石县文化馆2025年度项目支出预算为120万元，实际支出118万元。\n培训人数：指标值≥300人，实际完成320人。\n"


def run(*args, cwd: Path):
    return subprocess.run([*JIXIAO, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_export_edit_import(tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text(DOC, encoding="utf-8")
    out = tmp_path / "tasks.json"
    r = run("annotate", "export", str(doc), "--to", "label-studio", "-o", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert len(tasks) == 1 and tasks[0]["data"]["text"] == DOC
    assert out.with_suffix(".xml").read_text(encoding="utf-8").startswith("<View>")
    assert "predictions" in tasks[0]

    # the annotator accepts the pre-annotations and adds one span of their own
    start = DOC.index("120万元")
    result = list(tasks[0]["predictions"][0]["result"])
    result.append({"id": "new1", "from_name": "label", "to_name": "text", "type": "labels",
                   "value": {"start": start, "end": start + 5, "text": "120万元", "labels": ["MONEY"]}})
    tasks[0]["annotations"] = [{"id": 1, "result": result, "completed_by": {"email": "a@example.org"},
                                "updated_at": "2026-11-25T10:00:00Z"}]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    root = tmp_path / "ann"
    r = run("annotate", "import", str(export), "--root", str(root), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    files = list(root.glob("*/*.json"))
    saved = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    spans = [(e["start"], e["end"], e["label"]) for f in saved for e in f["entities"]]
    assert (start, start + 5, "MONEY") in spans
    assert all(f["annotator"] == "a@example.org" for f in saved)

    # importing the same export again changes nothing; a changed label is a conflict (exit 1)
    r = run("annotate", "import", str(export), "--root", str(root), cwd=tmp_path)
    assert r.returncode == 0 and "0 added" in r.stderr
    for item in tasks[0]["annotations"][0]["result"]:
        if item.get("id") == "new1":
            item["value"]["labels"] = ["SCORE"]
    export.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    r = run("annotate", "import", str(export), "--root", str(root), cwd=tmp_path)
    assert r.returncode == 1 and "conflict" in r.stdout
