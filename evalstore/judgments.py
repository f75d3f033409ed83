"""The canonical judgments table: one row per judgment, built from a study database, read, validated, written.

This is the table ``evalstore analyze`` reads, whether it comes from our own database or from another tool,
and the one ``evalstore export`` writes. Its columns (``COLUMNS``, in this order):

- required: ``item_id, rater_id, system_a, system_b, preference``
- optional: ``criterion`` (default ``overall``), ``left_system`` (which system was shown on the left),
  ``flag``, ``rationale``, ``duration_s``, ``submitted_at``, ``scale``; also ``gold_preference`` (the expected
  preference on gold items, empty elsewhere), metadata columns (category, language, ...), and per-output metric
  pairs ``metric_<name>_a`` / ``metric_<name>_b``.

``preference`` is a whole number oriented to (system_a, system_b) whatever side was on the left: negative =
system_a better, positive = system_b better, 0 = tie, empty = skipped; -1..1 on the 3-point scale, -2..2 on the
5-point scale.

The scale of a judgments file comes from ``--scale``, else from an optional ``scale`` column (3 or 5, the same
on every row), else it is inferred from the values (any ±2 → 5) and ``JudgmentsInput.warnings`` says so; a
preference outside a declared scale is an error at its row. A study database always uses its own scale.

One system has one spelling: names in ``system_a``, ``system_b`` and ``left_system`` that differ only by case or
surrounding spaces (``finetuned`` / ``Finetuned`` / `` finetuned ``) are refused, naming both spellings, rather
than read as two systems.

Files are read by ``tables.read_table``; every problem is reported as ``FILE:ROW:COLUMN: message``
(``errors.InvalidInputFile``), all of them at once (``errors.InvalidInput``). ROW is the 1-based line of a CSV
file (the header is line 1) and the 1-based record number of a JSONL or Parquet file. A duplicate judgment is
reported at its second occurrence.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import tables
from .errors import EvalstoreError, InvalidInputFile
from .tables import MAX_PROBLEMS, Problems  # noqa: F401  (MAX_PROBLEMS: part of the API)

#: The canonical table's own columns, in the order ``export`` writes them (metadata and metric pairs follow).
COLUMNS = [
    "item_id", "rater_id", "criterion", "system_a", "system_b", "preference", "left_system",
    "flag", "rationale", "duration_s", "submitted_at", "scale",
]
CANONICAL_COLUMNS = COLUMNS  # the name ``export`` used
REQUIRED_COLUMNS = ("item_id", "rater_id", "system_a", "system_b", "preference")
ID_COLUMNS = ("item_id", "rater_id", "system_a", "system_b")
GOLD_COLUMN = "gold_preference"
#: a validated table's column order: the canonical columns, then gold answers, then the file's others
CANONICAL_ORDER = (*COLUMNS, GOLD_COLUMN)
NUMERIC_COLUMNS = ("preference", "duration_s", GOLD_COLUMN)
SYSTEM_COLUMNS = ("system_a", "system_b", "left_system")
SCALE_COLUMN = "scale"
METRIC_PREFIX = "metric_"
DEFAULT_CRITERION = "overall"
SCALES = (3, 5)
FORMATS = ("csv", "jsonl", "parquet")
#: a CSV cell starting with one of these is a formula to a spreadsheet (OWASP "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class JudgmentsInput:
    """A validated judgments table and what the analysis needs to know about where it came from."""

    frame: pd.DataFrame
    input_sha256: str
    kind: str  # csv | jsonl | parquet | database
    study: str | None = None
    scale: int | None = None
    overlap: int | None = None
    baseline: str | None = None
    #: where ``scale`` came from: "option" (--scale), "column" (a scale column), "inferred" or "study"
    scale_source: str | None = None
    #: sentences for the analysis warnings (e.g. that the scale was inferred)
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------
# Entry points


def load_input(path: str | Path, *, study: str | None = None, scale: int | None = None) -> JudgmentsInput:
    """Read judgments from a CSV / TSV / JSONL / Parquet file or a study database (SQLite tells which).

    Parameters
    ----------
    path : str or Path
        The file as the user gave it (used verbatim in error messages).
    study : str, optional
        Study name, for a database holding several studies. Not allowed with a judgments file.
    scale : {3, 5}, optional
        The preference scale (``--scale``). For a file: else the file's ``scale`` column, else inferred from
        the values with a sentence in ``warnings``. A study database always uses its own scale (a different
        ``scale`` is an error).

    Returns
    -------
    JudgmentsInput
        ``frame`` is validated (``validate_judgments``): ``analysis.analyze`` of this input does not validate it again.
        ``input_sha256`` is the SHA-256 of a file's bytes; for a database, ``frame_sha256`` of the validated
        table. ``scale`` is always set; ``scale_source`` says where it came from.

    Raises
    ------
    EvalstoreError
        ``InvalidInputFile`` / ``InvalidInput`` for a bad file, ``UnknownStudy`` for a bad study name.
    """
    shown = str(path)
    p = Path(path)
    if not p.exists():
        raise InvalidInputFile(shown, 0, None, "no such file")
    from .db import is_companion, is_database

    # SQLite is asked, never the file's bytes: this runs in the server, beside its live connection
    if p.is_file() and is_database(p):
        return _load_database(shown, study, scale)
    if study is not None and p.is_file() and not is_companion(p):
        raise EvalstoreError(f"{shown} is a judgments file, not a study database: a study name does not apply to it")
    table = tables.read_table(path, what="judgments", types=_column_type, digest=True,
                              unsupported_hint=", or a study database")
    frame = validate_judgments(table.frame(release=True), path=shown, rows=table.rows, scale=scale, kind=table.kind)
    if table.kind != "jsonl":
        import pyarrow as pa

        # Arrow's allocator keeps what validation's column copies used for later reuse; the analysis that
        # follows allocates through numpy, so give it back (a million-row file: ~60 MiB less resident)
        pa.default_memory_pool().release_unused()
    digest = table.sha256
    if scale is not None:
        return JudgmentsInput(frame, digest, table.kind, scale=scale, scale_source="option")
    declared = declared_scale(frame)
    if declared is not None:
        return JudgmentsInput(frame, digest, table.kind, scale=declared, scale_source="column")
    inferred = infer_scale(frame["preference"].to_numpy())
    return JudgmentsInput(
        frame, digest, table.kind, scale=inferred, scale_source="inferred",
        warnings=[_inferred_scale_warning(shown, frame, table.rows, table.kind, inferred)],
    )


def _column_type(name: str) -> str | None:
    """How the fast CSV path should parse a judgments column."""
    if name in NUMERIC_COLUMNS or name.startswith(METRIC_PREFIX):
        return tables.NUMBER
    return None


def declared_scale(frame: pd.DataFrame) -> int | None:
    """The scale a validated table declares in its ``scale`` column (3 or 5), or None without one.

    >>> declared_scale(pd.DataFrame({"scale": ["", "5", "5"]})), declared_scale(pd.DataFrame({"x": [1]}))
    (5, None)
    """
    if SCALE_COLUMN not in frame:
        return None
    values = [v for v in as_text(frame[SCALE_COLUMN]).unique().tolist() if v != ""]
    return int(values[0]) if values else None


def _inferred_scale_warning(shown: str, frame: pd.DataFrame, rows, kind: str, scale: int) -> str:
    declare = "give --scale or a scale column to declare it (a value outside a declared scale is an error)"
    if scale == 3:
        return f"scale: 3-point, inferred from the values of {shown} (no preference is -2 or 2); {declare}"
    where = "line" if kind == "csv" else "record"
    extreme = np.flatnonzero(np.abs(np.nan_to_num(frame["preference"].to_numpy(dtype=np.float64))) == 2)
    numbers = np.arange(1, len(frame) + 1) if rows is None else np.asarray(rows() if callable(rows) else rows)
    count = f"{extreme.size} preference{'s are' if extreme.size != 1 else ' is'} -2 or 2"
    return (
        f"scale: 5-point, inferred from the values of {shown} ({count}, the first on {where} "
        f"{int(numbers[extreme[0]])}); {declare}"
    )


def read_judgments(path: str | Path, *, scale: int | None = None) -> pd.DataFrame:
    """The validated canonical table of a judgments file (see ``validate_judgments`` for its dtypes)."""
    return load_input(path, scale=scale).frame


def _load_database(shown: str, study: str | None, scale: int | None) -> JudgmentsInput:
    # Imported here: the file path of evalstore analyze needs none of the database machinery.
    from .db import open_db
    from .studies import get_study

    db = open_db(shown, readonly=True)
    try:
        chosen = get_study(db, study)
        table = judgments_frame(db, chosen)
    finally:
        db.close()
    if scale is not None and scale != chosen.scale:
        raise EvalstoreError(
            f"{shown}: study {chosen.name!r} uses the {chosen.scale}-point scale; a study database always uses its "
            f"own scale, so --scale {scale} does not apply"
        )
    frame = validate_judgments(table, path=shown, scale=chosen.scale, kind="database")
    return JudgmentsInput(
        frame, frame_sha256(frame), "database", study=chosen.name, scale=chosen.scale,
        overlap=chosen.overlap, baseline=chosen.baseline, scale_source="study",
    )


def frame_sha256(frame: pd.DataFrame) -> str:
    """A SHA-256 of a table's contents: its column names in order and every cell of every row, in order.

    The same rows in the same order give the same hash (whatever the categories or the memory layout);
    a changed, added, removed or reordered row or column gives another. It is computed from the values
    (``pandas.util.hash_pandas_object`` of each column), without writing the table out, and is not the
    SHA-256 of any file.

    >>> a = pd.DataFrame({"x": ["q1", "q2"], "p": [1.0, -1.0]})
    >>> frame_sha256(a) == frame_sha256(a.copy()), frame_sha256(a) == frame_sha256(a.iloc[::-1])
    (True, False)
    """
    digest = hashlib.sha256(json.dumps([str(c) for c in frame.columns]).encode("utf-8"))
    digest.update(str(len(frame)).encode())
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)  # hash the values, not the codes
        digest.update(pd.util.hash_pandas_object(column, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def infer_scale(preference: np.ndarray) -> int:
    """5 when any preference is ±2, else 3 (NaN = skipped is ignored).

    Examples
    --------
    >>> infer_scale(np.array([-1.0, 0.0, np.nan])), infer_scale(np.array([2.0, 1.0]))
    (3, 5)
    """
    values = np.asarray(preference, dtype=np.float64)
    return 5 if np.any(np.abs(values[~np.isnan(values)]) == 2) else 3


# ---------------------------------------------------------------------------------------------------------
# Built from a study database


def judgments_frame(db, study=None) -> pd.DataFrame:
    """Every judgment of ``study`` (a name, a ``Study`` or None for the only one) as the canonical table.

    ``db`` is a ``sqlite_utils.Database`` or the path of one (opened read-only). Metadata columns follow the
    canonical ones, then ``metric_<name>_a`` / ``metric_<name>_b`` for every stored metric and for the
    outputs' lengths in characters (``metric_length_chars_*``). Not validated: ``load_input`` does that.
    """
    import sqlite_utils

    from .studies import Study, get_study

    if not isinstance(db, sqlite_utils.Database):
        from .db import open_db

        db = open_db(db, readonly=True)
    if not isinstance(study, Study):
        study = get_study(db, study)
    return study_judgments(db, study, item_columns(db, study))


@dataclass
class ItemColumns:
    """What ``judgments_frame`` adds to each judgment from its item and outputs, parsed once per study.

    Items and outputs are only ever inserted, so this stays right for a study until its item or output count
    changes (``version``); a page keeps it to turn new judgment rows into canonical ones without parsing the
    study's metadata again.
    """

    version: tuple[int, int, int, int]  # (items, highest item id, outputs, highest output id)
    item_rows: pd.Index  # item.id, in the order of ``item_ids`` and ``meta``'s arrays
    item_ids: np.ndarray  # item.item_id
    meta: dict[str, np.ndarray]  # metadata column → value per item (None where an item lacks the key)
    output_keys: pd.Index  # (item.id, system.id) of every output, in the order of ``metrics``' arrays
    metrics: dict[str, np.ndarray]  # metric name → value per output (None where an output lacks it)


def item_columns(db, study) -> ItemColumns:
    """The metadata and metric columns of ``study`` (a ``Study``) per item and per output."""
    conn = db.conn
    items = conn.execute("SELECT id, metadata, item_id FROM item WHERE study_id = ? ORDER BY id",
                         [study.id]).fetchall()
    metas = [json.loads(meta) for _row_id, meta, _item_id in items]
    meta_keys: dict[str, None] = {}
    for meta in metas:
        for key in meta:
            meta_keys.setdefault(key, None)
    meta = {key: _objects([m.get(key) for m in metas]) for key in meta_keys if key not in COLUMNS}

    # most outputs carry no metrics: only those that do are parsed
    outputs = conn.execute(
        "SELECT o.item_id, o.system_id, o.id, length(o.text), CASE WHEN o.metrics = '{}' THEN NULL ELSE o.metrics "
        "END FROM output o JOIN item i ON i.id = o.item_id WHERE i.study_id = ?", [study.id]).fetchall()
    parsed = [json.loads(m) if m is not None else {} for *_rest, m in outputs]
    metric_names: dict[str, None] = {}
    for m in parsed:
        for key in m:
            metric_names.setdefault(key, None)
    metric_names.pop("length_chars", None)
    metrics = {name: _objects([m.get(name) for m in parsed]) for name in metric_names}
    metrics["length_chars"] = _objects([length for _i, _s, _o, length, _m in outputs])
    version = (len(items), max((item[0] for item in items), default=0),
               len(outputs), max((o[2] for o in outputs), default=0))
    return ItemColumns(version, pd.Index([item[0] for item in items], dtype=np.int64),
                       _objects([item[2] for item in items]), meta,
                       pd.MultiIndex.from_tuples([(o[0], o[1]) for o in outputs], names=["item", "system"])
                       if outputs else pd.MultiIndex.from_arrays([[], []], names=["item", "system"]), metrics)


def item_columns_version(db, study) -> tuple[int, int, int, int]:
    """``ItemColumns.version`` as the database has it now (a new import of items changes it)."""
    items, max_item = db.conn.execute(
        "SELECT count(*), coalesce(max(id), 0) FROM item WHERE study_id = ?", [study.id]).fetchone()
    outputs, max_output = db.conn.execute(
        "SELECT count(*), coalesce(max(o.id), 0) FROM output o JOIN item i ON i.id = o.item_id WHERE i.study_id = ?",
        [study.id]).fetchone()
    return int(items), int(max_item), int(outputs), int(max_output)


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def study_judgments(db, study, columns: ItemColumns, *, after_id: int = 0) -> pd.DataFrame:
    """``judgments_frame`` of a ``Study`` from its ``item_columns``: every judgment, or only those with a row id
    above ``after_id`` (the ones added since a table was read), in the same order and with the same columns."""
    # One query in row-id order (SQLite walks the judgment table by its key, no sort), the flag put together by
    # SQLite; names, metadata and metrics are looked up by position in arrays read once per study.
    judgments = pd.DataFrame(db.conn.execute(
        """SELECT j.id, a.item_id, a.rater_id, j.criterion, a.system_a_id, a.system_b_id, a.left_system_id,
                  j.preference,
                  CASE WHEN j.both_bad THEN 'both_bad' ELSE '' END
                  || CASE WHEN typeof(j.skip_reason) = 'text'
                          THEN CASE WHEN j.both_bad THEN ';' ELSE '' END || 'skip:' || j.skip_reason
                          ELSE '' END,
                  j.rationale, j.duration_s, j.submitted_at
           FROM judgment j
           CROSS JOIN assignment a ON a.id = j.assignment_id
           CROSS JOIN rater r ON r.id = a.rater_id
           WHERE r.study_id = ? AND j.id > ?
           ORDER BY j.id""", [study.id, after_id]).fetchall(),
        columns=["id", "item_row", "rater_row", "criterion", "sys_a", "sys_b", "sys_left", "preference",
                 "flag", "rationale", "duration_s", "submitted_at"])
    # ordered by (submitted_at, id): judgments mostly arrive in time order, so the row-id order usually is it
    if not judgments["submitted_at"].is_monotonic_increasing:
        judgments = judgments.sort_values("submitted_at", kind="stable", ignore_index=True)
    raters = dict(db.conn.execute("SELECT id, name FROM rater WHERE study_id = ?", [study.id]).fetchall())
    item_rows = judgments["item_row"].to_numpy()
    at_item = columns.item_rows.get_indexer(item_rows)
    names = {s.id: s.name for s in study.systems}
    frame = pd.DataFrame({
        "item_id": _take(columns.item_ids, at_item),
        "rater_id": judgments["rater_row"].map(raters).tolist(),
        "criterion": judgments["criterion"],
        "system_a": judgments["sys_a"].map(names),
        "system_b": judgments["sys_b"].map(names),
        "preference": judgments["preference"],
        "left_system": judgments["sys_left"].map(names),
        "flag": judgments["flag"].tolist(),
        "rationale": judgments["rationale"].fillna(""),
        "duration_s": judgments["duration_s"],
        "submitted_at": judgments["submitted_at"],
        # the study's scale travels with its judgments: a 5-point export without a ±2 stays 5-point when re-read
        "scale": study.scale,
    })
    for key, values in columns.meta.items():
        frame[key] = _take(values, at_item)
    at_output = {side: _positions(columns.output_keys, item_rows, judgments[column].to_numpy())
                 for side, column in (("a", "sys_a"), ("b", "sys_b"))}
    for name, values in columns.metrics.items():
        for side in ("a", "b"):
            frame[f"metric_{name}_{side}"] = _take(values, at_output[side])
    frame["preference"] = frame["preference"].astype("Int64")
    frame["duration_s"] = frame["duration_s"].astype("float64")
    for name in columns.metrics:
        for side in ("a", "b"):
            frame[f"metric_{name}_{side}"] = pd.to_numeric(frame[f"metric_{name}_{side}"], errors="coerce")
    return frame


def _positions(keys: pd.MultiIndex, items: np.ndarray, systems: np.ndarray) -> np.ndarray:
    if not len(items) or not len(keys):
        return np.full(len(items), -1, dtype=np.intp)
    return keys.get_indexer(pd.MultiIndex.from_arrays([items, systems]))


def _take(values: np.ndarray, positions: np.ndarray):
    """values[positions] as pandas makes a column of that list (it infers the dtype), None where a position is -1.

    Text and whole-number columns are taken as arrays, without a Python list, where that gives the same column:
    any part of a text (or int, or bool) column with one value present is inferred as the same dtype.
    """
    if len(values) and len(positions):
        inferred = pd.Series(values.tolist()).array if len(values) <= len(positions) else None
        if inferred is not None:
            if pd.api.types.is_string_dtype(inferred.dtype) and inferred.dtype != object:
                taken = inferred.take(positions, allow_fill=True)
                if not taken.isna().all():
                    return pd.Series(taken)
            elif str(inferred.dtype) in ("int64", "bool") and (positions >= 0).all():
                return pd.Series(np.asarray(inferred)[positions])
    if not len(values):
        return [None] * len(positions)
    taken = values[np.where(positions < 0, 0, positions)]
    taken[positions < 0] = None
    return taken.tolist()


# ---------------------------------------------------------------------------------------------------------
# Written


def write_table(frame: pd.DataFrame, fmt: str, out: str | Path | None, *, raw: bool = False) -> None:
    """Write ``frame`` as csv / jsonl / parquet to the file ``out``, or csv / jsonl to stdout when ``out`` is None.

    CSV is UTF-8 without a byte-order mark, with minimal RFC 4180 quoting; rows end with ``\n``, or with
    ``\r\n`` when some cell holds a carriage return (so that the cell is quoted). A *text* cell of a CSV file that
    starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a single quote ``'``
    in front, so a spreadsheet opening the file shows it as text instead of running it as a formula (OWASP,
    "CSV Injection"); numbers (a preference of -1, a metric of -0.5) are never changed. A neutralised cell
    reads back with its leading quote (``evalstore analyze`` reads every number of such a file unchanged).
    ``raw=True`` writes every cell verbatim. JSON Lines and Parquet are written verbatim.

    A file goes through ``files.write_file``: never over a SQLite database or its -wal/-shm/-journal file, and
    never half-written.
    """
    if fmt not in FORMATS:
        raise EvalstoreError(f"format must be one of {', '.join(FORMATS)}, not {fmt}")
    if fmt == "parquet":
        if out is None:
            raise EvalstoreError("Parquet is binary: write it to a file with -o FILE")
        from .files import write_file

        write_file(out, lambda handle: frame.to_parquet(handle, index=False), binary=True)
        return
    if fmt == "csv":
        table = frame if raw else neutralise_formulas(frame)
        # Python's csv writer quotes a cell holding a line break only if the break is in its line terminator:
        # with "\n", a bare "\r" inside a rationale would be written unquoted and read back as a line end
        terminator = "\r\n" if _has_carriage_return(table) else "\n"
        text = table.to_csv(index=False, lineterminator=terminator)
    else:
        buf = io.StringIO()
        encode = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
        for rec in frame.astype(object).where(frame.notna(), None).to_dict(orient="records"):
            buf.write(encode(rec) + "\n")
        text = buf.getvalue()
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        from .files import write_file

        write_file(out, lambda handle: handle.write(text))


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    if any("\r" in str(name) for name in frame.columns):
        return True
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        if column.astype(str).str.contains("\r", regex=False).any():
            return True
    return False


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names starting like a spreadsheet formula have a ``'``
    in front (column names come from the metadata keys of the user's item files).

    >>> neutralise_formulas(pd.DataFrame({"t": ["=1+1", "ok", "-x"], "n": [-1, 2, 3]})).to_dict("list")
    {'t': ["'=1+1", 'ok', "'-x"], 'n': [-1, 2, 3]}
    >>> list(neutralise_formulas(pd.DataFrame({"=HYPERLINK(1)": ["x"]})).columns)
    ["'=HYPERLINK(1)"]
    """
    changed = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        values = column.astype(object).to_numpy()
        risky = np.fromiter(
            (isinstance(v, str) and v.startswith(FORMULA_STARTS) for v in values), dtype=bool, count=len(values))
        if risky.any():
            values = values.copy()
            values[risky] = ["'" + v for v in values[risky]]
            changed[name] = pd.Series(values, index=frame.index, dtype=object)
    out = frame.assign(**changed) if changed else frame
    names = [f"'{name}" if isinstance(name, str) and name.startswith(FORMULA_STARTS) else name
             for name in out.columns]
    return out.set_axis(names, axis=1) if names != list(out.columns) else out


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__}")


