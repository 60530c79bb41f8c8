"""Bad inputs through the real CLI: each gets an error naming file, stage and reason; the rest go on."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from ingest.fixtures import write_docx, write_pdf, write_xlsx

JIXIAO = Path(sys.executable).with_name("jixiao")
MAX_BYTES = 50_000
GOOD_TEXT = "云岭县总工会2025年度部门决算说明\n本年收入合计298.75万元，本年支出合计291.02万元。\n"
ITEMS = [("heading", "云岭县总工会2025年度项目支出绩效自评表", 1), ("paragraph", "年初预算86.40万元，实际支出88.73万元。")]
PAGES = [[("heading", "青石县文化馆2025年度部门决算说明", 1), ("paragraph", "本年收入合计298.75万元。")]]

# file name → the words its error reason must contain
EXPECTED = {
    "empty.txt": "the file is empty",
    "blank.txt": "the file is empty",
    "truncated.docx": "docx file is damaged or truncated",
    "truncated.pdf": "pdf file is damaged or truncated",
    "truncated.xlsx": "xlsx file is damaged or truncated",
    "locked.pdf": "password-protected",
    "junk.txt": "named .txt but its bytes are not text",
    "picture.gif": "unsupported format (image type not supported",
    "bundle.zip": "unsupported format (zip archive",
    "old.doc": "unsupported format (legacy Office file",
    "big.txt": f"over the limit of {MAX_BYTES:,} bytes",
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bad")
    (root / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    docx_bytes = write_docx(root / "good.docx", ITEMS).read_bytes()
    pdf_bytes = write_pdf(root / "good.pdf", PAGES).read_bytes()
    xlsx_bytes = write_xlsx(root / "good.xlsx", {"表": ([["项目", "金额"], ["基本支出", 178.66]], {})}).read_bytes()
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.txt").write_bytes(b"  \r\n\t\n")
    (root / "truncated.docx").write_bytes(docx_bytes[: len(docx_bytes) // 2])
    (root / "truncated.pdf").write_bytes(pdf_bytes[: len(pdf_bytes) // 2])
    (root / "truncated.xlsx").write_bytes(xlsx_bytes[: len(xlsx_bytes) // 2])
    write_pdf(root / "locked.pdf", PAGES, encrypt="s3cret")
    rng = random.Random(3)
    (root / "junk.txt").write_bytes(bytes(rng.randrange(256) for _ in range(3000)))
    (root / "picture.gif").write_bytes(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01;")
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr("a.txt", GOOD_TEXT)
        z.writestr("b.txt", GOOD_TEXT)
    (root / "bundle.zip").write_bytes(bundle.getvalue())
    (root / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    (root / "big.txt").write_text("本年支出合计291.02万元。\n" * 3000, encoding="utf-8")
    assert (root / "big.txt").stat().st_size > MAX_BYTES
    return root


def _run(batch: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    # ingest only: what is tested here must not depend on trained models of later stages
    config = out.with_name("ingest-only.toml")
    config.write_text("[pipeline]\nstages = []\n", encoding="utf-8")
    env = {**os.environ, "COLUMNS": "400", "NO_COLOR": "1"}
    return subprocess.run(
        [str(JIXIAO), *extra, "extract", str(batch), "-o", str(out), "--max-bytes", str(MAX_BYTES), "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.fixture(scope="module")
def run(batch, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "out.jsonl"
    return _run(batch, out), out


def test_exit_code_one_and_good_files_written(run):
    result, out = run
    assert result.returncode == 1, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(Path(r["source"]["path"]).name for r in records) == ["good.docx", "good.pdf", "good.txt", "good.xlsx"]
    assert all(r["text"] for r in records)


def test_each_failure_names_file_stage_and_reason(run, batch):
    result, _ = run
    errors = [line for line in result.stderr.splitlines() if line.startswith("error ")]
    by_name = {Path(line.split(": [", 1)[0].removeprefix("error ")).name: line for line in errors}
    assert set(by_name) == set(EXPECTED), result.stderr
    for name, words in EXPECTED.items():
        assert "[ingest]" in by_name[name]
        assert words in by_name[name], by_name[name]
        assert str(batch / name) in by_name[name]


def test_summary_counts_failures(run):
    result, _ = run
    row = next(line for line in result.stderr.splitlines() if line.count("│") >= 5 and any(ch.isdigit() for ch in line))
    counts = [int(cell) for cell in row.split("│") if cell.strip()]
    assert counts[0] == len(EXPECTED) + 4  # documents
    assert counts[-1] == len(EXPECTED)  # failures


def test_no_traceback_unless_debug(run, batch, tmp_path):
    result, _ = run
    assert "Traceback" not in result.stderr
    debug = _run(batch, tmp_path / "debug.jsonl", "--debug")
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n", "pdf"),
        (b"\r\n%PDF-1.4\n", "pdf"),
        (b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN">', "html"),
        ("<html><body>正文</body></html>".encode("utf-16"), "html"),
        ("BMW 不是图片".encode(), "txt"),
        (b"BM6\x00\x00\x00\x00\x00\x00\x00", None),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", None),
        (b"{\\rtf1\\ansi\\ansicpg936", None),
        (b"\x1f\x8b\x08\x00", None),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None),
    ],
)
def test_sniff(head, expected):
    from pipeline.ingest.sniff import sniff

    fmt, detail = sniff(head + bytes(64))
    assert fmt == expected, detail


def _with_entity(data: bytes, member: str, secret: Path) -> bytes:
    """The Office file with an external entity pointing at `secret` declared and used in `member`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info)
            if info.filename == member:
                text = blob.decode("utf-8")
                head, _, rest = text.partition("?>")
                doctype = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'
                rest = rest.replace("年初预算", "年初预算&xxe;", 1)
                blob = (head + "?>" + doctype + rest).encode("utf-8")
            dst.writestr(info.filename, blob)
    return out.getvalue()


def test_external_entities_never_read(tmp_path):
    from pipeline.errors import IngestError
    from pipeline.ingest import read_document

    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-VALUE", encoding="utf-8")
    docx_data = write_docx(tmp_path / "a.docx", [("paragraph", "年初预算86.40万元。")]).read_bytes()
    hostile = tmp_path / "hostile.docx"
    hostile.write_bytes(_with_entity(docx_data, "word/document.xml", secret))
    try:
        doc = read_document(hostile)
    except IngestError as e:  # refusing the file is as good as not reading the entity
        assert "SECRET-VALUE" not in str(e)
    else:
        assert "SECRET-VALUE" not in doc.text
    xlsx_data = write_xlsx(tmp_path / "a.xlsx", {"表": ([["年初预算", 86.4]], {})}).read_bytes()
    hostile_xlsx = tmp_path / "hostile.xlsx"
    hostile_xlsx.write_bytes(_with_entity(xlsx_data, "xl/worksheets/sheet1.xml", secret))
    try:
        doc = read_document(hostile_xlsx)
    except IngestError as e:
        assert "SECRET-VALUE" not in str(e)
    else:
        assert "SECRET-VALUE" not in doc.text
