"""The rating page's widgets: a thin shell over ``evalstore.rating``.

One look-up per run: the rater session (token → rater → study) is resolved
once per script run (by the page guard, or by a vote's callback, see
``ui.access.run_session``) and passed down; reading the next item never
writes, and ``show`` starts an item's clock when a new display draws it.

Blinding: everything drawn here comes from ``Shown`` (prompt, left/right texts,
criteria, scale), which carries no system name or id. Widget keys are built
from a random per-display nonce, never from an assignment, item or system id,
so nothing in the DOM or the websocket frames orders the pair.

Stale clicks: each button is bound, through its callback arguments (kept on the
server), to the assignment it was drawn for and to the nonce of that display.
A click or key press that arrives after the screen moved on (a double click, a
key pressed twice) finds a different nonce and is ignored, so it can never
land on the next item. The database's UNIQUE(assignment, criterion) is the
last guard against a second row.

Two tabs: every vote carries what its screen showed (``Shown.seen``), so a
tab still showing an item unanswered cannot replace what another tab saved.

What a rater reads: only this module's own sentences (``NOTICES``), never an
exception's text, which may name the study (and study names often name the
systems) or say something internal. A notice belongs to the screen right after
the action that caused it and is dropped otherwise.
"""

from __future__ import annotations

import functools
import logging
import secrets
from dataclasses import dataclass, field

import streamlit as st

from evalstore.errors import EvalstoreError, InvalidRaterToken, JudgmentConflict, RationaleRequired, StudyClosed
from evalstore.rating import (
    SKIP_REASONS,
    RaterSession,
    Shown,
    get_item,
    next_item,
    previous_item,
    rater_progress,
    save_judgment,
    save_skip,
    show,
)
from evalstore.render import safe_markdown
from evalstore.studies import Study

from .access import NOT_VALID, resolve_rater, run_session

# (choice oriented left/right, label); the key of a button is its 1-based place, 1 = leftmost
SCALES: dict[int, list[tuple[int, str]]] = {
    3: [(-1, "A is better"), (0, "Tie"), (1, "B is better")],
    5: [(-2, "A is much better"), (-1, "A is slightly better"), (0, "Tie"),
        (1, "B is slightly better"), (2, "B is much better")],
}
KEY_BOTH_BAD = "X"
KEY_SKIP = "S"
KEY_BACK = "Backspace"
KEY_CONTINUE = "Esc"
KEY_START = "Enter"
OUTPUT_HEIGHT = 400
LONG_PROMPT_CHARS = 700
PROMPT_HEIGHT = 220

_STATE_KEY = "_evalstore_rating"

# everything the page may tell a rater about an action that did not go through
NOTICE_ANSWERED_ELSEWHERE = "You already answered this item in another tab; use Back to change it."
NOTICE_CLOSED = "This study is closed, so your answer was not saved."
NOTICE_RATIONALE = "Please write a short reason in the box below first: this study asks for one when a response is better."
NOTICE_NOT_SAVED = "Your answer could not be saved. Please try again; if it keeps happening, reload the page."
NOTICE_NOTHING_BEFORE = "There is no earlier answer to revise."
NOTICE_BROKEN = "Something went wrong on this page. Please reload it; your saved answers are kept."
NOTICES = (NOTICE_ANSWERED_ELSEWHERE, NOTICE_CLOSED, NOTICE_RATIONALE, NOTICE_NOT_SAVED, NOTICE_NOTHING_BEFORE,
           NOTICE_BROKEN, NOT_VALID)
_log = logging.getLogger("evalstore.rating_page")


def _notice_for(exc: Exception) -> str:
    """The rater-facing sentence for a refused action (the exception's own text is for the server log)."""
    if isinstance(exc, JudgmentConflict):
        return NOTICE_ANSWERED_ELSEWHERE
    if isinstance(exc, StudyClosed):
        return NOTICE_CLOSED
    if isinstance(exc, RationaleRequired):
        return NOTICE_RATIONALE
    if isinstance(exc, InvalidRaterToken):
        return NOT_VALID
    _log.warning("rating page: action refused: %s", exc)
    return NOTICE_NOT_SAVED


@dataclass
class _State:
    """What one browser session is doing; the database stays the truth about judgments."""

    token: str
    started: bool = False
    revising: int | None = None  # assignment id reopened with Back
    shown_id: int | None = None  # assignment on screen
    nonce: str = ""  # random id of the current display, used in widget keys
    answered: set[str] = field(default_factory=set)  # criteria answered while revising
    seen: dict[str, str | None] = field(default_factory=dict)  # the judgments as last drawn (Shown.seen)
    criteria: tuple[str, ...] = ()  # of the item on screen
    both_bad: bool = False
    skipping: bool = False
    notice: str | None = None  # one of NOTICES, for the next screen only


