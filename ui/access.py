"""Who may see what. Every page calls one of these at its very top.

``app.py`` routes rater links to the rating page and everyone else to the
admin pages, but it is not enough on its own: while a ``pages/`` folder
exists, the first script run after a server start executes ``pages/<name>.py``
directly, without ``app.py`` (Streamlit's multipage v1 fallback, see
``PagesManager`` and ``_mpa_v1``). So each page guards itself.
"""

from __future__ import annotations

import time

import streamlit as st
from streamlit.errors import StreamlitAPIException

from evalstore.auth import check_admin_password
from evalstore.errors import InvalidRaterToken
from evalstore.rating import Rater, RaterSession, open_session

from .db import connection

TOKEN_PARAM = "token"
NOT_VALID = "This link is not valid."
RATE_PAGE_SOURCE = "pages/rate.py"
_ADMIN_KEY = "_evalstore_admin"
_RUN_SESSION_KEY = "_evalstore_rater_session"
WRONG_PASSWORD_DELAY_S = 1.0


def resolve_rater(token: str | None) -> RaterSession | None:
    """The session of the active rater whose link carries ``token`` (looked up now), or None.

    It is also kept for the rest of this script run (``run_session``), so the page guard, the rating area
    and a vote's callback share one look-up per run.
    """
    try:
        session = open_session(connection(), token)
    except InvalidRaterToken:
        session = None
    st.session_state[_RUN_SESSION_KEY] = (token, session)
    return session


def run_session(token: str | None) -> RaterSession | None:
    """The rater session this script run already resolved for ``token``, handed over once; else looked up now.

    The hand-over empties the slot: the next run (a vote reruns only the rating area) looks the token up
    again, so a link deactivated or a study closed meanwhile is seen at once.
    """
    held = st.session_state.pop(_RUN_SESSION_KEY, None)
    if held is not None and held[0] == token:
        return held[1]
    try:
        return open_session(connection(), token)
    except InvalidRaterToken:
        return None


def rater_for_link(token: str | None) -> Rater | None:
    """The active rater whose link carries ``token``, or None (looked up now, kept for this run)."""
    session = resolve_rater(token)
    return None if session is None else session.rater


def show_not_valid() -> None:
    """The plain answer to an unknown or deactivated link; stops the script."""
    st.error(NOT_VALID)
    st.stop()


def require_rater() -> tuple[str, RaterSession]:
    """The token from ``?token=`` and its rater session; anything else sees only "not valid".

    The session stays with this run for the rating area (``run_session``), so the page resolves it once.
    """
    token = st.query_params.get(TOKEN_PARAM)
    held = st.session_state.get(_RUN_SESSION_KEY)
    # app.py has just looked the link up in this run; without it (a page run directly), look it up now
    session = held[1] if held is not None and held[0] == token else resolve_rater(token)
    if session is None:
        show_not_valid()
    return token, session


def is_admin() -> bool:
    return bool(st.session_state.get(_ADMIN_KEY))


def require_admin() -> None:
    """Let the admin through; show the password prompt to anyone else, and stop there.

    A visitor with a rater link never sees the prompt: a valid link goes to the
    rating page, an invalid one gets "not valid".
    """
    # app.py's wide layout is missing when a page runs directly (first request after a restart)
    st.set_page_config(page_title="evalstore", layout="wide")
    if is_admin():
        return
    token = st.query_params.get(TOKEN_PARAM)
    if token is not None:
        if rater_for_link(token) is None:
            show_not_valid()
        try:
            st.switch_page(RATE_PAGE_SOURCE, query_params={TOKEN_PARAM: token})
        except StreamlitAPIException:
            show_not_valid()
    _password_prompt()
    st.stop()


def _password_prompt() -> None:
    st.subheader("evalstore admin")
    with st.form("admin-sign-in"):
        given = st.text_input("Admin password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        if check_admin_password(connection(), given):
            st.session_state[_ADMIN_KEY] = True
            st.rerun()
        # a wrong guess costs a second: guessing the password online becomes impractically slow
        time.sleep(WRONG_PASSWORD_DELAY_S)
        st.error("Wrong password.")
