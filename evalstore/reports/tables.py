"""The one table model of an analysis result: sections of tables, in words, that every surface shows.

``sections(result)`` is what the Markdown report, the HTML report and the analysis page lay out; each renders
the same ``Table`` objects its own way (``markdown.md_table``, ``html.html_table``, ``st.dataframe``), so a
number is named, rounded and ordered alike everywhere. Headers and statistic names come from ``words``; no
JSON key reaches a reader. Cells hold text already formatted, but not escaped: escaping belongs to the
renderer of each format.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import words


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
    intro: list[str] = field(default_factory=list)  # paragraphs of prose before the tables
    tables: list[Table] = field(default_factory=list)


_P_KEYS = re.compile(r"(^p_|_p$|^p$|p_value|kendall_p|p_holm|p_bh)")
_RATE_KEYS = re.compile(r"(rate|share|percent_agreement|accuracy|agreement_with_others|power)")
_HIDDEN = {"warnings"}
#: Keys whose values are data (names the user gave); never passed through ``words.warning_words``.
_DATA_KEYS = {"criterion", "system_a", "system_b", "system", "pair", "rater_id", "rater_1", "rater_2", "rater",
              "slice", "value", "metric", "baseline", "systems", "criteria", "excluded_raters"}


def format_value(key: str, value) -> str:
    """A cell: p-values as p, rates and shares as percentages, intervals as ranges, codes in words.

    >>> format_value("win_rate_b_ci", [0.571, 0.709]), format_value("flags", ["too_fast"])
    ('[57.1 %, 70.9 %]', 'too fast')
    """
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    base = key[:-3] if key.endswith("_ci") else key
    if key == "flags":
        return words.flags_words(value)
    if key in ("tie_rule", "rule") and isinstance(value, str):
        return words.tie_rule_words(value)
    if key == "headline_coefficient" and isinstance(value, str):
        return words.label(value)
    if isinstance(value, (list, tuple)):
        if len(value) == 2 and all(v is None or isinstance(v, (int, float)) for v in value) and \
                (key.endswith("_ci") or key == "ci"):
            low, high = (format_value(base, v) for v in value)
            return f"[{low}, {high}]"
        if all(not isinstance(v, (dict, list)) for v in value):
            return ", ".join(str(v) for v in value) if value else "–"
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "; ".join(f"{words.label(k)}: {format_value(k, v)}" for k, v in value.items())
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
    if isinstance(value, str) and key not in _DATA_KEYS:
        return words.warning_words(value)  # engine text (verdicts, reasons, rules) may name keys or flags
    return str(value)


def _is_records(value) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], dict)


def _one_pair(entries: list[dict]) -> tuple[str | None, str | None]:
    """(first, second) system when every entry is about the same pair, so headers can name them."""
    pairs = {(e.get("system_a"), e.get("system_b")) for e in entries}
    return next(iter(pairs)) if len(pairs) == 1 else (None, None)


def _records_table(title: str, entries: list[dict], columns: Sequence[str] | None = None, note: str = "") -> Table:
    """Rows = entries, columns = the given keys (default: every scalar key, in first-seen order); a
    system_a / system_b column pair becomes one "pair" column named as everywhere else."""
    if columns is None:
        columns = list(dict.fromkeys(k for e in entries for k, v in e.items() if not _is_records(v)))
    columns = list(columns)
    if "system_a" in columns and "system_b" in columns:
        columns[columns.index("system_a")] = "pair"
        columns.remove("system_b")
    rows = [[(words.pair_label(e) if "system_a" in e else "–") if c == "pair" else format_value(c, e.get(c))
             for c in columns] for e in entries]
    first, second = _one_pair(entries)
    return Table(title, [words.label(c, first, second) for c in columns], rows, note)


def _transposed_table(title: str, entries: list[dict], skip: Sequence[str] = (), note: str = "") -> Table:
    """Rows = statistics, columns = comparisons (readable when a comparison has many numbers)."""
    keys = [k for k in dict.fromkeys(k for e in entries for k in e)
            if k not in ("criterion", "system_a", "system_b", "warnings", *skip)
            and not any(_is_records(e.get(k)) for e in entries)]
    first, second = _one_pair(entries)
    headers = [words.label("statistic")] + [words.comparison_label(e) for e in entries]
    rows = [[words.label(k, first, second)] + [format_value(k, e.get(k)) for e in entries] for k in keys]
    return Table(title, headers, rows, note)


def key_value_table(title: str, mapping: dict, note: str = "") -> Table:
    return Table(title, [words.label("statistic"), "value"],
                 [[words.label(k), format_value(k, v)] for k, v in mapping.items() if not _is_records(v)], note)


def _rater_flag_words(th: dict) -> str:
    """What each rater flag means, with the engine's thresholds."""
    from .markdown import num, pct

    fast = th.get("too_fast_median_duration_s")
    left = th.get("always_left_rule") or f"left share ≥ {pct(th.get('always_left_share'))}"
    return (f"Flags (given from {th.get('min_judgments')} judgments on): {words.flag_words('too_fast')} = median "
            f"time under {num(fast, 1) + ' s' if fast is not None else '–'} (a third of the overall median); "
            f"{words.flag_words('always_left')} / {words.flag_words('always_right')} = {words.warning_words(left)}; "
            f"{words.flag_words('always_tie')} = tie rate ≥ {pct(th.get('always_tie_rate'))}; "
            f"{words.flag_words('low_agreement')} = agrees with "
            f"{words.warning_words(th.get('agreement_reference') or 'the other raters’ majority')} in under "
            f"{pct(th.get('low_agreement'))} "
            f"of judgments; {words.flag_words('low_gold_accuracy')} = under {pct(th.get('low_gold_accuracy'))} on "
            "gold items.")


