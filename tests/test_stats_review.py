"""An independent review of every statistic the analysis reports, recomputed by hand from the raw judgments.

Nothing here reuses evalstore's helpers for a reference value: counts come from pandas on the raw rows
(oriented by this file), intervals from a bootstrap written as a plain loop over resamples, tests from
scipy/statsmodels called directly (or written out), Bradley–Terry from a likelihood fitted here with
scipy.optimize and an MM loop (Hunter 2004), sample sizes from the textbook formula and a simulation with the
exact binomial test. Data: the sample study (sample_data/judgments.csv) and random studies with item
difficulty, uneven overlap, skipped judgments, rows given in both pair orientations, 3- and 5-point scales,
and three systems in all pairs.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize, stats
from scipy.sparse.csgraph import connected_components
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from evalstore.analysis import analyze
from evalstore.reports.markdown import render_markdown
from evalstore.stats import power as power_stats

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "judgments.csv"
EVALSTORE = Path(sys.executable).with_name("evalstore")
ENGINE_RESAMPLES = 2000
LOOP_RESAMPLES = 4000
Z975 = stats.norm.ppf(0.975)


# ---------------------------------------------------------------------------------------------------------
# Data


def random_study(seed, *, n_items=70, scale=3, systems=("base", "ft"), all_pairs=False, reverse_share=0.0,
                 skip_share=0.03, item_spread=1.2, criteria=("overall",)) -> pd.DataFrame:
    """Judgments with item difficulty, 1–4 raters per item (of five), a left-biased rater, skipped judgments,
    and (optionally) a share of rows written as (system_b, system_a) with the preference negated, and several
    criteria (the second one with the effect reversed)."""
    rng = np.random.default_rng(seed)
    raters = ["r1", "r2", "r3", "r4", "r5"]
    strength = dict(zip(systems, [0.0, 0.6, 1.0]))
    pairs = list(combinations(systems, 2)) if all_pairs else [(systems[0], s) for s in systems[1:]]
    rows = []
    for item in range(n_items):
        difficulty = rng.normal(0, item_spread)
        category = ["news", "code", "chat", "math"][int(rng.integers(4))]
        length = {s: float(rng.integers(50, 400)) for s in systems}
        latency = {s: float(rng.gamma(5, 100)) + 150 * strength[s] for s in systems}
        for a, b in pairs:
            n_raters = int(rng.integers(1, 5))
            for rater, criterion in [(r, c) for r in rng.choice(raters, size=n_raters, replace=False)
                                     for c in criteria]:
                sign = 1 if criterion == criteria[0] else -0.5
                latent = sign * (strength[b] - strength[a]) + difficulty + rng.normal(0, 1)
                if scale == 3:
                    pref = -1 if latent < -0.6 else (1 if latent > 0.6 else 0)
                else:
                    pref = int(np.digitize(latent, [-1.6, -0.5, 0.5, 1.6])) - 2
                left = a if rng.random() < 0.5 else b
                if rater == "r5" and pref != 0 and rng.random() < 0.6:  # picks the left output
                    pref = -abs(pref) if left == a else abs(pref)
                row = {
                    "item_id": f"q{item:03d}", "rater_id": str(rater), "criterion": criterion,
                    "system_a": a, "system_b": b,
                    "preference": float(pref), "left_system": left, "category": category,
                    "duration_s": float(rng.gamma(3, 15)),
                    "metric_length_chars_a": length[a], "metric_length_chars_b": length[b],
                    "metric_latency_ms_a": latency[a], "metric_latency_ms_b": latency[b],
                }
                if rng.random() < skip_share:
                    row["preference"] = np.nan
                if rng.random() < reverse_share:
                    row["system_a"], row["system_b"] = b, a
                    row["preference"] = -row["preference"]
                    for m in ("length_chars", "latency_ms"):
                        row[f"metric_{m}_a"], row[f"metric_{m}_b"] = row[f"metric_{m}_b"], row[f"metric_{m}_a"]
                rows.append(row)
    return pd.DataFrame(rows)


def read_sample() -> pd.DataFrame:
    raw = pd.read_csv(SAMPLE, dtype={"preference": "float64"})
    return raw


def oriented(raw: pd.DataFrame, a: str, b: str, criterion: str | None = None) -> pd.DataFrame:
    """Non-skipped judgments of the pair {a, b}, every row turned to (a, b); metric columns swapped too."""
    crit = raw["criterion"] if "criterion" in raw else pd.Series("overall", index=raw.index)
    rows = raw[(((raw.system_a == a) & (raw.system_b == b)) | ((raw.system_a == b) & (raw.system_b == a)))
               & raw.preference.notna()]
    if criterion is not None:
        rows = rows[crit[rows.index] == criterion]
    rows = rows.copy()
    flip = (rows.system_a == b).to_numpy()
    rows.loc[flip, "preference"] = -rows.loc[flip, "preference"]
    for column in [c for c in rows.columns if c.startswith("metric_") and c.endswith("_a")]:
        other = column[:-2] + "_b"
        rows.loc[flip, [column, other]] = rows.loc[flip, [other, column]].to_numpy()
    rows["system_a"], rows["system_b"] = a, b
    return rows


def per_item(rows: pd.DataFrame) -> pd.DataFrame:
    """Per-item counts, by pandas on the judgments."""
    g = rows.groupby("item_id")["preference"]
    return pd.DataFrame({
        "wins_a": g.apply(lambda s: int((s < 0).sum())),
        "ties": g.apply(lambda s: int((s == 0).sum())),
        "wins_b": g.apply(lambda s: int((s > 0).sum())),
        "n": g.size(),
        "total": g.sum(),
        "mean": g.mean(),
    })


def loop_bootstrap(items: pd.DataFrame, statistics: dict, resamples: int, seed: int) -> dict:
    """The item-clustered bootstrap written out: draw items with replacement, take every judgment of each
    drawn item (here: its counts) along, recompute each statistic. One Python iteration per resample."""
    rng = np.random.default_rng(seed)
    table = items.to_dict("list")
    columns = {k: np.asarray(v, dtype=float) for k, v in table.items()}
    m = len(items)
    out = {name: [] for name in statistics}
    for _ in range(resamples):
        drawn = rng.integers(0, m, size=m)
        sums = {k: v[drawn].sum() for k, v in columns.items()}
        for name, f in statistics.items():
            out[name].append(f(sums))
    return {name: np.array(v, dtype=float) for name, v in out.items()}


def quantile_se(samples: np.ndarray, q: float) -> float:
    """Monte Carlo standard error of a bootstrap quantile, from the order statistics around it
    (a 95 % distribution-free interval for the quantile spans about 2·1.96 standard errors)."""
    s = np.sort(samples[~np.isnan(samples)])
    r = s.size
    half = Z975 * math.sqrt(r * q * (1 - q))
    lo, hi = int(max(0, math.floor(r * q - half))), int(min(r - 1, math.ceil(r * q + half)))
    return (s[hi] - s[lo]) / (2 * Z975)


def assert_interval_agrees(engine_ci, samples, *, engine_resamples=ENGINE_RESAMPLES, label=""):
    """Both ends within 4 Monte Carlo standard errors (of the two bootstraps together) of the loop's ends."""
    defined = samples[~np.isnan(samples)]
    for end, q in zip(engine_ci, (0.025, 0.975)):
        reference = float(np.quantile(defined, q))
        se_loop = quantile_se(defined, q)
        se_engine = se_loop * math.sqrt(defined.size / engine_resamples)
        tolerance = 4 * math.hypot(se_loop, se_engine) + 1e-9
        assert abs(end - reference) <= tolerance, (label, q, end, reference, tolerance)


def comparison(result, a, b, criterion="overall"):
    return next(c for c in result["comparisons"]
                if (c["system_a"], c["system_b"], c["criterion"]) == (a, b, criterion))


# ---------------------------------------------------------------------------------------------------------
# Fixtures: the sample study and random studies, each analysed once


@pytest.fixture(scope="module")
def sample():
    raw = read_sample()
    return raw, analyze(raw, slices=["category"], seed=0, resamples=ENGINE_RESAMPLES)


@pytest.fixture(scope="module")
def random3():
    raw = random_study(11, reverse_share=0.3, n_items=120)
    # left_system varies within an item: a slice that splits items' judgments
    return raw, analyze(raw, slices=["category", "left_system"], seed=5, resamples=ENGINE_RESAMPLES,
                        baseline="base")


