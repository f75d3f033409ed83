"""The one reader of tabular input files (CSV, TSV, JSON Lines, Parquet) and the one problems collector.

Every command that reads a file of rows (``evalstore import`` for model outputs, ``evalstore analyze`` and
``evalstore report`` for judgments) reads it through ``read_table`` and reports what is wrong with it through
``Problems``, so a file is parsed one way and its problems are located one way:
``FILE:ROW:COLUMN: message``, where ROW is the 1-based physical line of a CSV/TSV file (the header is line 1;
a quoted field may span lines, so a record's line is not its record number) and the 1-based record number of
a JSON Lines or Parquet file, and COLUMN is the file's own column name (``-`` for the file as a whole).

A CSV file is parsed by pyarrow (about ten times faster than the csv module, and it reads straight from the
file); only when pyarrow refuses it, or a value does not fit a type the caller asked for, is it read again by
the csv module, which knows the line of every record and so can say exactly where the problem is. Both give
the same table for a file both accept.

A SQLite database is never read as a file: whether a path is one is asked of SQLite (``db.is_database``),
because reading a live database's bytes in a process that holds a connection to it drops that process's
locks on it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InvalidInput, InvalidInputFile

#: Problems put into words; the rest are counted ("... and N more problems"): enough to fix a file in one go,
#: bounded so that a completely wrong million-row file does not build a million-line message.
MAX_PROBLEMS = 200

#: extension → (kind, CSV delimiter)
EXTENSIONS = {
    ".csv": ("csv", ","), ".txt": ("csv", ","), ".tsv": ("csv", "\t"),
    ".jsonl": ("jsonl", None), ".ndjson": ("jsonl", None),
    ".parquet": ("parquet", None), ".pq": ("parquet", None),
}
SUPPORTED = ".csv, .tsv, .jsonl or .parquet"
SQLITE_MAGIC = b"SQLite format 3\x00"
PARQUET_MAGIC = b"PAR1"

#: The column type a caller may ask for (``read_table(types=...)``): the fast CSV path parses it directly.
NUMBER = "number"

csv.field_size_limit(2**31 - 1)

_CHUNK = 1 << 20


class Problems:
    """Every problem of one input file, kept until we know which to put into words.

    Problems are added with an explicit ROW (``add``), for a record by its 0-based position in the table
    (``add_record``), or for many records at once from a boolean mask (``add_where``). Records' ROW numbers
    are asked of ``rows`` only when a message is made, so a valid file never pays for locating its records.
    They are reported in file order (ROW, then column order, then the order found), the first
    ``MAX_PROBLEMS`` in words.
    """

    def __init__(self, path: str, columns: Iterable[str] = (), rows: Callable[[], np.ndarray] | None = None):
        self.path = str(path)
        self._position = {name: i for i, name in enumerate(columns)}
        self._rows_source = rows
        self._rows: np.ndarray | None = None
        # (ROW or None, record index or None, column, message) / (indices, column, message of an index)
        self._single: list[tuple[int | None, int | None, str | None, str | Callable[[], str]]] = []
        self._many: list[tuple[np.ndarray, str | None, Callable[[int], str]]] = []

    def add(self, row: int, column: str | None, message: str | Callable[[], str]) -> None:
        """A problem at ROW ``row`` (1 for the header, 0 for the file as a whole)."""
        self._single.append((int(row), None, column, message))

    def add_record(self, index: int, column: str | None, message: str | Callable[[], str]) -> None:
        """A problem of the record at 0-based position ``index``."""
        self._single.append((None, int(index), column, message))

    def add_where(self, mask: np.ndarray, column: str | None, message: Callable[[int], str]) -> None:
        """A problem of every record where ``mask`` is true; ``message(index)`` words one of them."""
        where = np.flatnonzero(mask)
        if where.size:
            self._many.append((where, column, message))

    def row_of(self, index: int) -> int:
        """The ROW number of the record at 0-based position ``index``."""
        if self._rows_source is None:
            return int(index) + 1
        if self._rows is None:
            self._rows = np.asarray(self._rows_source(), dtype=np.int64)
        return int(self._rows[index])

    @property
    def total(self) -> int:
        return len(self._single) + sum(len(where) for where, _, _ in self._many)

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self) -> None:
        """Raise ``InvalidInput`` with every problem found (none found: nothing happens)."""
        if not self.total:
            return
        entries: list[tuple[int, int, int, Callable[[], str]]] = []  # (row, column position, order, message)
        for order, (row, index, column, message) in enumerate(self._single):
            text = message if callable(message) else (lambda m=message: m)
            entries.append((row if row is not None else self.row_of(index), self._column(column), order,
                            column, text))
        base = len(self._single)
        for k, (where, column, message) in enumerate(self._many):
            # only the first MAX_PROBLEMS of each check can be among the first MAX_PROBLEMS overall
            for index in where[:MAX_PROBLEMS].tolist():
                entries.append((self.row_of(index), self._column(column), base + k, column,
                                lambda m=message, i=index: m(i)))
        entries.sort(key=lambda e: e[:3])
        shown = [InvalidInputFile(self.path, row, column, text()) for row, _, _, column, text in
                 entries[:MAX_PROBLEMS]]
        raise InvalidInput(shown, self.total)

    def _column(self, column: str | None) -> int:
        return -1 if column is None else self._position.get(column, len(self._position))


@dataclass
class Table:
    """A file's records, as read: CSV/TSV values are text, JSON Lines values as JSON has them, Parquet typed.

    ``arrow`` holds a CSV or Parquet file's columns, ``json_records`` a JSON Lines file's objects.
    """

    path: str
    kind: str  # csv | jsonl | parquet
    columns: list[str]
    arrow: Any = None
    json_records: list[dict] | None = None
    #: the SHA-256 of the file's bytes (``read_table(digest=True)``)
    sha256: str | None = None
    _rows: Callable[[], np.ndarray] | None = field(default=None, repr=False)
    _rows_cache: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        self._length = len(self.json_records) if self.json_records is not None else self.arrow.num_rows

    def __len__(self) -> int:
        return self._length

    def rows(self) -> np.ndarray:
        """The ROW number of every record (CSV: its first line; JSON Lines, Parquet: its record number)."""
        if self._rows_cache is None:
            self._rows_cache = np.arange(1, len(self) + 1) if self._rows is None else np.asarray(self._rows())
        return self._rows_cache

    def problems(self) -> Problems:
        """A problems collector for this file that locates records by their ROW numbers."""
        return Problems(self.path, self.columns, self.rows)

    def column(self, name: str) -> list[Any]:
        """One column's values as plain Python values (None where a JSON Lines record lacks the key)."""
        if self.json_records is not None:
            return [record.get(name) for record in self.json_records]
        return self.arrow.column(self.columns.index(name)).to_pylist()

    def records(self) -> list[dict[str, Any]]:
        """Every record as a dict of plain Python values (text, numbers, None, nested JSON)."""
        if self.json_records is not None:
            return self.json_records
        values = [self.arrow.column(i).to_pylist() for i in range(self.arrow.num_columns)]
        return [dict(zip(self.columns, row)) for row in zip(*values)]

    def frame(self, *, release: bool = False):
        """The records as a DataFrame (text columns as pandas' Arrow-backed strings).

        ``release=True`` hands the records over to the DataFrame, freeing each column as it is converted
        (a million-row file is not held twice); the table has no records afterwards.
        """
        import pandas as pd

        if self.json_records is not None:
            frame = pd.DataFrame.from_records(self.json_records, columns=self.columns)
            if release:
                self.json_records = []
            return frame
        if not release:
            return self.arrow.to_pandas(split_blocks=True)
        import pyarrow as pa

        arrow, self.arrow = self.arrow, None
        frame = arrow.to_pandas(split_blocks=True, self_destruct=True)
        del arrow
        pa.default_memory_pool().release_unused()
        return frame


