"""Chart builders: drawn from one analysis result, checked without a browser.

Each chart's inline data must carry the engine's numbers unchanged, and every spec must compile and render
with the Vega-Lite runtime bundled in vl-convert (the same library the HTML report inlines).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import vl_convert

from evalstore.reports import charts
from evalstore.analysis import analyze
from evalstore.demo import SAMPLE_DIR
from evalstore.judgments import read_judgments
from evalstore.stats.power import study_size


@pytest.fixture(scope="module")
def sample_result():
    frame = read_judgments(SAMPLE_DIR / "judgments.csv")
    return analyze(frame, slices=["category", "difficulty"], seed=0, resamples=200)


def _datasets(chart) -> list[list[dict]]:
    """Every inline data set of the spec: top-level ``datasets`` and ``data.values`` of any (nested) view."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("values"), list):
                found.append(node["values"])
            for key, value in node.items():
                if key == "datasets" and isinstance(value, dict):
                    found.extend(value.values())
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(chart.to_dict())
    unique = {json.dumps(values, sort_keys=True): values for values in found}  # layers may repeat their data
    return list(unique.values())


def _rows_with(chart, column: str) -> list[dict]:
    """All inline rows (of any layer) that have ``column``."""
    return [row for data in _datasets(chart) for row in data if column in row]


def test_every_chart_of_the_sample_renders_to_svg(sample_result):
    built = charts.all_charts(sample_result)
    keys = [key for key, _title, _chart in built]
    assert keys == ["win_rates", "slices", "agreement", "kappa", "position_bias", "power", "length_bias", "metrics"]
    for key, _title, chart in built:
        spec = chart.to_dict()  # validates against the Vega-Lite schema (the report skips this pass)
        assert chart.to_dict(validate=False) == spec
        svg = vl_convert.vegalite_to_svg(spec)
        assert svg.startswith("<svg") and ("<path" in svg or "<rect" in svg), key


def test_win_rates_carry_the_engine_numbers(sample_result):
    chart = charts.win_tie_loss(sample_result)
    (comparison,) = sample_result["comparisons"]
    (headline,) = sample_result["headline"]
    shares = {r["outcome"]: r for r in _rows_with(chart, "outcome")}
    n = comparison["n_judgments"]
    # outcomes are named by system, never "A" / "B" (raters' "Response A" is the left side)
    assert set(shares) == {f"{comparison['system_a']} preferred", "tie", f"{comparison['system_b']} preferred"}
    assert shares[f"{comparison['system_a']} preferred"]["count"] == comparison["wins_a"]
    assert shares["tie"]["share"] == pytest.approx(comparison["ties"] / n)
    assert shares[f"{comparison['system_b']} preferred"]["share"] == pytest.approx(comparison["wins_b"] / n)
    (rate,) = _rows_with(chart, "win_rate_b")
    assert rate["win_rate_b"] == headline["win_rate_b"]
    assert [rate["ci_low"], rate["ci_high"]] == headline["win_rate_b_ci"]


def test_win_rate_panel_follows_the_tie_rule():
    frame = read_judgments(SAMPLE_DIR / "judgments.csv")
    result = analyze(frame, seed=0, resamples=200, tie_rule="against_b")
    (rate,) = _rows_with(charts.win_tie_loss(result), "win_rate_b")
    against = next(t for t in result["tie_sensitivity"] if t["rule"] == "against_b")
    assert rate["win_rate_b"] == against["win_rate_b"]
    assert [rate["ci_low"], rate["ci_high"]] == against["win_rate_b_ci"]
    text = json.dumps(charts.win_tie_loss(result).to_dict())
    assert f"ties counted against {against['system_b']}" in text
    assert "A wins" not in text and "B wins" not in text and " of B" not in text


def test_forest_marks_adjusted_significance_and_greys_small_slices(sample_result):
    rows = _rows_with(charts.forest(sample_result), "status")
    assert len(rows) == len(sample_result["slices"])
    for row, entry in zip(rows, sample_result["slices"]):
        assert row["win_rate_b"] == entry["win_rate_b"]
        assert [row["ci_low"], row["ci_high"]] == entry["win_rate_b_ci"]
        assert row["status"] == charts.slice_status(entry)
    # every category has 12 items in the sample: all small, all grey
    assert {r["status"] for r in rows if r["slice"] == "category"} == {"small slice (verdict withheld)"}
    assert charts.slice_status({"small": False, "p_holm": 0.01, "p_bh": 0.01}) == "significant after Holm"
    assert charts.slice_status({"small": False, "p_holm": 0.2, "p_bh": 0.03}) == "significant after BH only"
    assert charts.slice_status({"small": False, "p_holm": 0.2, "p_bh": 0.2}) == "not significant"
    assert charts.slice_status({"small": True, "p_holm": 0.001, "p_bh": 0.001}) == "small slice (verdict withheld)"


def test_forest_with_a_large_significant_slice():
    rng = np.random.default_rng(0)
    rows = []
    for i in range(110):
        group = "big" if i < 100 else "tiny"
        for r in range(3):
            p = 1 if (group == "big" and rng.random() < 0.85) else int(rng.choice([-1, 1]))
            rows.append({"item_id": f"i{i}", "rater_id": f"r{r}", "system_a": "base", "system_b": "ft",
                         "preference": p, "group": group})
    result = analyze(pd.DataFrame(rows), slices=["group"], seed=0, resamples=200)
    status = {r["value"]: r["status"] for r in _rows_with(charts.forest(result), "status")}
    assert status == {"big": "significant after Holm", "tiny": "small slice (verdict withheld)"}


