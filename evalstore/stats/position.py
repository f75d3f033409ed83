"""Position (side) bias, tested within items: does an output win more often when it is shown on the left?

Pooling every non-tie judgment and asking whether the left output won more than half of them confounds the
side with the system whenever sides are not counterbalanced: with system_b always on the right, a better
system_b reads as a strong bias for the left. So every test here compares an output with *itself* on the
other side, inside one stratum — one item and one pair of systems (the judgments of one pair of outputs):

- ``side_test``: the Cochran–Mantel–Haenszel test over strata, as a permutation test of the sides among the
  judgments of each stratum. With one criterion it is exactly CMH without continuity correction
  (``statsmodels`` ``StratifiedTable.test_null_odds(correction=False)``). With several criteria the unit that is
  permuted is the *presentation* (one rater, one item, one side: the judgments given together under every
  criterion), so judgments of one screen are not counted as independent.
- ``rater_side_tests``: the same permutation null for each rater's own judgments (their side is one draw from
  the sides of the stratum), Holm over raters, and an effect size from the rater's own left / right contrast.
- ``mantel_haenszel``: the within-stratum effect: the Mantel–Haenszel common odds ratio and risk difference of
  "system_b won" for system_b shown on the left vs on the right.

A stratum tells us something only when system_b was shown on both sides in it (among non-tie judgments); with
fewer than ``MIN_STRATA`` such strata the design does not allow a test and the answer is "not testable".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from . import tails

from .codes import unique_codes
from .significance import adjust_p_values

#: Fewer strata (item and pair) with system_b shown on both sides than this → not testable.
MIN_STRATA = 10
#: A rater's side test needs this many non-tie judgments in strata with both sides.
MIN_RATER_JUDGMENTS = 10
#: Holm-adjusted p-value (over the testable raters) below this, and ...
RATER_ALPHA = 0.05
#: ... a balanced left share (see ``rater_side_tests``) at or above this → "always_left" (at or below
#: 1 − this → "always_right"): a huge study does not flag a trivial bias.
ALWAYS_LEFT_SHARE = 0.6

CONFOUNDED = "not testable: sides are confounded with systems"


def _p(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class SideTest:
    """One within-stratum permutation test of the sides (see ``side_test``)."""

    n_strata: int  # strata in which system_b was shown on both sides
    n_tested: int  # non-tie judgments in those strata
    left_wins: int  # of those, won by the output on the left
    expected_left_wins: float  # their expectation when sides are permuted within strata
    variance: float  # of left_wins under that permutation
    p_value: float | None  # two-sided (chi-square with 1 df); None when the variance is 0

    @property
    def statistic(self) -> float | None:
        """The CMH chi-square statistic, (left_wins − expected)² / variance."""
        if self.variance <= 0:
            return None
        return (self.left_wins - self.expected_left_wins) ** 2 / self.variance


def _sum(values) -> float:
    """An exactly rounded sum: the same whatever the order of the judgments (and so of the strata)."""
    return math.fsum(np.asarray(values, dtype=np.float64).tolist())


def _sum_by(codes: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """``np.bincount(codes, weights, minlength=n)`` added in an order fixed by the values, so that the result
    does not depend on the order of the rows."""
    order = np.lexsort((weights, codes))
    return np.bincount(codes[order], weights=weights[order], minlength=n)


def _codes(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes 0..K−1 of the distinct rows of non-negative int columns, and the first row of each code.

    (``np.unique(axis=0)`` does the same an order of magnitude slower: it sorts rows as structured values.)
    """
    combined = np.zeros(columns[0].size, dtype=np.int64)
    for column in columns:
        column = np.asarray(column, dtype=np.int64)
        _, dense = unique_codes(column)
        combined = combined * (int(dense.max()) + 1 if dense.size else 1) + dense.ravel()
        _, combined = unique_codes(combined)  # keep the product small
        combined = combined.ravel()
    _, first, code = unique_codes(combined, return_index=True)
    return code.ravel(), first


def _two_sided(observed: float, expected: float, variance: float) -> float | None:
    if variance <= 1e-12:
        return None
    return _p(tails.chi2_sf((observed - expected) ** 2 / variance, 1))


