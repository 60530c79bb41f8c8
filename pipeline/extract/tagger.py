"""A fast trained NER: a linear character tagger over hashed, vectorised features.

`LinearTagger` has the interface of the spaCy `NerModel` (`fit`, `predict`, `get_config`,
`to_disk`, `from_disk`) and tags every character of a text with BIO tags of the NER labels.
Features are computed for all characters at once with numpy integer operations (no loop
over characters): the characters around the position (digits folded to 0), their bigrams
and trigrams, a window of character classes, the numbers grammar's quantities (as begin /
inside / last of their kind, with or without a comparator, and the nearest ones on the
line), the line's shape (table row, column, position), and cue words earlier or later on
the line (目标, 实际, 预算, 得分, 权重 …). Each (template, value) pair is hashed into one of
2**`buckets_log2` columns of a sparse matrix, and a multinomial logistic regression
(scikit-learn, lbfgs) gives a probability per tag. Decoding is greedy: the most probable tag
of each character, an I- without its B- starts a span, and a span's score is the mean of
its characters' tag probabilities. With `stack`, a second model sees the first one's
tags around the position (trained on out-of-fold tags of the first, so it learns from
tags like those it gets at prediction time).

Weights are stored as the non-zero rows of the coefficient table, quantised to int8 with
one float32 scale per row (`weights.npz`, no pickle), beside config.json, meta.json and the
card. Same data + settings ⇒ same weights.
"""

from __future__ import annotations

import itertools
import logging
import re
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import Messages, ModelError
from pipeline.extract.features import NER_LABELS
from pipeline.modelio import ModelMeta, load_json, load_meta, save_json, save_model_dir
from pipeline.schema import Mention

logger = logging.getLogger(__name__)

BACKEND = "linear"
WEIGHTS_FILE = "weights.npz"
_PAD = 4  # characters of padding on each side of the text
_OUT = 0x110001  # code of the padding (outside the text)

# --- character classes ------------------------------------------------------------------

_CLASS_OF = {
    **{c: 1 for c in "0123456789０１２３４５６７８９"},
    **{c: 3 for c in "一二三四五六七八九十百千万亿零〇两"},
    **{c: 4 for c in "%％‰"},
    **{c: 5 for c in "≥≤><=＞＜＝≦≧"},
    " ": 6, "\u3000": 6, "\n": 7, "\t": 8, "|": 9,
    **{c: 10 for c in "元"},
    **{c: 11 for c in ".．,，、"},
    **{c: 12 for c in "（(）)【】[]《》“”\"'"},
    **{c: 13 for c in "：:；;。！!？?"},
    **{c: 14 for c in "年月日"},
    **{c: 15 for c in "-－—~～至"},
}
_N_CLASSES = 20  # class codes fit in 5 bits


def _class_table() -> np.ndarray:
    """Class code of every code point below 0x10000 (others: Han-like or other)."""
    table = np.full(0x10000 + 1, 19, dtype=np.int64)  # 19: other
    table[0x4E00:0xA000] = 2  # Han
    table[0x3400:0x4DC0] = 2
    table[ord("a") : ord("z") + 1] = 16
    table[ord("A") : ord("Z") + 1] = 16
    table[0xFF21:0xFF3B] = 16
    table[0xFF41:0xFF5B] = 16
    for c in "!\"#$&'*+/?@\\^_`{}":
        table[ord(c)] = 17
    table[0x3000:0x3040] = 18  # CJK punctuation
    table[0xFF01:0xFF10] = 18
    for c, k in _CLASS_OF.items():
        table[ord(c)] = k
    table[0x10000] = 0  # padding
    return table


_CLASSES = _class_table()

# --- cue words: what the line says before (or after) a position ---------------------------

CUE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("目标值", "指标值", "目标", "计划", "预期", "预计", "不低于", "不少于", "不超过", "力争", "确保"),
    ("实际完成", "完成值", "实际", "完成", "实现", "达到", "达成", "已"),
    ("年初预算", "预算数", "预算", "年初", "全年"),
    ("决算", "支出", "执行", "使用", "结余", "结转"),
    ("收入", "拨款", "资金", "安排", "下达", "投入"),
    ("自评得分", "得分", "评分", "总分", "自评"),
    ("权重", "分值", "满分", "标准分"),
    ("三级指标", "二级指标", "一级指标", "指标"),
    ("单位名称", "部门名称", "单位", "部门", "名称", "局", "委员会", "中心"),
    ("等级", "评价为", "评定为", "结果为", "优秀", "良好", "合格"),
    ("执行率", "完成率", "比率", "率"),
    ("年度", "年"),
)
_CUE_RE = re.compile("|".join(sorted({w for g in CUE_GROUPS for w in g}, key=len, reverse=True)))
_CUE_GROUP = {}
for _g, _words in enumerate(CUE_GROUPS):
    for _w in _words:
        _CUE_GROUP.setdefault(_w, _g)
