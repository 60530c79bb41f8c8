"""The DuckDB sink: normalized tables, one row set per document, replacement by doc_id and path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.batch.sinks import ADDED_AMOUNT_COLUMNS, COLUMNS, TABLES, DuckDBSink, export_parquet, query, safe_child
from pipeline.errors import SinkError
from pipeline.schema import Amount, Document, ErrorRecord, Evaluation, Flag, Indicator, Section, Source, Span, Value

REPO = Path(__file__).resolve().parents[2]


def _doc(doc_id: str, path: str, *, n_ind: int = 2) -> Document:
    text = "某某县示范局2023年度部门整体支出绩效自评报告。" * 3
    return Document(
        doc_id=doc_id,
        source=Source(path=path, format="txt", size_bytes=len(text.encode())),
        doc_kind="overall_self_eval",
        unit_name="某某县示范局",
        fiscal_year=2023,
        text=text,
        sections=[Section(title="一、部门概况", label="overview", confidence=0.9, start=0, end=10, level=1)],
        amounts=[
            Amount(value_yuan=1234500.0, raw="123.45万元", stage="actual", flow="expenditure", item="total",
                   start=1, end=8, confidence=0.8, evidence=[Span(start=1, end=8)])
        ],
        indicators=[
            Indicator(
                name=f"培训人次{i}",
                level1="产出指标",
                level2="数量指标",
                target=Value(text="≥400人", op=">=", value=400, unit="人"),
                actual=Value(text="380人", value=380, unit="人"),
                weight=10,
                score=8,
                achieved=False,
                confidence=0.7,
                evidence=[Span(start=2, end=6)],
            )
            for i in range(n_ind)
        ],
        evaluation=Evaluation(score=91.5, grade="优", confidence=0.95),
        flags=[Flag(code="sum_mismatch", severity="error", message="分项之和不等于合计", evidence=[Span(start=0, end=3)])],
    )


def _counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


def test_tables_hold_flattened_rows(tmp_path):
    db = tmp_path / "r.duckdb"
    sink = DuckDBSink(db)
    sink.write(_doc("a" * 64, "/data/a.txt"))
    sink.write_error(ErrorRecord(path="/data/bad.txt", stage="ingest", error="IngestError", reason="the file is empty"))
    sink.close()
    assert _counts(db) == {"documents": 1, "sections": 1, "amounts": 1, "indicators": 2, "flags": 1, "errors": 1}
    cols, rows = query(db, "SELECT unit_name, fiscal_year, evaluation_grade, record->>'$.doc_kind' FROM documents")
    assert rows == [("某某县示范局", 2023, "优", "overall_self_eval")]
    cols, rows = query(db, "SELECT target_op, target_value, target_unit, actual_value, achieved, evidence FROM indicators ORDER BY idx")
    assert rows[0][:5] == (">=", 400.0, "人", 380.0, False)
    assert json.loads(rows[0][5]) == [{"start": 2, "end": 6}]


def test_a_database_made_before_the_amount_field_confidences_gains_them(tmp_path):
    db = tmp_path / "old.duckdb"
    # the amounts table as schema 0.1 made it: no per-field confidences, one row already in it
    old = [f'"{name}" {sql}' for name, _, sql in COLUMNS["amounts"] if name not in ADDED_AMOUNT_COLUMNS]
    with duckdb.connect(str(db)) as con:
        con.execute(f"CREATE TABLE amounts ({', '.join(old)}, PRIMARY KEY (doc_id, idx))")
        con.execute("INSERT INTO amounts VALUES ('b', 0, 1, '1元', 'actual', 'income', 'other', NULL, NULL, 0, 2, 0.5, '[]')")
    doc = _doc("a" * 64, "/data/a.txt")
    doc.amounts[0].stage_confidence, doc.amounts[0].flow_confidence = 0.9, 0.6
    sink = DuckDBSink(db)
    sink.write(doc)
    sink.close()
    _, rows = query(db, "SELECT doc_id, stage_confidence, flow_confidence, item_confidence FROM amounts ORDER BY doc_id")
    assert rows == [("a" * 64, 0.9, 0.6, None), ("b", None, None, None)]


def test_rewriting_replaces_rows_by_doc_id_and_by_path(tmp_path):
    db = tmp_path / "r.duckdb"
    sink = DuckDBSink(db, commit_every=1)
    sink.write(_doc("a" * 64, "/data/a.txt", n_ind=3))
    sink.write(_doc("a" * 64, "/data/a.txt", n_ind=1))  # same document again
    assert _counts_open(sink) == (1, 1)
    sink.write(_doc("b" * 64, "/data/a.txt", n_ind=2))  # the file changed: new hash, same path
    assert _counts_open(sink) == (1, 2)
    assert sink.con.execute("SELECT doc_id FROM documents").fetchall() == [("b" * 64,)]
    sink.write_error(ErrorRecord(path="/data/c.txt", doc_id="c" * 64, stage="x", error="E", reason="r"))
    sink.write(_doc("c" * 64, "/data/c.txt"))  # a success clears the failure
    assert sink.con.execute("SELECT count(*) FROM errors").fetchone()[0] == 0
    sink.close()


def _counts_open(sink: DuckDBSink) -> tuple[int, int]:
    return (
        sink.con.execute("SELECT count(*) FROM documents").fetchone()[0],
        sink.con.execute("SELECT count(*) FROM indicators").fetchone()[0],
    )


def test_failed_commit_keeps_nothing(tmp_path):
    db = tmp_path / "r.duckdb"
    sink = DuckDBSink(db, commit_every=10)
    sink.write(_doc("a" * 64, "/data/a.txt"))
    sink.commit()
    bad = json.loads(_doc("b" * 64, "/data/b.txt").model_dump_json())
    bad["indicators"][0]["weight"] = "not a number"
    sink.write(_doc("d" * 64, "/data/d.txt"))
    sink.write(bad)
    with pytest.raises(SinkError):
        sink.commit()
    assert _counts_open(sink) == (1, 2)
    sink.con.close()


def test_parquet_export_equals_tables(tmp_path):
    db = tmp_path / "r.duckdb"
    sink = DuckDBSink(db)
    for i in range(3):
        sink.write(_doc(f"{i}" * 64, f"/data/{i}.txt", n_ind=i + 1))
    sink.write_error(ErrorRecord(path="/data/x.txt", stage="ingest", error="IngestError", reason="r"))
    sink.commit()
    files = export_parquet(sink.con, tmp_path / "pq")
    assert sorted(f.name for f in files) == sorted(f"{t}.parquet" for t in TABLES)
    for table in TABLES:
        f = tmp_path / "pq" / f"{table}.parquet"
        diff = sink.con.execute(
            f"SELECT count(*) FROM ((SELECT * FROM {table} EXCEPT ALL SELECT * FROM read_parquet('{f}')) "
            f"UNION ALL (SELECT * FROM read_parquet('{f}') EXCEPT ALL SELECT * FROM {table}))"
        ).fetchone()[0]
        assert diff == 0, table
        assert sink.con.execute(f"SELECT count(*) FROM read_parquet('{f}')").fetchone()[0] > 0
    sink.close()


def test_output_names_cannot_escape(tmp_path):
    assert safe_child(tmp_path, "documents.parquet") == tmp_path.resolve() / "documents.parquet"
    for name in ("../x.parquet", "/etc/x.parquet", "a/../../x"):
        with pytest.raises(SinkError):
            safe_child(tmp_path, name)


def test_query_is_read_only(tmp_path):
    db = tmp_path / "r.duckdb"
    DuckDBSink(db).close()
    with pytest.raises(SinkError):
        query(db, "DELETE FROM documents")
    with pytest.raises(SinkError):
        query(tmp_path / "missing.duckdb", "SELECT 1")


def test_extract_cli_writes_normalized_tables(tmp_path):
    docs = tmp_path / "in"
    docs.mkdir()
    (docs / "one.txt").write_text("某某县示范局2023年度部门整体支出绩效自评报告\n一、部门概况\n年初预算123.45万元。\n", encoding="utf-8")
    (docs / "two.txt").write_text("某某乡示范站2022年度项目支出绩效自评表\n", encoding="utf-8")
    (docs / "empty.txt").write_bytes(b"")
    db = tmp_path / "out.duckdb"
    config = tmp_path / "ingest-only.toml"  # the sinks are under test, not the stages (tested in their own folders)
    config.write_text("[pipeline]\nstages = []\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "pipeline.cli", "extract", str(docs), "-o", str(tmp_path / "o.jsonl"), "--db", str(db),
           "--config", str(config)]
    for _ in range(2):  # twice: the second run replaces, it does not add
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 1, proc.stderr
    counts = _counts(db)
    assert counts["documents"] == 2 and counts["errors"] == 1
    lines = (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()
    _, rows = query(db, "SELECT doc_id, n_indicators, n_amounts FROM documents ORDER BY doc_id")
    records = sorted((json.loads(line) for line in lines), key=lambda r: r["doc_id"])
    assert [(r["doc_id"], len(r["indicators"]), len(r["amounts"])) for r in records] == rows
    _, rows = query(db, "SELECT path, stage FROM errors")
    assert rows == [(str(docs / "empty.txt"), "ingest")]


def test_readme_queries_run_on_the_tables(tmp_path):
    import re

    db = tmp_path / "r.duckdb"
    sink = DuckDBSink(db)
    sink.write(_doc("a" * 64, "/data/a.txt"))
    sink.close()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Querying results") :]
    section = section[: section.index("\n## ", 5)]
    statements = [q for block in re.findall(r"```sql\n(.*?)```", section, re.S) for q in block.split(";") if q.strip()]
    assert len(statements) >= 3
    results = [query(db, q)[1] for q in statements]
    assert results[0] and results[0][0][3] == "培训人次0"  # the missed target
    assert results[1] == [("某某县示范局", 2023, 123.45, 1)]
    assert results[2] and results[2][0][3] == "sum_mismatch"
