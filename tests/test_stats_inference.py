"""The item-clustered win-rate interval and its dual test, against statsmodels / scipy and by brute force.

* The variance is the cluster-robust (HC1, items as clusters) variance of the ratio Σy / Σx, which statsmodels
  computes as weighted least squares of y_i / x_i on a constant with weights x_i; the interval is Wilson's at
  the effective sample size with the t quantile, which statsmodels' ``proportion_confint(method="wilson")``
  gives when its normal quantile is set to that t quantile.
* The test is dual to the interval: checked exhaustively on every study of 6 items × 3 raters, and by
  hypothesis on random studies of any size and raters per item.
* Degenerate studies get no zero-width interval: the one-way bound is scipy's Clopper–Pearson interval.
"""

import doctest
import itertools

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from evalstore.stats import inference
from evalstore.stats.inference import (
    FEW_ITEMS, MIN_ITEMS, mean_preference_interval, ratio_scores, win_rate_inference,
)
from evalstore.stats.winrates import TIE_RULES, ratio_design_effect, tally, win_rate


def _tallies(items: list[tuple[int, int, int]]) -> np.ndarray:
    """(wins_a, ties, wins_b) per item → the five tally columns, sum_pref on the 3-point scale."""
    t = np.array(items, dtype=np.int64).reshape(-1, 3)
    return np.column_stack([t, t.sum(axis=1), t[:, 2] - t[:, 0]])


def _outside(ci) -> bool:
    return not ci[0] <= 0.5 <= ci[1]