def _presentations(stratum, b_left, b_won, presentation):
    """Per presentation: stratum, b shown on the left, non-tie judgments m, of them won by b w; and the
    presentation code of each judgment."""
    stratum = np.asarray(stratum, dtype=np.int64)
    b_left = np.asarray(b_left, dtype=bool)
    b_won = np.asarray(b_won, dtype=bool)
    if presentation is None:
        code, first = np.arange(stratum.size), np.arange(stratum.size)
    else:
        # A presentation never spans two strata or two sides, whatever codes the caller gave.
        code, first = _codes(np.asarray(presentation, dtype=np.int64), stratum, b_left.astype(np.int64))
    n = first.size
    m = np.bincount(code, minlength=n).astype(np.float64)
    w = np.bincount(code, weights=b_won.astype(np.float64), minlength=n)
    return stratum[first], b_left[first], m, w, code


def _strata(p_stratum, p_left, n_strata: int):
    """Per stratum: presentations N and those with system_b on the left L; which strata are informative."""
    size = np.bincount(p_stratum, minlength=n_strata).astype(np.float64)
    left = np.bincount(p_stratum, weights=p_left.astype(np.float64), minlength=n_strata)
    informative = (left > 0) & (left < size)
    return size, left, informative


def side_test(stratum, b_left, b_won, presentation=None) -> SideTest:
    """Within-stratum test of "the left output wins more (or less) often than the same output on the right".

    Each stratum is a 2×2 table (system_b on the left / on the right × system_b won / lost) of non-tie
    judgments; under the null the sides are exchangeable within a stratum, so the number of judgments won by
    the left output has the permutation mean and variance of the Cochran–Mantel–Haenszel test. Strata where
    system_b appears on one side only carry no information and are left out.

    Parameters
    ----------
    stratum : ndarray of int, shape (n,)
        Stratum of each non-tie judgment (an item and a pair of systems).
    b_left : ndarray of bool, shape (n,)
        system_b was shown on the left.
    b_won : ndarray of bool, shape (n,)
        system_b won (the judgment is not a tie).
    presentation : ndarray of int, shape (n,), optional
        Judgments with the same code, stratum and side shared a screen (pass the rater code: one rater's
        criteria of one item) and are permuted together. Default: every judgment on its own (then the test is
        exactly CMH without continuity correction).

    Returns
    -------
    SideTest

    Examples
    --------
    Two items, each judged twice with system_b on the left and twice on the right. The left output won all
    four judgments of item 0 and three of item 1; permuting the sides within each item expects 2 + 2 with
    variance 4/3 + 1 (statsmodels' ``StratifiedTable.test_null_odds(correction=False)`` gives the same).

    >>> t = side_test(np.array([0, 0, 0, 0, 1, 1, 1, 1]),
    ...               np.array([1, 1, 0, 0, 1, 1, 0, 0], dtype=bool),
    ...               np.array([1, 1, 0, 0, 1, 1, 1, 0], dtype=bool))
    >>> t.left_wins, t.expected_left_wins, round(t.variance, 4), round(t.statistic, 4), round(t.p_value, 4)
    (7, 4.0, 2.3333, 3.8571, 0.0495)
    """
    p_stratum, p_left, m, w, _ = _presentations(stratum, b_left, b_won, presentation)
    n_strata = int(p_stratum.max()) + 1 if p_stratum.size else 0
    size, left, informative = _strata(p_stratum, p_left, n_strata)
    # left wins of a presentation = (m − w) + x·d with d = 2w − m: only x·d depends on the side.
    d = 2 * w - m
    used = informative[p_stratum]
    d_sum = np.bincount(p_stratum[used], weights=d[used], minlength=n_strata)
    d_squares = np.bincount(p_stratum[used], weights=d[used] ** 2, minlength=n_strata)
    k = informative
    share = np.divide(left, size, out=np.zeros(n_strata), where=size > 0)
    # sampling L of N presentations without replacement: Var(Σ x·d) = L(N−L)/(N(N−1)) · Σ (d − d̄)²
    spread = d_squares - np.divide(d_sum**2, size, out=np.zeros(n_strata), where=size > 0)
    factor = np.divide(left * (size - left), size * (size - 1), out=np.zeros(n_strata), where=size > 1)
    observed = _sum(((m - w) + np.where(p_left, d, 0.0))[used])
    expected = _sum((m - w)[used]) + _sum((share * d_sum)[k])
    variance = _sum((factor * spread)[k])
    return SideTest(
        n_strata=int(k.sum()),
        n_tested=int(m[used].sum()),
        left_wins=int(round(observed)),
        expected_left_wins=expected,
        variance=variance,
        p_value=_two_sided(observed, expected, variance),
    )


