"""Read model outputs from CSV, JSONL or Parquet into a study.

The import validates the whole file first and collects every problem as
``FILE:ROW:COLUMN: message``; only a file without problems is written, in one
transaction. Re-importing an unchanged file adds nothing; an existing
``item_id`` whose content changed is an error (judgments may already refer to
the old text).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from .db import now_iso, transaction
from .errors import EvalstoreError, InvalidInput, InvalidInputFile, StudyClosed, UnknownStudy
from .studies import Study, get_study, validate_study_options
from .tables import MAX_PROBLEMS, Problems, Table, read_table  # noqa: F401  (read_table: part of the API)

METRIC_PREFIXES = ("latency_ms", "tokens")
LONG_REQUIRED = ("item_id", "prompt", "system", "output")
WIDE_REQUIRED = ("item_id", "prompt")

# speed (bench_import.py): json.dumps(...) with keyword arguments builds a new JSONEncoder on every
# call, which was a tenth of a 100k-row import; these encoders give byte-identical output.
_CONTENT_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
_METADATA_JSON = json.JSONEncoder(ensure_ascii=False).encode
_METRICS_JSON = json.JSONEncoder(sort_keys=True).encode


@dataclass
class ParsedItem:
    item_id: str
    index: int  # the record's 0-based position in the file (Problems turns it into a ROW)
    prompt: str
    reference: str | None
    metadata: dict[str, Any]
    outputs: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)

    def content_sha256(self) -> str:
        content = {
            "prompt": self.prompt,
            "reference": self.reference,
            "metadata": self.metadata,
            "outputs": self.outputs,
            "metrics": self.metrics,
        }
        blob = _CONTENT_JSON(content)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class ImportResult:
    study: str
    created_study: bool
    systems: list[str]
    items_added: int
    items_unchanged: int
    layout: str


# ---------------------------------------------------------------- parsing


def detect_layout(table: Table) -> str:
    cols = set(table.columns)
    if {"system", "output"} <= cols:
        return "long"
    if any(c.startswith("output_") and len(c) > len("output_") for c in cols):
        return "wide"
    if "system" in cols or "output" in cols:
        # fix (tests): a long file missing one of system/output now gets "missing required column"
        # from parse_long instead of "cannot tell the layout"
        return "long"
    raise InvalidInputFile(
        table.path, 1, None,
        "cannot tell the layout: expected output_<system> columns (wide) or system and output columns (long)",
    )


def _text(value: Any) -> str | None:
    if type(value) is str:  # nearly every cell: CSV cells are all text
        return value
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _metadata_value(value: Any) -> Any:
    if type(value) is str:
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    return _text(value)


def _number(value: Any) -> tuple[bool, float | None]:
    """(ok, value); empty cells are a missing metric, not an error."""
    if type(value) is str:  # nearly every cell: CSV cells are all text
        return _number_text(value)
    if value is None:
        return True, None
    if isinstance(value, bool):
        return False, None
    if isinstance(value, (int, float)):
        v = float(value)
        return (True, None) if math.isnan(v) else (math.isfinite(v), v)
    return _number_text(str(value))


def _number_text(text: str) -> tuple[bool, float | None]:
    s = text.strip()
    if not s:
        return True, None
    try:
        v = float(s)
    except ValueError:
        return False, None
    return math.isfinite(v), v


def _metric_name(column: str) -> str | None:
    """'latency_ms' → 'latency_ms'; 'metric_bleu' → 'bleu'; else None."""
    if column in METRIC_PREFIXES:
        return column
    if column.startswith("metric_") and len(column) > len("metric_"):
        return column[len("metric_"):]
    return None


class _Columns:
    """A record's values by column name, read from the table's columns (each turned into a list once)."""

    def __init__(self, table: Table):
        self._table = table
        self._lists: dict[str, list] = {}
        self._index = 0

    def values(self, name: str) -> list[Any]:
        """The column's values (None throughout for a column the file does not have)."""
        if name not in self._lists:
            present = name in self._table.columns
            self._lists[name] = self._table.column(name) if present else [None] * len(self._table)
        return self._lists[name]

    def at(self, index: int) -> _Columns:
        self._index = index
        return self

    def get(self, name: str) -> Any:
        return self.values(name)[self._index]


