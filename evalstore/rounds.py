"""Study rounds: two studies on the same items (e.g. checkpoint 1 vs base, then checkpoint 2 vs base).

The change in win rate is measured on the items both rounds judged, with a *paired*, item-clustered
bootstrap: each resample draws shared items with replacement and takes every judgment of each drawn item in
**both** rounds, so an easy item that lifts both rounds' win rates lifts them together and cancels out of the
change. (Resampling the rounds independently would ignore that pairing and give a wider interval.) The
resample is the engine's own (``stats.bootstrap.bootstrap_sums`` over per-item tallies), and the win rate is
the engine's ``stats.winrates.win_rate`` under the chosen tie rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .analysis.options import DEFAULT_RESAMPLES, DEFAULT_TIE_RULE
from .errors import EvalstoreError
from .stats.bootstrap import bootstrap_sums
from .stats.intervals import percentile_interval
from .stats.winrates import TIE_RULES, tally, win_rate


def _prepare(frame: pd.DataFrame, exclude_raters) -> pd.DataFrame:
    missing = {"item_id", "system_a", "system_b", "preference"} - set(frame.columns)
    if missing:
        raise EvalstoreError(f"a round's judgments lack the column(s) {', '.join(sorted(missing))}")
    frame = frame.copy()
    if "criterion" not in frame.columns:
        frame["criterion"] = "overall"
    frame["criterion"] = frame["criterion"].fillna("overall").astype(str)
    frame["item_id"] = frame["item_id"].astype(str)
    if exclude_raters and "rater_id" in frame.columns:
        frame = frame[~frame["rater_id"].astype(str).isin({str(r) for r in exclude_raters})]
    frame["preference"] = pd.to_numeric(frame["preference"], errors="coerce").astype("float64")
    return frame[frame["preference"].notna()]


def _matched_comparisons(first: pd.DataFrame, second: pd.DataFrame) -> tuple[list[tuple], list[str]]:
    """Pairs of (criterion, system_a, system_b) keys, one from each round, that measure the same thing.

    Same criterion and same first system (the baseline); the second system is matched by name when both
    rounds have it (all-pairs studies), otherwise a round's only challenger is matched with the other's only
    challenger (checkpoint 1 vs checkpoint 2).
    """
    keys_1 = list(dict.fromkeys(zip(first["criterion"], first["system_a"], first["system_b"])))
    keys_2 = list(dict.fromkeys(zip(second["criterion"], second["system_a"], second["system_b"])))
    matched, warnings = [], []
    for criterion, system_a in dict.fromkeys((c, a) for c, a, _ in keys_1):
        bs_1 = [b for c, a, b in keys_1 if (c, a) == (criterion, system_a)]
        bs_2 = [b for c, a, b in keys_2 if (c, a) == (criterion, system_a)]
        if not bs_2:
            continue
        if len(bs_1) == 1 and len(bs_2) == 1:
            matched.append(((criterion, system_a, bs_1[0]), (criterion, system_a, bs_2[0])))
            continue
        common = [b for b in bs_1 if b in bs_2]
        matched.extend(((criterion, system_a, b), (criterion, system_a, b)) for b in common)
        left_out = sorted(set(bs_1).symmetric_difference(bs_2))
        if left_out:
            warnings.append(f"{criterion}, vs {system_a}: no counterpart in the other round for "
                            f"{', '.join(left_out)}")
    if not matched:
        warnings.append("the two rounds share no (criterion, baseline) comparison")
    return matched, warnings


def compare_rounds(
    first: pd.DataFrame,
    second: pd.DataFrame,
    *,
    names: tuple[str, str] = ("round 1", "round 2"),
    tie_rule: str = DEFAULT_TIE_RULE,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
    exclude_raters=(),
) -> dict:
    """The change in the second system's win rate from round ``first`` to round ``second``, on shared items.

    Parameters
    ----------
    first, second : DataFrame
        Canonical judgments tables of the two rounds (skipped judgments are ignored).
    names : (str, str)
        How the rounds are called in the output (e.g. the study names).
    tie_rule : {"drop", "half", "against_b"}
        How ties enter the win rate (as in ``analyze``'s ``tie_sensitivity``).
    seed, resamples : int
        The bootstrap's seed and number of resamples; the same seed gives the same intervals.
    exclude_raters : iterable of str
        Raters left out of both rounds.

    Returns
    -------
    dict
        ``rounds`` (the names), ``tie_rule``, ``seed``, ``resamples``, ``changes[]`` — one per matched
        comparison: ``criterion, system_a, system_b_1, system_b_2, n_shared_items, n_judgments_1,
        n_judgments_2, win_rate_b_1, win_rate_b_2, win_rate_b_1_ci, win_rate_b_2_ci, change, change_ci``
        (every interval a 95 % percentile interval from the same paired resamples; ``change`` = round 2 −
        round 1) — and ``warnings[]``.
    """
    if tie_rule not in TIE_RULES:
        raise EvalstoreError(f"tie rule must be one of {', '.join(TIE_RULES)}, not {tie_rule}")
    if resamples < 1:
        raise EvalstoreError(f"resamples must be at least 1, not {resamples}")
    first, second = _prepare(first, exclude_raters), _prepare(second, exclude_raters)
    matched, warnings = _matched_comparisons(first, second)
    rng = np.random.default_rng(seed)
    changes = []
    for key_1, key_2 in matched:
        rows_1 = first[(first["criterion"] == key_1[0]) & (first["system_a"] == key_1[1])
                       & (first["system_b"] == key_1[2])]
        rows_2 = second[(second["criterion"] == key_2[0]) & (second["system_a"] == key_2[1])
                        & (second["system_b"] == key_2[2])]
        shared = sorted(set(rows_1["item_id"]) & set(rows_2["item_id"]))
        entry = {
            "criterion": key_1[0], "system_a": key_1[1], "system_b_1": key_1[2], "system_b_2": key_2[2],
            "n_shared_items": len(shared), "n_items_1": int(rows_1["item_id"].nunique()),
            "n_items_2": int(rows_2["item_id"].nunique()),
        }
        if not shared:
            warnings.append(f"{key_1[0]}, vs {key_1[1]}: the rounds judged no item in common")
            changes.append({**entry, "n_judgments_1": 0, "n_judgments_2": 0, "win_rate_b_1": None,
                            "win_rate_b_2": None, "win_rate_b_1_ci": None, "win_rate_b_2_ci": None,
                            "change": None, "change_ci": None})
            continue
        codes = {item: i for i, item in enumerate(shared)}
        rows_1 = rows_1[rows_1["item_id"].isin(codes)]
        rows_2 = rows_2[rows_2["item_id"].isin(codes)]
        tally_1 = tally(rows_1["item_id"].map(codes).to_numpy(), rows_1["preference"].to_numpy(), len(shared))
        tally_2 = tally(rows_2["item_id"].map(codes).to_numpy(), rows_2["preference"].to_numpy(), len(shared))
        rate_1 = _plain(win_rate(tally_1.sum(axis=0), tie_rule))
        rate_2 = _plain(win_rate(tally_2.sum(axis=0), tie_rule))
        # one resample = one draw of shared items, applied to both rounds' tallies side by side
        sums = bootstrap_sums(np.hstack([tally_1, tally_2]), resamples, rng)
        boot_1, boot_2 = win_rate(sums[:, :5], tie_rule), win_rate(sums[:, 5:], tie_rule)
        ci_1, ci_2 = percentile_interval(boot_1), percentile_interval(boot_2)
        ci_change = percentile_interval(boot_2 - boot_1)
        if ci_change.undefined:
            warnings.append(f"{key_1[0]}, vs {key_1[1]}: {ci_change.undefined} of {resamples} resamples drew "
                            "only ties in a round and were left out of the interval of the change")
        changes.append({
            **entry, "n_judgments_1": int(len(rows_1)), "n_judgments_2": int(len(rows_2)),
            "win_rate_b_1": rate_1, "win_rate_b_2": rate_2,
            "win_rate_b_1_ci": ci_1.interval, "win_rate_b_2_ci": ci_2.interval,
            "change": None if rate_1 is None or rate_2 is None else rate_2 - rate_1,
            "change_ci": ci_change.interval,
        })
        only = entry["n_items_1"] + entry["n_items_2"] - 2 * len(shared)
        if only:
            warnings.append(f"{key_1[0]}, vs {key_1[1]}: {only} item(s) judged in one round only are left out "
                            "of the comparison")
    return {"rounds": list(names), "tie_rule": tie_rule, "seed": seed, "resamples": resamples,
            "changes": changes, "warnings": warnings}


def _plain(x) -> float | None:
    x = float(x)
    return None if np.isnan(x) else x


def compare_study_rounds(db, first_study: str, second_study: str, **options) -> dict:
    """``compare_rounds`` on two studies of one database, named after them."""
    from .judgments import judgments_frame

    return compare_rounds(judgments_frame(db, first_study), judgments_frame(db, second_study),
                          names=(first_study, second_study), **options)
