"""Read and validate the canonical judgments table: one row per judgment, from a file or a study database.

The canonical layout (also what ``evalstore export`` writes):

- required: ``item_id, rater_id, system_a, system_b, preference``
- optional: ``criterion`` (default ``overall``), ``left_system`` (which system was shown on the left),
  ``flag``, ``rationale``, ``duration_s``, ``submitted_at``, ``gold_preference`` (the expected preference
  on gold items, empty elsewhere), metadata columns (category, language, ...), and per-output metric pairs
  ``metric_<name>_a`` / ``metric_<name>_b``.

``preference`` is a whole number: negative = system_a better, positive = system_b better, 0 = tie, empty =
skipped; -1..1 on the 3-point scale, -2..2 on the 5-point scale.

The scale of a judgments file comes from ``--scale``, else from an optional ``scale`` column (3 or 5, the same
on every row), else it is inferred from the values (any ±2 → 5) and ``JudgmentsInput.warnings`` says so; a
preference outside a declared scale is an error at its row. A study database always uses its own scale.

One system has one spelling: names in ``system_a``, ``system_b`` and ``left_system`` that differ only by case or
surrounding spaces (``finetuned`` / ``Finetuned`` / `` finetuned ``) are refused, naming both spellings, rather
than read as two systems.

Every problem is reported as ``FILE:ROW:COLUMN: message`` (``errors.InvalidInputFile``), all of them at once
(``errors.InvalidInput``). ROW is the 1-based line of a CSV file (the header is line 1) and the 1-based
record number of a JSONL or Parquet file. A duplicate judgment is reported at its second occurrence.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import EvalstoreError, InvalidInput, InvalidInputFile

REQUIRED_COLUMNS = ("item_id", "rater_id", "system_a", "system_b", "preference")
ID_COLUMNS = ("item_id", "rater_id", "system_a", "system_b")
CANONICAL_ORDER = (
    "item_id", "rater_id", "criterion", "system_a", "system_b", "preference", "left_system",
    "flag", "rationale", "duration_s", "submitted_at", "scale", "gold_preference",
)
NUMERIC_COLUMNS = ("preference", "duration_s", "gold_preference")
SYSTEM_COLUMNS = ("system_a", "system_b", "left_system")
SCALE_COLUMN = "scale"
METRIC_PREFIX = "metric_"
DEFAULT_CRITERION = "overall"
SCALES = (3, 5)
SQLITE_MAGIC = b"SQLite format 3\x00"

# Problems turned into messages; the rest are counted ("... and N more problems").
MAX_PROBLEMS = 200

csv.field_size_limit(2**31 - 1)


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
    """Read judgments from a CSV / JSONL / Parquet file or a study database (SQLite tells which).

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
        ``input_sha256`` is the SHA-256 of the file's bytes, or for a database of the exported canonical
        table as CSV (UTF-8, no index). ``scale`` is always set; ``scale_source`` says where it came from.

    Raises
    ------
    EvalstoreError
        ``InvalidInputFile`` / ``InvalidInput`` for a bad file, ``UnknownStudy`` for a bad study name.
    """
    shown = str(path)
    p = Path(path)
    if not p.exists():
        raise InvalidInputFile(shown, 0, None, "no such file")
    if p.is_dir():
        raise InvalidInputFile(shown, 0, None, "is a directory, not a file")
    from .db import is_companion, is_database

    # SQLite is asked, never the file's bytes: this runs in the server, beside its live connection
    if is_database(p):
        return _load_database(shown, study, scale)
    if is_companion(p):
        raise InvalidInputFile(shown, 0, None, "is a SQLite database's -wal/-shm/-journal file, not judgments "
                               "(give the database itself)")
    if study is not None:
        raise EvalstoreError(f"{shown} is a judgments file, not a study database: a study name does not apply to it")
    data = p.read_bytes()
    if data.startswith(SQLITE_MAGIC):
        raise InvalidInputFile(shown, 0, None, "a damaged SQLite database (SQLite cannot read it)")
    raw, rows, kind = read_raw(shown, data)
    frame = validate_judgments(raw, path=shown, rows=rows, scale=scale, kind=kind)
    digest = hashlib.sha256(data).hexdigest()
    if scale is not None:
        return JudgmentsInput(frame, digest, kind, scale=scale, scale_source="option")
    declared = declared_scale(frame)
    if declared is not None:
        return JudgmentsInput(frame, digest, kind, scale=declared, scale_source="column")
    inferred = infer_scale(frame["preference"].to_numpy())
    return JudgmentsInput(
        frame, digest, kind, scale=inferred, scale_source="inferred",
        warnings=[_inferred_scale_warning(shown, frame, rows, kind, inferred)],
    )


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
    from . import export
    from .db import open_db
    from .studies import get_study

    db = open_db(shown, readonly=True)
    try:
        chosen = get_study(db, study)
        table = export.judgments_frame(db, chosen.name)
    finally:
        db.close()
    if scale is not None and scale != chosen.scale:
        raise EvalstoreError(
            f"{shown}: study {chosen.name!r} uses the {chosen.scale}-point scale; a study database always uses its "
            f"own scale, so --scale {scale} does not apply"
        )
    digest = hashlib.sha256(table.to_csv(index=False).encode("utf-8")).hexdigest()
    frame = validate_judgments(table, path=shown, scale=chosen.scale, kind="database")
    return JudgmentsInput(
        frame, digest, "database", study=chosen.name, scale=chosen.scale,
        overlap=chosen.overlap, baseline=chosen.baseline, scale_source="study",
    )


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
# Reading files into raw frames


def read_raw(shown: str, data: bytes) -> tuple[pd.DataFrame, Callable[[], np.ndarray], str]:
    """Parse a file's bytes by its extension: (raw frame, a function giving each row's ROW number, kind)."""
    suffix = Path(shown).suffix.lower()
    if not data.strip():
        raise InvalidInputFile(shown, 1, None, "the file is empty")
    if suffix in (".parquet", ".pq"):
        return _read_parquet(shown, data)
    if suffix in (".jsonl", ".ndjson"):
        return _read_jsonl(shown, data)
    if suffix == ".csv":
        return _read_csv(shown, data)
    raise InvalidInputFile(
        shown, 0, None, f"unsupported file type '{suffix}' (use .csv, .jsonl or .parquet, or a study database)"
    )


def _decode(shown: str, data: bytes) -> str:
    if data.startswith(b"PAR1"):
        raise InvalidInputFile(shown, 1, None, "this is a Parquet file, not text; give it a .parquet extension")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInputFile(
            shown, line, None,
            f"undecodable byte 0x{data[exc.start:exc.start + 1].hex()}: the file must be UTF-8 (re-save it as UTF-8)",
        ) from None
    if "\x00" in text:
        raise InvalidInputFile(shown, text[: text.index("\x00")].count("\n") + 1, None, "binary data, not text")
    return text.removeprefix("\ufeff")


def _csv_record_lines(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Header and (start line, number of fields) of every non-blank record, by the csv module."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = next(reader)
    records = []
    previous_end = reader.line_num
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _CsvError(previous_end + 1, f"malformed CSV: {exc}") from None
        start, previous_end = previous_end + 1, reader.line_num
        if fields:  # a blank line, skipped like pyarrow does
            records.append((start, len(fields)))
    return header, records


class _CsvError(Exception):
    def __init__(self, line: int, message: str):
        self.line, self.message = line, message


def _read_csv(shown: str, data: bytes):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    text = _decode(shown, data)
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), strict=True))
    except (StopIteration, csv.Error) as exc:
        raise InvalidInputFile(shown, 1, None, f"not a valid CSV header: {exc}") from None
    header = [name.strip() for name in header]
    problems = []
    for position, name in enumerate(header):
        if not name:
            problems.append(InvalidInputFile(shown, 1, f"#{position + 1}", "a column has an empty name in the header"))
        elif name in header[:position]:
            problems.append(InvalidInputFile(shown, 1, name, "the column appears twice in the header"))
    if problems:
        raise InvalidInput(problems)
    # pyarrow parses ~10x faster than the csv module and, unlike pandas, rejects rows with a missing field.
    # Everything is read as text; validate_judgments decides what must be numeric and says where it is not.
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        _raise_csv_shape_error(shown, text, len(header), str(exc))
    raw = table.to_pandas()
    if len(raw) == 0:
        raise InvalidInputFile(shown, 2, None, "the file has a header but no rows")

    def rows() -> np.ndarray:
        # Without quoted line breaks or blank lines, record i is on line i + 2; otherwise ask the csv module.
        n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        if n_lines == len(raw) + 1:
            return np.arange(2, len(raw) + 2)
        return np.array([start for start, _ in _csv_record_lines(text)[1]])

    return raw, rows, "csv"


def _raise_csv_shape_error(shown: str, text: str, n_columns: int, detail: str):
    try:
        _, records = _csv_record_lines(text)
    except _CsvError as exc:
        raise InvalidInputFile(shown, exc.line, None, exc.message) from None
    bad = [(start, n) for start, n in records if n != n_columns]
    if not bad:
        raise InvalidInputFile(shown, 0, None, f"malformed CSV: {detail}") from None
    problems = [
        InvalidInputFile(shown, start, None, f"expected {n_columns} fields as in the header, found {n}")
        for start, n in bad[:MAX_PROBLEMS]
    ]
    raise InvalidInput(problems, len(bad)) from None


def _read_jsonl(shown: str, data: bytes):
    text = _decode(shown, data)
    records, numbers, problems = [], [], []
    number = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        number += 1
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == 1:
                raise InvalidInputFile(shown, 1, None, f"not JSON Lines: {exc.msg}") from None
            problems.append(InvalidInputFile(shown, number, None, f"not valid JSON: {exc.msg}"))
            continue
        if not isinstance(value, dict):
            problems.append(InvalidInputFile(shown, number, None, "each line must be a JSON object"))
            continue
        records.append(value)
        numbers.append(number)
    if problems:
        raise InvalidInput(problems[:MAX_PROBLEMS], len(problems))
    if not records:
        raise InvalidInputFile(shown, 1, None, "the file has no records")
    raw = pd.DataFrame.from_records(records)
    raw.columns = [str(c).strip() for c in raw.columns]
    rows = np.array(numbers)
    return raw, lambda: rows, "jsonl"


def _read_parquet(shown: str, data: bytes):
    if not data.startswith(b"PAR1"):
        raise InvalidInputFile(shown, 1, None, "not a Parquet file (no PAR1 magic bytes)")
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except Exception as exc:  # pyarrow raises many kinds for a corrupt file
        raise InvalidInputFile(shown, 1, None, f"unreadable Parquet file: {exc}") from None
    raw = table.to_pandas()
    if len(raw) == 0:
        raise InvalidInputFile(shown, 1, None, "the file has no records")
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw, lambda: np.arange(1, len(raw) + 1), "parquet"


# ---------------------------------------------------------------------------------------------------------
# Validation


def as_text(series: pd.Series) -> pd.Series:
    """Any column as stripped text; missing → ""."""
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
        return series.fillna("").str.strip()
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


def _number(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values, bad): float values (NaN = empty) and where a non-empty value is not a finite number."""
    if pd.api.types.is_bool_dtype(series):
        return np.full(len(series), np.nan), series.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.where(np.isinf(values), np.nan, values), np.isinf(values)
    text = as_text(series)
    present = (text != "").to_numpy()
    values = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = present & ~np.isfinite(values)
    return np.where(bad, np.nan, values), bad


