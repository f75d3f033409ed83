"""Time reading a canonical judgments CSV with ``judgments.load_input`` (read + validate + hash), next to pandas.

Run from the repository root:

    .venv/bin/python benchmarks/bench_load.py                  # 1,000,000 judgments
    .venv/bin/python benchmarks/bench_load.py --rows 100000

It writes the table ``bench_analyze.synthetic_judgments`` makes (the shape ``evalstore export`` writes), with a
rationale on every tenth row, ``submitted_at`` and ``scale``, to a temporary CSV, then runs, each in a fresh
process (so that start-up and peak resident memory are each run's own):

1. ``load_input(FILE)``: the file read by the one reader (pyarrow), validated, hashed — what
   ``evalstore analyze FILE`` does before the analysis;
2. the reference: ``pandas.read_csv(FILE)`` and one ``groupby(["criterion", "system_a", "system_b",
   "item_id"])["preference"].mean()``, the yardstick of the analysis speed target.

Each is run ``--repeat`` times and the fastest kept; wall-clock, CPU (user + system) and peak RSS are printed,
and the ratios to the reference measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WRITE = """
import sys
sys.path.insert(0, "benchmarks")
from bench_analyze import synthetic_judgments
frame = synthetic_judgments(int(sys.argv[2]))
frame["rationale"] = ""
frame.loc[::10, "rationale"] = "clearer, and it answers the question"
frame["submitted_at"] = "2026-01-01T00:00:00.000Z"
frame["scale"] = 3
frame.to_csv(sys.argv[1], index=False)
print(len(frame))
"""
LOAD = """
import resource, sys
from evalstore.judgments import load_input
loaded = load_input(sys.argv[1])
assert len(loaded.frame) == int(sys.argv[2])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
REFERENCE = """
import resource, sys
import pandas as pd
frame = pd.read_csv(sys.argv[1])
frame.groupby(["criterion", "system_a", "system_b", "item_id"])["preference"].mean()
assert len(frame) == int(sys.argv[2])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def timed(code: str, path: Path, rows: int) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MiB) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, str(path), str(rows)], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(proc.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, int(proc.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench_load_"))
    try:
        path = tmp / "judgments.csv"
        # written by a child: a child's peak RSS starts from its parent's size (fork), so this one stays small
        written = subprocess.run([sys.executable, "-c", WRITE, str(path), str(args.rows)], capture_output=True,
                                 text=True, cwd=ROOT, check=True)
        rows = int(written.stdout.split()[-1])
        print(f"command: {sys.executable} benchmarks/bench_load.py --rows {args.rows} --repeat {args.repeat}")
        print(f"{rows:,} judgments, {path.stat().st_size / 1e6:.0f} MB CSV; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; fastest of {args.repeat}")
        loads, references = [], []
        for _ in range(max(1, args.repeat)):
            references.append(timed(REFERENCE, path, rows))
            loads.append(timed(LOAD, path, rows))
        load = [min(r[k] for r in loads) for k in range(3)]
        reference = [min(r[k] for r in references) for k in range(3)]
        print(f"load_input:            {load[0]:6.2f} s wall, {load[1]:6.2f} s CPU, peak RSS {load[2]:5.0f} MiB")
        print(f"read_csv + groupby:    {reference[0]:6.2f} s wall, {reference[1]:6.2f} s CPU, "
              f"peak RSS {reference[2]:5.0f} MiB")
        print(f"ratio load_input / reference: {load[0] / reference[0]:.2f}× wall, {load[1] / reference[1]:.2f}× CPU, "
              f"{load[2] / reference[2]:.2f}× peak RSS")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
