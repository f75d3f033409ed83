"""Time ``evalstore import`` of 100,000 wide rows (CSV), next to a raw sqlite-utils ``insert_all`` of the same rows.

Run from the repository root:

    .venv/bin/python benchmarks/bench_import.py                 # 100,000 rows, 2 systems
    .venv/bin/python benchmarks/bench_import.py --rows 20000 --systems 3

It writes a synthetic wide CSV (item_id, prompt, reference on every third item, category, language,
difficulty, output_<system> of 300-900 characters, latency_ms_<system>, metric_bleu_<system>) into a
temporary directory, then times, each in a fresh process and measured from outside it:

1. ``evalstore import DB FILE --study bench`` into a new database (the exact command is printed);
2. the same command again (the unchanged re-import: read, validate, hash, add nothing);
3. the reference: the same rows read with the csv module and written with sqlite-utils' ``insert_all``
   into the same tables (``item``, ``output``) of a new database with evalstore's schema, one dict per
   row, in a process of its own (``REFERENCE`` below): what "just put the rows in SQLite" costs, with the
   same interpreter start-up, and nothing of what the import adds (validation, content hashes, the
   re-import check, FILE:ROW:COLUMN positions); the time of ``insert_all`` itself (wall clock and CPU,
   measured inside that process) is printed too, and the import's ratio to it (a stricter yardstick:
   the import's whole process, start-up and CSV reading included, against only the reference's
   ``insert_all`` call);
4. for scale, ``python -c "import pandas; pandas.read_csv(FILE)"``.

Each is run ``--repeat`` times (the import into a new database each time) and the fastest run is
kept. Wall-clock and CPU time (user + system, of the child process) are both printed: on a busy
machine the wall clock grows with other work while the CPU time barely moves. The ratio
import / insert_all is the figure that does not depend on the machine's speed.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("the a to of and in is for on that with as it be by this are from or an at which can not your you "
         "order delivery refund account password summary function returns value list error customer support "
         "please thanks policy item shipping address change update return window days label json field name "
         "date amount total invoice code python loop variable request unsafe cannot help instead").split()


def sentence(rng: random.Random, n_chars: int) -> str:
    words, length = [], 0
    while length < n_chars:
        w = rng.choice(WORDS)
        words.append(w)
        length += len(w) + 1
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def write_csv(path: Path, n_rows: int, systems: list[str], seed: int = 0) -> None:
    rng = random.Random(seed)
    # a pool of sentences, cut at random points: realistic lengths without building every text word by word
    pool = [sentence(rng, 1000) for _ in range(500)]

    def text(low: int, high: int) -> str:
        words = rng.choice(pool)[: rng.randint(low, high)]
        return f"{words.rstrip()}. ({rng.randrange(10**6)})"

    columns = ["item_id", "prompt", "reference", "category", "language", "difficulty"]
    columns += [f"output_{s}" for s in systems] + [f"latency_ms_{s}" for s in systems]
    columns += [f"metric_bleu_{s}" for s in systems]
    categories = ["support", "summarization", "extraction", "code_explanation", "safety"]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for i in range(n_rows):
            row = [f"item-{i:06d}", text(80, 400), text(120, 120) if i % 3 == 0 else "", rng.choice(categories),
                   rng.choice(["en", "de", "fr"]), rng.choice(["easy", "medium", "hard"])]
            row += [text(300, 900) + ("\nSecond paragraph, with a comma." if i % 7 == 0 else "") for _ in systems]
            row += [rng.randint(200, 4000) for _ in systems]
            row += [round(rng.random(), 4) for _ in systems]
            w.writerow(row)


# The reference: the file's rows into the same two tables with sqlite-utils' insert_all, nothing else.
REFERENCE = r"""
import csv, json, sys, time
import sqlite_utils
from evalstore.db import open_db

csv.field_size_limit(2**31 - 1)
db_path, csv_path = sys.argv[1], sys.argv[2]
db = open_db(db_path)
with open(csv_path, encoding="utf-8", newline="") as f:
    rows = list(csv.DictReader(f))
systems = [c[len("output_"):] for c in rows[0] if c.startswith("output_")]
meta = [c for c in rows[0] if c not in ("item_id", "prompt", "reference") and not c.startswith("output_")
        and not any(c.endswith("_" + s) for s in systems)]
started, started_cpu = time.perf_counter(), time.process_time()
with db.conn:
    study = db["study"].insert({"name": "bench", "scale": 3, "created_at": ""}).last_pk
    system_ids = {s: db["system"].insert({"study_id": study, "name": s, "is_baseline": int(k == 0)}).last_pk
                  for k, s in enumerate(systems)}
    db["item"].insert_all(
        ({"id": k + 1, "study_id": study, "item_id": r["item_id"], "prompt": r["prompt"],
          "reference": r["reference"] or None, "metadata": json.dumps({c: r[c] for c in meta}),
          "content_sha256": ""} for k, r in enumerate(rows)), batch_size=1000)
    db["output"].insert_all(
        ({"item_id": k + 1, "system_id": system_ids[s], "text": r["output_" + s],
          "metrics": json.dumps({"latency_ms": float(r["latency_ms_" + s]), "bleu": float(r["metric_bleu_" + s])})}
         for k, r in enumerate(rows) for s in systems), batch_size=1000)
