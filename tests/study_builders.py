"""Builders for tiny studies: input files (wide/long; csv/jsonl/parquet) and whole studies with raters.

Plain functions, usable anywhere (also inside hypothesis tests, where function-scoped fixtures are not
allowed): ``from study_builders import study_rows, wide_to_long, write_rows, build_study, StudyHandle``.
(Not ``from conftest import ...``: tests/e2e has its own conftest.py, and pytest keeps only one module
named ``conftest`` in ``sys.modules``.) The fixtures in conftest.py wrap these.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from evalstore.assignment import assign_items
from evalstore.importing import import_file
from evalstore.rating import add_rater
from evalstore.studies import Study, get_study

DEFAULT_SYSTEMS = ("base", "finetuned")


# ---------------------------------------------------------------- building input files


def study_rows(
    n_items: int = 4,
    systems: tuple[str, ...] | list[str] = DEFAULT_SYSTEMS,
    *,
    start: int = 1,
    prefix: str = "item",
    metadata: bool = True,
    metrics: bool = True,
    reference: bool = True,
) -> list[dict[str, Any]]:
    """Rows of a wide input file: one per item.

    Columns: ``item_id`` (``item-001`` ...), ``prompt``, ``reference`` (every other item, else empty),
    metadata ``category`` and ``difficulty``, ``output_<system>`` for each system (texts of different
    lengths), and ``latency_ms_<system>`` and ``metric_score_<system>`` per system when ``metrics``.
    """
    categories = ["support", "summarization", "extraction"]
    rows = []
    for k in range(start, start + n_items):
        row: dict[str, Any] = {"item_id": f"{prefix}-{k:03d}", "prompt": f"Prompt number {k}: explain thing {k}."}
        if reference:
            row["reference"] = f"Reference answer {k}." if k % 2 else ""
        if metadata:
            row["category"] = categories[k % len(categories)]
            row["difficulty"] = ["easy", "hard"][k % 2]
        for j, s in enumerate(systems):
            row[f"output_{s}"] = f"Answer of {s} to prompt {k}." + " More detail." * j
        if metrics:
            for j, s in enumerate(systems):
                row[f"latency_ms_{s}"] = 100 * (j + 1) + k
            for j, s in enumerate(systems):
                row[f"metric_score_{s}"] = round(0.5 + 0.1 * j + 0.001 * k, 3)
        rows.append(row)
    return rows


def wide_to_long(rows: list[dict[str, Any]], systems: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    """The same items in the long layout: one row per (item, system), metrics as ``latency_ms``/``metric_score``."""
    out = []
    for row in rows:
        shared = {k: v for k, v in row.items()
                  if not k.startswith(("output_", "latency_ms_", "metric_"))}
        for s in systems:
            rec = dict(shared)
            rec["system"] = s
            rec["output"] = row.get(f"output_{s}")
            for wide, long in ((f"latency_ms_{s}", "latency_ms"), (f"metric_score_{s}", "metric_score")):
                if wide in row:
                    rec[long] = row[wide]
            out.append(rec)
    return out


def write_rows(path: str | Path, rows: list[dict[str, Any]], columns: list[str] | None = None) -> Path:
    """Write ``rows`` as CSV (csv module, RFC 4180), JSONL (one object a line) or Parquet, by extension.

    ``columns`` fixes the column order (and lets a header-only file be written with ``rows=[]``).
    In JSONL a missing key is left out of that record; in CSV it is an empty cell.
    """
    path = Path(path)
    if columns is None:
        columns = list(dict.fromkeys(k for r in rows for k in r))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(columns)
            for r in rows:
                w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    elif suffix == ".jsonl":
        with path.open("w", encoding="utf-8", newline="") as f:
            for r in rows:
                f.write(json.dumps({c: r[c] for c in columns if c in r}, ensure_ascii=False) + "\n")
    elif suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        data = {c: [r.get(c) for r in rows] for c in columns}
        # an all-empty column has no type to infer; make it text
        schema = pa.schema([(c, pa.string()) if all(v is None for v in data[c]) else
                            (c, pa.array(data[c]).type) for c in columns])
        pq.write_table(pa.table(data, schema=schema), path)
    else:
        raise ValueError(f"write_rows: unknown extension {suffix}")
    return path


# ---------------------------------------------------------------- building studies


@dataclass
class StudyHandle:
    """A study built by ``make_study``/``build_study``: its database, the imported file and raters' tokens."""

    db: sqlite_utils.Database
    name: str
    path: Path
    systems: tuple[str, ...]
    tokens: dict[str, str] = field(default_factory=dict)  # rater name -> token

    @property
    def study(self) -> Study:
        """The study as stored now (re-read on each access)."""
        return get_study(self.db, self.name)


def build_study(
    db: sqlite_utils.Database,
    directory: str | Path,
    *,
    name: str = "study",
    systems: tuple[str, ...] | list[str] = DEFAULT_SYSTEMS,
    n_items: int = 4,
    raters: int | list[str] = 3,
    assign: bool = True,
    overlap: int | None = None,
    pairing: str = "vs-baseline",
    seed: int = 0,
    criteria: list[str] | None = None,
    scale: int = 3,
    baseline: str | None = None,
    layout: str = "wide",
    fmt: str = "csv",
    rows: list[dict[str, Any]] | None = None,
    **import_options,
) -> StudyHandle:
    """Import ``n_items`` items of ``systems`` into study ``name``, add raters, and (by default) assign.

    ``raters`` is a count (names ``r1``, ``r2`` ...) or a list of names; ``overlap`` defaults to
    ``min(2, number of raters)`` (at least 1). The first system is the baseline unless ``baseline`` says otherwise.
    ``rows`` replaces the generated wide rows (``study_rows``) where a test needs outputs of its own.
    """
    systems = tuple(systems)
    rows = study_rows(n_items, systems) if rows is None else rows
    if layout == "long":
        rows = wide_to_long(rows, systems)
    path = write_rows(Path(directory) / f"{name}-{layout}.{fmt}", rows)
    names = [f"r{i}" for i in range(1, raters + 1)] if isinstance(raters, int) else list(raters)
    if overlap is None:
        overlap = max(1, min(2, len(names)))
    import_file(db, path, study=name, baseline=baseline or systems[0], layout=layout, overlap=overlap,
                pairing=pairing, seed=seed, criteria=criteria, scale=scale, **import_options)
    handle = StudyHandle(db, name, path, systems)
    for rater_name in names:
        _rater, token = add_rater(db, name, rater_name)
        handle.tokens[rater_name] = token
    if assign and names:
        assign_items(db, name)
    return handle
