"""The analysis engine end to end: every key, and every number recomputed independently with pandas, scipy,
statsmodels and krippendorff on the same synthetic judgments."""

import json
import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from evalstore.analysis import analyze
from evalstore.errors import EvalstoreError, InvalidInput

RESAMPLES = 300  # enough for the checks below; the default (2000) is exercised by the CLI tests


def synthetic(
    n_items=80, raters=("r1", "r2", "r3"), systems=("base", "ft"), criteria=("overall",), seed=0, scale=3,
    effect=0.4, item_spread=1.0, all_pairs=False,
) -> pd.DataFrame:
    """Judgments where items differ in difficulty: latent = effect of system_b + item effect + rater noise."""
    rng = np.random.default_rng(seed)
    base = systems[0]
    pairs = [(a, b) for i, a in enumerate(systems) for b in systems[i + 1 :]] if all_pairs else [
        (base, s) for s in systems[1:]
    ]
    strength = {s: effect * k for k, s in enumerate(systems)}
    rows = []
    for item in range(n_items):
        item_effect = rng.normal(0, item_spread)
        length = {s: int(rng.integers(100, 600)) for s in systems}
        for criterion in criteria:
            for a, b in pairs:
                for k, rater in enumerate(raters):
                    latent = strength[b] - strength[a] + item_effect + rng.normal(0, 1)
                    if scale == 3:
                        pref = -1 if latent < -0.5 else (1 if latent > 0.5 else 0)
                    else:
                        pref = int(np.digitize(latent, [-1.5, -0.5, 0.5, 1.5])) - 2
                    rows.append(
                        {
                            "item_id": f"item-{item:03d}",
                            "rater_id": rater,
                            "criterion": criterion,
                            "system_a": a,
                            "system_b": b,
                            "preference": float(pref),
                            "left_system": a if (item + k) % 2 == 0 else b,
                            "duration_s": float(rng.gamma(4, 10)),
                            "category": ["support", "summaries", "code"][item % 3],
                            "metric_length_chars_a": float(length[a]),
                            "metric_length_chars_b": float(length[b]),
                        }
                    )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def judgments():
    return synthetic()


@pytest.fixture(scope="module")
def result(judgments):
    return analyze(judgments, resamples=RESAMPLES, seed=3, slices=["category"], input_sha256="abc")


def _item_frame(judgments: pd.DataFrame) -> pd.DataFrame:
    """Per-item tallies computed with pandas alone (the reference)."""
    rated = judgments[judgments["preference"].notna()]
    return rated.groupby("item_id")["preference"].agg(
        wins_a=lambda s: (s < 0).sum(), ties=lambda s: (s == 0).sum(), wins_b=lambda s: (s > 0).sum(),
        n="size", mean="mean", total="sum",
    )


# ---------------------------------------------------------------- shape of the result

TOP_LEVEL = [
    "n_judgments", "n_items", "n_raters", "scale", "seed", "resamples", "versions", "input_sha256",
    "excluded_raters", "comparisons", "agreement", "position_bias", "raters", "slices", "ratings",
    "tie_sensitivity", "power", "metrics", "length_bias", "warnings",
]
COMPARISON_KEYS = [
    "criterion", "system_a", "system_b", "n_judgments", "n_items", "wins_a", "ties", "wins_b", "win_rate_b",
    "tie_rate", "win_rate_b_ties_half", "win_rate_b_ci", "win_rate_b_wilson_ci", "mean_preference",
    "mean_preference_ci", "sign_test_p", "wilcoxon_p", "paired_t_p", "design_effect",
]
AGREEMENT_KEYS = [
    "n_units", "krippendorff_alpha_nominal", "krippendorff_alpha_ordinal", "krippendorff_alpha_interval",
    "alpha_ci", "alpha_ci_level", "fleiss_kappa", "gwet_ac1", "percent_agreement", "cohen_kappa_pairs",
]
RATER_KEYS = ["rater_id", "n_judgments", "median_duration_s", "tie_rate", "agreement_with_others", "left_share",
              "gold_accuracy", "flags"]