@pytest.fixture(scope="module")
def random5():
    raw = random_study(12, scale=5, n_items=80, criteria=("overall", "safety"))
    return raw, analyze(raw, slices=["category"], seed=6, resamples=ENGINE_RESAMPLES)


@pytest.fixture(scope="module")
def three_systems():
    raw = random_study(13, systems=("base", "ft1", "ft2"), all_pairs=True, n_items=60, reverse_share=0.2)
    return raw, analyze(raw, slices=["category"], seed=7, resamples=ENGINE_RESAMPLES, baseline="base")


STUDIES = ["sample", "random3", "random5", "three_systems"]


@pytest.fixture(params=STUDIES)
def study(request):
    return request.getfixturevalue(request.param)


def pairs_of(result):
    return [(c["system_a"], c["system_b"], c["criterion"]) for c in result["comparisons"]]


# ---------------------------------------------------------------------------------------------------------
# Counts, win rates, Wilson


def test_counts_and_win_rates_by_hand(study):
    raw, result = study
    for a, b, criterion in pairs_of(result):
        rows = oriented(raw, a, b, criterion)
        c = comparison(result, a, b, criterion)
        wins_a, ties, wins_b = (rows.preference < 0).sum(), (rows.preference == 0).sum(), (rows.preference > 0).sum()
        n = len(rows)
        assert (c["wins_a"], c["ties"], c["wins_b"], c["n_judgments"]) == (wins_a, ties, wins_b, n)
        assert c["n_items"] == rows.item_id.nunique()
        assert c["win_rate_b"] == pytest.approx(wins_b / (wins_a + wins_b), rel=1e-12)
        assert c["tie_rate"] == pytest.approx(ties / n, rel=1e-12)
        assert c["win_rate_b_ties_half"] == pytest.approx((wins_b + ties / 2) / n, rel=1e-12)
        assert c["mean_preference"] == pytest.approx(rows.preference.mean(), rel=1e-12)
        low, high = proportion_confint(wins_b, wins_a + wins_b, alpha=0.05, method="wilson")
        assert c["win_rate_b_wilson_ci"] == pytest.approx([low, high], rel=1e-10)
    # every pair present in the data has one comparison (3 systems in all pairs → 3)
    wanted = {tuple(sorted(p)) for p in zip(raw.system_a, raw.system_b)}
    assert {tuple(sorted(p[:2])) for p in pairs_of(result)} == wanted


def test_sample_numbers_by_hand(sample):
    # The sample file counted with the csv module alone (no pandas parsing in between).
    import csv

    with open(SAMPLE, newline="", encoding="utf-8") as f:
        records = list(csv.DictReader(f))
    rated = [r for r in records if r["preference"].strip() != ""]
    _, result = sample
    assert (result["n_judgments"], result["n_skipped"]) == (len(rated), len(records) - len(rated))
    assert result["n_items"] == len({r["item_id"] for r in rated})
    assert result["n_raters"] == len({r["rater_id"] for r in rated})
    wins_a = sum(int(r["preference"]) < 0 for r in rated)
    ties = sum(int(r["preference"]) == 0 for r in rated)
    wins_b = sum(int(r["preference"]) > 0 for r in rated)
    c = comparison(result, "base", "finetuned")
    assert (c["wins_a"], c["ties"], c["wins_b"]) == (wins_a, ties, wins_b)
    assert c["win_rate_b"] == wins_b / (wins_a + wins_b)


# ---------------------------------------------------------------------------------------------------------
# Item-level tests


def wilcoxon_by_hand(d: np.ndarray) -> float:
    """Signed-rank test, zeros dropped before ranking, normal approximation, tie-corrected variance, no
    continuity correction (e.g. Hollander & Wolfe 1999, sec. 3.1, with the tie correction of eq. 3.12)."""
    d = d[d != 0]
    n = d.size
    ranks = stats.rankdata(np.abs(d))
    t_plus = ranks[d > 0].sum()
    mean = n * (n + 1) / 4
    _, counts = np.unique(np.abs(d), return_counts=True)
    var = n * (n + 1) * (2 * n + 1) / 24 - (counts**3 - counts).sum() / 48
    z = (t_plus - mean) / math.sqrt(var)
    return float(2 * stats.norm.sf(abs(z)))


def wilcoxon_exact_by_hand(d: np.ndarray) -> float:
    """Signed-rank test, zeros dropped, exact: count the 2^n equally likely sign patterns by the sum of the
    (average) ranks they make positive, one value at a time in a dict of exact fractions; two-sided = twice the
    smaller tail (Hollander & Wolfe 1999, sec. 3.1, exact null distribution, conditional on tied ranks)."""
    from collections import Counter
    from fractions import Fraction

    d = d[d != 0]
    ranks = [Fraction(float(r)).limit_denominator(2) for r in stats.rankdata(np.abs(d))]
    patterns = Counter({Fraction(0): 1})
    for r in ranks:
        step = Counter()
        for total, count in patterns.items():
            step[total] += count
            step[total + r] += count
        patterns = step
    observed = sum(r for r, x in zip(ranks, d) if x > 0)
    lower = sum(c for t, c in patterns.items() if t <= observed)
    upper = sum(c for t, c in patterns.items() if t >= observed)
    return min(1.0, 2 * min(lower, upper) / 2 ** len(d))


def wilcoxon_reference(d: np.ndarray) -> float:
    """The engine's documented choice: exact up to 50 non-zero items (scipy's own limit), the approximation above."""
    return wilcoxon_exact_by_hand(d) if np.count_nonzero(d) <= 50 else wilcoxon_by_hand(d)


def test_item_level_tests_match_scipy_and_hand(study):
    raw, result = study
    for a, b, criterion in pairs_of(result):
        items = per_item(oriented(raw, a, b, criterion))
        c = comparison(result, a, b, criterion)
        means = items["mean"].to_numpy()
        # an item's direction: which system wins more of its judgments (methods: item_direction)
        pos, neg = int((items.wins_b > items.wins_a).sum()), int((items.wins_b < items.wins_a).sum())
        assert (c["items_favouring_b"], c["items_favouring_a"], c["items_even"]) == (pos, neg, len(means) - pos - neg)
        assert c["sign_test_p"] == pytest.approx(stats.binomtest(pos, pos + neg, 0.5).pvalue, rel=1e-10)
        nonzero = means[means != 0]
        if nonzero.size > 50:
            w = stats.wilcoxon(means, zero_method="wilcox", correction=False, method="approx").pvalue
        elif np.unique(np.abs(nonzero)).size == nonzero.size:
            w = stats.wilcoxon(nonzero, method="exact").pvalue
        else:
            w = wilcoxon_exact_by_hand(means)
        assert c["wilcoxon_p"] == pytest.approx(w, rel=1e-9)
        assert c["wilcoxon_p"] == pytest.approx(wilcoxon_reference(means), rel=1e-9)
        assert c["paired_t_p"] == pytest.approx(stats.ttest_1samp(means, 0.0).pvalue, rel=1e-9)


# ---------------------------------------------------------------------------------------------------------
# Bootstrap intervals against a bootstrap written as a loop


def _rate(num, den):
    return num / den if den > 0 else np.nan


BOOT_STATISTICS = {
    "drop": lambda s: _rate(s["wins_b"], s["wins_a"] + s["wins_b"]),
    "half": lambda s: _rate(s["wins_b"] + s["ties"] / 2, s["n"]),
    "against_b": lambda s: _rate(s["wins_b"], s["n"]),
    "mean": lambda s: s["total"] / s["n"],
}


MIN_INTERVAL_ITEMS = 6  # the documented minimum: the fewest items with which the exact sign test can reject


def _effective_size(items: pd.DataFrame, rule: str) -> tuple[float, float | None, int] | None:
    """(rate, effective number of judgments, items) of the documented win-rate method, from pandas' per-item
    counts with statsmodels; None under the minimum; effective size None when every judgment goes one way.

    Each judgment that counts scores 1 (b won), 0 (a won) or, under ``half``, 1/2 (a tie). The variance is the
    cluster-robust (HC1, items as clusters) variance of the ratio, which statsmodels gives for a weighted
    regression of each item's share on a constant with weights = its judgments; it is never taken below the
    variance of the judgments' scores as if independent.
    """
    tie_score = {"drop": None, "half": 0.5, "against_b": 0.0}[rule]
    wins_a, ties, wins_b = (items[c].to_numpy(float) for c in ("wins_a", "ties", "wins_b"))
    y = wins_b + (0.0 if tie_score is None else tie_score * ties)
    x = wins_a + wins_b + (0.0 if tie_score is None else ties)
    keep = x > 0
    y, x, m = y[keep], x[keep], int(keep.sum())
    if m < MIN_INTERVAL_ITEMS:
        return None
    rate = y.sum() / x.sum()
    if rate in (0.0, 1.0):
        return rate, None, m
    scores = np.repeat([1.0, 0.0] + ([] if tie_score is None else [tie_score]),
                       [int(wins_b.sum()), int(wins_a.sum())] + ([] if tie_score is None else [int(ties.sum())]))
    fit = sm.WLS(y / x, np.ones(m), weights=x).fit(cov_type="HC1", use_t=True)
    variance = max(float(fit.bse[0]) ** 2, float(np.mean((scores - rate) ** 2)) / scores.size)
    return rate, rate * (1 - rate) / variance, m