def _position_words(bias: dict) -> str:
    from .markdown import interval, num, p_equals, pct

    if bias.get("testable") is False:
        return (f"The left output won {pct(bias.get('left_share'))} of {bias.get('n_non_tie')} non-tie judgments, "
                f"but position bias is {words.warning_words(bias.get('reason') or 'not testable')}: that share "
                "says nothing about the raters.")
    return (f"The left output won {pct(bias.get('left_share'))} of {bias.get('n_non_tie')} non-tie judgments; "
            f"within prompts, at equal exposure of both sides, it would win {pct(bias.get('left_share_balanced'))} "
            f"(Mantel–Haenszel test within prompt and pair, sides permuted: {p_equals(bias.get('p_value'))}; "
            f"common odds ratio {num(bias.get('odds_ratio_mh'))}, 95 % CI {interval(bias.get('odds_ratio_mh_ci'))}).")


def _length_words(length: dict) -> str:
    from .markdown import p_equals, pct

    return (f"The longer output won {pct(length.get('longer_share'))} of {length.get('n_non_tie')} non-tie "
            f"judgments between outputs of different length (exact binomial test against 50 %: "
            f"{p_equals(length.get('p_value'))}). Over prompts, {length.get('items_favouring_longer')} of "
            f"{length.get('n_items')} favour the longer output and {length.get('items_favouring_shorter')} the "
            f"shorter (sign test over items: {p_equals(length.get('p_value_items'))}).")


