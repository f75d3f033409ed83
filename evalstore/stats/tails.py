"""The distribution tails and classical tests the analysis uses, from ``scipy.special``.

``scipy.stats`` takes about 0.4 s to import, most of a small analysis's start-up, while the analysis needs
only a few tails of the normal, t, chi-squared, binomial and Poisson distributions and five classical tests.
These are the formulas ``scipy.stats`` evaluates (the same ``scipy.special`` functions; for the binomial
the regularised incomplete beta that both take from Boost), and the tests in ``tests/test_stats_tails.py`` check every function
against ``scipy.stats`` on many inputs.

Examples
--------
>>> round(float(norm_ppf(0.975)), 6), round(float(t_isf(0.025, 10)), 6)
(1.959964, 2.228139)
>>> binomial_test_p(9, 10) == 22 / 1024
True
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special


def norm_cdf(x):
    return special.ndtr(x)


def norm_sf(x):
    return special.ndtr(-np.asarray(x, dtype=np.float64))


def norm_ppf(q):
    return special.ndtri(q)


def t_sf(x, df):
    return special.stdtr(df, -np.asarray(x, dtype=np.float64))


def t_isf(q, df):
    q = np.asarray(q, dtype=np.float64)
    return np.where(q == 0, np.inf, -special.stdtrit(df, q))  # stdtrit(df, 0) is +inf, not -inf


def chi2_sf(x, df):
    return special.chdtrc(df, x)


def binom_cdf(k, n, p):
    """P(X <= k), X ~ Binomial(n, p); 0 below 0 and 1 from n on."""
    k = np.clip(np.floor(np.asarray(k, dtype=np.float64)), -1, n)
    inside = special.betaincc(np.clip(k, 0, n - 1) + 1, n - np.clip(k, 0, n - 1), p)
    return np.where(k < 0, 0.0, np.where(k >= n, 1.0, inside))


def binom_sf(k, n, p):
    """P(X > k), X ~ Binomial(n, p); 1 below 0 and 0 from n on."""
    k = np.clip(np.floor(np.asarray(k, dtype=np.float64)), -1, n)
    inside = special.betainc(np.clip(k, 0, n - 1) + 1, n - np.clip(k, 0, n - 1), p)
    return np.where(k < 0, 1.0, np.where(k >= n, 0.0, inside))


def poisson_cdf(k, mean):
    k = np.floor(np.asarray(k, dtype=np.float64))
    return np.where(k < 0, 0.0, special.pdtr(np.maximum(k, 0), mean))


def binomial_test_p(k: int, n: int) -> float:
    """Exact two-sided binomial test of k successes in n against 0.5 (``scipy.stats.binomtest(k, n).pvalue``).

    At 0.5 the distribution is symmetric: the outcomes at most as likely as k are the k or fewer successes
    on the rarer side and as many on the other.
    """
    if abs(2 * k - n) <= 1:  # k and n - k are equally likely outcomes: every outcome is at most as likely
        return 1.0
    rarer = min(k, n - k)
    return min(1.0, float(binom_cdf(rarer, n, 0.5)) + float(binom_sf(n - rarer - 1, n, 0.5)))


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper–Pearson) interval of a binomial share
    (``scipy.stats.binomtest(k, n).proportion_ci(level, method="exact")``, which finds the same ends by root
    search to 2e-12): the beta quantiles that invert the binomial tails."""
    alpha = (1 - level) / 2
    low = 0.0 if k == 0 else float(special.betaincinv(k, n - k + 1, alpha))
    high = 1.0 if k == n else float(special.betaincinv(k + 1, n - k, 1 - alpha))
    return low, high


def rankdata(values: np.ndarray) -> np.ndarray:
    """Average ranks, 1-based (``scipy.stats.rankdata(values)``)."""
    values = np.asarray(values)
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    dense = np.empty(values.size, dtype=np.int64)
    dense[order] = np.cumsum(first)
    ends = np.r_[np.flatnonzero(first), values.size]
    return 0.5 * (ends[dense] + ends[dense - 1] + 1)


