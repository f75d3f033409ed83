"""A corpus of malformed files, each given to both `evalstore import` and `evalstore analyze`.

Both commands read files through the one reader, so each refuses each file the same way: exit status 1,
one line ``FILE:ROW:COLUMN: message`` on stderr naming the right row and column, no traceback; and the
import writes nothing (every table's row count is unchanged).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evalstore.db import open_db, table_counts

# A header both commands accept: outputs of two systems for import, a judgment for analyze.
HEADER = "item_id,prompt,output_base,output_ft,rater_id,system_a,system_b,preference\n"
ROW = "q{n},Prompt {n},answer a {n},answer b {n},ann,base,ft,1\n"
GOOD = HEADER + "".join(ROW.format(n=n) for n in range(1, 4))
RECORDS = [dict(item_id=f"q{n}", prompt=f"Prompt {n}", output_base=f"a {n}", output_ft=f"b {n}", rater_id="ann",
                system_a="base", system_b="ft", preference=1) for n in range(1, 4)]


@dataclass
class Case:
    name: str
    file: str
    make: object  # bytes, or a function(path) writing the file
    row: int | None  # None: the message is not about one position (e.g. another SQLite file)
    column: str = "-"
    contains: str = ""
    commands: tuple[str, ...] = ("import", "analyze")


def _jsonl(records) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def _parquet_duplicate_columns(path: Path) -> None:
    arrays = [pa.array([r[k] for r in RECORDS]) for k in RECORDS[0]] + [pa.array(["x"] * 3)]
    pq.write_table(pa.Table.from_arrays(arrays, names=list(RECORDS[0]) + ["prompt"]), path)


def _parquet_bad_utf8(path: Path) -> None:
    data = {k: [r[k] for r in RECORDS] for k in RECORDS[0]}
    values = [b"fine", b"caf\xe9", b"fine"]
    data["prompt"] = pa.Array.from_buffers(pa.string(), 3, pa.array(values, type=pa.binary()).buffers())
    pq.write_table(pa.table(data), path)


def _parquet_truncated(path: Path) -> None:
    pq.write_table(pa.Table.from_pylist(RECORDS * 20), path)
    path.write_bytes(path.read_bytes()[:200])


def _other_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (x)")
        conn.execute("INSERT INTO notes VALUES (1)")
    conn.close()


def _wal_of_a_database(path: Path) -> None:
    database = Path(str(path)[: -len("-wal")])
    open_db(database).conn.close()
    path.write_bytes(b"not really a wal")


CASES = [
    Case("latin-1 byte in a field", "latin1.csv", (HEADER + "q1,Prompt,a,b,ann,base,ft,1\n").encode()
         + "q2,café,a,b,ann,base,ft,1\n".encode("latin-1"), 3, "prompt", "0xe9"),
    Case("latin-1 byte in the header", "latin1-header.csv", "item_id,prompté\nq1,p\n".encode("latin-1"), 1,
         contains="UTF-8"),
    Case("UTF-16 with a byte-order mark", "utf16.csv", GOOD.encode("utf-16"), 1, contains="UTF-16"),
    Case("UTF-16 JSON Lines", "utf16.jsonl", _jsonl(RECORDS).decode().encode("utf-16"), 1, contains="UTF-16"),
    Case("ragged row", "ragged.csv", (GOOD + "q9,p,a\n").encode(), 5, contains="expected 8 fields"),
    Case("ragged row after a quoted line break", "ragged-multiline.csv",
         (HEADER + 'q1,"two\nlines",a,b,ann,base,ft,1\nq2,p\n').encode(), 4, contains="found 2"),
    Case("duplicate header column", "dup-header.csv", (HEADER.strip() + ",prompt\n" + "q1,p,a,b,ann,base,ft,1,x\n")
         .encode(), 1, "prompt", "twice"),
    Case("empty column name", "empty-name.csv", b"item_id,,prompt\nq1,x,p\n", 1, "#2", "empty name"),
    Case("empty file", "empty.csv", b"", 1, contains="empty"),
    Case("only blank lines", "blank.jsonl", b"\n  \n\n", 1, contains="empty"),
    Case("header only", "header.csv", HEADER.encode(), 2, contains="no rows"),
    Case("header and blank lines", "header-blank.csv", (HEADER + "\n\n").encode(), 2, contains="no rows"),
    Case("NUL byte", "nul.csv", (HEADER + "q1,p,a,b,ann,base,ft,1\nq2,p\x00,a,b,ann,base,ft,1\n").encode(), 3,
         contains="NUL"),
    Case("binary garbage", "garbage.csv", bytes(range(256)) * 8, 1, contains="binary"),
    Case("malformed quoting", "quotes.csv", (HEADER + 'q1,"p"x,a,b,ann,base,ft,1\n').encode(), 2,
         contains="malformed CSV"),
    Case("bad JSON line", "bad-line.jsonl", _jsonl(RECORDS[:1]) + b"\n" + _jsonl(RECORDS[1:2])[:-6] + b"\n", 2,
         contains="not valid JSON"),
    Case("first JSON line is not JSON", "not-json.jsonl", b"item_id,prompt\nq1,p\n", 1, contains="not JSON Lines"),
    Case("a JSON array instead of an object", "array.jsonl", _jsonl(RECORDS[:1]) + b"[1, 2]\n", 2,
         contains="JSON object"),
    Case("a lone surrogate escape in a JSON value", "surrogate.jsonl", _jsonl(RECORDS[:1])
         + _jsonl(RECORDS[1:2]).replace(b"Prompt 2", b"Prompt \\ud800"), 2, "prompt", "not valid Unicode"),
    Case("latin-1 byte in a JSON value", "latin1.jsonl", _jsonl(RECORDS[:1]) + b"\n"
         + _jsonl(RECORDS[1:2]).replace(b"Prompt 2", b"Prompt \xe9"), 2, "prompt", "0xe9"),
    Case("Parquet with a repeated column", "dup.parquet", _parquet_duplicate_columns, 1, "prompt", "twice"),
    Case("Parquet text that is not UTF-8", "bad-utf8.parquet", _parquet_bad_utf8, 2, "prompt", "0xe9"),
    Case("truncated Parquet", "truncated.parquet", _parquet_truncated, 1, contains="Parquet"),
    Case("CSV named .parquet", "text.parquet", GOOD.encode(), 1, contains="not a Parquet file"),
    Case("Parquet named .csv", "parquet.csv", lambda p: pq.write_table(pa.Table.from_pylist(RECORDS), p), 1,
         contains=".parquet extension"),
    Case("TSV with a latin-1 byte", "latin1.tsv", HEADER.replace(",", "\t").encode()
         + b"q1\tPrompt\ta\tb\tann\tbase\tft\t1\n" + "q2\tx\tcafé\tb\tann\tbase\tft\t1\n".encode("latin-1"),
         3, "output_base", "0xe9"),
    Case("TSV with a ragged row", "ragged.tsv", (HEADER + "q1,p\n").replace(",", "\t").encode(), 2,
         contains="expected 8 fields"),
    Case("unsupported extension", "book.xlsx", b"PK\x03\x04 not a table", 0, contains="unsupported file type"),
    Case("a -wal file", "study.db-wal", _wal_of_a_database, 0, contains="-wal/-shm/-journal"),
    Case("a SQLite database given as outputs", "other.db", _other_sqlite, 0, contains="is a SQLite database",
         commands=("import",)),
    Case("a SQLite database that is no study", "other.db", _other_sqlite, None, commands=("analyze",)),
    Case("a damaged SQLite database", "damaged.csv", b"SQLite format 3\x00" + b"\x00" * 200, 0,
         contains="damaged SQLite"),
    Case("a directory", "folder.csv", lambda p: p.mkdir(), 0, contains="directory"),
    Case("no such file", "missing.csv", None, 0, contains="no such file"),
    # what only one of the commands knows is wrong
    Case("duplicate item_id", "dup-items.csv", (GOOD + ROW.format(n=2)).encode(), 5, "item_id",
         "duplicate item_id 'q2' (first at row 3)", commands=("import",)),
    Case("duplicate judgment", "dup-judgments.csv", (GOOD + ROW.format(n=2)).encode(), 5, "rater_id",
         "on line 3", commands=("analyze",)),
    Case("a number that is not one", "not-a-number.csv", (HEADER + "q1,p,a,b,ann,base,ft,better\n").encode(), 2,
         "preference", "'better'", commands=("analyze",)),
    Case("duplicate item_id in Parquet", "dup-items.parquet",
         lambda p: pq.write_table(pa.Table.from_pylist(RECORDS + RECORDS[1:2]), p), 4, "item_id",
         "first at row 2", commands=("import",)),
]

LINE = re.compile(r"^(?P<file>.+):(?P<row>\d+):(?P<column>[^ :]+): (?P<message>.+)$")


def _materialise(case: Case, folder: Path) -> Path:
    path = folder / case.file
    if isinstance(case.make, bytes):
        path.write_bytes(case.make)
    elif case.make is not None:
        case.make(path)
    return path


@pytest.fixture
def database(make_study):
    handle = make_study(name="existing", n_items=2, raters=2)
    return Path(handle.db.conn.execute("PRAGMA database_list").fetchone()[2]), handle.db


RUNS = [(case, command) for case in CASES for command in case.commands]


@pytest.mark.parametrize(("case", "command"), RUNS, ids=[f"{c.name}-{command}" for c, command in RUNS])
def test_bad_input_is_one_located_line(case, command, database, run_cli, tmp_path):
    db_path, db = database
    folder = tmp_path / "inputs"
    folder.mkdir()
    path = _materialise(case, folder)
    before = table_counts(db)
    args = ["import", db_path, path, "--study", "new"] if command == "import" else ["analyze", path]
    result = run_cli(*args, expect=1)  # run_cli also fails the test on any exception but SystemExit
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr and len(lines) == 1, result.stderr
    assert result.stdout == ""
    if case.row is not None:
        match = LINE.match(lines[0])
        assert match, lines[0]
        assert (match["file"], int(match["row"]), match["column"]) == (str(path), case.row, case.column), lines[0]
        assert case.contains in match["message"], lines[0]
    assert table_counts(db) == before
