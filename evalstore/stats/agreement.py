"""Inter-rater agreement: Krippendorff's alpha, Fleiss's kappa, Gwet's AC1, Cohen's kappa.

Units are items, coders are raters, values are preferences on the study's scale. Most functions take a
*value-count matrix* ``counts`` of shape ``(n_units, n_values)``: ``counts[u, v]`` is how many raters gave
value ``v`` to unit ``u`` (Fleiss's n_ij). Counting first keeps memory proportional to units × values,
whatever the number of raters.

Every coefficient returns ``None`` rather than NaN when it is undefined for the data (no unit with two
ratings, or a chance-corrected coefficient on data with a single value everywhere).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .power import sign_test_min_items

#: The values of each supported scale, in order; passed to every coefficient so that a value nobody used
#: still counts as a possible category.
SCALE_VALUES = {3: (-1.0, 0.0, 1.0), 5: (-2.0, -1.0, 0.0, 1.0, 2.0)}

#: Rater pairs need this many shared items before we report their Cohen's kappa.
MIN_SHARED_ITEMS = 10

# Upper bound on the cells of one bootstrap chunk (resamples × max(patterns, values²)); float64 → 32 MiB.
_CHUNK_CELLS = 1 << 22

_NUMPY_LEVELS = ("nominal", "ordinal", "interval")

#: Both scales are ordered, so the ordinal alpha is the coefficient a sentence quotes and ``alpha_ci`` bootstraps.
HEADLINE_LEVEL = "ordinal"
HEADLINE_COEFFICIENT = f"krippendorff_alpha_{HEADLINE_LEVEL}"


# ---------------------------------------------------------------------------------------------------------
# Counting


#: Fewest items rated twice or more for an interval of alpha and for the kappas: the win rate's minimum
#: (``stats.inference.MIN_ITEMS``, the fewest items with which the exact sign test can reject).
MIN_UNITS = sign_test_min_items()

def value_counts_matrix(unit_codes: np.ndarray, value_codes: np.ndarray, n_units: int, n_values: int) -> np.ndarray:
    """Count how many raters gave each value to each unit.

    Parameters
    ----------
    unit_codes, value_codes : ndarray of int, shape (n_ratings,)
        Unit index (0..n_units-1) and value index (0..n_values-1) of each rating.
    n_units, n_values : int
        Shape of the result.

    Returns
    -------
    ndarray of int64, shape (n_units, n_values)

    Examples
    --------
    >>> value_counts_matrix(np.array([0, 0, 1]), np.array([2, 2, 0]), 2, 3).tolist()
    [[0, 0, 2], [1, 0, 0]]
    """
    flat = np.bincount(unit_codes * n_values + value_codes, minlength=n_units * n_values)
    return flat.reshape(n_units, n_values).astype(np.int64, copy=False)


def _pairable(counts: np.ndarray) -> np.ndarray:
    """Rows of ``counts`` with at least two ratings: only those carry information about agreement."""
    counts = np.asarray(counts)
    return counts[counts.sum(axis=1) >= 2]


def _as_float(x) -> float | None:
    """A plain Python float, or None for a missing or non-finite value (JSON has no NaN)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


# ---------------------------------------------------------------------------------------------------------
# Krippendorff's alpha


