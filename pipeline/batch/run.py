"""Runs: `extract_files` (in this process) and `run_batch` (worker processes or Dask, resumable).

`run_batch` is what a nightly job calls. It hashes every input file in the parent
(doc_id = SHA-256 of the bytes; a file whose size and modification time are unchanged
since a run hashed it keeps its recorded doc_id unread, table `file_hashes`), asks the
database what is already there, and sends only the rest to the engine:
- a file whose doc_id is in `documents` is done and skipped;
- a file that failed before (same path and doc_id in `errors`) is skipped, unless
  `retry_failed`, which processes those files again (with any new ones);
- a changed file (same path, new doc_id) is processed again; its old rows are replaced.
Results are committed every `commit_every` documents (and at least every
`commit_seconds`) in one DuckDB transaction each, so a run killed at any point loses at
most the uncommitted documents, which the next run processes.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.batch.engines import ENGINES, default_workers, run_dask, run_local
from pipeline.batch.sinks import DuckDBSink, export_parquet, open_sinks
from pipeline.batch.worker import Outcome, Task, WorkerProcess, WorkerSettings, sha256_file
from pipeline.core import Pipeline
from pipeline.errors import ConfigError, Messages
from pipeline.schema import Document, ErrorRecord

logger = logging.getLogger(__name__)

# Failures of the set-up (a missing model, a bad config), not of a document: they stop the run.
NOT_THE_DOCUMENT = frozenset({"config", "model"})


@dataclass
class RunSummary:
    records: list[Document] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return len(self.records) + len(self.errors)

    @property
    def failures(self) -> int:
        return len(self.errors)

    @property
    def amounts(self) -> int:
        return sum(len(r.amounts) for r in self.records)

    @property
    def indicators(self) -> int:
        return sum(len(r.indicators) for r in self.records)

    @property
    def flags(self) -> int:
        return sum(len(r.flags) for r in self.records)


def absolute_input(path: Path) -> Path:
    """The path records and errors carry: its folder resolved, its name kept (as `batch` does)."""
    path = Path(path)
    return path.parent.resolve() / path.name


def extract_files(
    files: list[Path],
    *,
    missing: list[str] = (),
    output: Path | None = None,
    db: Path | None = None,
    config: Path | None = None,
    max_bytes: int | None = None,
    review: Path | None = None,
    timeout: float | None = None,
    max_memory_mb: int | None = None,
    plugins: tuple[str, ...] = (),
) -> RunSummary:
    """Process `files` one after the other; write JSONL and/or DuckDB.

    Paths are stored absolute (`absolute_input`), as `run_batch` stores them. Without limits
    the documents run in this process; with a `timeout` (seconds) or `max_memory_mb` they run
    in one worker process of `run_batch`'s kind (`plugins` imported there), so that a document
    that hangs or explodes is recorded as failed and the others go on.
    """
    files = [absolute_input(f) for f in files]
    summary = RunSummary()
    summary.errors.extend(
        ErrorRecord(path=m, stage="input", error="FileNotFoundError", reason="no such file, folder or glob match")
        for m in missing
    )
    if timeout or max_memory_mb:
        limits = {"timeout": timeout, "max_memory_mb": max_memory_mb, "plugins": plugins}
        results = _in_worker(files, config=config, max_bytes=max_bytes, **limits)
    else:
        pipe = Pipeline.from_config(config, max_bytes=max_bytes)
        results = (pipe.process_path(path) for path in files)
    with open_sinks(output=output, db=db, review=review) as sinks:
        for err in summary.errors:
            sinks.write_error(err)
        for result in results:
            if isinstance(result, ErrorRecord):
                summary.errors.append(result)
                sinks.write_error(result)
            else:
                summary.records.append(result)
                sinks.write(result)
    return summary


def _in_worker(
    files: list[Path], *, config: Path | None, max_bytes: int | None, timeout: float | None, max_memory_mb: int | None,
    plugins: tuple[str, ...],
) -> Iterator[Document | ErrorRecord]:  # fmt: skip
    """`Pipeline.process_path` of each file in a worker process with batch's time and memory limits."""
    settings = WorkerSettings(
        config=str(Path(config).resolve()) if config else None, max_bytes=max_bytes, max_memory_mb=max_memory_mb,
        plugins=tuple(str(Path(p).resolve()) if p.endswith(".py") else p for p in plugins),
    )  # fmt: skip
    worker = WorkerProcess(settings, name="extract")
    try:
        for outcome in worker.stream((Task(path=str(f)) for f in files), timeout=timeout):
            if outcome.error is not None and outcome.error.stage in NOT_THE_DOCUMENT:
                raise ConfigError(outcome.error.reason, stage=outcome.error.stage)
            yield outcome.error if outcome.error is not None else Document.model_validate_json(outcome.record_json)
    finally:
        worker.close()


