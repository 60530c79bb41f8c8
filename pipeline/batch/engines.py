"""Engines: where the documents are processed. Each yields one `Outcome` per task.

- `run_local`: N worker processes on this machine, fed by N threads of the parent;
- `run_dask`: the same worker process, one per Dask worker thread, on a Dask cluster
  (an existing one at `scheduler`, or a `LocalCluster` started here).

Both keep the pipeline loaded in long-lived worker processes (models are loaded once
per worker, not per document), and both enforce the per-document time and memory limits
of `WorkerProcess`. Results travel back as JSON text: the parent is the only writer.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Iterable, Iterator

from pipeline.batch.worker import Outcome, Task, WorkerProcess, WorkerSettings
from pipeline.errors import ConfigError, Messages
from pipeline.schema import ErrorRecord

logger = logging.getLogger(__name__)

ENGINES = ("local", "dask")
_DONE = object()


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_local(
    tasks: Iterable[Task],
    settings: WorkerSettings,
    *,
    workers: int | None = None,
    timeout: float | None = None,
    stats: dict[str, float] | None = None,
) -> Iterator[Outcome]:
    """Process `tasks` on `workers` local worker processes; yield outcomes as they finish.

    `stats`, when given, receives the peak RSS (MB) of each worker process by name.
    """
    workers = max(1, workers or default_workers())
    todo: queue.Queue = queue.Queue()
    results: queue.Queue = queue.Queue(maxsize=workers * 4)
    stop = threading.Event()
    procs = [WorkerProcess(settings, name=f"local-{i}") for i in range(workers)]

    def feed() -> None:
        for task in tasks:
            if stop.is_set():
                break
            todo.put(task)
        for _ in procs:
            todo.put(_DONE)

    def next_tasks() -> Iterator[Task]:
        while not stop.is_set():
            task = todo.get()
            if task is _DONE:
                return
            yield task

    def drive(proc: WorkerProcess) -> None:
        try:
            proc.start()
            for outcome in proc.stream(next_tasks(), timeout=timeout):
                results.put(outcome)
        except BaseException as e:  # handed to the consumer, which raises it
            results.put(e)
        finally:
            proc.close()
            results.put(_DONE)

    threads = [threading.Thread(target=feed, daemon=True, name="jixiao-feed")]
    threads += [threading.Thread(target=drive, args=(p,), daemon=True, name=p.name) for p in procs]
    for t in threads:
        t.start()
    running = len(procs)
    try:
        while running:
            item = results.get()
            if item is _DONE:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        stop.set()
        for _ in procs:  # unblock drivers waiting for work
            todo.put(_DONE)
        if running:  # stopped early (an error, Ctrl-C): do not wait for documents in flight
            for p in procs:
                p.kill()
        while any(t.is_alive() for t in threads[1:]):
            try:
                results.get(timeout=0.1)
            except queue.Empty:
                pass
        if stats is not None:
            stats.update({p.name: p.peak_rss_mb for p in procs})

# --- Dask ----------------------------------------------------------------------------

# On each Dask worker: one worker process per (worker thread, settings), started on first use.
_DASK_PROCS: dict[tuple[int, WorkerSettings], WorkerProcess] = {}
_DASK_LOCK = threading.Lock()


def _dask_chunk(tasks: list[Task], settings: WorkerSettings, timeout: float | None) -> list[Outcome]:
    """Runs on a Dask worker thread: a few documents, one by one, in that thread's worker process."""
    key = (threading.get_ident(), settings)
    with _DASK_LOCK:
        proc = _DASK_PROCS.get(key)
        if proc is None:
            proc = _DASK_PROCS[key] = WorkerProcess(settings, name=f"dask-{os.getpid()}-{len(_DASK_PROCS)}")
    return list(proc.stream(tasks, timeout=timeout))


def _dask_close(settings: WorkerSettings) -> dict[str, float]:
    """Runs on each Dask worker at the end: stop its worker processes, return their peak RSS (MB)."""
    out = {}
    with _DASK_LOCK:
        for key in [k for k in _DASK_PROCS if k[1] == settings]:
            proc = _DASK_PROCS.pop(key)
            proc.close()
            out[proc.name] = proc.peak_rss_mb
    return out


def run_dask(
    tasks: Iterable[Task],
    settings: WorkerSettings,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    timeout: float | None = None,
    processes: bool = True,
    chunk: int = 32,
    stats: dict[str, float] | None = None,
) -> Iterator[Outcome]:
    """Process `tasks` on a Dask cluster; yield outcomes as they finish.

    Documents travel in chunks of up to `chunk` per Dask task, which spreads the scheduler's
    per-task cost (about a millisecond) over several documents; chunks shrink towards the
    end so that the last ones spread over every worker. `stats` as for `run_local`. Files
    are read by the Dask workers from their paths: on a multi-machine cluster every worker
    must see the input folder at the same path (a shared file system).
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as e:
        raise ConfigError(Messages.DASK_MISSING) from e

    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as e:
            raise ConfigError(Messages.DASK_CONNECT.format(address=scheduler, detail=e)) from e
    else:
        n = max(1, workers or default_workers())
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=processes, dashboard_address=None, silence_logs=logging.ERROR
        )
        client = Client(cluster)
    try:
        slots = sum(client.nthreads().values()) or 1
        todo = list(tasks)
        todo.reverse()  # pop() from the end keeps the input order
        pending = as_completed()
        sent: dict[str, list[Task]] = {}

        def submit() -> None:
            size = max(1, min(chunk, len(todo) // (slots * 4)))
            batch = [todo.pop() for _ in range(min(size, len(todo)))]
            if batch:
                future = client.submit(_dask_chunk, batch, settings, timeout, pure=False)
                sent[future.key] = batch
                pending.add(future)

        for _ in range(slots * 2):
            submit()
        for future in pending:
            batch = sent.pop(future.key)
            try:
                outcomes = future.result()
            except Exception as e:  # the Dask worker itself was lost (KilledWorker, …): fail these documents
                logger.warning("dask task failed: %s", e)
                outcomes = [_lost(task, e) for task in batch]
            future.release()
            submit()
            yield from outcomes
    finally:
        try:
            for worker_peaks in client.run(_dask_close, settings).values():
                if stats is not None:
                    stats.update(worker_peaks)
        finally:
            client.close()
        if cluster is not None:
            cluster.close()


def _lost(task: Task, e: Exception) -> Outcome:
    err = ErrorRecord(
        path=task.path, doc_id=task.doc_id, stage="batch", error=type(e).__name__, reason=Messages.DASK_LOST.format(detail=e)
    )
    return Outcome(path=task.path, doc_id=task.doc_id, error=err, size=task.size)
