"""Stages, their registry, and the pipeline that runs them in order.

A stage is a callable object that takes a `Document` and returns it enriched. It is
registered by name with what it needs (`requires`) and what it fills (`assigns`), both
names of `Document` fields; `Pipeline.from_config` builds the stages listed in
`configs/pipeline.toml` with their settings and checks the order before anything runs.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import time
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pipeline.errors import ConfigError, JixiaoError, Messages, StageError
from pipeline.schema import Document, ErrorRecord

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "configs"
DEFAULT_CONFIG = CONFIG_DIR / "pipeline.toml"

# Fields every document has once ingested.
INGESTED = frozenset({"doc_id", "source", "text", "blocks"})
# Modules whose import registers stages; imported when a pipeline is built.
STAGE_MODULES = (
    "pipeline.text",
    "pipeline.sections",
    "pipeline.extract",
    "pipeline.normalize",
)


class Stage:
    """Base class for stages: subclasses set `name`, `requires`, `assigns` and `__call__`."""

    name: ClassVar[str] = ""
    requires: ClassVar[tuple[str, ...]] = ()
    assigns: ClassVar[tuple[str, ...]] = ()

    def __call__(self, doc: Document) -> Document:  # pragma: no cover - interface
        raise NotImplementedError


_REGISTRY: dict[str, type[Stage]] = {}


def register(cls: type[Stage]) -> type[Stage]:
    """Class decorator: make a stage buildable by its `name` from configs."""
    if not cls.name:
        raise ValueError(f"{cls.__qualname__} has no name")
    _REGISTRY[cls.name] = cls
    return cls


def registered() -> dict[str, type[Stage]]:
    for module in STAGE_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as e:  # a stage package not written yet
            if e.name != module:
                raise
    return dict(_REGISTRY)


def check_order(stages: Iterable[Stage]) -> None:
    """Raise `ConfigError` naming the first stage whose needs no earlier stage assigns."""
    available = set(INGESTED)
    for stage in stages:
        missing = [f for f in stage.requires if f not in available]
        if missing:
            raise ConfigError(Messages.STAGE_MISSING.format(stage=stage.name, needs=", ".join(missing)))
        available.update(stage.assigns)


def load_config(path: Path | None = None) -> dict[str, Any]:
    path = Path(path or DEFAULT_CONFIG)
    with path.open("rb") as fh:
        return tomllib.load(fh)


def resolve_path(value: str | Path) -> Path:
    """Relative paths in configs are relative to the repository root."""
    p = Path(value)
    return p if p.is_absolute() else REPO_ROOT / p


def build_stage(name: str, settings: dict[str, Any], *, config: str = "config") -> Stage:
    stages = registered()
    if name not in stages:
        raise ConfigError(Messages.UNKNOWN_STAGE.format(name=name, config=config, known=", ".join(sorted(stages))))
    cls = stages[name]
    params = inspect.signature(cls.__init__).parameters
    accepted = [p for p in params if p != "self"]
    unknown = sorted(set(settings) - set(accepted))
    if unknown:
        raise ConfigError(
            Messages.BAD_CONFIG_KEY.format(stage=name, keys=unknown, config=config, accepted=accepted or "nothing")
        )
    return cls(**settings)


@dataclass
class Pipeline:
    """Ordered stages; `process_path` turns one file into a Document or an ErrorRecord."""

    stages: list[Stage] = field(default_factory=list)
    max_bytes: int = 100 * 1024 * 1024
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_order(self.stages)

    @classmethod
    def from_config(cls, path: Path | None = None, *, only: Iterable[str] | None = None, **overrides: Any) -> Pipeline:
        config = load_config(path)
        names: list[str] = list(config.get("pipeline", {}).get("stages", []))
        if only is not None:
            keep = set(only)
            names = [n for n in names if n in keep]
        settings = config.get("stages", {})
        stages = [build_stage(n, dict(settings.get(n, {})), config=str(path or DEFAULT_CONFIG)) for n in names]
        ingest = config.get("ingest", {})
        max_bytes = overrides.get("max_bytes") or ingest.get("max_bytes", cls.max_bytes)
        return cls(stages=stages, max_bytes=max_bytes)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    def __call__(self, doc: Document) -> Document:
        for stage in self.stages:
            t0 = time.perf_counter()
            try:
                doc = stage(doc)
            except JixiaoError:
                raise
            except Exception as e:
                raise StageError(f"{type(e).__name__}: {e}", stage=stage.name) from e
            doc.stages.append(stage.name)
            self.timings[stage.name] = self.timings.get(stage.name, 0.0) + time.perf_counter() - t0
        return doc

    def process_path(self, path: Path) -> Document | ErrorRecord:
        """Read and process one file; any failure becomes an ErrorRecord naming file, stage and reason."""
        from pipeline.ingest import read_document

        doc_id = None
        try:
            doc = read_document(path, max_bytes=self.max_bytes)
            doc_id = doc.doc_id
            return self(doc)
        except JixiaoError as e:
            logger.debug("failed on %s", path, exc_info=True)
            return ErrorRecord(path=str(path), doc_id=doc_id, stage=e.stage, error=type(e).__name__, reason=e.reason)
        except Exception as e:  # a bug: the batch goes on, the record says where
            logger.debug("unexpected failure on %s", path, exc_info=True)
            return ErrorRecord(
                path=str(path), doc_id=doc_id, stage="pipeline", error=type(e).__name__, reason=f"internal error: {e}"
            )

