"""Verdicts that cannot mislead: each situation built from its description, with the sound answer asserted.

* The headline's number, interval and test are one estimand (the win rate over judgments); when the item
  view (share of prompts) disagrees, the sentence says so, and no winner sits beside an interval that
  contains one half or lies on the losing side.
* Tie rules bound conclusions about system_b: under ``against_b`` a tie is a loss for system_b in every
  statistic, and ties alone never make system_a the winner.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from evalstore.analysis import analyze
from evalstore.reports.markdown import render_markdown
from evalstore.reports import ReportContext, render_html

RESAMPLES = 1000


def judgments(per_item: list[list[int]], *, a: str = "base", b: str = "finetuned") -> pd.DataFrame:
    """One row per judgment; rater k of each item is rater ``r{k}``; sides alternate (counterbalanced)."""
    rows = []
    for i, prefs in enumerate(per_item):
        for k, p in enumerate(prefs):
            rows.append({"item_id": f"q{i:03d}", "rater_id": f"r{k}", "system_a": a, "system_b": b,
                         "preference": p, "left_system": a if (i + k) % 2 else b})
    return pd.DataFrame(rows)


def assert_never_contradicts(entry: dict) -> None:
    """A named winner's interval lies wholly on its side of one half, and its test rejects one half."""
    if entry["winner"] is None:
        return
    low, high = entry["win_rate_b_ci"]
    assert entry["p_value"] < 0.05
    if entry["winner"] == entry["system_b"]:
        assert low > 0.5 and entry["win_rate_b"] > 0.5
    else:
        assert high < 0.5 and entry["win_rate_b"] < 0.5


def test_slightly_better_on_most_prompts_clearly_worse_on_a_few_names_no_winner():
    # 42 prompts lean to the fine-tune 2:1, 18 prompts go 3:0 to the base model
    data = judgments([[1, 1, -1]] * 42 + [[-1, -1, -1]] * 18)
    result = analyze(data, resamples=RESAMPLES, seed=3)
    head = result["headline"][0]
    assert head["win_rate_b"] == pytest.approx(84 / 180)
    assert head["item_share_b"] == pytest.approx(42 / 60)
    assert head["sign_test_p"] == pytest.approx(binomtest(42, 60).pvalue)
    assert head["sign_test_p"] < 0.01  # the item view alone would name the fine-tune
    assert head["winner"] is None and not head["significant"]
    assert head["item_winner"] == "finetuned" and head["views_agree"] is False
    low, high = head["win_rate_b_ci"]
    assert low < 0.5 < high
    sentence = head["sentence"]
    assert "finetuned is preferred on 70 % of the prompts" in sentence
    assert "no overall winner" in sentence and "beats" not in sentence
    # the same words in every surface
    assert sentence in render_markdown(result)
    assert sentence.replace("'", "&#x27;") in render_html(result, ReportContext(generated_at="x"))


def test_a_winner_is_named_only_with_its_own_interval_on_its_side():
    rng = np.random.default_rng(1)
    for share in (0.35, 0.45, 0.5, 0.55, 0.62, 0.7):
        per_item = [[int(rng.choice([-1, 1], p=[1 - share, share])) for _ in range(3)] for _ in range(40)]
        result = analyze(judgments(per_item), resamples=RESAMPLES, seed=0)
        for rule in ("drop", "half", "against_b"):
            again = analyze(judgments(per_item), resamples=RESAMPLES, seed=0, tie_rule=rule)
            assert_never_contradicts(again["headline"][0])
        assert_never_contradicts(result["headline"][0])
        for entry in result["tie_sensitivity"]:
            if entry["p_value"] is not None and entry["win_rate_b_ci"] is not None and entry["p_value"] < 0.05:
                low, high = entry["win_rate_b_ci"]
                assert not low <= 0.5 <= high, entry  # the test and its interval are one method


def test_the_winner_on_judgments_is_named_when_prompts_agree():
    data = judgments([[1, 1, 1]] * 30 + [[1, 1, -1]] * 20 + [[-1, -1, 1]] * 10)
    head = analyze(data, resamples=RESAMPLES)["headline"][0]
    assert head["winner"] == "finetuned" and head["views_agree"] and head["status"] == "winner"
    assert head["sentence"].startswith("finetuned beats base on overall: ")
    assert_never_contradicts(head)


