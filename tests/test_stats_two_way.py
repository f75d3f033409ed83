"""The two-way (pigeonhole) bootstrap over items and raters, against a textbook loop and its first-order theory.

References:
- Owen, A. B. (2007). The pigeonhole bootstrap. Annals of Applied Statistics 1(2), 386-411: draw rows (items) and
  columns (raters) with replacement, independently; a cell is kept as many times as the product of the counts.
- The variance of a linear statistic under that scheme, derived here in the module docstring and checked below
  on simulated data: (1 − 1/J)·ΣR² + (1 − 1/I)·ΣC² + Σz² against ΣR² for the item-only bootstrap.

The reference implementation ``pigeonhole_loop`` builds each resample's judgments one drawn item × drawn rater
at a time from Python dicts and computes the win rate with ``stats.winrates.win_rate``; it shares no code with
the module's matrix products.
"""

from __future__ import annotations

import doctest
import json

import numpy as np
import pytest
from scipy import sparse, stats

from evalstore.stats import two_way
from evalstore.stats.two_way import FEW_RATERS, pigeonhole_sums, rater_sensitivity, ratio_parts
from evalstore.stats.winrates import TIE_RULES, tally, win_rate


def study(seed, n_items=200, n_raters=12, per_item=3, item_sd=0.8, rater_sd=0.0, tie_band=0.4):
    """Simulated preferences: latent = 0.3 + item effect + rater bias + noise, cut into a / tie / b.

    Each item is judged by ``per_item`` distinct raters drawn at random from ``n_raters`` (as evalstore's
    assignment does); ``rater_sd`` > 0 makes raters differ systematically (some lean to system_b).
    """
    rng = np.random.default_rng(seed)
    item_effect = rng.normal(0, item_sd, n_items)
    rater_bias = rng.normal(0, rater_sd, n_raters)
    items = np.repeat(np.arange(n_items), per_item)
    raters = np.concatenate([rng.choice(n_raters, per_item, replace=False) for _ in range(n_items)])
    latent = 0.3 + item_effect[items] + rater_bias[raters] + rng.normal(0, 1, len(items))
    preference = np.where(latent > tie_band, 1.0, np.where(latent < -tie_band, -1.0, 0.0))
    return items, raters, preference


def pigeonhole_loop(items, raters, preference, rule, resamples, rng):
    """Textbook pigeonhole bootstrap: draw items and raters by index, collect the drawn cells' judgments."""
    item_ids, rater_ids = sorted(set(items.tolist())), sorted(set(raters.tolist()))
    cells: dict[tuple, list[float]] = {}
    for i, j, p in zip(items.tolist(), raters.tolist(), preference.tolist()):
        cells.setdefault((i, j), []).append(p)
    two, only = [], []
    for _ in range(resamples):
        drawn_items = [item_ids[k] for k in rng.integers(0, len(item_ids), len(item_ids))]
        drawn_raters = [rater_ids[k] for k in rng.integers(0, len(rater_ids), len(rater_ids))]
        kept = [p for i in drawn_items for j in drawn_raters for p in cells.get((i, j), [])]
        kept_items_only = [p for i in drawn_items for j in rater_ids for p in cells.get((i, j), [])]
        for sink, judgments in ((two, kept), (only, kept_items_only)):
            judgments = np.array(judgments)
            totals = np.array([(judgments < 0).sum(), (judgments == 0).sum(), (judgments > 0).sum(), len(judgments), 0])
            sink.append(float(win_rate(totals, rule)))
    return np.array(two), np.array(only)


def first_order_widening(items, raters, preference, rule):
    """sqrt of the pigeonhole over the item-only variance of a linear statistic, from the judgments directly."""
    t = tally(np.arange(len(preference)), preference, len(preference))
    numerator, denominator = ratio_parts(t, rule)
    z = numerator - float(win_rate(t.sum(axis=0), rule)) * denominator
    _, item_of = np.unique(items, return_inverse=True)
    _, rater_of = np.unique(raters, return_inverse=True)
    n_items, n_raters = item_of.max() + 1, rater_of.max() + 1
    r2 = (np.bincount(item_of, weights=z) ** 2).sum()
    c2 = (np.bincount(rater_of, weights=z) ** 2).sum()
    return np.sqrt(((1 - 1 / n_raters) * r2 + (1 - 1 / n_items) * c2 + (z**2).sum()) / r2)