SLICE_KEYS = ["slice", "value", "criterion", "system_a", "system_b", "n_items", "n_judgments", "win_rate_b",
              "win_rate_b_ci", "sign_test_p", "p_holm", "p_bh", "small"]


def test_every_key_of_the_issue_is_present(result):
    for key in TOP_LEVEL:
        assert key in result, key
    assert set(result["versions"]) >= {"evalstore", "scipy", "krippendorff"}
    for entry in result["comparisons"]:
        assert all(k in entry for k in COMPARISON_KEYS)
    for entry in result["agreement"]:
        assert all(k in entry for k in AGREEMENT_KEYS + ["criterion", "system_a", "system_b"])
    assert set(result["position_bias"]) >= {"n_non_tie", "left_share", "p_value", "per_rater"}
    for entry in result["raters"]:
        assert all(k in entry for k in RATER_KEYS)
    for entry in result["slices"]:
        assert all(k in entry for k in SLICE_KEYS)
    for entry in result["ratings"]:
        assert {"system", "rating", "ci"} <= set(entry)
    for entry in result["tie_sensitivity"]:
        assert {"criterion", "system_a", "system_b", "rule", "win_rate_b", "p_value"} <= set(entry)
    assert result["power"]["comparisons"] and result["metrics"] and result["length_bias"]
    assert result["rater_flag_thresholds"]
    assert result["input_sha256"] == "abc" and result["seed"] == 3 and result["resamples"] == RESAMPLES


def test_every_interval_is_a_pair_in_order(result):
    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            if key.endswith("ci") and value and not isinstance(value[0], (dict, list)):
                assert len(value) == 2 and value[0] <= value[1], (key, value)
            else:
                for v in value:
                    walk(v, key)

    walk(result)


def test_json_is_strict_and_byte_identical_for_the_same_seed(judgments, result):
    first = json.dumps(result, indent=2, allow_nan=False)
    again = json.dumps(analyze(judgments, resamples=RESAMPLES, seed=3, slices=["category"], input_sha256="abc"),
                       indent=2, allow_nan=False)
    assert first == again
    other = analyze(judgments, resamples=RESAMPLES, seed=4, slices=["category"], input_sha256="abc")
    # the win-rate interval is closed form, the same for every seed; the bootstrap intervals move with it
    assert other["comparisons"][0]["win_rate_b_ci"] == result["comparisons"][0]["win_rate_b_ci"]
    rating_ci = lambda r: next(x["ci"] for x in r["ratings"] if not x["is_baseline"])  # noqa: E731
    assert rating_ci(other) != rating_ci(result)
    assert other["comparisons"][0]["win_rate_b"] == result["comparisons"][0]["win_rate_b"]


def test_row_order_does_not_change_the_result(judgments, result):
    shuffled = judgments.sample(frac=1.0, random_state=7).reset_index(drop=True)
    again = analyze(shuffled, resamples=RESAMPLES, seed=3, slices=["category"], input_sha256="abc")
    assert json.dumps(again, indent=2) == json.dumps(result, indent=2)


# ---------------------------------------------------------------- comparisons against references


def test_counts_and_win_rates_match_pandas(judgments, result):
    c = result["comparisons"][0]
    p = judgments["preference"]
    wins_a, ties, wins_b = int((p < 0).sum()), int((p == 0).sum()), int((p > 0).sum())
    assert (c["wins_a"], c["ties"], c["wins_b"]) == (wins_a, ties, wins_b)
    assert c["n_judgments"] == len(judgments) and c["n_items"] == judgments["item_id"].nunique()
    assert c["win_rate_b"] == pytest.approx(wins_b / (wins_a + wins_b))
    assert c["win_rate_b_ties_half"] == pytest.approx((wins_b + ties / 2) / len(judgments))
    assert c["tie_rate"] == pytest.approx(ties / len(judgments))
    assert c["mean_preference"] == pytest.approx(p.mean())


