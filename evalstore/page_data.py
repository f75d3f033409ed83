"""What the analysis page shows, as plain functions the page caches (no Streamlit in here).

The page keys its caches on ``(database path, study, data version, filters)``: ``data_version`` changes
whenever a judgment is added, revised or skipped, so a large study is re-analysed only when its judgments
change, and flipping back to options seen before is instant. The study's table itself is kept per study
(``StudyTable``): a new judgment appends its rows to the table read before rather than reading the study again. The page's choices are an ``AnalysisOptions``
(frozen, so Streamlit hashes it for the cache key) and every number comes from ``analysis.analyze`` on what
``judgments.load_input`` read — the same load and the same call as ``evalstore analyze`` and ``evalstore
report``; every word from ``reports.words``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd
import sqlite_utils

from .analysis.options import AnalysisOptions
from .reports.words import label, pair_label
from .studies import Study, get_study


def without_exclusions(options: AnalysisOptions) -> AnalysisOptions:
    """The same analysis with every rater in (the page's what-if compares the two)."""
    return replace(options, exclude_raters=())


def data_version(db: sqlite_utils.Database, study: Study | str) -> tuple[int, int, str, int]:
    """(number of judgments, highest judgment id, latest submitted_at, preference checksum) of the study.

    A new judgment raises the count and the id; a revised or skipped one (an UPDATE of its row) moves
    ``submitted_at`` forward and, when its preference changed, the checksum Σ id · (preference + 3) (a skip
    counts as 7), which also catches two revisions within the same millisecond. Any change to the judgments
    gives a version different from the one before, and so a new cache key on the page. (A revision back to
    an earlier preference within the same millisecond may bring back an earlier version: its cached analysis
    has the same preferences.)
    """
    if not isinstance(study, Study):
        study = get_study(db, study)
    count, max_id, latest, checksum = db.conn.execute(
        """SELECT count(*), coalesce(max(j.id), 0), coalesce(max(j.submitted_at), ''),
                  coalesce(sum(j.id * (coalesce(j.preference, 4) + 3)), 0)
           FROM judgment j JOIN assignment a ON a.id = j.assignment_id JOIN rater r ON r.id = a.rater_id
           WHERE r.study_id = ?""", [study.id]).fetchone()
    return int(count), int(max_id), str(latest), int(checksum)


def assignment_version(db: sqlite_utils.Database, study: Study | str) -> tuple[int, int, int, int]:
    """(raters, active raters, assignments, highest assignment id): changes when raters or work are added,
    moved or switched off — what the progress table shows besides the judgments."""
    if not isinstance(study, Study):
        study = get_study(db, study)
    raters, active = db.conn.execute(
        "SELECT count(*), coalesce(sum(active), 0) FROM rater WHERE study_id = ?", [study.id]).fetchone()
    assignments, max_id = db.conn.execute(
        """SELECT count(*), coalesce(max(a.id), 0) FROM assignment a JOIN rater r ON r.id = a.rater_id
           WHERE r.study_id = ?""", [study.id]).fetchone()
    return int(raters), int(active), int(assignments), int(max_id)


def load_study(db_path: str, study: str):
    """The study's judgments as ``evalstore analyze DB --study NAME`` loads them (``judgments.JudgmentsInput``)."""
    from .judgments import load_input

    return load_input(db_path, study=study)


class StudyTable:
    """One study's loaded judgments, kept up to date by reading only the judgments added since the last read.

    ``at(version)`` gives what ``load_study`` gives for that data version. When only new judgments arrived
    (more rows above the highest id read, none of them earlier than the latest one read, the earlier rows'
    count, preferences and times unchanged, no new items or outputs), only those rows are read from the
    database and appended; any other change (a revision, a skip, a new import) reads the study again. The
    table is validated and hashed as a whole each time, so the result is the same as a fresh load.
    """

    def __init__(self, db_path: str, study: str):
        self.db_path, self.study = db_path, study
        self._lock = threading.Lock()  # sessions of one server share a table: one reader at a time
        self._version: tuple | None = None
        self._raw: pd.DataFrame | None = None  # judgments_frame's table, unvalidated, to append to
        self._columns = None  # judgments.ItemColumns of the study
        self._loaded = None
        #: how the last call got its rows: "cached", "appended" or "read"
        self.last = ""

    def at(self, version: tuple):
        from .db import open_db
        from .judgments import item_columns, item_columns_version, study_judgments

        with self._lock:
            if version == self._version:
                self.last = "cached"
                return self._loaded
            db = open_db(self.db_path, readonly=True)
            try:
                db.conn.execute("BEGIN")  # one snapshot: the version read is the version of the rows read
                chosen = get_study(db, self.study)
                now = data_version(db, chosen)
                if now == self._version:  # another session brought the table to this version already
                    db.conn.execute("COMMIT")
                    self.last = "cached"
                    return self._loaded
                items_version = item_columns_version(db, chosen)
                raw = self._appended(db, chosen, now, items_version)
                self.last = "appended"
                if raw is None:
                    # the items' metadata and metrics are parsed again only after items or outputs were added
                    if self._columns is None or items_version != self._columns.version:
                        self._columns = item_columns(db, chosen)
                    raw = study_judgments(db, chosen, self._columns)
                    self.last = "read"
                db.conn.execute("COMMIT")
            finally:
                db.close()
            self._loaded = _validated(self.db_path, chosen, raw)
            self._raw, self._version = raw, now
            return self._loaded

    def _appended(self, db: sqlite_utils.Database, study: Study, now: tuple,
                  items_version: tuple) -> pd.DataFrame | None:
        """The table at ``now`` as the one read plus the rows added since, or None when more than that changed."""
        from .judgments import study_judgments

        if self._version is None or self._raw is None or now == self._version:
            return None
        count, max_id, latest, checksum = self._version
        if items_version != self._columns.version:
            return None
        added, added_sum, earliest = db.conn.execute(
            f"""SELECT count(*), coalesce(sum(j.id * (coalesce(j.preference, 4) + 3)), 0), min(j.submitted_at)
                {_STUDY_JUDGMENTS} AND j.id > ?""", [study.id, max_id]).fetchone()
        if count + added != now[0] or checksum + added_sum != now[3] or (added and earliest < latest):
            return None
        # a revision or a skip of an earlier row gives it a time after the latest one read (the rows read at
        # that time must all still be there, and none past it: a revision that kept its preference moves only
        # the time)
        at_latest, past_latest = db.conn.execute(
            f"SELECT count(*), coalesce(sum(j.submitted_at > ?), 0) {_STUDY_JUDGMENTS} AND j.id <= ? "
            "AND j.submitted_at >= ?", [latest, study.id, max_id, latest]).fetchone()
        if past_latest or at_latest != int((self._raw["submitted_at"] == latest).sum()):
            return None
        new = study_judgments(db, study, self._columns, after_id=max_id)
        return pd.concat([self._raw, new], ignore_index=True) if len(new) else self._raw


_STUDY_JUDGMENTS = """FROM judgment j CROSS JOIN assignment a ON a.id = j.assignment_id
                      CROSS JOIN rater r ON r.id = a.rater_id WHERE r.study_id = ?"""


def _validated(db_path: str, study: Study, raw: pd.DataFrame):
    """``judgments_frame``'s table of a study database as ``load_input`` returns it."""
    from .judgments import JudgmentsInput, frame_sha256, validate_judgments

    frame = validate_judgments(raw, path=db_path, scale=study.scale, kind="database")
    return JudgmentsInput(frame, frame_sha256(frame), "database", study=study.name, scale=study.scale,
                          overlap=study.overlap, baseline=study.baseline, scale_source="study")


def analyze_loaded(loaded, options: AnalysisOptions) -> dict:
    """``analyze`` on a loaded study with the page's options: the call ``evalstore analyze`` and ``evalstore
    report`` make."""
    from .analysis import analyze

    return analyze(loaded, options)


def slice_columns(frame: pd.DataFrame) -> list[str]:
    """Columns a study can be sliced by: the item metadata (every column outside the canonical table)."""
    from .judgments import CANONICAL_ORDER, METRIC_PREFIX

    return [c for c in frame.columns if c not in CANONICAL_ORDER and not c.startswith(METRIC_PREFIX)]


def raters_of(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["rater_id"].astype(str).unique().tolist()) if len(frame) else []


def _alpha(result: dict, key: tuple) -> tuple[str | None, float | None]:
    for entry in result.get("agreement") or []:
        if (entry["criterion"], entry["system_a"], entry["system_b"]) == key:
            level = entry.get("alpha_ci_level") or "nominal"
            return level, entry.get(f"krippendorff_alpha_{level}")
    return None, None


def what_if(with_everyone: dict, with_exclusions: dict) -> list[dict]:
    """Per comparison: the verdict, win rate, p-value and α with every rater and without the excluded ones.

    Both results come from ``analyze``; this only lines them up side by side and says whether the verdict
    (which system wins, or none) changed.
    """
    after = {(h["criterion"], h["system_a"], h["system_b"]): h for h in with_exclusions.get("headline") or []}
    rows = []
    for h in with_everyone.get("headline") or []:
        key = (h["criterion"], h["system_a"], h["system_b"])
        other = after.get(key, {})
        level, alpha_before = _alpha(with_everyone, key)
        _, alpha_after = _alpha(with_exclusions, key)
        rows.append({
            "criterion": h["criterion"], "pair": pair_label(h),
            "winner (all raters)": h.get("winner") or "no clear winner",
            "winner (without excluded)": other.get("winner") or "no clear winner" if other else "no judgments",
            "win rate (all raters)": h.get("win_rate_b"), "win rate (without excluded)": other.get("win_rate_b"),
            "p (all raters)": h.get("p_value"), "p (without excluded)": other.get("p_value"),
            f"α {level or ''} (all raters)".replace("  ", " "): alpha_before,
            f"α {level or ''} (without excluded)".replace("  ", " "): alpha_after,
            "verdict changed": (h.get("winner") != other.get("winner")) if other else True,
        })
    return rows


def what_if_sentences(rows: list[dict], excluded: Sequence[str]) -> list[str]:
    """The what-if in words: "Without carol, overall: finetuned still wins; α (nominal) 0.25 → 0.53"."""
    who = ", ".join(excluded)
    out = []
    for row in rows:
        before, after = row["winner (all raters)"], row["winner (without excluded)"]
        if row["verdict changed"]:
            verdict = f"the verdict changes from {before} to {after}"
        elif before == "no clear winner":
            verdict = "still no clear winner"
        else:
            verdict = f"{before} still wins"
        alphas = [v for k, v in row.items() if k.startswith("α")]
        name = next((k for k in row if k.startswith("α")), "α").split(" (")[0]
        alpha = ""
        if len(alphas) == 2 and alphas[0] is not None and alphas[1] is not None:
            alpha = f"; {name} {alphas[0]:.2f} → {alphas[1]:.2f}"
        rate = ""
        if row["win rate (all raters)"] is not None and row["win rate (without excluded)"] is not None:
            before_rate, after_rate = row["win rate (all raters)"], row["win rate (without excluded)"]
            rate = f"; win rate {100 * before_rate:.0f} % → {100 * after_rate:.0f} %"
        out.append(f"Without {who}, {row['criterion']} ({row['pair']}): {verdict}{rate}{alpha}.")
    return out


#: The estimate table's win-rate column (the pair column names the systems, first system first).
ESTIMATE_RATE = label("win_rate_b")


def progress(db: sqlite_utils.Database, study: Study | str, result: dict, status: dict | None = None) -> dict:
    """Live progress: judgments done / expected per rater (``status.study_status``, or ``status`` when the
    caller has it) and the current estimate (the result's headline win rates with their intervals)."""
    from .status import study_status

    status = study_status(db, study) if status is None else status
    per_rater = pd.DataFrame([
        {"rater": r["rater"], "active": r["active"], "assignments done": r["done"],
         "assignments": r["assigned"], "judgments": r["judgments"],
         "share done": r["done"] / r["assigned"] if r["assigned"] else 0.0}
        for r in status["raters"]
    ])
    estimates = [
        {"criterion": h["criterion"], "pair": pair_label(h), ESTIMATE_RATE: h["win_rate_b"],
         "95 % CI low": (h.get("win_rate_b_ci") or [None, None])[0],
         "95 % CI high": (h.get("win_rate_b_ci") or [None, None])[1], "items so far": h["n_items"],
         "judgments so far": h["n_judgments"]}
        for h in result.get("headline") or []
    ]
    return {"status": status, "per_rater": per_rater, "estimates": pd.DataFrame(estimates)}


def report_filename(study: str, fmt: str = "html") -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in study) or "study"
    return f"{safe}-report.{fmt}"