def test_doctests():
    result = doctest.testmod(two_way, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5
    assert result.failed == 0


@pytest.mark.parametrize("rule", TIE_RULES)
def test_ratio_parts_are_the_win_rate(rule):
    tallies = np.random.default_rng(1).integers(0, 4, size=(50, 5))
    tallies[:, 3] = tallies[:, :3].sum(axis=1)
    numerator, denominator = ratio_parts(tallies, rule)
    assert numerator.sum() / denominator.sum() == pytest.approx(float(win_rate(tallies.sum(axis=0), rule)), abs=1e-15)


@pytest.mark.parametrize("kind", ["float32", "float64", "sparse"])
def test_pigeonhole_sums_equal_a_loop_over_judgments_with_the_same_draws(kind):
    rng = np.random.default_rng(2)
    n_items, n_raters, resamples = 15, 4, 30
    table = rng.integers(0, 3, size=(n_items, 2 * n_raters)).astype(float)
    table[:, 1::2] += table[:, 0::2]  # denominator >= numerator, as for real judgments
    table[rng.random(table.shape) < 0.3] = 0
    def counts(n):
        return np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(resamples)])

    item_counts, rater_counts = counts(n_items), counts(n_raters)
    given = {"float32": table.astype(np.float32), "float64": table, "sparse": sparse.csr_matrix(table)}[kind]
    two, only = pigeonhole_sums(item_counts, rater_counts, given)
    for r in range(resamples):
        expected_two, expected_only = np.zeros(2), np.zeros(2)
        for i in range(n_items):
            for j in range(n_raters):
                cell = table[i, 2 * j : 2 * j + 2]
                expected_two += item_counts[r, i] * rater_counts[r, j] * cell
                expected_only += item_counts[r, i] * cell
        np.testing.assert_array_equal(two[r], expected_two)
        np.testing.assert_array_equal(only[r], expected_only)


@pytest.mark.parametrize(
    ("design", "rule"),
    [
        # Item by item: 60 items with 3 of 6 raters each are nearly all different.
        (dict(n_items=60, n_raters=6, per_item=3, rater_sd=0.5), "drop"),
        # Few kinds of item (one judgment each, 3 raters × 3 outcomes): the multinomial-over-kinds path.
        (dict(n_items=120, n_raters=3, per_item=1, rater_sd=0.5), "half"),
    ],
)
def test_distribution_matches_the_textbook_loop(design, rule):
    items, raters, preference = study(3, **design)
    loop_two, loop_only = pigeonhole_loop(items, raters, preference, rule, 3000, np.random.default_rng(4))
    table = two_way._judgment_table(*_cells(items, raters, preference, rule))
    assert (two_way._kinds(table) is not None) == (design["per_item"] == 1)  # each path is exercised
    fast_two, fast_only = two_way._resampled_sums(
        table, len(np.unique(items)), len(np.unique(raters)), 3000, np.random.default_rng(5)
    )
    fast_two, fast_only = two_way._rates(fast_two), two_way._rates(fast_only)
    for loop, fast in ((loop_two, fast_two), (loop_only, fast_only)):
        assert stats.ks_2samp(loop, fast).pvalue > 0.001
        # 3000 resamples each: the 2.5 % and 97.5 % quantiles agree to ~2 Monte-Carlo SE.
        np.testing.assert_allclose(np.quantile(fast, [0.025, 0.975]), np.quantile(loop, [0.025, 0.975]), atol=0.02)
    result = rater_sensitivity(items, raters, preference, rule, 3000, np.random.default_rng(6))
    loop_widening = np.ptp(np.quantile(loop_two, [0.025, 0.975])) / np.ptp(np.quantile(loop_only, [0.025, 0.975]))
    assert result.widening == pytest.approx(loop_widening, rel=0.1)


def _cells(items, raters, preference, rule):
    """The arguments of ``two_way._judgment_table`` for these judgments (one judgment per cell here)."""
    _, item_of = np.unique(items, return_inverse=True)
    _, rater_of = np.unique(raters, return_inverse=True)
    t = tally(np.arange(len(preference)), preference, len(preference))
    numerator, denominator = ratio_parts(t, rule)
    return item_of, rater_of, numerator, denominator, item_of.max() + 1, rater_of.max() + 1


@pytest.mark.parametrize("rater_sd", [0.0, 0.6])
def test_bootstrap_widening_follows_the_first_order_variance(rater_sd):
    items, raters, preference = study(7, n_items=300, rater_sd=rater_sd)
    result = rater_sensitivity(items, raters, preference, "drop", 4000, np.random.default_rng(8))
    assert result.widening == pytest.approx(first_order_widening(items, raters, preference, "drop"), rel=0.1)


def test_widening_is_the_baseline_when_raters_are_exchangeable():
    # No rater effect: the pigeonhole interval is still wider (its judgment-noise terms), and by the amount the
    # baseline predicts. Averaged over 8 simulated studies per design to keep the check sharp.
    for design in (dict(), dict(n_raters=4, per_item=4), dict(n_raters=8, per_item=1)):
        ratios, widenings, flagged = [], [], []
        for seed in range(8):
            result = rater_sensitivity(*study(seed, **design), "drop", 2000, np.random.default_rng(100 + seed))
            ratios.append(result.widening / result.widening_if_raters_exchangeable)
            widenings.append(result.widening)
            flagged.append(result.raters_differ)
        assert np.mean(ratios) == pytest.approx(1.0, abs=0.06), design
        assert np.mean(widenings) > 1.15, design
        assert sum(flagged) <= 1, design