def clustered_ci_by_hand(items: pd.DataFrame, rule: str) -> list[float] | None:
    """The documented win-rate interval: Wilson's interval at the effective sample size with the t quantile on
    items − 1 df is statsmodels' Wilson interval with its normal quantile set to that t quantile. Every
    judgment one way: scipy's Clopper–Pearson over the items."""
    size = _effective_size(items, rule)
    if size is None:
        return None
    rate, n_effective, m = size
    if n_effective is None:
        cp = stats.binomtest(int(rate * m), m).proportion_ci(method="exact")
        return [cp.low, cp.high]
    alpha = 2 * stats.norm.sf(stats.t.isf(0.025, m - 1))
    return list(proportion_confint(rate * n_effective, n_effective, alpha=alpha, method="wilson"))


def clustered_p_by_hand(items: pd.DataFrame, rule: str) -> float | None:
    """The documented test of the win rate against 0.5: the score test at the same effective sample size and
    t on items − 1 df, z = (R − 0.5) / √(0.25 / n_eff); every judgment one way: the exact sign test (scipy)."""
    size = _effective_size(items, rule)
    if size is None:
        return None
    rate, n_effective, m = size
    if n_effective is None:
        return stats.binomtest(int(rate * m), m).pvalue
    return 2 * stats.t.sf(abs(rate - 0.5) / math.sqrt(0.25 / n_effective), m - 1)


def mean_ci_by_hand(items: pd.DataFrame) -> list[float] | None:
    """Cluster-robust t interval of the mean preference: statsmodels' weighted regression of each item's mean
    on a constant (weights = judgments), HC1, t on items − 1 df."""
    m = len(items)
    means = (items.total / items.n).to_numpy(float)
    if m < MIN_INTERVAL_ITEMS or np.all(means == means[0]):
        return None
    fit = sm.WLS(means, np.ones(m), weights=items.n.to_numpy(float)).fit(cov_type="HC1", use_t=True)
    return fit.conf_int(alpha=0.05)[0].tolist()


@pytest.mark.parametrize("name", STUDIES)
def test_clustered_intervals_match_an_independent_computation(request, name):
    raw, result = request.getfixturevalue(name)
    for a, b, criterion in pairs_of(result):
        rows = oriented(raw, a, b, criterion)
        items = per_item(rows)
        c = comparison(result, a, b, criterion)
        label = f"{a} vs {b} ({criterion})"
        assert c["win_rate_b_ci"] == pytest.approx(clustered_ci_by_hand(items, "drop"), rel=1e-9), label
        assert c["mean_preference_ci"] == pytest.approx(mean_ci_by_hand(items), rel=1e-9), label
        for entry in [e for e in result["tie_sensitivity"]
                      if (e["system_a"], e["system_b"], e["criterion"]) == (a, b, criterion)]:
            expected = clustered_ci_by_hand(items, entry["rule"])
            assert entry["win_rate_b_ci"] == pytest.approx(expected, rel=1e-9), (entry["rule"], label)
        # the clustering is accounted for: with correlated judgments the interval is wider than the naive one
        decided = rows[rows.preference != 0]
        b_won = (decided.preference > 0).to_numpy(float)
        if c["design_effect"] is not None and c["design_effect"] > 1.2:
            naive = proportion_confint(b_won.sum(), b_won.size, method="wilson")
            assert c["win_rate_b_ci"][1] - c["win_rate_b_ci"][0] > naive[1] - naive[0], label


# ---------------------------------------------------------------------------------------------------------
# Design effect


def test_design_effect_matches_the_cluster_robust_variance(study):
    """Clustered variance of the ties-dropped win rate: the cluster-robust (sandwich) variance of an
    intercept-only regression of "b won" on the non-tie judgments, clusters = items (statsmodels), divided by
    the binomial variance R(1 − R)/n. statsmodels' small-sample factor is G/(G − 1)·(N − 1)/(N − K); the
    engine documents m/(m − 1) over every item of the comparison (items with only ties are sampled too)."""
    raw, result = study
    for a, b, criterion in pairs_of(result):
        rows = oriented(raw, a, b, criterion)
        m = rows.item_id.nunique()
        decided = rows[rows.preference != 0]
        y = (decided.preference > 0).astype(float).to_numpy()
        groups = pd.factorize(decided.item_id)[0]
        g, n = groups.max() + 1, y.size
        fit = sm.OLS(y, np.ones((n, 1))).fit(cov_type="cluster", cov_kwds={"groups": groups})
        sandwich = float(fit.cov_params()[0, 0]) / (g / (g - 1) * (n - 1) / (n - 1))
        r = y.mean()
        expected = m / (m - 1) * sandwich / (r * (1 - r) / n)
        assert comparison(result, a, b, criterion)["design_effect"] == pytest.approx(expected, rel=1e-9)


def test_design_effect_is_sensible():
    """Kish's deff: ≈ 1 for independent judgments, ≈ J when raters of an item always agree, ≈ 1 + (J − 1)ρ for
    a beta-binomial with intra-item correlation ρ; and ≈ the bootstrap variance over the binomial variance."""
    rng = np.random.default_rng(3)
    m, j = 1500, 3

    def deff(p_item):
        pref = np.where(rng.random((m, j)) < p_item[:, None], 1.0, -1.0)
        frame = pd.DataFrame({"item_id": np.repeat([f"i{i}" for i in range(m)], j),
                              "rater_id": np.tile(["x", "y", "z"], m), "system_a": "a", "system_b": "b",
                              "preference": pref.ravel()})
        return analyze(frame, resamples=0)["comparisons"][0]["design_effect"]

    assert deff(np.full(m, 0.6)) == pytest.approx(1.0, abs=0.12)
    assert deff((rng.random(m) < 0.6).astype(float)) == pytest.approx(3.0, abs=0.05)
    rho = 0.25
    shape = 1 / rho - 1
    assert deff(rng.beta(0.6 * shape, 0.4 * shape, m)) == pytest.approx(1 + (j - 1) * rho, abs=0.15)


def test_design_effect_is_the_bootstrap_variance_ratio(random3):
    raw, result = random3
    items = per_item(oriented(raw, "base", "ft"))
    boot = loop_bootstrap(items[["wins_a", "wins_b"]], {"r": BOOT_STATISTICS["drop"]}, 3000, seed=9)["r"]
    c = comparison(result, "base", "ft")
    naive = c["win_rate_b"] * (1 - c["win_rate_b"]) / (c["wins_a"] + c["wins_b"])
    # bootstrap variance has no m/(m-1); its Monte Carlo error at 3000 resamples is ~ sqrt(2/3000) ≈ 2.6 %
    m = c["n_items"]
    assert np.var(boot) / naive * m / (m - 1) == pytest.approx(c["design_effect"], rel=0.12)


# ---------------------------------------------------------------------------------------------------------
# Tie sensitivity, position bias, length bias


