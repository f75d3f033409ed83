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

# Above this many (resamples × item types) cells a bootstrap that needs one draw per cell uses Poisson weights
# (``PoissonCounts``): the multinomial's one binomial per cell costs ~90 ns, a table look-up a few.
POISSON_MIN_CELLS = 1 << 24
#: Poisson counts drawn at once (resamples × types): the draw's temporaries are ~12 bytes a cell.
POISSON_CHUNK_CELLS = 1 << 22

#: Resolution of the guide table of ``poisson_counts``: the first 16 bits of a uniform pick a table cell.
_GUIDE_BITS = 16

# Multinomial draws cost ~10x more per cell than uniform integers + bincount (numpy draws one binomial per
# category), so below this many items per distinct row the type-compressed multinomial is the cheaper path.
_MULTINOMIAL_MIN_ITEMS_PER_TYPE = 8


def _chunks(resamples: int, columns: int, cells: int | None = None):
    chunk = max(1, (cells or CHUNK_CELLS) // max(columns, 1))
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


def _poisson_guide(mean: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inversion tables of Poisson(mean): the CDF, each guide cell's smallest value, and whether the cell holds
    one value only (then that value is the draw)."""
    from .tails import poisson_cdf

    top = int(mean + 12 * np.sqrt(mean) + 40)  # P(X > top) < 1e-20 for every mean
    cdf = poisson_cdf(np.arange(top + 1), mean)
    cdf[-1] = 1.0
    cells = 1 << _GUIDE_BITS
    edges = np.arange(cells + 1) / cells
    first = np.searchsorted(cdf, edges[:-1], side="right")  # F^-1 at the cell's lower edge
    last = np.searchsorted(cdf, np.nextafter(edges[1:], 0.0), side="right")
    return cdf, first, first == last


class PoissonCounts:
    """Independent Poisson(means) counts, ``size`` rows at a time; whole-number means.

    The Poisson bootstrap (Hanley & MacGibbon 2006; Chamandy et al. 2012) weights every item by an independent
    Poisson(1) count instead of drawing m items with replacement; the items of a type (identical data) then
    have a Poisson(multiplicity) total, one draw per type. For many items it is the multinomial bootstrap to
    O(1/m) and lets the total vary by about sqrt(m). Each draw is exact inversion of the Poisson CDF through a
    guide table (Devroye 1986, sec. III.2.4): 16 random bits find the answer directly in all but a few table
    cells, where a second uniform finishes the search. The tables are built once, for every chunk of rows.

    Examples
    --------
    >>> counts = PoissonCounts(np.array([1, 1, 30])).draw(4000, np.random.default_rng(0))
    >>> counts.shape, counts.dtype.name, [round(float(m), 1) for m in counts.mean(axis=0)]
    ((4000, 3), 'int32', [1.0, 1.0, 30.0])
    """

    def __init__(self, means: np.ndarray):
        means = np.asarray(means)
        if means.size and (np.any(means < 0) or np.any(means != np.round(means))):
            raise ValueError("means must be whole numbers >= 0")
        values, which = np.unique(means.astype(np.int64), return_inverse=True)
        which = which.ravel()
        cells = 1 << _GUIDE_BITS
        tables = [_poisson_guide(int(mean)) for mean in values.tolist()]
        # Every mean's guide table end to end: a draw is one look-up at (its mean's offset + 16 random bits).
        self._first = np.concatenate([t[1] for t in tables] or [np.empty(0)]).astype(np.int32)
        self._single = np.concatenate([t[2] for t in tables] or [np.empty(0, dtype=bool)])
        self._offset = (which * cells).astype(np.int32)
        # The CDFs end to end, table j shifted by 2j so that one sorted array serves every open cell's search.
        self._cdf = np.concatenate([t[0] + 2.0 * j for j, t in enumerate(tables)] or [np.empty(0)])
        self._cdf_start = np.cumsum([0] + [t[0].size for t in tables])[:-1].astype(np.int64)
        self._which = which
        self._draw_or_open = np.where(self._single, self._first, -1).astype(np.int32)
        self.n = means.size

    def draw(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """Shape (size, n), int32."""
        cells = 1 << _GUIDE_BITS
        index = self._offset + rng.integers(0, cells, size=(size, self.n), dtype=np.uint16)  # int32, one pass
        # one look-up gives the draw, or -1 in the few cells that hold several values
        out = self._draw_or_open[index]
        rows, columns = np.nonzero(out < 0)
        if rows.size:
            table = self._which[columns]
            u = ((index[rows, columns] - self._offset[columns]) + rng.random(rows.size)) / cells
            found = np.searchsorted(self._cdf, u + 2.0 * table, side="right") - self._cdf_start[table]
            out[rows, columns] = found
        return out