inserted, inserted_cpu = time.perf_counter() - started, time.process_time() - started_cpu
print(db["item"].count, db["output"].count, inserted, inserted_cpu)
"""


def timed(cmd: list[str], env: dict) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, CPU seconds of the child, the finished process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, proc


def fastest(runs: list[tuple[float, float, subprocess.CompletedProcess]]):
    return min(r[0] for r in runs), min(r[1] for r in runs), runs[-1][2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--systems", type=int, default=2, help="number of systems (output_<system> columns)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each command; the fastest is kept")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    systems = ["base", "finetuned", "other", "fourth"][: args.systems]
    evalstore = Path(sys.executable).parent / "evalstore"
    if not evalstore.exists():
        evalstore = Path(shutil.which("evalstore") or "evalstore")
    tmp = Path(tempfile.mkdtemp(prefix="bench_import_"))
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        csv_path, db_path = tmp / "outputs.csv", tmp / "bench.db"
        t0 = time.perf_counter()
        write_csv(csv_path, args.rows, systems)
        size_mb = csv_path.stat().st_size / 1e6
        print(f"wrote {args.rows:,} wide rows × {len(systems)} systems, {size_mb:.1f} MB, "
              f"in {time.perf_counter() - t0:.1f} s: {csv_path}")

        import_cmd = [str(evalstore), "import", str(db_path), str(csv_path), "--study", "bench"]
        reference_db = tmp / "reference.db"
        insert_cmd = [sys.executable, "-c", REFERENCE, str(reference_db), str(csv_path)]
        reference_cmd = [sys.executable, "-c", f"import pandas; pandas.read_csv({str(csv_path)!r})"]

        imports, reimports, references, inserts = [], [], [], []
        for _ in range(max(1, args.repeat)):
            for path in (db_path, reference_db):
                for suffix in ("", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
            references.append(timed(reference_cmd, env))
            inserts.append(timed(insert_cmd, env))
            assert inserts[-1][2].stdout.split()[:2] == [str(args.rows), str(args.rows * len(systems))], inserts[-1][2]
            imports.append(timed(import_cmd, env))
            with sqlite3.connect(db_path) as conn:
                items = conn.execute("SELECT count(*) FROM item").fetchone()[0]
                outputs = conn.execute("SELECT count(*) FROM output").fetchone()[0]
            assert (items, outputs) == (args.rows, args.rows * len(systems)), (items, outputs)
            reimports.append(timed(import_cmd, env))
            assert f"0 items added, {args.rows} already present" in reimports[-1][2].stderr, reimports[-1][2].stderr
        t_import, c_import, proc = fastest(imports)
        t_reimport, c_reimport, _ = fastest(reimports)
        t_reference, c_reference, _ = fastest(references)
        t_insert, c_insert, _ = fastest(inserts)
        t_insert_only = min(float(r[2].stdout.split()[2]) for r in inserts)
        c_insert_only = min(float(r[2].stdout.split()[3]) for r in inserts)

        print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}; fastest of {max(1, args.repeat)} runs")
        print(f"command:   {' '.join(import_cmd)}")
        print(f"           -> {proc.stderr.strip()}")
        print(f"import:    {t_import:7.2f} s wall, {c_import:6.2f} s CPU  ({args.rows / t_import:,.0f} rows/s; "
              f"database {db_path.stat().st_size / 1e6:.0f} MB)")
        print(f"re-import: {t_reimport:7.2f} s wall, {c_reimport:6.2f} s CPU  (same command again, unchanged file)")
        print(f"insert_all: {t_insert:6.2f} s wall, {c_insert:6.2f} s CPU  (csv.DictReader + sqlite-utils insert_all "
              "into item and output, REFERENCE in this script)")
        print(f"           {t_insert_only:6.2f} s wall, {c_insert_only:6.2f} s CPU of it in insert_all itself "
              "(the rows already read, in one transaction)")
        print(f"read_csv:  {t_reference:7.2f} s wall, {c_reference:6.2f} s CPU  "
              f"({' '.join(reference_cmd[:2])} \"{reference_cmd[2]}\")")
        print(f"ratio import / insert_all: {t_import / t_insert:.2f}× wall, {c_import / c_insert:.2f}× CPU;  "
              f"re-import / insert_all: {t_reimport / t_insert:.2f}× wall, {c_reimport / c_insert:.2f}× CPU")
        print(f"ratio import / insert_all itself (without the process, imports and CSV reading): "
              f"{t_import / t_insert_only:.2f}× wall, {c_import / c_insert_only:.2f}× CPU")
        print(f"ratio import / read_csv: {t_import / t_reference:.1f}× wall, {c_import / c_reference:.1f}× CPU")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
