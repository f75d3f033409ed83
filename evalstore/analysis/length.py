"""Output length: the length-controlled win rate beside each verdict, and length bias over judgments and items."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.codes import unique_codes
from ..stats.length import length_controlled_win_rate
from ..stats.significance import binomial_p, sign_test
from .common import ALPHA
from .options import AnalysisOptions
from .prepare import Comparison, Prepared, output_lengths


def _length_controlled(
    comparison: Comparison, preference: np.ndarray, lengths: tuple[np.ndarray, np.ndarray] | None,
    tie_rule: str, resamples: int, rng: np.random.Generator, warnings: list[str],
) -> dict | None:
    """system_b's win rate at equal output length under the headline's tie rule (AlpacaEval 2's length control)."""
    if lengths is None:
        return None
    rows = comparison.rows
    result = length_controlled_win_rate(
        comparison.unit_of_row, preference[rows], lengths[0][rows], lengths[1][rows], tie_rule,
        resamples=resamples, rng=rng,
    )
    if result.warning:
        name = f"{comparison.criterion}: {comparison.system_a} vs {comparison.system_b}"
        warnings.append(f"{name}: length-controlled win rate: {result.warning}")
    return {"win_rate_b": result.win_rate_b, "ci": result.ci, "raw_win_rate_b": result.raw_win_rate_b,
            "coefficient": result.length_coefficient, "covariate": result.covariate,
            "n_judgments": result.n, "warning": result.warning}


def _length_bias(
    data: pd.DataFrame, preference: np.ndarray, comparisons: list[Comparison], units: np.ndarray
) -> dict | None:
    """Length bias per judgment (binomial test) and per item (sign test over items' "longer won" score).

    ``units`` gives each row's item-level unit: the item and its (oriented) pair of systems, so every
    judgment of one pair of outputs, whatever the criterion, counts once in the overall sign test.
    """
    lengths = output_lengths(data)
    if lengths is None:
        return None
    length_a, length_b = lengths
    usable = ~np.isnan(length_a) & ~np.isnan(length_b) & (preference != 0)
    unequal = usable & (length_a != length_b)
    longer_won = (preference > 0) == (length_b > length_a)

    def share(mask) -> dict:
        n = int((mask & unequal).sum())
        wins = int((mask & unequal & longer_won).sum())
        rows = mask & unequal
        _, unit_of_row = unique_codes(units[rows])
        # +1 when the longer output won, -1 when the shorter did; an item's sum has the sign of its mean
        item_scores = np.bincount(unit_of_row.ravel(), weights=np.where(longer_won[rows], 1.0, -1.0))
        items = sign_test(item_scores)
        return {
            "n_non_tie": n,
            "longer_share": wins / n if n else None,
            "p_value": binomial_p(wins, n),
            "n_equal_length": int((mask & usable & ~unequal).sum()),
            "n_items": int(item_scores.size),
            "items_favouring_longer": items.n_positive,
            "items_favouring_shorter": items.n_negative,
            "p_value_items": items.p_value,
        }

    everything = np.ones(len(data), dtype=bool)
    per_comparison = []
    for comparison in comparisons:
        mask = np.zeros(len(data), dtype=bool)
        mask[comparison.rows] = True
        per_comparison.append({**comparison.label(), **share(mask)})
    return {**share(everything), "per_comparison": per_comparison}


def _length_bias_warnings(length_bias: dict | None, warnings: list[str]) -> None:
    """Warn where judgments suggest a length bias that the items do not bear out."""
    if length_bias is None:
        return
    entries = [("length bias", length_bias)]
    if len(length_bias["per_comparison"]) > 1:
        entries += [
            (f"{e['criterion']}: {e['system_a']} vs {e['system_b']}: length bias", e)
            for e in length_bias["per_comparison"]
        ]
    for name, entry in entries:
        p_judgments, p_items = entry["p_value"], entry["p_value_items"]
        if p_judgments is None or p_judgments >= ALPHA or (p_items is not None and p_items < ALPHA):
            continue
        items_p = f"p = {p_items:.2g}" if p_items is not None else "no test"
        warnings.append(
            f"{name}: the longer output won {entry['longer_share']:.0%} of non-tie judgments (p = {p_judgments:.2g}), "
            f"but over items {entry['items_favouring_longer']} of {entry['n_items']} favour the longer output and "
            f"{entry['items_favouring_shorter']} the shorter (item-level sign test {items_p}): "
            "judgments of one item compare the same two outputs and are not independent, so the judgment-level "
            "p overstates the evidence"
        )



def build_length_bias(prep: Prepared, options: AnalysisOptions) -> dict:
    length_bias = _length_bias(prep.data, prep.preference, prep.comparisons, prep.pair_items)
    _length_bias_warnings(length_bias, prep.warnings)
    return {"length_bias": length_bias}