# ---------------------------------------------------------------------------------------------------------
# Validation


def as_text(series: pd.Series) -> pd.Series:
    """Any column as stripped text; missing → "" (a categorical stays a categorical of stripped text)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = as_text(pd.Series(series.cat.categories)).to_numpy(dtype=object)
        codes = series.cat.codes.to_numpy()
        # stripping may make two categories one (" ft" and "ft"), and a missing value becomes ""
        merged_codes, merged = pd.factorize(np.append(categories, ""))
        text = pd.Categorical.from_codes(merged_codes[codes], merged).remove_unused_categories()
        return pd.Series(text, index=series.index)
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: "true", False: "false"}).fillna("").astype(str)
    if pd.api.types.is_integer_dtype(series):
        return series.astype("Int64").astype(str).str.replace("<NA>", "", regex=False)
    if pd.api.types.is_float_dtype(series):
        values = series.to_numpy(dtype=np.float64)
        whole = np.isfinite(values) & (values == np.round(values))
        text = np.where(np.isnan(values), "", series.astype(str).to_numpy())
        text = np.where(whole, np.round(np.where(whole, values, 0)).astype(np.int64).astype(str), text)
        return pd.Series(text, index=series.index, dtype=str)
    if pd.api.types.is_string_dtype(series) and series.dtype != object:
        if series.hasnans:
            series = series.fillna("")
        # speed and memory: a million-row column is copied only when some value has spaces to strip
        return series.str.strip() if _has_outer_space(series) else series
    # object columns (JSONL): None / NaN → "", containers → JSON, anything else → str
    def one(value) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return ""
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value).strip()

    return pd.Series([one(v) for v in series.tolist()], index=series.index, dtype=str)


def _has_outer_space(series: pd.Series) -> bool:
    """Whether stripping would change some value of an Arrow-backed text column (stripped by Arrow, one
    column at a time, and the copy dropped when nothing changed)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        # block by block: each stripped copy is small and freed before the next is made
        for chunk in pa.chunked_array(pa.array(series)).chunks:
            stripped = pc.utf8_trim_whitespace(chunk)
            if pc.any(pc.not_equal(pc.binary_length(chunk), pc.binary_length(stripped))).as_py():
                return True
        return False
    except (ImportError, TypeError, ValueError, pa.ArrowException):
        return True


