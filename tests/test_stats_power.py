"""Sample sizes: the textbook figure, and the exact binomial test reaching the promised power."""

import math

import numpy as np
import pytest
from scipy import stats

from evalstore.stats.power import (
    achieved_power, design_effect_at, nontie_judgments_needed, sign_test_items, sign_test_min_items,
    sign_test_power, study_size,
)


def _exact_binomial_power(p: float, n: int, alpha: float = 0.05) -> float:
    """Power of the exact two-sided binomial test at n trials, summed over the outcomes it rejects.

    Against 0.5 the distribution is symmetric, so the two-sided exact p-value is twice the smaller tail.
    """
    k = np.arange(n + 1)
    p_values = np.minimum(1.0, 2 * np.minimum(stats.binom.cdf(k, n, 0.5), stats.binom.sf(k - 1, n, 0.5)))
    return float(stats.binom.pmf(k[p_values <= alpha], n, p).sum())


def test_exact_power_helper_agrees_with_scipy_binomtest():
    n = 60
    reject = [k for k in range(n + 1) if stats.binomtest(k, n, 0.5).pvalue <= 0.05]
    assert _exact_binomial_power(0.6, n) == pytest.approx(float(stats.binom.pmf(reject, n, 0.6).sum()), rel=1e-12)


def test_textbook_value_for_sixty_percent():
    # n = ((1.96·0.5 + 0.8416·√0.24) / 0.1)² = 193.85 → 194
    z_a, z_b = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    by_hand = ((z_a * 0.5 + z_b * math.sqrt(0.24)) / 0.1) ** 2
    assert nontie_judgments_needed(0.60, continuity_correction=False) == pytest.approx(by_hand, rel=1e-12)
    assert math.ceil(by_hand) == 194
    # Continuity correction, one-sample form: n/4 (1 + sqrt(1 + 2 / (n |p - 0.5|)))²
    corrected = by_hand / 4 * (1 + math.sqrt(1 + 2 / (by_hand * 0.1))) ** 2
    assert nontie_judgments_needed(0.60) == pytest.approx(corrected, rel=1e-12)


@pytest.mark.parametrize("p", [0.55, 0.60, 0.65, 0.70, 0.35])
def test_exact_binomial_test_reaches_about_eighty_percent(p):
    # The headline test is exact; its power saw-tooths with n, so look at n and its neighbours.
    n = math.ceil(nontie_judgments_needed(p))
    window = [_exact_binomial_power(p, m) for m in range(n - 3, n + 4)]
    assert sum(window) / len(window) == pytest.approx(0.80, abs=0.03)
    assert _exact_binomial_power(p, n) == pytest.approx(0.80, abs=0.05)


def test_uncorrected_size_falls_short_for_the_exact_test():
    # Why the correction is there: at the uncorrected n the exact test stays clearly under 80 % on average.
    n = math.ceil(nontie_judgments_needed(0.65, continuity_correction=False))
    window = [_exact_binomial_power(0.65, m) for m in range(n - 3, n + 4)]
    assert sum(window) / len(window) < 0.78


def test_needed_is_symmetric_and_none_without_effect():
    assert nontie_judgments_needed(0.4) == pytest.approx(nontie_judgments_needed(0.6))
    assert nontie_judgments_needed(0.5) is None
    assert nontie_judgments_needed(1.0) is None


def test_achieved_power_inverts_needed():
    for p in (0.55, 0.6, 0.7):
        assert achieved_power(p, nontie_judgments_needed(p)) == pytest.approx(0.8, abs=1e-5)  # + the far tail
        n = nontie_judgments_needed(p, continuity_correction=False)
        assert achieved_power(p, n, continuity_correction=False) == pytest.approx(0.8, abs=1e-5)
    assert achieved_power(0.5, 100, continuity_correction=False) == pytest.approx(0.05, abs=1e-9)  # at the null: the size


def test_ties_and_design_effect_scale_the_judgments():
    base_items, base_judgments = study_size(0.6, 0.0, 1.0, 1)
    items, judgments = study_size(0.6, 0.2, 1.5, 3)
    n = nontie_judgments_needed(0.6)
    assert judgments >= n / 0.8 * 1.5
    assert items == math.ceil(n / 0.8 * 1.5 / 3)
    assert (base_items, base_judgments) == (204, 204)


def test_design_effect_moves_with_judgments_per_item_by_kish():
    # deff = 1 + (J - 1) rho; at J = 3, deff 1.4 → rho 0.2 → at J = 5, 1.8.
    assert design_effect_at(1.4, 3, 5) == pytest.approx(1.8)
    assert design_effect_at(1.4, 1, 5) == 1.4
    assert design_effect_at(1.4, 3, 3) == 1.4


def test_study_size_undefined_cases():
    assert study_size(0.5, 0.1, 1.0, 3) is None
    assert study_size(0.6, 1.0, 1.0, 3) is None


@pytest.mark.parametrize("share, even", [(0.62, 0.15), (0.58, 0.3)])
def test_sign_test_power_against_the_exact_test(share, even):
    # Exact power of the sign test over N items: the number of non-even items K ~ Bin(N, 1 - even), then the
    # exact binomial test on K items with share `share`.
    n_items = sign_test_items(share, even)
    k = np.arange(n_items + 1)
    weights = stats.binom.pmf(k, n_items, 1 - even)
    keep = weights > 1e-9
    exact = sum(w * _exact_binomial_power(share, int(m)) for w, m in zip(weights[keep], k[keep]) if m > 0)
    assert exact == pytest.approx(0.80, abs=0.03)
    assert sign_test_power(share, even, n_items) == pytest.approx(0.80, abs=0.01)


def test_sign_test_items_undefined_cases():
    assert sign_test_items(0.5, 0.1) is None
    assert sign_test_items(0.6, 1.0) is None
    assert sign_test_items(1.0, 1.0) is None


def test_sign_test_min_items_is_the_first_n_scipy_can_reject_with():
    first = next(n for n in range(1, 30) if stats.binomtest(n, n, 0.5).pvalue < 0.05)
    assert sign_test_min_items() == first == 6
    assert sign_test_min_items(0.01) == next(n for n in range(1, 30) if stats.binomtest(n, n, 0.5).pvalue < 0.01)


@pytest.mark.parametrize("share", [1.0, 0.0])
@pytest.mark.parametrize("even", [0.0, 0.3, 0.5])
def test_every_item_one_way_sizes_the_study_exactly(share, even):
    # With every non-even item on one side the normal approximation has nothing to work with; the exact power
    # over N items is Σ_k P(K = k) · power of the exact test on k items all one way, K ~ Bin(N, 1 - even).
    def exact(n_items):
        k = np.arange(n_items + 1)
        weights = stats.binom.pmf(k, n_items, 1 - even)
        return sum(w * _exact_binomial_power(share, int(m)) for w, m in zip(weights, k) if m > 0)

    n = sign_test_items(share, even)
    assert exact(n) >= 0.8 > exact(n - 1)
    assert sign_test_power(share, even, n) == pytest.approx(exact(n), rel=1e-9)
    assert sign_test_power(share, even, 5) == pytest.approx(exact(5), abs=1e-12) == 0.0
