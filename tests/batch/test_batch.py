"""`jixiao batch`: resume after SIGKILL, changed files, failures and retries, limits, Dask, query.

Real worker processes, a real DuckDB file, a real Dask LocalCluster (2 worker processes).
The pipeline is a test configuration of one test stage (`batch_stages.py`, imported by
the workers through `--plugin`), so that the row counts to expect are known.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import psutil
import pytest

from pipeline.batch.run import run_batch
from pipeline.batch.sinks import CHILD_TABLES, TABLES
from pipeline.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
PLUGIN = str(Path(__file__).with_name("batch_stages.py"))


def write_config(folder: Path, *, seconds: float = 0.0, crash_marker: str = "CRASH") -> Path:
    path = folder / "pipeline.toml"
    path.write_text(
        f'[pipeline]\nstages = ["test_lines"]\n\n[stages.test_lines]\nseconds = {seconds}\ncrash_marker = "{crash_marker}"\n',
        encoding="utf-8",
    )
    return path


def make_docs(folder: Path, n: int, *, start: int = 0) -> dict[str, int]:
    """n invented documents; returns file name → number of lines written."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for i in range(start, start + n):
        lines = [f"示范县第{i}局{2020 + i % 5}年度部门整体支出绩效自评报告", "一、部门基本情况"]
        lines += [f"产出指标{j}：培训{10 * j + i}人次，完成率{90 + j % 10}%" for j in range(i % 7 + 1)]
        lines.append(f"二、预算执行情况：年初预算{100 + i}万元，执行{80 + i}万元。")
        (folder / f"doc{i:03d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        out[f"doc{i:03d}.txt"] = len(lines)
    return out


def jixiao(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def assert_one_row_set_each(db: Path, expected: dict[str, int], folder: Path) -> None:
    """Every document exactly once, with exactly its own child rows; nothing else."""
    docs = dict(rows(db, "SELECT path, doc_id FROM documents"))
    assert sorted(docs) == sorted(str(folder / name) for name in expected)
    assert len(set(docs.values())) == len(docs)
    got = dict(rows(db, "SELECT d.path, count(*) FROM sections s JOIN documents d USING (doc_id) GROUP BY d.path"))
    texts = dict(rows(db, "SELECT path, record->>'$.text' FROM documents"))
    assert got == {path: sum(1 for line in text.split("\n") if line.strip()) for path, text in texts.items()}
    for table in CHILD_TABLES:
        in_records = rows(db, f"SELECT sum(json_array_length(record->'$.{table}')) FROM documents")[0][0]
        assert rows(db, f"SELECT count(*) FROM {table}")[0][0] == in_records, table
        orphans = rows(db, f"SELECT count(*) FROM {table} WHERE doc_id NOT IN (SELECT doc_id FROM documents)")[0][0]
        dupes = rows(db, f"SELECT count(*) - count(DISTINCT (doc_id, idx)) FROM {table}")[0][0]
        assert (orphans, dupes) == (0, 0), table
    assert rows(db, "SELECT count(*) FROM documents WHERE n_sections <> (SELECT count(*) FROM sections s WHERE s.doc_id = documents.doc_id)") == [(0,)]
    assert rows(db, "SELECT count(*) FROM errors") == [(0,)]


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["local", "dask"])
def test_sigkill_mid_run_then_resume_gives_one_row_set_per_document(tmp_path, engine):
    folder = tmp_path / "in"
    expected = make_docs(folder, 40)
    config = write_config(tmp_path, seconds=0.15)
    db = tmp_path / "results.duckdb"
    args = ["batch", str(folder), "--db", str(db), "--workers", "2", "--engine", engine, "--commit-every", "3",
            "--config", str(config), "--plugin", PLUGIN]
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "--debug", *args], cwd=REPO, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    commits = threading.Semaphore(0)

    def watch() -> None:
        for line in proc.stderr:
            if "committed" in line:
                commits.release()

    threading.Thread(target=watch, daemon=True).start()
    for _ in range(3):  # three transactions are in
        assert commits.acquire(timeout=240), "the batch never committed"
    children = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    _, alive = psutil.wait_procs(children, timeout=20)  # orphaned workers notice and exit
    assert not alive, [p.cmdline()[:4] for p in alive]

    before = dict(rows(db, "SELECT doc_id, processed_at FROM documents"))
    assert 3 <= len(before) < 40, "the kill should land mid-run"

    done = jixiao(*args, "--parquet", str(tmp_path / "pq"), timeout=600)
    assert done.returncode == 0, done.stderr
    assert_one_row_set_each(db, expected, folder)
    after = dict(rows(db, "SELECT doc_id, processed_at FROM documents"))
    assert {k: after[k] for k in before} == before, "documents committed before the kill were processed again"
    for table in TABLES:  # the Parquet export is the database
        f = tmp_path / "pq" / f"{table}.parquet"
        diff = rows(db, f"SELECT count(*) FROM ((SELECT * FROM {table} EXCEPT ALL SELECT * FROM read_parquet('{f}')) "
                        f"UNION ALL (SELECT * FROM read_parquet('{f}') EXCEPT ALL SELECT * FROM {table}))")[0][0]
        assert diff == 0, table


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["local", "dask"])
def test_changed_file_replaces_its_rows(tmp_path, engine):
    folder = tmp_path / "in"
    expected = make_docs(folder, 6)
    config = write_config(tmp_path)
    db = tmp_path / "r.duckdb"
    kw = dict(db=db, workers=2, engine=engine, config=config, plugins=(PLUGIN,))
    first = run_batch(folder, **kw)
    assert (first.processed, first.failed) == (6, 0)
    old_id = rows(db, f"SELECT doc_id FROM documents WHERE path = '{folder / 'doc002.txt'}'")[0][0]

    changed = folder / "doc002.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "新增指标：满意度≥95%\n另加一行\n", encoding="utf-8")
    second = run_batch(folder, **kw)
    assert (second.processed, second.skipped_done, second.failed) == (1, 5, 0)
    assert_one_row_set_each(db, expected, folder)
    for table in ("documents", *CHILD_TABLES):
        assert rows(db, f"SELECT count(*) FROM {table} WHERE doc_id = '{old_id}'") == [(0,)], table
    new_text = rows(db, f"SELECT record->>'$.text' FROM documents WHERE path = '{changed}'")[0][0]
    assert "满意度" in new_text
    assert rows(db, f"SELECT n_indicators FROM documents WHERE path = '{changed}'")[0][0] == sum("指标" in line for line in new_text.split("\n"))


