"""Do evalstore's intervals and tests keep their promises? Synthetic studies of 8, 15, 30 and 60 items.

Each study: ``n`` prompts (items), each judged by 3 raters (from a pool of 6). Items differ in difficulty:
rater k's latent preference for system_b on item i is ``effect + u_i + e_ik`` with u_i ~ N(0, item_sd²) shared by
the item's raters and e_ik ~ N(0, 1); the judgment is -1 / 0 / +1 when the latent is below -0.5 / between /
above 0.5. The true win rate (ties dropped) is then known exactly: with L ~ N(effect, 1 + item_sd²),
P(L > 0.5) / (P(L > 0.5) + P(L < -0.5)).

Every study goes through ``evalstore.analysis.analyze`` unchanged (the same code as ``evalstore analyze``): we
count how often its ``win_rate_b_ci`` (the modified Wilson interval of stats/inference.py) and
``win_rate_b_wilson_ci`` (naive) contain the true win rate, and how often the tests fall under 0.05 when there
is no effect (type-I error) and when there is one (power). Beside them, from the same study's per-item tallies,
the intervals that were tried and not chosen (and, for ``mean_preference_ci``, its cluster t interval beside the
percentile bootstrap it replaced): the percentile cluster bootstrap (evalstore's earlier
interval, the same ``bootstrap_sums``), BCa, the bootstrap-t (studentized by the linearised standard error in
each resample), the cluster-robust Wald t and Fieller's interval (the inverted t-test), both on items − 1 df.

``--designs`` instead checks the chosen interval over a grid of designs (raters per item, item spread, effect,
tie rule) at 2 to 60 items, calling ``stats.inference.share_inference`` directly: the evidence behind
``MIN_ITEMS`` and ``FEW_ITEMS``.

Below them, the other intervals the engine reports, each against a truth from the generating model (closed form,
or the same statistic on one population of 100,000 items from the same generator, computed once per design):
``item_share_b_ci``, ``tie_sensitivity`` half / against_b, the non-baseline ``ratings`` ci, ``alpha_ci``,
``position_bias.odds_ratio_mh_ci`` (no side effect is simulated: truth 1), and two intervals that need more of the
generator, each from its own ``analyze`` call on a study of the same size: ``length_controlled.ci`` (lengths in
metric_length_chars_a/b; system_b's output is d ~ N(0, 150²) characters longer and the latent gains
0.6 tanh(d / 150)) and ``rater_sensitivity.ci_items_and_raters`` (each study's 6 raters are a fresh draw of
leanings N(0, 0.5²); truth: the win rate over the population of raters). Their coverage is among the studies that
get an interval; the share without one is printed with the truth.

Run from the repository root (about 9 minutes at the default 1000 studies on 2 cores, about 3 minutes with
``--studies 300``; use ``nice`` on a shared machine):

    nice .venv/bin/python benchmarks/simulate_coverage.py
    nice .venv/bin/python benchmarks/simulate_coverage.py --studies 200 --resamples 499   # quicker look
    nice .venv/bin/python benchmarks/simulate_coverage.py --designs
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import norm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

THRESHOLD = 0.5
RATERS_PER_ITEM = 3
RATER_POOL = 6
LEVEL = 0.95
#: Interval rows of the table, in order: key → label.
INTERVALS = {
    "chosen": "win_rate_b_ci (modified Wilson, chosen)",
    "percentile": "percentile cluster bootstrap (before)",
    "bca": "BCa cluster bootstrap",
    "boot_t": "bootstrap-t (studentized)",
    "wald_t": "cluster-robust Wald t, items - 1 df",
    "fieller": "Fieller (inverted t-test), items - 1 df",
    "wilson": "win_rate_b_wilson_ci (naive)",
    "mean_t": "mean_preference_ci (cluster t, chosen)",
    "mean_percentile": "mean preference, percentile bootstrap (before)",
}
#: Rows whose truth is the mean preference rather than the win rate.
MEAN_ROWS = ("mean_t", "mean_percentile")
TESTS = {
    "headline_p": "win-rate test (headline, dual)",
    "sign_p": "sign test over items",
    "wilcoxon_p": "Wilcoxon (exact <= 50 items)",
    "t_p": "paired t over items",
}


def true_win_rate(effect: float, item_sd: float, rule: str = "drop") -> float:
    """system_b's win rate under ``rule`` in the population the studies are drawn from."""
    scale = math.sqrt(1 + item_sd**2)
    win_b = norm.sf(THRESHOLD, loc=effect, scale=scale)
    win_a = norm.cdf(-THRESHOLD, loc=effect, scale=scale)
    tie = 1 - win_a - win_b
    return {"drop": win_b / (win_a + win_b), "half": win_b + tie / 2, "against_b": win_b}[rule]


