"""The rating page through Streamlit's AppTest: the whole flow, without a browser.

Keyboard shortcuts, reloads and several raters at once need a real browser: tests/e2e/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from study_builders import build_study as shared_build_study

from evalstore.db import open_db
from evalstore.rating import add_rater, set_rater_active
from evalstore.studies import get_study, set_status
from ui.rating import NOTICE_ANSWERED_ELSEWHERE, NOTICE_CLOSED, NOTICE_RATIONALE

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
SYSTEMS = ("zebramodel", "quokkamodel")
INSTRUCTIONS = "Judge **helpfulness** first.\n\nIgnore the length of a response."


def output_text(item: int, system: str) -> str:
    # distinctive per (item, side of the file) but free of system names
    return f"Answer {'alpha' if system == SYSTEMS[0] else 'omega'} {item}"


def build_study(tmp_path: Path, *, n_items: int = 4, scale: int = 3, criteria=None, require_rationale=False,
                raters=("rita",), name="teststudy") -> tuple[Path, dict[str, str]]:
    """A small study in a fresh database; every rater gets every item. Returns (db path, tokens)."""
    db_path = tmp_path / "study.db"
    rows = [{"item_id": f"q{i}", "prompt": f"Prompt number {i}: say something.",
             **{f"output_{s}": output_text(i, s) for s in SYSTEMS}} for i in range(1, n_items + 1)]
    db = open_db(db_path)
    handle = shared_build_study(db, tmp_path, name=name, systems=SYSTEMS, rows=rows, raters=list(raters),
                                overlap=len(raters), scale=scale, criteria=criteria,
                                require_rationale=require_rationale, instructions=INSTRUCTIONS)
    db.conn.close()
    return db_path, handle.tokens


@pytest.fixture(autouse=True)
def _app_env(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO))  # the pages import the ui/ package next to app.py
    monkeypatch.delenv("EVALSTORE_ADMIN_PASSWORD", raising=False)


def open_app(db_path: Path, token: str | None, monkeypatch, script: str = APP) -> AppTest:
    monkeypatch.setenv("EVALSTORE_DB", str(db_path))
    at = AppTest.from_file(script, default_timeout=60)
    if token is not None:
        at.query_params["token"] = token
    return at.run()


def no_exception(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def start(at: AppTest) -> AppTest:
    at.button(key="start").click().run()
    return no_exception(at)


def shown(at: AppTest) -> dict[str, str]:
    """Prompt and the two outputs as drawn (the markdown right after each heading)."""
    values = [m.value for m in at.markdown]
    found = {}
    for heading, name in (("**Prompt**", "prompt"), ("**Response A**", "left"), ("**Response B**", "right")):
        if heading in values:
            found[name] = values[values.index(heading) + 1]
    return found


def buttons(at: AppTest, label: str):
    return [b for b in at.button if b.label == label]


def press(at: AppTest, label: str, index: int = 0) -> AppTest:
    buttons(at, label)[index].click().run()
    return no_exception(at)


def progress_text(at: AppTest) -> str:
    return at.get("progress")[0].proto.text


def judgments(db_path: Path) -> list[dict]:
    db = open_db(db_path)
    rows = db.conn.execute(
        """SELECT i.item_id, i.prompt, r.name, j.criterion, j.preference, j.both_bad, j.skip_reason, j.rationale,
                  j.duration_s, sa.name, sb.name, sl.name
           FROM judgment j JOIN assignment a ON a.id = j.assignment_id JOIN item i ON i.id = a.item_id
           JOIN rater r ON r.id = a.rater_id JOIN system sa ON sa.id = a.system_a_id
           JOIN system sb ON sb.id = a.system_b_id JOIN system sl ON sl.id = a.left_system_id
           ORDER BY j.id""").fetchall()
    db.conn.close()
    keys = ["item_id", "prompt", "rater", "criterion", "preference", "both_bad", "skip_reason", "rationale",
            "duration_s", "system_a", "system_b", "left_system"]
    return [dict(zip(keys, r)) for r in rows]


def left_system_of(screen: dict[str, str]) -> str:
    return SYSTEMS[0] if "alpha" in screen["left"] else SYSTEMS[1]


def expected_preference(choice: int, left_system: str) -> int:
    """The stored preference (oriented to system_a = the baseline) for a left/right choice."""
    return choice if left_system == SYSTEMS[0] else -choice


# --- links -------------------------------------------------------------------------------------

def test_unknown_token_gets_only_not_valid(tmp_path, monkeypatch):
    db_path, _ = build_study(tmp_path)
    at = no_exception(open_app(db_path, "not-a-real-token", monkeypatch))
    assert [e.value for e in at.error] == ["This link is not valid."]
    assert not at.button and not at.text_input and not shown(at)


def test_deactivated_token_gets_not_valid(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path)
    db = open_db(db_path)
    set_rater_active(db, "teststudy", "rita", False)
    at = no_exception(open_app(db_path, tokens["rita"], monkeypatch))
    assert [e.value for e in at.error] == ["This link is not valid."]
    assert not at.button and not shown(at)


# --- first visit -------------------------------------------------------------------------------

def test_first_visit_shows_instructions_scale_and_start(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path, scale=5)
    at = no_exception(open_app(db_path, tokens["rita"], monkeypatch))
    text = "\n".join(m.value for m in at.markdown)
    assert "Judge **helpfulness** first." in text
    for label in ("A is much better", "A is slightly better", "Tie", "B is slightly better", "B is much better"):
        assert f"**{label}**" in text
    assert "Response A (left) is clearly better" in text
    assert [b.label for b in at.button] == ["Start"]
    assert not shown(at)  # no item before Start
    start(at)
    assert shown(at)["prompt"].startswith("Prompt number")
    assert at.expander and at.expander[0].label == "Instructions and keys"
    assert progress_text(at) == "0 of 4"


def test_page_never_shows_study_name_system_names_or_objective(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path, name="secretstudyname")
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    press(at, "Tie")
    drawn = [str(e.proto) for e in at.main] + [b.key or "" for b in at.button]
    blob = "\n".join(drawn)
    for word in SYSTEMS + ("secretstudyname",):
        assert word not in blob
    assert "Answer" in blob  # the check above looks at the drawn content


# --- voting ------------------------------------------------------------------------------------

@pytest.mark.parametrize("scale, labels", [
    (3, {"A is better": -1, "Tie": 0, "B is better": 1}),
    (5, {"A is much better": -2, "A is slightly better": -1, "Tie": 0, "B is slightly better": 1,
         "B is much better": 2}),
])
def test_one_click_saves_oriented_judgment_and_shows_next_item(tmp_path, monkeypatch, scale, labels):
    db_path, tokens = build_study(tmp_path, n_items=len(labels), scale=scale)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    expected = {}
    for n, (label, choice) in enumerate(labels.items(), start=1):
        screen = shown(at)
        assert progress_text(at) == f"{n - 1} of {len(labels)}"
        expected[screen["prompt"]] = expected_preference(choice, left_system_of(screen))
        press(at, label)
        if n < len(labels):
            assert shown(at)["prompt"] != screen["prompt"]  # the next item, after one click
    rows = judgments(db_path)
    assert {r["prompt"]: r["preference"] for r in rows} == expected
    assert len(rows) == len(labels)
    assert all(r["duration_s"] is not None and r["duration_s"] >= 0 for r in rows)
    assert any("All done" in s.value for s in at.success)


def test_both_sides_appear_on_the_left(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path, n_items=6)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    lefts = set()
    for _ in range(6):
        lefts.add(left_system_of(shown(at)))
        press(at, "Tie")
    assert lefts == set(SYSTEMS)


def test_both_are_bad_flag_is_saved_with_the_vote(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    press(at, "Both are bad")
    assert buttons(at, "Both are bad ✓")  # toggled on, shown on the button
    press(at, "Tie")
    press(at, "Tie")  # the flag is per item: off again
    rows = judgments(db_path)
    assert [r["both_bad"] for r in rows] == [1, 0]


def test_several_criteria_one_click_each_saved_when_last_is_answered(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path, criteria=["overall", "accuracy"])
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    first = shown(at)
    assert len(buttons(at, "A is better")) == 2
    press(at, "A is better", 0)  # overall
    assert shown(at)["prompt"] == first["prompt"]  # same item until every criterion is answered
    assert progress_text(at) == "0 of 4"
    assert buttons(at, "A is better")[0].proto.type == "primary"  # the answer stays visible
    press(at, "B is better", 1)  # accuracy
    assert shown(at)["prompt"] != first["prompt"]
    assert progress_text(at) == "1 of 4"
    left = left_system_of(first)
    rows = {r["criterion"]: r["preference"] for r in judgments(db_path)}
    assert rows == {"overall": expected_preference(-1, left), "accuracy": expected_preference(1, left)}


def test_required_rationale_blocks_non_tie_until_given(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path, require_rationale=True)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    first = shown(at)["prompt"]
    press(at, "A is better")
    assert [w.value for w in at.warning] == [NOTICE_RATIONALE]
    assert shown(at)["prompt"] == first and judgments(db_path) == []
    at.text_area[0].input("A answers the question.").run()
    press(at, "A is better")
    rows = judgments(db_path)
    assert [r["rationale"] for r in rows] == ["A answers the question."]
    press(at, "Tie")  # a tie needs no rationale
    assert len(judgments(db_path)) == 2


# --- skip, back, done --------------------------------------------------------------------------

@pytest.mark.parametrize("label, reason", [
    ("I can't judge this", "cant_judge"), ("The prompt is broken", "broken_prompt"),
    ("Offensive content", "offensive")])
def test_skip_asks_a_reason_and_records_it(tmp_path, monkeypatch, label, reason):
    db_path, tokens = build_study(tmp_path)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    first = shown(at)["prompt"]
    press(at, "Skip")
    assert [b.label for b in at.button][:4] == [
        "I can't judge this", "The prompt is broken", "Offensive content", "Cancel"]
    assert not buttons(at, "Tie")  # the scale is replaced by the reasons
    press(at, label)
    assert shown(at)["prompt"] != first
    rows = judgments(db_path)
    assert [(r["prompt"], r["preference"], r["skip_reason"]) for r in rows] == [(first, None, reason)]


def test_skip_can_be_cancelled(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    first = shown(at)["prompt"]
    press(at, "Skip")
    press(at, "Cancel")
    assert buttons(at, "Tie") and shown(at)["prompt"] == first and judgments(db_path) == []


def test_back_revises_the_previous_judgment_in_place(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    assert buttons(at, "Back")[0].disabled  # nothing before the first item
    first = shown(at)
    press(at, "A is better")
    second = shown(at)
    press(at, "Back")
    assert shown(at) == first
    assert any("Revising item 1" in i.value for i in at.info)
    assert buttons(at, "A is better")[0].proto.type == "primary"  # the earlier answer is shown
    press(at, "B is better")
    assert shown(at) == second  # back to where the rater was
    rows = judgments(db_path)
    assert len(rows) == 1
    assert rows[0]["preference"] == expected_preference(1, left_system_of(first))
    assert progress_text(at) == "1 of 4"


def test_back_then_keep_and_continue_changes_nothing(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    press(at, "Tie")
    second = shown(at)
    before = judgments(db_path)
    press(at, "Back")
    press(at, "Keep and continue")
    assert shown(at) == second
    after = judgments(db_path)
    assert [(r["preference"], r["skip_reason"]) for r in after] == [(r["preference"], r["skip_reason"]) for r in before]


def test_back_can_revise_a_skip_into_a_vote(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    first = shown(at)
    press(at, "Skip")
    press(at, "The prompt is broken")
    press(at, "Back")
    assert shown(at) == first
    press(at, "Tie")
    assert [(r["preference"], r["skip_reason"]) for r in judgments(db_path)] == [(0, None)]


def test_done_screen_then_back_to_the_last_item(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path, n_items=2)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    press(at, "Tie")
    last = shown(at)
    press(at, "Tie")
    assert any("All done" in s.value for s in at.success)
    assert progress_text(at) == "2 of 2"
    assert not shown(at) and not buttons(at, "Tie")
    press(at, "Back")
    assert shown(at) == last
    press(at, "B is better")
    assert any("All done" in s.value for s in at.success)
    assert len(judgments(db_path)) == 2


def test_stale_click_on_a_previous_item_is_ignored(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    old_button = buttons(at, "A is better")[0]
    at.text_area[0].input("")  # AppTest resends every widget of the old screen; give this one a value
    press(at, "Tie")
    second = shown(at)
    old_button.click().run()  # a button of the previous screen, as a late second click sends it
    no_exception(at)
    rows = judgments(db_path)
    assert [r["preference"] for r in rows] == [0]  # not revised, and nothing saved for the next item
    assert shown(at) == second


# --- resume, closed study ----------------------------------------------------------------------

def test_new_session_resumes_on_first_open_item_with_everything_kept(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path, n_items=5)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    press(at, "A is better")
    press(at, "Skip")
    press(at, "I can't judge this")
    third = shown(at)
    again = no_exception(open_app(db_path, tokens["rita"], monkeypatch))  # a reload is a new session
    assert not buttons(again, "Start")  # no instructions once work has started
    assert shown(again) == third
    assert progress_text(again) == "2 of 5"
    assert len(judgments(db_path)) == 2


def test_closed_study_accepts_no_votes(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    db = open_db(db_path)
    set_status(db, get_study(db, "teststudy"), "closed")
    press(at, "Tie")  # the click that arrives after closing
    assert judgments(db_path) == []
    assert any("closed" in m.value for m in [*at.warning, *at.info])
    again = no_exception(open_app(db_path, tokens["rita"], monkeypatch))
    assert any("This study is closed" in i.value for i in again.info)
    assert not buttons(again, "Tie")


def test_rater_without_assignments_is_told_to_come_back(tmp_path, monkeypatch):
    db_path, _ = build_study(tmp_path)
    db = open_db(db_path)
    _, token = add_rater(db, "teststudy", "latecomer")  # no `assign` run since
    at = no_exception(open_app(db_path, token, monkeypatch))
    assert any("nothing for you to judge" in i.value for i in at.info)


# --- two tabs of one rater, and what a refused action says --------------------------------------

def test_a_second_tab_never_overwrites_a_saved_judgment(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path)
    tab1 = start(open_app(db_path, tokens["rita"], monkeypatch))
    tab2 = start(open_app(db_path, tokens["rita"], monkeypatch))
    first = shown(tab1)
    assert shown(tab2) == first
    press(tab1, "A is better")
    saved = judgments(db_path)
    assert [r["preference"] for r in saved] == [expected_preference(-1, left_system_of(first))]
    press(tab2, "B is better")  # tab 2 still shows the item unanswered
    assert judgments(db_path) == saved, "the judgment the first tab saved was replaced"
    assert [w.value for w in tab2.warning] == [NOTICE_ANSWERED_ELSEWHERE]
    assert shown(tab2)["prompt"] != first["prompt"] and shown(tab2) == shown(tab1)  # moved on, like tab 1
    assert progress_text(tab2) == "1 of 4"
    press(tab2, "Back")  # revising through Back stays possible
    assert shown(tab2) == first
    press(tab2, "B is better")
    assert [r["preference"] for r in judgments(db_path)] == [expected_preference(1, left_system_of(first))]
    assert not tab2.warning


def test_two_tabs_revising_the_same_item_keep_the_first_revision(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path)
    tab1 = start(open_app(db_path, tokens["rita"], monkeypatch))
    first = shown(tab1)
    press(tab1, "A is better")
    tab2 = no_exception(open_app(db_path, tokens["rita"], monkeypatch))
    press(tab1, "Back")
    press(tab2, "Back")
    assert shown(tab1) == shown(tab2) == first
    press(tab1, "Tie")
    press(tab2, "B is better")
    assert [r["preference"] for r in judgments(db_path)] == [0]
    assert [w.value for w in tab2.warning] == [NOTICE_ANSWERED_ELSEWHERE]


def test_a_skip_from_a_stale_tab_is_refused(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path)
    tab1 = start(open_app(db_path, tokens["rita"], monkeypatch))
    tab2 = start(open_app(db_path, tokens["rita"], monkeypatch))
    press(tab2, "Skip")  # tab 2 is asking why when tab 1 answers
    press(tab1, "Tie")
    press(tab2, "The prompt is broken")
    assert [(r["preference"], r["skip_reason"]) for r in judgments(db_path)] == [(0, None)]
    assert [w.value for w in tab2.warning] == [NOTICE_ANSWERED_ELSEWHERE]


def everything_drawn(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "warning", "info", "error", "success", "caption", "header",
                                   "subheader", "title") for e in getattr(at, kind)]
    parts += [b.label for b in at.button] + [t.label for t in at.text_area]
    return "\n".join(str(p) for p in parts)


def test_a_closed_study_notice_never_names_the_study_and_is_dropped_after_reopening(tmp_path, monkeypatch):
    name = "zebramodel-vs-quokkamodel"
    db_path, tokens = build_study(tmp_path, name=name)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    db = open_db(db_path)
    set_status(db, get_study(db, name), "closed")
    press(at, "Tie")  # not saved
    assert judgments(db_path) == []
    assert NOTICE_CLOSED in [w.value for w in at.warning]
    set_status(db, get_study(db, name), "open")
    db.conn.close()
    at.run()  # what the page's websocket reconnecting does: a rerun of the same session
    no_exception(at)
    drawn = everything_drawn(at)
    for secret in (name, "zebramodel", "quokkamodel", "closed"):
        assert secret not in drawn.lower(), secret
    assert not at.warning and buttons(at, "Tie")
    press(at, "Tie")
    assert len(judgments(db_path)) == 1


# --- what a click costs the database ----------------------------------------------------------------

def traced(at: AppTest) -> list[str]:
    """Record every SQL statement the app's connection runs from now on."""
    sql: list[str] = []
    at.session_state["_evalstore_db"][1].conn.set_trace_callback(sql.append)
    return sql


