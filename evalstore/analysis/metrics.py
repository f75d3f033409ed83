"""Automatic metrics per comparison: the per-item difference, its interval, and how it tracks the raters."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..judgments import METRIC_PREFIX
from ..stats.inference import MIN_ITEMS
from ..stats.significance import kendall_tau_b, paired_t_p
from ..stats.tails import ttest_1samp
from ..stats.winrates import SUM_PREF, N
from .common import finite
from .options import AnalysisOptions
from .prepare import Comparison, Prepared


def _metric_entries(
    comparison: Comparison, data: pd.DataFrame, names: list[str], seed: int, resamples: int
) -> list[dict]:
    out = []
    t = comparison.tallies
    item_means = t[:, SUM_PREF] / t[:, N]
    for name in names:
        per_item = pd.DataFrame(
            {
                "unit": comparison.unit_of_row,
                "a": data[f"{METRIC_PREFIX}{name}_a"].to_numpy(dtype=np.float64)[comparison.rows],
                "b": data[f"{METRIC_PREFIX}{name}_b"].to_numpy(dtype=np.float64)[comparison.rows],
            }
        ).groupby("unit").mean()  # a metric belongs to the output: the same for every judgment of an item
        per_item = per_item.reindex(range(len(comparison.items)))
        a = per_item["a"].to_numpy()
        b = per_item["b"].to_numpy()
        present = ~np.isnan(a) & ~np.isnan(b)
        diff = (b - a)[present]
        ci = None
        if diff.size >= MIN_ITEMS and np.ptp(diff) > 0:
            # one mean difference per item: items are independent, so the one-sample t interval
            low, high = ttest_1samp(diff, 0.95)[1]
            ci = [finite(low), finite(high)]
        tau, tau_p = kendall_tau_b(diff, item_means[present])
        out.append(
            {
                **comparison.label(),
                "metric": name,
                "n_items": int(diff.size),
                "mean_a": finite(a[present].mean()) if diff.size else None,
                "mean_b": finite(b[present].mean()) if diff.size else None,
                "mean_difference": finite(diff.mean()) if diff.size else None,
                "mean_difference_ci": ci,
                "paired_t_p": paired_t_p(diff),
                "kendall_tau_b": tau,
                "kendall_p": tau_p,
            }
        )
    return out



def build_metrics(prep: Prepared, options: AnalysisOptions) -> dict:
    names = prep.metric_names
    metrics = []
    for comparison in prep.comparisons:
        metrics.extend(_metric_entries(comparison, prep.data, names, options.seed, options.resamples))
    return {"metrics": metrics}