_N_CUES = len(CUE_GROUPS)

_KINDS = {"money": 1, "percent": 2, "count": 3, "number": 4, "qualitative": 5}

# distance → bucket (0, 1, 2, 3-4, 5-8, 9-16, 17-32, 33+)
_DIST_BUCKET = np.array([0, 1, 2, 3, 3] + [4] * 4 + [5] * 8 + [6] * 16 + [7], dtype=np.int64)
_NO_DIST = 8


def _bucket(d: np.ndarray) -> np.ndarray:
    return _DIST_BUCKET[np.minimum(d, len(_DIST_BUCKET) - 1)]


# --- hashing ------------------------------------------------------------------------------

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _salt(template: int) -> np.uint64:
    """A per-template constant added before mixing (so equal values of two templates differ)."""
    return np.uint64(((template + 1) * 0x9E3779B97F4A7C15) % (1 << 64))


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, vectorised (uint64 wraps around)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def _combine(*parts: np.ndarray, bits: int = 21) -> np.ndarray:
    """Pack small non-negative integer arrays into one uint64 (21 bits each by default)."""
    out = parts[0].astype(np.uint64)
    for p in parts[1:]:
        out = (out << np.uint64(bits)) | p.astype(np.uint64)
    return out


# --- features -------------------------------------------------------------------------------