def test_item_level_tests_match_scipy(judgments, result):
    c = result["comparisons"][0]
    items = _item_frame(judgments)
    means = items["mean"].to_numpy()
    k, n = int((means > 0).sum()), int((means != 0).sum())
    assert c["sign_test_p"] == pytest.approx(stats.binomtest(k, n, 0.5).pvalue, rel=1e-12)
    assert (c["items_favouring_b"], c["items_favouring_a"]) == (k, n - k)
    expected_w = stats.wilcoxon(means, zero_method="wilcox", correction=False, method="approx").pvalue
    assert c["wilcoxon_p"] == pytest.approx(expected_w, rel=1e-12)
    assert c["paired_t_p"] == pytest.approx(stats.ttest_1samp(means, 0).pvalue, rel=1e-12)


def test_wilson_interval_is_the_naive_one(result):
    c = result["comparisons"][0]
    expected = proportion_confint(c["wins_b"], c["wins_a"] + c["wins_b"], method="wilson")
    assert c["win_rate_b_wilson_ci"] == pytest.approx(list(expected))


def test_clustered_interval_widens_with_item_effects():
    # Strong item effects: raters of one item agree, so judgments are worth less than independent ones.
    judgments = synthetic(n_items=150, item_spread=2.5, effect=0.3, seed=11)
    c = analyze(judgments, resamples=1000, seed=0)["comparisons"][0]
    assert c["design_effect"] > 1.8
    clustered = c["win_rate_b_ci"][1] - c["win_rate_b_ci"][0]
    naive = c["win_rate_b_wilson_ci"][1] - c["win_rate_b_wilson_ci"][0]
    # Interval width scales with the standard error: sqrt(design effect), up to bootstrap noise.
    assert clustered / naive == pytest.approx(math.sqrt(c["design_effect"]), rel=0.15)


def test_clustered_interval_matches_a_bootstrap_written_out(judgments, result):
    # Reference: resample items with replacement one resample at a time (different draws, same distribution).
    items = _item_frame(judgments)
    rng = np.random.default_rng(123)
    wa, wb = items["wins_a"].to_numpy(), items["wins_b"].to_numpy()
    rates = []
    for _ in range(2000):
        pick = rng.integers(0, len(items), len(items))
        rates.append(wb[pick].sum() / (wa[pick].sum() + wb[pick].sum()))
    reference = np.percentile(rates, [2.5, 97.5])
    assert result["comparisons"][0]["win_rate_b_ci"] == pytest.approx(list(reference), abs=0.02)


def test_tie_sensitivity_rules(judgments, result):
    c = result["comparisons"][0]
    rules = {t["rule"]: t for t in result["tie_sensitivity"]}
    assert set(rules) == {"drop", "half", "against_b"} and len(result["tie_sensitivity"]) == 3
    assert rules["drop"]["win_rate_b"] == c["win_rate_b"] and rules["drop"]["sign_test_p"] == c["sign_test_p"]
    # p_value is the test of the rule's win rate itself, the headline's test
    assert rules["drop"]["p_value"] == result["headline"][0]["p_value"]
    assert rules["half"]["win_rate_b"] == c["win_rate_b_ties_half"]
    assert rules["against_b"]["win_rate_b"] == pytest.approx(c["wins_b"] / c["n_judgments"])
    items = _item_frame(judgments)
    score = items["total"] - items["ties"]  # 3-point: wins_b - wins_a - ties, each tie a loss for system_b
    k, n = int((score > 0).sum()), int((score != 0).sum())
    assert rules["against_b"]["sign_test_p"] == pytest.approx(stats.binomtest(k, n, 0.5).pvalue, rel=1e-12)


def test_headline_follows_the_tie_rule(judgments):
    strong = synthetic(n_items=120, effect=1.0, seed=5)
    dropped = analyze(strong, resamples=200)["headline"][0]
    assert dropped["significant"] and dropped["winner"] == "ft" and dropped["tie_rule"] == "drop"
    against = analyze(strong, resamples=200, tie_rule="against_b")["headline"][0]
    assert against["win_rate_b"] < dropped["win_rate_b"]
    null = analyze(synthetic(n_items=60, effect=0.0, seed=6), resamples=200)["headline"][0]
    assert null["significant"] == (null["p_value"] < 0.05)
    assert (null["winner"] is None) == (not null["significant"])


