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
    "flag", "rationale", "duration_s", "submitted_at", "scale",
]
FORMATS = ("csv", "jsonl", "parquet")


def judgments_frame(db: sqlite_utils.Database | str | Path, study: Study | str | None = None) -> pd.DataFrame:
    """Every judgment of ``study`` as the canonical table (see the module docstring)."""
    if not isinstance(db, sqlite_utils.Database):
        from .db import open_db

        db = open_db(db, readonly=True)
    if not isinstance(study, Study):
        study = get_study(db, study)
    # Metadata and metrics are parsed once per item and per output, then joined on ids:
    # parsing them once per judgment made a 100k-judgment export take seconds.
    judgments = pd.DataFrame(db.conn.execute(
        """SELECT a.item_id, i.item_id, r.name, j.criterion, a.system_a_id, a.system_b_id, a.left_system_id,
                  j.preference, j.both_bad, j.skip_reason, j.rationale, j.duration_s, j.submitted_at
           FROM judgment j
           JOIN assignment a ON a.id = j.assignment_id
           JOIN rater r ON r.id = a.rater_id
           JOIN item i ON i.id = a.item_id
           WHERE r.study_id = ?
           ORDER BY j.submitted_at, j.id""", [study.id]).fetchall(),
        columns=["item_row", "item_id", "rater_id", "criterion", "sys_a", "sys_b", "sys_left", "preference",
                 "both_bad", "skip_reason", "rationale", "duration_s", "submitted_at"])
    names = {s.id: s.name for s in study.systems}

    items = db.conn.execute("SELECT id, metadata FROM item WHERE study_id = ? ORDER BY id", [study.id]).fetchall()
    meta_by_item = {row_id: json.loads(meta) for row_id, meta in items}
    meta_keys: dict[str, None] = {}
    for meta in meta_by_item.values():
        for key in meta:
            meta_keys.setdefault(key, None)
    meta_cols = [k for k in meta_keys if k not in CANONICAL_COLUMNS]

    metrics_by_output: dict[tuple[int, int], dict] = {}
    metric_names: dict[str, None] = {}
    for item_row, system_id, metrics, length in db.conn.execute(
            "SELECT o.item_id, o.system_id, o.metrics, length(o.text) FROM output o "
            "JOIN item i ON i.id = o.item_id WHERE i.study_id = ?", [study.id]):
        m = json.loads(metrics)
        for key in m:
            metric_names.setdefault(key, None)
        m["length_chars"] = length
        metrics_by_output[item_row, system_id] = m
    metric_names.pop("length_chars", None)
    metric_list = list(metric_names) + ["length_chars"]

    frame = pd.DataFrame({
        "item_id": judgments["item_id"],
        "rater_id": judgments["rater_id"],
        "criterion": judgments["criterion"],
        "system_a": judgments["sys_a"].map(names),
        "system_b": judgments["sys_b"].map(names),
        "preference": judgments["preference"],
        "left_system": judgments["sys_left"].map(names),
        "flag": [";".join((["both_bad"] if bad else []) + ([f"skip:{skip}"] if isinstance(skip, str) else []))
                 for bad, skip in zip(judgments["both_bad"], judgments["skip_reason"])],
        "rationale": judgments["rationale"].fillna(""),
        "duration_s": judgments["duration_s"],
        "submitted_at": judgments["submitted_at"],
        # the study's scale travels with its judgments: a 5-point export without a ±2 stays 5-point when re-read
        "scale": study.scale,
    })
    item_rows = judgments["item_row"].tolist()
    for key in meta_cols:
        values = {row_id: meta.get(key) for row_id, meta in meta_by_item.items()}
        frame[key] = [values[r] for r in item_rows]
    for name in metric_list:
        for side, column in (("a", "sys_a"), ("b", "sys_b")):
            frame[f"metric_{name}_{side}"] = [metrics_by_output.get((r, sid), {}).get(name)
                                              for r, sid in zip(item_rows, judgments[column].tolist())]
    frame["preference"] = frame["preference"].astype("Int64")
    frame["duration_s"] = frame["duration_s"].astype("float64")
    for name in metric_list:
        for side in ("a", "b"):
            frame[f"metric_{name}_{side}"] = pd.to_numeric(frame[f"metric_{name}_{side}"], errors="coerce")
    return frame


def write_table(frame: pd.DataFrame, fmt: str, out: str | Path | None) -> None:
    """Write ``frame`` as csv/jsonl/parquet to ``out``, or csv/jsonl to stdout when ``out`` is None."""
    if fmt not in FORMATS:
        raise EvalstoreError(f"format must be one of {', '.join(FORMATS)}, not {fmt}")
    if out is not None:
        from .db import refuse_database_output

        refuse_database_output(out)
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
