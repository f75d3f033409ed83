"""The vectorised item bootstrap draws what resampling items one by one would draw.

Checked against the exact moments of the nonparametric bootstrap: for m items drawn with replacement, the
resampled column sum S = Σ_i w_i v_i with w ~ Multinomial(m, 1/m) has E[S] = Σ v and
Var[S] = m · (population variance of v) — and against a plain loop over resamples with index draws.
"""

import numpy as np
import pytest
from scipy import stats

from evalstore.stats import bootstrap
from evalstore.stats.bootstrap import bootstrap_sums, distinct_rows, item_weights


def _check_moments(values: np.ndarray, sums: np.ndarray):
    m = len(values)
    r = len(sums)
    expected_mean = values.sum(axis=0)
    expected_var = m * values.var(axis=0)
    # Mean within 5 standard errors; variance within 15 % (R = 4000: its sampling SE is ~ 2-4 %).
    assert np.all(np.abs(sums.mean(axis=0) - expected_mean) < 5 * np.sqrt(expected_var / r))
    assert sums.var(axis=0) == pytest.approx(expected_var, rel=0.15)


def test_compressed_path_has_bootstrap_moments():
    # Few distinct rows (tallies of 3 raters): the multinomial-over-types path.
    rng = np.random.default_rng(0)
    values = rng.integers(0, 4, size=(3000, 3))
    sums = bootstrap_sums(values, 4000, np.random.default_rng(1))
    _check_moments(values, sums)


def test_uncompressed_path_has_bootstrap_moments():
    # Continuous per-item values: every row distinct, the uniform-index path.
    values = np.random.default_rng(2).normal(size=(500, 2))
    sums = bootstrap_sums(values, 4000, np.random.default_rng(3))
    _check_moments(values, sums)


def test_matches_a_plain_loop_in_distribution():
    # The reference: the textbook bootstrap, one resample at a time with index draws.
    values = np.random.default_rng(4).exponential(size=(200, 1))
    rng = np.random.default_rng(5)
    loop = np.array([values[rng.integers(0, 200, 200)].sum() for _ in range(3000)])
    vectorised = bootstrap_sums(values, 3000, np.random.default_rng(6))[:, 0]
    assert stats.ks_2samp(loop, vectorised).pvalue > 0.001


def test_every_resample_draws_m_items():
    counts = np.vstack([c for _, c in item_weights(37, 50, np.random.default_rng(0))])
    assert counts.shape == (50, 37)
    assert np.all(counts.sum(axis=1) == 37)
    assert np.all(counts >= 0)


def test_chunking_does_not_change_the_draws_validity(monkeypatch):
    monkeypatch.setattr(bootstrap, "CHUNK_CELLS", 64)  # forces many small chunks
    values = np.ones((30, 1))
    sums = bootstrap_sums(np.column_stack([values, np.arange(30.0)]), 10, np.random.default_rng(0))
    assert np.all(sums[:, 0] == 30)  # a count column always sums to m
    chunks = list(item_weights(30, 10, np.random.default_rng(0)))
    assert len(chunks) > 1 and sum(len(c) for _, c in chunks) == 10


def test_same_generator_state_same_sums_and_item_order_matters_not_for_types():
    values = np.array([[1, 0], [0, 1], [1, 0], [1, 1]] * 10)
    a = bootstrap_sums(values, 100, np.random.default_rng(9))
    b = bootstrap_sums(values, 100, np.random.default_rng(9))
    c = bootstrap_sums(values[::-1], 100, np.random.default_rng(9))
    assert np.array_equal(a, b)
    assert np.array_equal(a, c)  # compressed by distinct rows: item order is irrelevant


def test_integer_sums_are_exact():
    values = np.full((10, 1), 3)
    sums = bootstrap_sums(values, 20, np.random.default_rng(0))
    assert np.all(sums == 30.0)


def test_edge_cases():
    assert bootstrap_sums(np.zeros((0, 2)), 3, np.random.default_rng(0)).tolist() == [[0.0, 0.0]] * 3
    assert bootstrap_sums(np.ones((4, 2)), 0, np.random.default_rng(0)).shape == (0, 2)
    with pytest.raises(ValueError):
        bootstrap_sums(np.ones(4), 3, np.random.default_rng(0))


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(0).integers(-3, 4, size=(5000, 5)),
        np.random.default_rng(1).normal(size=(300, 2)),
        np.column_stack([np.random.default_rng(2).integers(-900, 900, 4000).astype(float), np.ones(4000)]),
        np.array([[2**40, -(2**40)], [0, 1], [2**40, -(2**40)]]),
    ],
)
def test_distinct_rows_equals_numpy_unique(values):
    types, counts = distinct_rows(values)
    expected_types, expected_counts = np.unique(values, axis=0, return_counts=True)
    assert np.array_equal(types, expected_types) and np.array_equal(counts, expected_counts)


def test_poisson_counts_follow_the_poisson_distribution():
    from scipy.stats import chisquare, poisson

    from evalstore.stats.bootstrap import PoissonCounts

    means = np.array([1, 4, 0, 25, 1])
    counts = PoissonCounts(means).draw(20000, np.random.default_rng(3))
    assert counts.shape == (20000, 5) and np.all(counts[:, 2] == 0)
    for column, mean in enumerate(means.tolist()):
        if mean == 0:
            continue
        values = counts[:, column]
        # Pearson's test against scipy's pmf, the upper tail pooled into one cell
        top = int(poisson.ppf(0.999, mean))
        observed = np.bincount(np.minimum(values, top), minlength=top + 1)
        expected = np.append(poisson.pmf(np.arange(top), mean), poisson.sf(top - 1, mean)) * values.size
        assert chisquare(observed, expected).pvalue > 1e-4


def test_poisson_counts_are_seeded():
    from evalstore.stats.bootstrap import PoissonCounts

    sampler = PoissonCounts(np.array([3, 7, 1]))
    first = sampler.draw(50, np.random.default_rng(8))
    assert np.array_equal(first, sampler.draw(50, np.random.default_rng(8)))
    assert not np.array_equal(first, sampler.draw(50, np.random.default_rng(9)))
