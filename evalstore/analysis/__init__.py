"""The analysis engine: one function from a judgments table to every number evalstore reports.

``analyze`` is what ``evalstore analyze``, the analysis page and the reports all call; nothing computes a
statistic its own way. It returns a JSON-ready dict (plain Python values, None where a number is undefined,
never NaN) whose keys are a stable contract (issue 5, CONTRACTS.md "Analysis JSON").

Items (prompts) are the unit of inference: intervals come from an item-clustered bootstrap and the tests
work on one number per item, because judgments of the same item are not independent. Every random draw comes
from a generator seeded by ``seed`` and the name of what it is drawn for, so the same input and seed give the
same JSON byte for byte, and adding a slice does not move the intervals of the comparisons.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy

from .. import __version__
from ..errors import EvalstoreError
from ..judgments import METRIC_PREFIX, SCALES, as_text, infer_scale, validate_judgments
from ..stats import power as power_stats
from ..stats.bootstrap import bootstrap_sums
from ..stats.inference import MIN_ITEMS, mean_preference_interval, win_rate_inference
from ..stats.intervals import percentile_interval, wilson_interval
from ..stats.length import length_controlled_win_rate
from ..stats.raters import rater_summary
from ..stats.two_way import rater_sensitivity
from ..stats.ratings import bradley_terry, to_elo
from ..stats.significance import adjust_p_values, binomial_p, kendall_tau_b, paired_t_p, sign_test, wilcoxon_p
from ..stats.winrates import (
    N, SUM_PREF, TIE_RULES, TIES, WINS_A, WINS_B, item_scores, item_share_interval, mean_preference,
    ratio_design_effect, tally, win_rate,
)


DEFAULT_RESAMPLES = 2000
DEFAULT_TIE_RULE = "drop"
ALPHA = 0.05
#: Slices with fewer items show their interval but no verdict.
SMALL_SLICE_ITEMS = 20
#: Below this many items a comparison gets a warning that its intervals are wide.
FEW_ITEMS = 30
#: Fewer bootstrap resamples than this get a warning that interval ends are noisy.
FEW_RESAMPLES = 1000

TIE_RULE_WORDS = {
    "drop": "ties dropped",
    "half": "ties split half-half",
    "against_b": "ties counted against system_b",
}


# ---------------------------------------------------------------------------------------------------------
# Small helpers


def _rng(seed: int, *key) -> np.random.Generator:
    """A generator for one named use of the seed: the same (seed, key) always draws the same numbers."""
    digest = hashlib.sha256(json.dumps(key, default=str).encode("utf-8")).digest()
    words = np.frombuffer(digest[:16], dtype="<u4").tolist()
    return np.random.default_rng(np.random.SeedSequence([seed, *words]))


def _seed_int(seed: int, *key) -> int:
    digest = hashlib.sha256(json.dumps(key, default=str).encode("utf-8")).digest()
    words = np.frombuffer(digest[:16], dtype="<u4").tolist()
    state = np.random.SeedSequence([seed, *words]).generate_state(2, dtype=np.uint32)
    return int(state[0]) << 32 | int(state[1])


def _count(n: int, one: str, many: str, every: bool = False) -> str:
    """"1 item" / "5 items" ("the one item" / "all 5 items" with ``every``)."""
    if every:
        return f"the one {one}" if n == 1 else f"all {n} {many}"
    return f"{n} {one if n == 1 else many}"


def _float(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _plain(value):
    """numpy scalars / arrays → Python; NaN and ±inf → None; recursively through dicts and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _float(value)
    return value