def krippendorff_alpha(value_counts: np.ndarray, level: str, value_domain: Sequence[float]) -> float | None:
    """Krippendorff's alpha from a units × values count matrix, computed by the ``krippendorff`` package.

    Units with fewer than two ratings are dropped before the call: they cannot be paired and do not change
    alpha (Krippendorff 2011, sec. C), and dropping them keeps the package's units × values × values work
    array small.

    Parameters
    ----------
    value_counts : ndarray of int, shape (n_units, n_values)
        ``value_counts[u, v]`` = number of raters who gave ``value_domain[v]`` to unit ``u``.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Level of measurement, passed explicitly to the package.
    value_domain : sequence of float, length n_values
        The scale's values in order (also the ones nobody used).

    Returns
    -------
    float or None
        None when alpha is undefined: fewer than two units with two ratings, or one value everywhere.

    Examples
    --------
    Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers, 12 units.

    >>> counts = np.array([[3, 0, 0, 0, 0], [0, 3, 1, 0, 0], [0, 0, 4, 0, 0], [0, 0, 4, 0, 0],
    ...                    [0, 4, 0, 0, 0], [1, 1, 1, 1, 0], [0, 0, 0, 4, 0], [3, 1, 0, 0, 0],
    ...                    [0, 4, 0, 0, 0], [0, 0, 0, 0, 3], [2, 0, 0, 0, 0], [0, 0, 1, 0, 0]])
    >>> round(krippendorff_alpha(counts, "nominal", [1, 2, 3, 4, 5]), 3)
    0.743
    """
    counts = _pairable(value_counts)
    domain = np.asarray(value_domain, dtype=float)
    if counts.shape[1] != len(domain):
        raise ValueError(f"value_counts has {counts.shape[1]} columns but value_domain has {len(domain)} values")
    if len(counts) < 2 or np.count_nonzero(counts.sum(axis=0)) < 2:
        return None
    import krippendorff  # only here: the summary computes alpha from the distinct rows itself

    return _as_float(krippendorff.alpha(value_counts=counts, value_domain=domain, level_of_measurement=level))


def _alpha_of_patterns(
    patterns: np.ndarray, multiplicity: np.ndarray, level: str, value_domain: Sequence[float]
) -> float | None:
    """``krippendorff_alpha`` of the units whose distinct value-count rows are ``patterns`` (each row of at
    least two ratings, ``multiplicity[k]`` units alike): the same coincidence-matrix formula as the package,
    summed over a few distinct rows instead of every unit of a large study."""
    if multiplicity.sum() < 2 or np.count_nonzero(patterns.sum(axis=0)) < 2:
        return None
    alpha = alphas_from_unit_weights(multiplicity[None, :], patterns, level, value_domain)[0]
    return _as_float(alpha)


