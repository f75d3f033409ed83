"""Confidence intervals: Wilson's score interval for a proportion, percentile intervals of bootstrap samples.

Every interval is a 2-element list ``[low, high]`` of plain floats; an end that is undefined or unbounded is
``None`` (JSON has no NaN or Infinity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from .tails import norm_ppf

LEVEL = 0.95


def _plain(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def wilson_interval(successes: int, n: int, level: float = LEVEL) -> list[float] | None:
    """Wilson's (1927) score interval for a binomial proportion.

    Treats the ``n`` trials as independent. For judgments clustered in items that is the *naive* interval:
    evalstore reports it only beside the item-clustered interval (``stats.inference``), for comparison.

    Parameters
    ----------
    successes, n : int
        Number of successes and of trials (0 <= successes <= n).
    level : float
        Two-sided confidence level.

    Returns
    -------
    list of float or None
        ``[low, high]``; None when ``n == 0``.

    Examples
    --------
    Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, example 1:
    81 of 263, Wilson interval 0.2553 to 0.3662.

    >>> [round(x, 4) for x in wilson_interval(81, 263)]
    [0.2553, 0.3662]
    """
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, not {successes}")
    z = float(norm_ppf(0.5 + level / 2))
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # Clip the rounding error at the bounds (e.g. 1.0000000000000002 for p = 1).
    return [max(0.0, centre - half), min(1.0, centre + half)]


@dataclass(frozen=True)
class BootstrapInterval:
    """A percentile interval and how many resamples it could not use.

    ``undefined`` counts resamples where the statistic was NaN (e.g. a win rate in a resample that drew only
    ties); they are left out of the percentiles and reported in a warning.
    """

    interval: list[float | None] | None
    undefined: int
    resamples: int


def percentile_interval(samples: np.ndarray, level: float = LEVEL) -> BootstrapInterval:
    """Percentile bootstrap interval (Efron & Tibshirani 1993, ch. 13) of the defined resamples.

    Parameters
    ----------
    samples : ndarray of float, shape (R,)
        The statistic on each bootstrap resample. NaN = undefined in that resample (dropped);
        ±inf = unbounded (kept: an end of the interval that falls on them is None).
    level : float
        Two-sided confidence level.

    Returns
    -------
    BootstrapInterval
        ``interval`` is None when no resample is defined.

    Examples
    --------
    >>> [round(x, 9) for x in percentile_interval(np.arange(101.0)).interval]
    [2.5, 97.5]
    >>> percentile_interval(np.array([1.0, np.nan, 3.0])).undefined
    1
    """
    samples = np.asarray(samples, dtype=np.float64)
    defined = samples[~np.isnan(samples)]
    undefined = int(samples.size - defined.size)
    if defined.size == 0:
        return BootstrapInterval(None, undefined, int(samples.size))
    tail = (1 - level) / 2
    # method="linear" (numpy's default, Hyndman & Fan type 7), pinned so a numpy change cannot move it.
    with np.errstate(invalid="ignore"):
        low, high = np.quantile(defined, [tail, 1 - tail], method="linear")
    return BootstrapInterval([_plain(low), _plain(high)], undefined, int(samples.size))