def _number(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values, bad): float values (NaN = empty) and where a non-empty value is not a finite number."""
    if pd.api.types.is_bool_dtype(series):
        return np.full(len(series), np.nan), series.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(series) and not isinstance(series.dtype, pd.CategoricalDtype):
        # a float64 column as read is used as it is (no copy of a million values)
        values = series.to_numpy() if series.dtype == np.float64 else \
            series.to_numpy(dtype=np.float64, na_value=np.nan)
        infinite = np.isinf(values)
        return (np.where(infinite, np.nan, values) if infinite.any() else values), infinite
    text = as_text(series)
    if isinstance(text.dtype, pd.CategoricalDtype):
        text = text.astype(str)
    present = (text != "").to_numpy()
    values = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = present & ~np.isfinite(values)
    return np.where(bad, np.nan, values), bad


def text_codes(series: pd.Series, *, distinct: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """(codes, distinct values or None without ``distinct``) of a column: validation checks and the analysis
    codes work on a column's few distinct values rather than on its million cells."""
    if pd.api.types.is_string_dtype(series) and series.dtype != object:
        import pyarrow as pa

        # pandas' Arrow-backed strings, dictionary-encoded by Arrow: a third of pandas.factorize's time
        # (a chunked array is encoded on one dictionary, shared by its chunks: no copy into one chunk)
        encoded = pa.chunked_array(pa.array(series)).dictionary_encode(null_encoding="encode")
        if encoded.num_chunks == 0:
            return np.zeros(0, dtype=np.int32), np.array([], dtype=object)
        codes = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in encoded.chunks])
        dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
        return codes, np.array(dictionary.to_pylist(), dtype=object) if distinct else None
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return codes, np.asarray(uniques, dtype=object)


