"""Time ``length_controlled_win_rate`` on synthetic judgments (3 judgments per item, 5-point scale).

Run from the repository root:

    .venv/bin/python benchmarks/bench_length_control.py                       # 100k judgments, 33k items, 2,000 resamples
    .venv/bin/python benchmarks/bench_length_control.py --judgments 10000 --resamples 500

Lengths are whole characters drawn per item (one pair of outputs per item), system_b's ~30 % longer, and the
outcome follows the model with β0 = 0.2, β1 = 1 plus an item effect. ``--distinct`` makes every item's length
difference distinct (the most distinct covariate values the fit can face); ``--coarse`` rounds lengths to
100 characters, the case where items repeat and the bootstrap works on item types.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evalstore.stats.length import length_controlled_win_rate  # noqa: E402


def synthetic(n_judgments: int, seed: int, distinct: bool, coarse: bool):
    rng = np.random.default_rng(seed)
    n_items = max(1, n_judgments * 33 // 100)
    item = np.sort(np.arange(n_judgments) % n_items)  # every item judged, 3 or 4 times
    length_a = np.rint(rng.lognormal(np.log(800), 0.5, n_items))
    length_b = np.rint(length_a * rng.lognormal(np.log(1.3), 0.4, n_items))
    if distinct:
        length_b = length_a + np.arange(n_items) - n_items / 3  # every difference distinct
    if coarse:
        length_a, length_b = np.round(length_a, -2), np.round(length_b, -2)
    d = (length_b - length_a)[item]
    eta = 0.2 + np.tanh(d / d.std()) + rng.normal(0, 0.5, n_items)[item]
    u = rng.random(n_judgments)
    p = 1 / (1 + np.exp(-eta))
    strength = rng.integers(1, 3, n_judgments).astype(float)
    preference = np.where(u < 0.85 * p, strength, np.where(u < 0.85 * p + 0.15, 0.0, -strength))
    return item, preference, length_a[item], length_b[item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judgments", type=int, default=100_000)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--distinct", action="store_true")
    parser.add_argument("--coarse", action="store_true")
    args = parser.parse_args()
    data = synthetic(args.judgments, 0, args.distinct, args.coarse)
    n_items = len(np.unique(data[0]))
    n_diff = len(np.unique(data[3] - data[2]))
    print(f"{args.judgments} judgments, {n_items} items, {n_diff} distinct length differences, "
          f"{args.resamples} resamples")
    for rule in ("drop", "half", "against_b"):
        times, cpu = [], []
        for r in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = length_controlled_win_rate(*data, rule, resamples=args.resamples, rng=np.random.default_rng(r))
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        ci = ", ".join(f"{x:.4f}" for x in result.ci) if result.ci else "none"
        print(f"  {rule:9s} best {min(times):5.2f} s  median {sorted(times)[len(times) // 2]:5.2f} s  "
              f"(cpu {min(cpu):5.2f} s)  "
              f"raw {result.raw_win_rate_b:.4f}  LC {result.win_rate_b:.4f} [{ci}]  beta1 "
              f"{result.length_coefficient:.3f}  warning: {result.warning}")


if __name__ == "__main__":
    main()
