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
annotate_app = typer.Typer(help="Round trips with annotation tools (Label Studio, doccano).", no_args_is_help=True)
app.add_typer(annotate_app, name="annotate")

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
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds one document may take before it is failed (0: no limit; runs in a worker process).")
    ] = 0.0,
    max_memory: Annotated[
        int, typer.Option("--max-memory", help="MB of memory one document may add before it is failed (0: no limit; runs in a worker process).")
    ] = 0,
) -> None:
    """Read documents and write one canonical record per document (JSONL and/or DuckDB).

    Files that cannot be read get an error record naming the file, the stage and the
    reason; the others go on. Records carry absolute paths, as `batch` stores them.
    Exits 1 when any file failed.
    """
    from pipeline.batch.run import extract_files

    files, missing = expand_inputs(paths)
    summary = extract_files(
        files, missing=missing, output=output, db=db, config=config, max_bytes=max_bytes, review=review,
        timeout=timeout or None, max_memory_mb=max_memory or None,
    )  # fmt: skip
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
def batch(
    input_dir: Annotated[Path, typer.Argument(help="Folder of documents (read recursively; hidden files skipped).")],
    db: Annotated[Path, typer.Option("--db", help="DuckDB database to write (created if missing; resumed if not).")],
    parquet: Annotated[
        Optional[Path], typer.Option("--parquet", help="At the end, export every table to DIR/<table>.parquet.")
    ] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", help="Worker processes (default: all cores).")] = None,
    engine: Annotated[str, typer.Option("--engine", help="local (processes on this machine) or dask.")] = "local",
    scheduler: Annotated[
        Optional[str],
        typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786); without it a LocalCluster starts."),
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Process again the files that failed in earlier runs.")
    ] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds one document may take before it is failed (0: no limit).")] = 600.0,
    max_memory: Annotated[
        int, typer.Option("--max-memory", help="MB of memory one document may add to a worker before it is failed (0: no limit).")
    ] = 2048,
    commit_every: Annotated[int, typer.Option("--commit-every", help="Documents per database transaction.")] = 100,
    config: Annotated[Optional[Path], typer.Option("--config", help="Pipeline configuration (TOML).")] = None,
    max_bytes: Annotated[
        Optional[int], typer.Option("--max-bytes", help="Refuse files larger than this (default 100 MB).")
    ] = None,
    plugin: Annotated[
        Optional[list[str]],
        typer.Option("--plugin", help="Import this module or .py file in every worker first (extra stages)."),
    ] = None,
) -> None:
    """Process a folder in parallel into DuckDB (and Parquet), resumably.

    Files already in the database (same SHA-256) are skipped, changed files are processed
    again and replace their old rows, earlier failures are skipped unless --retry-failed.
    A document that exceeds --timeout or --max-memory is recorded as failed; the run goes on.
    Exits 1 when any file failed in this run.
    """
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from pipeline.batch.run import run_batch

    progress = Progress(
        TextColumn("[bold]batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:.1f} docs/s"),
        TextColumn("[red]{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    )
    state = {"task": None, "done": 0, "failed": 0, "t0": 0.0}

    def on_plan(work) -> None:
        state["t0"] = time.perf_counter()
        state["task"] = progress.add_task("batch", total=len(work.tasks), rate=0.0, failed=0)

    def on_outcome(outcome) -> None:
        state["done"] += 1
        state["failed"] += 0 if outcome.ok else 1
        rate = state["done"] / max(time.perf_counter() - state["t0"], 1e-9)
        progress.update(state["task"], advance=1, rate=rate, failed=state["failed"])

    with progress:
        summary = run_batch(
            input_dir,
            db=db,
            parquet=parquet,
            workers=workers,
            engine=engine,
            scheduler=scheduler,
            retry_failed=retry_failed,
            timeout=timeout,
            max_memory_mb=max_memory,
            commit_every=commit_every,
            config=config,
            max_bytes=max_bytes,
            plugins=tuple(plugin or ()),
            on_plan=on_plan,
            on_outcome=on_outcome,
        )
    table = Table(title=f"jixiao batch → {escape(str(db))}", show_header=True)
    for col in ("files", "done before", "failed before", "processed", "failed", "docs/s", "KB/s", "peak RSS/worker"):
        table.add_column(col, justify="right")
    peak = max(summary.peak_rss_mb.values(), default=0.0)
    table.add_row(
        str(summary.files),
        str(summary.skipped_done + summary.duplicates),
        str(summary.skipped_failed),
        str(summary.processed),
        str(summary.failed),
        f"{summary.docs_per_second:.1f}",
        f"{summary.kb_per_second:.0f}",
        f"{peak:.0f} MB",
    )
    console.print(table)
    for err in summary.errors[:20]:
        console.print(f"[red]error[/red] {escape(err.path)}: {escape(f'[{err.stage}]')} {escape(err.reason)}", highlight=False)
    if len(summary.errors) > 20:
        console.print(f"… and {len(summary.errors) - 20} more: SELECT * FROM errors", highlight=False)
    raise typer.Exit(1 if summary.failed else 0)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="The SQL to run (read-only), e.g. \"SELECT * FROM indicators LIMIT 5\".")],
    db: Annotated[Path, typer.Option("--db", help="The DuckDB database.")] = Path("results.duckdb"),
    limit: Annotated[int, typer.Option("--limit", help="Print at most this many rows.")] = 1000,
    csv: Annotated[
        Optional[Path], typer.Option("--csv", help="Also write all rows to this CSV file (formula cells neutralised).")
    ] = None,
) -> None:
    """Run SQL on a results database (read-only) and print the rows as a table."""
    from pipeline.batch.sinks import query as run_query

    columns, rows = run_query(db, sql)
    if csv is not None:
        from pipeline.batch.export import write_csv

        write_csv(csv, columns, rows)
    table = Table(show_header=True, caption=f"{len(rows)} row(s)")
    for col in columns:
        table.add_column(escape(str(col)))
    for row in rows[:limit]:
        table.add_row(*("" if v is None else escape(str(v)) for v in row))
    Console().print(table)


