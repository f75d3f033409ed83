"""Time the analysis page and the HTML report on a study database with 100,000 judgments.

Run from the repository root:

    .venv/bin/python benchmarks/bench_analysis_page.py                   # 100k judgments, 2,000 resamples
    .venv/bin/python benchmarks/bench_analysis_page.py --judgments 10000 --resamples 500

What is measured, each once, in this order (the database is built first and not timed):

1. the steps the page runs, one by one: ``data_version`` (the cache key's query), loading the study
   (``judgments_frame`` + validation + data hash, as ``evalstore analyze DB`` does), ``analyze`` with the
   page's default filters (2 slice columns), ``analyze`` again without one rater (the what-if), regression
   triage, live progress, building every chart and serialising it to Vega-Lite, and the HTML report (the first
   call also builds the inlined JavaScript bundle, which is then kept for the process);
2. the page as Streamlit runs it (``AppTest``, the server side of a page view): the first view after the
   admin signs in (cold caches), a rerun with the same filters (everything cached), a rerun after excluding a
   rater (one new analysis plus the what-if's cached one), and a rerun after one new judgment arrives (new
   data version: the page table appends the new row, the study is analysed again), and what reading the
   table whole costs against appending one judgment to it (``page_data.StudyTable``).

Browser-side drawing is not included. Times are wall-clock seconds on this machine, with the CPU seconds of
the process beside them (all threads: the page runs in AppTest's script thread).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RATERS_PER_ITEM = 3
RATER_POOL = 30
CATEGORIES = ("support", "summarization", "extraction", "code", "safety")


def build_database(db_path: Path, n_judgments: int, seed: int = 0) -> dict:
    """A study with n_judgments / 3 items, 3 simulated raters per item out of 30, imported the normal way."""
    from evalstore.db import open_db
    from evalstore.demo import load_simulated_judgments
    from evalstore.importing import import_file
    from evalstore.rating import add_rater
    from evalstore.studies import get_study

    rng = np.random.default_rng(seed)
    n_items = n_judgments // RATERS_PER_ITEM
    work = db_path.parent
    item_ids = [f"q{i:06d}" for i in range(n_items)]
    category = rng.choice(CATEGORIES, n_items)
    difficulty = rng.choice(["easy", "medium", "hard"], n_items)
    outputs = pd.DataFrame({
        "item_id": item_ids,
        "prompt": [f"Prompt {i}: answer the customer's question about order {i}." for i in range(n_items)],
        "category": category, "difficulty": difficulty,
        "output_base": [f"Base answer {i}. " * int(k) for i, k in enumerate(rng.integers(2, 8, n_items))],
        "output_finetuned": [f"Fine-tuned answer {i}. " * int(k) for i, k in enumerate(rng.integers(2, 10, n_items))],
    })
    outputs_path = work / "outputs.csv"
    outputs.to_csv(outputs_path, index=False)

    # judgments: item effect + rater noise; one careless rater (r29) always picks the left output
    effect = rng.normal(0.3, 1.0, n_items) + np.where(category == "support", 0.6, 0.0)
    first = rng.integers(0, RATER_POOL, n_items)
    steps = np.stack([np.zeros(n_items, int), rng.integers(1, RATER_POOL // 2, n_items)], axis=1)
    steps = np.column_stack([steps, steps[:, 1] + rng.integers(1, RATER_POOL // 2, n_items)])
    raters = (first[:, None] + steps) % RATER_POOL
    rows = raters.reshape(-1)
    item_index = np.repeat(np.arange(n_items), RATERS_PER_ITEM)
    latent = effect[item_index] + rng.normal(0, 0.8, len(rows))
    preference = np.where(latent > 0.4, 1, np.where(latent < -0.4, -1, 0))
    left_is_base = (np.arange(len(rows)) % 2 == 0)
    careless = rows == RATER_POOL - 1
    preference = np.where(careless, np.where(left_is_base, -1, 1), preference)
    start = pd.Timestamp("2025-03-01T08:00:00Z")
    judgments = pd.DataFrame({
        "item_id": np.array(item_ids)[item_index],
        "rater_id": [f"r{r:02d}" for r in rows],
        "criterion": "overall", "system_a": "base", "system_b": "finetuned",
        "preference": preference,
        "left_system": np.where(left_is_base, "base", "finetuned"),
        "flag": "", "rationale": np.where(preference < 0, "the base answer is more precise", ""),
        "duration_s": np.round(np.where(careless, 3.0, rng.gamma(4.0, 12.0, len(rows))), 1),
        "submitted_at": (start + pd.to_timedelta(np.arange(len(rows)) * 7, unit="s")).strftime("%Y-%m-%dT%H:%M:%SZ"),
    })
    judgments_path = work / "judgments.csv"
    judgments.to_csv(judgments_path, index=False)

    db = open_db(db_path)
    import_file(db, outputs_path, study="bench", baseline="base", overlap=RATERS_PER_ITEM)
    load_simulated_judgments(db, get_study(db, "bench"), judgments_path)
    _rater, token = add_rater(db, "bench", "late-rater")
    from evalstore.assignment import assign_items

    # one more rater with a few items, to add a judgment during the measurement
    n = db.conn.execute("SELECT count(*) FROM judgment").fetchone()[0]
    db.conn.close()
    return {"items": n_items, "judgments": n, "token": token, "assign": assign_items}


#: wall-clock seconds spent in ``page_data.analyze_loaded`` (the engine) since the last ``timed`` call
IN_ANALYZE = [0.0]


def count_analyze_time(page_data) -> None:
    """Make ``page_data.analyze_loaded`` (what the page calls for every analysis) add its time to IN_ANALYZE."""
    engine = page_data.analyze_loaded

    def analyze_loaded(loaded, options):
        t0 = time.perf_counter()
        try:
            return engine(loaded, options)
        finally:
            IN_ANALYZE[0] += time.perf_counter() - t0

    page_data.analyze_loaded = analyze_loaded


def timed(label: str, fn, results: list):
    # CPU seconds of this process too: on a machine shared with other jobs they move less than wall-clock time;
    # and the part spent in analyze, the engine's share (its time moves most with the machine's other load)
    t0, c0 = time.perf_counter(), time.process_time()
    IN_ANALYZE[0] = 0.0
    value = fn()
    results.append((label, time.perf_counter() - t0))
    engine = f"; analyze {IN_ANALYZE[0]:5.2f} s, rest {results[-1][1] - IN_ANALYZE[0]:5.2f} s" if IN_ANALYZE[0] else ""
    print(f"  {label:<62} {results[-1][1]:8.2f} s  (cpu {time.process_time() - c0:6.2f} s{engine})", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--judgments", type=int, default=100_000)
    parser.add_argument("--resamples", type=int, default=2000)
    args = parser.parse_args()

    from evalstore import page_data
    from evalstore.analysis import AnalysisOptions
    from evalstore.reports import charts
    from evalstore.db import open_db
    from evalstore.triage import regression_triage

    python = sys.executable
    if python.startswith(str(ROOT)):
        python = str(Path(python).relative_to(ROOT))
    command = f"{python} benchmarks/bench_analysis_page.py --judgments {args.judgments} --resamples {args.resamples}"
    print(f"$ {command}")
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        built = build_database(db_path, args.judgments)
        print(f"built {db_path.name}: {built['items']:,} items, {built['judgments']:,} judgments "
              f"({time.perf_counter() - t0:.1f} s, not counted)\n")

        results: list[tuple[str, float]] = []
        print("library steps of one page view (no cache):")
        db = open_db(db_path, create=False)
        filters = AnalysisOptions(slices=("category", "difficulty"), resamples=args.resamples)
        timed("data_version (cache key)", lambda: page_data.data_version(db, "bench"), results)
        loaded = timed("load study (export + validate + hash)", lambda: page_data.load_study(str(db_path), "bench"),
                       results)
        table = page_data.StudyTable(str(db_path), "bench")
        table.at(page_data.data_version(db, "bench"))
        timed("page table after no change (cached)", lambda: table.at(page_data.data_version(db, "bench")), results)
        result = timed(f"analyze ({args.resamples} resamples, 2 slice columns)",
                       lambda: page_data.analyze_loaded(loaded, filters), results)
        timed("analyze without rater r29 (what-if)",
              lambda: page_data.analyze_loaded(loaded, AnalysisOptions(exclude_raters=("r29",),
                                                                        slices=filters.slices,
                                                                        resamples=args.resamples)), results)
        found = timed("regression triage", lambda: regression_triage(db, "bench", judgments=loaded.frame), results)
        timed("live progress (study_status)", lambda: page_data.progress(db, "bench", result), results)
        timed("all charts → Vega-Lite specs",
              lambda: [c.to_dict() for _k, _t, c in charts.all_charts(result)], results)
        html = timed("HTML report, first (builds the JS bundle)",
                     lambda: page_data.report_html(result, str(db_path), "bench", filters), results)
        timed("HTML report, again", lambda: page_data.report_html(result, str(db_path), "bench", filters), results)
        print(f"  ({len(found):,} regressions; report {len(html) / 1e6:.2f} MB)\n")
        db.conn.close()

        print("the page as Streamlit runs it (AppTest, server side):")
        os.environ["EVALSTORE_DB"] = str(db_path)
        os.environ.pop("EVALSTORE_ADMIN_PASSWORD", None)
        sys.path.insert(0, str(ROOT))
        from streamlit.testing.v1 import AppTest

        from evalstore.auth import admin_password
        from evalstore.page_data import StudyTable
        from evalstore.rating import next_assignment, record_judgment

        db = open_db(db_path, create=False)
        count_analyze_time(page_data)
        at = AppTest.from_file(str(ROOT / "pages" / "analysis.py"), default_timeout=1800)
        at.run()
        at.text_input[0].input(admin_password(db))
        at.button[0].click()
        timed("first view after sign-in (cold caches)", at.run, results)
        assert not at.exception, at.exception
        if args.resamples != 2000:
            at.selectbox(key="analysis_resamples").set_value(args.resamples)
            timed(f"switch to {args.resamples} resamples", at.run, results)
        timed("rerun, same filters (cached)", at.run, results)
        at.multiselect(key="analysis_exclude:bench").set_value(["r29"])
        timed("exclude a rater (what-if)", at.run, results)
        assert not at.exception, at.exception
        at.multiselect(key="analysis_exclude:bench").set_value([])
        timed("back to all raters (cached)", at.run, results)
        built["assign"](db, "bench", overlap=RATERS_PER_ITEM + 1, seed=0)
        shown = next_assignment(db, built["token"])
        record_judgment(db, built["token"], shown.assignment_id, "overall", 1)
        timed("one new judgment arrives (new data version)", at.run, results)
        assert not at.exception, at.exception
        fresh = StudyTable(str(db_path), "bench")
        timed("  of which: the page table, read whole (library)",
              lambda: fresh.at(page_data.data_version(db, "bench")), results)
        record_judgment(db, built["token"], next_assignment(db, built["token"]).assignment_id, "overall", -1)
        timed("  of which: the page table, one judgment appended (library)",
              lambda: fresh.at(page_data.data_version(db, "bench")), results)
        assert fresh.last == "appended", fresh.last
        timed("a second new judgment arrives", at.run, results)
        assert not at.exception, at.exception
        db.conn.close()

    print(f"\n{args.judgments:,} judgments; {args.resamples} resamples; command: {command}")


if __name__ == "__main__":
    main()
