"""How many items a pairwise study needs: power of the test of a win rate against 0.5.

Normal approximation for the one-sample test of a proportion p against p0 = 0.5 with the null variance under
the null and the alternative variance under the alternative (e.g. Fleiss, Levin & Paik 2003, ch. 2):

    n = ((z_{1−α/2} · √(p0 q0) + z_{power} · √(p q)) / (p − p0))²   non-tie judgments, if they were independent,

then continuity-corrected, n' = n/4 · (1 + √(1 + 2 / (n |p − p0|)))² (the one-sample form of Fleiss, Tytun &
Ury 1980), because evalstore's headline test is an exact binomial (sign) test: without the correction the
exact test reaches only ~77 % power at n (tests/test_stats_power.py checks the exact power).

Two corrections turn that into judgments and items of a real study: ties carry no information about the
win rate, so n is divided by the share of non-tie judgments; judgments of one item are correlated, so n is
multiplied by the design effect (Kish 1965, sec. 8.2). Items = judgments / judgments per item. That sizes a
test that uses every judgment's information (a t or Wilcoxon test on items' mean preference does, roughly).

evalstore's headline test is the sign test over items, which only sees which side each item favours. Its
own power follows from the same binomial formula applied to items: the share of non-even items favouring
system_b, with the even items (mean preference 0) dropped (``sign_test_items``). benchmarks/simulate_coverage.py
confirms it: predicted 32 % power at 60 items, simulated 32.4 % ± 1.5 %.
"""

from __future__ import annotations

import math

from .tails import binom_sf, norm_cdf, norm_ppf

ALPHA = 0.05
TARGET_POWER = 0.80
#: Fixed effects reported beside the observed one.
REFERENCE_WIN_RATES = (0.55, 0.60, 0.65)


def nontie_judgments_needed(
    win_rate: float, alpha: float = ALPHA, power: float = TARGET_POWER, continuity_correction: bool = True
) -> float | None:
    """Independent non-tie judgments for a two-sided test of ``win_rate`` against 0.5 to reach ``power``.

    Returns
    -------
    float or None
        Unrounded; None when ``win_rate`` is 0.5 (no effect to detect) or outside (0, 1).

    Examples
    --------
    The textbook figure for 60 % against 50 % at α = 0.05 and 80 % power, about 194 — and 204 with the
    continuity correction that fits an exact test:

    >>> math.ceil(nontie_judgments_needed(0.60, continuity_correction=False)), math.ceil(nontie_judgments_needed(0.60))
    (194, 204)
    """
    if not 0 < win_rate < 1 or win_rate == 0.5:
        return None
    z_alpha = norm_ppf(1 - alpha / 2)
    z_power = norm_ppf(power)
    effect = abs(win_rate - 0.5)
    n = float(((z_alpha * 0.5 + z_power * math.sqrt(win_rate * (1 - win_rate))) / effect) ** 2)
    if continuity_correction:
        n = n / 4 * (1 + math.sqrt(1 + 2 / (n * effect))) ** 2
    return n


def achieved_power(win_rate: float, nontie_judgments: float, alpha: float = ALPHA,
                   continuity_correction: bool = True) -> float | None:
    """Power of the two-sided test against 0.5 with ``nontie_judgments`` independent non-tie judgments.

    Both rejection regions are counted. With the continuity correction the effect shrinks by 1 / (2 n)
    (shift |p − 0.5| √n − 1 / (2 √n)); this is the exact inverse of ``nontie_judgments_needed`` with the
    same setting.

    Examples
    --------
    >>> round(achieved_power(0.60, nontie_judgments_needed(0.60)), 3)
    0.8
    """
    if not 0 < win_rate < 1 or nontie_judgments <= 0:
        return None
    z_alpha = norm_ppf(1 - alpha / 2)
    sd = math.sqrt(win_rate * (1 - win_rate))
    root = math.sqrt(nontie_judgments)
    shift = abs(win_rate - 0.5) * root - (1 / (2 * root) if continuity_correction else 0.0)
    return float(norm_cdf((shift - z_alpha * 0.5) / sd) + norm_cdf((-shift - z_alpha * 0.5) / sd))


def design_effect_at(design_effect: float, observed_per_item: float, target_per_item: float) -> float:
    """Kish's design effect 1 + (J − 1) ρ moved from J = ``observed_per_item`` to ``target_per_item``.

    ρ (the intra-item correlation) is solved from the observed design effect; with one judgment per item
    ρ cannot be estimated and the design effect is kept as observed.

    Examples
    --------
    >>> design_effect_at(1.5, 3, 5)
    2.0
    """
    if observed_per_item <= 1 or target_per_item == observed_per_item:
        return design_effect
    rho = (design_effect - 1) / (observed_per_item - 1)
    return 1 + (target_per_item - 1) * rho


