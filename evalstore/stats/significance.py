"""Significance tests over items, and multiple-testing adjustment.

The tests take one number per item (the item's mean preference, or a metric difference): items are the unit
of inference, so raters' judgments of one item are averaged before testing rather than counted as
independent observations. Every p-value is two-sided. Undefined results are ``None``, never NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from . import tails

ADJUSTMENTS = {"holm": "holm", "bh": "fdr_bh"}


def _p(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def binomial_p(successes: int, n: int) -> float | None:
    """Exact two-sided binomial test of ``successes`` out of ``n`` against a share of 0.5.

    Examples
    --------
    9 of 10: P(X >= 9) = 11/1024, doubled by symmetry.

    >>> binomial_p(9, 10) == 22 / 1024
    True
    """
    if n <= 0:
        return None
    return _p(tails.binomial_test_p(int(successes), int(n)))


@dataclass(frozen=True)
class SignTest:
    n_positive: int
    n_negative: int
    n_zero: int
    p_value: float | None


def sign_test(item_means: np.ndarray) -> SignTest:
    """Exact two-sided binomial (sign) test on per-item mean preferences; items whose mean is 0 are dropped.

    Parameters
    ----------
    item_means : ndarray of float, shape (n_items,)
        One value per item; only its sign matters.

    Returns
    -------
    SignTest
        ``p_value`` is None when every item is 0.

    Examples
    --------
    Nine items favour system_b, one system_a, one is even: p = 2 · 11/1024.

    >>> sign_test(np.array([1.0] * 9 + [-0.5, 0.0])).p_value
    0.021484375
    """
    values = np.asarray(item_means, dtype=np.float64)
    n_positive = int(np.count_nonzero(values > 0))
    n_negative = int(np.count_nonzero(values < 0))
    n_zero = int(values.size - n_positive - n_negative)
    return SignTest(n_positive, n_negative, n_zero, binomial_p(n_positive, n_positive + n_negative))


#: Up to this many non-zero items the Wilcoxon p-value comes from the exact null distribution (scipy's own limit
#: for ``method="auto"``); above it the normal approximation with tie correction is accurate.
WILCOXON_EXACT_MAX_ITEMS = 50


def signed_rank_p(values: np.ndarray) -> float | None:
    """Exact two-sided p-value of the signed-rank statistic under random signs, ties and all.

    The permutation (sign-flip) distribution of W+ = the sum of the average ranks of |x| over the positive
    values, conditional on the observed ranks (Hollander & Wolfe 1999, sec. 3.1, "ties"): each of the 2^n
    sign patterns is equally likely under the null. Average ranks are multiples of 1/2, so the distribution of
    2 W+ is built exactly by convolution over the n values in O(n³) integer steps, the same as enumerating
    all 2^n patterns. Two-sided: twice the smaller tail, at most 1.

    Parameters
    ----------
    values : ndarray of float, shape (n,)
        Non-zero values (drop zeros first).

    Examples
    --------
    Five equal values, all positive: only 1 of the 32 sign patterns is as extreme on each side.

    >>> signed_rank_p(np.ones(5))
    0.0625
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return None
    doubled = np.rint(2 * tails.rankdata(np.abs(values))).astype(np.int64)
    counts = np.zeros(int(doubled.sum()) + 1, dtype=np.int64)
    counts[0] = 1
    top = 0
    for r in doubled.tolist():  # counts[s] = sign patterns whose positive ranks sum to s / 2
        counts[r : top + r + 1] += counts[: top + 1].copy()
        top += r
    observed = int(doubled[values > 0].sum())
    total = float(2**values.size)
    lower = float(counts[: observed + 1].sum()) / total
    upper = float(counts[observed:].sum()) / total
    return min(1.0, 2 * min(lower, upper))


def wilcoxon_p(item_means: np.ndarray) -> float | None:
    """Wilcoxon signed-rank test of per-item mean preferences against 0; zeros dropped (``zero_method="wilcox"``).

    Up to ``WILCOXON_EXACT_MAX_ITEMS`` non-zero items the p-value is exact: the sign-flip distribution of the
    average-rank statistic (``signed_rank_p``; without ties among the |values| that is the distribution of
    ``scipy.stats.wilcoxon(method="exact")``, whose table assumes distinct ranks, and with ties — items' mean
    preferences of 3 raters often tie — it stays exact). Above, the normal approximation
    (``scipy.stats.wilcoxon(method="approx")``'s, variance corrected for tied ranks, no continuity correction;
    ``tails.wilcoxon_approx_p``).

    Returns
    -------
    float or None
        None when no item differs from 0.

    Examples
    --------
    Five items all favouring system_b: 2 / 2⁵, not the normal approximation's 0.025.

    >>> wilcoxon_p(np.array([1.0, 1.0, 1.0, 1.0, 1.0]))
    0.0625
    >>> wilcoxon_p(np.array([1.0, 2.0, 3.0, 4.0, 5.0, -1.5, 0.0]))  # W+ = 19 of 21: 2 · 3 / 64
    0.09375
    """
    values = np.asarray(item_means, dtype=np.float64)
    nonzero = values[values != 0]
    if nonzero.size == 0:
        return None
    if nonzero.size > WILCOXON_EXACT_MAX_ITEMS:
        return _p(tails.wilcoxon_approx_p(values))
    return _p(signed_rank_p(nonzero))


def paired_t_p(differences: np.ndarray) -> float | None:
    """One-sample t-test of per-item differences against 0 (the paired t-test on the two systems' scores).

    Returns
    -------
    float or None
        None with fewer than two items or no variance.

    Examples
    --------
    >>> round(paired_t_p(np.array([1.0, 2.0, 0.0, 1.0])), 4)
    0.0917
    """
    values = np.asarray(differences, dtype=np.float64)
    if values.size < 2 or np.all(values == values[0]):
        return None
    return _p(tails.ttest_1samp(values)[0])


def kendall_tau_b(x: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None]:
    """Kendall's τ-b (ties in both variables corrected) and its two-sided p-value, by scipy.

    Returns
    -------
    (tau, p_value)
        ``(None, None)`` with fewer than two pairs or when either variable is constant.

    Examples
    --------
    >>> kendall_tau_b(np.array([1, 2, 3, 4]), np.array([1, 2, 3, 4]))[0]
    1.0
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size < 2 or np.all(x == x[0]) or np.all(y == y[0]):
        return None, None
    tau, p = tails.kendall_tau_b(x, y)
    return _p(tau), _p(p)


def adjust_p_values(p_values: Sequence[float | None], method: str) -> list[float | None]:
    """Holm (1979) or Benjamini–Hochberg (1995) adjusted p-values, by statsmodels' ``multipletests``.

    Parameters
    ----------
    p_values : sequence of float or None
        None entries (tests that could not be run) are left out of the family and stay None.
    method : {"holm", "bh"}

    Examples
    --------
    >>> adjust_p_values([0.01, None, 0.04], "holm")
    [0.02, None, 0.04]
    """
    if method not in ADJUSTMENTS:
        raise ValueError(f"method must be one of {sorted(ADJUSTMENTS)}, not {method!r}")
    present = [i for i, p in enumerate(p_values) if p is not None]
    adjusted: list[float | None] = [None] * len(p_values)
    if not present:
        return adjusted
    raw = np.array([p_values[i] for i in present], dtype=np.float64)
    corrected = tails.adjusted_p(raw, ADJUSTMENTS[method])
    for i, p in zip(present, corrected.tolist()):
        adjusted[i] = _p(p)
    return adjusted