def test_a_vote_click_looks_the_link_up_once_and_runs_a_few_statements(tmp_path, monkeypatch):
    db_path, tokens = build_study(tmp_path, n_items=4, criteria=["overall", "accuracy"], require_rationale=True)
    at = start(open_app(db_path, tokens["rita"], monkeypatch))
    sql = traced(at)
    at.text_area[0].input("clearer").run()
    press(at, "A is better", 0)
    press(at, "B is better", 1)
    assert progress_text(at) == "1 of 4"
    sql.clear()
    press(at, "Tie", 0)
    assert sum("token_sha256" in s for s in sql) == 1, sql  # one look-up for the callback and the redraw
    assert len(sql) <= 10, sql
    assert [s.split()[0] for s in sql].count("UPDATE") == 0, sql  # the item's clock already runs
    sql.clear()
    press(at, "Tie", 1)  # the item's last criterion: saved, and the next item's clock starts
    assert sum("token_sha256" in s for s in sql) == 1 and len(sql) <= 10, sql
    assert sum(s.startswith("UPDATE assignment SET shown_at") for s in sql) == 1, sql
    sql.clear()
    at.run()  # a whole rerun of the app: the gate, the page guard and the rating area share one look-up
    assert sum("token_sha256" in s for s in sql) == 1, sql
    assert not [s for s in sql if s.split()[0] in ("INSERT", "UPDATE", "DELETE")], sql  # nothing written
