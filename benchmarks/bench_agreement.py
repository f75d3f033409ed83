"""Time ``agreement_summary`` on synthetic judgments (3 raters per item, 5-point scale) with peak memory.

Run from the repository root:

    .venv/bin/python benchmarks/bench_agreement.py                      # 10k, 100k, 1M judgments, 2,000 resamples
    .venv/bin/python benchmarks/bench_agreement.py --sizes 10000 --resamples 500

Each size runs in a fresh subprocess so that peak memory (VmHWM, reset just before the call) belongs to that
call alone. Next to the time we print one pandas groupby over the same table (mean preference per item), as
a yardstick that does not depend on the machine's speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evalstore.stats.agreement import agreement_summary  # noqa: E402

RATERS_PER_ITEM = 3
RATER_POOL = 60


def synthetic_judgments(n_judgments: int, seed: int) -> pd.DataFrame:
    """Items with a latent quality difference, 3 distinct raters each from a pool of 60, 2 % skipped."""
    rng = np.random.default_rng(seed)
    n_items = n_judgments // RATERS_PER_ITEM
    # Three distinct raters per item: base, base + a, base + b (mod pool) with a ≠ b, both non-zero.
    base = rng.integers(0, RATER_POOL, n_items)
    a = rng.integers(1, RATER_POOL, n_items)
    b = rng.integers(1, RATER_POOL - 1, n_items)
    b = b + (b >= a)
    raters = np.stack([base, (base + a) % RATER_POOL, (base + b) % RATER_POOL], axis=1).ravel()
    quality = np.repeat(rng.normal(0.3, 1.0, n_items), RATERS_PER_ITEM)
    preference = np.clip(np.round(quality + rng.normal(0.0, 0.8, len(quality))), -2, 2)
    preference[rng.random(len(preference)) < 0.02] = np.nan
    return pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(n_items), RATERS_PER_ITEM),
            "rater_id": pd.Series(raters).map(lambda r: f"rater{r:02d}"),
            "preference": preference,
        }
    )


def _status(field: str) -> int:
    """A /proc/self/status field in bytes (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def measure_one(n_judgments: int, resamples: int, seed: int) -> dict:
    """Build the table, then time the summary and one groupby; peak RSS is reset just before the summary."""
    judgments = synthetic_judgments(n_judgments, seed)
    agreement_summary(judgments.head(3000), scale=5, resamples=10, seed=seed)  # warm-up: imports, first calls
    start = time.perf_counter()
    judgments.groupby("item_id")["preference"].mean()
    groupby_s = time.perf_counter() - start

    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    rss_before = _status("VmRSS")
    start = time.perf_counter()
    summary = agreement_summary(judgments, scale=5, resamples=resamples, seed=seed)
    summary_s = time.perf_counter() - start
    peak = _status("VmHWM")
    return {
        "n_judgments": len(judgments),
        "n_units": summary["n_units"],
        "rater_pairs": len(summary["cohen_kappa_pairs"]),
        "alpha_ordinal": summary["krippendorff_alpha_ordinal"],
        "alpha_ci": summary["alpha_ci"],
        "summary_s": summary_s,
        "groupby_s": groupby_s,
        "rss_before_mib": rss_before / 2**20,
        "peak_rss_mib": peak / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size, print JSON
    args = parser.parse_args()

    if args.one:
        print(json.dumps(measure_one(args.one, args.resamples, args.seed)))
        return

    python = Path(sys.executable)
    if python.is_relative_to(ROOT):
        python = python.relative_to(ROOT)
    print(f"command: {python} {' '.join(sys.argv)}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}"
    )
    print(f"resamples: {args.resamples}, 3 raters per item from a pool of {RATER_POOL}, 5-point scale, 2 % skipped")
    print(
        f"{'judgments':>10} {'units':>8} {'pairs':>6} {'summary s':>10} {'groupby s':>10} {'ratio':>7} "
        f"{'RSS before MiB':>15} {'peak RSS MiB':>13} {'extra MiB':>10}"
    )
    for size in args.sizes:
        command = [sys.executable, __file__, "--one", str(size), "--resamples", str(args.resamples)]
        out = subprocess.run([*command, "--seed", str(args.seed)], check=True, capture_output=True, text=True)
        r = json.loads(out.stdout)
        print(
            f"{r['n_judgments']:>10,} {r['n_units']:>8,} {r['rater_pairs']:>6} {r['summary_s']:>10.2f} "
            f"{r['groupby_s']:>10.4f} {r['summary_s'] / r['groupby_s']:>7.0f} {r['rss_before_mib']:>15.0f} "
            f"{r['peak_rss_mib']:>13.0f} {r['peak_rss_mib'] - r['rss_before_mib']:>10.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
