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


def _flip(rate: float | None, ci: list | None) -> tuple[float | None, list | None]:
    """system_b's share and interval → system_a's (the complement, interval mirrored)."""
    if rate is None:
        return None, ci
    if not ci:
        return 1 - rate, ci
    return 1 - rate, [None if ci[1] is None else 1 - ci[1], None if ci[0] is None else 1 - ci[0]]


def _basis(rule: str, a: str, b: str) -> str:
    return _TIE_BASIS.get(rule) or f"of judgments with ties counted against {b}"


def headline_sentence(entry: dict) -> str:
    """The verdict for one ``headline[]`` entry of the analysis, in words.

    The number, its interval and its test are one estimand: the win rate over judgments under the tie rule,
    with its item-clustered interval and the test of that same win rate. The share of prompts that favour a
    side (the item view) follows; when the two views disagree the sentence says so, and no winner is named
    unless the win rate's own test and interval name it.

    Examples
    --------
    >>> headline_sentence({"criterion": "overall", "system_a": "base", "system_b": "finetuned",
    ...     "tie_rule": "drop", "win_rate_b": 0.64, "win_rate_b_ci": [0.57, 0.71], "p_value": 0.002,
    ...     "n_items": 120, "significant": True, "winner": "finetuned", "status": "winner",
    ...     "item_share_b": 0.7, "sign_test_p": 0.0004, "item_winner": "finetuned", "views_agree": True})
    'finetuned beats base on overall: 64 % of non-tie judgments, 95 % CI 57–71 %, p = 0.002 over 120 prompts; finetuned is preferred on 70 % of the prompts that lean either way (sign test p < 0.001).'
    >>> headline_sentence({"criterion": "overall", "system_a": "base", "system_b": "finetuned",
    ...     "tie_rule": "drop", "win_rate_b": 0.47, "win_rate_b_ci": [0.41, 0.53], "p_value": 0.33,
    ...     "n_items": 60, "significant": False, "winner": None, "status": "no_difference",
    ...     "item_share_b": 0.7, "sign_test_p": 0.003, "item_winner": "finetuned", "views_agree": False})
    'finetuned is preferred on 70 % of the prompts that lean either way (sign test p = 0.003), but where it loses it loses clearly: overall win rate 47 % of non-tie judgments, 95 % CI 41–53 %, p = 0.33 over 60 prompts; no overall winner on overall.'
    """
    a, b, criterion = entry["system_a"], entry["system_b"], entry["criterion"]
    rule = entry["tie_rule"]
    rate, ci = entry["win_rate_b"], entry["win_rate_b_ci"]
    prompts = f"{entry['n_items']} prompt{'s' if entry['n_items'] != 1 else ''}"
    status = entry.get("status") or ("winner" if entry.get("winner") else "no_difference")
    basis = _basis(rule, a, b)
    if rate is None or status == "all_ties":
        return f"{a} vs {b} on {criterion}: every judgment is a tie ({prompts})."
    winner, item_winner = entry.get("winner"), entry.get("item_winner")

    def evidence(c, p) -> str:
        return f"95 % CI {pct_interval(c)}, {p_equals(p)} over {prompts}"

    def items_phrase(side: str) -> str:
        share = entry.get("item_share_b")
        share = share if side == b or share is None else 1 - share
        return (f"{side} is preferred on {pct(share)} of the prompts that lean either way "
                f"(sign test {p_equals(entry.get('sign_test_p'))})")

    if status == "too_few_items":
        return (f"Too few prompts to judge {a} vs {b} on {criterion}: {b} wins {pct(rate)} {basis} over {prompts}, "
                "too few for an interval; no verdict.")
    if status == "ties_explain":
        drop = entry.get("without_ties") or {}
        return (f"Counting every tie as a loss for {b}, {b} does not beat {a} on {criterion}: {b} wins {pct(rate)} "
                f"{basis}, {evidence(ci, entry['p_value'])}. This bounds {b}'s claim; {a} leads only through "
                f"the ties (with ties left out {b} wins {pct(drop.get('win_rate_b'))}, 95 % CI "
                f"{pct_interval(drop.get('win_rate_b_ci'))}), so there is no verdict for {a}.")
    if winner:
        loser = a if winner == b else b
        shown_rate, shown_ci = (rate, ci) if winner == b else _flip(rate, ci)
        head = f"{winner} beats {loser} on {criterion}: {pct(shown_rate)} {basis}, {evidence(shown_ci, entry['p_value'])}"
        if item_winner == winner:
            return f"{head}; {items_phrase(winner)}."
        if item_winner:
            return (f"{head}; but {items_phrase(item_winner)}: {winner} wins fewer prompts by larger margins.")
        return f"{head}; on prompts the lead is not significant: {items_phrase(winner)}."
    if item_winner:
        shown_rate, shown_ci = (rate, ci) if item_winner == b else _flip(rate, ci)
        return (f"{items_phrase(item_winner)}, but where it loses it loses clearly: overall win rate "
                f"{pct(shown_rate)} {basis}, {evidence(shown_ci, entry['p_value'])}; no overall winner "
                f"on {criterion}.")
    return (f"No significant difference between {a} and {b} on {criterion}: {b} wins {pct(rate)} {basis}, "
            f"{evidence(ci, entry['p_value'])}.")