@app.command()
def synth(
    n: Annotated[int, typer.Argument(help="How many documents to write.", min=0)],
    outdir: Annotated[Path, typer.Argument(help="Folder to write them into (created).")],
    formats: Annotated[str, typer.Option("--formats", help="Comma-separated: txt,docx,pdf,html,xlsx,png.")] = "txt",
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same documents.")] = 0,
    size: Annotated[str, typer.Option("--size", help="report: full-length reports (6.5–45 KB of text, like real ones); short: 1–4 KB.")] = "report",
) -> None:
    """Write synthetic disclosures with their gold records (<name>.gold.json) and, for txt, annotations."""
    from pipeline.synth import generate
    from pipeline.synth.writers import write_corpus

    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    written = write_corpus(generate(n, seed=seed, size=size), outdir, formats=chosen)
    console.print(f"wrote {written} document(s) as {', '.join(chosen)} to {escape(str(outdir))}")


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


@train_app.command("ner")
def train_ner(
    config: Annotated[Optional[Path], typer.Option("--config", help="Settings (default configs/ner.toml).")] = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Model folder (default models/ner).")] = None,
    backend: Annotated[
        Optional[str],
        typer.Option("--backend", help="linear, spacy (default: configs/ner.toml), or transformers (needs --base-model)."),
    ] = None,
    base_model: Annotated[
        Optional[Path], typer.Option("--base-model", help="A local token-classification checkpoint folder (transformers).")
    ] = None,
    epochs: Annotated[float, typer.Option("--epochs", help="Fine-tuning epochs (transformers).")] = 3.0,
) -> None:
    """Train the NER from data/annotations/ (+ synthetic volume) and save it with its meta and card.

    The default backend is a small spaCy model; `--backend transformers --base-model DIR`
    fine-tunes a local checkpoint instead (into models/ner-transformers; use the `hf_ner` stage).
    """
    if backend == "transformers":
        if base_model is None:
            raise typer.BadParameter("--backend transformers needs --base-model DIR (a local checkpoint)")
        from pipeline.extract.hf_ner import train as train_hf

        meta = train_hf(base_model=base_model, output=output, epochs=epochs)
        console.print(f"transformers NER trained in {meta.metrics['training_seconds']} s on {meta.data['windows']} windows")
        return
    if backend not in (None, "spacy", "linear"):
        raise typer.BadParameter("--backend must be linear, spacy or transformers")
    from pipeline.extract.ner import train

    meta = train(config=config, output=output, backend=backend)
    console.print(
        f"NER trained in {meta.metrics['training_seconds']} s on {meta.data['real_documents']} real documents "
        f"(+{meta.data['synthetic_documents']} synthetic); labels {', '.join(meta.labels)}"
    )