def test_tie_sensitivity_rules(study):
    """One entry per (criterion, pair, rule) with rule drop / half / against_b, win_rate_b and
    p_value. p_value tests the rule's own win rate against 0.5 (the headline's test); sign_test_p is the item
    view: an item favours system_b when system_b wins more of its judgments, a tie counting as nothing (drop),
    half a win each way (half: moves no item) or a loss for system_b (against_b)."""
    raw, result = study
    entries = result["tie_sensitivity"]
    assert len(entries) == 3 * len(result["comparisons"])
    for a, b, criterion in pairs_of(result):
        rows = oriented(raw, a, b, criterion)
        items = per_item(rows)
        wins_a, ties, wins_b = (rows.preference < 0).sum(), (rows.preference == 0).sum(), (rows.preference > 0).sum()
        n = len(rows)
        mine = {e["rule"]: e for e in entries if (e["system_a"], e["system_b"], e["criterion"]) == (a, b, criterion)}
        assert sorted(mine) == ["against_b", "drop", "half"]
        assert mine["drop"]["win_rate_b"] == pytest.approx(wins_b / (wins_a + wins_b))
        assert mine["half"]["win_rate_b"] == pytest.approx((wins_b + ties / 2) / n)
        assert mine["against_b"]["win_rate_b"] == pytest.approx(wins_b / n)
        for rule in ("drop", "half", "against_b"):
            assert mine[rule]["p_value"] == pytest.approx(clustered_p_by_hand(items, rule), rel=1e-9), rule

        def sign_p(score):
            pos, neg = int((score > 0).sum()), int((score < 0).sum())
            return stats.binomtest(pos, pos + neg).pvalue

        assert mine["drop"]["sign_test_p"] == pytest.approx(sign_p(items.wins_b - items.wins_a), rel=1e-10)
        assert mine["half"]["sign_test_p"] == pytest.approx(
            sign_p(items.wins_b + items.ties / 2 - items.n / 2), rel=1e-10)
        assert mine["against_b"]["sign_test_p"] == pytest.approx(
            sign_p(items.wins_b - items.wins_a - items.ties), rel=1e-10)
        assert mine["drop"]["sign_test_p"] == comparison(result, a, b, criterion)["sign_test_p"]
        headline = next(h for h in result["headline"] if (h["system_a"], h["system_b"], h["criterion"]) ==
                        (a, b, criterion))
        assert headline["p_value"] == mine[result["tie_rule"]]["p_value"]


def side_review(raw: pd.DataFrame) -> dict:
    """The within-item side test written out: for every stratum (pair, item) where system_b was shown on both
    sides among non-tie judgments, enumerate every way of giving the stratum's "system_b left" labels to its
    presentations (one rater and side: the judgments of one screen, every criterion), and take the mean and
    variance of the left wins over those assignments; per rater the same for that rater's own left wins."""
    rated = raw[raw.preference.notna() & (raw.preference != 0)].copy()
    rated["lo"] = np.minimum(rated.system_a, rated.system_b)
    rated["hi"] = np.maximum(rated.system_a, rated.system_b)  # either orientation gives the same test
    rated["crit"] = rated["criterion"] if "criterion" in rated else "overall"
    rated["hi_left"] = rated.left_system == rated.hi
    rated["hi_won"] = np.where(rated.preference > 0, rated.system_b == rated.hi, rated.system_a == rated.hi)
    rated["left_won"] = rated.hi_left == rated.hi_won
    pooled = {"observed": 0.0, "mean": 0.0, "variance": 0.0, "strata": 0, "n": 0}
    raters: dict = {}
    informative_rows = []
    for _, stratum in rated.groupby(["lo", "hi", "item_id"]):
        shows = stratum.groupby(["rater_id", "hi_left"]).agg(m=("hi_won", "size"), w=("hi_won", "sum"))
        shows = shows.reset_index()
        n_left, n = int(shows.hi_left.sum()), len(shows)
        if n_left in (0, n):
            continue
        informative_rows.append(stratum)
        # left wins of a presentation if it had system_b on the left / on the right
        if_left, if_right = shows.w.to_numpy(float), (shows.m - shows.w).to_numpy(float)
        totals, mine = [], {r: [] for r in shows.rater_id.unique()}
        for chosen in combinations(range(n), n_left):
            left = np.isin(np.arange(n), chosen)
            wins = np.where(left, if_left, if_right)
            totals.append(wins.sum())
            for r in mine:
                mine[r].append(wins[(shows.rater_id == r).to_numpy()].sum())
        pooled["observed"] += stratum.left_won.sum()
        pooled["mean"] += np.mean(totals)
        pooled["variance"] += np.var(totals)
        pooled["strata"] += 1
        pooled["n"] += len(stratum)
        for r, values in mine.items():
            entry = raters.setdefault(r, {"observed": 0.0, "mean": 0.0, "variance": 0.0, "n": 0})
            entry["observed"] += stratum.left_won[stratum.rater_id == r].sum()
            entry["mean"] += np.mean(values)
            entry["variance"] += np.var(values)
            entry["n"] += int((stratum.rater_id == r).sum())
    informative = pd.concat(informative_rows) if informative_rows else rated.iloc[:0]
    return {"rated": rated, "informative": informative, "pooled": pooled, "raters": raters}


def mh_risk_difference(rows: pd.DataFrame, by) -> float | None:
    """Mantel–Haenszel risk difference of "hi won" for hi on the left vs on the right (Greenland & Robins)."""
    top, bottom = 0.0, 0.0
    for _, s in rows.groupby(by):
        a, n1 = (s.hi_left & s.hi_won).sum(), s.hi_left.sum()
        c, n0 = (~s.hi_left & s.hi_won).sum(), (~s.hi_left).sum()
        if n1 and n0:
            top += (a * n0 - c * n1) / (n1 + n0)
            bottom += n1 * n0 / (n1 + n0)
    return top / bottom if bottom else None


def test_position_bias_by_hand(study):
    from statsmodels.stats.contingency_tables import StratifiedTable

    raw, result = study
    review = side_review(raw)
    rated, pooled = review["rated"], review["pooled"]
    bias = result["position_bias"]
    # the pooled share is descriptive
    assert bias["n_non_tie"] == len(rated)
    assert bias["left_share"] == pytest.approx(rated.left_won.mean())
    # the test: within strata, by enumeration of the side assignments
    assert bias["n_strata"] == pooled["strata"] and bias["n_tested"] == pooled["n"]
    assert bias["testable"] == (pooled["strata"] >= 10)
    expected_p = stats.chi2.sf((pooled["observed"] - pooled["mean"]) ** 2 / pooled["variance"], 1)
    assert bias["p_value"] == pytest.approx(expected_p, rel=1e-9)
    assert bias["left_share_tested"] == pytest.approx(pooled["observed"] / pooled["n"])
    assert bias["expected_left_share"] == pytest.approx(pooled["mean"] / pooled["n"])
    units = ["crit", "lo", "hi", "item_id"]
    assert bias["left_share_balanced"] == pytest.approx(0.5 + mh_risk_difference(rated, units) / 2)
    tables = [np.array([[(s.hi_left & s.hi_won).sum(), (s.hi_left & ~s.hi_won).sum()],
                        [(~s.hi_left & s.hi_won).sum(), (~s.hi_left & ~s.hi_won).sum()]])
              for _, s in rated.groupby(units)]
    tables = [t for t in tables if t[0].sum() and t[1].sum()]
    reference = StratifiedTable(tables)
    assert bias["odds_ratio_mh"] == pytest.approx(reference.oddsratio_pooled, rel=1e-9)
    assert bias["odds_ratio_mh_ci"] == pytest.approx(list(reference.oddsratio_pooled_confint()), rel=1e-9)
    if rated.crit.nunique() == 1:  # one criterion: a presentation is one judgment, and the test is CMH itself
        assert bias["p_value"] == pytest.approx(reference.test_null_odds(correction=False).pvalue, rel=1e-9)

    per_rater = {r["rater_id"]: r for r in bias["per_rater"]}
    informative = review["informative"]
    p_values = {}
    for rater, won in rated.left_won.groupby(rated.rater_id):
        entry = per_rater[rater]
        assert entry["n_non_tie"] == len(won) and entry["left_share"] == pytest.approx(won.mean())
        mine = review["raters"].get(rater, {"n": 0})
        assert entry["n_tested"] == mine["n"]
        difference = mh_risk_difference(informative[informative.rater_id == rater], ["crit", "lo", "hi"])
        if mine["n"] >= 10 and difference is not None:
            p_values[rater] = stats.chi2.sf((mine["observed"] - mine["mean"]) ** 2 / mine["variance"], 1)
            assert entry["p_value"] == pytest.approx(p_values[rater], rel=1e-9)
            assert entry["left_share_balanced"] == pytest.approx(0.5 + difference / 2)
        else:
            assert entry["p_value"] is None and not entry["testable"] and entry["reason"].startswith("not testable")
    holm = dict(zip(p_values, multipletests(list(p_values.values()), method="holm")[1])) if p_values else {}
    flags = {r["rater_id"]: r["flags"] for r in result["raters"]}
    for rater, entry in per_rater.items():
        if rater in holm:
            assert entry["p_holm"] == pytest.approx(holm[rater], rel=1e-9)
        flag = None
        if rater in holm and holm[rater] < 0.05:
            share = entry["left_share_balanced"]
            flag = "always_left" if share >= 0.6 else "always_right" if share <= 0.4 else None
        assert entry["flag"] == flag
        assert ("always_left" in flags[rater]) == (flag == "always_left")
        assert ("always_right" in flags[rater]) == (flag == "always_right")