def _same_pair(entry: dict, other: dict) -> bool:
    return all(entry.get(k) == other.get(k) for k in ("criterion", "system_a", "system_b"))


def _pair_words(entry: dict, result: dict) -> str:
    """", dpo vs base" when the study has more than two systems: every sentence names its pair."""
    return f", {entry['system_b']} vs {entry['system_a']}" if len(result.get("systems") or []) > 2 else ""


def _only_against_baseline(result: dict) -> bool:
    """More than two systems, and every comparison has the baseline in it (vs-baseline pairing)."""
    baseline, comparisons = result.get("baseline"), result.get("comparisons") or []
    return len(result.get("systems") or []) > 2 and bool(comparisons) and \
        all(baseline in (c["system_a"], c["system_b"]) for c in comparisons)


def trust_list(entry: dict, result: dict) -> list[str]:
    """"Can I trust this?" for one ``headline[]`` entry: what threatens the verdict, each with its number.

    Agreement (the coefficient suited to the scale), position bias, length bias (with the win rate at equal
    length), the tie bound, how much the interval depends on these raters, and small samples, in plain words.
    """
    b = entry["system_b"]
    out: list[str] = []
    agreement = next((g for g in result.get("agreement") or [] if _same_pair(entry, g)), None)
    if agreement is not None:
        out.append(agreement_sentence(agreement, pair=_pair_words(entry, result)))

    bias = result.get("position_bias")
    if bias is None:
        out.append("Position bias: not checked — the judgments do not say which output was shown on the left.")
    elif bias.get("testable") is False:
        reason = bias.get("reason") or "sides are confounded with systems"
        out.append(f"Position bias: {reason if reason.startswith('not testable') else 'not testable: ' + reason}.")
    elif bias.get("p_value") is not None and bias["p_value"] < 0.05:
        out.append(f"Position bias: raters favour the left output — at equal exposure of both sides it would win "
                   f"{pct(bias.get('left_share_balanced'))} (within-prompt test {p_equals(bias['p_value'])}). Where "
                   "each system is shown on the left about as often as on the right (evalstore's assignment does "
                   "this) it adds noise but favours neither system; see the raters flagged always_left.")
    else:
        out.append(f"Position bias: none detected within prompts ({p_equals(bias.get('p_value'))}; the left output "
                   f"would win {pct(bias.get('left_share_balanced'))} at equal exposure).")

    length = next((e for e in (result.get("length_bias") or {}).get("per_comparison") or [] if _same_pair(entry, e)),
                  None)
    controlled = entry.get("length_controlled") or {}
    if length is None or length.get("longer_share") is None:
        out.append("Length bias: not checked — no output lengths in the judgments.")
    else:
        text = (f"Length bias: the longer output won {pct(length['longer_share'])} of non-tie judgments between "
                f"outputs of different length (over prompts: {p_equals(length.get('p_value_items'))})")
        if controlled.get("win_rate_b") is not None:
            text += (f"; at equal length {b} would win {pct(controlled['win_rate_b'])} (95 % CI "
                     f"{pct_interval(controlled.get('ci'))}) against {pct(entry['win_rate_b'])} as judged")
        out.append(text + ".")

    against = entry.get("ties_against_b") or {}
    if entry["tie_rule"] != "against_b" and against.get("win_rate_b") is not None:
        holds = against.get("p_value") is not None and against["p_value"] < 0.05 and \
            (against.get("win_rate_b_ci") or [None])[0] is not None and against["win_rate_b_ci"][0] > 0.5
        out.append(f"Ties: counting every tie as a loss for {b}, it wins {pct(against['win_rate_b'])} (95 % CI "
                   f"{pct_interval(against.get('win_rate_b_ci'))}, {p_equals(against.get('p_value'))}) — "
                   + (f"{b}'s lead holds even then." if holds else f"{b}'s claim does not survive this bound."))

    raters = entry.get("rater_sensitivity") or {}
    if raters.get("ci_items_and_raters"):
        widening, baseline = raters.get("widening"), raters.get("widening_if_raters_exchangeable")
        text = (f"Raters: with raters resampled too, 95 % CI {pct_interval(raters['ci_items_and_raters'])} "
                f"(the same bootstrap over prompts only: {pct_interval(raters.get('ci_items_only'))}")
        if widening and baseline:
            text += f"; {widening:.1f}× as wide, interchangeable raters would give {baseline:.1f}×"
        text += ")"
        if raters.get("raters_differ"):
            text += " — the verdict leans on these particular raters."
        elif raters.get("raters_differ") is False:
            text += " — other raters like these would likely agree."
        else:
            text += "."
        if raters.get("warning"):
            text += f" ({raters['warning']})"
        out.append(text)
    elif raters.get("warning"):
        out.append(f"Raters: {raters['warning']}")

    if _only_against_baseline(result):
        out.append(f"Pairs: every comparison is against the baseline {result['baseline']}: two other systems are "
                   "compared with each other only through the ratings, never directly.")
    if entry.get("interval_warning"):
        out.append(f"Sample size: {entry['interval_warning']}")
    elif entry["n_items"] < 30:
        out.append(f"Sample size: only {entry['n_items']} prompts; intervals are wide and the tests have little "
                   "power.")
    return out