def _groups(codes: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """Row indices of each code 0..n_groups-1, each in original order (a stable counting sort)."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_groups + 1))
    return [order[bounds[g] : bounds[g + 1]] for g in range(n_groups)]


def _versions() -> dict:
    return {
        "evalstore": __version__,
        "scipy": scipy.__version__,
        "krippendorff": importlib.metadata.version("krippendorff"),
    }


# ---------------------------------------------------------------------------------------------------------
# Preparing the table


def _orient_pairs(frame: pd.DataFrame, baseline: str, warnings: list[str]) -> pd.DataFrame:
    """Give every pair one orientation, so (a, b) and (b, a) rows form one comparison.

    A pair that appears both ways is turned to (baseline, other) when it contains the baseline, else to the
    orientation most of its rows have. Flipping a row swaps the systems, the metric pairs and the sign of
    the preference (and of the gold answer).
    """
    a = frame["system_a"].to_numpy(dtype=object)
    b = frame["system_b"].to_numpy(dtype=object)
    pairs = pd.DataFrame({"a": a, "b": b}).value_counts(sort=False)
    flip = np.zeros(len(frame), dtype=bool)
    for (first, second), count in pairs.items():
        if first > second or (second, first) not in pairs.index:
            continue
        reverse = pairs[(second, first)]
        if baseline in (first, second):
            keep = (baseline, second if first == baseline else first)
        else:
            keep = (first, second) if count >= reverse else (second, first)
        drop = (keep[1], keep[0])
        mask = (a == drop[0]) & (b == drop[1])
        flip |= mask
        warnings.append(
            f"{int(mask.sum())} judgments of the pair {keep[0]} vs {keep[1]} were given as {drop[0]} vs "
            f"{drop[1]}; they are analysed as {keep[0]} vs {keep[1]} (preference sign flipped)"
        )
    if not flip.any():
        return frame
    frame = frame.copy()
    frame.loc[flip, ["system_a", "system_b"]] = frame.loc[flip, ["system_b", "system_a"]].to_numpy()
    for column in ("preference", "gold_preference"):
        if column in frame:
            frame.loc[flip, column] = -frame.loc[flip, column]
    for column in frame.columns:
        if column.startswith(METRIC_PREFIX) and column.endswith("_a") and column[:-2] + "_b" in frame:
            other = column[:-2] + "_b"
            frame.loc[flip, [column, other]] = frame.loc[flip, [other, column]].to_numpy()
    return frame


def _default_baseline(frame: pd.DataFrame) -> str:
    """The system most often in system_a (ties: the alphabetically first)."""
    counts = frame["system_a"].value_counts()
    top = counts.max()
    return sorted(counts.index[counts == top].tolist())[0]


def _metric_names(columns: Iterable[str]) -> list[str]:
    """Names with both ``metric_<name>_a`` and ``metric_<name>_b`` columns, in column order."""
    columns = list(columns)
    names = []
    for column in columns:
        if column.startswith(METRIC_PREFIX) and column.endswith("_a"):
            name = column[len(METRIC_PREFIX) : -2]
            if name and f"{METRIC_PREFIX}{name}_b" in columns:
                names.append(name)
    return names


@dataclass
class _Comparison:
    criterion: str
    system_a: str
    system_b: str
    rows: np.ndarray  # indices into the analysed table
    items: np.ndarray  # global item codes of its items, ascending
    unit_of_row: np.ndarray  # for each of ``rows``: index into ``items``
    tallies: np.ndarray  # (len(items), 5)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.criterion, self.system_a, self.system_b)

    def label(self) -> dict:
        return {"criterion": self.criterion, "system_a": self.system_a, "system_b": self.system_b}


def _comparison(criterion, system_a, system_b, rows, item_codes, preference) -> _Comparison:
    items, unit_of_row = np.unique(item_codes[rows], return_inverse=True)
    return _Comparison(
        criterion, system_a, system_b, rows, items, unit_of_row,
        tally(unit_of_row, preference[rows], len(items)),
    )


# ---------------------------------------------------------------------------------------------------------
# Sections


def _comparison_section(comparison: _Comparison, warnings: list[str]) -> dict:
    t = comparison.tallies
    totals = t.sum(axis=0)
    wins_a, ties, wins_b, n = (int(totals[c]) for c in (WINS_A, TIES, WINS_B, N))
    item_means = t[:, SUM_PREF] / t[:, N]
    signs = sign_test(item_scores(t, "drop"))
    win_rate_ci = win_rate_inference(t, "drop")
    mean_ci, mean_ci_warning = mean_preference_interval(t)
    # The naive interval obeys the same minimum: a few items' judgments are not that many independent ones.
    wilson_ci = (
        wilson_interval(wins_b, wins_a + wins_b)
        if np.count_nonzero(t[:, WINS_A] + t[:, WINS_B]) >= MIN_ITEMS else None
    )
    name = f"{comparison.criterion}: {comparison.system_a} vs {comparison.system_b}"
    for key, message in (("win_rate_b_ci", win_rate_ci.warning), ("mean_preference_ci", mean_ci_warning)):
        if message:
            warnings.append(f"{name}: {key}: {message}")
    return {
        **comparison.label(),
        "n_judgments": n,
        "n_items": int(len(comparison.items)),
        "wins_a": wins_a,
        "ties": ties,
        "wins_b": wins_b,
        "win_rate_b": _float(win_rate(totals, "drop")),
        "tie_rate": ties / n if n else None,
        "win_rate_b_ties_half": _float(win_rate(totals, "half")),
        "win_rate_b_ci": win_rate_ci.ci,
        "win_rate_b_wilson_ci": wilson_ci,
        "mean_preference": _float(mean_preference(totals)),
        "mean_preference_ci": mean_ci,
        "items_favouring_a": signs.n_negative,
        "items_favouring_b": signs.n_positive,
        "items_even": signs.n_zero,
        "sign_test_p": signs.p_value,
        "wilcoxon_p": wilcoxon_p(item_means),
        "paired_t_p": paired_t_p(item_means),
        "design_effect": ratio_design_effect(t),
    }


def _rule_entry(comparison: _Comparison, rule: str) -> dict:
    """Both views of one comparison under one tie rule, each with its own test.

    The judgment view (the primary estimand): system_b's win rate over judgments, its item-clustered
    interval and the test of that same win rate against one half (``win_rate_inference``: the interval and
    the test are one method, so p < 0.05 exactly when the interval excludes one half). The item view: the
    share of prompts that favour system_b (``item_scores``, the same rule), an exact interval over items
    (independent units) and the sign test.
    """
    t = comparison.tallies
    inference = win_rate_inference(t, rule)  # closed form: no resamples, the same for every seed
    signs = sign_test(item_scores(t, rule))
    non_even = signs.n_positive + signs.n_negative
    return {
        **comparison.label(),
        "rule": rule,
        "win_rate_b": inference.estimate,
        "win_rate_b_ci": inference.ci,
        "p_value": inference.p_value,
        "test": inference.method,
        "interval_warning": inference.warning,
        "items_favouring_b": signs.n_positive,
        "items_favouring_a": signs.n_negative,
        "items_even": signs.n_zero,
        "item_share_b": signs.n_positive / non_even if non_even else None,
        "item_share_b_ci": item_share_interval(signs.n_positive, non_even),
        "sign_test_p": signs.p_value,
    }


def _tie_sensitivity(comparison: _Comparison) -> list[dict]:
    return [_rule_entry(comparison, rule) for rule in TIE_RULES]


def _direction(rate: float | None, ci: list | None, p_value: float | None) -> str | None:
    """"b" or "a" when the test rejects one half and the printed interval lies wholly on that side, else None.

    Both conditions, although the interval and the test are dual by construction: a verdict must never sit
    beside an interval that contains one half or lies on the losing side.
    """
    if rate is None or p_value is None or ci is None or ci[0] is None or ci[1] is None or p_value >= ALPHA:
        return None
    if rate > 0.5 and ci[0] > 0.5:
        return "b"
    if rate < 0.5 and ci[1] < 0.5:
        return "a"
    return None


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
    side = _direction(chosen["win_rate_b"], chosen["win_rate_b_ci"], chosen["p_value"])
    status = "winner" if side else "no_difference"
    if chosen["win_rate_b"] is None or comparison["ties"] == comparison["n_judgments"]:
        # every judgment a tie: no rule can make evidence out of that (half gives 0.5, against_b 0)
        side, status = None, "all_ties"
    elif chosen["win_rate_b_ci"] is None:
        status = "too_few_items"
    if side == "a" and tie_rule == "against_b":
        dropped = by_rule["drop"]
        if _direction(dropped["win_rate_b"], dropped["win_rate_b_ci"], dropped["p_value"]) != "a":
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


@dataclass
class _Codes:
    """Integer codes of the analysed judgments' text columns: string work happens once, up front."""

    systems: list[str]  # sorted names; system codes index this
    a: np.ndarray
    b: np.ndarray
    left: np.ndarray  # -1 where the side is unknown
    raters: list[str]  # sorted ids; rater codes index this
    rater: np.ndarray

    @classmethod
    def of(cls, data: pd.DataFrame) -> "_Codes":
        systems = pd.Index(sorted(set(data["system_a"].unique()) | set(data["system_b"].unique())))
        rater, raters = pd.factorize(data["rater_id"], sort=True)
        left = (
            systems.get_indexer(data["left_system"]) if "left_system" in data else np.full(len(data), -1)
        )
        return cls(
            systems.tolist(), systems.get_indexer(data["system_a"]).astype(np.int64),
            systems.get_indexer(data["system_b"]).astype(np.int64), np.asarray(left, dtype=np.int64),
            [str(r) for r in raters], rater.astype(np.int64),
        )


def _left_won(codes: _Codes, preference: np.ndarray) -> np.ndarray:
    """1.0 when the left output won, 0.0 when the right one did, NaN for ties or an unknown side."""
    won = ((preference < 0) == (codes.left == codes.a)).astype(np.float64)
    return np.where((codes.left >= 0) & (preference != 0), won, np.nan)


def _position_bias(
    codes: _Codes, preference: np.ndarray, units: np.ndarray, strata: np.ndarray, comparisons: np.ndarray
) -> dict | None:
    """Position bias tested within items (stats/position.py), overall and per rater.

    ``units``: (criterion, pair, item) code of each judgment, the strata of the Mantel–Haenszel odds ratio;
    ``strata``: (pair, item) code, the strata of the test, where one rater's judgments of one screen (every
    criterion) are permuted together; ``comparisons``: (criterion, pair) code, the strata of a rater's
    balanced left share. ``left_share`` (all non-tie judgments pooled) is descriptive only: it also says
    which system was shown on the left.
    """
    from ..stats import position
    from ..stats.raters import MIN_JUDGMENTS_FOR_FLAGS

    if not (codes.left >= 0).any():
        return None
    left_won = _left_won(codes, preference)
    sided = ~np.isnan(left_won)
    n_raters = len(codes.raters)
    n = np.bincount(codes.rater[sided], minlength=n_raters)
    wins = np.bincount(codes.rater[sided], weights=left_won[sided], minlength=n_raters).round().astype(np.int64)
    b_left, b_won = (codes.left == codes.b)[sided], (preference > 0)[sided]
    rater, stratum = codes.rater[sided], np.asarray(strata, dtype=np.int64)[sided]

    test = position.side_test(stratum, b_left, b_won, presentation=rater)
    reason = position.testability(test)
    estimate = position.mantel_haenszel(np.asarray(units, dtype=np.int64)[sided], b_left, b_won)
    per_rater_tests = position.rater_side_tests(
        rater, stratum, b_left, b_won, np.asarray(comparisons, dtype=np.int64)[sided],
        np.zeros(rater.size, dtype=np.int64), min_judgments=MIN_JUDGMENTS_FOR_FLAGS, n_raters=n_raters,
    )

    def descriptive(n_sided: int, n_left: int) -> dict:
        return {"n_non_tie": n_sided, "left_share": n_left / n_sided if n_sided else None}

    per_rater = [
        {"rater_id": r, **descriptive(int(n[i]), int(wins[i])), **per_rater_tests[i]}
        for i, r in enumerate(codes.raters)
    ]
    return {
        "test": "Cochran-Mantel-Haenszel within items: sides permuted among the non-tie judgments of each item "
        "and pair shown with system_b on both sides",
        "testable": reason is None,
        "reason": reason,
        **descriptive(int(n.sum()), int(wins.sum())),
        "n_strata": test.n_strata,
        "n_tested": test.n_tested,
        "left_share_tested": test.left_wins / test.n_tested if test.n_tested else None,
        "expected_left_share": test.expected_left_wins / test.n_tested if test.n_tested else None,
        "odds_ratio_mh": estimate.odds_ratio,
        "odds_ratio_mh_ci": estimate.odds_ratio_ci,
        "left_share_balanced": position.balanced_left_share(estimate.risk_difference),
        "statistic": test.statistic if reason is None else None,
        "p_value": test.p_value if reason is None else None,
        "per_rater": per_rater,
    }


def _ratings(
    data: pd.DataFrame, codes: _Codes, criteria: list[str], criterion_codes: np.ndarray, item_codes: np.ndarray,
    preference: np.ndarray, baseline: str, seed: int, resamples: int, warnings: list[str],
) -> list[dict]:
    """Bradley–Terry ratings per criterion with an item-clustered bootstrap interval."""
    out = []
    for c, rows in enumerate(_groups(criterion_codes, len(criteria))):
        if rows.size == 0:
            continue
        criterion = criteria[c]
        a, b = codes.a[rows], codes.b[rows]
        present = np.unique(np.concatenate([a, b]))  # sorted system codes = sorted names
        names = [codes.systems[i] for i in present]
        base = baseline if baseline in names else _default_baseline(data.iloc[rows])
        systems = [base] + [s for s in names if s != base]
        k = len(systems)
        local = np.full(len(codes.systems), -1, dtype=np.int64)
        local[[codes.systems.index(s) for s in systems]] = np.arange(k)
        ia, ib = local[a], local[b]
        # Per item, doubled wins for every ordered pair: 2 for a win, 1 each way for a tie (half a win).
        items, item_of_row = np.unique(item_codes[rows], return_inverse=True)
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
            warnings.append(f"ratings on {criterion}: only {_count(len(items), 'item', 'items')} (fewer than {MIN_ITEMS}): no intervals")
        if resamples > 0 and len(items) >= MIN_ITEMS:
            sums = bootstrap_sums(values, resamples, _rng(seed, "ratings", criterion))
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
                    "rating": _float(rating),
                    "ci": ci,
                    "n_judgments": int(involved[s]),
                    "is_baseline": s == 0,
                }
            )
    return out


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
            f"{label}: {_count(favour_a + favour_b, 'item that leans', 'items that lean', every=True)} either way "
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


