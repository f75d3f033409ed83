"""Altair charts drawn from one analysis result (the ``analyze`` JSON dict).

Each builder takes the result dict and returns an Altair chart, or ``None`` when the result has nothing to
draw (no slices asked for, no rater pair with enough shared items, ...). Builders only reshape numbers the
engine already computed: no statistic is computed here, so the page, the HTML report and ``evalstore analyze``
show the same values.

The charts use no selections or parameters: Altair names those with a process-wide counter, which would make
two renderings of the same result differ (the report must be byte-identical for the same data and seed).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import altair as alt
import numpy as np
import pandas as pd

from . import words
from .words import ALPHA_RELIABLE, ALPHA_TENTATIVE, SIGNIFICANCE

#: The plot area of every chart, in pixels: fixed, so a chart looks the same in the page, in the HTML report
#: and on paper (labels and legends come on top; the report scales a chart down when the page is narrower).
WIDTH = 400
ROW_HEIGHT = 26
#: Longest axis or legend label, in pixels, before Vega cuts it with "…" (keeps a chart inside an A4 page).
LABEL_LIMIT = 200

#: Colours of the outcomes: the first system of a pair (the baseline) orange, ties grey, the second green.
FIRST_COLOR, TIE_COLOR, SECOND_COLOR = "#d95f02", "#bdbdbd", "#1b9e77"
SLICE_COLORS = {
    "significant after Holm": "#1b9e77",
    "significant after BH only": "#7570b3",
    "not significant": "#4a4a4a",
    "small slice (verdict withheld)": "#c8c8c8",
}


# ---------------------------------------------------------------------------------------------------------
# helpers


def _num(value) -> float | None:
    """A plain float, or None for missing / non-finite values (Vega-Lite data must be valid JSON)."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _ci(value) -> tuple[float | None, float | None]:
    if not value or len(value) != 2:
        return None, None
    return _num(value[0]), _num(value[1])


def comparison_label(entry: dict, *, with_criterion: bool = True) -> str:
    """How a (criterion, system_a, system_b) row is named on every chart axis: ``overall: base vs finetuned``
    (``words.comparison_label``, as the reports and the page name it)."""
    return words.comparison_label(entry) if with_criterion else words.pair_label(entry)


def _second_name(entries: list[dict]) -> str:
    """The second system by name when every entry has the same one, else "the second system"."""
    names = {e.get("system_b") for e in entries}
    return str(next(iter(names))) if len(names) == 1 else "the second system"


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows)


