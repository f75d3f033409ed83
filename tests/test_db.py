"""The database layer: migrations applied once and recorded, WAL, foreign keys, constraints, transactions."""

from __future__ import annotations

import sqlite3

import pytest

from evalstore import db as dbmod
from evalstore.db import MIGRATIONS, migrate, now_iso, open_db, table_counts, transaction
from evalstore.errors import EvalstoreError

TABLES = ["settings", "study", "system", "item", "output", "rater", "assignment", "judgment"]


def test_fresh_database_has_every_table_and_records_its_migrations(fresh_db):
    names = set(fresh_db.table_names())
    assert set(TABLES) <= names and "_migrations" in names
    applied = [r[0] for r in fresh_db.conn.execute("SELECT name FROM _migrations ORDER BY rowid")]
    assert applied == [name for name, _ in MIGRATIONS]
    assert table_counts(fresh_db) == dict.fromkeys(TABLES, 0)


def test_migration_names_are_unique_and_ordered():
    names = [name for name, _ in MIGRATIONS]
    assert len(set(names)) == len(names)
    assert names == sorted(names)


def test_reopening_applies_nothing_twice(db_path):
    first = open_db(db_path)
    first.conn.execute("INSERT INTO settings (key, value) VALUES ('k', 'v')")
    first.conn.close()
    again = open_db(db_path)
    assert migrate(again) == []
    assert again.conn.execute("SELECT value FROM settings WHERE key = 'k'").fetchone() == ("v",)


def test_a_new_migration_is_applied_once_to_an_existing_database(db_path, monkeypatch):
    open_db(db_path).conn.close()
    extra = ("9999_test_column", "ALTER TABLE settings ADD COLUMN note TEXT;")
    monkeypatch.setattr(dbmod, "MIGRATIONS", MIGRATIONS + [extra])
    db = open_db(db_path)
    assert "note" in db["settings"].columns_dict
    assert migrate(db) == []
    assert db.conn.execute("SELECT count(*) FROM _migrations WHERE name = '9999_test_column'").fetchone()[0] == 1


def test_a_failing_migration_leaves_no_trace(db_path, monkeypatch):
    open_db(db_path).conn.close()
    broken = ("9999_broken", "ALTER TABLE settings ADD COLUMN ok TEXT;\nTHIS IS NOT SQL;")
    monkeypatch.setattr(dbmod, "MIGRATIONS", MIGRATIONS + [broken])
    with pytest.raises(sqlite3.OperationalError):
        open_db(db_path)
    monkeypatch.setattr(dbmod, "MIGRATIONS", MIGRATIONS)
    db = open_db(db_path)
    assert "ok" not in db["settings"].columns_dict
    assert db.conn.execute("SELECT count(*) FROM _migrations WHERE name = '9999_broken'").fetchone()[0] == 0


def test_pragmas(fresh_db):
    conn = fresh_db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_open_without_create(tmp_path):
    with pytest.raises(EvalstoreError, match="no such database"):
        open_db(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"plain text, not SQLite " * 200)
    with pytest.raises(EvalstoreError, match="not an evalstore database"):
        open_db(path)


def test_transaction_commits_or_rolls_back(fresh_db):
    with transaction(fresh_db) as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
    with pytest.raises(RuntimeError):
        with transaction(fresh_db) as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('b', '2')")
            raise RuntimeError("boom")
    assert [r[0] for r in fresh_db.conn.execute("SELECT key FROM settings")] == ["a"]
    assert not fresh_db.conn.in_transaction


def test_transaction_holds_the_write_lock(db_path, fresh_db):
    other = sqlite3.connect(db_path, timeout=0.1, isolation_level=None)
    with transaction(fresh_db):
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


def _study(db, name="s"):
    sid = db.conn.execute("INSERT INTO study (name, scale, created_at) VALUES (?, 3, ?)", [name, now_iso()]).lastrowid
    a = db.conn.execute("INSERT INTO system (study_id, name, is_baseline) VALUES (?, 'a', 1)", [sid]).lastrowid
    b = db.conn.execute("INSERT INTO system (study_id, name) VALUES (?, 'b')", [sid]).lastrowid
    item = db.conn.execute("INSERT INTO item (study_id, item_id, prompt, content_sha256) VALUES (?, 'i', 'p', 'h')",
                           [sid]).lastrowid
    return sid, a, b, item


