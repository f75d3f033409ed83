"""Sign, Wilcoxon, t and Kendall tests against hand computations, scipy and a published multiple-testing example."""

import itertools
import math
from itertools import combinations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from evalstore.stats.significance import (
    WILCOXON_EXACT_MAX_ITEMS, adjust_p_values, binomial_p, kendall_tau_b, paired_t_p, sign_test, signed_rank_p,
    wilcoxon_p,
)


# ---------------------------------------------------------------- sign test


def test_sign_test_hand_example():
    # 8 items favour b, 2 favour a, 3 even (dropped): P(X <= 2) for Bin(10, 1/2) = (1 + 10 + 45) / 1024, doubled.
    means = np.array([1.0] * 8 + [-1.0, -0.5] + [0.0] * 3)
    result = sign_test(means)
    assert (result.n_positive, result.n_negative, result.n_zero) == (8, 2, 3)
    assert result.p_value == pytest.approx(2 * 56 / 1024, abs=1e-15)


def test_sign_test_matches_scipy_binomtest_on_random_item_means():
    rng = np.random.default_rng(0)
    for _ in range(50):
        means = rng.integers(-2, 3, size=int(rng.integers(1, 80))) / 3
        k, n = int((means > 0).sum()), int((means != 0).sum())
        expected = stats.binomtest(k, n, 0.5).pvalue if n else None
        got = sign_test(means).p_value
        assert got == (pytest.approx(expected, abs=1e-15) if n else None)


def test_sign_test_all_zero_is_undefined():
    assert sign_test(np.zeros(5)).p_value is None


def test_binomial_p_symmetry_and_bounds():
    assert binomial_p(3, 10) == pytest.approx(binomial_p(7, 10))
    assert binomial_p(5, 10) == 1.0
    assert binomial_p(0, 0) is None


# ---------------------------------------------------------------- Wilcoxon


def _wilcoxon_by_hand(x: np.ndarray) -> float:
    """Signed-rank test written out: zeros dropped, average ranks, tie-corrected variance, no continuity
    correction, two-sided normal p (Hollander & Wolfe 1999, sec. 3.1, large-sample approximation)."""
    x = x[x != 0]
    n = len(x)
    ranks = stats.rankdata(np.abs(x))
    w_plus = ranks[x > 0].sum()
    mean = n * (n + 1) / 4
    _, counts = np.unique(np.abs(x), return_counts=True)
    var = n * (n + 1) * (2 * n + 1) / 24 - (counts**3 - counts).sum() / 48
    z = (w_plus - mean) / math.sqrt(var)
    return 2 * stats.norm.sf(abs(z))


def test_wilcoxon_above_the_exact_limit_matches_hand_computation_with_ties_and_zeros():
    rng = np.random.default_rng(1)
    for _ in range(30):
        means = rng.integers(-3, 4, size=120) / 3  # many ties and zeros, like 3 raters' mean preferences
        assert np.count_nonzero(means) > WILCOXON_EXACT_MAX_ITEMS
        assert wilcoxon_p(means) == pytest.approx(_wilcoxon_by_hand(means), rel=1e-10)


def test_wilcoxon_above_the_exact_limit_matches_scipy_with_pinned_options():
    x = np.random.default_rng(2).normal(0.2, 1, size=60)
    expected = stats.wilcoxon(x, zero_method="wilcox", correction=False, method="approx").pvalue
    assert wilcoxon_p(x) == pytest.approx(expected, rel=1e-12)


def _signed_rank_p_by_enumeration(x: np.ndarray) -> float:
    """All 2^n sign patterns of the non-zero values, average ranks of |x|: the permutation p-value by brute force."""
    x = x[x != 0]
    ranks = stats.rankdata(np.abs(x))
    observed = ranks[x > 0].sum()
    sums = np.array([sum(r for r, s in zip(ranks, signs) if s) for signs in itertools.product((0, 1), repeat=len(x))])
    lower = np.mean(sums <= observed + 1e-9)
    upper = np.mean(sums >= observed - 1e-9)
    return min(1.0, 2 * min(lower, upper))


@pytest.mark.parametrize("means", [np.ones(5), np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([1, 1, 1, 2 / 3, 1 / 3])])
def test_wilcoxon_five_items_all_favouring_b_is_one_in_sixteen(means):
    # Two of the 2^5 sign patterns are as extreme (all + or all −), ties or not; the normal approximation
    # calls it significant (0.025 for five equal values).
    assert wilcoxon_p(means) == 0.0625
    assert stats.wilcoxon(means, method="approx", correction=False).pvalue < 0.05


def test_wilcoxon_without_ties_equals_scipy_exact():
    rng = np.random.default_rng(7)
    for n in (1, 2, 3, 5, 8, 13, 20, 35, 50):
        x = rng.normal(0.3, 1, size=n)
        assert wilcoxon_p(x) == pytest.approx(stats.wilcoxon(x, method="exact").pvalue, rel=1e-12, abs=1e-15)
        # and the convolution behind the tied case agrees with scipy's exact table where both apply
        assert signed_rank_p(x) == pytest.approx(stats.wilcoxon(x, method="exact").pvalue, rel=1e-12, abs=1e-15)