@pytest.mark.slow
def test_failures_are_recorded_skipped_and_retried_alone(tmp_path):
    folder = tmp_path / "in"
    make_docs(folder, 4)
    (folder / "bad.txt").write_text("示范县某局\nCRASH 这一份会让进程退出\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    db = tmp_path / "r.duckdb"
    crashing = write_config(tmp_path)
    first = run_batch(folder, db=db, workers=1, config=crashing, plugins=(PLUGIN,))
    assert (first.processed, first.failed) == (4, 2)
    errors = dict(rows(db, "SELECT regexp_extract(path, '[^/]+$'), error FROM errors"))
    assert errors == {"bad.txt": "WorkerDied", "empty.txt": "IngestError"}

    again = run_batch(folder, db=db, workers=1, config=crashing, plugins=(PLUGIN,))
    assert (again.processed, again.failed, again.skipped_failed, again.skipped_done) == (0, 0, 2, 4)

    fixed = tmp_path / "fixed"
    fixed.mkdir()
    retried = run_batch(folder, db=db, workers=1, config=write_config(fixed, crash_marker="NEVER"),
                        plugins=(PLUGIN,), retry_failed=True)
    assert (retried.processed, retried.failed, retried.skipped_done) == (1, 1, 4)
    assert rows(db, "SELECT regexp_extract(path, '[^/]+$'), error FROM errors") == [("empty.txt", "IngestError")]
    assert rows(db, "SELECT count(*) FROM documents") == [(5,)]


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["local", "dask"])
def test_hanging_exploding_and_crashing_documents_fail_alone(tmp_path, engine):
    folder = tmp_path / "in"
    expected = make_docs(folder, 6)
    (folder / "hang.txt").write_text("示范县某局\nHANG 这一份永远处理不完\n", encoding="utf-8")
    (folder / "explode.txt").write_text("示范县某局\nEXPLODE 这一份要8 GB内存\n", encoding="utf-8")
    (folder / "crash.txt").write_text("示范县某局\nCRASH 这一份让进程退出\n", encoding="utf-8")
    db = tmp_path / "r.duckdb"
    t0 = time.monotonic()
    summary = run_batch(folder, db=db, workers=2, engine=engine, timeout=4, max_memory_mb=512,
                        config=write_config(tmp_path), plugins=(PLUGIN,))
    assert time.monotonic() - t0 < 120
    assert (summary.processed, summary.failed) == (6, 3)
    errors = dict(rows(db, "SELECT regexp_extract(path, '[^/]+$'), error FROM errors"))
    assert errors == {"hang.txt": "Timeout", "explode.txt": "MemoryLimit", "crash.txt": "WorkerDied"}
    assert rows(db, "SELECT count(*) FROM documents") == [(6,)]
    assert all(0 < mb < 1024 for mb in summary.peak_rss_mb.values()), summary.peak_rss_mb