def test_length_bias_by_hand(study):
    raw, result = study
    rated = raw[raw.preference.notna() & (raw.preference != 0)]
    la, lb = rated.metric_length_chars_a, rated.metric_length_chars_b
    unequal = la != lb
    longer_won = ((rated.preference > 0) & (lb > la)) | ((rated.preference < 0) & (la > lb))
    bias = result["length_bias"]
    k, n = int(longer_won[unequal].sum()), int(unequal.sum())
    assert (bias["n_non_tie"], bias["n_equal_length"]) == (n, int((~unequal).sum()))
    assert bias["longer_share"] == pytest.approx(k / n)
    assert bias["p_value"] == pytest.approx(stats.binomtest(k, n).pvalue, rel=1e-10)


# ---------------------------------------------------------------------------------------------------------
# Slices


def test_slices_and_their_adjustment(study):
    """Per slice value and comparison: counts, win rate and sign test from the slice's judgments; Holm and
    Benjamini–Hochberg by statsmodels over every slice test of that column (and only that column)."""
    raw, result = study
    columns = sorted({s["slice"] for s in result["slices"]})
    assert "category" in columns
    for column in columns:
        entries = [s for s in result["slices"] if s["slice"] == column]
        expected = []
        for a, b, criterion in pairs_of(result):
            rows = oriented(raw, a, b, criterion)
            for value, part in rows.groupby(column):
                items = per_item(part)
                pos, neg = int((items.wins_b > items.wins_a).sum()), int((items.wins_b < items.wins_a).sum())
                wins_a, wins_b = (part.preference < 0).sum(), (part.preference > 0).sum()
                expected.append({
                    "key": (value, a, b, criterion), "n_items": part.item_id.nunique(), "n_judgments": len(part),
                    "win_rate_b": wins_b / (wins_a + wins_b) if wins_a + wins_b else None,
                    "sign_p": stats.binomtest(pos, pos + neg).pvalue if pos + neg else None,
                    "p": clustered_p_by_hand(items, "drop"),
                    "ci": clustered_ci_by_hand(items, "drop"),
                })
        got = {(s["value"], s["system_a"], s["system_b"], s["criterion"]): s for s in entries}
        assert set(got) == {e["key"] for e in expected}
        tested = [e for e in expected if e["p"] is not None]
        holm = multipletests([e["p"] for e in tested], method="holm")[1]
        bh = multipletests([e["p"] for e in tested], method="fdr_bh")[1]
        for e, h, f in zip(tested, holm, bh):
            s = got[e["key"]]
            assert (s["n_items"], s["n_judgments"]) == (e["n_items"], e["n_judgments"])
            assert s["win_rate_b"] == pytest.approx(e["win_rate_b"])
            assert s["sign_test_p"] == pytest.approx(e["sign_p"], rel=1e-10)
            assert s["p_value"] == pytest.approx(e["p"], rel=1e-9)
            assert s["p_holm"] == pytest.approx(h, rel=1e-10)
            assert s["p_bh"] == pytest.approx(f, rel=1e-10)
            assert s["small"] == (e["n_items"] < 20)
            if s["small"]:
                assert s["winner"] is None
            elif h < 0.05:
                favoured = s["system_b"] if e["win_rate_b"] > 0.5 else s["system_a"]
                assert s["winner"] == favoured and s["verdict"] == f"{favoured} better"
                low, high = e["ci"]  # the slice's own interval is on the winner's side
                assert (low > 0.5) if favoured == s["system_b"] else (high < 0.5)
            else:
                assert s["winner"] is None


def test_slice_intervals_match_an_independent_computation(sample):
    raw, result = sample
    for s in [s for s in result["slices"] if s["slice"] == "category"]:
        items = per_item(oriented(raw, "base", "finetuned").query(f"category == {s['value']!r}"))
        assert s["win_rate_b_ci"] == pytest.approx(clustered_ci_by_hand(items, "drop"), rel=1e-9), s["value"]


# ---------------------------------------------------------------------------------------------------------
# Bradley–Terry ratings


def bt_fit_by_likelihood(raw: pd.DataFrame, systems: list[str], criterion="overall") -> np.ndarray:
    """θ (baseline systems[0] = 0) maximising Σ w_ij log σ(θ_i − θ_j), ties half a win each way, by
    scipy.optimize (trust-exact with the analytic gradient and Hessian)."""
    rated = raw[raw.preference.notna()]
    if "criterion" in rated:
        rated = rated[rated.criterion == criterion]
    k = len(systems)
    w = np.zeros((k, k))
    for a, b, p in zip(rated.system_a, rated.system_b, rated.preference):
        i, j = systems.index(a), systems.index(b)
        if p < 0:
            w[i, j] += 1
        elif p > 0:
            w[j, i] += 1
        else:
            w[i, j] += 0.5
            w[j, i] += 0.5
    n = w + w.T

    def full(free):
        return np.concatenate([[0.0], free])

    def nll(free):
        t = full(free)
        return -(w * np.log(stats.logistic.cdf(t[:, None] - t[None, :]) + 1e-300)).sum()

    def grad(free):
        t = full(free)
        p = stats.logistic.cdf(t[:, None] - t[None, :])
        return -(w - n * p).sum(axis=1)[1:]

    def hess(free):
        t = full(free)
        p = stats.logistic.cdf(t[:, None] - t[None, :])
        v = n * p * (1 - p)
        h = np.diag(v.sum(axis=1)) - v
        return h[1:, 1:]

    fit = optimize.minimize(nll, np.zeros(k - 1), jac=grad, hess=hess, method="trust-exact",
                            options={"gtol": 1e-12})
    return full(fit.x)


def test_ratings_match_an_independent_fit(study):
    raw, result = study
    baseline = result["baseline"]
    systems = [baseline] + sorted((set(raw.system_a) | set(raw.system_b)) - {baseline})
    criteria = sorted(set(raw.criterion)) if "criterion" in raw else ["overall"]
    assert sorted({r["criterion"] for r in result["ratings"]}) == criteria
    for criterion in criteria:
        theta = bt_fit_by_likelihood(raw, systems, criterion)
        ratings = {r["system"]: r for r in result["ratings"] if r["criterion"] == criterion}
        assert set(ratings) == set(systems)
        assert ratings[baseline]["rating"] == 1000.0 and ratings[baseline]["is_baseline"]
        for s, t in zip(systems, theta):
            assert ratings[s]["rating"] == pytest.approx(1000 + 400 * math.log10(math.e) * t, abs=1e-6)


def test_sample_baseline_is_the_most_frequent_system_a(sample):
    raw, result = sample
    assert result["baseline"] == raw.system_a.value_counts().idxmax() == "base"


def test_three_system_ratings_match_statsmodels_glm(three_systems):
    """Second reference: binomial GLM on every judgment (ties as two half-weighted rows, 1 and 0)."""
    raw, result = three_systems
    rated = raw[raw.preference.notna()]
    systems = ["base", "ft1", "ft2"]
    x, y, weight = [], [], []
    for a, b, p in zip(rated.system_a, rated.system_b, rated.preference):
        row = np.zeros(3)
        row[systems.index(b)] += 1
        row[systems.index(a)] -= 1
        outcomes = [(1.0, 1.0)] if p > 0 else [(0.0, 1.0)] if p < 0 else [(1.0, 0.5), (0.0, 0.5)]
        for outcome, wt in outcomes:
            x.append(row[1:])
            y.append(outcome)
            weight.append(wt)
    fit = sm.GLM(np.array(y), np.array(x), family=sm.families.Binomial(), freq_weights=np.array(weight)).fit(
        tol=1e-13)
    ratings = {r["system"]: r["rating"] for r in result["ratings"]}
    expected = 1000 + 400 / math.log(10) * fit.params
    assert [ratings["ft1"], ratings["ft2"]] == pytest.approx(expected.tolist(), abs=1e-5)


def mm_bradley_terry(w: np.ndarray, iterations: int = 3000) -> np.ndarray:
    """Hunter's (2004) MM iteration for Bradley–Terry, vectorised over a batch of win matrices (B, k, k);
    returns θ with θ_0 = 0."""
    n = w + np.swapaxes(w, 1, 2)
    wins = w.sum(axis=2)
    p = np.ones(w.shape[:2])
    for _ in range(iterations):
        denom = (n / (p[:, :, None] + p[:, None, :])).sum(axis=2)
        p = wins / denom
        p = p / p[:, :1]
    return np.log(p)


