"""The rating core: a rater's queue, recording judgments, going back, progress.

A rater is addressed by the token of their link. ``open_session`` resolves it
once (token → rater → study, one query) into a ``RaterSession``; everything
else takes that session, so one request looks the token up once. The
token-taking functions (``next_assignment(db, token)``, ``record_judgment(db,
token, …)``, …) stay as the one-call form for scripts and tests: each opens a
session and calls the session form.

Reading never writes: ``next_item``, ``get_item`` and ``previous_item`` only
read. Time on item starts when the caller says the item is on screen,
``show(session, shown)``, which sets ``shown_at`` once (``restart=True`` for a
revision, whose time runs from the revisit).

What this module hands out is blind by construction: ``Shown`` carries the
prompt and the two texts placed left/right, never a system name or id, and
choices come back oriented left/right (negative = Response A, the left one, is
better). The orientation to the stored pair (system_a, system_b) happens only
here, inside the SQL, on the server.

Speed: a vote is one statement (the checks that another tab did not answer
first, that the rater is active and the study open, and the upsert, together,
which SQLite runs atomically under its write lock) and the next item one
statement; plain ``conn.execute`` with fixed SQL texts, which the sqlite3
module keeps prepared.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
from dataclasses import dataclass, field

import sqlite_utils

from .db import now_iso, transaction
from .errors import EvalstoreError, InvalidRaterToken, JudgmentConflict, RationaleRequired, StudyClosed
from .studies import Study, System, get_study

SKIP_REASONS = {
    "cant_judge": "I can't judge this",
    "broken_prompt": "The prompt is broken",
    "offensive": "Offensive content",
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Rater:
    id: int
    name: str
    study: Study


@dataclass(frozen=True)
class RaterSession:
    """An active rater and their study, as one request found them; what every session function takes.

    Resolve it once per request (``open_session``). A write re-checks, in its own statement, that the rater is
    still active and the study still open, so a session a moment old can never save what a fresh one could not.
    """

    db: sqlite_utils.Database = field(repr=False, compare=False)
    rater: Rater

    @property
    def study(self) -> Study:
        return self.rater.study


@dataclass(frozen=True)
class Judgment:
    """One saved judgment as the rater gave it: ``choice`` oriented left/right (negative = Response A better),
    None for a skip."""

    criterion: str
    choice: int | None
    both_bad: bool
    skip_reason: str | None
    rationale: str | None
    submitted_at: str  # what the page hands back as ``seen`` with a vote


@dataclass(frozen=True)
class Shown:
    """One assignment as the rater sees it: no system names, sides already placed."""

    assignment_id: int
    number: int  # 1-based place in the rater's queue
    total: int
    prompt: str
    left_text: str
    right_text: str
    criteria: tuple[str, ...]
    scale: int
    judgments: dict[str, Judgment] = field(default_factory=dict)  # criterion -> its saved judgment
    shown_at: str | None = None  # when its time on item started; None: never on screen yet

    def seen(self) -> dict[str, str | None]:
        """criterion -> submitted_at of its judgment as shown (None: shown unanswered), for ``seen=``."""
        return {c: (j.submitted_at if (j := self.judgments.get(c)) else None) for c in self.criteria}

    @property
    def complete(self) -> bool:
        return all(c in self.judgments for c in self.criteria)

    @property
    def open_criteria(self) -> list[str]:
        return [c for c in self.criteria if c not in self.judgments]


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def finished(self) -> bool:
        return self.done >= self.total


# ------------------------------------------------------------------------------------------ raters


def add_rater(db: sqlite_utils.Database, study: Study | str | None, name: str) -> tuple[Rater, str]:
    """Create a rater; return it with its access token (only the token's hash is stored)."""
    if not isinstance(study, Study):
        study = get_study(db, study)
    name = (name or "").strip()
    if not name:
        raise EvalstoreError("a rater needs a name (--name)")
    token = secrets.token_urlsafe(24)
    with transaction(db) as conn:
        if conn.execute("SELECT 1 FROM rater WHERE study_id = ? AND name = ?", [study.id, name]).fetchone():
            raise EvalstoreError(f"study '{study.name}' already has a rater named '{name}'")
        rid = conn.execute(
            "INSERT INTO rater (study_id, name, token_sha256, active, created_at) VALUES (?,?,?,1,?)",
            [study.id, name, hash_token(token), now_iso()]).lastrowid
    return Rater(rid, name, study), token


def set_rater_active(db: sqlite_utils.Database, study: Study | str | None, name: str, active: bool) -> None:
    if not isinstance(study, Study):
        study = get_study(db, study)
    cur = db.conn.execute("UPDATE rater SET active = ? WHERE study_id = ? AND name = ?",
                          [int(active), study.id, name])
    if cur.rowcount == 0:
        raise EvalstoreError(f"study '{study.name}' has no rater named '{name}'")


# the study's systems come along as JSON so that token → rater → study is one statement
_SESSION_SQL = """
    SELECT r.id, r.name, r.active, s.id, s.name, s.objective, s.instructions, s.scale, s.criteria, s.overlap,
           s.pairing, s.seed, s.require_rationale, s.status, s.created_at,
           (SELECT json_group_array(json_array(y.id, y.name, y.is_baseline))
            FROM (SELECT id, name, is_baseline FROM system WHERE study_id = s.id ORDER BY id) y)
    FROM rater r JOIN study s ON s.id = r.study_id
    WHERE r.token_sha256 = ?
"""


def open_session(db: sqlite_utils.Database, token: str | None) -> RaterSession:
    """The session of the active rater holding ``token`` (one query); ``InvalidRaterToken`` otherwise."""
    if not token:
        raise InvalidRaterToken("this link is not valid")
    row = db.conn.execute(_SESSION_SQL, [hash_token(token)]).fetchone()
    if row is None or not row[2]:
        raise InvalidRaterToken("this link is not valid")
    systems = tuple(System(sid, name, bool(base)) for sid, name, base in json.loads(row[15]))
    study = Study(id=row[3], name=row[4], objective=row[5], instructions=row[6], scale=row[7],
                  criteria=tuple(json.loads(row[8])), overlap=row[9], pairing=row[10], seed=row[11],
                  require_rationale=bool(row[12]), status=row[13], created_at=row[14], systems=systems)
    return RaterSession(db, Rater(row[0], row[1], study))


def rater_for_token(db: sqlite_utils.Database, token: str | None) -> Rater:
    """The active rater holding ``token``; ``InvalidRaterToken`` otherwise."""
    return open_session(db, token).rater


# ------------------------------------------------------------------------------------------ reading

# "open": fewer judgments than the study has criteria. The scan walks the rater's queue in order on
# UNIQUE(rater_id, position) and stops at the first hit; each step is one probe of UNIQUE(assignment_id, criterion).
_N_JUDGED = "(SELECT count(*) FROM judgment j WHERE j.assignment_id = q.id)"
_FIRST_OPEN = f"SELECT q.* FROM assignment q WHERE q.rater_id = ? AND {_N_JUDGED} < ? ORDER BY q.position LIMIT 1"
_OWN = "SELECT q.* FROM assignment q WHERE q.id = ? AND q.rater_id = ?"
# the last judged assignment before a stop: without ``before`` the first open one, with it that assignment;
# the end of the queue when there is no such stop
_PREVIOUS = f"""
    SELECT q.* FROM assignment q
    WHERE q.rater_id = ? AND EXISTS (SELECT 1 FROM judgment j WHERE j.assignment_id = q.id)
      AND q.position < coalesce(CASE WHEN ? IS NULL THEN (SELECT position FROM ({_FIRST_OPEN}))
                                     ELSE (SELECT position FROM assignment WHERE id = ? AND rater_id = ?) END,
                                9223372036854775807)
    ORDER BY q.position DESC LIMIT 1"""
# what a screen needs, for one picked assignment: the texts by side and the judgments, choices oriented left/right
_SHOWN_SQL = """
    WITH a AS ({pick}), o AS (
        SELECT a.*, a.left_system_id = a.system_a_id AS left_is_a,
               CASE WHEN a.left_system_id = a.system_a_id THEN a.system_b_id ELSE a.system_a_id END AS right_id
        FROM a)
    SELECT o.id, o.shown_at,
           (SELECT count(*) FROM assignment q WHERE q.rater_id = o.rater_id AND q.position <= o.position),
           (SELECT count(*) FROM assignment q WHERE q.rater_id = o.rater_id),
           i.prompt,
           (SELECT text FROM output WHERE item_id = o.item_id AND system_id = o.left_system_id),
           (SELECT text FROM output WHERE item_id = o.item_id AND system_id = o.right_id),
           (SELECT json_group_array(json_array(j.criterion, CASE WHEN o.left_is_a THEN j.preference
                                                                 ELSE -j.preference END,
                                               j.both_bad, j.skip_reason, j.rationale, j.submitted_at))
            FROM judgment j WHERE j.assignment_id = o.id)
    FROM o JOIN item i ON i.id = o.item_id
"""
_NEXT_SQL = _SHOWN_SQL.format(pick=_FIRST_OPEN)
_GET_SQL = _SHOWN_SQL.format(pick=_OWN)
_PREVIOUS_SQL = _SHOWN_SQL.format(pick=_PREVIOUS)


def _shown(session: RaterSession, row) -> Shown | None:
    if row is None:
        return None
    aid, shown_at, number, total, prompt, left_text, right_text, judged = row
    judgments = {c: Judgment(c, choice, bool(both_bad), skip, rationale, submitted_at)
                 for c, choice, both_bad, skip, rationale, submitted_at in json.loads(judged)}
    study = session.study
    return Shown(aid, number, total, prompt, left_text, right_text, study.criteria, study.scale, judgments,
                 shown_at)


def next_item(session: RaterSession) -> Shown | None:
    """The first assignment in the rater's queue that is not fully judged; None when done. Reads only."""
    row = session.db.conn.execute(_NEXT_SQL, [session.rater.id, len(session.study.criteria)]).fetchone()
    return _shown(session, row)


def get_item(session: RaterSession, assignment_id: int) -> Shown:
    """One of the rater's own assignments (for Back). Reads only."""
    shown = _shown(session, session.db.conn.execute(_GET_SQL, [assignment_id, session.rater.id]).fetchone())
    if shown is None:
        raise EvalstoreError("that item is not in your queue")
    return shown


def previous_item(session: RaterSession, before: int | None = None) -> Shown | None:
    """The judged assignment just before ``before`` (an assignment id) in the queue. Reads only.

    With ``before=None``: the last judged one before the rater's current item.
    None when there is nothing to go back to, or the study is closed.
    """
    if not session.study.is_open:
        return None
    rid = session.rater.id
    row = session.db.conn.execute(
        _PREVIOUS_SQL, [rid, before, rid, len(session.study.criteria), before, rid]).fetchone()
    return _shown(session, row)


def show(session: RaterSession, shown: Shown, *, restart: bool = False) -> Shown:
    """Say that ``shown`` is on the rater's screen: its time on item starts now, once.

    A later ``show`` of the same assignment (a reload, a second tab) keeps the first start; ``restart=True``
    (a revision reopened with Back) starts it again. Returns ``shown`` with its ``shown_at``.
    """
    if shown.shown_at is not None and not restart:
        return shown
    now = now_iso()
    sql = "UPDATE assignment SET shown_at = ? WHERE id = ? AND rater_id = ?"
    if not restart:
        sql += " AND shown_at IS NULL"
    if session.db.conn.execute(sql, [now, shown.assignment_id, session.rater.id]).rowcount:
        return dataclasses.replace(shown, shown_at=now)
    return shown


def rater_progress(session: RaterSession) -> Progress:
    """How many of the rater's assignments have every criterion judged, of how many."""
    total, done = session.db.conn.execute(
        f"SELECT count(*), coalesce(sum({_N_JUDGED} >= ?), 0) FROM assignment q WHERE q.rater_id = ?",
        [len(session.study.criteria), session.rater.id]).fetchone()
    return Progress(int(done), int(total))


# ------------------------------------------------------------------------------------------ writing

#: ``seen=UNCHECKED``: save whatever is stored now (scripts and tests; the rating page always says what it showed)
UNCHECKED = object()


def _save_sql(n_rows: int) -> str:
    """One statement that saves ``n_rows`` judgments of one assignment, or nothing.

    It writes only when the assignment is the rater's, the rater active, the study open, and every checked
    criterion's stored ``submitted_at`` is the one the rater's screen showed (a second tab of the same rater
    still showing an item unanswered must not replace the judgment the first tab saved since, nor an older
    revision a newer one). One statement is atomic and takes SQLite's write lock before it reads, so no
    other writer comes between the checks and the write. Duration: whole milliseconds between ``shown_at``
    and now (``julianday`` differences are rounded; never-shown items have none).
    """
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * n_rows)
    # INSERT first, WITH inside: the sqlite3 module reports rowcount only for statements that start with INSERT
    return f"""
        INSERT INTO judgment (assignment_id, criterion, preference, both_bad, skip_reason, rationale,
                              duration_s, submitted_at)
        WITH vote (criterion, choice, both_bad, skip_reason, rationale, checked, seen) AS (VALUES {values})
        SELECT a.id, v.criterion, CASE WHEN a.left_system_id = a.system_a_id THEN v.choice ELSE -v.choice END,
               v.both_bad, v.skip_reason, v.rationale,
               max(0.0, round((julianday(?) - julianday(a.shown_at)) * 86400000.0) / 1000.0), ?
        FROM assignment a JOIN rater r ON r.id = a.rater_id JOIN study s ON s.id = r.study_id JOIN vote v
        WHERE a.id = ? AND a.rater_id = ? AND r.active = 1 AND s.status = 'open'
          AND NOT EXISTS (SELECT 1 FROM vote w LEFT JOIN judgment j
                                 ON j.assignment_id = a.id AND j.criterion = w.criterion
                          WHERE w.checked AND j.submitted_at IS NOT w.seen)
        ON CONFLICT (assignment_id, criterion) DO UPDATE SET
          preference = excluded.preference, both_bad = excluded.both_bad, skip_reason = excluded.skip_reason,
          rationale = excluded.rationale, duration_s = excluded.duration_s, submitted_at = excluded.submitted_at
    """