def test_docstring_examples():
    result = doctest.testmod(inference, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------- against statsmodels / scipy

STUDIES = [
    [(1, 0, 2), (0, 1, 2), (2, 0, 1), (0, 0, 3), (1, 1, 1), (0, 2, 1), (3, 0, 0), (1, 0, 2)],
    [(0, 0, 3)] * 10 + [(2, 1, 0)] * 5 + [(1, 1, 1)] * 5,
    [(1, 2, 2), (0, 1, 1), (2, 0, 3), (0, 4, 1), (1, 0, 0), (1, 1, 3), (0, 3, 2), (2, 2, 1), (0, 1, 4)],  # uneven n
    [(int(a), int(t), int(3 - a - t)) for a, t in np.random.default_rng(3).multinomial(3, [0.3, 0.3, 0.4], 40)[:, :2]],
]


def _judgment_scores(t: np.ndarray, rule: str) -> np.ndarray:
    """Every judgment that counts, one score each: 1 a win for system_b, 0 a loss, 1/2 a tie under half."""
    wins_a, ties, wins_b = int(t[:, 0].sum()), int(t[:, 1].sum()), int(t[:, 2].sum())
    tie_score = {"drop": [], "half": [0.5] * ties, "against_b": [0.0] * ties}[rule]
    return np.array([1.0] * wins_b + [0.0] * wins_a + tie_score)


@pytest.mark.parametrize("items", STUDIES)
@pytest.mark.parametrize("rule", TIE_RULES)
def test_interval_is_wilson_at_the_statsmodels_cluster_robust_effective_size(items, rule):
    t = _tallies(items)
    y, x, _ = ratio_scores(t, rule)
    keep = x > 0
    y, x = y[keep], x[keep]
    m = len(x)
    fit = sm.WLS(y / x, np.ones(m), weights=x).fit(cov_type="HC1", use_t=True)
    rate = float(fit.params[0])
    scores = _judgment_scores(t, rule)
    independent = np.mean((scores - rate) ** 2) / len(scores)  # the judgments as if independent
    variance = max(float(fit.bse[0] ** 2), independent)
    n_effective = rate * (1 - rate) / variance
    critical = stats.t.isf(0.025, m - 1)
    expected = proportion_confint(rate * n_effective, n_effective, alpha=2 * stats.norm.sf(critical), method="wilson")
    got = win_rate_inference(t, rule, resamples=0, rng=np.random.default_rng(0))
    assert got.estimate == pytest.approx(float(win_rate(t.sum(axis=0), rule)), rel=1e-15)
    assert got.estimate == pytest.approx(rate, rel=1e-12) == pytest.approx(scores.mean(), rel=1e-12)
    assert got.ci == pytest.approx(list(expected), rel=1e-10)
    # the score test of 0.5 at the same effective size and degrees of freedom
    z = (rate - 0.5) / np.sqrt(0.25 / n_effective)
    assert got.p_value == pytest.approx(2 * stats.t.sf(abs(z), m - 1), rel=1e-10)


def test_the_floor_binds_when_items_spread_less_than_independent_judgments():
    # Every item 2 : 1 for system_b: no spread between items, so the interval is the independent-judgment one.
    t = _tallies([(1, 0, 2)] * 12)
    got = win_rate_inference(t, "drop")
    critical = stats.t.isf(0.025, 11)
    expected = proportion_confint(24, 36, alpha=2 * stats.norm.sf(critical), method="wilson")
    assert got.ci == pytest.approx(list(expected), rel=1e-10)
    assert got.ci[1] - got.ci[0] > 0.2


@pytest.mark.parametrize("items", STUDIES[:2])
def test_design_effect_matches_winrates_ratio_design_effect(items):
    # With no all-tie item both use the same m clusters: the effective size is non-tie judgments / deff.
    t = _tallies(items)
    y, x, _ = ratio_scores(t, "drop")
    assert np.all(x > 0) and ratio_design_effect(t) > 1  # the floor (design effect 1) does not bind
    r = y.sum() / x.sum()
    got = win_rate_inference(t, "drop")
    critical = stats.t.isf(0.025, len(x) - 1)
    n_effective = x.sum() / ratio_design_effect(t)
    expected = proportion_confint(r * n_effective, n_effective, alpha=2 * stats.norm.sf(critical), method="wilson")
    assert got.ci == pytest.approx(list(expected), rel=1e-10)


@pytest.mark.parametrize("m", [MIN_ITEMS, 7, 8, 20])
@pytest.mark.parametrize("side", ["b", "a"])
def test_one_way_studies_get_the_exact_clopper_pearson_bound_and_sign_test(m, side):
    items = [(0, 0, 3) if side == "b" else (3, 0, 0)] * m
    got = win_rate_inference(_tallies(items), "drop")
    exact = stats.binomtest(m if side == "b" else 0, m)
    cp = exact.proportion_ci(confidence_level=0.95, method="exact")
    assert got.ci == pytest.approx([cp.low, cp.high], rel=1e-12, abs=1e-15)
    assert got.p_value == pytest.approx(exact.pvalue, rel=1e-12)
    assert got.ci[1] - got.ci[0] > 0.1  # never a point
    assert "exact" in got.method and "every judgment" in got.warning
    assert (got.p_value < 0.05) == _outside(got.ci) == (m >= 6)


def test_five_items_all_for_b_have_no_interval_six_are_significant():
    five = win_rate_inference(_tallies([(0, 1, 2)] * 5), "drop")
    assert MIN_ITEMS == 6 and five.ci is None and five.p_value is None and five.estimate == 1.0
    assert stats.binomtest(5, 5).pvalue == 0.0625  # why: not even five of five items could be significant
    six = win_rate_inference(_tallies([(0, 1, 2)] * 6), "drop")
    assert six.p_value == 0.03125 and six.ci[0] > 0.5


def test_against_b_with_no_win_for_b_is_the_mirror_bound():
    got = win_rate_inference(_tallies([(1, 2, 0), (0, 3, 0), (2, 1, 0), (3, 0, 0), (1, 2, 0), (0, 1, 0)]), "against_b")
    cp = stats.binomtest(0, 6).proportion_ci(method="exact")
    assert got.estimate == 0.0 and got.ci == pytest.approx([0.0, cp.high], rel=1e-12)


# ---------------------------------------------------------------- the minimum and the degenerate cases


@pytest.mark.parametrize("m", range(0, MIN_ITEMS))
def test_below_the_minimum_there_is_no_interval_and_no_test(m):
    items = [(1, 0, 2)] * m if m else []
    if m >= 2:
        items[0] = (0, 0, 3)  # not zero variance: the minimum alone withholds the interval
    got = win_rate_inference(_tallies(items), "drop")
    assert got.ci is None and got.p_value is None
    assert got.warning
    if m:
        assert f"needs at least {MIN_ITEMS} items" in got.warning and got.estimate is not None
    else:
        assert got.estimate is None


def test_a_single_item_is_never_a_point_interval():
    for rule in TIE_RULES:
        got = win_rate_inference(_tallies([(1, 0, 2)]), rule)
        assert got.estimate == pytest.approx(float(win_rate(_tallies([(1, 0, 2)]).sum(axis=0), rule)))
        assert got.ci is None and got.p_value is None and "1 item" in got.warning


def test_minimum_counts_items_with_judgments_that_count():
    # 10 items, but only 4 with a non-tie judgment: too few for the ties-dropped rate, enough for the others.
    items = [(0, 3, 0)] * 6 + [(1, 0, 2), (0, 1, 2), (0, 0, 3), (2, 1, 0)]
    assert win_rate_inference(_tallies(items), "drop").ci is None
    assert win_rate_inference(_tallies(items), "half").ci is not None


def test_all_ties_has_no_win_rate_under_drop():
    got = win_rate_inference(_tallies([(0, 3, 0)] * 10), "drop")
    assert got.estimate is None and got.ci is None and got.p_value is None and got.warning


def test_zero_spread_between_items_is_never_a_point():
    for rule in TIE_RULES:
        for items in ([(1, 0, 2)] * 12, [(0, 1, 2)] * 12, [(1, 1, 1)] * 30):
            got = win_rate_inference(_tallies(items), rule)
            assert got.ci is not None and got.ci[1] - got.ci[0] > 0.05, (rule, items, got)


def test_few_items_carry_a_coverage_warning_enough_items_none():
    rng = np.random.default_rng(4)
    for m, warned in ((MIN_ITEMS, True), (FEW_ITEMS - 1, True), (FEW_ITEMS, False), (60, False)):
        items = [tuple(int(v) for v in rng.multinomial(3, [0.3, 0.3, 0.4])) for _ in range(m)]
        got = win_rate_inference(_tallies(items), "drop")
        assert got.ci is not None
        assert (got.warning is not None) == warned, (m, got.warning)


def test_closed_form_ignores_resamples_and_generator():
    t = _tallies(STUDIES[0])
    a = win_rate_inference(t, "half", resamples=0, rng=np.random.default_rng(1))
    b = win_rate_inference(t, "half", resamples=5000, rng=np.random.default_rng(2))
    assert a == b


def test_unknown_rule_is_an_error():
    with pytest.raises(ValueError):
        win_rate_inference(_tallies(STUDIES[0]), "ignore")


# ---------------------------------------------------------------- duality: p < 0.05 exactly when 0.5 is outside


def test_duality_on_every_study_of_six_items_and_three_raters():
    types = [(a, t, 3 - a - t) for a in range(4) for t in range(4 - a)]  # the 10 ways 3 judgments can fall
    checked = 0
    for study in itertools.combinations_with_replacement(types, 6):
        t = _tallies(list(study))
        for rule in TIE_RULES:
            got = win_rate_inference(t, rule)
            if got.ci is None:
                assert got.p_value is None
                continue
            assert got.ci[0] < got.ci[1]
            assert got.ci[0] <= got.estimate <= got.ci[1]
            assert (got.p_value < 0.05) == _outside(got.ci), (study, rule, got)
            checked += 1
    assert checked > 10_000


judgment_counts = st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 4)).filter(lambda c: sum(c) > 0),
    min_size=1, max_size=80,
)