def test_widening_exceeds_the_baseline_when_raters_differ_systematically():
    for seed in range(6):
        result = rater_sensitivity(*study(seed, rater_sd=0.6), "drop", 2000, np.random.default_rng(200 + seed))
        assert result.widening > 1.3 * result.widening_if_raters_exchangeable
        assert result.raters_differ
        low, high = result.ci_items_and_raters
        low_items, high_items = result.ci_items_only
        assert low < low_items and high > high_items


def test_every_tie_rule_gives_an_interval_around_its_win_rate():
    items, raters, preference = study(9)
    t = tally(np.arange(len(preference)), preference, len(preference)).sum(axis=0)
    for rule in TIE_RULES:
        result = rater_sensitivity(items, raters, preference, rule, 1000, np.random.default_rng(0))
        for low, high in (result.ci_items_and_raters, result.ci_items_only):
            assert low < float(win_rate(t, rule)) < high


def test_one_rater_gives_nulls_and_a_plain_warning():
    items, _, preference = study(10, n_items=40)
    result = rater_sensitivity(items, np.full(len(items), 7), preference, "drop", 500, np.random.default_rng(0))
    assert result.n_raters == 1 and result.n_items == 40
    assert result.ci_items_and_raters is None and result.widening is None
    assert result.widening_if_raters_exchangeable is None and result.raters_differ is None
    assert "one rater" in result.warning and "rests on this rater alone" in result.warning


def test_few_raters_warn_and_many_do_not():
    few = rater_sensitivity(*study(11, n_raters=FEW_RATERS - 1, per_item=2), "drop", 300, np.random.default_rng(0))
    assert f"only {FEW_RATERS - 1} raters" in few.warning
    many = rater_sensitivity(*study(11, n_raters=FEW_RATERS, per_item=2), "drop", 300, np.random.default_rng(0))
    assert many.warning is None


def test_degenerate_inputs():
    empty = rater_sensitivity(np.array([]), np.array([]), np.array([]), "drop", 100, np.random.default_rng(0))
    assert empty.ci_items_and_raters is None and "no judgments" in empty.warning
    items, raters, preference = study(12, n_items=30)
    none = rater_sensitivity(items, raters, preference, "drop", 0, np.random.default_rng(0))
    assert none.ci_items_only is None and "no bootstrap resamples" in none.warning
    ties = rater_sensitivity(items, raters, np.zeros(len(items)), "drop", 50, np.random.default_rng(0))
    assert ties.ci_items_and_raters is None and ties.undefined == 50 and "only ties" in ties.warning
    assert ties.widening is None and ties.widening_if_raters_exchangeable is None
    with pytest.raises(ValueError, match="NaN"):
        rater_sensitivity(items, raters, np.where(items == 0, np.nan, preference), "drop", 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="same length"):
        rater_sensitivity(items[:-1], raters, preference, "drop", 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="tie_rule"):
        rater_sensitivity(items, raters, preference, "ignore", 10, np.random.default_rng(0))


def test_deterministic_for_a_seed_and_json_ready():
    items, raters, preference = study(13)
    first = rater_sensitivity(items, raters, preference, "half", 500, np.random.default_rng(42)).to_dict()
    assert rater_sensitivity(items, raters, preference, "half", 500, np.random.default_rng(42)).to_dict() == first
    json.dumps(first, allow_nan=False)
    assert set(first) >= {"ci_items_and_raters", "ci_items_only", "widening", "widening_if_raters_exchangeable",
                          "warning"}


def test_codes_need_not_be_dense_and_repeat_judgments_share_a_cell():
    items, raters, preference = study(14, n_items=80)
    dense = rater_sensitivity(items, raters, preference, "drop", 400, np.random.default_rng(3))
    recoded = rater_sensitivity(items * 10 + 5, raters * 3 - 100, preference, "drop", 400, np.random.default_rng(3))
    assert recoded == dense
    # A rater who judged an item twice: both judgments move together (one cell), so the result is defined.
    doubled = rater_sensitivity(
        np.concatenate([items, items[:5]]), np.concatenate([raters, raters[:5]]),
        np.concatenate([preference, preference[:5]]), "drop", 400, np.random.default_rng(3),
    )
    assert doubled.n_items == 80 and doubled.ci_items_and_raters is not None


@pytest.mark.parametrize("design", [dict(n_items=150, n_raters=20), dict(n_items=150, n_raters=3, per_item=1)])
def test_sparse_table_gives_the_same_result_as_the_dense_one(monkeypatch, design):
    # The second design takes the few-kinds path, where the kinds are found on the sparse table.
    items, raters, preference = study(15, **design)
    dense = rater_sensitivity(items, raters, preference, "against_b", 500, np.random.default_rng(9))
    monkeypatch.setattr(two_way, "_DENSE_CELLS", 0)
    table = two_way._judgment_table(*_cells(items, raters, preference, "against_b"))
    assert sparse.issparse(table) and (two_way._kinds(table) is not None) == (design.get("per_item") == 1)
    assert rater_sensitivity(items, raters, preference, "against_b", 500, np.random.default_rng(9)) == dense
