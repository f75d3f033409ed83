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
import operator
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain, islice, repeat
from json.encoder import encode_basestring, encode_basestring_ascii
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

# The JSON texts stored and hashed. A stored item's content_sha256 is the SHA-256 of
# json.dumps({"prompt", "reference", "metadata", "outputs", "metrics"}, sort_keys=True, ensure_ascii=False,
# separators=(",", ":")) in UTF-8, and must stay byte for byte what it was: it is how a re-import recognises
# an unchanged item. These texts are assembled column by column from the same escaping functions the json
# module uses (a 100k-row import spent most of its time in json.dumps, one call per item and field);
# tests compare them with json.dumps.
_CONTENT_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
_CONTENT_SEPARATORS = (",", ":")
_STORED_SEPARATORS = (", ", ": ")  # json.dumps' default, as metadata and metrics were always stored


@dataclass
class ParsedItem:
    item_id: str
    index: int  # the record's 0-based position in the file (Problems turns it into a ROW)
    prompt: str
    reference: str | None
    metadata: dict[str, Any]
    outputs: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class ParsedItems:
    """A file's items field by field: position k of every list belongs to the k-th item, in file order.

    Column by column rather than an object per item: the checks and the JSON texts (``content_sha256``)
    then run a column at a time, mostly inside C loops (``map``, str methods, %-templates) instead of
    Python code per item and field.
    """

    systems: list[str]  # in the file's order
    index: list[int]  # each item's record position in the file (Problems turns it into a ROW)
    item_ids: list[str]
    prompts: list[str]
    references: list[str | None]
    metadata: dict[str, list[Any]]  # column → values, columns in the file's order
    outputs: dict[str, list[str]]  # system → texts
    metrics: dict[str, dict[str, list[float | None]]]  # system → metric → values (None: not given)
    _metric_json: dict[str, dict[str, list[str | None]]] = field(default_factory=dict, init=False, repr=False)

    def __len__(self) -> int:
        return len(self.item_ids)

    @classmethod
    def from_items(cls, systems: list[str], items: list[ParsedItem]) -> ParsedItems:
        names = {s: sorted({name for item in items for name in item.metrics.get(s, {})}) for s in systems}
        return cls(
            systems, [item.index for item in items], [item.item_id for item in items],
            [item.prompt for item in items], [item.reference for item in items],
            {c: [item.metadata.get(c) for item in items] for c in (items[0].metadata if items else ())},
            {s: [item.outputs.get(s) for item in items] for s in systems},
            {s: {name: [item.metrics.get(s, {}).get(name) for item in items] for name in names[s]}
             for s in systems},
        )

    def take(self, positions: list[int]) -> ParsedItems:
        """The items at ``positions`` (in that order)."""
        def pick(values):
            return [values[k] for k in positions]
        return ParsedItems(
            self.systems, pick(self.index), pick(self.item_ids), pick(self.prompts), pick(self.references),
            {c: pick(v) for c, v in self.metadata.items()}, {s: pick(v) for s, v in self.outputs.items()},
            {s: {name: pick(v) for name, v in m.items()} for s, m in self.metrics.items()},
        )

    def content_sha256(self) -> list[str]:
        """Each item's content hash: SHA-256 of ``_CONTENT_JSON({"prompt": ..., "reference": ...,
        "metadata": {...}, "outputs": {system: text}, "metrics": {system: {metric: value}}})`` in UTF-8."""
        n = len(self)
        systems = sorted(self.systems)
        metadata = _json_objects([(c, _json_values(self.metadata[c])) for c in sorted(self.metadata)], n,
                                 _CONTENT_SEPARATORS)
        metrics = _json_objects([(s, _metric_objects(self._metric_texts(s), n, _CONTENT_SEPARATORS))
                                 for s in systems], n, _CONTENT_SEPARATORS)
        # sort_keys order: metadata, metrics, outputs, prompt, reference
        template = ('{"metadata":%s,"metrics":%s,"outputs":{'
                    + ",".join(_template_key(s, ":") for s in systems) + '},"prompt":%s,"reference":%s}')
        columns = [metadata, metrics, *(_json_values(self.outputs[s]) for s in systems),
                   _json_values(self.prompts), _json_values(self.references)]
        sha256 = hashlib.sha256
        return [sha256(text.encode("utf-8")).hexdigest() for text in map(template.__mod__, zip(*columns))]

    def metadata_json(self) -> Iterable[str]:
        """Each item's metadata as stored: ``json.dumps(metadata, ensure_ascii=False)``, the file's column order."""
        return _json_objects([(c, _json_values(v)) for c, v in self.metadata.items()], len(self),
                             _STORED_SEPARATORS)

    def metrics_json(self, system: str) -> Iterable[str]:
        """Each item's metrics of ``system`` as stored: ``json.dumps(metrics, sort_keys=True)``."""
        return _metric_objects(self._metric_texts(system), len(self), _STORED_SEPARATORS, ascii_keys=True)

    def _metric_texts(self, system: str) -> dict[str, list[str | None]]:
        """The metrics of ``system`` as JSON texts (made once: the hash and the stored text both use them)."""
        if system not in self._metric_json:
            # json writes a finite float as float.__repr__ does
            self._metric_json[system] = {
                name: list(map(float.__repr__, values)) if None not in values else
                [None if v is None else float.__repr__(v) for v in values]
                for name, values in self.metrics.get(system, {}).items()}
        return self._metric_json[system]