def _state(token: str) -> _State:
    state = st.session_state.get(_STATE_KEY)
    if state is None or state.token != token:
        state = _State(token=token)
        st.session_state[_STATE_KEY] = state
    return state


def rating_page(token: str) -> None:
    st.set_page_config(page_title="Rating", layout="wide", initial_sidebar_state="collapsed")
    _rating_area(token)


@st.fragment
def _rating_area(token: str) -> None:
    """Everything a vote changes; a vote reruns only this function, not the page."""
    try:
        _draw_rating_area(token)
    except Exception:  # never show a rater a traceback: it can hold texts, names and paths
        _log.exception("rating page failed")
        st.error(NOTICE_BROKEN)


def _draw_rating_area(token: str) -> None:
    state = _state(token)
    # taken now, shown only on the item or done screen this run draws: a notice never outlives its screen
    notice, state.notice = state.notice, None
    session = run_session(token)  # looked up in this run: also catches a link deactivated mid-session
    if session is None:
        st.error(NOT_VALID)
        return
    study = session.study
    counts = rater_progress(session)
    if not state.started:
        if counts.done == 0 and counts.total > 0 and study.is_open:
            _instructions(study, token)
            return
        state.started = True
    if not study.is_open:
        if notice == NOTICE_CLOSED:
            st.warning(notice)
        st.info("This study is closed. Thank you for your help!")
        return
    if counts.total == 0:
        st.info("There is nothing for you to judge yet. Please come back later.")
        return

    shown = _current(session, state)
    st.progress(counts.done / counts.total, text=f"{counts.done} of {counts.total}")
    with st.expander("Instructions and keys"):
        _help(study)
    if notice:
        st.warning(notice)
    if shown is None:
        _done_screen(token, state, counts.total)
    else:
        _item(token, study, state, shown)


def _current(session: RaterSession, state: _State) -> Shown | None:
    shown = None
    if state.revising is not None:
        try:
            shown = get_item(session, state.revising)
        except EvalstoreError:
            state.revising = None
    if shown is None:
        state.revising = None
        shown = next_item(session)
    if shown is None:
        if state.shown_id is not None or not state.nonce.startswith("done-"):
            state.shown_id, state.nonce = None, "done-" + secrets.token_hex(4)
        return None
    new_display = shown.assignment_id != state.shown_id
    # the server-side clock: from the first display of an item, from the reopening of a revision
    # (a no-op without a statement once an item's clock runs)
    shown = show(session, shown, restart=new_display and state.revising is not None)
    if new_display:
        state.shown_id = shown.assignment_id
        state.nonce = secrets.token_hex(4)
        state.answered = set()
        state.skipping = False
        state.both_bad = any(j.both_bad for j in shown.judgments.values())
    state.seen = shown.seen()  # what this screen shows is what its votes may replace
    state.criteria = shown.criteria
    return shown


def _instructions(study: Study, token: str) -> None:
    st.header("Before you start")
    if study.instructions.strip():
        st.markdown(safe_markdown(study.instructions))
    else:
        st.markdown("You will see a prompt and two responses to it. Judge which response is better.")
    _help_scale(study)
    st.button("Start", key="start", type="primary", shortcut=KEY_START, on_click=_start, args=(token,))


def _help(study: Study) -> None:
    if study.instructions.strip():
        st.markdown(safe_markdown(study.instructions))
    _help_scale(study)


def _help_scale(study: Study) -> None:
    lines = ["**How to answer** — click a button or press its key:", ""]
    for k, (choice, label) in enumerate(SCALES[study.scale], start=1):
        lines.append(f"- **{label}** (key {k}): {_meaning(choice, study.scale)}")
    lines += [
        f"- **Both are bad** (key {KEY_BOTH_BAD}): neither response is acceptable; still say which is less bad.",
        f"- **Skip** (key {KEY_SKIP}): you cannot judge this item; you will be asked why.",
        "- **Back** (Backspace): revise your previous answer.",
    ]
    if len(study.criteria) > 1:
        lines.append("")
        lines.append("Each item asks about several criteria; the number keys answer the first open one.")
    if study.require_rationale:
        lines.append("")
        lines.append("When one response is better, write a short reason in the box before answering.")
    st.markdown("\n".join(lines))


