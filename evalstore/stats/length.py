"""Length-controlled win rate: system_b's win rate at equal output length (AlpacaEval 2's idea).

Raters (human or model) tend to prefer the longer output, so a fine-tune that writes more can win without
being better. Dubois et al. (2024, "Length-Controlled AlpacaEval", arXiv:2404.04475) fit a logistic
regression of the preference on the two systems and a bounded function of the outputs' length difference,
and report the win rate the model predicts when the length difference is zero. What is implemented here
(from the paper's idea; we did not have the text at hand, so it is our reading, not a port of their code):

    logit P(system_b wins a judgment) = β0 + β1 · tanh((length_b − length_a) / sd)

with ``sd`` the standard deviation (ddof 0) of the length difference over the judgments used, lengths in
characters. tanh of the standardised difference is their covariate: it is 0 at equal length, keeps a few
very long outputs from dominating the fit, and makes β1 a log-odds per "one sd of length difference,
saturating". The length-controlled win rate is σ(β0), the fitted probability at equal length; the raw win
rate is the intercept-only fit, the share of judgments system_b wins. AlpacaEval 2 also has a term for the
instruction's difficulty, estimated across many models; with two systems per comparison we leave it out and
let the item-clustered bootstrap carry the items' correlation instead.

Ties follow the comparison's tie rule: ``drop`` leaves them out, ``against_b`` counts them as losses for
system_b, and ``half`` gives them the fractional outcome 1/2 — a quasi-binomial fit, the same point estimate
as a binomial GLM with the tie split into half a win and half a loss (frequency weights 1/2 each).

The fit is unregularised maximum likelihood by Newton's method, vectorised over bootstrap resamples. A
judgment enters only through its length difference and outcome, so the data of a fit are the summed
judgments ``N[k]`` and wins ``S[k]`` at each distinct length difference ``d[k]``; a resample's are those
sums weighted by how often it drew each item (``bootstrap.item_weights``; items with the same data are
exchangeable and drawn as types, as in ``bootstrap.bootstrap_sums``), one sparse matrix product. In a large
study (resamples × item types at least ``bootstrap.POISSON_MIN_CELLS``) the weights are those of the Poisson
bootstrap, drawn per type (``bootstrap.PoissonCounts``): a multinomial's binomial draw per cell would cost
several times the whole fit. The
resamples refit β0 and β1 with the covariate as observed: ``sd`` is the unit in which the length difference
is measured, fixed like the characters it is counted in.

With one covariate the MLE is infinite exactly when the length difference separates wins from losses
(Albert & Anderson 1984): all judgments one way, or every win at a longer (or shorter) difference than every
loss. Then we report the limit of the fitted probability at equal length along the likelihood's supremum,
where the data determine it (e.g. every judgment favours system_b and some compare outputs of equal length or
both signs of difference: the limit is 1), and None where they do not (no judgment near equal length to
pin it: any value in (0, 1) is as good). The same limits are used in the bootstrap resamples; a resample
without a determined value counts at 0 for the interval's lower end and at 1 for its upper end, so the
interval is conservative rather than conditioned on the resamples that happened to fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.special import expit, logit

from . import bootstrap
from .bootstrap import distinct_rows, item_weights
from .codes import unique_codes
from .intervals import percentile_interval
from .winrates import TIE_RULES

#: Peduzzi et al. (1996): fewer than 10 events (here: judgments of the rarer outcome) per covariate and
#: logistic regression coefficients are biased and their intervals unreliable.
MIN_RARER_OUTCOME = 10

#: Cells (resamples × distinct length differences) fitted at once: 8 MiB per float64 array.
FIT_BLOCK_CELLS = 1 << 20

_MAX_ITERATIONS = 100
#: Newton steps longer than this (log-odds, per coefficient) are shortened: a guard for starts far from the
#: optimum; near the optimum the steps are short and this never binds.
_MAX_STEP = 5.0
#: Newton stops a fit when its step is below this (relative to 1 + |β|); the error left is about its square.
#: The observed data are fitted to machine precision; a resample to ~1e-8 in log-odds, far below the
#: bootstrap's own Monte Carlo error, which saves one pass over the (resamples × length differences) data.
_TOLERANCE = 1e-8
_RESAMPLE_TOLERANCE = 1e-4


@dataclass(frozen=True)
class LengthControlled:
    """system_b's win rate at equal output length, beside the unadjusted one.

    ``win_rate_b`` is σ(β0); ``length_coefficient`` is β1, log-odds per unit of ``covariate`` (which names the
    unit, with the standard deviation used); ``raw_win_rate_b`` is the share of the ``n`` judgments used that
    system_b won (ties by the rule); ``ci`` is the 95 % item-clustered percentile bootstrap interval of
    ``win_rate_b``. None where undefined; ``warning`` says why, in one sentence per problem.
    """

    win_rate_b: float | None
    ci: list[float | None] | None
    raw_win_rate_b: float | None
    length_coefficient: float | None
    covariate: str
    n: int
    warning: str | None


def outcomes(preference: np.ndarray, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """Which judgments enter the fit under a tie rule, and system_b's outcome in each (1, 0 or 1/2).

    Parameters
    ----------
    preference : ndarray of float, shape (n,)
        Positive: system_b better; 0: tie; negative: system_a better. NaN: not used.
    rule : {"drop", "half", "against_b"}

    Returns
    -------
    used : ndarray of bool, shape (n,)
    outcome : ndarray of float, shape (n,)
        Meaningful where ``used``.

    Examples
    --------
    >>> used, y = outcomes(np.array([2.0, 0.0, -1.0]), "half")
    >>> used.tolist(), y.tolist()
    ([True, True, True], [1.0, 0.5, 0.0])
    >>> outcomes(np.array([2.0, 0.0, -1.0]), "drop")[0].tolist()
    [True, False, True]
    """
    preference = np.asarray(preference, dtype=np.float64)
    if rule not in TIE_RULES:
        raise ValueError(f"rule must be one of {TIE_RULES}, not {rule!r}")
    rated = ~np.isnan(preference)
    tie = rated & (preference == 0)
    used = rated & ~tie if rule == "drop" else rated
    outcome = np.where(preference > 0, 1.0, np.where(tie & (rule == "half"), 0.5, 0.0))
    return used, outcome


def _first_last(mask: np.ndarray, difference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest ``difference`` (ascending) where each row of ``mask`` is True; ±inf for none."""
    first = mask.argmax(axis=1)  # argmax of a boolean row stops at its first True
    last = mask.shape[1] - 1 - mask[:, ::-1].argmax(axis=1)
    any_ = mask[np.arange(len(mask)), first]
    return np.where(any_, difference[first], np.inf), np.where(any_, difference[last], -np.inf)