def _all_text(values: list[Any]) -> bool:
    return set(map(type, values)) <= {str}


def _json_strings(values: list[str]) -> Iterable[str]:
    """``json.dumps(value, ensure_ascii=False)`` of every string of ``values``."""
    # ASCII text without DEL (which only ensure_ascii escapes) is escaped alike by both of json's
    # functions, and the ensure_ascii one is twice as fast
    if all(map(str.isascii, values)) and not any(map(operator.contains, values, repeat("\x7f"))):
        return map(encode_basestring_ascii, values)
    return map(encode_basestring, values)


def _json_values(values: list[Any]) -> Iterable[str]:
    """``json.dumps(value, ensure_ascii=False)`` of every value (text, None, a number, a boolean)."""
    if _all_text(values):
        return _json_strings(values)
    return [encode_basestring(v) if type(v) is str else "null" if v is None else _CONTENT_JSON(v) for v in values]


def _template_key(key: str, key_separator: str, *, ascii_keys: bool = False) -> str:
    """``"key":%s`` for a %-template of a JSON object."""
    encoded = (encode_basestring_ascii if ascii_keys else encode_basestring)(key)
    return encoded.replace("%", "%%") + key_separator + "%s"


def _json_objects(fields: list[tuple[str, Iterable[str]]], n: int, separators: tuple[str, str], *,
                  ascii_keys: bool = False) -> Iterable[str]:
    """For each of ``n`` items, the JSON object of ``fields`` — (key, every item's value as JSON text) — with
    its keys in the order given, as json.dumps writes it with these separators."""
    if not fields:
        return repeat("{}", n)
    item_separator, key_separator = separators
    template = "{" + item_separator.join(_template_key(key, key_separator, ascii_keys=ascii_keys)
                                         for key, _ in fields) + "}"
    return map(template.__mod__, zip(*(values for _, values in fields)))


def _metric_objects(metrics: dict[str, list[str | None]], n: int, separators: tuple[str, str], *,
                    ascii_keys: bool = False) -> Iterable[str]:
    """For each of ``n`` items, its metrics — metric → every item's value as JSON text, None for an item
    without one (left out of its object) — as a JSON object with sorted keys."""
    names = sorted(metrics)
    if all(None not in metrics[name] for name in names):
        return _json_objects([(name, metrics[name]) for name in names], n, separators, ascii_keys=ascii_keys)
    item_separator, key_separator = separators
    key = encode_basestring_ascii if ascii_keys else encode_basestring
    keys = [key(name) + key_separator for name in names]
    return ["{" + item_separator.join(k + v for k, v in zip(keys, values) if v is not None) + "}"
            for values in zip(*(metrics[name] for name in names))]


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


def _require_columns(columns, required: tuple[str, ...], problems: Problems) -> None:
    for name in required:
        if name not in columns:
            problems.add(1, name, f"missing required column '{name}'")


def parse_wide(table: Table, problems: Problems) -> ParsedItems:
    """The items of a wide file, each problem added to ``problems`` (the items are complete only when no
    problem was found)."""
    cols = table.columns
    _require_columns(cols, WIDE_REQUIRED, problems)
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
        return ParsedItems.from_items(systems, [])
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
    # Column by column: every check is one pass over a column's values (in C for the common, valid cell),
    # and a record is looked at one by one only when a check fails. Each check adds at most one problem per
    # record and column, and Problems orders them by ROW and column, so the report is the same as reading
    # record by record.
    column = _Columns(table).values
    n = len(table)
    item_ids = [text or "" for text in _texts(column("item_id"))]
    item_ids = list(map(str.strip, item_ids))
    skipped: set[int] = set()  # records without an item_id of their own: their other cells are not checked
    if not all(item_ids) or len(set(item_ids)) < n:
        seen: dict[str, int] = {}
        for index, item_id in enumerate(item_ids):
            if not item_id:
                problems.add_record(index, "item_id", "empty item_id")
                skipped.add(index)
            elif item_id in seen:
                problems.add_record(index, "item_id", _first_at(
                    problems, f"duplicate item_id '{item_id}' (first at row {{}})", seen[item_id]))
                skipped.add(index)
            else:
                seen[item_id] = index
    prompts = _texts(column("prompt"))
    for index in _blank(prompts, skipped):
        problems.add_record(index, "prompt", "empty prompt")
    references = [reference if reference and reference.strip() else None for reference in _texts(column("reference"))]
    outputs = {}
    for s in systems:
        outputs[s] = texts = _texts(column("output_" + s))
        for index in _blank(texts, skipped):
            problems.add_record(index, "output_" + s, f"empty output: item '{item_ids[index]}' has no output for "
                                f"system '{s}'")
    metrics: dict[str, dict[str, list[float | None]]] = {s: {} for s in systems}
    for c, (name, s) in metric_cols.items():
        values = column(c)
        numbers, bad = _numbers(values)
        for index in bad:
            if index not in skipped:
                problems.add_record(index, c, f"expected a number, got {values[index]!r}")
        earlier = metrics[s].get(name)
        if earlier is not None:  # two columns of one metric: the later one's value where it has one
            numbers = [b if b is not None else a for a, b in zip(earlier, numbers)]
        metrics[s][name] = numbers
    items = ParsedItems(
        systems, list(range(n)), item_ids, [prompt or "" for prompt in prompts] if None in prompts else prompts,
        references, {c: _metadata_values(column(c)) for c in meta_cols}, outputs, metrics)
    if skipped:
        items = items.take([index for index in range(n) if index not in skipped])
    return items


