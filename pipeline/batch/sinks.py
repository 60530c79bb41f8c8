"""Where records go: JSONL files, an embedded DuckDB database, Parquet files.

The DuckDB database holds one row set per document in normalized tables (`TABLES`):
`documents` (one row per document, the full record JSON in `record`), `sections`,
`amounts`, `indicators` and `flags` (one row per item, keyed by `doc_id` and `idx`), and
`errors` (one row per file that failed). Writing a document first deletes every row of
its `doc_id` and of any older document at the same path, in the same transaction, so a
re-processed or changed file never leaves two row sets behind.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.errors import Messages, SinkError
from pipeline.schema import Document, ErrorRecord

logger = logging.getLogger(__name__)

_VALUE_FIELDS = ("text", "op", "value", "upper", "unit", "qualitative")
_VALUE_TYPES = (pa.string(), pa.string(), pa.float64(), pa.float64(), pa.string(), pa.string())

# table → ordered (column, arrow type, SQL type) ; the DDL and the Arrow batches come from here.
ADDED_AMOUNT_COLUMNS = ("stage_confidence", "flow_confidence", "item_confidence")  # schema 0.2
COLUMNS: dict[str, list[tuple[str, pa.DataType, str]]] = {
    "documents": [
        ("doc_id", pa.string(), "VARCHAR PRIMARY KEY"),
        ("path", pa.string(), "VARCHAR NOT NULL"),
        ("format", pa.string(), "VARCHAR"),
        ("pages", pa.int32(), "INTEGER"),
        ("ocr", pa.bool_(), "BOOLEAN"),
        ("size_bytes", pa.int64(), "BIGINT"),
        ("doc_kind", pa.string(), "VARCHAR"),
        ("unit_name", pa.string(), "VARCHAR"),
        ("fiscal_year", pa.int32(), "INTEGER"),
        ("evaluation_score", pa.float64(), "DOUBLE"),
        ("evaluation_grade", pa.string(), "VARCHAR"),
        ("evaluation_confidence", pa.float64(), "DOUBLE"),
        ("schema_version", pa.string(), "VARCHAR"),
        ("text_length", pa.int64(), "BIGINT"),
        ("n_sections", pa.int32(), "INTEGER"),
        ("n_amounts", pa.int32(), "INTEGER"),
        ("n_indicators", pa.int32(), "INTEGER"),
        ("n_flags", pa.int32(), "INTEGER"),
        ("stages", pa.string(), "VARCHAR"),
        ("processed_at", pa.timestamp("us", tz="UTC"), "TIMESTAMPTZ"),
        ("record", pa.string(), "JSON"),
    ],
    "sections": [
        ("doc_id", pa.string(), "VARCHAR NOT NULL"),
        ("idx", pa.int32(), "INTEGER NOT NULL"),
        ("title", pa.string(), "VARCHAR"),
        ("label", pa.string(), "VARCHAR"),
        ("confidence", pa.float64(), "DOUBLE"),
        ("start", pa.int64(), "BIGINT"),
        ("end", pa.int64(), "BIGINT"),
        ("level", pa.int32(), "INTEGER"),
        ("number", pa.string(), "VARCHAR"),
    ],
    "amounts": [
        ("doc_id", pa.string(), "VARCHAR NOT NULL"),
        ("idx", pa.int32(), "INTEGER NOT NULL"),
        ("value_yuan", pa.float64(), "DOUBLE"),
        ("raw", pa.string(), "VARCHAR"),
        ("stage", pa.string(), "VARCHAR"),
        ("flow", pa.string(), "VARCHAR"),
        ("item", pa.string(), "VARCHAR"),
        ("item_text", pa.string(), "VARCHAR"),
        ("subject", pa.string(), "VARCHAR"),
        ("start", pa.int64(), "BIGINT"),
        ("end", pa.int64(), "BIGINT"),
        ("confidence", pa.float64(), "DOUBLE"),
        ("evidence", pa.string(), "JSON"),
        # added in schema 0.2: last, so that a database made before gains them by ALTER TABLE
        *[(c, pa.float64(), "DOUBLE") for c in ADDED_AMOUNT_COLUMNS],
    ],
    "indicators": [
        ("doc_id", pa.string(), "VARCHAR NOT NULL"),
        ("idx", pa.int32(), "INTEGER NOT NULL"),
        ("name", pa.string(), "VARCHAR"),
        ("level1", pa.string(), "VARCHAR"),
        ("level2", pa.string(), "VARCHAR"),
        *[
            (f"{side}_{f}", t, "DOUBLE" if t == pa.float64() else "VARCHAR")
            for side in ("target", "actual")
            for f, t in zip(_VALUE_FIELDS, _VALUE_TYPES, strict=True)
        ],
        ("weight", pa.float64(), "DOUBLE"),
        ("score", pa.float64(), "DOUBLE"),
        ("achieved", pa.bool_(), "BOOLEAN"),
        ("subject", pa.string(), "VARCHAR"),
        ("confidence", pa.float64(), "DOUBLE"),
        ("evidence", pa.string(), "JSON"),
    ],
    "flags": [
        ("doc_id", pa.string(), "VARCHAR NOT NULL"),
        ("idx", pa.int32(), "INTEGER NOT NULL"),
        ("code", pa.string(), "VARCHAR"),
        ("severity", pa.string(), "VARCHAR"),
        ("message", pa.string(), "VARCHAR"),
        ("evidence", pa.string(), "JSON"),
    ],
    "errors": [
        ("path", pa.string(), "VARCHAR NOT NULL"),
        ("doc_id", pa.string(), "VARCHAR"),
        ("stage", pa.string(), "VARCHAR"),
        ("error", pa.string(), "VARCHAR"),
        ("reason", pa.string(), "VARCHAR"),
        ("at", pa.timestamp("us", tz="UTC"), "TIMESTAMPTZ"),
    ],
}
TABLES = tuple(COLUMNS)
CHILD_TABLES = ("sections", "amounts", "indicators", "flags")
ARROW_SCHEMAS = {t: pa.schema([(c, a) for c, a, _ in cols]) for t, cols in COLUMNS.items()}


def _ddl() -> list[str]:
    out = []
    for table, cols in COLUMNS.items():
        body = ", ".join(f'"{c}" {sql}' for c, _, sql in cols)
        if table in CHILD_TABLES:
            body += ", PRIMARY KEY (doc_id, idx)"
        out.append(f"CREATE TABLE IF NOT EXISTS {table} ({body})")
    # the hash cache of `jixiao batch` (not a result table: not exported): a file whose size and
    # modification time are unchanged since it was hashed is not read again to find its doc_id
    out.append(
        "CREATE TABLE IF NOT EXISTS file_hashes (path VARCHAR PRIMARY KEY, size BIGINT, mtime_ns BIGINT, doc_id VARCHAR)"
    )
    # columns added since a table was first made (positional inserts need them in order, at the end)
    out += [f"ALTER TABLE amounts ADD COLUMN IF NOT EXISTS {c} DOUBLE" for c in ADDED_AMOUNT_COLUMNS]
    out.append("CREATE INDEX IF NOT EXISTS documents_path ON documents (path)")
    out.append("CREATE INDEX IF NOT EXISTS errors_path ON errors (path)")
    return out


def _spans(spans: list[dict[str, Any]] | None) -> str:
    return json.dumps([{"start": s["start"], "end": s["end"]} for s in spans or []])


def _value(side: str, value: dict[str, Any] | None) -> dict[str, Any]:
    value = value or {}
    return {f"{side}_{f}": value.get(f) for f in _VALUE_FIELDS}


def record_rows(record: dict[str, Any], *, record_json: str | None = None, at: datetime | None = None) -> dict[str, list[dict]]:
    """One record (a `Document` dumped to JSON-mode dict) → rows per table."""
    doc_id = record["doc_id"]
    source = record.get("source") or {}
    evaluation = record.get("evaluation") or {}
    sections = record.get("sections") or []
    amounts = record.get("amounts") or []
    indicators = record.get("indicators") or []
    flags = record.get("flags") or []
    rows: dict[str, list[dict]] = {t: [] for t in TABLES}
    rows["documents"].append(
        {
            "doc_id": doc_id,
            "path": source.get("path"),
            "format": source.get("format"),
            "pages": source.get("pages"),
            "ocr": source.get("ocr"),
            "size_bytes": source.get("size_bytes"),
            "doc_kind": record.get("doc_kind"),
            "unit_name": record.get("unit_name"),
            "fiscal_year": record.get("fiscal_year"),
            "evaluation_score": evaluation.get("score"),
            "evaluation_grade": evaluation.get("grade"),
            "evaluation_confidence": evaluation.get("confidence"),
            "schema_version": record.get("schema_version"),
            "text_length": len(record.get("text") or ""),
            "n_sections": len(sections),
            "n_amounts": len(amounts),
            "n_indicators": len(indicators),
            "n_flags": len(flags),
            "stages": ",".join(record.get("stages") or []),
            "processed_at": at or datetime.now(UTC),
            "record": record_json if record_json is not None else json.dumps(record, ensure_ascii=False),
        }
    )
    for i, s in enumerate(sections):
        rows["sections"].append(
            {"doc_id": doc_id, "idx": i, **{k: s.get(k) for k in ("title", "label", "confidence", "start", "end", "level", "number")}}
        )
    for i, a in enumerate(amounts):
        keys = ("value_yuan", "raw", "stage", "flow", "item", "item_text", "subject", "start", "end", "confidence")
        rows["amounts"].append({
            "doc_id": doc_id, "idx": i, **{k: a.get(k) for k in keys}, "evidence": _spans(a.get("evidence")),
            **{k: a.get(k) for k in ADDED_AMOUNT_COLUMNS},
        })  # fmt: skip
    for i, ind in enumerate(indicators):
        rows["indicators"].append(
            {
                "doc_id": doc_id,
                "idx": i,
                "name": ind.get("name"),
                "level1": ind.get("level1"),
                "level2": ind.get("level2"),
                **_value("target", ind.get("target")),
                **_value("actual", ind.get("actual")),
                **{k: ind.get(k) for k in ("weight", "score", "achieved", "subject", "confidence")},
                "evidence": _spans(ind.get("evidence")),
            }
        )
    for i, f in enumerate(flags):
        rows["flags"].append(
            {"doc_id": doc_id, "idx": i, **{k: f.get(k) for k in ("code", "severity", "message")}, "evidence": _spans(f.get("evidence"))}
        )
    return rows


def error_row(err: ErrorRecord, *, at: datetime | None = None) -> dict[str, Any]:
    return {**err.model_dump(), "at": at or datetime.now(UTC)}


@dataclass
class Done:
    """What the database already holds: finished documents and failed files."""

    doc_ids: set[str]
    failed: dict[str, str | None]  # path → doc_id (None when the bytes could not be read)
    paths: dict[str, str]  # path → doc_id of the document stored from that path


class DuckDBSink:
    """The normalized tables in one DuckDB file; writes are batched into transactions.

    `write`/`write_error` buffer; `commit` (called every `commit_every` documents and on
    close) replaces the buffered documents' rows in one transaction.
    """

    def __init__(self, path: Path, *, commit_every: int = 100) -> None:
        import duckdb

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.commit_every = max(1, commit_every)
        try:
            self.con = duckdb.connect(str(self.path))
        except duckdb.Error as e:
            raise SinkError(Messages.DB_OPEN.format(path=self.path, detail=e)) from e
        for stmt in _ddl():
            self.con.execute(stmt)
        self._records: list[tuple[dict[str, Any], str | None]] = []
        self._errors: list[ErrorRecord] = []
        self.committed = 0

    # --- what is there already -------------------------------------------------------
    def done(self) -> Done:
        paths = dict(self.con.execute("SELECT path, doc_id FROM documents").fetchall())
        failed = dict(self.con.execute("SELECT path, doc_id FROM errors").fetchall())
        return Done(doc_ids=set(paths.values()), failed=failed, paths=paths)

    def known_hashes(self) -> dict[str, tuple[int, int, str]]:
        """path → (size, mtime_ns, doc_id) of the files hashed by earlier runs."""
        rows = self.con.execute("SELECT path, size, mtime_ns, doc_id FROM file_hashes").fetchall()
        return {path: (size, mtime_ns, doc_id) for path, size, mtime_ns, doc_id in rows}

    def remember_hashes(self, hashes: dict[str, tuple[int, int, str]]) -> None:
        """Store (size, mtime_ns, doc_id) of freshly hashed files, replacing what their paths had."""
        if not hashes:
            return
        batch = pa.table({  # noqa: F841 - read by DuckDB
            "path": pa.array(list(hashes), pa.string()),
            "size": pa.array([h[0] for h in hashes.values()], pa.int64()),
            "mtime_ns": pa.array([h[1] for h in hashes.values()], pa.int64()),
            "doc_id": pa.array([h[2] for h in hashes.values()], pa.string()),
        })  # fmt: skip
        self.con.execute("INSERT OR REPLACE INTO file_hashes SELECT path, size, mtime_ns, doc_id FROM batch")

    def forget_paths(self, paths: Iterable[str]) -> int:
        """Delete, in one transaction, every row stored from these paths; return how many documents."""
        key_paths = pa.table({"p": pa.array(sorted(set(paths)), pa.string())})  # noqa: F841 - read by DuckDB
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE _stale AS SELECT doc_id FROM documents WHERE path IN (SELECT p FROM key_paths)")
            n = con.execute("SELECT count(*) FROM _stale").fetchone()[0]
            for table in (*CHILD_TABLES, "documents"):
                con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT doc_id FROM _stale)")
            con.execute("DELETE FROM errors WHERE path IN (SELECT p FROM key_paths)")
            con.execute("COMMIT")
        except Exception as e:
            con.execute("ROLLBACK")
            raise SinkError(Messages.DB_WRITE.format(path=self.path, detail=f"{type(e).__name__}: {e}")) from e
        return n

    # --- writing --------------------------------------------------------------------
    @property
    def pending(self) -> int:
        return len(self._records) + len(self._errors)

    def write(self, doc: Document | dict[str, Any], *, record_json: str | None = None) -> None:
        if isinstance(doc, Document):
            record_json = doc.model_dump_json()
            doc = json.loads(record_json)
        self._records.append((doc, record_json))
        if self.pending >= self.commit_every:
            self.commit()

    def write_error(self, err: ErrorRecord) -> None:
        self._errors.append(err)
        if self.pending >= self.commit_every:
            self.commit()

    def commit(self) -> int:
        """Replace the buffered documents' rows in one transaction; return how many were written."""
        if not self.pending:
            return 0
        at = datetime.now(UTC)
        rows: dict[str, list[dict]] = {t: [] for t in TABLES}
        for record, record_json in self._records:
            for table, table_rows in record_rows(record, record_json=record_json, at=at).items():
                rows[table].extend(table_rows)
        rows["errors"] = [error_row(e, at=at) for e in self._errors]
        doc_ids = sorted({r["doc_id"] for r in rows["documents"]} | {e.doc_id for e in self._errors if e.doc_id})
        paths = sorted({r["path"] for r in rows["documents"]} | {e.path for e in self._errors})
        keys = pa.table({"k": pa.array(doc_ids, pa.string())})  # noqa: F841 - read by DuckDB
        key_paths = pa.table({"p": pa.array(paths, pa.string())})  # noqa: F841 - read by DuckDB
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            # every older row set of these documents, and of anything stored at these paths
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _stale AS "
                "SELECT k AS doc_id FROM keys UNION SELECT doc_id FROM documents WHERE path IN (SELECT p FROM key_paths)"
            )
            for table in (*CHILD_TABLES, "documents"):
                con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT doc_id FROM _stale)")
            con.execute(
                "DELETE FROM errors WHERE path IN (SELECT p FROM key_paths) OR doc_id IN (SELECT doc_id FROM _stale)"
            )
            for table, table_rows in rows.items():
                if table_rows:
                    batch = pa.Table.from_pylist(table_rows, schema=ARROW_SCHEMAS[table])  # noqa: F841
                    con.execute(f"INSERT INTO {table} SELECT * FROM batch")
            con.execute("COMMIT")
        except Exception as e:
            con.execute("ROLLBACK")
            raise SinkError(Messages.DB_WRITE.format(path=self.path, detail=f"{type(e).__name__}: {e}")) from e
        n = self.pending
        self.committed += n
        self._records.clear()
        self._errors.clear()
        logger.info("committed %d documents to %s (%d this run)", n, self.path, self.committed)
        return n

    def export_parquet(self, folder: Path) -> list[Path]:
        return export_parquet(self.con, folder)

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self.con.close()


