"""The section classifier: TF-IDF character n-grams + layout features → logistic regression,
with a temperature fitted on held-out documents so that its probabilities are calibrated.

scikit-learn's contract: `__init__` stores settings, `fit` returns self, learned state ends
in `_`. `to_disk` / `from_disk` write and read a model folder through `pipeline.modelio`
(skops with an explicit list of trusted types, JSON for the rest).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import normalize
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2
from threadpoolctl import threadpool_limits

from pipeline import modelio
from pipeline.errors import ModelError, Messages
from pipeline.sections.features import SectionFeatures, categorical

logger = logging.getLogger(__name__)

WEIGHTS_FILE = "classifier.skops"
STATE_FILE = "state.json"
LIBS = ("sklearn", "skops", "numpy", "scipy")
# every type the weights file may build; loading refuses anything else
TRUSTED_TYPES = (
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.str",
    "builtins.float",
    "builtins.int",
    "builtins.bool",
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.float64",
    "numpy.int64",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.feature_extraction._dict_vectorizer.DictVectorizer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
)
_TEXT_FIELDS = {
    # field: (n-gram range, max features)
    "title": ((1, 3), 20000),
    "parent_title": ((1, 2), 5000),
    "content": ((1, 2), 4000),
    "doc_head": ((1, 2), 3000),
}
_TEMPERATURES = np.exp(np.linspace(np.log(0.05), np.log(20.0), 400))


class SectionClassifier(ClassifierMixin, BaseEstimator):
    """Predicts a section label (configs/sections.toml) from `SectionFeatures`.

    `fit(X, y, groups=…)`: `groups` names each example's document; the temperature is fitted
    on out-of-fold scores of `calibration_folds` document-grouped folds (examples with
    `calibrate=False`, e.g. synthetic ones, are only ever trained on).
    """

    def __init__(
        self,
        *,
        C: float = 8.0,
        class_weight: str | None = "balanced",
        max_iter: int = 3000,
        calibration_folds: int = 5,
        title_weight: float = 1.0,
        parent_weight: float = 0.6,
        content_weight: float = 0.6,
        doc_weight: float = 0.4,
        layout_weight: float = 1.0,
    ) -> None:
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.calibration_folds = calibration_folds
        self.title_weight = title_weight
        self.parent_weight = parent_weight
        self.content_weight = content_weight
        self.doc_weight = doc_weight
        self.layout_weight = layout_weight

    # -- fitting --------------------------------------------------------------------------
    def _new_vectorizers(self) -> dict[str, Any]:
        vecs: dict[str, Any] = {
            name: TfidfVectorizer(analyzer="char", ngram_range=ngrams, max_features=top, sublinear_tf=True, lowercase=False)
            for name, (ngrams, top) in _TEXT_FIELDS.items()
        }
        vecs["layout"] = DictVectorizer()
        return vecs

    def _block_weights(self) -> dict[str, float]:
        return {
            "title": self.title_weight,
            "parent_title": self.parent_weight,
            "content": self.content_weight,
            "doc_head": self.doc_weight,
            "layout": self.layout_weight,
        }

    def _matrix(self, vecs: dict[str, Any], X: Sequence[SectionFeatures], *, fit: bool) -> sparse.csr_matrix:
        blocks = []
        weights = self._block_weights()
        for name, vec in vecs.items():
            if name == "layout":
                column = [categorical(f) for f in X]
                m = vec.fit_transform(column) if fit else vec.transform(column)
            else:
                column = [getattr(f, name) or "∅" for f in X]
                m = vec.fit_transform(column) if fit else _transform_distinct(vec, column)
            blocks.append(m * weights[name])
        return sparse.hstack(blocks, format="csr")

    def _fit_core(self, X: Sequence[SectionFeatures], y: np.ndarray) -> tuple[dict[str, Any], LogisticRegression]:
        vecs = self._new_vectorizers()
        M = self._matrix(vecs, X, fit=True)
        for vec in vecs.values():
            if hasattr(vec, "stop_words_"):  # the n-grams cut by max_features: only size on disk
                vec.stop_words_ = None
            if hasattr(vec, "vocabulary_"):  # plain ints: skops writes numpy scalars one file each
                vec.vocabulary_ = {term: int(i) for term, i in vec.vocabulary_.items()}
        model = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter, solver="newton-cg")
        with threadpool_limits(limits=1):  # BLAS threads only slow a model this small
            model.fit(M, y)
        return vecs, model

    def fit(
        self,
        X: Sequence[SectionFeatures],
        y: Sequence[str],
        *,
        groups: Sequence[str] | None = None,
        calibrate: Sequence[bool] | None = None,
    ) -> SectionClassifier:
        X = list(X)
        y = np.asarray(list(y))
        self.classes_ = np.array(sorted(set(y)))
        if len(self.classes_) < 2:
            raise ValueError("a section classifier needs examples of at least two labels")
        self.vectorizers_, self.model_ = self._fit_core(X, y)
        self.temperature_ = self._fit_temperature(X, y, groups, calibrate)
        self.n_features_in_ = sum(len(v.vocabulary_) if hasattr(v, "vocabulary_") else 0 for v in self.vectorizers_.values())
        return self

    def _fit_temperature(self, X, y, groups, calibrate) -> float:
        """The temperature that minimises the log loss of out-of-fold scores on held-out documents."""
        if groups is None:
            return 1.0
        groups = np.asarray(list(groups))
        eligible = np.ones(len(y), bool) if calibrate is None else np.asarray(list(calibrate), bool)
        held_groups = np.unique(groups[eligible])
        folds = min(self.calibration_folds, len(held_groups))
        if folds < 2:
            return 1.0
        logits = np.full((len(y), len(self.classes_)), np.nan)
        splitter = GroupKFold(n_splits=folds)
        idx_eligible = np.flatnonzero(eligible)
        for _, test_pos in splitter.split(idx_eligible, groups=groups[idx_eligible]):
            test = idx_eligible[test_pos]
            test_groups = set(groups[test])
            train = np.array([i for i in range(len(y)) if groups[i] not in test_groups])
            if len(set(y[train])) < 2:
                continue
            vecs, model = self._fit_core([X[i] for i in train], y[train])
            scores = _scores(model, self._matrix(vecs, [X[i] for i in test], fit=False))
            col = {c: j for j, c in enumerate(self.classes_)}
            full = np.full((len(test), len(self.classes_)), -1e4)
            for j, c in enumerate(model.classes_):
                full[:, col[c]] = scores[:, j]
            logits[test] = full
        done = ~np.isnan(logits[:, 0])
        if not done.any():
            return 1.0
        truth = np.searchsorted(self.classes_, y[done])
        losses = [_nll(logits[done] / t, truth) for t in _TEMPERATURES]
        return float(_TEMPERATURES[int(np.argmin(losses))])

    # -- prediction -----------------------------------------------------------------------
    def decision_function(self, X: Sequence[SectionFeatures]) -> np.ndarray:
        scores = _scores(self.model_, self._matrix(self.vectorizers_, list(X), fit=False))
        return scores

    def predict_proba(self, X: Sequence[SectionFeatures]) -> np.ndarray:
        if not len(X):
            return np.zeros((0, len(self.classes_)))
        return _softmax(self.decision_function(X) / self.temperature_)

    def predict(self, X: Sequence[SectionFeatures]) -> np.ndarray:
        if not len(X):
            return np.array([], dtype=str)
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]

    # -- disk -----------------------------------------------------------------------------
    def to_disk(self, path: Path, meta: modelio.ModelMeta) -> modelio.ModelMeta:
        """Write the model folder (weights via skops, state as JSON, meta.json, card)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        modelio.save_skops({"vectorizers": self.vectorizers_, "model": self.model_}, path / WEIGHTS_FILE)
        modelio.save_json(
            {"params": self.get_params(), "classes": self.classes_.tolist(), "temperature": self.temperature_},
            path / STATE_FILE,
        )
        meta = meta.model_copy(update={"labels": self.classes_.tolist(), "libraries": modelio.library_versions(LIBS)})
        return modelio.save_model_dir(path, meta, [WEIGHTS_FILE, STATE_FILE])

    @classmethod
    def from_disk(cls, path: Path) -> SectionClassifier:
        """Load a model folder, checking library versions, file hashes and trusted types."""
        path = Path(path)
        modelio.load_meta(path, expect_libs=("sklearn", "skops"))
        state = modelio.load_json(path / STATE_FILE)
        weights = modelio.load_skops(path / WEIGHTS_FILE, trusted=TRUSTED_TYPES)
        if not isinstance(weights, dict) or set(weights) != {"vectorizers", "model"}:
            raise ModelError(Messages.MODEL_TAMPERED.format(path=path, detail="unexpected weights layout"), path=str(path))
        clf = cls(**state["params"])
        clf.vectorizers_ = weights["vectorizers"]
        clf.model_ = weights["model"]
        clf.classes_ = np.array(state["classes"])
        clf.temperature_ = float(state["temperature"])
        clf.n_features_in_ = sum(len(v.vocabulary_) if hasattr(v, "vocabulary_") else 0 for v in clf.vectorizers_.values())
        return clf


