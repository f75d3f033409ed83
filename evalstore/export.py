"""The canonical judgments table: one row per judgment, system names restored.

This is the table ``evalstore analyze`` reads, whether it comes from our own
database or from another tool. Preference is oriented to (system_a, system_b)
whatever side was on the left; ``left_system`` records the side.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pandas as pd
import sqlite_utils

from .errors import EvalstoreError
from .studies import Study, get_study

CANONICAL_COLUMNS = [
    "item_id", "rater_id", "criterion", "system_a", "system_b", "preference", "left_system",
    "flag", "rationale", "duration_s", "submitted_at",
]
FORMATS = ("csv", "jsonl", "parquet")


def judgments_frame(db: sqlite_utils.Database | str | Path, study: Study | str | None = None) -> pd.DataFrame:
    """Every judgment of ``study`` as the canonical table (see the module docstring)."""
    if not isinstance(db, sqlite_utils.Database):
        from .db import open_db

        db = open_db(db, readonly=True)
    if not isinstance(study, Study):
        study = get_study(db, study)
    rows = db.conn.execute(
        """SELECT i.item_id, r.name, j.criterion, sa.name, sb.name, j.preference, sl.name,
                  j.both_bad, j.skip_reason, j.rationale, j.duration_s, j.submitted_at,
                  i.metadata, oa.metrics, ob.metrics, length(oa.text), length(ob.text)
           FROM judgment j
           JOIN assignment a ON a.id = j.assignment_id
           JOIN rater r ON r.id = a.rater_id
           JOIN item i ON i.id = a.item_id
           JOIN system sa ON sa.id = a.system_a_id
           JOIN system sb ON sb.id = a.system_b_id
           JOIN system sl ON sl.id = a.left_system_id
           JOIN output oa ON oa.item_id = i.id AND oa.system_id = a.system_a_id
           JOIN output ob ON ob.item_id = i.id AND ob.system_id = a.system_b_id
           WHERE r.study_id = ?
           ORDER BY j.submitted_at, j.id""", [study.id]).fetchall()
    meta_keys: dict[str, None] = {}
    for (meta,) in db.conn.execute("SELECT metadata FROM item WHERE study_id = ? ORDER BY id", [study.id]):
        for key in json.loads(meta):
            meta_keys.setdefault(key, None)
    metric_names: dict[str, None] = {}
    for (metrics,) in db.conn.execute(
            "SELECT DISTINCT o.metrics FROM output o JOIN item i ON i.id = o.item_id WHERE i.study_id = ?",
            [study.id]):
        for key in json.loads(metrics):
            metric_names.setdefault(key, None)
    metric_names.pop("length_chars", None)
    metric_list = list(metric_names) + ["length_chars"]
    meta_cols = [k for k in meta_keys if k not in CANONICAL_COLUMNS]

    records = []
    for (item_id, rater, criterion, sa, sb, pref, left, both_bad, skip, rationale, duration, submitted,
         meta, ma, mb, len_a, len_b) in rows:
        flags = (["both_bad"] if both_bad else []) + ([f"skip:{skip}"] if skip else [])
        rec = {
            "item_id": item_id, "rater_id": rater, "criterion": criterion, "system_a": sa, "system_b": sb,
            "preference": pref, "left_system": left, "flag": ";".join(flags), "rationale": rationale or "",
            "duration_s": duration, "submitted_at": submitted,
        }
        m = json.loads(meta)
        for k in meta_cols:
            rec[k] = m.get(k)
        ma, mb = json.loads(ma), json.loads(mb)
        ma["length_chars"], mb["length_chars"] = len_a, len_b
        for name in metric_list:
            rec[f"metric_{name}_a"] = ma.get(name)
            rec[f"metric_{name}_b"] = mb.get(name)
        records.append(rec)
    columns = CANONICAL_COLUMNS + meta_cols + [f"metric_{n}_{s}" for n in metric_list for s in ("a", "b")]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["preference"] = frame["preference"].astype("Int64")
    frame["duration_s"] = frame["duration_s"].astype("float64")
    for name in metric_list:
        for s in ("a", "b"):
            frame[f"metric_{name}_{s}"] = pd.to_numeric(frame[f"metric_{name}_{s}"], errors="coerce")
    return frame


def write_table(frame: pd.DataFrame, fmt: str, out: str | Path | None) -> None:
    """Write ``frame`` as csv/jsonl/parquet to ``out``, or csv/jsonl to stdout when ``out`` is None."""
    if fmt not in FORMATS:
        raise EvalstoreError(f"format must be one of {', '.join(FORMATS)}, not {fmt}")
    if fmt == "parquet":
        if out is None:
            raise EvalstoreError("Parquet is binary: write it to a file with -o FILE")
        try:
            frame.to_parquet(out, index=False)
        except OSError as exc:  # fix (tests): a bad -o path is a user mistake, not a traceback
            raise EvalstoreError(f"{out}: cannot write ({exc.strerror or exc})") from None
        return
    if fmt == "csv":
        text = frame.to_csv(index=False)  # UTF-8, no BOM, minimal RFC 4180 quoting
    else:
        buf = io.StringIO()
        for rec in frame.astype(object).where(frame.notna(), None).to_dict(orient="records"):
            buf.write(json.dumps(rec, ensure_ascii=False, default=_json_default) + "\n")
        text = buf.getvalue()
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            Path(out).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:  # fix (tests): a bad -o path is a user mistake, not a traceback
            raise EvalstoreError(f"{out}: cannot write ({exc.strerror or exc})") from None


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__}")
