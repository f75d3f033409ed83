"""Reports from ONE analysis result: HTML (single self-contained file), Markdown, JSON and flat metrics.

Everything here renders numbers the engine (``analysis.analyze``) already computed; nothing is recomputed.

- ``words``: every word a person reads (verdicts, tie rules, thresholds, flags, pair labels, statistic names);
- ``tables``: the one table model (``Section`` / ``Table``) the Markdown and HTML reports and the page show;
- ``markdown``: the sentences and the one Markdown renderer; ``html``: the HTML renderer; ``charts``: Altair;
- ``formats``: the registry of report formats and the one guarded file writer.

The analysis page uses the same sentences (``verdicts``) and tables (``sections``), so the page, the reports and
``evalstore analyze --format md`` say the same thing.

Determinism: the same result and the same options give the same bytes, apart from the generation timestamp
(``generated_at``), which callers may pin.
"""

from __future__ import annotations

import json
import math
import re
import shlex

from .context import ReportContext, methods_paragraphs, regenerate_command, reproducibility
from .tables import Section, Table, format_value, sections
from .words import SIGNIFICANCE, TIE_RULES, comparison_label, flagged_raters, pair_label, warning_words

TIE_RULE_WORDS = TIE_RULES  # the name this package used before the vocabulary had its own module


def verdicts(result: dict) -> list[dict]:
    """Per comparison: the verdict sentence, the agreement reading and the power message, in result order.

    The sentences are ``reports.markdown``'s, so the page, the reports and ``evalstore analyze --format md`` use the
    same words for the same numbers; any result key or flag code in them is put in words (``words``).
    """
    from .markdown import agreement_sentence, headline_sentence, trust_list

    def key(entry: dict) -> tuple:
        return entry.get("criterion"), entry.get("system_a"), entry.get("system_b")

    agreement = {key(a): a for a in result.get("agreement") or []}
    power = {key(p): p for p in (result.get("power") or {}).get("comparisons") or []}
    out = []
    for h in result.get("headline") or []:
        a = agreement.get(key(h))
        p = power.get(key(h))
        out.append({
            "criterion": h["criterion"], "system_a": h["system_a"], "system_b": h["system_b"],
            "pair": pair_label(h), "winner": h.get("winner"), "significant": bool(h.get("significant")),
            "sentence": warning_words(h.get("sentence") or headline_sentence(h)),
            "agreement": warning_words(agreement_sentence(a)) if a else "",
            # what threatens the verdict, agreement first: shown right under the sentence everywhere
            "trust": [warning_words(t) for t in h.get("can_i_trust_this") or trust_list(h, result)],
            "power": warning_words((p or {}).get("message", "")),
        })
    return out


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




# the renderers and the registry, importable from here as before
from .formats import FORMATS, get_format, render, write_report, write_text  # noqa: E402
from .html import chart_specs, render_html, vega_bundle  # noqa: E402
from .markdown import render_md  # noqa: E402

__all__ = [
    "FORMATS", "ReportContext", "SIGNIFICANCE", "Section", "TIE_RULE_WORDS", "Table", "chart_specs",
    "comparison_label", "dump_json", "flagged_raters", "flat_metrics",
    "format_value", "get_format", "methods_paragraphs", "pair_label", "regenerate_command", "render",
    "render_html", "render_json", "render_md", "render_metrics", "reproducibility", "sections", "vega_bundle",
    "verdicts", "warning_words", "write_report", "write_text",
]