def sections(result: dict) -> list[Section]:
    """Every table of the analysis, grouped as the reports and the page show them. Unknown top-level keys are
    not dropped: they land in a last section, so a key the engine adds later still reaches the reader."""
    out: list[Section] = []
    shown = {"n_judgments", "n_skipped", "n_items", "n_raters", "scale", "seed", "resamples", "tie_rule",
             "versions", "input_sha256", "excluded_raters", "baseline", "systems", "criteria", "overlap",
             "headline", "methods", "warnings"}

    summary = {k: result.get(k) for k in ("n_judgments", "n_skipped", "n_items", "n_raters", "scale", "systems",
                                          "baseline", "criteria", "overlap", "tie_rule", "excluded_raters")
               if k in result}
    out.append(Section("summary", "Data", tables=[key_value_table("What was analysed", summary)]))

    comparisons = result.get("comparisons") or []
    shown.add("comparisons")
    if comparisons:
        tables = [_transposed_table(
            "Win rates and tests per comparison", comparisons,
            note="Each comparison is named first system vs second system; the win rate is the second system's "
                 "wins over non-tie judgments. Intervals are 95 %, clustered by prompt unless named Wilson; "
                 "p-values are two-sided.")]
        shown.add("tie_sensitivity")
        if result.get("tie_sensitivity"):
            tables.append(_records_table(
                "Tie sensitivity", result["tie_sensitivity"],
                ["criterion", "system_a", "system_b", "rule", "win_rate_b", "win_rate_b_ci", "p_value"]))
        out.append(Section("comparisons", "Who wins", tables=tables))

    agreement = result.get("agreement") or []
    shown.add("agreement")
    if agreement:
        tables = [_transposed_table("Agreement per comparison", agreement,
                                    note="α: Krippendorff's alpha; its interval bootstraps prompts.")]
        for a in agreement:
            if a.get("cohen_kappa_pairs"):
                tables.append(_records_table(f"Cohen's κ per rater pair, {words.comparison_label(a)}",
                                             a["cohen_kappa_pairs"]))
        out.append(Section("agreement", "Agreement", tables=tables))

    bias = result.get("position_bias")
    shown.add("position_bias")
    if bias:
        rows = [{"rater_id": "all raters", **{k: v for k, v in bias.items() if k != "per_rater"}}]
        rows += bias.get("per_rater") or []
        out.append(Section("position_bias", "Position bias", intro=[_position_words(bias)], tables=[_records_table(
            "Share of non-tie judgments won by the left output", rows)]))

    raters = result.get("raters") or []
    shown.update({"raters", "rater_flag_thresholds"})
    if raters:
        tables = [_records_table("Raters", raters)]
        thresholds = result.get("rater_flag_thresholds")
        if thresholds:
            tables.append(key_value_table("Thresholds of the rater flags", thresholds))
        out.append(Section("raters", "Raters", intro=[_rater_flag_words(thresholds)] if thresholds else [],
                           tables=tables))

    shown.add("slices")
    if result.get("slices"):
        out.append(Section("slices", "Slices", tables=[_records_table(
            "Win rate per slice", result["slices"],
            note="Holm and Benjamini–Hochberg adjust over the tests of one slice column; slices under 20 prompts "
                 "get no verdict.")]))

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
                what = "the observed win rate" if n.get("effect") == "observed" else f"{100 * n['win_rate_b']:.0f} %"
                row[f"prompts needed for {what}"] = n.get("items")
                row[f"judgments needed for {what}"] = n.get("judgments")
            rows.append(row)
        tables = [_transposed_table("Power (two-sided α = {}, target power {})".format(
            format_value("alpha", power.get("alpha")), format_value("target_power", power.get("target_power"))),
            rows)] if rows else []
        intro = [words.warning_words(p["message"]) for p in entries if p.get("message")]
        out.append(Section("power", "Power", intro=intro, tables=tables))

    shown.add("metrics")
    if result.get("metrics"):
        out.append(Section("metrics", "Automatic metrics vs human preference", tables=[_records_table(
            "Metrics (difference = second system − first)", result["metrics"])]))

    lb = result.get("length_bias")
    shown.add("length_bias")
    if lb:
        rows = [{"criterion": "all", **{k: v for k, v in lb.items() if k != "per_comparison"}}]
        rows += lb.get("per_comparison") or []
        out.append(Section("length_bias", "Length bias", intro=[_length_words(lb)], tables=[_records_table(
            "Share of non-tie judgments won by the longer output", rows)]))

    extra = []
    for key, value in result.items():
        if key in shown or key in _HIDDEN:
            continue
        if _is_records(value):
            extra.append(_records_table(words.label(key), value))
        elif isinstance(value, dict) and value:
            extra.append(key_value_table(words.label(key), value))
        elif value not in (None, [], {}):
            extra.append(key_value_table(words.label(key), {key: value}))
    if extra:
        out.append(Section("other", "Other results", tables=extra))
    return out