def parse_wide(table: Table, problems: Problems) -> tuple[list[str], list[ParsedItem]]:
    cols = table.columns
    for required in WIDE_REQUIRED:
        if required not in cols:
            problems.add(1, required, f"missing required column '{required}'")
    systems = [c[len("output_"):] for c in cols if c.startswith("output_") and len(c) > len("output_")]
    if len(systems) < 2:
        problems.add(1, None, f"need outputs of at least two systems (output_<system> columns), found {len(systems)}")
    seen_spelling: dict[str, str] = {}
    for s in systems:
        first = seen_spelling.setdefault(s.strip().casefold(), s)
        if first != s:
            problems.add(1, "output_" + s, f"system '{s}' and '{first}' differ only by case or surrounding spaces: "
                         "spell one system one way")
    if problems.total:
        return systems, []
    metric_cols: dict[str, tuple[str, str]] = {}  # column -> (metric, system)
    # longest system names first so 'metric_x_big_model' matches system 'big_model' before 'model'
    by_length = sorted(systems, key=len, reverse=True)
    for c in cols:
        if c.startswith("output_") or c in ("item_id", "prompt", "reference"):
            continue
        for s in by_length:
            suffix = "_" + s
            if c.endswith(suffix):
                name = _metric_name(c[: -len(suffix)])
                if name:
                    metric_cols[c] = (name, s)
                    break
    meta_cols = [c for c in cols if c not in metric_cols and not c.startswith("output_")
                 and c not in ("item_id", "prompt", "reference")]
    items, seen = [], {}
    # column by column (a list of values each), not a dict per record: a fifth of a 100k-row import
    column = _Columns(table).values
    ids, prompts, references = column("item_id"), column("prompt"), column("reference")
    outputs = [(s, "output_" + s, column("output_" + s)) for s in systems]
    metrics = [(c, name, s, column(c)) for c, (name, s) in metric_cols.items()]
    metadata = [(c, column(c)) for c in meta_cols]
    for index in range(len(table)):
        item_id = (_text(ids[index]) or "").strip()
        if not item_id:
            problems.add_record(index, "item_id", "empty item_id")
            continue
        if item_id in seen:
            problems.add_record(index, "item_id", _first_at(
                problems, f"duplicate item_id '{item_id}' (first at row {{}})", seen[item_id]))
            continue
        seen[item_id] = index
        prompt = _text(prompts[index])
        if prompt is None or not prompt.strip():
            problems.add_record(index, "prompt", "empty prompt")
        reference = _text(references[index])
        item = ParsedItem(item_id, index, prompt or "", reference if reference and reference.strip() else None,
                          {c: _metadata_value(values[index]) for c, values in metadata})
        for s, name, values in outputs:
            out = _text(values[index])
            if out is None or not out.strip():
                problems.add_record(index, name, f"empty output: item '{item_id}' has no output for system '{s}'")
            else:
                item.outputs[s] = out
            item.metrics[s] = {}
        for c, name, s, values in metrics:
            ok, number = _number(values[index])
            if not ok:
                problems.add_record(index, c, f"expected a number, got {values[index]!r}")
            elif number is not None:
                item.metrics[s][name] = number
        items.append(item)
    return systems, items


def _first_at(problems: Problems, template: str, first: int):
    """A message naming the ROW of an earlier record, made only if it is shown."""
    return lambda: template.format(problems.row_of(first))


