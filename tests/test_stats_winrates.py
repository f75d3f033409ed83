"""Tallies, tie rules and the design effect, against pandas and the bootstrap."""

import numpy as np
import pandas as pd
import pytest

from evalstore.stats.bootstrap import bootstrap_sums
from evalstore.stats.winrates import (
    TIE_RULES, item_scores, mean_preference, ratio_design_effect, tally, win_rate,
)


def _judgments(seed=0, n_items=200, per_item=3, spread=1.5):
    rng = np.random.default_rng(seed)
    item = np.repeat(np.arange(n_items), per_item)
    latent = rng.normal(0.3, spread, n_items)[item] + rng.normal(0, 1, item.size)
    pref = np.select([latent > 1.2, latent > 0.4, latent > -0.4, latent > -1.2], [2, 1, 0, -1], -2).astype(float)
    return item, pref


def test_tally_matches_pandas_groupby():
    item, pref = _judgments()
    t = tally(item, pref, item.max() + 1)
    frame = pd.DataFrame({"item": item, "pref": pref})
    g = frame.groupby("item")["pref"]
    assert t[:, 0].tolist() == g.apply(lambda s: (s < 0).sum()).tolist()
    assert t[:, 1].tolist() == g.apply(lambda s: (s == 0).sum()).tolist()
    assert t[:, 2].tolist() == g.apply(lambda s: (s > 0).sum()).tolist()
    assert t[:, 3].tolist() == g.size().tolist()
    assert t[:, 4].tolist() == g.sum().astype(int).tolist()


def test_win_rates_by_rule_from_counts():
    item, pref = _judgments(1)
    totals = tally(item, pref, item.max() + 1).sum(axis=0)
    wins_a, ties, wins_b, n = (pref < 0).sum(), (pref == 0).sum(), (pref > 0).sum(), pref.size
    assert win_rate(totals, "drop") == pytest.approx(wins_b / (wins_a + wins_b))
    assert win_rate(totals, "half") == pytest.approx((wins_b + ties / 2) / n)
    assert win_rate(totals, "against_b") == pytest.approx(wins_b / n)
    assert mean_preference(totals) == pytest.approx(pref.mean())


def test_win_rate_is_nan_without_non_tie_judgments_and_rejects_unknown_rule():
    assert np.isnan(win_rate(np.array([0, 5, 0, 5, 0]), "drop"))
    assert win_rate(np.array([0, 5, 0, 5, 0]), "half") == 0.5
    with pytest.raises(ValueError):
        win_rate(np.array([1, 1, 1, 3, 0]), "ignore")


def test_win_rate_vectorises_over_resamples():
    sums = np.array([[1, 0, 3, 4, 2], [2, 2, 2, 6, 0]])
    assert win_rate(sums, "drop").tolist() == [0.75, 0.5]


def test_item_scores_signs_per_rule():
    tallies = np.array([[1, 1, 2, 4, 1], [1, 2, 1, 4, 0], [0, 3, 1, 4, 1]])
    assert np.sign(item_scores(tallies, "drop")).tolist() == [1, 0, 1]
    assert item_scores(tallies, "half").tolist() == item_scores(tallies, "drop").tolist()
    assert item_scores(tallies, "against_b").tolist() == [0, -2, -2]
    assert set(TIE_RULES) == {"drop", "half", "against_b"}


def test_design_effect_about_one_for_independent_judgments():
    # One judgment per item: clustering cannot matter.
    rng = np.random.default_rng(2)
    pref = rng.choice([-1.0, 1.0], size=2000, p=[0.4, 0.6])
    deff = ratio_design_effect(tally(np.arange(2000), pref, 2000))
    assert deff == pytest.approx(2000 / 1999, rel=1e-9)


def test_design_effect_large_when_items_decide_the_outcome():
    # Every rater of an item agrees: three judgments carry the information of one.
    rng = np.random.default_rng(3)
    per_item = rng.choice([-1.0, 1.0], size=1000)
    pref = np.repeat(per_item, 3)
    deff = ratio_design_effect(tally(np.repeat(np.arange(1000), 3), pref, 1000))
    assert deff == pytest.approx(3.0, rel=0.01)


def test_design_effect_agrees_with_bootstrap_variance():
    # The linearised variance is the bootstrap variance of the ratio to first order.
    item, pref = _judgments(4, n_items=800)
    t = tally(item, pref, 800)
    boot = win_rate(bootstrap_sums(t, 4000, np.random.default_rng(5)), "drop")
    rate = win_rate(t.sum(axis=0), "drop")
    naive = rate * (1 - rate) / (t[:, 0].sum() + t[:, 2].sum())
    assert ratio_design_effect(t) == pytest.approx(boot.var() / naive, rel=0.1)


def test_design_effect_undefined_cases():
    assert ratio_design_effect(np.array([[1, 0, 2, 3, 1]])) is None  # one item
    assert ratio_design_effect(np.array([[0, 0, 2, 2, 2], [0, 0, 1, 1, 1]])) is None  # b won everything
