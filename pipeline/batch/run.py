"""Run the pipeline over a list of files in this process, writing records to sinks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core import Pipeline
from pipeline.schema import Document, ErrorRecord


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


def extract_files(
    files: list[Path],
    *,
    missing: list[str] = (),
    output: Path | None = None,
    db: Path | None = None,
    config: Path | None = None,
    max_bytes: int | None = None,
    review: Path | None = None,
) -> RunSummary:
    from pipeline.batch.sinks import open_sinks

    pipe = Pipeline.from_config(config, max_bytes=max_bytes)
    summary = RunSummary()
    summary.errors.extend(
        ErrorRecord(path=m, stage="input", error="FileNotFoundError", reason="no such file, folder or glob match")
        for m in missing
    )
    with open_sinks(output=output, db=db, review=review) as sinks:
        for err in summary.errors:
            sinks.write_error(err)
        for path in files:
            result = pipe.process_path(path)
            if isinstance(result, ErrorRecord):
                summary.errors.append(result)
                sinks.write_error(result)
            else:
                summary.records.append(result)
                sinks.write(result)
    return summary
