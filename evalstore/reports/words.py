"""Every word a person reads about an analysis result, in one place.

The Markdown and HTML reports, the charts and the analysis page name verdicts, tie rules, thresholds, rater
flags, pairs and statistics through this module only, so no two surfaces can say the same thing two ways and
no JSON key or flag code reaches a reader. The JSON keeps its keys; only what people read is translated here.

Pairs are named baseline first, as the engine orients them (``system_a`` is the baseline, or the first system
of the pair the user gave): ``base vs finetuned``. Systems are always named, never "A" or "B" — raters'
"Response A" is the left side, which has nothing to do with the pair's order.
"""

from __future__ import annotations

import re

#: Krippendorff (2004, sec. 11.4): rely on data with α ≥ 0.800; draw tentative conclusions only for α ≥ 0.667.
ALPHA_RELIABLE = 0.800
ALPHA_TENTATIVE = 0.667

#: The two-sided level of every verdict, flag and colour (the engine's own level).
SIGNIFICANCE = 0.05

#: Target power of the study-size figures.
TARGET_POWER = 0.80


def significance_words() -> str:
    """ "p < 0.05" — the label of "significant" on charts and in tables."""
    return f"p < {SIGNIFICANCE:g}"


# ---------------------------------------------------------------------------------------------------------
# pairs

def pair_label(entry: dict) -> str:
    """How every surface names a pair: baseline (``system_a``) first.

    >>> pair_label({"system_a": "base", "system_b": "finetuned"})
    'base vs finetuned'
    """
    return f"{entry['system_a']} vs {entry['system_b']}"


def comparison_label(entry: dict) -> str:
    """A (criterion, pair) row: ``overall: base vs finetuned`` (the engine's warnings use the same words).

    >>> comparison_label({"criterion": "overall", "system_a": "base", "system_b": "finetuned"})
    'overall: base vs finetuned'
    """
    return f"{entry['criterion']}: {pair_label(entry)}"


def wins_words(system: str) -> str:
    """An outcome named by its system: ``finetuned preferred``."""
    return f"{system} preferred"


TIE_OUTCOME = "tie"


def preference_words(preference, first: str, second: str) -> str:
    """One judgment in words, by system name: -2 "base much better" ... 2 "finetuned much better".

    >>> preference_words(-1, "base", "finetuned"), preference_words(None, "base", "finetuned")
    ('base better', 'skipped')
    """
    if preference is None:
        return "skipped"
    return {-2: f"{first} much better", -1: f"{first} better", 0: TIE_OUTCOME, 1: f"{second} better",
            2: f"{second} much better"}.get(preference, str(preference))


#: How a study pairs its systems (``studies.PAIRINGS``), in words.
PAIRINGS = {"vs-baseline": "each system against the baseline", "all-pairs": "every pair of systems"}


def study_words(status: dict) -> str:
    """One line about a study's design: systems (baseline first), scale, criteria, pairing, raters per prompt."""
    systems = [status["baseline"], *[s for s in status["systems"] if s != status["baseline"]]] \
        if status.get("baseline") in (status.get("systems") or []) else list(status.get("systems") or [])
    return (f"Systems: {', '.join(map(str, systems))} (baseline {status.get('baseline')}) · "
            f"{status.get('scale')}-point scale · criteria: {', '.join(map(str, status.get('criteria') or []))} · "
            f"{PAIRINGS.get(status.get('pairing'), status.get('pairing'))} · {status.get('overlap')} raters per "
            "prompt")


# ---------------------------------------------------------------------------------------------------------
# tie rules

#: What each tie rule does, as a phrase ("win rate of finetuned (ties dropped)").
TIE_RULES = {
    "drop": "ties dropped",
    "half": "ties split half-half",
    "against_b": "ties counted against the second system",
}

#: The same rules as a choice a person makes on the analysis page.
TIE_RULE_CHOICES = {
    "drop": "drop ties",
    "half": "split ties half-half",
    "against_b": "count ties against the second system",
}


