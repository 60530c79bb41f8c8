"""A worker process that loads the pipeline once and processes one document at a time.

The parent (`WorkerProcess`) starts `python -m pipeline.batch.worker`, sends its settings as
the first line on stdin, then one task per line; the worker answers each task with a
header line (JSON) followed, when the document succeeded, by the record's JSON line. The
worker lives in its own process so that a document that hangs can be stopped by killing
it, and a document that allocates without bound hits the worker's address-space limit
(`RLIMIT_AS`, set after the pipeline is loaded) instead of the machine's memory. Stray
prints of libraries go to stderr, never into the protocol.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import os
import select
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.errors import ConfigError, Messages
from pipeline.schema import ErrorRecord

logger = logging.getLogger(__name__)

START_TIMEOUT = 300.0  # seconds a worker may take to load the pipeline


@dataclass(frozen=True)
class WorkerSettings:
    """What every worker needs to build the same pipeline."""

    config: str | None = None
    max_bytes: int | None = None
    max_memory_mb: int | None = 2048
    plugins: tuple[str, ...] = ()
    ocr_threads: int | None = None  # OCR threads per worker (None: the OCR default, at most the cores)


@dataclass(frozen=True)
class Task:
    path: str
    doc_id: str | None = None
    size: int = 0


@dataclass
class Outcome:
    """What came back for one task: a record (as JSON text) or an error."""

    path: str
    doc_id: str | None
    record_json: str | None = None
    error: ErrorRecord | None = None
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    size: int = 0
    peak_rss_mb: float = 0.0
    worker: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def sha256_file(path: Path, *, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def import_plugins(plugins: tuple[str, ...] | list[str]) -> None:
    """Import extra modules (a dotted name or a .py file) so that their stages register."""
    for plugin in plugins:
        if plugin.endswith(".py"):
            path = Path(plugin).resolve()
            name = f"jixiao_plugin_{path.stem}"
            if name in sys.modules:
                continue
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise ConfigError(Messages.WORKER_START.format(detail=f"cannot import plugin {plugin}"))
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        else:
            importlib.import_module(plugin)


# --- the worker side -----------------------------------------------------------------


def _peak_rss_mb() -> float:
    """This process's peak resident memory (MB): VmHWM, which, unlike ru_maxrss, is not
    inherited from the parent that forked us."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _limit_memory(max_mb: int | None) -> None:
    """Let the address space grow by at most `max_mb` beyond what the loaded pipeline uses."""
    if not max_mb:
        return
    import resource

    import psutil

    vms = psutil.Process().memory_info().vms
    soft = vms + max_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _is_memory_error(err: ErrorRecord) -> bool:
    return err.error == "MemoryError" or err.reason.startswith(("MemoryError", "internal error: MemoryError"))


def _exit_with_parent() -> None:
    """Exit when the parent dies (even by SIGKILL), also in the middle of a document."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, daemon=True, name="jixiao-parent-watch").start()


def serve() -> None:
    """The worker's main loop (run as `python -m pipeline.batch.worker`)."""
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything printed by a library goes to stderr
    sys.stdout = sys.stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    _exit_with_parent()

    def send(obj: dict, record_json: str | None = None) -> None:
        proto.write(json.dumps(obj, ensure_ascii=False) + "\n")
        if record_json is not None:
            proto.write(record_json + "\n")
        proto.flush()

    raw = json.loads(sys.stdin.readline())
    settings = WorkerSettings(**{**raw, "plugins": tuple(raw.get("plugins") or ())})
    try:
        from pipeline.core import Pipeline

        import_plugins(settings.plugins)
        config = Path(settings.config) if settings.config else None
        pipe = Pipeline.from_config(config, max_bytes=settings.max_bytes)
    except Exception as e:  # reported to the parent, which stops the run with this message
        send({"ready": False, "error": f"{type(e).__name__}: {e}"})
        return
    _limit_memory(settings.max_memory_mb)
    send({"ready": True, "pid": os.getpid(), "stages": pipe.names})
    for line in sys.stdin:
        if not line.strip():
            continue
        task = Task(**json.loads(line))
        t0, c0 = time.perf_counter(), time.process_time()
        restart = False
        try:
            result = pipe.process_path(Path(task.path))
        except MemoryError:
            result = ErrorRecord(path=task.path, doc_id=task.doc_id, stage="batch", error="MemoryError", reason="")
        header = {"path": task.path, "doc_id": task.doc_id}
        record_json = None
        if isinstance(result, ErrorRecord):
            if _is_memory_error(result):
                result = result.model_copy(
                    update={"error": "MemoryLimit", "reason": Messages.MEMORY_LIMIT.format(mb=settings.max_memory_mb or 0)}
                )
                restart = True  # give the memory back: the parent starts a fresh worker
            header["error"] = result.model_dump()
        else:
            record_json = result.model_dump_json()
            header["doc_id"] = result.doc_id
        header.update(seconds=time.perf_counter() - t0, cpu_seconds=time.process_time() - c0, peak_rss_mb=_peak_rss_mb(), restart=restart)
        send(header, record_json)
        if restart:
            return


# --- the parent side -----------------------------------------------------------------