def validate_judgments(
    raw: pd.DataFrame,
    *,
    path: str = "<judgments>",
    rows: Callable[[], np.ndarray] | np.ndarray | None = None,
    scale: int | None = None,
    kind: str = "table",
) -> pd.DataFrame:
    """Check a raw judgments table and return it in canonical form.

    Parameters
    ----------
    raw : DataFrame
        As read from a file: text or numbers in any column.
    path : str
        Shown as FILE in error messages.
    rows : ndarray or callable returning one, optional
        The ROW number of each row of ``raw`` (default: 1-based record numbers).
    scale : {3, 5}, optional
        Checks preferences against this scale; without it, against the scale of the ``scale`` column if there
        is one (its non-empty values must all be 3 or all be 5, and agree with ``scale`` when both are given),
        else against the wider 5-point scale.
    kind : str
        ``csv`` makes messages say "line", anything else "record".

    Returns
    -------
    DataFrame
        ``item_id, rater_id, criterion, system_a, system_b`` and every other non-numeric column as text
        (missing → ""; ``criterion`` missing → "overall"); ``preference`` (NaN =
        skipped), ``duration_s``, ``gold_preference`` and every ``metric_*`` column as float64. Canonical
        columns first.

    Raises
    ------
    InvalidInputFile, InvalidInput
        Every problem, located as ``FILE:ROW:COLUMN: message``.

    Examples
    --------
    >>> raw = pd.DataFrame({"item_id": ["q1"], "rater_id": ["ann"], "system_a": ["base"],
    ...                     "system_b": ["base"], "preference": ["1"]})
    >>> validate_judgments(raw, path="j.csv")
    Traceback (most recent call last):
    ...
    evalstore.errors.InvalidInput: j.csv:1:system_b: system_a and system_b are both 'base': a judgment compares two different systems
    """
    if scale is not None and scale not in SCALES:
        raise EvalstoreError(f"scale must be 3 or 5, not {scale}")
    shown = str(path)
    columns = [str(c) for c in raw.columns]
    raw = raw.set_axis(columns, axis=1)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    problems = Problems(shown, columns, None if rows is None else (rows if callable(rows) else lambda: rows))
    if missing:
        for c in missing:
            problems.add(1, c, "missing required column")
        problems.raise_if_any()
    if len(raw) == 0:
        raise InvalidInputFile(shown, 1, None, "no judgments")
    raw = raw.reset_index(drop=True)
    where = "line" if kind == "csv" else "record"
    row_of = problems.row_of

    column_scale = _check_scale_column(problems, raw, scale, where) if SCALE_COLUMN in columns else None
    if scale is None:
        scale = column_scale
    out: dict[str, pd.Series | np.ndarray] = {}
    for name in columns:
        if name in NUMERIC_COLUMNS or name.startswith(METRIC_PREFIX):
            values, bad = _number(raw[name])
            original = raw[name]
            if name not in ("preference", GOLD_COLUMN):
                problems.add_where(bad, name, lambda i, n=name, o=original: f"{n} must be a number, not {o.iloc[i]!r}")
            if name == "duration_s":
                negative = ~np.isnan(values) & (values < 0)
                problems.add_where(negative, name, lambda i, v=values: f"duration_s must be >= 0, not {v[i]:g}")
            out[name] = values
            if name in ("preference", GOLD_COLUMN):
                _check_preference(problems, name, original, values, bad, scale)
        else:
            out[name] = as_text(raw[name])

    for name in ID_COLUMNS:
        problems.add_where((out[name] == "").to_numpy(), name, lambda i, n=name: f"{n} is empty")
    criterion = out["criterion"] if "criterion" in out else pd.Series(DEFAULT_CRITERION, index=raw.index, dtype=str)
    criterion = criterion.where(criterion != "", DEFAULT_CRITERION)
    out["criterion"] = criterion

    # The system columns' codes on one list of systems (stripped names), so that they compare directly;
    # each column is factorised once, as spelt, for the spelling check too.
    present_systems = [c for c in SYSTEM_COLUMNS if c in out]
    spelt = {c: text_codes(_spelling(raw[c])) for c in present_systems}
    names = {c: np.array([str(u).strip() for u in uniques], dtype=object) for c, (_, uniques) in spelt.items()}
    systems = pd.Index(pd.unique(np.concatenate(list(names.values()))), dtype=object)
    code = {c: systems.get_indexer(names[c]).astype(np.int32)[codes] for c, (codes, _) in spelt.items()}
    empty_system = systems.get_loc("") if "" in systems else -2
    system_a, system_b = out["system_a"], out["system_b"]
    code_a, code_b = code["system_a"], code["system_b"]
    # a cell with a refused spelling gets that one message, not also the follow-on ones below
    misspelt = _check_system_spellings(problems, len(raw), spelt, where)
    del spelt
    same = (code_a == code_b) & (code_a != empty_system)
    problems.add_where(
        same & ~misspelt["system_a"] & ~misspelt["system_b"], "system_b",
        lambda i: f"system_a and system_b are both {system_a.iloc[i]!r}: a judgment compares two different systems",
    )
    if "left_system" in out:
        left, code_left = out["left_system"], code["left_system"]
        stray = (code_left != empty_system) & (code_left != code_a) & (code_left != code_b)
        stray = stray & ~(misspelt["left_system"] | misspelt["system_a"] | misspelt["system_b"])
        problems.add_where(
            stray, "left_system",
            lambda i: f"left_system {left.iloc[i]!r} is neither system_a ({system_a.iloc[i]!r}) "
            f"nor system_b ({system_b.iloc[i]!r})",
        )

    # One judgment per rater, item, pair and criterion; (a, b) and (b, a) are the same pair.
    parts = [text_codes(out[name], distinct=False)[0] for name in ("item_id", "rater_id")]
    parts += [text_codes(criterion, distinct=False)[0],
             np.minimum(code_a, code_b), np.maximum(code_a, code_b)]
    duplicate = _duplicated(parts)
    if not duplicate.any():
        del parts
    else:
        key = pd.DataFrame({str(k): part for k, part in enumerate(parts)})
        group = key.groupby(list(key.columns), sort=False).ngroup().to_numpy()
        _, first_index = np.unique(group, return_index=True)  # ngroup numbers groups 0..G-1
        first_of_row = first_index[group]
        problems.add_where(
            duplicate, "rater_id",
            lambda i: f"rater {out['rater_id'].iloc[i]!r} already judged item {out['item_id'].iloc[i]!r} "
            f"({system_a.iloc[i]} vs {system_b.iloc[i]}, criterion {criterion.iloc[i]!r}) "
            f"on {where} {row_of(first_of_row[i])}",
        )
    problems.raise_if_any()

    ordered = [c for c in CANONICAL_ORDER if c in out] + [c for c in columns if c not in CANONICAL_ORDER]
    # Text columns are pandas' Arrow-backed strings (compact, as read); not categoricals, whose categories a
    # filtered table would keep behind (an excluded rater would still be counted).
    frame = pd.DataFrame({name: _plain_text(out[name]) for name in ordered}, copy=False)
    return frame


