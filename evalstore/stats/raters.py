"""Per-rater quality: speed, ties, side preference, agreement with the other raters, gold accuracy, flags.

A flag is a reason to look at a rater's judgments, not proof of carelessness; the thresholds are part of the
output so a reader can judge them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: A rater needs this many judgments (of the kind a flag looks at) before we flag them.
MIN_JUDGMENTS_FOR_FLAGS = 10
#: Median time per judgment below this share of the median over all judgments → "too_fast".
TOO_FAST_SHARE = 1 / 3
#: Share of non-tie judgments won by the left output at or above this → "always_left" (at or below
#: 1 − this → "always_right").
ALWAYS_LEFT_SHARE = 0.9
#: Share of ties at or above this → "always_tie".
ALWAYS_TIE_RATE = 0.8
#: Agreement with the other raters' majority below this → "low_agreement" (chance on 3 directions ≈ 1/3).
LOW_AGREEMENT = 0.5
#: Gold accuracy below this → "low_gold_accuracy".
LOW_GOLD_ACCURACY = 0.5


def _float(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def agreement_with_others(unit_codes: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each judgment: does it match the majority of the *other* raters of its unit?

    Parameters
    ----------
    unit_codes : ndarray of int, shape (n,)
        Unit of each judgment (one (criterion, pair, item) — the same thing rated by several raters).
    direction : ndarray of int, shape (n,)
        -1 (system_a better), 0 (tie), +1 (system_b better). On the 5-point scale "much better" and "better"
        count as the same direction: a rater who says "better" where the others say "much better" agrees
        with them about who won.

    Returns
    -------
    (has_majority, matches) : ndarrays of bool, shape (n,)
        ``has_majority``: more than half of the other raters of the unit gave one direction.
        ``matches``: this judgment has that direction (False where there is no majority).

    Examples
    --------
    Three raters on one item: two say +1, one says -1. Each +1 rater sees the others split (no majority);
    the -1 rater sees a majority of +1 and disagrees with it.

    >>> has, match = agreement_with_others(np.array([0, 0, 0]), np.array([1, 1, -1]))
    >>> has.tolist(), match.tolist()
    ([False, False, True], [False, False, False])
    """
    units = np.asarray(unit_codes, dtype=np.int64)
    category = np.asarray(direction, dtype=np.int64) + 1
    n_units = int(units.max()) + 1 if units.size else 0
    counts = np.bincount(units * 3 + category, minlength=n_units * 3).reshape(n_units, 3)
    others = counts[units]
    others[np.arange(units.size), category] -= 1
    n_others = others.sum(axis=1)
    majority = others * 2 > n_others[:, None]
    has_majority = majority.any(axis=1)
    matches = majority[np.arange(units.size), category]
    return has_majority, matches