def test_wilcoxon_with_ties_and_zeros_equals_the_full_permutation():
    rng = np.random.default_rng(8)
    for _ in range(40):
        means = rng.integers(-3, 4, size=int(rng.integers(2, 13))) / 3  # 3 raters: ties and zeros
        if np.count_nonzero(means) == 0:
            assert wilcoxon_p(means) is None
            continue
        expected = _signed_rank_p_by_enumeration(means)
        assert wilcoxon_p(means) == pytest.approx(expected, rel=1e-12)


def test_wilcoxon_with_ties_equals_scipys_permutation_method():
    # scipy enumerates every sign pattern itself when 2^n <= n_resamples (zeros dropped by zero_method="wilcox").
    permutation = getattr(stats, "PermutationMethod", None)
    if permutation is None:
        pytest.skip("scipy without PermutationMethod")
    rng = np.random.default_rng(9)
    for n in (4, 7, 10, 12):
        means = np.round(rng.normal(0.3, 0.6, size=n) * 3) / 3
        means = means[means != 0]
        expected = stats.wilcoxon(means, method=permutation(n_resamples=10_000)).pvalue
        assert wilcoxon_p(means) == pytest.approx(expected, rel=1e-12)


def test_wilcoxon_all_zero_is_undefined():
    assert wilcoxon_p(np.zeros(4)) is None


# ---------------------------------------------------------------- paired t


def test_paired_t_equals_scipy_ttest_rel_on_the_two_scores():
    rng = np.random.default_rng(3)
    a = rng.normal(size=50)
    b = a + rng.normal(0.3, 1, size=50)
    assert paired_t_p(b - a) == pytest.approx(stats.ttest_rel(b, a).pvalue, rel=1e-12)


def test_paired_t_hand_formula():
    d = np.array([1.0, 2.0, 0.0, 1.0])
    t = d.mean() / (d.std(ddof=1) / math.sqrt(len(d)))
    assert paired_t_p(d) == pytest.approx(2 * stats.t.sf(abs(t), df=3), rel=1e-12)


def test_paired_t_undefined_cases():
    assert paired_t_p(np.array([1.0])) is None
    assert paired_t_p(np.array([0.5, 0.5, 0.5])) is None


# ---------------------------------------------------------------- Kendall tau-b


def _tau_b_by_pairs(x, y) -> float:
    concordant = discordant = ties_x = ties_y = 0
    for i, j in combinations(range(len(x)), 2):
        dx, dy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
        if dx == 0 and dy == 0:
            continue
        if dx == 0:
            ties_x += 1
        elif dy == 0:
            ties_y += 1
        elif dx == dy:
            concordant += 1
        else:
            discordant += 1
    return (concordant - discordant) / math.sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y))


def test_kendall_tau_b_matches_pair_counting_with_ties():
    rng = np.random.default_rng(4)
    x = rng.integers(-50, 50, size=40).astype(float)
    y = np.clip(np.round(x / 40 + rng.normal(0, 0.7, size=40)), -1, 1)  # a 3-point preference: many ties
    tau, p = kendall_tau_b(x, y)
    assert tau == pytest.approx(_tau_b_by_pairs(x, y), rel=1e-12)
    assert p == pytest.approx(stats.kendalltau(x, y, variant="b").pvalue, rel=1e-12)


def test_kendall_constant_input_is_undefined():
    assert kendall_tau_b(np.array([1.0, 1.0, 1.0]), np.array([1.0, 2.0, 3.0])) == (None, None)


# ---------------------------------------------------------------- multiple testing

# Benjamini & Hochberg (1995), JRSS B 57:289-300, section 4.2: 15 p-values from a study of myocardial infarction;
# at q = 0.05 the step-up procedure rejects the four smallest, Bonferroni-type procedures (Holm) only three.
BH_1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
           0.4262, 0.5719, 0.6528, 0.7590, 1.000]


def test_benjamini_hochberg_published_example_rejects_four():
    adjusted = adjust_p_values(BH_1995, "bh")
    assert [p <= 0.05 for p in adjusted] == [True] * 4 + [False] * 11


def test_holm_published_example_rejects_three():
    adjusted = adjust_p_values(BH_1995, "holm")
    assert [p <= 0.05 for p in adjusted] == [True] * 3 + [False] * 12


def test_bh_adjusted_values_by_hand():
    # Step-up: min over j >= i of p_(j) * m / j.
    p = np.array(BH_1995)
    m = len(p)
    by_hand = np.minimum.accumulate((p * m / np.arange(1, m + 1))[::-1])[::-1]
    assert adjust_p_values(BH_1995, "bh") == pytest.approx(np.minimum(by_hand, 1).tolist(), rel=1e-12)


def test_holm_adjusted_values_by_hand():
    p = np.array(BH_1995)
    m = len(p)
    by_hand = np.minimum(np.maximum.accumulate(p * (m - np.arange(m))), 1)
    assert adjust_p_values(BH_1995, "holm") == pytest.approx(by_hand.tolist(), rel=1e-12)


def test_adjustment_skips_missing_tests_and_keeps_order():
    raw = [0.04, None, 0.01, 0.03]
    got = adjust_p_values(raw, "holm")
    expected = multipletests([0.04, 0.01, 0.03], method="holm")[1]
    assert got[1] is None
    assert [got[0], got[2], got[3]] == pytest.approx(expected.tolist())
    assert adjust_p_values([None, None], "bh") == [None, None]
    with pytest.raises(ValueError):
        adjust_p_values([0.1], "bonferroni")
