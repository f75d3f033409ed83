"""Item-clustered inference for a win rate: one interval and its dual test, honest at small numbers of items.

A win rate is a ratio of per-item sums, R = Σ y_i / Σ x_i over the m items (``y`` = system_b's wins, ``x`` = the
judgments that count under the tie rule; ``ratio_scores``). Judgments of one item are correlated, so the
variance comes from the spread *between items*: the linearised (Taylor) variance of a ratio estimator over
sampled clusters (Cochran 1977, sec. 6.4), v = m / (m − 1) · Σ (y_i − R x_i)² / (Σ x_i)², never taken below the
variance the same judgments would have if they were independent (a design effect of at least 1, as Korn &
Graubard 1998 truncate the effective sample size).

The interval is the *modified Wilson* interval for a proportion from clustered data (Kott & Carr 1997; Franco,
Little, Louis & Slud 2019, J. Surv. Stat. Methodol. 7:334): Wilson's score interval at the effective number of
judgments n_eff = R (1 − R) / v (Kish: judgments / design effect), with the t quantile on m − 1 degrees of
freedom in place of the normal one, because v is estimated from only m items. Its test of R = 0.5 is the score
test at the same n_eff and degrees of freedom (the first-order Rao–Scott correction, Rao & Scott 1981, with an
F(1, m − 1) = t² reference): the Wilson interval is exactly the set of rates that test does not reject, so
p < 0.05 exactly when 0.5 lies outside the interval.

Why this interval: benchmarks/simulate_coverage.py (8, 15, 30, 60 items × 3 raters, 1000 studies each) measured
it beside the percentile cluster bootstrap (0.90–0.92 at 8 items, 0.91–0.93 at 15), BCa, the bootstrap-t, the
cluster-robust Wald t and Fieller's interval (the t-test inverted). At win rates 0.5 and 0.61 Fieller and BCa are
as close to 0.95 (0.93–0.96) and this interval a little above (0.96–0.97 at 8–15 items, 0.95–0.96 at 30–60); at
a win rate of 0.86 Fieller and Wald t fall to 0.88–0.92 and the bootstraps to 0.64–0.94 at 8–30 items, while
this one stays at 0.94–0.99, because its variance follows r (1 − r) rather than the value at the estimate. It
is closed form: no resamples, the same numbers on every run, and its test is the exact dual of its interval.

Degenerate cases never give a zero-width interval:

* fewer than ``MIN_ITEMS`` items that count toward the rate: no interval and no test (None, with a warning);
* every judgment that counts goes one way (R = 0 or 1): the between-item variance is 0 whatever the truth, so
  the interval is the exact Clopper–Pearson bound over items, [(α/2)^(1/m), 1], and the test the exact sign
  test over items, 2 · 0.5^m. Valid because an item has all its judgments for system_b with probability at
  most the win rate, whatever the correlation within items;
* every item split the same way (no spread between items at 0 < R < 1): the floor above, i.e. the judgments
  treated as independent, rather than a point;
* from ``MIN_ITEMS`` to ``FEW_ITEMS`` − 1 items the interval is given with a warning that its coverage is only
  approximately 95 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from . import tails

from .power import sign_test_min_items
from .winrates import N, SUM_PREF, TIE_RULES, TIES, WINS_A, WINS_B, win_rate

LEVEL = 0.95
ALPHA = 0.05  # = 1 − LEVEL, written out: 1 - 0.95 is 0.050000000000000044 in floating point
#: Fewer items than this (that count toward the rate) get no interval and no test: 6, the fewest items with which
#: the exact sign test over items can reach p < 0.05 (2 · 0.5⁵ = 0.0625). With fewer, even items that all favour
#: one system establish nothing, so an interval that excluded 0.5 could only rest on the spread of the few items
#: seen being the true one; and one item has no spread to estimate at all. (Coverage is not the limit: in
#: simulation it stays above 0.92 down to 2 items, but only because t on 1–4 df makes the interval very wide.)
MIN_ITEMS = sign_test_min_items(ALPHA)
#: Below this many items the interval is given with a warning: over 135 simulated designs its coverage at 6–10
#: items was 0.94–0.998 for win rates in [0.2, 0.8] (median 0.97–0.99: wider than needed) and down to 0.88 for
#: a win rate of 0.99; from 15 items 0.94–0.98 in the middle, 0.93 at the extremes (simulate_coverage.py --designs).
FEW_ITEMS = 15

METHOD = "modified Wilson (item-clustered design effect, t on items − 1 df), dual score test"
METHOD_ONE_WAY = "exact binomial over items (every judgment one way): Clopper–Pearson bound, sign test"
METHOD_MEAN = "cluster-robust t on items (linearised ratio, items − 1 df)"


@dataclass(frozen=True)
class WinRateInference:
    """system_b's win rate under a tie rule, its 95 % item-clustered interval and the dual test of 0.5.

    ``ci`` is None (and so is ``p_value``) when the interval is withheld; ``warning`` then says why. When both
    are given, ``p_value < 0.05`` exactly when 0.5 lies outside ``ci``.
    """

    estimate: float | None
    ci: list[float | None] | None
    p_value: float | None
    method: str
    warning: str | None


def ratio_scores(tallies: np.ndarray, rule: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-item numerator, denominator and sum of squared judgment scores of system_b's win rate under ``rule``.

    Each judgment that counts scores 1 (a win for system_b), 0 (a loss) or, under ``half``, 1/2 (a tie). Per
    item: ``y`` = the sum of the scores, ``x`` = the number of judgments that count, ``squares`` = the sum of
    the squared scores (for the variance the judgments would have if independent). ``drop``: wins_b of
    wins_a + wins_b. ``half``: wins_b + ties / 2 of n. ``against_b``: wins_b of n. The win rate is
    ``y.sum() / x.sum()``, the same as ``winrates.win_rate`` of the column totals.

    Examples
    --------
    >>> y, x, squares = ratio_scores(np.array([[1, 1, 1, 3, 0], [0, 2, 1, 3, 1]]), "half")
    >>> y.tolist(), x.tolist(), squares.tolist()
    ([1.5, 2.0], [3.0, 3.0], [1.25, 1.5])
    """
    t = np.asarray(tallies, dtype=np.float64).reshape(-1, 5)
    wins_a, ties, wins_b, n = t[:, WINS_A], t[:, TIES], t[:, WINS_B], t[:, N]
    if rule == "drop":
        return wins_b, wins_a + wins_b, wins_b
    if rule == "half":
        return wins_b + ties / 2, n, wins_b + ties / 4
    if rule == "against_b":
        return wins_b, n, wins_b
    raise ValueError(f"rule must be one of {TIE_RULES}, not {rule!r}")


