"""Relations and money attributes: trained scikit-learn classifiers over context features.

- `RelationModel.fit` learns which INDICATOR a value mention (TARGET, ACTUAL, WEIGHT,
  SCORE) belongs to, from pair features: distance, same line, values in between, cue words
  between the two (目标, 指标值, 实际, 完成, 预算, 决算, 执行 …), the tail's label;
- and assigns each MONEY mention its `stage`, `flow` and `item` (one logistic regression
  each, probabilities under `<attr>_score`).
Saved with skops (types checked against a trusted list on load) plus meta.json.
The `relations` stage runs a saved model on a document's mentions.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from pathlib import Path
from typing import Any, ClassVar

from pipeline.core import Stage, register, resolve_path
from pipeline.modelio import ModelMeta, library_versions, load_json, load_meta, load_skops, now_iso, save_json, save_model_dir, save_skops
from pipeline.errors import Messages, ModelError
from pipeline.extract.features import VALUE_LABELS, cue_features, money_features
from pipeline.schema import Document, Mention, Relation

logger = logging.getLogger(__name__)

MONEY_ATTRS = ("stage", "flow", "item")
MAX_PAIR_DISTANCE = 200
HASHED_FEATURES = 2**12
TRUSTED = [
    "sklearn.feature_extraction._hash.FeatureHasher",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
    "numpy.float64",
    "numpy.dtype",
    "numpy.ndarray",
    "builtins.float",
]


def _pipeline(seed: int, c: float):
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    hasher = FeatureHasher(n_features=HASHED_FEATURES, alternate_sign=False)
    return Pipeline([("vec", hasher), ("clf", LogisticRegression(C=c, max_iter=2000, random_state=seed))])


def pair_features(text: str, head: Mention, tail: Mention, between_mentions: list[Mention]) -> dict[str, float]:
    lo, hi = (head.end, tail.start) if head.end <= tail.start else (tail.end, head.start)
    between = text[lo:hi] if hi > lo else ""
    d = tail.start - head.end
    feats: dict[str, float] = {
        f"tail={tail.label}": 1.0,
        "after": float(d >= 0),
        "dist": min(abs(d), MAX_PAIR_DISTANCE) / MAX_PAIR_DISTANCE,
        f"dist_bucket={min(abs(d) // 5, 12)}": 1.0,
        "same_line": float("\n" not in between),
        "newlines": min(between.count("\n"), 6) / 6,
        "pipes": min(between.count("|"), 8) / 8,
        "tabs": min(between.count("\t"), 8) / 8,
        "ind_between": float(sum(m.label == "INDICATOR" for m in between_mentions)),
        f"same_between={tail.label}": float(sum(m.label == tail.label for m in between_mentions)),
        "vals_between": float(sum(m.label in VALUE_LABELS for m in between_mentions)),
    }
    feats.update(cue_features("w:", between[-30:], near=10))
    return feats


def _candidates(doc_text: str, mentions: list[Mention]):
    """(head index, tail index, features) for INDICATOR × value mentions within reach."""
    order = sorted(range(len(mentions)), key=lambda i: mentions[i].start)
    starts = [mentions[i].start for i in order]  # the mentions between a pair are found by bisection
    inds = [i for i in order if mentions[i].label == "INDICATOR"]
    vals = [i for i in order if mentions[i].label in VALUE_LABELS]
    for t in vals:
        tail = mentions[t]
        for h in inds:
            head = mentions[h]
            if abs(tail.start - head.end) > MAX_PAIR_DISTANCE and abs(head.start - tail.end) > MAX_PAIR_DISTANCE:
                continue
            lo, hi = min(head.end, tail.end), max(head.start, tail.start)
            between = [
                mentions[i]
                for i in order[bisect_left(starts, lo) : bisect_left(starts, hi)]
                if mentions[i].end <= hi and i != h and i != t
            ]
            yield h, t, pair_features(doc_text, head, tail, between)


class RelationModel:
    """Pair classifier (indicator → value) and money attribute classifiers."""

    def __init__(self, *, seed: int = 0, c: float = 4.0) -> None:
        self.seed = seed
        self.c = c

    def fit(self, examples: list[tuple[str, list[Mention], list[Relation]]]) -> RelationModel:
        """`examples`: (text, mentions, relations) per document, relations on the mentions."""
        X, y = [], []
        mx: list[dict] = []
        my: dict[str, list[str]] = {a: [] for a in MONEY_ATTRS}
        for text, mentions, relations in examples:
            gold = {(r.head, r.tail) for r in relations if r.label != "subject"}
            for h, t, feats in _candidates(text, mentions):
                X.append(feats)
                y.append(int((h, t) in gold))
            for m in mentions:
                if m.label == "MONEY" and all(a in m.attrs for a in MONEY_ATTRS):
                    mx.append(money_features(text, m))
                    for a in MONEY_ATTRS:
                        my[a].append(str(m.attrs[a]))
        self.pair_ = _pipeline(self.seed, self.c).fit(X, y) if len(set(y)) > 1 else None
        self.money_ = {}
        for a in MONEY_ATTRS:
            if len(set(my[a])) > 1:
                self.money_[a] = _pipeline(self.seed, self.c).fit(mx, my[a])
            elif my[a]:
                self.money_[a] = my[a][0]  # a single class seen: a constant
        self.n_pairs_ = len(X)
        self.n_money_ = len(mx)
        return self

    def predict(self, text: str, mentions: list[Mention], *, threshold: float = 0.5) -> tuple[list[Relation], list[dict]]:
        """Relations among `mentions` and, for each MONEY mention, its attributes (index → attrs)."""
        relations: list[Relation] = []
        if self.pair_ is not None:
            best: dict[int, tuple[float, int]] = {}
            cands = list(_candidates(text, mentions))
            if cands:
                probs = self.pair_.predict_proba([f for _, _, f in cands])[:, 1]
                for (h, t, _), p in zip(cands, probs):
                    if p >= threshold and (t not in best or p > best[t][0]):
                        best[t] = (float(p), h)
            # one value of each kind per indicator: the most probable
            taken: dict[tuple[int, str], tuple[float, int]] = {}
            for t, (p, h) in best.items():
                key = (h, mentions[t].label)
                if key not in taken or p > taken[key][0]:
                    taken[key] = (p, t)
            for (h, label), (p, t) in sorted(taken.items(), key=lambda kv: kv[1][1]):
                relations.append(Relation(head=h, tail=t, label=label.lower(), score=round(p, 4), source="relations"))
        attrs: list[dict] = []
        money = [i for i, m in enumerate(mentions) if m.label == "MONEY"]
        feats = [money_features(text, mentions[i]) for i in money]
        for k, i in enumerate(money):
            attrs.append({"index": i})
        for a in MONEY_ATTRS:
            model = self.money_.get(a)
            if model is None or not feats:
                continue
            if isinstance(model, str):
                for d in attrs:
                    d[a], d[f"{a}_score"] = model, 1.0
                continue
            probs = model.predict_proba(feats)
            classes = list(model.classes_)
            for d, row in zip(attrs, probs):
                j = int(row.argmax())
                d[a], d[f"{a}_score"] = classes[j], round(float(row[j]), 4)
        return relations, attrs

    # --- persistence ----------------------------------------------------------------------

    def to_disk(self, path: Path, *, meta: ModelMeta | None = None) -> None:
        """skops weights + config.json, and (given a meta) meta.json + card via modelio."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        state = {"pair": self.pair_, **{f"money_{a}": self.money_.get(a) for a in MONEY_ATTRS}}
        save_skops(state, path / "relations.skops")
        save_json({"seed": self.seed, "c": self.c, "n_pairs": self.n_pairs_, "n_money": self.n_money_}, path / "config.json")
        if meta is not None:
            save_model_dir(path, meta, ["relations.skops", "config.json"])

    @classmethod
    def from_disk(cls, path: Path, *, check: bool = True) -> RelationModel:
        path = Path(path)
        weights = path / "relations.skops"
        if not weights.is_file():
            raise ModelError(Messages.MODEL_MISSING.format(path=path, what="relations"))
        if check:
            load_meta(path, expect_libs=("scikit-learn", "skops"))
        state = load_skops(weights, trusted=TRUSTED)
        info = load_json(path / "config.json")
        model = cls(seed=info["seed"], c=info["c"])
        model.pair_ = state["pair"]
        model.money_ = {a: state[f"money_{a}"] for a in MONEY_ATTRS if state.get(f"money_{a}") is not None}
        model.n_pairs_, model.n_money_ = info["n_pairs"], info["n_money"]
        return model