# --- batch ---------------------------------------------------------------------------


@dataclass
class BatchSummary:
    """What a batch run did."""

    files: int = 0
    skipped_done: int = 0
    skipped_failed: int = 0
    duplicates: int = 0
    processed: int = 0
    failed: int = 0
    bytes: int = 0
    seconds: float = 0.0
    committed: int = 0
    engine: str = "local"
    workers: int = 0
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    errors: list[ErrorRecord] = field(default_factory=list)
    parquet: list[Path] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def docs_per_second(self) -> float:
        return (self.processed + self.failed) / self.seconds if self.seconds else 0.0

    @property
    def kb_per_second(self) -> float:
        return self.bytes / 1024 / self.seconds if self.seconds else 0.0


@dataclass
class Plan:
    tasks: list[Task]
    skipped_done: int = 0
    skipped_failed: int = 0
    duplicates: int = 0
    unreadable: list[ErrorRecord] = field(default_factory=list)
    stale_paths: list[str] = field(default_factory=list)  # changed into a copy of a done document
    hashed: int = 0  # files read to find their doc_id (the others' size and mtime were unchanged)


def list_inputs(folder: Path, *, exclude: tuple[Path, ...] = ()) -> list[Path]:
    """Every non-hidden file under `folder`, sorted, absolute; `exclude` (our own outputs) left out."""
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise ConfigError(Messages.NOT_A_FOLDER.format(path=folder))
    skip = {p.resolve() for p in exclude}
    files = []
    for f in sorted(folder.rglob("*")):
        rel = f.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not f.is_file():
            continue
        if f in skip or f.parent in skip or any(a in skip for a in f.parents):
            continue
        if not f.resolve().is_relative_to(folder):
            # a link in a downloaded folder must not read local files into the outputs
            logger.warning("skipping %s: a symbolic link to a file outside %s", f, folder)
            continue
        files.append(f)
    return files


def plan(files: list[Path], sink: DuckDBSink, *, retry_failed: bool = False) -> Plan:
    """Hash the files and decide which to process (see the module docstring).

    A file whose size and modification time (ns) are those recorded when an earlier run
    hashed it keeps its recorded doc_id without being read; any other file is hashed.
    """
    done = sink.done()
    known = sink.known_hashes()
    hashed: dict[str, tuple[int, int, str]] = {}
    result = Plan(tasks=[])
    seen: set[str] = set()
    for f in files:
        path = str(f)
        try:
            st = f.stat()
            size = st.st_size
            cached = known.get(path)
            if cached is not None and cached[:2] == (size, st.st_mtime_ns):
                doc_id = cached[2]
            else:
                doc_id = sha256_file(f)
                hashed[path] = (size, st.st_mtime_ns, doc_id)
        except OSError as e:
            result.unreadable.append(
                ErrorRecord(path=path, stage="input", error=type(e).__name__, reason=f"cannot read the file: {e.strerror or e}")
            )
            continue
        failed_before = path in done.failed and done.failed[path] in (doc_id, None)
        if doc_id in done.doc_ids:
            result.skipped_done += 1
            if done.paths.get(path, doc_id) != doc_id:  # it now holds bytes stored from another path
                result.stale_paths.append(path)
            continue
        if doc_id in seen:
            result.duplicates += 1
            continue
        if failed_before and not retry_failed:
            result.skipped_failed += 1
            continue
        seen.add(doc_id)
        result.tasks.append(Task(path=path, doc_id=doc_id, size=size))
    result.hashed = len(hashed)
    sink.remember_hashes(hashed)
    return result