def test_agreement_and_kappa_heatmap(sample_result):
    (entry,) = sample_result["agreement"]
    points = {r["coefficient"]: r["value"] for r in _rows_with(charts.agreement(sample_result), "coefficient")}
    assert points["α nominal"] == entry["krippendorff_alpha_nominal"]
    assert points["Fleiss κ"] == entry["fleiss_kappa"]
    (interval,) = _rows_with(charts.agreement(sample_result), "ci_low")
    assert [interval["ci_low"], interval["ci_high"]] == entry["alpha_ci"]
    cells = _rows_with(charts.kappa_heatmap(sample_result), "kappa")
    assert len(cells) == 2 * len(entry["cohen_kappa_pairs"])  # both halves of the symmetric grid
    for pair in entry["cohen_kappa_pairs"]:
        for a, b in ((pair["rater_1"], pair["rater_2"]), (pair["rater_2"], pair["rater_1"])):
            (cell,) = [c for c in cells if (c["rater"], c["other rater"]) == (a, b)]
            assert cell["kappa"] == pair["kappa"] and cell["n"] == pair["n"]


def test_position_bias_rows_and_colours(sample_result):
    rows = _rows_with(charts.position_bias(sample_result), "left_share")
    bias = sample_result["position_bias"]
    assert [r["rater"] for r in rows] == ["all raters"] + [r["rater_id"] for r in bias["per_rater"]]
    assert rows[0]["left_share"] == bias["left_share"]
    for row, entry in zip(rows[1:], bias["per_rater"]):
        assert row["bias"] == ("p < 0.05" if entry["p_value"] < 0.05 else "no evidence of bias")


def test_power_curve_goes_through_the_engine_figures(sample_result):
    chart = charts.power_curve(sample_result)
    (entry,) = sample_result["power"]["comparisons"]
    curve = {r["win_rate_b"]: r["items"] for r in _rows_with(chart, "items") if "effect" not in r}
    marked = [r for r in _rows_with(chart, "effect")]
    for needed in entry["needed"]:
        if needed["effect"] == "fixed":
            # the line is the engine's own function at the engine's parameters: it meets the engine's points
            assert curve[needed["win_rate_b"]] == needed["items"]
        assert any(m["win_rate_b"] == needed["win_rate_b"] and m["items"] == needed["items"] for m in marked)
    expected = study_size(0.7, entry["tie_rate"], entry["design_effect"], entry["judgments_per_item"])[0]
    assert curve[0.7] == expected
    (now,) = _rows_with(chart, "items_now")
    assert now["items_now"] == entry["n_items"]


def test_length_bias_and_metrics(sample_result):
    (row,) = _rows_with(charts.length_bias(sample_result), "longer_share")
    assert row["longer_share"] == sample_result["length_bias"]["longer_share"]
    taus = {r["metric"]: r["tau"] for r in _rows_with(charts.metrics_vs_human(sample_result), "tau")}
    assert taus == {m["metric"]: m["kendall_tau_b"] for m in sample_result["metrics"]}


def test_sections_without_data_draw_nothing():
    frame = pd.DataFrame({"item_id": ["a", "a", "b", "b"], "rater_id": ["r1", "r2", "r1", "r2"],
                          "system_a": "base", "system_b": "ft", "preference": [1, 1, -1, 0]})
    result = analyze(frame, seed=0, resamples=50)
    assert charts.forest(result) is None  # no slices asked for
    assert charts.position_bias(result) is None  # no left_system column
    assert charts.length_bias(result) is None and charts.metrics_vs_human(result) is None
    assert charts.kappa_heatmap(result) is None  # no rater pair with 10 shared items
    keys = [k for k, _t, _c in charts.all_charts(result)]
    assert keys[0] == "win_rates" and "slices" not in keys
    assert charts.all_charts({"comparisons": [], "headline": []}) == []


def test_specs_are_deterministic(sample_result):
    first = [json.dumps(c.to_dict(), sort_keys=True) for _k, _t, c in charts.all_charts(sample_result)]
    second = [json.dumps(c.to_dict(), sort_keys=True) for _k, _t, c in charts.all_charts(sample_result)]
    assert first == second
    assert all("param_" not in spec and "view_" not in spec for spec in first)


def test_specs_do_not_depend_on_altairs_global_state(sample_result):
    """Streamlit swaps Altair's global data transformer and theme while it draws a chart, on its own thread;
    a report rendered meanwhile must come out the same (its data inline, its sizes stated)."""
    import altair as alt

    plain = [json.dumps(c.to_dict(), sort_keys=True) for _k, _t, c in charts.all_charts(sample_result)]
    captured = {}

    def steal(data):  # what Streamlit's "to_arrow_dataset" transformer does: keep the data, return a name
        captured[str(len(captured))] = data
        return {"name": str(len(captured))}

    alt.data_transformers.register("steal_for_test", steal)
    with alt.data_transformers.enable("steal_for_test"), alt.theme.enable("none"):
        swapped = [json.dumps(c.to_dict(), sort_keys=True) for _k, _t, c in charts.all_charts(sample_result)]
    assert swapped == plain and captured == {}
