"""Open a study database: WAL, foreign keys, busy timeout, and versioned migrations.

Each migration is applied once, in order, inside a transaction, and recorded in
``_migrations``. A schema change is a new entry at the end of ``MIGRATIONS``;
an applied migration is never edited (databases in the field already ran it).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE study (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            objective TEXT NOT NULL DEFAULT '',
            instructions TEXT NOT NULL DEFAULT '',
            scale INTEGER NOT NULL CHECK (scale IN (3, 5)),
            criteria TEXT NOT NULL DEFAULT '["overall"]',
            overlap INTEGER NOT NULL DEFAULT 3 CHECK (overlap >= 1),
            pairing TEXT NOT NULL DEFAULT 'vs-baseline'
                CHECK (pairing IN ('vs-baseline', 'all-pairs')),
            seed INTEGER NOT NULL DEFAULT 0,
            require_rationale INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            created_at TEXT NOT NULL
        );
        CREATE TABLE system (
            id INTEGER PRIMARY KEY,
            study_id INTEGER NOT NULL REFERENCES study(id),
            name TEXT NOT NULL,
            is_baseline INTEGER NOT NULL DEFAULT 0 CHECK (is_baseline IN (0, 1)),
            description TEXT,
            UNIQUE (study_id, name)
        );
        -- exactly one baseline per study: at most one by this index, at least one by the importer
        CREATE UNIQUE INDEX system_one_baseline ON system(study_id) WHERE is_baseline = 1;
        CREATE TABLE item (
            id INTEGER PRIMARY KEY,
            study_id INTEGER NOT NULL REFERENCES study(id),
            item_id TEXT NOT NULL,
            prompt TEXT NOT NULL,
            reference TEXT,
            metadata TEXT NOT NULL DEFAULT '{}',
            content_sha256 TEXT NOT NULL,
            UNIQUE (study_id, item_id)
        );
        CREATE TABLE output (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES item(id),
            system_id INTEGER NOT NULL REFERENCES system(id),
            text TEXT NOT NULL CHECK (length(trim(text)) > 0),
            metrics TEXT NOT NULL DEFAULT '{}',
            UNIQUE (item_id, system_id)
        );
        CREATE TABLE rater (
            id INTEGER PRIMARY KEY,
            study_id INTEGER NOT NULL REFERENCES study(id),
            name TEXT NOT NULL,
            token_sha256 TEXT NOT NULL UNIQUE,
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            created_at TEXT NOT NULL,
            UNIQUE (study_id, name)
        );
        CREATE TABLE assignment (
            id INTEGER PRIMARY KEY,
            rater_id INTEGER NOT NULL REFERENCES rater(id),
            item_id INTEGER NOT NULL REFERENCES item(id),
            system_a_id INTEGER NOT NULL REFERENCES system(id),
            system_b_id INTEGER NOT NULL REFERENCES system(id),
            left_system_id INTEGER NOT NULL REFERENCES system(id),
            position INTEGER NOT NULL,
            shown_at TEXT,
            UNIQUE (rater_id, item_id, system_a_id, system_b_id),
            UNIQUE (rater_id, position),
            CHECK (system_a_id <> system_b_id),
            CHECK (left_system_id IN (system_a_id, system_b_id))
        );
        CREATE INDEX assignment_item ON assignment(item_id);
        CREATE TABLE judgment (
            id INTEGER PRIMARY KEY,
            assignment_id INTEGER NOT NULL REFERENCES assignment(id),
            criterion TEXT NOT NULL,
            preference INTEGER,
            both_bad INTEGER NOT NULL DEFAULT 0 CHECK (both_bad IN (0, 1)),
            skip_reason TEXT,
            rationale TEXT,
            duration_s REAL,
            submitted_at TEXT NOT NULL,
            -- a double submit updates the row instead of adding a second one
            UNIQUE (assignment_id, criterion),
            CHECK ((preference IS NULL) = (skip_reason IS NOT NULL))
        );
        """,
    ),
]


