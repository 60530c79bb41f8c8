"""decode_text: the raw text of text files in the encodings Chinese documents come in."""

from __future__ import annotations

import codecs
import random

import pytest

from pipeline.errors import IngestError
from pipeline.ingest.decode import decode_text, detect

# invented; CRLF, a tab and 一 (U+4E00, a NUL byte in UTF-16) on purpose
TEXT = "云岭县总工会2025年度部门决算说明\r\n一、收入合计298.75万元，\t支出合计291.02万元。\n满意度≥90%（实际96.2%）。\n"


@pytest.mark.parametrize(
    ("encoding", "expected_name"),
    [
        ("utf-8", "utf-8"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),
        ("utf-16-le", "utf-16-le"),
        ("utf-16-be", "utf-16-be"),
    ],
)
def test_decodes_without_a_bom(encoding, expected_name):
    text, name = detect(TEXT.encode(encoding))
    assert text == TEXT
    assert name == expected_name


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_bom_is_removed_and_nothing_else_changes(bom, encoding):
    assert decode_text(bom + TEXT.encode(encoding)) == TEXT


def test_gb18030_only_characters():
    # 䶮 (U+4DAE) and 𠀀 (U+20000) exist in GB18030 but not in GBK
    text = "单位名称：䶮𠀀文化站。本年支出合计12.5万元，其中基本支出8.1万元。" * 3
    assert decode_text(text.encode("gb18030")) == text


def test_short_gbk_line():
    assert decode_text("项目支出".encode("gbk")) == "项目支出"


def test_empty_bytes_are_empty_text():
    assert decode_text(b"") == ""


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_junk_is_not_text(seed):
    rng = random.Random(seed)
    junk = bytes(rng.randrange(256) for _ in range(4000))
    with pytest.raises(IngestError, match="not text"):
        decode_text(junk, ext="txt")


def test_junk_without_nul_bytes_is_not_text():
    rng = random.Random(7)
    junk = bytes(rng.randrange(1, 256) for _ in range(4000))
    with pytest.raises(IngestError, match=r"named \.dat"):
        decode_text(junk, ext="dat")


def test_control_characters_are_not_text():
    data = ("年初预算" + "\x01\x02\x03\x04\x05\x06" * 20).encode("utf-8")
    with pytest.raises(IngestError, match="control characters"):
        decode_text(data)


@pytest.mark.corpus
def test_real_documents_decode_unchanged(real_documents):
    for doc in real_documents:
        data = doc.path.read_bytes()
        text = data.decode("utf-8-sig")
        assert decode_text(data) == text, doc.name
        assert detect(text.encode("gb18030"))[0] == text, doc.name
        assert decode_text(codecs.BOM_UTF16_LE + text.encode("utf-16-le")) == text, doc.name


@pytest.mark.corpus
def test_real_documents_in_utf16_without_bom(real_documents):
    """Without a mark UTF-16 is told by the NULs of its ASCII; count how often that suffices."""
    told = 0
    for doc in real_documents:
        text = doc.path.read_bytes().decode("utf-8-sig")
        try:
            got = decode_text(text.encode("utf-16-le"))
        except IngestError:
            continue  # refused is acceptable, mis-decoded is not
        assert got == text, doc.name
        told += 1
    assert told >= 0.9 * len(real_documents)