class _Problems:
    """Problems found by vectorised checks, kept as index arrays until we know which to put into words."""

    def __init__(self, columns: list[str]):
        self.position = {name: i for i, name in enumerate(columns)}
        self.checks: list[tuple[np.ndarray, str, Callable[[int], str]]] = []

    def add(self, mask: np.ndarray, column: str, message: Callable[[int], str]) -> None:
        where = np.flatnonzero(mask)
        if where.size:
            self.checks.append((where, column, message))

    @property
    def total(self) -> int:
        return sum(len(where) for where, _, _ in self.checks)

    def raise_if_any(self, shown: str, rows: np.ndarray) -> None:
        if not self.checks:
            return
        index = np.concatenate([where for where, _, _ in self.checks])
        check = np.concatenate([np.full(len(where), i) for i, (where, _, _) in enumerate(self.checks)])
        column = np.array([self.position.get(self.checks[i][1], -1) for i in check])
        first = np.lexsort((column, index))[:MAX_PROBLEMS]  # file order, then column order
        problems = []
        for k in first:
            _, column_name, message = self.checks[check[k]]
            problems.append(InvalidInputFile(shown, int(rows[index[k]]), column_name, message(int(index[k]))))
        raise InvalidInput(problems, self.total)


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
        (missing → ""; ``criterion`` missing → "overall"); ``preference`` (NaN = skipped), ``duration_s``,
        ``gold_preference`` and every ``metric_*`` column as float64. Canonical columns first.

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
    if missing:
        raise InvalidInput([InvalidInputFile(shown, 1, c, "missing required column") for c in missing])
    if len(raw) == 0:
        raise InvalidInputFile(shown, 1, None, "no judgments")
    raw = raw.reset_index(drop=True)
    where = "line" if kind == "csv" else "record"
    _rows_cache: list[np.ndarray] = []

    def row_numbers() -> np.ndarray:
        if not _rows_cache:
            if rows is None:
                _rows_cache.append(np.arange(1, len(raw) + 1))
            else:
                _rows_cache.append(np.asarray(rows() if callable(rows) else rows))
        return _rows_cache[0]

    problems = _Problems(columns)
    column_scale = _check_scale_column(problems, raw, scale, row_numbers, where) if SCALE_COLUMN in columns else None
    if scale is None:
        scale = column_scale
    out: dict[str, pd.Series | np.ndarray] = {}
    for name in columns:
        if name in NUMERIC_COLUMNS or name.startswith(METRIC_PREFIX):
            values, bad = _number(raw[name])
            original = raw[name]
            if name not in ("preference", "gold_preference"):
                problems.add(bad, name, lambda i, n=name, o=original: f"{n} must be a number, not {o.iloc[i]!r}")
            if name == "duration_s":
                negative = ~np.isnan(values) & (values < 0)
                problems.add(negative, name, lambda i, v=values: f"duration_s must be >= 0, not {v[i]:g}")
            out[name] = values
            if name in ("preference", "gold_preference"):
                _check_preference(problems, name, original, values, bad, scale)
        else:
            out[name] = as_text(raw[name])

    for name in ID_COLUMNS:
        problems.add((out[name] == "").to_numpy(), name, lambda i, n=name: f"{n} is empty")
    criterion = out["criterion"] if "criterion" in out else pd.Series(DEFAULT_CRITERION, index=raw.index, dtype=str)
    criterion = criterion.where(criterion != "", DEFAULT_CRITERION)
    out["criterion"] = criterion

    system_a, system_b = out["system_a"], out["system_b"]
    # a cell with a refused spelling gets that one message, not also the follow-on ones below
    misspelt = _check_system_spellings(problems, raw, row_numbers, where)
    same = ((system_a == system_b) & (system_a != "")).to_numpy()
    problems.add(
        same & ~misspelt["system_a"] & ~misspelt["system_b"], "system_b",
        lambda i: f"system_a and system_b are both {system_a.iloc[i]!r}: a judgment compares two different systems",
    )
    if "left_system" in out:
        left = out["left_system"]
        stray = ((left != "") & (left != system_a) & (left != system_b)).to_numpy()
        stray = stray & ~(misspelt["left_system"] | misspelt["system_a"] | misspelt["system_b"])
        problems.add(
            stray, "left_system",
            lambda i: f"left_system {left.iloc[i]!r} is neither system_a ({system_a.iloc[i]!r}) "
            f"nor system_b ({system_b.iloc[i]!r})",
        )

    # One judgment per rater, item, pair and criterion; (a, b) and (b, a) are the same pair.
    low = system_a.where(system_a <= system_b, system_b)
    high = system_b.where(system_a <= system_b, system_a)
    key = pd.DataFrame({"i": out["item_id"], "r": out["rater_id"], "c": criterion, "lo": low, "hi": high})
    group = key.groupby(list(key.columns), sort=False, dropna=False).ngroup().to_numpy()
    _, first_index = np.unique(group, return_index=True)  # ngroup numbers groups 0..G-1
    first_of_row = first_index[group]
    duplicate = first_of_row != np.arange(len(group))
    problems.add(
        duplicate, "rater_id",
        lambda i: f"rater {out['rater_id'].iloc[i]!r} already judged item {out['item_id'].iloc[i]!r} "
        f"({system_a.iloc[i]} vs {system_b.iloc[i]}, criterion {criterion.iloc[i]!r}) "
        f"on {where} {int(row_numbers()[first_of_row[i]])}",
    )
    if problems.total:
        problems.raise_if_any(shown, row_numbers())

    ordered = [c for c in CANONICAL_ORDER if c in out] + [c for c in columns if c not in CANONICAL_ORDER]
    frame = pd.DataFrame({name: out[name] for name in ordered})
    return frame


