"""Per-rater quality: speed, ties, side preference, agreement with the other raters, gold accuracy, flags.

A flag is a reason to look at a rater's judgments, not proof of carelessness; the thresholds are part of the
output so a reader can judge them.

Two flags compare a rater with something that could itself mislead, so they are built not to:

- ``always_left`` / ``always_right`` come from the within-item side test of ``stats.position`` (Holm over
  raters and an effect size), not from the raw share of left wins, which also measures which system was on
  the left.
- ``low_agreement`` compares a rater with the majority of the *other, unflagged* raters of each unit: raters
  flagged by any other check (too_fast, always_left, always_right, always_tie, low_gold_accuracy) do not
  count in the majority, so a careful rater whose overlap was with careless ones is not flagged for
  disagreeing with them. ``disagreements`` shows with whom and on how many units a rater disagrees.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .position import ALWAYS_LEFT_SHARE, RATER_ALPHA, rater_side_tests

#: A rater needs this many judgments (of the kind a flag looks at) before we flag them.
MIN_JUDGMENTS_FOR_FLAGS = 10
#: Median time per judgment below this share of the median over all judgments → "too_fast".
TOO_FAST_SHARE = 1 / 3
#: Share of ties at or above this → "always_tie".
ALWAYS_TIE_RATE = 0.8
#: Agreement with the other unflagged raters' majority below this → "low_agreement" (chance on 3 directions ≈ 1/3).
LOW_AGREEMENT = 0.5
#: Gold accuracy below this → "low_gold_accuracy".
LOW_GOLD_ACCURACY = 0.5
#: The flags that keep a rater out of the majority the others are compared with.
REFERENCE_EXCLUDING_FLAGS = ("too_fast", "always_left", "always_right", "always_tie", "low_gold_accuracy")


def _float(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def agreement_with_others(
    unit_codes: np.ndarray, direction: np.ndarray, reference: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """For each judgment: does it match the majority of the *other* (reference) raters of its unit?

    Parameters
    ----------
    unit_codes : ndarray of int, shape (n,)
        Unit of each judgment (one (criterion, pair, item) — the same thing rated by several raters).
    direction : ndarray of int, shape (n,)
        -1 (system_a better), 0 (tie), +1 (system_b better). On the 5-point scale "much better" and "better"
        count as the same direction: a rater who says "better" where the others say "much better" agrees
        with them about who won.
    reference : ndarray of bool, shape (n,), optional
        Judgments that may form the majority (default: all). A judgment outside the reference is still
        compared with the reference judgments of its unit.

    Returns
    -------
    (has_majority, matches) : ndarrays of bool, shape (n,)
        ``has_majority``: more than half of the other reference judgments of the unit gave one direction.
        ``matches``: this judgment has that direction (False where there is no majority).

    Examples
    --------
    Three raters on one item: two say +1, one says -1. Each +1 rater sees the others split (no majority);
    the -1 rater sees a majority of +1 and disagrees with it.

    >>> has, match = agreement_with_others(np.array([0, 0, 0]), np.array([1, 1, -1]))
    >>> has.tolist(), match.tolist()
    ([False, False, True], [False, False, False])

    Leave the second +1 out of the reference: the first +1 rater now faces the -1 alone (a majority of one,
    which it does not match), the -1 rater the first +1 alone, and the second +1 rater the split of the two.

    >>> has, match = agreement_with_others(np.array([0, 0, 0]), np.array([1, 1, -1]),
    ...                                    np.array([True, False, True]))
    >>> has.tolist(), match.tolist()
    ([True, False, True], [False, False, False])
    """
    units = np.asarray(unit_codes, dtype=np.int64)
    category = np.asarray(direction, dtype=np.int64) + 1
    counted = np.ones(units.size, dtype=bool) if reference is None else np.asarray(reference, dtype=bool)
    n_units = int(units.max()) + 1 if units.size else 0
    counts = np.bincount(
        units[counted] * 3 + category[counted], minlength=n_units * 3
    ).reshape(n_units, 3)
    others = counts[units]
    others[np.arange(units.size), category] -= counted
    n_others = others.sum(axis=1)
    majority = others * 2 > n_others[:, None]
    has_majority = majority.any(axis=1)
    matches = majority[np.arange(units.size), category]
    return has_majority, matches


def pairwise_disagreements(rater_codes: np.ndarray, unit_codes: np.ndarray, direction: np.ndarray) -> pd.DataFrame:
    """For every ordered pair of raters who rated a unit in common: shared units and units with another direction.

    Parameters
    ----------
    rater_codes, unit_codes, direction : ndarray of int, shape (n,)
        One judgment per (rater, unit); directions as for ``agreement_with_others``.

    Returns
    -------
    DataFrame
        Columns ``rater, other, n_shared, n_disagree``, one row per ordered pair with ``n_shared > 0``, sorted.

    Examples
    --------
    >>> pairwise_disagreements(np.array([0, 1, 2, 0, 1]), np.array([0, 0, 0, 1, 1]),
    ...                        np.array([1, 1, -1, 0, 1])).values.tolist()
    [[0, 1, 2, 1], [0, 2, 1, 1], [1, 0, 2, 1], [1, 2, 1, 1], [2, 0, 1, 1], [2, 1, 1, 1]]
    """
    from scipy import sparse

    raters = np.asarray(rater_codes, dtype=np.int64)
    units = np.asarray(unit_codes, dtype=np.int64)
    category = np.asarray(direction, dtype=np.int64) + 1
    n_raters = int(raters.max()) + 1 if raters.size else 0
    n_units = int(units.max()) + 1 if units.size else 0
    ones = np.ones(raters.size, dtype=np.int64)
    # raters × units incidence, once for presence and once per direction: shared = P·Pᵀ, agreeing = Σ_d D·Dᵀ
    presence = sparse.csr_matrix((ones, (raters, units)), shape=(n_raters, n_units))
    by_direction = sparse.csr_matrix((ones, (raters, units * 3 + category)), shape=(n_raters, n_units * 3))
    shared = (presence @ presence.T).tocoo()
    agreeing = (by_direction @ by_direction.T).tocsr()
    off_diagonal = shared.row != shared.col
    rater, other = shared.row[off_diagonal], shared.col[off_diagonal]
    n_shared = shared.data[off_diagonal]
    n_agree = np.asarray(agreeing[rater, other]).ravel() if rater.size else np.zeros(0, dtype=np.int64)
    table = pd.DataFrame({"rater": rater, "other": other, "n_shared": n_shared, "n_disagree": n_shared - n_agree})
    return table.astype(np.int64).sort_values(["rater", "other"]).reset_index(drop=True)


def rater_summary(
    judgments: pd.DataFrame, skipped: pd.Series | None = None, side_tests: list[dict] | None = None,
) -> tuple[list[dict], dict]:
    """One row per rater, and the flag thresholds used.

    Parameters
    ----------
    judgments : DataFrame
        Analysed (non-skipped) judgments with columns ``rater_id``, ``unit`` (int code of (criterion, pair,
        item)), ``preference``, ``left_won`` (1.0 / 0.0, NaN for ties or an unknown side), ``duration_s``
        (NaN when unknown) and ``gold_preference`` (NaN when the unit has no gold answer); optionally
        ``stratum`` (int code of (pair, item): the strata of the side test; default ``unit``) and
        ``comparison`` (int code of (criterion, pair); default one for all).
    skipped : Series, optional
        Skipped judgments per rater id.
    side_tests : list of dict, optional
        ``position.rater_side_tests`` of these judgments (one per rater code, raters sorted by id), when the
        caller has them already; computed here otherwise.

    Returns
    -------
    (rows, thresholds)
        ``rows``: dicts ``rater_id, n_judgments, n_skipped, median_duration_s, tie_rate,
        agreement_with_others, n_with_majority, disagreements, left_share, n_sided, left_share_balanced,
        position_p_holm, gold_accuracy, n_gold, flags``, sorted by rater id. ``agreement_with_others`` is
        measured against the majority of the other raters without a flag of ``REFERENCE_EXCLUDING_FLAGS``;
        ``disagreements`` lists ``{rater_id, n_shared, n_disagree, in_reference}`` for every rater this one
        disagreed with on at least one unit, most disagreements first. ``thresholds``: every threshold
        behind ``flags``.
    """
    frame = judgments.copy()
    preference = frame["preference"].to_numpy(dtype=np.float64)
    direction = np.sign(preference).astype(np.int64)
    units = frame["unit"].to_numpy(dtype=np.int64)
    rater_codes, rater_ids = pd.factorize(frame["rater_id"], sort=True)
    frame["tie"] = direction == 0
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
        "always_left_alpha": RATER_ALPHA,
        "always_left_rule": (
            f"within-item side test (position_bias.per_rater) on at least {MIN_JUDGMENTS_FOR_FLAGS} non-tie "
            f"judgments of items shown with system_b on both sides, Holm-adjusted p over raters < {RATER_ALPHA}, "
            f"and left_share_balanced >= {ALWAYS_LEFT_SHARE} (always_right: <= {1 - ALWAYS_LEFT_SHARE:.1f})"
        ),
        "always_tie_rate": ALWAYS_TIE_RATE,
        "low_agreement": LOW_AGREEMENT,
        "agreement_reference": "the majority of the other raters of the unit without a "
        + ", ".join(REFERENCE_EXCLUDING_FLAGS) + " flag",
        "low_gold_accuracy": LOW_GOLD_ACCURACY,
    }

    sides = side_tests if side_tests is not None else _side_flags(frame, rater_codes, preference)
    grouped = frame.groupby(rater_codes, sort=True)
    table = pd.DataFrame(
        {
            "n_judgments": grouped.size(),
            "median_duration_s": grouped["duration_s"].median(),
            "ties": grouped["tie"].sum(),
            "n_sided": grouped["sided"].sum(),
            "left_wins": grouped["left_wins"].sum(),
            "n_gold": grouped["has_gold"].sum(),
            "gold_matches": grouped["gold_match"].sum(),
        }
    ).reindex(range(len(rater_ids)))
    rows = {}
    for code, rater_id in enumerate(rater_ids):
        rows[rater_id] = _row(rater_id, table.loc[code], sides[code], too_fast_below)

    # The majority a rater is compared with: the other raters without a flag from the checks above.
    outside = {code for code, rater_id in enumerate(rater_ids) if rows[rater_id]["flags"]}
    reference = ~np.isin(rater_codes, list(outside))
    has_majority, matches = agreement_with_others(units, direction, reference)
    n_with_majority = np.bincount(rater_codes, weights=has_majority, minlength=len(rater_ids))
    n_matches = np.bincount(rater_codes, weights=matches & has_majority, minlength=len(rater_ids))
    pairs = pairwise_disagreements(rater_codes, units, direction)
    pairs = pairs[pairs["n_disagree"] > 0].sort_values(["rater", "n_disagree", "other"], ascending=[True, False, True])
    by_rater = {code: part for code, part in pairs.groupby("rater", sort=False)}
    for code, rater_id in enumerate(rater_ids):
        row = rows[rater_id]
        counted = int(n_with_majority[code])
        row["agreement_with_others"] = _share(n_matches[code], counted)
        row["n_with_majority"] = counted
        part = by_rater.get(code)
        row["disagreements"] = [] if part is None else [
            {"rater_id": rater_ids[other], "n_shared": int(shared), "n_disagree": int(differ),
             "in_reference": other not in outside}
            for other, shared, differ in zip(part["other"], part["n_shared"], part["n_disagree"])
        ]
        if counted >= MIN_JUDGMENTS_FOR_FLAGS and row["agreement_with_others"] < LOW_AGREEMENT:
            row["flags"].append("low_agreement")
        row["flags"].sort(key=FLAG_ORDER.index)

    skipped = skipped if skipped is not None else pd.Series(dtype=np.int64)
    out = []
    for rater_id in sorted(set(rows) | set(skipped.index)):
        row = rows.get(rater_id) or _empty_row(rater_id)
        row["n_skipped"] = int(skipped.get(rater_id, 0))
        out.append({key: row[key] for key in ROW_KEYS})
    return out, thresholds


ROW_KEYS = (
    "rater_id", "n_judgments", "n_skipped", "median_duration_s", "tie_rate", "agreement_with_others",
    "n_with_majority", "disagreements", "left_share", "n_sided", "left_share_balanced", "position_p_holm",
    "gold_accuracy", "n_gold", "flags",
)
FLAG_ORDER = ("too_fast", "always_left", "always_right", "always_tie", "low_agreement", "low_gold_accuracy")


def side_inputs(frame: pd.DataFrame, preference: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sided, b_left, b_won) of each judgment from ``left_won`` and ``preference``: sided = non-tie with a
    known side; for those, whether system_b was on the left and whether it won."""
    left_won = frame["left_won"].to_numpy(dtype=np.float64)
    sided = ~np.isnan(left_won) & (preference != 0)
    b_won = preference > 0
    b_left = (left_won == 1.0) == b_won
    return sided, b_left, b_won


