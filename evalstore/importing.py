"""Read model outputs from CSV, JSONL or Parquet into a study.

The import validates the whole file first and collects every problem as
``FILE:ROW:COLUMN: message``; only a file without problems is written, in one
transaction. Re-importing an unchanged file adds nothing; an existing
``item_id`` whose content changed is an error (judgments may already refer to
the old text).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from .db import now_iso, transaction
from .errors import EvalstoreError, InvalidInput, InvalidInputFile, StudyClosed, UnknownStudy
from .studies import Study, get_study, validate_study_options

# Problems collected before giving up: enough to fix a file in one go, bounded so
# a completely wrong 100k-row file does not build a 100k-line message.
MAX_PROBLEMS = 200

METRIC_PREFIXES = ("latency_ms", "tokens")
LONG_REQUIRED = ("item_id", "prompt", "system", "output")
WIDE_REQUIRED = ("item_id", "prompt")

csv.field_size_limit(2**31 - 1)

# speed (bench_import.py): json.dumps(...) with keyword arguments builds a new JSONEncoder on every
# call, which was a tenth of a 100k-row import; these encoders give byte-identical output.
_CONTENT_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
_METADATA_JSON = json.JSONEncoder(ensure_ascii=False).encode
_METRICS_JSON = json.JSONEncoder(sort_keys=True).encode


@dataclass
class Record:
    row: int  # the number reported in errors (CSV line, JSONL/Parquet record)
    values: dict[str, Any]


@dataclass
class Table:
    path: str
    columns: list[str]
    records: list[Record]
    kind: str  # csv | jsonl | parquet


@dataclass
class ParsedItem:
    item_id: str
    row: int
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


class Problems:
    def __init__(self, path: str):
        self.path = path
        self.items: list[InvalidInputFile] = []
        self.total = 0

    def add(self, row: int, column: str | None, message: str) -> None:
        self.total += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(InvalidInputFile(self.path, row, column, message))

    def raise_if_any(self) -> None:
        if self.total:
            raise InvalidInput(self.items, self.total)


# ---------------------------------------------------------------- reading files


def read_table(path: str | Path) -> Table:
    """Read a CSV, JSONL or Parquet file into records with their row numbers."""
    shown = str(path)
    p = Path(path)
    if not p.exists():
        raise InvalidInputFile(shown, 0, None, "no such file")
    if p.is_dir():
        raise InvalidInputFile(shown, 0, None, "is a directory, not a file")
    from .db import is_database_or_companion

    # reading a live database's bytes would drop this process's SQLite locks on it (see db.is_database)
    if is_database_or_companion(p):
        raise InvalidInputFile(shown, 0, None, "is a SQLite database (or one of its files), not a file of outputs")
    data = p.read_bytes()
    suffix = p.suffix.lower()
    if not data or data.isspace():  # speed: data.strip() copied the whole file
        raise InvalidInputFile(shown, 1, None, "the file is empty")
    if suffix == ".parquet":
        return _read_parquet(shown, data)
    if suffix in (".jsonl", ".ndjson"):
        return _read_jsonl(shown, data)
    if suffix in (".csv", ".tsv", ".txt"):
        return _read_csv(shown, data, delimiter="\t" if suffix == ".tsv" else ",")
    raise InvalidInputFile(shown, 0, None, f"unsupported file type '{suffix}' (use .csv, .jsonl or .parquet)")


def _decode_utf8(shown: str, data: bytes, kind: str = "csv", delimiter: str = ",") -> str:
    if data.startswith(b"PAR1"):
        raise InvalidInputFile(shown, 1, None, "this is a Parquet file, not text; give it a .parquet extension")
    # fix (tests): a UTF-16 file (Excel's "Unicode text") used to be called plain "binary data"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInputFile(shown, 1, None, "the file is UTF-16 encoded; it must be UTF-8 (re-save it as UTF-8)")
    if b"\x00" in data[:65536]:
        raise InvalidInputFile(shown, 1, None, "binary data, not a UTF-8 text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        # fix (tests): locate the byte by parsing the file (bad bytes kept as surrogates), so a
        # quoted CSV field spanning lines and JSONL blank lines no longer give a wrong column/row
        row, column = _locate_undecodable(data, exc.start, kind, delimiter)
        raise InvalidInputFile(
            shown, row, column,
            f"undecodable byte 0x{bad}: the file must be UTF-8 encoded (re-save it as UTF-8)",
        ) from None
    return text.removeprefix("\ufeff")


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\udc80" <= ch <= "\udcff" for ch in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def _locate_undecodable(data: bytes, offset: int, kind: str, delimiter: str) -> tuple[int, str | None]:
    """(ROW, COLUMN) of the first undecodable byte, at ``offset`` in ``data``.

    CSV: the file line holding the byte and the header name of its field.
    JSONL: the record number and the key whose value holds the byte.
    """
    text = data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    try:
        if kind == "jsonl":
            number = 0
            for line in text.split("\n"):
                if not line.strip():
                    continue
                number += 1
                if not _has_surrogate(line):
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError:
                    return number, None
                if isinstance(value, dict):
                    for key, v in value.items():
                        if _has_surrogate(key) or _has_surrogate(v):
                            return number, key
                return number, None
            return 1, None
        # CSV: the line is counted the way the csv reader counts lines (\n, \r\n or \r)
        index = len(data[:offset].decode("utf-8"))
        prefix = text[:index] if not data.startswith(b"\xef\xbb\xbf") else text[: index - 1]
        lines = io.StringIO(prefix, newline="").readlines()
        line = len(lines) + (1 if not lines or lines[-1].endswith(("\n", "\r")) else 0)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = next(reader)
        if _has_surrogate(header):
            return 1, None
        for fields in reader:
            for name, value in zip(header, fields):
                if _has_surrogate(value):
                    return line, name.strip()
            if _has_surrogate(fields):
                return line, None
        return line, None
    except (csv.Error, StopIteration, UnicodeDecodeError):
        return data[:offset].count(b"\n") + 1, None


def _read_csv(shown: str, data: bytes, delimiter: str = ",") -> Table:
    text = _decode_utf8(shown, data, "csv", delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInputFile(shown, 1, None, "the file is empty") from None
    except csv.Error as exc:
        raise InvalidInputFile(shown, 1, None, f"not a valid CSV header: {exc}") from None
    header = [h.strip() for h in header]
    problems = Problems(shown)
    seen = set()
    for name in header:
        if not name:
            problems.add(1, None, "a column has an empty name in the header")
        elif name in seen:
            problems.add(1, name, "the column appears twice in the header")
        seen.add(name)
    problems.raise_if_any()
    records = []
    previous_end = reader.line_num
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InvalidInputFile(shown, previous_end + 1, None, f"malformed CSV: {exc}") from None
        start = previous_end + 1
        previous_end = reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # blank line
        if len(fields) != len(header):
            problems.add(start, None, f"expected {len(header)} fields as in the header, found {len(fields)}")
            continue
        records.append(Record(start, dict(zip(header, fields))))
    problems.raise_if_any()
    if not records:
        raise InvalidInputFile(shown, 2, None, "the file has a header but no rows")
    return Table(shown, header, records, "csv")


def _read_jsonl(shown: str, data: bytes) -> Table:
    text = _decode_utf8(shown, data, "jsonl")
    records, columns, problems = [], {}, Problems(shown)
    number = 0
    # fix (tests): split on \n only; str.splitlines() also splits on U+2028, U+0085, \x0c ...,
    # which JSON allows unescaped inside strings (json.dumps(ensure_ascii=False) writes them)
    for line in text.split("\n"):
        if not line.strip():
            continue
        number += 1
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == 1:
                raise InvalidInputFile(shown, 1, None, f"not JSON Lines: {exc.msg}") from None
            problems.add(number, None, f"not valid JSON: {exc.msg}")
            continue
        if not isinstance(value, dict):
            problems.add(number, None, "each line must be a JSON object")
            continue
        for key in value:
            columns.setdefault(key, None)
        records.append(Record(number, value))
    problems.raise_if_any()
    if not records:
        raise InvalidInputFile(shown, 1, None, "the file has no records")
    return Table(shown, list(columns), records, "jsonl")


def _read_parquet(shown: str, data: bytes) -> Table:
    if not data.startswith(b"PAR1"):
        raise InvalidInputFile(shown, 1, None, "not a Parquet file (no PAR1 magic bytes)")
    import pyarrow as pa
    import pyarrow.parquet as pq

    problems = Problems(shown)
    try:
        # fix (tests): duplicate column names made read_table fail with a multi-line schema dump
        seen = set()
        for name in pq.ParquetFile(pa.BufferReader(data)).schema_arrow.names:
            if name in seen:
                problems.add(1, name, "the column appears twice in the file")
            seen.add(name)
        if not problems.total:
            table = pq.read_table(pa.BufferReader(data))
    except Exception as exc:  # pyarrow raises many kinds for a corrupt file
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidInputFile(shown, 1, None, f"unreadable Parquet file: {first_line}") from None
    problems.raise_if_any()
    columns = list(table.column_names)
    if table.num_rows == 0:
        raise InvalidInputFile(shown, 1, None, "the file has no records")
    # fix (tests): column by column, so that invalid UTF-8 in a string column (to_pylist raised a
    # bare UnicodeDecodeError) and bytes in a binary column (stored as "b'...'") become text or a
    # located problem
    values = []
    for i, name in enumerate(columns):
        column = table.column(i)
        binary = pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type) \
            or pa.types.is_fixed_size_binary(column.type)
        if not binary:
            try:
                values.append(column.to_pylist())
                continue
            except UnicodeDecodeError:
                column = column.cast(pa.large_binary())
        decoded = []
        for k, raw in enumerate(column.to_pylist()):
            try:
                decoded.append(None if raw is None else raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                problems.add(k + 1, name, f"undecodable byte 0x{raw[exc.start:exc.start + 1].hex()}: "
                                          "text in the file must be UTF-8 encoded")
                decoded.append(None)
        values.append(decoded)
    problems.raise_if_any()
    records = [Record(i + 1, dict(zip(columns, row))) for i, row in enumerate(zip(*values))]
    return Table(shown, columns, records, "parquet")


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
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _metadata_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    return _text(value)


def _number(value: Any) -> tuple[bool, float | None]:
    """(ok, value); empty cells are a missing metric, not an error."""
    if value is None:
        return True, None
    if isinstance(value, bool):
        return False, None
    if isinstance(value, (int, float)):
        v = float(value)
        return (True, None) if math.isnan(v) else (math.isfinite(v), v)
    s = str(value).strip()
    if s == "":
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
    for rec in table.records:
        v = rec.values
        item_id = (_text(v.get("item_id")) or "").strip()
        if not item_id:
            problems.add(rec.row, "item_id", "empty item_id")
            continue
        if item_id in seen:
            problems.add(rec.row, "item_id", f"duplicate item_id '{item_id}' (first at row {seen[item_id]})")
            continue
        seen[item_id] = rec.row
        prompt = _text(v.get("prompt"))
        if prompt is None or not prompt.strip():
            problems.add(rec.row, "prompt", "empty prompt")
        reference = _text(v.get("reference"))
        item = ParsedItem(item_id, rec.row, prompt or "", reference if reference and reference.strip() else None,
                          {c: _metadata_value(v.get(c)) for c in meta_cols})
        for s in systems:
            out = _text(v.get("output_" + s))
            if out is None or not out.strip():
                problems.add(rec.row, "output_" + s, f"empty output: item '{item_id}' has no output for system '{s}'")
            else:
                item.outputs[s] = out
            item.metrics[s] = {}
        for c, (name, s) in metric_cols.items():
            ok, number = _number(v.get(c))
            if not ok:
                problems.add(rec.row, c, f"expected a number, got {v.get(c)!r}")
            elif number is not None:
                item.metrics[s][name] = number
        items.append(item)
    return systems, items


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
    spellings: dict[str, tuple[str, int]] = {}  # casefolded name -> (first spelling, its row)
    seen_pairs: dict[tuple[str, str], int] = {}
    for rec in table.records:
        v = rec.values
        item_id = (_text(v.get("item_id")) or "").strip()
        system = (_text(v.get("system")) or "").strip()
        if not item_id:
            problems.add(rec.row, "item_id", "empty item_id")
            continue
        if not system:
            problems.add(rec.row, "system", "empty system name")
            continue
        first = spellings.setdefault(system.casefold(), (system, rec.row))
        if first[0] != system:
            problems.add(rec.row, "system", f"system name '{system}' and '{first[0]}' (on row {first[1]}) differ only "
                         "by case: spell one system one way")
            continue
        if (item_id, system) in seen_pairs:
            problems.add(rec.row, "system",
                         f"duplicate output of system '{system}' for item_id '{item_id}' "
                         f"(first at row {seen_pairs[(item_id, system)]})")
            continue
        seen_pairs[(item_id, system)] = rec.row
        if system not in systems:
            systems.append(system)
        prompt = _text(v.get("prompt")) or ""
        reference = _text(v.get("reference"))
        reference = reference if reference and reference.strip() else None
        meta = {c: _metadata_value(v.get(c)) for c in meta_cols}
        item = items.get(item_id)
        if item is None:
            if not prompt.strip():
                problems.add(rec.row, "prompt", "empty prompt")
            item = items[item_id] = ParsedItem(item_id, rec.row, prompt, reference, meta)
        else:
            if prompt != item.prompt:
                problems.add(rec.row, "prompt",
                             f"prompt differs from the one at row {item.row} for item_id '{item_id}'")
            for c in meta_cols:
                if meta[c] != item.metadata.get(c):
                    problems.add(rec.row, c, f"value differs from the one at row {item.row} for item_id '{item_id}'")
        out = _text(v.get("output"))
        if out is None or not out.strip():
            problems.add(rec.row, "output", f"empty output for item '{item_id}', system '{system}'")
        else:
            item.outputs[system] = out
        item.metrics[system] = {}
        for c, name in metric_cols.items():
            ok, number = _number(v.get(c))
            if not ok:
                problems.add(rec.row, c, f"expected a number, got {v.get(c)!r}")
            elif number is not None:
                item.metrics[system][name] = number
    if len(systems) < 2 and not problems.total:
        problems.add(1, "system", f"need outputs of at least two systems, found {len(systems)}")
    for item in items.values():
        for s in systems:
            if s not in item.metrics:  # no row at all for this system
                problems.add(item.row, "system", f"item '{item.item_id}' has no output for system '{s}'")
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
    table = read_table(path)
    if layout not in (None, "wide", "long"):
        raise EvalstoreError(f"layout must be wide or long, not {layout}")
    layout = layout or detect_layout(table)
    problems = Problems(table.path)
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
        changed = []
        new_items = []
        for item in items:
            digest = item.content_sha256()
            if item.item_id in known:
                if known[item.item_id] != digest:
                    changed.append(InvalidInputFile(
                        table.path, item.row, "item_id",
                        f"item_id '{item.item_id}' is already in study '{study}' with different content "
                        "(give the changed item a new item_id)"))
                continue
            new_items.append((item, digest))
        if changed:
            raise InvalidInput(changed[:MAX_PROBLEMS], len(changed))
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