def true_mean_preference(effect: float, item_sd: float) -> float:
    """P(+1) − P(−1): the population's mean preference on the 3-point scale."""
    scale = math.sqrt(1 + item_sd**2)
    return float(norm.sf(THRESHOLD, loc=effect, scale=scale) - norm.cdf(-THRESHOLD, loc=effect, scale=scale))


def simulate_study(n_items: int, effect: float, item_sd: float, rng: np.random.Generator) -> pd.DataFrame:
    item = np.repeat(np.arange(n_items), RATERS_PER_ITEM)
    slot = np.tile(np.arange(RATERS_PER_ITEM), n_items)
    first = rng.integers(0, RATER_POOL, n_items)[item]
    rater = (first + slot * 2) % RATER_POOL  # three distinct raters per item
    latent = effect + rng.normal(0, item_sd, n_items)[item] + rng.normal(0, 1, item.size)
    preference = np.where(latent > THRESHOLD, 1.0, np.where(latent < -THRESHOLD, -1.0, 0.0))
    # the side each judgment showed system_b on: random, no side effect, so position_bias's true odds ratio is 1
    left = np.where(rng.random(item.size) < 0.5, "finetuned", "base")
    return pd.DataFrame(
        {
            "item_id": np.char.add("item-", item.astype(str)),
            "rater_id": np.char.add("rater-", rater.astype(str)),
            "system_a": "base",
            "system_b": "finetuned",
            "preference": preference,
            "left_system": left,
        }
    )


#: Length design: per item, system_a's output has 1000 ± U(100) characters and system_b's differs from it by
#: d ~ N(0, LENGTH_SD²); the latent preference gains LENGTH_BETA · tanh(d / LENGTH_SD) (longer output preferred).
LENGTH_SD = 150.0
LENGTH_BETA = 0.6
#: Rater design: each study's RATER_POOL raters are a fresh draw from N(0, RATER_SD²) leanings (latent scale).
RATER_SD = 0.5


def simulate_arrays(n_items: int, effect: float, item_sd: float, rng: np.random.Generator, *,
                    length_beta: float = 0.0, rater_sd: float = 0.0, pool: int = RATER_POOL) -> dict:
    """The same generator with optional length and rater effects; numeric arrays (a population is cheap)."""
    item = np.repeat(np.arange(n_items), RATERS_PER_ITEM)
    slot = np.tile(np.arange(RATERS_PER_ITEM), n_items)
    first = rng.integers(0, pool, n_items)[item]
    rater = (first + slot * (pool // RATERS_PER_ITEM)) % pool
    latent = effect + rng.normal(0, item_sd, n_items)[item] + rng.normal(0, 1, item.size)
    out = {"item": item, "rater": rater}
    if rater_sd:
        latent = latent + rng.normal(0, rater_sd, pool)[rater]
    if length_beta:
        length_a = 1000 + rng.uniform(-100, 100, n_items)
        diff = rng.normal(0, LENGTH_SD, n_items)
        latent = latent + length_beta * np.tanh(diff / LENGTH_SD)[item]
        out["length_a"], out["length_b"] = length_a[item], (length_a + diff)[item]
    out["preference"] = np.where(latent > THRESHOLD, 1.0, np.where(latent < -THRESHOLD, -1.0, 0.0))
    return out


def arrays_frame(a: dict) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "item_id": np.char.add("item-", a["item"].astype(str)),
            "rater_id": np.char.add("rater-", a["rater"].astype(str)),
            "system_a": "base",
            "system_b": "finetuned",
            "preference": a["preference"],
        }
    )
    if "length_a" in a:
        frame["metric_length_chars_a"] = np.round(a["length_a"])
        frame["metric_length_chars_b"] = np.round(a["length_b"])
    return frame