# ---------------------------------------------------------------------------------------------------- paths


def check_path(path: str | Path, what: str) -> Path:
    """Refuse a path that is not a readable file of ``what`` (missing, a directory, a SQLite database or
    one of its -wal/-shm/-journal files); SQLite is asked, the bytes are never read."""
    from .db import is_companion, is_database

    shown, p = str(path), Path(path)
    if not p.exists():
        raise InvalidInputFile(shown, 0, None, "no such file")
    if p.is_dir():
        raise InvalidInputFile(shown, 0, None, "is a directory, not a file")
    if is_companion(p):
        raise InvalidInputFile(shown, 0, None, f"is a SQLite database's -wal/-shm/-journal file, not {what} "
                               "(give the database itself)")
    if is_database(p):
        raise InvalidInputFile(shown, 0, None, f"is a SQLite database, not {what}")
    return p


# ---------------------------------------------------------------------------------------------------- reading


def read_table(
    path: str | Path,
    *,
    what: str = "a table",
    types: Callable[[str], str | None] | None = None,
    digest: bool = False,
    unsupported_hint: str = "",
) -> Table:
    """Read a CSV, TSV, JSON Lines or Parquet file (chosen by its extension) with every record's position.

    Parameters
    ----------
    path : str or Path
        The file as the user gave it (shown verbatim as FILE in messages).
    what : str
        What the file should hold, for the refusal of a database ("a file of outputs", "judgments").
    types : callable, optional
        Column name → ``NUMBER`` or None (text): how the fast CSV path should parse a column (numbers as
        float64, empty = null). A value that is not a plain finite
        number makes the whole file be read as text instead, for the caller to say where and why.
    digest : bool
        Also compute ``Table.sha256`` of the file's bytes.
    unsupported_hint : str
        Appended to the message for an unsupported extension (e.g. ", or a study database").

    Raises
    ------
    InvalidInputFile, InvalidInput
        The file cannot be read as a table, located as ``FILE:ROW:COLUMN: message``.
    """
    shown = str(path)
    p = check_path(path, what)
    suffix = p.suffix.lower()
    kind, delimiter = EXTENSIONS.get(suffix, (None, None))
    head, sha256, blank, careful = _scan(p, digest, delimiter)
    if head.startswith(SQLITE_MAGIC):
        raise InvalidInputFile(shown, 0, None, "a damaged SQLite database (SQLite cannot read it)")
    if blank:
        raise InvalidInputFile(shown, 1, None, "the file is empty")
    if suffix not in EXTENSIONS:
        raise InvalidInputFile(shown, 0, None, f"unsupported file type '{suffix}' (use {SUPPORTED}{unsupported_hint})")
    if kind == "parquet":
        table = _read_parquet(shown, p, head)
    else:
        if head.startswith(PARQUET_MAGIC):
            raise InvalidInputFile(shown, 1, None, "this is a Parquet file, not text; give it a .parquet extension")
        # Excel's "Unicode text" is UTF-16: say so rather than "undecodable byte 0xff"
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InvalidInputFile(shown, 1, None, "the file is UTF-16 encoded; it must be UTF-8 (re-save it as UTF-8)")
        if kind == "jsonl":
            table = _read_jsonl(shown, p.read_bytes())
        else:
            table = None if careful else _read_csv_fast(shown, p, delimiter, types or (lambda name: None))
            if table is None:
                table = _read_csv_careful(shown, p.read_bytes(), delimiter)
    table.sha256 = sha256
    return table


