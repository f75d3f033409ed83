"""Open a file in chromium with the network blocked and check that a report's charts were drawn.

Used by test_report_offline.py (report written by the CLI) and test_e2e_analysis_page.py (report downloaded
from the analysis page).
"""

from __future__ import annotations

CHARTS_RENDERED_JS = """() => {
  const boxes = Array.from(document.querySelectorAll('div.chart'));
  return boxes.length > 0 && boxes.every(b => b.dataset.rendered === 'true' || b.classList.contains('chart-error'));
}"""

CHART_MARKS_JS = """() => Array.from(document.querySelectorAll('div.chart')).map(b => ({
  id: b.id,
  rendered: b.dataset.rendered === 'true',
  error: b.classList.contains('chart-error') ? b.textContent : null,
  svg: b.querySelectorAll('svg').length,
  marks: b.querySelectorAll('svg [class*="mark-"] path, svg [class*="mark-"] line, svg [class*="mark-"] text').length,
}))"""


def open_offline(context, path):
    """Open ``path`` with every non-file request aborted; returns (page, requests made, console errors)."""
    requests, errors = [], []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                  else (requests.append(route.request.url), route.abort()))
    page = context.new_page()
    page.on("request", lambda r: None if r.url.startswith("file:") else requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_function(CHARTS_RENDERED_JS, timeout=60_000)
    return page, requests, errors


def assert_charts_drawn(page, at_least: int) -> list[dict]:
    charts = page.evaluate(CHART_MARKS_JS)
    assert len(charts) >= at_least, charts
    for chart in charts:
        assert chart["rendered"] and chart["error"] is None, chart
        assert chart["svg"] >= 1 and chart["marks"] > 0, chart
    return charts
