"""Server-side time of the rating page's hot path: next item + save, with 1,000 and 100,000 stored judgments.

    .venv/bin/python benchmarks/bench_rating.py [--sizes 1000 100000] [--reps 200]

For each size a database is built synthetically (executemany, one transaction): a 3-point study with two
systems, 1,000 items with ~1.5 kB outputs, raters with 100 judged assignments each until the size is
reached, and one measured rater with 300 open assignments. The measured loop is what one vote costs
the server, on a file database in WAL mode, two ways:

* token forms: ``next_assignment`` (the item to show, with its clock started) then ``record_judgment`` (the
  save), each resolving the token itself, as scripts call them;
* session: what the rating page does per vote: ``open_session`` once, ``save_judgment``, ``next_item`` and
  ``show`` (the next item's clock).

It also counts the SQL statements of one vote (save + next item) with ``set_trace_callback``.

Times are medians (and 95th percentiles) of single calls, and ratios against a trivial reference query
(a primary-key lookup on the same connection) timed in the same run, so figures from different
machines compare.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from evalstore.db import open_db, transaction
from evalstore.rating import (
    hash_token,
    next_assignment,
    next_item,
    open_session,
    progress,
    record_judgment,
    save_judgment,
    show,
)

N_ITEMS = 1_000
PER_RATER = 100
MEASURED_QUEUE = 300
TOKEN = "bench-token-of-the-measured-rater"


def build(path: Path, n_judgments: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    db = open_db(path)
    now = "2026-01-01T00:00:00.000Z"
    filler = "lorem ipsum dolor sit amet " * 55  # ~1.5 kB per output
    with transaction(db) as conn:
        conn.execute("INSERT INTO study (id, name, scale, criteria, overlap, created_at) "
                     "VALUES (1, 'bench', 3, '[\"overall\"]', 3, ?)", [now])
        conn.executemany("INSERT INTO system (id, study_id, name, is_baseline) VALUES (?, 1, ?, ?)",
                         [(1, "base", 1), (2, "finetuned", 0)])
        conn.executemany("INSERT INTO item (id, study_id, item_id, prompt, content_sha256) VALUES (?, 1, ?, ?, ?)",
                         [(i, f"i{i}", f"Prompt {i}: {filler[:200]}", f"{i:064x}") for i in range(1, N_ITEMS + 1)])
        conn.executemany("INSERT INTO output (item_id, system_id, text) VALUES (?, ?, ?)",
                         [(i, s, f"Output {s} for {i}. {filler}") for i in range(1, N_ITEMS + 1) for s in (1, 2)])
        n_raters = -(-n_judgments // PER_RATER)
        conn.executemany("INSERT INTO rater (id, study_id, name, token_sha256, created_at) VALUES (?, 1, ?, ?, ?)",
                         [(r, f"r{r}", hash_token(f"t{r}"), now) for r in range(1, n_raters + 2)])
        assignments, judgments = [], []
        aid = 0
        for r in range(1, n_raters + 1):
            take = min(PER_RATER, n_judgments - (r - 1) * PER_RATER)
            for pos, item in enumerate(rng.sample(range(1, N_ITEMS + 1), take), start=1):
                aid += 1
                left = 1 + (aid % 2)
                assignments.append((aid, r, item, left, pos, now))
                judgments.append((aid, rng.choice((-1, 0, 1)), 12.5, now))
        measured = n_raters + 1
        conn.execute("UPDATE rater SET token_sha256 = ? WHERE id = ?", [hash_token(TOKEN), measured])
        for pos, item in enumerate(rng.sample(range(1, N_ITEMS + 1), MEASURED_QUEUE), start=1):
            aid += 1
            assignments.append((aid, measured, item, 1 + (aid % 2), pos, None))
        conn.executemany("INSERT INTO assignment (id, rater_id, item_id, system_a_id, system_b_id, left_system_id, "
                         "position, shown_at) VALUES (?, ?, ?, 1, 2, ?, ?, ?)", assignments)
        conn.executemany("INSERT INTO judgment (assignment_id, criterion, preference, duration_s, submitted_at) "
                         "VALUES (?, 'overall', ?, ?, ?)", judgments)
    stored = db.conn.execute("SELECT count(*) FROM judgment").fetchone()[0]
    assert stored == n_judgments, (stored, n_judgments)
    db.conn.execute("ANALYZE")
    db.conn.close()


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def summary(seconds: list[float], reference: float) -> dict:
    ordered = sorted(seconds)
    median = statistics.median(ordered)
    return {"median_ms": median * 1e3, "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1e3,
            "x_reference": median / reference}


def statements_per_vote(db) -> dict:
    """SQL statements of one vote (save, then the next item), token forms and session form."""
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    try:
        shown = next_assignment(db, TOKEN)
        seen.clear()
        record_judgment(db, TOKEN, shown.assignment_id, "overall", 0, seen=None)
        next_assignment(db, TOKEN)
        by_token = len(seen)
        session = open_session(db, TOKEN)
        shown = next_item(session)
        seen.clear()
        save_judgment(session, shown.assignment_id, "overall", 0, seen=None)
        show(session, next_item(session))
        by_session = len(seen)
    finally:
        db.conn.set_trace_callback(None)
    return {"token_forms": by_token, "session": by_session}


def measure(path: Path, reps: int) -> dict:
    db = open_db(path)
    ref = []
    for _ in range(2_000):
        t, _ = timed(lambda: db.conn.execute("SELECT name FROM study WHERE id = ?", [1]).fetchone())
        ref.append(t)
    reference = statistics.median(ref)
    next_s, save_s, both_s, progress_s, page_s = [], [], [], [], []
    # votes alternate between the token forms and the page's session form, so both meet the same queue
    # (the next-item scan walks the rater's judged prefix)
    for k in range(reps):
        if k % 2 == 0:
            t_next, shown = timed(lambda: next_assignment(db, TOKEN))
            t_save, _ = timed(lambda: record_judgment(db, TOKEN, shown.assignment_id, "overall", (k % 3) - 1))
            t_prog, _ = timed(lambda: progress(db, TOKEN))
            next_s.append(t_next)
            save_s.append(t_save)
            both_s.append(t_next + t_save)
            progress_s.append(t_prog)
            continue
        shown = next_assignment(db, TOKEN)  # on screen since the previous vote

        def vote():
            session = open_session(db, TOKEN)
            save_judgment(session, shown.assignment_id, "overall", (k % 3) - 1, seen=None)
            following = next_item(session)
            return following if following is None else show(session, following)
        t_vote, _ = timed(vote)
        page_s.append(t_vote)
    done = progress(db, TOKEN).done
    assert done == reps, done
    counts = statements_per_vote(db)
    db.conn.close()
    return {"reference_us": reference * 1e6, "next_assignment": summary(next_s, reference),
            "record_judgment": summary(save_s, reference), "next_plus_save": summary(both_s, reference),
            "session_vote": summary(page_s, reference), "progress": summary(progress_s, reference),
            "statements_per_vote": counts}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not 2 <= args.reps <= MEASURED_QUEUE - 2:  # two more votes count the statements
        parser.error(f"--reps must be from 2 to {MEASURED_QUEUE - 2}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"bench-{size}.db"
            t_build, _ = timed(lambda: build(path, size))
            results[size] = measure(path, args.reps)
            results[size]["build_s"] = t_build
    command = "python benchmarks/bench_rating.py " + " ".join(sys.argv[1:])
    if args.json:
        print(json.dumps({"command": command.strip(), "results": results}, indent=2))
        return 0
    print(f"$ {command.strip()}")
    print(f"{args.reps} votes per size (alternately by token forms and by session); times are medians (p95) of "
          "single calls; x ref = median / median of a primary-key lookup on the same connection")
    print(f"{'stored judgments':>16}  {'reference':>10}  {'next item':>24}  {'save':>24}  "
          f"{'next item + save':>24}  {'session vote':>24}  {'progress':>24}  {'statements/vote':>16}")
    for size, r in results.items():
        def cell(m):
            return f"{m['median_ms']:.3f} ms ({m['p95_ms']:.3f}) {m['x_reference']:.0f}x"
        n = r["statements_per_vote"]
        print(f"{size:>16,}  {r['reference_us']:>7.1f} us  {cell(r['next_assignment']):>24}  "
              f"{cell(r['record_judgment']):>24}  {cell(r['next_plus_save']):>24}  {cell(r['session_vote']):>24}  "
              f"{cell(r['progress']):>24}  {n['token_forms']:>7} / {n['session']:<7}")
    print("next item = next_assignment (token form, clock started); save = record_judgment (token form); "
          "session vote = open_session + save_judgment + next_item + show, as the rating page runs a vote; "
          "statements/vote = SQL statements of save + next item, token forms / session")
    return 0


if __name__ == "__main__":
    sys.exit(main())
