"""The options behind each number, in words, and the versions of the code that computed them."""

from __future__ import annotations

import importlib.metadata

import scipy

from .. import __version__
from ..stats.inference import MIN_ITEMS
from .common import ALPHA, SMALL_SLICE_ITEMS
from .options import AnalysisOptions
from .prepare import Prepared


def versions() -> dict:
    return {
        "evalstore": __version__,
        "scipy": scipy.__version__,
        "krippendorff": importlib.metadata.version("krippendorff"),
    }


def methods(resamples: int) -> dict:
    """The options behind each number, in words, for the report's methods section."""
    return {
        "unit_of_inference": "items (prompts): judgments of one item are not independent, so every interval and "
        "test treats items as the clusters",
        "win_rate_b_ci": "modified Wilson interval: the item-clustered (linearised ratio) variance, never below the "
        "variance of independent judgments, gives an effective number of judgments; Wilson's interval at that size "
        "with the t quantile on items - 1 df (Korn & Graubard 1998, Kott & Carr 1997); p_value is the score test "
        "of 0.5 at the same size and df, its exact dual. Every judgment one way: Clopper-Pearson over items with "
        f"the sign test. Fewer than {MIN_ITEMS} items: no interval and no test (the fewest with which even a "
        "unanimous study can pass the exact sign test); under 15 items the interval carries a warning",
        "mean_preference_ci": "cluster-robust t interval on items (linearised ratio, items - 1 df)",
        "bootstrap": f"item-clustered percentile bootstrap, {resamples} resamples, 95 % (numpy quantile, linear), "
        "for the ratings, metrics, the length-controlled win rate and agreement; the two-way bootstrap for "
        "rater_sensitivity",
        "win_rate_b": "wins_b / (wins_a + wins_b), ties dropped",
        "win_rate_b_wilson_ci": "Wilson score interval treating non-tie judgments as independent (naive)",
        "headline": "one estimand per comparison: system_b's win rate over judgments under the tie rule, with its "
        "item-clustered interval and the test of that same win rate against 0.5 (the interval and the test are one "
        "method, so p < 0.05 exactly when the interval excludes 0.5). A winner is named only then; the item view "
        "(share of prompts favouring each system, exact interval, sign test) stands beside it, and the sentence "
        "says when the two disagree",
        "item_direction": "an item's direction is decided by its judgments' directions under the tie rule: it "
        "favours system_b when system_b wins more than half of its judgments (ties: dropped, split half-half, or "
        "losses for system_b), so the item view counts wins as the win rate does and the size of one preference "
        "never decides it: (+2, -1, -1) on the 5-point scale favours system_a. Items' mean preference (which "
        "weighs 'much better' twice) is the separate reading of the Wilcoxon and t tests",
        "sign_test_p": "exact two-sided binomial test over items' direction, even items dropped",
        "wilcoxon_p": "Wilcoxon signed-rank test on items' mean preference, zeros dropped: exact up to 50 non-zero "
        "items (an exact enumeration of sign flips), above that the normal approximation without continuity "
        "correction (as scipy.stats.wilcoxon(zero_method='wilcox', method='approx', correction=False))",
        "paired_t_p": "one-sample t-test of items' mean preference against 0 (as scipy.stats.ttest_1samp)",
        "design_effect": "linearised clustered variance of win_rate_b over the binomial variance (Kish)",
        "tie_sensitivity": "every statistic of a comparison under each rule: drop leaves ties out, half splits a tie "
        "into half a win and half a loss, against_b counts a tie as a loss for system_b on every scale (win rate, "
        "item direction, test, interval). against_b is a bound on system_b's claim: a verdict for system_a that "
        "only ties explain (system_a does not also win with ties left out) is never given",
        "slices": f"win rate per slice under the headline's tie rule, with its interval and the test of that win rate (p_value), "
        f"Holm and Benjamini-Hochberg over each slice column; verdict by Holm at {ALPHA} with the slice's interval on "
        f"the winner's side, withheld under {SMALL_SLICE_ITEMS} items; sign_test_p is the item view",
        "ratings": "unregularised maximum-likelihood Bradley-Terry, ties as half a win each way, Elo scale "
        "(400 log10 odds), baseline fixed at 1000, item-clustered bootstrap interval",
        "agreement": "Krippendorff's alpha from the coincidence matrix with explicit level and value domain (equal to "
        "the krippendorff package's); the sentence quotes ordinal alpha "
        "(the ordered scale's natural coefficient; alpha_ci bootstraps items), nominal and interval alpha stay in "
        "the JSON. Fleiss' kappa and Gwet's AC1 use Gwet's formulas for incomplete designs (Handbook of "
        "Inter-Rater Reliability, 4th ed., ch. 2-3; as irrCAC's CAC.fleiss / CAC.gwet): agreement over every item "
        "rated at least twice, classification shares over every rated item",
        "rater_sensitivity": "two-way (pigeonhole) bootstrap over items and raters (Owen 2007): the win rate's "
        "interval when the raters too are a sample, beside the items-only interval on the same item draws; "
        "widening_if_raters_exchangeable is the widening interchangeable raters would give, and raters_differ "
        "says the observed widening exceeds it by more than 1.25x",
        "power": "normal approximation (continuity-corrected) for a proportion against 0.5, two-sided alpha 0.05, "
        "80 % power. needed[]: judgments' win rate, divided by the non-tie share and multiplied by the design "
        "effect (at least 1). sign_test: the share of non-even items favouring system_b, divided by the share "
        "of non-even items; underpowered and current_power refer to this, the headline test",
        "metrics": "per-item metric difference (system_b - system_a): mean with the one-sample t interval over "
        f"items (none under {MIN_ITEMS} items), one-sample t-test, Kendall tau-b against the item's mean preference",
        "length_controlled": "AlpacaEval 2-style length control (Dubois et al. 2024): logistic regression of "
        "'system_b wins' (ties by the headline's rule; half = outcome 1/2) on an intercept and tanh((length_b - "
        "length_a) / sd), sd = the standard deviation of the judgments' length differences in characters; "
        "win_rate_b = sigmoid(intercept), the fitted win rate at equal length; unregularised maximum likelihood, "
        "item-clustered percentile bootstrap with the covariate's sd held at the observed value; under separation "
        "the limit of the fit where the data determine it, else null",
        "length_bias": "share of non-tie judgments (outputs of different length) won by the longer output, exact "
        "two-sided binomial test against 0.5 treating judgments as independent (p_value); p_value_items: exact "
        "two-sided sign test over items' mean score (+1 longer won, -1 shorter won), items whose mean is 0 "
        "dropped; overall, an item's judgments under every criterion form one unit",
        "raters.agreement_with_others": "share of a rater's judgments whose direction matches the direction more "
        "than half of the item's other raters without a quality flag gave (too_fast, always_left/right, always_tie, "
        "low_gold_accuracy); disagreements lists with whom and on how many shared items",
        "position_bias": "Cochran-Mantel-Haenszel test within each (pair, item): system_b's wins when shown on the "
        "left against on the right, sides permuted within the stratum (two-sided); not testable when fewer than 10 "
        "strata show system_b on both sides (sides confounded with systems). left_share_balanced: the left share "
        "at equal exposure (1/2 + MH risk difference / 2). always_left: the same test per rater, Holm over raters "
        "< 0.05 and left_share_balanced >= 0.6",
    }



def build_methods(prep: Prepared, options: AnalysisOptions) -> dict:
    return {"methods": methods(options.resamples), "versions": versions()}
