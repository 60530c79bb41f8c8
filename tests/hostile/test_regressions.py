"""Inputs that once crashed a reader (found by the fuzzers), kept under tests/data/hostile/regressions/.

Each must give a Document or an IngestError naming the file, never another exception.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import IngestError
from pipeline.ingest import read_document
from pipeline.schema import Document

REGRESSIONS = Path(__file__).resolve().parents[1] / "data" / "hostile" / "regressions"
FILES = sorted(p for p in REGRESSIONS.iterdir() if p.is_file() and p.suffix != ".md")

# file → words its error must contain (the crash it once was, now a clear refusal)
EXPECTED = {
    "zip_version_8_4.docx": "damaged or truncated",  # zipfile raised NotImplementedError out of the sniffer
}


def test_every_regression_has_an_expectation():
    assert FILES and {p.name for p in FILES} == set(EXPECTED)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_regression(path):
    try:
        doc = read_document(path)
    except IngestError as e:
        assert e.path == str(path) and EXPECTED[path.name] in str(e)
    else:
        assert isinstance(doc, Document)
