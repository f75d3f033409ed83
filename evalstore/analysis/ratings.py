"""Bradley–Terry ratings per criterion on the Elo scale, with an item-clustered bootstrap interval."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.bootstrap import bootstrap_sums
from ..stats.codes import unique_codes
from ..stats.inference import MIN_ITEMS
from ..stats.intervals import percentile_interval
from ..stats.ratings import bradley_terry, to_elo
from .common import count_of, finite, group_rows, named_rng
from .options import AnalysisOptions
from .prepare import Codes, Prepared, default_baseline


def _ratings(
    data: pd.DataFrame, codes: Codes, criteria: list[str], criterion_codes: np.ndarray, item_codes: np.ndarray,
    preference: np.ndarray, baseline: str, seed: int, resamples: int, warnings: list[str],
) -> list[dict]:
    """Bradley–Terry ratings per criterion with an item-clustered bootstrap interval."""
    out = []
    for c, rows in enumerate(group_rows(criterion_codes, len(criteria))):
        if rows.size == 0:
            continue
        criterion = criteria[c]
        a, b = codes.a[rows], codes.b[rows]
        present = np.unique(np.concatenate([a, b]))  # sorted system codes = sorted names
        names = [codes.systems[i] for i in present]
        base = baseline if baseline in names else default_baseline(data.iloc[rows])
        systems = [base] + [s for s in names if s != base]
        k = len(systems)
        local = np.full(len(codes.systems), -1, dtype=np.int64)
        local[[codes.systems.index(s) for s in systems]] = np.arange(k)
        ia, ib = local[a], local[b]
        # Per item, doubled wins for every ordered pair: 2 for a win, 1 each way for a tie (half a win).
        items, item_of_row = unique_codes(item_codes[rows])
        pref = preference[rows]
        cell_ab = item_of_row * k * k + ia * k + ib
        cell_ba = item_of_row * k * k + ib * k + ia
        size = len(items) * k * k
        doubled = (
            np.bincount(cell_ab, weights=np.where(pref < 0, 2, np.where(pref == 0, 1, 0)), minlength=size)
            + np.bincount(cell_ba, weights=np.where(pref > 0, 2, np.where(pref == 0, 1, 0)), minlength=size)
        ).reshape(len(items), k * k)
        used = np.flatnonzero(doubled.any(axis=0))  # only ordered pairs that occur
        values = np.rint(doubled[:, used]).astype(np.int64)
        observed = np.zeros(k * k)
        observed[used] = values.sum(axis=0) / 2
        theta = bradley_terry(observed.reshape(k, k), baseline=0)
        if resamples > 0 and len(items) < MIN_ITEMS:
            warnings.append(f"ratings on {criterion}: only {count_of(len(items), 'item', 'items')} (fewer than {MIN_ITEMS}): no intervals")
        if resamples > 0 and len(items) >= MIN_ITEMS:
            sums = bootstrap_sums(values, resamples, named_rng(seed, "ratings", criterion))
            boot = np.zeros((resamples, k * k))
            boot[:, used] = sums / 2
            boot_theta = bradley_terry(boot.reshape(resamples, k, k), baseline=0)
        involved = np.bincount(ia, minlength=k) + np.bincount(ib, minlength=k)
        for s, system in enumerate(systems):
            rating = to_elo(theta[s])
            ci = None
            if resamples > 0 and len(items) >= MIN_ITEMS:
                interval = percentile_interval(to_elo(boot_theta[:, s]))
                ci = interval.interval
                if interval.undefined and s != 0:
                    warnings.append(
                        f"ratings ({criterion}): {system}'s rating is undetermined in {interval.undefined} of "
                        f"{resamples} bootstrap resamples (no chain of comparisons to {base}); its ci uses the others"
                    )
            if not np.isfinite(rating):
                direction = "won" if rating > 0 else "lost"
                warnings.append(
                    f"ratings ({criterion}): {system} {direction} every comparison that links it to {base}, so its "
                    "maximum-likelihood Bradley–Terry rating is unbounded (null)"
                    if not np.isnan(rating)
                    else f"ratings ({criterion}): {system} is not linked to {base} by any comparison; rating is null"
                )
            out.append(
                {
                    "criterion": criterion,
                    "system": system,
                    "rating": finite(rating),
                    "ci": ci,
                    "n_judgments": int(involved[s]),
                    "is_baseline": s == 0,
                }
            )
    return out



def build_ratings(prep: Prepared, options: AnalysisOptions) -> dict:
    return {"ratings": _ratings(
        prep.data, prep.codes, prep.criteria, prep.criterion_codes, prep.item_codes, prep.preference,
        prep.baseline, options.seed, options.resamples, prep.warnings,
    )}