def parse_long(table: Table, problems: Problems) -> tuple[list[str], list[ParsedItem]]:
    cols = table.columns
    for required in LONG_REQUIRED:
        if required not in cols:
            problems.add(1, required, f"missing required column '{required}'")
    if problems.total:
        return [], []
    metric_cols = {c: _metric_name(c) for c in cols if _metric_name(c)}
    meta_cols = [c for c in cols if c not in metric_cols and c not in LONG_REQUIRED and c != "reference"]
    items: dict[str, ParsedItem] = {}
    systems: list[str] = []
    spellings: dict[str, tuple[str, int]] = {}  # casefolded name -> (first spelling, its record)
    seen_pairs: dict[tuple[str, str], int] = {}
    get = _Columns(table)
    for index in range(len(table)):
        v = get.at(index)
        item_id = (_text(v.get("item_id")) or "").strip()
        system = (_text(v.get("system")) or "").strip()
        if not item_id:
            problems.add_record(index, "item_id", "empty item_id")
            continue
        if not system:
            problems.add_record(index, "system", "empty system name")
            continue
        first = spellings.setdefault(system.casefold(), (system, index))
        if first[0] != system:
            problems.add_record(index, "system", _first_at(
                problems, f"system name '{system}' and '{first[0]}' (on row {{}}) differ only "
                "by case: spell one system one way", first[1]))
            continue
        if (item_id, system) in seen_pairs:
            problems.add_record(index, "system", _first_at(
                problems, f"duplicate output of system '{system}' for item_id '{item_id}' (first at row {{}})",
                seen_pairs[(item_id, system)]))
            continue
        seen_pairs[(item_id, system)] = index
        if system not in systems:
            systems.append(system)
        prompt = _text(v.get("prompt")) or ""
        reference = _text(v.get("reference"))
        reference = reference if reference and reference.strip() else None
        meta = {c: _metadata_value(v.get(c)) for c in meta_cols}
        item = items.get(item_id)
        if item is None:
            if not prompt.strip():
                problems.add_record(index, "prompt", "empty prompt")
            item = items[item_id] = ParsedItem(item_id, index, prompt, reference, meta)
        else:
            if prompt != item.prompt:
                problems.add_record(index, "prompt", _first_at(
                    problems, f"prompt differs from the one at row {{}} for item_id '{item_id}'", item.index))
            for c in meta_cols:
                if meta[c] != item.metadata.get(c):
                    problems.add_record(index, c, _first_at(
                        problems, f"value differs from the one at row {{}} for item_id '{item_id}'", item.index))
        out = _text(v.get("output"))
        if out is None or not out.strip():
            problems.add_record(index, "output", f"empty output for item '{item_id}', system '{system}'")
        else:
            item.outputs[system] = out
        item.metrics[system] = {}
        for c, name in metric_cols.items():
            ok, number = _number(v.get(c))
            if not ok:
                problems.add_record(index, c, f"expected a number, got {v.get(c)!r}")
            elif number is not None:
                item.metrics[system][name] = number
    if len(systems) < 2 and not problems.total:
        problems.add(1, "system", f"need outputs of at least two systems, found {len(systems)}")
    for item in items.values():
        for s in systems:
            if s not in item.metrics:  # no row at all for this system
                problems.add_record(item.index, "system", f"item '{item.item_id}' has no output for system '{s}'")
    return systems, list(items.values())


# ---------------------------------------------------------------- writing


