"""Time a full ``analyze`` (2,000 resamples) on synthetic judgments next to one pandas groupby, with peak memory.

Run from the repository root:

    .venv/bin/python benchmarks/bench_analyze.py                 # 10k, 100k and 1M judgments
    .venv/bin/python benchmarks/bench_analyze.py --sizes 10000   # just one size

Each size runs in its own subprocess so that its peak resident memory (ru_maxrss) is its own. The table has
the shape ``evalstore export`` writes: 3 raters per item from a pool of 30, one criterion, base vs finetuned,
left_system, duration_s, a category column (sliced) and metric_length_chars_a/_b. "analyze" includes
validating the table; the groupby is ``df.groupby(["criterion", "system_a", "system_b", "item_id"])
["preference"].mean()`` — the one aggregation every analysis needs, as a yardstick for "how long does touching
this table take".
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RATERS_PER_ITEM = 3
RATER_POOL = 30


def synthetic_judgments(n_judgments: int, seed: int = 0) -> pd.DataFrame:
    """n_judgments rows: items of varying difficulty, a fine-tune slightly better than the base."""
    rng = np.random.default_rng(seed)
    n_items = n_judgments // RATERS_PER_ITEM
    item = np.repeat(np.arange(n_items), RATERS_PER_ITEM)
    slot = np.tile(np.arange(RATERS_PER_ITEM), n_items)
    rater = (item * 7 + slot * 11) % RATER_POOL  # three distinct raters per item
    latent = 0.3 + rng.normal(0, 1, n_items)[item] + rng.normal(0, 1, item.size)
    preference = np.where(latent > 0.5, 1.0, np.where(latent < -0.5, -1.0, 0.0))
    preference[rng.random(item.size) < 0.01] = np.nan  # a few skipped
    length_a = rng.integers(80, 1500, n_items)[item].astype(float)
    length_b = rng.integers(80, 1500, n_items)[item].astype(float)
    item_ids = np.char.add("item-", np.arange(n_items).astype(str))[item]
    rater_ids = np.char.add("rater-", rater.astype(str))
    categories = np.array(["support", "summaries", "extraction", "code", "safety"])[item % 5]
    return pd.DataFrame(
        {
            "item_id": item_ids,
            "rater_id": rater_ids,
            "criterion": "overall",
            "system_a": "base",
            "system_b": "finetuned",
            "preference": preference,
            "left_system": np.where((item + slot) % 2 == 0, "base", "finetuned"),
            "duration_s": rng.gamma(4, 10, item.size),
            "category": categories,
            "metric_length_chars_a": length_a,
            "metric_length_chars_b": length_b,
        }
    )


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run_one(n: int, resamples: int) -> dict:
    from evalstore.analysis import analyze
    import evalstore.stats.agreement  # noqa: F401  analyze imports it lazily; time the work, not the import

    frame = synthetic_judgments(n)
    rss_input = _rss_mib()
    groupby_runs = []
    for _ in range(3):  # best of three: the yardstick should not carry one run's noise
        start = time.perf_counter()
        frame.groupby(["criterion", "system_a", "system_b", "item_id"])["preference"].mean()
        groupby_runs.append(time.perf_counter() - start)
    groupby_s = min(groupby_runs)
    start = time.perf_counter()
    result = analyze(frame, resamples=resamples, seed=0, slices=["category"])
    analyze_s = time.perf_counter() - start
    json.dumps(result, allow_nan=False)
    return {
        "judgments": n,
        "items": int(result["n_items"]),
        "analyze_s": analyze_s,
        "groupby_s": groupby_s,
        "ratio": analyze_s / groupby_s,
        "peak_rss_mib": _rss_mib(),
        "rss_with_input_mib": rss_input,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: run one size, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.resamples)))
        return
    print(f"command: {sys.executable} benchmarks/bench_analyze.py --sizes {' '.join(map(str, args.sizes))} "
          f"--resamples {args.resamples}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs; "
          "groupby = best of 3, analyze = one run")
    print(f"{'judgments':>10} {'items':>8} {'analyze s':>10} {'groupby s':>10} {'ratio':>8} "
          f"{'peak RSS MiB':>13} {'RSS w/ input':>13}")
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--resamples", str(args.resamples)],
            check=True, capture_output=True, text=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{row['judgments']:>10} {row['items']:>8} {row['analyze_s']:>10.2f} {row['groupby_s']:>10.3f} "
              f"{row['ratio']:>8.0f} {row['peak_rss_mib']:>13.0f} {row['rss_with_input_mib']:>13.0f}", flush=True)


if __name__ == "__main__":
    main()
