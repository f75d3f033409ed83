"""Per comparison (criterion, system_a, system_b): counts, win rates and tests, every tie rule, the headline
with its length-controlled and rater-sensitivity views, and agreement.

One loop over the comparisons, so that each comparison's warnings stay together in the order a reader meets
them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.inference import MIN_ITEMS, mean_preference_interval, win_rate_inference
from ..stats.intervals import wilson_interval
from ..stats.significance import paired_t_p, sign_test, wilcoxon_p
from ..stats.two_way import rater_sensitivity
from ..stats.winrates import (
    SUM_PREF,
    TIE_RULES,
    TIES,
    WINS_A,
    WINS_B,
    N,
    item_scores,
    item_share_interval,
    mean_preference,
    ratio_design_effect,
    win_rate,
)
from .common import FEW_ITEMS, count_of, finite, named_rng, named_seed
from .headline import _headline, _withhold_small_sample_intervals
from .length import _length_controlled
from .options import AnalysisOptions
from .prepare import Comparison, Prepared


def _comparison_section(comparison: Comparison, warnings: list[str]) -> dict:
    t = comparison.tallies
    totals = t.sum(axis=0)
    wins_a, ties, wins_b, n = (int(totals[c]) for c in (WINS_A, TIES, WINS_B, N))
    item_means = t[:, SUM_PREF] / t[:, N]
    signs = sign_test(item_scores(t, "drop"))
    win_rate_ci = win_rate_inference(t, "drop")
    mean_ci, mean_ci_warning = mean_preference_interval(t)
    # The naive interval obeys the same minimum: a few items' judgments are not that many independent ones.
    wilson_ci = (
        wilson_interval(wins_b, wins_a + wins_b)
        if np.count_nonzero(t[:, WINS_A] + t[:, WINS_B]) >= MIN_ITEMS else None
    )
    name = f"{comparison.criterion}: {comparison.system_a} vs {comparison.system_b}"
    for key, message in (("win_rate_b_ci", win_rate_ci.warning), ("mean_preference_ci", mean_ci_warning)):
        if message:
            warnings.append(f"{name}: {key}: {message}")
    return {
        **comparison.label(),
        "n_judgments": n,
        "n_items": int(len(comparison.items)),
        "wins_a": wins_a,
        "ties": ties,
        "wins_b": wins_b,
        "win_rate_b": finite(win_rate(totals, "drop")),
        "tie_rate": ties / n if n else None,
        "win_rate_b_ties_half": finite(win_rate(totals, "half")),
        "win_rate_b_ci": win_rate_ci.ci,
        "win_rate_b_wilson_ci": wilson_ci,
        "mean_preference": finite(mean_preference(totals)),
        "mean_preference_ci": mean_ci,
        "items_favouring_a": signs.n_negative,
        "items_favouring_b": signs.n_positive,
        "items_even": signs.n_zero,
        "sign_test_p": signs.p_value,
        "wilcoxon_p": wilcoxon_p(item_means),
        "paired_t_p": paired_t_p(item_means),
        "design_effect": ratio_design_effect(t),
    }


def _rule_entry(comparison: Comparison, rule: str) -> dict:
    """Both views of one comparison under one tie rule, each with its own test.

    The judgment view (the primary estimand): system_b's win rate over judgments, its item-clustered
    interval and the test of that same win rate against one half (``win_rate_inference``: the interval and
    the test are one method, so p < 0.05 exactly when the interval excludes one half). The item view: the
    share of prompts that favour system_b (``item_scores``, the same rule), an exact interval over items
    (independent units) and the sign test.
    """
    t = comparison.tallies
    inference = win_rate_inference(t, rule)  # closed form: no resamples, the same for every seed
    signs = sign_test(item_scores(t, rule))
    non_even = signs.n_positive + signs.n_negative
    return {
        **comparison.label(),
        "rule": rule,
        "win_rate_b": inference.estimate,
        "win_rate_b_ci": inference.ci,
        "p_value": inference.p_value,
        "test": inference.method,
        "interval_warning": inference.warning,
        "items_favouring_b": signs.n_positive,
        "items_favouring_a": signs.n_negative,
        "items_even": signs.n_zero,
        "item_share_b": signs.n_positive / non_even if non_even else None,
        "item_share_b_ci": item_share_interval(signs.n_positive, non_even),
        "sign_test_p": signs.p_value,
    }


def _tie_sensitivity(comparison: Comparison) -> list[dict]:
    return [_rule_entry(comparison, rule) for rule in TIE_RULES]



def build_comparisons(prep: Prepared, options: AnalysisOptions) -> dict:
    """``comparisons``, ``tie_sensitivity``, ``headline`` and ``agreement``, one comparison after the other."""
    from ..stats.agreement import (
        agreement_summary,  # krippendorff: imported only when there is work for it
    )

    comparison_entries, sensitivity, headline, agreement = [], [], [], []
    codes, preference, item_codes, warnings = prep.codes, prep.preference, prep.item_codes, prep.warnings
    seed, resamples, tie_rule = options.seed, options.resamples, options.tie_rule
    rater_names = np.array(codes.raters, dtype=object)
    for comparison in prep.comparisons:
        name = f"{comparison.criterion}: {comparison.system_a} vs {comparison.system_b}"
        entry = _comparison_section(comparison, warnings)
        comparison_entries.append(entry)
        rules = _tie_sensitivity(comparison)
        sensitivity.extend(rules)
        headline.append(_headline(entry, rules, tie_rule))
        headline[-1]["length_controlled"] = _length_controlled(
            comparison, preference, prep.lengths, tie_rule, resamples, named_rng(seed, "length", *comparison.key),
            warnings,
        )
        rater_check = rater_sensitivity(
            item_codes[comparison.rows], codes.rater[comparison.rows], preference[comparison.rows],
            tie_rule, resamples, named_rng(seed, "two_way", *comparison.key),
        )
        headline[-1]["rater_sensitivity"] = rater_check.to_dict()
        if rater_check.warning:
            warnings.append(f"{name}: rater sensitivity: {rater_check.warning}")
        _withhold_small_sample_intervals(headline[-1], name, warnings)
        if entry["n_items"] < FEW_ITEMS:
            warnings.append(f"{name}: only {count_of(entry['n_items'], 'item', 'items')}; intervals are wide and tests "
                            "have little power")
        per_item = entry["n_judgments"] / entry["n_items"]
        if per_item < 2:
            warnings.append(
                f"{name}: {per_item:.2f} judgments per item on average; "
                "agreement rests on the items rated twice or more"
            )
        if entry["ties"]:
            warnings.append(
                f"{name}: {entry['ties']} ties ({entry['tie_rate']:.0%}) are left out of win_rate_b; "
                "win_rate_b_ties_half and tie_sensitivity show the other readings"
            )
        if entry["design_effect"] is not None and entry["design_effect"] > 1.5:
            warnings.append(
                f"{name}: judgments of one item are correlated (design effect {entry['design_effect']:.2f}): "
                "the naive Wilson interval is too narrow; use the item-clustered win_rate_b_ci"
            )
        rated = pd.DataFrame(
            {
                "item_id": item_codes[comparison.rows],  # codes: agreement never shows item ids
                "rater_id": rater_names[codes.rater[comparison.rows]],
                "preference": preference[comparison.rows],
            }
        )
        summary = agreement_summary(
            rated, scale=prep.scale, resamples=resamples, seed=named_seed(seed, "agreement", *comparison.key)
        )
        agreement.append({**comparison.label(), **summary})
        for message in summary.get("warnings", []):
            warnings.append(f"{name}: agreement: {message}")
    return {"comparisons": comparison_entries, "tie_sensitivity": sensitivity, "headline": headline,
            "agreement": agreement}