_SAVE_SQL: dict[int, str] = {}  # by number of rows: the same text each time, so sqlite3 keeps it prepared


def _save(session: RaterSession, assignment_id: int, rows: list[tuple], now: str) -> None:
    """Run the save statement for ``rows`` (criterion, choice, both_bad, skip_reason, rationale, checked, seen);
    when it writes nothing, raise what stopped it."""
    sql = _SAVE_SQL.get(len(rows))
    if sql is None:
        sql = _SAVE_SQL[len(rows)] = _save_sql(len(rows))
    params = [value for row in rows for value in row] + [now, now, assignment_id, session.rater.id]
    conn = session.db.conn
    if conn.execute(sql, params).rowcount:
        return
    # nothing written: find out why (only on this path, so a vote that goes through costs one statement)
    row = conn.execute(
        """SELECT r.active, s.status, s.name FROM assignment a JOIN rater r ON r.id = a.rater_id
           JOIN study s ON s.id = r.study_id WHERE a.id = ? AND a.rater_id = ?""",
        [assignment_id, session.rater.id]).fetchone()
    if row is None:
        raise EvalstoreError("that item is not in your queue")
    if not row[0]:
        raise InvalidRaterToken("this link is not valid")
    if row[1] != "open":
        raise StudyClosed(f"study '{row[2]}' is closed; judgments can no longer be changed")
    raise JudgmentConflict("this item was answered in another tab since this screen showed it")