def _plain_text(column):
    if isinstance(getattr(column, "dtype", None), pd.CategoricalDtype):  # a categorical given to us
        return column.astype(str)
    return column


def _duplicated(parts: list[np.ndarray]) -> np.ndarray:
    """Where a row repeats an earlier row's codes (every part a code array ≥ 0, or -1 for missing)."""
    key = np.zeros(len(parts[0]), dtype=np.int64)
    radix = 1
    for part in parts:
        size = int(part.max(initial=-1)) + 2  # -1 (missing) included
        radix *= size
        if radix >= 2**62:  # the key would overflow: let pandas hash the rows instead
            return pd.DataFrame({str(k): p for k, p in enumerate(parts)}).duplicated().to_numpy()
        key *= size  # in place: a million-row table makes no temporaries here
        key += part
        key += 1
    return pd.Series(key, copy=False).duplicated().to_numpy()


def _check_preference(problems: Problems, name: str, original: pd.Series, values, bad, scale: int | None) -> None:
    limit = 2 if scale is None else scale // 2
    wording = "from -2 to 2" if scale is None else f"from {-limit} to {limit} on the {scale}-point scale"
    what = "or empty for a skipped judgment" if name == "preference" else "or empty for an item without a gold answer"
    problems.add_where(bad, name,
                       lambda i: f"{name} must be a whole number {wording}, {what}; got {original.iloc[i]!r}")
    finite = ~np.isnan(values)
    fractional = finite & (values != np.round(np.where(finite, values, 0)))
    problems.add_where(fractional, name, lambda i: f"{name} must be a whole number {wording}; got {original.iloc[i]!r}")
    outside = finite & ~fractional & (np.abs(np.where(finite, values, 0)) > limit)
    problems.add_where(outside, name, lambda i: f"{name} {values[i]:g} is out of range: it must be {wording}")


