"""Per-rater statistics and flags on hand-built raters."""

import numpy as np
import pandas as pd
import pytest

from evalstore.stats.raters import (
    ALWAYS_LEFT_SHARE, LOW_AGREEMENT, MIN_JUDGMENTS_FOR_FLAGS, agreement_with_others, rater_summary,
)


def test_agreement_with_others_by_hand():
    # Unit 0: +1 +1 +1 → each sees a +1 majority among the other two and matches.
    # Unit 1: +1 0 -1 → nobody sees a majority.
    # Unit 2: -1 -1 +1 → the +1 rater sees a -1 majority (disagrees); the -1 raters see a split.
    units = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    direction = np.array([1, 1, 1, 1, 0, -1, -1, -1, 1])
    has, match = agreement_with_others(units, direction)
    assert has.tolist() == [True, True, True, False, False, False, False, False, True]
    assert match.tolist() == [True, True, True, False, False, False, False, False, False]


def _frame(rows):
    frame = pd.DataFrame(rows, columns=["rater_id", "unit", "preference", "left_won", "duration_s"])
    frame["gold_preference"] = np.nan
    return frame


def test_flags_and_statistics():
    rows = []
    for unit in range(20):
        truth = 1 if unit % 4 else -1
        # ann and bob agree with the truth and take their time; cat always picks the left output, fast
        rows.append(("ann", unit, truth, float(unit % 2), 60.0))
        rows.append(("bob", unit, truth, float((unit + 1) % 2), 50.0))
        rows.append(("cat", unit, -truth if unit % 3 == 0 else truth, 1.0, 3.0))
        # dan says tie to everything
        rows.append(("dan", unit, 0, np.nan, 40.0))
    result, thresholds = rater_summary(_frame(rows), pd.Series({"dan": 2}))
    by_id = {r["rater_id"]: r for r in result}
    assert [r["rater_id"] for r in result] == ["ann", "bob", "cat", "dan"]
    assert by_id["cat"]["left_share"] == 1.0
    assert "always_left" in by_id["cat"]["flags"] and "too_fast" in by_id["cat"]["flags"]
    assert by_id["dan"]["tie_rate"] == 1.0 and "always_tie" in by_id["dan"]["flags"]
    assert by_id["dan"]["n_skipped"] == 2 and by_id["dan"]["left_share"] is None
    assert by_id["ann"]["flags"] == [] and by_id["ann"]["median_duration_s"] == 60.0
    # ann is compared with the other *unflagged* raters: cat (too_fast, always_left) and dan (always_tie) do
    # not count, so bob alone is the majority on all 20 units, and ann matches him on all of them.
    assert by_id["ann"]["n_with_majority"] == 20 and by_id["ann"]["agreement_with_others"] == 1.0
    # cat departs from the truth on units 0, 3, 6, ... (7 of 20): her disagreements with ann and bob; dan's
    # ties differ from everything. Most disagreements first.
    assert by_id["cat"]["disagreements"] == [
        {"rater_id": "dan", "n_shared": 20, "n_disagree": 20, "in_reference": False},
        {"rater_id": "ann", "n_shared": 20, "n_disagree": 7, "in_reference": True},
        {"rater_id": "bob", "n_shared": 20, "n_disagree": 7, "in_reference": True},
    ]
    assert thresholds["always_left_share"] == ALWAYS_LEFT_SHARE
    assert thresholds["low_agreement"] == LOW_AGREEMENT
    assert thresholds["min_judgments"] == MIN_JUDGMENTS_FOR_FLAGS
    assert thresholds["overall_median_duration_s"] == pytest.approx(45.0)
    assert thresholds["too_fast_median_duration_s"] == pytest.approx(15.0)


def test_low_agreement_and_gold():
    rows = []
    for unit in range(15):
        rows += [("a", unit, 1, np.nan, np.nan), ("b", unit, 1, np.nan, np.nan), ("c", unit, -1, np.nan, np.nan)]
    frame = _frame(rows)
    frame["gold_preference"] = 1.0
    result, thresholds = rater_summary(frame)
    by_id = {r["rater_id"]: r for r in result}
    assert by_id["c"]["agreement_with_others"] == 0.0 and "low_agreement" in by_id["c"]["flags"]
    assert by_id["c"]["gold_accuracy"] == 0.0 and "low_gold_accuracy" in by_id["c"]["flags"]
    assert by_id["a"]["gold_accuracy"] == 1.0 and by_id["a"]["n_gold"] == 15
    assert by_id["a"]["median_duration_s"] is None and thresholds["too_fast_median_duration_s"] is None