def _refuse_if_closed(study: Study) -> None:
    if not study.is_open:
        raise StudyClosed(f"study '{study.name}' is closed; judgments can no longer be changed")


def save_judgment(
    session: RaterSession, assignment_id: int, criterion: str, choice: int | None, *, both_bad: bool = False,
    skip_reason: str | None = None, rationale: str | None = None, seen=UNCHECKED,
) -> Judgment:
    """Save (or revise) one judgment in one statement; idempotent. Returns it as saved.

    ``choice`` is oriented left/right: negative = Response A (left) better,
    positive = Response B (right), 0 = tie, on the study's scale. It is stored
    oriented to the pair (system_a, system_b). ``choice=None`` with a
    ``skip_reason`` records a skip.

    ``seen`` is the ``submitted_at`` of this criterion's judgment as the rater's screen showed it (None: shown
    unanswered; ``Shown.seen()[criterion]``). When the stored judgment differs — saved since from another
    tab — nothing is written and ``JudgmentConflict`` is raised.
    """
    study = session.study
    _refuse_if_closed(study)
    if criterion not in study.criteria:
        raise EvalstoreError(f"unknown criterion '{criterion}'")
    half = study.scale // 2
    if choice is None:
        if not skip_reason:
            raise EvalstoreError("a skip needs a reason")
        both_bad = False
    else:
        if isinstance(choice, bool) or int(choice) != choice or not -half <= choice <= half:
            raise EvalstoreError(f"choice must be an integer from -{half} to {half}")
        choice = int(choice)
        skip_reason = None
        if study.require_rationale and choice != 0 and not (rationale or "").strip():
            raise RationaleRequired("this study asks for a short rationale when one response is better")
    judgment = Judgment(criterion, choice, bool(both_bad), skip_reason, (rationale or "").strip() or None, now_iso())
    checked = seen is not UNCHECKED
    _save(session, assignment_id, [(criterion, choice, int(judgment.both_bad), skip_reason, judgment.rationale,
                                    int(checked), seen if checked else None)], judgment.submitted_at)
    return judgment


