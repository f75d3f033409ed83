"""Regression triage: items where the baseline wins by consensus, with texts and rationales, unblinded."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from evalstore.demo import SAMPLE_DIR
from evalstore.triage import find_regressions, regression_triage, triage_frame


def _table(rows):
    return pd.DataFrame.from_records(
        rows, columns=["item_id", "rater_id", "criterion", "system_a", "system_b", "preference", "rationale"])


def test_consensus_rule_on_hand_made_items():
    rows = [
        # i1: 2 of 3 prefer the baseline -> regression
        ("i1", "r1", "overall", "base", "ft", -1, "left misses the point"),
        ("i1", "r2", "overall", "base", "ft", -1, ""),
        ("i1", "r3", "overall", "base", "ft", 1, "ft is fine"),
        # i2: 1 of 2 -> not more than half
        ("i2", "r1", "overall", "base", "ft", -1, ""),
        ("i2", "r2", "overall", "base", "ft", 1, ""),
        # i3: all three for the baseline, strongest
        ("i3", "r1", "overall", "base", "ft", -1, "a"),
        ("i3", "r2", "overall", "base", "ft", -1, "b"),
        ("i3", "r3", "overall", "base", "ft", -1, "c"),
        # i4: one judgment only: no consensus with min_judgments=2
        ("i4", "r1", "overall", "base", "ft", -1, ""),
        # i5: two skipped, one for the baseline: one answered judgment only
        ("i5", "r1", "overall", "base", "ft", None, "skipped"),
        ("i5", "r2", "overall", "base", "ft", None, ""),
        ("i5", "r3", "overall", "base", "ft", -1, ""),
        # i6: majority ties
        ("i6", "r1", "overall", "base", "ft", 0, ""),
        ("i6", "r2", "overall", "base", "ft", 0, ""),
        ("i6", "r3", "overall", "base", "ft", -1, ""),
    ]
    found = find_regressions(_table(rows), "base")
    assert [r.item_id for r in found] == ["i3", "i1"]
    i1 = found[1]
    assert (i1.n_judgments, i1.prefer_baseline, i1.ties, i1.prefer_system) == (3, 2, 0, 1)
    assert i1.mean_preference == pytest.approx(-1 / 3)
    assert i1.baseline == "base" and i1.system == "ft"
    assert [(v.rater_id, v.preference, v.rationale) for v in i1.verdicts] == [
        ("r1", -1, "left misses the point"), ("r2", -1, ""), ("r3", 1, "ft is fine")]
    # one judgment is enough when asked
    assert {r.item_id for r in find_regressions(_table(rows), "base", min_judgments=1)} == {"i1", "i3", "i4", "i5"}
    # excluding a rater is a what-if: without r3, i1 is 2 of 2 and i2 stays 1 of 2
    without = find_regressions(_table(rows), "base", exclude_raters=["r3"])
    assert {r.item_id for r in without} == {"i1", "i3"}
    assert next(r for r in without if r.item_id == "i1").n_judgments == 2


def test_five_point_majority_needs_a_negative_mean_and_orientation_is_read_both_ways():
    rows = [
        # two mild votes for the baseline, one strong vote for ft: mean 0 -> not a regression
        ("i1", "r1", "overall", "base", "ft", -1, ""),
        ("i1", "r2", "overall", "base", "ft", -1, ""),
        ("i1", "r3", "overall", "base", "ft", 2, ""),
        # the same pair written the other way round (baseline as system_b): +2 = the baseline better
        ("i2", "r1", "overall", "ft", "base", 2, ""),
        ("i2", "r2", "overall", "ft", "base", 1, ""),
        # another pair without the baseline is ignored
        ("i3", "r1", "overall", "ft", "other", 2, ""),
        ("i3", "r2", "overall", "ft", "other", 2, ""),
    ]
    found = find_regressions(_table(rows), "base")
    assert [(r.item_id, r.system, r.mean_preference) for r in found] == [("i2", "ft", -1.5)]
    assert [v.preference for v in found[0].verdicts] == [-2, -1]


def test_criteria_are_separate():
    rows = [("i1", r, c, "base", "ft", p, "") for r in ("r1", "r2")
            for c, p in (("accuracy", -1), ("style", 1))]
    found = find_regressions(_table(rows), "base")
    assert [(r.item_id, r.criterion) for r in found] == [("i1", "accuracy")]
    assert find_regressions(_table(rows), "base", criterion="style") == []


def test_demo_study_triage_matches_a_hand_count_and_is_unblinded(demo_study):
    # Hand count from the sample judgments file with the csv module: item -> list of preferences
    prefs: dict[str, list[int]] = {}
    with (SAMPLE_DIR / "judgments.csv").open(encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            if rec["preference"] != "":
                prefs.setdefault(rec["item_id"], []).append(int(float(rec["preference"])))
    expected = {item for item, p in prefs.items()
                if len(p) >= 2 and 2 * sum(x < 0 for x in p) > len(p) and sum(p) < 0}
    assert expected, "the demo set should contain regressions"

    found = regression_triage(demo_study.db, "demo")
    assert {r.item_id for r in found} == expected
    texts = {row["item_id"]: row for row in csv.DictReader((SAMPLE_DIR / "outputs.csv").open(encoding="utf-8"))}
    for r in found:
        assert (r.baseline, r.system) == ("base", "finetuned")
        assert r.prompt == texts[r.item_id]["prompt"]
        assert r.output_baseline == texts[r.item_id]["output_base"]
        assert r.output_system == texts[r.item_id]["output_finetuned"]
        assert r.metadata["category"] == texts[r.item_id]["category"]
        assert r.verdicts and all(v.left_system in ("base", "finetuned") for v in r.verdicts)
    # worst first
    means = [r.mean_preference for r in found]
    assert means == sorted(means)
    table = triage_frame(found)
    assert list(table["item_id"]) == [r.item_id for r in found]
    assert "meta_category" in table.columns