class WorkerProcess:
    """One worker process, started on first use and replaced after a timeout or a crash."""

    def __init__(self, settings: WorkerSettings, *, name: str = "worker", stderr=None) -> None:
        self.settings = settings
        self.name = name
        self.stderr = stderr if stderr is not None else (None if logger.isEnabledFor(logging.DEBUG) else subprocess.DEVNULL)
        self._proc: subprocess.Popen | None = None
        self._buf = bytearray()
        self.peak_rss_mb = 0.0
        self.started = 0
        self._since = time.monotonic()  # when the worker started the task at the head of the line

    # --- lifecycle
    def start(self) -> None:
        env = dict(os.environ)
        env.setdefault("OMP_NUM_THREADS", "1")  # one core per worker: parallelism comes from workers
        if self.settings.ocr_threads:
            env["JIXIAO_OCR_THREADS"] = str(self.settings.ocr_threads)  # pipeline.ingest.ocr.THREADS_ENV
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.batch.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
        )
        self._buf.clear()
        self.started += 1
        self._send(asdict(self.settings))
        try:
            ready = json.loads(self._read_line(time.monotonic() + START_TIMEOUT))
        except (TimeoutError, EOFError) as e:
            self.kill()
            raise ConfigError(Messages.WORKER_START.format(detail=type(e).__name__)) from e
        if not ready.get("ready"):
            self.kill()
            raise ConfigError(Messages.WORKER_START.format(detail=ready.get("error")))
        logger.debug("%s started (pid %s, stages %s)", self.name, ready.get("pid"), ready.get("stages"))
        self._since = time.monotonic()

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def kill(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        for fh in (self._proc.stdin, self._proc.stdout):
            if fh:
                fh.close()
        self._proc = None

    def close(self) -> None:
        """Ask the worker to stop (end of input), then make sure it did."""
        if self._proc is None:
            return
        try:
            self._proc.stdin.close()
            self._proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()

    # --- work
    def run(self, task: Task, *, timeout: float | None = None) -> Outcome:
        """Process one task; a timeout or a crash becomes an error Outcome and the worker is replaced."""
        return next(self.stream([task], timeout=timeout))

    def stream(self, tasks: Iterable[Task], *, timeout: float | None = None, depth: int = 2) -> Iterator[Outcome]:
        """Process tasks in order, keeping `depth` of them sent ahead so the worker never waits for us.

        The worker takes tasks one after the other, so the clock of a task starts when the
        previous result arrives. After a timeout or a crash the worker is replaced and the
        tasks sent ahead are sent again to the new one.
        """
        it = iter(tasks)
        inflight: deque[Task] = deque()
        exhausted = False
        while True:
            if not self.alive:
                self.kill()
                self.start()
                for task in inflight:
                    self._send(asdict(task))
                self._since = time.monotonic()
            while not exhausted and len(inflight) < depth:
                task = next(it, None)
                if task is None:
                    exhausted = True
                    break
                if not inflight:  # an idle worker starts on it now
                    self._since = time.monotonic()
                inflight.append(task)
                try:
                    self._send(asdict(task))
                except BrokenPipeError:  # it died: the next read says so
                    break
            if not inflight:
                return
            yield self._receive(inflight.popleft(), timeout)

    def _receive(self, task: Task, timeout: float | None) -> Outcome:
        t0 = self._since
        deadline = t0 + timeout if timeout else None
        try:
            header = json.loads(self._read_line(deadline))
            record_json = None if header.get("error") else self._read_line(deadline).decode("utf-8")
        except TimeoutError:
            self.kill()
            return self._failed(task, "Timeout", Messages.TIMEOUT.format(seconds=timeout), time.monotonic() - t0)
        except EOFError:
            code = self._proc.wait() if self._proc else None
            self.kill()
            if code == -signal.SIGKILL and self.settings.max_memory_mb:
                reason = Messages.MEMORY_LIMIT.format(mb=self.settings.max_memory_mb) + f" (killed, exit code {code})"
                return self._failed(task, "MemoryLimit", reason, time.monotonic() - t0)
            return self._failed(task, "WorkerDied", Messages.WORKER_DIED.format(code=code), time.monotonic() - t0)
        finally:
            self._since = time.monotonic()
        if header.get("path") != task.path:  # cannot happen unless the protocol is broken: stop rather than mislabel
            self.kill()
            raise RuntimeError(f"worker answered for {header.get('path')!r}, expected {task.path!r}")
        self.peak_rss_mb = max(self.peak_rss_mb, header.get("peak_rss_mb", 0.0))
        if header.get("restart"):
            self.kill()
        error = ErrorRecord(**header["error"]) if header.get("error") else None
        if error is not None and error.doc_id is None:
            error = error.model_copy(update={"doc_id": task.doc_id})
        return Outcome(
            path=task.path,
            doc_id=header.get("doc_id") or task.doc_id,
            record_json=record_json,
            error=error,
            seconds=header.get("seconds", 0.0),
            cpu_seconds=header.get("cpu_seconds", 0.0),
            size=task.size,
            peak_rss_mb=header.get("peak_rss_mb", 0.0),
            worker=self.name,
        )

    def _failed(self, task: Task, error: str, reason: str, seconds: float) -> Outcome:
        err = ErrorRecord(path=task.path, doc_id=task.doc_id, stage="batch", error=error, reason=reason)
        return Outcome(path=task.path, doc_id=task.doc_id, error=err, seconds=seconds, size=task.size, worker=self.name)

    # --- the pipe
    def _send(self, obj: dict) -> None:
        self._proc.stdin.write((json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8"))
        self._proc.stdin.flush()

    def _read_line(self, deadline: float | None) -> bytes:
        fd = self._proc.stdout.fileno()
        scanned = 0
        while (nl := self._buf.find(b"\n", scanned)) < 0:
            scanned = len(self._buf)
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise EOFError
            self._buf += chunk
        line = bytes(self._buf[:nl])
        del self._buf[: nl + 1]
        return line


if __name__ == "__main__":
    serve()
