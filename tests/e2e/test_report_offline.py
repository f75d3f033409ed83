"""report.html opens from disk with the network blocked: no request leaves the page and every chart renders.

Chromium gets every request routed to us: the file itself (file://) is served, anything else is aborted and
recorded — and must not exist. The charts are drawn by the inlined Vega/Vega-Lite/vega-embed bundle; each
chart container must hold an SVG with marks.
"""

from __future__ import annotations

import pytest

from offline_support import assert_charts_drawn, open_offline

from evalstore.demo import build_demo
from evalstore.cli.report import report

pytestmark = pytest.mark.e2e

def test_report_html_opens_offline_and_draws_every_chart(tmp_path, context):
    db_path = tmp_path / "demo.db"
    build_demo(db_path)
    out = tmp_path / "report.html"
    from click.testing import CliRunner

    result = CliRunner().invoke(report, [str(db_path), "--format", "html", "--resamples", "200",
                                         "--slice", "category", "-o", str(out)])
    assert result.exit_code == 0, result.stderr

    page, requests, errors = open_offline(context, out)
    assert requests == [], f"the report asked the network for {requests}"
    assert errors == []
    charts = assert_charts_drawn(page, at_least=8)
    assert {c["id"] for c in charts} >= {"chart-win_rates", "chart-slices", "chart-agreement", "chart-kappa",
                                         "chart-position_bias", "chart-power", "chart-length_bias", "chart-metrics"}
    text = page.inner_text("body")
    assert "finetuned beats base on overall" in text
    assert "Reproducibility" in text and "evalstore report" in text