def rater_summary(judgments: pd.DataFrame, skipped: pd.Series | None = None) -> tuple[list[dict], dict]:
    """One row per rater, and the flag thresholds used.

    Parameters
    ----------
    judgments : DataFrame
        Analysed (non-skipped) judgments with columns ``rater_id``, ``unit`` (int code of (criterion, pair,
        item)), ``preference``, ``left_won`` (1.0 / 0.0, NaN for ties or an unknown side), ``duration_s``
        (NaN when unknown) and ``gold_preference`` (NaN when the unit has no gold answer).
    skipped : Series, optional
        Skipped judgments per rater id.

    Returns
    -------
    (rows, thresholds)
        ``rows``: dicts ``rater_id, n_judgments, n_skipped, median_duration_s, tie_rate,
        agreement_with_others, n_with_majority, left_share, n_sided, gold_accuracy, n_gold, flags``, sorted by
        rater id. ``thresholds``: every threshold behind ``flags``.
    """
    frame = judgments.copy()
    direction = np.sign(frame["preference"].to_numpy(dtype=np.float64)).astype(np.int64)
    has_majority, matches = agreement_with_others(frame["unit"].to_numpy(), direction)
    frame["tie"] = direction == 0
    frame["with_majority"] = has_majority
    frame["matches"] = matches & has_majority
    gold = frame["gold_preference"].to_numpy(dtype=np.float64)
    frame["has_gold"] = ~np.isnan(gold)
    frame["gold_match"] = frame["has_gold"] & (np.sign(gold) == direction)
    frame["sided"] = frame["left_won"].notna()
    frame["left_wins"] = frame["left_won"].fillna(0.0)

    overall_median = frame["duration_s"].median()
    too_fast_below = None if pd.isna(overall_median) else float(overall_median) * TOO_FAST_SHARE
    thresholds = {
        "min_judgments": MIN_JUDGMENTS_FOR_FLAGS,
        "too_fast_share_of_overall_median": TOO_FAST_SHARE,
        "overall_median_duration_s": _float(overall_median),
        "too_fast_median_duration_s": too_fast_below,
        "always_left_share": ALWAYS_LEFT_SHARE,
        "always_tie_rate": ALWAYS_TIE_RATE,
        "low_agreement": LOW_AGREEMENT,
        "low_gold_accuracy": LOW_GOLD_ACCURACY,
    }

    grouped = frame.groupby("rater_id", sort=True)
    table = pd.DataFrame(
        {
            "n_judgments": grouped.size(),
            "median_duration_s": grouped["duration_s"].median(),
            "ties": grouped["tie"].sum(),
            "n_with_majority": grouped["with_majority"].sum(),
            "matches": grouped["matches"].sum(),
            "n_sided": grouped["sided"].sum(),
            "left_wins": grouped["left_wins"].sum(),
            "n_gold": grouped["has_gold"].sum(),
            "gold_matches": grouped["gold_match"].sum(),
        }
    )
    skipped = skipped if skipped is not None else pd.Series(dtype=np.int64)
    rows = []
    for rater_id in sorted(set(table.index) | set(skipped.index)):
        n_skipped = int(skipped.get(rater_id, 0))
        if rater_id not in table.index:
            rows.append(_row(rater_id, None, n_skipped, too_fast_below))
            continue
        rows.append(_row(rater_id, table.loc[rater_id], n_skipped, too_fast_below))
    return rows, thresholds


def _share(numerator, denominator) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def _row(rater_id, stats, n_skipped: int, too_fast_below: float | None) -> dict:
    if stats is None:
        return {
            "rater_id": rater_id, "n_judgments": 0, "n_skipped": n_skipped, "median_duration_s": None,
            "tie_rate": None, "agreement_with_others": None, "n_with_majority": 0, "left_share": None,
            "n_sided": 0, "gold_accuracy": None, "n_gold": 0, "flags": [],
        }
    n = int(stats["n_judgments"])
    n_sided = int(stats["n_sided"])
    n_with_majority = int(stats["n_with_majority"])
    n_gold = int(stats["n_gold"])
    row = {
        "rater_id": rater_id,
        "n_judgments": n,
        "n_skipped": n_skipped,
        "median_duration_s": _float(stats["median_duration_s"]),
        "tie_rate": _share(stats["ties"], n),
        "agreement_with_others": _share(stats["matches"], n_with_majority),
        "n_with_majority": n_with_majority,
        "left_share": _share(stats["left_wins"], n_sided),
        "n_sided": n_sided,
        "gold_accuracy": _share(stats["gold_matches"], n_gold),
        "n_gold": n_gold,
    }
    flags = []
    enough = n >= MIN_JUDGMENTS_FOR_FLAGS
    if enough and too_fast_below is not None and row["median_duration_s"] is not None:
        if row["median_duration_s"] < too_fast_below:
            flags.append("too_fast")
    if n_sided >= MIN_JUDGMENTS_FOR_FLAGS and row["left_share"] >= ALWAYS_LEFT_SHARE:
        flags.append("always_left")
    if n_sided >= MIN_JUDGMENTS_FOR_FLAGS and row["left_share"] <= 1 - ALWAYS_LEFT_SHARE:
        flags.append("always_right")
    if enough and row["tie_rate"] >= ALWAYS_TIE_RATE:
        flags.append("always_tie")
    if n_with_majority >= MIN_JUDGMENTS_FOR_FLAGS and row["agreement_with_others"] < LOW_AGREEMENT:
        flags.append("low_agreement")
    if n_gold >= MIN_JUDGMENTS_FOR_FLAGS and row["gold_accuracy"] < LOW_GOLD_ACCURACY:
        flags.append("low_gold_accuracy")
    row["flags"] = flags
    return row