def import_file(
    db: sqlite_utils.Database,
    path: str | Path,
    *,
    study: str,
    baseline: str | None = None,
    layout: str | None = None,
    scale: int | None = None,
    criteria: list[str] | None = None,
    overlap: int | None = None,
    pairing: str | None = None,
    instructions: str | None = None,
    objective: str | None = None,
    seed: int | None = None,
    require_rationale: bool | None = None,
) -> ImportResult:
    """Validate ``path`` completely, then add its items to ``study`` in one transaction.

    Creates the study when it does not exist. Raises ``InvalidInput`` (every
    problem as FILE:ROW:COLUMN) or ``EvalstoreError`` and leaves the database
    unchanged on any problem.
    """
    if not study or not study.strip():
        raise EvalstoreError("a study name is required (--study NAME)")
    table = read_table(path, what="a file of outputs")
    if layout not in (None, "wide", "long"):
        raise EvalstoreError(f"layout must be wide or long, not {layout}")
    layout = layout or detect_layout(table)
    problems = table.problems()
    systems, items = (parse_wide if layout == "wide" else parse_long)(table, problems)
    problems.raise_if_any()

    try:
        existing = get_study(db, study)
    except UnknownStudy:
        existing = None

    if existing is None:
        if baseline is None:
            baseline_name = "base" if "base" in systems else systems[0]
        elif baseline not in systems:
            col = "system" if layout == "long" else None
            raise InvalidInput([InvalidInputFile(
                table.path, 1, col, f"unknown baseline '{baseline}': systems in this file are {', '.join(systems)}")])
        else:
            baseline_name = baseline
        crit = validate_study_options(
            scale or 3, criteria or ["overall"], overlap if overlap is not None else 3, pairing or "vs-baseline")
    else:
        _check_compatible(existing, table, systems, baseline, scale, criteria, overlap, pairing)
        baseline_name = existing.baseline

    with transaction(db) as conn:
        created = False
        if existing is None:
            cur = conn.execute(
                "INSERT INTO study (name, objective, instructions, scale, criteria, overlap, pairing, seed,"
                " require_rationale, status, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [study, objective or "", instructions if instructions is not None else DEFAULT_INSTRUCTIONS,
                 scale or 3, json.dumps(list(crit)), overlap if overlap is not None else 3,
                 pairing or "vs-baseline", seed or 0, int(bool(require_rationale)), "open", now_iso()],
            )
            study_id = cur.lastrowid
            system_ids = {}
            for s in systems:
                system_ids[s] = conn.execute(
                    "INSERT INTO system (study_id, name, is_baseline) VALUES (?,?,?)",
                    [study_id, s, int(s == baseline_name)],
                ).lastrowid
            created = True
        else:
            study_id = existing.id
            system_ids = {s.name: s.id for s in existing.systems}
        known = {
            r[0]: r[1]
            for r in conn.execute("SELECT item_id, content_sha256 FROM item WHERE study_id = ?", [study_id])
        }
        changed = table.problems()
        new_items = []
        for item in items:
            digest = item.content_sha256()
            if item.item_id in known:
                if known[item.item_id] != digest:
                    changed.add_record(
                        item.index, "item_id",
                        f"item_id '{item.item_id}' is already in study '{study}' with different content "
                        "(give the changed item a new item_id)")
                continue
            new_items.append((item, digest))
        changed.raise_if_any()
        next_id = (conn.execute("SELECT coalesce(max(id), 0) FROM item").fetchone()[0]) + 1
        item_rows, output_rows = [], []
        for offset, (item, digest) in enumerate(new_items):
            row_id = next_id + offset
            item_rows.append((row_id, study_id, item.item_id, item.prompt, item.reference,
                              _METADATA_JSON(item.metadata), digest))
            for s in systems:
                output_rows.append((row_id, system_ids[s], item.outputs[s],
                                    _METRICS_JSON(item.metrics.get(s, {}))))
        conn.executemany(
            "INSERT INTO item (id, study_id, item_id, prompt, reference, metadata, content_sha256)"
            " VALUES (?,?,?,?,?,?,?)", item_rows)
        conn.executemany("INSERT INTO output (item_id, system_id, text, metrics) VALUES (?,?,?,?)", output_rows)
    return ImportResult(study, created, systems, len(new_items), len(items) - len(new_items), layout)


def _check_compatible(existing: Study, table: Table, systems, baseline, scale, criteria, overlap, pairing) -> None:
    if not existing.is_open:
        raise StudyClosed(f"study '{existing.name}' is closed; items can only be added to an open study")
    have = {s.name for s in existing.systems}
    if set(systems) != have:
        raise InvalidInput([InvalidInputFile(
            table.path, 1, None,
            f"study '{existing.name}' compares {', '.join(sorted(have))}; this file has {', '.join(sorted(systems))}")])
    if baseline is not None and baseline != existing.baseline:
        raise EvalstoreError(
            f"study '{existing.name}' already has baseline '{existing.baseline}'; --baseline {baseline} does not match")
    for option, given, current in (("scale", scale, existing.scale), ("overlap", overlap, existing.overlap),
                                   ("pairing", pairing, existing.pairing)):
        if given is not None and given != current:
            raise EvalstoreError(
                f"study '{existing.name}' already has {option} {current}; --{option} {given} does not match")
    if criteria is not None and tuple(criteria) != existing.criteria:
        raise EvalstoreError(
            f"study '{existing.name}' already has criteria {','.join(existing.criteria)}; --criteria does not match")


DEFAULT_INSTRUCTIONS = """\
You will see a prompt and two responses, **Response A** and **Response B**, written by different systems.
The systems are hidden and their sides are shuffled; judge only what you read.

For each question, pick the response that serves the person who wrote the prompt better: correct,
helpful, safe and clear. Choose **Tie** when neither is better. Use **Both are bad** when neither
response is acceptable, and **Skip** when you cannot judge the item.
"""