def test_agreement_matches_the_krippendorff_package(judgments, result):
    g = result["agreement"][0]
    matrix = judgments.pivot(index="rater_id", columns="item_id", values="preference").to_numpy()
    for level in ("nominal", "ordinal", "interval"):
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level, value_domain=[-1, 0, 1])
        assert g[f"krippendorff_alpha_{level}"] == pytest.approx(expected, rel=1e-9)
    assert g["n_units"] == int((judgments.groupby("item_id").size() >= 2).sum())
    assert g["alpha_ci_level"] == "ordinal"  # the ordered scale's natural coefficient
    assert len(g["cohen_kappa_pairs"]) == 3


def test_position_bias_by_hand(judgments, result):
    rated = judgments[judgments["preference"] != 0]
    left_won = (rated["preference"] < 0) == (rated["left_system"] == rated["system_a"])
    bias = result["position_bias"]
    assert bias["n_non_tie"] == len(rated)
    assert bias["left_share"] == pytest.approx(left_won.mean())  # descriptive; the test is within items
    from statsmodels.stats.contingency_tables import StratifiedTable

    b_left, b_won = rated["left_system"] == rated["system_b"], rated["preference"] > 0
    tables = [np.array([[(b_left & b_won)[i].sum(), (b_left & ~b_won)[i].sum()],
                        [(~b_left & b_won)[i].sum(), (~b_left & ~b_won)[i].sum()]])
              for i in rated.groupby("item_id").groups.values()]
    tables = [t for t in tables if t[0].sum() and t[1].sum()]
    reference = StratifiedTable(tables)
    assert bias["testable"] and bias["n_strata"] == len(tables)
    assert bias["p_value"] == pytest.approx(reference.test_null_odds(correction=False).pvalue, rel=1e-9)
    assert bias["odds_ratio_mh"] == pytest.approx(reference.oddsratio_pooled, rel=1e-9)
    first = bias["per_rater"][0]
    mine = rated["rater_id"] == first["rater_id"]
    assert first["left_share"] == pytest.approx(left_won[mine].mean())


def test_length_bias_by_hand(judgments, result):
    rated = judgments[(judgments["preference"] != 0)
                      & (judgments["metric_length_chars_a"] != judgments["metric_length_chars_b"])]
    longer_won = (rated["preference"] > 0) == (rated["metric_length_chars_b"] > rated["metric_length_chars_a"])
    assert result["length_bias"]["n_non_tie"] == len(rated)
    assert result["length_bias"]["longer_share"] == pytest.approx(longer_won.mean())
    assert result["length_bias"]["p_value"] == pytest.approx(stats.binomtest(int(longer_won.sum()), len(rated)).pvalue)


def test_metrics_match_scipy(judgments, result):
    entry = next(m for m in result["metrics"] if m["metric"] == "length_chars")
    per_item = judgments.groupby("item_id")[["metric_length_chars_a", "metric_length_chars_b"]].first()
    diff = per_item["metric_length_chars_b"] - per_item["metric_length_chars_a"]
    assert entry["n_items"] == len(per_item)
    assert entry["mean_difference"] == pytest.approx(diff.mean())
    assert entry["paired_t_p"] == pytest.approx(
        stats.ttest_rel(per_item["metric_length_chars_b"], per_item["metric_length_chars_a"]).pvalue, rel=1e-10
    )
    item_means = _item_frame(judgments)["mean"].reindex(per_item.index)
    tau = stats.kendalltau(diff, item_means, variant="b")
    assert entry["kendall_tau_b"] == pytest.approx(tau.statistic) and entry["kendall_p"] == pytest.approx(tau.pvalue)
    low, high = entry["mean_difference_ci"]
    assert [low, high] == pytest.approx(list(stats.ttest_1samp(diff, 0.0).confidence_interval(0.95)), rel=1e-10)


