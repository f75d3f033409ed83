"""Length-controlled win rate: checked against statsmodels' binomial GLM on the same data (the observed fit and
single bootstrap resamples as frequency-weighted fits), against data simulated from the model with a known
intercept, and on the degenerate inputs (equal lengths, one-way judgments, separation) that must never crash
or give a zero-width interval labelled 95 %.
"""

import doctest

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from scipy.special import expit

from evalstore.stats import bootstrap, length
from evalstore.stats.bootstrap import item_weights
from evalstore.stats.length import length_controlled_win_rate


def _glm(d, y, scale, weights=None):
    """statsmodels' binomial GLM of y (0, 1/2 or 1) on an intercept and tanh(d / scale): (β0, β1)."""
    x = sm.add_constant(np.tanh(np.asarray(d, dtype=float) / scale), has_constant="add")
    model = sm.GLM(np.asarray(y, dtype=float), x, family=sm.families.Binomial(), freq_weights=weights)
    return model.fit(tol=1e-14, maxiter=200).params


def _simulate(rng, n_items, beta0, beta1, *, per_item=3, tie_share=0.0, b_longer=False):
    """Judgments from logit P(b wins) = β0 + β1 tanh(d / sd(d)), one pair of outputs (one d) per item."""
    item = np.repeat(np.arange(n_items), per_item)
    length_a = rng.integers(200, 1500, n_items).astype(float)
    if b_longer:
        length_b = length_a + rng.integers(1, 1200, n_items)
    else:
        length_b = rng.integers(200, 1500, n_items).astype(float)
    d = (length_b - length_a)[item]
    p = expit(beta0 + beta1 * np.tanh(d / d.std()))
    u = rng.random(item.size)
    tie = rng.random(item.size) < tie_share
    strength = rng.integers(1, 3, item.size).astype(float)  # a 5-point scale: the magnitude is ignored
    preference = np.where(tie, 0.0, np.where(u < p, strength, -strength))
    return item, preference, length_a[item], length_b[item]


def _outcome(preference, rule):
    if rule == "drop":
        keep = preference != 0
    else:
        keep = np.ones(preference.size, dtype=bool)
    y = np.where(preference > 0, 1.0, np.where(preference == 0, 0.5 if rule == "half" else 0.0, 0.0))
    return keep, y


def _no_zero_width(result):
    assert result.ci is None or (result.ci[0] is not None and result.ci[1] is not None and result.ci[0] < result.ci[1])


# ---------------------------------------------------------------------------------------------------------
# The point estimate against statsmodels


@pytest.mark.parametrize("rule", ["drop", "half", "against_b"])
def test_point_estimate_matches_statsmodels(rule):
    item, preference, length_a, length_b = _simulate(np.random.default_rng(1), 400, 0.3, 1.2, tie_share=0.2)
    result = length_controlled_win_rate(item, preference, length_a, length_b, rule, resamples=0,
                                        rng=np.random.default_rng(0))
    keep, y = _outcome(preference, rule)
    d = (length_b - length_a)[keep]
    beta = _glm(d, y[keep], d.std())
    assert result.win_rate_b == pytest.approx(expit(beta[0]), rel=1e-10)
    assert result.length_coefficient == pytest.approx(beta[1], rel=1e-9)
    assert result.raw_win_rate_b == pytest.approx(y[keep].mean(), rel=1e-14)
    assert result.n == keep.sum()
    assert f"/ {d.std():.4g})" in result.covariate
    assert result.ci is None and result.warning is None