#: The other intervals the engine reports: key → label. Their truths come from ``other_truths``.
OTHER_INTERVALS = {
    "item_share": "headline item_share_b_ci (Clopper-Pearson)",
    "tie_half": "tie_sensitivity half: win_rate_b_ci",
    "tie_against": "tie_sensitivity against_b: win_rate_b_ci",
    "rating": "ratings[finetuned].ci (Elo; truth closed form)",
    "alpha": "agreement alpha_ci (ordinal alpha)",
    "position_or": "position_bias odds_ratio_mh_ci (truth 1)",
    "length": "length_controlled.ci vs population fit",
    "length_d0": "length_controlled.ci vs P(win | equal length)",
    "raters_two_way": "rater_sensitivity ci_items_and_raters",
    "raters_items_only": "rater_sensitivity ci_items_only (same target)",
}
#: Range each interval is clipped to for its mean width.
RANGES = {"alpha": (-1, 1), "rating": (-np.inf, np.inf), "position_or": (0, np.inf)}
#: Items in each population that gives a truth (computed once per design).
POPULATION_ITEMS = 100_000


def other_truths(effect: float, item_sd: float, seed: int) -> tuple[dict, dict]:
    """The true value of each of OTHER_INTERVALS under the generator, and how it was obtained."""
    from evalstore.stats.agreement import agreement_summary
    from evalstore.stats.length import length_controlled_win_rate
    from evalstore.stats.ratings import to_elo
    from evalstore.stats.winrates import tally, item_scores

    rng = np.random.default_rng([seed, 99, int(effect * 1000)])
    pop = simulate_arrays(POPULATION_ITEMS, effect, item_sd, rng)
    t = tally(pop["item"], pop["preference"], POPULATION_ITEMS)
    score = item_scores(t, "drop")
    half = true_win_rate(effect, item_sd, "half")
    rated = pd.DataFrame({"item_id": pop["item"], "rater_id": pop["rater"], "preference": pop["preference"]})
    alpha = agreement_summary(rated, scale=3, resamples=0, seed=0)["krippendorff_alpha_ordinal"]
    lpop = simulate_arrays(POPULATION_ITEMS, effect, item_sd, rng, length_beta=LENGTH_BETA)
    fit = length_controlled_win_rate(lpop["item"], lpop["preference"], lpop["length_a"], lpop["length_b"], "drop",
                                     resamples=0, rng=rng)
    two_way = true_win_rate(effect, math.sqrt(item_sd**2 + RATER_SD**2))
    truths = {
        "item_share": float(np.sum(score > 0) / np.sum(score != 0)),
        "tie_half": half,
        "tie_against": true_win_rate(effect, item_sd, "against_b"),
        "rating": float(to_elo(math.log(half / (1 - half)))),
        "alpha": float(alpha),
        "position_or": 1.0,
        "length": float(fit.win_rate_b),
        "length_d0": true_win_rate(effect, item_sd),
        "raters_two_way": two_way,
        "raters_items_only": two_way,
    }
    how = {
        "item_share": f"share of non-even items favouring b in a population of {POPULATION_ITEMS:,} items",
        "tie_half": "closed form P(+1) + P(0)/2",
        "tie_against": "closed form P(+1)",
        "rating": "closed form 1000 + 400 log10(w/(1-w)), w = half-rule win rate (2-system BT, ties half)",
        "alpha": f"ordinal alpha of a population of {POPULATION_ITEMS:,} items x 3 raters",
        "position_or": "no side effect in the generator (left side random)",
        "length": f"engine's model fitted to a population of {POPULATION_ITEMS:,} items (length effect "
        f"{LENGTH_BETA} tanh(d/{LENGTH_SD:.0f}))",
        "length_d0": "closed form: the win rate of items with equal lengths (d = 0)",
        "raters_two_way": f"closed form with rater leanings N(0, {RATER_SD}^2) added: the win rate of the "
        f"population of raters; each study draws {RATER_POOL} raters",
        "raters_items_only": "the same population-of-raters target",
    }
    return truths, how


