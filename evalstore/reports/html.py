"""The HTML report: one self-contained file that opens offline and prints on A4.

The Vega, Vega-Lite and vega-embed libraries are inlined from the ``vl-convert-python`` package
(``vl_convert.javascript_bundle()``), the chart specs carry their data inline, the style sheet is inline and
uses system fonts. No element refers to any host, so a browser makes no request. Every text — names, slice
values, rater ids, warnings — goes through ``html.escape``; the chart specs are JSON that cannot close their
``<script>`` element.

Charts have fixed sizes (``charts.WIDTH``): a browser window or a printed page narrower than a chart scales
the drawing down to the width there is (``max-width: 100%`` on the SVG, which keeps its viewBox), so no chart
is ever cut.
"""

from __future__ import annotations

import functools
import html
import json

from .. import __version__
from . import words
from .context import ReportContext, methods_paragraphs, reproducibility
from .tables import Table, key_value_table, sections


@functools.lru_cache(maxsize=1)
def vega_bundle() -> str:
    """Vega + Vega-Lite + vega-embed as one script (from vl-convert-python; no network)."""
    import vl_convert

    return vl_convert.javascript_bundle()


def chart_specs(result: dict) -> dict[str, dict]:
    """The Vega-Lite spec of every chart, keyed as ``charts.CHARTS``; ``$schema`` (a URL) dropped."""
    from . import charts

    specs = {}
    for key, title, chart in charts.all_charts(result):
        # validate=False: the same spec without a JSON-schema pass over every data row (a second or more on a
        # large study); tests/test_charts.py validates every builder's output against the Vega-Lite schema
        spec = chart.to_dict(validate=False)
        spec.pop("$schema", None)
        specs[key] = {"title": title, "spec": spec}
    return specs


def _script_json(obj) -> str:
    """JSON safe inside a <script> element: no '<', so no '</script>' or '<!--' can end it early."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, sort_keys=True).replace("<", "\\u003c")


_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;margin:2rem auto;
max-width:1100px;padding:0 1rem;color:#1f2328;line-height:1.45}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2.2rem}
.generated{color:#59636e;margin-top:0}
.verdict{font-size:1.1rem;font-weight:600;margin:.8rem 0 .2rem}
.reading{margin:.1rem 0 .1rem 1rem;color:#33393f}
.scroll{overflow-x:auto;margin:.6rem 0 1.2rem}
table{border-collapse:collapse;font-size:.85rem}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3rem 0}
.note{color:#59636e;font-size:.85rem;margin-top:-.8rem}
.chart{margin:1rem 0 2rem;max-width:100%}
.chart svg{display:block;max-width:100%;height:auto}
.chart-error{color:#b00020}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
ul.warnings li{margin:.2rem 0}
@page{size:A4;margin:12mm}
@media print{
body{max-width:none;margin:0;padding:0;font-size:10pt}
h2{break-after:avoid}h3{break-after:avoid}
.chart{break-inside:avoid;page-break-inside:avoid;margin:.4rem 0 1rem}
.scroll{overflow:visible}
table{font-size:7.5pt;max-width:100%}
th,td{padding:.1rem .25rem;word-break:break-word}
}
"""

_EMBED = """
(function () {
  var specs = JSON.parse(document.getElementById("evalstore-chart-specs").textContent);
  Object.keys(specs).forEach(function (key) {
    var el = document.getElementById("chart-" + key);
    vegaEmbed(el, specs[key].spec, {actions: false, renderer: "svg", mode: "vega-lite"})
      .then(function () { el.setAttribute("data-rendered", "true"); })
      .catch(function (err) {
        el.textContent = "This chart could not be drawn: " + err;
        el.className += " chart-error";
      });
  });
})();
"""


def html_table(table: Table) -> str:
    """One ``Table`` as an HTML table, every cell escaped."""
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in table.headers)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in table.rows)
    out = f'<div class="scroll"><table><caption>{e(table.title)}</caption><thead><tr>{head}</tr></thead>' \
          f"<tbody>{body}</tbody></table></div>"
    if table.note:
        out += f'<p class="note">{e(table.note)}</p>'
    return out


def render_html(result: dict, context: ReportContext | None = None, specs: dict | None = None) -> str:
    """A single self-contained HTML file: verdict, charts, every table, warnings, methods, reproducibility.

    ``specs`` may pass ``chart_specs(result)`` when the caller already has it (the page caches it).
    """
    from . import verdicts

    context = context or ReportContext()
    e = html.escape
    title = context.title_of()
    specs = chart_specs(result) if specs is None else specs
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        f"<style>{_CSS}</style>",
        f"<script>{vega_bundle()}</script>",
        "</head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="generated">Generated {e(context.timestamp())} by evalstore {e(__version__)} from '
        f"{result.get('n_judgments', 0):,} judgments of {result.get('n_items', 0):,} prompts by "
        f"{result.get('n_raters', 0)} raters.</p>",
        '<section id="verdict"><h2>Verdict</h2>',
    ]
    for v in verdicts(result):
        parts.append(f'<p class="verdict">{e(v["sentence"])}</p>')
        if v["trust"]:
            parts.append('<p class="reading"><strong>Can I trust this?</strong></p><ul class="trust">')
            parts.extend(f"<li>{e(t)}</li>" for t in v["trust"])
            parts.append("</ul>")
        if v["power"]:
            parts.append(f'<p class="reading">{e(v["power"])}</p>')
    flagged = words.flagged_raters(result)
    if flagged:
        parts.append(f'<p class="reading">{e(flagged)}</p>')
    if not result.get("headline"):
        parts.append("<p>No judgments to analyse yet.</p>")
    parts.append("</section>")
    if specs:
        parts.append('<section id="charts"><h2>Charts</h2>')
        for key, item in specs.items():
            parts.append(f'<h3>{e(item["title"])}</h3><div class="chart" id="chart-{e(key)}"></div>')
        parts.append("</section>")
    for section in sections(result):
        parts.append(f'<section id="{e(section.key)}"><h2>{e(section.title)}</h2>')
        parts.extend(f"<p>{e(p)}</p>" for p in section.intro)
        parts.extend(html_table(t) for t in section.tables)
        parts.append("</section>")
    warnings = [words.warning_words(w) for w in result.get("warnings") or []]
    parts.append('<section id="warnings"><h2>Warnings</h2><ul class="warnings">')
    parts.extend(f"<li>{e(w)}</li>" for w in warnings)
    if not warnings:
        parts.append("<li>none</li>")
    parts.append("</ul></section>")
    parts.append('<section id="methods"><h2>Methods</h2>')
    parts.extend(f"<p>{e(p)}</p>" for p in methods_paragraphs(result))
    if result.get("methods"):
        parts.append(html_table(key_value_table("Options of each statistic", result["methods"])))
    parts.append("</section>")
    block = reproducibility(result, context)
    command = block.pop("command")
    parts.append('<section id="reproducibility"><h2>Reproducibility</h2>')
    parts.append(html_table(Table("Versions, options and data", ["", ""],
                                  [[k, "–" if v in (None, "") else str(v)] for k, v in block.items()])))
    if command:
        parts.append(f"<p>Regenerate with:</p><pre><code>{e(command)}</code></pre>")
    parts.append("</section>")
    parts.append(f'<script type="application/json" id="evalstore-chart-specs">{_script_json(specs)}</script>')
    parts.append(f"<script>{_EMBED}</script>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