def export_parquet(con, folder: Path) -> list[Path]:
    """Write each table to `folder/<table>.parquet`; return the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES:
        target = safe_child(folder, f"{table}.parquet")
        con.execute(f"COPY (SELECT * FROM {table} ORDER BY ALL) TO '{_sql_str(target)}' (FORMAT parquet)")
        written.append(target)
    return written


def safe_child(folder: Path, name: str) -> Path:
    """`folder/name`, refusing any name that would land outside `folder`."""
    base = Path(folder).resolve()
    target = (base / name).resolve()
    if target.parent != base:
        raise SinkError(Messages.PATH_ESCAPES.format(name=name, folder=base))
    return target


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")


def query(db: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Run `sql` on a read-only connection to `db`; return column names and rows."""
    import duckdb

    if not Path(db).is_file():
        raise SinkError(Messages.DB_MISSING.format(path=db))
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as e:
        raise SinkError(Messages.DB_OPEN.format(path=db, detail=e)) from e
    try:
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description or []]
        return columns, cur.fetchall()
    except duckdb.Error as e:
        raise SinkError(Messages.QUERY_FAILED.format(detail=e)) from e
    finally:
        con.close()


class JsonlSink:
    """One JSON record per line; errors are not records and are not written here."""

    def __init__(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("w", encoding="utf-8")

    def write(self, doc: Document | dict[str, Any], *, record_json: str | None = None) -> None:
        if record_json is None:
            record_json = doc.model_dump_json() if isinstance(doc, Document) else json.dumps(doc, ensure_ascii=False)
        self._fh.write(record_json + "\n")

    def write_error(self, err: ErrorRecord) -> None:
        pass

    def close(self) -> None:
        self._fh.close()


class Sinks:
    """Fan a stream of records and errors out to several sinks."""

    def __init__(self, sinks: Iterable) -> None:
        self.sinks = list(sinks)

    def write(self, doc: Document | dict[str, Any], *, record_json: str | None = None) -> None:
        if isinstance(doc, Document) and record_json is None:
            record_json = doc.model_dump_json()
            doc = json.loads(record_json)
        for s in self.sinks:
            s.write(doc, record_json=record_json)

    def write_error(self, err: ErrorRecord) -> None:
        for s in self.sinks:
            s.write_error(err)


@contextmanager
def open_sinks(
    *, output: Path | None = None, db: Path | None = None, review: Path | None = None, commit_every: int = 100
) -> Iterator[Sinks]:
    """JSONL and/or DuckDB sinks, closed (and committed) on exit.

    `review`: a folder for one HTML review page per document (`pipeline.normalize.review`).
    """
    sinks: list = []
    try:
        if output:
            sinks.append(JsonlSink(output))
        if db:
            sinks.append(DuckDBSink(db, commit_every=commit_every))
        if review:
            from pipeline.normalize.review import ReviewSink

            sinks.append(ReviewSink(review))
        yield Sinks(sinks)
    finally:
        for s in sinks:
            s.close()