def apply_relations(doc: Document, model: RelationModel, *, threshold: float = 0.5) -> Document:
    """Add predicted relations (those not already there) and fill MONEY attributes."""
    relations, attrs = model.predict(doc.text, doc.mentions, threshold=threshold)
    linked = {(r.tail, r.label) for r in doc.relations}
    filled = {(r.head, r.label) for r in doc.relations}  # a table row already gave its target
    for r in relations:
        if (r.tail, r.label) not in linked and (r.head, r.label) not in filled:
            doc.relations.append(r)
    for d in attrs:
        m = doc.mentions[d.pop("index")]
        if m.source == "table" and "stage" in m.attrs:
            continue  # a table column said it
        m.attrs.update(d)
    return doc


@register
class RelationsStage(Stage):
    """Link indicators to their values and classify each amount's stage, flow and item."""

    name: ClassVar[str] = "relations"
    requires = ("mentions",)
    assigns = ("relations",)

    def __init__(self, *, model: str = "models/relations", threshold: float = 0.5) -> None:
        self.model = model
        self.threshold = threshold
        self._model: RelationModel | None = None

    def __call__(self, doc: Document) -> Document:
        if self._model is None:
            self._model = RelationModel.from_disk(resolve_path(self.model))
        return apply_relations(doc, self._model, threshold=self.threshold)


DEFAULT_CONFIG = "configs/relations.toml"


def train(*, config: Path | None = None, output: Path | None = None) -> dict[str, Any]:
    """`jixiao train relations`: fit on every annotated real document, save, return meta."""
    import time

    from pipeline.extract.features import load_gold, training_settings
    from pipeline.extract.ner import data_hash

    cfg, settings, out = training_settings(
        config, output, default_config=DEFAULT_CONFIG, default_output="models/relations"
    )
    golds = load_gold()
    t0 = time.perf_counter()
    model = RelationModel(**settings).fit([(g.doc.text, g.mentions, g.relations) for g in golds])
    seconds = round(time.perf_counter() - t0, 1)
    meta = ModelMeta(
        name="relations",
        created=now_iso(),
        description="Logistic regressions over hashed context features: indicator → target/actual/weight/score "
        "links, and the stage, flow and item of each amount of money.",
        libraries=library_versions(("scikit-learn", "skops", "numpy")),
        labels=["target", "actual", "weight", "score", *(f"money.{a}" for a in MONEY_ATTRS)],
        config=settings,
        data_sha256=data_hash(
            (g.doc.text, [(m.start, m.end, m.label) for m in g.mentions] + [(r.head, r.tail, r.label) for r in g.relations])
            for g in golds
        ),
        data={"real_documents": len(golds), "pairs": model.n_pairs_, "money_mentions": model.n_money_},
        metrics={"training_seconds": seconds},
    )
    model.to_disk(out, meta=meta)
    return meta