def test_slices_adjust_over_the_column(judgments, result):
    entries = [s for s in result["slices"] if s["slice"] == "category"]
    assert [s["value"] for s in entries] == ["code", "summaries", "support"]
    raw = [s["p_value"] for s in entries]  # the test of each slice's win rate, adjusted over the column
    assert [s["p_holm"] for s in entries] == pytest.approx(multipletests(raw, method="holm")[1].tolist())
    assert [s["p_bh"] for s in entries] == pytest.approx(multipletests(raw, method="fdr_bh")[1].tolist())
    for s in entries:
        part = judgments[judgments["category"] == s["value"]]
        assert s["n_items"] == part["item_id"].nunique() and s["n_judgments"] == len(part)
        assert s["small"] == (s["n_items"] < 20)
        means = part.groupby("item_id")["preference"].mean()
        k, n = int((means > 0).sum()), int((means != 0).sum())
        assert s["sign_test_p"] == pytest.approx(stats.binomtest(k, n).pvalue)


def test_small_slices_withhold_the_verdict():
    judgments = synthetic(n_items=30, effect=1.5, seed=2)
    entries = analyze(judgments, resamples=100, slices=["category"])["slices"]
    assert all(s["small"] and s["winner"] is None and s["verdict"].startswith("withheld") for s in entries)
    assert all(s["win_rate_b_ci"] is not None for s in entries)  # the interval is still shown


def test_two_system_rating_is_the_log_odds_with_half_ties(result):
    c = result["comparisons"][0]
    ratings = {r["system"]: r for r in result["ratings"]}
    assert ratings["base"]["rating"] == 1000.0
    odds = (c["wins_b"] + c["ties"] / 2) / (c["wins_a"] + c["ties"] / 2)
    assert ratings["ft"]["rating"] == pytest.approx(1000 + 400 * math.log10(odds), abs=1e-6)
    low, high = ratings["ft"]["ci"]
    assert low < ratings["ft"]["rating"] < high


def test_all_pairs_ratings_match_statsmodels():
    judgments = synthetic(n_items=60, systems=("base", "ft1", "ft2"), all_pairs=True, effect=0.5, seed=9)
    result = analyze(judgments, resamples=200, baseline="base")
    ratings = {r["system"]: r["rating"] for r in result["ratings"]}
    # Independent fit: binomial GLM on each pair's wins (ties as half a win each way), baseline column dropped.
    systems = ["base", "ft1", "ft2"]
    rows, y, weights = [], [], []
    for (a, b), part in judgments.groupby(["system_a", "system_b"]):
        wins_b = (part["preference"] > 0).sum() + (part["preference"] == 0).sum() / 2
        x = np.zeros(3)
        x[systems.index(b)], x[systems.index(a)] = 1.0, -1.0
        rows.append(x[1:])
        y.append(wins_b / len(part))
        weights.append(len(part))
    params = sm.GLM(np.array(y), np.array(rows), family=sm.families.Binomial(),
                    var_weights=np.array(weights)).fit(tol=1e-13).params
    expected = 1000 + 400 / math.log(10) * params
    assert [ratings["ft1"], ratings["ft2"]] == pytest.approx(expected.tolist(), abs=1e-5)
    assert len(result["comparisons"]) == 3 and len(result["agreement"]) == 3


def test_power_section(result):
    entry = result["power"]["comparisons"][0]
    assert [n["win_rate_b"] for n in entry["needed"]][1:] == [0.55, 0.60, 0.65]
    assert entry["needed"][0]["effect"] == "observed"
    c = result["comparisons"][0]
    share = c["items_favouring_b"] / (c["items_favouring_a"] + c["items_favouring_b"])
    assert entry["sign_test"]["item_share_favouring_b"] == pytest.approx(share)
    assert entry["sign_test"]["even_item_share"] == pytest.approx(c["items_even"] / c["n_items"])
    assert entry["underpowered"] == (entry["n_items"] < entry["sign_test"]["items_needed"])
    tiny = analyze(synthetic(n_items=12, effect=0.2, seed=1), resamples=100)
    small = tiny["power"]["comparisons"][0]
    assert small["underpowered"] is True and "underpowered" in small["message"]
    assert any("underpowered" in w for w in tiny["warnings"])


