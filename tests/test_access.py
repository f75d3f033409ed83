"""Who sees what: rater links, the admin password, and every page guarding itself.

Streamlit runs ``pages/<name>.py`` directly, without app.py, on the first request after a
server start, until st.navigation has run once; the tests that open a page
file on its own reproduce that run. tests/e2e/test_access_first_request.py does it on a live server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from evalstore.db import open_db
from evalstore.demo import build_demo
from evalstore.rating import set_rater_active

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"
RATE = REPO / "pages" / "rate.py"
OVERVIEW = REPO / "pages" / "overview.py"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("access") / "demo.db"
    return build_demo(path)


@pytest.fixture(autouse=True)
def _env(monkeypatch, demo_db):
    monkeypatch.syspath_prepend(str(REPO))
    monkeypatch.delenv("EVALSTORE_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("EVALSTORE_DB", str(demo_db.db_path))


def run(script: Path, token: str | None = None) -> AppTest:
    at = AppTest.from_file(str(script), default_timeout=60)
    if token is not None:
        at.query_params["token"] = token
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def password_inputs(at: AppTest):
    return [t for t in at.text_input if t.label == "Admin password"]


def page_text(at: AppTest) -> str:
    return "\n".join(str(e.proto) for e in at.main)


def sign_in(at: AppTest, password: str) -> AppTest:
    password_inputs(at)[0].input(password)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, [e.value for e in at.exception]
    return at


def shows_rating_content(at: AppTest) -> bool:
    values = [m.value for m in at.markdown]
    return "**Response A**" in values or any(b.label == "Start" for b in at.button)


# --- admin -------------------------------------------------------------------------------------

def test_app_without_token_asks_for_the_password_before_anything(demo_db):
    at = run(APP)
    assert len(password_inputs(at)) == 1
    assert password_inputs(at)[0].proto.type == password_inputs(at)[0].proto.PASSWORD
    text = page_text(at)
    assert "demo" not in text.replace("evalstore", "")  # no study name
    assert not at.dataframe and not at.metric


def test_wrong_password_is_refused(demo_db):
    at = sign_in(run(APP), "not the password")
    assert [e.value for e in at.error] == ["Wrong password."]
    assert password_inputs(at) and not at.dataframe


def test_right_password_opens_the_overview(demo_db):
    at = sign_in(run(APP), demo_db.admin_password)
    assert not password_inputs(at)
    assert any(h.value.startswith("demo") for h in at.subheader)
    assert at.dataframe  # per-rater progress
    raters = set(at.dataframe[0].value["Rater"])
    assert {"you"} <= raters


def test_password_from_environment_wins(demo_db, monkeypatch):
    monkeypatch.setenv("EVALSTORE_ADMIN_PASSWORD", "from-the-environment")
    assert password_inputs(sign_in(run(APP), demo_db.admin_password))  # the stored one no longer works
    at = sign_in(run(APP), "from-the-environment")
    assert not password_inputs(at) and at.dataframe


# --- rater links never meet the admin side -----------------------------------------------------

def test_rater_link_gets_the_rating_page_and_no_password_prompt(demo_db):
    at = run(APP, demo_db.rater_token)
    assert not password_inputs(at)
    assert shows_rating_content(at)
    assert not at.dataframe and "admin" not in page_text(at).lower()


def test_invalid_link_gets_not_valid_and_no_password_prompt(demo_db):
    at = run(APP, "forged-token")
    assert [e.value for e in at.error] == ["This link is not valid."]
    assert not password_inputs(at) and not shows_rating_content(at)


def test_empty_token_is_not_valid(demo_db):
    at = run(APP, "")
    assert [e.value for e in at.error] == ["This link is not valid."]
    assert not password_inputs(at)


# --- every page guards itself (run directly, as on the first request after a restart) ----------

def test_rate_page_run_directly_without_token_shows_no_rating_content(demo_db):
    at = run(RATE)
    assert [e.value for e in at.error] == ["This link is not valid."]
    assert not shows_rating_content(at) and not at.button


def test_rate_page_run_directly_with_a_forged_token(demo_db):
    at = run(RATE, "forged-token")
    assert [e.value for e in at.error] == ["This link is not valid."]
    assert not shows_rating_content(at) and not password_inputs(at)


def test_rate_page_run_directly_with_a_valid_token_works(demo_db):
    at = run(RATE, demo_db.rater_token)
    assert shows_rating_content(at) and not password_inputs(at)


def test_overview_run_directly_shows_the_password_prompt(demo_db):
    at = run(OVERVIEW)
    assert len(password_inputs(at)) == 1
    assert not at.dataframe and not at.metric
    assert not any(h.value.startswith("demo") for h in at.subheader)
    at = sign_in(at, demo_db.admin_password)
    assert at.dataframe and any(h.value.startswith("demo") for h in at.subheader)


def test_overview_run_directly_with_a_rater_link_never_shows_the_prompt(demo_db):
    at = run(OVERVIEW, "forged-token")
    assert [e.value for e in at.error] == ["This link is not valid."]
    assert not password_inputs(at) and not at.dataframe
    at = run(OVERVIEW, demo_db.rater_token)
    assert not password_inputs(at) and not at.dataframe


def test_deactivated_rater_is_locked_out_everywhere(demo_db, tmp_path, monkeypatch):
    other = build_demo(tmp_path / "deactivated.db")
    monkeypatch.setenv("EVALSTORE_DB", str(other.db_path))
    set_rater_active(open_db(other.db_path), "demo", "you", False)
    for script in (APP, RATE):
        at = run(script, other.rater_token)
        assert [e.value for e in at.error] == ["This link is not valid."]
        assert not shows_rating_content(at) and not password_inputs(at)
