"""How many items and judgments a comparison needs for 80 % power, and whether the study has them."""

from __future__ import annotations

import math

from ..stats import power as power_stats
from .common import count_of
from .options import AnalysisOptions
from .prepare import Prepared


def _power(comparison: dict, overlap: int | None) -> dict:
    """Items and judgments needed for 80 % power, and whether the study has them.

    Two calculations (stats/power.py explains both): ``needed`` sizes a test that uses every judgment, from
    the tie rate and design effect, for the observed and for fixed win rates; ``sign_test`` sizes the headline
    test itself from how the items split, for the observed effect. ``underpowered`` refers to the headline test.
    """
    n_items = comparison["n_items"]
    observed_per_item = comparison["n_judgments"] / n_items
    per_item = float(overlap) if overlap else observed_per_item
    tie_rate = comparison["tie_rate"] or 0.0
    design_effect = comparison["design_effect"]
    assumed_design_effect = design_effect is None
    # Planning never counts on clustering to help: a design effect under 1 (judgments of an item more
    # different than chance) is taken as 1.
    observed_deff = 1.0 if assumed_design_effect else max(design_effect, 1.0)
    deff = max(power_stats.design_effect_at(observed_deff, observed_per_item, per_item), 1.0)
    observed = comparison["win_rate_b"]
    effects = [("observed", observed)] if observed is not None else []
    effects += [("fixed", w) for w in power_stats.REFERENCE_WIN_RATES]
    needed = []
    for kind, rate in effects:
        size = power_stats.study_size(rate, tie_rate, deff, per_item)
        needed.append(
            {"effect": kind, "win_rate_b": rate, "items": size[0] if size else None, "judgments": size[1] if size else None}
        )

    favour_a, favour_b = comparison["items_favouring_a"], comparison["items_favouring_b"]
    even_share = comparison["items_even"] / n_items
    item_share = favour_b / (favour_a + favour_b) if favour_a + favour_b else None
    sign_items = power_stats.sign_test_items(item_share, even_share) if item_share is not None else None
    sign = {
        "item_share_favouring_b": item_share,
        "even_item_share": even_share,
        "items_needed": sign_items,
        "judgments_needed": math.ceil(sign_items * per_item - 1e-9) if sign_items else None,
        "current_power": (
            power_stats.sign_test_power(item_share, even_share, n_items) if item_share is not None else None
        ),
    }
    underpowered = None if sign_items is None else n_items < sign_items
    label = f"{comparison['criterion']}: {comparison['system_a']} vs {comparison['system_b']}"
    if item_share is None:
        message = f"{label}: every item is even, so there is no effect to size the study on."
    elif sign_items is None:
        message = (
            f"{label}: items split evenly between the systems (no effect); to detect a win rate of 0.55 "
            f"about {needed[-3]['items']} items would be needed."
        )
    elif item_share in (0.0, 1.0):
        # Every non-even item one way: no "effect size" to plan on (100 % is an extreme estimate), but the exact
        # sign test needs a known minimum of such items.
        side = comparison["system_b"] if item_share == 1.0 else comparison["system_a"]
        least = power_stats.sign_test_min_items()
        message = (
            f"{label}: {count_of(favour_a + favour_b, 'item that leans', 'items that lean', every=True)} either way "
            f"favour{'s' if favour_a + favour_b == 1 else ''} {side}; the sign test can reach "
            f"p < 0.05 only with at least {least} such items"
            + (
                f", so {n_items} items are too few (about {sign_items} needed)."
                if underpowered else ", and this study has them."
            )
        )
    elif underpowered:
        message = (
            f"{label}: underpowered. {n_items} items give the sign test about {sign['current_power']:.0%} power "
            f"for the observed effect ({item_share:.0%} of the non-even items favour {comparison['system_b']}); "
            f"about {sign_items} items ({sign['judgments_needed']} judgments at {per_item:g} per item) are needed "
            "for 80 %."
        )
    else:
        message = (
            f"{label}: {n_items} items are enough for 80 % power with the sign test at the observed effect "
            f"(about {sign_items} needed)."
        )
    return {
        **{k: comparison[k] for k in ("criterion", "system_a", "system_b")},
        "n_items": n_items,
        "judgments_per_item": per_item,
        "tie_rate": tie_rate,
        "design_effect": deff,
        "design_effect_assumed": assumed_design_effect,
        "observed_win_rate_b": observed,
        "needed": needed,
        "sign_test": sign,
        "current_power": sign["current_power"],
        "underpowered": underpowered,
        "message": message,
    }



def build_power(prep: Prepared, options: AnalysisOptions) -> dict:
    entries = [_power(entry, options.overlap) for entry in prep.result["comparisons"]]
    for entry in entries:
        if entry["underpowered"]:
            prep.warnings.append(entry["message"])
    return {"power": {"alpha": power_stats.ALPHA, "target_power": power_stats.TARGET_POWER, "comparisons": entries}}
