"""Bradley–Terry MLE against independent fits: statsmodels GLM and scipy.optimize on the likelihood written out."""

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy.optimize import minimize

from evalstore.stats.ratings import ELO_PER_THETA, bradley_terry, reachability, to_elo


def _random_wins(k, seed, low=1, high=30):
    rng = np.random.default_rng(seed)
    wins = rng.integers(low, high, size=(k, k)).astype(float)
    np.fill_diagonal(wins, 0)
    return wins


def _glm_fit(wins, baseline):
    """Logistic regression on pair proportions: P(i beats j) = logit⁻¹(θ_i − θ_j), θ_baseline = 0."""
    k = len(wins)
    rows, y, weights = [], [], []
    for i in range(k):
        for j in range(i + 1, k):
            n = wins[i, j] + wins[j, i]
            if n == 0:
                continue
            x = np.zeros(k)
            x[i], x[j] = 1.0, -1.0
            rows.append(np.delete(x, baseline))
            y.append(wins[i, j] / n)
            weights.append(n)
    fit = sm.GLM(np.array(y), np.array(rows), family=sm.families.Binomial(), var_weights=np.array(weights))
    return np.insert(fit.fit(tol=1e-13).params, baseline, 0.0)


def _scipy_fit(wins, baseline):
    k = len(wins)

    def negative_log_likelihood(free):
        theta = np.insert(free, baseline, 0.0)
        total = 0.0
        for i in range(k):
            for j in range(k):
                if i != j and wins[i, j]:
                    total -= wins[i, j] * -np.logaddexp(0.0, -(theta[i] - theta[j]))
        return total

    result = minimize(negative_log_likelihood, np.zeros(k - 1), method="BFGS", options={"gtol": 1e-10})
    return np.insert(result.x, baseline, 0.0)


@pytest.mark.parametrize("k, seed, baseline", [(3, 0, 0), (5, 1, 2), (7, 2, 6)])
def test_matches_statsmodels_glm(k, seed, baseline):
    wins = _random_wins(k, seed)
    assert bradley_terry(wins, baseline=baseline) == pytest.approx(_glm_fit(wins, baseline), abs=1e-8)


def test_matches_scipy_minimize_with_half_win_ties():
    wins = _random_wins(4, 3)
    ties = np.random.default_rng(4).integers(0, 6, size=(4, 4))
    ties = np.triu(ties, 1)
    wins = wins + (ties + ties.T) / 2  # a tie is half a win each way
    assert bradley_terry(wins, baseline=1) == pytest.approx(_scipy_fit(wins, 1), abs=1e-5)


def test_two_systems_closed_form():
    theta = bradley_terry(np.array([[0.0, 12.5], [37.5, 0.0]]))
    assert theta[1] == pytest.approx(math.log(37.5 / 12.5), abs=1e-12)
    assert to_elo(theta)[1] == pytest.approx(1000 + 400 * math.log10(3.0), abs=1e-9)


def test_elo_scale():
    assert ELO_PER_THETA == pytest.approx(400 / math.log(10))
    assert to_elo(np.array([0.0, math.log(10)])).tolist() == pytest.approx([1000.0, 1400.0])


def test_batch_equals_one_at_a_time():
    batch = np.stack([_random_wins(4, s) for s in range(6)])
    together = bradley_terry(batch, baseline=0)
    for b in range(6):
        assert together[b] == pytest.approx(bradley_terry(batch[b], baseline=0), abs=1e-10)


def test_unbeaten_system_is_plus_infinity_and_the_rest_fit_without_it():
    wins = _random_wins(4, 7)
    wins[:, 3] = 0  # system 3 never lost
    theta = bradley_terry(wins, baseline=0)
    assert theta[3] == np.inf
    # The others: the MLE of their comparisons among themselves.
    assert theta[:3] == pytest.approx(_glm_fit(wins[:3, :3], 0), abs=1e-8)


def test_winless_system_is_minus_infinity():
    wins = _random_wins(3, 8)
    wins[2, :] = 0
    assert bradley_terry(wins, baseline=0)[2] == -np.inf


def test_unconnected_system_is_undetermined():
    wins = np.zeros((3, 3))
    wins[0, 1] = wins[1, 0] = 5
    theta = bradley_terry(wins, baseline=0)
    assert theta[1] == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(theta[2])


def test_star_design_equals_separate_log_odds():
    # vs-baseline pairing: every system only meets the baseline, so each rating is its own log odds.
    wins = np.zeros((3, 3))
    wins[0, 1], wins[1, 0] = 10, 30
    wins[0, 2], wins[2, 0] = 25, 15
    theta = bradley_terry(wins, baseline=0)
    assert theta[1:] == pytest.approx([math.log(3), math.log(15 / 25)], abs=1e-10)


def test_reachability_transitive_closure():
    wins = np.zeros((1, 4, 4))
    wins[0, 0, 1] = wins[0, 1, 2] = wins[0, 2, 3] = 1
    reach = reachability(wins)[0]
    assert reach[0].all() and not reach[3, :3].any()