def test_half_rule_is_the_fit_with_ties_split_into_half_a_win_and_half_a_loss():
    item, preference, length_a, length_b = _simulate(np.random.default_rng(2), 300, -0.4, 0.8, tie_share=0.3)
    result = length_controlled_win_rate(item, preference, length_a, length_b, "half", resamples=0,
                                        rng=np.random.default_rng(0))
    d = length_b - length_a
    tie = preference == 0
    # Every tie becomes two rows, a win and a loss, each with frequency weight 1/2.
    d_rows = np.concatenate([d[~tie], d[tie], d[tie]])
    y_rows = np.concatenate([(preference[~tie] > 0).astype(float), np.ones(tie.sum()), np.zeros(tie.sum())])
    w_rows = np.concatenate([np.ones((~tie).sum()), np.full(tie.sum(), 0.5), np.full(tie.sum(), 0.5)])
    beta = _glm(d_rows, y_rows, d.std(), weights=w_rows)
    assert result.win_rate_b == pytest.approx(expit(beta[0]), rel=1e-10)
    assert result.length_coefficient == pytest.approx(beta[1], rel=1e-9)


def test_several_length_differences_within_an_item_are_fitted_per_judgment():
    # Lengths that differ between judgments of one item (e.g. re-generated outputs) are each their own row.
    rng = np.random.default_rng(3)
    item = rng.integers(0, 60, 500)
    length_a = rng.integers(100, 900, 500).astype(float)
    length_b = rng.integers(100, 900, 500).astype(float)
    preference = np.where(rng.random(500) < expit(0.2 + np.tanh((length_b - length_a) / 300)), 1.0, -1.0)
    result = length_controlled_win_rate(item, preference, length_a, length_b, "drop", resamples=50,
                                        rng=np.random.default_rng(0))
    d = length_b - length_a
    beta = _glm(d, preference > 0, d.std())
    assert result.win_rate_b == pytest.approx(expit(beta[0]), rel=1e-10)
    _no_zero_width(result)


# ---------------------------------------------------------------------------------------------------------
# The bootstrap: each resample is a frequency-weighted fit


def test_each_resample_is_statsmodels_fit_with_item_draw_counts_as_weights():
    # Distinct lengths per item: no two items are exchangeable, so the draws are item_weights' own.
    n_items, resamples, seed = 120, 40, 7
    item, preference, length_a, length_b = _simulate(np.random.default_rng(4), n_items, 0.5, 1.5, tie_share=0.15)
    rule = "half"
    keep, y = _outcome(preference, rule)
    d = length_b - length_a
    scale = d[keep].std()
    counts = np.vstack([c for _, c in item_weights(n_items, resamples, np.random.default_rng(seed))])
    expected = []
    for row in counts:
        w = row[item].astype(float)
        drawn = keep & (w > 0)
        expected.append(expit(_glm(d[drawn], y[drawn], scale, weights=w[drawn])[0]))
    expected = np.array(expected)

    design = length._design(item[keep], n_items, d[keep], y[keep])
    assert len(length._item_types(design)[1]) * bootstrap._MULTINOMIAL_MIN_ITEMS_PER_TYPE > n_items
    values = length.resampled_win_rates(design, scale, resamples, np.random.default_rng(seed))
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-9)

    # And the public function's interval is the percentile interval of those statsmodels fits.
    result = length_controlled_win_rate(item, preference, length_a, length_b, rule, resamples=resamples,
                                        rng=np.random.default_rng(seed))
    assert result.ci == pytest.approx(np.quantile(expected, [0.025, 0.975]).tolist(), abs=1e-9)


def test_type_compressed_resamples_have_the_same_distribution(monkeypatch):
    # Lengths in steps of 100 characters and 2 judgments per item: few distinct items, drawn as types.
    rng = np.random.default_rng(5)
    n_items = 3000
    item = np.repeat(np.arange(n_items), 2)
    length_a = (rng.integers(2, 6, n_items) * 100.0)[item]
    length_b = (rng.integers(2, 8, n_items) * 100.0)[item]
    preference = np.where(rng.random(item.size) < expit(0.3 + np.tanh((length_b - length_a) / 200)), 1.0, -1.0)
    d = length_b - length_a
    y = (preference > 0).astype(float)
    design = length._design(item, n_items, d, y)
    assert len(length._item_types(design)[1]) * bootstrap._MULTINOMIAL_MIN_ITEMS_PER_TYPE <= n_items
    compressed = length.resampled_win_rates(design, d.std(), 2000, np.random.default_rng(6))
    monkeypatch.setattr(bootstrap, "_MULTINOMIAL_MIN_ITEMS_PER_TYPE", 10**9)  # force item-by-item draws
    items_drawn = length.resampled_win_rates(design, d.std(), 2000, np.random.default_rng(7))
    assert stats.ks_2samp(compressed, items_drawn).pvalue > 0.001
    assert compressed.std() == pytest.approx(items_drawn.std(), rel=0.1)