def test_query_command_prints_rows(tmp_path):
    folder = tmp_path / "in"
    make_docs(folder, 2)
    db = tmp_path / "r.duckdb"
    config = tmp_path / "ingest-only.toml"
    config.write_text("[pipeline]\nstages = []\n", encoding="utf-8")
    done = jixiao("extract", str(folder), "--db", str(db), "--config", str(config))
    assert done.returncode == 0, done.stderr
    out = jixiao("query", "SELECT regexp_extract(path, '[^/]+$') AS file, text_length FROM documents ORDER BY file", "--db", str(db))
    assert out.returncode == 0, out.stderr
    assert "doc000.txt" in out.stdout and "doc001.txt" in out.stdout and "2 row(s)" in out.stdout
    bad = jixiao("query", "DROP TABLE documents", "--db", str(db))
    assert bad.returncode != 0 and "read-only" in bad.stderr
    assert rows(db, "SELECT count(*) FROM documents") == [(2,)]


def test_outputs_inside_the_input_folder_are_not_read_as_inputs(tmp_path):
    folder = tmp_path / "in"
    make_docs(folder, 2)
    db = folder / "r.duckdb"
    run_batch(folder, db=db, workers=1, config=write_config(tmp_path), plugins=(PLUGIN,), parquet=folder / "pq")
    again = run_batch(folder, db=db, workers=1, config=write_config(tmp_path), plugins=(PLUGIN,), parquet=folder / "pq")
    assert (again.files, again.skipped_done, again.failed) == (2, 2, 0)


def test_a_missing_model_stops_the_run_instead_of_failing_every_document(tmp_path):
    folder = tmp_path / "in"
    make_docs(folder, 5)
    config = tmp_path / "pipeline.toml"
    config.write_text('[pipeline]\nstages = ["test_lines"]\n\n[stages.test_lines]\nmodel = "models/absent"\n', encoding="utf-8")
    db = tmp_path / "r.duckdb"
    with pytest.raises(ConfigError, match="no trained model"):
        run_batch(folder, db=db, workers=1, config=config, plugins=(PLUGIN,))
    assert rows(db, "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM errors)") == [(0, 0)]


@pytest.mark.slow
def test_batch_runs_on_an_existing_dask_cluster(tmp_path):
    from distributed import Client, LocalCluster

    folder = tmp_path / "in"
    expected = make_docs(folder, 8)
    db = tmp_path / "r.duckdb"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        done = jixiao("batch", str(folder), "--db", str(db), "--engine", "dask", "--scheduler", cluster.scheduler_address,
                      "--config", str(write_config(tmp_path)), "--plugin", PLUGIN)
        assert done.returncode == 0, done.stderr
        with Client(cluster) as client:  # the cluster lives on; the pipeline processes on it were stopped
            assert len(client.nthreads()) == 2
            leftovers = client.run(
                lambda: [c.cmdline()[-1] for c in psutil.Process().children(recursive=True) if "pipeline.batch.worker" in c.cmdline()]
            )
            assert all(v == [] for v in leftovers.values()), leftovers
    assert_one_row_set_each(db, expected, folder)