def _spelling(series: pd.Series) -> pd.Series:
    """A text column exactly as written (surrounding spaces kept); missing → ""."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    if pd.api.types.is_string_dtype(series) and series.dtype != object:
        return series.fillna("") if series.hasnans else series
    if series.dtype == object:
        return pd.Series(
            ["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in series.tolist()],
            index=series.index, dtype=str,
        )
    return as_text(series)


def _check_system_spellings(problems: Problems, n: int, spelt: dict[str, tuple[np.ndarray, np.ndarray]],
                            where: str) -> dict[str, np.ndarray]:
    """Refuse system names that differ only by case or surrounding spaces; returns the refused cells per column.

    ``spelt`` holds each system column's (codes, distinct values) as written. The first spelling in the file
    (row order, then column order) is the one the others are named against. Works on the distinct
    spellings: a file has a handful of systems and millions of rows.
    """
    refused = {name: np.zeros(n, dtype=bool) for name in SYSTEM_COLUMNS}
    present = list(spelt)
    distinct = pd.Series(pd.unique(np.concatenate([uniques for _, uniques in spelt.values()])), dtype=object)
    distinct = distinct[distinct.str.strip() != ""]
    folded = distinct.str.strip().str.casefold()
    clashing = set(folded[folded.duplicated(keep=False)].tolist())
    if not clashing:
        return refused
    key_of = dict(zip(distinct.tolist(), folded.tolist()))
    spellings = [v for v in distinct.tolist() if key_of[v] in clashing]
    masks = {}
    for c, (codes, uniques) in spelt.items():
        for k, value in enumerate(uniques.tolist()):
            if value in key_of and key_of[value] in clashing:
                masks[c, value] = codes == k
    # the first spelling of each clashing name in file order (row, then column), and where it is
    first: dict[str, tuple[tuple[int, int], str]] = {}
    for k, name in enumerate(present):
        for spelling in spellings:
            mask = masks.get((name, spelling))
            if mask is not None:
                candidate = (int(np.argmax(mask)), k)
                key = key_of[spelling]
                if key not in first or candidate < first[key][0]:
                    first[key] = (candidate, spelling)
    for name in present:
        for spelling in spellings:
            (row, _), canonical = first[key_of[spelling]]
            mask = masks.get((name, spelling))
            if spelling == canonical or mask is None:
                continue
            refused[name] |= mask
            problems.add_where(
                mask, name,
                lambda i, a=spelling, b=canonical, r=row: f"system name {a!r} and {b!r} (on {where} "
                f"{problems.row_of(r)}) differ only by case or surrounding spaces: spell one system one way",
            )
    return refused


def _check_scale_column(problems: Problems, raw: pd.DataFrame, scale: int | None, where: str) -> int | None:
    """The scale a ``scale`` column declares (None when every cell is empty); its problems go to ``problems``."""
    codes, categories = text_codes(as_text(raw[SCALE_COLUMN]))
    present = (categories != "")[codes]
    valid = np.isin(categories, [str(s) for s in SCALES])[codes]
    values = categories
    problems.add_where(
        present & ~valid, SCALE_COLUMN,
        lambda i: f"scale must be 3 or 5 (the preference scale of the file), not {values[codes[i]]!r}",
    )
    declared_at = np.flatnonzero(present & valid)
    if not declared_at.size:
        return None
    first = int(declared_at[0])
    declared = int(values[codes[first]])
    differs = present & valid & (categories != str(declared))[codes]
    problems.add_where(
        differs, SCALE_COLUMN,
        lambda i: f"scale {values[codes[i]]} differs from scale {declared} on {where} {problems.row_of(first)}: "
        "a judgments file has one scale",
    )
    if scale is not None and scale != declared:
        conflict = np.zeros(len(codes), dtype=bool)
        conflict[first] = True
        problems.add_where(
            conflict, SCALE_COLUMN,
            lambda i: f"the scale column says {declared}-point but the scale given (--scale) is {scale}-point",
        )
    return declared
