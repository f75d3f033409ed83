"""Position bias: does the left output win more often than its system explains, within items."""

from __future__ import annotations

import math

import numpy as np

from .common import ALPHA
from .options import AnalysisOptions
from .prepare import Codes, Prepared, left_won


def _position_bias(
    codes: Codes, preference: np.ndarray, units: np.ndarray, strata: np.ndarray, per_rater_tests: list[dict]
) -> dict | None:
    """Position bias tested within items (stats/position.py), overall and per rater.

    ``units``: (criterion, pair, item) code of each judgment, the strata of the Mantel–Haenszel odds ratio;
    ``strata``: (pair, item) code, the strata of the test, where one rater's judgments of one screen (every
    criterion) are permuted together; ``per_rater_tests``: each rater's own side test
    (``Prepared.rater_side_tests``). ``left_share`` (all non-tie judgments pooled) is descriptive only: it also says
    which system was shown on the left.
    """
    from ..stats import position

    if not (codes.left >= 0).any():
        return None
    won = left_won(codes, preference)
    sided = ~np.isnan(won)
    n_raters = len(codes.raters)
    n = np.bincount(codes.rater[sided], minlength=n_raters)
    wins = np.bincount(codes.rater[sided], weights=won[sided], minlength=n_raters).round().astype(np.int64)
    b_left, b_won = (codes.left == codes.b)[sided], (preference > 0)[sided]
    rater, stratum = codes.rater[sided], np.asarray(strata, dtype=np.int64)[sided]

    test = position.side_test(stratum, b_left, b_won, presentation=rater)
    reason = position.testability(test)
    estimate = position.mantel_haenszel(np.asarray(units, dtype=np.int64)[sided], b_left, b_won)

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



def build_position_bias(prep: Prepared, options: AnalysisOptions) -> dict:
    position_bias = _position_bias(
        prep.codes, prep.preference, prep.units, prep.strata, prep.rater_side_tests
    )
    warnings = prep.warnings
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
    return {"position_bias": position_bias}