def test_a_file_changed_into_a_copy_of_another_loses_its_old_rows(tmp_path):
    folder = tmp_path / "in"
    make_docs(folder, 3)
    db = tmp_path / "r.duckdb"
    kw = dict(db=db, workers=1, config=write_config(tmp_path), plugins=(PLUGIN,))
    run_batch(folder, **kw)
    (folder / "doc001.txt").write_bytes((folder / "doc000.txt").read_bytes())
    again = run_batch(folder, **kw)
    assert (again.processed, again.skipped_done) == (0, 3)
    assert sorted(p.rsplit("/", 1)[1] for (p,) in rows(db, "SELECT path FROM documents")) == ["doc000.txt", "doc002.txt"]
    assert rows(db, "SELECT count(*) FROM sections WHERE doc_id NOT IN (SELECT doc_id FROM documents)") == [(0,)]


def test_unchanged_files_are_not_hashed_again(tmp_path):
    """Size and mtime unchanged: the recorded doc_id is reused; a changed file is hashed and processed again."""
    folder, db = tmp_path / "in", tmp_path / "out.duckdb"
    make_docs(folder, 5)
    config = write_config(tmp_path)
    plans = []
    run = lambda: run_batch(folder, db=db, workers=1, config=config, plugins=(PLUGIN,), on_plan=plans.append)  # noqa: E731
    assert run().processed == 5 and plans[-1].hashed == 5
    assert run().processed == 0 and plans[-1].hashed == 0 and plans[-1].skipped_done == 5
    changed = folder / "doc003.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "新增指标：满意度≥95%\n", encoding="utf-8")
    summary = run()
    assert plans[-1].hashed == 1 and summary.processed == 1
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == 5
    assert rows(db, f"SELECT doc_id FROM file_hashes WHERE path = '{changed}'") == rows(
        db, f"SELECT doc_id FROM documents WHERE path = '{changed}'"
    )


def test_extract_stores_absolute_paths_and_limits_time(tmp_path, monkeypatch):
    """`extract` with --timeout runs in a worker: a hanging document fails alone; paths are absolute, as in batch."""
    from pipeline.batch.run import extract_files

    folder = tmp_path / "in"
    make_docs(folder, 2)
    (folder / "hang.txt").write_text("示范县某局\nHANG 这一份永远处理不完\n", encoding="utf-8")
    config = write_config(tmp_path)
    monkeypatch.chdir(tmp_path)
    relative = [Path("in") / name for name in ("doc000.txt", "hang.txt", "doc001.txt")]
    summary = extract_files(relative, config=config, timeout=5, plugins=(PLUGIN,))
    assert [e.error for e in summary.errors] == ["Timeout"]
    assert summary.errors[0].path == str(folder.resolve() / "hang.txt")
    assert [r.source.path for r in summary.records] == [str(folder.resolve() / n) for n in ("doc000.txt", "doc001.txt")]
    db = tmp_path / "b.duckdb"
    run_batch(folder, db=db, workers=1, config=write_config(tmp_path), plugins=(PLUGIN,), timeout=5)
    batch_paths = {p for (p,) in rows(db, "SELECT path FROM documents")}
    assert {r.source.path for r in summary.records} <= batch_paths


def test_ocr_threads_follow_the_environment(monkeypatch):
    from pipeline.ingest import ocr

    monkeypatch.setenv(ocr.THREADS_ENV, "1")
    assert ocr.ocr_threads() == 1
    monkeypatch.delenv(ocr.THREADS_ENV)
    assert 1 <= ocr.ocr_threads() <= min(ocr.THREADS, os.cpu_count() or 1)
