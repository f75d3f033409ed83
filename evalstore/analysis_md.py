"""``evalstore analyze --format md``: the analysis result as a readable Markdown report.

Only presentation happens here: every number comes from the dict ``analysis.analyze`` returned, rounded for
reading (the JSON keeps unrounded floats). The headline sentences come first, then one table per section.
"""

from __future__ import annotations

#: Krippendorff (2004, sec. 11.4): α >= 0.800 to rely on data, >= 0.667 for tentative conclusions.
ALPHA_RELIABLE = 0.800
ALPHA_TENTATIVE = 0.667

_TIE_BASIS = {
    "drop": "of non-tie judgments",
    "half": "of judgments with ties split half-half",
}


# ---------------------------------------------------------------------------------------------------------
# Number formatting


def pct(x: float | None) -> str:
    """A share as a whole percentage; "–" when undefined.

    >>> pct(0.6455), pct(None)
    ('65 %', '–')
    """
    return "–" if x is None else f"{100 * x:.0f} %"


def pct_interval(ci: list | None) -> str:
    """``[0.571, 0.709]`` → ``57–71 %``.

    >>> pct_interval([0.571, 0.709])
    '57–71 %'
    """
    if not ci or ci[0] is None or ci[1] is None:
        return "–"
    return f"{100 * ci[0]:.0f}–{100 * ci[1]:.0f} %"


def p_value(p: float | None) -> str:
    """A p-value with as many digits as a reader needs.

    >>> p_value(0.00266), p_value(0.0204), p_value(0.61), p_value(0.00001)
    ('0.003', '0.020', '0.61', '< 0.001')
    """
    if p is None:
        return "–"
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}" if p < 0.1 else f"{p:.2f}"