# ---------------------------------------------------------------------------------------------------------
# The intervals that were tried, on per-item y (wins_b) and x (non-tie judgments)


def _t_quantile(m: int) -> float:
    return float(stats.t.isf((1 - LEVEL) / 2, m - 1))


def wald_t(y: np.ndarray, x: np.ndarray):
    m = y.size
    rate = y.sum() / x.sum()
    se = math.sqrt(m / (m - 1) * np.sum((y - rate * x) ** 2)) / x.sum()
    c = _t_quantile(m)
    return [rate - c * se, rate + c * se]


def fieller(y: np.ndarray, x: np.ndarray):
    """{r : t-test of mean(y − r x) = 0 does not reject} (Fieller 1954), clipped to [0, 1]."""
    m = y.size
    c2 = _t_quantile(m) ** 2
    xb, yb = x.mean(), y.mean()
    sxx, syy = x.var(ddof=1), y.var(ddof=1)
    sxy = np.sum((x - xb) * (y - yb)) / (m - 1)
    a = m * xb**2 - c2 * sxx
    b = m * xb * yb - c2 * sxy
    c = m * yb**2 - c2 * syy
    disc = b * b - a * c
    if a <= 0 or disc < 0:
        return [0.0, 1.0]  # unbounded set: the whole range
    root = math.sqrt(disc)
    return [max(0.0, (b - root) / a), min(1.0, (b + root) / a)]


def bootstrap_intervals(y: np.ndarray, x: np.ndarray, resamples: int, rng: np.random.Generator) -> dict:
    """Percentile, BCa and bootstrap-t from one set of item-clustered resamples (``bootstrap_sums``)."""
    from evalstore.stats.bootstrap import bootstrap_sums
    from evalstore.stats.intervals import percentile_interval

    m = y.size
    rate = y.sum() / x.sum()
    sums = bootstrap_sums(np.column_stack([y, x, y * y, x * y, x * x]), resamples, rng)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = sums[:, 0] / sums[:, 1]
        # Σ w (y − R* x)² of each resample, from its sums of squares and products
        spread = sums[:, 2] - 2 * boot * sums[:, 3] + boot**2 * sums[:, 4]
        se_boot = np.sqrt(m / (m - 1) * np.maximum(spread, 0)) / sums[:, 1]
    out = {"percentile": percentile_interval(boot).interval}
    defined = boot[np.isfinite(boot)]
    tail = (1 - LEVEL) / 2
    # BCa (Efron 1987): bias correction from the share below the estimate, acceleration from the jackknife
    z0 = norm.ppf((np.sum(defined < rate) + 0.5 * np.sum(defined == rate)) / defined.size)
    keep = x.sum() - x > 0
    jack = (y.sum() - y[keep]) / (x.sum() - x[keep])
    d = jack.mean() - jack
    accel = np.sum(d**3) / (6 * np.sum(d**2) ** 1.5) if np.sum(d**2) > 0 else 0.0
    if np.isfinite(z0):
        z = norm.ppf([tail, 1 - tail])
        levels = norm.cdf(z0 + (z0 + z) / (1 - accel * (z0 + z)))
        out["bca"] = np.quantile(defined, levels).tolist()
    else:
        out["bca"] = [rate, rate]
    se = math.sqrt(m / (m - 1) * np.sum((y - rate * x) ** 2)) / x.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        studentized = (boot - rate) / se_boot
    studentized = studentized[np.isfinite(studentized)]
    if se > 0 and studentized.size:
        high_q, low_q = np.quantile(studentized, [1 - tail, tail])
        out["boot_t"] = [rate - high_q * se, rate - low_q * se]
    else:
        out["boot_t"] = [rate, rate]
    return out


