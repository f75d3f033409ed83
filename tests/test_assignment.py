"""Assignment invariants, as properties over random study sizes (hypothesis) and as worked cases.

A *unit* is one item × one pair of systems. Invariants of a fresh assignment:
overlap exact (each unit rated by exactly ``overlap`` distinct raters), load within one across
raters, for every rater each system on the left within one of half its appearances, for every unit
the left side split within one, same seed → the same database content, independent queue orders.
Incremental runs (raters added later, raters deactivated) keep every judged assignment as it was.
"""

from __future__ import annotations

import os
import random
import tempfile
from collections import Counter, defaultdict

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from study_builders import build_study
from evalstore.assignment import assign_items, orient
from evalstore.db import open_db, table_counts
from evalstore.errors import EvalstoreError, StudyClosed
from evalstore.rating import add_rater, next_assignment, record_judgment, set_rater_active
from evalstore.studies import get_study, set_status

# EVALSTORE_PROPERTY_SCALE=50 multiplies every max_examples below (for a long hunt; default run ~10 s)
SCALE = max(1, int(os.environ.get("EVALSTORE_PROPERTY_SCALE", "1")))


def examples(n: int) -> settings:
    return settings(max_examples=n * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])


PROPERTY = examples(40)


def new_study(*, n_items, n_systems, n_raters, overlap, pairing, seed, criteria=None):
    """A fresh in-memory database holding one assigned study; returns (db, StudyHandle)."""
    db = open_db(":memory:")
    systems = ["base", "ft", "other", "fourth", "fifth"][:n_systems]
    with tempfile.TemporaryDirectory() as d:
        handle = build_study(db, d, name="s", systems=systems, n_items=n_items, raters=n_raters,
                             overlap=overlap, pairing=pairing, seed=seed, criteria=criteria)
    return db, handle


def assignments(db) -> list[tuple]:
    """(id, rater, active, item, system_a, system_b, left, position, judged) for every assignment."""
    return db.conn.execute(
        """SELECT a.id, r.name, r.active, i.item_id, a.system_a_id, a.system_b_id, a.left_system_id, a.position,
                  EXISTS (SELECT 1 FROM judgment j WHERE j.assignment_id = a.id)
           FROM assignment a JOIN rater r ON r.id = a.rater_id JOIN item i ON i.id = a.item_id
           ORDER BY a.id""").fetchall()


def content(db) -> list[tuple]:
    """Everything assignment wrote, by names, in a canonical order (for same-seed comparisons)."""
    return db.conn.execute(
        """SELECT r.name, i.item_id, sa.name, sb.name, sl.name, a.position
           FROM assignment a JOIN rater r ON r.id = a.rater_id JOIN item i ON i.id = a.item_id
           JOIN system sa ON sa.id = a.system_a_id JOIN system sb ON sb.id = a.system_b_id
           JOIN system sl ON sl.id = a.left_system_id ORDER BY r.name, a.position""").fetchall()


def check_overlap_exact(db, study, overlap):
    rows = assignments(db)
    n_items = db.conn.execute("SELECT count(*) FROM item WHERE study_id = ?", [study.id]).fetchone()[0]
    units = defaultdict(list)
    for _id, rater, _active, item, a, b, _left, _pos, _judged in rows:
        units[(item, a, b)].append(rater)
    expected_pairs = {(a.id, b.id) for a, b in study.pairs()}
    assert {(a, b) for _i, a, b in units} <= expected_pairs
    assert len(units) == n_items * len(expected_pairs)
    for unit, raters in units.items():
        assert len(raters) == overlap, (unit, raters)
        assert len(set(raters)) == overlap, (unit, raters)


def loads(db, *, active_only=True) -> dict[str, int]:
    names = [r[0] for r in db.conn.execute(
        "SELECT name FROM rater" + (" WHERE active = 1" if active_only else "") + " ORDER BY id")]
    count = Counter(r[1] for r in assignments(db))
    return {n: count.get(n, 0) for n in names}


def check_loads_within_one(db):
    ld = loads(db)
    assert max(ld.values()) - min(ld.values()) <= 1, ld


