"""Mutation fuzzing of every reader: bytes → `read_document` gives a Document or an IngestError.

Seeds are the small valid files of tests/data/hostile/make_hostile.py; hypothesis flips,
sets, inserts, deletes, duplicates and truncates bytes. For DOCX and XLSX the XML member is
also mutated and the archive rebuilt, so the XML parsers are reached past the zip CRC. Any
other exception, or an example longer than JIXIAO_FUZZ_SECONDS, fails. Budget: see fuzzing.py.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from fuzzing import FUZZ, Hang, alarm, mutate, mutations
from hostile.hostile_corpus import maker
from hypothesis import given
from hypothesis import strategies as st

from pipeline.errors import IngestError
from pipeline.ingest import read_document
from pipeline.schema import Document

M = maker()
SUFFIX = {"txt": ".txt", "html": ".html", "docx": ".docx", "xlsx": ".xlsx", "pdf": ".pdf", "png": ".png"}
MAGIC = {"txt": 0, "html": 0, "docx": 4, "xlsx": 4, "pdf": 5, "png": 8}
MEMBER = {"docx": "word/document.xml", "xlsx": "xl/worksheets/sheet1.xml"}


def check(tmp_path, fmt: str, data: bytes) -> None:
    """The property: a Document with honest spans, or an IngestError naming the file; nothing else, no hang."""
    path = tmp_path / f"fuzzed{SUFFIX[fmt]}"
    path.write_bytes(data)
    try:
        with alarm():
            doc = read_document(path)
    except IngestError as e:
        assert e.path and str(e)
        return
    except Hang:
        raise
    assert isinstance(doc, Document)
    for block in doc.blocks:
        assert 0 <= block.start <= block.end <= len(doc.text)


def remember(tmp_path, fmt: str, data: bytes) -> None:
    """Keep the input of a failing example where the report can point at it."""
    (tmp_path / f"last{SUFFIX[fmt]}").write_bytes(data)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["txt", "html", "docx", "xlsx", "pdf", "png"])
def test_mutated_bytes(tmp_path, fmt):
    seed = M.SEEDS[fmt]()

    @FUZZ
    @given(steps=mutations)
    def run(steps):
        data = mutate(seed, steps, keep=MAGIC[fmt])
        remember(tmp_path, fmt, data)
        check(tmp_path, fmt, data)

    run()


def _rezip(seed: bytes, member: str, blob: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(seed))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, blob if info.filename == member else src.read(info))
    return out.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_mutated_xml_inside_the_archive(tmp_path, fmt):
    seed = M.SEEDS[fmt]()
    xml = zipfile.ZipFile(io.BytesIO(seed)).read(MEMBER[fmt])

    @FUZZ
    @given(steps=mutations, splice=st.sampled_from([b"", b"<!DOCTYPE x [<!ENTITY e \"ee\">]>", b"&e;", b"<w:tbl>", b"</w:tc>",
                                                    b"<row r=\"1048577\">", b"<c r=\"XFD1\"><v>1e308</v></c>", b"\xff\xfe"]))  # fmt: skip
    def run(steps, splice):
        blob = mutate(xml, steps, keep=38)
        cut = len(blob) // 2
        data = _rezip(seed, MEMBER[fmt], blob[:cut] + splice + blob[cut:])
        remember(tmp_path, fmt, data)
        check(tmp_path, fmt, data)

    run()


@pytest.mark.slow
def test_arbitrary_bytes(tmp_path):
    """Bytes that start like nothing in particular, or like each format's magic."""

    @FUZZ
    @given(head=st.sampled_from([b"", b"%PDF-1.7\n", b"PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"<html>", b"\xff\xd8\xff", b"II*\x00"]),
           body=st.binary(min_size=1, max_size=2000))  # fmt: skip
    def run(head, body):
        check(tmp_path, "txt", head + body)

    run()
