"""Reports from ONE analysis result: HTML (single self-contained file), Markdown, JSON and flat metrics.

Everything here renders numbers the engine (``analysis.analyze``) already computed; nothing is recomputed.
The analysis page uses the same sentences (``verdicts``, built on ``reports.markdown``'s) so the page, the
reports and ``evalstore analyze --format md`` say the same thing.

The HTML report opens offline: the Vega, Vega-Lite and vega-embed libraries are inlined from the
``vl-convert-python`` package (``vl_convert.javascript_bundle()``), the chart specs carry their data inline,
the style sheet is inline and uses system fonts. No element refers to any host, so a browser makes no request.

Determinism: the same result and the same options give the same bytes, apart from the generation timestamp
(``generated_at``), which callers may pin.
"""

from __future__ import annotations

import functools
import html
import json
import math
import platform
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .. import __version__

FORMATS = ("html", "md", "json", "metrics")
TIE_RULE_WORDS = {
    "drop": "ties dropped",
    "half": "ties split half-half",
    "against_b": "ties counted against the second system",
}
SIGNIFICANCE = 0.05


# ---------------------------------------------------------------------------------------------------------
# numbers in words


def _num(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _key(entry: dict) -> tuple:
    return entry.get("criterion"), entry.get("system_a"), entry.get("system_b")


def verdicts(result: dict) -> list[dict]:
    """Per comparison: the verdict sentence, the agreement reading and the power message, in result order.

    The sentences are ``reports.markdown``'s, so the page, the reports and ``evalstore analyze --format md`` use the
    same words for the same numbers.
    """
    from .markdown import agreement_sentence, headline_sentence, trust_list

    agreement = {_key(a): a for a in result.get("agreement") or []}
    power = {_key(p): p for p in (result.get("power") or {}).get("comparisons") or []}
    out = []
    for h in result.get("headline") or []:
        a = agreement.get(_key(h))
        p = power.get(_key(h))
        out.append({
            "criterion": h["criterion"], "system_a": h["system_a"], "system_b": h["system_b"],
            "winner": h.get("winner"), "significant": bool(h.get("significant")),
            "sentence": h.get("sentence") or headline_sentence(h),
            "agreement": agreement_sentence(a) if a else "",
            # what threatens the verdict, agreement first: shown right under the sentence everywhere
            "trust": h.get("can_i_trust_this") or trust_list(h, result),
            "power": (p or {}).get("message", ""),
        })
    return out


def flagged_raters(result: dict) -> str:
    """"Raters to look at: carol (too_fast, always_left)." or "" when no rater is flagged."""
    flagged = [r for r in result.get("raters") or [] if r.get("flags")]
    if not flagged:
        return ""
    return "Raters to look at: " + ", ".join(f"{r['rater_id']} ({', '.join(r['flags'])})" for r in flagged) + "."


# ---------------------------------------------------------------------------------------------------------
# tables: one model, rendered as HTML or Markdown


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)


_P_KEYS = re.compile(r"(^p_|_p$|^p$|p_value|kendall_p)")
_RATE_KEYS = re.compile(r"(rate|share|percent_agreement|accuracy|agreement_with_others|power)")
_HIDDEN = {"warnings"}