def study_size(
    win_rate: float,
    tie_rate: float,
    design_effect: float,
    judgments_per_item: float,
    alpha: float = ALPHA,
    power: float = TARGET_POWER,
) -> tuple[int, int] | None:
    """Items and judgments needed to detect ``win_rate`` (ties dropped) with the study's ties and clustering.

    Parameters
    ----------
    win_rate : float
        system_b's share of non-tie judgments to detect.
    tie_rate : float
        Share of judgments that are ties (0 <= tie_rate < 1).
    design_effect : float
        Clustered / naive variance of the win rate at ``judgments_per_item``.
    judgments_per_item : float
        Judgments of this comparison per item (the study's overlap).

    Returns
    -------
    (items, judgments) or None
        Rounded up; None when there is nothing to detect or every judgment is a tie.

    Examples
    --------
    No ties, no clustering, one judgment per item: the (continuity-corrected) binomial figure.

    >>> study_size(0.60, 0.0, 1.0, 1)
    (204, 204)
    """
    n = nontie_judgments_needed(win_rate, alpha, power)
    if n is None or not 0 <= tie_rate < 1 or judgments_per_item <= 0:
        return None
    judgments = n / (1 - tie_rate) * design_effect
    items = math.ceil(judgments / judgments_per_item - 1e-9)
    return items, math.ceil(items * judgments_per_item - 1e-9)


def sign_test_min_items(alpha: float = ALPHA) -> int:
    """Fewest non-even items with which the exact two-sided sign test can give p < ``alpha``.

    The smallest p over n items is 2 · 0.5^n (every item one way), so below this nothing can be significant.

    Examples
    --------
    >>> sign_test_min_items(), 2 * 0.5**5, 2 * 0.5**6
    (6, 0.0625, 0.03125)
    """
    n = 1
    while 2 * 0.5**n >= alpha:
        n += 1
    return n


def _one_way(item_share: float) -> bool:
    return item_share in (0.0, 1.0)


def sign_test_items(
    item_share: float, even_share: float, alpha: float = ALPHA, power: float = TARGET_POWER
) -> int | None:
    """Items the sign test over items needs to reach ``power``.

    Parameters
    ----------
    item_share : float
        Share of the items not even that favour system_b (the sign test's binomial proportion).
    even_share : float
        Share of items whose mean preference is 0; the sign test drops them.

    Returns
    -------
    int or None
        None when there is nothing to detect (a share of 0.5) or every item is even. When every non-even
        item favours one side (a share of 0 or 1) the normal approximation does not apply and the count is
        exact: the test rejects exactly when at least ``sign_test_min_items`` items are non-even, so it is the
        fewest items for which that happens with probability ``power`` (the non-even count ~ Bin(items, 1 −
        even_share)).

    Examples
    --------
    >>> sign_test_items(0.60, 0.0), sign_test_items(0.60, 0.5)
    (204, 408)
    >>> sign_test_items(1.0, 0.0), sign_test_items(1.0, 0.5)
    (6, 15)
    """
    if not 0 <= even_share < 1:
        return None
    if _one_way(item_share):
        needed = sign_test_min_items(alpha)
        items = needed
        while binom_sf(needed - 1, items, 1 - even_share) < power:
            items += 1
        return items
    n = nontie_judgments_needed(item_share, alpha, power)
    if n is None:
        return None
    return math.ceil(n / (1 - even_share) - 1e-9)


def sign_test_power(item_share: float, even_share: float, n_items: int, alpha: float = ALPHA) -> float | None:
    """Power of the sign test over ``n_items`` items (normal approximation, continuity-corrected).

    With a share of 0 or 1 it is exact: the probability that at least ``sign_test_min_items`` of the items are
    non-even.

    Examples
    --------
    >>> round(sign_test_power(0.60, 0.0, 204), 2)
    0.8
    >>> sign_test_power(1.0, 0.0, 5), sign_test_power(1.0, 0.0, 6)
    (0.0, 1.0)
    """
    if not 0 <= even_share < 1:
        return None
    if _one_way(item_share):
        return float(binom_sf(sign_test_min_items(alpha) - 1, n_items, 1 - even_share))
    return achieved_power(item_share, n_items * (1 - even_share), alpha)