def tie_rule_words(rule: str | None, second: str | None = None) -> str:
    """The rule as a phrase; with ``second`` (system_b's name) the against-rule names that system.

    >>> tie_rule_words("against_b", "finetuned"), tie_rule_words(None)
    ('ties counted against finetuned', 'ties dropped')
    """
    rule = rule or "drop"
    if rule == "against_b" and second:
        return f"ties counted against {second}"
    return TIE_RULES.get(rule, str(rule))


def tie_basis(rule: str | None, second: str) -> str:
    """What a win rate is a share of under the rule: "of non-tie judgments" ...

    >>> tie_basis("drop", "finetuned"), tie_basis("against_b", "finetuned")
    ('of non-tie judgments', 'of judgments with ties counted against finetuned')
    """
    rule = rule or "drop"
    if rule == "drop":
        return "of non-tie judgments"
    if rule == "half":
        return "of judgments with ties split half-half"
    return f"of judgments with ties counted against {second}"


# ---------------------------------------------------------------------------------------------------------
# agreement

def alpha_reading(alpha: float) -> str:
    """What an α means for the verdict, by Krippendorff's thresholds."""
    if alpha >= ALPHA_RELIABLE:
        return "raters agree well"
    if alpha >= ALPHA_TENTATIVE:
        return "good enough for tentative conclusions only"
    return (f"below the {ALPHA_TENTATIVE:.3f} Krippendorff asks even for tentative conclusions; read the win rate "
            "with care")


def alpha_thresholds_words() -> str:
    """ "0.667 tentative, 0.800 reliable" — the dashed lines of the agreement chart."""
    return f"{ALPHA_TENTATIVE:.3f} tentative, {ALPHA_RELIABLE:.3f} reliable"


# ---------------------------------------------------------------------------------------------------------
# rater flags

#: Each flag code the engine sets on a rater, in words.
FLAGS = {
    "too_fast": "too fast",
    "always_left": "favours the left output",
    "always_right": "favours the right output",
    "always_tie": "almost always says tie",
    "low_agreement": "rarely agrees with the others",
    "low_gold_accuracy": "misses the gold answers",
}


def flag_words(flag: str) -> str:
    return FLAGS.get(flag, str(flag).replace("_", " "))


def flags_words(flags) -> str:
    """ "too fast, favours the left output" or "–"."""
    return ", ".join(flag_words(f) for f in flags or []) or "–"


def flagged_raters(result: dict) -> str:
    """ "Raters to look at: carol (too fast, favours the left output)." or "" when no rater is flagged."""
    flagged = [r for r in result.get("raters") or [] if r.get("flags")]
    if not flagged:
        return ""
    return "Raters to look at: " + ", ".join(f"{r['rater_id']} ({flags_words(r['flags'])})" for r in flagged) + "."


# ---------------------------------------------------------------------------------------------------------
# statistics: the name of every key a table shows