def run_batch(
    input_dir: Path,
    *,
    db: Path,
    parquet: Path | None = None,
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    retry_failed: bool = False,
    timeout: float | None = 600.0,
    max_memory_mb: int | None = 2048,
    commit_every: int = 100,
    commit_seconds: float = 10.0,
    config: Path | None = None,
    max_bytes: int | None = None,
    plugins: tuple[str, ...] = (),
    dask_processes: bool = True,
    on_plan: Callable[[Plan], None] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> BatchSummary:
    """Process every file under `input_dir` not already in `db`; see the module docstring."""
    if engine not in ENGINES:
        raise ConfigError(Messages.UNKNOWN_ENGINE.format(engine=engine, known=", ".join(ENGINES)))
    db = Path(db).resolve()
    outputs = (db, db.with_name(db.name + ".wal"), *((Path(parquet),) if parquet else ()))
    files = list_inputs(input_dir, exclude=outputs)
    workers = max(1, workers or default_workers())
    settings = WorkerSettings(
        config=str(Path(config).resolve()) if config else None,
        max_bytes=max_bytes,
        max_memory_mb=max_memory_mb,
        plugins=tuple(str(Path(p).resolve()) if p.endswith(".py") else p for p in plugins),
        # workers on this machine share its cores (a remote cluster's workers keep the OCR default)
        ocr_threads=None if scheduler else max(1, default_workers() // workers),
    )
    summary = BatchSummary(files=len(files), engine=engine, workers=workers)
    sink = DuckDBSink(db, commit_every=commit_every)
    try:
        work = plan(files, sink, retry_failed=retry_failed)
        summary.skipped_done, summary.skipped_failed, summary.duplicates = (
            work.skipped_done,
            work.skipped_failed,
            work.duplicates,
        )
        if work.stale_paths:
            sink.forget_paths(work.stale_paths)
        for err in work.unreadable:
            sink.write_error(err)
            summary.errors.append(err)
            summary.failed += 1
        if on_plan:
            on_plan(work)
        t0 = time.perf_counter()
        last_commit = time.monotonic()
        workers = summary.workers = min(workers, max(1, len(work.tasks)))  # no idle workers loading models
        if work.tasks:
            outcomes: Iterator[Outcome]
            if engine == "local":
                outcomes = run_local(work.tasks, settings, workers=workers, timeout=timeout, stats=summary.peak_rss_mb)
            else:
                outcomes = run_dask(
                    work.tasks,
                    settings,
                    workers=workers,
                    scheduler=scheduler,
                    timeout=timeout,
                    processes=dask_processes,
                    stats=summary.peak_rss_mb,
                )
            for outcome in outcomes:
                if outcome.error is not None and outcome.error.stage in NOT_THE_DOCUMENT:
                    sink.commit()  # keep what is done; this error would repeat on every document
                    raise ConfigError(outcome.error.reason, stage=outcome.error.stage)
                summary.bytes += outcome.size
                if outcome.ok:
                    summary.processed += 1
                    sink.write(json.loads(outcome.record_json), record_json=outcome.record_json)
                else:
                    summary.failed += 1
                    summary.errors.append(outcome.error)
                    sink.write_error(outcome.error)
                if sink.pending and time.monotonic() - last_commit > commit_seconds:
                    sink.commit()
                if sink.committed != summary.committed:
                    summary.committed = sink.committed
                    last_commit = time.monotonic()
                if on_outcome:
                    on_outcome(outcome)
        sink.commit()
        summary.seconds = time.perf_counter() - t0
        summary.committed = sink.committed
        summary.totals = {
            t: sink.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("documents", "indicators", "amounts", "flags", "errors")
        }
        if parquet:
            summary.parquet = export_parquet(sink.con, Path(parquet))
    finally:
        sink.con.close()  # uncommitted work of a failed run is dropped, not half-written
    return summary