def _transform_distinct(vec: Any, column: list[str]) -> sparse.csr_matrix:
    """`vec.transform(column)`, each distinct string analysed once (a document's sections share
    their document head and often their parent title): the same rows, fewer n-gram passes."""
    distinct: dict[str, int] = {}
    rows = [distinct.setdefault(s, len(distinct)) for s in column]
    m = _tfidf(vec, list(distinct))
    return m if len(distinct) == len(column) else m[rows]


def _tfidf(vec: TfidfVectorizer, docs: list[str]) -> sparse.csr_matrix:
    """`vec.transform(docs)` for our fitted TfidfVectorizers: the same counting, weighting and
    normalisation step by step (the same floats), without the input validation sklearn
    repeats on every call (≈ 1 ms each, five calls per document)."""
    if vec.binary or not vec.use_idf or vec.dtype is not np.float64:
        return vec.transform(docs)
    analyze = vec.build_analyzer()
    vocabulary = vec.vocabulary_
    indices: list[int] = []
    counts: list[int] = []
    indptr = [0]
    for doc in docs:
        counter: dict[int, int] = {}
        for feature in analyze(doc):
            j = vocabulary.get(feature)
            if j is not None:
                counter[j] = counter.get(j, 0) + 1
        indices.extend(counter)
        counts.extend(counter.values())
        indptr.append(len(indices))
    m = sparse.csr_matrix((counts, indices, indptr), shape=(len(docs), len(vocabulary)), dtype=np.float64)
    m.sort_indices()
    if vec.sublinear_tf:
        np.log(m.data, m.data)
        m.data += 1.0
    m.data *= vec.idf_[m.indices]
    if vec.norm == "l2":  # what `normalize` runs after validating its input again
        inplace_csr_row_normalize_l2(m)
        return m
    return normalize(m, norm=vec.norm, copy=False) if vec.norm is not None else m


def _scores(model: LogisticRegression, M) -> np.ndarray:
    scores = model.decision_function(M)
    if scores.ndim == 1:  # two classes: one score for the second
        scores = np.column_stack([-scores / 2, scores / 2])
    return scores


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _nll(z: np.ndarray, truth: np.ndarray) -> float:
    p = _softmax(z)[np.arange(len(truth)), truth]
    return float(-np.log(np.clip(p, 1e-12, 1.0)).mean())
