"""The verdict of each comparison: one estimand under the chosen tie rule, and whether the views agree."""

from __future__ import annotations

from ..stats.inference import MIN_ITEMS
from .common import ALPHA, count_of, direction


def _headline(comparison: dict, rules: list[dict], tie_rule: str) -> dict:
    """The verdict of one comparison: the primary estimand under ``tie_rule``, and whether the views agree.

    ``status``: ``winner``; ``no_difference``; ``all_ties`` (no win rate); ``too_few_items`` (no interval);
    ``ties_explain`` — under ``against_b`` system_a "wins" only because ties count as its wins, while with
    ties left out it does not: counting ties against system_b bounds system_b's claim, it is never evidence
    for system_a by itself.
    """
    by_rule = {entry["rule"]: entry for entry in rules}
    chosen = by_rule[tie_rule]
    a, b = comparison["system_a"], comparison["system_b"]
    side = direction(chosen["win_rate_b"], chosen["win_rate_b_ci"], chosen["p_value"])
    status = "winner" if side else "no_difference"
    if chosen["win_rate_b"] is None or comparison["ties"] == comparison["n_judgments"]:
        # every judgment a tie: no rule can make evidence out of that (half gives 0.5, against_b 0)
        side, status = None, "all_ties"
    elif chosen["win_rate_b_ci"] is None:
        status = "too_few_items"
    if side == "a" and tie_rule == "against_b":
        dropped = by_rule["drop"]
        if direction(dropped["win_rate_b"], dropped["win_rate_b_ci"], dropped["p_value"]) != "a":
            side, status = None, "ties_explain"
    item_side = None
    if chosen["sign_test_p"] is not None and chosen["sign_test_p"] < ALPHA:
        item_side = "b" if chosen["items_favouring_b"] > chosen["items_favouring_a"] else "a"
    winner = {"a": a, "b": b}.get(side)
    return {
        **{k: comparison[k] for k in ("criterion", "system_a", "system_b")},
        "tie_rule": tie_rule,
        "estimand": "win_rate_b",
        "win_rate_b": chosen["win_rate_b"],
        "win_rate_b_ci": chosen["win_rate_b_ci"],
        "p_value": chosen["p_value"],
        "test": chosen["test"],
        "interval_warning": chosen["interval_warning"],
        "n_items": comparison["n_items"],
        "n_judgments": comparison["n_judgments"],
        "significant": side is not None,
        "winner": winner,
        "status": status,
        "item_share_b": chosen["item_share_b"],
        "item_share_b_ci": chosen["item_share_b_ci"],
        "items_favouring_b": chosen["items_favouring_b"],
        "items_favouring_a": chosen["items_favouring_a"],
        "items_even": chosen["items_even"],
        "sign_test_p": chosen["sign_test_p"],
        "item_winner": {"a": a, "b": b}.get(item_side),
        "views_agree": item_side == side,
        "without_ties": {k: by_rule["drop"][k] for k in ("win_rate_b", "win_rate_b_ci", "p_value")},
        "ties_against_b": {k: by_rule["against_b"][k] for k in ("win_rate_b", "win_rate_b_ci", "p_value")},
    }


def _withhold_small_sample_intervals(entry: dict, name: str, warnings: list[str]) -> None:
    """The bootstrap views beside a verdict obey the verdict's minimum: below it a bootstrap over a few items
    collapses towards a point, and a point must never pass for a 95 % interval (nor does one of zero width)."""
    raters = entry.get("rater_sensitivity") or {}
    degenerate = [ci for ci in (raters.get("ci_items_and_raters"), raters.get("ci_items_only"))
                  if ci is not None and (ci[0] is None or ci[1] is None or ci[1] - ci[0] <= 1e-12)]
    if degenerate:
        raters.update(ci_items_and_raters=None, ci_items_only=None, widening=None, raters_differ=None,
                      widening_if_raters_exchangeable=None)
        warnings.append(f"{name}: rater sensitivity: a bootstrap interval collapsed to a point (every resample "
                        "gives the same win rate), so there is no interval with raters resampled")
    if entry["n_items"] >= MIN_ITEMS:
        return
    withheld = []
    controlled = entry.get("length_controlled")
    if controlled and controlled.get("ci") is not None:
        controlled["ci"] = None
        withheld.append("length-controlled win rate")
    raters = entry.get("rater_sensitivity") or {}
    if raters.get("ci_items_and_raters") is not None or raters.get("ci_items_only") is not None:
        raters.update(ci_items_and_raters=None, ci_items_only=None, widening=None, raters_differ=None,
                      widening_if_raters_exchangeable=None)
        withheld.append("rater sensitivity")
    if withheld:
        warnings.append(f"{name}: only {count_of(entry['n_items'], 'item', 'items')} (fewer than {MIN_ITEMS}): no interval for the "
                        f"{' or the '.join(withheld)}")
