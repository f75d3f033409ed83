"""The first request after a server start runs pages/<name>.py directly, without app.py
(until st.navigation has run once), so every page guards itself. Each test below starts its own server and
makes that first request."""

from __future__ import annotations

import os

import pytest
from e2e_support import RaterTab

from evalstore.auth import admin_password
from evalstore.db import open_db

pytestmark = pytest.mark.e2e


def test_first_request_to_rate_without_a_token_is_guarded(fresh_server, context):
    server, study = fresh_server
    tab = RaterTab(context.new_page(), server.base_url).open(None, "/rate")
    assert "/rate" in tab.url()
    text = tab.main_text()
    assert "This link is not valid." in text
    assert not tab.has_item() and "Start" not in text and "Response A" not in text
    assert not any(p in text for p in study.prompts.values())
    assert tab.page.locator('input[type="password"]').count() == 0  # and no admin prompt either
    assert tab.page.locator("button").filter(has_text="Start").count() == 0

    # the same page with a forged token, then with the rater's real link
    tab.open("forged", "/rate")
    assert "This link is not valid." in tab.main_text() and not tab.has_item()
    tab.open(study.tokens["fay"], "/rate")
    assert "This link is not valid." not in tab.main_text()
    assert tab.page.get_by_role("button", name="Start").count() == 1


def test_first_request_to_overview_asks_for_the_password(fresh_server, context, monkeypatch):
    server, study = fresh_server
    tab = RaterTab(context.new_page(), server.base_url).open(None, "/overview")
    password_box = tab.page.locator('input[type="password"]')
    assert password_box.count() == 1
    text = tab.main_text()
    assert study.name not in text and not any(s in text for s in study.systems)
    assert tab.page.locator('[data-testid="stDataFrame"]').count() == 0

    monkeypatch.delenv("EVALSTORE_ADMIN_PASSWORD", raising=False)  # the server runs without it too
    password_box.fill(admin_password(open_db(server.db_path)))
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.get_by_text(f"{study.name} (open)").wait_for()
    tab.settle()
    assert "/overview" in tab.url()
    assert tab.page.locator('input[type="password"]').count() == 0
    tab.page.locator('[data-testid="stDataFrame"]').wait_for()  # per-rater progress


def test_first_request_with_a_rater_link_to_overview_never_shows_the_prompt(fresh_server, context):
    server, study = fresh_server
    tab = RaterTab(context.new_page(), server.base_url).open(study.tokens["fay"], "/overview")
    assert tab.page.locator('input[type="password"]').count() == 0
    assert study.name not in tab.main_text()
    assert tab.page.get_by_role("button", name="Start").count() == 1  # sent on to the rating page
    assert "/rate?token=" in tab.url()


def test_first_requests_to_an_installed_app(tmp_path, context):
    """A wheel's app (no checkout anywhere on its path) serves the rating page and guards the admin pages."""
    import re
    import signal
    import subprocess

    from e2e_support import Server
    from packaging_support import build_wheel, clean_env, free_port, install_wheel, wait_healthy

    wheel, _output = build_wheel(tmp_path / "build")
    venv = install_wheel(wheel, tmp_path / "venv")
    work = tmp_path / "elsewhere"
    work.mkdir()
    port = free_port()
    env = clean_env()
    built = subprocess.run([str(venv / "bin" / "evalstore"), "demo", "demo.db", "--base-url",
                            f"http://localhost:{port}"], cwd=work, env=env, capture_output=True, text=True,
                           timeout=300, check=True).stdout
    token = re.search(r"^rater link: \S+\?token=([\w-]+)$", built, re.M).group(1)
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([str(venv / "bin" / "evalstore"), "serve", "demo.db", "--port", str(port)],
                                cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(f"http://localhost:{port}", work / "demo.db", proc, log_path)
    try:
        assert wait_healthy(port, proc), server.log()
        tab = RaterTab(context.new_page(), server.base_url).open(token, "/rate")
        assert tab.page.get_by_role("button", name="Start").count() == 1, tab.main_text()
        assert tab.page.locator('input[type="password"]').count() == 0
        tab = RaterTab(context.new_page(), server.base_url).open(None, "/overview")
        assert tab.page.locator('input[type="password"]').count() == 1
        assert "Traceback" not in server.log() and "ModuleNotFoundError" not in server.log(), server.log()
    finally:
        server.stop()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