def one_study(task: tuple) -> dict:
    from evalstore.analysis import analyze
    from evalstore.stats.bootstrap import bootstrap_sums
    from evalstore.stats.intervals import percentile_interval
    from evalstore.stats.winrates import N, SUM_PREF, WINS_A, WINS_B, tally

    study, n_items, effect, item_sd, resamples, seed = task
    rng = np.random.default_rng([seed, study, n_items, int(effect * 1000)])
    frame = simulate_study(n_items, effect, item_sd, rng)
    result = analyze(frame, resamples=resamples, seed=study)
    c = result["comparisons"][0]
    row = {
        "chosen": c["win_rate_b_ci"],
        "wilson": c["win_rate_b_wilson_ci"],
        "mean_t": c["mean_preference_ci"],
        "headline_p": result["headline"][0].get("p_value") if result["headline"][0].get("tie_rule") == "drop" else None,
        "sign_p": c["sign_test_p"],
        "wilcoxon_p": c["wilcoxon_p"],
        "t_p": c["paired_t_p"],
        "deff": c["design_effect"],
        "one_way": c["wins_a"] == 0 or c["wins_b"] == 0,
    }
    head = result["headline"][0]
    row["item_share"] = head["item_share_b_ci"]
    by_rule = {e["rule"]: e for e in result["tie_sensitivity"]}
    row["tie_half"] = by_rule["half"]["win_rate_b_ci"]
    row["tie_against"] = by_rule["against_b"]["win_rate_b_ci"]
    row["rating"] = next(r["ci"] for r in result["ratings"] if not r["is_baseline"])
    row["alpha"] = result["agreement"][0]["alpha_ci"]
    row["position_or"] = (result["position_bias"] or {}).get("odds_ratio_mh_ci")
    # length: a study from the generator with output lengths that move the preference
    lrng = np.random.default_rng([seed, study, n_items, int(effect * 1000), 7])
    lframe = arrays_frame(simulate_arrays(n_items, effect, item_sd, lrng, length_beta=LENGTH_BETA))
    controlled = analyze(lframe, resamples=resamples, seed=study)["headline"][0]["length_controlled"] or {}
    row["length"] = row["length_d0"] = controlled.get("ci")
    # raters: a study whose RATER_POOL raters are a fresh draw of leanings
    rrng = np.random.default_rng([seed, study, n_items, int(effect * 1000), 8])
    rframe = arrays_frame(simulate_arrays(n_items, effect, item_sd, rrng, rater_sd=RATER_SD))
    check = analyze(rframe, resamples=resamples, seed=study)["headline"][0]["rater_sensitivity"]
    row["raters_two_way"] = check.get("ci_items_and_raters")
    row["raters_items_only"] = check.get("ci_items_only")
    codes = pd.factorize(frame["item_id"])[0]
    t = tally(codes, frame["preference"].to_numpy(), n_items)
    sums = bootstrap_sums(t[:, [SUM_PREF, N]], resamples, np.random.default_rng([seed, study, 2]))
    row["mean_percentile"] = percentile_interval(sums[:, 0] / sums[:, 1]).interval
    y = t[:, WINS_B].astype(np.float64)
    x = (t[:, WINS_A] + t[:, WINS_B]).astype(np.float64)
    y, x = y[x > 0], x[x > 0]
    if y.size >= 2 and 0 < y.sum() < x.sum():
        row["wald_t"] = wald_t(y, x)
        row["fieller"] = fieller(y, x)
        row.update(bootstrap_intervals(y, x, resamples, np.random.default_rng([seed, study, 1])))
    else:  # every judgment one way: every interval from the items' spread is a point at 0 or 1
        rate = float(y.sum() / x.sum()) if x.sum() else None
        point = [rate, rate] if rate is not None else None
        row.update({k: point for k in ("wald_t", "fieller", "percentile", "bca", "boot_t")})
    return row


def _covers(ci, truth) -> bool:
    return ci is not None and ci[0] is not None and ci[1] is not None and ci[0] <= truth <= ci[1]


def _share(flags) -> tuple[float, float]:
    p = float(np.mean(flags))
    return p, math.sqrt(p * (1 - p) / len(flags))


def _width(rows, key) -> float:
    low, high = (-1, 1) if key in MEAN_ROWS else RANGES.get(key, (0, 1))
    widths = [min(r[key][1], high) - max(r[key][0], low) for r in rows if r[key] and None not in r[key]]
    widths = [w for w in widths if math.isfinite(w)]
    return float(np.mean(widths)) if widths else float("nan")


