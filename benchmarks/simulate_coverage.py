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
percentile bootstrap it replaced): the percentile cluster bootstrap (evalstore's interval before
issue 11, the same ``bootstrap_sums``), BCa, the bootstrap-t (studentized by the linearised standard error in
each resample), the cluster-robust Wald t and Fieller's interval (the inverted t-test), both on items − 1 df.

``--designs`` instead checks the chosen interval over a grid of designs (raters per item, item spread, effect,
tie rule) at 2 to 60 items, calling ``stats.inference.share_inference`` directly: the evidence behind
``MIN_ITEMS`` and ``FEW_ITEMS``.

Run from the repository root (takes about ten minutes on 2 cores; use ``nice`` on a shared machine):

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
    return pd.DataFrame(
        {
            "item_id": np.char.add("item-", item.astype(str)),
            "rater_id": np.char.add("rater-", rater.astype(str)),
            "system_a": "base",
            "system_b": "finetuned",
            "preference": preference,
        }
    )


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
    low, high = (-1, 1) if key in MEAN_ROWS else (0, 1)
    widths = [min(r[key][1], high) - max(r[key][0], low) for r in rows if r[key] and None not in r[key]]
    return float(np.mean(widths)) if widths else float("nan")


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