def test_rater_rows(judgments, result):
    rows = {r["rater_id"]: r for r in result["raters"]}
    assert set(rows) == {"r1", "r2", "r3"}
    for rater, part in judgments.groupby("rater_id"):
        assert rows[rater]["n_judgments"] == len(part)
        assert rows[rater]["median_duration_s"] == pytest.approx(part["duration_s"].median())
        assert rows[rater]["tie_rate"] == pytest.approx((part["preference"] == 0).mean())


# ---------------------------------------------------------------- options


def test_exclude_raters_equals_removing_them_first(judgments):
    excluded = analyze(judgments, resamples=200, exclude_raters=["r2"])
    filtered = analyze(judgments[judgments["rater_id"] != "r2"], resamples=200)
    assert excluded["excluded_raters"] == ["r2"]
    assert excluded["comparisons"] == filtered["comparisons"]
    assert excluded["agreement"] == filtered["agreement"]
    assert excluded["n_raters"] == 2


def test_resamples_zero_gives_null_bootstrap_intervals(judgments):
    out = analyze(judgments, resamples=0)
    # the win-rate and mean-preference intervals are closed form: the same with or without resamples
    with_resamples = analyze(judgments, resamples=RESAMPLES)
    for key in ("win_rate_b_ci", "mean_preference_ci", "win_rate_b_wilson_ci"):
        assert out["comparisons"][0][key] is not None
        assert out["comparisons"][0][key] == with_resamples["comparisons"][0][key]
    assert all(r["ci"] is None for r in out["ratings"])  # the bootstrap ones are null
    assert any("no bootstrap resamples" in w for w in out["warnings"])
    json.dumps(out, allow_nan=False)


def test_five_point_scale_is_inferred():
    out = analyze(synthetic(n_items=40, scale=5, seed=4), resamples=100)
    assert out["scale"] == 5 and out["agreement"][0]["alpha_ci_level"] == "ordinal"


def test_several_criteria():
    judgments = synthetic(n_items=30, criteria=("overall", "fluency"), seed=8)
    out = analyze(judgments, resamples=100)
    assert out["criteria"] == ["overall", "fluency"]
    assert [c["criterion"] for c in out["comparisons"]] == ["overall", "fluency"]
    assert {r["criterion"] for r in out["ratings"]} == {"overall", "fluency"}


def test_mixed_pair_orientation_is_one_comparison():
    judgments = synthetic(n_items=40, seed=12)
    flipped = judgments.copy()
    swap = flipped.index % 2 == 0
    flipped.loc[swap, ["system_a", "system_b"]] = flipped.loc[swap, ["system_b", "system_a"]].to_numpy()
    flipped.loc[swap, "preference"] = -flipped.loc[swap, "preference"]
    flipped.loc[swap, ["metric_length_chars_a", "metric_length_chars_b"]] = flipped.loc[
        swap, ["metric_length_chars_b", "metric_length_chars_a"]].to_numpy()
    original = analyze(judgments, resamples=100)
    out = analyze(flipped, resamples=100, baseline="base")
    assert len(out["comparisons"]) == 1
    assert out["comparisons"] == original["comparisons"]
    assert out["metrics"] == original["metrics"]
    assert any("analysed as base vs ft" in w for w in out["warnings"])


def test_skipped_judgments_are_counted_and_left_out(judgments):
    with_skips = judgments.copy()
    with_skips.loc[:4, "preference"] = np.nan
    out = analyze(with_skips, resamples=100)
    assert out["n_skipped"] == 5 and out["n_judgments"] == len(judgments) - 5
    assert any("5 skipped" in w for w in out["warnings"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"exclude_raters": ["nobody"]}, "cannot exclude rater 'nobody'"),
        ({"slices": ["colour"]}, "no column 'colour' to slice by"),
        ({"baseline": "gpt"}, "unknown baseline system 'gpt'"),
        ({"tie_rule": "coin"}, "tie rule must be one of"),
        ({"seed": -1}, "seed must be"),
        ({"resamples": -5}, "resamples must be"),
        ({"scale": 4}, "scale must be 3 or 5"),
    ],
)
def test_user_mistakes_raise_evalstore_errors(judgments, kwargs, message):
    with pytest.raises(EvalstoreError, match=message):
        analyze(judgments, **{"resamples": 10, **kwargs})


