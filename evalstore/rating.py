"""The rating core: a rater's queue, recording judgments, going back, progress.

Everything here is addressed by the rater's token, so the rating page never
handles rater ids. What this module hands out is blind by construction:
``Shown`` carries the prompt and the two texts placed left/right, never a
system name or id, and choices come back oriented left/right (negative =
Response A, the left one, is better). The orientation to the stored pair
(system_a, system_b) happens only here, on the server.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime

import sqlite_utils

from .db import now_iso, transaction
from .errors import EvalstoreError, InvalidRaterToken, JudgmentConflict, RationaleRequired, StudyClosed
from .studies import Study, get_study, get_study_by_id

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


@dataclass
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
    # criterion -> {"choice": int|None, "both_bad": bool, "skip_reason": str|None, "rationale": str|None,
    #               "submitted_at": str} — submitted_at is what the page hands back as ``seen`` with a vote
    judgments: dict[str, dict] = field(default_factory=dict)

    def seen(self) -> dict[str, str | None]:
        """criterion -> submitted_at of its judgment as shown (None: shown unanswered), for ``seen=``."""
        return {c: self.judgments.get(c, {}).get("submitted_at") for c in self.criteria}

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


def rater_for_token(db: sqlite_utils.Database, token: str | None) -> Rater:
    """The active rater holding ``token``; ``InvalidRaterToken`` otherwise."""
    if not token:
        raise InvalidRaterToken("this link is not valid")
    row = db.conn.execute(
        "SELECT id, name, study_id, active FROM rater WHERE token_sha256 = ?", [hash_token(token)]).fetchone()
    if row is None or not row[3]:
        raise InvalidRaterToken("this link is not valid")
    return Rater(row[0], row[1], get_study_by_id(db, row[2]))


_QUEUE_SQL = """
    SELECT a.id, a.position, a.left_system_id, a.system_a_id, a.system_b_id, a.item_id,
           (SELECT count(*) FROM judgment j WHERE j.assignment_id = a.id) AS n_judged
    FROM assignment a WHERE a.rater_id = ? ORDER BY a.position
"""


def _queue(db, rater: Rater) -> list[tuple]:
    return db.conn.execute(_QUEUE_SQL, [rater.id]).fetchall()


def progress(db: sqlite_utils.Database, token: str) -> Progress:
    rater = rater_for_token(db, token)
    n_criteria = len(rater.study.criteria)
    total, done = db.conn.execute(
        """SELECT count(*), coalesce(sum(n >= ?), 0) FROM (
               SELECT (SELECT count(*) FROM judgment j WHERE j.assignment_id = a.id) AS n
               FROM assignment a WHERE a.rater_id = ?)""", [n_criteria, rater.id]).fetchone()
    return Progress(int(done), int(total))


def next_assignment(db: sqlite_utils.Database, token: str) -> Shown | None:
    """The first assignment in the rater's queue that is not fully judged; None when done.

    The time on item starts when an assignment is first handed out here.
    """
    rater = rater_for_token(db, token)
    n_criteria = len(rater.study.criteria)
    queue = _queue(db, rater)
    for number, row in enumerate(queue, start=1):
        if row[6] < n_criteria:
            return _shown(db, rater, row, number, len(queue), start_clock=True)
    return None


def get_assignment(db: sqlite_utils.Database, token: str, assignment_id: int, *, revisit: bool = False) -> Shown:
    """One of the rater's own assignments (for Back); ``revisit`` restarts its clock."""
    rater = rater_for_token(db, token)
    queue = _queue(db, rater)
    for number, row in enumerate(queue, start=1):
        if row[0] == assignment_id:
            if revisit:
                db.conn.execute("UPDATE assignment SET shown_at = ? WHERE id = ?", [now_iso(), assignment_id])
            return _shown(db, rater, row, number, len(queue), start_clock=True)
    raise EvalstoreError("that item is not in your queue")


def previous_assignment(db: sqlite_utils.Database, token: str, before: int | None = None) -> Shown | None:
    """The judged assignment just before ``before`` (an assignment id) in the queue.

    With ``before=None``: the last judged one before the rater's current item.
    None when there is nothing to go back to, or the study is closed.
    """
    rater = rater_for_token(db, token)
    if not rater.study.is_open:
        return None
    queue = _queue(db, rater)
    n_criteria = len(rater.study.criteria)
    if before is None:
        stop = next((i for i, row in enumerate(queue) if row[6] < n_criteria), len(queue))
    else:
        stop = next((i for i, row in enumerate(queue) if row[0] == before), len(queue))
    for i in range(stop - 1, -1, -1):
        if queue[i][6] > 0:
            db.conn.execute("UPDATE assignment SET shown_at = ? WHERE id = ?", [now_iso(), queue[i][0]])
            return _shown(db, rater, queue[i], i + 1, len(queue), start_clock=False)
    return None


def _shown(db, rater: Rater, row, number: int, total: int, *, start_clock: bool) -> Shown:
    aid, _pos, left, sys_a, sys_b, item, _n = row
    right = sys_b if left == sys_a else sys_a
    if start_clock:
        db.conn.execute("UPDATE assignment SET shown_at = ? WHERE id = ? AND shown_at IS NULL", [now_iso(), aid])
    prompt = db.conn.execute("SELECT prompt FROM item WHERE id = ?", [item]).fetchone()[0]
    texts = dict(db.conn.execute(
        "SELECT system_id, text FROM output WHERE item_id = ? AND system_id IN (?, ?)", [item, left, right]))
    judgments = {}
    for criterion, pref, both_bad, skip, rationale, submitted_at in db.conn.execute(
            "SELECT criterion, preference, both_bad, skip_reason, rationale, submitted_at FROM judgment"
            " WHERE assignment_id = ?", [aid]):
        judgments[criterion] = {
            "choice": None if pref is None else (pref if left == sys_a else -pref),
            "both_bad": bool(both_bad), "skip_reason": skip, "rationale": rationale, "submitted_at": submitted_at,
        }
    return Shown(aid, number, total, prompt, texts[left], texts[right], rater.study.criteria,
                 rater.study.scale, judgments)