def report_html(result: dict, db_path: str, study: str, options: AnalysisOptions, generated_at: str | None = None,
                specs: dict | None = None) -> str:
    """The HTML report of exactly what the page shows, with the ``evalstore report`` command that rebuilds it."""
    from . import reports as report

    command = report.regenerate_command(db_path, options, study=study, fmt="html", output=report_filename(study))
    context = report.ReportContext(source=db_path, study=study, command=command, generated_at=generated_at)
    return report.render_html(result, context, specs)


def other_studies_with_shared_items(db: sqlite_utils.Database, study: Study | str) -> list[tuple[str, int]]:
    """(study name, number of shared item ids) for every other study of the database sharing items with ``study``."""
    if not isinstance(study, Study):
        study = get_study(db, study)
    rows = db.conn.execute(
        """SELECT s.name, count(*) FROM item i JOIN item mine ON mine.item_id = i.item_id AND mine.study_id = ?
           JOIN study s ON s.id = i.study_id WHERE i.study_id != ? GROUP BY s.id ORDER BY s.id""",
        [study.id, study.id]).fetchall()
    return [(name, int(n)) for name, n in rows]


def compare_with(first_loaded, second_loaded, names: Sequence[str], filters: AnalysisOptions) -> dict:
    """``rounds.compare_rounds`` on two loaded studies, with the page's tie rule, seed, resamples and exclusions."""
    from .rounds import compare_rounds

    return compare_rounds(first_loaded.frame, second_loaded.frame, names=tuple(names), tie_rule=filters.tie_rule,
                          seed=filters.seed, resamples=filters.resamples, exclude_raters=filters.exclude_raters)


