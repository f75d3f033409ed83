"""Win rates from per-item tallies, under each tie rule, and the design effect of clustering.

A *tally* is one row of five integers per item (or per any unit): ``wins_a, ties, wins_b, n, sum_pref``
(``sum_pref`` = the item's summed preference). Every win rate is a ratio of column sums, so it is as easy to
compute on the observed tallies as on the bootstrap's resampled sums (``stats.bootstrap.bootstrap_sums``).
"""

from __future__ import annotations

import numpy as np

WINS_A, TIES, WINS_B, N, SUM_PREF = range(5)
TALLY_COLUMNS = ("wins_a", "ties", "wins_b", "n", "sum_pref")

#: How ties enter every statistic of a comparison (win rate, item view, tests, intervals): ``drop`` — left
#: out, ``half`` — half a win to each side, ``against_b`` — a loss for system_b (the most conservative reading
#: for a fine-tune in system_b: a bound on its claim, never evidence for system_a by itself).
TIE_RULES = ("drop", "half", "against_b")


def tally(unit_codes: np.ndarray, preference: np.ndarray, n_units: int) -> np.ndarray:
    """Per-unit counts of wins for system_a, ties and wins for system_b, judgments and summed preference.

    Parameters
    ----------
    unit_codes : ndarray of int, shape (n_judgments,)
        Unit (item) index 0..n_units-1 of each judgment.
    preference : ndarray of float, shape (n_judgments,)
        Integer-valued preferences, no NaN (skipped judgments removed first).
    n_units : int

    Returns
    -------
    ndarray of int64, shape (n_units, 5)
        Columns ``wins_a, ties, wins_b, n, sum_pref``.

    Examples
    --------
    >>> tally(np.array([0, 0, 1]), np.array([-2.0, 1.0, 0.0]), 2).tolist()
    [[1, 0, 1, 2, -1], [0, 1, 0, 1, 0]]
    """
    codes = np.asarray(unit_codes, dtype=np.int64)
    pref = np.asarray(preference, dtype=np.float64)
    out = np.empty((n_units, 5), dtype=np.int64)
    out[:, WINS_A] = np.bincount(codes, weights=pref < 0, minlength=n_units)
    out[:, TIES] = np.bincount(codes, weights=pref == 0, minlength=n_units)
    out[:, WINS_B] = np.bincount(codes, weights=pref > 0, minlength=n_units)
    out[:, N] = np.bincount(codes, minlength=n_units)
    # Preferences are whole numbers; rounding undoes the float sum's representation error.
    out[:, SUM_PREF] = np.rint(np.bincount(codes, weights=pref, minlength=n_units))
    return out


def win_rate(totals: np.ndarray, rule: str = "drop") -> np.ndarray:
    """system_b's win rate from summed tallies, shape (..., 5) → (...); NaN where the denominator is 0.

    ``drop``: wins_b / (wins_a + wins_b). ``half``: (wins_b + ties / 2) / n. ``against_b``: wins_b / n.

    Examples
    --------
    >>> totals = np.array([6, 4, 10, 20, 3])
    >>> [float(win_rate(totals, rule)) for rule in TIE_RULES]
    [0.625, 0.6, 0.5]
    """
    totals = np.asarray(totals, dtype=np.float64)
    wins_a, ties, wins_b, n = (totals[..., c] for c in (WINS_A, TIES, WINS_B, N))
    if rule == "drop":
        numerator, denominator = wins_b, wins_a + wins_b
    elif rule == "half":
        numerator, denominator = wins_b + ties / 2, n
    elif rule == "against_b":
        numerator, denominator = wins_b, n
    else:
        raise ValueError(f"rule must be one of {TIE_RULES}, not {rule!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)


def mean_preference(totals: np.ndarray) -> np.ndarray:
    """Mean preference over judgments from summed tallies, shape (..., 5) → (...); NaN for no judgments."""
    totals = np.asarray(totals, dtype=np.float64)
    n = totals[..., N]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, totals[..., SUM_PREF] / np.where(n > 0, n, 1), np.nan)