def test_poisson_resamples_have_the_distribution_of_the_multinomial_ones(monkeypatch):
    # Large studies draw Poisson item weights per type (one table look-up a cell); the resampled win rates at
    # equal length must spread as the multinomial bootstrap's do.
    rng = np.random.default_rng(11)
    item, preference, length_a, length_b = _simulate(rng, 3000, 0.3, 1.0, tie_share=0.1)
    keep = preference != 0
    d = length_b - length_a
    design = length._design(item[keep], 3000, d[keep], (preference[keep] > 0).astype(float))
    multinomial = length.resampled_win_rates(design, d[keep].std(), 2000, np.random.default_rng(1))
    monkeypatch.setattr(bootstrap, "POISSON_MIN_CELLS", 0)  # force the Poisson weights
    monkeypatch.setattr(bootstrap, "POISSON_CHUNK_CELLS", 1 << 16)  # in several chunks
    poisson = length.resampled_win_rates(design, d[keep].std(), 2000, np.random.default_rng(2))
    assert poisson.size == 2000 and np.all(np.isfinite(poisson))
    assert stats.ks_2samp(multinomial, poisson).pvalue > 0.001
    assert poisson.std() == pytest.approx(multinomial.std(), rel=0.1)
    assert np.median(poisson) == pytest.approx(np.median(multinomial), abs=0.1 * multinomial.std())


def test_small_blocks_give_the_same_resamples(monkeypatch):
    item, preference, length_a, length_b = _simulate(np.random.default_rng(8), 200, 0.1, 1.0)
    args = (item, preference, length_a, length_b, "drop")
    whole = length_controlled_win_rate(*args, resamples=100, rng=np.random.default_rng(1))
    monkeypatch.setattr(length, "FIT_BLOCK_CELLS", 16)
    blocked = length_controlled_win_rate(*args, resamples=100, rng=np.random.default_rng(1))
    assert blocked.ci == pytest.approx(whole.ci, abs=1e-12)


# ---------------------------------------------------------------------------------------------------------
# Simulated from the model: "the fine-tune wins because it writes more"


@pytest.mark.parametrize("beta0", [0.0, 1.0])
def test_longer_b_wins_by_length_alone(beta0):
    # system_b is always longer and the longer output usually wins: a high raw win rate, but at equal length
    # the model's win rate is σ(β0): 0.5 when length is all there is to it.
    item, preference, length_a, length_b = _simulate(np.random.default_rng(9), 3000, beta0, 3.0, b_longer=True)
    result = length_controlled_win_rate(item, preference, length_a, length_b, "drop", resamples=300,
                                        rng=np.random.default_rng(0))
    assert np.all(length_b > length_a)
    assert result.raw_win_rate_b > expit(beta0) + 0.15
    assert result.win_rate_b == pytest.approx(expit(beta0), abs=0.05)
    assert result.ci[0] < expit(beta0) < result.ci[1]
    assert result.length_coefficient == pytest.approx(3.0, abs=0.6)
    assert result.warning is None


def test_no_length_effect_leaves_the_raw_rate():
    item, preference, length_a, length_b = _simulate(np.random.default_rng(10), 2000, 0.4, 0.0)
    result = length_controlled_win_rate(item, preference, length_a, length_b, "drop", resamples=200,
                                        rng=np.random.default_rng(0))
    assert result.win_rate_b == pytest.approx(result.raw_win_rate_b, abs=0.02)
    assert result.ci[0] < expit(0.4) < result.ci[1]