@settings(max_examples=400, deadline=None)
@given(items=judgment_counts, rule=st.sampled_from(TIE_RULES))
def test_duality_and_no_zero_width_interval_on_random_studies(items, rule):
    got = win_rate_inference(_tallies(items), rule)
    if got.ci is None:
        assert got.p_value is None and got.warning
        return
    low, high = got.ci
    assert 0.0 <= low < high <= 1.0
    assert low <= got.estimate <= high
    assert 0.0 <= got.p_value <= 1.0
    assert (got.p_value < 0.05) == _outside(got.ci)


def test_duality_near_the_boundary():
    # Studies whose p lands close to 0.05: many rates around the rejection edge, several sizes.
    rng = np.random.default_rng(11)
    near = 0
    for _ in range(3000):
        m = int(rng.integers(MIN_ITEMS, 60))
        share = rng.uniform(0.5, 0.75)
        items = [tuple(int(v) for v in rng.multinomial(3, [(1 - share) * 0.8, 0.2, share * 0.8])) for _ in range(m)]
        got = win_rate_inference(_tallies(items), "drop")
        if got.ci is None:
            continue
        near += abs(got.p_value - 0.05) < 0.01
        assert (got.p_value < 0.05) == _outside(got.ci)
    assert near > 50


def test_guard_moves_p_only_onto_the_side_the_interval_says():
    assert inference._dual([0.51, 0.9], 0.05) < 0.05
    assert inference._dual([0.4, 0.9], 0.0499999) == 0.05
    assert inference._dual([0.4, 0.9], 0.3) == 0.3


