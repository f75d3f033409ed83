"""Build the demo study from ``sample_data/``: items, simulated raters and their judgments, and a fresh rater."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlite_utils

from .assignment import assign_items
from .auth import admin_password
from .bundle import sample_dir
from .db import open_db, transaction
from .errors import EvalstoreError
from .importing import import_file
from .rating import add_rater, hash_token
from .studies import get_study

#: outputs.csv and judgments.csv: the checkout's sample_data/, or the copy installed with the app
SAMPLE_DIR = sample_dir()
DEMO_STUDY = "demo"
DEMO_RATER = "you"

DEMO_OBJECTIVE = (
    "The fine-tune should write better customer-support replies, extract data to valid JSON and refuse "
    "unsafe requests politely, without getting worse at summaries and code explanations."
)


@dataclass
class DemoInfo:
    db_path: Path
    study: str
    admin_password: str
    rater_token: str
    n_items: int
    n_judgments: int


def build_demo(db_path: str | Path, *, sample_dir: str | Path = SAMPLE_DIR, force: bool = False) -> DemoInfo:
    db_path = Path(db_path)
    sample_dir = Path(sample_dir)
    if db_path.exists():
        if not force:
            raise EvalstoreError(f"{db_path} already exists; pass --force to rebuild the demo database")
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    outputs, judgments = sample_dir / "outputs.csv", sample_dir / "judgments.csv"
    for f in (outputs, judgments):
        if not f.exists():
            raise EvalstoreError(f"{f}: sample data not found")
    db = open_db(db_path)
    try:
        import_file(db, outputs, study=DEMO_STUDY, baseline="base", objective=DEMO_OBJECTIVE, overlap=3)
        study = get_study(db, DEMO_STUDY)
        n = load_simulated_judgments(db, study, judgments)
        study = get_study(db, DEMO_STUDY)
        _rater, token = add_rater(db, study, DEMO_RATER)
        # one more rater per item: the new rater gets every item, the simulated ones keep theirs
        assign_items(db, study, overlap=study.overlap + 1, seed=study.seed)
        n_items = db.conn.execute("SELECT count(*) FROM item WHERE study_id = ?", [study.id]).fetchone()[0]
        return DemoInfo(db_path, DEMO_STUDY, admin_password(db), token, n_items, n)
    finally:
        db.conn.close()


def load_simulated_judgments(db: sqlite_utils.Database, study, path: Path) -> int:
    """Recreate the simulated raters' assignments (with their stored sides) and judgments."""
    frame = pd.read_csv(path, dtype={"item_id": str, "rater_id": str}, keep_default_na=False)
    systems = {s.name: s.id for s in study.systems}
    items = dict(db.conn.execute("SELECT item_id, id FROM item WHERE study_id = ?", [study.id]).fetchall())
    raters = {}
    for name in dict.fromkeys(frame["rater_id"]):
        rater, _token = add_rater(db, study, name)  # the simulated raters' links are never used
        raters[name] = rater.id
    frame = frame.sort_values(["rater_id", "submitted_at"], kind="stable")
    with transaction(db) as conn:
        positions: dict[str, int] = {}
        for rec in frame.to_dict(orient="records"):
            rid = raters[rec["rater_id"]]
            positions[rec["rater_id"]] = positions.get(rec["rater_id"], 0) + 1
            aid = conn.execute(
                "INSERT INTO assignment (rater_id, item_id, system_a_id, system_b_id, left_system_id, position,"
                " shown_at) VALUES (?,?,?,?,?,?,?)",
                [rid, items[rec["item_id"]], systems[rec["system_a"]], systems[rec["system_b"]],
                 systems[rec["left_system"]], positions[rec["rater_id"]], rec["submitted_at"]]).lastrowid
            flag = str(rec.get("flag") or "")
            skip = flag.split(":", 1)[1] if flag.startswith("skip:") else None
            pref = None if skip or rec["preference"] == "" else int(float(rec["preference"]))
            conn.execute(
                "INSERT INTO judgment (assignment_id, criterion, preference, both_bad, skip_reason, rationale,"
                " duration_s, submitted_at) VALUES (?,?,?,?,?,?,?,?)",
                [aid, rec.get("criterion") or "overall", pref, int("both_bad" in flag), skip,
                 rec.get("rationale") or None, float(rec["duration_s"]) if rec["duration_s"] != "" else None,
                 rec["submitted_at"]])
    return len(frame)


__all__ = ["build_demo", "DemoInfo", "hash_token"]
