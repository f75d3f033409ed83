"""Wilson and percentile intervals against published values and statsmodels / numpy."""

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from evalstore.stats.intervals import percentile_interval, wilson_interval

# Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of seven methods",
# Statistics in Medicine 17:857-872, Table I, method 3 (score interval without continuity correction).
NEWCOMBE_TABLE_I = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (29, 29, 0.8830, 1.0000),
]


@pytest.mark.parametrize("successes, n, low, high", NEWCOMBE_TABLE_I)
def test_wilson_matches_newcombe_table(successes, n, low, high):
    ci = wilson_interval(successes, n)
    assert ci == pytest.approx([low, high], abs=5e-5)


def test_wilson_matches_statsmodels_on_random_counts():
    rng = np.random.default_rng(5)
    for _ in range(200):
        n = int(rng.integers(1, 500))
        k = int(rng.integers(0, n + 1))
        expected = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert wilson_interval(k, n) == pytest.approx(list(expected), abs=1e-12)


def test_wilson_other_level_matches_statsmodels():
    assert wilson_interval(30, 90, level=0.9) == pytest.approx(
        list(proportion_confint(30, 90, alpha=0.1, method="wilson")), abs=1e-12
    )


def test_wilson_undefined_without_trials_and_rejects_impossible_counts():
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


def test_wilson_returns_plain_floats():
    low, high = wilson_interval(3, 10)
    assert type(low) is float and type(high) is float


def test_percentile_interval_matches_numpy_quantile():
    samples = np.random.default_rng(1).normal(size=1001)
    result = percentile_interval(samples)
    assert result.interval == pytest.approx(list(np.percentile(samples, [2.5, 97.5])), abs=1e-15)
    assert result.undefined == 0 and result.resamples == 1001


def test_percentile_interval_drops_nan_and_counts_them():
    samples = np.array([np.nan, 1.0, 2.0, 3.0, np.nan])
    result = percentile_interval(samples)
    assert result.undefined == 2
    assert result.interval == pytest.approx(list(np.percentile([1.0, 2.0, 3.0], [2.5, 97.5])))


def test_percentile_interval_unbounded_end_is_none_not_infinity():
    samples = np.concatenate([np.linspace(0, 1, 90), np.full(10, np.inf)])
    low, high = percentile_interval(samples).interval
    # The low end never touches the infinite resamples: the same as with any large finite stand-in.
    assert low == pytest.approx(np.quantile(np.where(np.isinf(samples), 1e9, samples), 0.025))
    assert high is None


def test_percentile_interval_all_undefined_is_none():
    assert percentile_interval(np.full(5, np.nan)).interval is None