def _own_assignment(conn, rater: Rater, assignment_id: int):
    row = conn.execute(
        "SELECT id, left_system_id, system_a_id, system_b_id, shown_at FROM assignment WHERE id = ? AND rater_id = ?",
        [assignment_id, rater.id]).fetchone()
    if row is None:
        raise EvalstoreError("that item is not in your queue")
    return row


def _duration(shown_at: str | None, now: str) -> float | None:
    if not shown_at:
        return None
    fmt = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return max(0.0, (fmt(now) - fmt(shown_at)).total_seconds())


#: ``seen=UNCHECKED``: save whatever is stored now (scripts and tests; the rating page always says what it showed)
UNCHECKED = object()


def _check_unchanged(conn, assignment_id: int, seen: dict[str, str | None]) -> None:
    """Refuse a vote from a screen that no longer shows what is stored.

    A second tab of the same rater still showing an item unanswered must not replace the judgment the first
    tab saved since (nor an older revision a newer one); the rater is told instead.
    """
    stored = dict(conn.execute("SELECT criterion, submitted_at FROM judgment WHERE assignment_id = ?",
                               [assignment_id]).fetchall())
    for criterion, shown_at in seen.items():
        if stored.get(criterion) != shown_at:
            raise JudgmentConflict("this item was answered in another tab since this screen showed it")


def record_judgment(
    db: sqlite_utils.Database, token: str, assignment_id: int, criterion: str, choice: int | None, *,
    both_bad: bool = False, skip_reason: str | None = None, rationale: str | None = None, seen=UNCHECKED,
) -> None:
    """Save (or revise) one judgment; idempotent, one short transaction.

    ``choice`` is oriented left/right: negative = Response A (left) better,
    positive = Response B (right), 0 = tie, on the study's scale. It is stored
    oriented to the pair (system_a, system_b). ``choice=None`` with a
    ``skip_reason`` records a skip.

    ``seen`` is the ``submitted_at`` of this criterion's judgment as the rater's screen showed it (None: shown
    unanswered; ``Shown.seen()[criterion]``). When the stored judgment differs — saved since from another
    tab — nothing is written and ``JudgmentConflict`` is raised.
    """
    rater = rater_for_token(db, token)
    study = rater.study
    if not study.is_open:
        raise StudyClosed(f"study '{study.name}' is closed; judgments can no longer be changed")
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
    rationale = (rationale or "").strip() or None
    now = now_iso()
    with transaction(db) as conn:
        aid, left, sys_a, _sys_b, shown_at = _own_assignment(conn, rater, assignment_id)
        if seen is not UNCHECKED:
            _check_unchanged(conn, aid, {criterion: seen})
        preference = None if choice is None else (choice if left == sys_a else -choice)
        conn.execute(
            """INSERT INTO judgment (assignment_id, criterion, preference, both_bad, skip_reason, rationale,
                                     duration_s, submitted_at)
               VALUES (?,?,?,?,?,?,?,?)
               ON CONFLICT (assignment_id, criterion) DO UPDATE SET
                 preference = excluded.preference, both_bad = excluded.both_bad,
                 skip_reason = excluded.skip_reason, rationale = excluded.rationale,
                 duration_s = excluded.duration_s, submitted_at = excluded.submitted_at""",
            [aid, criterion, preference, int(bool(both_bad)), skip_reason, rationale,
             _duration(shown_at, now), now])


def skip_item(db: sqlite_utils.Database, token: str, assignment_id: int, reason: str,
              rationale: str | None = None, *, seen=UNCHECKED) -> None:
    """Record a skip for every criterion of the assignment, in one transaction.

    ``seen`` is ``Shown.seen()`` of the screen the skip came from; see ``record_judgment``.
    """
    if reason not in SKIP_REASONS:
        raise EvalstoreError(f"skip reason must be one of {', '.join(SKIP_REASONS)}")
    rater = rater_for_token(db, token)
    if not rater.study.is_open:
        raise StudyClosed(f"study '{rater.study.name}' is closed; judgments can no longer be changed")
    now = now_iso()
    with transaction(db) as conn:
        aid, _left, _a, _b, shown_at = _own_assignment(conn, rater, assignment_id)
        if seen is not UNCHECKED:
            _check_unchanged(conn, aid, seen)
        conn.executemany(
            """INSERT INTO judgment (assignment_id, criterion, preference, both_bad, skip_reason, rationale,
                                     duration_s, submitted_at)
               VALUES (?,?,NULL,0,?,?,?,?)
               ON CONFLICT (assignment_id, criterion) DO UPDATE SET
                 preference = NULL, both_bad = 0, skip_reason = excluded.skip_reason,
                 rationale = excluded.rationale, duration_s = excluded.duration_s,
                 submitted_at = excluded.submitted_at""",
            [(aid, c, reason, (rationale or "").strip() or None, _duration(shown_at, now), now)
             for c in rater.study.criteria])
