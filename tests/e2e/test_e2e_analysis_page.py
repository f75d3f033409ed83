"""The analysis page as an admin uses it, in a real browser against `evalstore serve` on the demo database:

open /analysis as the server's very first request → password prompt → after the password, still on
/analysis with the demo's verdict and its charts → exclude the careless simulated rater (carol) and watch
the verdict and α change → download the HTML report → it opens with the network blocked and draws its charts.
"""

from __future__ import annotations

import re

import pytest
from e2e_support import MAIN_TEXT_JS, SETTLED_JS, STEP_TIMEOUT_MS, start_server
from offline_support import assert_charts_drawn, open_offline

from evalstore.auth import admin_password
from evalstore.db import open_db
from evalstore.demo import build_demo

pytestmark = pytest.mark.e2e


def settle(page) -> None:
    page.wait_for_function(SETTLED_JS, timeout=60_000)


def main_text(page) -> str:
    return page.evaluate(MAIN_TEXT_JS)


def test_admin_reads_the_verdict_excludes_a_rater_and_downloads_the_report(tmp_path, context):
    info = build_demo(tmp_path / "demo.db")
    db = open_db(info.db_path, create=False)
    password = admin_password(db)
    db.conn.close()
    server = start_server(info.db_path, tmp_path)
    try:
        page = context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        page.goto(f"{server.base_url}/analysis")  # the fresh server's first request
        page.get_by_label("Admin password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Verdict").wait_for(timeout=60_000)
        settle(page)
        assert page.url.rstrip("/").endswith("/analysis")
        text = main_text(page)
        before = re.search(r"finetuned beats base on overall: (\d+) % of non-tie judgments", text)
        assert before, text[:2000]
        alpha_before = re.search(r"Krippendorff's α \(ordinal\) = ([0-9.]+)", text).group(1)
        # the chart component loads lazily: wait until the charts are mounted and the first one is drawn
        page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]').length >= 6",
                               timeout=60_000)
        first_chart = page.locator('[data-testid="stVegaLiteChart"]').first
        first_chart.locator("svg, canvas").first.wait_for(timeout=30_000)

        # exclude the careless rater: type into the multiselect and pick the option
        exclude = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Exclude raters")
        exclude.locator("input").click()
        page.keyboard.type("carol")
        page.get_by_role("option", name="carol").click()
        page.keyboard.press("Escape")
        page.get_by_text("What if these raters are left out?").wait_for(timeout=60_000)
        settle(page)
        text = main_text(page)
        after = re.search(r"finetuned beats base on overall: (\d+) % of non-tie judgments", text)
        alpha_after = re.search(r"Krippendorff's α \(ordinal\) = ([0-9.]+)", text).group(1)
        assert after and after.group(1) != before.group(1)
        assert float(alpha_after) > float(alpha_before)
        assert f"α ordinal {alpha_before} → {alpha_after}" in text

        with page.expect_download(timeout=120_000) as download:
            page.get_by_role("button", name="Download the HTML report").click()
        saved = tmp_path / "downloaded-report.html"
        download.value.save_as(saved)
        html = saved.read_text(encoding="utf-8")
        assert "--exclude-rater carol" in html  # the report is of what the page showed
        assert f"finetuned beats base on overall: {after.group(1)} %" in html
    finally:
        server.stop()

    offline = context.browser.new_context()
    try:
        report_page, requests, errors = open_offline(offline, saved)
        assert requests == [] and errors == []
        assert_charts_drawn(report_page, at_least=6)
    finally:
        offline.close()
