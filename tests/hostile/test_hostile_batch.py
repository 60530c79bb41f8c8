"""`jixiao batch` over the hostile corpus mixed with good documents (real subprocess, real DuckDB).

Every good document is processed and gives exactly the record it gives alone; every hostile
file that must be refused has an error row naming file, stage and reason; the process exits
with code 1 (failures occurred) and no traceback; the memory of its process tree, sampled with
psutil while it runs, stays under the limits it was given; no local file content reaches the
database or the Parquet export.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import psutil
import pytest
from hostile_corpus import maker

REPO = Path(__file__).resolve().parents[2]
GOOD = [p for p in sorted((REPO / "examples").iterdir()) if p.suffix in {".txt", ".docx", ".xlsx", ".html"}]
GOOD += [p for p in sorted((REPO / "examples").glob("*.pdf")) if "scanned" not in p.name]  # OCR is slow
SECRET = "CANARY-91c2-local-file-content"
WORKERS = 2
MAX_MEMORY_MB = 1024  # what one document may add to a worker
WORKER_BASE_MB = 1024  # a worker with the pipeline loaded (models, spaCy, OCR) stays under this
PARENT_MB = 600


class TreeMemory:
    """Peak RSS of a process and its children, sampled every 0.1 s in a thread."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak_total = 0
        self.peak_single = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            sizes = []
            for p in procs:
                try:
                    sizes.append(p.memory_info().rss)
                except psutil.NoSuchProcess:
                    continue
            if sizes:
                self.peak_total = max(self.peak_total, sum(sizes))
                self.peak_single = max(self.peak_single, max(sizes))
            time.sleep(0.1)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def batch(folder: Path, db: Path, *extra: str) -> tuple[subprocess.CompletedProcess, TreeMemory]:
    cmd = [
        sys.executable, "-m", "pipeline.cli", "batch", str(folder), "--db", str(db), "--workers", str(WORKERS),
        "--timeout", "120", "--max-memory", str(MAX_MEMORY_MB), *extra,
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(proc.pid)
    out, err = proc.communicate(timeout=900)
    memory.stop()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), memory


def table(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def good_rows(db: Path) -> dict[str, object]:
    """Per good document: its record and its rows in every table, without the processing time."""
    out = {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [
            t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall() if t != "errors"
        ]
        for path, doc_id, record in con.execute("SELECT path, doc_id, record FROM documents").fetchall():
            if Path(path).name not in {p.name for p in GOOD}:
                continue
            rows = {}
            for t in tables:
                cur = con.execute(f"SELECT * EXCLUDE (processed_at) FROM {t} WHERE doc_id = ? ORDER BY ALL"
                                  if t == "documents" else f"SELECT * FROM {t} WHERE doc_id = ? ORDER BY ALL", [doc_id])  # fmt: skip
                rows[t] = cur.fetchall()
            out[Path(path).name] = {"record": json.loads(record), "rows": rows}
    finally:
        con.close()
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed")
    folder = root / "in"
    folder.mkdir()
    for p in GOOD:
        shutil.copy(p, folder / p.name)
    alone, _ = batch(folder, root / "alone.duckdb")
    canary = root / "canary.txt"
    canary.write_text(SECRET, encoding="utf-8")
    hostile = maker().build(root / "hostile", canary=canary)
    for name, path in hostile.items():
        shutil.copy(path, folder / name)
    mixed, memory = batch(folder, root / "mixed.duckdb", "--parquet", str(root / "parquet"))
    return {"root": root, "alone": alone, "mixed": mixed, "memory": memory}


@pytest.mark.slow
def test_alone_run_succeeds(runs):
    assert runs["alone"].returncode == 0, runs["alone"].stderr[-2000:]


@pytest.mark.slow
def test_mixed_run_exits_one_without_traceback(runs):
    mixed = runs["mixed"]
    assert mixed.returncode == 1, mixed.stderr[-2000:]
    assert "Traceback" not in mixed.stdout + mixed.stderr


@pytest.mark.slow
def test_good_documents_give_the_records_they_give_alone(runs):
    root = runs["root"]
    alone, mixed = good_rows(root / "alone.duckdb"), good_rows(root / "mixed.duckdb")
    assert set(alone) == {p.name for p in GOOD}
    assert alone == mixed


@pytest.mark.slow
def test_every_bad_file_has_an_error_row_with_a_reason(runs):
    db = runs["root"] / "mixed.duckdb"
    errors = {Path(p).name: (stage, reason) for p, stage, reason in table(db, "SELECT path, stage, reason FROM errors")}
    documents = {Path(p).name for (p,) in table(db, "SELECT path FROM documents")}
    for item in maker().HOSTILE:
        assert (item.name in errors) != (item.name in documents), f"{item.name}: exactly one of a record or an error"
        if item.expect == "error":
            assert item.name in errors, f"{item.name} ({item.what}) was not refused"
        if item.name in errors:
            stage, reason = errors[item.name]
            assert stage and reason and len(reason) > 10


@pytest.mark.slow
def test_memory_stays_under_the_limits(runs):
    memory = runs["memory"]
    single_limit = (WORKER_BASE_MB + MAX_MEMORY_MB) * 2**20
    total_limit = WORKERS * single_limit + PARENT_MB * 2**20
    assert 0 < memory.peak_single < single_limit, f"one process peaked at {memory.peak_single / 2**20:.0f} MB"
    assert memory.peak_total < total_limit, f"the process tree peaked at {memory.peak_total / 2**20:.0f} MB"


@pytest.mark.slow
def test_no_local_file_content_in_the_database_or_parquet(runs):
    root = runs["root"]
    con = duckdb.connect(str(root / "mixed.duckdb"), read_only=True)
    try:
        for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            for row in con.execute(f"SELECT * FROM {t}").fetchall():
                assert SECRET not in repr(row), f"table {t} holds the canary"
    finally:
        con.close()
    parquet = sorted((root / "parquet").glob("*.parquet"))
    assert parquet and all(p.parent == root / "parquet" for p in parquet)
    for p in parquet:
        rows = duckdb.sql(f"SELECT * FROM read_parquet('{p}')").fetchall()
        assert SECRET not in repr(rows), f"{p.name} holds the canary"
