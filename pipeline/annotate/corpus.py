"""The real documents: read from a configurable folder, never copied into the repo.

The folder is `$JIXIAO_SHARED` or, by default, `../shared` beside the repository. It holds
`corpus/` (excerpts listed in `corpus/MANIFEST.tsv`) and `seeds/` (the five documents the
project started from).
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.core import REPO_ROOT

ENV_VAR = "JIXIAO_SHARED"


def shared_dir() -> Path:
    return Path(os.environ.get(ENV_VAR) or REPO_ROOT.parent / "shared").resolve()


def available() -> bool:
    return (shared_dir() / "corpus" / "MANIFEST.tsv").is_file()


@dataclass(frozen=True)
class RealDocument:
    name: str  # e.g. corpus/c004.txt or seeds/000_1e752f6eb866e815.txt
    path: Path
    sha256: str
    kind: str | None  # the manifest's kind, where listed


def real_documents(root: Path | None = None) -> list[RealDocument]:
    """Every seed and corpus document, seeds first, each with the SHA-256 of its bytes."""
    root = root or shared_dir()
    kinds: dict[str, str] = {}
    manifest = root / "corpus" / "MANIFEST.tsv"
    if manifest.is_file():
        with manifest.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                kinds[row["file"]] = row["kind"]
    docs = []
    for sub in ("seeds", "corpus"):
        folder = root / sub
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.txt")):
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            docs.append(RealDocument(f"{sub}/{path.name}", path, sha, kinds.get(path.name)))
    return docs


def by_sha256(root: Path | None = None) -> dict[str, RealDocument]:
    return {d.sha256: d for d in real_documents(root)}