def test_rating_intervals_match_a_loop_bootstrap(three_systems):
    raw, result = three_systems
    rated = raw[raw.preference.notna()]
    systems = ["base", "ft1", "ft2"]
    items = sorted(rated.item_id.unique())
    # per item: 3×3 win matrix with ties as halves
    per_item_w = np.zeros((len(items), 3, 3))
    index = {it: i for i, it in enumerate(items)}
    for it, a, b, p in zip(rated.item_id, rated.system_a, rated.system_b, rated.preference):
        i, j = systems.index(a), systems.index(b)
        winner, loser = (i, j) if p < 0 else (j, i)
        if p == 0:
            per_item_w[index[it], i, j] += 0.5
            per_item_w[index[it], j, i] += 0.5
        else:
            per_item_w[index[it], winner, loser] += 1
    rng = np.random.default_rng(77)
    draws = np.stack([per_item_w[rng.integers(0, len(items), len(items))].sum(axis=0)
                      for _ in range(2500)])
    theta = mm_bradley_terry(draws)
    observed = mm_bradley_terry(per_item_w.sum(axis=0)[None])[0]
    ratings = {r["system"]: r for r in result["ratings"]}
    for s in (1, 2):
        assert ratings[systems[s]]["rating"] == pytest.approx(1000 + 400 / math.log(10) * observed[s], abs=1e-3)
        elo = 1000 + 400 / math.log(10) * theta[:, s]
        assert_interval_agrees(ratings[systems[s]]["ci"], elo, label=systems[s])


def test_two_system_rating_interval_matches_a_loop_bootstrap(sample):
    raw, result = sample
    items = per_item(oriented(raw, "base", "finetuned"))
    elo = loop_bootstrap(items[["wins_a", "ties", "wins_b"]], {
        "elo": lambda s: 1000 + 400 * math.log10((s["wins_b"] + s["ties"] / 2) / (s["wins_a"] + s["ties"] / 2))
    }, LOOP_RESAMPLES, seed=4)["elo"]
    ft = next(r for r in result["ratings"] if r["system"] == "finetuned")
    assert_interval_agrees(ft["ci"], elo)


# ---------------------------------------------------------------------------------------------------------
# Power


def fleiss_n(p: float, alpha=0.05, power=0.80, corrected=True) -> float:
    """Non-tie judgments for the one-sample test of p against 0.5 (normal approximation, null variance under
    the null, alternative variance under the alternative), with the Fleiss–Tytun–Ury continuity correction."""
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    n = ((za * 0.5 + zb * math.sqrt(p * (1 - p))) / abs(p - 0.5)) ** 2
    if corrected:
        n = n / 4 * (1 + math.sqrt(1 + 2 / (n * abs(p - 0.5)))) ** 2
    return n


def rejects(successes: np.ndarray, trials: np.ndarray, alpha=0.05) -> np.ndarray:
    """Does the exact two-sided binomial test against 0.5 reject? Against 0.5 the distribution is symmetric,
    so scipy.stats.binomtest's p-value is twice the smaller tail (checked against binomtest below)."""
    k, n = np.asarray(successes), np.asarray(trials)
    p = np.minimum(1.0, 2 * np.minimum(stats.binom.cdf(k, n, 0.5), stats.binom.sf(k - 1, n, 0.5)))
    return (n > 0) & (p <= alpha)


def test_rejects_is_binomtest():
    for n in (1, 7, 52, 204, 311):
        k = np.arange(n + 1)
        expected = [stats.binomtest(int(x), n).pvalue <= 0.05 for x in k]
        assert rejects(k, np.full(n + 1, n)).tolist() == expected


def test_power_formula_rederived(sample):
    # Textbook: ((1.96·0.5 + 0.8416·√0.24)/0.1)² = 193.6 → 194 non-tie judgments for 0.60; 204 corrected.
    assert math.ceil(fleiss_n(0.60, corrected=False)) == 194
    assert math.ceil(fleiss_n(0.60)) == 204
    _, result = sample
    p = result["power"]["comparisons"][0]
    c = comparison(result, "base", "finetuned")
    per_item_n = c["n_judgments"] / c["n_items"]
    assert p["tie_rate"] == pytest.approx(c["ties"] / c["n_judgments"])
    assert p["design_effect"] == pytest.approx(max(c["design_effect"], 1.0))
    for entry in p["needed"]:
        judgments = fleiss_n(entry["win_rate_b"]) / (1 - p["tie_rate"]) * p["design_effect"]
        assert entry["items"] == math.ceil(judgments / per_item_n - 1e-9)
    sign = p["sign_test"]
    share = c["items_favouring_b"] / (c["items_favouring_a"] + c["items_favouring_b"])
    assert sign["items_needed"] == math.ceil(fleiss_n(share) / (1 - c["items_even"] / c["n_items"]) - 1e-9)


def test_reported_items_give_eighty_percent_power_with_ties():
    """Independent judgments (deff 1), 25 % ties, one judgment per item: simulate studies of the reported
    size and run the exact binomial test on the non-tie judgments."""
    items, judgments = power_stats.study_size(0.60, 0.25, 1.0, 1)
    assert items == math.ceil(fleiss_n(0.60) / 0.75)
    rng = np.random.default_rng(0)
    sims = 4000
    non_tie = rng.binomial(judgments, 0.75, sims)
    wins_b = rng.binomial(non_tie, 0.60)
    power = rejects(wins_b, non_tie).mean()
    assert power == pytest.approx(0.80, abs=0.03)


def test_reported_items_give_eighty_percent_power_with_clustering():
    """Items with their own win probability (beta, intra-item correlation ρ), 3 judgments per item, 20 % ties:
    design effect of the win rate 1 + ρ·E[x(x − 1)]/E[x] = 1 + 2ρ(1 − t). At the reported number of items,
    the exact binomial test on the Rao–Scott effective counts (wins and non-ties divided by the design
    effect, Rao & Scott 1992) has ≈ 80 % power — and the plain binomial test on raw counts would reject too
    often under the null (why the clustering factor is there)."""
    rho, tie, j = 0.3, 0.2, 3
    deff = 1 + (j - 1) * rho * (1 - tie)
    items, _ = power_stats.study_size(0.60, tie, deff, j)
    assert items == math.ceil(fleiss_n(0.60) / (1 - tie) * deff / j - 1e-9)
    rng = np.random.default_rng(1)
    sims = 3000
    shape = 1 / rho - 1

    def simulate(p):
        p_item = rng.beta(p * shape, (1 - p) * shape, (sims, items))
        decided = rng.random((sims, items, j)) >= tie
        b_won = rng.random((sims, items, j)) < p_item[:, :, None]
        n = decided.sum(axis=(1, 2))
        k = (decided & b_won).sum(axis=(1, 2))
        return k, n

    k, n = simulate(0.60)
    power = rejects(np.rint(k / deff).astype(int), np.rint(n / deff).astype(int)).mean()
    assert power == pytest.approx(0.80, abs=0.035)
    k0, n0 = simulate(0.50)
    assert rejects(np.rint(k0 / deff).astype(int), np.rint(n0 / deff).astype(int)).mean() < 0.065
    assert rejects(k0, n0).mean() > 0.08  # the naive test is anticonservative under clustering


def test_sign_test_items_give_eighty_percent_power():
    # The sample study's shape: 71 % of non-even items favour system_b, 8 % of items even.
    share, even = 0.7090909, 5 / 60
    items = power_stats.sign_test_items(share, even)
    rng = np.random.default_rng(2)
    sims = 4000
    non_even = rng.binomial(items, 1 - even, sims)
    favour_b = rng.binomial(non_even, share)
    assert rejects(favour_b, non_even).mean() == pytest.approx(0.80, abs=0.04)
    share, even = 0.60, 0.2
    items = power_stats.sign_test_items(share, even)
    non_even = rng.binomial(items, 1 - even, sims)
    assert rejects(rng.binomial(non_even, share), non_even).mean() == pytest.approx(0.80, abs=0.03)


