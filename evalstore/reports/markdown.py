"""``evalstore analyze --format md``: the analysis result as a readable Markdown report.

Only presentation happens here: every number comes from the dict ``analysis.analyze`` returned, rounded for
reading (the JSON keeps unrounded floats). The headline sentences come first, then one table per section.
"""

from __future__ import annotations

import re

from . import words
from .tables import Table, key_value_table, sections
from .words import ALPHA_RELIABLE, ALPHA_TENTATIVE, SIGNIFICANCE  # noqa: F401  (importable from here as before)


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
    return words.tie_basis(rule, b)


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
        return f"{words.pair_label(entry)} on {criterion}: every judgment is a tie ({prompts})."
    winner, item_winner = entry.get("winner"), entry.get("item_winner")

    def evidence(c, p) -> str:
        return f"95 % CI {pct_interval(c)}, {p_equals(p)} over {prompts}"

    def items_phrase(side: str) -> str:
        share = entry.get("item_share_b")
        share = share if side == b or share is None else 1 - share
        return (f"{side} is preferred on {pct(share)} of the prompts that lean either way "
                f"(sign test {p_equals(entry.get('sign_test_p'))})")

    if status == "too_few_items":
        return (f"Too few prompts to judge {words.pair_label(entry)} on {criterion}: {b} wins {pct(rate)} {basis} "
                f"over {prompts}, "
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
    """", base vs dpo" when the study has more than two systems: every sentence names its pair."""
    return f", {words.pair_label(entry)}" if len(result.get("systems") or []) > 2 else ""


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
    elif bias.get("p_value") is not None and bias["p_value"] < SIGNIFICANCE:
        out.append(f"Position bias: raters favour the left output — at equal exposure of both sides it would win "
                   f"{pct(bias.get('left_share_balanced'))} (within-prompt test {p_equals(bias['p_value'])}). Where "
                   "each system is shown on the left about as often as on the right (evalstore's assignment does "
                   "this) it adds noise but favours neither system; see the raters flagged as "
                   f"\"{words.flag_words('always_left')}\".")
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
        holds = against.get("p_value") is not None and against["p_value"] < SIGNIFICANCE and \
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
            text += f" ({words.warning_words(raters['warning'])})"
        out.append(text)
    elif raters.get("warning"):
        out.append(f"Raters: {words.warning_words(raters['warning'])}")

    if _only_against_baseline(result):
        out.append(f"Pairs: every comparison is against the baseline {result['baseline']}: two other systems are "
                   "compared with each other only through the ratings, never directly.")
    if entry.get("interval_warning"):
        out.append(f"Sample size: {words.warning_words(entry['interval_warning'])}")
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
    reading = words.alpha_reading(alpha)
    spread = f"95 % CI {interval(ci)}" if ci else "no interval (see warnings)"
    return f"Agreement on {where}: Krippendorff's α ({level}) = {alpha:.2f}, {spread} over {entry['n_units']} items — {reading}."


# ---------------------------------------------------------------------------------------------------------
# The Markdown renderer: every text through ``md_text``, every table through ``md_table``

# Characters that start Markdown (or GitHub-flavoured) syntax anywhere in a line: emphasis, code, links and
# images (``[``), tables (``|``), strikethrough (``~``) and the escape itself.
_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
# ``<`` opens an HTML tag or an autolink only when a letter, ``/``, ``!`` or ``?`` follows ("p < 0.001" stays).
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")
# An entity (``&lt;``, ``&#33;``) would be decoded by the viewer: keep the ampersand literal.
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
# Line-start syntax: headings, quotes, list markers, setext underlines, numbered lists.
_MD_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")


def md_text(text, *, block: bool = False) -> str:
    """Text shown as itself in Markdown, whatever it holds: names, slice values, rater ids, warnings.

    A metadata value like ``![x](http://host/p.png)`` stays text (no image a viewer would fetch); so do
    links, code, tables pipes, emphasis and HTML tags. Line breaks become spaces (one line, one cell).
    ``block=True`` for text that starts a line or a list item: a leading ``#``, ``>``, ``-`` or ``1.`` is
    escaped too, so it cannot become a heading, a quote or a list.

    >>> md_text("![x](http://host/p.png)")
    '!\\\\[x\\\\](http://host/p.png)'
    >>> md_text("<img src=x> a|b *c*")
    '&lt;img src=x> a\\\\|b \\\\*c\\\\*'
    >>> md_text("p < 0.001")
    'p < 0.001'
    """
    text = " ".join(str(text).splitlines())
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_ENTITY.sub("&amp;", text)
    text = _MD_TAG.sub("&lt;", text)
    if not block:
        return text
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2) if m.group(2)[0] in "#>+-=" else
                              m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def md_table(table: Table) -> list[str]:
    """One ``Table`` as Markdown lines: bold title, header, rows, note in italics."""
    lines = [f"**{md_text(table.title)}**", ""] if table.title else []
    lines.append("| " + " | ".join(md_text(h) for h in table.headers) + " |")
    lines.append("|" + "|".join("---" for _ in table.headers) + "|")
    lines += ["| " + " | ".join(md_text(c) for c in row) + " |" for row in table.rows]
    if table.note:
        lines += ["", f"_{md_text(table.note)}_"]
    return lines + [""]