def _wilson(rate: float, n: float, critical: float) -> list[float]:
    """Wilson's score interval at ``n`` (need not be whole) with ``critical`` in place of z."""
    c2 = critical * critical
    denominator = 1 + c2 / n
    centre = (rate + c2 / (2 * n)) / denominator
    half = critical * math.sqrt(rate * (1 - rate) / n + c2 / (4 * n * n)) / denominator
    return [max(0.0, centre - half), min(1.0, centre + half)]


def _dual(ci: list[float], p: float, alpha: float = ALPHA) -> float:
    """Make the last bits agree: p < ``alpha`` exactly when 0.5 is outside ``ci``.

    Both come from the same comparison |t| > t_crit and agree to rounding error; in the ~1e-15 band where
    floating point could split them, the interval decides and p is moved onto the matching side of alpha.
    """
    outside = not ci[0] <= 0.5 <= ci[1]
    if outside and not p < alpha:
        return math.nextafter(alpha, 0.0)
    if not outside and p < alpha:
        return alpha
    return p


def _items(m: int) -> str:
    return f"{m} item" if m == 1 else f"{m} items"


def share_inference(
    y: np.ndarray, x: np.ndarray, squares: np.ndarray | None = None, level: float = LEVEL
) -> WinRateInference:
    """Interval and dual test of 0.5 for the ratio Σ y / Σ x of per-item sums, items as clusters.

    Parameters
    ----------
    y, x : ndarray of float, shape (m,)
        Per item: the sum of its judgments' scores (each in [0, 1]) and the number of judgments that count
        (0 <= y_i <= x_i). Items with x_i = 0 carry no judgment that counts and are left out.
    squares : ndarray of float, shape (m,), optional
        Per item the sum of the squared scores; default ``y`` (scores of 0 or 1).
    level : float
        Two-sided confidence level; the test is at 1 − ``level``.

    Returns
    -------
    WinRateInference
        See the module docstring for the method and its degenerate cases.

    Examples
    --------
    Eight items, every judgment for system_b: the exact bound over items, p = 2 · 0.5⁸.

    >>> r = share_inference(np.full(8, 3.0), np.full(8, 3.0))
    >>> [round(v, 4) for v in r.ci], r.p_value
    ([0.6306, 1.0], 0.0078125)
    """
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    squares = y if squares is None else np.asarray(squares, dtype=np.float64)
    counts = x > 0
    y, x, squares = y[counts], x[counts], squares[counts]
    m = int(x.size)
    if m == 0:
        return WinRateInference(None, None, None, METHOD, "no judgment counts toward the win rate: no interval")
    total_y, total_x = float(y.sum()), float(x.sum())
    rate = total_y / total_x
    if m < MIN_ITEMS:
        return WinRateInference(
            rate, None, None, METHOD,
            f"only {_items(m)}: a 95 % interval of the win rate needs at least {MIN_ITEMS} items (with fewer, not "
            "even items that all favour one system can make the exact sign test significant), so there is no "
            "interval and no test",
        )
    alpha = ALPHA if level == LEVEL else 1 - level
    tail = alpha / 2
    if total_y == 0 or total_y == total_x:
        # All one way: the exact one-sided bound over items and the exact sign test are dual (both compare
        # 0.5^m with the tail), the bound being the Clopper–Pearson interval of m successes out of m.
        bound = tail ** (1 / m)
        ci = [bound, 1.0] if total_y == total_x else [0.0, 1.0 - bound]
        p = min(1.0, 2 * 0.5**m)
        side = "system_b" if total_y == total_x else "system_a"
        warning = (
            f"every judgment that counts favours {side}, so the spread between items is zero whatever the truth; "
            f"the interval is the exact bound over the {m} items (each counted once), the test the sign test"
        )
        return WinRateInference(rate, ci, p, METHOD_ONE_WAY, warning)
    clustered = m / (m - 1) * float(np.sum((y - rate * x) ** 2)) / total_x**2
    # Never narrower than the judgments would give if they were independent (Korn & Graubard 1998 truncate the
    # effective sample size at the actual one in the same way): a spread between items below that is chance
    # with few items, and all items alike would otherwise give a zero-width interval.
    independent = (float(squares.sum()) - 2 * rate * total_y + rate * rate * total_x) / total_x**2
    variance = max(clustered, independent)
    if variance <= 0:  # every score equal to R: only possible under half, every judgment a tie (R = 0.5)
        return WinRateInference(
            rate, None, None, METHOD,
            "every judgment is a tie: with ties split half-half the win rate is 0.5 by construction and nothing "
            "varies to estimate an interval from, so there is no interval and no test",
        )
    n_effective = rate * (1 - rate) / variance
    df = m - 1
    critical = float(tails.t_isf(tail, df))
    ci = _wilson(rate, n_effective, critical)
    statistic = 2 * (rate - 0.5) * math.sqrt(n_effective)  # (R − 0.5) / √(0.25 / n_eff)
    p = _dual(ci, min(1.0, float(2 * tails.t_sf(abs(statistic), df))), alpha)
    warning = None
    if m < FEW_ITEMS:
        warning = (
            f"only {m} items: treat this 95 % interval as approximate (with fewer than {FEW_ITEMS} items its "
            "coverage in simulations was 0.94 to 0.99 for win rates between 0.2 and 0.8, and as low as 0.88 "
            "near 0 or 1)"
        )
    return WinRateInference(rate, ci, p, METHOD, warning)