def test_invalid_table_raises_located_problems(judgments):
    bad = judgments.head(5).copy()
    bad.loc[2, "preference"] = 7
    with pytest.raises(InvalidInput, match=r"<judgments>:3:preference: preference 7 is out of range"):
        analyze(bad)


# ---------------------------------------------------------------- degenerate data never crashes


@pytest.mark.parametrize(
    "make",
    [
        lambda: synthetic(n_items=20, raters=("solo",)),  # one rater
        lambda: synthetic(n_items=20).assign(preference=0.0),  # all ties
        lambda: synthetic(n_items=20).assign(preference=1.0),  # one value everywhere
        lambda: synthetic(n_items=1),  # one item
        lambda: synthetic(n_items=10).drop(columns=["left_system", "duration_s", "metric_length_chars_a",
                                                     "metric_length_chars_b", "category"]),  # bare minimum
    ],
)
def test_degenerate_inputs_give_nulls_and_warnings(make):
    out = analyze(make(), resamples=100, slices=["category"] if "category" in make().columns else ())
    json.dumps(out, allow_nan=False)
    assert out["warnings"]
    assert len(out["comparisons"]) == 1


def test_all_raters_excluded_gives_an_empty_result(judgments):
    out = analyze(judgments, resamples=50, exclude_raters=["r1", "r2", "r3"])
    json.dumps(out, allow_nan=False)
    assert out["n_judgments"] == 0 and out["comparisons"] == [] and "no judgments to analyse" in out["warnings"]


def test_unbounded_rating_is_null_with_a_warning():
    judgments = synthetic(n_items=20).assign(preference=1.0)
    out = analyze(judgments, resamples=50)
    ft = next(r for r in out["ratings"] if r["system"] == "ft")
    assert ft["rating"] is None
    assert any("unbounded" in w for w in out["warnings"])


# ---------------------------------------------------------------- properties

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def small_studies(draw):
    n_items = draw(st.integers(2, 12))
    raters = ["a", "b", "c"][: draw(st.integers(1, 3))]
    rows = []
    for item in range(n_items):
        for rater in raters:
            if draw(st.booleans()) or rater == raters[0]:
                rows.append({"item_id": f"i{item}", "rater_id": rater, "system_a": "base", "system_b": "ft",
                             "preference": float(draw(st.sampled_from([-1, 0, 1, -2, 2])))})
    return pd.DataFrame(rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_studies())
def test_swapping_the_systems_mirrors_the_result(frame):
    swapped = frame.assign(system_a=frame["system_b"], system_b=frame["system_a"], preference=-frame["preference"])
    original = analyze(frame, resamples=0)["comparisons"][0]
    mirrored = analyze(swapped, resamples=0, baseline="base")["comparisons"][0]
    assert (mirrored["wins_a"], mirrored["ties"], mirrored["wins_b"]) == (original["wins_b"], original["ties"],
                                                                            original["wins_a"])
    if original["win_rate_b"] is not None:
        assert mirrored["win_rate_b"] == pytest.approx(1 - original["win_rate_b"])
    for key in ("sign_test_p", "wilcoxon_p", "paired_t_p", "design_effect"):
        assert mirrored[key] == pytest.approx(original[key]) if original[key] is not None else mirrored[key] is None


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(small_studies())
def test_csv_round_trip_gives_the_same_analysis(tmp_path_factory, frame):
    from evalstore.judgments import load_input

    path = tmp_path_factory.mktemp("roundtrip") / "judgments.csv"
    frame.to_csv(path, index=False)
    assert analyze(load_input(path).frame, resamples=50) == analyze(frame, resamples=50)