def format_value(key: str, value) -> str:
    """A cell: p-values as p, rates and shares as percentages, intervals as ranges, the rest plainly."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    base = key[:-3] if key.endswith("_ci") else key
    if isinstance(value, (list, tuple)):
        if len(value) == 2 and all(v is None or isinstance(v, (int, float)) for v in value) and \
                (key.endswith("_ci") or key == "ci"):
            low, high = (format_value(base, v) for v in value)
            return f"[{low}, {high}]"
        if all(not isinstance(v, (dict, list)) for v in value):
            return ", ".join(str(v) for v in value) if value else "–"
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {format_value(k, v)}" for k, v in value.items())
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "–"
        if _P_KEYS.search(base):
            from .markdown import p_value

            return p_value(value)
        if _RATE_KEYS.search(base) and 0 <= value <= 1:
            return f"{100 * value:.1f} %"
        if abs(value) >= 100:
            return f"{value:,.1f}"
        return f"{value:.3f}"
    return str(value)


def _pair(entry: dict) -> str:
    return f"{entry.get('system_b')} vs {entry.get('system_a')}"


def _records_table(title: str, entries: list[dict], columns: Sequence[str] | None = None, note: str = "") -> Table:
    """Rows = entries, columns = the given keys (default: every scalar key, in first-seen order)."""
    if columns is None:
        columns = list(dict.fromkeys(k for e in entries for k, v in e.items()
                                     if not (isinstance(v, list) and v and isinstance(v[0], dict))))
    rows = [[format_value(c, e.get(c)) for c in columns] for e in entries]
    return Table(title, list(columns), rows, note)


def _transposed_table(title: str, entries: list[dict], skip: Sequence[str] = (), note: str = "") -> Table:
    """Rows = statistics, columns = comparisons (readable when a comparison has many numbers)."""
    keys = [k for k in dict.fromkeys(k for e in entries for k in e)
            if k not in ("criterion", "system_a", "system_b", *skip)
            and not any(isinstance(e.get(k), list) and e.get(k) and isinstance(e[k][0], dict) for e in entries)]
    headers = ["statistic"] + [f"{e.get('criterion')}: {_pair(e)}" for e in entries]
    rows = [[k] + [format_value(k, e.get(k)) for e in entries] for k in keys]
    return Table(title, headers, rows, note)


def _key_value_table(title: str, mapping: dict, note: str = "") -> Table:
    return Table(title, ["key", "value"], [[k, format_value(k, v)] for k, v in mapping.items()
                                           if not (isinstance(v, list) and v and isinstance(v[0], dict))], note)


def sections(result: dict) -> list[Section]:
    """Every table of the analysis, grouped as the report shows them. Unknown top-level keys are not dropped:
    they land in a last section, so a key the engine adds later still reaches the reader."""
    out: list[Section] = []
    shown = {"n_judgments", "n_skipped", "n_items", "n_raters", "scale", "seed", "resamples", "tie_rule",
             "versions", "input_sha256", "excluded_raters", "baseline", "systems", "criteria", "overlap",
             "headline", "methods", "warnings"}

    summary = {k: result.get(k) for k in ("n_judgments", "n_skipped", "n_items", "n_raters", "scale", "systems",
                                          "baseline", "criteria", "overlap", "tie_rule", "excluded_raters")
               if k in result}
    out.append(Section("summary", "Data", tables=[_key_value_table("What was analysed", summary)]))

    comparisons = result.get("comparisons") or []
    shown.add("comparisons")
    if comparisons:
        tables = [_transposed_table(
            "Win rates and tests per comparison", comparisons,
            note="win_rate_b = wins of the second system / non-tie judgments; intervals are 95 %, "
                 "item-clustered unless named wilson; p-values two-sided.")]
        shown.add("tie_sensitivity")
        if result.get("tie_sensitivity"):
            tables.append(_records_table(
                "Tie sensitivity", result["tie_sensitivity"],
                ["criterion", "system_a", "system_b", "rule", "win_rate_b", "win_rate_b_ci", "p_value"]))
        shown.add("headline")
        out.append(Section("comparisons", "Who wins", tables=tables))

    agreement = result.get("agreement") or []
    shown.add("agreement")
    if agreement:
        tables = [_transposed_table("Agreement per comparison", agreement,
                                    note="α: Krippendorff's alpha; alpha_ci bootstraps items at alpha_ci_level.")]
        for a in agreement:
            if a.get("cohen_kappa_pairs"):
                tables.append(_records_table(f"Cohen's κ per rater pair, {a['criterion']}: {_pair(a)}",
                                             a["cohen_kappa_pairs"]))
        out.append(Section("agreement", "Agreement", tables=tables))

    bias = result.get("position_bias")
    shown.add("position_bias")
    if bias:
        rows = [{"rater_id": "all raters", **{k: v for k, v in bias.items() if k != "per_rater"}}]
        rows += bias.get("per_rater") or []
        out.append(Section("position_bias", "Position bias", tables=[_records_table(
            "Share of non-tie judgments won by the left output", rows)]))

    raters = result.get("raters") or []
    shown.update({"raters", "rater_flag_thresholds"})
    if raters:
        tables = [_records_table("Raters", raters)]
        if result.get("rater_flag_thresholds"):
            tables.append(_key_value_table("Thresholds of the rater flags", result["rater_flag_thresholds"]))
        out.append(Section("raters", "Raters", tables=tables))

    shown.add("slices")
    if result.get("slices"):
        out.append(Section("slices", "Slices", tables=[_records_table(
            "Win rate per slice", result["slices"],
            note="p_holm and p_bh adjust over the tests of one slice column; slices under 20 items get no verdict.")]))

    shown.add("ratings")
    if result.get("ratings"):
        out.append(Section("ratings", "Ratings", tables=[_records_table(
            "Bradley–Terry ratings (Elo scale, baseline = 1000)", result["ratings"])]))

    power = result.get("power") or {}
    shown.add("power")
    if power:
        entries = power.get("comparisons") or []
        rows = []
        for p in entries:
            row = {k: v for k, v in p.items() if k != "needed"}
            for n in p.get("needed") or []:
                label = "observed" if n.get("effect") == "observed" else f"{100 * n['win_rate_b']:.0f} %"
                row[f"items for {label}"] = n.get("items")
                row[f"judgments for {label}"] = n.get("judgments")
            rows.append(row)
        tables = [_transposed_table("Power (two-sided α = {}, target power {})".format(
            format_value("alpha", power.get("alpha")), format_value("target_power", power.get("target_power"))),
            rows)] if rows else []
        out.append(Section("power", "Power", tables=tables))

    shown.add("metrics")
    if result.get("metrics"):
        out.append(Section("metrics", "Automatic metrics vs human preference", tables=[_records_table(
            "Metrics (difference = second system − first)", result["metrics"])]))

    lb = result.get("length_bias")
    shown.add("length_bias")
    if lb:
        rows = [{"criterion": "all", **{k: v for k, v in lb.items() if k != "per_comparison"}}]
        rows += lb.get("per_comparison") or []
        out.append(Section("length_bias", "Length bias", tables=[_records_table(
            "Share of non-tie judgments won by the longer output", rows)]))

    extra = []
    for key, value in result.items():
        if key in shown or key in _HIDDEN:
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            extra.append(_records_table(key, value))
        elif isinstance(value, dict) and value:
            extra.append(_key_value_table(key, value))
        elif value not in (None, [], {}):
            extra.append(_key_value_table(key, {key: value}))
    if extra:
        out.append(Section("other", "Other results", tables=extra))
    return out


# ---------------------------------------------------------------------------------------------------------
# methods and reproducibility


def methods_paragraphs(result: dict) -> list[str]:
    """What each statistic is and which options were used, in plain words."""
    resamples, seed = result.get("resamples"), result.get("seed")
    rule = TIE_RULE_WORDS.get(result.get("tie_rule") or "drop", result.get("tie_rule"))
    excluded = ", ".join(result.get("excluded_raters") or []) or "none"
    return [
        "Unit of analysis. Each prompt (item) is judged by several raters, and judgments of one prompt are not "
        "independent: a hard prompt makes every rater hesitate. Every interval and test therefore treats prompts "
        f"as the clusters. Skipped judgments are left out. Bootstrap intervals (agreement, ratings, the "
        f"length-controlled win rate, rater sensitivity) resample prompts {resamples} times with seed {seed}; the "
        "win-rate intervals are closed form and do not depend on the seed.",
        f"The verdict. One number per comparison: the second system's win rate over judgments under the tie rule "
        f"({rule}), with its 95 % interval and the test of that same win rate against 50 %. The interval is a "
        "modified Wilson interval: the variance between prompts (never below that of independent judgments) gives "
        "an effective number of judgments, and Wilson's interval at that size uses the t quantile on prompts − 1 "
        "degrees of freedom; the test is its exact dual, so p < 0.05 exactly when the interval excludes 50 %. A "
        "winner is named only then. Beside it stands the share of prompts that favour each system (a prompt "
        "favours the system that wins most of its judgments, so a single 'much better' never outweighs two "
        "opposite judgments), with an exact interval and the sign test; when the two views disagree, the "
        "sentence says so. The naive Wilson interval, which treats judgments as independent, and the design "
        "effect are in the table for comparison.",
        "Ties. With ties dropped, split half-half (half a win and half a loss) or counted against the second "
        "system (a loss for it in every statistic, on every scale), the tie-sensitivity table repeats the whole "
        "verdict. Counting ties against the second system bounds its claim; it is never evidence for the first "
        "system by itself, so a lead of the first system that only the ties create gets no verdict.",
        f"Small samples. Below {_min_items()} prompts no interval and no test is given (the fewest with which even "
        "a unanimous study can pass the exact sign test); under 15 prompts the interval is marked approximate. "
        "The Wilcoxon signed-rank test on prompts' mean preference is exact up to 50 prompts; a one-sample "
        "t-test on the same means is shown too.",
        "Agreement. Krippendorff's α (nominal, ordinal and interval, from the krippendorff package) measures how "
        "much raters agree beyond chance: 1 is perfect, 0 is chance. The sentence quotes ordinal α, the natural "
        "coefficient of an ordered scale. Krippendorff suggests relying on data with α ≥ 0.800 and drawing only "
        "tentative conclusions from α ≥ 0.667. The interval of α bootstraps prompts. Fleiss's κ and Gwet's AC1 "
        "(Gwet's formulas for incomplete designs), pairwise percent agreement and Cohen's κ per rater pair "
        "(pairs sharing at least 10 prompts) are shown as well. A two-way bootstrap over prompts and raters "
        "shows how much the verdict's interval widens when the raters, too, are taken as a sample.",
        "Position bias. Tested within prompts: for each prompt and pair shown with the second system on both "
        "sides, whether it wins more often on the left than on the right (Cochran–Mantel–Haenszel, sides "
        "permuted within prompt). Where sides are confounded with systems the test is reported as not testable. "
        "The same test per rater, Holm-adjusted, with a left share of at least 60 % at equal exposure, flags a "
        "rater always_left.",
        "Raters. Per rater: judgments, median time per judgment, tie rate, agreement with the majority of the "
        "other, unflagged raters on the same prompt (and with whom they disagree), share of left wins, and flags "
        "(too fast, always left, always tie, low agreement) with the thresholds listed in the table.",
        "Slices. The win rate and the test of that win rate within each value of a slice column; p-values are "
        "adjusted over the values of one column with Holm (family-wise) and Benjamini–Hochberg (false discovery "
        "rate). Slices under 20 prompts show their interval but no verdict.",
        "Ratings. Unregularised maximum-likelihood Bradley–Terry strengths on the Elo scale (400·log10 odds), "
        "the baseline fixed at 1000, ties counted as half a win each way, with an item-clustered interval.",
        "Power. The prompts needed for 80 % power at two-sided α = 0.05 to detect the observed win rate and "
        "fixed win rates of 55, 60 and 65 %, from the normal approximation, divided by the share of non-tie "
        "judgments and multiplied by the design effect.",
        "Metrics and length. For each automatic metric, the mean per-prompt difference (second − first system) "
        "with an item-clustered interval and a t-test, and Kendall's τ-b between that difference and the "
        "prompt's mean human preference. Length bias is the share of non-tie judgments won by the longer output, "
        "with a binomial test over judgments and a sign test over prompts (p_value_items). The length-controlled "
        "win rate (AlpacaEval 2's idea) is the second system's win rate a logistic regression on the length "
        "difference predicts at equal length, with an item-clustered interval.",
        f"Excluded raters: {excluded}.",
    ]


def _min_items() -> int:
    from ..stats.inference import MIN_ITEMS

    return MIN_ITEMS


def analyze_input(
    loaded,
    *,
    scale: int | None = None,
    slices: Sequence[str] = (),
    seed: int = 0,
    resamples: int = 2000,
    exclude_raters: Sequence[str] = (),
    tie_rule: str = "drop",
) -> dict:
    """``analyze`` on a loaded input (``judgments.JudgmentsInput``) exactly as ``evalstore analyze`` calls it:
    the study's scale, baseline and overlap, and the input's hash. The report command and the analysis page
    both come through here."""
    from ..analysis import AnalysisOptions, analyze

    return analyze(loaded.frame, AnalysisOptions(
        scale=scale or loaded.scale, slices=tuple(slices), seed=seed, resamples=resamples,
        exclude_raters=tuple(exclude_raters), baseline=loaded.baseline, overlap=loaded.overlap,
        input_sha256=loaded.input_sha256, tie_rule=tie_rule))


def analyze_source(source: str, *, study: str | None = None, scale: int | None = None, **options):
    """Load ``source`` (a study database or a judgments file) like ``evalstore analyze`` and analyse it with
    ``analyze_input``. Returns ``(result, loaded)``."""
    from ..judgments import load_input

    loaded = load_input(source, study=study, scale=scale)
    return analyze_input(loaded, scale=scale, **options), loaded


@dataclass
class ReportContext:
    """Where the result came from and how to make it again."""

    source: str = ""  # the database or judgments file, as given
    study: str | None = None
    command: list[str] = field(default_factory=list)  # argv of the command that regenerates this report
    generated_at: str | None = None  # ISO time; None = now
    title: str | None = None

    def timestamp(self) -> str:
        if self.generated_at:
            return self.generated_at
        return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def regenerate_command(source: str, *, study: str | None = None, fmt: str = "html", seed: int = 0,
                       resamples: int | None = None, tie_rule: str = "drop", exclude_raters: Sequence[str] = (),
                       slices: Sequence[str] = (), output: str | None = None) -> list[str]:
    """The ``evalstore report`` argv that rebuilds a report with these options (every option spelled out)."""
    argv = ["evalstore", "report", str(source)]
    if study:
        argv += ["--study", study]
    argv += ["--format", fmt, "--seed", str(seed)]
    if resamples is not None:
        argv += ["--resamples", str(resamples)]
    argv += ["--tie-rule", tie_rule]
    for rater in exclude_raters:
        argv += ["--exclude-rater", str(rater)]
    for column in slices:
        argv += ["--slice", str(column)]
    if output:
        argv += ["-o", str(output)]
    return argv


def reproducibility(result: dict, context: ReportContext) -> dict:
    """The block a reviewer needs to get the same numbers again."""
    import altair
    import numpy
    import pandas

    block = {
        "generated_at": context.timestamp(),
        "source": context.source,
        "study": context.study,
        "data sha256": result.get("input_sha256"),
        "seed": result.get("seed"),
        "resamples": result.get("resamples"),
        "tie rule": result.get("tie_rule"),
        "excluded raters": ", ".join(result.get("excluded_raters") or []) or "none",
        "slices": ", ".join(dict.fromkeys(s["slice"] for s in result.get("slices") or [])) or "none",
    }
    for name, version in (result.get("versions") or {}).items():
        block[f"{name} version"] = version
    block["python version"] = platform.python_version()
    block["numpy version"] = numpy.__version__
    block["pandas version"] = pandas.__version__
    block["altair version"] = altair.__version__
    block["command"] = shlex.join(context.command) if context.command else ""
    return block


# ---------------------------------------------------------------------------------------------------------
# JSON and flat metrics


def dump_json(obj) -> str:
    """The JSON text of a result: 2-space indent, UTF-8 characters kept, NaN refused, newline at the end."""
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_json(result: dict, context: ReportContext | None = None) -> str:
    """The ``analyze`` JSON object itself, plus ``generated_at`` and the regenerate ``report_command``."""
    context = context or ReportContext()
    return dump_json({**result, "generated_at": context.timestamp(),
                      "report_command": shlex.join(context.command) if context.command else None})


_IDENTITY = ("criterion", "system_b", "system_a", "rule", "slice", "value", "metric", "rater_id", "system",
             "rater_1", "rater_2", "effect")
_METRIC_NAME_BAD = re.compile(r"[^A-Za-z0-9_\-. /]")
_SKIP_METRICS = {"versions", "methods", "warnings", "seed", "resamples", "rater_flag_thresholds"}


def _entry_label(entry: dict) -> str:
    parts = []
    if "system_a" in entry and "system_b" in entry:
        pair = f"{entry['system_b']}_vs_{entry['system_a']}"
    else:
        pair = None
    for key in _IDENTITY:
        if key in ("system_a", "system_b"):
            if key == "system_b" and pair:
                parts.append(pair)
            continue
        if key in entry and entry[key] is not None and not isinstance(entry[key], (list, dict)):
            value = entry[key]
            if key == "effect" and value != "observed":
                value = f"{value}_{entry.get('win_rate_b')}"
            parts.append(str(value))
    return "/".join(parts) or "entry"


def flat_metrics(result: dict) -> dict[str, float]:
    """Every number of the result as ``{name: float}``, flat enough for ``mlflow.log_metrics``.

    Names are paths through the result (``comparisons/overall/finetuned_vs_base/win_rate_b``, with list
    entries named by their criterion, pair, rater, slice ...); intervals become ``..._low`` / ``..._high``;
    booleans 0/1; text and undefined (null) numbers are left out. Characters MLflow refuses in a metric name
    become ``_``.
    """
    out: dict[str, float] = {}

    def put(name: str, value) -> None:
        name = _METRIC_NAME_BAD.sub("_", name)
        if name in out:
            k = 2
            while f"{name}_{k}" in out:
                k += 1
            name = f"{name}_{k}"
        out[name] = float(value)

    def walk(prefix: str, value) -> None:
        if isinstance(value, bool):
            put(prefix, int(value))
        elif isinstance(value, (int, float)):
            if math.isfinite(value):
                put(prefix, value)
        elif isinstance(value, dict):
            for k, v in value.items():
                if k in _IDENTITY or (not prefix and k in _SKIP_METRICS):
                    continue
                walk(f"{prefix}/{k}" if prefix else k, v)
        elif isinstance(value, list):
            if len(value) == 2 and all(v is None or isinstance(v, (int, float)) and not isinstance(v, bool)
                                       for v in value) and (prefix.endswith("_ci") or prefix.endswith("/ci")):
                for end, v in zip(("low", "high"), value):
                    if v is not None:
                        walk(f"{prefix}_{end}", v)
            elif value and all(isinstance(v, dict) for v in value):
                for entry in value:
                    walk(f"{prefix}/{_entry_label(entry)}", entry)

    walk("", result)
    return dict(sorted(out.items()))


def render_metrics(result: dict, context: ReportContext | None = None) -> str:
    return json.dumps(flat_metrics(result), indent=2, sort_keys=True, allow_nan=False) + "\n"


# ---------------------------------------------------------------------------------------------------------
# Markdown


def _md_cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def _md_table(table: Table) -> list[str]:
    lines = [f"**{_md_cell(table.title)}**", ""]
    lines.append("| " + " | ".join(_md_cell(h) for h in table.headers) + " |")
    lines.append("|" + "|".join("---" for _ in table.headers) + "|")
    for row in table.rows:
        lines.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
    if table.note:
        lines += ["", f"_{_md_cell(table.note)}_"]
    return lines + [""]


def _title(result: dict, context: ReportContext) -> str:
    if context.title:
        return context.title
    return f"evalstore report: {context.study}" if context.study else "evalstore report"


def render_md(result: dict, context: ReportContext | None = None) -> str:
    """Markdown for a pull request or a wiki: ``evalstore analyze --format md`` (verdict first, then every
    table, warnings, versions) under the report's title, followed by the methods in plain words, the
    generation time and the command that regenerates the report."""
    from .markdown import render_markdown

    context = context or ReportContext()
    body = render_markdown(result).splitlines()
    if body and body[0].startswith("# "):
        body = body[1:]
    lines = [f"# {_title(result, context)}", "", f"Generated {context.timestamp()} by evalstore {__version__}."]
    lines += body
    block = reproducibility(result, context)
    command = block.pop("command")
    lines += [f"- generated at: {block['generated_at']}", f"- source: {block['source'] or '–'}"
              + (f", study {block['study']}" if block.get("study") else "")]
    if command:
        lines += ["", "Regenerate this report with:", "", "```sh", command, "```"]
    lines += ["", "## Methods", ""]
    for paragraph in methods_paragraphs(result):
        lines += [paragraph, ""]
    if result.get("methods"):
        lines += _md_table(_key_value_table("Options of each statistic", result["methods"]))
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------------------
# HTML


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
.chart{margin:1rem 0 2rem}
.chart-error{color:#b00020}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto}
ul.warnings li{margin:.2rem 0}
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


def _html_table(table: Table) -> str:
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
    context = context or ReportContext()
    e = html.escape
    title = _title(result, context)
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
    if flagged_raters(result):
        parts.append(f'<p class="reading">{e(flagged_raters(result))}</p>')
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
        parts.extend(_html_table(t) for t in section.tables)
        parts.append("</section>")
    warnings = result.get("warnings") or []
    parts.append('<section id="warnings"><h2>Warnings</h2><ul class="warnings">')
    parts.extend(f"<li>{e(w)}</li>" for w in warnings)
    if not warnings:
        parts.append("<li>none</li>")
    parts.append("</ul></section>")
    parts.append('<section id="methods"><h2>Methods</h2>')
    parts.extend(f"<p>{e(p)}</p>" for p in methods_paragraphs(result))
    if result.get("methods"):
        parts.append(_html_table(_key_value_table("Options of each statistic", result["methods"])))
    parts.append("</section>")
    block = reproducibility(result, context)
    command = block.pop("command")
    parts.append('<section id="reproducibility"><h2>Reproducibility</h2>')
    parts.append(_html_table(Table("Versions, options and data", ["", ""],
                                   [[k, "–" if v in (None, "") else str(v)] for k, v in block.items()])))
    if command:
        parts.append(f"<p>Regenerate with:</p><pre><code>{e(command)}</code></pre>")
    parts.append("</section>")
    parts.append(f'<script type="application/json" id="evalstore-chart-specs">{_script_json(specs)}</script>')
    parts.append(f"<script>{_EMBED}</script>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render(result: dict, fmt: str, context: ReportContext | None = None) -> str:
    """The report of ``result`` in ``fmt`` (html, md, json or metrics)."""
    renderers = {"html": render_html, "md": render_md, "json": render_json, "metrics": render_metrics}
    if fmt not in renderers:
        from ..errors import EvalstoreError

        raise EvalstoreError(f"report format must be one of {', '.join(renderers)}, not {fmt}")
    return renderers[fmt](result, context)
