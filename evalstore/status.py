"""How far a study is: items, raters, judgments done and expected, per rater."""

from __future__ import annotations

import sqlite_utils

from .studies import Study, get_study


def study_status(db: sqlite_utils.Database, study: Study | str | None = None) -> dict:
    """A JSON-ready summary. An assignment counts as done when every criterion is judged."""
    if not isinstance(study, Study):
        study = get_study(db, study)
    n_criteria = len(study.criteria)
    conn = db.conn
    n_items = conn.execute("SELECT count(*) FROM item WHERE study_id = ?", [study.id]).fetchone()[0]
    raters = []
    for rid, name, active, assigned, done, judgments in conn.execute(
        """SELECT r.id, r.name, r.active,
                  count(a.id),
                  coalesce(sum((SELECT count(*) FROM judgment j WHERE j.assignment_id = a.id) >= ?), 0),
                  coalesce(sum((SELECT count(*) FROM judgment j WHERE j.assignment_id = a.id)), 0)
           FROM rater r LEFT JOIN assignment a ON a.rater_id = r.id
           WHERE r.study_id = ? GROUP BY r.id ORDER BY r.id""", [n_criteria, study.id]):
        raters.append({"rater": name, "active": bool(active), "assigned": assigned, "done": done,
                       "judgments": judgments})
    n_units = n_items * len(study.pairs())
    return {
        "study": study.name,
        "status": study.status,
        "scale": study.scale,
        "criteria": list(study.criteria),
        "pairing": study.pairing,
        "overlap": study.overlap,
        "systems": [s.name for s in study.systems],
        "baseline": study.baseline,
        "items": n_items,
        "units": n_units,
        "raters": raters,
        "assignments_expected": n_units * study.overlap,
        "assignments_made": sum(r["assigned"] for r in raters),
        "assignments_done": sum(r["done"] for r in raters),
        "judgments_expected": n_units * study.overlap * n_criteria,
        "judgments_done": sum(r["judgments"] for r in raters),
    }


def status_lines(summary: dict) -> list[str]:
    """``study_status``'s summary as the lines ``evalstore status`` prints."""
    s = summary
    lines = [
        f"study: {s['study']} ({s['status']}), systems: {', '.join(s['systems'])} "
        f"(baseline {s['baseline']}), scale {s['scale']}, criteria: {', '.join(s['criteria'])}",
        f"items: {s['items']}  units: {s['units']}  overlap: {s['overlap']}  raters: {len(s['raters'])}",
        f"judgments: {s['judgments_done']} / {s['judgments_expected']} expected "
        f"({s['assignments_done']} of {s['assignments_expected']} assignments done)",
    ]
    for r in s["raters"]:
        lines.append(f"  {r['rater']}: {r['done']} / {r['assigned']}{'' if r['active'] else '  (inactive)'}")
    return lines
