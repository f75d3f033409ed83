"""Do evalstore's intervals and tests keep their promises? 1,000 synthetic studies per scenario.

Each study: ``--items`` prompts, each judged by 3 raters (from a pool of 6). Items differ in difficulty:
rater k's latent preference for system_b on item i is ``effect + u_i + e_ik`` with u_i ~ N(0, item_sd²) shared by
the item's raters and e_ik ~ N(0, 1); the judgment is -1 / 0 / +1 when the latent is below -0.5 / between /
above 0.5. The true win rate (ties dropped) is then known exactly: with L ~ N(effect, 1 + item_sd²),
P(L > 0.5) / (P(L > 0.5) + P(L < -0.5)).

Every study goes through ``evalstore.analysis.analyze`` unchanged (the same code as ``evalstore analyze``), and
we count how often ``win_rate_b_ci`` (item-clustered bootstrap) and ``win_rate_b_wilson_ci`` (naive) contain
the true win rate, and how often ``sign_test_p`` (and the Wilcoxon and t p-values) fall under 0.05 when there
is no effect (type-I error) and when there is one (power).

Run from the repository root (takes a few minutes on 2 cores):

    .venv/bin/python benchmarks/simulate_coverage.py
    .venv/bin/python benchmarks/simulate_coverage.py --studies 200 --resamples 1000   # quicker look
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
from scipy.stats import norm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

THRESHOLD = 0.5
RATERS_PER_ITEM = 3
RATER_POOL = 6


def true_win_rate(effect: float, item_sd: float) -> float:
    """Share of non-tie judgments won by system_b in the population the studies are drawn from."""
    scale = math.sqrt(1 + item_sd**2)
    win_b = norm.sf(THRESHOLD, loc=effect, scale=scale)
    win_a = norm.cdf(-THRESHOLD, loc=effect, scale=scale)
    return win_b / (win_a + win_b)


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


def one_study(task: tuple) -> dict:
    from evalstore.analysis import analyze

    study, n_items, effect, item_sd, resamples, seed = task
    rng = np.random.default_rng([seed, study, int(effect * 1000)])
    frame = simulate_study(n_items, effect, item_sd, rng)
    c = analyze(frame, resamples=resamples, seed=study)["comparisons"][0]
    return {
        "ci": c["win_rate_b_ci"],
        "wilson": c["win_rate_b_wilson_ci"],
        "sign_p": c["sign_test_p"],
        "wilcoxon_p": c["wilcoxon_p"],
        "t_p": c["paired_t_p"],
        "deff": c["design_effect"],
    }


def _covers(ci, truth) -> bool:
    return ci is not None and ci[0] is not None and ci[1] is not None and ci[0] <= truth <= ci[1]


def _share(flags) -> tuple[float, float]:
    p = float(np.mean(flags))
    return p, math.sqrt(p * (1 - p) / len(flags))


def _rejects(values) -> list[bool]:
    return [p is not None and p < 0.05 for p in values]


def run_scenario(name: str, effect: float, args, pool) -> None:
    truth = true_win_rate(effect, args.item_sd)
    tasks = [(s, args.items, effect, args.item_sd, args.resamples, args.seed) for s in range(args.studies)]
    start = time.perf_counter()
    rows = pool.map(one_study, tasks, chunksize=10)
    elapsed = time.perf_counter() - start
    clustered = _share([_covers(r["ci"], truth) for r in rows])
    naive = _share([_covers(r["wilson"], truth) for r in rows])
    width_c = np.mean([r["ci"][1] - r["ci"][0] for r in rows if r["ci"]])
    width_n = np.mean([r["wilson"][1] - r["wilson"][0] for r in rows if r["wilson"]])
    deff = np.mean([r["deff"] for r in rows if r["deff"] is not None])
    what = "type-I error" if effect == 0 else "power"
    print(f"\n{name}: effect {effect}, true win rate {truth:.4f}, {args.studies} studies, {elapsed:.0f} s")
    print(f"  mean design effect                  {deff:.2f}")
    print(f"  coverage win_rate_b_ci (clustered)  {clustered[0]:.3f} ± {clustered[1]:.3f}   mean width {width_c:.3f}")
    print(f"  coverage win_rate_b_wilson_ci       {naive[0]:.3f} ± {naive[1]:.3f}   mean width {width_n:.3f}")
    for key, label in (("sign_p", "sign_test_p"), ("wilcoxon_p", "wilcoxon_p"), ("t_p", "paired_t_p")):
        rate = _share(_rejects(r[key] for r in rows))
        print(f"  {what} of {label:<12} (p < 0.05)  {rate[0]:.3f} ± {rate[1]:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=1000)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--item-sd", type=float, default=1.0, help="spread of item difficulty (latent scale)")
    parser.add_argument("--effect", type=float, default=0.3, help="system_b's advantage on the latent scale")
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"command: {sys.executable} benchmarks/simulate_coverage.py --studies {args.studies} --items {args.items} "
        f"--item-sd {args.item_sd} --effect {args.effect} --resamples {args.resamples} --seed {args.seed}"
    )
    print(f"{args.items} items × {RATERS_PER_ITEM} raters per study; ± = Monte Carlo standard error")
    with Pool(args.workers) as pool:
        run_scenario("null", 0.0, args, pool)
        run_scenario("effect", args.effect, args, pool)


if __name__ == "__main__":
    main()
