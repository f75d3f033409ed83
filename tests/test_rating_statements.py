"""What one vote costs the database: statements counted with ``set_trace_callback`` (a count, not a timing).

A vote is "record the judgment, then fetch the next item". Counted on a study with history (other raters'
judgments stored, the rater part-way through their queue), for one criterion and several, with and without
a required rationale, through the session functions the page calls and through the one-call token forms.
"""

from __future__ import annotations

import contextlib

import pytest

from evalstore.rating import (
    get_item,
    next_assignment,
    next_item,
    open_session,
    previous_item,
    rater_progress,
    record_judgment,
    save_judgment,
    save_skip,
    show,
)

MAX_STATEMENTS_PER_VOTE = 10


@contextlib.contextmanager
def statements(db):
    """The SQL statements run on ``db``'s connection inside the block (also BEGIN/COMMIT, trigger bodies)."""
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        db.conn.set_trace_callback(None)


def writes(sql: list[str]) -> list[str]:
    return [s for s in sql if s.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE", "REPLACE"}]


def token_lookups(sql: list[str]) -> int:
    return sum("token_sha256" in s for s in sql)


VARIANTS = [
    pytest.param({"criteria": None, "require_rationale": False}, id="one-criterion"),
    pytest.param({"criteria": None, "require_rationale": True}, id="one-criterion-rationale"),
    pytest.param({"criteria": ["helpful", "accurate", "safe"], "require_rationale": False}, id="three-criteria"),
    pytest.param({"criteria": ["helpful", "accurate", "safe"], "require_rationale": True},
                 id="three-criteria-rationale"),
]


@pytest.fixture(params=VARIANTS)
def busy_study(request, make_study):
    """3 systems, 12 items, 4 raters, overlap 3 (18 assignments each); every other rater is part-way done."""
    handle = make_study(name="busy", systems=("base", "finetuned", "other"), n_items=12, raters=4, overlap=3,
                        **request.param)
    db = handle.db
    for name, token in handle.tokens.items():
        session = open_session(db, token)
        for _ in range(5 if name == "r1" else 9):
            shown = show(session, next_item(session))
            for criterion in shown.criteria:
                save_judgment(session, shown.assignment_id, criterion, 1, rationale="clearer")
    return handle


def vote_args(study):
    return {"rationale": "the left one is clearer" if study.require_rationale else None, "both_bad": False}


def test_a_vote_and_the_next_item_stay_within_the_budget_through_the_session(busy_study):
    db = busy_study.db
    session = open_session(db, busy_study.tokens["r1"])
    criteria = session.study.criteria
    for _ in range(3):  # several votes in a row, each answering the item's criteria one click at a time
        shown = show(session, next_item(session))
        for criterion in criteria:
            with statements(db) as sql:
                saved = save_judgment(session, shown.assignment_id, criterion, -1, seen=shown.seen()[criterion],
                                      **vote_args(session.study))
                following = next_item(session)
            assert len(sql) <= MAX_STATEMENTS_PER_VOTE, sql
            assert len(writes(sql)) == 1 and token_lookups(sql) == 0, sql
            assert saved.choice == -1 and saved.submitted_at
            assert following is not None
            if criterion != criteria[-1]:  # the item stays until its last criterion is answered
                assert following.assignment_id == shown.assignment_id and criterion in following.judgments
                shown = following
            else:
                assert following.assignment_id != shown.assignment_id


def test_a_vote_through_the_token_forms_stays_within_the_budget(busy_study):
    db, token = busy_study.db, busy_study.tokens["r1"]
    options = vote_args(open_session(db, token).study)
    for _ in range(2):
        shown = next_assignment(db, token)
        for criterion in shown.criteria:
            with statements(db) as sql:
                record_judgment(db, token, shown.assignment_id, criterion, 1, seen=shown.seen()[criterion],
                                **options)
                nxt = next_assignment(db, token)
            assert len(sql) <= MAX_STATEMENTS_PER_VOTE, sql
            assert token_lookups(sql) == 2, sql  # one per call: each one-call form resolves its token once
            shown = nxt


def test_fetching_the_next_item_is_one_read_and_writes_nothing(busy_study):
    db = busy_study.db
    session = open_session(db, busy_study.tokens["r1"])
    changes = db.conn.total_changes
    with statements(db) as sql:
        first = next_item(session)
        again = next_item(session)
    assert len(sql) == 2 and not writes(sql), sql
    assert db.conn.total_changes == changes  # a getter never writes
    assert first == again and first.shown_at is None  # nobody said it is on screen yet
    with statements(db) as sql:
        started = show(session, first)
        show(session, started)  # on screen again (a rerun, a reload): the clock keeps its first start
    assert len(sql) == 1 and len(writes(sql)) == 1, sql
    assert started.shown_at is not None and next_item(session).shown_at == started.shown_at


def test_back_and_progress_are_reads(busy_study):
    db = busy_study.db
    session = open_session(db, busy_study.tokens["r1"])
    changes = db.conn.total_changes
    with statements(db) as sql:
        back = previous_item(session)
        again = get_item(session, back.assignment_id)
        counts = rater_progress(session)
    assert len(sql) == 3 and not writes(sql), sql
    assert db.conn.total_changes == changes
    assert back == again and back.complete and (counts.done, counts.total) == (5, 18)


def test_a_skip_is_one_statement(busy_study):
    db = busy_study.db
    session = open_session(db, busy_study.tokens["r1"])
    shown = show(session, next_item(session))
    with statements(db) as sql:
        saved = save_skip(session, shown.assignment_id, "cant_judge", seen=shown.seen())
    assert len(sql) == 1, sql
    assert [j.criterion for j in saved] == list(shown.criteria)
    assert next_item(session).assignment_id != shown.assignment_id


def test_opening_a_session_is_one_query(busy_study):
    db = busy_study.db
    with statements(db) as sql:
        session = open_session(db, busy_study.tokens["r2"])
    assert len(sql) == 1 and token_lookups(sql) == 1
    assert session.rater.name == "r2" and session.study.name == "busy"
    assert [s.name for s in session.study.systems] == ["base", "finetuned", "other"]
    assert session.study.baseline == "base" and session.study.pairs()