def _fmt_width(w: float) -> str:
    return f"{w:.2f}" if abs(w) < 10 else f"{w:.0f}"


def run_scenario(name: str, effect: float, args, pool) -> None:
    truth = true_win_rate(effect, args.item_sd)
    mean_truth = true_mean_preference(effect, args.item_sd)
    what = "type-I error" if effect == 0 else "power"
    print(f"\n{name}: effect {effect}, true win rate {truth:.4f} (ties dropped), true mean preference "
          f"{mean_truth:.4f}, {args.studies} studies per size")
    header = "".join(f"{f'{m} items':>22}" for m in args.items)
    print(f"  {'coverage of 95 % interval (± MC s.e.) [mean width]':<48}{header}")
    results, seconds = {}, {}
    for m in args.items:
        tasks = [(s, m, effect, args.item_sd, args.resamples, args.seed) for s in range(args.studies)]
        start = time.perf_counter()
        results[m] = pool.map(one_study, tasks, chunksize=10)
        seconds[m] = time.perf_counter() - start
    for key, label in INTERVALS.items():
        cells = []
        for m in args.items:
            target = mean_truth if key in MEAN_ROWS else truth
            p, se = _share([_covers(r[key], target) for r in results[m]])
            cells.append(f"{p:.3f} ±{se:.3f} [{_width(results[m], key):.2f}]")
        print(f"  {label:<48}" + "".join(f"{c:>22}" for c in cells))
    for key, label in TESTS.items():
        cells = []
        for m in args.items:
            p, se = _share([r[key] is not None and r[key] < 0.05 for r in results[m]])
            cells.append(f"{p:.3f} ±{se:.3f}")
        print(f"  {what + ' of ' + label:<48}" + "".join(f"{c:>22}" for c in cells))
    truths, how = other_truths(effect, args.item_sd, args.seed)
    print(f"  other intervals the engine reports (truth from the generator; {RATER_POOL} raters per study, "
          f"{RATERS_PER_ITEM} per item):")
    for key, label in OTHER_INTERVALS.items():
        cells = []
        for m in args.items:  # coverage among the studies given an interval (the share without one is below)
            given = [r for r in results[m] if r[key] is not None and None not in r[key]]
            if not given:
                cells.append("no interval")
                continue
            p, se = _share([_covers(r[key], truths[key]) for r in given])
            cells.append(f"{p:.3f} ±{se:.3f} [{_fmt_width(_width(given, key))}]")
        print(f"  {label:<48}" + "".join(f"{c:>22}" for c in cells))
    for key in OTHER_INTERVALS:
        missing = [np.mean([r[key] is None or None in r[key] for r in results[m]]) for m in args.items]
        print(f"    truth {key} = {truths[key]:.4f}: {how[key]}"
              + (f"; share with no interval {', '.join(f'{x:.3f}' for x in missing)}" if any(missing) else ""))
    deff = [np.mean([r["deff"] for r in results[m] if r["deff"] is not None]) for m in args.items]
    one_way = [np.mean([r["one_way"] for r in results[m]]) for m in args.items]
    print(f"  {'mean design effect':<48}" + "".join(f"{d:>22.2f}" for d in deff))
    print(f"  {'share of studies with every judgment one way':<48}" + "".join(f"{o:>22.3f}" for o in one_way))
    print(f"  {'seconds':<48}" + "".join(f"{seconds[m]:>22.0f}" for m in args.items))


# ---------------------------------------------------------------------------------------------------------
# --designs: the chosen interval over many designs