def test_constraints_guard_the_data(fresh_db):
    conn = fresh_db.conn
    sid, a, b, item = _study(fresh_db)
    with pytest.raises(sqlite3.IntegrityError):  # a second baseline
        conn.execute("INSERT INTO system (study_id, name, is_baseline) VALUES (?, 'c', 1)", [sid])
    with pytest.raises(sqlite3.IntegrityError):  # empty output
        conn.execute("INSERT INTO output (item_id, system_id, text) VALUES (?, ?, '   ')", [item, a])
    with pytest.raises(sqlite3.IntegrityError):  # same item_id twice in a study
        conn.execute("INSERT INTO item (study_id, item_id, prompt, content_sha256) VALUES (?, 'i', 'q', 'h')", [sid])
    with pytest.raises(sqlite3.IntegrityError):  # scale 4
        conn.execute("INSERT INTO study (name, scale, created_at) VALUES ('t', 4, 'x')")
    with pytest.raises(sqlite3.IntegrityError):  # unknown foreign key
        conn.execute("INSERT INTO output (item_id, system_id, text) VALUES (?, 999, 'x')", [item])
    rater = conn.execute("INSERT INTO rater (study_id, name, token_sha256, created_at) VALUES (?, 'r', 'h', 'x')",
                         [sid]).lastrowid
    with pytest.raises(sqlite3.IntegrityError):  # left side not in the pair
        conn.execute("INSERT INTO assignment (rater_id, item_id, system_a_id, system_b_id, left_system_id, position)"
                     " VALUES (?, ?, ?, ?, 999, 1)", [rater, item, a, b])
    with pytest.raises(sqlite3.IntegrityError):  # a pair of one system
        conn.execute("INSERT INTO assignment (rater_id, item_id, system_a_id, system_b_id, left_system_id, position)"
                     " VALUES (?, ?, ?, ?, ?, 1)", [rater, item, a, a, a])
    aid = conn.execute("INSERT INTO assignment (rater_id, item_id, system_a_id, system_b_id, left_system_id, position)"
                       " VALUES (?, ?, ?, ?, ?, 1)", [rater, item, a, b, b]).lastrowid
    with pytest.raises(sqlite3.IntegrityError):  # same queue position twice
        conn.execute("INSERT INTO assignment (rater_id, item_id, system_a_id, system_b_id, left_system_id, position)"
                     " VALUES (?, ?, ?, ?, ?, 1)", [rater, item, b, a, b])
    with pytest.raises(sqlite3.IntegrityError):  # a preference and a skip at once
        conn.execute("INSERT INTO judgment (assignment_id, criterion, preference, skip_reason, submitted_at)"
                     " VALUES (?, 'overall', 1, 'cant_judge', 'x')", [aid])
    with pytest.raises(sqlite3.IntegrityError):  # neither
        conn.execute("INSERT INTO judgment (assignment_id, criterion, submitted_at) VALUES (?, 'overall', 'x')", [aid])
    conn.execute("INSERT INTO judgment (assignment_id, criterion, preference, submitted_at) VALUES (?, 'o', 0, 'x')",
                 [aid])
    with pytest.raises(sqlite3.IntegrityError):  # a double submit cannot add a row
        conn.execute("INSERT INTO judgment (assignment_id, criterion, preference, submitted_at) VALUES (?, 'o', 1, 'x')",
                     [aid])
    with pytest.raises(sqlite3.IntegrityError):  # a judged assignment cannot vanish under its judgment
        conn.execute("DELETE FROM assignment WHERE id = ?", [aid])


def test_now_iso_is_utc_with_milliseconds():
    stamp = now_iso()
    assert stamp.endswith("Z") and len(stamp) == len("2025-01-01T00:00:00.000Z")