def is_database(path: str | Path) -> bool:
    """Whether ``path`` is a SQLite database, asked of SQLite itself.

    Never sniff a database's header with ``open()``: closing any descriptor of the file drops every POSIX
    lock this process's SQLite connections hold on it, and another process may then think it is the last
    one, checkpoint and delete the live WAL ("How To Corrupt An SQLite Database File", §2.2). SQLite's own
    connections share their locks per file within a process, so a read-only connection is safe.

    An empty file is not a database here (SQLite would treat it as an empty one). A file SQLite can open
    but not read for another reason (busy, damaged) is an error, never silently "not a database".
    """
    from .errors import EvalstoreError

    path = Path(path)
    if not path.is_file():
        return False
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise EvalstoreError(f"{path}: cannot open ({exc})") from None
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn.execute("PRAGMA page_count").fetchone()[0] > 0
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
            return False
        raise EvalstoreError(f"{path}: a SQLite database that cannot be read ({exc})") from None
    finally:
        conn.close()


#: Files SQLite keeps beside a database: writing or reading them by hand corrupts a live study.
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")


def is_companion(path: str | Path) -> bool:
    """Whether ``path`` is the -wal / -shm / -journal file of a SQLite database (the database asked of SQLite)."""
    name = str(path)
    return any(name.endswith(suffix) and is_database(name[: -len(suffix)]) for suffix in COMPANION_SUFFIXES)


def is_database_or_companion(path: str | Path) -> bool:
    """Whether ``path`` is a SQLite database or the -wal / -shm / -journal file of one (asked of SQLite)."""
    return is_companion(path) or is_database(path)


def refuse_database_output(path: str | Path) -> None:
    """Refuse to write a report or table over a SQLite database or its -wal/-shm/-journal file
    (``-o study.db`` or ``-o study.db-wal`` by a slip of the finger would destroy saved judgments)."""
    from .errors import EvalstoreError

    if is_database_or_companion(path):
        raise EvalstoreError(f"{path}: is a SQLite database or one of its files; refusing to overwrite it "
                             "(choose another -o FILE)")


def open_db(path: str | Path, *, create: bool = True, readonly: bool = False) -> sqlite_utils.Database:
    """Open (and migrate) the study database at ``path``.

    ``readonly=True`` is for reading a database that may not be ours (``evalstore
    analyze some.db``): nothing is created, migrated or switched to WAL, and a
    SQLite file without evalstore's tables is refused.

    ``check_same_thread=False`` because Streamlit may run a session's script on
    different threads; every write still happens inside one short transaction.
    """
    from .errors import EvalstoreError

    path = Path(path)
    if (readonly or not create) and not path.exists():
        raise EvalstoreError(f"{path}: no such database (create it with `evalstore init {path}`)")
    if readonly:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False,
                               timeout=30, isolation_level=None)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise EvalstoreError(f"{path}: not an evalstore database ({exc})") from None
        if not {"_migrations", "study", "judgment"} <= tables:
            raise EvalstoreError(f"{path}: a SQLite file, but not an evalstore study database")
        conn.execute("PRAGMA busy_timeout = 30000")
        return sqlite_utils.Database(conn)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30, isolation_level=None)
    db = sqlite_utils.Database(conn)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.DatabaseError as exc:
        raise EvalstoreError(f"{path}: not an evalstore database ({exc})") from None
    conn.execute("PRAGMA synchronous = NORMAL")
    migrate(db)
    return db


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations; return the names applied."""
    conn = db.conn
    conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
    applied = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            # re-check under the write lock: another process may have migrated meanwhile
            if conn.execute("SELECT 1 FROM _migrations WHERE name = ?", [name]).fetchone():
                conn.execute("COMMIT")
                continue
            for statement in _split_sql(sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                [name],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


def _split_sql(sql: str) -> list[str]:
    statements, buf = [], []
    for line in sql.splitlines():
        if line.strip().startswith("--"):
            continue
        buf.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(buf))
            buf = []
    if "".join(buf).strip():
        statements.append("\n".join(buf))
    return statements


class transaction:
    """``with transaction(db):`` — BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any error.

    IMMEDIATE takes the write lock up front, so two writers never both read and
    then fail to upgrade (SQLITE_BUSY in the middle of a judgment write).
    """

    def __init__(self, db: sqlite_utils.Database):
        self.conn = db.conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
        return False


def table_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Row count of every evalstore table (tests use it to prove nothing was written)."""
    names = ["settings", "study", "system", "item", "output", "rater", "assignment", "judgment"]
    return {n: db.conn.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}


def now_iso() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