def _side_flags(frame: pd.DataFrame, rater_codes: np.ndarray, preference: np.ndarray) -> list[dict]:
    """``rater_side_tests`` on the sided judgments, one dict per rater code (an empty test without any)."""
    n_raters = int(rater_codes.max()) + 1 if rater_codes.size else 0
    sided, b_left, b_won = side_inputs(frame, preference)
    stratum = frame["stratum"] if "stratum" in frame else frame["unit"]
    comparison = frame["comparison"] if "comparison" in frame else pd.Series(0, index=frame.index)
    tests = rater_side_tests(
        rater_codes[sided], stratum.to_numpy(dtype=np.int64)[sided], b_left[sided], b_won[sided],
        comparison.to_numpy(dtype=np.int64)[sided], np.zeros(int(sided.sum()), dtype=np.int64),
        min_judgments=MIN_JUDGMENTS_FOR_FLAGS, n_raters=n_raters,
    )
    return tests


def _share(numerator, denominator) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def _empty_row(rater_id) -> dict:
    return {
        "rater_id": rater_id, "n_judgments": 0, "n_skipped": 0, "median_duration_s": None,
        "tie_rate": None, "agreement_with_others": None, "n_with_majority": 0, "disagreements": [],
        "left_share": None, "n_sided": 0, "left_share_balanced": None, "position_p_holm": None,
        "gold_accuracy": None, "n_gold": 0, "flags": [],
    }