def win_rate_inference(
    tallies: np.ndarray, rule: str, *, resamples: int = 0, rng: np.random.Generator | None = None
) -> WinRateInference:
    """system_b's win rate under a tie rule with its item-clustered 95 % interval and the dual test of 0.5.

    Parameters
    ----------
    tallies : ndarray of int, shape (m, 5)
        Per item ``wins_a, ties, wins_b, n, sum_pref`` (``winrates.tally``).
    rule : {"drop", "half", "against_b"}
    resamples, rng
        Accepted for the analysis engine's calling convention and unused: the interval is closed form, so it
        is the same with 0 resamples and on every run.

    Returns
    -------
    WinRateInference
        ``estimate`` is ``winrates.win_rate`` of the column totals (None when undefined).

    Examples
    --------
    Ten items, seven 3 : 0 for system_b and three 1 : 2 against it, ties dropped (design effect 1.9):

    >>> t = np.array([[0, 0, 3, 3, 3]] * 7 + [[2, 0, 1, 3, -1]] * 3)
    >>> r = win_rate_inference(t, "drop")
    >>> round(r.estimate, 4), [round(v, 3) for v in r.ci], round(r.p_value, 4)
    (0.8, [0.512, 0.938], 0.0428)
    """
    tallies = np.asarray(tallies).reshape(-1, 5)
    result = share_inference(*ratio_scores(tallies, rule))
    estimate = float(win_rate(tallies.sum(axis=0), rule)) if len(tallies) else math.nan
    estimate = estimate if math.isfinite(estimate) else None
    return WinRateInference(estimate, result.ci, result.p_value, result.method, result.warning)


