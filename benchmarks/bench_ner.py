"""Speed of the NER backends' `predict`, beside jieba.lcut, and of the whole pipeline on the seeds.

    .venv/bin/python benchmarks/bench_ner.py [--models models/ner out/tagger/ner] [--synthetic 20] [--runs 3]

Each model folder is loaded with `load_ner` (its config.json names the backend: spacy or
linear). For each, `predict` runs over the seed documents (../shared/seeds or
$JIXIAO_SHARED/seeds) and over synthetic full-length reports of `pipeline.synth.generate`,
with the grammar's quantities passed in as the pipeline stage does (the grammar's own time is
not counted) and `skip_plain` as the stage uses it; figures are characters per CPU-second
(process time, best of `--runs`). `jieba.lcut` runs on the same texts in the same run.
Then the configured pipeline (`Pipeline.from_config()`) processes the seed files once per
model folder, with its `ner` stage pointed at that folder: KB of input per CPU-second and the
seconds per stage (`Pipeline.timings`). Target: predict ≥ 180,000 chars/s and the pipeline
≥ 200 KB/s per core. Prints figures only, never the documents' text.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.annotate import corpus
from pipeline.core import Pipeline
from pipeline.extract.ner import load_ner
from pipeline.extract.numbers import find_quantities, quantity_mention
from pipeline.ingest import read_document


def best_cpu(fn, runs: int) -> float:
    """The smallest process time of `runs` calls of `fn`."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return max(best, 1e-9)


def predict_speed(model, texts: list[tuple[str, list]], *, skip_plain: bool, runs: int) -> float:
    chars = sum(len(t) for t, _ in texts)

    def run() -> None:
        for text, quantities in texts:
            model.predict(text, skip_plain=skip_plain, quantities=quantities)

    return chars / best_cpu(run, runs)


def pipeline_speed(model_dir: Path, paths: list[Path]) -> tuple[float, float, dict[str, float]]:
    """(KB per CPU-second, CPU seconds, seconds per stage) of the configured pipeline on `paths`."""
    pipe = Pipeline.from_config()
    for stage in pipe.stages:
        if stage.name == "ner":
            stage.model = str(model_dir)
            stage._model = load_ner(model_dir)  # loaded before timing
    pipe.process_path(paths[0])  # warm up: lazy imports and dictionaries
    pipe.timings.clear()
    size = sum(p.stat().st_size for p in paths)
    t0 = time.process_time()
    for path in paths:
        pipe.process_path(path)
    cpu = time.process_time() - t0
    return size / 1024 / cpu, cpu, dict(pipe.timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", type=Path, default=[REPO / "models/ner", REPO / "out/tagger/ner"])
    parser.add_argument("--synthetic", type=int, default=20, help="synthetic full-length reports (default 20)")
    parser.add_argument("--runs", type=int, default=3, help="repeats of each predict measurement (best kept)")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the end-to-end pipeline figures")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    if not corpus.available():
        print(f"real documents not found at {corpus.shared_dir()}; set JIXIAO_SHARED", file=sys.stderr)
        return 2
    seed_paths = sorted(d.path for d in corpus.real_documents() if d.path.parent.name == "seeds")
    seeds = [read_document(p).text for p in seed_paths]
    from pipeline.synth import generate

    synth = [d.text for d in generate(args.synthetic, 0, size="report")]
    sets = {
        "seeds": [(t, [quantity_mention(q) for q in find_quantities(t)]) for t in seeds],
        "synthetic": [(t, [quantity_mention(q) for q in find_quantities(t)]) for t in synth],
    }
    for name, texts in sets.items():
        print(f"{name}: {len(texts)} documents, {sum(len(t) for t, _ in texts):,} characters")

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    for name, texts in sets.items():
        chars = sum(len(t) for t, _ in texts)
        speed = chars / best_cpu(lambda texts=texts: [jieba.lcut(t) for t, _ in texts], args.runs)
        print(f"jieba.lcut on {name}: {speed:,.0f} chars per CPU-second")

    models = []
    for folder in args.models:
        if not (folder / "meta.json").is_file():
            print(f"{folder}: no model (train one, e.g. `jixiao train ner --backend linear -o {folder}`)")
            continue
        model = load_ner(folder)
        models.append((folder, model))
        model.predict(seeds[0][:2000])  # warm up
        for name, texts in sets.items():
            for skip_plain in (True, False):
                speed = predict_speed(model, texts, skip_plain=skip_plain, runs=args.runs)
                print(
                    f"{model.backend:6s} {folder.name}: predict on {name} (skip_plain={skip_plain}): "
                    f"{speed:,.0f} chars per CPU-second"
                )
    if not args.no_pipeline:
        for folder, model in models:
            kbs, cpu, timings = pipeline_speed(folder, seed_paths)
            stages = ", ".join(f"{k} {v:.2f}" for k, v in timings.items())
            print(f"pipeline with {model.backend} NER on the seeds: {kbs:,.0f} KB per CPU-second ({cpu:.2f} CPU s)")
            print(f"  seconds per stage (wall): {stages}")
    print("targets: predict ≥ 180,000 chars/s; pipeline ≥ 200 KB/s per core")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
