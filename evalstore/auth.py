"""The admin password: from EVALSTORE_ADMIN_PASSWORD, else generated once per database.

The generated password is kept in the database's ``settings`` table in clear:
whoever can read the database file can read every judgment anyway, and the
quick start must be able to print it again.
"""

from __future__ import annotations

import hmac
import os
import secrets

import sqlite_utils

from .db import transaction

ENV_VAR = "EVALSTORE_ADMIN_PASSWORD"


def admin_password(db: sqlite_utils.Database) -> str:
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return from_env
    row = db.conn.execute("SELECT value FROM settings WHERE key = 'admin_password'").fetchone()
    if row:
        return row[0]
    with transaction(db) as conn:
        # INSERT OR IGNORE: two processes starting at once agree on one password
        conn.execute("INSERT OR IGNORE INTO settings (key, value) VALUES ('admin_password', ?)",
                     [secrets.token_urlsafe(12)])
        return conn.execute("SELECT value FROM settings WHERE key = 'admin_password'").fetchone()[0]


def check_admin_password(db: sqlite_utils.Database, given: str | None) -> bool:
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), admin_password(db).encode("utf-8"))
