"""Win rates from per-item tallies, under each tie rule, and the design effect of clustering.

A *tally* is one row of five integers per item (or per any unit): ``wins_a, ties, wins_b, n, sum_pref``
(``sum_pref`` = the item's summed preference). Every win rate is a ratio of column sums, so it is as easy to
compute on the observed tallies as on the bootstrap's resampled sums (``stats.bootstrap.bootstrap_sums``).
"""

from __future__ import annotations

import numpy as np

WINS_A, TIES, WINS_B, N, SUM_PREF = range(5)
TALLY_COLUMNS = ("wins_a", "ties", "wins_b", "n", "sum_pref")

#: How ties enter a win rate: ``drop`` — left out, ``half`` — half a win to each side, ``against_b`` — a win
#: for system_a (the most conservative reading for a fine-tune in system_b).
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

    ``drop`` and ``half``: the item's summed preference — its mean preference times n, so the same sign.
    Splitting ties half-half adds as much to each side, so it cannot change which side an item favours;
    both rules share the sign test of the items' mean preference. ``against_b``: every tie counts as a
    preference of one point for system_a.

    Examples
    --------
    >>> item_scores(np.array([[1, 1, 1, 3, 0], [0, 2, 1, 3, 1]]), "against_b").tolist()
    [-1, -1]
    """
    tallies = np.asarray(tallies)
    if rule in ("drop", "half"):
        return tallies[:, SUM_PREF]
    if rule == "against_b":
        return tallies[:, SUM_PREF] - tallies[:, TIES]
    raise ValueError(f"rule must be one of {TIE_RULES}, not {rule!r}")


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
