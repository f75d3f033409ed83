"""Dense integer codes of integer labels: ``np.unique(..., return_inverse=True)`` without the sort.

The engine codes items, raters, strata and cells as non-negative integers with a range not much larger than
the number of judgments; for those a presence table gives exactly what ``np.unique`` gives (sorted distinct
values, the code of each value in that order, first positions, counts) in a few linear passes instead of an
O(n log n) sort. Anything else (negative, not whole, a sparse range) goes to ``np.unique`` itself.
"""

from __future__ import annotations

import numpy as np

#: Values up to this multiple of the array's length (plus a constant) use the presence table.
_RANGE_PER_VALUE = 4
_RANGE_EXTRA = 1 << 16


def unique_codes(values, *, return_index: bool = False, return_counts: bool = False):
    """``np.unique(values, return_index=..., return_inverse=True, return_counts=...)`` for a 1-d array.

    Returns ``(uniques, [first,] inverse, [counts])`` as ``np.unique`` orders them; ``inverse`` is 1-d.

    >>> uniques, first, inverse, counts = unique_codes(np.array([5, 2, 5, 9]), return_index=True,
    ...                                                return_counts=True)
    >>> uniques.tolist(), first.tolist(), inverse.tolist(), counts.tolist()
    ([2, 5, 9], [1, 0, 3], [1, 0, 1, 2], [1, 2, 1])
    """
    values = np.asarray(values).ravel()
    n = values.size
    fast = values.dtype.kind in "iu" and n > 0
    if fast:
        low, high = int(values.min()), int(values.max())
        fast = low >= 0 and high < _RANGE_PER_VALUE * n + _RANGE_EXTRA
    if not fast:
        out = np.unique(values, return_index=return_index, return_inverse=True, return_counts=return_counts)
        out = list(out)
        out[2 if return_index else 1] = out[2 if return_index else 1].ravel()
        return tuple(out)
    present = np.zeros(high + 1, dtype=bool)
    present[values] = True
    uniques = np.flatnonzero(present).astype(values.dtype, copy=False)
    rank = np.cumsum(present, dtype=np.int64) - 1
    inverse = rank[values]
    out = [uniques]
    if return_index:
        first = np.full(uniques.size, n, dtype=np.int64)
        np.minimum.at(first, inverse, np.arange(n, dtype=np.int64))
        out.append(first)
    out.append(inverse)
    if return_counts:
        out.append(np.bincount(inverse, minlength=uniques.size))
    return tuple(out)
