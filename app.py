"""Streamlit entry point: who sees which pages.

A valid rater link (``?token=…``) gets the rating page at ``/rate`` and nothing
else: no page list, no admin prompt. An invalid link gets "not valid". Everyone
else gets the admin pages, each of which asks for the admin password first.
Every page also guards itself (``ui.access``), because Streamlit runs a page
script directly, without this file, on the first request after a restart.
"""

import streamlit as st

from ui.access import TOKEN_PARAM, is_admin, rater_for_link, show_not_valid

st.set_page_config(page_title="evalstore", layout="wide")

RATE_PAGE = st.Page("pages/rate.py", title="Rating", url_path="rate")


def admin_pages() -> list:
    """The admin navigation, in menu order; a new admin page is one more line here."""
    return [
        st.Page("pages/overview.py", title="Overview", url_path="overview", icon=":material/checklist:",
                default=True),
        st.Page("pages/analysis.py", title="Analysis", url_path="analysis", icon=":material/analytics:"),
    ]


def _to_rating_page() -> None:
    # keep the token in the url so a reload resumes the session
    st.switch_page(RATE_PAGE, query_params={TOKEN_PARAM: st.query_params[TOKEN_PARAM]})


token = st.query_params.get(TOKEN_PARAM)
if token is not None:
    if rater_for_link(token) is None:
        show_not_valid()
    page = st.navigation([st.Page(_to_rating_page, title="Rating", default=True), RATE_PAGE], position="hidden")
else:
    page = st.navigation(admin_pages(), position="top" if is_admin() else "hidden")
page.run()
