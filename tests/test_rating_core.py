"""The rating core: a rater's queue, blind display, recording judgments, back, skip, progress, timing."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from study_builders import write_rows
from evalstore.assignment import assign_items
from evalstore.db import open_db, table_counts
from evalstore.importing import import_file
from evalstore.errors import EvalstoreError, InvalidRaterToken, JudgmentConflict, StudyClosed
from evalstore.judgments import judgments_frame
from evalstore.rating import (
    SKIP_REASONS,
    add_rater,
    Shown,
    get_assignment,
    next_assignment,
    previous_assignment,
    progress,
    rater_for_token,
    record_judgment,
    set_rater_active,
    skip_item,
)
from evalstore.studies import set_status


@pytest.fixture
def study(make_study):
    """3 systems (base baseline, vs-baseline), 6 items, 3 raters, overlap 2: 8 assignments each."""
    return make_study(name="s", systems=("base", "finetuned", "other"), n_items=6, raters=3, overlap=2)


def queue(db, rater):
    """(assignment id, position, item_id, system_a, system_b, left) of ``rater`` in queue order."""
    return db.conn.execute(
        """SELECT a.id, a.position, i.item_id, sa.name, sb.name, sl.name
           FROM assignment a JOIN rater r ON r.id = a.rater_id JOIN item i ON i.id = a.item_id
           JOIN system sa ON sa.id = a.system_a_id JOIN system sb ON sb.id = a.system_b_id
           JOIN system sl ON sl.id = a.left_system_id
           WHERE r.name = ? ORDER BY a.position""", [rater]).fetchall()


def output_text(db, item_id, system):
    return db.conn.execute(
        """SELECT o.text FROM output o JOIN item i ON i.id = o.item_id JOIN system s ON s.id = o.system_id
           WHERE i.item_id = ? AND s.name = ?""", [item_id, system]).fetchone()[0]


def judgment_rows(db, assignment_id):
    return db.conn.execute(
        "SELECT criterion, preference, both_bad, skip_reason, rationale FROM judgment WHERE assignment_id = ?",
        [assignment_id]).fetchall()


class Clock:
    """Stands in for ``evalstore.rating.now_iso``; ``advance(seconds)`` moves time on."""

    def __init__(self):
        self.t = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)

    def __call__(self) -> str:
        return self.t.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr("evalstore.rating.now_iso", c)
    return c


# ---------------------------------------------------------------- the queue and what is shown


def test_next_assignment_follows_the_queue_and_shows_texts_by_side(study):
    db, token = study.db, study.tokens["r1"]
    q = queue(db, "r1")
    assert len(q) == 8 and [p for _, p, *_ in q] == list(range(1, 9))
    for n, (aid, _pos, item, a, b, left) in enumerate(q, start=1):
        shown = next_assignment(db, token)
        assert (shown.assignment_id, shown.number, shown.total) == (aid, n, 8)
        right = b if left == a else a
        assert shown.left_text == output_text(db, item, left)
        assert shown.right_text == output_text(db, item, right)
        assert shown.prompt == db.conn.execute("SELECT prompt FROM item WHERE item_id = ?", [item]).fetchone()[0]
        assert not shown.complete and shown.open_criteria == ["overall"]
        assert next_assignment(db, token).assignment_id == aid  # shown again until judged
        record_judgment(db, token, aid, "overall", 0)
    assert next_assignment(db, token) is None


def test_shown_carries_no_system_name_or_id(fresh_db, tmp_path):
    # outputs that do not mention their system (the shared builders' texts do, for other tests)
    rows = [{"item_id": f"q{k}", "prompt": f"Question {k}?", "output_zephyr": f"First text {k}.",
             "output_quokka": f"Second text {k}, longer."} for k in range(3)]
    import_file(fresh_db, write_rows(tmp_path / "blind.csv", rows), study="blind", overlap=1)
    _rater, token = add_rater(fresh_db, "blind", "r")
    assign_items(fresh_db, "blind")
    assert not any("system" in f.name for f in dataclasses.fields(Shown))
    seen = 0
    while (shown := next_assignment(fresh_db, token)) is not None:
        values = " ".join(str(v) for v in dataclasses.asdict(shown).values())
        assert "zephyr" not in values and "quokka" not in values
        row = rows[int(shown.prompt.split()[1].rstrip("?"))]
        assert {shown.left_text, shown.right_text} == {row["output_zephyr"], row["output_quokka"]}
        record_judgment(fresh_db, token, shown.assignment_id, "overall", 0)
        seen += 1
    assert seen == 3


def test_each_rater_has_their_own_queue(study):
    db = study.db
    first = {name: next_assignment(db, token).assignment_id for name, token in study.tokens.items()}
    owners = dict(db.conn.execute("SELECT a.id, r.name FROM assignment a JOIN rater r ON r.id = a.rater_id"))
    assert all(owners[aid] == name for name, aid in first.items())
    with pytest.raises(EvalstoreError, match="not in your queue"):
        record_judgment(db, study.tokens["r1"], first["r2"], "overall", 1)
    with pytest.raises(EvalstoreError, match="not in your queue"):
        get_assignment(db, study.tokens["r1"], first["r2"])
    assert table_counts(db)["judgment"] == 0


# ---------------------------------------------------------------- recording


def test_double_submit_keeps_one_row_and_the_last_answer(study):
    db, token = study.db, study.tokens["r1"]
    aid = next_assignment(db, token).assignment_id
    record_judgment(db, token, aid, "overall", 1)
    record_judgment(db, token, aid, "overall", 1)
    assert len(judgment_rows(db, aid)) == 1
    record_judgment(db, token, aid, "overall", -1, rationale="  changed my mind  ")
    rows = judgment_rows(db, aid)
    assert len(rows) == 1 and rows[0][4] == "changed my mind"
    assert table_counts(db)["judgment"] == 1


def test_a_vote_from_a_screen_that_showed_the_item_unanswered_never_replaces_a_saved_one(study, clock):
    db, token = study.db, study.tokens["r1"]
    screen1 = next_assignment(db, token)  # two tabs show the same open item
    screen2 = next_assignment(db, token)
    assert screen1.seen() == screen2.seen() == {"overall": None}
    record_judgment(db, token, screen1.assignment_id, "overall", 1, seen=screen1.seen()["overall"])
    clock.advance(5)
    with pytest.raises(JudgmentConflict):
        record_judgment(db, token, screen2.assignment_id, "overall", -1, seen=screen2.seen()["overall"])
    with pytest.raises(JudgmentConflict):
        skip_item(db, token, screen2.assignment_id, "cant_judge", seen=screen2.seen())
    choice = lambda: get_assignment(db, token, screen1.assignment_id).judgments["overall"].choice  # noqa: E731
    assert choice() == 1
    # a revision from a screen that shows the saved judgment goes through, once
    revisit = get_assignment(db, token, screen1.assignment_id)
    assert revisit.seen()["overall"] == revisit.judgments["overall"].submitted_at
    record_judgment(db, token, revisit.assignment_id, "overall", -1, seen=revisit.seen()["overall"])
    clock.advance(5)
    with pytest.raises(JudgmentConflict):  # the same stale screen again
        record_judgment(db, token, revisit.assignment_id, "overall", 0, seen=revisit.seen()["overall"])
    assert choice() == -1
    assert table_counts(db)["judgment"] == 1


def test_unique_assignment_criterion_is_enforced_by_the_database(study):
    db, token = study.db, study.tokens["r1"]
    aid = next_assignment(db, token).assignment_id
    record_judgment(db, token, aid, "overall", 0)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.conn.execute("INSERT INTO judgment (assignment_id, criterion, preference, submitted_at) "
                        "VALUES (?, 'overall', 1, 'x')", [aid])


@pytest.mark.parametrize("choice", [-1, 0, 1])
def test_choice_is_stored_oriented_to_the_pair(study, choice):
    db = study.db
    seen = set()
    for name, token in study.tokens.items():
        for aid, _pos, item, a, b, left in queue(db, name):
            if (left == a) in seen:
                continue
            seen.add(left == a)
            record_judgment(db, token, aid, "overall", choice)
            stored = judgment_rows(db, aid)[0][1]
            # left/right choice: negative = the left response better. Stored: negative = system_a better.
            assert stored == (choice if left == a else -choice), (left, a, b)
            shown = get_assignment(db, token, aid)
            assert shown.judgments["overall"].choice == choice  # read back as the rater gave it
    assert seen == {True, False}  # both orientations were exercised


def test_export_agrees_with_what_the_rater_saw(study):
    db, token = study.db, study.tokens["r3"]
    expected = {}
    for aid, _pos, item, a, b, left in queue(db, "r3"):
        shown = next_assignment(db, token)
        # the rater always prefers the response that says "More detail." (the non-baseline systems)
        choice = 1 if "More detail" in shown.right_text else -1
        record_judgment(db, token, shown.assignment_id, "overall", choice)
        expected[(item, b)] = 1  # system_b (non-baseline) is better, whatever side it was on
    frame = judgments_frame(db, "s")
    mine = frame[frame["rater_id"] == "r3"]
    assert len(mine) == len(expected)
    for rec in mine.itertuples():
        assert rec.system_a == "base"
        assert rec.preference == expected[(rec.item_id, rec.system_b)]


def test_five_point_scale_and_invalid_choices(make_study):
    handle = make_study(name="five", n_items=2, raters=1, overlap=1, scale=5)
    db, token = handle.db, handle.tokens["r1"]
    shown = next_assignment(db, token)
    assert shown.scale == 5
    record_judgment(db, token, shown.assignment_id, "overall", -2)
    for bad in (3, -3, 1.5, True, "1"):
        with pytest.raises((EvalstoreError, TypeError)):
            record_judgment(db, token, shown.assignment_id, "overall", bad)
    with pytest.raises(EvalstoreError, match="unknown criterion"):
        record_judgment(db, token, shown.assignment_id, "style", 1)
    assert judgment_rows(db, shown.assignment_id) == [("overall", -2 if _left_is_a(db, shown) else 2, 0, None, None)]


def _left_is_a(db, shown):
    left, a = db.conn.execute("SELECT left_system_id, system_a_id FROM assignment WHERE id = ?",
                              [shown.assignment_id]).fetchone()
    return left == a


def test_three_point_scale_rejects_two(study):
    db, token = study.db, study.tokens["r1"]
    aid = next_assignment(db, token).assignment_id
    with pytest.raises(EvalstoreError, match="-1 to 1"):
        record_judgment(db, token, aid, "overall", 2)
    assert table_counts(db)["judgment"] == 0


def test_both_bad_flag_and_required_rationale(make_study):
    handle = make_study(name="why", n_items=3, raters=1, overlap=1, require_rationale=True)
    db, token = handle.db, handle.tokens["r1"]
    aid = next_assignment(db, token).assignment_id
    with pytest.raises(EvalstoreError, match="rationale"):
        record_judgment(db, token, aid, "overall", 1)
    with pytest.raises(EvalstoreError, match="rationale"):
        record_judgment(db, token, aid, "overall", 1, rationale="   ")
    record_judgment(db, token, aid, "overall", 0, both_bad=True)  # a tie needs no rationale
    assert judgment_rows(db, aid)[0][2] == 1
    record_judgment(db, token, aid, "overall", 1, rationale="clearer")
    assert judgment_rows(db, aid)[0][2:] == (0, None, "clearer")


# ---------------------------------------------------------------- several criteria and progress


def test_progress_counts_assignments_with_every_criterion_judged(make_study):
    handle = make_study(name="multi", n_items=4, raters=2, overlap=1, criteria=["helpful", "safe"])
    db, token = handle.db, handle.tokens["r1"]
    total = progress(db, token).total
    assert progress(db, token).done == 0 and total == 2 and not progress(db, token).finished
    shown = next_assignment(db, token)
    assert shown.criteria == ("helpful", "safe")
    record_judgment(db, token, shown.assignment_id, "helpful", 1)
    again = next_assignment(db, token)
    assert again.assignment_id == shown.assignment_id  # not complete yet: still the current item
    assert again.open_criteria == ["safe"] and not again.complete
    assert progress(db, token).done == 0
    record_judgment(db, token, shown.assignment_id, "safe", 0)
    assert progress(db, token).done == 1
    nxt = next_assignment(db, token)
    assert nxt.assignment_id != shown.assignment_id and nxt.number == 2
    skip_item(db, token, nxt.assignment_id, "cant_judge")
    p = progress(db, token)
    assert (p.done, p.total, p.finished) == (2, 2, True)
    assert next_assignment(db, token) is None
    assert progress(db, handle.tokens["r2"]).done == 0


# ---------------------------------------------------------------- skip


def test_skip_records_every_criterion_without_preference(make_study):
    handle = make_study(name="skip", n_items=3, raters=1, overlap=1, criteria=["a", "b"])
    db, token = handle.db, handle.tokens["r1"]
    aid = next_assignment(db, token).assignment_id
    record_judgment(db, token, aid, "a", 1, both_bad=True)
    skip_item(db, token, aid, "broken_prompt", rationale="truncated")
    assert sorted(judgment_rows(db, aid)) == [("a", None, 0, "broken_prompt", "truncated"),
                                              ("b", None, 0, "broken_prompt", "truncated")]
    assert next_assignment(db, token).assignment_id != aid
    frame = judgments_frame(db, "skip")
    assert set(frame["flag"]) == {"skip:broken_prompt"} and frame["preference"].isna().all()


def test_skip_needs_a_known_reason(study):
    db, token = study.db, study.tokens["r1"]
    aid = next_assignment(db, token).assignment_id
    with pytest.raises(EvalstoreError, match="skip reason"):
        skip_item(db, token, aid, "bored")
    with pytest.raises(EvalstoreError, match="reason"):
        record_judgment(db, token, aid, "overall", None)
    record_judgment(db, token, aid, "overall", None, skip_reason="offensive")
    assert judgment_rows(db, aid) == [("overall", None, 0, "offensive", None)]
    assert set(SKIP_REASONS) >= {"cant_judge", "broken_prompt", "offensive"}


# ---------------------------------------------------------------- back


def test_previous_goes_back_through_judged_items_and_allows_a_change(study):
    db, token = study.db, study.tokens["r2"]
    assert previous_assignment(db, token) is None  # nothing judged yet
    judged = []
    for choice in (1, -1, 0):
        shown = next_assignment(db, token)
        record_judgment(db, token, shown.assignment_id, "overall", choice)
        judged.append((shown.assignment_id, choice))
    current = next_assignment(db, token)
    back = previous_assignment(db, token)
    assert (back.assignment_id, back.number) == (judged[2][0], 3)
    assert back.judgments["overall"].choice == 0
    back2 = previous_assignment(db, token, before=back.assignment_id)
    assert back2.assignment_id == judged[1][0] and back2.judgments["overall"].choice == -1
    back3 = previous_assignment(db, token, before=back2.assignment_id)
    assert back3.assignment_id == judged[0][0]
    assert previous_assignment(db, token, before=back3.assignment_id) is None
    record_judgment(db, token, back2.assignment_id, "overall", 1)  # change an earlier answer
    assert get_assignment(db, token, back2.assignment_id).judgments["overall"].choice == 1
    assert table_counts(db)["judgment"] == 3
    assert next_assignment(db, token).assignment_id == current.assignment_id  # back to where we were


# ---------------------------------------------------------------- closed study and tokens


def test_closed_study_refuses_writes(study):
    db, token = study.db, study.tokens["r1"]
    shown = next_assignment(db, token)
    record_judgment(db, token, shown.assignment_id, "overall", 1)
    set_status(db, study.study, "closed")
    before = table_counts(db), judgment_rows(db, shown.assignment_id)
    with pytest.raises(StudyClosed):
        record_judgment(db, token, shown.assignment_id, "overall", -1)
    nxt = next_assignment(db, token)
    with pytest.raises(StudyClosed):
        record_judgment(db, token, nxt.assignment_id, "overall", 0)
    with pytest.raises(StudyClosed):
        skip_item(db, token, nxt.assignment_id, "cant_judge")
    assert previous_assignment(db, token) is None
    assert (table_counts(db), judgment_rows(db, shown.assignment_id)) == before


@pytest.mark.parametrize("token", [None, "", "not-a-token", "x" * 32])
def test_invalid_token(study, token):
    with pytest.raises(InvalidRaterToken):
        next_assignment(study.db, token)
    with pytest.raises(InvalidRaterToken):
        progress(study.db, token)


def test_deactivated_rater_token_is_refused(study):
    db, token = study.db, study.tokens["r3"]
    aid = next_assignment(db, token).assignment_id
    assert rater_for_token(db, token).name == "r3"
    set_rater_active(db, "s", "r3", False)
    before = table_counts(db)
    for call in (lambda: next_assignment(db, token), lambda: progress(db, token),
                 lambda: record_judgment(db, token, aid, "overall", 1),
                 lambda: skip_item(db, token, aid, "cant_judge"), lambda: previous_assignment(db, token)):
        with pytest.raises(InvalidRaterToken):
            call()
    assert table_counts(db) == before
    set_rater_active(db, "s", "r3", True)
    assert next_assignment(db, token).assignment_id == aid


def test_only_a_hash_of_the_token_is_stored(study):
    dump = "\n".join(study.db.conn.iterdump())
    for token in study.tokens.values():
        assert token not in dump


# ---------------------------------------------------------------- time on item


def test_time_on_item_runs_from_first_display(study, clock):
    db, token = study.db, study.tokens["r1"]
    shown = next_assignment(db, token)            # t = 0: first display
    clock.advance(5)
    next_assignment(db, token)                    # a reload does not restart the clock
    clock.advance(7.5)
    record_judgment(db, token, shown.assignment_id, "overall", 1)  # t = 12.5
    duration = db.conn.execute("SELECT duration_s FROM judgment WHERE assignment_id = ?",
                               [shown.assignment_id]).fetchone()[0]
    assert duration == pytest.approx(12.5)
    nxt = next_assignment(db, token)              # the next item's clock starts now
    clock.advance(3)
    record_judgment(db, token, nxt.assignment_id, "overall", 0)
    assert db.conn.execute("SELECT duration_s FROM judgment WHERE assignment_id = ?",
                           [nxt.assignment_id]).fetchone()[0] == pytest.approx(3)


def test_revisiting_restarts_the_clock(study, clock):
    db, token = study.db, study.tokens["r1"]
    shown = next_assignment(db, token)
    clock.advance(10)
    record_judgment(db, token, shown.assignment_id, "overall", 1)
    clock.advance(100)
    get_assignment(db, token, shown.assignment_id, revisit=True)
    clock.advance(4)
    record_judgment(db, token, shown.assignment_id, "overall", -1)
    assert db.conn.execute("SELECT duration_s FROM judgment WHERE assignment_id = ?",
                           [shown.assignment_id]).fetchone()[0] == pytest.approx(4)


def test_never_displayed_item_has_no_duration(study):
    db, token = study.db, study.tokens["r1"]
    last = queue(db, "r1")[-1][0]
    record_judgment(db, token, last, "overall", 1)
    assert db.conn.execute("SELECT duration_s FROM judgment WHERE assignment_id = ?", [last]).fetchone()[0] is None


# ---------------------------------------------------------------- durability


def test_a_saved_judgment_survives_reopening_the_database(study, db_path):
    db, token = study.db, study.tokens["r1"]
    shown = next_assignment(db, token)
    record_judgment(db, token, shown.assignment_id, "overall", -1, rationale="left is right")
    other = open_db(db_path, create=False)  # a second connection, while the first is open
    assert other.conn.execute("SELECT preference, rationale FROM judgment WHERE assignment_id = ?",
                              [shown.assignment_id]).fetchone() == (judgment_rows(db, shown.assignment_id)[0][1],
                                                                    "left is right")
    other.conn.close()
    db.conn.close()
    reopened = open_db(db_path, create=False)
    assert reopened.conn.execute("SELECT count(*) FROM judgment").fetchone()[0] == 1
    assert next_assignment(reopened, token).assignment_id != shown.assignment_id  # resumes after it
    assert progress(reopened, token).done == 1
    reopened.conn.close()


def test_a_judgment_written_by_another_connection_is_seen(study, db_path):
    other = open_db(db_path, create=False)
    token = study.tokens["r2"]
    shown = next_assignment(other, token)
    record_judgment(other, token, shown.assignment_id, "overall", 1)
    assert progress(study.db, token).done == 1
    assert next_assignment(study.db, token).assignment_id != shown.assignment_id
    other.conn.close()


def test_previous_before_an_item_not_in_the_queue_goes_back_from_the_end(study):
    db, token = study.db, study.tokens["r1"]
    q = queue(db, "r1")
    first, last = q[0][0], q[-1][0]
    record_judgment(db, token, first, "overall", 1)
    record_judgment(db, token, last, "overall", -1)  # out of order: the last one of the queue
    assert previous_assignment(db, token).assignment_id == first  # before the current (second) item
    others = queue(db, "r2")[0][0]
    assert previous_assignment(db, token, before=others).assignment_id == last  # not mine: from the end
    assert previous_assignment(db, token, before=last).assignment_id == first


def test_a_session_opened_before_a_deactivation_or_a_closing_cannot_save(study):
    from evalstore.rating import next_item, open_session, save_judgment, save_skip

    db = study.db
    session = open_session(db, study.tokens["r1"])
    shown = next_item(session)
    set_rater_active(db, "s", "r1", False)  # after the session was opened
    before = table_counts(db)
    with pytest.raises(InvalidRaterToken):
        save_judgment(session, shown.assignment_id, "overall", 1)
    with pytest.raises(InvalidRaterToken):
        save_skip(session, shown.assignment_id, "cant_judge")
    set_rater_active(db, "s", "r1", True)
    set_status(db, study.study, "closed")
    with pytest.raises(StudyClosed):
        save_judgment(session, shown.assignment_id, "overall", 1)
    assert table_counts(db) == before
    set_status(db, study.study, "open")
    saved = save_judgment(session, shown.assignment_id, "overall", 1)
    assert saved.choice == 1
    assert judgment_rows(db, shown.assignment_id) == [("overall", 1 if _left_is_a(db, shown) else -1, 0, None, None)]