# ---------------------------------------------------------------------------------------------------------
# Degenerate inputs


def _run(preference, length_a, length_b, rule="drop", item=None, resamples=200):
    preference = np.asarray(preference, dtype=float)
    item = np.arange(preference.size) if item is None else np.asarray(item)
    return length_controlled_win_rate(item, preference, np.asarray(length_a, dtype=float),
                                      np.asarray(length_b, dtype=float), rule, resamples=resamples,
                                      rng=np.random.default_rng(0))


def test_equal_lengths_give_the_raw_rate_without_a_coefficient():
    rng = np.random.default_rng(11)
    preference = rng.choice([-1.0, 0.0, 1.0], 90)
    result = _run(preference, np.full(90, 300.0), np.full(90, 300.0), rule="half")
    keep, y = _outcome(preference, "half")
    assert result.win_rate_b == result.raw_win_rate_b == pytest.approx(y.mean())
    assert result.length_coefficient is None
    assert "equal length" in result.warning and "raw" in result.warning
    assert result.covariate.startswith("none")
    _no_zero_width(result)
    assert result.ci is not None


def test_equal_lengths_and_one_way_give_no_interval():
    result = _run(np.ones(20), np.full(20, 100.0), np.full(20, 100.0))
    assert result.win_rate_b == 1.0 and result.raw_win_rate_b == 1.0
    assert result.ci is None and "no interval" in result.warning


def test_constant_nonzero_difference_has_no_length_controlled_rate():
    result = _run([1.0, 1.0, -1.0, 1.0], [100.0] * 4, [150.0] * 4)
    assert result.win_rate_b is None and result.ci is None and result.length_coefficient is None
    assert result.raw_win_rate_b == 0.75
    assert "+50 characters longer" in result.warning


def test_one_way_judgments_around_equal_length_have_limit_one():
    # Every judgment favours system_b, with length differences of both signs: σ(β0) → 1 along the supremum.
    result = _run(np.ones(40), np.full(40, 500.0), 500.0 + np.linspace(-300, 300, 40))
    assert result.win_rate_b == 1.0 and result.length_coefficient is None
    assert "every judgment favours system_b" in result.warning and "no finite solution" in result.warning
    _no_zero_width(result)


def test_one_way_judgments_all_on_one_side_leave_it_open():
    # system_b always longer and always preferred: nothing pins the win rate at equal length.
    result = _run(-np.ones(30), np.full(30, 500.0), 500.0 + np.linspace(10, 300, 30))
    assert result.win_rate_b is None and result.ci is None
    assert "every judgment favours system_a" in result.warning and "do not determine" in result.warning


def test_complete_separation_with_a_gap_at_equal_length_is_open():
    d = np.array([-300, -200, -100, -50, 50, 100, 200, 300], dtype=float)
    result = _run(np.where(d > 0, 1.0, -1.0), np.full(8, 500.0), 500.0 + d)
    assert result.win_rate_b is None and result.ci is None
    assert "separates" in result.warning


def test_quasi_complete_separation_at_equal_length_is_the_share_there():
    # Losses at d <= 0, wins at d >= 0, and at d = 0 one of each: the limit at equal length is 1/2 there.
    d = np.array([-300, -200, -100, 0, 0, 100, 200, 300], dtype=float)
    preference = np.array([-1, -1, -1, -1, 1, 1, 1, 1], dtype=float)
    result = _run(preference, np.full(8, 500.0), 500.0 + d)
    assert result.win_rate_b == 0.5 and result.length_coefficient is None
    _no_zero_width(result)


