"""The item-clustered bootstrap as a matrix product.

Prompts (items) are the unit of inference: the judgments of one item share its difficulty and are not
independent, so a resample draws *items* with replacement and takes all their judgments along (the cluster
bootstrap; Davison & Hinkley 1997, sec. 3.8; Field & Welsh 2007). Every statistic evalstore bootstraps is a
function of a few per-item sums (wins, ties, judgments, summed preference, metric differences), so a
resample is fully described by how often it drew each item: a count vector ``w`` ~ Multinomial(m, 1/m, ..., 1/m)
over the m items, and the resampled sums are ``w @ values``. All resamples at once are one matrix product of
an (R × m) count matrix with the (m × k) per-item values, computed in chunks of resamples to bound memory.

Items with identical value rows are exchangeable. Drawing m items uniformly and adding up the draws of each
distinct row ("type") gives type counts ~ Multinomial(m, share of each type), the same distribution as
drawing the items one by one. Three raters on a 3-point scale give only ten distinct (wins_a, ties, wins_b)
rows however many items there are, so the product shrinks from R × m to R × 10.
"""

from __future__ import annotations

import numpy as np

# Largest count matrix built at once (resamples × columns); int64 → 64 MiB, plus as much for the indices.
CHUNK_CELLS = 1 << 23

# Multinomial draws cost ~10x more per cell than uniform integers + bincount (numpy draws one binomial per
# category), so below this many items per distinct row the type-compressed multinomial is the cheaper path.
_MULTINOMIAL_MIN_ITEMS_PER_TYPE = 8


def _chunks(resamples: int, columns: int):
    chunk = max(1, CHUNK_CELLS // max(columns, 1))
    for start in range(0, resamples, chunk):
        yield start, min(chunk, resamples - start)


def item_weights(n_items: int, resamples: int, rng: np.random.Generator):
    """Yield ``(start, counts)`` chunks of the bootstrap count matrix over ``n_items`` items.

    ``counts`` has shape (size, n_items): ``counts[r, i]`` is how often resample ``start + r`` drew item ``i``;
    every row sums to ``n_items``. Each row is ``n_items`` uniform draws binned with ``np.bincount`` — the same
    distribution as ``rng.multinomial(n_items, [1 / n_items] * n_items)``, at a fraction of the cost.

    Examples
    --------
    >>> [(start, c.sum(axis=1).tolist()) for start, c in item_weights(4, 3, np.random.default_rng(0))]
    [(0, [4, 4, 4])]
    """
    index_type = np.uint32 if n_items < 2**32 else np.uint64
    for start, size in _chunks(resamples, n_items):
        draws = rng.integers(0, n_items, size=(size, n_items), dtype=index_type).astype(np.int64)
        draws += (np.arange(size, dtype=np.int64) * n_items)[:, None]
        yield start, np.bincount(draws.ravel(), minlength=size * n_items).reshape(size, n_items)


def distinct_rows(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a 2-d array (sorted) and how often each occurs: ``np.unique(axis=0, return_counts=True)``.

    Whole-number rows are first packed into one int64 key each (mixed radix), which sorts several times
    faster than numpy's row-wise unique; anything else falls back to it.

    Examples
    --------
    >>> types, counts = distinct_rows(np.array([[1, 0], [0, 2], [1, 0]]))
    >>> types.tolist(), counts.tolist()
    ([[0, 2], [1, 0]], [1, 2])
    """
    if values.size and np.all(np.isfinite(values)) and np.all(values == np.round(values)):
        low = values.min(axis=0)
        span = values.max(axis=0) - low + 1
        if np.all(np.abs(values) < 2**52) and float(np.prod(span.astype(np.float64))) < 2**62:
            whole = (values - low).astype(np.int64)
            strides = np.cumprod(np.concatenate([[1], span[::-1][:-1].astype(np.int64)]))[::-1]
            keys = whole @ strides
            _, first, counts = np.unique(keys, return_index=True, return_counts=True)
            return values[first], counts
    return np.unique(values, axis=0, return_counts=True)


def bootstrap_sums(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Column sums of ``values`` over items, for ``resamples`` item-level bootstrap resamples.

    Parameters
    ----------
    values : ndarray, shape (m, k)
        One row per item (the cluster), one column per per-item quantity (e.g. wins_a, ties, wins_b).
    resamples : int
        Number of bootstrap resamples R.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of float64, shape (R, k)
        Row r is ``Σ_i w_ri · values[i]`` for resample r's item counts ``w_r``.

    Examples
    --------
    Each resample draws 3 items, so the count column (all ones) always sums to 3:

    >>> values = np.array([[1, 1], [0, 1], [2, 1]])
    >>> sums = bootstrap_sums(values, 5, np.random.default_rng(0))
    >>> sums.shape, sums[:, 1].tolist()
    ((5, 2), [3.0, 3.0, 3.0, 3.0, 3.0])
    """
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"values must be 2-dimensional (items × quantities), not shape {values.shape}")
    m, k = values.shape
    out = np.empty((resamples, k), dtype=np.float64)
    if resamples == 0:
        return out
    if m == 0:
        out.fill(0.0)
        return out
    exact = values.dtype.kind in "iub"
    values = values.astype(np.int64 if exact else np.float64, copy=False)
    types, multiplicity = distinct_rows(values)
    if m >= _MULTINOMIAL_MIN_ITEMS_PER_TYPE * len(types):
        shares = multiplicity / m
        for start, size in _chunks(resamples, len(types)):
            counts = rng.multinomial(m, shares, size=size)
            out[start : start + size] = counts @ types
    else:
        for start, counts in item_weights(m, resamples, rng):
            # Integer products are exact and need no BLAS; float products go through BLAS.
            out[start : start + len(counts)] = counts @ values if exact else counts.astype(np.float64) @ values
    return out