def _meaning(choice: int, scale: int) -> str:
    if choice == 0:
        return "the two responses are about equally good."
    side = "A (left)" if choice < 0 else "B (right)"
    if scale == 3:
        return f"Response {side} is better."
    if abs(choice) == 2:
        return f"Response {side} is clearly better."
    return f"Response {side} is better, but only a little."


def _item(token: str, study: Study, state: _State, shown: Shown) -> None:
    nonce = state.nonce
    if state.revising is not None:
        st.info(f"Revising item {shown.number}: your new answer replaces the earlier one.")
    # A box whose Markdown crashed in the browser (an output the renderer chokes on) shows the error
    # for as long as React reuses its element, and React reuses it whenever the next display puts
    # an element of the same kind in the same place. A new key for the box would not help: Streamlit
    # carries the old box's elements over into the new one until the new ones arrive, so the old
    # output crashes again in its fresh element, which the next output then inherits. So from one
    # display to the next the output alternates between sitting directly in its box and sitting in
    # a plain inner container: either way round, the previous display's element is replaced by one
    # of another kind and unmounted, crash and all, and the new output gets an element of its own.
    # (Nothing visible changes; the boxes keep their keys and classes.)
    layout = st.session_state.get("_evalstore_rating_boxes")
    if layout is None or layout[0] != nonce:
        layout = (nonce, not (layout is not None and layout[1]))
        st.session_state["_evalstore_rating_boxes"] = layout
    wrapped = layout[1]

    def box_content(text: str) -> None:
        if wrapped:
            with st.container():
                st.markdown(safe_markdown(text))
        else:
            st.markdown(safe_markdown(text))

    st.markdown("**Prompt**")
    height = PROMPT_HEIGHT if len(shown.prompt) > LONG_PROMPT_CHARS else "content"
    with st.container(border=True, height=height, key="prompt"):
        box_content(shown.prompt)
    left, right = st.columns(2, gap="medium")  # Streamlit stacks columns on a narrow screen
    for column, side, text in ((left, "A", shown.left_text), (right, "B", shown.right_text)):
        with column:
            st.markdown(f"**Response {side}**")
            # the key names the side only (CSS class st-key-response-a), never the system
            with st.container(border=True, height=OUTPUT_HEIGHT, key=f"response-{side.lower()}"):
                box_content(text)

    if state.skipping:
        _skip_panel(token, shown, nonce)
        return

    answered = state.answered if state.revising is not None else set(shown.judgments)
    open_criteria = [c for c in shown.criteria if c not in answered]
    active = open_criteria[0] if open_criteria else None
    several = len(shown.criteria) > 1
    for index, criterion in enumerate(shown.criteria):
        question = "Which response is better?"
        st.markdown(f"**{criterion}** — {question.lower()}" if several else f"**{question}**")
        current = j.choice if (j := shown.judgments.get(criterion)) else None
        buttons = st.columns(study.scale)
        for k, (choice, label) in enumerate(SCALES[study.scale]):
            buttons[k].button(
                label, key=f"vote-{nonce}-{index}-{k}", width="stretch",
                type="primary" if current == choice else "secondary",
                shortcut=str(k + 1) if criterion == active else None,
                on_click=_vote, args=(token, shown.assignment_id, nonce, criterion, choice))

    actions = st.columns(4 if state.revising is not None else 3)
    actions[0].button(
        "Both are bad ✓" if state.both_bad else "Both are bad", key=f"bothbad-{nonce}", width="stretch",
        type="primary" if state.both_bad else "secondary", shortcut=KEY_BOTH_BAD,
        on_click=_toggle_both_bad, args=(token, nonce))
    actions[1].button("Skip", key=f"skip-{nonce}", width="stretch", shortcut=KEY_SKIP,
                      on_click=_start_skip, args=(token, nonce))
    actions[2].button("Back", key=f"back-{nonce}", width="stretch", shortcut=KEY_BACK,
                      disabled=shown.number == 1, on_click=_back, args=(token, nonce, shown.assignment_id))
    if state.revising is not None:
        actions[3].button("Keep and continue", key=f"continue-{nonce}", width="stretch", shortcut=KEY_CONTINUE,
                          on_click=_leave_revision, args=(token, nonce))

    existing = next((j.rationale for j in shown.judgments.values() if j.rationale), None)
    st.text_area(
        "Why? (required when one response is better)" if study.require_rationale else "Why? (optional)",
        value=existing or "", key=f"rationale-{nonce}", height=68)