def _design_row(task: tuple) -> tuple:
    from evalstore.stats import inference
    from evalstore.stats.inference import ratio_scores, share_inference

    inference.MIN_ITEMS = 2  # this worker only: show what the method would give below the minimum
    raters, item_sd, effect, rule, sizes, studies, seed = task
    truth = true_win_rate(effect, item_sd, rule)
    out = []
    for m in sizes:
        rng = np.random.default_rng([seed, m, raters, int(item_sd * 10), int(effect * 10)])
        latent = effect + rng.normal(0, item_sd, (studies, m, 1)) + rng.normal(0, 1, (studies, m, raters))
        wins_b = (latent > THRESHOLD).sum(-1)
        wins_a = (latent < -THRESHOLD).sum(-1)
        ties = raters - wins_a - wins_b
        hits, given = 0, 0
        for s in range(studies):
            t = np.column_stack([wins_a[s], ties[s], wins_b[s], np.full(m, raters), wins_b[s] - wins_a[s]])
            ci = share_inference(*ratio_scores(t, rule)).ci
            if ci is not None:
                given += 1
                hits += ci[0] <= truth <= ci[1]
        out.append(hits / given if given else float("nan"))
    return (raters, item_sd, effect, rule, truth, out)


def run_designs(args, pool) -> None:
    from evalstore.stats.inference import FEW_ITEMS, MIN_ITEMS

    sizes = [2, 3, 4, 5, 6, 8, 10, 15, 30, 60]
    grid = [(j, sd, e, rule, sizes, args.studies, args.seed)
            for j in (2, 3, 5) for sd in (0.0, 1.0, 2.0) for e in (0.0, 0.3, 0.6, 1.2, 2.0)
            for rule in ("drop", "half", "against_b")]
    start = time.perf_counter()
    rows = pool.map(_design_row, grid, chunksize=1)
    print(f"{len(grid)} designs (raters per item 2/3/5 × item sd 0/1/2 × effect 0/0.3/0.6/1.2/2 × tie rule), "
          f"{args.studies} studies each, {time.perf_counter() - start:.0f} s; coverage where an interval is given "
          f"(the engine gives none below MIN_ITEMS = {MIN_ITEMS}; lowered to 2 here to show what the method would give; "
          f"FEW_ITEMS = {FEW_ITEMS})")
    print(f"  {'items':<44}" + "".join(f"{m:>7}" for m in sizes))
    cov = np.array([r[5] for r in rows])
    truth = np.array([r[4] for r in rows])
    middle = (truth >= 0.2) & (truth <= 0.8)
    for label, mask in (("all designs", np.ones(len(rows), bool)), ("designs with win rate in [0.2, 0.8]", middle)):
        for stat, f in (("min", np.nanmin), ("median", np.nanmedian), ("max", np.nanmax)):
            print(f"  {label + ' ' + stat:<44}" + "".join(f"{v:>7.3f}" for v in f(cov[mask], axis=0)))
    worst = np.nanargmin(cov, axis=0)
    for m, w in zip(sizes, worst):
        j, sd, e, rule, tr, _ = rows[w]
        print(f"  worst at {m:>2} items: {cov[w, sizes.index(m)]:.3f} ({j} raters, item sd {sd}, effect {e}, {rule}, "
              f"true rate {tr:.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=1000)
    parser.add_argument("--items", type=lambda s: [int(v) for v in s.split(",")], default=[8, 15, 30, 60],
                        help="comma-separated study sizes")
    parser.add_argument("--item-sd", type=float, default=1.0, help="spread of item difficulty (latent scale)")
    parser.add_argument("--effect", type=float, default=0.3, help="system_b's advantage on the latent scale")
    parser.add_argument("--resamples", type=int, default=999, help="bootstrap resamples (engine and the tried ones)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--designs", action="store_true", help="the chosen interval over a grid of designs instead")
    args = parser.parse_args()
    if args.designs:
        print(f"command: {sys.executable} benchmarks/simulate_coverage.py --designs --studies {args.studies} "
              f"--seed {args.seed}")
        with Pool(args.workers) as pool:
            run_designs(args, pool)
        return
    print(
        f"command: {sys.executable} benchmarks/simulate_coverage.py --studies {args.studies} "
        f"--items {','.join(map(str, args.items))} --item-sd {args.item_sd} --effect {args.effect} "
        f"--resamples {args.resamples} --seed {args.seed}"
    )
    print(f"items × {RATERS_PER_ITEM} raters per study; ± = Monte Carlo standard error; "
          "[mean width, clipped to the range]")
    with Pool(args.workers) as pool:
        run_scenario("null", 0.0, args, pool)
        run_scenario("effect", args.effect, args, pool)


if __name__ == "__main__":
    main()
