"""Small samples are honest: each situation built from its description, through ``analyze``.

* Below the minimum number of items every interval the comparison section and the slices report is null,
  with a warning, never a point; Fleiss' kappa / AC1 are the agreement module's (not checked here).
* Five items all favouring system_b: the Wilcoxon p-value is the exact 2 / 2⁵ = 0.0625 (scipy agrees), not 0.025.
* The power message never says "split evenly" when every non-even item favours one side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evalstore.analysis import analyze
from evalstore.stats.inference import FEW_ITEMS, MIN_ITEMS


def judgments(per_item: list[list[int]], categories: list[str] | None = None) -> pd.DataFrame:
    rows = []
    for i, prefs in enumerate(per_item):
        for k, p in enumerate(prefs):
            row = {"item_id": f"q{i:03d}", "rater_id": f"r{k}", "system_a": "base", "system_b": "finetuned",
                   "preference": p, "left_system": "base" if (i + k) % 2 else "finetuned"}
            if categories:
                row["category"] = categories[i]
            rows.append(row)
    return pd.DataFrame(rows)


def test_one_item_gives_no_interval_anywhere_and_says_why():
    result = analyze(judgments([[1, 1, -1]]), resamples=200)
    c = result["comparisons"][0]
    assert c["win_rate_b"] == pytest.approx(2 / 3)
    assert c["win_rate_b_ci"] is None and c["mean_preference_ci"] is None and c["win_rate_b_wilson_ci"] is None
    for entry in result["tie_sensitivity"]:
        assert entry["win_rate_b_ci"] is None and entry["p_value"] is None
    assert result["headline"][0]["win_rate_b_ci"] is None and result["headline"][0]["winner"] is None
    said = [w for w in result["warnings"] if "win_rate_b_ci" in w]
    assert said and f"at least {MIN_ITEMS} items" in said[0] and "1 item" in said[0]
    assert any("mean_preference_ci" in w for w in result["warnings"])


@pytest.mark.parametrize("n_items", range(1, MIN_ITEMS))
def test_below_the_minimum_no_interval_is_a_point(n_items):
    result = analyze(judgments([[1, 1, 1]] * n_items), resamples=100)
    c = result["comparisons"][0]
    assert c["win_rate_b_ci"] is None and c["mean_preference_ci"] is None and c["win_rate_b_wilson_ci"] is None


def test_five_items_all_for_b_wilcoxon_and_sign_test_are_exact():
    data = judgments([[1, 1, 1], [1, 1, 0], [1, 1, 1], [1, 0, 1], [1, 1, 1]])
    c = analyze(data, resamples=0)["comparisons"][0]
    item_means = np.array([1, 2 / 3, 1, 2 / 3, 1])
    assert c["wilcoxon_p"] == 0.0625 == pytest.approx(2 / 2**5)
    assert c["sign_test_p"] == 0.0625
    # scipy's normal approximation (the old figure) would call it significant
    assert stats.wilcoxon(item_means, method="approx", correction=False).pvalue < 0.05
    assert c["win_rate_b_ci"] is None  # five items: below the minimum, and not even 5 of 5 is significant


def test_six_items_all_one_way_get_the_exact_bound_not_a_point():
    c = analyze(judgments([[1, 1, 1]] * 6), resamples=0)["comparisons"][0]
    cp = stats.binomtest(6, 6).proportion_ci(method="exact")
    assert c["win_rate_b_ci"] == pytest.approx([cp.low, cp.high], rel=1e-12)
    assert c["mean_preference_ci"] is None  # every judgment +1: no spread, no t interval


def test_few_items_get_the_interval_with_a_coverage_warning():
    rng = np.random.default_rng(2)
    per_item = [[int(v) for v in rng.choice([-1, 0, 1], size=3, p=[0.3, 0.3, 0.4])] for _ in range(8)]
    result = analyze(judgments(per_item), resamples=0)
    c = result["comparisons"][0]
    assert c["win_rate_b_ci"] is not None and c["win_rate_b_ci"][0] < c["win_rate_b_ci"][1]
    assert any("win_rate_b_ci: only 8 items: treat this 95 % interval as approximate" in w for w in result["warnings"])
    enough = analyze(judgments(per_item * 2), resamples=0)
    assert 16 >= FEW_ITEMS and not any("as approximate" in w for w in enough["warnings"])


def test_small_slices_have_no_interval_and_a_warning():
    per_item = [[1, 1, -1], [1, 0, 1], [-1, 1, 1], [1, 1, 1]] * 5
    categories = ["chat"] * 16 + ["code"] * 4
    result = analyze(judgments(per_item, categories), slices=["category"], resamples=0)
    by_value = {s["value"]: s for s in result["slices"]}
    assert by_value["code"]["win_rate_b_ci"] is None
    assert by_value["chat"]["win_rate_b_ci"] is not None
    assert any(w.startswith("slice category='code'") and "at least" in w for w in result["warnings"])


@pytest.mark.parametrize("n_items, enough", [(5, False), (8, True)])
def test_power_message_when_every_non_even_item_favours_one_side(n_items, enough):
    per_item = [[1, 1, 1], [1, 1, -1]] * (n_items // 2) + [[1, 1, 1]] * (n_items % 2) + [[1, -1, 0]]
    power = analyze(judgments(per_item), resamples=0)["power"]["comparisons"][0]
    message = power["message"]
    assert "split evenly" not in message and "no effect" not in message
    assert f"all {n_items} items that lean either way favour finetuned" in message
    assert "at least 6 such items" in message
    assert power["underpowered"] is (not enough)
    assert ("too few" in message) is (not enough)


def test_power_message_for_system_a_and_for_a_genuine_even_split():
    favour_a = analyze(judgments([[-1, -1, 1]] * 7), resamples=0)["power"]["comparisons"][0]["message"]
    assert "favour base" in favour_a and "split evenly" not in favour_a
    even = analyze(judgments([[1, 1, -1], [-1, -1, 1]] * 5), resamples=0)["power"]["comparisons"][0]["message"]
    assert "split evenly" in even