def _skip_panel(token: str, shown: Shown, nonce: str) -> None:
    st.markdown("**Why do you skip this item?**")
    columns = st.columns(len(SKIP_REASONS) + 1)
    for k, (reason, label) in enumerate(SKIP_REASONS.items()):
        columns[k].button(label, key=f"skipreason-{nonce}-{k}", width="stretch", shortcut=str(k + 1),
                          on_click=_skip, args=(token, shown.assignment_id, nonce, reason))
    columns[-1].button("Cancel", key=f"skipcancel-{nonce}", width="stretch", shortcut=KEY_CONTINUE,
                       on_click=_cancel_skip, args=(token, nonce))


def _done_screen(token: str, state: _State, total: int) -> None:
    st.success(f"All done — thank you! You have judged all {total} items.")
    st.markdown("You can close this tab. To change your last answer, use **Back**.")
    st.button("Back", key=f"back-{state.nonce}", shortcut=KEY_BACK, on_click=_back,
              args=(token, state.nonce, None))


# --- callbacks: run on the server before the fragment reruns -------------------------------------

def _guarded(callback):
    """A callback that fails tells the rater a plain sentence instead of raising into the page."""
    @functools.wraps(callback)
    def run(token: str, *args):
        try:
            callback(token, *args)
        except Exception:
            _log.exception("rating page: %s failed", callback.__name__)
            _state(token).notice = NOTICE_NOT_SAVED

    return run


def _fresh(token: str, nonce: str) -> _State | None:
    """The session state if ``nonce`` is still the display on screen; None for a stale click."""
    state = _state(token)
    return state if state.nonce == nonce else None


def _start(token: str) -> None:
    _state(token).started = True


def _session(token: str) -> RaterSession:
    """The rater session for a callback, looked up now and kept for the rerun it causes."""
    session = resolve_rater(token)
    if session is None:
        raise InvalidRaterToken("this link is not valid")
    return session


@_guarded
def _vote(token: str, assignment_id: int, nonce: str, criterion: str, choice: int) -> None:
    state = _fresh(token, nonce)
    if state is None or state.shown_id != assignment_id:
        return
    try:
        judgment = save_judgment(
            _session(token), assignment_id, criterion, choice, both_bad=state.both_bad,
            rationale=st.session_state.get(f"rationale-{nonce}"), seen=state.seen.get(criterion))
    except JudgmentConflict as exc:
        state.notice = _notice_for(exc)
        _move_on(state)  # the item is answered: show the rater where they really are
        return
    except EvalstoreError as exc:
        state.notice = _notice_for(exc)
        return
    state.answered.add(criterion)
    state.seen[criterion] = judgment.submitted_at
    # the screen's own record says whether this was the item's last open criterion; should another tab
    # have answered one meanwhile, the rerun finds the item complete and moves on all the same
    if state.revising is not None:
        finished = state.answered >= set(state.criteria)
    else:
        finished = all(state.seen.get(c) is not None for c in state.criteria)
    if finished:
        _move_on(state)


def _move_on(state: _State) -> None:
    """Leave the item on screen; the next render shows the first open item (new nonce)."""
    state.revising = None
    state.shown_id = None
    state.nonce = ""


def _toggle_both_bad(token: str, nonce: str) -> None:
    state = _fresh(token, nonce)
    if state is not None:
        state.both_bad = not state.both_bad


def _start_skip(token: str, nonce: str) -> None:
    state = _fresh(token, nonce)
    if state is not None:
        state.skipping = True


def _cancel_skip(token: str, nonce: str) -> None:
    state = _fresh(token, nonce)
    if state is not None:
        state.skipping = False


@_guarded
def _skip(token: str, assignment_id: int, nonce: str, reason: str) -> None:
    state = _fresh(token, nonce)
    if state is None or state.shown_id != assignment_id:
        return
    try:
        save_skip(_session(token), assignment_id, reason, rationale=st.session_state.get(f"rationale-{nonce}"),
                  seen=dict(state.seen))
    except JudgmentConflict as exc:
        state.notice = _notice_for(exc)
        _move_on(state)
        return
    except EvalstoreError as exc:
        state.notice = _notice_for(exc)
        state.skipping = False
        return
    _move_on(state)


@_guarded
def _back(token: str, nonce: str, before: int | None) -> None:
    state = _fresh(token, nonce)
    if state is None:
        return
    try:
        previous = previous_item(_session(token), before=before)  # its clock restarts when it is drawn
    except EvalstoreError as exc:
        state.notice = _notice_for(exc)
        return
    if previous is None:
        state.notice = NOTICE_NOTHING_BEFORE
        return
    state.revising = previous.assignment_id
    state.shown_id = None
    state.nonce = ""


def _leave_revision(token: str, nonce: str) -> None:
    state = _fresh(token, nonce)
    if state is not None:
        _move_on(state)