@dataclass(frozen=True)
class MantelHaenszel:
    odds_ratio: float | None  # common odds ratio of "system_b won", system_b on the left vs on the right
    odds_ratio_ci: list[float | None] | None  # 95 %, Robins–Breslow–Greenland variance of log OR
    risk_difference: float | None  # P(system_b won | left) − P(system_b won | right), MH weights
    n_strata: int  # strata with system_b on both sides


def mantel_haenszel(stratum, b_left, b_won) -> MantelHaenszel:
    """Mantel–Haenszel common odds ratio and risk difference of "system_b won" for left vs right.

    Per stratum, a = left & won, b = left & lost, c = right & won, d = right & lost, n1 = a + b, n0 = c + d,
    n = n1 + n0: OR = Σ(ad/n) / Σ(bc/n) and RD = Σ(a·n0 − c·n1)/n / Σ(n1·n0/n) (Greenland & Robins 1985),
    with a 95 % interval for the OR from the Robins–Breslow–Greenland (1986) variance of log OR (as
    statsmodels' ``StratifiedTable.oddsratio_pooled_confint``). An odds ratio above 1 (a risk difference above
    0) means the left side helps. Strata with one side only have weight 0. The odds ratio is None when no
    stratum has both sides, inf when the left never lost a stratum's comparison (its interval then None).

    Examples
    --------
    Two strata with system_b winning 2 of 3 on the left and 1 of 3 on the right: OR = 4, RD = 1/3.

    >>> est = mantel_haenszel(np.repeat([0, 1], 6), np.tile([1, 1, 1, 0, 0, 0], 2).astype(bool),
    ...                       np.tile([1, 1, 0, 1, 0, 0], 2).astype(bool))
    >>> round(est.odds_ratio, 6), round(est.risk_difference, 6), est.n_strata
    (4.0, 0.333333, 2)
    """
    stratum = np.asarray(stratum, dtype=np.int64)
    b_left = np.asarray(b_left, dtype=bool)
    b_won = np.asarray(b_won, dtype=bool)
    n_strata = int(stratum.max()) + 1 if stratum.size else 0

    def count(mask):
        return np.bincount(stratum[mask], minlength=n_strata).astype(np.float64)

    a, b = count(b_left & b_won), count(b_left & ~b_won)
    c, d = count(~b_left & b_won), count(~b_left & ~b_won)
    n1, n0 = a + b, c + d
    both = (n1 > 0) & (n0 > 0)
    n = np.where(both, n1 + n0, 1.0)
    r_i, s_i = (a * d / n)[both], (b * c / n)[both]
    numerator, denominator = _sum(r_i), _sum(s_i)
    odds_ratio, interval = None, None
    if both.any() and denominator > 0 and numerator > 0:
        odds_ratio = float(numerator / denominator)
        p_i, q_i = ((a + d) / n)[both], ((b + c) / n)[both]
        variance = (
            _sum(p_i * r_i) / (2 * numerator**2)
            + _sum(p_i * s_i + q_i * r_i) / (2 * numerator * denominator)
            + _sum(q_i * s_i) / (2 * denominator**2)
        )
        half = tails.norm_ppf(0.975) * math.sqrt(variance)
        interval = [float(math.exp(math.log(odds_ratio) - half)), float(math.exp(math.log(odds_ratio) + half))]
    elif both.any() and denominator > 0:
        odds_ratio = 0.0
    elif both.any() and numerator > 0:
        odds_ratio = math.inf
    weights = _sum((n1 * n0 / n)[both])
    risk_difference = _sum(((a * n0 - c * n1) / n)[both]) / weights if weights > 0 else None
    return MantelHaenszel(odds_ratio, interval, risk_difference, int(both.sum()))