LABELS = {
    # what was analysed
    "n_judgments": "judgments", "n_skipped": "skipped judgments", "n_items": "prompts", "n_raters": "raters",
    "scale": "scale (points)", "systems": "systems", "baseline": "baseline", "criteria": "criteria",
    "overlap": "raters per prompt", "tie_rule": "tie rule", "excluded_raters": "excluded raters",
    "criterion": "criterion", "system_a": "first system", "system_b": "second system", "system": "system",
    "pair": "pair", "rule": "tie rule", "slice": "slice", "value": "value", "metric": "metric",
    "rater_id": "rater", "rater_1": "rater", "rater_2": "other rater", "statistic": "statistic",
    # win rates and tests
    "wins_a": "wins of the first system", "wins_b": "wins of the second system", "ties": "ties",
    "tie_rate": "tie rate", "win_rate_b": "win rate of the second system",
    "win_rate_b_ci": "95 % CI of the win rate (clustered by prompt)",
    "win_rate_b_wilson_ci": "95 % CI of the win rate (naive Wilson)",
    "win_rate_b_ties_half": "win rate with ties split half-half", "p_value": "p",
    "mean_preference": "mean preference", "mean_preference_ci": "95 % CI of the mean preference",
    "items_favouring_a": "prompts favouring the first system",
    "items_favouring_b": "prompts favouring the second system", "items_even": "prompts favouring neither",
    "item_share_b": "share of prompts favouring the second system", "sign_test_p": "sign test p",
    "sign_test": "sign test", "wilcoxon_p": "Wilcoxon p", "paired_t_p": "paired t-test p",
    "design_effect": "design effect", "winner": "winner", "verdict": "verdict", "small": "under 20 prompts",
    "p_holm": "p (Holm)", "p_bh": "p (Benjamini–Hochberg)", "significant": "significant",
    # agreement
    "n_units": "prompts rated twice or more", "krippendorff_alpha_nominal": "α nominal",
    "krippendorff_alpha_ordinal": "α ordinal", "krippendorff_alpha_interval": "α interval",
    "alpha_ci": "95 % CI of α", "alpha_ci_level": "α with an interval", "fleiss_kappa": "Fleiss κ",
    "gwet_ac1": "Gwet AC1", "percent_agreement": "% agreement", "headline_coefficient": "coefficient quoted",
    "kappa": "Cohen's κ", "n": "shared prompts",
    # position bias
    "left_share": "left share", "left_share_balanced": "left share at equal exposure",
    "left_share_tested": "left share (prompts shown both ways)", "expected_left_share": "left share expected",
    "n_non_tie": "non-tie judgments", "n_tested": "judgments tested", "n_strata": "prompts tested",
    "n_sided": "judgments with a known left side", "odds_ratio_mh": "odds ratio (Mantel–Haenszel)",
    "odds_ratio_mh_ci": "95 % CI of the odds ratio", "testable": "testable", "reason": "why not",
    "test": "test", "position_p_holm": "position test p (Holm)",
    # raters
    "median_duration_s": "median seconds per judgment", "agreement_with_others": "agrees with the others",
    "n_with_majority": "judgments with a majority to compare", "gold_accuracy": "gold accuracy",
    "n_gold": "gold judgments", "flags": "flags", "flag": "flag",
    "min_judgments": "judgments needed before a flag", "too_fast_median_duration_s": "too fast: median under (s)",
    "too_fast_share_of_overall_median": "too fast: share of the overall median",
    "overall_median_duration_s": "overall median seconds per judgment",
    "always_left_share": "favours the left: left share at least", "always_left_alpha": "favours the left: test level",
    "always_left_rule": "favours the left: rule", "always_tie_rate": "almost always tie: tie rate at least",
    "low_agreement": "rarely agrees: agreement under", "low_gold_accuracy": "misses gold: accuracy under",
    "agreement_reference": "agreement measured against",
    # ratings, power, metrics, length
    "rating": "rating", "ci": "95 % CI", "is_baseline": "baseline",
    "current_power": "power now", "design_effect_assumed": "design effect assumed",
    "judgments_per_item": "judgments per prompt", "observed_win_rate_b": "observed win rate of the second system",
    "underpowered": "underpowered", "message": "reading", "alpha": "α", "target_power": "target power",
    "mean_a": "mean of the first system", "mean_b": "mean of the second system",
    "mean_difference": "difference (second − first)", "mean_difference_ci": "95 % CI of the difference",
    "kendall_tau_b": "Kendall τ-b with preference", "kendall_p": "Kendall p",
    "longer_share": "share won by the longer output", "n_equal_length": "judgments of equal length",
    "items_favouring_longer": "prompts favouring the longer output",
    "items_favouring_shorter": "prompts favouring the shorter output", "p_value_items": "p over prompts",
    "length_controlled": "win rate at equal length", "rater_sensitivity": "rater sensitivity",
    "tie_sensitivity": "tie-sensitivity table", "unit_of_inference": "unit of inference",
    "bootstrap": "bootstrap", "headline": "verdict", "item_direction": "prompt view", "slices": "slices",
    "ratings": "ratings", "agreement": "agreement", "power": "power", "metrics": "metrics",
    "length_bias": "length bias", "position_bias": "position bias",
    "raters.agreement_with_others": "raters' agreement with the others",
    "input_sha256": "data sha256", "seed": "seed", "resamples": "resamples",
    "without_ties": "with ties left out", "ties_against_b": "with ties counted against the second system",
    # nested entries (headline, power, rater sensitivity, disagreements)
    "can_i_trust_this": "can I trust this?", "ci_items_and_raters": "95 % CI with raters resampled too",
    "ci_items_only": "95 % CI with prompts resampled", "coefficient": "coefficient",
    "cohen_kappa_pairs": "Cohen's κ per rater pair", "comparisons": "comparisons", "covariate": "covariate",
    "disagreements": "disagreements", "effect": "effect", "estimand": "estimand", "even_item_share":
    "share of prompts favouring neither", "in_reference": "in the reference", "interval_warning": "interval note",
    "item_share_b_ci": "95 % CI of the share of prompts favouring the second system",
    "item_share_favouring_b": "share of prompts favouring the second system",
    "item_winner": "winner on prompts", "items": "prompts", "items_needed": "prompts needed",
    "judgments": "judgments", "judgments_needed": "judgments needed", "n_disagree": "disagreements",
    "n_shared": "shared prompts", "needed": "needed", "per_comparison": "per comparison", "per_rater": "per rater",
    "rater_flag_thresholds": "thresholds of the rater flags", "raters": "raters", "raters_differ": "raters differ",
    "raw_win_rate_b": "win rate as judged", "sentence": "verdict", "status": "status", "undefined": "undefined",
    "versions": "versions", "views_agree": "judgments and prompts agree", "warning": "note", "warnings": "notes",
    "widening": "widening of the interval", "widening_if_raters_exchangeable": "widening if raters are alike",
}


