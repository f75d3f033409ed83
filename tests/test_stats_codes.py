"""``unique_codes`` gives what ``np.unique`` gives, on the fast path and on the fallback."""

import numpy as np
import pytest

from evalstore.stats.codes import unique_codes


@pytest.mark.parametrize("values", [
    np.random.default_rng(0).integers(0, 50, 1000),  # dense range: the presence table
    np.random.default_rng(1).integers(0, 10**9, 300),  # sparse range: np.unique
    np.array([-3, 4, -3, 0]),  # negative: np.unique
    np.array([2.5, 1.0, 2.5]),  # not whole: np.unique
    np.array([7]),
    np.array([], dtype=np.int64),
    np.array([True, False, True]),
])
def test_same_as_numpy_unique(values):
    expected = np.unique(values, return_index=True, return_inverse=True, return_counts=True)
    got = unique_codes(values, return_index=True, return_counts=True)
    assert len(got) == 4
    for mine, theirs in zip(got, expected):
        assert np.array_equal(mine, np.ravel(theirs))
    uniques, inverse = unique_codes(values)
    assert np.array_equal(uniques, expected[0]) and np.array_equal(inverse, np.ravel(expected[2]))
