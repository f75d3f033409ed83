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
from evalstore.rating import Rater, rater_for_token

from .db import connection

TOKEN_PARAM = "token"
NOT_VALID = "This link is not valid."
RATE_PAGE_SOURCE = "pages/rate.py"
_ADMIN_KEY = "_evalstore_admin"
WRONG_PASSWORD_DELAY_S = 1.0


def rater_for_link(token: str | None) -> Rater | None:
    """The active rater whose link carries ``token``, or None."""
    try:
        return rater_for_token(connection(), token)
    except InvalidRaterToken:
        return None


def show_not_valid() -> None:
    """The plain answer to an unknown or deactivated link; stops the script."""
    st.error(NOT_VALID)
    st.stop()


def require_rater() -> tuple[str, Rater]:
    """The token from ``?token=`` and its rater; anything else sees only "not valid"."""
    token = st.query_params.get(TOKEN_PARAM)
    rater = rater_for_link(token)
    if rater is None:
        show_not_valid()
    return token, rater


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
