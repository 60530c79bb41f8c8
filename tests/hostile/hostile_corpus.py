"""The hostile corpus for tests: the generator of tests/data/hostile/ and a bounded reader.

Run as a script (`python hostile_corpus.py DIR`), it reads every file of DIR with
`read_document` under an address-space limit and prints one JSON line per file: the outcome
(`document`, `ingest_error` or `crash`), the error text or the document's text, the seconds.
A line `start NAME` is printed before each file, so a hang is pinned on the file that hung.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MAKE_HOSTILE = REPO / "tests" / "data" / "hostile" / "make_hostile.py"
MEMORY_LIMIT = 3 * 1024**3


def maker():
    """The module tests/data/hostile/make_hostile.py."""
    if "make_hostile" not in sys.modules:
        spec = importlib.util.spec_from_file_location("make_hostile", MAKE_HOSTILE)
        module = importlib.util.module_from_spec(spec)
        sys.modules["make_hostile"] = module
        spec.loader.exec_module(module)
    return sys.modules["make_hostile"]


def read_all(folder: Path) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    from pipeline.errors import IngestError
    from pipeline.ingest import read_document

    for path in sorted(Path(folder).iterdir()):
        print(json.dumps({"start": path.name}), flush=True)
        began = time.perf_counter()
        try:
            doc = read_document(path)
            out = {"outcome": "document", "text": doc.text, "json": doc.model_dump_json()}
        except IngestError as e:
            out = {"outcome": "ingest_error", "reason": str(e), "path": e.path, "stage": e.stage}
        except BaseException as e:  # noqa: BLE001 - the point is to report anything else
            out = {"outcome": "crash", "reason": f"{type(e).__name__}: {e}"}
        out.update(name=path.name, seconds=time.perf_counter() - began)
        print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    read_all(Path(sys.argv[1]))