def _row(rater_id, stats, side: dict, too_fast_below: float | None) -> dict:
    """Every figure and flag of one rater except those that compare them with the other raters."""
    n = int(stats["n_judgments"])
    n_sided = int(stats["n_sided"])
    n_gold = int(stats["n_gold"])
    row = {
        "rater_id": rater_id,
        "n_judgments": n,
        "median_duration_s": _float(stats["median_duration_s"]),
        "tie_rate": _share(stats["ties"], n),
        "left_share": _share(stats["left_wins"], n_sided),
        "n_sided": n_sided,
        "left_share_balanced": side["left_share_balanced"],
        "position_p_holm": side["p_holm"],
        "gold_accuracy": _share(stats["gold_matches"], n_gold),
        "n_gold": n_gold,
    }
    flags = []
    enough = n >= MIN_JUDGMENTS_FOR_FLAGS
    if enough and too_fast_below is not None and row["median_duration_s"] is not None:
        if row["median_duration_s"] < too_fast_below:
            flags.append("too_fast")
    if side["flag"]:
        flags.append(side["flag"])
    if enough and row["tie_rate"] >= ALWAYS_TIE_RATE:
        flags.append("always_tie")
    if n_gold >= MIN_JUDGMENTS_FOR_FLAGS and row["gold_accuracy"] < LOW_GOLD_ACCURACY:
        flags.append("low_gold_accuracy")
    row["flags"] = flags
    return row
