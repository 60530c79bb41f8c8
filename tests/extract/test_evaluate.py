"""Evaluation arithmetic on small cases with known precision, recall and F1."""

from __future__ import annotations

import pytest

from pipeline.extract.evaluate import (
    PRF,
    amount_scores,
    entity_scores,
    folds_by_document,
    indicators_from_mentions,
    multiset_prf,
)
from pipeline.schema import Mention, Relation


def test_prf_arithmetic():
    prf = PRF(tp=2, n_pred=4, n_gold=3)
    assert prf.precision == 0.5
    assert prf.recall == pytest.approx(2 / 3)
    assert prf.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert PRF().f1 == 0.0


def test_entity_exact_and_overlap():
    gold = [(0, 5, "MONEY"), (10, 14, "YEAR"), (20, 30, "INDICATOR")]
    pred = [(0, 5, "MONEY"), (10, 13, "YEAR"), (20, 30, "TARGET")]
    exact = entity_scores(gold, pred)
    assert (exact["MONEY"].tp, exact["YEAR"].tp, exact["INDICATOR"].recall) == (1, 0, 0.0)
    assert exact["TARGET"].precision == 0.0
    over = entity_scores(gold, pred, overlap=True)
    assert over["YEAR"].f1 == 1.0
    # one gold span is matched at most once
    twice = entity_scores([(0, 10, "MONEY")], [(0, 4, "MONEY"), (5, 10, "MONEY")], overlap=True)
    assert (twice["MONEY"].tp, twice["MONEY"].precision) == (1, 0.5)


def test_amount_value_and_stage():
    gold = [(0, 8, 2987500.0, "budget_initial"), (20, 28, 2667300.0, "actual")]
    pred = [(0, 8, 2987500.0, "actual"), (20, 28, 2667300.0, "actual"), (40, 44, 5.0, "unspecified")]
    value, staged = amount_scores(gold, pred)
    assert (value.tp, value.n_pred, value.n_gold) == (2, 3, 2)
    assert staged.tp == 1
    assert staged.recall == 0.5


def test_indicator_full_needs_name_target_and_actual():
    def m(label, s, text, value=None):
        return Mention(label=label, start=s, end=s + len(text), text=text, attrs={"value": value} if value else {})

    mentions = [
        m("INDICATOR", 0, "受训人数"),
        m("TARGET", 10, "≥50人", {"text": "≥50人", "op": ">=", "value": 50, "unit": "人"}),
        m("ACTUAL", 20, "56人", {"text": "56人", "value": 56, "unit": "人"}),
    ]
    gold = indicators_from_mentions(mentions, [Relation(head=0, tail=1, label="target"), Relation(head=0, tail=2, label="actual")])
    no_actual = indicators_from_mentions(mentions, [Relation(head=0, tail=1, label="target")])
    assert multiset_prf([g[0] for g in gold], [p[0] for p in no_actual]).f1 == 1.0
    assert multiset_prf(gold, no_actual).f1 == 0.0
    assert multiset_prf(gold, gold).f1 == 1.0


def test_folds_never_share_a_document():
    names = [f"d{i}" for i in range(11)]
    folds = folds_by_document(names, 5)
    flat = [i for f in folds for i in f]
    assert sorted(flat) == list(range(11))
    assert len(folds) == 5