def test_few_judgments_are_not_flagged():
    rows = [("x", u, 0, 1.0, 1.0) for u in range(MIN_JUDGMENTS_FOR_FLAGS - 1)]
    rows += [("y", u, 1, 0.0, 100.0) for u in range(MIN_JUDGMENTS_FOR_FLAGS - 1)]
    result, _ = rater_summary(_frame(rows))
    assert all(r["flags"] == [] for r in result)


def test_rater_with_only_skipped_judgments_is_listed():
    rows = [("x", 0, 1, np.nan, np.nan)]
    result, _ = rater_summary(_frame(rows), pd.Series({"z": 3}))
    assert result[-1] == {
        "rater_id": "z", "n_judgments": 0, "n_skipped": 3, "median_duration_s": None, "tie_rate": None,
        "agreement_with_others": None, "n_with_majority": 0, "disagreements": [], "left_share": None,
        "n_sided": 0, "left_share_balanced": None, "position_p_holm": None, "gold_accuracy": None, "n_gold": 0,
        "flags": [],
    }


def test_careful_rater_overlapping_with_two_careless_ones_is_not_flagged():
    # 30 units, each rated by careful (wrong on 3), steady (wrong on 3 others) and two fast raters who
    # always pick the left output, which for them was always system_a. Compared with the majority of all
    # other raters, careful agreed on 30 % and was flagged low_agreement (the two fast raters, who agree
    # with each other, are two of her three others); compared with the other *unflagged* raters (steady),
    # she agrees on 80 %.
    rows = []
    for unit in range(30):
        truth = -1 if unit % 5 == 0 else 1
        rows.append(("careful", unit, -truth if unit % 10 == 3 else truth, np.nan, 60.0))
        rows.append(("steady", unit, -truth if unit % 10 == 7 else truth, np.nan, 50.0))
        rows.append(("fast1", unit, -1, 1.0, 3.0))
        rows.append(("fast2", unit, -1, 1.0, 4.0))
    result, thresholds = rater_summary(_frame(rows))
    by_id = {r["rater_id"]: r for r in result}
    assert "too_fast" in by_id["fast1"]["flags"] and "too_fast" in by_id["fast2"]["flags"]
    careful = by_id["careful"]
    assert careful["flags"] == [] and careful["agreement_with_others"] == pytest.approx(0.8)
    assert careful["n_with_majority"] == 30
    assert careful["disagreements"] == [
        {"rater_id": "fast1", "n_shared": 30, "n_disagree": 21, "in_reference": False},
        {"rater_id": "fast2", "n_shared": 30, "n_disagree": 21, "in_reference": False},
        {"rater_id": "steady", "n_shared": 30, "n_disagree": 6, "in_reference": True},
    ]
    assert by_id["steady"]["flags"] == []
    # the fast raters are still compared with the careful majority, and disagree with it
    assert by_id["fast1"]["agreement_with_others"] == pytest.approx(6 / 24)
    assert "low_agreement" in by_id["fast1"]["flags"]
    assert "too_fast" in thresholds["agreement_reference"]


def test_without_unflagged_others_there_is_no_majority():
    rows = [(r, u, 1, np.nan, d) for u in range(12) for r, d in (("a", 60.0), ("b", 2.0), ("c", 2.5))]
    rows += [(r, u, 1, np.nan, d) for u in range(12, 24) for r, d in (("d", 55.0), ("e", 65.0))]
    result, _ = rater_summary(_frame(rows))
    by_id = {r["rater_id"]: r for r in result}
    # b and c are too fast: a shares units only with them, so a has no majority and no agreement figure
    assert by_id["a"]["n_with_majority"] == 0 and by_id["a"]["agreement_with_others"] is None
    assert by_id["b"]["n_with_majority"] == 12 and by_id["b"]["agreement_with_others"] == 1.0