def wilcoxon_approx_p(values: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value by the normal approximation, zeros dropped, variance corrected
    for tied ranks, no continuity correction (``scipy.stats.wilcoxon(values, zero_method="wilcox",
    correction=False, method="approx")``)."""
    d = np.asarray(values, dtype=np.float64)
    d = d[d != 0]
    count = float(d.size)
    ranks = rankdata(np.abs(d))
    r_plus = float(np.sum((d > 0) * ranks))
    _, ties = np.unique(np.abs(d), return_counts=True)
    ties = ties.astype(np.float64)
    mean = count * (count + 1.0) * 0.25
    se = math.sqrt((count * (count + 1.0) * (2.0 * count + 1.0) - np.sum(ties**3 - ties) / 2) / 24)
    if se == 0:  # no non-zero difference to rank (scipy gives nan too)
        return math.nan
    z = (r_plus - mean) / se
    return float(2 * norm_sf(abs(z)))


def ttest_1samp(values: np.ndarray, level: float = 0.95) -> tuple[float, tuple[float, float]]:
    """(two-sided p, interval of the mean at ``level``) of the one-sample t-test against 0
    (``scipy.stats.ttest_1samp(values, 0)``'s ``pvalue`` and ``confidence_interval(level)``)."""
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    df = n - 1
    mean = float(np.mean(x))
    se = float(np.sqrt(np.var(x, ddof=1) / n))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.float64(mean) / np.float64(se)
    p = float(2 * t_sf(abs(t), df))
    critical = float(t_isf((1 - level) / 2, df))
    return p, (mean - critical * se, mean + critical * se)


def _discordant_pairs(ranks: np.ndarray) -> int:
    """Pairs i < j with ranks[i] > ranks[j] (ranks: whole numbers >= 0), bit by bit from the top: at each
    bit, within each group of equal higher bits (in sequence order), every 1 before a 0 is one such pair;
    then each group is split, stably, into its 0s and its 1s. O(n · bits), no Python loop over elements."""
    r = np.asarray(ranks, dtype=np.int64)
    n = r.size
    if n < 2:
        return 0
    bits = int(r.max()).bit_length()
    group = np.zeros(n, dtype=np.int64)  # group number of each element, in the current (grouped) order
    total = 0
    index = np.arange(n)
    for b in range(bits - 1, -1, -1):
        bit = (r >> b) & 1
        starts = np.r_[True, group[1:] != group[:-1]]
        start_of = np.maximum.accumulate(np.where(starts, index, 0))
        ones = np.cumsum(bit)
        ones_before = ones - bit - (ones - bit)[start_of]  # 1s earlier in the same group
        total += int(ones_before[bit == 0].sum())
        zeros_before = (index - start_of) - ones_before
        ends = np.r_[np.flatnonzero(starts)[1:], n]
        group_size = (ends - np.flatnonzero(starts))[np.cumsum(starts) - 1]
        zeros_in_group = group_size - (ones[start_of + group_size - 1] - (ones - bit)[start_of])
        position = start_of + np.where(bit == 0, zeros_before, zeros_in_group + ones_before)
        new_r = np.empty_like(r)
        new_group = np.empty_like(group)
        new_r[position] = r
        new_group[position] = group * 2 + bit
        r, group = new_r, new_group
    return total


def _kendall_p_exact(n: int, c: int) -> float:
    """Two-sided exact p of Kendall's tau without ties, c = the smaller of the concordant and discordant
    counts (Kendall 1970; ``scipy.stats.kendalltau(method="exact")``)."""
    c = int(min(c, (n * (n - 1)) // 2 - c))
    if n == 1:
        return 1.0
    if n == 2:
        return 1.0
    if c == 0:
        prob = 2.0 / math.factorial(n) if n < 171 else 0.0
    elif c == 1:
        prob = 2.0 / math.factorial(n - 1) if n < 172 else 0.0
    elif 4 * c == n * (n - 1):
        prob = 1.0
    else:
        new = np.zeros(c + 1)
        new[0:2] = 1.0
        for j in range(3, n + 1):
            new = np.cumsum(new)
            if j <= c:
                new[j:] -= new[: c + 1 - j]
        prob = 2.0 * np.sum(new) / math.factorial(n)
    return float(np.clip(prob, 0, 1))


def kendall_tau_b(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(tau-b, two-sided p) as ``scipy.stats.kendalltau(x, y, variant="b")`` (method "auto": exact without
    ties for up to 33 pairs or a near-perfect order, else the normal approximation with tie corrections).
    NaN, NaN when either variable is constant."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    size = x.size
    perm = np.argsort(y)
    x, y = x[perm], y[perm]
    y = np.r_[True, y[1:] != y[:-1]].cumsum(dtype=np.intp)
    perm = np.argsort(x, kind="mergesort")
    x, y = x[perm], y[perm]
    x = np.r_[True, x[1:] != x[:-1]].cumsum(dtype=np.intp)
    dis = _discordant_pairs(y)
    obs = np.r_[True, (x[1:] != x[:-1]) | (y[1:] != y[:-1]), True]
    cnt = np.diff(np.nonzero(obs)[0]).astype("int64", copy=False)
    ntie = int((cnt * (cnt - 1) // 2).sum())

    def rank_ties(ranks):
        counts = np.bincount(ranks).astype("int64", copy=False)
        counts = counts[counts > 1]
        return (int((counts * (counts - 1) // 2).sum()), int((counts * (counts - 1.0) * (counts - 2)).sum()),
                int((counts * (counts - 1.0) * (2 * counts + 5)).sum()))

    xtie, x0, x1 = rank_ties(x)
    ytie, y0, y1 = rank_ties(y)
    tot = (size * (size - 1)) // 2
    if xtie == tot or ytie == tot:
        return math.nan, math.nan
    con_minus_dis = tot - xtie - ytie + ntie - 2 * dis
    tau = con_minus_dis / np.sqrt(tot - xtie) / np.sqrt(tot - ytie)
    tau = float(np.minimum(1.0, max(-1.0, tau)))
    if xtie == 0 and ytie == 0 and (size <= 33 or min(dis, tot - dis) <= 1):
        return tau, _kendall_p_exact(size, tot - dis)
    m = size * (size - 1.0)
    var = (m * (2 * size + 5) - x1 - y1) / 18 + (2 * xtie * ytie) / m + x0 * y0 / (9 * m * (size - 2))
    z = con_minus_dis / np.sqrt(var)
    return tau, float(2 * norm_sf(abs(z)))


def adjusted_p(p_values: np.ndarray, method: str) -> np.ndarray:
    """Holm or Benjamini–Hochberg adjusted p-values (statsmodels' ``multipletests`` "holm" / "fdr_bh")."""
    p = np.asarray(p_values, dtype=np.float64)
    order = np.argsort(p)
    ordered = p[order]
    n = p.size
    if method == "holm":
        corrected = np.minimum(1.0, np.maximum.accumulate((n - np.arange(n)) * ordered))
    elif method == "fdr_bh":
        raw = ordered / (np.arange(1, n + 1) / float(n))
        corrected = np.minimum(1.0, np.minimum.accumulate(raw[::-1])[::-1])
    else:
        raise ValueError(f"method must be holm or fdr_bh, not {method!r}")
    out = np.empty_like(corrected)
    out[order] = corrected
    return out
