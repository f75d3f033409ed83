"""No code path opens a live database file except through SQLite.

Closing any descriptor of a database file drops every POSIX lock the process's SQLite connections hold on
it ("How To Corrupt An SQLite Database File", §2.2). Another process then believes it is the last
connection, checkpoints and deletes the WAL, and the server keeps writing into a deleted file: votes the
page showed as saved are lost. Two independent checks, around every path that may run beside the server:

* an audit hook records every ``open`` of the database file (or its -wal/-shm) by Python code;
* a second process (POSIX locks are per process) checks that it still cannot take an exclusive lock on
  the bytes where this process's WAL connection holds its shared lock.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from evalstore import judgments, page_data
from evalstore.db import is_database, open_db
from evalstore.demo import build_demo

# SQLite's lock bytes (os_unix.c): PENDING_BYTE = 0x40000000, shared locks on the 510 bytes after RESERVED
SHARED_FIRST, SHARED_SIZE = 0x40000002, 510
PROBE = f"""
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, {SHARED_SIZE}, {SHARED_FIRST})
except OSError:
    print("held")
else:
    print("free")
"""

_watched: set[str] = set()
_opened: list[str] = []


def _audit(event, args):
    if event == "open" and _watched and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0])
        if os.path.abspath(path) in _watched:
            _opened.append(path)


sys.addaudithook(_audit)  # hooks cannot be removed; it records only while a test watches a path


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("locks") / "demo.db"
    build_demo(path)
    return path


@pytest.fixture
def live(demo_db):
    """A WAL connection like the server's, and the database's files watched for plain opens."""
    db = open_db(demo_db, create=False)
    db.conn.execute("SELECT count(*) FROM judgment").fetchone()
    assert lock_state(demo_db) == "held", "the probe must see the live connection's lock"
    base = os.path.abspath(demo_db)
    _watched.update({base, base + "-wal", base + "-shm"})
    _opened.clear()
    yield db
    _watched.clear()
    db.conn.close()


def lock_state(path: Path) -> str:
    return subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True,
                          check=True).stdout.strip()


def assert_untouched(path: Path) -> None:
    assert _opened == [], f"opened with plain file I/O: {_opened}"
    assert lock_state(path) == "held", "this process's SQLite locks on the database were dropped"


def test_the_checks_catch_a_plain_open(tmp_path):
    """The checks can fail: a plain open()/close() of the file is seen by both.

    On a database of its own: once the locks are dropped, SQLite in this process still believes it holds
    them (that is the corruption), so the file must not be used by the other tests.
    """
    path = tmp_path / "victim.db"
    db = open_db(path)
    db.conn.execute("SELECT count(*) FROM study").fetchone()
    assert lock_state(path) == "held"
    _watched.add(os.path.abspath(path))
    try:
        with open(path, "rb") as f:
            f.read(16)
        assert _opened
        assert lock_state(path) == "free"
    finally:
        _watched.clear()
        _opened.clear()
        db.conn.close()


def test_is_database_asks_sqlite(live, demo_db, tmp_path):
    assert is_database(demo_db)
    assert_untouched(demo_db)
    (tmp_path / "j.csv").write_text("item_id,rater_id\n", encoding="utf-8")
    (tmp_path / "empty.csv").write_bytes(b"")
    assert not is_database(tmp_path / "j.csv")
    assert not is_database(tmp_path / "empty.csv")
    assert not is_database(tmp_path / "missing.db")


def test_loading_the_study_for_analysis(live, demo_db):
    loaded = judgments.load_input(demo_db)
    assert len(loaded.frame) > 0 and loaded.kind == "database"
    assert_untouched(demo_db)
    page_data.load_study(str(demo_db), "demo")  # what the analysis page runs in the server process
    assert_untouched(demo_db)


@pytest.mark.parametrize("args", [
    ["status"], ["status", "--format", "json"], ["export"], ["export", "--format", "jsonl"],
    ["analyze", "--resamples", "50"], ["analyze", "--format", "md", "--resamples", "50"],
    ["report", "--format", "md", "--resamples", "50"], ["report", "--format", "json", "--resamples", "50"],
    ["report", "--format", "csv"],
])
def test_commands_that_read(live, demo_db, run_cli, args):
    run_cli(args[0], str(demo_db), *args[1:])
    assert_untouched(demo_db)


def test_commands_that_write(live, demo_db, run_cli):
    run_cli("close", str(demo_db))
    run_cli("reopen", str(demo_db))
    run_cli("add-rater", str(demo_db), "--name", "lockcheck")
    run_cli("assign", str(demo_db))
    assert_untouched(demo_db)


def test_the_database_given_where_a_file_is_expected(live, demo_db, run_cli, tmp_path):
    """`import DB DB`, `--instructions DB`, `-o DB`: refused by asking SQLite, never by reading the bytes."""
    result = run_cli("import", str(demo_db), str(demo_db), expect=1)
    assert "is a SQLite database" in result.stderr
    outputs = tmp_path / "o.csv"
    outputs.write_text("item_id,prompt,output_x,output_y\nz1,p,a,b\n", encoding="utf-8")
    result = run_cli("import", str(demo_db), str(outputs), "--study", "other", "--instructions", str(demo_db),
                     expect=1)
    assert "is a SQLite database" in result.stderr
    for args in (["export", str(demo_db), "-o", str(demo_db)],
                 ["report", str(demo_db), "--format", "md", "--resamples", "20", "-o", str(demo_db)]):
        result = run_cli(*args, expect=1)
        assert "refusing to overwrite" in result.stderr
    assert_untouched(demo_db)
    assert is_database(demo_db)


def test_the_databases_own_wal_and_shm_are_never_written_or_read(live, demo_db, run_cli):
    """`-o study.db-wal` would truncate the live WAL and every judgment not yet checkpointed with it."""
    for companion in (f"{demo_db}-wal", f"{demo_db}-shm"):
        before = os.stat(companion).st_size
        for args in (["export", str(demo_db), "-o", companion],
                     ["report", str(demo_db), "--format", "md", "--resamples", "20", "-o", companion]):
            assert "refusing to overwrite" in run_cli(*args, expect=1).stderr
        assert "is a SQLite database" in run_cli("import", str(demo_db), companion, expect=1).stderr
        assert "-wal/-shm/-journal file" in run_cli("analyze", companion, expect=1).stderr
        assert os.stat(companion).st_size == before
    assert_untouched(demo_db)


def test_a_database_error_is_one_line_not_a_traceback(tmp_path, run_cli):
    broken = tmp_path / "broken.db"
    build_demo(broken)
    # an evalstore database whose judgment table lost its columns: SQLite itself refuses the query
    import sqlite3

    conn = sqlite3.connect(broken)
    conn.execute("DROP TABLE judgment")
    conn.execute("CREATE TABLE judgment (x)")
    conn.commit()
    conn.close()
    result = run_cli("status", str(broken), expect=1)
    assert result.stderr.startswith("database error: ") and len(result.stderr.strip().splitlines()) == 1


def test_reading_commands_never_migrate_or_change_the_journal_mode(tmp_path, run_cli):
    """A rollback-journal database stays one; no migration table is created in a foreign file."""
    info = build_demo(tmp_path / "demo.db")
    db = open_db(info.db_path, create=False)
    db.conn.execute("PRAGMA journal_mode = DELETE")
    before = db.conn.execute("SELECT count(*) FROM _migrations").fetchone()[0]
    db.conn.close()
    for args in (["status"], ["export"], ["analyze", "--resamples", "20"], ["report", "--format", "json",
                                                                             "--resamples", "20"]):
        run_cli(args[0], str(info.db_path), *args[1:])
    db = open_db(info.db_path, readonly=True)
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert db.conn.execute("SELECT count(*) FROM _migrations").fetchone()[0] == before
    db.conn.close()
    assert not Path(str(info.db_path) + "-wal").exists()