def _plain(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if value is None or value is pd.NA:
        return None
    return value


def _chart(frame: pd.DataFrame) -> alt.Chart:
    """A chart on the rows of ``frame`` given as inline values (``alt.Data``), not as a DataFrame.

    Altair passes DataFrames through the *global* data transformer, which Streamlit swaps for its own while it
    draws a chart on another thread; a report rendered meanwhile (the page's download button) then loses its
    data. Inline values bypass the transformer, so a spec is the same whoever renders it, wherever.
    """
    records = [{k: _plain(v) for k, v in rec.items()} for rec in frame.to_dict(orient="records")]
    return alt.Chart(alt.Data(values=records))


def _order(frame: pd.DataFrame, column: str) -> list[str]:
    """Axis order = order of first appearance (the engine's order), not alphabetical."""
    return list(dict.fromkeys(frame[column]))


def _reference_rule(value: float, axis: str = "x", dash=(4, 4), color="#888888") -> alt.Chart:
    data = alt.Data(values=[{"reference": value}])
    enc = {axis: alt.X("reference:Q") if axis == "x" else alt.Y("reference:Q")}
    return alt.Chart(data).mark_rule(strokeDash=list(dash), color=color).encode(**enc)


def _p_text(p) -> str:
    from .markdown import p_value

    return "n/a" if _num(p) is None else p_value(_num(p))


_BIAS_NONE, _BIAS = "no evidence of bias", words.significance_words()


# ---------------------------------------------------------------------------------------------------------
# win / tie / loss


def win_tie_loss(result: dict) -> alt.VConcatChart | None:
    """Per (criterion, pair): the share of wins of each system and of ties, and the second system's win rate.

    The top panel stacks the judgments' outcomes, each named by its system ("base preferred", "tie",
    "finetuned preferred"; with several pairs, "first system preferred" ... since the row names the pair,
    first system first); the bottom panel shows the headline win rate of the second system under the result's
    tie rule with its item-clustered 95 % interval, and the 50 % line. Rows read as everywhere else.
    """
    comparisons = result.get("comparisons") or []
    if not comparisons:
        return None
    headline = {(h["criterion"], h["system_a"], h["system_b"]): h for h in result.get("headline") or []}
    tie_rule = result.get("tie_rule") or "drop"
    one_pair = len({(c["system_a"], c["system_b"]) for c in comparisons}) == 1
    first = words.wins_words(comparisons[0]["system_a"] if one_pair else "first system")
    second = words.wins_words(comparisons[0]["system_b"] if one_pair else "second system")
    if first == second:  # a system compared with itself: keep the legend's entries apart
        first, second = f"{first} (first)", f"{second} (second)"
    shares, rates = [], []
    for c in comparisons:
        label = comparison_label(c)
        n = c.get("n_judgments") or 0
        for rank, (outcome, key, system) in enumerate(((first, "wins_a", c["system_a"]),
                                                       (words.TIE_OUTCOME, "ties", None),
                                                       (second, "wins_b", c["system_b"]))):
            count = int(c.get(key) or 0)
            shares.append({
                "comparison": label, "outcome": outcome, "rank": rank, "count": count,
                "share": count / n if n else 0.0,
                "who": words.wins_words(system) if system else words.TIE_OUTCOME,
            })
        h = headline.get((c["criterion"], c["system_a"], c["system_b"]), {})
        low, high = _ci(h.get("win_rate_b_ci", c.get("win_rate_b_ci")))
        rates.append({
            "comparison": label, "win_rate_b": _num(h.get("win_rate_b", c.get("win_rate_b"))),
            "ci_low": low, "ci_high": high, "p": _p_text(h.get("p_value", c.get("sign_test_p"))),
            "n_items": c.get("n_items"),
        })
    shares, rates = _frame(shares), _frame(rates)
    order = _order(rates, "comparison")
    height = max(60, ROW_HEIGHT * len(order))
    name = _second_name(comparisons)
    win_rate = f"win rate of {name}"
    bars = _chart(shares).mark_bar().encode(
        y=alt.Y("comparison:N", sort=order, title=None),
        x=alt.X("share:Q", stack="normalize", title="share of judgments",
                axis=alt.Axis(format="%", tickCount=5)),
        color=alt.Color("outcome:N", title="outcome", legend=alt.Legend(orient="bottom", columns=3),
                        scale=alt.Scale(domain=[first, words.TIE_OUTCOME, second],
                                        range=[FIRST_COLOR, TIE_COLOR, SECOND_COLOR])),
        order=alt.Order("rank:Q"),
        tooltip=["comparison:N", alt.Tooltip("who:N", title="outcome"), "count:Q",
                 alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=WIDTH, height=height, title="Outcomes of the judgments")
    base = _chart(rates).encode(y=alt.Y("comparison:N", sort=order, title=None))
    interval = base.mark_rule(strokeWidth=2, color=SECOND_COLOR).encode(
        x=alt.X("ci_low:Q", scale=alt.Scale(domain=[0, 1])), x2="ci_high:Q")
    point = base.mark_point(filled=True, size=80, color=SECOND_COLOR).encode(
        x=alt.X("win_rate_b:Q", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%", tickCount=5),
                title=f"{win_rate} ({words.tie_rule_words(tie_rule, name if name != 'the second system' else None)})"),
        tooltip=["comparison:N", alt.Tooltip("win_rate_b:Q", format=".1%", title=win_rate),
                 alt.Tooltip("ci_low:Q", format=".1%", title="95 % CI low (clustered by prompt)"),
                 alt.Tooltip("ci_high:Q", format=".1%", title="95 % CI high"),
                 alt.Tooltip("p:N", title="p"), alt.Tooltip("n_items:Q", title="prompts")])
    bottom = alt.layer(_reference_rule(0.5), interval, point).properties(
        width=WIDTH, height=height, title=f"{win_rate[0].upper()}{win_rate[1:]}, 95 % CI clustered by prompt")
    return alt.vconcat(bars, bottom, spacing=24).resolve_scale(color="independent")


# ---------------------------------------------------------------------------------------------------------
# slices


def slice_status(entry: dict) -> str:
    """The forest plot's colour category of one ``slices[]`` entry."""
    if entry.get("small"):
        return "small slice (verdict withheld)"
    if str(entry.get("verdict", "")).startswith("no verdict"):
        return "not significant"  # e.g. a lead that only ties counted against system_b create
    holm, bh = _num(entry.get("p_holm")), _num(entry.get("p_bh"))
    if holm is not None and holm < SIGNIFICANCE:
        return "significant after Holm"
    if bh is not None and bh < SIGNIFICANCE:
        return "significant after BH only"
    return "not significant"


def _value(entry: dict) -> str:
    return "(empty)" if entry.get("value") is None else str(entry["value"])


def forest(result: dict) -> alt.LayerChart | None:
    """Win rate of system_b per slice value with its 95 % CI; colour = Holm/BH-adjusted significance.

    Slices under 20 items are grey: the engine withholds their verdict and so does the chart.
    """
    entries = result.get("slices") or []
    if not entries:
        return None
    several = len({(e["criterion"], e["system_a"], e["system_b"]) for e in entries}) > 1
    rows = []
    for e in entries:
        low, high = _ci(e.get("win_rate_b_ci"))
        prefix = f"{comparison_label(e)} · " if several else ""
        rows.append({
            "row": f"{prefix}{e['slice']} = {_value(e)}", "slice": str(e["slice"]), "value": _value(e),
            "comparison": comparison_label(e), "win_rate_b": _num(e.get("win_rate_b")),
            "ci_low": low, "ci_high": high, "n_items": e.get("n_items"), "n_judgments": e.get("n_judgments"),
            "sign_test_p": _p_text(e.get("sign_test_p")), "p_holm": _p_text(e.get("p_holm")),
            "p_bh": _p_text(e.get("p_bh")), "status": slice_status(e),
        })
    frame = _frame(rows)
    order = _order(frame, "row")
    color = alt.Color("status:N", title="slice", scale=alt.Scale(domain=list(SLICE_COLORS),
                                                                 range=list(SLICE_COLORS.values())))
    base = _chart(frame).encode(y=alt.Y("row:N", sort=order, title=None), color=color)
    tooltip = ["comparison:N", "slice:N", "value:N", alt.Tooltip("win_rate_b:Q", format=".1%"),
               alt.Tooltip("ci_low:Q", format=".1%"), alt.Tooltip("ci_high:Q", format=".1%"),
               "n_items:Q", "n_judgments:Q", alt.Tooltip("sign_test_p:N", title="sign test p"),
               alt.Tooltip("p_holm:N", title="p (Holm)"), alt.Tooltip("p_bh:N", title="p (BH)"), "status:N"]
    interval = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", scale=alt.Scale(domain=[0, 1])), x2="ci_high:Q", tooltip=tooltip)
    point = base.mark_point(filled=True, size=70).encode(
        x=alt.X("win_rate_b:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"),
                title=f"win rate of {_second_name(entries)} "
                f"({words.tie_rule_words(result.get('tie_rule'))}), 95 % CI"),
        tooltip=tooltip)
    return alt.layer(_reference_rule(0.5), interval, point).properties(
        width=WIDTH, height=max(60, ROW_HEIGHT * len(order)),
        title="Win rate per slice (Holm/BH-adjusted; grey = under 20 items)")


# ---------------------------------------------------------------------------------------------------------
# agreement


AGREEMENT_COEFFICIENTS = {
    "krippendorff_alpha_nominal": "α nominal",
    "krippendorff_alpha_ordinal": "α ordinal",
    "krippendorff_alpha_interval": "α interval",
    "fleiss_kappa": "Fleiss κ",
    "gwet_ac1": "Gwet AC1",
    "percent_agreement": "% agreement",
}


def headline_alpha(entry: dict) -> tuple[str, float | None]:
    """The α the engine bootstrapped (``alpha_ci_level``) and its value: the one the verdict leans on."""
    level = entry.get("alpha_ci_level") or "nominal"
    return level, _num(entry.get(f"krippendorff_alpha_{level}"))


def agreement(result: dict) -> alt.LayerChart | None:
    """Every agreement coefficient per (criterion, pair); the bootstrapped α with its 95 % CI as a bar.

    Dashed lines at Krippendorff's thresholds (``words.ALPHA_TENTATIVE``: tentative conclusions,
    ``words.ALPHA_RELIABLE``: reliable).
    """
    entries = result.get("agreement") or []
    if not entries:
        return None
    points, intervals = [], []
    for e in entries:
        label = comparison_label(e)
        level, alpha = headline_alpha(e)
        for key, name in AGREEMENT_COEFFICIENTS.items():
            value = _num(e.get(key))
            if value is not None:
                points.append({"comparison": label, "coefficient": name, "value": value,
                               "n_units": e.get("n_units")})
        low, high = _ci(e.get("alpha_ci"))
        if low is not None and high is not None:
            intervals.append({"comparison": label, "ci_low": low, "ci_high": high, "alpha": alpha,
                              "level": f"α {level}"})
    if not points:
        return None
    frame = _frame(points)
    names = [n for n in AGREEMENT_COEFFICIENTS.values() if n in set(frame["coefficient"])]
    order = list(dict.fromkeys(comparison_label(e) for e in entries))
    y = alt.Y("comparison:N", sort=order, title=None)
    x_scale = alt.Scale(domain=[min(-0.2, float(frame["value"].min())), 1])
    layers = [_reference_rule(ALPHA_TENTATIVE, color="#e6ab02"), _reference_rule(ALPHA_RELIABLE, color="#1b9e77")]
    if intervals:
        layers.append(_chart(_frame(intervals)).mark_rule(strokeWidth=6, opacity=0.35, color="#7570b3").encode(
            y=y, x=alt.X("ci_low:Q", scale=x_scale), x2="ci_high:Q",
            tooltip=["comparison:N", "level:N", alt.Tooltip("alpha:Q", format=".3f"),
                     alt.Tooltip("ci_low:Q", format=".3f", title="95% CI low"),
                     alt.Tooltip("ci_high:Q", format=".3f", title="95% CI high")]))
    layers.append(_chart(frame).mark_point(filled=True, size=70).encode(
        y=y, x=alt.X("value:Q", scale=x_scale, title=f"coefficient (dashed: {words.alpha_thresholds_words()})"),
        color=alt.Color("coefficient:N", title="coefficient", scale=alt.Scale(domain=names)),
        shape=alt.Shape("coefficient:N", title="coefficient", scale=alt.Scale(domain=names)),
        tooltip=["comparison:N", "coefficient:N", alt.Tooltip("value:Q", format=".3f"), "n_units:Q"]))
    return alt.layer(*layers).properties(
        width=WIDTH, height=max(60, ROW_HEIGHT * 2 * len(order)),
        title="Agreement between raters (bar: 95 % CI of the bootstrapped α)")


def kappa_heatmap(result: dict) -> alt.VConcatChart | alt.LayerChart | None:
    """Cohen's κ for every rater pair with at least the engine's minimum of shared items, one grid per comparison."""
    panels = []
    for e in result.get("agreement") or []:
        pairs = e.get("cohen_kappa_pairs") or []
        if not pairs:
            continue
        rows = []
        for p in pairs:
            kappa = _num(p.get("kappa"))
            for r1, r2 in ((p["rater_1"], p["rater_2"]), (p["rater_2"], p["rater_1"])):
                rows.append({"rater": str(r1), "other rater": str(r2), "kappa": kappa, "n": p.get("n"),
                             "label": "n/a" if kappa is None else f"{kappa:.2f}"})
        frame = _frame(rows)
        raters = sorted(set(frame["rater"]))
        size = max(120, 34 * len(raters))
        base = _chart(frame).encode(x=alt.X("rater:N", sort=raters, title=None),
                                       y=alt.Y("other rater:N", sort=raters, title=None))
        cells = base.mark_rect().encode(
            color=alt.Color("kappa:Q", title="Cohen's κ",
                            scale=alt.Scale(scheme="redblue", domain=[-1, 1], domainMid=0)),
            tooltip=["rater:N", "other rater:N", alt.Tooltip("kappa:Q", format=".3f"),
                     alt.Tooltip("n:Q", title="shared items")])
        text = base.mark_text(fontSize=11).encode(text="label:N")
        panels.append(alt.layer(cells, text).properties(
            width=size, height=size, title=f"Cohen's κ, {comparison_label(e)}"))
    if not panels:
        return None
    return panels[0] if len(panels) == 1 else alt.vconcat(*panels)


# ---------------------------------------------------------------------------------------------------------
# position bias, power, length and metrics


def position_bias(result: dict) -> alt.LayerChart | None:
    """Share of non-tie judgments won by the output shown on the left, per rater and overall."""
    bias = result.get("position_bias")
    if not bias:
        return None
    rows = [{"rater": "all raters", "left_share": _num(bias.get("left_share")), "n_non_tie": bias.get("n_non_tie"),
             "p": _num(bias.get("p_value"))}]
    for r in bias.get("per_rater") or []:
        rows.append({"rater": str(r["rater_id"]), "left_share": _num(r.get("left_share")),
                     "n_non_tie": r.get("n_non_tie"), "p": _num(r.get("p_holm", r.get("p_value")))})
    frame = _frame(rows)
    frame["bias"] = [_BIAS if p is not None and p < SIGNIFICANCE else _BIAS_NONE for p in frame["p"]]
    frame["p_text"] = [_p_text(p) for p in frame["p"]]
    frame = frame.drop(columns="p")
    order = _order(frame, "rater")
    bars = _chart(frame).mark_bar().encode(
        y=alt.Y("rater:N", sort=order, title=None),
        x=alt.X("left_share:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"),
                title="share of non-tie judgments won by the left output"),
        color=alt.Color("bias:N", title=None, scale=alt.Scale(domain=[_BIAS_NONE, _BIAS],
                                                              range=["#9ecae1", "#d95f02"])),
        tooltip=["rater:N", alt.Tooltip("left_share:Q", format=".1%"), "n_non_tie:Q",
                 alt.Tooltip("p_text:N", title="within-prompt p (two-sided)")])
    return alt.layer(bars, _reference_rule(0.5)).properties(
        width=WIDTH, height=max(60, ROW_HEIGHT * len(order)), title="Position bias (50 % = none)")


