"""Study rounds: change in win rate between two studies on the same items, paired item bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalstore.errors import EvalstoreError
from evalstore.rounds import compare_rounds, compare_study_rounds


def _round(rng, n_items, shift, system_b, *, raters=3, item_effect=None, prefix="q"):
    """Synthetic 3-point judgments: each item has a difficulty shared by both rounds (``item_effect``)."""
    rows = []
    for i in range(n_items):
        for r in range(raters):
            latent = item_effect[i] + shift + rng.normal(0, 0.5)
            pref = -1 if latent < -0.3 else (1 if latent > 0.3 else 0)
            rows.append({"item_id": f"{prefix}{i:03d}", "rater_id": f"r{r}", "criterion": "overall",
                         "system_a": "base", "system_b": system_b, "preference": pref})
    return pd.DataFrame(rows)


def _reference_paired_interval(first, second, resamples, seed):
    """Plain loop over resamples, written from the definition (no shared code with evalstore.rounds)."""
    items = sorted(set(first["item_id"]) & set(second["item_id"]))
    by_item = []
    for frame in (first, second):
        g = frame.groupby("item_id")["preference"]
        by_item.append({i: (int((g.get_group(i) < 0).sum()), int((g.get_group(i) > 0).sum())) for i in items})
    rng = np.random.default_rng(seed)
    changes = []
    for _ in range(resamples):
        draw = rng.integers(0, len(items), len(items))
        rates = []
        for counts in by_item:
            wa = sum(counts[items[k]][0] for k in draw)
            wb = sum(counts[items[k]][1] for k in draw)
            rates.append(wb / (wa + wb))
        changes.append(rates[1] - rates[0])
    return np.quantile(changes, [0.025, 0.975])


def test_change_and_paired_interval_match_a_plain_loop():
    rng = np.random.default_rng(1)
    effect = rng.normal(0, 1.0, 80)
    first = _round(rng, 80, 0.1, "ckpt1", item_effect=effect)
    second = _round(rng, 80, 0.5, "ckpt2", item_effect=effect)
    out = compare_rounds(first, second, names=("ckpt1", "ckpt2"), seed=3, resamples=2000)
    (change,) = out["changes"]
    assert (change["system_b_1"], change["system_b_2"], change["n_shared_items"]) == ("ckpt1", "ckpt2", 80)

    def rate(frame):
        return (frame["preference"] > 0).sum() / (frame["preference"] != 0).sum()

    assert change["win_rate_b_1"] == pytest.approx(rate(first))
    assert change["win_rate_b_2"] == pytest.approx(rate(second))
    assert change["change"] == pytest.approx(rate(second) - rate(first))
    low, high = _reference_paired_interval(first, second, 2000, seed=11)
    # two Monte Carlo estimates of the same percentiles, 2000 resamples each
    assert change["change_ci"][0] == pytest.approx(low, abs=0.025)
    assert change["change_ci"][1] == pytest.approx(high, abs=0.025)
    assert change["change_ci"][0] > 0  # the second checkpoint is clearly better here


def test_pairing_makes_the_interval_narrower_than_independent_resampling():
    rng = np.random.default_rng(2)
    effect = rng.normal(0, 1.5, 60)  # items differ a lot: pairing removes that variance
    first = _round(rng, 60, 0.0, "ft", item_effect=effect)
    second = _round(rng, 60, 0.2, "ft", item_effect=effect)
    paired = compare_rounds(first, second, seed=0, resamples=2000)["changes"][0]
    # independent resampling: each round's own interval half-widths combined in quadrature
    w1 = (paired["win_rate_b_1_ci"][1] - paired["win_rate_b_1_ci"][0]) / 2
    w2 = (paired["win_rate_b_2_ci"][1] - paired["win_rate_b_2_ci"][0]) / 2
    paired_half = (paired["change_ci"][1] - paired["change_ci"][0]) / 2
    assert paired_half < 0.8 * np.hypot(w1, w2)


def test_only_shared_items_count_and_identical_rounds_change_nothing():
    rng = np.random.default_rng(4)
    effect = rng.normal(0, 1, 30)
    first = _round(rng, 30, 0.3, "ft", item_effect=effect)
    same = compare_rounds(first, first, seed=0, resamples=200)["changes"][0]
    assert same["change"] == 0.0 and same["change_ci"] == [0.0, 0.0]

    extra = _round(rng, 10, -2.0, "ft", item_effect=np.zeros(10), prefix="new")
    second = pd.concat([first, extra], ignore_index=True)
    out = compare_rounds(first, second, seed=0, resamples=200)
    entry = out["changes"][0]
    assert (entry["n_shared_items"], entry["n_items_1"], entry["n_items_2"]) == (30, 30, 40)
    assert entry["change"] == 0.0  # the new items, all losses, are not shared and do not count
    assert any("one round only" in w for w in out["warnings"])


def test_tie_rules_seed_and_exclusion():
    rng = np.random.default_rng(5)
    effect = rng.normal(0, 1, 40)
    first = _round(rng, 40, 0.0, "ft", item_effect=effect)
    second = _round(rng, 40, 0.4, "ft", item_effect=effect)
    half = compare_rounds(first, second, tie_rule="half", seed=1, resamples=300)["changes"][0]
    n1 = len(first)
    expected = ((first["preference"] > 0).sum() + (first["preference"] == 0).sum() / 2) / n1
    assert half["win_rate_b_1"] == pytest.approx(expected)
    again = compare_rounds(first, second, tie_rule="half", seed=1, resamples=300)["changes"][0]
    assert again == half
    without = compare_rounds(first, second, exclude_raters=["r0"], seed=1, resamples=300)["changes"][0]
    assert without["n_judgments_1"] == n1 - 40
    with pytest.raises(EvalstoreError):
        compare_rounds(first, second, tie_rule="coin")


def test_two_studies_of_one_database(make_study, fresh_db):
    from analysis_helpers import rate_all

    first = make_study(name="round1", n_items=6, raters=2)
    second = make_study(name="round2", n_items=6, raters=2)
    empty = compare_study_rounds(fresh_db, "round1", "round2", resamples=50)
    # nothing judged yet: said in a warning rather than a crash
    assert empty["changes"] == [] and empty["warnings"]
    # round 1: the fine-tune wins the odd items only; round 2: every item
    rate_all(fresh_db, first, lambda k, rater, left: 1 if k % 2 else -1)
    rate_all(fresh_db, second, lambda k, rater, left: 1)
    out = compare_study_rounds(fresh_db, "round1", "round2", resamples=200)
    assert out["rounds"] == ["round1", "round2"]
    (entry,) = out["changes"]
    assert entry["n_shared_items"] == 6 and entry["n_judgments_1"] == 12
    assert (entry["win_rate_b_1"], entry["win_rate_b_2"], entry["change"]) == (0.5, 1.0, 0.5)
    assert entry["change_ci"][0] <= 0.5 <= entry["change_ci"][1]
