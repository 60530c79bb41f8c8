"""Outputs stay safe: review pages escape document text (body, attributes, title), file names
derived from inputs never leave their folder, CSV exports never hand a spreadsheet a formula."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from lxml import html as lxml_html

from pipeline.batch.export import neutralise, write_csv
from pipeline.batch.sinks import safe_child
from pipeline.errors import SinkError
from pipeline.ingest import read_document
from pipeline.normalize.review import safe_name, write_review

REPO = Path(__file__).resolve().parents[2]
HOSTILE_TEXT = (
    "示例县示例局2025年度部门整体支出绩效自评报告</title><script>window.pwned=1</script>\n"
    '一、基本情况"><img src=x onerror="window.pwned=2">\n'
    "年初预算86.40万元<script>alert(1)</script>，实际支出88.73万元。\n"
    "产出指标：培训人次≥400人次' onmouseover='window.pwned=3' x='，实际436人次。\n"
    '<iframe src="javascript:window.pwned=4"></iframe>=HYPERLINK("http://example.invalid")\n'
)


def jixiao(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _assert_inert(page: str) -> None:
    tree = lxml_html.fromstring(page)
    assert not tree.xpath("//script | //iframe | //img | //object | //embed")
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        for attr, value in el.attrib.items():
            assert not attr.lower().startswith("on"), f"<{el.tag} {attr}=…> came from the document"
            assert "javascript:" not in value.lower()


@pytest.mark.slow
def test_review_page_of_a_hostile_document_is_inert(tmp_path):
    source = tmp_path / 'report"><script>x<\\script>&.txt'
    source.write_text(HOSTILE_TEXT, encoding="utf-8")
    out = tmp_path / "review"
    done = jixiao("extract", str(source), "--review", str(out), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 0, done.stderr[-2000:]
    pages = list(out.iterdir())
    assert len(pages) == 1 and pages[0].parent == out and pages[0].suffix == ".html"
    page = pages[0].read_text(encoding="utf-8")
    _assert_inert(page)
    tree = lxml_html.fromstring(page)
    shown = tree.get_element_by_id("text").text_content()
    assert "<script>alert(1)</script>" in shown and "onerror=" in shown  # shown as text, not markup
    assert "<script>" in tree.findtext(".//title") + tree.findtext(".//h1") + tree.xpath("string(//p[1])")


def test_review_file_names_never_leave_their_folder(tmp_path):
    source = tmp_path / "a.txt"
    source.write_text("示例县示例局2025年度部门决算说明\n本年收入合计298.75万元。\n", encoding="utf-8")
    doc = read_document(source)
    out = tmp_path / "review"
    for doc_id in ("../../escaped", "/etc/passwd", "..\\..\\win", "a/../../b", "\x00nul", "", "." * 300):
        path = write_review(doc.model_copy(update={"doc_id": doc_id}), out)
        assert path.parent == out and path.name == safe_name(doc_id)
    assert not (tmp_path / "escaped.html").exists() and sorted(p.parent for p in out.iterdir()) == [out] * len(
        list(out.iterdir())
    )


def test_sink_file_names_are_refused_outside_their_folder(tmp_path):
    assert safe_child(tmp_path, "documents.parquet") == (tmp_path / "documents.parquet").resolve()
    for name in ("../documents.parquet", "/tmp/x.parquet", "a/../../x.parquet", "sub/x.parquet"):
        with pytest.raises(SinkError, match="outside"):
            safe_child(tmp_path, name)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://example.invalid")', '\'=HYPERLINK("http://example.invalid")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1,1)*cmd|' /C calc'!A0", "'@SUM(1,1)*cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("＝1+1", "'＝1+1"),
        ("-12.5", "-12.5"),
        ("+3%", "+3%"),
        ("年初预算86.40万元", "年初预算86.40万元"),
        (-12.5, -12.5),
        (None, ""),
    ],
)
def test_neutralise(cell, expected):
    assert neutralise(cell) == expected


def test_query_csv_export_neutralises_formulas(tmp_path):
    db = tmp_path / "r.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE indicators AS SELECT * FROM (VALUES "
        "('=HYPERLINK(\"http://example.invalid\",\"点击\")', -3.5, '@cmd'), ('培训人次', 436.0, '-1+1'), "
        "('+SUM(A1:A9)', NULL, '\t=1')) t(name, actual, note)"
    )
    con.close()
    out = tmp_path / "export" / "indicators.csv"
    done = jixiao("query", "SELECT * FROM indicators ORDER BY actual NULLS LAST", "--db", str(db), "--csv", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["name", "actual", "note"]
    cells = [c for row in rows[1:] for c in row if c]
    assert not [
        c for c in cells if c.startswith(("=", "+", "@", "\t", "\r")) or (c.startswith("-") and not c[1:2].isdigit())
    ]
    assert ['\'=HYPERLINK("http://example.invalid","点击")', "-3.5", "'@cmd"] in rows
    assert ["培训人次", "436.0", "'-1+1"] in rows


def test_write_csv_counts_rows(tmp_path):
    assert write_csv(tmp_path / "x.csv", ["a"], [["=1"], ["2"]]) == 2


def test_batch_inputs_never_follow_links_out_of_the_folder(tmp_path):
    from pipeline.batch.run import list_inputs

    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("示例县示例局 local file", encoding="utf-8")
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.txt").write_text("示例县示例局2025年度部门决算说明\n", encoding="utf-8")
    (folder / "report.txt").symlink_to(secret)
    (folder / "sub" / "inside.txt").symlink_to(folder / "good.txt")
    (folder / "linked_dir").symlink_to(secret.parent, target_is_directory=True)
    found = {p.relative_to(folder.resolve()).as_posix() for p in list_inputs(folder)}
    assert found == {"good.txt", "sub/inside.txt"}