def _scan(p: Path, digest: bool, delimiter: str | None) -> tuple[bytes, str | None, bool, bool]:
    """One pass over the file in blocks (nothing held in memory): its first bytes, SHA-256, whether it is
    only whitespace, and whether the careful path must read it (a NUL byte, or CSV quotes that the csv
    module would refuse and pyarrow would not)."""
    hasher = hashlib.sha256() if digest else None
    head, blank, careful = b"", True, False
    quotes = _QuoteCheck(delimiter) if delimiter else None
    with p.open("rb") as f:
        while chunk := f.read(_CHUNK * 8):
            if not head:
                head = chunk[:64]
            if hasher is not None:
                hasher.update(chunk)
            if blank and not chunk.isspace():
                blank = False
            if not careful and (b"\x00" in chunk or (quotes is not None and not quotes.feed(chunk))):
                careful = True
    if quotes is not None and not quotes.end():
        careful = True
    return head, hasher.hexdigest() if hasher else None, blank, careful


class _QuoteCheck:
    """Whether every double quote of a CSV file stands where RFC 4180 puts one, block by block.

    pyarrow reads ``"p"x`` as ``px``; the csv module (strict) refuses it. Quotes are counted: an odd one
    opens a quoted field (or is the second of an escaped pair) and must follow a delimiter, a line end, the
    start or a quote; an even one closes it and must be followed by a delimiter, a line end, the end or a
    quote. A quote anywhere else (also a literal one inside an unquoted field, which the csv module
    accepts) sends the file to the careful path, which then decides.
    """

    def __init__(self, delimiter: str):
        self.allowed = np.array([ord(delimiter), 10, 13, 34], dtype=np.uint8)
        self.count = 0
        self.last = 10  # the byte before the file: as after a line end
        self.closing_at_end = False  # the previous block ended on a closing quote

    def feed(self, chunk: bytes) -> bool:
        data = np.frombuffer(chunk, dtype=np.uint8)
        if self.closing_at_end and data[0] not in self.allowed:
            return False
        self.closing_at_end = False
        at = np.flatnonzero(data == 34)
        if at.size:
            number = self.count + np.arange(1, at.size + 1)
            before = np.where(at > 0, data[at - 1], self.last)
            opening = number % 2 == 1
            if np.any(opening & ~np.isin(before, self.allowed)):
                return False
            inside = at < data.size - 1
            after = data[np.minimum(at + 1, data.size - 1)]
            if np.any(~opening & inside & ~np.isin(after, self.allowed)):
                return False
            self.closing_at_end = bool(not opening[-1] and not inside[-1])
            self.count += int(at.size)
        self.last = int(data[-1])
        return True

    def end(self) -> bool:
        return self.count % 2 == 0  # an odd count: a quoted field never closed