def p_equals(p: float | None) -> str:
    """The p-value for a sentence: "p = 0.003" or "p < 0.001".

    >>> p_equals(0.00266), p_equals(0.00001)
    ('p = 0.003', 'p < 0.001')
    """
    text = p_value(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def num(x: float | None, digits: int = 2) -> str:
    """A number with ``digits`` decimals; "–" when undefined.

    >>> num(1.23456), num(None)
    ('1.23', '–')
    """
    return "–" if x is None else f"{x:.{digits}f}"


def interval(ci: list | None, digits: int = 2) -> str:
    """An interval of plain numbers.

    >>> interval([0.1, 0.25])
    '0.10 to 0.25'
    """
    if not ci:
        return "–"
    return f"{num(ci[0], digits)} to {num(ci[1], digits)}"


def _cell(text) -> str:
    """Table cell text: pipes escaped and line breaks removed so the Markdown table stays intact."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


# ---------------------------------------------------------------------------------------------------------
# Sentences


def headline_sentence(entry: dict) -> str:
    """The verdict for one ``headline[]`` entry of the analysis, in words.

    Examples
    --------
    >>> headline_sentence({"criterion": "overall", "system_a": "base", "system_b": "finetuned",
    ...     "tie_rule": "drop", "win_rate_b": 0.64, "win_rate_b_ci": [0.57, 0.71], "p_value": 0.002,
    ...     "n_items": 120, "significant": True, "winner": "finetuned"})
    'finetuned beats base on overall: 64 % of non-tie judgments, 95 % CI 57–71 %, sign test p = 0.002 over 120 prompts.'
    """
    a, b, criterion = entry["system_a"], entry["system_b"], entry["criterion"]
    rule = entry["tie_rule"]
    rate, ci = entry["win_rate_b"], entry["win_rate_b_ci"]
    prompts = f"{entry['n_items']} prompt{'s' if entry['n_items'] != 1 else ''}"
    if rate is None:
        return f"{a} vs {b} on {criterion}: every judgment is a tie ({prompts})."
    winner = entry.get("winner")
    if winner == a:
        # Report the winner's own share: the complement of system_b's, interval mirrored.
        rate = 1 - rate
        ci = [None if ci is None or ci[1] is None else 1 - ci[1], None if ci is None or ci[0] is None else 1 - ci[0]]
    basis = _TIE_BASIS.get(rule)
    if basis is None:  # against_b
        basis = f"of judgments with ties counted {'for ' + a if winner == a else 'against ' + b}"
    evidence = f"95 % CI {pct_interval(ci)}, sign test {p_equals(entry['p_value'])} over {prompts}"
    if winner:
        loser = a if winner == b else b
        return f"{winner} beats {loser} on {criterion}: {pct(rate)} {basis}, {evidence}."
    return f"No significant difference between {a} and {b} on {criterion}: {b} wins {pct(rate)} {basis}, {evidence}."


def agreement_sentence(entry: dict) -> str:
    """How far the raters agree on one comparison, in words (Krippendorff's α at the level of alpha_ci).

    >>> agreement_sentence({"criterion": "overall", "alpha_ci_level": "nominal", "krippendorff_alpha_nominal": 0.41,
    ...     "alpha_ci": [0.3, 0.5], "n_units": 60})
    "Agreement on overall: Krippendorff's α (nominal) = 0.41, 95 % CI 0.30 to 0.50 over 60 items — below the 0.667 Krippendorff asks even for tentative conclusions; read the win rate with care."
    """
    level = entry.get("alpha_ci_level", "nominal")
    alpha = entry.get(f"krippendorff_alpha_{level}")
    if alpha is None:
        return f"Agreement on {entry['criterion']}: Krippendorff's α is undefined for these data (see warnings)."
    if alpha >= ALPHA_RELIABLE:
        reading = "raters agree well"
    elif alpha >= ALPHA_TENTATIVE:
        reading = "good enough for tentative conclusions only"
    else:
        reading = "below the 0.667 Krippendorff asks even for tentative conclusions; read the win rate with care"
    return (
        f"Agreement on {entry['criterion']}: Krippendorff's α ({level}) = {alpha:.2f}, 95 % CI "
        f"{interval(entry.get('alpha_ci'))} over {entry['n_units']} items — {reading}."
    )


# ---------------------------------------------------------------------------------------------------------
# The report


def _pair(entry: dict) -> str:
    return f"{entry['system_a']} vs {entry['system_b']}"


def render_markdown(result: dict) -> str:
    """The whole analysis as Markdown: headline sentences, then one table per section, warnings, versions.

    Parameters
    ----------
    result : dict
        What ``analysis.analyze`` returned.

    Returns
    -------
    str
        Ends with a newline.
    """
    lines: list[str] = ["# evalstore analysis", ""]
    for entry in result["headline"]:
        lines += [f"**{headline_sentence(entry)}**", ""]
    if not result["headline"]:
        lines += ["No judgments to analyse.", ""]
    for entry in result["agreement"]:
        lines += [agreement_sentence(entry), ""]
    flagged = [r for r in result["raters"] if r["flags"]]
    if flagged:
        names = ", ".join(f"{r['rater_id']} ({', '.join(r['flags'])})" for r in flagged)
        lines += [f"Raters to look at: {names}.", ""]
    lines += [
        f"{result['n_judgments']} judgments ({result['n_skipped']} skipped) on {result['n_items']} items by "
        f"{result['n_raters']} raters, {result['scale']}-point scale.",
        "",
    ]

    if result["comparisons"]:
        lines += ["## Win rates", ""]
        lines += _table(
            ["criterion", "pair", "items", "judgments", "wins a / ties / wins b", "win rate b", "95 % CI (items)",
             "95 % CI (naive Wilson)", "ties half", "mean preference (95 % CI)", "sign test p", "Wilcoxon p",
             "paired t p", "design effect"],
            [
                [c["criterion"], _pair(c), c["n_items"], c["n_judgments"],
                 f"{c['wins_a']} / {c['ties']} / {c['wins_b']}",
                 pct(c["win_rate_b"]), pct_interval(c["win_rate_b_ci"]), pct_interval(c["win_rate_b_wilson_ci"]),
                 pct(c["win_rate_b_ties_half"]), f"{num(c['mean_preference'])} ({interval(c['mean_preference_ci'])})",
                 p_value(c["sign_test_p"]), p_value(c["wilcoxon_p"]), p_value(c["paired_t_p"]),
                 num(c["design_effect"])]
                for c in result["comparisons"]
            ],
        )
        lines += ["### Tie sensitivity", ""]
        lines += _table(
            ["criterion", "pair", "ties", "win rate b", "95 % CI", "sign test p"],
            [
                [t["criterion"], _pair(t), t["rule"].replace("_", " "), pct(t["win_rate_b"]),
                 pct_interval(t["win_rate_b_ci"]), p_value(t["p_value"])]
                for t in result["tie_sensitivity"]
            ],
        )

    if result["agreement"]:
        lines += ["## Agreement", ""]
        lines += _table(
            ["criterion", "pair", "items (≥ 2 ratings)", "α nominal", "α ordinal", "α interval", "α 95 % CI",
             "Fleiss κ", "Gwet AC1", "% agreement"],
            [
                [g["criterion"], _pair(g), g["n_units"], num(g["krippendorff_alpha_nominal"]),
                 num(g["krippendorff_alpha_ordinal"]), num(g["krippendorff_alpha_interval"]),
                 f"{interval(g['alpha_ci'])} ({g['alpha_ci_level']})", num(g["fleiss_kappa"]), num(g["gwet_ac1"]),
                 pct(g["percent_agreement"])]
                for g in result["agreement"]
            ],
        )
        pairs = [(g, p) for g in result["agreement"] for p in g["cohen_kappa_pairs"]]
        if pairs:
            lines += ["Cohen's κ for rater pairs with at least 10 shared items:", ""]
            lines += _table(
                ["criterion", "pair", "rater 1", "rater 2", "shared items", "κ"],
                [[g["criterion"], _pair(g), p["rater_1"], p["rater_2"], p["n"], num(p["kappa"])] for g, p in pairs],
            )

    bias = result["position_bias"]
    if bias is not None:
        lines += ["## Position bias", ""]
        lines += [
            f"The left output won {pct(bias['left_share'])} of {bias['n_non_tie']} non-tie judgments "
            f"(exact binomial test against 50 %: {p_equals(bias['p_value'])}).",
            "",
        ]
        lines += _table(
            ["rater", "non-tie judgments", "left share", "p"],
            [[r["rater_id"], r["n_non_tie"], pct(r["left_share"]), p_value(r["p_value"])] for r in bias["per_rater"]],
        )

    if result["raters"]:
        th = result["rater_flag_thresholds"]
        lines += ["## Raters", ""]
        lines += _table(
            ["rater", "judgments", "skipped", "median s", "tie rate", "agrees with others", "left share",
             "gold accuracy", "flags"],
            [
                [r["rater_id"], r["n_judgments"], r["n_skipped"], num(r["median_duration_s"], 1), pct(r["tie_rate"]),
                 pct(r["agreement_with_others"]), pct(r["left_share"]), pct(r["gold_accuracy"]),
                 ", ".join(r["flags"]) or "–"]
                for r in result["raters"]
            ],
        )
        fast = th["too_fast_median_duration_s"]
        lines += [
            f"Flags (need at least {th['min_judgments']} judgments): too_fast = median time under "
            f"{num(fast, 1) + ' s' if fast is not None else '–'} (a third of the overall median); always_left / "
            f"always_right = left share ≥ {pct(th['always_left_share'])} / ≤ {pct(1 - th['always_left_share'])}; "
            f"always_tie = tie rate ≥ {pct(th['always_tie_rate'])}; low_agreement = agrees with the other raters' "
            f"majority in under {pct(th['low_agreement'])} of judgments; low_gold_accuracy = under "
            f"{pct(th['low_gold_accuracy'])} on gold items.",
            "",
        ]

    if result["slices"]:
        lines += ["## Slices", ""]
        lines += _table(
            ["slice", "value", "criterion", "pair", "items", "win rate b", "95 % CI", "sign test p", "Holm p", "BH p",
             "verdict"],
            [
                [s["slice"], s["value"] if s["value"] is not None else "(empty)", s["criterion"], _pair(s),
                 s["n_items"], pct(s["win_rate_b"]), pct_interval(s["win_rate_b_ci"]), p_value(s["sign_test_p"]),
                 p_value(s["p_holm"]), p_value(s["p_bh"]), s["verdict"]]
                for s in result["slices"]
            ],
        )

    if result["ratings"]:
        lines += ["## Ratings (Bradley–Terry, Elo scale, baseline 1000)", ""]
        lines += _table(
            ["criterion", "system", "rating", "95 % CI", "judgments"],
            [
                [r["criterion"], r["system"], num(r["rating"], 0), interval(r["ci"], 0), r["n_judgments"]]
                for r in result["ratings"]
            ],
        )

    power = result["power"]["comparisons"]
    if power:
        lines += ["## Power", ""]
        lines += [f"- {p['message']}" for p in power] + [""]
        rows = []
        for p in power:
            sign = p["sign_test"]
            if sign["items_needed"]:
                rows.append(
                    [p["criterion"], _pair(p), f"observed, sign test over items ({pct(sign['item_share_favouring_b'])} "
                     "of non-even items)", sign["items_needed"], sign["judgments_needed"]]
                )
            for need in p["needed"]:
                what = "observed" if need["effect"] == "observed" else "fixed"
                rows.append(
                    [p["criterion"], _pair(p), f"win rate {num(need['win_rate_b'])} ({what}), all judgments",
                     need["items"] or "–", need["judgments"] or "–"]
                )
        lines += [
            "Items needed for 80 % power at two-sided α = 0.05. The sign test (the headline test) only sees which "
            "side each item favours; the win-rate rows size a test that uses every judgment, from the tie rate and "
            "design effect.",
            "",
        ]
        lines += _table(["criterion", "pair", "effect to detect", "items", "judgments"], rows)

    if result["metrics"]:
        lines += ["## Automatic metrics", ""]
        lines += _table(
            ["criterion", "pair", "metric", "items", "mean a", "mean b", "difference b − a (95 % CI)", "paired t p",
             "Kendall τ-b with preference (p)"],
            [
                [m["criterion"], _pair(m), m["metric"], m["n_items"], num(m["mean_a"]), num(m["mean_b"]),
                 f"{num(m['mean_difference'])} ({interval(m['mean_difference_ci'])})", p_value(m["paired_t_p"]),
                 f"{num(m['kendall_tau_b'])} ({p_value(m['kendall_p'])})"]
                for m in result["metrics"]
            ],
        )

    length = result["length_bias"]
    if length is not None:
        lines += ["## Length bias", ""]
        lines += [
            f"The longer output won {pct(length['longer_share'])} of {length['n_non_tie']} non-tie judgments between "
            f"outputs of different length (exact binomial test against 50 %: {p_equals(length['p_value'])}). "
            f"Over items, {length['items_favouring_longer']} of {length['n_items']} favour the longer output and "
            f"{length['items_favouring_shorter']} the shorter (sign test over items: "
            f"{p_equals(length['p_value_items'])}).",
            "",
        ]

    if result["warnings"]:
        lines += ["## Warnings", ""]
        lines += [f"- {w}" for w in result["warnings"]] + [""]

    versions = result["versions"]
    lines += [
        "## Reproducibility",
        "",
        f"- evalstore {versions['evalstore']}, scipy {versions['scipy']}, krippendorff {versions['krippendorff']}",
        f"- seed {result['seed']}, {result['resamples']} bootstrap resamples, tie rule {result['tie_rule']}",
        f"- excluded raters: {', '.join(result['excluded_raters']) or 'none'}",
        f"- input sha256: {result['input_sha256'] or 'not given'}",
        "",
    ]
    return "\n".join(lines)