def check_sides(db):
    per_rater_left, per_rater_seen = defaultdict(Counter), defaultdict(Counter)
    per_unit = defaultdict(Counter)
    for _id, rater, _active, item, a, b, left, _pos, _judged in assignments(db):
        per_rater_seen[rater][a] += 1
        per_rater_seen[rater][b] += 1
        per_rater_left[rater][left] += 1
        per_unit[(item, a, b)][left] += 1
    for rater, seen in per_rater_seen.items():
        for system, appearances in seen.items():
            left = per_rater_left[rater][system]
            assert abs(left - appearances / 2) <= 1, (rater, system, left, appearances)
    for unit, lefts in per_unit.items():
        _item, a, b = unit
        assert abs(lefts[a] - lefts[b]) <= 1, (unit, dict(lefts))


def check_queues(db):
    """Each rater's positions are 1..n with no gap on a fresh assignment."""
    positions = defaultdict(list)
    for _id, rater, _active, _item, _a, _b, _left, pos, _judged in assignments(db):
        positions[rater].append(pos)
    for rater, pos in positions.items():
        assert sorted(pos) == list(range(1, len(pos) + 1)), rater


study_shapes = st.integers(1, 4).flatmap(lambda overlap: st.fixed_dictionaries({
    "overlap": st.just(overlap),
    "n_raters": st.integers(overlap, 8),
    "n_items": st.integers(1, 40),
    "n_systems": st.integers(2, 3),
    "pairing": st.sampled_from(["vs-baseline", "all-pairs"]),
    "seed": st.integers(0, 2**32 - 1),
}))


# ---------------------------------------------------------------- fresh assignment


@PROPERTY
@given(shape=study_shapes)
def test_fresh_assignment_invariants(shape):
    db, handle = new_study(**shape)
    study = handle.study
    check_overlap_exact(db, study, shape["overlap"])
    check_loads_within_one(db)
    check_sides(db)
    check_queues(db)
    assert study.overlap == shape["overlap"] and study.seed == shape["seed"]


@examples(25)
@given(overlap=st.integers(1, 3), extra=st.integers(0, 4), n_items=st.integers(1, 30),
       n_systems=st.integers(4, 5), seed=st.integers(0, 2**32 - 1))
def test_vs_baseline_with_many_systems_balances_sides_per_rater(overlap, extra, n_items, n_systems, seed):
    db, handle = new_study(n_items=n_items, n_systems=n_systems, n_raters=overlap + extra, overlap=overlap,
                           pairing="vs-baseline", seed=seed)
    study = handle.study
    assert len(study.pairs()) == n_systems - 1
    check_overlap_exact(db, study, overlap)
    check_loads_within_one(db)
    check_sides(db)


@examples(15)
@given(n_items=st.integers(1, 15), n_systems=st.integers(4, 5), seed=st.integers(0, 2**32 - 1))
def test_all_pairs_with_many_systems(n_items, n_systems, seed):
    db, handle = new_study(n_items=n_items, n_systems=n_systems, n_raters=4, overlap=2, pairing="all-pairs",
                           seed=seed)
    check_overlap_exact(db, handle.study, 2)
    check_loads_within_one(db)
    check_sides(db)


@examples(20)
@given(shape=study_shapes)
def test_same_seed_gives_the_same_assignments(shape):
    db1, _ = new_study(**shape)
    db2, _ = new_study(**shape)
    assert content(db1) == content(db2)


def test_different_seeds_give_different_queue_orders():
    shape = dict(n_items=12, n_systems=2, n_raters=3, overlap=2, pairing="vs-baseline")
    orders = set()
    for seed in range(5):
        db, _ = new_study(seed=seed, **shape)
        orders.add(tuple(content(db)))
    assert len(orders) == 5


def test_queues_are_in_independent_orders():
    db, _ = new_study(n_items=30, n_systems=2, n_raters=3, overlap=3, pairing="vs-baseline", seed=7)
    queues = defaultdict(list)
    for rater, item, *_rest in content(db):
        queues[rater].append(item)
    assert all(sorted(q) == sorted(queues["r1"]) for q in queues.values())  # overlap 3: everyone has every item
    assert len({tuple(q) for q in queues.values()}) == 3
    assert all(q != sorted(q) for q in queues.values())


def test_assigning_again_changes_nothing():
    db, handle = new_study(n_items=10, n_systems=3, n_raters=4, overlap=2, pairing="all-pairs", seed=3)
    before = content(db), table_counts(db)
    result = assign_items(db, "s")
    assert (result.created, result.moved, result.removed) == (0, 0, 0)
    assert (content(db), table_counts(db)) == before