def save_skip(session: RaterSession, assignment_id: int, reason: str, rationale: str | None = None, *,
              seen=UNCHECKED) -> list[Judgment]:
    """Record a skip for every criterion of the assignment, in one statement. Returns the judgments saved.

    ``seen`` is ``Shown.seen()`` of the screen the skip came from; see ``save_judgment``.
    """
    if reason not in SKIP_REASONS:
        raise EvalstoreError(f"skip reason must be one of {', '.join(SKIP_REASONS)}")
    _refuse_if_closed(session.study)
    now = now_iso()
    rationale = (rationale or "").strip() or None
    judgments = [Judgment(c, None, False, reason, rationale, now) for c in session.study.criteria]
    checks = {} if seen is UNCHECKED else seen
    _save(session, assignment_id, [(j.criterion, None, 0, reason, rationale, int(j.criterion in checks),
                                    checks.get(j.criterion)) for j in judgments], now)
    return judgments


# ------------------------------------------------------------------------------------------ by token
# The one-call forms: each resolves the token, then does what the session functions do. A page resolves the
# session once per request and calls those instead.


def progress(db: sqlite_utils.Database, token: str) -> Progress:
    return rater_progress(open_session(db, token))


def next_assignment(db: sqlite_utils.Database, token: str) -> Shown | None:
    """The first assignment in the rater's queue that is not fully judged, with its clock started; None when done."""
    session = open_session(db, token)
    shown = next_item(session)
    return None if shown is None else show(session, shown)


