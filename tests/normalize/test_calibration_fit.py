"""How the confidence maps are chosen and measured: cross-fitted observations, a map chosen by a
proper score (not by ECE, which a constant wins), and the noise floor of ECE."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.annotate.crossfit import TrainingData
from pipeline.normalize.calibrate import ece_if_perfect
from pipeline.normalize.confidence import (
    CalibrationSet,
    IdentityCalibrator,
    LogisticCalibrator,
    SelectedCalibrator,
    brier,
    ece,
)


def _observations(n: int, *, seed: int, skew: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fused scores, outcomes drawn with probability `p ** skew` (skew 1: perfectly calibrated), groups of 10."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.98, n)
    y = rng.random(n) < p**skew
    return p.reshape(-1, 1), y, np.array([f"doc{i // 10}" for i in range(n)])


def test_a_calibrated_score_keeps_a_sharp_map_and_a_miscalibrated_one_is_mapped():
    x, y, g = _observations(600, seed=1, skew=1.0)
    good = SelectedCalibrator().fit(x, y, g)
    assert good.chosen_ in ("identity", "platt", "isotonic")
    assert ece(good.predict(x), y) < 0.06

    x, y, g = _observations(600, seed=2, skew=4.0)  # a score of 0.8 is right about 41% of the time
    bad = SelectedCalibrator().fit(x, y, g)
    assert bad.chosen_ != "identity"
    assert ece(bad.predict(x), y) < ece(x[:, 0], y) / 2


def test_the_choice_is_by_a_proper_score_not_by_ece():
    # a constant at the base rate has an ECE near 0 but tells nothing; the selection must not take it
    x, y, g = _observations(600, seed=3, skew=1.0)
    chosen = SelectedCalibrator().fit(x, y, g)
    constant = np.full(len(y), y.mean())
    assert brier(chosen.predict(x), y) < brier(constant, y) - 0.05


def test_platt_on_log_odds_can_be_the_identity():
    x, y, _ = _observations(4000, seed=4, skew=1.0)
    platt = LogisticCalibrator(names=("fused",), c=100.0, logit=True).fit(x, y)
    assert platt.coef_[0] == pytest.approx(1.0, abs=0.15)
    assert platt.intercept_ == pytest.approx(0.0, abs=0.15)


def test_selected_maps_survive_the_round_trip(tmp_path):
    x, y, g = _observations(300, seed=5, skew=3.0)
    features = np.hstack([x, (x > 0.5).astype(float)])
    sel = SelectedCalibrator(names=("fused", "high")).fit(features, y, g)
    cs = CalibrationSet({"amounts": sel, "facts": IdentityCalibrator()})
    cs.to_disk(tmp_path / "cal", metrics={}, data={}, data_sha256="0" * 64)
    back = CalibrationSet.from_disk(tmp_path / "cal")
    assert back._predict("amounts", list(features[7]), float(x[7, 0])) == pytest.approx(float(sel.predict(features[7:8])[0]))
    assert back._map("facts", 0.37) == pytest.approx(0.37)


def test_ece_if_perfect_is_the_noise_floor_of_ece():
    x, _, _ = _observations(200, seed=6, skew=1.0)
    floor = ece_if_perfect(x[:, 0])
    rng = np.random.default_rng(7)
    measured = [ece(x[:, 0], rng.random(200) < x[:, 0]) for _ in range(300)]
    assert floor == pytest.approx(float(np.mean(measured)), abs=0.01)
    assert 0.03 < floor < 0.09  # about 0.06 at n = 200: why a 0.05 ECE needs several hundred fields
    assert ece_if_perfect(np.full(5000, 0.5)) < 0.02


@pytest.mark.slow
def test_refitted_models_never_see_the_held_out_documents(real_documents):
    from pipeline.core import Pipeline
    from pipeline.extract.relations import RelationModel

    data = TrainingData.load()
    names = sorted(g.name for g in data.gold)
    held = set(names[: len(names) // 2])
    pipe = Pipeline.from_config(only=("sentences", "headings", "sections", "numbers", "tables", "relations", "normalize"))
    data.refit(pipe, exclude=held)
    relations = next(s for s in pipe.stages if s.name == "relations")._model
    sections = next(s for s in pipe.stages if s.name == "sections").classifier
    kept = [g for g in data.gold if g.name not in held]
    expected = RelationModel().fit([(g.doc.text, g.mentions, g.relations) for g in kept])
    assert relations.n_pairs_ == expected.n_pairs_ < RelationModel().fit(
        [(g.doc.text, g.mentions, g.relations) for g in data.gold]
    ).n_pairs_
    from pipeline.sections import evaluate as sections_eval

    keep = np.flatnonzero(~np.isin(data.sections.groups, sorted(held)))
    assert 0 < len(keep) < len(data.sections.groups)
    sample = [data.sections.X[i] for i in range(len(data.sections.y)) if data.sections.groups[i] in held][:20]
    on_kept = sections_eval.fit(data.sections, data.sections_config, train=keep)
    np.testing.assert_allclose(sections.predict_proba(sample), on_kept.predict_proba(sample), atol=1e-6)


def test_a_map_fitted_on_other_features_is_refused_with_the_fix():
    from pipeline.errors import ModelError

    x, y, _ = _observations(200, seed=3, skew=1.0)
    cal = LogisticCalibrator(names=("fused", "high", "low"), c=1.0).fit(np.hstack([x, x, x]), y)
    with pytest.raises(ModelError, match="evaluate calibration --fit"):
        LogisticCalibrator.from_dict({**cal.to_dict(), "names": ["fused"]}).predict(x[:3])


def test_held_out_ece_is_the_mean_over_fold_assignments():
    from pipeline.normalize.calibrate import Observations, cross_validate

    x, y, g = _observations(400, seed=4, skew=2.0)
    obs = Observations()
    for doc, raw, ok in zip(g, x[:, 0], y):
        obs.add("sections", doc, raw, ok)
    one = cross_validate(obs, repeats=1)["sections"]
    many = cross_validate(obs, repeats=4)["sections"]
    eces = [ece(h, many["correct"]) for h in many["repeats"]]
    assert len(eces) == 4 and len(set(eces)) > 1  # the assignments differ
    assert many["ece"] == pytest.approx(np.mean(eces)) and many["ece_worst"] == max(eces)
    assert many["ece_first"] == one["ece"]  # the first assignment is the one every earlier figure used