def label(key: str, first: str | None = None, second: str | None = None) -> str:
    """The words for a result key; a key not listed reads with spaces for underscores (never the raw key).
    Given the pair's systems (a table of one pair), the label names them instead of "first" / "second".

    >>> label("win_rate_b_ties_half"), label("some_new_key"), label("wins_a", "base", "finetuned")
    ('win rate with ties split half-half', 'some new key', 'wins of base')
    """
    text = LABELS.get(key) or str(key).replace("_", " ")
    if first is not None and second is not None:
        text = text.replace("the first system", str(first)).replace("the second system", str(second))
        text = text.replace("(second − first)", f"({second} − {first})")
    return text


# Result keys (and flag codes) inside the engine's warning text, longest first so ``win_rate_b_ci`` is
# replaced before ``win_rate_b``.
_IN_TEXT = {**{k: v for k, v in LABELS.items() if "_" in k}, **FLAGS}
_IN_TEXT.update({
    "the item-clustered win_rate_b_ci": "the item-clustered interval of the win rate",
    "win_rate_b_ci": "the win rate's interval", "win_rate_b": "the win rate",
    "win_rate_b_ties_half": "the win rate with ties split half-half", "tie_sensitivity": "the tie-sensitivity table",
    "alpha_ci": "the interval of α", "mean_preference_ci": "the interval of the mean preference",
    "system_b": "the second system", "system_a": "the first system", "left_system": "left-side",
    "position_bias.per_rater": "the per-rater side test",
})
_KEY_RE = re.compile(r"(?<![\w.])(" + "|".join(re.escape(k) for k in sorted(_IN_TEXT, key=len, reverse=True))
                     + r")(?![\w])")


def warning_words(text: str) -> str:
    """An engine warning (or note) with every result key and flag code in it put in words.

    >>> warning_words("3 ties left out of win_rate_b; win_rate_b_ties_half and tie_sensitivity show more")
    '3 ties left out of the win rate; the win rate with ties split half-half and the tie-sensitivity table show more'
    >>> warning_words("rater carol flagged: too_fast, always_left")
    'rater carol flagged: too fast, favours the left output'
    """
    return _KEY_RE.sub(lambda m: _IN_TEXT[m.group(1)], str(text))