def item_scores(tallies: np.ndarray, rule: str = "drop") -> np.ndarray:
    """Per-item score whose sign says which system the item favours under a tie rule (for the sign test).

    An item favours system_b when system_b's win rate *on that item*, under the same tie rule as the headline
    win rate, is above one half: the item view and the judgment view then count wins the same way, and
    the size of a preference (2 = "much better" on the 5-point scale) decides neither. So on the 5-point
    scale an item judged (+2, −1, −1) favours system_a (two of its three judgments prefer it); its mean
    preference (0) is the *other* reading, used by the Wilcoxon and t tests on items' mean preference.

    ``drop``: wins_b − wins_a. ``half``: (wins_b + ties / 2) − n / 2, half of the same number, so the same
    sign. ``against_b``: every tie is a loss for system_b, wins_b − (wins_a + ties).

    Examples
    --------
    >>> item_scores(np.array([[1, 1, 1, 3, 0], [0, 2, 1, 3, 1], [2, 0, 1, 3, -1]]), "against_b").tolist()
    [-1, -1, -1]
    >>> item_scores(np.array([[2, 0, 1, 3, 0]]), "drop").tolist()  # (+2, -1, -1): two judgments favour a
    [-1]
    """
    tallies = np.asarray(tallies)
    wins_a, ties, wins_b = tallies[:, WINS_A], tallies[:, TIES], tallies[:, WINS_B]
    if rule in ("drop", "half"):
        return wins_b - wins_a
    if rule == "against_b":
        return wins_b - wins_a - ties
    raise ValueError(f"rule must be one of {TIE_RULES}, not {rule!r}")


def item_share_interval(favouring_b: int, non_even: int, level: float = 0.95) -> list[float] | None:
    """Exact (Clopper–Pearson) interval of the share of non-even items that favour system_b.

    Items are independent units, so the binomial holds for them (unlike judgments of one item); the
    interval belongs to the sign test's view. None without a non-even item.

    Examples
    --------
    Clopper & Pearson (1934): 7 of 10.

    >>> [round(x, 4) for x in item_share_interval(7, 10)]
    [0.3475, 0.9333]
    """
    from .tails import clopper_pearson

    if non_even <= 0:
        return None
    return list(clopper_pearson(int(favouring_b), int(non_even), level))


def ratio_design_effect(tallies: np.ndarray) -> float | None:
    """Design effect of the item clustering on the ties-dropped win rate: clustered variance / naive variance.

    The win rate is a ratio estimator R = Σ y_i / Σ x_i over items (y = wins_b, x = non-tie judgments). Its
    variance under item sampling, by linearisation (Cochran 1977, sec. 6.4; Kish 1965, sec. 6.3), is
    m / (m − 1) · Σ (y_i − R x_i)² / (Σ x_i)²; the naive binomial variance treats the Σ x_i judgments as
    independent, R (1 − R) / Σ x_i. The ratio is Kish's design effect: how many times more judgments the
    study needs than independent ones would.

    Returns
    -------
    float or None
        None with fewer than two items, no non-tie judgment, or when every non-tie judgment went one way.

    Examples
    --------
    One non-tie judgment per item: the clustering changes nothing but the m / (m − 1) factor.

    >>> round(ratio_design_effect(np.array([[1, 0, 0, 1, -1], [0, 0, 1, 1, 1], [0, 0, 1, 1, 1]])), 12)
    1.5
    """
    tallies = np.asarray(tallies, dtype=np.float64)
    y = tallies[:, WINS_B]
    x = tallies[:, WINS_A] + tallies[:, WINS_B]
    # Items with only ties stay in: they are sampled clusters too (x_i = 0), as in the bootstrap.
    m = y.size
    total = x.sum()
    if m < 2 or total <= 0:
        return None
    ratio = y.sum() / total
    naive = ratio * (1 - ratio) / total
    if naive <= 0:
        return None
    clustered = m / (m - 1) * np.sum((y - ratio * x) ** 2) / total**2
    return float(clustered / naive)