def render_markdown(result: dict) -> str:
    """The whole analysis as Markdown: headline sentences, then every section's tables, warnings, versions.

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
        sentence = words.warning_words(entry.get("sentence") or headline_sentence(entry))
        lines += [f"**{md_text(sentence)}**", "", "Can I trust this?", ""]
        lines += [f"- {md_text(words.warning_words(t), block=True)}"
                  for t in entry.get("can_i_trust_this") or trust_list(entry, result)] + [""]
    if not result["headline"]:
        lines += ["No judgments to analyse.", ""]
    flagged = words.flagged_raters(result)
    if flagged:
        lines += [md_text(flagged, block=True), ""]
    lines += [
        f"{result['n_judgments']} judgments ({result['n_skipped']} skipped) on {result['n_items']} items by "
        f"{result['n_raters']} raters, {result['scale']}-point scale.",
        "",
    ]
    for section in sections(result):
        if section.key == "summary":
            continue  # the line above says it
        lines += [f"## {md_text(section.title)}", ""]
        for paragraph in section.intro:
            lines += [md_text(paragraph, block=True), ""]
        for table in section.tables:
            lines += md_table(table)

    if result["warnings"]:
        lines += ["## Warnings", ""]
        lines += [f"- {md_text(words.warning_words(w), block=True)}" for w in result["warnings"]] + [""]

    versions = result["versions"]
    lines += [
        "## Reproducibility",
        "",
        f"- evalstore {versions['evalstore']}, scipy {versions['scipy']}, krippendorff {versions['krippendorff']}",
        f"- seed {result['seed']}, {result['resamples']} bootstrap resamples, "
        f"{words.tie_rule_words(result['tie_rule'])}",
        f"- excluded raters: {md_text(', '.join(result['excluded_raters']) or 'none')}",
        f"- input sha256: {result['input_sha256'] or 'not given'}",
        "",
    ]
    return "\n".join(lines)


def render_md(result: dict, context=None) -> str:
    """Markdown for a pull request or a wiki: ``evalstore analyze --format md`` (verdict first, then every
    table, warnings, versions) under the report's title, followed by the methods in plain words, the
    generation time and the command that regenerates the report."""
    from .. import __version__
    from .context import ReportContext, methods_paragraphs, reproducibility

    context = context or ReportContext()
    body = render_markdown(result).splitlines()
    if body and body[0].startswith("# "):
        body = body[1:]
    lines = [f"# {md_text(context.title_of())}", "", f"Generated {md_text(context.timestamp())} by evalstore "
             f"{__version__}."]
    lines += body
    block = reproducibility(result, context)
    command = block.pop("command")
    lines += [f"- generated at: {md_text(block['generated_at'])}", f"- source: {md_text(block['source'] or '–')}"
              + (f", study {md_text(block['study'])}" if block.get("study") else "")]
    if command:
        # a fenced block shows its content as written; a fence longer than any backtick run in it keeps it closed
        fence = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`+", command)), default=0))
        lines += ["", "Regenerate this report with:", "", f"{fence}sh", command, fence]
    lines += ["", "## Methods", ""]
    for paragraph in methods_paragraphs(result):
        lines += [md_text(paragraph, block=True), ""]
    if result.get("methods"):
        lines += md_table(key_value_table("Options of each statistic", result["methods"]))
    return "\n".join(lines).rstrip() + "\n"