# ---------------------------------------------------------------- incremental


def judge_some(db, handle, rng, fraction):
    """Each rater judges a random number of items from the front of their queue (through the rating core)."""
    for name, token in handle.tokens.items():
        total = db.conn.execute(
            "SELECT count(*) FROM assignment a JOIN rater r ON r.id = a.rater_id WHERE r.name = ?", [name]
        ).fetchone()[0]
        for _ in range(rng.randint(0, int(total * fraction))):
            shown = next_assignment(db, token)
            if shown is None:
                break
            record_judgment(db, token, shown.assignment_id, "overall", rng.choice([-1, 0, 1]))


def check_no_possible_move_left(db):
    """Loads within one where possible: no open assignment of a rater with load ≥ min + 2 could go to a
    least-loaded rater (who does not already rate that unit)."""
    rows = [r for r in assignments(db) if r[2]]
    ld = loads(db)
    low = min(ld.values())
    lightest = [n for n, v in ld.items() if v == low]
    on_unit = defaultdict(set)
    for _id, rater, _active, item, a, b, *_ in rows:
        on_unit[(item, a, b)].add(rater)
    for _id, rater, _active, item, a, b, _left, _pos, judged in rows:
        if ld[rater] >= low + 2 and not judged:
            for light in lightest:
                assert light in on_unit[(item, a, b)], (rater, light, ld)


@examples(30)
@given(shape=study_shapes, added=st.integers(1, 3), fraction=st.sampled_from([0.0, 0.5, 1.0]),
       judge_seed=st.integers(0, 1000))
def test_raters_added_later_keep_judged_work_and_get_work(shape, added, fraction, judge_seed):
    db, handle = new_study(**shape)
    study = handle.study
    judge_some(db, handle, random.Random(judge_seed), fraction)
    judged_before = {r[0]: r for r in assignments(db) if r[8]}
    open_before = sum(1 for r in assignments(db) if not r[8])
    new_names = [f"new{i}" for i in range(added)]
    for name in new_names:
        add_rater(db, "s", name)
    assign_items(db, "s")
    after = {r[0]: r for r in assignments(db)}
    for aid, row in judged_before.items():
        assert after[aid] == row  # same id, rater, item, pair, side, position
    check_overlap_exact(db, study, shape["overlap"])
    check_no_possible_move_left(db)
    ld = loads(db)
    if open_before >= 2 * len(ld):  # plenty of open work to share
        assert all(ld[n] > 0 for n in new_names), ld
    if not judged_before:
        check_loads_within_one(db)


@examples(30)
@given(shape=study_shapes, fraction=st.sampled_from([0.0, 0.3, 1.0]), judge_seed=st.integers(0, 1000),
       data=st.data())
def test_deactivated_rater_open_work_is_reassigned(shape, fraction, judge_seed, data):
    assume(shape["n_raters"] > shape["overlap"])
    db, handle = new_study(**shape)
    study = handle.study
    judge_some(db, handle, random.Random(judge_seed), fraction)
    gone = data.draw(st.sampled_from(sorted(handle.tokens)))
    judged_before = {r[0]: r for r in assignments(db) if r[8]}
    set_rater_active(db, "s", gone, False)
    assign_items(db, "s")
    rows = assignments(db)
    after = {r[0]: r for r in rows}
    for aid, row in judged_before.items():
        assert after[aid][:2] == row[:2] and after[aid][3:] == row[3:]  # (active flag changed for `gone`)
    assert not [r for r in rows if r[1] == gone and not r[8]]
    check_overlap_exact(db, study, shape["overlap"])
    check_no_possible_move_left(db)


def test_new_rater_gets_work_when_the_busiest_rater_has_judged_everything():
    # r1 judges all of its work; r2 and r3 none. The new rater must still receive open work
    # from r2/r3 even though the busiest rater's work cannot move.
    db, handle = new_study(n_items=12, n_systems=2, n_raters=3, overlap=2, pairing="vs-baseline", seed=1)
    token = handle.tokens["r1"]
    while (shown := next_assignment(db, token)) is not None:
        record_judgment(db, token, shown.assignment_id, "overall", 1)
    add_rater(db, "s", "late")
    assign_items(db, "s")
    ld = loads(db)
    assert ld["r1"] == 8
    assert ld["late"] >= 5, ld
    check_overlap_exact(db, handle.study, 2)
    check_no_possible_move_left(db)


