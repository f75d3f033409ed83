"""The session's database connection.

One sqlite3 connection per Streamlit session, kept in ``st.session_state``:
two sessions writing at once through one shared connection would both issue
``BEGIN IMMEDIATE`` on it and fail, while separate connections simply wait on
SQLite's write lock (busy_timeout). The path comes from ``EVALSTORE_DB``, which
``evalstore serve`` sets.
"""

from __future__ import annotations

import os

import sqlite_utils
import streamlit as st

from evalstore.db import open_db
from evalstore.errors import EvalstoreError

ENV_VAR = "EVALSTORE_DB"
_KEY = "_evalstore_db"


def connection() -> sqlite_utils.Database:
    path = os.environ.get(ENV_VAR)
    if not path:
        st.error(f"{ENV_VAR} is not set: start the app with `evalstore serve DB`.")
        st.stop()
    held = st.session_state.get(_KEY)
    if held is None or held[0] != path:
        try:
            db = open_db(path, create=False)
        except EvalstoreError as exc:
            # a rater reads only the app's own words: the message names the database file
            rater = st.query_params.get("token") is not None
            st.error("The study cannot be opened right now. Please try again in a few minutes." if rater
                     else str(exc))
            st.stop()
        st.session_state[_KEY] = (path, db)
        held = st.session_state[_KEY]
    return held[1]