def test_against_b_counts_a_tie_as_a_loss_for_b_in_every_statistic_on_the_5_point_scale():
    # each prompt: +2 ("much better") from one rater, a tie from the other two
    data = judgments([[2, 0, 0]] * 30 + [[-1, 1, 0]] * 10)
    result = analyze(data, scale=5, resamples=RESAMPLES, tie_rule="against_b")
    entry = next(t for t in result["tie_sensitivity"] if t["rule"] == "against_b")
    wins_b, n = 30 + 10, 120
    assert entry["win_rate_b"] == pytest.approx(wins_b / n)
    # on items: (+2, 0, 0) has one win for b and two losses under against_b, so it favours system_a
    assert entry["items_favouring_a"] == 40 and entry["items_favouring_b"] == 0
    # the old rule counted a tie as -1 point against +2: the item sum was +2 - 2 = 0, "even"
    assert entry["sign_test_p"] == pytest.approx(binomtest(0, 40).pvalue)
    half = next(t for t in result["tie_sensitivity"] if t["rule"] == "half")
    assert half["win_rate_b"] == pytest.approx((wins_b + 70 / 2) / n)


def test_ties_alone_never_make_the_baseline_the_winner():
    # without ties the fine-tune wins 60 % of decided judgments, but half of all judgments are ties
    data = judgments([[1, 0, 0, 0]] * 24 + [[1, 1, 0, -1]] * 24 + [[-1, 0, 0, 0]] * 12)
    result = analyze(data, resamples=RESAMPLES, tie_rule="against_b", seed=5)
    head = result["headline"][0]
    assert head["win_rate_b"] == pytest.approx((24 + 48) / 240)
    low, high = head["win_rate_b_ci"]
    assert high < 0.5 and head["p_value"] < 0.05  # counting ties as losses, b's share is far below one half
    assert head["winner"] is None and head["status"] == "ties_explain"
    sentence = head["sentence"]
    assert "base" not in sentence.split(":")[0].replace("does not beat base", "")
    assert "no verdict for base" in sentence and "beats" not in sentence.replace("does not beat", "")
    # the same data with ties dropped: the fine-tune's lead
    assert analyze(data, resamples=RESAMPLES, seed=5)["headline"][0]["win_rate_b"] == pytest.approx(72 / 108)


def test_against_b_still_names_the_fine_tune_when_it_wins_even_so():
    data = judgments([[1, 1, 1, 0]] * 40 + [[1, 1, -1, 1]] * 20)
    head = analyze(data, resamples=RESAMPLES, tie_rule="against_b")["headline"][0]
    assert head["winner"] == "finetuned"
    assert_never_contradicts(head)


def test_a_5_point_items_direction_is_decided_by_its_judgments_not_the_size_of_one():
    """(+2, −1, −1): two of three raters prefer system_a, so the item favours system_a (deliberate, see methods)."""
    result = analyze(judgments([[2, -1, -1]] * 10), scale=5, resamples=0)
    entry = result["comparisons"][0]
    assert (entry["items_favouring_a"], entry["items_favouring_b"], entry["items_even"]) == (10, 0, 0)
    assert "direction" in result["methods"]["item_direction"]


def test_every_surface_tells_the_same_story_with_three_systems():
    rows = []
    for i, (sys_b, prefs) in enumerate(itertools.product(("dpo", "sft"), ([1, 1, -1], [1, -1, -1]))):
        for j in range(15):
            for k, p in enumerate(prefs):
                rows.append({"item_id": f"q{i}{j:02d}", "rater_id": f"r{k}", "system_a": "base", "system_b": sys_b,
                             "preference": p, "left_system": "base" if k % 2 else sys_b})
    result = analyze(pd.DataFrame(rows), resamples=200, baseline="base")
    for head in result["headline"]:
        assert any(f"overall, base vs {head['system_b']}" in t for t in head["can_i_trust_this"])  # baseline first
    assert any("only through the ratings" in w for w in result["warnings"])
    assert all(any(t.startswith("Pairs: ") and "only through the ratings" in t for t in h["can_i_trust_this"])
               for h in result["headline"])


