"""evalstore.stats.tails against scipy.stats and statsmodels, which it stands in for at run time."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from evalstore.stats import tails


def test_continuous_tails_equal_scipy_stats():
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 3, 500), -40.0, -8.5, 0.0, 8.5, 40.0]
    q = np.r_[rng.random(500), 1e-12, 1e-6, 0.025, 0.5, 0.975]
    np.testing.assert_allclose(tails.norm_cdf(x), stats.norm.cdf(x), rtol=1e-13, atol=0)
    np.testing.assert_allclose(tails.norm_sf(x), stats.norm.sf(x), rtol=1e-13, atol=0)
    np.testing.assert_allclose(tails.norm_ppf(q), stats.norm.ppf(q), rtol=1e-13, atol=0)
    for df in (1, 2, 3.5, 9, 30, 299, 10_000):
        np.testing.assert_allclose(tails.t_sf(x, df), stats.t.sf(x, df), rtol=1e-12, atol=0)
        np.testing.assert_allclose(tails.t_isf(q, df), stats.t.isf(q, df), rtol=1e-12, atol=0)
        chi = np.abs(x) ** 2
        np.testing.assert_allclose(tails.chi2_sf(chi, df), stats.chi2.sf(chi, df), rtol=1e-12, atol=0)


def test_discrete_tails_equal_scipy_stats():
    rng = np.random.default_rng(1)
    for _ in range(300):
        n = int(rng.integers(1, 5000))
        p = float(rng.choice([0.5, rng.random()]))
        k = rng.integers(-2, n + 3, 20)
        for ours, theirs in ((tails.binom_cdf(k, n, p), stats.binom.cdf(k, n, p)),
                             (tails.binom_sf(k, n, p), stats.binom.sf(k, n, p))):
            zero, far = theirs == 0, (theirs > 0) & (theirs < 1e-100)
            near = theirs >= 1e-100
            assert np.all(ours[zero] < 1e-270)  # scipy underflows to 0 a little earlier
            np.testing.assert_allclose(ours[near], theirs[near], rtol=1e-12, atol=0)
            np.testing.assert_allclose(ours[far], theirs[far], rtol=1e-11, atol=0)  # far out in a tail
        mean = int(rng.integers(0, 60))
        kk = np.arange(-1, mean + 12 * int(np.sqrt(mean)) + 40)
        np.testing.assert_allclose(tails.poisson_cdf(kk, mean), stats.poisson.cdf(kk, mean), rtol=1e-12, atol=1e-300)


def test_binomial_test_and_clopper_pearson_equal_binomtest():
    rng = np.random.default_rng(2)
    cases = [(0, 1), (1, 1), (0, 40), (40, 40), (9, 10), (5, 10), (42, 60)]
    cases += [(int(rng.integers(0, n + 1)), n) for n in rng.integers(1, 3000, 300).tolist()]
    for k, n in cases:
        expected = stats.binomtest(k, n, 0.5)
        if expected.pvalue == 0:  # scipy's sum of the two tails underflows first; the p itself is below 1e-270
            assert tails.binomial_test_p(k, n) < 1e-270
        else:
            assert tails.binomial_test_p(k, n) == pytest.approx(expected.pvalue, rel=1e-12, abs=0)
        ci = expected.proportion_ci(confidence_level=0.95, method="exact")
        low, high = tails.clopper_pearson(k, n, 0.95)
        # scipy finds the ends by root search (brentq, xtol 2e-12); these are the beta quantiles themselves
        assert low == pytest.approx(ci.low, abs=1e-11) and high == pytest.approx(ci.high, abs=1e-11)


def test_rankdata_equals_scipy():
    rng = np.random.default_rng(3)
    for _ in range(50):
        values = rng.integers(0, 20, int(rng.integers(1, 200))) / 3.0
        np.testing.assert_array_equal(tails.rankdata(values), stats.rankdata(values))


def test_wilcoxon_approx_equals_scipy():
    rng = np.random.default_rng(4)
    for _ in range(100):
        values = rng.integers(-3, 4, int(rng.integers(5, 400))) / 3.0
        if np.count_nonzero(values) < 2:
            continue
        expected = stats.wilcoxon(values, zero_method="wilcox", correction=False, method="approx").pvalue
        assert tails.wilcoxon_approx_p(values) == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_ttest_equals_scipy():
    rng = np.random.default_rng(5)
    for _ in range(100):
        values = rng.normal(rng.normal(0, 0.3), 1, int(rng.integers(2, 500)))
        expected = stats.ttest_1samp(values, 0.0)
        p, (low, high) = tails.ttest_1samp(values, 0.95)
        assert p == pytest.approx(expected.pvalue, rel=1e-12, abs=1e-300)
        assert [low, high] == pytest.approx(list(expected.confidence_interval(0.95)), rel=1e-12)


@pytest.mark.parametrize("kind", ["continuous", "ties", "few", "ordered"])
def test_kendall_tau_b_equals_scipy(kind):
    rng = np.random.default_rng(6)
    for _ in range(60):
        n = int(rng.integers(2, 30 if kind == "few" else 3000))
        x = rng.normal(size=n)
        if kind == "ties":
            x = np.round(x * 2)
        y = 0.3 * x + rng.normal(size=n)
        if kind == "ties":
            y = np.round(y)
        if kind == "ordered":
            y = x.copy()
            if n > 3:
                y[[0, 1]] = y[[1, 0]]
        expected = stats.kendalltau(x, y, variant="b")
        tau, p = tails.kendall_tau_b(x, y)
        if np.isnan(expected.statistic):
            assert np.isnan(tau) and np.isnan(p)
            continue
        assert tau == pytest.approx(expected.statistic, rel=1e-12, abs=1e-15)
        assert p == pytest.approx(expected.pvalue, rel=1e-10, abs=1e-300)


def test_discordant_pairs_equal_a_direct_count():
    rng = np.random.default_rng(7)
    for _ in range(50):
        ranks = rng.integers(0, int(rng.integers(1, 70)), int(rng.integers(0, 120)))
        direct = sum(int(np.sum(ranks[i] > ranks[i + 1:])) for i in range(ranks.size))
        assert tails._discordant_pairs(ranks) == direct


@pytest.mark.parametrize("method", ["holm", "fdr_bh"])
def test_adjusted_p_equals_statsmodels(method):
    rng = np.random.default_rng(8)
    for _ in range(100):
        p = rng.random(int(rng.integers(1, 40))) ** 3
        p[rng.random(p.size) < 0.2] = p[0]  # ties
        np.testing.assert_array_equal(tails.adjusted_p(p, method), multipletests(p, alpha=0.05, method=method)[1])


def test_binomial_test_is_exactly_one_when_k_is_as_likely_as_its_mirror():
    # scipy gives 1.0 for these; a sum of the two tails came out a hair below
    for k, n in [(7, 15), (23, 47), (27, 55), (8, 15), (5, 10)]:
        assert tails.binomial_test_p(k, n) == 1.0 == stats.binomtest(k, n).pvalue