@train_app.command("relations")
def train_relations(
    config: Annotated[Optional[Path], typer.Option("--config", help="Settings (default configs/relations.toml).")] = None,
    output: Annotated[
        Optional[Path], typer.Option("-o", "--output", help="Model folder (default models/relations).")
    ] = None,
) -> None:
    """Train the relation and money-attribute classifiers from data/annotations/ and save them."""
    from pipeline.extract.relations import train

    meta = train(config=config, output=output)
    console.print(
        f"relations trained in {meta.metrics['training_seconds']} s on {meta.data['real_documents']} documents "
        f"({meta.data['pairs']} candidate pairs, {meta.data['money_mentions']} amounts)"
    )


@train_app.command("sections")
def train_sections(
    config: Annotated[
        Optional[Path], typer.Option("--config", help="Settings (default configs/sections_model.toml).")
    ] = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="Model folder (default models/sections).")] = None,
    no_eval: Annotated[bool, typer.Option("--no-eval", help="Skip the cross-validation (the card then has no metrics).")] = False,
) -> None:
    """Train the section classifier from data/annotations/sections/ and save it with its meta and card."""
    from pipeline.sections.train import MODEL_CONFIG, MODEL_DIR, train

    _, meta = train(config_path=config or MODEL_CONFIG, output=output or MODEL_DIR, evaluate=not no_eval)
    figures = f"; CV macro-F1 {meta.metrics['macro_f1']:.3f}, ECE {meta.metrics['ece']:.3f}" if meta.metrics else ""
    console.print(
        f"sections model written to {escape(str(output or MODEL_DIR))}: {meta.data['real_sections']} sections of "
        f"{meta.data['real_documents']} real documents (+{meta.data['synthetic_sections']} synthetic){figures}"
    )


@train_app.command("all")
def train_all(
    out: Annotated[Path, typer.Option("--out", help="Where the new models go (candidates).")] = Path("out/candidates"),
    promote: Annotated[bool, typer.Option("--promote", help="Write the new models over the committed ones in models/.")] = False,
    evaluate: Annotated[bool, typer.Option("--evaluate/--no-evaluate", help="Cross-validate and compare with the committed cards.")] = True,
    folds: Annotated[int, typer.Option("--folds", help="Document-level folds of the evaluation.")] = 5,
    report: Annotated[Path, typer.Option("--report", help="Folder of the comparison report.")] = Path("out/evaluation"),
) -> None:
    """Retrain every model from data/annotations/ and configs/; compare with the committed cards; promote on request."""
    from pipeline.annotate import loop

    result = loop.train_all(out)
    console.print("trained: " + ", ".join(f"{k} {v} s" for k, v in result.seconds.items())
                  + f" (total {sum(result.seconds.values()):.0f} s) into {escape(str(out))}")
    if evaluate:
        figures = loop.measure(folds=folds, config=loop.candidate_config(out), observations=result.observations)
        loop.store_figures(out, figures)
        comparison = loop.compare(loop.committed_figures(), figures)
        md, page = loop.write_report(comparison, report, seconds=result.seconds)
        console.print(f"{len(comparison.better)} figures better, {len(comparison.worse)} worse: {escape(str(md))}, {escape(str(page))}")
    if promote:
        for path in loop.promote(out):
            console.print(f"promoted {escape(str(path))}")