def test_current_power_of_the_sample_is_close_to_exact(sample):
    _, result = sample
    c = comparison(result, "base", "finetuned")
    share = c["items_favouring_b"] / (c["items_favouring_a"] + c["items_favouring_b"])
    n_items = c["n_items"]
    even = c["items_even"] / n_items
    # exact: even items ~ Binomial(n_items, even), then the exact test over the rest
    total = 0.0
    for non_even in range(n_items + 1):
        weight = stats.binom.pmf(non_even, n_items, 1 - even)
        if weight < 1e-12 or non_even == 0:
            continue
        ks = np.arange(non_even + 1)
        reject = rejects(ks, np.full(ks.size, non_even))
        total += weight * stats.binom.pmf(ks[reject], non_even, share).sum()
    assert result["power"]["comparisons"][0]["current_power"] == pytest.approx(total, abs=0.04)


# ---------------------------------------------------------------------------------------------------------
# Metrics


def test_metrics_by_hand(study):
    raw, result = study
    for a, b, criterion in pairs_of(result):
        rows = oriented(raw, a, b, criterion)
        means = rows.groupby("item_id").preference.mean()
        for name in ("latency_ms", "length_chars"):
            entry = next(m for m in result["metrics"] if m["metric"] == name
                         and (m["system_a"], m["system_b"], m["criterion"]) == (a, b, criterion))
            metric = rows.groupby("item_id")[[f"metric_{name}_a", f"metric_{name}_b"]].mean()
            diff = metric[f"metric_{name}_b"] - metric[f"metric_{name}_a"]
            assert entry["n_items"] == len(diff)
            assert entry["mean_difference"] == pytest.approx(diff.mean(), rel=1e-10)
            t = stats.ttest_rel(metric[f"metric_{name}_b"], metric[f"metric_{name}_a"]).pvalue
            assert entry["paired_t_p"] == pytest.approx(t, rel=1e-9)
            tau = stats.kendalltau(diff.to_numpy(), means[diff.index].to_numpy(), variant="b")
            assert entry["kendall_tau_b"] == pytest.approx(tau.statistic, rel=1e-10)
            assert entry["kendall_p"] == pytest.approx(tau.pvalue, rel=1e-9)


def test_metric_interval_matches_a_loop_bootstrap(sample):
    raw, result = sample
    rows = oriented(raw, "base", "finetuned")
    metric = rows.groupby("item_id")[["metric_length_chars_a", "metric_length_chars_b"]].mean()
    items = pd.DataFrame({"d": metric.metric_length_chars_b - metric.metric_length_chars_a, "one": 1.0})
    boot = loop_bootstrap(items, {"mean": lambda s: s["d"] / s["one"]}, LOOP_RESAMPLES, seed=8)["mean"]
    entry = next(m for m in result["metrics"] if m["metric"] == "length_chars")
    assert_interval_agrees(entry["mean_difference_ci"], boot)


# ---------------------------------------------------------------------------------------------------------
# Raters


def agreement_with_others_by_loop(raw: pd.DataFrame, outside=frozenset()) -> dict:
    """For each rater: of their judgments on units where more than half of the *other* raters of that unit
    (criterion, pair, item) gave one direction, the share that has that direction. Raters in ``outside`` (the
    flagged ones) are compared too but never count among the others."""
    rated = raw[raw.preference.notna()].copy()
    rated["lo"] = np.minimum(rated.system_a, rated.system_b)
    rated["hi"] = np.maximum(rated.system_a, rated.system_b)
    flip = rated.system_a != rated["lo"]
    rated["direction"] = np.sign(np.where(flip, -rated.preference, rated.preference))
    crit = rated["criterion"] if "criterion" in rated else pd.Series("overall", index=rated.index)
    rated["unit"] = list(zip(crit, rated.lo, rated.hi, rated.item_id))
    matches, counted = {}, {}
    for _, unit in rated.groupby("unit"):
        records = list(zip(unit.rater_id, unit.direction))
        for i, (rater, direction) in enumerate(records):
            others = [d for k, (who, d) in enumerate(records) if k != i and who not in outside]
            majority = [d for d in (-1, 0, 1) if 2 * others.count(d) > len(others)]
            if majority:
                counted[rater] = counted.get(rater, 0) + 1
                matches[rater] = matches.get(rater, 0) + (direction == majority[0])
    return {r: (matches[r] / counted[r], counted[r]) for r in counted}


def test_rater_rows_by_hand(study):
    raw, result = study
    rated = raw[raw.preference.notna()]
    rows = {r["rater_id"]: r for r in result["raters"]}
    # the majority is that of the other raters without a flag from the other checks
    outside = {r for r, row in rows.items() if set(row["flags"]) - {"low_agreement"}}
    loop = agreement_with_others_by_loop(raw, outside)
    for rater, part in rated.groupby("rater_id"):
        r = rows[rater]
        assert r["n_judgments"] == len(part)
        assert r["n_skipped"] == int(raw[(raw.rater_id == rater)].preference.isna().sum())
        assert r["tie_rate"] == pytest.approx((part.preference == 0).mean())
        assert r["median_duration_s"] == pytest.approx(part.duration_s.median())
        decided = part[part.preference != 0]
        left_won = ((decided.preference < 0) & (decided.left_system == decided.system_a)) | (
            (decided.preference > 0) & (decided.left_system == decided.system_b))
        assert r["left_share"] == pytest.approx(left_won.mean())
        share, counted = loop.get(rater, (None, 0))
        assert r["n_with_majority"] == counted
        assert r["agreement_with_others"] == (pytest.approx(share) if counted else None)
        assert ("low_agreement" in r["flags"]) == (counted >= 10 and share < 0.5)


def test_sample_readme_figures(sample):
    """What sample_data/README.md ("What the analysis should show") says the data contain."""
    raw, result = sample
    c = comparison(result, "base", "finetuned")
    assert (c["wins_b"], c["wins_a"] + c["wins_b"]) == (102, 158)
    without = comparison(analyze(raw, exclude_raters=["carol"], resamples=0), "base", "finetuned")
    assert (without["wins_b"], without["wins_a"] + without["wins_b"]) == (73, 101)
    per_rater = {r["rater_id"]: r for r in result["position_bias"]["per_rater"]}
    assert round(per_rater["carol"]["left_share"], 2) == 0.95
    assert [r for r in per_rater if per_rater[r]["p_value"] < 0.05] == ["carol"]  # carol and only carol
    flags = {r["rater_id"]: set(r["flags"]) for r in result["raters"]}
    assert {"too_fast", "always_left"} <= flags["carol"] and not flags["alice"] and not flags["bob"]


# ---------------------------------------------------------------------------------------------------------
# Options, reproducibility, output


def test_exclude_raters_is_removing_them_first(random3):
    raw, _ = random3
    excluded = analyze(raw, exclude_raters=["r5"], resamples=300, seed=2, slices=["category"], baseline="base")
    removed = analyze(raw[raw.rater_id != "r5"], resamples=300, seed=2, slices=["category"], baseline="base")
    assert excluded["excluded_raters"] == ["r5"]
    assert "r5" not in {r["rater_id"] for r in excluded["raters"]}
    for key in ("comparisons", "tie_sensitivity", "agreement", "position_bias", "raters", "slices", "ratings",
                "power", "metrics", "length_bias", "n_judgments", "n_items", "n_raters", "n_skipped"):
        assert excluded[key] == removed[key], key


def test_json_is_strict_for_awkward_studies():
    one_rater = random_study(20, n_items=15).assign(rater_id="solo").drop_duplicates(["item_id"])
    all_ties = random_study(21, n_items=15).assign(preference=0.0)
    one_side = random_study(22, n_items=15).assign(preference=1.0)
    one_item = random_study(23, n_items=1)
    for frame in (one_rater, all_ties, one_side, one_item):
        json.dumps(analyze(frame, resamples=200, slices=["category"]), allow_nan=False)


def _cli(*args) -> str:
    """``evalstore analyze ARGS`` in this process (click's runner); its stdout."""
    from click.testing import CliRunner

    from evalstore.cli import cli

    run = CliRunner().invoke(cli, ["analyze", *map(str, args)])
    assert run.exit_code == 0 and run.exception is None, run.output
    return run.stdout