def _separation(
    trials: np.ndarray, wins: np.ndarray, difference: np.ndarray, low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose MLE is infinite, and the limit of σ(β0) there (NaN where the data leave it open).

    ``difference`` is sorted ascending; tanh(d / sd) is increasing in d, so separation in the covariate is
    separation in d, and "equal length" is d = 0 either way.
    """
    won = wins > 0
    lost = (trials - wins) > 0  # exact: the sums are of whole and half counts
    min_win, max_win = _first_last(won, difference)
    min_loss, max_loss = _first_last(lost, difference)
    has_win, has_loss = np.isfinite(min_win), np.isfinite(min_loss)
    zero = np.searchsorted(difference, 0.0)
    if zero < difference.size and difference[zero] == 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            at_zero = wins[:, zero] / trials[:, zero]  # the sub-model's MLE at d = 0 (quasi-complete case)
    else:
        at_zero = np.full(len(trials), np.nan)

    limit = np.full(len(trials), np.nan)
    spans_zero = (low <= 0) & (0 <= high)
    all_wins, all_losses = has_win & ~has_loss, has_loss & ~has_win
    limit[all_wins & spans_zero] = 1.0
    limit[all_losses & spans_zero] = 0.0
    # Wins at the longer-b end: complete (a gap between the last loss and the first win) or quasi-complete
    # (they meet at one difference c, where the fit is that difference's own win share).
    up = has_win & has_loss & (max_loss <= min_win)
    down = has_win & has_loss & (max_win <= min_loss)
    for side, last_before, first_after, high_value in ((up, max_loss, min_win, 1.0),
                                                        (down, max_win, min_loss, 0.0)):
        complete = side & (last_before < first_after)
        limit[complete & (0 >= first_after)] = high_value
        limit[complete & (0 <= last_before)] = 1.0 - high_value
        quasi = side & (last_before == first_after)
        limit[quasi & (0 > first_after)] = high_value
        limit[quasi & (0 < first_after)] = 1.0 - high_value
        meet_at_zero = quasi & (first_after == 0)
        limit[meet_at_zero] = at_zero[meet_at_zero]
    return up | down | all_wins | all_losses, limit


def _dot(rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``rows @ vector`` without BLAS: a multi-threaded gemv is many times slower on a busy machine."""
    return np.einsum("rk,k->r", rows, vector)


def _sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(x) = (1 + tanh(x / 2)) / 2: numpy's SIMD tanh is about twice as fast as ``scipy.special.expit``.

    Exact to ~1e-16 absolute, which is all the Newton sums (Σ N p, Σ N p (1 − p)) can use.
    """
    out = np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def _newton(
    trials: np.ndarray, wins: np.ndarray, covariate: np.ndarray, start: np.ndarray, tolerance: float
) -> np.ndarray:
    """Maximise Σ_k S log σ(η_k) + (N − S) log(1 − σ(η_k)), η_k = β0 + β1 z_k, in each row of (N, S).

    ``covariate`` z has shape (K,), shared by the rows; ``start`` is (2,), shared (then the first step is two
    matrix products: every row's gradient and Hessian at a common β are linear in its N and S), or (R, 2).
    A row stops when its Newton step is below ``tolerance`` (after taking it: convergence is quadratic, so
    the error left is of the order of the step's square). Returns (R, 2); NaN rows did not converge.
    """
    rows = len(trials)
    z, z2 = covariate, covariate * covariate
    beta = np.empty((rows, 2))
    converged = np.zeros(rows, dtype=bool)
    active = np.arange(rows)
    n, s = trials, wins
    start = np.asarray(start, dtype=np.float64)
    shared = start.ndim == 1
    beta[:] = start
    for _ in range(_MAX_ITERATIONS):
        if active.size == 0:
            break
        b = beta[active]
        if shared:
            p = _sigmoid(start[0] + start[1] * z)
            v = p * (1.0 - p)
            g0, g1 = s.sum(axis=1) - _dot(n, p), _dot(s, z) - _dot(n, p * z)
            h00, h01, h11 = _dot(n, v), _dot(n, v * z), _dot(n, v * z2)
            shared = False
        else:
            p = np.multiply.outer(b[:, 1], z)
            p += b[:, :1]
            _sigmoid(p, out=p)
            expected = n * p
            residual = s - expected
            np.subtract(1.0, p, out=p)
            expected *= p  # the weights N p (1 − p)
            g0, g1 = residual.sum(axis=1), _dot(residual, z)
            h00, h01, h11 = expected.sum(axis=1), _dot(expected, z), _dot(expected, z2)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            det = h00 * h11 - h01 * h01
            step = np.column_stack([(h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det])
        failed = ~(det > 0) | ~np.all(np.isfinite(step), axis=1)
        step[failed] = 0.0
        size = np.abs(step).max(axis=1)
        step /= np.maximum(1.0, size / _MAX_STEP)[:, None]
        beta[active] = b + step
        done = ~failed & (size < tolerance * (1.0 + np.abs(b).max(axis=1)))
        converged[active[done]] = True
        still = ~done & ~failed
        if not still.all():
            active, n, s = active[still], n[still], s[still]
    beta[~converged] = np.nan
    return beta


def equal_length_fit(
    trials: np.ndarray, wins: np.ndarray, difference: np.ndarray, scale: float, *,
    start: np.ndarray | None = None, tolerance: float = _TOLERANCE,
) -> tuple[np.ndarray, np.ndarray]:
    """Fit logit P(system_b wins) = β0 + β1 tanh(d / scale) to each row of summed judgments.

    Parameters
    ----------
    trials, wins : ndarray of float, shape (R, K)
        Judgments and system_b's (possibly fractional) wins at each distinct length difference: one row per
        data set (the observed data, or a bootstrap resample).
    difference : ndarray of float, shape (K,)
        The distinct length differences ``length_b − length_a``, ascending.
    scale : float
        The covariate's unit, > 0 (the standard deviation of the observed length differences).
    start : ndarray of float, shape (2,), optional
        Starting (β0, β1) for Newton's method, shared by the rows; default: each row's intercept-only fit.
    tolerance : float
        Stop a row when its Newton step (log-odds) is below this, relative to 1 + |β|.

    Returns
    -------
    win_rate : ndarray, shape (R,)
        σ(β0), or its limit under separation; NaN where the data leave it open. A row with a single length
        difference has no slope: its win rate is the raw one if that difference is 0, else NaN.
    coefficient : ndarray, shape (R,)
        β1 per unit of tanh(d / scale); NaN where infinite or undetermined.

    Examples
    --------
    Outcomes that do not depend on length give back the raw rate: 2 of 3 wins at each of d = -50 and +50.

    >>> rate, beta1 = equal_length_fit(np.array([[3.0, 3.0]]), np.array([[2.0, 2.0]]), np.array([-50.0, 50.0]),
    ...                                scale=50.0)
    >>> round(float(rate[0]), 12), round(float(beta1[0]), 12)
    (0.666666666667, 0.0)
    """
    trials = np.atleast_2d(np.asarray(trials, dtype=np.float64))
    wins = np.atleast_2d(np.asarray(wins, dtype=np.float64))
    difference = np.asarray(difference, dtype=np.float64)
    rows = len(trials)
    total = trials.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = wins.sum(axis=1) / total
    win_rate = np.full(rows, np.nan)
    coefficient = np.full(rows, np.nan)

    low, high = _first_last(trials > 0, difference)
    single = (total > 0) & (low == high)
    win_rate[single & (low == 0)] = raw[single & (low == 0)]
    varied = (total > 0) & (low < high)
    separated, limit = _separation(trials, wins, difference, low, high)
    win_rate[varied & separated] = limit[varied & separated]

    fit = np.flatnonzero(varied & ~separated)
    if fit.size:
        if fit.size < rows:
            trials, wins = trials[fit], wins[fit]
        if start is None or not np.all(np.isfinite(start)):
            start = np.column_stack([logit(raw[fit]), np.zeros(fit.size)])
        beta = _newton(trials, wins, np.tanh(difference / scale), start, tolerance)
        win_rate[fit] = expit(beta[:, 0])
        coefficient[fit] = beta[:, 1]
    return win_rate, coefficient


@dataclass
class _Design:
    """The data of one fit, as sums per distinct length difference, and how items map onto them.

    A *unit* is one item at one length difference; usually an item has one pair of outputs, so one unit.
    """

    n_items: int
    difference: np.ndarray  # (K,) distinct length differences, ascending
    unit_item: np.ndarray  # (U,) ascending
    unit_group: np.ndarray  # (U,) index into ``difference``; ascending within an item
    unit_trials: np.ndarray  # (U,) judgments
    unit_wins: np.ndarray  # (U,) system_b's wins (ties as 1/2 under "half")

    @property
    def trials(self) -> np.ndarray:
        return np.bincount(self.unit_group, weights=self.unit_trials, minlength=self.difference.size)

    @property
    def wins(self) -> np.ndarray:
        return np.bincount(self.unit_group, weights=self.unit_wins, minlength=self.difference.size)


def _design(items: np.ndarray, n_items: int, difference: np.ndarray, outcome: np.ndarray) -> _Design:
    values, group = np.unique(difference, return_inverse=True)
    k = values.size
    units, unit_of = unique_codes(items.astype(np.int64) * k + group.ravel())
    unit_of = unit_of.ravel()
    return _Design(
        n_items, values, units // k, units % k,
        np.bincount(unit_of, minlength=units.size).astype(np.float64),
        np.bincount(unit_of, weights=outcome, minlength=units.size),
    )


def _sums_matrix(rows: np.ndarray, groups: np.ndarray, trials: np.ndarray, wins: np.ndarray,
                 n_rows: int, k: int) -> sparse.csr_matrix:
    """(n_rows, 2K) int64: each row's judgments, then twice its wins, at each length difference.

    Whole numbers (wins are whole or half), so that the product with the integer resample counts stays in
    int64: exact, and several times faster than converting the (resamples × items) counts to float.
    """
    data = np.rint(np.concatenate([trials, 2.0 * wins])).astype(np.int64)
    return sparse.csr_matrix(
        (data, (np.tile(rows, 2), np.concatenate([groups, groups + k]))), shape=(n_rows, 2 * k), dtype=np.int64
    )


def _item_types(design: _Design) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Distinct items (same units, judgments and wins: exchangeable, see ``bootstrap``) and how many of each.

    Returns the types' sums matrix, shape (T, 2K), and each type's number of items, shape (T,).
    """
    k = design.difference.size
    per_item = np.bincount(design.unit_item, minlength=design.n_items)
    width = max(int(per_item.max()) if per_item.size else 0, 1)
    first_unit = np.concatenate([[0], np.cumsum(per_item)[:-1]])
    slot = np.arange(design.unit_item.size) - first_unit[design.unit_item]
    # One row per item: its units' difference codes (-1 pads), judgments, and doubled wins (whole numbers).
    keys = np.zeros((design.n_items, 3 * width))
    keys[:, :width] = -1.0
    keys[design.unit_item, slot] = design.unit_group
    keys[design.unit_item, width + slot] = design.unit_trials
    keys[design.unit_item, 2 * width + slot] = 2.0 * design.unit_wins
    types, multiplicity = distinct_rows(keys)
    row, slot = np.nonzero(types[:, :width] >= 0)
    type_sums = _sums_matrix(
        row, types[row, slot].astype(np.int64), types[row, width + slot], types[row, 2 * width + slot] / 2.0,
        len(types), k,
    )
    return type_sums, multiplicity


def _resampled_sums(design: _Design, resamples: int, rng: np.random.Generator):
    """Yield (trials, wins) blocks, shape (B, K) each, over the bootstrap resamples of items."""
    k = design.difference.size
    rows_per_block = max(1, FIT_BLOCK_CELLS // (2 * k))
    type_sums, multiplicity = _item_types(design)
    m = design.n_items
    if resamples * len(multiplicity) >= bootstrap.POISSON_MIN_CELLS:
        # Many items of many types: one Poisson count per type and resample (see ``bootstrap.PoissonCounts``)
        # instead of a multinomial's binomial per cell, several times faster at the same estimand.
        poisson = bootstrap.PoissonCounts(multiplicity)
        for _, size in bootstrap._chunks(resamples, len(multiplicity), bootstrap.POISSON_CHUNK_CELLS):
            counts = poisson.draw(size, rng)
            for first in range(0, size, rows_per_block):
                block = counts[first : first + rows_per_block] @ type_sums
                yield block[:, :k].astype(np.float64), block[:, k:] / 2.0
    elif m >= bootstrap._MULTINOMIAL_MIN_ITEMS_PER_TYPE * len(multiplicity):
        shares = multiplicity / m
        for _, size in bootstrap._chunks(resamples, len(multiplicity)):
            counts = rng.multinomial(m, shares, size=size)
            for first in range(0, size, rows_per_block):
                block = counts[first : first + rows_per_block] @ type_sums
                yield block[:, :k].astype(np.float64), block[:, k:] / 2.0
    else:
        sums = _sums_matrix(design.unit_item, design.unit_group, design.unit_trials, design.unit_wins, m, k)
        for _, counts in item_weights(m, resamples, rng):
            for first in range(0, len(counts), rows_per_block):
                block = counts[first : first + rows_per_block] @ sums
                yield block[:, :k].astype(np.float64), block[:, k:] / 2.0


def resampled_win_rates(
    design: _Design, scale: float, resamples: int, rng: np.random.Generator, start: np.ndarray | None = None
) -> np.ndarray:
    """The win rate at equal length in each item-bootstrap resample; NaN where the resample leaves it open.

    The covariate keeps the observed data's ``scale``: it is the unit of the length difference, fixed like
    the characters it is counted in, and the resamples refit β0 and β1 on it.
    """
    out = []
    for trials, wins in _resampled_sums(design, resamples, rng):
        fit = equal_length_fit(trials, wins, design.difference, scale, start=start, tolerance=_RESAMPLE_TOLERANCE)
        out.append(fit[0])
    return np.concatenate(out) if out else np.empty(0)


def _covariate(sd: float | None) -> str:
    if sd is None:
        return "none: the length difference is the same in every judgment"
    return f"tanh((length_b - length_a) / {sd:.4g}), {sd:.4g} = sd of the length difference in characters"


def _interval(samples: np.ndarray, notes: list[str]) -> list[float | None] | None:
    """Percentile interval with undetermined resamples at 0 for the lower end and at 1 for the upper end."""
    undefined = int(np.isnan(samples).sum())
    if samples.size == 0:
        return None
    low = percentile_interval(np.where(np.isnan(samples), 0.0, samples)).interval[0]
    high = percentile_interval(np.where(np.isnan(samples), 1.0, samples)).interval[1]
    if undefined:
        notes.append(
            f"{undefined} of {samples.size} bootstrap resamples do not determine the win rate at equal length "
            "(the length difference separates their wins from their losses, or takes one value); "
            "the interval counts them at 0 for its lower end and at 1 for its upper end"
        )
    if low is not None and high is not None and low == high:
        notes.append(f"every bootstrap resample gives {low:.3g}: no interval")
        return None
    return [low, high]


def length_controlled_win_rate(
    item_codes: np.ndarray, preference: np.ndarray, length_a: np.ndarray, length_b: np.ndarray, rule: str,
    *, resamples: int, rng: np.random.Generator,
) -> LengthControlled:
    """system_b's win rate at equal output length (AlpacaEval 2's length control), with an item bootstrap.

    Parameters
    ----------
    item_codes : ndarray of int, shape (n,)
        Item of each judgment; any integer codes (items are the bootstrap's clusters).
    preference : ndarray of float, shape (n,)
        Positive: system_b better, 0: tie, negative: system_a better; the magnitude is ignored. NaN: skipped.
    length_a, length_b : ndarray of float, shape (n,)
        The two outputs' lengths in characters; a judgment without both (NaN) is left out.
    rule : {"drop", "half", "against_b"}
        How ties enter (see ``outcomes``).
    resamples : int
        Item-bootstrap resamples for the interval (0: no interval).
    rng : numpy.random.Generator

    Returns
    -------
    LengthControlled

    Examples
    --------
    Equal lengths everywhere: nothing to control for, so the length-controlled rate is the raw one.

    >>> r = length_controlled_win_rate(np.array([0, 0, 1, 2]), np.array([1.0, -1.0, 1.0, 1.0]),
    ...     np.full(4, 100.0), np.full(4, 100.0), "drop", resamples=0, rng=np.random.default_rng(0))
    >>> r.win_rate_b, r.raw_win_rate_b, r.length_coefficient, r.n
    (0.75, 0.75, None, 4)
    """
    item_codes = np.asarray(item_codes)
    preference = np.asarray(preference, dtype=np.float64)
    length_a = np.asarray(length_a, dtype=np.float64)
    length_b = np.asarray(length_b, dtype=np.float64)
    shapes = {a.shape for a in (item_codes, preference, length_a, length_b)}
    if len(shapes) != 1 or item_codes.ndim != 1:
        raise ValueError(f"item_codes, preference, length_a and length_b must be 1-d of one length, not {shapes}")
    if isinstance(resamples, bool) or int(resamples) != resamples or resamples < 0:
        raise ValueError(f"resamples must be a whole number >= 0, not {resamples!r}")
    resamples = int(resamples)
    used, outcome = outcomes(preference, rule)
    _, items = unique_codes(item_codes)
    n_items = int(items.max()) + 1 if items.size else 0
    has_length = np.isfinite(length_a) & np.isfinite(length_b)
    notes: list[str] = []
    missing = int((used & ~has_length).sum())
    if missing:
        notes.append(f"{missing} judgments without both output lengths are left out")
    used &= has_length
    n = int(used.sum())
    if n == 0:
        notes.append("no judgments to fit")
        return LengthControlled(None, None, None, None, _covariate(None), 0, "; ".join(notes))

    y = outcome[used]
    difference = (length_b - length_a)[used]
    design = _design(items[used], n_items, difference, y)
    raw = float(y.mean())
    varied = design.difference.size > 1
    sd = float(difference.std()) if varied else 1.0  # ddof 0; > 0 when the differences vary
    trials, wins = design.trials[None], design.wins[None]
    rate, coefficient = (float(v[0]) for v in equal_length_fit(trials, wins, design.difference, sd))
    if not varied:
        only = float(design.difference[0])
        if only == 0:
            notes.append(f"all {n} judgments compare outputs of equal length: nothing to control for, "
                         "the length-controlled win rate is the raw one")
        else:
            notes.append(f"system_b's output is {only:+.4g} characters longer than system_a's in every judgment: "
                         "length and system cannot be told apart, so there is no win rate at equal length")
    else:
        low, high = design.difference[:1], design.difference[-1:]
        separated = bool(_separation(trials, wins, design.difference, low, high)[0][0])
        if separated:
            if raw == 1:
                what = "every judgment favours system_b"
            elif raw == 0:
                what = "every judgment favours system_a"
            else:
                what = "the length difference separates system_b's wins from its losses"
            outcome_of_limit = (f"the win rate at equal length is the limit {rate:.3g}" if np.isfinite(rate)
                                else "the data do not determine the win rate at equal length")
            notes.append(f"{what}: the logistic fit has no finite solution and {outcome_of_limit}")
        elif not np.isfinite(rate):
            notes.append("Newton's method did not converge: no length-controlled win rate")
        rarer = min(float(y.sum()), n - float(y.sum()))
        if rarer < MIN_RARER_OUTCOME and not separated:
            notes.append(f"only {rarer:g} judgments in the rarer outcome (fewer than {MIN_RARER_OUTCOME}): "
                         "the length coefficient is unstable")

    ci = None
    if resamples > 0 and np.isfinite(rate):
        start = np.array([logit(rate), coefficient]) if np.isfinite(coefficient) else None
        ci = _interval(resampled_win_rates(design, sd, resamples, rng, start), notes)
    return LengthControlled(
        win_rate_b=rate if np.isfinite(rate) else None,
        ci=ci,
        raw_win_rate_b=raw,
        length_coefficient=coefficient if np.isfinite(coefficient) else None,
        covariate=_covariate(sd if varied else None),
        n=n,
        warning="; ".join(notes) if notes else None,
    )
