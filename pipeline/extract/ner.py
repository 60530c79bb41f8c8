"""Trained NER: a small spaCy `ner` over characters, fed and corrected by the numbers grammar.

`NerModel.fit` trains a blank Chinese pipeline (one token per character) with a small
tok2vec from gold examples (`features.load_gold`, plus any synthetic examples given).
The grammar feeds the model's output: a predicted span that overlaps a grammar quantity
snaps to the quantity's exact boundaries and takes its parsed value (`value`,
`value_yuan`, `number`), so the model only has to decide what the number *is* (a target,
an actual, a budget, a score) and where an indicator name runs. Saved with spaCy's
`to_disk` plus meta.json and a model card; training is deterministic for a fixed seed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from pipeline.core import Stage, register, resolve_path
from pipeline.errors import Messages, ModelError
from pipeline.extract.features import NER_LABELS
from pipeline.modelio import ModelMeta, library_versions, load_json, load_meta, now_iso, save_json, save_model_dir
from pipeline.schema import Document, Mention

logger = logging.getLogger(__name__)

MAX_CHARS = 200
_FIGURE = re.compile(r"[0-9０-９]|指标")


def windows(text: str, *, max_chars: int = MAX_CHARS) -> list[tuple[int, int]]:
    """[start, end) pieces of `text` cut after line or sentence ends, at most `max_chars` long."""
    from pipeline.annotate.dataset import windows as _windows

    return list(_windows(text, max_chars=max_chars))


def data_hash(examples: Iterable[tuple[str, list[tuple[int, int, str]]]]) -> str:
    """SHA-256 over the training texts and their spans (what the model was trained from)."""
    h = hashlib.sha256()
    for text, spans in examples:
        h.update(text.encode("utf-8"))
        h.update(json.dumps(sorted(spans)).encode())
    return h.hexdigest()


class NerModel:
    """A spaCy NER over characters; `fit` on (text, [(start, end, label)]) examples."""

    backend = "spacy"
    description = (
        "Character-level spaCy NER (small hash-embedding CNN tok2vec) for budget-performance "
        "disclosures; the numbers grammar snaps its numeric spans and parses their values."
    )
    libraries = ("spacy", "thinc", "numpy")

    def __init__(
        self,
        *,
        labels: tuple[str, ...] = NER_LABELS,
        width: int = 64,
        depth: int = 2,
        embed_size: int = 2000,
        epochs: int = 12,
        dropout: float = 0.1,
        seed: int = 0,
    ) -> None:
        self.labels = labels
        self.width = width
        self.depth = depth
        self.embed_size = embed_size
        self.epochs = epochs
        self.dropout = dropout
        self.seed = seed

    def _blank(self):
        import spacy

        nlp = spacy.blank("zh")
        model = {
            "@architectures": "spacy.TransitionBasedParser.v2",
            "state_type": "ner",
            "extra_state_tokens": False,
            "hidden_width": 64,
            "maxout_pieces": 2,
            "use_upper": True,
            "nO": None,
            "tok2vec": {
                "@architectures": "spacy.HashEmbedCNN.v2",
                "pretrained_vectors": None,
                "width": self.width,
                "depth": self.depth,
                "embed_size": self.embed_size,
                "window_size": 1,
                "maxout_pieces": 3,
                "subword_features": False,
            },
        }
        ner = nlp.add_pipe("ner", config={"model": model})
        for label in self.labels:
            ner.add_label(label)
        return nlp

    def fit(self, examples: list[tuple[str, list[tuple[int, int, str]]]]) -> NerModel:
        """Train on windows of the examples' texts; spans are character offsets."""
        import spacy
        from spacy.training import Example
        from spacy.util import fix_random_seed, minibatch

        fix_random_seed(self.seed)
        rng = random.Random(self.seed)
        nlp = self._blank()
        train = []
        for text, spans in examples:
            for ws, we in windows(text):
                chunk = text[ws:we]
                if not chunk.strip():
                    continue
                ents = [(s - ws, e - ws, lab) for s, e, lab in spans if s >= ws and e <= we and lab in self.labels]
                doc = nlp.make_doc(chunk)
                spans_ok = []
                for s, e, lab in sorted(ents):
                    while s < e and chunk[s].isspace():
                        s += 1
                    while e > s and chunk[e - 1].isspace():
                        e -= 1
                    if s >= e:
                        continue
                    span = doc.char_span(s, e, label=lab, alignment_mode="expand")
                    if span is not None and not any(span.start < o.end and o.start < span.end for o in spans_ok):
                        spans_ok.append(span)
                doc.ents = spans_ok
                pred = nlp.make_doc(chunk)
                train.append(Example(pred, doc))
        if not train:
            raise ValueError("no training examples")
        optimizer = nlp.initialize(lambda: train)
        self.losses_ = []
        for _ in range(self.epochs):
            rng.shuffle(train)
            losses: dict[str, float] = {}
            for batch in minibatch(train, size=16):
                nlp.update(batch, sgd=optimizer, drop=self.dropout, losses=losses)
            self.losses_.append(round(float(losses.get("ner", 0.0)), 3))
        self.nlp_ = nlp
        self.n_examples_ = len(train)
        self.fit_figures_ = {"train_loss_per_epoch": [float(x) for x in self.losses_]}
        del spacy
        return self

    def predict(
        self, text: str, *, skip_plain: bool = False, quantities: list[Mention] | None = None
    ) -> list[tuple[int, int, str, float]]:
        """(start, end, label, score) for every entity the model finds in `text`.

        `skip_plain`: leave out pieces with no digit and no 指标 (prose without figures), which
        hold few entities; about twice as fast on reports. `quantities` is accepted for the
        backends' common interface; the spaCy model reads the text alone.
        """
        out = []
        pieces = [(ws, we) for ws, we in windows(text) if text[ws:we].strip()]
        if skip_plain:
            pieces = [(ws, we) for ws, we in pieces if _FIGURE.search(text, ws, we)]
        for (ws, _we), doc in zip(pieces, self.nlp_.pipe(text[ws:we] for ws, we in pieces)):
            for ent in doc.ents:
                out.append((ws + ent.start_char, ws + ent.end_char, ent.label_, 1.0))
        return out

    def get_config(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("labels", "width", "depth", "embed_size", "epochs", "dropout", "seed")}

    def to_disk(self, path: Path, *, meta: ModelMeta | None = None) -> None:
        """spaCy `to_disk` under `spacy/`, config.json, and (given a meta) meta.json + card via modelio."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.nlp_.to_disk(path / "spacy")
        save_json({"backend": self.backend, **self.get_config(), "labels": list(self.labels)}, path / "config.json")
        if meta is not None:
            files = sorted(p.relative_to(path).as_posix() for p in (path / "spacy").rglob("*") if p.is_file())
            save_model_dir(path, meta, [*files, "config.json"])

    @classmethod
    def from_disk(cls, path: Path, *, check: bool = True) -> NerModel:
        import spacy

        path = Path(path)
        if not (path / "spacy").is_dir():
            raise ModelError(Messages.MODEL_MISSING.format(path=path, what="ner"))
        if check:
            load_meta(path, expect_libs=("spacy",))
        config = load_json(path / "config.json")
        config.pop("backend", None)
        config["labels"] = tuple(config["labels"])
        model = cls(**config)
        model.nlp_ = spacy.load(path / "spacy")
        return model


# --- backends: the spaCy model above, or the linear tagger (pipeline/extract/tagger.py) ---------

BACKENDS = ("spacy", "linear")


def ner_class(backend: str) -> type:
    """The NER class of a backend name (`spacy` → NerModel, `linear` → LinearTagger)."""
    if backend == "spacy":
        return NerModel
    if backend == "linear":
        from pipeline.extract.tagger import LinearTagger

        return LinearTagger
    raise ModelError(Messages.NER_BACKEND.format(backend=backend, known=", ".join(BACKENDS)))


def backend_settings(cfg: dict[str, Any], *, backend: str | None = None) -> dict[str, Any]:
    """A configs/ner.toml (parsed) → {"backend": …, **its keyword arguments}.

    The spaCy model's arguments are under `[model]`, the linear tagger's under `[linear]`;
    `backend` (default: the file's `backend`, else spacy) picks one.
    """
    backend = backend or cfg.get("backend", "spacy")
    settings = dict(cfg.get("model" if backend == "spacy" else backend, {}))
    if "labels" in settings:
        settings["labels"] = tuple(settings["labels"])
    return {"backend": backend, **settings}


def make_ner(settings: dict[str, Any]):
    """An unfitted NER of `settings["backend"]` (default spacy) with the settings that class takes.

    Settings the backend does not take (e.g. an `epochs` override given to a linear tagger)
    are left out with a debug message.
    """
    import inspect

    settings = dict(settings)
    cls = ner_class(settings.pop("backend", "spacy"))
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self"}
    ignored = sorted(set(settings) - accepted)
    if ignored:
        logger.debug("%s ignores the settings %s", cls.__name__, ", ".join(ignored))
    return cls(**{k: v for k, v in settings.items() if k in accepted})


def load_ner(path: Path, *, check: bool = True):
    """The NER saved at `path`, of the backend its config.json records (spacy when none)."""
    path = Path(path)
    config = path / "config.json"
    backend = load_json(config).get("backend", "spacy") if config.is_file() else "spacy"
    return ner_class(backend).from_disk(path, check=check)


# --- the grammar's part --------------------------------------------------------------------

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


_YEAR = re.compile(r"(?:19|20)\d{2}\s*年度?")
_TABLE_LINE = re.compile(r"\||^\t", re.MULTILINE)


def _line_of(text: str, pos: int) -> str:
    return text[text.rfind("\n", 0, pos) + 1 : (text.find("\n", pos) + 1 or len(text) + 1) - 1]


def _snap(s: int, e: int, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """The union of [s, e) with every span it overlaps."""
    for a, b in spans:
        if a < e and s < b:
            s, e = min(s, a), max(e, b)
    return s, e


# How often an amount the grammar reads where the model saw none is money of that value: 8 of 9 on
# the annotated real documents (2026-11-25), shrunk by one right and one wrong reading.
GRAMMAR_MONEY_CERTAINTY = 0.82


def to_mentions(
    text: str, found: list[tuple[int, int, str, float]], quantities: list[Mention], *, grammar_money: bool = True
) -> list[Mention]:
    """Model spans → mentions with the attrs contract; the grammar fixes numbers and adds money.

    Numeric spans snap to the grammar's quantities they overlap (and take their parsed
    values); YEAR snaps to `2024年度`-like text; a MONEY span must be an amount of money the
    grammar read, or a bare number in a table row (万元 when the text before says so). With
    `grammar_money`, amounts the model left unlabelled that carry no comparator (a ≥ makes a
    target) are added as MONEY mentions with source "grammar".
    """
    from pipeline.extract.numbers import parse_value

    qs = sorted(quantities, key=lambda q: q.start)
    numeric = [(q.start, q.end) for q in qs if q.attrs.get("kind") != "qualitative"]
    out: list[Mention] = []
    for s, e, label, score in found:
        attrs: dict[str, Any] = {}
        source = "ner"
        if label in ("TARGET", "ACTUAL", "SCORE", "WEIGHT", "RATE", "MONEY"):
            s, e = _snap(s, e, numeric)
        elif label == "YEAR":
            m = next((m for m in _YEAR.finditer(text, max(0, s - 8), min(len(text), e + 8)) if m.start() < e and s < m.end()), None)
            if m is None:
                continue
            s, e = m.start(), m.end()
        span = text[s:e]
        if label in ("TARGET", "ACTUAL"):
            v = parse_value(span, free_qualitative=True)
            if v is not None:
                attrs["value"] = v.model_dump()
        elif label == "MONEY":
            q = next((q for q in qs if q.start == s and q.end == e), None)
            if q is not None and q.attrs.get("kind") == "money" and q.attrs.get("value_yuan") is not None:
                attrs["value_yuan"] = q.attrs["value_yuan"]
            elif q is not None and q.attrs.get("kind") == "number" and _TABLE_LINE.search(_line_of(text, s)):
                v = q.attrs.get("value") or {}
                if v.get("value") is None:
                    continue
                factor = 10000.0 if "万元" in text[max(0, s - 400) : s] else 1.0
                attrs["value_yuan"] = round(float(v["value"]) * factor, 2)
            else:
                continue  # not an amount the grammar can read
        elif label in ("SCORE", "WEIGHT", "RATE"):
            m = _NUMBER.search(span)
            if not m:
                continue
            attrs["number" if label != "RATE" else "value"] = float(m.group(0))
        elif label == "YEAR":
            attrs["year"] = int(re.match(r"\d{4}", span).group(0))
        elif label == "GRADE":
            attrs["grade"] = span
        out.append(Mention(label=label, start=s, end=e, text=span, score=score, source=source, attrs=attrs))
    if grammar_money:
        taken = [(m.start, m.end) for m in out]
        for q in qs:
            value = q.attrs.get("value") or {}
            if q.attrs.get("kind") != "money" or value.get("op") or q.attrs.get("value_yuan") is None:
                continue
            if value.get("unit") not in (None, "元") or any(a < q.end and q.start < b for a, b in taken):
                continue
            out.append(
                Mention(
                    label="MONEY", start=q.start, end=q.end, text=q.text, score=GRAMMAR_MONEY_CERTAINTY, source="grammar",
                    attrs={"value_yuan": q.attrs["value_yuan"]},
                )
            )
    return sorted(out, key=lambda m: m.start)


def append_mentions(doc: Document, new: list[Mention]) -> Document:
    """Append mentions that overlap no mention already there (table and grammar mentions win)."""
    taken = [(m.start, m.end) for m in doc.mentions]
    for m in new:
        if any(a < m.end and m.start < b for a, b in taken):
            continue
        doc.mentions.append(m)
        taken.append((m.start, m.end))
    return doc


@register
class NerStage(Stage):
    """Find entities with the trained NER; the grammar's quantities fix their numbers."""

    name: ClassVar[str] = "ner"
    requires = ("text",)
    assigns = ("mentions",)

    def __init__(self, *, model: str = "models/ner", skip_plain: bool = True) -> None:
        self.model = model
        self.skip_plain = skip_plain
        self._model = None

    def __call__(self, doc: Document) -> Document:
        if self._model is None:
            self._model = load_ner(resolve_path(self.model))
        quantities = doc.quantities
        if not quantities:
            from pipeline.extract.numbers import find_quantities, quantity_mention

            quantities = [quantity_mention(q) for q in find_quantities(doc.text)]
        found = self._model.predict(doc.text, skip_plain=self.skip_plain, quantities=quantities)
        return append_mentions(doc, to_mentions(doc.text, found, quantities))