@evaluate_app.command("all")
def evaluate_all(
    folds: Annotated[int, typer.Option("--folds", help="Document-level folds.")] = 5,
    report: Annotated[Path, typer.Option("--report", help="Folder of the comparison report (Markdown + HTML).")] = Path("out/evaluation"),
) -> None:
    """Measure every model family on held-out real documents and compare with the committed model cards."""
    from pipeline.annotate import loop

    figures = loop.measure(folds=folds)
    comparison = loop.compare(loop.committed_figures(), figures)
    md, page = loop.write_report(comparison, report)
    console.print(f"{len(comparison.better)} figures better, {len(comparison.worse)} worse: {escape(str(md))}, {escape(str(page))}")


@evaluate_app.command("sections")
def evaluate_sections(
    folds: Annotated[Optional[int], typer.Option("--folds", help="Folds, grouped by document (default from config).")] = None,
    config: Annotated[
        Optional[Path], typer.Option("--config", help="Settings (default configs/sections_model.toml).")
    ] = None,
    diagram: Annotated[
        Optional[Path], typer.Option("--diagram", help="Write a reliability diagram (PNG) to this path.")
    ] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures as JSON here.")] = None,
) -> None:
    """Per-label precision/recall/F1, macro-F1, ECE and confusions by document-level cross-validation."""
    from pipeline.sections.evaluate import MODEL_CONFIG, build_dataset, cross_validate, load_config, reliability_diagram

    cfg = load_config(config or MODEL_CONFIG)
    bins = cfg.get("evaluate", {}).get("ece_bins", 10)
    result = cross_validate(build_dataset(cfg), cfg, folds=folds)
    m = result.metrics(bins=bins)
    table = Table(title=f"sections: {m['sections']} sections of {m['documents']} real documents, document-level CV")
    for col in ("label", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for label, row in m["per_label"].items():
        table.add_row(label, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"]))
    table.add_row("macro", "", "", f"{m['macro_f1']:.3f}", str(m["sections"]))
    Console().print(table)
    Console().print(f"accuracy {m['accuracy']:.3f}   ECE ({bins} bins) {m['ece']:.3f}")
    if m["confusions"]:
        Console().print("confusions (gold → predicted): " + ", ".join(
            f"{c['gold']} → {c['predicted']} ×{c['count']}" for c in m["confusions"]
        ))
    if diagram:
        console.print(f"reliability diagram: {escape(str(reliability_diagram(result, diagram, bins=bins)))}")
    if json_out:
        json_out.write_text(json.dumps(m, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@evaluate_app.command("extract")
def evaluate_extract(
    folds: Annotated[int, typer.Option("--folds", help="Folds of the cross-validation, grouped by document.")] = 5,
    epochs: Annotated[Optional[int], typer.Option("--epochs", help="NER epochs per fold (default: configs/ner.toml).")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures to this JSON file.")] = None,
) -> None:
    """Cross-validate NER + relations on the real documents, held out by document, and print the figures."""
    import tomllib

    from pipeline.core import resolve_path
    from pipeline.extract.evaluate import FLOORS, cross_validate
    from pipeline.extract.features import load_gold

    from pipeline.extract.ner import backend_settings

    with resolve_path("configs/ner.toml").open("rb") as fh:
        ner_settings = backend_settings(tomllib.load(fh))
    if epochs is not None:
        ner_settings["epochs"] = epochs
    golds = load_gold()
    if not golds:
        console.print("[red]no annotated real documents found[/red] (is the shared folder there? set JIXIAO_SHARED)")
        raise typer.Exit(1)
    report = cross_validate(golds, folds=folds, ner_settings=ner_settings).as_dict()
    for kind in ("entities_exact", "entities_overlap"):
        table = Table(title=f"{kind.replace('_', ' ')} ({report['documents']} documents, {report['folds']} folds)")
        for col in ("label", "precision", "recall", "F1", "gold", "pred"):
            table.add_column(col, justify="right")
        for label, m in report[kind].items():
            table.add_row(label, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(int(m["gold"])), str(int(m["pred"])))
        console.print(table)
    table = Table(title=f"facts (from {report['source']})")
    for col in ("figure", "precision", "recall", "F1", "floor"):
        table.add_column(col, justify="right")
    for key, floor in FLOORS.items():
        m = report[key]
        ok = "[green]ok[/green]" if m["f1"] >= floor else "[red]below[/red]"
        table.add_row(key, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", f"{floor} {ok}")
    console.print(table)
    console.print(f"{report['seconds']} s")
    if json_out:
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@evaluate_app.command("calibration")
def evaluate_calibration(
    fit: Annotated[bool, typer.Option("--fit", help="Also fit on all documents and save to models/calibration/.")] = False,
    out: Annotated[Path, typer.Option("--out", help="Folder for the reliability diagrams (PNG).")] = Path(
        "models/calibration/reliability"
    ),
    folds: Annotated[int, typer.Option("--folds", help="Document-level cross-validation folds.")] = 5,
    repeats: Annotated[int, typer.Option("--repeats", help="Assignments of documents to folds, averaged.")] = 10,
    config: Annotated[Optional[Path], typer.Option("--config", help="Pipeline configuration (TOML).")] = None,
) -> None:
    """ECE (10 bins) per field family on held-out annotated real documents, with reliability diagrams."""
    from pipeline.core import resolve_path
    from pipeline.normalize import calibrate

    obs, names = calibrate.collect(config)
    results = calibrate.cross_validate(obs, folds=folds, repeats=repeats)
    table = Table(title=f"calibration ({len(names)} annotated documents, {folds}-fold by document, {repeats} assignments)")
    table.add_column("family", no_wrap=True)
    for col in ("fields", "documents", "accuracy", "ECE raw", "ECE held-out", "worst", "ECE if perfect", "floor"):
        table.add_column(col, justify="right")
    for family, r in results.items():
        floor = calibrate.ECE_FLOORS.get(family)
        verdict = "" if floor is None else f"{floor} " + ("[green]ok[/green]" if r["ece"] <= floor else "[red]above[/red]")
        table.add_row(
            family, str(r["n"]), str(r["documents"]), f"{r['accuracy']:.3f}", f"{r['ece_raw']:.3f}", f"{r['ece']:.4f}",
            f"{r['ece_worst']:.3f}", f"{r['ece_if_perfect']:.3f}", verdict,
        )  # fmt: skip
    console.print(table)
    console.print(
        "confidences cross-fitted (models refitted without each fold's documents); 'ECE held-out': mean over "
        f"{repeats} assignments of documents to folds, 'worst' the highest; 'ECE if perfect': the ECE a perfectly "
        "calibrated predictor with these confidences shows at this n"
    )
    for path in calibrate.diagrams(results, out):
        console.print(f"reliability diagram: {path}")
    if fit:
        # the card's figures, keyed as `jixiao train all` stamps them (its comparison reads them back)
        metrics = {"evaluation": calibrate.figures(results)} | {f"{family}_n": r["n"] for family, r in results.items()}
        target = resolve_path("models/calibration")
        calibrate.fit(obs).to_disk(
            target,
            metrics=metrics,
            data={"documents": len(names), "annotations": "data/annotations/entities"},
            data_sha256=calibrate.annotations_sha256(),
        )
        console.print(f"saved calibration to {target}")


@annotations_app.command("export-dataset")
def annotations_export_dataset(
    out: Annotated[Path, typer.Argument(help="Folder to write the dataset to (datasets' save_to_disk).")],
    root: Annotated[Optional[Path], typer.Option("--root", help="Annotation folder (default data/annotations).")] = None,
) -> None:
    """Write the annotations as a Hugging Face dataset: characters with BIO tags, spans, relations, sections; split by document."""
    from pipeline.annotate.format import ANNOTATIONS_DIR
    from pipeline.annotate.hf_dataset import export_dataset

    counts = export_dataset(out, root=root or ANNOTATIONS_DIR)
    console.print("documents per split: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@annotate_app.command("export")
def annotate_export(
    docs: Annotated[list[str], typer.Argument(help="Documents (files, folders, globs) to turn into tasks.")],
    to: Annotated[str, typer.Option("--to", help="label-studio or doccano.")] = "label-studio",
    out: Annotated[Path, typer.Option("-o", "--out", help="The task file (JSON for Label Studio, JSONL for doccano).")] = Path("tasks.json"),
    config: Annotated[Optional[Path], typer.Option("--config", help="Pipeline configuration (TOML).")] = None,
) -> None:
    """Write annotation tasks with the model's predictions (scored) as pre-annotations.

    For Label Studio the labelling configuration is written beside the tasks (OUT with .xml).
    """
    from pipeline.annotate.roundtrip import FORMATS, export_tasks
    from pipeline.core import Pipeline

    if to not in FORMATS:
        raise typer.BadParameter(f"--to must be one of {', '.join(FORMATS)}")
    files, missing = expand_inputs(docs)
    result = export_tasks(files, out, fmt=to, pipeline=Pipeline.from_config(config))
    for err in result.errors:
        console.print(f"[red]error[/red] {escape(err.path)}: {escape(err.reason)}", highlight=False)
    for m in missing:
        console.print(f"[red]error[/red] {escape(m)}: no such file, folder or glob match", highlight=False)
    console.print(f"{result.tasks} tasks written to {', '.join(map(str, result.files))}")
    raise typer.Exit(1 if result.errors or missing else 0)


@annotate_app.command("select")
def annotate_select(
    docs: Annotated[list[str], typer.Argument(help="Candidate documents (files, folders, globs).")],
    n: Annotated[int, typer.Option("--n", help="How many to choose.")] = 50,
    out: Annotated[Path, typer.Option("-o", "--out", help="Where to write the ranked list (TSV).")] = Path("select.tsv"),
    config: Annotated[Optional[Path], typer.Option("--config", help="Pipeline configuration (TOML).")] = None,
) -> None:
    """Rank documents by how much annotating them would teach the models, with the reasons."""
    from pipeline.annotate.corpus import real_documents
    from pipeline.annotate.format import load_all
    from pipeline.annotate.select import rank
    from pipeline.core import Pipeline
    from pipeline.schema import ErrorRecord

    pipe = Pipeline.from_config(config)
    annotated_ids = set(load_all())
    annotated = [d for d in (pipe.process_path(r.path) for r in real_documents() if r.sha256 in annotated_ids)
                 if not isinstance(d, ErrorRecord)]
    files, missing = expand_inputs(docs)
    chosen, errors = rank(files, pipeline=pipe, annotated_docs=annotated, annotated_ids=annotated_ids, n=n)
    lines = ["rank\tpath\tdoc_id\tscore\tuncertainty\tdisagreement\trarity\treasons"]
    for i, c in enumerate(chosen, 1):
        sig = c.signals
        lines.append(
            f"{i}\t{c.path}\t{c.doc_id}\t{c.score}\t{sig['uncertainty']:.3f}\t{sig['disagreement']:.3f}\t"
            f"{sig['rarity']:.3f}\t{'; '.join(c.reasons)}"
        )
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for err in errors:
        console.print(f"[red]error[/red] {escape(err.path)}: {escape(err.reason)}", highlight=False)
    console.print(f"{len(chosen)} documents chosen of {len(files)}; list written to {escape(str(out))}")
    raise typer.Exit(1 if errors or missing else 0)


@annotate_app.command("import")
def annotate_import(
    export: Annotated[Path, typer.Argument(help="A Label Studio JSON export or a doccano JSONL export.")],
    fmt: Annotated[str, typer.Option("--from", help="label-studio or doccano.")] = "label-studio",
    root: Annotated[Optional[Path], typer.Option("--root", help="Annotation folder (default data/annotations).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only; write nothing.")] = False,
) -> None:
    """Merge corrections into data/annotations/; conflicts are listed, never overwritten (exit 1)."""
    from pipeline.annotate.format import ANNOTATIONS_DIR
    from pipeline.annotate.roundtrip import import_tasks

    report = import_tasks(export, fmt=fmt, root=root or ANNOTATIONS_DIR, write=not dry_run)
    for conflict in report.conflicts:
        sys.stdout.write(f"conflict: {conflict}\n")
    console.print(
        f"{report.documents} documents: {report.added} added, {report.unchanged} unchanged, {len(report.conflicts)} conflicts"
    )
    raise typer.Exit(1 if report.conflicts else 0)


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