def get_assignment(db: sqlite_utils.Database, token: str, assignment_id: int, *, revisit: bool = False) -> Shown:
    """One of the rater's own assignments (for Back), with its clock started; ``revisit`` restarts it."""
    session = open_session(db, token)
    return show(session, get_item(session, assignment_id), restart=revisit)


def previous_assignment(db: sqlite_utils.Database, token: str, before: int | None = None) -> Shown | None:
    """``previous_item`` with the revision's clock restarted."""
    session = open_session(db, token)
    shown = previous_item(session, before)
    return None if shown is None else show(session, shown, restart=True)


def record_judgment(
    db: sqlite_utils.Database, token: str, assignment_id: int, criterion: str, choice: int | None, *,
    both_bad: bool = False, skip_reason: str | None = None, rationale: str | None = None, seen=UNCHECKED,
) -> Judgment:
    """``save_judgment`` for the rater holding ``token``."""
    return save_judgment(open_session(db, token), assignment_id, criterion, choice, both_bad=both_bad,
                         skip_reason=skip_reason, rationale=rationale, seen=seen)


def skip_item(db: sqlite_utils.Database, token: str, assignment_id: int, reason: str,
              rationale: str | None = None, *, seen=UNCHECKED) -> list[Judgment]:
    """``save_skip`` for the rater holding ``token``."""
    if reason not in SKIP_REASONS:  # a bad reason is reported before the link
        raise EvalstoreError(f"skip reason must be one of {', '.join(SKIP_REASONS)}")
    return save_skip(open_session(db, token), assignment_id, reason, rationale, seen=seen)