#: Win rates the power curve is drawn over (the engine's fixed effects and the observed one are marked on it).
POWER_GRID = tuple(round(0.52 + 0.01 * k, 2) for k in range(29))  # 0.52 ... 0.80


def power_curve(result: dict) -> alt.LayerChart | None:
    """Items needed for 80 % power (two-sided, at ``words.SIGNIFICANCE``) against the win rate to detect.

    The line is ``stats.power.study_size`` — the engine's own function — evaluated with each comparison's
    tie rate, design effect and judgments per item from the result; the points are the engine's
    ``power.comparisons[].needed`` entries (observed effect and fixed effects); the dashed rule marks the
    items judged so far.
    """
    from ..stats.power import study_size

    power = result.get("power") or {}
    entries = power.get("comparisons") or []
    curve, points, current = [], [], []
    for p in entries:
        label = comparison_label(p)
        tie_rate, deff, per_item = _num(p.get("tie_rate")) or 0.0, _num(p.get("design_effect")), _num(
            p.get("judgments_per_item"))
        if deff is not None and per_item:
            for rate in POWER_GRID:
                size = study_size(rate, tie_rate, deff, per_item)
                if size:
                    curve.append({"comparison": label, "win_rate_b": rate, "items": size[0],
                                  "judgments": size[1]})
        for n in p.get("needed") or []:
            rate, items = _num(n.get("win_rate_b")), _num(n.get("items"))
            if rate is not None and items is not None and rate > 0.5:
                points.append({"comparison": label, "win_rate_b": rate, "items": items,
                               "judgments": _num(n.get("judgments")),
                               "effect": "observed win rate" if n.get("effect") == "observed" else "fixed effect"})
        if _num(p.get("n_items")) is not None:
            current.append({"comparison": label, "items_now": _num(p.get("n_items"))})
    if not curve and not points:
        return None
    tooltip = ["comparison:N", alt.Tooltip("win_rate_b:Q", format=".0%", title="win rate to detect"),
               alt.Tooltip("items:Q", format=",.0f", title="items needed"),
               alt.Tooltip("judgments:Q", format=",.0f", title="judgments needed")]
    x = alt.X("win_rate_b:Q", title=f"true win rate of {_second_name(entries)} ({words.tie_rule_words('drop')})",
              axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0.5, 0.8]))
    y = alt.Y("items:Q", title="items needed for 80 % power", scale=alt.Scale(type="log"))
    color = alt.Color("comparison:N", title=None)
    layers = []
    if curve:
        layers.append(_chart(_frame(curve)).mark_line().encode(x=x, y=y, color=color, tooltip=tooltip))
    if points:
        layers.append(_chart(_frame(points)).mark_point(filled=True, size=70).encode(
            x=x, y=y, color=color, shape=alt.Shape("effect:N", title=None), tooltip=tooltip + ["effect:N"]))
    if current:
        layers.append(_chart(_frame(current)).mark_rule(strokeDash=[4, 4]).encode(
            y="items_now:Q", color=color, tooltip=["comparison:N", alt.Tooltip("items_now:Q", title="items so far")]))
    return alt.layer(*layers).properties(
        width=WIDTH, height=240, title="Power: items needed for 80 % power (dashed: items judged so far)")


