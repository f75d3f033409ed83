"""Time ``evalstore analyze judgments.csv --format json`` as a whole process against pandas reading the same file.

Run from the repository root:

    .venv/bin/python benchmarks/bench_analyze.py                 # 10k, 100k and 1M judgments
    .venv/bin/python benchmarks/bench_analyze.py --sizes 10000   # just one size

For each size a CSV in the shape ``evalstore export`` writes is made once (3 raters per item from a pool of 30,
one criterion, base vs finetuned, left_system, duration_s, a category column and metric_length_chars_a/_b), then
measured in fresh processes, each the best of ``--repeat`` runs:

- reference: ``python -c`` that imports pandas, ``read_csv``s the file and does one groupby
  (``df.groupby(["criterion", "system_a", "system_b", "item_id"])["preference"].mean()``): the least any
  analysis of the file has to do;
- analyze: ``evalstore analyze FILE --format json --slice category --resamples 2000 > /dev/null`` — start-up,
  reading, validating, every statistic and the JSON;
- engine: ``analyze`` alone, in-process, on what ``load_input`` read (validated when read, as the CLI's
  analysis; CPU seconds too: other work on the machine inflates wall time).

ratio = analyze / reference. Peak RSS is each process's ru_maxrss (measured by a parent that runs nothing
else: RUSAGE_CHILDREN). Targets: ratio <= 2 and peak RSS <= 400 MiB at 1M; analyze <= 1 s at 10k.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
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


REFERENCE = (
    "import sys, pandas as pd; df = pd.read_csv(sys.argv[1]); "
    "df.groupby(['criterion', 'system_a', 'system_b', 'item_id'])['preference'].mean()"
)

# Runs one command and prints its wall seconds and peak RSS (KiB): this parent starts no other child, so
# RUSAGE_CHILDREN's ru_maxrss is the command's own.
MEASURE = (
    "import resource, subprocess, sys, time, json; start = time.perf_counter(); "
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(json.dumps([time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))"
)

ENGINE = """
import json, sys, time
from evalstore.analysis import AnalysisOptions, analyze
from evalstore.judgments import load_input
import evalstore.stats.agreement  # analyze imports it lazily; time the work, not the import
loaded = load_input(sys.argv[1])
options = AnalysisOptions(scale=loaded.scale, slices=("category",), resamples=int(sys.argv[2]),
                          baseline=loaded.baseline, overlap=loaded.overlap, input_sha256=loaded.input_sha256)
wall, cpu = time.perf_counter(), time.process_time()
result = analyze(loaded, options)  # what load_input read: validated once, as the CLI does
print(json.dumps([time.perf_counter() - wall, time.process_time() - cpu, result["n_items"]]))
"""


def measure(command: list[str], repeat: int) -> tuple[float, float]:
    """Best wall seconds and the peak RSS (MiB) of that run, over ``repeat`` fresh processes."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", MEASURE, *command], check=True, capture_output=True, text=True)
        seconds, rss_kib = json.loads(out.stdout)
        runs.append((seconds, rss_kib / 1024))
    return min(runs)


def evalstore_command() -> list[str]:
    script = Path(sys.executable).with_name("evalstore")
    return [str(script)] if script.exists() else [sys.executable, "-m", "evalstore"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best counts")
    args = parser.parse_args()
    print(f"command: {sys.executable} benchmarks/bench_analyze.py --sizes {' '.join(map(str, args.sizes))} "
          f"--resamples {args.resamples} --repeat {args.repeat}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs; "
          f"best of {args.repeat} fresh processes each")
    print(f"{'judgments':>10} {'items':>8} {'reference s':>12} {'analyze s':>10} {'ratio':>6} {'peak RSS MiB':>13} "
          f"{'ref RSS MiB':>12} {'engine s':>9} {'engine cpu s':>13}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"judgments_{n}.csv"
            synthetic_judgments(n).to_csv(path, index=False)
            reference_s, reference_rss = measure([sys.executable, "-c", REFERENCE, str(path)], args.repeat)
            analyze_s, analyze_rss = measure(
                [*evalstore_command(), "analyze", str(path), "--format", "json", "--slice", "category",
                 "--resamples", str(args.resamples)], args.repeat)
            engine = min(
                json.loads(subprocess.run([sys.executable, "-c", ENGINE, str(path), str(args.resamples)], check=True,
                                          capture_output=True, text=True, cwd=ROOT).stdout.strip().splitlines()[-1])
                for _ in range(args.repeat)
            )
            print(f"{n:>10} {engine[2]:>8} {reference_s:>12.2f} {analyze_s:>10.2f} {analyze_s / reference_s:>6.2f} "
                  f"{analyze_rss:>13.0f} {reference_rss:>12.0f} {engine[0]:>9.2f} {engine[1]:>13.2f}", flush=True)


if __name__ == "__main__":
    main()
