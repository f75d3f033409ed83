"""report.html opens from disk with the network blocked: no request leaves the page and every chart renders,
fits the page on screen and on A4 paper, and keeps its labels, legends and titles apart.

Chromium gets every request routed to us: the file itself (file://) is served, anything else is aborted and
recorded — and must not exist. The charts are drawn by the inlined Vega/Vega-Lite/vega-embed bundle; each
chart container must hold an SVG with marks.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from offline_support import assert_charts_drawn, open_offline

from evalstore.demo import build_demo
from evalstore.cli.report import report

pytestmark = pytest.mark.e2e

#: A4 is 210 mm wide; the report's print style sheet keeps 12 mm margins: 186 mm at 96 px per inch.
A4_PRINTABLE_PX = round(186 / 25.4 * 96)

#: Per chart: its box and its SVG's box, the heatmap's cells, and pairs of text boxes that overlap (axis labels
#: of one axis with each other, legends with axis titles) — what a squeezed chart shows as "0%100%".
LAYOUT_JS = """() => {
  const box = e => e.getBoundingClientRect();
  const meet = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  return Array.from(document.querySelectorAll('div.chart')).map(chart => {
    const svg = chart.querySelector('svg');
    const overlaps = [];
    chart.querySelectorAll('g.role-axis').forEach(axis => {
      // labels Vega hid itself to avoid an overlap (opacity 0) are not shown
      const labels = Array.from(axis.querySelectorAll('g.role-axis-label text'))
        .filter(t => t.textContent && t.getAttribute('opacity') !== '0' && getComputedStyle(t).opacity !== '0');
      for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++)
        if (meet(box(labels[i]), box(labels[j]))) overlaps.push(labels[i].textContent + labels[j].textContent);
    });
    const titles = Array.from(chart.querySelectorAll('g.role-axis-title text'));
    chart.querySelectorAll('g.role-legend').forEach(legend => titles.forEach(t => {
      if (meet(box(legend), box(t))) overlaps.push('legend over "' + t.textContent + '"');
    }));
    return {id: chart.id, svgRight: box(svg).right, svgWidth: box(svg).width, svgHeight: box(svg).height,
            page: document.documentElement.clientWidth, overlaps: overlaps,
            cells: chart.querySelectorAll('svg g.mark-rect path').length};
  });
}"""


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    work = tmp_path_factory.mktemp("report-offline")
    db_path = work / "demo.db"
    build_demo(db_path)
    out = work / "report.html"
    result = CliRunner().invoke(report, [str(db_path), "--format", "html", "--resamples", "200",
                                         "--slice", "category", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    return out


def _check_layout(page, what: str) -> list[dict]:
    charts = page.evaluate(LAYOUT_JS)
    for chart in charts:
        assert chart["svgWidth"] > 100 and chart["svgHeight"] > 50, (what, chart)
        assert chart["svgRight"] <= chart["page"] + 0.5, (what, "wider than the page", chart)
        assert chart["overlaps"] == [], (what, chart)
    return charts


def test_report_html_opens_offline_and_draws_every_chart(report_file, context):
    page, requests, errors = open_offline(context, report_file)
    assert requests == [], f"the report asked the network for {requests}"
    assert errors == []
    charts = assert_charts_drawn(page, at_least=8)
    assert {c["id"] for c in charts} >= {"chart-win_rates", "chart-slices", "chart-agreement", "chart-kappa",
                                         "chart-position_bias", "chart-power", "chart-length_bias", "chart-metrics"}
    layout = {c["id"]: c for c in _check_layout(page, "screen")}
    # the rater × rater grid: a cell for each ordered pair of the demo's three raters
    assert layout["chart-kappa"]["cells"] >= 6
    # fixed sizes: the charts keep their width in a wide window instead of collapsing to a sliver
    assert all(c["svgWidth"] >= 400 for key, c in layout.items() if key != "chart-kappa")
    text = page.inner_text("body")
    assert "finetuned beats base on overall" in text
    assert "Reproducibility" in text and "evalstore report" in text
    for jargon in ("win_rate_b", "too_fast", "always_left", "n_with_majority", "tie_sensitivity", "A wins"):
        assert jargon not in text, jargon


def test_report_prints_on_a4_with_every_chart_whole(browser, report_file):
    context = browser.new_context(viewport={"width": A4_PRINTABLE_PX, "height": 1123})
    try:
        page, requests, errors = open_offline(context, report_file)
        assert requests == [] and errors == []
        page.emulate_media(media="print")
        _check_layout(page, "A4 print")
        assert page.pdf(format="A4")[:4] == b"%PDF"
        # narrower than any chart (a phone): the drawings scale down to the width there is, nothing is cut
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 360, "height": 800})
        for chart in page.evaluate(LAYOUT_JS):
            assert chart["svgRight"] <= chart["page"] + 0.5, chart
    finally:
        context.close()