def _decode(shown: str, data: bytes, kind: str, delimiter: str = ",") -> str:
    """The file's text (a UTF-8 byte-order mark dropped), or a located refusal."""
    nul = data.find(b"\x00")
    if nul >= 0:
        # the physical line the csv module would count (\n, \r\n or \r end a line)
        before = data[:nul].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        row = before.count(b"\n") + 1 if kind == "csv" else _jsonl_record_at(data, nul)
        raise InvalidInputFile(shown, row, None, "binary data (a NUL byte), not a UTF-8 text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start: exc.start + 1].hex()
        row, column = _locate_undecodable(data, exc.start, kind, delimiter)
        raise InvalidInputFile(
            shown, row, column, f"undecodable byte 0x{bad}: the file must be UTF-8 encoded (re-save it as UTF-8)",
        ) from None
    return text.removeprefix("\ufeff")


def _jsonl_record_at(data: bytes, offset: int) -> int:
    """The record number of the JSON Lines record holding byte ``offset`` (blank lines are not records)."""
    lines = data[:offset].split(b"\n")
    return sum(1 for line in lines[:-1] if line.strip()) + 1


def _holds(value: Any, low: str, high: str) -> bool:
    """Whether a decoded value (text, or JSON's dicts and lists of them) holds a character from low to high."""
    if isinstance(value, str):
        return any(low <= ch <= high for ch in value)
    if isinstance(value, dict):
        return any(_holds(k, low, high) or _holds(v, low, high) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds(v, low, high) for v in value)
    return False


def _has_surrogate(value: Any) -> bool:
    """An undecodable byte, kept by the "surrogateescape" decoding as U+DC80-U+DCFF."""
    return _holds(value, "\udc80", "\udcff")


def _lone_surrogate(value: Any) -> bool:
    """A \\ud800-\\udfff JSON escape without its pair: text that no UTF-8 file or database can hold."""
    return _holds(value, "\ud800", "\udfff")


def _locate_undecodable(data: bytes, offset: int, kind: str, delimiter: str) -> tuple[int, str | None]:
    """(ROW, COLUMN) of the undecodable byte at ``offset``, found by parsing the file with bad bytes kept as
    surrogates: CSV the line holding the byte and the header name of its field, JSON Lines the record
    number and the key whose value holds it."""
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
        # the line is counted the way the csv reader counts lines (\n, \r\n or \r)
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


def _check_header(shown: str, header: list[str]) -> list[str]:
    """The header's names, stripped; an empty or repeated name is refused (the repeat at its second place)."""
    names = [name.strip() for name in header]
    problems = Problems(shown, names)
    for position, name in enumerate(names):
        if not name:
            problems.add(1, f"#{position + 1}", "a column has an empty name in the header")
        elif name in names[:position]:
            problems.add(1, name, "the column appears twice in the header")
    problems.raise_if_any()
    return names


class _Fallback(Exception):
    """The fast CSV path cannot read this file as asked; the careful path will say why (or read it)."""


def _read_csv_fast(shown: str, p: Path, delimiter: str, types: Callable[[str], str | None]) -> Table | None:
    """pyarrow's parse of a CSV file, or None when the careful path must read it."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    try:
        with p.open(encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f, delimiter=delimiter, strict=True))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None
    names = _check_header(shown, header)
    column_types = {}
    for raw, name in zip(header, names):
        wanted = types(name)
        column_types[raw] = pa.float64() if wanted == NUMBER else pa.large_string()
    try:
        table = pacsv.read_csv(
            p,
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=column_types, null_values=[""], strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        if table.column_names != header:
            raise _Fallback
        for raw, name in zip(header, names):
            if types(name) == NUMBER:
                # "nan", "inf" parse as numbers; the careful path reads them as text and the caller refuses them
                column = table.column(raw)
                if pc.any(pc.invert(pc.is_finite(column))).as_py():
                    raise _Fallback
    except (pa.ArrowInvalid, _Fallback):
        return None
    table = table.rename_columns(names)
    if table.num_rows == 0:
        raise InvalidInputFile(shown, 2, None, "the file has a header but no rows")
    n_records = table.num_rows
    return Table(shown, "csv", names, arrow=table, _rows=lambda: _csv_rows(p, delimiter, n_records))


def _csv_rows(p: Path, delimiter: str, n_records: int) -> np.ndarray:
    """The first line of every record of a CSV file that pyarrow read."""
    data = p.read_bytes()
    # without quoted line breaks, blank lines or old Mac line ends, record i is on line i + 2
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if lines == n_records + 1 and b"\r" not in data:
        return np.arange(2, n_records + 2)
    text = data.decode("utf-8").removeprefix("\ufeff")
    return np.array([start for start, _ in _csv_records(text, delimiter)[1]])


def _csv_records(text: str, delimiter: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (first line, fields) of every record that is not blank, by the csv module."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = next(reader)
    records = []
    previous_end = reader.line_num
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _MalformedCsv(previous_end + 1, f"malformed CSV: {exc}") from None
        start, previous_end = previous_end + 1, reader.line_num
        if fields and not (len(fields) == 1 and not fields[0].strip()):  # a blank line is no record
            records.append((start, fields))
    return header, records


class _MalformedCsv(Exception):
    def __init__(self, line: int, message: str):
        self.line, self.message = line, message


def _read_csv_careful(shown: str, data: bytes, delimiter: str) -> Table:
    """The csv module's parse, which locates every record and every problem."""
    import pyarrow as pa

    text = _decode(shown, data, "csv", delimiter)
    try:
        header, records = _csv_records(text, delimiter)
    except StopIteration:
        raise InvalidInputFile(shown, 1, None, "the file is empty") from None
    except _MalformedCsv as exc:
        raise InvalidInputFile(shown, exc.line, None, exc.message) from None
    except csv.Error as exc:
        raise InvalidInputFile(shown, 1, None, f"not a valid CSV header: {exc}") from None
    names = _check_header(shown, header)
    problems = Problems(shown, names)
    good = []
    for start, fields in records:
        if len(fields) != len(names):
            problems.add(start, None, f"expected {len(names)} fields as in the header, found {len(fields)}")
        else:
            good.append((start, fields))
    problems.raise_if_any()
    if not good:
        raise InvalidInputFile(shown, 2, None, "the file has a header but no rows")
    columns = list(zip(*(fields for _, fields in good)))
    table = pa.table({str(i): pa.array(values, pa.string()) for i, values in enumerate(columns)})
    table = table.rename_columns(names)
    rows = np.array([start for start, _ in good])
    return Table(shown, "csv", names, arrow=table, _rows=lambda: rows)


def _read_jsonl(shown: str, data: bytes) -> Table:
    text = _decode(shown, data, "jsonl")
    records, columns, problems = [], {}, Problems(shown)
    numbers = []
    number = 0
    # split on \n only: str.splitlines() also splits on U+2028, U+2029, U+0085, \x0c ..., which JSON allows
    # unescaped inside strings (json.dumps(ensure_ascii=False) writes them)
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
        stripped = {str(key).strip(): v for key, v in value.items()}
        if "\\u" in line:  # only a \uXXXX escape can make a lone surrogate, which no UTF-8 text can hold
            lone = next((key for key, v in stripped.items() if _lone_surrogate(key) or _lone_surrogate(v)), None)
            if lone is not None:
                problems.add(number, lone, "text is not valid Unicode (a \\ud800-\\udfff escape without its pair)")
                continue
        for key in stripped:
            columns.setdefault(key, None)
        records.append(stripped)
        numbers.append(number)
    problems.raise_if_any()
    if not records:
        raise InvalidInputFile(shown, 1, None, "the file has no records")
    rows = np.array(numbers)
    return Table(shown, "jsonl", list(columns), json_records=records, _rows=lambda: rows)


def _read_parquet(shown: str, p: Path, head: bytes) -> Table:
    if not head.startswith(PARQUET_MAGIC):
        raise InvalidInputFile(shown, 1, None, "not a Parquet file (no PAR1 magic bytes)")
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        names = pq.ParquetFile(p).schema_arrow.names
        # a repeated column name made pyarrow fail with a multi-line schema dump
        stripped = [str(name).strip() for name in names]
        problems = Problems(shown, stripped)
        for position, name in enumerate(stripped):
            if name in stripped[:position]:
                problems.add(1, name, "the column appears twice in the file")
        problems.raise_if_any()
        table = pq.read_table(p)
    except InvalidInput:
        raise
    except Exception as exc:  # pyarrow raises many kinds for a corrupt file
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidInputFile(shown, 1, None, f"unreadable Parquet file: {first_line}") from None
    if table.num_rows == 0:
        raise InvalidInputFile(shown, 1, None, "the file has no records")
    table = table.rename_columns(stripped)
    # Text must be UTF-8: a binary column is decoded, and a string column holding bytes that are not UTF-8
    # (other writers do produce these) is located rather than failing in to_pylist with a bare error.
    problems = Problems(shown, stripped)
    for i, name in enumerate(stripped):
        column = table.column(i)
        binary = pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type) \
            or pa.types.is_fixed_size_binary(column.type)
        if not binary:
            if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
                continue
            try:
                column.validate(full=True)
                continue
            except pa.ArrowInvalid:
                column = column.cast(pa.large_binary())
        decoded = []
        for k, raw in enumerate(column.to_pylist()):
            try:
                decoded.append(None if raw is None else raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                problems.add(k + 1, name, f"undecodable byte 0x{raw[exc.start:exc.start + 1].hex()}: "
                                          "text in the file must be UTF-8 encoded")
                decoded.append(None)
        table = table.set_column(i, name, pa.array(decoded, pa.string()))
    problems.raise_if_any()
    return Table(shown, "parquet", stripped, arrow=table)
