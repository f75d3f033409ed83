"""Bradley–Terry strengths by unregularised maximum likelihood, on the Elo scale.

Model (Bradley & Terry 1952): P(i beats j) = σ(θ_i − θ_j), σ the logistic function. A tie counts as half a
win each way (Davidson 1970 discusses alternatives; half-wins keep the MLE equal to the plain BT fit on
fractional counts). The log-likelihood Σ_ij w_ij log σ(θ_i − θ_j) is concave; we maximise it by Newton's
method with a backtracking (Armijo) line search, vectorised over a batch of win matrices so that all
bootstrap resamples are fitted together. θ is identified by fixing the baseline's θ at 0.

The MLE is finite only when the "beat" graph (an edge i → j when i won at least half a game against j) is
strongly connected (Zermelo 1929; Hunter 2004, assumption 1). Otherwise, in the limit the likelihood is
maximised by pushing every strongly connected component infinitely far from those it never lost (or never
won) against: a system that can reach the baseline along beat edges but not be reached from it is +inf, the
reverse −inf, a system with no path either way has no determined rating (NaN). Inside the baseline's
component the limit of the MLE is the MLE of the comparisons among its members, which is what we fit.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit, log_expit

#: Elo points per unit of θ: a 400-point gap means 10:1 odds (Elo 1978).
ELO_PER_THETA = 400.0 / math.log(10.0)
BASELINE_RATING = 1000.0


def to_elo(theta: np.ndarray) -> np.ndarray:
    """Natural-log strengths (baseline 0) → Elo-scale ratings (baseline 1000).

    Examples
    --------
    >>> float(to_elo(np.array(math.log(10.0))))
    1400.0
    """
    return BASELINE_RATING + ELO_PER_THETA * np.asarray(theta, dtype=np.float64)


def reachability(wins: np.ndarray) -> np.ndarray:
    """Transitive closure of the beat graph: ``reach[..., i, j]`` is True when i = j or a chain of wins leads
    from i to j.

    Parameters
    ----------
    wins : ndarray, shape (B, k, k)
        ``wins[b, i, j]`` = times i beat j (ties already split as halves).

    Returns
    -------
    ndarray of bool, shape (B, k, k)

    Examples
    --------
    >>> reachability(np.array([[[0, 1, 0], [0, 0, 1], [0, 0, 0]]]))[0].astype(int).tolist()
    [[1, 1, 1], [0, 1, 1], [0, 0, 1]]
    """
    k = wins.shape[-1]
    reach = (wins > 0) | np.eye(k, dtype=bool)
    # Squaring doubles the path length covered; ceil(log2 k) squarings reach every path.
    for _ in range(max(1, math.ceil(math.log2(max(k, 2))))):
        reach = np.matmul(reach.astype(np.float64), reach.astype(np.float64)) > 0
    return reach


def _log_likelihood(theta: np.ndarray, wins: np.ndarray) -> np.ndarray:
    diff = theta[:, :, None] - theta[:, None, :]
    return (wins * log_expit(diff)).sum(axis=(1, 2))


def bradley_terry(wins: np.ndarray, baseline: int = 0, tol: float = 1e-10, max_iter: int = 200) -> np.ndarray:
    """Maximum-likelihood Bradley–Terry log-strengths relative to the baseline.

    Parameters
    ----------
    wins : ndarray, shape (k, k) or (B, k, k)
        ``wins[..., i, j]`` = times system i beat system j; a tie adds 0.5 to both ``[i, j]`` and ``[j, i]``.
        The diagonal is ignored.
    baseline : int
        Index of the system whose θ is fixed at 0.
    tol : float
        Stop when no θ moves by more than this in a Newton step.
    max_iter : int

    Returns
    -------
    ndarray of float, shape (k,) or (B, k)
        θ (natural log of the odds against the baseline); +inf / −inf where the MLE is unbounded, NaN where
        the data do not determine it (see the module docstring).

    Examples
    --------
    Two systems: θ_b = log(wins_b / wins_a). 30 wins to 10: log 3.

    >>> theta = bradley_terry(np.array([[0.0, 10.0], [30.0, 0.0]]))
    >>> round(float(theta[1] - math.log(3.0)), 12)
    0.0
    """
    wins = np.asarray(wins, dtype=np.float64)
    single = wins.ndim == 2
    if single:
        wins = wins[None]
    batch, k, _ = wins.shape
    wins = wins * (1 - np.eye(k))
    reach = reachability(wins)
    with_base = reach[:, :, baseline] & reach[:, baseline, :]  # in the baseline's strongly connected component
    inside = with_base[:, :, None] & with_base[:, None, :]
    w = np.where(inside, wins, 0.0)
    n = w + np.swapaxes(w, 1, 2)
    free = with_base.copy()
    free[:, baseline] = False
    theta = np.zeros((batch, k))
    eye = np.eye(k, dtype=bool)
    active = np.flatnonzero(free.any(axis=1))
    for _ in range(max_iter):
        if active.size == 0:
            break
        th, wa, na, fa = theta[active], w[active], n[active], free[active]
        p = expit(th[:, :, None] - th[:, None, :])
        gradient = np.where(fa, (wa - na * p).sum(axis=2), 0.0)
        weight = na * p * (1 - p)
        information = np.where(eye, weight.sum(axis=2)[:, :, None], -weight)  # minus the Hessian
        fixed = ~fa
        # Fixed θ (baseline, systems outside its component): identity rows and columns, zero gradient.
        information = np.where(fixed[:, :, None] | fixed[:, None, :], 0.0, information)
        information = information + np.where(fixed[:, :, None] & eye, 1.0, 0.0)
        step = np.linalg.solve(information, gradient[:, :, None])[:, :, 0]
        slope = (gradient * step).sum(axis=1)
        start = _log_likelihood(th, wa)
        t = np.ones(active.size)
        pending = np.ones(active.size, dtype=bool)
        for _ in range(60):
            candidate = th + t[:, None] * step
            ok = _log_likelihood(candidate, wa) >= start + 1e-4 * t * slope
            pending &= ~ok
            if not pending.any():
                break
            t = np.where(pending, t / 2, t)
        moved = t[:, None] * step
        theta[active] = th + moved
        active = active[np.abs(moved).max(axis=1) > tol]
    above = reach[:, :, baseline] & ~reach[:, baseline, :]
    below = reach[:, baseline, :] & ~reach[:, :, baseline]
    theta = np.where(above, np.inf, np.where(below, -np.inf, np.where(with_base, theta, np.nan)))
    return theta[0] if single else theta