# --- training from the repository's annotations ----------------------------------------------

DEFAULT_CONFIG = "configs/ner.toml"


def train(*, config: Path | None = None, output: Path | None = None, backend: str | None = None) -> dict[str, Any]:
    """`jixiao train ner`: fit on every annotated real document (+ synthetic), save, return meta.

    `backend`: spacy or linear (default: the config's `backend`).
    """
    import time

    from pipeline.extract.features import load_gold, training_settings

    cfg, _, out = training_settings(config, output, default_config=DEFAULT_CONFIG, default_output="models/ner")
    settings = backend_settings(cfg, backend=backend)
    golds = load_gold()
    examples = [(g.doc.text, [(m.start, m.end, m.label) for m in g.mentions]) for g in golds]
    n_real = len(examples)
    examples += synthetic_examples(cfg.get("synthetic", {}))
    t0 = time.perf_counter()
    model = make_ner(settings).fit(examples)
    seconds = round(time.perf_counter() - t0, 1)
    meta = ModelMeta(
        name="ner",
        created=now_iso(),
        description=model.description,
        libraries=library_versions(model.libraries),
        labels=list(model.labels),
        config={
            "backend": model.backend, **model.get_config(), "labels": list(model.labels),
            "synthetic": cfg.get("synthetic", {}),
        },
        data_sha256=data_hash(examples),
        data={"real_documents": n_real, "synthetic_documents": len(examples) - n_real, "windows": model.n_examples_},
        metrics={**model.fit_figures_, "training_seconds": seconds},
    )
    model.to_disk(out, meta=meta)
    return meta


def synthetic_examples(settings: dict[str, Any]) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """Training volume from our own generator (`pipeline.synth`), when it exists and is asked for."""
    n = int(settings.get("documents", 0))
    if n <= 0:
        return []
    try:
        from pipeline.synth import generate
    except ImportError:
        logger.warning("synthetic documents asked for, but pipeline.synth is not available")
        return []
    return [(d.text, [(e.start, e.end, e.label) for e in d.entities.entities]) for d in generate(n, int(settings.get("seed", 0)))]