def test_no_usable_judgments():
    result = _run(np.zeros(5), np.full(5, 100.0), np.full(5, 200.0))
    assert (result.win_rate_b, result.ci, result.raw_win_rate_b, result.n) == (None, None, None, 0)
    assert "no judgments" in result.warning
    assert _run([], [], []).n == 0


def test_missing_lengths_are_left_out():
    item, preference, length_a, length_b = _simulate(np.random.default_rng(12), 100, 0.2, 1.0)
    length_a = length_a.copy()
    length_a[:6] = np.nan
    result = length_controlled_win_rate(item, preference, length_a, length_b, "drop", resamples=0,
                                        rng=np.random.default_rng(0))
    reference = length_controlled_win_rate(item[6:], preference[6:], length_a[6:], length_b[6:], "drop",
                                           resamples=0, rng=np.random.default_rng(0))
    assert result.win_rate_b == reference.win_rate_b and result.n == reference.n
    assert "6 judgments without both output lengths" in result.warning


def test_one_item_gives_no_interval():
    # Every resample is that item: the resamples agree exactly, which is no 95 % interval.
    result = _run([1.0, -1.0, 1.0, -1.0, 1.0], [100.0] * 5, [150.0, 90.0, 300.0, 120.0, 70.0], item=[0] * 5)
    assert result.win_rate_b is not None and result.ci is None and "no interval" in result.warning


def test_all_ties_split_half_give_one_half_and_no_interval():
    result = _run(np.zeros(12), np.full(12, 100.0), np.linspace(50, 150, 12), rule="half")
    assert result.win_rate_b == pytest.approx(0.5) and result.length_coefficient == pytest.approx(0.0, abs=1e-12)
    assert result.ci is None


def test_few_judgments_in_the_rarer_outcome_are_flagged():
    d = np.linspace(-200, 200, 40)
    preference = np.ones(40)
    preference[[3, 20, 35]] = -1.0
    result = _run(preference, np.full(40, 500.0), 500.0 + d)
    assert result.win_rate_b is not None and "rarer outcome" in result.warning


def test_undetermined_resamples_widen_the_interval_to_both_extremes():
    notes = []
    samples = np.concatenate([np.full(90, 0.6), np.linspace(0.55, 0.65, 100), np.full(10, np.nan)])
    low, high = length._interval(samples, notes)
    assert low == np.quantile(np.where(np.isnan(samples), 0.0, samples), 0.025)
    assert high == np.quantile(np.where(np.isnan(samples), 1.0, samples), 0.975)
    assert "10 of 200" in notes[0]


def test_tiny_random_studies_never_crash_and_never_give_a_zero_width_interval():
    rng = np.random.default_rng(13)
    for _ in range(300):
        n = int(rng.integers(1, 12))
        item = rng.integers(0, int(rng.integers(1, 5)), n)
        preference = rng.choice([-2.0, -1.0, 0.0, 1.0, 2.0], n)
        length_a = rng.choice([100.0, 200.0, np.nan], n, p=[0.45, 0.45, 0.1])
        length_b = rng.choice([100.0, 150.0, 300.0], n)
        rule = str(rng.choice(["drop", "half", "against_b"]))
        result = length_controlled_win_rate(item, preference, length_a, length_b, rule, resamples=50,
                                            rng=np.random.default_rng(0))
        _no_zero_width(result)
        for value in (result.win_rate_b, result.raw_win_rate_b, *(result.ci or [])):
            assert value is None or 0.0 <= value <= 1.0
        if result.win_rate_b is None or result.ci is None:
            assert result.warning


def test_bad_arguments():
    with pytest.raises(ValueError, match="rule"):
        _run([1.0], [1.0], [2.0], rule="ties")
    with pytest.raises(ValueError, match="1-d"):
        length_controlled_win_rate(np.arange(2), np.ones(3), np.ones(3), np.ones(3), "drop", resamples=0,
                                   rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="resamples"):
        _run([1.0], [1.0], [2.0], resamples=-1)


def test_docstring_examples():
    result = doctest.testmod(length, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