def _texts(values: list[Any]) -> list[str | None]:
    """The values as text (``_text``); a column of text (every CSV column) is returned as it is."""
    return values if _all_text(values) else list(map(_text, values))


def _metadata_values(values: list[Any]) -> list[Any]:
    return values if _all_text(values) else list(map(_metadata_value, values))


def _blank(texts: list[str | None], skipped: set[int]) -> list[int]:
    """The positions, not in ``skipped``, of the texts that are missing or only whitespace."""
    if None not in texts and all(map(str.strip, texts)):
        return []
    return [index for index, text in enumerate(texts)
            if (text is None or not text.strip()) and index not in skipped]


def _numbers(values: list[Any]) -> tuple[list[float | None], list[int]]:
    """(each value as ``_number`` reads it, None where missing or not a number; the positions of the values
    that are not a number)."""
    if _all_text(values) and "" not in values:
        # float() reads text exactly as _number does when it reads a number at all; anything else (a blank
        # cell, a word, nan) is read value by value below
        try:
            numbers = list(map(float, values))
        except ValueError:
            pass
        else:
            if all(map(math.isfinite, numbers)):
                return numbers, []
    numbers, bad = [], []
    for index, value in enumerate(values):
        ok, number = _number(value)
        numbers.append(number if ok else None)
        if not ok:
            bad.append(index)
    return numbers, bad


def _first_at(problems: Problems, template: str, first: int):
    """A message naming the ROW of an earlier record, made only if it is shown."""
    return lambda: template.format(problems.row_of(first))


def parse_long(table: Table, problems: Problems) -> ParsedItems:
    """The items of a long file, each problem added to ``problems`` (the items are complete only when no
    problem was found)."""
    cols = table.columns
    _require_columns(cols, LONG_REQUIRED, problems)
    if problems.total:
        return ParsedItems.from_items([], [])
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
    return ParsedItems.from_items(systems, list(items.values()))


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
    items = (parse_wide if layout == "wide" else parse_long)(table, problems)
    problems.raise_if_any()
    systems = items.systems

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

    # before the write lock is taken: raters' judgments need not wait for the hashing
    digests = items.content_sha256()
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
        known = dict(conn.execute("SELECT item_id, content_sha256 FROM item WHERE study_id = ?", [study_id]))
        changed = table.problems()
        new = []  # positions of the items not in the study yet
        for position, (item_id, digest) in enumerate(zip(items.item_ids, digests)):
            stored = known.get(item_id)
            if stored is None:
                new.append(position)
            elif stored != digest:
                changed.add_record(
                    items.index[position], "item_id",
                    f"item_id '{item_id}' is already in study '{study}' with different content "
                    "(give the changed item a new item_id)")
        changed.raise_if_any()
        added = items if len(new) == len(items) else items.take(new)
        next_id = (conn.execute("SELECT coalesce(max(id), 0) FROM item").fetchone()[0]) + 1
        row_ids = range(next_id, next_id + len(added))
        _insert(conn, "item", ("id", "study_id", "item_id", "prompt", "reference", "metadata", "content_sha256"),
                zip(row_ids, repeat(study_id), added.item_ids, added.prompts, added.references, added.metadata_json(),
                    digests if added is items else [digests[k] for k in new]))
        # an item's outputs one after the other, in the file's order of systems
        outputs = [zip(row_ids, repeat(system_ids[s]), added.outputs[s], added.metrics_json(s)) for s in systems]
        _insert(conn, "output", ("item_id", "system_id", "text", "metrics"), chain.from_iterable(zip(*outputs)))
    return ImportResult(study, created, systems, len(added), len(items) - len(added), layout)


#: Parameters one statement may have in any SQLite build (newer ones allow 32766)
_MAX_VARIABLES = 999


def _insert(conn: sqlite3.Connection, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """INSERT ``rows`` into ``table``, as many rows a statement as its parameters allow (an eighth less time
    than executemany's statement a row, bench_import.py)."""
    values = "(" + ",".join("?" * len(columns)) + ")"
    one = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}"
    per = _MAX_VARIABLES // len(columns)
    many = one + ("," + values) * (per - 1)
    rows = iter(rows)
    while batch := list(islice(rows, per)):
        if len(batch) == per:
            conn.execute(many, list(chain.from_iterable(batch)))
        else:
            conn.executemany(one, batch)


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