def code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def _line_bounds(cp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start of the line, end of the line) of each position: the line holds [start, end)."""
    n = len(cp)
    nl = np.flatnonzero(cp == 10)
    start = np.zeros(n, dtype=np.int64)
    after = nl + 1
    after = after[after < n]
    start[after] = after
    start = np.maximum.accumulate(start)
    end = np.full(n, n, dtype=np.int64)
    end[nl] = nl
    end = np.minimum.accumulate(end[::-1])[::-1]
    return start, end


def _last_at_or_before(n: int, positions: np.ndarray) -> np.ndarray:
    """For each i: the largest p in `positions` with p <= i (or -1)."""
    arr = np.full(n, -1, dtype=np.int64)
    arr[positions] = positions
    return np.maximum.accumulate(arr)


def _first_at_or_after(n: int, positions: np.ndarray) -> np.ndarray:
    """For each i: the smallest p in `positions` with p >= i (or n)."""
    arr = np.full(n, n, dtype=np.int64)
    arr[positions] = positions
    return np.minimum.accumulate(arr[::-1])[::-1]


def quantity_codes(n: int, quantities: list[Mention]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per position: the quantity code (0 none; else kind × comparator × begin/inside/last),
    and the arrays (starts, ends, kind codes) of the quantities."""
    qs, qe, qk = [], [], []
    for q in quantities:
        if q.start >= q.end or q.end > n:
            continue
        value = q.attrs.get("value") or {}
        qs.append(q.start)
        qe.append(q.end)
        qk.append(_KINDS.get(q.attrs.get("kind"), 6) * 2 + (1 if value.get("op") else 0))
    codes = np.zeros(n, dtype=np.int64)
    starts = np.asarray(qs, dtype=np.int64)
    ends = np.asarray(qe, dtype=np.int64)
    kinds = np.asarray(qk, dtype=np.int64)
    if len(starts):
        lengths = ends - starts
        which = np.repeat(np.arange(len(starts)), lengths)
        offset = np.arange(len(which)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        pos = starts[which] + offset
        part = np.where(offset == 0, 0, np.where(pos == ends[which] - 1, 2, 1))
        codes[pos] = 1 + kinds[which] * 3 + part
    return codes, starts, ends, kinds


N_TEMPLATES = 34


def hashed_features(text: str, quantities: list[Mention], *, buckets_log2: int) -> np.ndarray:
    """(len(text), N_TEMPLATES) int32 column indices of the hashed features of every character."""
    n = len(text)
    cp = code_points(text)
    folded = cp.copy()
    cls = _CLASSES[np.minimum(cp, 0x10000 - 1)]
    folded[cls == 1] = 48  # every digit is 0
    pad_c = np.full(n + 2 * _PAD, _OUT, dtype=np.int64)
    pad_c[_PAD : _PAD + n] = folded
    pad_k = np.zeros(n + 2 * _PAD, dtype=np.int64)
    pad_k[_PAD : _PAD + n] = cls

    def c(k: int) -> np.ndarray:
        return pad_c[_PAD + k : _PAD + k + n]

    def k_(k: int) -> np.ndarray:
        return pad_k[_PAD + k : _PAD + k + n]

    idx = np.arange(n, dtype=np.int64)
    line_start, line_end = _line_bounds(cp)
    # table rows: a tab or a | on the line; column = separators before the position on the line
    sep = ((cp == 9) | (cp == 124)).astype(np.int64)
    sep_before = np.concatenate(([0], np.cumsum(sep)))
    col = sep_before[idx] - sep_before[line_start]
    n_sep = sep_before[line_end] - sep_before[line_start]
    table = n_sep > 0
    col_b = np.minimum(col, 7)
    ncol_b = np.minimum(n_sep, 7)
    pos_b = _bucket(idx - line_start)
    rest_b = _bucket(line_end - idx)
    # quantities
    qcode, qs, qe, qk = quantity_codes(n, quantities)
    pad_q = np.zeros(n + 2 * _PAD, dtype=np.int64)
    pad_q[_PAD : _PAD + n] = qcode

    def q(k: int) -> np.ndarray:
        return pad_q[_PAD + k : _PAD + k + n]

    kind_at = np.zeros(n + 1, dtype=np.int64)
    if len(qs):
        kind_at[qs] = qk
        kind_at[qe - 1] = np.where(kind_at[qe - 1] == 0, qk, kind_at[qe - 1])
    nxt = _first_at_or_after(n + 1, qs)[np.minimum(idx + 1, n)]  # next quantity starting after i
    nxt_ok = nxt < line_end
    next_q = np.where(nxt_ok, kind_at[np.minimum(nxt, n)] * 16 + _bucket(np.maximum(nxt - idx, 0)), 0)
    prv = _last_at_or_before(n, qe - 1)[np.maximum(idx - 1, 0)] if len(qs) else np.full(n, -1, dtype=np.int64)
    prv = np.where(idx == 0, -1, prv)
    prv_ok = (prv >= line_start) & (prv >= 0)
    prev_q = np.where(prv_ok, kind_at[np.maximum(prv, 0)] * 16 + _bucket(np.maximum(idx - prv, 0)), 0)
    # cue words on the line
    cue_end, cue_start, cue_group = [], [], []
    for m in _CUE_RE.finditer(text):
        cue_start.append(m.start())
        cue_end.append(m.end() - 1)
        cue_group.append(_CUE_GROUP[m.group()])
    cue_start_a = np.asarray(cue_start, dtype=np.int64)
    cue_end_a = np.asarray(cue_end, dtype=np.int64)
    group_a = np.asarray(cue_group, dtype=np.int64)
    group_at_end = np.zeros(n + 1, dtype=np.int64)
    group_at_start = np.zeros(n + 1, dtype=np.int64)
    mask_bits = np.zeros(n + 1, dtype=np.int64)
    if len(cue_end_a):
        group_at_end[cue_end_a] = group_a + 1
        group_at_start[cue_start_a] = group_a + 1
        np.bitwise_or.at(mask_bits, cue_end_a + 1, np.left_shift(1, group_a))
    before = _last_at_or_before(n, cue_end_a)[np.maximum(idx - 1, 0)] if len(cue_end_a) else np.full(n, -1, dtype=np.int64)
    before = np.where(idx == 0, -1, before)
    b_ok = (before >= line_start) & (before >= 0)
    cue_before = np.where(b_ok, group_at_end[np.maximum(before, 0)] * 16 + _bucket(np.maximum(idx - before, 0)), 0)
    after = _first_at_or_after(n + 1, cue_start_a)[np.minimum(idx + 1, n)] if len(cue_start_a) else np.full(n, n)
    a_ok = after < line_end
    cue_after = np.where(a_ok, group_at_start[np.minimum(after, n)] * 16 + _bucket(np.maximum(after - idx, 0)), 0)
    # groups seen earlier on the line: OR of bits since the line start (prefix OR per line)
    seen = _prefix_or_by_line(mask_bits[:n], line_start)
    first2 = _combine(pad_c[_PAD + line_start], pad_c[_PAD + np.minimum(line_start + 1, line_end)])
    cue_b_group = np.where(b_ok, group_at_end[np.maximum(before, 0)], 0)

    templates = [
        c(0), c(-1), c(1), c(-2), c(2), c(-3), c(3), c(-4), c(4),
        _combine(c(-1), c(0)), _combine(c(0), c(1)), _combine(c(-2), c(-1)), _combine(c(1), c(2)), _combine(c(-1), c(1)),
        _combine(c(-2), c(-1), c(0)), _combine(c(-1), c(0), c(1)), _combine(c(0), c(1), c(2)),
        _combine(c(-3), c(-2), c(-1)), _combine(c(1), c(2), c(3)),
        _combine(k_(-2), k_(-1), k_(0), k_(1), k_(2), bits=5),
        _combine(k_(-4), k_(-3), k_(-2), k_(-1), k_(0), k_(1), k_(2), k_(3), k_(4), bits=5),
        _combine(q(-1), q(0), q(1), bits=6),
        _combine(q(0), c(0), bits=21),
        _combine(q(0), next_q, prev_q, bits=8),
        _combine(next_q, table, bits=8),
        _combine(prev_q, table, bits=8),
        _combine(cue_before, q(0), bits=8),
        _combine(cue_after, q(0), bits=8),
        _combine(seen, q(0) > 0, bits=16),
        _combine(table, col_b, ncol_b, q(0) > 0, bits=4),
        _combine(pos_b, rest_b, table, bits=4),
        first2,
        _combine(cue_b_group, c(0), bits=21),
        _combine(table, col_b, c(0), bits=21),
    ]
    assert len(templates) == N_TEMPLATES
    out = np.empty((n, N_TEMPLATES), dtype=np.uint64)
    for t, values in enumerate(templates):
        out[:, t] = values.astype(np.uint64) + _salt(t)
    mask = np.uint64((1 << buckets_log2) - 1)
    return (_mix(out) & mask).astype(np.int32)


def _prefix_or_by_line(bits: np.ndarray, line_start: np.ndarray) -> np.ndarray:
    """OR of `bits[line_start[i] .. i]` for each i, one bit plane at a time (vectorised)."""
    out = np.zeros_like(bits)
    if not bits.any():
        return out
    idx = np.arange(len(bits))
    for b in range(_N_CUES):
        plane = (bits >> b) & 1
        if not plane.any():
            continue
        last = _last_at_or_before(len(bits), np.flatnonzero(plane))
        out |= ((last >= line_start) & (last >= 0) & (last <= idx)).astype(np.int64) << b
    return out


# --- tags -----------------------------------------------------------------------------------


def bio_tags(text: str, spans: list[tuple[int, int, str]], labels: tuple[str, ...]) -> np.ndarray:
    """Tag ids per character: 0 = O, 2k+1 = B-labels[k], 2k+2 = I-labels[k]; overlaps keep the first."""
    tags = np.zeros(len(text), dtype=np.int64)
    index = {lab: k for k, lab in enumerate(labels)}
    for s, e, lab in sorted(spans):
        if lab not in index:
            continue
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s >= e or tags[s:e].any():
            continue
        k = index[lab]
        tags[s] = 2 * k + 1
        tags[s + 1 : e] = 2 * k + 2
    return tags


def decode(proba: np.ndarray, labels: tuple[str, ...]) -> list[tuple[int, int, str, float]]:
    """Greedy spans: each character's most probable label (B- and I- summed); a span runs while
    the label stays the same and I- is at least as probable as B-. Score: the mean label probability."""
    if len(proba) == 0:
        return []
    rows = np.arange(len(proba))
    by_label = np.concatenate((proba[:, :1], proba[:, 1::2] + proba[:, 2::2]), axis=1)
    lab = by_label.argmax(axis=1)  # 0 = O, k+1 = labels[k]
    best = by_label[rows, lab]
    k = np.maximum(lab - 1, 0)
    begins = proba[rows, 2 * k + 1] > proba[rows, 2 * k + 2]
    prev = np.concatenate(([0], lab[:-1]))
    inside = (lab > 0) & (prev == lab) & ~begins
    starts = np.flatnonzero((lab > 0) & ~inside)
    nxt_inside = np.concatenate((inside[1:], [False]))
    ends = np.flatnonzero((lab > 0) & ~nxt_inside) + 1
    csum = np.concatenate(([0.0], np.cumsum(best, dtype=np.float64)))
    scores = (csum[ends] - csum[starts]) / (ends - starts)
    return [
        (int(s), int(e), labels[int(lab[s]) - 1], float(round(sc, 4)))
        for s, e, sc in zip(starts.tolist(), ends.tolist(), scores.tolist())
    ]


_FIGURE_CHARS = np.array([ord(c) for c in "0123456789０１２３４５６７８９"], dtype=np.int64)


def _figure_lines(text: str) -> np.ndarray:
    """Boolean per character: its line holds a digit or 指标 (the rest is prose without figures)."""
    cp = code_points(text)
    n = len(cp)
    line_start, _ = _line_bounds(cp)
    hit = np.isin(cp, _FIGURE_CHARS)
    for m in re.finditer("指标", text):
        hit[m.start()] = True
    line_id = np.searchsorted(np.unique(line_start), line_start)
    has = np.bincount(line_id, weights=hit, minlength=line_id.max() + 1 if n else 0) > 0
    return has[line_id]


def softmax_regression(
    X, y: np.ndarray, n_classes: int, *, C: float, max_iter: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Multinomial logistic regression with an L2 penalty (scikit-learn's objective:
    C · Σ cross-entropy + ½‖W‖², intercepts not penalised), minimised by `lbfgs` in float32.
    Deterministic. Returns (W of shape (features, classes), b, iterations)."""
    n, d = X.shape
    X = X.astype(np.float32)
    XT = X.T.tocsr()
    rows = np.arange(n)
    onehot = np.zeros((n, n_classes), dtype=np.float32)
    onehot[rows, y] = 1.0
    size = d * n_classes

    def loss_and_grad(w: np.ndarray) -> tuple[float, np.ndarray]:
        W = w[:size].reshape(d, n_classes)
        Z = X @ W
        Z += w[size:]
        Z -= Z.max(axis=1, keepdims=True)
        P = np.exp(Z)
        norm = P.sum(axis=1, keepdims=True)
        loss = C * float(np.log(norm).sum(dtype=np.float64) - Z[rows, y].sum(dtype=np.float64))
        loss += 0.5 * float(np.dot(w[:size], w[:size]))
        P /= norm
        P -= onehot
        P *= C
        grad = np.empty_like(w)
        grad[:size] = (XT @ P).ravel()
        grad[:size] += w[:size]
        grad[size:] = P.sum(axis=0)
        return loss, grad

    w, iterations = lbfgs(loss_and_grad, np.zeros(size + n_classes, dtype=np.float32), max_iter=max_iter)
    return w[:size].reshape(d, n_classes).copy(), w[size:].copy(), iterations


def lbfgs(fun, x: np.ndarray, *, max_iter: int, memory: int = 8, ftol: float = 1e-6) -> tuple[np.ndarray, int]:
    """Minimise `fun(x) -> (value, gradient)` by limited-memory BFGS with a backtracking (Armijo)
    line search, in the dtype of `x`; stops after `max_iter` iterations or when an iteration
    lowers the value by less than `ftol` (relative). Returns (x, iterations)."""
    f, g = fun(x)
    history: list[tuple[np.ndarray, np.ndarray, float]] = []
    it = 0
    for it in range(1, max_iter + 1):
        q = g.copy()
        alphas = []
        for s, yv, rho in reversed(history):
            a = rho * float(np.dot(s, q))
            q -= a * yv
            alphas.append(a)
        if history:
            s, yv, _ = history[-1]
            q *= float(np.dot(s, yv)) / float(np.dot(yv, yv))
        else:
            q /= max(float(np.sqrt(np.dot(g, g))), 1e-12)
        for (s, yv, rho), a in zip(history, reversed(alphas)):
            b = rho * float(np.dot(yv, q))
            q += (a - b) * s
        direction = -q
        slope = float(np.dot(g, direction))
        if slope >= 0:  # not a descent direction: restart from the gradient
            history.clear()
            direction = -g / max(float(np.sqrt(np.dot(g, g))), 1e-12)
            slope = float(np.dot(g, direction))
        step = 1.0
        while True:
            x_new = x + step * direction
            f_new, g_new = fun(x_new)
            if f_new <= f + 1e-4 * step * slope or step < 1e-8:
                break
            step *= 0.5
        s, yv = x_new - x, g_new - g
        sy = float(np.dot(s, yv))
        if sy > 1e-10:
            history.append((s, yv, 1.0 / sy))
            if len(history) > memory:
                history.pop(0)
        done = f - f_new <= ftol * max(abs(f_new), 1.0)
        x, f, g = x_new, f_new, g_new
        if done:
            break
    return x, it


# --- the model --------------------------------------------------------------------------------


class LinearTagger:
    """Multinomial logistic regression over hashed character features; BIO tags, greedy spans."""

    backend = BACKEND
    description = (
        "Linear character tagger for budget-performance disclosures: multinomial logistic regression "
        "over hashed character, n-gram, character-class, grammar-quantity, line-shape and cue-word "
        "features (BIO tags, greedy spans); the numbers grammar snaps its numeric spans and parses "
        "their values."
    )
    libraries = ("numpy", "scipy")

    def __init__(
        self,
        *,
        labels: tuple[str, ...] = NER_LABELS,
        buckets_log2: int = 18,
        min_count: int = 2,
        C: float = 1.0,
        max_iter: int = 120,
        stack: bool = True,
        stack_folds: int = 3,
        min_score: float = 0.7,
        label_min_score: dict[str, float] | None = None,
        seed: int = 0,
    ) -> None:
        self.labels = labels
        self.buckets_log2 = buckets_log2
        self.min_count = min_count
        self.C = C
        self.max_iter = max_iter
        self.stack = stack
        self.stack_folds = stack_folds
        self.min_score = min_score
        self.label_min_score = label_min_score
        self.seed = seed

    # features ----------------------------------------------------------------------------------

    def _quantities(self, text: str) -> list[Mention]:
        from pipeline.extract.numbers import find_quantities, quantity_mention

        return [quantity_mention(q) for q in find_quantities(text)]

    def _features(self, text: str, quantities: list[Mention] | None) -> np.ndarray:
        if quantities is None:
            quantities = self._quantities(text)
        return hashed_features(text, quantities, buckets_log2=self.buckets_log2)

    def _stack_features(self, tags: np.ndarray) -> np.ndarray:
        """Columns of the second pass: the first pass's tags around each position."""
        n = len(tags)
        lab = (tags + 1) // 2
        pad = np.zeros(n + 2 * _PAD, dtype=np.int64)
        pad[_PAD : _PAD + n] = tags

        def t(k: int) -> np.ndarray:
            return pad[_PAD + k : _PAD + k + n]

        # distance to the previous/next non-O tag (any label) and that label
        non_o = np.flatnonzero(lab > 0)
        idx = np.arange(n)
        prv = _last_at_or_before(n, non_o)[np.maximum(idx - 1, 0)] if len(non_o) else np.full(n, -1)
        prv = np.where(idx == 0, -1, prv)
        nxt = _first_at_or_after(n + 1, non_o)[np.minimum(idx + 1, n)] if len(non_o) else np.full(n, n)
        lab1 = np.concatenate((lab, [0]))
        prev_lab = np.where(prv >= 0, lab1[np.maximum(prv, 0)] * 16 + _bucket(np.maximum(idx - prv, 0)), 0)
        next_lab = np.where(nxt < n, lab1[np.minimum(nxt, n)] * 16 + _bucket(np.maximum(nxt - idx, 0)), 0)
        cols = [
            t(0), t(-1), t(1), _combine(t(-1), t(0), t(1), bits=6), _combine(t(-2), t(-1), bits=6),
            _combine(t(1), t(2), bits=6), prev_lab, next_lab, _combine(prev_lab, next_lab, t(0), bits=9),
        ]
        out = np.empty((n, len(cols)), dtype=np.uint64)
        for j, values in enumerate(cols):
            out[:, j] = values.astype(np.uint64) + _salt(N_TEMPLATES + j)
        return (_mix(out) & np.uint64((1 << self.buckets_log2) - 1)).astype(np.int32)

    # training ------------------------------------------------------------------------------------

    def _matrix(self, cols: np.ndarray, keep: np.ndarray):
        """CSR rows of the hashed columns, restricted to the kept columns (renumbered)."""
        import scipy.sparse as sp

        n, t = cols.shape
        mapped = keep[cols.ravel()]
        data = (mapped >= 0).astype(np.float32)
        mapped = np.maximum(mapped, 0)
        indptr = np.arange(0, n * t + 1, t, dtype=np.int64)
        size = int(keep.max()) + 1 if keep.max() >= 0 else 1
        return sp.csr_matrix((data, mapped, indptr), shape=(n, size))

    def _fit_table(self, cols: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
        """Fit one softmax regression; return (bucket ids, int8 weight rows, row scales, intercepts)."""
        counts = np.bincount(cols.ravel(), minlength=1 << self.buckets_log2)
        used = np.flatnonzero(counts >= self.min_count)
        keep = np.full(1 << self.buckets_log2, -1, dtype=np.int64)
        keep[used] = np.arange(len(used))
        n_tags = 2 * len(self.labels) + 1
        coef, intercept, iterations = softmax_regression(
            self._matrix(cols, keep), y, n_tags, C=self.C, max_iter=self.max_iter
        )
        self.iterations_.append(iterations)
        # weights live quantised from here on (what is saved is what is used); zero rows are dropped
        scale = (np.abs(coef).max(axis=1) / 127.0).astype(np.float32)
        q = np.round(coef / np.maximum(scale, 1e-30)[:, None]).astype(np.int8)
        nonzero = np.flatnonzero(np.abs(q).max(axis=1) > 0)
        return used[nonzero].astype(np.int32), q[nonzero], scale[nonzero], intercept.astype(np.float32)

    def fit(self, examples: list[tuple[str, list[tuple[int, int, str]]]]) -> LinearTagger:
        """Train on whole texts; spans are character offsets, labels outside `labels` are ignored."""
        feats, tags, groups = [], [], []
        for i, (text, spans) in enumerate(examples):
            if not text:
                continue
            feats.append(self._features(text, None))
            tags.append(bio_tags(text, spans, self.labels))
            groups.append(np.full(len(text), i, dtype=np.int64))
        if not feats:
            raise ValueError("no training examples")
        cols = np.concatenate(feats)
        y = np.concatenate(tags)
        self.n_examples_ = len(feats)
        self.n_characters_ = len(y)
        self.iterations_: list[int] = []
        self.tables_ = [self._fit_table(cols, y)]
        if self.stack:
            first = self._out_of_fold_tags(cols, y, np.concatenate(groups))
            stacked = self._stack_by_example(first, [len(t) for t in tags])
            self.tables_.append(self._fit_table(np.hstack([cols, stacked]), y))
        self._densify()
        self.fit_figures_ = {
            "characters": self.n_characters_,
            "lbfgs_iterations": self.iterations_,
            "weight_rows": [len(t[0]) for t in self.tables_],
        }
        return self

    def _out_of_fold_tags(self, cols: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """First-pass tags of the training characters from models that did not see their example."""
        folds = min(self.stack_folds, int(groups.max()) + 1)
        if folds < 2:
            return self._scores(cols, self._dense(self._fit_table(cols, y))).argmax(axis=1)
        out = np.zeros(len(y), dtype=np.int64)
        order = np.random.default_rng(self.seed).permutation(int(groups.max()) + 1)
        fold_of = order[groups] % folds
        for f in range(folds):
            test = fold_of == f
            if test.all() or not test.any():
                continue
            table = self._dense(self._fit_table(cols[~test], y[~test]))
            out[test] = self._scores(cols[test], table).argmax(axis=1)
        return out

    def _stack_by_example(self, tags: np.ndarray, lengths: list[int]) -> np.ndarray:
        bounds = np.cumsum([0, *lengths])
        return np.concatenate([self._stack_features(tags[a:b]) for a, b in itertools.pairwise(bounds)])

    # prediction ------------------------------------------------------------------------------------

    def _dense(self, table: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
        rows, coef, scale, intercept = table
        dense = np.zeros((1 << self.buckets_log2, coef.shape[1]), dtype=np.float32)
        dense[rows] = coef.astype(np.float32) * scale[:, None]
        return dense, intercept

    def _densify(self) -> None:
        self.dense_ = [self._dense(t) for t in self.tables_]

    @staticmethod
    def _scores(cols: np.ndarray, table: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Softmax probabilities of the tags under one (dense weights, intercepts) table."""
        import scipy.sparse as sp

        weights, intercept = table
        n, t = cols.shape
        X = sp.csr_matrix(
            (np.ones(n * t, dtype=np.float32), cols.ravel(), np.arange(0, n * t + 1, t, dtype=np.int64)),
            shape=(n, weights.shape[0]),
        )
        z = X @ weights
        z += intercept
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def predict_proba(self, text: str, *, quantities: list[Mention] | None = None) -> np.ndarray:
        """(len(text), 2·len(labels)+1) tag probabilities (O, B-/I- of each label)."""
        n_tags = 2 * len(self.labels) + 1
        if not text:
            return np.zeros((0, n_tags), dtype=np.float32)
        cols = self._features(text, quantities)
        proba = self._scores(cols, self.dense_[0])
        if len(self.dense_) > 1:
            stacked = self._stack_features(proba.argmax(axis=1))
            proba = self._scores(np.hstack([cols, stacked]), self.dense_[1])
        return proba

    def predict(
        self, text: str, *, skip_plain: bool = False, quantities: list[Mention] | None = None
    ) -> list[tuple[int, int, str, float]]:
        """(start, end, label, score) of every span whose score (the mean label probability of its
        characters) is at least `min_score` (or its label's `label_min_score`).

        `quantities`: the grammar's quantities of `text` (`Document.quantities`), found here when
        not given. `skip_plain`: only tag lines that hold a digit or 指标.
        """
        if not text.strip():
            return []
        if not skip_plain:
            return self._spans(self.predict_proba(text, quantities=quantities))
        keep = _figure_lines(text)
        if keep.all():
            return self._spans(self.predict_proba(text, quantities=quantities))
        if not keep.any():
            return []
        # tag only the kept lines, joined into one text (offsets mapped back)
        kept = np.flatnonzero(keep)
        sub = "".join(text[a:b] for a, b in _runs(kept))
        if quantities is None:
            quantities = self._quantities(text)
        shift = np.full(len(text) + 1, -1, dtype=np.int64)
        shift[kept] = np.arange(len(kept))
        sub_q = []
        for q in quantities:
            s = shift[q.start] if q.start < len(text) else -1
            if s >= 0 and q.end - 1 < len(text) and shift[q.end - 1] == s + (q.end - q.start) - 1:
                sub_q.append(q.model_copy(update={"start": int(s), "end": int(s + q.end - q.start)}))
        found = self._spans(self.predict_proba(sub, quantities=sub_q))
        return [(int(kept[s]), int(kept[e - 1]) + 1, lab, sc) for s, e, lab, sc in found]

    def _spans(self, proba: np.ndarray) -> list[tuple[int, int, str, float]]:
        floor = self.label_min_score or {}
        return [span for span in decode(proba, self.labels) if span[3] >= floor.get(span[2], self.min_score)]

    # persistence -----------------------------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                "labels", "buckets_log2", "min_count", "C", "max_iter", "stack", "stack_folds", "min_score", "label_min_score", "seed",
            )
        }

    def to_disk(self, path: Path, *, meta: ModelMeta | None = None) -> None:
        """weights.npz (non-zero rows: int8 + row scales), config.json naming the backend, and
        (given a meta) meta.json + card."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        arrays = {}
        for i, (rows, coef, scale, intercept) in enumerate(self.tables_):
            arrays.update({f"rows{i}": rows, f"coef{i}": coef, f"scale{i}": scale, f"intercept{i}": intercept})
        np.savez_compressed(path / WEIGHTS_FILE, **arrays)
        save_json({"backend": BACKEND, **self.get_config(), "labels": list(self.labels)}, path / "config.json")
        if meta is not None:
            save_model_dir(path, meta, [WEIGHTS_FILE, "config.json"])

    @classmethod
    def from_disk(cls, path: Path, *, check: bool = True) -> LinearTagger:
        path = Path(path)
        if not (path / WEIGHTS_FILE).is_file():
            raise ModelError(Messages.MODEL_MISSING.format(path=path, what="ner"))
        if check:
            load_meta(path, expect_libs=("numpy",))
        config = load_json(path / "config.json")
        config.pop("backend", None)
        config["labels"] = tuple(config["labels"])
        model = cls(**config)
        with np.load(path / WEIGHTS_FILE, allow_pickle=False) as z:
            n = sum(1 for k in z.files if k.startswith("rows"))
            model.tables_ = [(z[f"rows{i}"], z[f"coef{i}"], z[f"scale{i}"], z[f"intercept{i}"]) for i in range(n)]
        model._densify()
        return model


def _runs(positions: np.ndarray) -> list[tuple[int, int]]:
    """Sorted positions → [start, end) runs of consecutive ones."""
    if not len(positions):
        return []
    breaks = np.flatnonzero(np.diff(positions) != 1)
    starts = np.concatenate(([positions[0]], positions[breaks + 1]))
    ends = np.concatenate((positions[breaks], [positions[-1]])) + 1
    return list(zip(starts.tolist(), ends.tolist()))