def _metric_entries(
    comparison: _Comparison, data: pd.DataFrame, names: list[str], seed: int, resamples: int
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
            # one mean difference per item: items are independent, so the one-sample t interval (scipy)
            t_ci = scipy.stats.ttest_1samp(diff, 0.0).confidence_interval(0.95)
            ci = [_float(t_ci.low), _float(t_ci.high)]
        tau, tau_p = kendall_tau_b(diff, item_means[present])
        out.append(
            {
                **comparison.label(),
                "metric": name,
                "n_items": int(diff.size),
                "mean_a": _float(a[present].mean()) if diff.size else None,
                "mean_b": _float(b[present].mean()) if diff.size else None,
                "mean_difference": _float(diff.mean()) if diff.size else None,
                "mean_difference_ci": ci,
                "paired_t_p": paired_t_p(diff),
                "kendall_tau_b": tau,
                "kendall_p": tau_p,
            }
        )
    return out


def _length_bias(
    data: pd.DataFrame, preference: np.ndarray, comparisons: list[_Comparison], units: np.ndarray
) -> dict | None:
    """Length bias per judgment (binomial test) and per item (sign test over items' "longer won" score).

    ``units`` gives each row's item-level unit: the item and its (oriented) pair of systems, so every
    judgment of one pair of outputs, whatever the criterion, counts once in the overall sign test.
    """
    lengths = _output_lengths(data)
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
        _, unit_of_row = np.unique(units[rows], return_inverse=True)
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


def _output_lengths(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """The two outputs' lengths in characters per analysed row, or None without the length columns."""
    a_col, b_col = f"{METRIC_PREFIX}length_chars_a", f"{METRIC_PREFIX}length_chars_b"
    if a_col not in data or b_col not in data:
        return None
    return data[a_col].to_numpy(dtype=np.float64), data[b_col].to_numpy(dtype=np.float64)


def _length_controlled(
    comparison: _Comparison, preference: np.ndarray, lengths: tuple[np.ndarray, np.ndarray] | None,
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
        warnings.append(f"{name}: only {_count(entry['n_items'], 'item', 'items')} (fewer than {MIN_ITEMS}): no interval for the "
                        f"{' or the '.join(withheld)}")


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


def _slices(
    data: pd.DataFrame, columns: Sequence[str], comparisons: list[_Comparison], item_codes: np.ndarray,
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
                part = _comparison(
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
                        "win_rate_b": _float(win_rate(totals, tie_rule)),
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
            side = _direction(entry["win_rate_b"], entry["win_rate_b_ci"], holm)
            without_ties = entry.pop("_without_ties")
            ties_explain = side == "a" and without_ties is not None and \
                _direction(without_ties.estimate, without_ties.ci, without_ties.p_value) != "a"
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


# ---------------------------------------------------------------------------------------------------------
# The engine


def analyze(
    judgments: pd.DataFrame,
    *,
    scale: int | None = None,
    slices: Sequence[str] = (),
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
    exclude_raters: Sequence[str] = (),
    baseline: str | None = None,
    overlap: int | None = None,
    input_sha256: str | None = None,
    tie_rule: str = DEFAULT_TIE_RULE,
) -> dict:
    """Analyse a table of pairwise judgments: win rates, agreement, significance, ratings, power, bias.

    Parameters
    ----------
    judgments : DataFrame
        The canonical judgments table (``judgments.validate_judgments`` describes it; raw text columns are
        fine, the table is validated here and a problem raises ``InvalidInput``). Skipped judgments (empty
        preference) are counted and left out.
    scale : {3, 5}, optional
        Preference scale; inferred from the values when None (any ±2 → 5).
    slices : sequence of str
        Columns to break the win rate down by (e.g. ``category``); each gives ``slices[]`` entries with
        Holm and Benjamini–Hochberg adjusted p-values over that column's tests.
    seed : int
        Seed of every bootstrap (>= 0). Same input and seed → the same result, byte for byte as JSON.
    resamples : int
        Bootstrap resamples per interval (0 disables the intervals: they are None).
    exclude_raters : sequence of str
        Rater ids removed before anything is computed; listed in ``excluded_raters``.
    baseline : str, optional
        System fixed at 1000 in ``ratings``; default the system most often in ``system_a``.
    overlap : int, optional
        Raters per item in the study design, for the judgments figure of ``power``; default the observed
        judgments per item of each comparison.
    input_sha256 : str, optional
        Hash of the input, copied to the result for the reproducibility block.
    tie_rule : {"drop", "half", "against_b"}
        The rule of the ``headline`` entries (the verdict sentence); every rule is in ``tie_sensitivity``.

    Returns
    -------
    dict
        JSON-ready (``json.dumps(result, allow_nan=False)`` works). Keys: ``n_judgments, n_skipped, n_items,
        n_raters, scale, seed, resamples, tie_rule, versions, input_sha256, excluded_raters, baseline,
        systems, criteria, overlap, headline, comparisons, tie_sensitivity, agreement, position_bias, raters,
        rater_flag_thresholds, slices, ratings, power, metrics, length_bias, warnings, methods``. Every
        confidence interval is ``[low, high]`` at 95 %.

    Raises
    ------
    EvalstoreError
        Bad arguments (unknown rater to exclude, unknown slice column or baseline) or an invalid table.
    """
    from ..stats.agreement import agreement_summary  # helper module with its own heavy imports

    if tie_rule not in TIE_RULES:
        raise EvalstoreError(f"tie rule must be one of {', '.join(TIE_RULES)}, not {tie_rule!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise EvalstoreError(f"seed must be a whole number >= 0, not {seed!r}")
    if isinstance(resamples, bool) or not isinstance(resamples, (int, np.integer)) or resamples < 0:
        raise EvalstoreError(f"resamples must be a whole number >= 0, not {resamples!r}")
    if scale is not None and scale not in SCALES:
        raise EvalstoreError(f"scale must be 3 or 5, not {scale}")
    if overlap is not None and overlap < 1:
        raise EvalstoreError(f"overlap must be at least 1, not {overlap}")
    seed, resamples = int(seed), int(resamples)
    warnings: list[str] = []

    frame = validate_judgments(judgments, scale=scale)
    slices = list(dict.fromkeys(slices))
    unknown_slices = [c for c in slices if c not in frame.columns]
    if unknown_slices:
        raise EvalstoreError(
            f"no column {unknown_slices[0]!r} to slice by; columns: {', '.join(map(str, frame.columns))}"
        )
    excluded = sorted(dict.fromkeys(str(r) for r in exclude_raters))
    known_raters = set(frame["rater_id"].tolist())
    unknown = [r for r in excluded if r not in known_raters]
    if unknown:
        raise EvalstoreError(
            f"cannot exclude rater {unknown[0]!r}: no such rater in the judgments "
            f"(raters: {', '.join(sorted(known_raters))})"
        )
    if scale is None:
        scale = infer_scale(frame["preference"].to_numpy())
    frame = frame[~frame["rater_id"].isin(excluded)].reset_index(drop=True)
    all_systems = set(frame["system_a"].tolist()) | set(frame["system_b"].tolist())
    if baseline is not None and all_systems and baseline not in all_systems:
        raise EvalstoreError(f"unknown baseline system {baseline!r} (systems: {', '.join(sorted(all_systems))})")
    if baseline is None and len(frame):
        baseline = _default_baseline(frame)
    if excluded:
        warnings.append(f"excluded raters (all their judgments removed first): {', '.join(excluded)}")

    skipped = frame["preference"].isna().to_numpy()
    skipped_per_rater = frame.loc[skipped, "rater_id"].value_counts()
    if skipped.any():
        warnings.append(f"{int(skipped.sum())} skipped judgments (empty preference) are excluded from every statistic")
    frame = _orient_pairs(frame, baseline, warnings) if len(frame) else frame
    data = frame[~skipped].reset_index(drop=True)
    preference = data["preference"].to_numpy(dtype=np.float64)

    item_codes, item_ids = pd.factorize(data["item_id"], sort=True)
    codes = _Codes.of(data)
    criterion_codes, criteria_index = pd.factorize(data["criterion"])  # in order of first appearance
    criteria = [str(c) for c in criteria_index]
    criterion_codes = criterion_codes.astype(np.int64)
    n_systems = max(len(codes.systems), 1)
    comparison_codes, comparison_uniques = pd.factorize((criterion_codes * n_systems + codes.a) * n_systems + codes.b)
    comparison_keys = [
        (criteria[k // n_systems**2], codes.systems[k // n_systems % n_systems], codes.systems[k % n_systems])
        for k in comparison_uniques.tolist()
    ]

    comparisons = [
        _comparison(*key, rows, item_codes, preference)
        for key, rows in zip(comparison_keys, _groups(comparison_codes, len(comparison_keys)))
    ]

    comparison_entries, sensitivity, headline, agreement, power_entries, metrics = [], [], [], [], [], []
    metric_names = _metric_names(data.columns)
    rater_names = np.array(codes.raters, dtype=object)
    lengths = _output_lengths(data)
    for comparison in comparisons:
        name = f"{comparison.criterion}: {comparison.system_a} vs {comparison.system_b}"
        entry = _comparison_section(comparison, warnings)
        comparison_entries.append(entry)
        rules = _tie_sensitivity(comparison)
        sensitivity.extend(rules)
        headline.append(_headline(entry, rules, tie_rule))
        headline[-1]["length_controlled"] = _length_controlled(
            comparison, preference, lengths, tie_rule, resamples, _rng(seed, "length", *comparison.key), warnings
        )
        rater_check = rater_sensitivity(
            item_codes[comparison.rows], codes.rater[comparison.rows], preference[comparison.rows],
            tie_rule, resamples, _rng(seed, "two_way", *comparison.key),
        )
        headline[-1]["rater_sensitivity"] = rater_check.to_dict()
        if rater_check.warning:
            warnings.append(f"{name}: rater sensitivity: {rater_check.warning}")
        _withhold_small_sample_intervals(headline[-1], name, warnings)
        if entry["n_items"] < FEW_ITEMS:
            warnings.append(f"{name}: only {_count(entry['n_items'], 'item', 'items')}; intervals are wide and tests "
                            "have little power")
        per_item = entry["n_judgments"] / entry["n_items"]
        if per_item < 2:
            warnings.append(
                f"{name}: {per_item:.2f} judgments per item on average; "
                "agreement rests on the items rated twice or more"
            )
        if entry["ties"]:
            warnings.append(
                f"{name}: {entry['ties']} ties ({entry['tie_rate']:.0%}) are left out of win_rate_b; "
                "win_rate_b_ties_half and tie_sensitivity show the other readings"
            )
        if entry["design_effect"] is not None and entry["design_effect"] > 1.5:
            warnings.append(
                f"{name}: judgments of one item are correlated (design effect {entry['design_effect']:.2f}): "
                "the naive Wilson interval is too narrow; use the item-clustered win_rate_b_ci"
            )
        rated = pd.DataFrame(
            {
                "item_id": item_codes[comparison.rows],  # codes: agreement never shows item ids
                "rater_id": rater_names[codes.rater[comparison.rows]],
                "preference": preference[comparison.rows],
            }
        )
        summary = agreement_summary(
            rated, scale=scale, resamples=resamples, seed=_seed_int(seed, "agreement", *comparison.key)
        )
        agreement.append({**comparison.label(), **summary})
        for message in summary.get("warnings", []):
            warnings.append(f"{name}: agreement: {message}")
        power_entries.append(_power(entry, overlap))
        metrics.extend(_metric_entries(comparison, data, metric_names, seed, resamples))

    n_raters = int(data["rater_id"].nunique())
    if 0 < n_raters < 3:
        warnings.append(f"only {n_raters} rater(s): agreement and rater checks say little")
    if resamples and resamples < FEW_RESAMPLES:
        warnings.append(
            f"only {resamples} bootstrap resamples: the ends of the intervals are noisy (use >= {FEW_RESAMPLES})"
        )
    if resamples == 0:
        warnings.append("no bootstrap resamples: every bootstrap interval is null")
    if not len(data):
        warnings.append("no judgments to analyse")

    unit_codes = comparison_codes.astype(np.int64) * max(len(item_ids), 1) + item_codes
    left_won = _left_won(codes, preference)
    rater_frame = pd.DataFrame(
        {
            "rater_id": data["rater_id"],
            "unit": pd.factorize(unit_codes)[0],
            "preference": preference,
            "left_won": left_won,
            "duration_s": data["duration_s"] if "duration_s" in data else np.nan,
            "gold_preference": data["gold_preference"] if "gold_preference" in data else np.nan,
            # the side test's strata (pair, item) and a rater's effect-size strata (criterion, pair)
            "stratum": pd.factorize((item_codes.astype(np.int64) * n_systems + codes.a) * n_systems + codes.b)[0],
            "comparison": comparison_codes.astype(np.int64),
        }
    )
    raters, thresholds = rater_summary(rater_frame, skipped_per_rater)
    for row in raters:
        if row["flags"]:
            warnings.append(f"rater {row['rater_id']} flagged: {', '.join(row['flags'])}")

    position_bias = _position_bias(
        codes, preference, rater_frame["unit"].to_numpy(), rater_frame["stratum"].to_numpy(),
        rater_frame["comparison"].to_numpy(),
    )
    if position_bias is None:
        warnings.append("no left_system column: position bias cannot be checked")
    elif not position_bias["testable"]:
        warnings.append(
            f"position bias: {position_bias['reason']}. The left output won "
            f"{position_bias['left_share']:.0%} of non-tie judgments, but that share also says which system was "
            "shown on the left, so it is no evidence of a side preference"
            if position_bias["left_share"] is not None else f"position bias: {position_bias['reason']}"
        )
    elif position_bias["p_value"] < ALPHA:
        odds = position_bias["odds_ratio_mh"]
        warnings.append(
            f"position bias within items: the left output won {position_bias['left_share_tested']:.0%} of the "
            f"{position_bias['n_tested']} non-tie judgments of the {position_bias['n_strata']} items shown with "
            f"system_b on both sides, where {position_bias['expected_left_share']:.0%} is expected without a side "
            f"effect (Mantel-Haenszel odds ratio of system_b winning on the left vs the right "
            f"{f'{odds:.2f}' if odds is not None and math.isfinite(odds) else 'unbounded'}, "
            f"p = {position_bias['p_value']:.2g})"
        )

    pair_units = (item_codes.astype(np.int64) * n_systems + codes.a) * n_systems + codes.b
    length_bias = _length_bias(data, preference, comparisons, pair_units)
    _length_bias_warnings(length_bias, warnings)
    ratings = _ratings(
        data, codes, criteria, criterion_codes, item_codes, preference, baseline, seed, resamples, warnings
    )
    slice_entries = _slices(data, slices, comparisons, item_codes, preference, warnings, tie_rule)
    for entry in power_entries:
        if entry["underpowered"]:
            warnings.append(entry["message"])

    systems = sorted(all_systems - {baseline}) if baseline else sorted(all_systems)
    if len(all_systems) > 2 and comparisons and all(baseline in (c.system_a, c.system_b) for c in comparisons):
        warnings.append(
            f"every comparison is against the baseline {baseline}: two other systems are compared with each other "
            "only through the ratings, never directly"
        )
    result = {
        "n_judgments": int(len(data)),
        "n_skipped": int(skipped.sum()),
        "n_items": int(len(item_ids)),
        "n_raters": n_raters,
        "scale": scale,
        "seed": seed,
        "resamples": resamples,
        "tie_rule": tie_rule,
        "versions": _versions(),
        "input_sha256": input_sha256,
        "excluded_raters": excluded,
        "baseline": baseline,
        "systems": ([baseline] if baseline else []) + systems,
        "criteria": criteria,
        "overlap": overlap,
        "headline": headline,
        "comparisons": comparison_entries,
        "tie_sensitivity": sensitivity,
        "agreement": agreement,
        "position_bias": position_bias,
        "raters": raters,
        "rater_flag_thresholds": thresholds,
        "slices": slice_entries,
        "ratings": ratings,
        "power": {
            "alpha": power_stats.ALPHA,
            "target_power": power_stats.TARGET_POWER,
            "comparisons": power_entries,
        },
        "metrics": metrics,
        "length_bias": length_bias,
        "warnings": warnings,
        "methods": _methods(resamples),
    }
    result = _plain(result)
    from ..reports.markdown import headline_sentence, trust_list  # the words, from the one module that has them

    for entry in result["headline"]:
        entry["sentence"] = headline_sentence(entry)
        entry["can_i_trust_this"] = trust_list(entry, result)
    return result


def _methods(resamples: int) -> dict:
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
        "items (scipy's exact distribution without ties, an exact enumeration of sign flips with ties), above that "
        "scipy.stats.wilcoxon(zero_method='wilcox', method='approx', correction=False)",
        "paired_t_p": "scipy.stats.ttest_1samp of items' mean preference against 0",
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
        "agreement": "krippendorff package with explicit level and value domain; the sentence quotes ordinal alpha "
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