def balanced_left_share(risk_difference: float | None) -> float | None:
    """The left share a judge would show if every output were shown on each side equally often.

    With a risk difference RD of "system_b won" for left vs right, P(left wins) on a balanced design is
    ½·P(b won | b left) + ½·(1 − P(b won | b right)) = ½ + RD/2: 0.5 means no side effect.

    >>> balanced_left_share(0.46), balanced_left_share(None)
    (0.73, None)
    """
    return None if risk_difference is None else 0.5 + risk_difference / 2


def rater_side_tests(
    rater, stratum, b_left, b_won, comparison=None, presentation=None, *, min_judgments: int = MIN_RATER_JUDGMENTS,
    n_raters: int | None = None,
) -> list[dict]:
    """Per rater: the within-stratum side test of their own judgments, Holm over raters, and the flag.

    The null is the one of ``side_test``: within a stratum the sides are exchangeable, so a rater's
    presentation had system_b on the left with probability π = L/N (the stratum's share). The rater's left
    wins are compared with that expectation (mean Σ[(m − w) + π·d], variance Σ π(1 − π)·d², d = 2w − m,
    with the without-replacement covariance where one rater has several presentations in a stratum; normal
    approximation). The effect size is the rater's ``left_share_balanced``: ½ + RD/2 from the Mantel–Haenszel
    risk difference of "system_b won" for left vs right over the rater's own judgments, stratified by
    ``comparison`` (criterion and pair). Since it contrasts the rater with themselves, a rater who saw
    system_b more often on one side than the others did is not mistaken for a biased one; since the test
    compares within strata, neither is a rater on a design where sides follow the systems.

    Flag rule: at least ``min_judgments`` non-tie judgments in strata with both sides, Holm-adjusted p (over
    the testable raters) < ``RATER_ALPHA``, and ``left_share_balanced`` ≥ ``ALWAYS_LEFT_SHARE`` →
    "always_left" (≤ 1 − ``ALWAYS_LEFT_SHARE`` → "always_right").

    Parameters
    ----------
    rater : ndarray of int, shape (n,)
        Rater code (0..R−1) of each non-tie judgment with a known side.
    stratum, b_left, b_won
        As for ``side_test``.
    presentation : ndarray of int, shape (n,), optional
        As for ``side_test``, within each rater (zeros: a rater's judgments of one stratum and side form one
        presentation). Default: every judgment on its own.
    comparison : ndarray of int, shape (n,), optional
        Criterion and pair of each judgment (the strata of the effect size). Default: all one.
    n_raters : int, optional
        Rows to return (raters without a judgment here get an untestable row). Default: the largest code + 1.

    Returns
    -------
    list of dict, one per rater code 0..R−1
        ``n_tested, left_share_tested, expected_left_share, left_share_balanced, p_value, p_holm, testable,
        reason, flag``.
    """
    rater = np.asarray(rater, dtype=np.int64)
    b_left = np.asarray(b_left, dtype=bool)
    b_won = np.asarray(b_won, dtype=bool)
    comparison = np.zeros(rater.size, dtype=np.int64) if comparison is None else np.asarray(comparison)
    if n_raters is None:
        n_raters = int(rater.max()) + 1 if rater.size else 0
    # presentations never span raters
    given = np.arange(rater.size) if presentation is None else np.asarray(presentation, dtype=np.int64)
    p_stratum, p_left, m, w, code = _presentations(stratum, b_left, b_won, _codes(rater, given)[0])
    n_strata = int(p_stratum.max()) + 1 if p_stratum.size else 0
    size, left, informative = _strata(p_stratum, p_left, n_strata)
    p_rater = np.zeros(m.size, dtype=np.int64)
    p_rater[code] = rater
    share = np.divide(left, size, out=np.zeros(n_strata), where=size > 0)[p_stratum]
    d = 2 * w - m
    used = informative[p_stratum]
    observed = _sum_by(p_rater[used], ((m - w) + np.where(p_left, d, 0.0))[used], n_raters)
    expected = _sum_by(p_rater[used], ((m - w) + share * d)[used], n_raters)
    # A rater with several presentations in one stratum (sides that differ between criteria): their sides
    # are drawn without replacement, Cov(x_p, x_q) = −π(1 − π)/(N − 1), so per (rater, stratum)
    # Var = π(1 − π)·[Σd² − ((Σd)² − Σd²)/(N − 1)].
    pair_of, pair_first = _codes(p_rater[used], p_stratum[used])
    pair_rater, pair_stratum = p_rater[used][pair_first], p_stratum[used][pair_first]
    d_sum = _sum_by(pair_of, d[used], pair_first.size)
    d_squares = _sum_by(pair_of, d[used] ** 2, pair_first.size)
    n_pair = size[pair_stratum]
    pi = left[pair_stratum] / n_pair
    within = d_squares - (d_sum**2 - d_squares) / (n_pair - 1)  # informative strata have N >= 2
    variance = _sum_by(pair_rater, pi * (1 - pi) * within, n_raters)
    n_tested = _sum_by(p_rater[used], m[used], n_raters)
    tested = np.flatnonzero(used[code])
    tested = tested[np.argsort(rater[tested], kind="stable")]
    bounds = np.searchsorted(rater[tested], np.arange(n_raters + 1))

    rows = []
    for r in range(n_raters):
        n = int(round(n_tested[r]))
        mine = tested[bounds[r] : bounds[r + 1]]
        effect = mantel_haenszel(comparison[mine], b_left[mine], b_won[mine])
        row = {
            "n_tested": n,
            "left_share_tested": float(observed[r] / n) if n else None,
            "expected_left_share": float(expected[r] / n) if n else None,
            "left_share_balanced": balanced_left_share(effect.risk_difference),
            "p_value": None,
            "p_holm": None,
            "testable": False,
            "reason": None,
            "flag": None,
        }
        if n == 0:
            row["reason"] = (
                f"{CONFOUNDED} (none of this rater's judgments is of an item shown with system_b on both sides)"
            )
        elif n < min_judgments:
            row["reason"] = (
                f"not testable: only {n} of this rater's non-tie judgments are of items shown with system_b on "
                f"both sides (the test needs {min_judgments})"
            )
        elif effect.risk_difference is None:
            row["reason"] = f"{CONFOUNDED} (this rater saw system_b on one side only)"
        else:
            row["p_value"] = _two_sided(observed[r], expected[r], variance[r])
            row["testable"] = row["p_value"] is not None
            if not row["testable"]:
                row["reason"] = f"{CONFOUNDED} (no variation of sides left for this rater's judgments)"
        rows.append(row)
    for row, adjusted in zip(rows, adjust_p_values([row["p_value"] for row in rows], "holm")):
        row["p_holm"] = adjusted
        if adjusted is None or adjusted >= RATER_ALPHA:
            continue
        if row["left_share_balanced"] >= ALWAYS_LEFT_SHARE:
            row["flag"] = "always_left"
        elif row["left_share_balanced"] <= 1 - ALWAYS_LEFT_SHARE:
            row["flag"] = "always_right"
    return rows


def testability(test: SideTest, min_strata: int = MIN_STRATA) -> str | None:
    """None when ``test`` may be read, else why not (the sentence starts with "not testable").

    >>> testability(SideTest(0, 0, 0, 0.0, 0.0, None))
    'not testable: sides are confounded with systems (system_b was never shown on both sides of one item)'
    """
    if test.n_strata == 0:
        return f"{CONFOUNDED} (system_b was never shown on both sides of one item)"
    if test.n_strata < min_strata:
        return (
            f"not testable: only {test.n_strata} items showed system_b on both sides (the test needs "
            f"{min_strata}); elsewhere sides are confounded with systems"
        )
    if test.p_value is None:
        return f"{CONFOUNDED} (no variation of sides within items among non-tie judgments)"
    return None