def agreement_sentence(entry: dict, pair: str = "") -> str:
    """How far the raters agree on one comparison, in words.

    The coefficient is the one suited to the scale (``headline_coefficient``: ordinal α on the ordered 3- and
    5-point scales); ``pair`` (", dpo vs base") names the pair when a study has more than two systems.

    >>> agreement_sentence({"criterion": "overall", "headline_coefficient": "krippendorff_alpha_ordinal",
    ...     "krippendorff_alpha_ordinal": 0.41, "alpha_ordinal_ci": [0.3, 0.5], "n_units": 60})
    "Agreement on overall: Krippendorff's α (ordinal) = 0.41, 95 % CI 0.30 to 0.50 over 60 items — below the 0.667 Krippendorff asks even for tentative conclusions; read the win rate with care."
    """
    key = entry.get("headline_coefficient")
    if key and key.startswith("krippendorff_alpha_"):
        level = key[len("krippendorff_alpha_"):]
    else:
        level = entry.get("alpha_ci_level", "nominal")
    alpha = entry.get(f"krippendorff_alpha_{level}")
    ci = entry.get(f"alpha_{level}_ci")
    if ci is None and entry.get("alpha_ci_level") == level:
        ci = entry.get("alpha_ci")
    where = f"{entry['criterion']}{pair}"
    if alpha is None:
        return f"Agreement on {where}: Krippendorff's α is undefined for these data (see warnings)."
    if alpha >= ALPHA_RELIABLE:
        reading = "raters agree well"
    elif alpha >= ALPHA_TENTATIVE:
        reading = "good enough for tentative conclusions only"
    else:
        reading = "below the 0.667 Krippendorff asks even for tentative conclusions; read the win rate with care"
    spread = f"95 % CI {interval(ci)}" if ci else "no interval (see warnings)"
    return f"Agreement on {where}: Krippendorff's α ({level}) = {alpha:.2f}, {spread} over {entry['n_units']} items — {reading}."


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
        lines += [f"**{entry.get('sentence') or headline_sentence(entry)}**", "", "Can I trust this?", ""]
        lines += [f"- {t}" for t in entry.get("can_i_trust_this") or trust_list(entry, result)] + [""]
    if not result["headline"]:
        lines += ["No judgments to analyse.", ""]
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
            ["criterion", "pair", "ties", "win rate b", "95 % CI", "p (win rate)", "prompts favouring b",
             "sign test p"],
            [
                [t["criterion"], _pair(t), t["rule"].replace("_", " "), pct(t["win_rate_b"]),
                 pct_interval(t["win_rate_b_ci"]), p_value(t["p_value"]), pct(t.get("item_share_b")),
                 p_value(t.get("sign_test_p"))]
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
        if bias.get("testable") is False:
            lines += [f"The left output won {pct(bias['left_share'])} of {bias['n_non_tie']} non-tie judgments, but "
                      f"position bias is {bias.get('reason') or 'not testable'}: that share says nothing about "
                      "the raters.", ""]
        else:
            lines += [
                f"The left output won {pct(bias['left_share'])} of {bias['n_non_tie']} non-tie judgments; within "
                f"prompts, at equal exposure of both sides, it would win {pct(bias.get('left_share_balanced'))} "
                f"(Mantel–Haenszel test within prompt and pair, sides permuted: {p_equals(bias['p_value'])}; "
                f"common odds ratio {num(bias.get('odds_ratio_mh'))}, 95 % CI {interval(bias.get('odds_ratio_mh_ci'))}).",
                "",
            ]
        lines += _table(
            ["rater", "non-tie judgments", "left share", "left share at equal exposure", "p", "Holm p"],
            [[r["rater_id"], r["n_non_tie"], pct(r["left_share"]), pct(r.get("left_share_balanced")),
              p_value(r["p_value"]), p_value(r.get("p_holm"))] for r in bias["per_rater"]],
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
            f"always_right = {th.get('always_left_rule') or 'left share ≥ ' + pct(th['always_left_share'])}; "
            f"always_tie = tie rate ≥ {pct(th['always_tie_rate'])}; low_agreement = agrees with "
            f"{th.get('agreement_reference') or 'the other raters’ majority'} in under {pct(th['low_agreement'])} of "
            "judgments; low_gold_accuracy = under "
            f"{pct(th['low_gold_accuracy'])} on gold items.",
            "",
        ]

    if result["slices"]:
        lines += ["## Slices", ""]
        lines += _table(
            ["slice", "value", "criterion", "pair", "items", "win rate b", "95 % CI", "p (win rate)", "Holm p",
             "BH p", "verdict", "sign test p"],
            [
                [s["slice"], s["value"] if s["value"] is not None else "(empty)", s["criterion"], _pair(s),
                 s["n_items"], pct(s["win_rate_b"]), pct_interval(s["win_rate_b_ci"]), p_value(s.get("p_value")),
                 p_value(s["p_holm"]), p_value(s["p_bh"]), s["verdict"], p_value(s["sign_test_p"])]
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
            "Items needed for 80 % power at two-sided α = 0.05. The win-rate rows size a test that uses every "
            "judgment (like the headline's test of the win rate), from the tie rate and design effect; the sign "
            "test row sizes the item view, which only sees which side each item favours.",
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