def _coincidences(weights: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """Coincidence matrices Σ_u w_u (c_u c_uᵀ − diag c_u) / (m_u − 1) for R weightings; shape (R, V, V).

    Krippendorff (2011), o_ck: every ordered pair of values within a unit, weighted by 1/(m_u − 1). The sums
    are taken in integers, one group of units with the same m at a time, and divided last: the result is
    then exact up to one rounding per group and does not depend on unit order, chunking or BLAS threads.
    """
    n_rows, n_values = weights.shape[0], patterns.shape[1]
    outer = patterns[:, :, None] * patterns[:, None, :]
    idx = np.arange(n_values)
    outer[:, idx, idx] -= patterns
    outer = outer.reshape(len(patterns), n_values * n_values)
    m = patterns.sum(axis=1)
    coincidences = np.zeros((n_rows, n_values * n_values))
    for size in np.unique(m):
        group = m == size
        coincidences += (weights[:, group] @ outer[group]) / (size - 1)
    return coincidences.reshape(n_rows, n_values, n_values)


def _distances(n_v: np.ndarray, level: str, value_domain: np.ndarray) -> np.ndarray:
    """Squared distance δ²(c, k) between values, shape (R, V, V) for R rows of value totals ``n_v``.

    The ordinal metric depends on the value totals (Krippendorff 2011, sec. E), so it is computed per resample;
    it is the same formula the ``krippendorff`` package uses: (Σ_{g=c..k} n_g − (n_c + n_k)/2)².
    """
    n_rows, n_values = n_v.shape
    if level == "nominal":
        d = 1.0 - np.eye(n_values)
        return np.broadcast_to(d, (n_rows, n_values, n_values))
    if level == "interval":
        d = (value_domain[:, None] - value_domain[None, :]) ** 2
        return np.broadcast_to(d, (n_rows, n_values, n_values))
    if level == "ordinal":
        cumulative = np.concatenate([np.zeros((n_rows, 1)), np.cumsum(n_v, axis=1)], axis=1)
        idx = np.arange(n_values)
        low = np.minimum(idx[:, None], idx[None, :])
        high = np.maximum(idx[:, None], idx[None, :])
        between = cumulative[:, high + 1] - cumulative[:, low]
        return (between - (n_v[:, :, None] + n_v[:, None, :]) / 2.0) ** 2
    raise ValueError(f"level must be one of {_NUMPY_LEVELS}, not {level!r}")


def alphas_from_unit_weights(
    weights: np.ndarray, patterns: np.ndarray, level: str, value_domain: Sequence[float]
) -> np.ndarray:
    """Krippendorff's alpha for many weightings of the same units at once (the bootstrap's inner step).

    Alpha depends on the data only through the coincidence matrix, a sum of per-unit contributions; a resample
    that takes unit k w_k times has coincidence matrix Σ_k w_k · contribution_k. So all resamples are one
    matrix product.

    Parameters
    ----------
    weights : ndarray of int, shape (R, K)
        How many times each of K units (or unit patterns) appears in each of R resamples.
    patterns : ndarray of int, shape (K, V)
        Value counts of the K units; every row must have at least two ratings.
    level : {"nominal", "ordinal", "interval"}
    value_domain : sequence of float, length V

    Returns
    -------
    ndarray of float, shape (R,)
        NaN where alpha is undefined (a single value in the resample).

    Examples
    --------
    >>> patterns = np.array([[2, 0], [1, 1], [0, 2]])
    >>> alphas_from_unit_weights(np.array([[1, 1, 1], [1, 0, 1]]), patterns, "nominal", [0, 1]).round(3).tolist()
    [0.444, 1.0]
    """
    domain = np.asarray(value_domain, dtype=float)
    weights = np.asarray(weights)
    patterns = np.asarray(patterns)
    if weights.dtype.kind not in "iu" or patterns.dtype.kind not in "iu":
        raise TypeError("weights and patterns must be integer counts")
    weights = weights.astype(np.int64, copy=False)
    patterns = patterns.astype(np.int64, copy=False)
    n_values = patterns.shape[1]
    observed = _coincidences(weights, patterns)
    # A unit's contribution sums to its own value counts along each row, so value totals are weights @ patterns.
    n_v = (weights @ patterns).astype(np.float64)
    n = n_v.sum(axis=1)
    expected = n_v[:, :, None] * n_v[:, None, :]
    idx = np.arange(n_values)
    expected[:, idx, idx] -= n_v
    expected /= (n - 1)[:, None, None]
    d = _distances(n_v, level, domain)
    disagreement_observed = (observed * d).sum(axis=(1, 2))
    disagreement_expected = (expected * d).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        alphas = 1.0 - disagreement_observed / disagreement_expected
    alphas[~(disagreement_expected > 0)] = np.nan
    return alphas


def _distinct_rows(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a count matrix and how often each occurs, in a fixed order.

    Rows are read as numbers in base (max count + 1), which sorts far faster than ``np.unique(axis=0)``;
    the latter is the fallback when those numbers would not fit in 62 bits.
    """
    counts = counts.astype(np.int64, copy=False)
    base = int(counts.max()) + 1
    if base ** counts.shape[1] < 2**62:
        codes = counts @ (base ** np.arange(counts.shape[1], dtype=np.int64))
        _, first, multiplicity = np.unique(codes, return_index=True, return_counts=True)
        return counts[first], multiplicity
    return np.unique(counts, axis=0, return_counts=True)


def bootstrap_alphas(
    value_counts: np.ndarray,
    level: str,
    value_domain: Sequence[float],
    resamples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Krippendorff's alpha on ``resamples`` bootstrap resamples of the units (units drawn with replacement).

    Only units with two or more ratings are resampled: the others carry no information about alpha.
    Alpha depends on a resample only through how often each distinct *value-count pattern* was drawn, and
    drawing n units uniformly with replacement gives pattern counts ~ Multinomial(n, share of each pattern).
    We draw those counts directly: the same distribution as resampling unit indices, at a cost that depends
    on the number of distinct patterns (a few dozen for 3 raters on a 5-point scale), not on the number of
    units. Resamples are processed in chunks to bound memory.

    Parameters
    ----------
    value_counts : ndarray of int, shape (n_units, V)
    level : {"nominal", "ordinal", "interval"}
    value_domain : sequence of float, length V
    resamples : int
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of float, shape (resamples,)
        NaN for resamples where alpha is undefined.

    Examples
    --------
    >>> counts = np.array([[2, 0], [1, 1], [0, 2], [2, 0]])
    >>> bootstrap_alphas(counts, "nominal", [0, 1], 3, np.random.default_rng(0)).shape
    (3,)
    """
    units = _pairable(value_counts)
    if len(units) == 0 or resamples < 1:
        return np.full(max(resamples, 0), np.nan)
    patterns, multiplicity = _distinct_rows(units)
    shares = multiplicity / multiplicity.sum()
    n_values = patterns.shape[1]
    chunk = max(1, _CHUNK_CELLS // max(len(patterns), n_values * n_values))
    alphas = np.empty(resamples)
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        draws = rng.multinomial(len(units), shares, size=size)
        alphas[start : start + size] = alphas_from_unit_weights(draws, patterns, level, value_domain)
    return alphas


# ---------------------------------------------------------------------------------------------------------
# Fleiss's kappa, Gwet's AC1, percent agreement (items × categories counts)


def _per_unit_agreement(counts: np.ndarray) -> np.ndarray:
    """Share of agreeing rater pairs within each unit: Σ_j n_ij(n_ij − 1) / (n_i(n_i − 1)), Fleiss's P_i."""
    counts = counts.astype(np.float64)
    m = counts.sum(axis=1)
    return (counts * (counts - 1)).sum(axis=1) / (m * (m - 1))


def percent_agreement(counts: np.ndarray) -> float | None:
    """Pairwise percent agreement: mean over units of the share of agreeing rater pairs (Fleiss's P̄).

    Units with fewer than two ratings are skipped, so the number of raters may differ between units
    (as in Gwet's pa for incomplete data).

    Parameters
    ----------
    counts : ndarray of int, shape (n_units, n_categories)

    Returns
    -------
    float or None
        None when no unit has two ratings.

    Examples
    --------
    >>> percent_agreement(np.array([[3, 0], [2, 1]]))
    0.6666666666666666
    """
    units = _pairable(counts)
    if len(units) == 0:
        return None
    return _as_float(_per_unit_agreement(units).mean())


def _classification_shares(counts: np.ndarray) -> np.ndarray | None:
    """π_k: the mean over units with at least one rating of the share of the unit's ratings in category k.

    Gwet (Handbook of Inter-Rater Reliability, 4th ed., 2014, ch. 2-3), eq. for π_k with missing ratings; the same
    average ``irrCAC``'s ``CAC.fleiss()`` and ``CAC.gwet()`` take (``pi_vec``). Units with a single rating count
    here (they say which categories are in use) though they cannot show agreement. None when nothing is rated.
    """
    rated = counts[counts.sum(axis=1) >= 1].astype(np.float64)
    if len(rated) == 0:
        return None
    return (rated / rated.sum(axis=1, keepdims=True)).mean(axis=0)


def fleiss_kappa(counts: np.ndarray) -> float | None:
    """Fleiss's kappa, in Gwet's generalisation to any number of ratings per unit (missing ratings allowed).

    kappa = (pa − pe) / (1 − pe). pa is the mean over units with two or more ratings of the share of agreeing
    rater pairs (Fleiss's P_i); pe = Σ_k π_k², where π_k is the mean over units with one or more ratings of the
    share of the unit's ratings in category k (Gwet, Handbook of Inter-Rater Reliability, 4th ed., 2014, ch. 2;
    the ``irrCAC`` package's ``CAC.fleiss()``). With the same number of ratings on every unit π_k is the share of
    all ratings in k and this is Fleiss's (1971) kappa.

    Parameters
    ----------
    counts : ndarray of int, shape (n_units, n_categories)
        ``counts[u, k]`` = ratings of unit ``u`` in category ``k``; rows may have different totals, and rows
        with no rating are ignored.

    Returns
    -------
    float or None
        None when no unit has two ratings, or when every rating falls in one category (pe = 1).

    Examples
    --------
    By hand: P̄ = (1 + 1 + 1/3) / 3 = 7/9, category shares 5/9 and 4/9, Pe = 41/81, kappa = (22/81) / (40/81).

    >>> round(fleiss_kappa(np.array([[3, 0], [0, 3], [2, 1]])), 4)
    0.55

    Gwet (2014), p. 120 data (``irrCAC.datasets.raw_4raters``), 12 units, 4 raters, some ratings missing;
    the irrCAC documentation gives kappa 0.76117 (pa 0.81818, pe 0.23872).

    >>> counts = np.array([[3, 0, 0, 0, 0], [0, 3, 1, 0, 0], [0, 0, 4, 0, 0], [0, 0, 4, 0, 0],
    ...                    [0, 4, 0, 0, 0], [1, 1, 1, 1, 0], [0, 0, 0, 4, 0], [3, 1, 0, 0, 0],
    ...                    [0, 4, 0, 0, 0], [0, 0, 0, 0, 3], [2, 0, 0, 0, 0], [0, 0, 1, 0, 0]])
    >>> round(fleiss_kappa(counts), 5)
    0.76117
    """
    counts = np.asarray(counts)
    pairable = _pairable(counts)
    if len(pairable) == 0 or np.count_nonzero(counts.sum(axis=0)) < 2:
        return None
    p_agree = _per_unit_agreement(pairable).mean()
    pi = _classification_shares(counts)
    p_chance = float((pi**2).sum())
    return _as_float((p_agree - p_chance) / (1.0 - p_chance))


def gwet_ac1(counts: np.ndarray) -> float | None:
    """Gwet's AC1 for any number of ratings per unit (Gwet 2008; Handbook of Inter-Rater Reliability, 4th ed., ch. 4).

    AC1 = (pa − pe) / (1 − pe), where pa is the pairwise agreement over units with two or more ratings,
    pe = Σ_k π_k (1 − π_k) / (q − 1), and π_k is the mean over units with one or more ratings of the share of the
    unit's ratings in category k (as ``irrCAC``'s ``CAC.gwet()`` with ``categories`` set to the whole scale).
    q is the number of columns of ``counts``: every category of the scale, used or not.

    Parameters
    ----------
    counts : ndarray of int, shape (n_units, q)
        Rows may have different totals; rows with no rating are ignored.

    Returns
    -------
    float or None
        None when no unit has two ratings. Unlike kappa, AC1 is defined when all ratings agree (it is 1).

    Examples
    --------
    By hand: pa = 7/9, π = (5/9, 4/9), pe = 2 · (5/9)(4/9) / 1 = 40/81, AC1 = (23/81) / (41/81) = 23/41.

    >>> round(gwet_ac1(np.array([[3, 0], [0, 3], [2, 1]])), 4)
    0.561
    """
    counts = np.asarray(counts)
    n_categories = counts.shape[1]
    if n_categories < 2:
        raise ValueError("gwet_ac1 needs at least two categories")
    pairable = _pairable(counts)
    if len(pairable) == 0:
        return None
    p_agree = _per_unit_agreement(pairable).mean()
    pi = _classification_shares(counts)
    p_chance = float((pi * (1.0 - pi)).sum()) / (n_categories - 1)
    return _as_float((p_agree - p_chance) / (1.0 - p_chance))


# ---------------------------------------------------------------------------------------------------------
# Cohen's kappa (two raters)


def _cohen_kappa_from_tables(tables: np.ndarray) -> list[float | None]:
    """Cohen's kappa for a stack of square contingency tables, shape (P, V, V); None where undefined.

    Written as (n·Σ n_cc − Σ r_c s_c) / (n² − Σ r_c s_c) with integer counts, so "chance agreement is
    exactly 1" (both raters used one and the same value throughout) is an exact test, not a float compare.
    """
    tables = np.asarray(tables, dtype=np.int64)
    n = tables.sum(axis=(1, 2))
    agree = np.trace(tables, axis1=1, axis2=2)
    chance = (tables.sum(axis=2) * tables.sum(axis=1)).sum(axis=1)
    numerator = n * agree - chance
    denominator = n * n - chance
    return [None if d == 0 else float(num / d) for num, d in zip(numerator.tolist(), denominator.tolist())]


def cohen_kappa(x: np.ndarray, y: np.ndarray) -> float | None:
    """Cohen's (1960) kappa between two raters' values on the same units.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        The two raters' values, aligned by unit; no missing values.

    Returns
    -------
    float or None
        None for no units, or when both raters gave one and the same value throughout.

    Examples
    --------
    Wikipedia, "Cohen's kappa", worked example: 50 proposals, 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no.

    >>> x = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    >>> y = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    >>> round(cohen_kappa(x, y), 3)
    0.4
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("cohen_kappa needs two 1-d arrays of the same length")
    if len(x) == 0:
        return None
    values, codes = np.unique(np.concatenate([x, y]), return_inverse=True)
    n_values = len(values)
    table = np.bincount(codes[: len(x)] * n_values + codes[len(x) :], minlength=n_values * n_values)
    return _cohen_kappa_from_tables(table.reshape(1, n_values, n_values))[0]


def _plain(value):
    """numpy scalars → Python scalars, so rater ids survive json.dumps."""
    return value.item() if isinstance(value, np.generic) else value


def _pairs_within_items(items: np.ndarray, raters: np.ndarray, values: np.ndarray):
    """(rater_1, rater_2, value_1, value_2) of every two ratings of one item, rater_1 < rater_2.

    The ratings sorted by (item, rater): ratings k and k + d pair when they share the item, for every
    offset d up to the most ratings of one item — a few array passes instead of a self-join of the table.
    """
    order = np.lexsort((raters, items))
    items, raters, values = items[order], raters[order], values[order]
    sizes = np.bincount(items) if items.size else np.zeros(0, dtype=np.int64)
    parts: list[list[np.ndarray]] = [[], [], [], []]
    for d in range(1, int(sizes.max(initial=0))):
        # sorted by rater within an item, so the first of a pair has the smaller rater code (a rater's
        # second rating of one item, which the caller rules out, pairs with nobody of the same code)
        same = np.flatnonzero((items[d:] == items[:-d]) & (raters[d:] != raters[:-d]))
        for part, array in zip(parts, (raters[same], raters[same + d], values[same], values[same + d])):
            part.append(array)
    return tuple(np.concatenate(part) if part else np.zeros(0, dtype=np.int64) for part in parts)


def cohen_kappa_pairs(
    item_codes: np.ndarray, rater_codes: np.ndarray, value_codes: np.ndarray, raters: Sequence, n_values: int
) -> list[dict]:
    """Cohen's kappa for every pair of raters with at least ``MIN_SHARED_ITEMS`` items in common.

    Parameters
    ----------
    item_codes, rater_codes, value_codes : ndarray of int, shape (n_ratings,)
        One rating per row; rater codes index ``raters``, which must be sorted so that code order is id order.
    raters : sequence
        Rater ids.
    n_values : int
        Number of values on the scale.

    Returns
    -------
    list of dict
        ``{"rater_1", "rater_2", "n", "kappa"}`` with rater_1 < rater_2, sorted by (rater_1, rater_2).
    """
    n_raters = len(raters)
    rater_1, rater_2, value_1, value_2 = _pairs_within_items(
        np.asarray(item_codes, dtype=np.int64), np.asarray(rater_codes, dtype=np.int64),
        np.asarray(value_codes, dtype=np.int64),
    )
    pair_key = rater_1 * n_raters + rater_2
    keys, pair_index, shared = np.unique(pair_key, return_inverse=True, return_counts=True)
    kept_pairs = shared >= MIN_SHARED_ITEMS
    keys = keys[kept_pairs]
    keep = kept_pairs[pair_index]
    # Renumber the kept pairs 0..len(keys)-1 so the tables array holds only them.
    new_index = np.cumsum(kept_pairs) - 1
    cells = (
        new_index[pair_index[keep]] * n_values * n_values
        + value_1[keep] * n_values
        + value_2[keep]
    )
    tables = np.bincount(cells, minlength=len(keys) * n_values * n_values).reshape(len(keys), n_values, n_values)
    kappas = _cohen_kappa_from_tables(tables)
    # np.unique sorts keys, and codes follow the sorted rater ids, so the list comes out sorted.
    return [
        {
            "rater_1": _plain(raters[int(key // n_raters)]),
            "rater_2": _plain(raters[int(key % n_raters)]),
            "n": int(table.sum()),
            "kappa": kappa,
        }
        for key, table, kappa in zip(keys.tolist(), tables, kappas)
    ]


# ---------------------------------------------------------------------------------------------------------
# Summary for one (criterion, system_a, system_b)


def _value_codes(preferences: np.ndarray, value_domain: Sequence[float]) -> np.ndarray:
    """Index of each preference in the value domain; a value off the scale is a caller's bug, so it raises."""
    domain = np.asarray(value_domain, dtype=float)
    codes = np.searchsorted(domain, preferences)
    codes = np.clip(codes, 0, len(domain) - 1)
    off_scale = domain[codes] != preferences
    if off_scale.any():
        raise ValueError(f"preference {preferences[off_scale][0]!r} is not on the scale {tuple(domain)}")
    return codes


def _alpha_interval(
    counts: np.ndarray, level: str, value_domain: Sequence[float], resamples: int, seed: int, warnings: list[str]
) -> list[float] | None:
    """95 % percentile bootstrap interval of alpha over items; resamples where alpha is undefined are left out."""
    if resamples < 1:
        warnings.append("no bootstrap resamples requested: alpha_ci is null")
        return None
    alphas = bootstrap_alphas(counts, level, value_domain, resamples, np.random.default_rng(seed))
    defined = alphas[np.isfinite(alphas)]
    if len(defined) < len(alphas):
        warnings.append(
            f"{len(alphas) - len(defined)} of {len(alphas)} bootstrap resamples had a single value, where alpha is "
            f"undefined; alpha_ci uses the other {len(defined)}"
        )
    if len(defined) == 0:
        return None
    low, high = np.percentile(defined, [2.5, 97.5])
    if high - low <= 1e-12:
        # every resample gives the same alpha (a few items, or items all alike): a point is no 95 % interval
        warnings.append("every bootstrap resample gave the same alpha: no interval")
        return None
    return [float(low), float(high)]


def _empty_summary(n_units: int, warnings: list[str]) -> dict:
    return {
        "n_units": n_units,
        "krippendorff_alpha_nominal": None,
        "krippendorff_alpha_ordinal": None,
        "krippendorff_alpha_interval": None,
        "alpha_ci": None,
        "alpha_ci_level": HEADLINE_LEVEL,
        "headline_coefficient": HEADLINE_COEFFICIENT,
        "fleiss_kappa": None,
        "gwet_ac1": None,
        "percent_agreement": None,
        "cohen_kappa_pairs": [],
        "warnings": warnings,
    }


def agreement_summary(judgments: pd.DataFrame, scale: int, resamples: int, seed: int) -> dict:
    """All agreement statistics for the judgments of one (criterion, system_a, system_b).

    Parameters
    ----------
    judgments : DataFrame
        Columns ``item_id``, ``rater_id``, ``preference`` (float on the scale; NaN = skipped, dropped first).
        At most one judgment per (item, rater).
    scale : {3, 5}
        Values are -1..1 or -2..2.
    resamples : int
        Bootstrap resamples for ``alpha_ci``.
    seed : int
        Seed for ``numpy.random.default_rng``; the same seed gives the same result.

    Returns
    -------
    dict
        ``n_units, krippendorff_alpha_nominal, krippendorff_alpha_ordinal, krippendorff_alpha_interval,
        alpha_ci, alpha_ci_level, headline_coefficient, fleiss_kappa, gwet_ac1, percent_agreement,
        cohen_kappa_pairs, warnings`` with plain Python values (None, never NaN). ``n_units`` counts the items
        with two or more ratings.

        Both scales are ordered (system_a much better … system_b much better), so the coefficient a sentence
        about agreement should quote is the ordinal alpha: ``headline_coefficient`` names its key, and
        ``alpha_ci`` is its item-bootstrap interval (``alpha_ci_level`` = "ordinal"). The nominal and interval
        alphas are there for comparison.

        Fleiss's kappa and AC1 use Gwet's formulas for incomplete designs: agreement over every item with two or
        more ratings, chance agreement from the category shares of every rated item (as ``irrCAC``'s
        ``CAC.fleiss()`` and ``CAC.gwet()``); percent agreement is their pa.

    Examples
    --------
    >>> judgments = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3], "rater_id": ["a", "b"] * 3,
    ...                           "preference": [1.0, 1.0, -1.0, -1.0, 0.0, 1.0]})
    >>> summary = agreement_summary(judgments, scale=3, resamples=200, seed=0)
    >>> summary["n_units"], round(summary["krippendorff_alpha_nominal"], 3)  # 1 - 5·2 / (36 - 14) = 12/22
    (3, 0.545)
    >>> summary["headline_coefficient"], summary["alpha_ci_level"]
    ('krippendorff_alpha_ordinal', 'ordinal')
    """
    if scale not in SCALE_VALUES:
        raise ValueError(f"scale must be one of {sorted(SCALE_VALUES)}, not {scale!r}")
    domain = SCALE_VALUES[scale]
    warnings: list[str] = []

    rated = judgments.loc[judgments["preference"].notna(), ["item_id", "rater_id", "preference"]]
    if rated["item_id"].isna().any() or rated["rater_id"].isna().any():
        raise ValueError("item_id and rater_id must not be missing")
    item_codes, items = pd.factorize(rated["item_id"])
    rater_codes, raters = pd.factorize(rated["rater_id"], sort=True)
    value_codes = _value_codes(rated["preference"].to_numpy(dtype=float), domain)
    counts = value_counts_matrix(item_codes, value_codes, len(items), len(domain))
    # Float sums depend on the order of the units; a fixed (lexicographic) order makes the result independent of
    # the order of the input rows, down to the last bit. Every item here has at least one rating.
    counts = counts[np.lexsort(counts.T[::-1])]
    units = _pairable(counts)
    n_units = len(units)

    if len(raters) < 2:
        warnings.append(f"{'only one rater' if len(raters) else 'no ratings'}: agreement statistics are null")
        return _empty_summary(n_units, warnings)
    if n_units == 0:
        warnings.append("no item has two or more ratings: agreement statistics are null")
        return _empty_summary(n_units, warnings)

    used = np.flatnonzero(units.sum(axis=0))
    if len(used) == 1 and np.count_nonzero(counts.sum(axis=0)) == 1:
        warnings.append(
            f"every rating is {domain[used[0]]:g}: Krippendorff's alpha and the kappas are undefined (null); "
            "percent agreement and AC1 are 1"
        )
    elif len(used) == 1:
        # Fleiss's kappa is defined: its chance agreement also counts the items rated once, which differ.
        warnings.append(
            f"every rating of the items rated twice or more is {domain[used[0]]:g}: Krippendorff's alpha and "
            "Cohen's kappas are undefined (null); percent agreement is 1"
        )
    if n_units == 1:
        warnings.append("only one item has two or more ratings: Krippendorff's alpha is null")

    summary = _empty_summary(n_units, warnings)
    patterns, multiplicity = _distinct_rows(units)
    for level in ("nominal", "ordinal", "interval"):
        summary[f"krippendorff_alpha_{level}"] = _alpha_of_patterns(patterns, multiplicity, level, domain)
    summary["percent_agreement"] = percent_agreement(units)
    if n_units < MIN_UNITS:
        # A chance-corrected coefficient from a handful of items is noise, and a bootstrap over them collapses
        # to a point: report neither the kappas nor an interval (the same minimum as the win rate's).
        warnings.append(
            f"only {n_units} item{'s' if n_units != 1 else ''} with two or more ratings (fewer than {MIN_UNITS}): "
            "no interval for alpha, and Fleiss' kappa and Gwet's AC1 are null"
        )
        return summary
    if summary[HEADLINE_COEFFICIENT] is not None:
        summary["alpha_ci"] = _alpha_interval(units, HEADLINE_LEVEL, domain, resamples, seed, warnings)

    summary["fleiss_kappa"] = fleiss_kappa(counts)
    summary["gwet_ac1"] = gwet_ac1(counts)

    pairs = cohen_kappa_pairs(item_codes, rater_codes, value_codes, raters, len(domain))
    undefined = sum(pair["kappa"] is None for pair in pairs)
    if undefined and len(used) > 1:
        warnings.append(
            f"{undefined} rater pairs have a null kappa: both raters gave one and the same value on all shared items"
        )
    summary["cohen_kappa_pairs"] = pairs
    return summary
