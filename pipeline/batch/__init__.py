"""Runners (in-process, local processes, Dask) and sinks (JSONL, DuckDB, Parquet)."""