def test_moved_assignment_keeps_its_side_and_restarts_its_clock():
    db, handle = new_study(n_items=12, n_systems=2, n_raters=2, overlap=1, pairing="vs-baseline", seed=5)
    for token in handle.tokens.values():
        next_assignment(db, token)  # shown_at set on the first item of each queue
    sides = {r[0]: r[6] for r in assignments(db)}
    add_rater(db, "s", "late")
    result = assign_items(db, "s")
    assert result.moved >= 3
    for aid, rater, _active, _item, _a, _b, left, _pos, _judged in assignments(db):
        assert left == sides[aid]
    moved = db.conn.execute(
        "SELECT a.shown_at, a.position FROM assignment a JOIN rater r ON r.id = a.rater_id WHERE r.name = 'late'"
    ).fetchall()
    assert all(shown is None for shown, _ in moved)
    assert sorted(p for _, p in moved) == list(range(1, len(moved) + 1))


def test_raising_and_lowering_overlap_keeps_judged_work():
    db, handle = new_study(n_items=8, n_systems=2, n_raters=4, overlap=2, pairing="vs-baseline", seed=2)
    judge_some(db, handle, random.Random(0), 1.0)
    judged = {r[0]: r for r in assignments(db) if r[8]}
    assign_items(db, "s", overlap=3)
    check_overlap_exact(db, handle.study, 3)
    assert all(r in assignments(db) for r in judged.values())
    assign_items(db, "s", overlap=1)
    rows = assignments(db)
    per_unit = Counter((r[3], r[4], r[5]) for r in rows)
    judged_per_unit = Counter((r[3], r[4], r[5]) for r in judged.values())
    for unit, n in per_unit.items():
        assert n == max(1, judged_per_unit[unit])  # surplus open work dropped; judged work never
    assert all(r in rows for r in judged.values())
    assert get_study(db, "s").overlap == 1


# ---------------------------------------------------------------- refusals and orient()


def test_too_few_raters_for_the_overlap(tmp_path):
    db = open_db(tmp_path / "x.db")
    build_study(db, tmp_path, n_items=3, raters=2, assign=False, overlap=2)
    before = table_counts(db)
    with pytest.raises(EvalstoreError, match="overlap 3 needs at least 3 active raters"):
        assign_items(db, "study", overlap=3)
    with pytest.raises(EvalstoreError, match="overlap must be at least 1"):
        assign_items(db, "study", overlap=0)
    assert table_counts(db) == before


def test_closed_study_is_not_assigned(tmp_path):
    db = open_db(tmp_path / "x.db")
    handle = build_study(db, tmp_path, n_items=3, raters=2, assign=False)
    set_status(db, handle.study, "closed")
    with pytest.raises(StudyClosed):
        assign_items(db, "study")
    assert table_counts(db)["assignment"] == 0


ALL_PAIRS_OF_FIVE = [(a, b) for a in range(10, 15) for b in range(a + 1, 15)]


@examples(60)
@given(edges=st.lists(st.tuples(st.integers(0, 15), st.integers(0, len(ALL_PAIRS_OF_FIVE) - 1), st.integers(0, 6)),
                      max_size=150, unique_by=lambda e: (e[0], e[1], e[2])),
       seed=st.integers(0, 1000))
def test_orient_balances_units_and_raters(edges, seed):
    # units (item, a, b): any pair of systems 10..14 (all-pairs of five); rater r in 0..6
    pairs = ALL_PAIRS_OF_FIVE
    edge_list = [((item, *pairs[p]), r) for item, p, r in edges]
    lefts = orient(edge_list, random.Random(seed))
    assert len(lefts) == len(edge_list)
    per_unit, per_rater_left, per_rater_seen = defaultdict(Counter), defaultdict(Counter), defaultdict(Counter)
    for ((item, a, b), r), left in zip(edge_list, lefts):
        assert left in (a, b)
        per_unit[(item, a, b)][left] += 1
        per_rater_left[r][left] += 1
        per_rater_seen[r][a] += 1
        per_rater_seen[r][b] += 1
    for (item, a, b), c in per_unit.items():
        assert abs(c[a] - c[b]) <= 1
    for r, seen in per_rater_seen.items():
        for s, n in seen.items():
            assert abs(per_rater_left[r][s] - n / 2) <= 1, (r, s, per_rater_left[r][s], n)