def length_bias(result: dict) -> alt.LayerChart | None:
    """Share of non-tie judgments won by the longer output (50 % = raters ignore length)."""
    lb = result.get("length_bias")
    if not lb:
        return None
    entries = [("all comparisons", lb)] + [(comparison_label(e), e) for e in lb.get("per_comparison") or []]
    if len(entries) == 2:
        entries = entries[1:]  # one comparison: its row is the overall one
    rows = []
    for label, e in entries:
        share = _num(e.get("longer_share"))
        if share is None:
            continue
        rows.append({"comparison": label, "longer_share": share, "n": e.get("n_non_tie"),
                     "p": _p_text(e.get("p_value")), "p_items": _p_text(e.get("p_value_items")),
                     "bias": _BIAS if (_num(e.get("p_value")) or 1) < SIGNIFICANCE else _BIAS_NONE})
    if not rows:
        return None
    frame = _frame(rows)
    bars = _chart(frame).mark_bar().encode(
        y=alt.Y("comparison:N", sort=_order(frame, "comparison"), title=None),
        x=alt.X("longer_share:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"),
                title="share of non-tie judgments won by the longer output"),
        color=alt.Color("bias:N", title=None, scale=alt.Scale(domain=[_BIAS_NONE, _BIAS],
                                                              range=["#9ecae1", "#d95f02"])),
        tooltip=["comparison:N", alt.Tooltip("longer_share:Q", format=".1%"), alt.Tooltip("n:Q", title="judgments"),
                 alt.Tooltip("p:N", title="binomial p (two-sided)"),
                 alt.Tooltip("p_items:N", title="sign test over items p (two-sided)")])
    return alt.layer(bars, _reference_rule(0.5)).properties(
        width=WIDTH, height=max(60, ROW_HEIGHT * len(frame)), title="Length bias (50 % = none)")