# ---------------------------------------------------------------- coverage (the benchmark, small)


def _simulate(m: int, effect: float, rng: np.random.Generator, raters: int = 3):
    latent = effect + rng.normal(0, 1, (m, 1)) + rng.normal(0, 1, (m, raters))
    pref = np.where(latent > 0.5, 1.0, np.where(latent < -0.5, -1.0, 0.0))
    return tally(np.repeat(np.arange(m), raters), pref.ravel(), m)


@pytest.mark.parametrize("m, low, high", [(8, 0.92, 0.99), (15, 0.93, 0.975), (30, 0.93, 0.97)])
def test_coverage_in_the_benchmarks_design(m, low, high):
    # benchmarks/simulate_coverage.py's model: item difficulty N(0, 1), 3 raters; true win rate (ties dropped)
    truth_b = stats.norm.sf(0.5, loc=0.3, scale=np.sqrt(2))
    truth_a = stats.norm.cdf(-0.5, loc=0.3, scale=np.sqrt(2))
    truth = truth_b / (truth_a + truth_b)
    rng = np.random.default_rng(m)
    hits = []
    for _ in range(2000):
        ci = win_rate_inference(_simulate(m, 0.3, rng), "drop").ci
        hits.append(ci is not None and ci[0] <= truth <= ci[1])
    assert low <= np.mean(hits) <= high  # Monte Carlo SE about 0.005


# ---------------------------------------------------------------- mean preference


def test_mean_preference_interval_is_the_one_sample_t_interval_with_equal_judgments_per_item():
    rng = np.random.default_rng(5)
    t = _tallies([tuple(int(v) for v in rng.multinomial(3, [0.3, 0.3, 0.4])) for _ in range(25)])
    means = t[:, 4] / t[:, 3]
    expected = stats.ttest_1samp(means, 0.0).confidence_interval(0.95)
    ci, warning = mean_preference_interval(t)
    assert ci == pytest.approx([expected.low, expected.high], rel=1e-12)
    assert warning is None


def test_mean_preference_interval_with_uneven_judgments_is_statsmodels_cluster_robust_t():
    t = _tallies(STUDIES[2])
    y, x = t[:, 4].astype(float), t[:, 3].astype(float)
    fit = sm.WLS(y / x, np.ones(len(x)), weights=x).fit(cov_type="HC1", use_t=True)
    ci, _ = mean_preference_interval(t)
    assert ci == pytest.approx(fit.conf_int(alpha=0.05)[0].tolist(), rel=1e-10)


def test_mean_preference_interval_withheld_below_the_minimum_and_without_spread():
    ci, warning = mean_preference_interval(_tallies([(1, 0, 2)] * (MIN_ITEMS - 1) + [(0, 0, 3)]))
    assert ci is not None
    ci, warning = mean_preference_interval(_tallies([(0, 0, 3)] * (MIN_ITEMS - 1)))
    assert ci is None and f"at least {MIN_ITEMS}" in warning
    ci, warning = mean_preference_interval(_tallies([(0, 0, 3)] * 20))
    assert ci is None and "same mean preference" in warning


# ---------------------------------------------------------------- the item view: Clopper–Pearson and the sign test


def test_item_view_interval_is_dual_to_the_sign_test():
    # The item view keeps the exact sign test; its interval (winrates.item_share_interval, Clopper–Pearson) is the
    # set of shares that test does not reject, so the same guarantee holds there: checked for every k of n <= 50.
    from evalstore.stats import winrates

    item_share_interval = getattr(winrates, "item_share_interval", None)
    if item_share_interval is None:
        pytest.skip("no item_share_interval in this tree")
    for n in range(1, 51):
        for k in range(n + 1):
            ci = item_share_interval(k, n)
            p = stats.binomtest(k, n, 0.5).pvalue
            assert (p < 0.05) == _outside(ci), (k, n)
