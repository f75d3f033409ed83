"""The win rate per value of a column (e.g. category), with Holm and Benjamini–Hochberg over a column's slices."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..judgments import as_text
from ..stats.inference import win_rate_inference
from ..stats.significance import adjust_p_values, sign_test
from ..stats.winrates import N, item_scores, win_rate
from .common import SMALL_SLICE_ITEMS, direction, finite
from .options import DEFAULT_TIE_RULE, AnalysisOptions
from .prepare import Comparison, Prepared, make_comparison


def _slices(
    data: pd.DataFrame, columns: Sequence[str], comparisons: list[Comparison], item_codes: np.ndarray,
    preference: np.ndarray, warnings: list[str], tie_rule: str = DEFAULT_TIE_RULE,
) -> list[dict]:
    out = []
    for column in columns:
        values = as_text(data[column]).to_numpy(dtype=object)
        distinct = sorted(set(values.tolist()) - {""})
        if "" in set(values.tolist()):
            distinct.append("")
            warnings.append(f"slice {column}: judgments with an empty {column} form their own slice (value null)")
        entries = []
        for value in distinct:
            in_slice = values == value
            for comparison in comparisons:
                rows = comparison.rows[in_slice[comparison.rows]]
                if rows.size == 0:
                    continue
                part = make_comparison(
                    comparison.criterion, comparison.system_a, comparison.system_b, rows, item_codes, preference
                )
                totals = part.tallies.sum(axis=0)
                inference = win_rate_inference(part.tallies, tie_rule)
                ci = inference.ci
                if ci is None and inference.warning:
                    warnings.append(
                        f"slice {column}={value!r}, {part.criterion}: {part.system_a} vs {part.system_b}: "
                        f"win_rate_b_ci: {inference.warning}"
                    )
                signs = sign_test(item_scores(part.tallies, tie_rule))
                without_ties = win_rate_inference(part.tallies, "drop") if tie_rule == "against_b" else None
                entries.append(
                    {
                        "slice": column,
                        "value": value if value != "" else None,
                        **part.label(),
                        "n_items": int(len(part.items)),
                        "n_judgments": int(totals[N]),
                        "tie_rule": tie_rule,
                        "win_rate_b": finite(win_rate(totals, tie_rule)),
                        "win_rate_b_ci": ci,
                        # the slice's test is the test of its win rate (the headline's estimand); Holm and BH
                        # adjust it over the column's slices
                        "p_value": inference.p_value,
                        "sign_test_p": signs.p_value,
                        "_without_ties": without_ties,
                    }
                )
        p_holm = adjust_p_values([e["p_value"] for e in entries], "holm")
        p_bh = adjust_p_values([e["p_value"] for e in entries], "bh")
        for entry, holm, bh in zip(entries, p_holm, p_bh):
            entry["p_holm"] = holm
            entry["p_bh"] = bh
            entry["small"] = entry["n_items"] < SMALL_SLICE_ITEMS
            side = direction(entry["win_rate_b"], entry["win_rate_b_ci"], holm)
            without_ties = entry.pop("_without_ties")
            ties_explain = side == "a" and without_ties is not None and \
                direction(without_ties.estimate, without_ties.ci, without_ties.p_value) != "a"
            if entry["small"]:
                entry["verdict"] = f"withheld: fewer than {SMALL_SLICE_ITEMS} items"
                entry["winner"] = None
            elif ties_explain:
                entry["winner"] = None
                entry["verdict"] = f"no verdict: {entry['system_a']} leads only through the ties"
            elif side is not None:
                # the adjusted p is at least the raw one, so the slice's own interval excludes one half too
                entry["winner"] = entry["system_b"] if side == "b" else entry["system_a"]
                entry["verdict"] = f"{entry['winner']} better"
            else:
                entry["winner"] = None
                entry["verdict"] = "no significant difference"
            out.append(entry)
    return out



def build_slices(prep: Prepared, options: AnalysisOptions) -> dict:
    return {"slices": _slices(prep.data, options.slices, prep.comparisons, prep.item_codes, prep.preference,
                              prep.warnings, options.tie_rule)}