def mean_preference_interval(tallies: np.ndarray, level: float = LEVEL) -> tuple[list[float] | None, str | None]:
    """Item-clustered t interval of the mean preference Σ sum_pref / Σ n, and a warning when withheld.

    The mean preference is no proportion, so it takes the t form of the same variance: the linearised ratio
    variance over items and the t quantile on m − 1 degrees of freedom (for one judgment count per item this
    is the one-sample t interval of the items' mean preferences). None below ``MIN_ITEMS`` items and when
    every item has the same mean preference (no spread to estimate); a warning below ``FEW_ITEMS`` items.

    Examples
    --------
    Six items, 3 judgments each, item means 1, 1/3, 1/3, −1/3, 1, 1/3: the one-sample t interval of those means.

    >>> t = np.array([[0, 0, 3, 3, 3], [1, 0, 2, 3, 1], [1, 0, 2, 3, 1], [2, 0, 1, 3, -1], [0, 0, 3, 3, 3],
    ...               [1, 0, 2, 3, 1]])
    >>> [round(v, 4) for v in mean_preference_interval(t)[0]]
    [-0.0822, 0.9711]
    """
    t = np.asarray(tallies, dtype=np.float64).reshape(-1, 5)
    t = t[t[:, N] > 0]
    m = len(t)
    if m < MIN_ITEMS:
        return None, (f"only {_items(m)}: mean_preference_ci needs at least {MIN_ITEMS} items; no interval")
    y, x = t[:, SUM_PREF], t[:, N]
    total_y, total_x = y.sum(), x.sum()
    if np.all(y * total_x == x * total_y):
        return None, "every item has the same mean preference: no spread between items, no mean_preference_ci"
    mean = total_y / total_x
    se = math.sqrt(m / (m - 1) * float(np.sum((y - mean * x) ** 2))) / total_x
    alpha = ALPHA if level == LEVEL else 1 - level
    critical = float(tails.t_isf(alpha / 2, m - 1))
    warning = None
    if m < FEW_ITEMS:
        warning = (
            f"only {m} items: treat this 95 % interval as approximate (with fewer than {FEW_ITEMS} items its "
            "coverage in simulations was 0.93–0.94, and 0.90 when most judgments go one way)"
        )
    return [float(mean - critical * se), float(mean + critical * se)], warning