def change_words(value) -> str:
    """A change of win rate (a difference of shares, or its interval) in percentage points.

    >>> change_words(-0.125), change_words([-0.2, 0.05]), change_words(None)
    ('-12.5 points', '[-20.0, +5.0] points', '–')
    """
    if value is None:
        return "–"
    if isinstance(value, (list, tuple)):
        if len(value) != 2 or None in value:
            return "–"
        return f"[{100 * value[0]:+.1f}, {100 * value[1]:+.1f}] points"
    return f"{100 * value:+.1f} points"


def rounds_table(rounds: dict):
    """``compare_rounds``' changes as a ``reports.tables.Table``: one row per comparison, in words, each
    round named (never the result keys ``win_rate_b_1`` ...)."""
    from .reports.tables import Table, format_value

    first, second = (rounds.get("rounds") or ["first round", "second round"])[:2]
    columns = {
        "criterion": "criterion", "system_a": "first system", "system_b_1": f"second system in {first}",
        "system_b_2": f"second system in {second}", "n_shared_items": "prompts in both",
        "n_items_1": f"prompts in {first}", "n_items_2": f"prompts in {second}",
        "n_judgments_1": f"judgments in {first}", "n_judgments_2": f"judgments in {second}",
        "win_rate_b_1": f"win rate in {first}", "win_rate_b_1_ci": f"95 % CI in {first}",
        "win_rate_b_2": f"win rate in {second}", "win_rate_b_2_ci": f"95 % CI in {second}",
        "change": "change", "change_ci": "95 % CI of the change",
    }
    changes = rounds.get("changes") or []
    keys = list(dict.fromkeys([k for k in columns if any(k in c for c in changes)]
                              + [k for c in changes for k in c if k not in columns]))
    rows = [[change_words(c.get(k)) if k.startswith("change") else format_value(k, c.get(k)) for k in keys]
            for c in changes]
    return Table(f"Change in win rate from {first} to {second}", [columns.get(k) or label(k) for k in keys], rows)