def metrics_vs_human(result: dict) -> alt.LayerChart | None:
    """Kendall τ-b between each automatic metric's per-item difference (second − first system) and the items'
    mean preference."""
    entries = result.get("metrics") or []
    several = len({(e["criterion"], e["system_a"], e["system_b"]) for e in entries}) > 1
    rows = []
    for e in entries:
        tau = _num(e.get("kendall_tau_b"))
        if tau is None:
            continue
        label = f"{e['metric']} ({comparison_label(e)})" if several else str(e["metric"])
        rows.append({"metric": label, "tau": tau, "p": _p_text(e.get("kendall_p")),
                     "mean_difference": _num(e.get("mean_difference")), "n_items": e.get("n_items"),
                     "direction": "agrees with raters" if tau >= 0 else "disagrees with raters"})
    if not rows:
        return None
    frame = _frame(rows)
    bars = _chart(frame).mark_bar().encode(
        y=alt.Y("metric:N", sort=_order(frame, "metric"), title=None),
        x=alt.X("tau:Q", scale=alt.Scale(domain=[-1, 1]),
                title="Kendall τ-b: metric difference (second − first system) vs preference"),
        color=alt.Color("direction:N", title=None, scale=alt.Scale(
            domain=["agrees with raters", "disagrees with raters"], range=["#1b9e77", "#d95f02"])),
        tooltip=["metric:N", alt.Tooltip("tau:Q", format=".3f", title="τ-b"), alt.Tooltip("p:N", title="p"),
                 alt.Tooltip("mean_difference:Q", format=".4g", title="mean difference (second − first)"),
                 alt.Tooltip("n_items:Q", title="prompts")])
    return alt.layer(bars, _reference_rule(0.0)).properties(
        width=WIDTH, height=max(60, ROW_HEIGHT * len(frame)),
        title="Do automatic metrics agree with the raters? (τ-b > 0: yes)")