def test_same_input_and_seed_give_byte_identical_json_across_processes():
    """Another process with another hash seed (set and dict order of strings differ between processes) gives
    the same bytes as this one; another seed moves the intervals."""
    args = [str(EVALSTORE), "analyze", str(SAMPLE), "--format", "json", "--slice", "category", "--seed", "3"]
    seed = "54321" if os.environ.get("PYTHONHASHSEED") != "54321" else "12345"
    other = subprocess.Popen(args, stdout=subprocess.PIPE, env={**os.environ, "PYTHONHASHSEED": seed})
    here = _cli(SAMPLE, "--format", "json", "--slice", "category", "--seed", "3").encode()
    there = other.communicate()[0]
    assert other.returncode == 0
    assert here == there
    assert _cli(SAMPLE, "--format", "json", "--slice", "category", "--seed", "3").encode() == here
    parsed = json.loads(here)
    json.dumps(parsed, allow_nan=False)
    assert parsed["seed"] == 3 and parsed["resamples"] == 2000
    other_seed = json.loads(_cli(SAMPLE, "--format", "json", "--slice", "category", "--seed", "4"))
    # the win-rate interval is closed form, the same for every seed; the bootstrap intervals move with it
    assert other_seed["comparisons"][0]["win_rate_b_ci"] == parsed["comparisons"][0]["win_rate_b_ci"]
    rating_ci = lambda r: next(x["ci"] for x in r["ratings"] if not x["is_baseline"])  # noqa: E731
    assert rating_ci(other_seed) != rating_ci(parsed)


def test_markdown_headline_matches_the_json(tmp_path):
    out = _cli(SAMPLE, "--format", "md")
    data = json.loads(_cli(SAMPLE, "--format", "json"))
    sentence = re.search(r"\*\*(.+?)\*\*", out).group(1)
    h = data["headline"][0]
    c = comparison(data, "base", "finetuned")
    assert h["win_rate_b"] == c["win_rate_b"] and h["win_rate_b_ci"] == c["win_rate_b_ci"]
    # the headline's test is the test of its own win rate; the sign test is the item view beside it
    assert h["p_value"] == pytest.approx(clustered_p_by_hand(per_item(oriented(read_sample(), "base", "finetuned")),
                                                             "drop"), rel=1e-9)
    assert h["sign_test_p"] == c["sign_test_p"] and h["winner"] == "finetuned"
    low, high = (round(100 * x) for x in c["win_rate_b_ci"])
    share = round(100 * c["items_favouring_b"] / (c["items_favouring_b"] + c["items_favouring_a"]))
    assert sentence == (
        f"finetuned beats base on overall: {round(100 * c['win_rate_b'])} % of non-tie judgments, "
        f"95 % CI {low}–{high} %, p = {h['p_value']:.3f} over {c['n_items']} prompts; finetuned is preferred on "
        f"{share} % of the prompts that lean either way (sign test p = {c['sign_test_p']:.3f})."
    )


def test_markdown_headline_when_system_a_wins():
    raw = random_study(30, n_items=60)
    raw = raw.assign(preference=-raw.preference)  # now base wins
    result = analyze(raw, resamples=500)
    h = result["headline"][0]
    assert h["winner"] == "base"
    sentence = re.search(r"\*\*(.+?)\*\*", render_markdown(result)).group(1)
    c = result["comparisons"][0]
    share = c["wins_a"] / (c["wins_a"] + c["wins_b"])
    low, high = round(100 * (1 - c["win_rate_b_ci"][1])), round(100 * (1 - c["win_rate_b_ci"][0]))
    assert sentence.startswith(
        f"base beats ft on overall: {round(100 * share)} % of non-tie judgments, 95 % CI {low}–{high} %")


def test_five_point_file_end_to_end(tmp_path, random5):
    raw, _ = random5
    path = tmp_path / "five.csv"
    raw.to_csv(path, index=False)
    data = json.loads(_cli(path, "--format", "json", "--resamples", "500"))
    assert data["scale"] == 5
    rows = oriented(raw, "base", "ft", "overall")
    c = comparison(data, "base", "ft")
    assert c["mean_preference"] == pytest.approx(rows.preference.mean())
    means = rows.groupby("item_id").preference.mean()
    assert c["wilcoxon_p"] == pytest.approx(
        stats.wilcoxon(means, zero_method="wilcox", correction=False, method="approx").pvalue, rel=1e-9)
    assert data["agreement"][0]["alpha_ci_level"] == "ordinal"
    assert "ties" in _cli(path, "--format", "md", "--resamples", "200")


def test_three_systems_in_all_pairs(tmp_path, three_systems):
    raw, result = three_systems
    assert sorted(pairs_of(result)) == [("base", "ft1", "overall"), ("base", "ft2", "overall"),
                                        ("ft1", "ft2", "overall")]
    assert {r["system"] for r in result["ratings"]} == {"base", "ft1", "ft2"}
    assert len(result["agreement"]) == len(result["tie_sensitivity"]) / 3 == len(result["power"]["comparisons"]) == 3
    path = tmp_path / "three.csv"
    raw.to_csv(path, index=False)
    data = json.loads(_cli(path, "--format", "json", "--resamples", "300"))
    assert [r["system"] for r in data["ratings"]][0] == data["baseline"]
    assert len(data["comparisons"]) == 3


# ---------------------------------------------------------------------------------------------------------
# Small random studies, including degenerate ones: the same hand computations must hold everywhere

@st.composite
def tiny_studies(draw):
    systems = ["s1", "s2", "s3"][: draw(st.integers(2, 3))]
    values = draw(st.sampled_from([[-1, 0, 1], [-2, -1, 0, 1, 2], [0], [1], [-1, 0]]))
    rows = []
    for item in range(draw(st.integers(1, 9))):
        for a, b in combinations(systems, 2):
            for rater in ("x", "y", "z")[: draw(st.integers(1, 3))]:
                pref = draw(st.sampled_from(values + [None]))
                if draw(st.booleans()):  # written the other way round
                    a, b, pref = b, a, None if pref is None else -pref
                rows.append({"item_id": f"i{item}", "rater_id": rater, "system_a": a, "system_b": b,
                             "preference": np.nan if pref is None else float(pref),
                             "left_system": draw(st.sampled_from([a, b]))})
    return pd.DataFrame(rows)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_studies())
def test_hand_computations_hold_on_small_and_degenerate_studies(raw):
    result = analyze(raw, resamples=30, seed=1)
    json.dumps(result, allow_nan=False)
    for a, b, criterion in pairs_of(result):
        rows = oriented(raw, a, b)
        c = comparison(result, a, b, criterion)
        wins_a, ties, wins_b = (rows.preference < 0).sum(), (rows.preference == 0).sum(), (rows.preference > 0).sum()
        assert (c["wins_a"], c["ties"], c["wins_b"]) == (wins_a, ties, wins_b)
        assert c["win_rate_b"] == (pytest.approx(wins_b / (wins_a + wins_b)) if wins_a + wins_b else None)
        means = rows.groupby("item_id").preference.mean().to_numpy()
        items = per_item(rows)
        pos, neg = int((items.wins_b > items.wins_a).sum()), int((items.wins_b < items.wins_a).sum())
        assert c["sign_test_p"] == (pytest.approx(stats.binomtest(pos, pos + neg).pvalue) if pos + neg else None)
        if c["paired_t_p"] is not None:
            assert c["paired_t_p"] == pytest.approx(stats.ttest_1samp(means, 0.0).pvalue)
        else:
            assert means.size < 2 or np.all(means == means[0])
        if c["wilcoxon_p"] is not None:
            assert c["wilcoxon_p"] == pytest.approx(wilcoxon_reference(means))
    # ratings: finite exactly when the beat graph (ties = half a win each way) is strongly connected
    rated = raw[raw.preference.notna()]
    if not len(rated):
        return
    # the anchor at 1000 is the baseline, or the first rated system when every judgment of the baseline was a skip
    anchor = next(r["system"] for r in result["ratings"] if r["is_baseline"])
    systems = [anchor] + sorted((set(rated.system_a) | set(rated.system_b)) - {anchor})
    k = len(systems)
    beat = np.zeros((k, k))
    for a, b, p in zip(rated.system_a, rated.system_b, rated.preference):
        i, j = systems.index(a), systems.index(b)
        if p <= 0:
            beat[i, j] = 1
        if p >= 0:
            beat[j, i] = 1
    present = sorted({systems.index(s) for s in set(rated.system_a) | set(rated.system_b)})
    n_strong, _ = connected_components(beat[np.ix_(present, present)], directed=True, connection="strong")
    ratings = {r["system"]: r["rating"] for r in result["ratings"]}
    if n_strong == 1:
        theta = bt_fit_by_likelihood(raw, systems)
        for s, t in zip(systems, theta):
            assert ratings[s] == pytest.approx(1000 + 400 / math.log(10) * t, abs=1e-4)
    else:
        assert any(v is None for v in ratings.values())