def test_a_fine_tune_that_wins_by_writing_more_shows_it_next_to_the_verdict():
    """The longer output wins whatever the system: the length-controlled win rate sits near one half."""
    rng = np.random.default_rng(7)
    diffs = rng.choice([-600, -300, 300, 600, 900, 1200], size=120)  # the fine-tune is usually longer
    scale = np.repeat(diffs, 3).std()
    rows = []
    for i, diff in enumerate(diffs):
        # P(finetuned wins) = sigmoid(0 + 3 tanh(diff / sd)): no preference at all at equal length
        p_b = 1 / (1 + np.exp(-3 * np.tanh(diff / scale)))
        for k in range(3):
            rows.append({"item_id": f"q{i:03d}", "rater_id": f"r{k}", "system_a": "base", "system_b": "finetuned",
                         "preference": 1 if rng.random() < p_b else -1,
                         "left_system": "base" if (i + k) % 2 else "finetuned",
                         "metric_length_chars_a": 1000, "metric_length_chars_b": 1000 + int(diff)})
    result = analyze(pd.DataFrame(rows), resamples=RESAMPLES, seed=2)
    head = result["headline"][0]
    controlled = head["length_controlled"]
    assert head["win_rate_b"] > 0.6 and head["winner"] == "finetuned"
    assert abs(controlled["win_rate_b"] - 0.5) < 0.1
    low, high = controlled["ci"]
    assert low < 0.5 < high
    assert any("at equal length finetuned would win" in t for t in head["can_i_trust_this"])


def test_one_item_gives_no_interval_anywhere_only_warnings():
    rows = [{"item_id": "q1", "rater_id": f"r{k}", "system_a": "base", "system_b": "finetuned", "preference": p,
             "left_system": "base" if k % 2 else "finetuned", "metric_length_chars_a": 100,
             "metric_length_chars_b": 150 + 10 * k} for k, p in enumerate([1, 1, -1, 1])]
    result = analyze(pd.DataFrame(rows), resamples=RESAMPLES)
    head, comp = result["headline"][0], result["comparisons"][0]
    assert head["win_rate_b"] == pytest.approx(0.75)
    for ci in (head["win_rate_b_ci"], comp["win_rate_b_ci"], comp["win_rate_b_wilson_ci"], comp["mean_preference_ci"],
               (head["length_controlled"] or {}).get("ci"), head["rater_sensitivity"]["ci_items_and_raters"],
               result["agreement"][0]["alpha_ci"], *[t["win_rate_b_ci"] for t in result["tie_sensitivity"]],
               *[r["ci"] for r in result["ratings"]]):
        assert ci is None
    assert result["agreement"][0]["fleiss_kappa"] is None and result["agreement"][0]["gwet_ac1"] is None
    assert head["winner"] is None and head["status"] == "too_few_items"
    assert "no verdict" in head["sentence"]
    assert any("fewer than 6" in w or "at least 6" in w for w in result["warnings"])


def test_slices_follow_the_tie_rule_and_ties_alone_never_name_the_baseline():
    data = judgments([[1, 0, 0, 0]] * 24 + [[1, 1, 0, -1]] * 24 + [[-1, 0, 0, 0]] * 12)
    data["category"] = ["x" if i % 2 else "y" for i in range(len(data) // 4) for _ in range(4)]
    result = analyze(data, resamples=200, tie_rule="against_b", slices=["category"])
    for entry in result["slices"]:
        assert entry["tie_rule"] == "against_b"
        part = data[data["category"] == entry["value"]]
        assert entry["win_rate_b"] == pytest.approx((part["preference"] > 0).sum() / len(part))
        assert entry["winner"] is None and "only through the ties" in entry["verdict"]


def test_every_judgment_a_tie_is_said_as_such_under_every_rule():
    for rule in ("drop", "half", "against_b"):
        head = analyze(judgments([[0, 0, 0]] * 10), resamples=200, tie_rule=rule)["headline"][0]
        assert head["status"] == "all_ties" and head["winner"] is None
        assert "every judgment is a tie" in head["sentence"]
