"""The command line: thin, it only parses options and calls the library."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

app = typer.Typer(
    name="jixiao",
    help="jixiao (绩效): read Chinese budget-performance disclosures into clean, queryable data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
train_app = typer.Typer(help="Train models from data/annotations/ and configs/.", no_args_is_help=True)
evaluate_app = typer.Typer(help="Measure models on held-out real documents.", no_args_is_help=True)
app.add_typer(train_app, name="train")
app.add_typer(evaluate_app, name="evaluate")
annotations_app = typer.Typer(help="Check and convert the gold annotations of data/annotations/.", no_args_is_help=True)
app.add_typer(annotations_app, name="annotations")

console = Console(stderr=True)
_state = {"debug": False}


@app.callback()
def _global(
    debug: Annotated[bool, typer.Option("--debug", help="Show Python tracebacks and debug logs.")] = False,
) -> None:
    _state["debug"] = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def expand_inputs(inputs: list[str]) -> tuple[list[Path], list[str]]:
    """Files, folders (recursively) and globs → sorted files, plus the inputs that matched nothing."""
    files: list[Path] = []
    missing: list[str] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")))
        elif p.is_file():
            files.append(p)
        else:
            matched = sorted(Path().glob(item)) if not p.is_absolute() else sorted(Path("/").glob(item.lstrip("/")))
            matched = [m for m in matched if m.is_file()]
            if matched:
                files.extend(matched)
            else:
                missing.append(item)
    seen: set[Path] = set()
    unique = [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]
    return unique, missing


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or globs to read.")],
    output: Annotated[
        Optional[Path], typer.Option("-o", "--output", help="Write one JSON record per document to this JSONL file.")
    ] = None,
    db: Annotated[
        Optional[Path], typer.Option("--db", help="Also write the records to this DuckDB database file.")
    ] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="Pipeline configuration (TOML).")] = None,
    max_bytes: Annotated[
        Optional[int], typer.Option("--max-bytes", help="Refuse files larger than this (default 100 MB).")
    ] = None,
    review: Annotated[
        Optional[Path], typer.Option("--review", help="Write an HTML review page per document into this folder.")
    ] = None,
) -> None:
    """Read documents and write one canonical record per document (JSONL and/or DuckDB).

    Files that cannot be read get an error record naming the file, the stage and the
    reason; the others go on. Exits 1 when any file failed.
    """
    from pipeline.batch.run import extract_files

    files, missing = expand_inputs(paths)
    summary = extract_files(
        files, missing=missing, output=output, db=db, config=config, max_bytes=max_bytes, review=review
    )
    if output is None and db is None and review is None:
        for record in summary.records:
            sys.stdout.write(record.model_dump_json() + "\n")
    _print_summary(summary)
    raise typer.Exit(1 if summary.failures else 0)


def _print_summary(summary) -> None:
    table = Table(title="jixiao extract", show_header=True)
    for col in ("documents", "amounts", "indicators", "flags", "failures"):
        table.add_column(col, justify="right")
    table.add_row(
        str(summary.documents), str(summary.amounts), str(summary.indicators), str(summary.flags), str(summary.failures)
    )
    console.print(table)
    for err in summary.errors:
        console.print(f"[red]error[/red] {escape(err.path)}: {escape(f'[{err.stage}]')} {escape(err.reason)}", highlight=False)


@app.command()
def schema(
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of the document record."""
    from pipeline.schema import Document

    text = json.dumps(Document.model_json_schema(mode="serialization"), ensure_ascii=False, indent=2) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@annotations_app.command("validate")
def annotations_validate(
    root: Annotated[Optional[Path], typer.Option("--root", help="Annotation folder (default data/annotations).")] = None,
) -> None:
    """Check every annotation file against the documents it points to (offsets, text, labels, relations)."""
    from pipeline.annotate.format import ANNOTATIONS_DIR
    from pipeline.annotate.validate import validate_all

    checked, problems = validate_all(root or ANNOTATIONS_DIR)
    for problem in problems:
        sys.stdout.write(f"{problem}\n")
    console.print(f"{checked} annotation files checked, {len(problems)} problems")
    raise typer.Exit(1 if problems else 0)


def main() -> None:
    try:
        app()
    except Exception as e:  # the CLI owns the terminal: one line, unless --debug
        if _state["debug"]:
            raise
        console.print(f"[red]error:[/red] {type(e).__name__}: {e} (run with --debug for the traceback)")
        sys.exit(2)


if __name__ == "__main__":
    main()