# ---------------------------------------------------------------------------------------------------------
# all of them, in the order the page and the report show them

CHARTS: list[tuple[str, str, Callable[[dict], alt.TopLevelMixin | None]]] = [
    ("win_rates", "Who wins", win_tie_loss),
    ("slices", "Win rate per slice", forest),
    ("agreement", "Agreement", agreement),
    ("kappa", "Rater × rater agreement", kappa_heatmap),
    ("position_bias", "Position bias", position_bias),
    ("power", "Power", power_curve),
    ("length_bias", "Length bias", length_bias),
    ("metrics", "Automatic metrics vs human preference", metrics_vs_human),
]


def all_charts(result: dict) -> list[tuple[str, str, alt.TopLevelMixin]]:
    """``(key, title, chart)`` for every chart the result has data for, in display order."""
    out = []
    for key, title, build in CHARTS:
        chart = _sized(build(result))
        if chart is not None:
            out.append((key, title, chart))
    return out


def _sized(chart):
    """Pin how the chart sizes itself, so every renderer draws it alike.

    ``pad``: the plot area keeps the width and height the builder gave it and axes, titles and legends are
    laid out around it. (``fit`` and ``fit-x`` squeeze them into the given size instead: with long pair names
    the plot area shrinks to a sliver, legends land on axis titles and a percentage axis reads "0%100%".)
    Legends go below the plot so a chart stays narrow enough for an A4 page.
    """
    if chart is None:
        return None
    # labelLimit: comparison and slice names are long; Streamlit's theme would cut them at ~100 px
    # configure_view: the sizes Altair's default theme adds, stated here so the spec does not depend on which
    # theme is active globally (Streamlit switches it to "none" while it draws)
    return chart.properties(autosize=alt.AutoSizeParams(type="pad", contains="padding")).configure_axis(
        labelLimit=LABEL_LIMIT).configure_legend(labelLimit=LABEL_LIMIT, orient="bottom", columns=2,
                                                 titleOrient="top").configure_view(
        continuousWidth=WIDTH, continuousHeight=300)
