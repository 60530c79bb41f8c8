"""A real Label Studio on localhost: project, task import, one annotation, JSON export.

Used by the live test (when a `label-studio` executable is given in $JIXIAO_LABEL_STUDIO)
and to regenerate the committed fixture `tests/data/label_studio/export.json`:

    JIXIAO_LABEL_STUDIO=/path/to/label-studio python tests/annotate/label_studio_live.py
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "label_studio" / "export.json"
TOKEN = "jixiaotesttoken0000000000000000000000000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def label_studio(executable: str, *, startup_seconds: int = 600):
    port = _free_port()
    data = tempfile.mkdtemp(prefix="jixiao-ls-")
    env = dict(os.environ, LABEL_STUDIO_BASE_DATA_DIR=data, SENTRY_DSN="", FRONTEND_SENTRY_DSN="")
    proc = subprocess.Popen(
        [executable, "start", "--no-browser", "--host", "127.0.0.1", "--port", str(port),
         "--username", "annotator@example.org", "--password", "jixiao-test-pass", "--user-token", TOKEN],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(2)
        else:
            raise TimeoutError(f"Label Studio did not start within {startup_seconds} s")
        _enable_legacy_tokens(executable, env)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


_ENABLE_TOKENS = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings.label_studio")
django.setup()
from jwt_auth.models import JWTSettings
from organizations.models import Organization
for org in Organization.objects.all():
    settings, _ = JWTSettings.objects.get_or_create(organization=org)
    settings.legacy_api_tokens_enabled = True
    settings.save()
"""


def _enable_legacy_tokens(executable: str, env: dict) -> None:
    """Label Studio 1.2x disables the plain API tokens that --user-token sets; turn them on for this test server."""
    python = Path(executable).parent / "python"
    package = subprocess.run(
        [str(python), "-c", "import label_studio, os; print(os.path.dirname(label_studio.__file__))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    subprocess.run([str(python), "-c", _ENABLE_TOKENS], env=dict(env, PYTHONPATH=package), check=True,
                   capture_output=True, timeout=300)


def api(base: str, method: str, path: str, body=None):
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(
        f"{base}{path}", data=data, method=method,
        headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=120) as r:
        raw = r.read()
    return json.loads(raw) if raw else None


def round_trip(base: str, tasks: list[dict], label_config: str, edit) -> list[dict]:
    """Create a project, import `tasks`, submit `edit(task)` as each task's annotation, return the export."""
    project = api(base, "POST", "/api/projects", {"title": "jixiao round trip", "label_config": label_config})
    api(base, "POST", f"/api/projects/{project['id']}/import", tasks)
    listed = api(base, "GET", f"/api/tasks?project={project['id']}&fields=all")
    for t in listed["tasks"] if isinstance(listed, dict) else listed:
        api(base, "POST", f"/api/tasks/{t['id']}/annotations", {"result": edit(t), "was_cancelled": False})
    return api(base, "GET", f"/api/projects/{project['id']}/export?exportType=JSON")


def own_tasks() -> tuple[list[dict], str]:
    """Tasks over a document of our own, with jixiao's labelling configuration."""
    from pipeline.annotate import labelstudio
    from pipeline.annotate.format import AnnotationFile, AnnRelation, AnnSpan, quote_hash

    raw = "青石县文化馆2025年度项目支出绩效自评\n培训人数：指标值≥300人，实际完成320人。项目预算120万元，实际支出118.5万元。\n"

    def span(i, needle, label, **attrs):
        start = raw.index(needle)
        return AnnSpan(id=f"e{i}", start=start, end=start + len(needle), label=label, quote=quote_hash(needle), attrs=attrs)

    gold = AnnotationFile(
        doc_sha256="b" * 64, doc_name="own/culture.txt", layer="entities", annotator="t", created="2026-11-25T00:00:00+00:00",
        entities=[span(1, "培训人数", "INDICATOR"), span(2, "≥300人", "TARGET"), span(3, "320人", "ACTUAL"),
                  span(4, "120万元", "MONEY", stage="budget_initial", flow="expenditure", item="project")],
        relations=[AnnRelation(head="e1", tail="e2", label="target"), AnnRelation(head="e1", tail="e3", label="actual")],
        doc_facts={"unit_name": "青石县文化馆", "fiscal_year": 2025},
    )
    task = labelstudio.task(raw, doc_sha256=gold.doc_sha256, doc_name=gold.doc_name, gold=[gold])
    return [task], labelstudio.labeling_config(["unit_overview", "other"])


def annotator_edit(task: dict) -> list[dict]:
    """The annotator keeps the draft and adds the actual amount 118.5万元 as MONEY (stage actual)."""
    result = [dict(r) for r in task["annotations"][0]["result"]] if task.get("annotations") else []
    raw = task["data"]["text"]
    start = raw.index("118.5万元")
    value = {"start": start, "end": start + 7, "text": "118.5万元"}
    result.append({"id": "added1", "from_name": "label", "to_name": "text", "type": "labels", "value": {**value, "labels": ["MONEY"]}})
    result.append({"id": "added1", "from_name": "stage", "to_name": "text", "type": "choices", "value": {**value, "choices": ["actual"]}})
    return result


if __name__ == "__main__":
    tasks, config = own_tasks()
    with label_studio(os.environ["JIXIAO_LABEL_STUDIO"]) as base:
        export = round_trip(base, tasks, config, annotator_edit)
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(export, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE}")