def _check_preference(problems: _Problems, name: str, original: pd.Series, values, bad, scale: int | None) -> None:
    limit = 2 if scale is None else scale // 2
    wording = "from -2 to 2" if scale is None else f"from {-limit} to {limit} on the {scale}-point scale"
    what = "or empty for a skipped judgment" if name == "preference" else "or empty for an item without a gold answer"
    problems.add(bad, name, lambda i: f"{name} must be a whole number {wording}, {what}; got {original.iloc[i]!r}")
    finite = ~np.isnan(values)
    fractional = finite & (values != np.round(np.where(finite, values, 0)))
    problems.add(fractional, name, lambda i: f"{name} must be a whole number {wording}; got {original.iloc[i]!r}")
    outside = finite & ~fractional & (np.abs(np.where(finite, values, 0)) > limit)
    problems.add(outside, name, lambda i: f"{name} {values[i]:g} is out of range: it must be {wording}")


def _spelling(series: pd.Series) -> pd.Series:
    """A text column exactly as written (surrounding spaces kept); missing → ""."""
    if pd.api.types.is_string_dtype(series) and series.dtype != object:
        return series.fillna("")
    if series.dtype == object:
        return pd.Series(
            ["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in series.tolist()],
            index=series.index, dtype=str,
        )
    return as_text(series)


def _check_system_spellings(problems: _Problems, raw: pd.DataFrame, row_numbers, where: str) -> dict[str, np.ndarray]:
    """Refuse system names that differ only by case or surrounding spaces; returns the refused cells per column.

    The first spelling in the file (row order, then column order) is the one the others are named against.
    """
    n = len(raw)
    refused = {name: np.zeros(n, dtype=bool) for name in SYSTEM_COLUMNS}
    present = [c for c in SYSTEM_COLUMNS if c in raw.columns]
    spelt = {c: _spelling(raw[c]).to_numpy(dtype=object) for c in present}
    # Work on the distinct spellings first: a file has a handful of systems and millions of rows.
    distinct = pd.Series(pd.unique(np.concatenate(list(spelt.values()))), dtype=object)
    distinct = distinct[distinct.str.strip() != ""]
    keys = distinct.str.strip().str.casefold()
    clashing = set(keys[keys.duplicated(keep=False)].tolist())
    if not clashing:
        return refused
    key_of = dict(zip(distinct.tolist(), keys.tolist()))
    spellings = [v for v in distinct.tolist() if key_of[v] in clashing]
    # the first spelling of each clashing name in file order (row, then column), and where it is
    first: dict[str, tuple[tuple[int, int], str]] = {}
    for k, name in enumerate(present):
        for spelling in spellings:
            where_spelt = np.flatnonzero(spelt[name] == spelling)
            if where_spelt.size:
                candidate = (int(where_spelt[0]), k)
                key = key_of[spelling]
                if key not in first or candidate < first[key][0]:
                    first[key] = (candidate, spelling)
    for name in present:
        for spelling in spellings:
            (row, _), canonical = first[key_of[spelling]]
            if spelling == canonical:
                continue
            mask = spelt[name] == spelling
            refused[name] |= mask
            problems.add(
                mask, name,
                lambda i, a=spelling, b=canonical, r=row: f"system name {a!r} and {b!r} (on {where} "
                f"{int(row_numbers()[r])}) differ only by case or surrounding spaces: spell one system one way",
            )
    return refused


def _check_scale_column(
    problems: _Problems, raw: pd.DataFrame, scale: int | None, row_numbers, where: str
) -> int | None:
    """The scale a ``scale`` column declares (None when every cell is empty); its problems go to ``problems``."""
    text = as_text(raw[SCALE_COLUMN])
    values = text.to_numpy(dtype=object)
    present = values != ""
    valid = np.isin(values, [str(s) for s in SCALES])
    problems.add(
        present & ~valid, SCALE_COLUMN,
        lambda i: f"scale must be 3 or 5 (the preference scale of the file), not {values[i]!r}",
    )
    declared_at = np.flatnonzero(present & valid)
    if not declared_at.size:
        return None
    first = int(declared_at[0])
    declared = int(values[first])
    differs = present & valid & (values != str(declared))
    problems.add(
        differs, SCALE_COLUMN,
        lambda i: f"scale {values[i]} differs from scale {declared} on {where} {int(row_numbers()[first])}: "
        "a judgments file has one scale",
    )
    if scale is not None and scale != declared:
        conflict = np.zeros(len(values), dtype=bool)
        conflict[first] = True
        problems.add(
            conflict, SCALE_COLUMN,
            lambda i: f"the scale column says {declared}-point but the scale given (--scale) is {scale}-point",
        )
    return declared
